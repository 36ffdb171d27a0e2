"""A referral's way through its statuses (``spec/data.md``, Referral).

``draft`` -> ``sent`` -> ``acknowledged`` -> ``completed`` or ``declined``, with ``withdrawn``
possible until it is closed, and no step skipped from a draft: a referral cannot be
completed or declined before it was sent. Sending needs the carer's consent to share,
confirmed at that moment by the person sending it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from carerdesk.core import codes
from carerdesk.core.errors import FieldError

if TYPE_CHECKING:
    from carerdesk.core.entries import FieldSpec

NEXT: dict[str, tuple[str, ...]] = {
    "draft": ("sent", "withdrawn"),
    "sent": ("acknowledged", "completed", "declined", "withdrawn"),
    "acknowledged": ("completed", "declined", "withdrawn"),
    "completed": (),
    "declined": (),
    "withdrawn": (),
}
"""From each status, the statuses it may move to."""
CLOSED: tuple[str, ...] = tuple(status for status, onward in NEXT.items() if not onward)
"""The statuses that close a referral (completed, declined, withdrawn): those it does not move
on from. Every rule, form, query and return that asks whether a referral is closed reads this."""
OPEN: tuple[str, ...] = tuple(status for status in NEXT if status not in CLOSED)
"""The statuses of a referral still open (draft, sent, acknowledged)."""
ACKNOWLEDGE_WITHIN = 10
"""Days after sending before an unacknowledged referral is chased, unless the organisation
says otherwise (setting ``referral_chase_days``)."""


def check_move(current: str, wanted: str) -> str:
    """``wanted`` if a referral at ``current`` may move there, else a refusal naming where
    it may go."""
    if wanted not in NEXT:
        raise FieldError("status", "Choose a status from the list.")
    if wanted == current:
        raise FieldError("status", f"The referral is already {current}.")
    allowed = NEXT.get(current, ())
    if wanted not in allowed:
        label = codes.label(codes.REFERRAL_STATUS, current).lower()
        if not allowed:
            raise FieldError("status", f"A {label} referral is closed: it does not change.")
        names = " or ".join(codes.label(codes.REFERRAL_STATUS, s).lower() for s in allowed)
        raise FieldError("status", f"A {label} referral can become {names}, not that.")
    return wanted


def check_destination(text: str, services: codes.CodeList) -> str:
    """The code of the service ``text`` names (its code or its name, in any case), when it is
    one of ``services``: the organisation's list of services offered (for a register's
    files, the retired ones too, as past referrals name them)."""
    from carerdesk.core.validate import parse_choice

    if not text.strip():
        raise FieldError("destination", "Choose where the referral goes.")
    try:
        return parse_choice(services, text) or ""
    except FieldError:
        raise FieldError(
            "destination",
            "This service is not on this register's list: add it first (S on the follow-ups "
            "screen, or carerdesk services add), or choose one from the services offered: "
            f"{', '.join(services)}.",
        ) from None


def check_send(consent_share: bool | None, confirmed: bool) -> None:
    """Sending needs the carer's consent to share, recorded and confirmed now."""
    if consent_share is not True:
        raise FieldError(
            "consent",
            "They have not consented to share their details: ask them, and record it on "
            "their record, before this is sent.",
        )
    if not confirmed:
        raise FieldError(
            "consent", "Confirm that they agree, today, to their details going to this service."
        )


def make_fields(services: codes.CodeList) -> dict[str, FieldSpec]:
    """The new referral form: where to (one of ``services``, the organisation's list now
    offered), why, how urgent, what the carer hopes for."""
    from carerdesk.core.entries import FieldSpec
    from carerdesk.core.validate import parse_choice, parse_text

    return {
        "destination": FieldSpec(
            "Refer to", lambda t, d: check_destination(t, services), True, services
        ),
        "reason": FieldSpec(
            "Why", lambda t, d: parse_text(t, max_length=2000), required=True,
            needed="Say why they are referred.",
        ),
        "urgency": FieldSpec(
            "Urgency", lambda t, d: parse_choice(codes.URGENCY, t), True, codes.URGENCY
        ),
        "hopes": FieldSpec(
            "What they hope for", lambda t, d: parse_text(t, max_length=2000)
        ),
    }  # fmt: skip


def step_fields(current: str, service: str) -> dict[str, FieldSpec]:
    """The next-step form of a referral at ``current``: the statuses it may move to, the
    outcome for a closing step, and for sending, the carer's consent to their details going
    to ``service`` (its name) confirmed now."""
    from carerdesk.core.entries import FieldSpec
    from carerdesk.core.validate import parse_choice, parse_text, parse_yes_no

    allowed = {s: codes.REFERRAL_STATUS[s] for s in NEXT.get(current, ())}
    fields = {
        "status": FieldSpec("Move it to", lambda t, d: parse_choice(allowed, t), True, allowed),
        "outcome": FieldSpec(
            "Outcome (when it closes)", lambda t, d: parse_text(t, max_length=2000)
        ),
    }
    if "sent" in allowed:
        fields["consent"] = FieldSpec(
            f"They agree, today, to their details going to {service}",
            lambda t, d: parse_yes_no(t),
            choices=codes.YES_NO,
        )
    return fields
