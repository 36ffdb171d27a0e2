"""Subject access: everything the register holds about one carer, for the carer (coordinator).

``subject_access`` gathers, for one carer, the carer's record (every field), the caring
roles, contacts, cards, emergency contacts, referrals and each of their steps, the consents
as the record holds them, the records merged into theirs, the event imports and "not the
same person" decisions that touched them, and the audit entries about their record and its
parts. Nothing of any other carer: an entry is chosen by the ids and references of this
carer's own records, never by a name, phone or postcode they may share with someone else,
and any other record's id or reference an entry's detail names is replaced by "another
record". The request itself goes into the audit trail first, so the copy lists it too.

The copy is a list of ``Section`` s, each made by one function of ``SECTIONS`` from what is
``Held`` about the carer; ``carerdesk.export.access`` writes any section as JSON and PDF
without knowing it. A new kind of record (a consent history) is one more function there.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from carerdesk.core import codes
from carerdesk.core.codes import CodeList
from carerdesk.core.entries import (
    CARD_FIELDS,
    CARER_FIELDS,
    CARER_KEPT,
    CONTACT_FIELDS,
    REFERRAL_FIELDS,
    ROLE_FIELDS,
    FieldSpec,
    carer_columns,
)
from carerdesk.core.permissions import Actor, Can
from carerdesk.db import accounts, audit, carers
from carerdesk.db.audit import Action
from carerdesk.db.models import (
    AuditEntry,
    Card,
    Carer,
    CaringRole,
    Consent,
    Contact,
    Destination,
    EmergencyContact,
    ImportedRecord,
    NotDuplicate,
    Referral,
    ReferralEvent,
    utc_now,
)


@dataclass(frozen=True)
class Column:
    """One field of a section's records: its key (in the JSON), its label (in the PDF)."""

    key: str
    label: str
    choices: CodeList | None = None
    """The code list its stored codes are labelled from (a ``;`` list when ``many``)."""
    many: bool = False
    phone: bool = False
    """A phone number: stored in international form, printed as dialled in the UK."""
    printed: bool = True
    """Whether a PDF table prints it (every column is in the JSON; ids and search keys are
    left out of the PDF's tables, where they mean nothing to the reader)."""


@dataclass(frozen=True)
class Section:
    """One kind of record held about the carer, and each record of that kind."""

    key: str
    """The JSON key: lower_snake, stable."""
    title: str
    """The PDF's heading."""
    about: str
    """One sentence in plain English under the heading: what these records are."""
    columns: tuple[Column, ...]
    rows: tuple[tuple[Any, ...], ...]
    """Each record's stored values, in the order of ``columns`` (dates as dates, codes as
    codes, yes/no as booleans)."""
    each: bool = False
    """Print each record as its own list of fields (a record with many fields), rather
    than as one row of a table."""

    def records(self) -> list[dict[str, Any]]:
        """Each record as a mapping of column key to stored value."""
        keys = [column.key for column in self.columns]
        return [dict(zip(keys, row, strict=True)) for row in self.rows]


@dataclass(frozen=True)
class SubjectAccess:
    """A copy of everything held about one carer, as of the moment it was made."""

    reference: str
    name: str
    organisation: str
    requested_on: date
    """The day of the request, at the desk."""
    requested_by: str
    made_at: datetime
    """When the copy was read (UTC)."""
    sections: tuple[Section, ...]

    def section(self, key: str) -> Section:
        """The section of this key."""
        return next(section for section in self.sections if section.key == key)


@dataclass
class Held:
    """The carer's own records, as the sections read them: found by id, never by a detail
    another carer may share."""

    carer: Carer
    merged: list[Carer]
    """The records merged into this one (the same person, recorded twice)."""
    roles: list[CaringRole]
    contacts: list[Contact]
    cards: list[Card]
    emergency_contacts: list[EmergencyContact]
    referrals: list[Referral]
    services: dict[str, str]
    """Every referral service's name by code."""
    ids: set[str] = field(default_factory=set)
    """The ids of every record above (the carer's, merged records', every part's)."""
    references: set[str] = field(default_factory=set)
    """The references of the carer and the records merged into theirs."""
    numbers: set[str] = field(default_factory=set)
    """Their card numbers."""

    @property
    def carer_ids(self) -> list[str]:
        """The carer's id and those of the records merged into theirs."""
        return [self.carer.id, *(merged.id for merged in self.merged)]


SectionMaker = Callable[[Session, Held], Section]


def subject_access(session: Session, reference: str, *, by: Actor, today: date) -> SubjectAccess:
    """Everything held about the carer of ``reference`` (or id; a merged-away reference gives
    the record it was merged into), recorded in the audit trail as a subject access
    request (coordinators)."""
    by.require(Can.SUBJECT_ACCESS)
    carer = carers._get_carer(session, reference.strip())
    audit.record(
        session, by, Action.SUBJECT_ACCESS, kind="carer", record_id=carer.id,
        reference=carer.reference,
    )  # fmt: skip
    held = _held(session, carer)
    organisation = accounts.organisation(session)
    return SubjectAccess(
        reference=carer.reference,
        name=f"{carer.first_name} {carer.last_name}",
        organisation=organisation.name if organisation else "",
        requested_on=today,
        requested_by=by.name,
        made_at=utc_now(),
        sections=tuple(make(session, held) for make in SECTIONS),
    )


def _chunks(values: Iterable[str], size: int = 500) -> Iterable[list[str]]:
    wanted = sorted(set(values))
    for start in range(0, len(wanted), size):
        yield wanted[start : start + size]


def _of(session: Session, model: Any, carer_ids: Sequence[str], *order: Any) -> list[Any]:
    return list(
        session.scalars(select(model).where(model.carer_id.in_(carer_ids)).order_by(*order))
    )


def _held(session: Session, carer: Carer) -> Held:
    merged = list(
        session.scalars(
            select(Carer).where(Carer.merged_into == carer.id).order_by(Carer.reference)
        )
    )
    ids = [carer.id, *(m.id for m in merged)]
    held = Held(
        carer=carer,
        merged=merged,
        roles=_of(session, CaringRole, ids, CaringRole.created_at, CaringRole.id),
        contacts=_of(session, Contact, ids, Contact.contact_on, Contact.contact_time, Contact.id),
        cards=_of(session, Card, ids, Card.issued_on, Card.card_number),
        emergency_contacts=_of(session, EmergencyContact, ids, EmergencyContact.position),
        referrals=_of(session, Referral, ids, Referral.created_at, Referral.id),
        services={
            code: name for code, name in session.execute(select(Destination.code, Destination.name))
        },
    )
    parts: list[Any] = [
        *held.roles, *held.contacts, *held.cards, *held.emergency_contacts, *held.referrals
    ]  # fmt: skip
    held.ids = {*ids, *(part.id for part in parts)}
    held.references = {carer.reference, *(m.reference for m in merged)}
    held.numbers = {card.card_number for card in held.cards}
    return held


# --- the columns of each kind of record ------------------------------------------------


def _column(name: str, spec: FieldSpec) -> Column:
    return Column(name, spec.label, spec.choices if spec.choices is not codes.YES_NO else None,
                  many=spec.many, phone=name in ("phone", "mobile"))  # fmt: skip


def _columns(specs: Mapping[str, FieldSpec]) -> list[Column]:
    return [_column(name, spec) for name, spec in specs.items()]


ID = Column("id", "Record id", printed=False)
STAMPS = (
    Column("created_at", "Recorded at", printed=False),
    Column("created_by", "Recorded by", printed=False),
    Column("updated_at", "Last changed at", printed=False),
    Column("updated_by", "Last changed by", printed=False),
)
STAMPS_PRINTED = tuple(replace(column, printed=True) for column in STAMPS)
"""Who recorded a record and when: printed where each record is a list of its own."""


def _carer_columns() -> tuple[Column, ...]:
    specs = {**CARER_FIELDS, **CARER_KEPT}
    declared = [_column(name, specs[name]) for name in carer_columns()]
    declared += [
        _column(name, spec) for name, spec in CARER_FIELDS.items() if name not in carer_columns()
    ]
    return (
        ID,
        *declared,
        Column("contingency_plan", "Contingency plan held for the person cared for"),
        Column("merged_into", "Merged into record", printed=False),
        Column("first_folded", "Search key: first name", printed=False),
        Column("last_folded", "Search key: last name", printed=False),
        Column("search_text", "Search key: names and postcode", printed=False),
        Column("postcode_key", "Search key: postcode", printed=False),
        Column("reference_key", "Search key: reference", printed=False),
        *STAMPS_PRINTED,
    )


def _values(
    record: Any, columns: Sequence[Column], renamed: Mapping[str, str] | None = None
) -> tuple[Any, ...]:
    renamed = renamed or {}
    return tuple(getattr(record, renamed.get(column.key, column.key)) for column in columns)


# --- the sections ----------------------------------------------------------------------


def _details(session: Session, held: Held) -> Section:
    columns = _carer_columns()
    return Section(
        "carer", "Your details",
        "Your record as we hold it today: every field, including those left empty.",
        columns, (_values(held.carer, columns),), each=True,
    )  # fmt: skip


ROLE_COLUMNS = (ID, *_columns(ROLE_FIELDS), *STAMPS)


def _roles(session: Session, held: Held) -> Section:
    return Section(
        "caring_roles", "Whom you care for",
        "Each person you look after (we do not hold their name), and since when.",
        ROLE_COLUMNS,
        tuple(_values(r, ROLE_COLUMNS, {"relationship": "relationship_"}) for r in held.roles),
    )  # fmt: skip


CONTACT_COLUMNS = (
    ID,
    *_columns(CONTACT_FIELDS),
    Column("staff", "Seen by"),
    *STAMPS,
)


def _contacts(session: Session, held: Held) -> Section:
    return Section(
        "contacts", "Your contacts with us",
        "Each visit, call or conversation recorded, oldest first, with any note made.",
        CONTACT_COLUMNS, tuple(_values(c, CONTACT_COLUMNS) for c in held.contacts),
    )  # fmt: skip


CARD_COLUMNS = (
    ID,
    *_columns(CARD_FIELDS),
    Column("ended_on", "Ended on"),
    Column("cancel_reason", "Why it was cancelled"),
    Column("number_key", "Search key: card number", printed=False),
    *STAMPS,
)


def _cards(session: Session, held: Held) -> Section:
    return Section(
        "cards", "Your cards and passports",
        "Each carer card or passport issued to you.",
        CARD_COLUMNS, tuple(_values(c, CARD_COLUMNS) for c in held.cards),
    )  # fmt: skip


EMERGENCY_COLUMNS = (
    ID,
    Column("position", "Order"),
    Column("name", "Name"),
    Column("relationship", "Relationship to you"),
    Column("phone", "Phone", phone=True),
    *STAMPS,
)


def _emergency_contacts(session: Session, held: Held) -> Section:
    return Section(
        "emergency_contacts", "Your emergency contacts",
        "The people you asked us to print on your emergency card.",
        EMERGENCY_COLUMNS,
        tuple(
            _values(e, EMERGENCY_COLUMNS, {"relationship": "relationship_"})
            for e in held.emergency_contacts
        ),
    )  # fmt: skip


def _referral_columns(held: Held) -> tuple[Column, ...]:
    specs = dict(REFERRAL_FIELDS)
    destination = Column("destination", specs.pop("destination").label, held.services)
    return (
        ID,
        destination,
        *_columns(specs),
        Column("hopes", "What you hoped for"),
        Column("acknowledged_on", "Acknowledged on"),
        Column("consent_confirmed_by", "Your consent to share confirmed by"),
        Column("consent_confirmed_on", "Your consent to share confirmed on"),
        *STAMPS_PRINTED,
    )


def _referrals(session: Session, held: Held) -> Section:
    columns = _referral_columns(held)
    return Section(
        "referrals", "Your referrals to other services",
        "Each referral we made or drafted for you: to whom, why, and what came of it.",
        columns, tuple(_values(r, columns) for r in held.referrals), each=True,
    )  # fmt: skip


STEP_COLUMNS = (
    ID,
    Column("referral_id", "Referral id", printed=False),
    Column("referral", "Referral"),
    Column("status", "Step", codes.REFERRAL_STATUS),
    Column("at", "When"),
    Column("by", "By"),
)


def _referral_steps(session: Session, held: Held) -> Section:
    numbered = {r.id: (n, r) for n, r in enumerate(held.referrals, start=1)}
    rows = []
    for chunk in _chunks(numbered):
        for step in session.scalars(
            select(ReferralEvent).where(ReferralEvent.referral_id.in_(chunk))
        ):
            n, referral = numbered[step.referral_id]
            name = held.services.get(referral.destination, referral.destination)
            rows.append((step.id, step.referral_id, f"{n}: {name}", step.status, step.at, step.by))
    rows.sort(key=lambda row: (row[4], row[0]))
    return Section(
        "referral_steps", "The steps of your referrals",
        "When each referral was drafted, sent, acknowledged and closed, and by whom "
        "(numbered as in the list above).",
        STEP_COLUMNS, tuple(rows),
    )  # fmt: skip


CONSENT_COLUMNS = (
    Column("consent", "Consent"),
    Column("given", "Given"),
    Column("recorded_on", "Recorded on"),
    Column("recorded_by", "Recorded by"),
)


def _consents(session: Session, held: Held) -> Section:
    carer = held.carer
    rows = [
        (
            "consent_store", CARER_FIELDS["consent_store"].label, carer.consent_store,
            carer.consent_date, carer.consent_by,
        ),
        ("consent_share", CARER_FIELDS["consent_share"].label, carer.consent_share, None, None),
        ("consent_contact", CARER_FIELDS["consent_contact"].label, carer.consent_contact, None,
         None),
    ]  # fmt: skip
    for n, referral in enumerate(held.referrals, start=1):
        if referral.consent_confirmed_on or referral.consent_confirmed_by:
            name = held.services.get(referral.destination, referral.destination)
            rows.append(
                (
                    f"referral_{n}", f"Consent to share, confirmed for referral {n} ({name})",
                    True, referral.consent_confirmed_on, referral.consent_confirmed_by,
                )
            )  # fmt: skip
    return Section(
        "consents", "Your consents",
        "What you agreed to, as your record holds it today.",
        (Column("key", "Key", printed=False), *CONSENT_COLUMNS), tuple(rows),
    )  # fmt: skip


HISTORY_COLUMNS = (
    Column("id", "Id", printed=False),
    Column("consent", "Consent", codes.CONSENT),
    Column("given", "Given"),
    Column("on", "On"),
    Column("how", "How you told us", codes.CONSENT_HOW),
    Column("recorded_by", "Recorded by"),
    Column("entered_at", "Entered at", printed=False),
)


def _consent_history(session: Session, held: Held) -> Section:
    found = session.scalars(
        select(Consent)
        .where(Consent.carer_id.in_(held.carer_ids))
        .order_by(Consent.date_, Consent.created_at, Consent.id)
    )
    rows = tuple(
        (entry.id, entry.consent, entry.given, entry.date_, entry.how, entry.recorded_by,
         entry.created_at)
        for entry in found
    )  # fmt: skip
    return Section(
        "consent_history", "Your consents over time",
        "Each time you gave or withdrew a consent, oldest first: on what day, how you told "
        "us, and who recorded it.",
        HISTORY_COLUMNS, rows,
    )  # fmt: skip


def _merged(session: Session, held: Held) -> Section:
    columns = _carer_columns()
    return Section(
        "merged_records", "Records merged into yours",
        "You were registered more than once: these records were found to be you and joined "
        "to your record. Each is kept, closed, as it was when it was merged.",
        columns, tuple(_values(m, columns) for m in held.merged), each=True,
    )  # fmt: skip


IMPORT_COLUMNS = (
    Column("source_id", "Id in the event's file", printed=False),
    Column("at", "Joined to your record at"),
    Column("by", "By"),
    Column("event", "From"),
)


def _imports(session: Session, held: Held) -> Section:
    rows = []
    for record in _of(session, ImportedRecord, held.carer_ids, ImportedRecord.at):
        # The import's own entry, written in the same transaction just after: it names the
        # event (its counts, of other people, are left out).
        entry = session.scalar(
            select(AuditEntry)
            .where(
                AuditEntry.action == Action.IMPORTED,
                AuditEntry.at >= record.at,
                AuditEntry.user_name == record.by,
            )
            .order_by(AuditEntry.seq)
            .limit(1)
        )
        event = entry.detail.rsplit(": ", 1)[0] if entry is not None else ""
        rows.append((record.source_id, record.at, record.by, event))
    return Section(
        "event_imports", "Records from events joined to yours",
        "Where you registered at one of our events and that record was found to be you.",
        IMPORT_COLUMNS, tuple(rows),
    )  # fmt: skip


APART_COLUMNS = (
    Column("record", "Your record"),
    Column("decided_at", "Decided at"),
    Column("decided_by", "By"),
)


def _not_duplicates(session: Session, held: Held) -> Section:
    ids = held.carer_ids
    references = {held.carer.id: held.carer.reference} | {m.id: m.reference for m in held.merged}
    rows = []
    for apart in session.scalars(
        select(NotDuplicate)
        .where(or_(NotDuplicate.first_id.in_(ids), NotDuplicate.second_id.in_(ids)))
        .order_by(NotDuplicate.decided_at)
    ):
        own = apart.first_id if apart.first_id in references else apart.second_id
        rows.append((references[own], apart.decided_at, apart.decided_by))
    return Section(
        "not_duplicates", "Records found not to be you",
        "Where another record looked like yours and we decided it is someone else (the other "
        "person's record is not named).",
        APART_COLUMNS, tuple(rows),
    )  # fmt: skip


FIELD_LABELS: CodeList = {
    **{name: spec.label for name, spec in CARER_FIELDS.items()},
    **{name: spec.label for name, spec in CARER_KEPT.items()},
    **{name: spec.label for name, spec in ROLE_FIELDS.items()},
    **{name: spec.label for name, spec in CONTACT_FIELDS.items()},
    **{name: spec.label for name, spec in CARD_FIELDS.items()},
    **{name: spec.label for name, spec in REFERRAL_FIELDS.items() if name != "status"},
    "cancel_reason": "Why a card was cancelled",
    "contingency_plan": "Contingency plan",
    "emergency_contacts": "Emergency contacts",
    "merged_into": "Merged into another record",
    "not_duplicate": "Not the same person as another record",
}
"""What the audit trail's field names mean, for the copy's reader."""

AUDIT_COLUMNS = (
    Column("seq", "Entry", printed=False),
    Column("at", "When"),
    Column("user_name", "Who"),
    Column("action", "What"),
    Column("kind", "Record"),
    Column("reference", "Reference", printed=False),
    Column("record_id", "Record id", printed=False),
    Column("fields", "Fields", FIELD_LABELS, many=True),
    Column("detail", "Detail"),
)
_OTHER_RECORD = re.compile(
    r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b|\b[A-Z]{1,4}[0-9]{4,}\b"
)


def _audit(session: Session, held: Held) -> Section:
    entries: dict[int, AuditEntry] = {}
    for chunk in _chunks(held.ids):
        for entry in session.scalars(select(AuditEntry).where(AuditEntry.record_id.in_(chunk))):
            entries[entry.seq] = entry
    for entry in session.scalars(
        select(AuditEntry).where(AuditEntry.reference.in_(sorted(held.references)))
    ):
        entries[entry.seq] = entry
    own = held.ids | held.references | held.numbers

    def detail(text: str) -> str:
        # Another person's id or reference never shows (a "not the same person as" decision
        # names the other record).
        return _OTHER_RECORD.sub(
            lambda found: found[0] if found[0] in own else "another record", text
        )

    rows = tuple(
        (
            e.seq, e.at, e.user_name, e.action, (e.kind or "").replace("_", " "),
            e.reference if e.reference in held.references else None,
            e.record_id, e.fields, detail(e.detail),
        )
        for e in sorted(entries.values(), key=lambda e: e.seq)
    )  # fmt: skip
    return Section(
        "audit_trail", "Who looked at or changed your record",
        "Every entry of our audit trail about your record and its parts, oldest first: who "
        "opened or changed what, and when (the fields changed are named, not their values).",
        AUDIT_COLUMNS, rows,
    )  # fmt: skip


SECTIONS: tuple[SectionMaker, ...] = (
    _details,
    _consents,
    _consent_history,
    _roles,
    _contacts,
    _cards,
    _emergency_contacts,
    _referrals,
    _referral_steps,
    _merged,
    _imports,
    _not_duplicates,
    _audit,
)
"""Every section of a subject access copy, in the order it is printed. A new kind of record
held about a carer (a consent history) is one more function here: ``(session, held) ->
Section``; the JSON and the PDF take it as they take the others."""
