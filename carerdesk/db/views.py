"""Read models: what the operations hand to the screens, the command line and the files.

Plain frozen dataclasses, never live ORM objects, made in one place from what the acting
person may see. A volunteer's view of a carer is derived from the ``volunteer`` attribute of
each field's ``FieldSpec`` (``core.entries.CARER_FIELDS``): the names, the reference, the
status and the age band; the other fields are None. Of the record's parts a volunteer sees
the caring roles without their conditions, the contacts without their notes and the cards;
not the referrals (a service's name can tell a health matter).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields
from datetime import date, datetime, time
from typing import Any, TypeVar

from carerdesk.core import codes
from carerdesk.core.entries import CARER_FIELDS, carer_type
from carerdesk.core.permissions import Actor, Can
from carerdesk.db.models import Card, Carer, CaringRole, Contact, Destination, Referral, User


def age_band(born: date, today: date) -> str:
    """What a volunteer sees of a date of birth: the carer type (``adult carer``)."""
    return codes.label(codes.CARER_TYPE, carer_type(born, today)).lower()


def sees_everything(by: Actor) -> bool:
    """Whether ``by`` sees a carer's every detail (staff and coordinators), or only the
    volunteer's view."""
    return by.may(Can.SEE_DETAILS)


@dataclass(frozen=True)
class RoleView:
    """A caring role; ``conditions`` is None in a volunteer's view."""

    id: str
    relationship_: str | None
    cared_for_age_band: str | None
    conditions: str | None
    lives_with_carer: bool | None
    started_on: date | None
    ended_on: date | None
    created_by: str | None
    updated_by: str | None
    version: int

    def active_on(self, day: date) -> bool:
        """Whether the role had started and not ended on ``day``."""
        started = self.started_on is None or self.started_on <= day
        return started and (self.ended_on is None or self.ended_on >= day)


@dataclass(frozen=True)
class ContactView:
    """A contact with a carer; ``notes`` is None in a volunteer's view."""

    id: str
    carer_id: str | None
    contact_on: date
    contact_time: time | None
    channel: str
    support: str
    minutes: int | None
    staff: str | None
    notes: str | None
    created_by: str | None
    updated_by: str | None
    version: int


@dataclass(frozen=True)
class CardView:
    """A carer card or passport."""

    id: str
    carer_id: str
    card_number: str
    card_type: str
    issue_reason: str
    issued_on: date
    expires_on: date
    status: str
    ended_on: date | None
    cancel_reason: str | None
    version: int


@dataclass(frozen=True)
class ReferralView:
    """A referral to another service."""

    id: str
    carer_id: str
    destination: str
    reason: str
    urgency: str
    status: str
    made_on: date | None
    closed_on: date | None
    outcome: str | None
    hopes: str | None
    acknowledged_on: date | None
    consent_confirmed_by: str | None
    consent_confirmed_on: date | None
    created_at: datetime
    created_by: str | None
    version: int


@dataclass(frozen=True)
class CarerView:
    """A carer's record as the acting person may see it.

    ``full`` is False for a volunteer's view: then every field whose ``FieldSpec.volunteer``
    is "hidden" is None (as is ``date_of_birth``, shown as ``age_band``), and so are the
    roles' conditions and the contacts' notes; ``referrals`` is empty.
    """

    id: str
    reference: str
    status: str
    full: bool
    age_band: str
    values: Mapping[str, Any]
    """Every declared carer field (``CARER_FIELDS``) by name: the stored value, or None."""
    first_name: str
    last_name: str
    preferred_name: str | None
    date_of_birth: date | None
    gender: str | None
    ethnicity: str | None
    address_line_1: str | None
    address_line_2: str | None
    town: str | None
    postcode: str | None
    ward: str | None
    phone: str | None
    mobile: str | None
    email: str | None
    preferred_contact: str | None
    registered_on: date | None
    registered_at: str | None
    how_heard: str | None
    hours_caring: str | None
    parent_carer: bool | None
    employment: str | None
    carers_allowance: str | None
    gp_practice: str | None
    consent_store: bool | None
    consent_share: bool | None
    consent_contact: bool | None
    notes: str | None
    closed_on: date | None
    closed_reason: str | None
    contingency_plan: bool | None
    merged_into: str | None
    created_at: datetime
    created_by: str | None
    updated_at: datetime
    updated_by: str | None
    version: int
    roles: tuple[RoleView, ...] = field(default=())
    contacts: tuple[ContactView, ...] = field(default=())
    cards: tuple[CardView, ...] = field(default=())
    referrals: tuple[ReferralView, ...] = field(default=())
    erased_on: date | None = None
    """When the record was erased (``db/erasure.py``): its date of birth is then None too."""

    @property
    def name(self) -> str:
        """First and last name."""
        return f"{self.first_name} {self.last_name}"


_View = TypeVar("_View")


def _seen(by: Actor, name: str) -> bool:
    return sees_everything(by) or CARER_FIELDS[name].volunteer == "shown"


def _copied(view: type[_View], record: object, **kept_back: Any) -> _View:
    """``view`` filled from the record's attributes of the same names; ``kept_back`` gives
    what this person may not see (None) in their place."""
    values = {item.name: getattr(record, item.name) for item in fields(view)}  # type: ignore[arg-type]
    return view(**(values | kept_back))


def role_view(role: CaringRole, by: Actor) -> RoleView:
    """A caring role as ``by`` may see it."""
    return _copied(RoleView, role, conditions=role.conditions if sees_everything(by) else None)


def contact_view(contact: Contact, by: Actor) -> ContactView:
    """A contact as ``by`` may see it."""
    return _copied(ContactView, contact, notes=contact.notes if sees_everything(by) else None)


def card_view(card: Card) -> CardView:
    """A card (nothing of it is kept from a volunteer)."""
    return _copied(CardView, card)


def referral_view(referral: Referral) -> ReferralView:
    """A referral (only for those who see every detail: see ``carer_view``)."""
    return _copied(ReferralView, referral)


def carer_view(carer: Carer, by: Actor, today: date) -> CarerView:
    """The carer's record as ``by`` may see it, with its parts (loaded by the caller)."""
    full = sees_everything(by)
    values = {
        name: getattr(carer, name, None) if _seen(by, name) else None for name in CARER_FIELDS
    }
    if carer.erased_on is not None:
        values["date_of_birth"] = None  # a stand-in for the return: nobody's birth date
    known: dict[str, Any] = {name: values.get(name) for name in _DECLARED}
    return CarerView(
        id=carer.id,
        reference=carer.reference,
        status=carer.status,
        full=full,
        age_band=age_band(carer.date_of_birth, today),
        values=values,
        **known,
        closed_on=carer.closed_on,
        closed_reason=carer.closed_reason,
        contingency_plan=carer.contingency_plan if full else None,
        merged_into=carer.merged_into,
        created_at=carer.created_at,
        created_by=carer.created_by,
        updated_at=carer.updated_at,
        updated_by=carer.updated_by,
        version=carer.version,
        roles=tuple(role_view(role, by) for role in carer.roles),
        contacts=tuple(contact_view(contact, by) for contact in carer.contacts),
        cards=tuple(card_view(card) for card in carer.cards),
        referrals=tuple(referral_view(r) for r in carer.referrals) if full else (),
        erased_on=carer.erased_on,
    )


_DECLARED = [
    name
    for name in CarerView.__dataclass_fields__
    if name in CARER_FIELDS  # the declared fields CarerView names as attributes
]


@dataclass(frozen=True)
class UserView:
    """A staff account as the accounts screen lists it (never its PIN's hash)."""

    id: str
    name: str
    role: str
    active: bool
    locked_until: datetime | None
    last_sign_in: datetime | None
    version: int


def user_view(user: User) -> UserView:
    """An account without its secrets (the view has no field for the PIN's hash)."""
    return _copied(UserView, user)


@dataclass(frozen=True)
class ServiceView:
    """A service we refer carers to."""

    code: str
    name: str
    contact: str | None
    counts_as: str
    position: int
    retired_on: date | None


def service_view(service: Destination) -> ServiceView:
    """A referral destination."""
    return _copied(ServiceView, service)


def record_of(carer: CarerView) -> dict[str, Any]:
    """What the view holds as plain values (for the command line's JSON): the fields the
    acting person may see that have a value, and the record's parts the same way."""

    def kept(values: Mapping[str, Any]) -> dict[str, Any]:
        return {name: value for name, value in values.items() if value not in (None, "")}

    return {
        "id": carer.id,
        "reference": carer.reference,
        "status": carer.status,
        "age_band": carer.age_band,
        **kept(carer.values),
        **kept({"closed_on": carer.closed_on, "closed_reason": carer.closed_reason}),
        "roles": [kept(asdict(role)) for role in carer.roles],
        "contacts": [kept(asdict(contact)) for contact in carer.contacts],
        "cards": [kept(asdict(card)) for card in carer.cards],
        "referrals": [kept(asdict(referral)) for referral in carer.referrals],
    }
