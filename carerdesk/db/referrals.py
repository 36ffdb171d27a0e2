"""Referrals: made as a draft, sent with the carer's consent confirmed at that moment, then
acknowledged, completed, declined or withdrawn, each step timestamped and attributed.

The open referrals list gives each one's age in days and marks those sent and not
acknowledged after ``ACKNOWLEDGE_WITHIN`` days (setting ``referral_chase_days``, default 10).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from carerdesk.core import codes
from carerdesk.core.errors import FieldError, NotAllowed, NotFound
from carerdesk.core.permissions import Actor, Can
from carerdesk.core.referrals import (
    ACKNOWLEDGE_WITHIN,
    CLOSED,
    check_destination,
    check_move,
    check_send,
)
from carerdesk.core.text import tidy, tidy_lines
from carerdesk.core.validate import local_date
from carerdesk.db import accounts, audit, carers, destinations
from carerdesk.db.audit import Action
from carerdesk.db.models import Carer, Referral, ReferralEvent
from carerdesk.db.versions import check_version
from carerdesk.db.views import ReferralView, referral_view

CHASE_KEY = "referral_chase_days"


def _step(session: Session, referral: Referral, status: str, by: Actor, reference: str) -> None:
    session.add(ReferralEvent(referral_id=referral.id, status=status, by=by.name))
    audit.record(
        session, by, Action.CHANGED if status != "draft" else Action.CREATED,
        kind="referral", record_id=referral.id, reference=reference,
        fields=["status"], detail=status,
    )  # fmt: skip


def make_referral(
    session: Session,
    carer_id: str,
    *,
    destination: str,
    reason: str,
    urgency: str = "routine",
    hopes: str = "",
    by: Actor,
) -> ReferralView:
    """A draft referral from the carer's record: where to, why, how urgent, and what the
    carer hopes for."""
    by.require(Can.REFER)
    carer = carers._get_carer(session, carer_id)
    if carer.status == "closed":
        raise NotAllowed("This carer's record is closed: reopen it before referring them.")
    errors = {}
    try:
        destination = check_destination(destination, destinations.offered(session, by=by))
    except FieldError as refused:
        errors["destination"] = refused.message
    if urgency not in codes.URGENCY:
        errors["urgency"] = "Routine or urgent?"
    if not tidy(reason):
        errors["reason"] = "Say why they are referred."
    if errors:
        from carerdesk.core.errors import InvalidEntry

        raise InvalidEntry(errors)
    referral = Referral(
        carer_id=carer.id,
        destination=destination,
        reason=tidy_lines(reason),
        urgency=urgency,
        status="draft",
        hopes=tidy_lines(hopes) or None,
        created_by=by.name,
        updated_by=by.name,
    )
    session.add(referral)
    session.flush()
    _step(session, referral, "draft", by, carer.reference)
    return referral_view(referral)


def get_referral(session: Session, referral_id: str, *, by: Actor) -> ReferralView:
    """A referral by its id, or ``NotFound`` (who may refer may read one)."""
    by.require(Can.REFER)
    return referral_view(_get_referral(session, referral_id))


def _get_referral(session: Session, referral_id: str) -> Referral:
    """A referral by its id, or ``NotFound``."""
    referral = session.get(Referral, referral_id)
    if referral is None:
        raise NotFound("That referral is not in the register.")
    return referral


def send_referral(
    session: Session,
    referral_id: str,
    *,
    confirmed: bool,
    by: Actor,
    today: date,
    version: int | None = None,
) -> ReferralView:
    """Send a draft: only with the carer's consent to share on record and confirmed now by
    the person sending it (who and when are kept with the referral). Refused when the
    referral changed since it was shown at ``version``."""
    by.require(Can.REFER)
    referral = _get_referral(session, referral_id)
    check_version(referral, version, "referral")
    check_move(referral.status, "sent")
    carer = referral.carer
    check_send(carer.consent_share, confirmed)
    referral.status, referral.made_on = "sent", today
    referral.consent_confirmed_by, referral.consent_confirmed_on = by.name, today
    referral.updated_by = by.name
    _step(session, referral, "sent", by, carer.reference)
    return referral_view(referral)


def move_referral(
    session: Session,
    referral_id: str,
    status: str,
    *,
    by: Actor,
    today: date,
    outcome: str = "",
    version: int | None = None,
) -> ReferralView:
    """Acknowledged, completed, declined or withdrawn; a closing step may say the outcome.
    Refused when the referral changed since it was shown at ``version``."""
    by.require(Can.REFER)
    referral = _get_referral(session, referral_id)
    check_version(referral, version, "referral")
    if status == "sent":
        raise FieldError("status", "Send a draft with its consent confirmed.")
    check_move(referral.status, status)
    referral.status = status
    if status == "acknowledged":
        referral.acknowledged_on = today
    if status in CLOSED:
        referral.closed_on = today
        referral.outcome = tidy(outcome) or referral.outcome
    referral.updated_by = by.name
    _step(session, referral, status, by, referral.carer.reference)
    return referral_view(referral)


@dataclass(frozen=True)
class ReferralStep:
    """One step of a referral: its status, when, and by whom."""

    status: str
    at: datetime
    by: str


def steps(session: Session, referral_id: str, *, by: Actor) -> list[ReferralStep]:
    """Every step of a referral, oldest first."""
    by.require(Can.REFER)
    stmt = (
        select(ReferralEvent)
        .where(ReferralEvent.referral_id == referral_id)
        .order_by(ReferralEvent.at)
    )
    return [ReferralStep(e.status, e.at, e.by) for e in session.scalars(stmt)]


@dataclass(frozen=True)
class OpenReferral:
    """An open referral as the referrals list shows it."""

    id: str
    reference: str
    name: str
    destination: str
    """The service's name."""
    status: str
    urgency: str
    age_days: int
    overdue: bool
    """Sent and not acknowledged after the organisation's number of days."""


def chase_days(session: Session) -> int:
    """Days after sending before an unacknowledged referral is chased (default 10)."""
    return accounts.whole_setting(session, CHASE_KEY, ACKNOWLEDGE_WITHIN)


def open_referrals(
    session: Session,
    today: date,
    *,
    destination: str | None = None,
    status: str | None = None,
    by: Actor,
) -> list[OpenReferral]:
    """Referrals not yet closed, oldest first, with their age in days (since sent, or since
    made for a draft); optionally one destination or one status."""
    by.require(Can.REFER)
    query = (
        select(Referral, Carer)
        .join(Carer, Carer.id == Referral.carer_id)
        .where(Referral.status.not_in(CLOSED))
    )
    if destination:
        query = query.where(Referral.destination == destination)
    if status:
        query = query.where(Referral.status == status)
    chase = chase_days(session)
    service_names = destinations.names(session, by=by)
    found = []
    for referral, carer in session.execute(query):
        since = referral.made_on or local_date(referral.created_at)
        age = (today - since).days
        found.append(
            OpenReferral(
                referral.id,
                carer.reference,
                carer.preferred_name or f"{carer.first_name} {carer.last_name}",
                service_names.get(referral.destination, referral.destination),
                referral.status,
                referral.urgency,
                age,
                referral.status == "sent" and age > chase,
            )
        )
    return sorted(found, key=lambda r: (-r.age_days, r.reference))
