"""Rules between a record and the register around it, written once for every way a record
arrives: a form (``db.ops``), a register file (``export.importer``) or an event's file
(``db.events``). Callers reach them as ``rules.check_ward`` and so on, through the module,
so that a rule changed here is the rule everywhere.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date

from carerdesk.core.errors import FieldError


def check_ward(ward: str | None, wards: Collection[str]) -> None:
    """A ward is one of the organisation's ``wards`` (setting ``wards``), when it has a list."""
    if ward and wards and ward not in wards:
        raise FieldError(
            "ward", "This ward is not on the organisation's ward list: choose one from it."
        )


MAX_WARDS = 200
"""More wards than any local authority in England has."""


def parse_wards(text: str) -> list[str]:
    """The organisation's ward list as typed for the setting ``wards``: names separated by
    ``;`` (or one a line), in the order the return lists them; empty clears the list (a ward
    is then free text and the return counts none). Each name as the ward field takes it."""
    from carerdesk.core.text import fold, tidy

    names = [tidy(part) for part in text.replace("\n", ";").split(";")]
    wards = [name for name in names if name]
    seen: set[str] = set()
    for name in wards:
        if len(name) > 100:
            raise FieldError("wards", f"A ward's name is at most 100 characters: {name[:20]}…")
        if fold(name) in seen:
            raise FieldError("wards", f"{name} is on the list twice.")
        seen.add(fold(name))
    if len(wards) > MAX_WARDS:
        raise FieldError("wards", f"At most {MAX_WARDS} wards.")
    return wards


def check_contact_date(contact_on: date, registered_on: date | None) -> None:
    """No contact with a carer is dated before they registered (an anonymous contact, with no
    registration date, may be on any day)."""
    if registered_on is not None and contact_on < registered_on:
        raise FieldError("contact_on", "This date is before the carer registered.")


SUPPORT_NEEDED = "Tick at least one kind of support given (Space ticks)."


def check_support(support: Collection[str]) -> None:
    """A contact records at least one kind of support given: the return counts contacts by
    it, and a contact with none would be counted under no kind."""
    if not support:
        raise FieldError("support", SUPPORT_NEEDED)


def check_closing_date(closed_on: date, registered_on: date) -> None:
    """A carer's record is not closed before they registered."""
    if closed_on < registered_on:
        raise FieldError("closed_on", "The closing date is before they registered.")


def check_registration_date(registered_on: date, born: date) -> None:
    """Nobody registers before they were born."""
    if registered_on < born:
        raise FieldError("registered_on", "The registration date is before the date of birth.")


def check_registered_by(
    registered_on: date, first_contact: date | None, closed_on: date | None = None
) -> None:
    """A registration date moved no later than the carer's first contact, nor than the day
    their record was closed: the rules of ``check_contact_date`` and ``check_closing_date``
    seen from the record, so an edit never leaves a contact or a closing before it (which
    the register's own files would then not import back)."""
    if first_contact is not None and registered_on > first_contact:
        raise FieldError(
            "registered_on",
            f"They have a contact on {first_contact:%d/%m/%Y}, before this date: they "
            "registered on or before their first contact.",
        )
    if closed_on is not None and registered_on > closed_on:
        raise FieldError(
            "registered_on",
            f"Their record was closed on {closed_on:%d/%m/%Y}, before this date: they "
            "registered on or before it was closed.",
        )
