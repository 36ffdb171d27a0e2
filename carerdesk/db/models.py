"""Typed SQLAlchemy models of the register (``spec/data.md``).

Identity is a UUID string (``id``) so that two registers can be merged; the human reference is
its own column. The carers table also has ``pk``, an integer primary key local to one file,
because the SQLite full-text index points at the rowid, and a dump and reload renumbers an
implicit rowid (FACTS.md): an explicit INTEGER PRIMARY KEY is kept as it is.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    Time,
)
from sqlalchemy.engine.default import DefaultExecutionContext
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    declared_attr,
    mapped_column,
    relationship,
    validates,
)

from carerdesk.core.keys import card_key, reference_key

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def new_id() -> str:
    """A new record identity, unique across every register."""
    return str(uuid.uuid4())


def _folded(column: str, fold: Any) -> Any:
    """A column default for a folded key: ``fold`` of ``column`` in the row being inserted
    (a Core insert that does not give the key; the ORM sets it through a validator)."""

    def default(context: DefaultExecutionContext) -> str | None:
        value = context.get_current_parameters().get(column)  # type: ignore[no-untyped-call]
        return fold(value) if value is not None else None

    return default


def utc_now() -> datetime:
    """The current moment in UTC, as stored."""
    return datetime.now(UTC).replace(tzinfo=None)


class Base(DeclarativeBase):
    """The declarative base of every model."""

    metadata = MetaData(naming_convention=NAMING)


class Stamped:
    """Who created and last changed a record, and when (UTC)."""

    created_at: Mapped[datetime] = mapped_column(DateTime, default=utc_now)
    created_by: Mapped[str | None] = mapped_column(String(100))
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utc_now, onupdate=utc_now)
    updated_by: Mapped[str | None] = mapped_column(String(100))


class Versioned:
    """A record a person edits: ``version`` counts its changes. SQLAlchemy adds ``WHERE
    version = <as read>`` to every update of it and raises ``StaleDataError`` when another
    desk changed it in between; an operation given the version a form was opened with
    refuses a save over a change made since (``carers.check_version``)."""

    version: Mapped[int] = mapped_column(Integer, server_default="1")

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:
        return {"version_id_col": cls.version}


class Setting(Base):
    """An organisation-wide setting (shared by every desk) or counter."""

    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class Carer(Versioned, Stamped, Base):
    """A person who looks after someone, unpaid."""

    __tablename__ = "carers"

    pk: Mapped[int] = mapped_column(Integer, primary_key=True)
    id: Mapped[str] = mapped_column(String(36), unique=True, default=new_id)
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    """As given: carerdesk's own (``C000123``), or another system's exactly as imported."""
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    preferred_name: Mapped[str | None] = mapped_column(String(100))
    date_of_birth: Mapped[date] = mapped_column(Date)
    gender: Mapped[str | None] = mapped_column(String(30))
    ethnicity: Mapped[str | None] = mapped_column(String(40))
    address_line_1: Mapped[str | None] = mapped_column(String(200))
    address_line_2: Mapped[str | None] = mapped_column(String(200))
    town: Mapped[str | None] = mapped_column(String(100))
    postcode: Mapped[str | None] = mapped_column(String(10))
    ward: Mapped[str | None] = mapped_column(String(100))
    phone: Mapped[str | None] = mapped_column(String(20), index=True)
    mobile: Mapped[str | None] = mapped_column(String(20), index=True)
    email: Mapped[str | None] = mapped_column(String(254))
    preferred_contact: Mapped[str | None] = mapped_column(String(10))
    registered_on: Mapped[date] = mapped_column(Date)
    registered_at: Mapped[str | None] = mapped_column(String(20))
    how_heard: Mapped[str | None] = mapped_column(String(30))
    hours_caring: Mapped[str | None] = mapped_column(String(20))
    parent_carer: Mapped[bool | None] = mapped_column(Boolean)
    employment: Mapped[str | None] = mapped_column(String(20))
    carers_allowance: Mapped[str | None] = mapped_column(String(10))
    gp_practice: Mapped[str | None] = mapped_column(String(200))
    consent_store: Mapped[bool] = mapped_column(Boolean)
    consent_date: Mapped[date | None] = mapped_column(Date)
    consent_by: Mapped[str | None] = mapped_column(String(100))
    consent_share: Mapped[bool | None] = mapped_column(Boolean)
    consent_contact: Mapped[bool | None] = mapped_column(Boolean)
    status: Mapped[str] = mapped_column(String(10), default="active")
    closed_on: Mapped[date | None] = mapped_column(Date)
    closed_reason: Mapped[str | None] = mapped_column(String(30))
    notes: Mapped[str | None] = mapped_column(Text)
    contingency_plan: Mapped[bool | None] = mapped_column(Boolean)
    """Whether an emergency (contingency) plan is held for the person they care for."""
    merged_into: Mapped[str | None] = mapped_column(String(36))
    """The id of the record this one was merged into (its reference finds that one)."""
    erased_on: Mapped[date | None] = mapped_column(Date)
    """When the record was erased: only coded values the weekly return counts are left
    (``db/erasure.py``); its date of birth is a stand-in (``core.erasure.stand_in_birth``)."""
    kept_on: Mapped[date | None] = mapped_column(Date)
    """When a coordinator last chose to keep it at a retention review (``db/retention.py``)."""
    kept_reason: Mapped[str | None] = mapped_column(String(200))
    """Why it was kept: shown at the next review and on the command line."""
    # Search keys, written by the operations from the fields above (never typed in).
    first_folded: Mapped[str] = mapped_column(String(100))
    last_folded: Mapped[str] = mapped_column(String(100))
    search_text: Mapped[str] = mapped_column(Text)
    postcode_key: Mapped[str | None] = mapped_column(String(10), index=True)
    reference_key: Mapped[str | None] = mapped_column(
        String(20), index=True, default=_folded("reference", reference_key)
    )
    """The reference in capitals (``core.keys.reference_key``): found in any case. Set on
    every write; it may be empty in the file only because SQLite adds a column in place."""
    roles: Mapped[list[CaringRole]] = relationship(
        back_populates="carer", order_by="CaringRole.created_at"
    )
    contacts: Mapped[list[Contact]] = relationship(
        back_populates="carer",
        order_by="(Contact.contact_on.desc(), Contact.contact_time.desc())",
    )
    cards: Mapped[list[Card]] = relationship(back_populates="carer", order_by="Card.issued_on")
    emergency_contacts: Mapped[list[EmergencyContact]] = relationship(
        back_populates="carer", order_by="EmergencyContact.position"
    )
    referrals: Mapped[list[Referral]] = relationship(
        back_populates="carer", order_by="Referral.created_at"
    )
    consents: Mapped[list[Consent]] = relationship(
        back_populates="carer", order_by="(Consent.date_, Consent.created_at)"
    )

    __table_args__ = (
        Index("ix_carers_registered", "registered_on", "closed_on", "date_of_birth", "merged_into"),
        # Search reads a page of names in these indexes' order, so it never sorts a whole
        # register (a surname then a first name; a first name then a surname; a postcode).
        Index("ix_carers_last_first", "last_folded", "first_folded"),
        Index("ix_carers_first_last", "first_folded", "last_folded"),
        Index("ix_carers_postcode", "postcode"),
        Index("ix_carers_closed_on", "closed_on"),
    )

    @validates("reference")
    def _keep_reference_key(self, _: str, reference: str) -> str:
        self.reference_key = reference_key(reference)
        return reference


class CaringRole(Versioned, Stamped, Base):
    """Whom a carer looks after."""

    __tablename__ = "caring_roles"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    carer_id: Mapped[str] = mapped_column(ForeignKey("carers.id"), index=True)
    relationship_: Mapped[str | None] = mapped_column("relationship", String(30))
    cared_for_age_band: Mapped[str | None] = mapped_column(String(10))
    conditions: Mapped[str] = mapped_column(Text, default="")
    lives_with_carer: Mapped[bool | None] = mapped_column(Boolean)
    started_on: Mapped[date | None] = mapped_column(Date)
    ended_on: Mapped[date | None] = mapped_column(Date)
    carer: Mapped[Carer] = relationship(back_populates="roles")

    def active_on(self, day: date) -> bool:
        """Started on or before ``day`` (or no start) and not ended before it."""
        started = self.started_on is None or self.started_on <= day
        return started and (self.ended_on is None or self.ended_on >= day)


class Contact(Versioned, Stamped, Base):
    """A drop-in visit, call, home visit or event conversation; anonymous when no carer."""

    __tablename__ = "contacts"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    carer_id: Mapped[str | None] = mapped_column(ForeignKey("carers.id"), index=True)
    contact_on: Mapped[date] = mapped_column(Date)
    contact_time: Mapped[time | None] = mapped_column(Time)
    channel: Mapped[str] = mapped_column(String(20))
    support: Mapped[str] = mapped_column(Text, default="")
    minutes: Mapped[int | None] = mapped_column(Integer)
    staff: Mapped[str | None] = mapped_column(String(100))
    notes: Mapped[str | None] = mapped_column(Text)
    carer: Mapped[Carer | None] = relationship(back_populates="contacts")

    __table_args__ = (Index("ix_contacts_week", "contact_on", "channel", "carer_id", "support"),)


class Card(Versioned, Stamped, Base):
    """A carer card or passport. One active card of a type per carer; a new one supersedes."""

    __tablename__ = "cards"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    card_number: Mapped[str] = mapped_column(String(30), unique=True)
    """As issued (``HC00001230``), or as it came from another system, spaces and all."""
    number_key: Mapped[str | None] = mapped_column(
        String(30), unique=True, index=True, default=_folded("card_number", card_key)
    )
    """The number's letters and digits in capitals (``core.keys.card_key``): found however
    typed, and one card whatever its spaces or dashes. Set on every write (see
    ``reference_key``)."""
    carer_id: Mapped[str] = mapped_column(ForeignKey("carers.id"), index=True)
    card_type: Mapped[str] = mapped_column(String(30))
    issue_reason: Mapped[str] = mapped_column(String(20))
    issued_on: Mapped[date] = mapped_column(Date, index=True)
    expires_on: Mapped[date] = mapped_column(Date, index=True)
    status: Mapped[str] = mapped_column(String(20), default="active")
    ended_on: Mapped[date | None] = mapped_column(Date)
    """When it was replaced by a new card of its type, or cancelled."""
    cancel_reason: Mapped[str | None] = mapped_column(String(200))
    carer: Mapped[Carer] = relationship(back_populates="cards")

    @validates("card_number")
    def _keep_number_key(self, _: str, number: str) -> str:
        self.number_key = card_key(number)
        return number


class EmergencyContact(Stamped, Base):
    """Someone to call in an emergency, printed on the emergency card (up to three)."""

    __tablename__ = "emergency_contacts"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    carer_id: Mapped[str] = mapped_column(ForeignKey("carers.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(100))
    relationship_: Mapped[str | None] = mapped_column("relationship", String(60))
    phone: Mapped[str] = mapped_column(String(20))

    carer: Mapped[Carer] = relationship(back_populates="emergency_contacts")


class Consent(Stamped, Base):
    """One consent given or withdrawn: which (``core.codes.CONSENT``), on what day, how, and
    who recorded it; ``created_at`` is when it was entered. The carer's own consent fields
    hold the latest state (``db.consents`` keeps them in step)."""

    __tablename__ = "consents"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    carer_id: Mapped[str] = mapped_column(ForeignKey("carers.id"), index=True)
    consent: Mapped[str] = mapped_column(String(10))
    given: Mapped[bool] = mapped_column(Boolean)
    date_: Mapped[date] = mapped_column("date", Date)
    how: Mapped[str | None] = mapped_column(String(20))
    """None for an entry made before carerdesk asked how (the first entries of 0015)."""
    recorded_by: Mapped[str | None] = mapped_column(String(100))

    carer: Mapped[Carer] = relationship(back_populates="consents")


class Destination(Stamped, Base):
    """A service the centre refers carers to: the organisation's own list, which it edits.

    The code never changes (past referrals and register files name it); the name and the
    contact details may. ``counts_as`` is the category of the weekly return it counts under;
    a retired service is no longer offered for new referrals.
    """

    __tablename__ = "referral_destinations"

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    contact: Mapped[str | None] = mapped_column(Text)
    counts_as: Mapped[str] = mapped_column(String(40))
    position: Mapped[int] = mapped_column(Integer)
    retired_on: Mapped[date | None] = mapped_column(Date)


class Referral(Versioned, Stamped, Base):
    """A referral to a partner service; it leaves ``draft`` only with consent to share."""

    __tablename__ = "referrals"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    carer_id: Mapped[str] = mapped_column(ForeignKey("carers.id"), index=True)
    destination: Mapped[str] = mapped_column(String(40))
    reason: Mapped[str] = mapped_column(Text)
    urgency: Mapped[str] = mapped_column(String(10), default="routine")
    status: Mapped[str] = mapped_column(String(20), default="draft")
    made_on: Mapped[date | None] = mapped_column(Date, index=True)
    closed_on: Mapped[date | None] = mapped_column(Date, index=True)
    outcome: Mapped[str | None] = mapped_column(Text)
    hopes: Mapped[str | None] = mapped_column(Text)
    """What the carer hopes the service will do for them."""
    acknowledged_on: Mapped[date | None] = mapped_column(Date)
    consent_confirmed_by: Mapped[str | None] = mapped_column(String(100))
    """Who confirmed, as it was sent, that the carer agreed to share their details."""
    consent_confirmed_on: Mapped[date | None] = mapped_column(Date)
    carer: Mapped[Carer] = relationship(back_populates="referrals")


class NotDuplicate(Base):
    """Two records a coordinator has said are two people: not offered as a pair again."""

    __tablename__ = "not_duplicates"

    first_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    """The smaller of the two ids."""
    second_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    decided_by: Mapped[str] = mapped_column(String(100))
    decided_at: Mapped[datetime] = mapped_column(DateTime, default=utc_now)


class ImportedRecord(Base):
    """A record brought in from elsewhere (an event's file) as part of a carer already in the
    register: importing the same file again finds it here and adds nothing."""

    __tablename__ = "imported_records"

    source_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    carer_id: Mapped[str] = mapped_column(ForeignKey("carers.id"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=utc_now)
    by: Mapped[str] = mapped_column(String(100))


class User(Versioned, Stamped, Base):
    """A staff account: a volunteer, a member of staff or a coordinator.

    Never deleted (the audit trail names its holder): a user who leaves is deactivated.
    """

    __tablename__ = "users"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(60))
    name_key: Mapped[str] = mapped_column(String(60), unique=True)
    role: Mapped[str] = mapped_column(String(20))
    pin_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_pins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime)
    lockouts: Mapped[int] = mapped_column(Integer, default=0)
    """Lockouts in a row since the last right PIN or reset: each locks for twice as long."""
    last_sign_in: Mapped[datetime | None] = mapped_column(DateTime)
    recovery_hash: Mapped[str | None] = mapped_column(String(200))
    """The Argon2 hash of a coordinator's recovery code (the code itself is never kept)."""


class AuditEntry(Base):
    """One line of the audit trail: who did what to which record, and when (UTC).

    Append-only. ``fields`` names the fields changed (";"-separated), never their values.
    ``hash`` covers every column and the previous entry's hash, so an entry altered or
    removed outside the application breaks the chain (``carerdesk audit verify``).
    """

    __tablename__ = "audit"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(DateTime)
    user_id: Mapped[str | None] = mapped_column(String(36))
    user_name: Mapped[str] = mapped_column(String(60))
    action: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str | None] = mapped_column(String(20))
    record_id: Mapped[str | None] = mapped_column(String(36))
    reference: Mapped[str | None] = mapped_column(String(20))
    fields: Mapped[str] = mapped_column(Text, default="")
    detail: Mapped[str] = mapped_column(Text, default="")
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))

    __table_args__ = (
        Index("ix_audit_user_at", "user_name", "at"),
        Index("ix_audit_record", "record_id"),
        Index("ix_audit_at", "at"),
        # Who was found reading in bulk: a few entries among every search's.
        Index("ix_audit_action_at", "action", "at"),
    )


class ReadCount(Base):
    """How many carers' records a person read (search results shown, records opened) in
    one hour (UTC): the last 24 of them say who reads far more than a desk does in a day."""

    __tablename__ = "read_counts"

    user_name: Mapped[str] = mapped_column(String(60), primary_key=True)
    hour: Mapped[datetime] = mapped_column(DateTime, primary_key=True)
    records: Mapped[int] = mapped_column(Integer, default=0)


class WeeklyReturn(Base):
    """A weekly return made: its week, when and by whom, every figure, and a checksum.

    ``figures`` is the return's rows as JSON (counts only, never a person's detail);
    ``amends`` is the return it replaced when the week's records changed after it was made.
    """

    __tablename__ = "weekly_returns"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    week: Mapped[str] = mapped_column(String(8), index=True)
    made_at: Mapped[datetime] = mapped_column(DateTime, default=utc_now)
    made_by: Mapped[str] = mapped_column(String(100))
    figures: Mapped[str] = mapped_column(Text)
    checksum: Mapped[str] = mapped_column(String(64))
    amends: Mapped[str | None] = mapped_column(String(36))
    suppress_under: Mapped[int | None] = mapped_column(Integer)


class ErasedFigure(Base):
    """How an erasure moved one figure of a week already returned: the returns screen says
    so, rather than showing an amendment nobody can explain. Counts only, never a detail."""

    __tablename__ = "erased_figures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    week: Mapped[str] = mapped_column(String(8), index=True)
    erased_at: Mapped[datetime] = mapped_column(DateTime, default=utc_now)
    measure: Mapped[str] = mapped_column(String(40))
    breakdown: Mapped[str] = mapped_column(String(40))
    category: Mapped[str] = mapped_column(String(100))
    change: Mapped[int] = mapped_column(Integer)


class ReferralEvent(Base):
    """One step of a referral (made, sent, acknowledged, closed): when, and by whom."""

    __tablename__ = "referral_events"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    referral_id: Mapped[str] = mapped_column(ForeignKey("referrals.id"), index=True)
    status: Mapped[str] = mapped_column(String(20))
    at: Mapped[datetime] = mapped_column(DateTime, default=utc_now)
    by: Mapped[str] = mapped_column(String(100))
