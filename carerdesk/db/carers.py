"""The operations of the front desk, as plain functions taking a session.

Each flushes but never commits: the caller's unit of work (``engine.unit_of_work``) owns the
transaction, so one user action is one transaction. The screens and the command line call
these same functions, so every rule holds whichever way a record arrives.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, time
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload

from carerdesk.core import matching, rules
from carerdesk.core.cards import check_born_for
from carerdesk.core.consents import LATEST, ConsentEntry, how_registered
from carerdesk.core.entries import CARER_FIELDS, CarerEntry, ContactEntry, RoleEntry, entry_values
from carerdesk.core.errors import EditConflict, FieldError, NotAllowed, NotFound
from carerdesk.core.keys import reference_key
from carerdesk.core.permissions import Actor, Can
from carerdesk.core.text import search_form
from carerdesk.core.validate import postcode_key
from carerdesk.db import audit, consents, reads
from carerdesk.db.audit import Action
from carerdesk.db.models import Carer, CaringRole, Contact, Setting, Stamped
from carerdesk.db.versions import check_version
from carerdesk.db.views import (
    CarerView,
    ContactView,
    RoleView,
    carer_view,
    contact_view,
    role_view,
    sees_everything,
)

REFERENCE_PREFIX = "C"
REFERENCE_DIGITS = 6
COUNTER_KEY = "next_reference"
MATCH_AT_MOST = 2000
"""The most records read to compare with a carer being registered (a care home's postcode
and a common birth date together stay well below it)."""


def search_keys(
    first_name: str, last_name: str, preferred_name: str | None, postcode: str | None
) -> dict[str, str | None]:
    """The folded name and postcode columns that search reads, for a carer's fields.

    Bulk loaders (the demo register, imports) write these too, through this one function.
    """
    names = " ".join([first_name, last_name, preferred_name or ""])
    return {
        "first_folded": search_form(first_name),
        "last_folded": search_form(last_name),
        "search_text": search_form(names),
        "postcode_key": postcode_key(postcode) if postcode else None,
    }


def apply_search_keys(carer: Carer) -> None:
    """Write the carer's search keys from its fields (after a change to them)."""
    keys = search_keys(carer.first_name, carer.last_name, carer.preferred_name, carer.postcode)
    for name, value in keys.items():
        setattr(carer, name, value)


def next_reference(session: Session) -> str:
    """A new carer reference (``C000123``), never used before, even after a deletion."""
    counter = session.get(Setting, COUNTER_KEY)
    if counter is None:
        counter = Setting(key=COUNTER_KEY, value="1")
        session.add(counter)
    number = int(counter.value)
    while True:
        reference = f"{REFERENCE_PREFIX}{number:0{REFERENCE_DIGITS}d}"
        number += 1
        # Taken in any case: an imported c000123 is the same reference.
        taken = session.scalar(select(Carer.pk).where(Carer.reference_key == reference))
        if taken is None:
            break
    counter.value = str(number)
    return reference


def reserve_references(session: Session, references: Iterable[str]) -> None:
    """Move the reference counter past references brought in from elsewhere (an import),
    so that the next new carer does not walk through them one by one."""
    pattern = re.compile(rf"{REFERENCE_PREFIX}(\d{{{REFERENCE_DIGITS}}})")
    numbers = [
        int(m.group(1)) for ref in references if (m := pattern.fullmatch(reference_key(ref)))
    ]
    if not numbers:
        return
    counter = session.get(Setting, COUNTER_KEY)
    if counter is None:
        session.add(Setting(key=COUNTER_KEY, value=str(max(numbers) + 1)))
    elif int(counter.value) <= max(numbers):
        counter.value = str(max(numbers) + 1)


def ward_list(session: Session) -> list[str]:
    """The organisation's wards, in its own order; empty when none are set up."""
    import json

    setting = session.get(Setting, "wards")
    return list(json.loads(setting.value)) if setting and setting.value else []


def _check_ward(session: Session, ward: str | None) -> None:
    if ward:
        rules.check_ward(ward, ward_list(session))


def _role_values(entry: RoleEntry) -> dict[str, object]:
    values = entry_values(entry)
    values["relationship_"] = values.pop("relationship")
    values["conditions"] = ";".join(entry.conditions)
    return values


def register_carer(
    session: Session,
    entry: CarerEntry,
    roles: list[RoleEntry] | None = None,
    *,
    by: Actor,
    today: date | None = None,
    reference: str | None = None,
) -> CarerView:
    """Register a new carer with their caring roles; consent to store must have been given."""
    by.require(Can.REGISTER)
    if not entry.consent_store:
        raise FieldError(
            "consent_store", "We can only register someone who agrees to us keeping their details."
        )
    _check_ward(session, entry.ward)
    carer = Carer(
        **entry_values(entry),
        reference=reference or next_reference(session),
        status="active",
        consent_date=today or entry.registered_on,
        consent_by=by.name,
        created_by=by.name,
        updated_by=by.name,
    )
    apply_search_keys(carer)
    session.add(carer)
    for role in roles or []:
        carer.roles.append(CaringRole(**_role_values(role), created_by=by.name, updated_by=by.name))
    session.flush()
    # Their consents as given at registration are the first entries of their history.
    consents.first_entries(session, carer, how_registered(entry.registered_at), by=by)
    _trail(session, by, Action.CREATED, carer, fields=_filled(entry_values(entry)))
    for added in carer.roles:
        _trail(session, by, Action.CREATED, carer, kind="caring_role", record_id=added.id)
    return carer_view(carer, by, today or date.today())


def _apply_changes(record: Stamped, values: dict[str, object], by: Actor) -> list[str]:
    """Set the values that differ, stamp who changed them; the names of those changed."""
    changed = [name for name, value in values.items() if getattr(record, name) != value]
    for name in changed:
        setattr(record, name, values[name])
    if changed:
        record.updated_by = by.name
    return changed


def _filled(values: dict[str, object]) -> list[str]:
    return [name for name, value in values.items() if value not in (None, "", ())]


def _trail(
    session: Session,
    by: Actor,
    action: str,
    carer: Carer | None,
    *,
    kind: str = "carer",
    record_id: str | None = None,
    fields: list[str] | None = None,
    detail: str = "",
) -> None:
    """One audit entry about a carer's record or one of its parts (a role, a contact)."""
    audit.record(
        session,
        by,
        action,
        kind=kind,
        record_id=record_id or (carer.id if carer else None),
        reference=carer.reference if carer else None,
        fields=fields or (),
        detail=detail,
    )


def open_carer(
    session: Session, carer_id: str, *, by: Actor, today: date | None = None
) -> CarerView:
    """A carer's record as a person opens it to read, as they may see it (a volunteer: the
    volunteer's view): recorded in the audit trail, and counted towards their reads of the
    day (``carerdesk.db.reads``)."""
    by.require(Can.FIND)
    carer = _get_carer(session, carer_id)
    reads.count(session, by, 1)
    _trail(session, by, Action.OPENED, carer)
    return carer_view(carer, by, today or date.today())


def get_carer(
    session: Session,
    carer_id: str,
    *,
    by: Actor,
    today: date | None = None,
    follow_merge: bool = True,
) -> CarerView:
    """A carer's record read again (after a change), as ``by`` may see it; not recorded in
    the audit trail, as ``open_carer`` is. By id or reference; see ``_get_carer``."""
    by.require(Can.FIND)
    carer = _get_carer(session, carer_id, follow_merge=follow_merge)
    return carer_view(carer, by, today or date.today())


def _get_carer(session: Session, carer_id: str, *, follow_merge: bool = True) -> Carer:
    """A carer with roles, contacts, cards and referrals loaded, by id or reference, for the
    operations of this package (which check the acting person's right themselves).

    The reference in any case (``abc-12`` finds ``ABC-12``). The id or reference of a record
    merged into another gives that other record, unless ``follow_merge`` is False."""
    stmt = (
        select(Carer)
        .where(or_(Carer.id == carer_id, Carer.reference_key == reference_key(carer_id)))
        .options(
            selectinload(Carer.roles),
            selectinload(Carer.contacts),
            selectinload(Carer.cards),
            selectinload(Carer.referrals),
        )
    )
    carer = session.scalar(stmt)
    if carer is None:
        raise NotFound("No carer has that reference. They may have been removed.")
    if follow_merge and carer.merged_into is not None:
        return _get_carer(session, carer.merged_into)
    return carer


def update_carer(
    session: Session,
    carer_id: str,
    changes: Mapping[str, Any],
    *,
    by: Actor,
    version: int | None = None,
    was: Mapping[str, Any] | None = None,
    today: date | None = None,
) -> CarerView:
    """Change the fields a person changed (``changes``: stored values by field name); no
    other field is touched. Returns the carer; the reference never changes.

    ``version`` is the version the form was opened with and ``was`` the values it showed.
    When the record changed since, a field changed here and also by someone else (its value
    now is neither ``was`` nor the new one) refuses the save with ``EditConflict``, naming
    the fields and holding both values; fields only the other person changed stay as they
    now are. The audit trail names the fields changed (never their values); saving without
    a change writes nothing.
    """
    by.require(Can.EDIT)
    unknown = set(changes) - set(CARER_FIELDS)
    if unknown:
        raise ValueError(f"not carer fields: {sorted(unknown)}")
    carer = _get_carer(session, carer_id)
    if "consent_store" in changes and changes["consent_store"] is not True:
        raise FieldError(
            "consent_store",
            "Consent to keep their details cannot be taken back here: close "
            "the record with the reason 'Withdrew consent' instead.",
        )
    if "ward" in changes:
        _check_ward(session, changes["ward"])
    if version is not None and carer.version != version:
        before = was or {}
        clashes = {
            name: (mine, getattr(carer, name))
            for name, mine in changes.items()
            if getattr(carer, name) != mine
            and (name not in before or before[name] != getattr(carer, name))
        }
        if clashes:
            labels = [CARER_FIELDS[name].label for name in clashes]
            raise EditConflict(labels, clashes, carer.version)
    if "date_of_birth" in changes:
        active = [
            (c.card_number, c.card_type, c.issued_on) for c in carer.cards if c.status == "active"
        ]
        check_born_for(active, changes["date_of_birth"])
    if "registered_on" in changes:
        first = min((contact.contact_on for contact in carer.contacts), default=None)
        rules.check_registered_by(changes["registered_on"], first, carer.closed_on)
    changed = _apply_changes(carer, dict(changes), by)
    if not changed:
        return carer_view(carer, by, date.today())
    rules.check_registration_date(carer.registered_on, carer.date_of_birth)
    apply_search_keys(carer)
    session.flush()
    # A consent answered or changed on the form is an entry of their consent history (how
    # they told us is not asked there; N on the record asks it).
    for consent, name in LATEST.items():
        if name in changed and getattr(carer, name) is not None:
            entry = ConsentEntry(consent, getattr(carer, name), today or date.today(), None)
            consents.add_entry(session, carer, entry, by=by)
    _trail(session, by, Action.CHANGED, carer, fields=changed)
    return carer_view(carer, by, date.today())


def close_carer(session: Session, carer_id: str, *, on: date, reason: str, by: Actor) -> CarerView:
    """Close a carer's record with a reason from the ``closed_reason`` list."""
    from carerdesk.core.codes import CLOSED_REASON

    by.require(Can.CLOSE)
    carer = _get_carer(session, carer_id)
    if carer.status == "closed":
        raise NotAllowed("This carer's record is already closed.")
    if reason not in CLOSED_REASON:
        raise FieldError("closed_reason", "Choose a reason for closing the record.")
    rules.check_closing_date(on, carer.registered_on)
    carer.status, carer.closed_on, carer.closed_reason = "closed", on, reason
    carer.updated_by = by.name
    session.flush()
    _trail(session, by, Action.CLOSED, carer, fields=["status", "closed_on", "closed_reason"])
    return carer_view(carer, by, on)


def reopen_carer(session: Session, carer_id: str, *, by: Actor) -> CarerView:
    """Reopen a closed carer's record."""
    by.require(Can.CLOSE)
    carer = _get_carer(session, carer_id)
    if carer.status != "closed":
        raise NotAllowed("This carer's record is already open.")
    if carer.consent_store is not True:
        raise NotAllowed(
            "They withdrew consent to keep their details: record their consent again "
            "(N on the record) before reopening it."
        )
    carer.status, carer.closed_on, carer.closed_reason = "active", None, None
    carer.updated_by = by.name
    session.flush()
    _trail(session, by, Action.REOPENED, carer, fields=["status", "closed_on", "closed_reason"])
    return carer_view(carer, by, date.today())


def add_role(session: Session, carer_id: str, entry: RoleEntry, *, by: Actor) -> RoleView:
    """Add a caring role to a carer."""
    by.require(Can.EDIT)
    carer = _get_carer(session, carer_id)
    role = CaringRole(**_role_values(entry), created_by=by.name, updated_by=by.name)
    carer.roles.append(role)
    session.flush()
    _trail(session, by, Action.CREATED, carer, kind="caring_role", record_id=role.id)
    return role_view(role, by)


def update_role(
    session: Session, role_id: str, entry: RoleEntry, *, by: Actor, version: int | None = None
) -> RoleView:
    """Change a caring role (to end one, give it an end date); refused when it changed since
    its form was opened at ``version``."""
    by.require(Can.EDIT)
    role = session.get(CaringRole, role_id)
    if role is None:
        raise NotFound("That caring role no longer exists.")
    check_version(role, version, "caring role")
    changed = _apply_changes(role, _role_values(entry), by)
    if not changed:
        return role_view(role, by)
    session.flush()
    fields = [name.rstrip("_") for name in changed]
    _trail(
        session,
        by,
        Action.CHANGED,
        role.carer,
        kind="caring_role",
        record_id=role.id,
        fields=fields,
    )
    return role_view(role, by)


def log_contact(
    session: Session, carer_id: str | None, entry: ContactEntry, *, by: Actor
) -> ContactView:
    """Log a contact with a carer, or an anonymous one when ``carer_id`` is None."""
    by.require(Can.LOG_CONTACT)
    rules.check_support(entry.support)
    carer = None
    if carer_id is not None:
        carer = _get_carer(session, carer_id)
        rules.check_contact_date(entry.contact_on, carer.registered_on)
        carer_id = carer.id
    contact = Contact(
        carer_id=carer_id,
        contact_on=entry.contact_on,
        contact_time=entry.contact_time,
        channel=entry.channel,
        support=";".join(entry.support),
        minutes=entry.minutes,
        notes=entry.notes,
        staff=by.name,
        created_by=by.name,
        updated_by=by.name,
    )
    session.add(contact)
    session.flush()
    _trail(session, by, Action.CREATED, carer, kind="contact", record_id=contact.id)
    return contact_view(contact, by)


def update_contact(
    session: Session,
    contact_id: str,
    entry: ContactEntry,
    *,
    by: Actor,
    version: int | None = None,
) -> ContactView:
    """Correct a contact; who recorded it first stays as it was. Refused when it changed
    since its form was opened at ``version``."""
    by.require(Can.EDIT)
    contact = session.get(Contact, contact_id)
    if contact is None:
        raise NotFound("That contact no longer exists.")
    check_version(contact, version, "contact")
    rules.check_support(entry.support)
    if contact.carer is not None:
        rules.check_contact_date(entry.contact_on, contact.carer.registered_on)
    values: dict[str, object] = {
        "contact_on": entry.contact_on,
        "contact_time": entry.contact_time,
        "channel": entry.channel,
        "support": ";".join(entry.support),
        "minutes": entry.minutes,
        "notes": entry.notes,
    }
    changed = _apply_changes(contact, values, by)
    if not changed:
        return contact_view(contact, by)
    session.flush()
    _trail(
        session,
        by,
        Action.CHANGED,
        contact.carer,
        kind="contact",
        record_id=contact.id,
        fields=changed,
    )
    return contact_view(contact, by)


@dataclass(frozen=True)
class ContactLine:
    """One of a day's contacts, as the home screen lists it."""

    id: str
    contact_time: time | None
    channel: str
    support: str
    reference: str | None
    name: str | None
    staff: str | None


def contacts_on(session: Session, day: date, limit: int = 200, *, by: Actor) -> list[ContactLine]:
    """A day's contacts, latest time first (then latest saved), anonymous ones included.

    Someone who may not see carers' details (a volunteer) gets only the contacts they logged
    themselves: what support other people were given is not theirs to see."""
    by.require(Can.FIND)
    stmt = (
        select(Contact, Carer.reference, Carer.first_name, Carer.last_name)
        .outerjoin(Carer, Contact.carer_id == Carer.id)
        .where(Contact.contact_on == day)
    )
    if not by.may(Can.SEE_DETAILS):
        stmt = stmt.where(Contact.created_by == by.name)
    stmt = stmt.order_by(
        Contact.contact_time.desc().nulls_last(), Contact.created_at.desc(), Contact.id
    ).limit(limit)
    return [
        ContactLine(
            id=contact.id,
            contact_time=contact.contact_time,
            channel=contact.channel,
            support=contact.support,
            reference=reference,
            name=f"{first} {last}" if reference else None,
            staff=contact.staff,
        )
        for contact, reference, first, last in session.execute(stmt)
    ]


def count_carers(session: Session, *, by: Actor) -> int:
    """How many carers the register holds, closed ones included."""
    by.require(Can.FIND)
    return session.scalar(select(func.count()).select_from(Carer)) or 0


@dataclass(frozen=True)
class PossibleDuplicate:
    """A registered carer who may be the person being registered, and why we think so."""

    id: str
    reference: str
    name: str
    date_of_birth: date | None
    """None in a volunteer's view (as ``postcode``)."""
    postcode: str | None
    reason: str


def possible_duplicates(
    session: Session, entry: CarerEntry, *, by: Actor, exclude_id: str | None = None
) -> list[PossibleDuplicate]:
    """Carers already registered who may be this person, best first: the register's records
    that the shared matching (``core.matching``, as the duplicate scan and an event's import
    use it) finds a reason to think are them.

    The same date of birth with a close name, the same phone or mobile number (not one held
    by so many records that it is an organisation's), the same email address, or a close
    name at the same postcode. A pair the scan would list is always among them. A volunteer
    sees each one's name and reference only."""
    from carerdesk.db import duplicates

    by.require(Can.REGISTER)
    full = sees_everything(by)

    wanted = duplicates.person(
        "", search_form(entry.first_name), search_form(entry.last_name), entry.date_of_birth,
        entry.phone, entry.mobile, entry.email,
        postcode_key(entry.postcode) if entry.postcode else None,
    )  # fmt: skip
    # The records sharing a block with them (matching.keys): a birth date, a phone, an email,
    # a postcode. Every holder of a phone or email is read, to tell an organisation's.
    shares = [Carer.date_of_birth == wanted.born]
    if wanted.phones:
        shares += [Carer.phone.in_(wanted.phones), Carer.mobile.in_(wanted.phones)]
    if wanted.email:
        shares.append(func.lower(Carer.email) == wanted.email)
    if wanted.postcode:
        shares.append(Carer.postcode_key == wanted.postcode)
    columns = [getattr(Carer, name) for name in duplicates.MATCHED]
    rows = session.execute(
        select(*columns)
        .where(Carer.merged_into.is_(None), Carer.erased_on.is_(None), or_(*shares))
        .limit(MATCH_AT_MOST)
    )
    others = [duplicates.person(*row) for row in rows if row[0] != exclude_id]
    # Counted with the new record, as the scan will count them once it is saved.
    index = matching.index_of([*others, wanted])
    found = matching.best_matches(wanted, index, matching.common_details(index))
    by_id = {
        carer.id: carer
        for carer in session.scalars(select(Carer).where(Carer.id.in_([p.id for p, _ in found])))
    }
    return [
        PossibleDuplicate(
            other.id,
            by_id[other.id].reference,
            f"{by_id[other.id].first_name} {by_id[other.id].last_name}",
            by_id[other.id].date_of_birth if full else None,
            by_id[other.id].postcode if full else None,
            "; ".join(match.reasons),
        )
        for other, match in found
    ]
