"""Consents as dated entries: to keep their details, to share them, to be contacted.

Each entry says which consent, given or withdrawn, on what day, how (in person, by phone,
in writing, online) and who recorded it. The carer's own consent fields hold the latest
state (``LATEST``); an entry is checked here, once, for the form, the command line and an
import alike.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from carerdesk.core import codes
from carerdesk.core.entries import FieldSpec, check_all
from carerdesk.core.errors import FieldError
from carerdesk.core.validate import parse_choice, parse_past_date, parse_yes_no

LATEST: Mapping[str, str] = {
    "store": "consent_store",
    "share": "consent_share",
    "contact": "consent_contact",
}
"""Each consent's field on the carer's record, which holds its latest state."""

HOW_OF_REGISTERED_AT: Mapping[str, str] = {
    "drop_in": "in_person",
    "event": "in_person",
    "home_visit": "in_person",
    "outreach": "in_person",
    "phone": "phone",
    "online": "online",
}
"""How consent was taken at registration, from where they registered."""


def _given(text: str, today: date) -> bool:
    code = codes.parse_code(codes.CONSENT_GIVEN, text)
    value = code == "yes" if code else parse_yes_no(text)
    if value is None:
        raise FieldError("given", "Say whether they gave it (yes) or withdrew it (no).")
    return value


def _on(text: str, today: date) -> date:
    return parse_past_date(text, today, "date")


CONSENT_FIELDS: Mapping[str, FieldSpec] = {
    "consent": FieldSpec(
        "Consent", lambda t, d: parse_choice(codes.CONSENT, t), True, codes.CONSENT
    ),
    "given": FieldSpec("Given or withdrawn", _given, True, codes.CONSENT_GIVEN),
    "date": FieldSpec("On", _on, required=True),
    "how": FieldSpec(
        "How", lambda t, d: parse_choice(codes.CONSENT_HOW, t), True, codes.CONSENT_HOW,
        needed="Say how they told us: in person, by phone, in writing or online.",
    ),
}  # fmt: skip
"""The consent form's fields, and the columns of ``consents.csv`` after the reference (with
``recorded_by``)."""


@dataclass(frozen=True)
class ConsentEntry:
    """One consent given or withdrawn, as checked."""

    consent: str
    given: bool
    on: date
    how: str | None


def check_consent(values: Mapping[str, str], today: date) -> ConsentEntry:
    """A consent entry from the form's texts; ``InvalidEntry`` names every bad field."""
    checked = check_all(CONSENT_FIELDS, values, today)
    return ConsentEntry(checked["consent"], checked["given"], checked["date"], checked["how"])


def how_registered(registered_at: str | None) -> str | None:
    """How consent was taken when a carer registered at ``registered_at`` (None: not known)."""
    return HOW_OF_REGISTERED_AT.get(registered_at or "")
