"""Carer cards and passports: issue, supersede, cancel, and the cards due for renewal.

One active card of a type per carer: issuing one replaces the active card of that type (its
status becomes ``replaced``, ended that day). A card past its expiry date reads as
``expired`` (``status_on``) without anyone having to mark it. Numbers come from the
organisation's prefix and a serial that never goes back, with a Luhn check digit; an
imported card keeps its own number, whatever its scheme, and is found by its folded key.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from carerdesk.core import codes
from carerdesk.core.cards import (
    VALID_YEARS,
    card_number,
    check_card_number,
    check_reason,
    check_type,
    expiry,
    holder_name,
    looks_like_card,
)
from carerdesk.core.errors import FieldError, NoEmergencyContact, NotAllowed, NotFound
from carerdesk.core.keys import card_key
from carerdesk.core.permissions import Actor, Can
from carerdesk.core.text import tidy
from carerdesk.db import accounts, audit, carers
from carerdesk.db.audit import Action
from carerdesk.db.models import Card, Carer, EmergencyContact, Setting
from carerdesk.db.versions import check_version
from carerdesk.db.views import CardView, card_view

SERIAL_KEY = "next_card_serial"
VALID_YEARS_KEY = "card_valid_years"
RENEW_WITHIN_DAYS = 30
LAPSED_DAYS = 90
"""A card that ended longer ago than this, never renewed, is no longer listed as due: its
holder has not been back, and the list is for the desk's next few weeks."""


def status_on(card: Card | CardView, today: date) -> str:
    """The card's status as a person reads it today: an active card past its date is expired."""
    if card.status == "active" and card.expires_on < today:
        return "expired"
    return card.status


def valid_years(session: Session) -> int:
    """How many years a new card lasts (setting ``card_valid_years``, default 3)."""
    return accounts.whole_setting(session, VALID_YEARS_KEY, VALID_YEARS)


def _next_serial(session: Session, prefix: str) -> int:
    counter = session.get(Setting, SERIAL_KEY)
    if counter is None:
        # After an import, past the highest serial already used under this prefix (a card
        # of another scheme, all digits, has no serial of ours).
        numbers = session.scalars(select(Card.card_number)).all()
        own = (n[len(prefix) : -1] for n in numbers if n.startswith(prefix))
        highest = max((int(s) for s in own if s.isdigit()), default=0)
        counter = Setting(key=SERIAL_KEY, value=str(highest + 1))
        session.add(counter)
    serial = int(counter.value)
    counter.value = str(serial + 1)
    return serial


def _new_number(session: Session, prefix: str) -> str:
    """The next number of the organisation's own, never one an imported card holds in any
    spelling (``HC-0000123-0`` brought in from elsewhere is ``HC00001230``)."""
    while True:
        number = card_number(prefix, _next_serial(session, prefix))
        if session.scalar(select(Card.id).where(Card.number_key == card_key(number))) is None:
            return number


def _prefix(session: Session) -> str:
    setting = session.get(Setting, "card_prefix")
    if setting is None or not setting.value:
        raise NotAllowed("Set the organisation's card prefix first (settings: card_prefix).")
    return setting.value


def _had_one(session: Session, carer_id: str, card_type: str) -> bool:
    # Any card of the type, whatever became of it: a second card is never "new".
    found = session.scalar(
        select(Card.id).where(Card.carer_id == carer_id, Card.card_type == card_type).limit(1)
    )
    return found is not None


def reasons_allowed(
    session: Session, carer_id: str, card_type: str, *, by: Actor
) -> tuple[str, ...]:
    """The reasons a card of ``card_type`` may be issued to this carer for (``new`` only for
    their first of the type; ``issue_card`` refuses any other)."""
    from carerdesk.core.cards import reasons_for

    by.require(Can.ISSUE_CARDS)
    return reasons_for(_had_one(session, carer_id, card_type))


def suggested_reason(
    session: Session, carer_id: str, card_type: str, today: date, *, by: Actor
) -> str:
    """``new`` for a first card of this type, ``renewal`` when the last one ends within 30
    days or has ended, else ``replacement`` (lost, stolen or damaged)."""
    by.require(Can.ISSUE_CARDS)
    last = session.scalar(
        select(Card)
        .where(Card.carer_id == carer_id, Card.card_type == card_type)
        .order_by(Card.issued_on.desc(), Card.created_at.desc())
        .limit(1)
    )
    if last is None:
        return "new"
    if last.status != "active" or last.expires_on <= today + timedelta(days=RENEW_WITHIN_DAYS):
        return "renewal"
    return "replacement"


def issue_card(
    session: Session, carer_id: str, card_type: str, reason: str, *, by: Actor, today: date
) -> CardView:
    """Issue a card of ``card_type`` to the carer today, replacing their active one of that
    type. The type must suit their age on the day; the expiry follows the organisation's
    rule (a young carer card ends before the 18th birthday)."""
    by.require(Can.ISSUE_CARDS)
    carer = carers._get_carer(session, carer_id)
    if carer.status == "closed":
        raise NotAllowed("This carer's record is closed: reopen it before issuing a card.")
    if card_type not in codes.CARD_TYPE:
        raise FieldError("card_type", "Choose a type of card.")
    check_type(card_type, carer.date_of_birth, today)
    if reason not in codes.ISSUE_REASON:
        raise FieldError("issue_reason", "Choose new, renewal or replacement.")
    check_reason(reason, card_type, _had_one(session, carer.id, card_type))
    if card_type == "emergency_card":
        require_emergency_contact(session, carer.id, by=by)
    prefix = _prefix(session)
    for old in session.scalars(
        select(Card).where(
            Card.carer_id == carer.id, Card.card_type == card_type, Card.status == "active"
        )
    ):
        old.status, old.ended_on, old.updated_by = "replaced", today, by.name
        audit.record(
            session, by, Action.CHANGED, kind="card", record_id=old.id,
            reference=carer.reference, fields=["status"], detail="replaced",
        )  # fmt: skip
    card = Card(
        card_number=_new_number(session, prefix),
        carer_id=carer.id,
        card_type=card_type,
        issue_reason=reason,
        issued_on=today,
        expires_on=expiry(card_type, today, carer.date_of_birth, valid_years(session)),
        status="active",
        created_by=by.name,
        updated_by=by.name,
    )
    session.add(card)
    session.flush()
    audit.record(
        session, by, Action.CREATED, kind="card", record_id=card.id,
        reference=carer.reference, detail=f"{card_type} {card.card_number}",
    )  # fmt: skip
    return card_view(card)


def require_emergency_contact(session: Session, carer_id: str, *, by: Actor) -> None:
    """Refuse (``NoEmergencyContact``) unless the carer has an emergency contact: an emergency
    card is issued and printed only with someone on its back to call."""
    by.require(Can.ISSUE_CARDS)
    if (
        session.scalar(
            select(EmergencyContact.id).where(EmergencyContact.carer_id == carer_id).limit(1)
        )
        is None
    ):
        raise NoEmergencyContact()


def get_card(session: Session, card_id: str, *, by: Actor) -> CardView:
    """A card by its id, or ``NotFound`` (who may issue cards may read them)."""
    by.require(Can.ISSUE_CARDS)
    return card_view(_get_card(session, card_id))


def _get_card(session: Session, card_id: str) -> Card:
    """A card by its id, or ``NotFound``."""
    card = session.get(Card, card_id)
    if card is None:
        raise NotFound("That card is not in the register.")
    return card


def cancel_card(
    session: Session,
    card_id: str,
    reason: str,
    *,
    by: Actor,
    today: date,
    version: int | None = None,
) -> CardView:
    """Cancel an active card, saying why (it is not replaced by another); refused when the
    card changed since it was shown at ``version``."""
    by.require(Can.ISSUE_CARDS)
    card = _get_card(session, card_id)
    check_version(card, version, "card")
    if card.status != "active":
        raise NotAllowed(f"This card is already {card.status}.")
    why = tidy(reason)
    if not why:
        raise FieldError("cancel_reason", "Say why the card is cancelled.")
    card.status, card.ended_on, card.cancel_reason = "cancelled", today, why[:200]
    card.updated_by = by.name
    audit.record(
        session, by, Action.CHANGED, kind="card", record_id=card.id,
        reference=card.carer.reference, fields=["status", "cancel_reason"], detail="cancelled",
    )  # fmt: skip
    return card_view(card)


@dataclass(frozen=True)
class DueCard:
    """An active card ending soon, and whose it is."""

    card_number: str
    card_type: str
    expires_on: date
    reference: str
    name: str
    carer_id: str


def expiring_cards(
    session: Session, today: date, days: int = RENEW_WITHIN_DAYS, *, by: Actor
) -> list[DueCard]:
    """Active cards that end within ``days``, or ended in the last ``LAPSED_DAYS`` and were
    not renewed, soonest first, of carers whose records are open."""
    by.require(Can.ISSUE_CARDS)
    rows = session.execute(
        select(Card, Carer)
        .join(Carer, Carer.id == Card.carer_id)
        .where(
            Card.status == "active",
            Card.expires_on <= today + timedelta(days=days),
            Card.expires_on >= today - timedelta(days=LAPSED_DAYS),
            Carer.status == "active",
        )
        .order_by(Card.expires_on, Carer.reference)
    ).all()
    return [
        DueCard(
            card.card_number,
            card.card_type,
            card.expires_on,
            carer.reference,
            holder_name(carer.preferred_name, carer.first_name, carer.last_name),
            carer.id,
        )
        for card, carer in rows
    ]


@dataclass(frozen=True)
class Renewal:
    """One due card and what became of it: its renewal, or why it was not renewed."""

    due: DueCard
    card: CardView | None
    refused: str = ""


def renew_due_cards(
    session: Session, today: date, days: int = RENEW_WITHIN_DAYS, *, by: Actor
) -> list[Renewal]:
    """Renew every card that ``expiring_cards`` lists: a new card of the same type, reason
    ``renewal``, replacing the old one (each audited as an issue). A card that cannot be
    renewed as it is is left as it was and says why: an emergency card with no emergency
    contact, or a young carer card whose holder is about to turn 18 (an adult card is
    chosen at the desk)."""
    by.require(Can.ISSUE_CARDS)
    renewals = []
    for due in expiring_cards(session, today, days, by=by):
        carer = carers._get_carer(session, due.carer_id)
        born = carer.date_of_birth
        if born is not None and expiry(
            due.card_type, today, born, valid_years(session)
        ) <= today + timedelta(days=days):
            renewals.append(
                Renewal(
                    due,
                    None,
                    "a young carer card ends before the 18th birthday: choose an adult card "
                    "on their record",
                )
            )
            continue
        try:
            card = issue_card(session, due.carer_id, due.card_type, "renewal", by=by, today=today)
        except (FieldError, NoEmergencyContact) as error:
            # Both are refused before anything is changed.
            renewals.append(Renewal(due, None, error.message))
            continue
        renewals.append(Renewal(due, card))
    return renewals


def find_card(session: Session, text: str, *, by: Actor) -> CardView | None:
    """The card with this number, however typed (spaces, dashes, slashes, case), whatever its
    scheme. None when no card has it; one of carerdesk's own numbers with a wrong check digit
    is refused as mistyped."""
    by.require(Can.ISSUE_CARDS)
    key = card_key(text)
    card = session.scalar(select(Card).where(Card.number_key == key)) if key else None
    if card is not None:
        return card_view(card)
    if looks_like_card(text, _prefix_or_none(session)):
        check_card_number(text)
    return None


def mistyped(session: Session, text: str, *, by: Actor) -> str | None:
    """Why ``text`` is no card, when it is one of the organisation's own numbers with a
    wrong check digit (a slip of the keyboard); else None. A number of another scheme has
    no check digit carerdesk knows. For anyone who may search; reads only the prefix."""
    from carerdesk.core.cards import card_number_problem

    by.require(Can.FIND)
    return card_number_problem(text, _prefix_or_none(session))


def _prefix_or_none(session: Session) -> str | None:
    setting = session.get(Setting, "card_prefix")
    return setting.value if setting is not None and setting.value else None


def set_emergency(
    session: Session,
    carer_id: str,
    contacts: list[tuple[str, str | None, str]],
    contingency_plan: bool | None,
    *,
    by: Actor,
) -> None:
    """Replace the carer's emergency contacts (up to three, in order) and say whether a
    contingency plan is held: what their emergency card prints."""
    by.require(Can.EDIT)
    carer = carers._get_carer(session, carer_id)
    for old in session.scalars(
        select(EmergencyContact).where(EmergencyContact.carer_id == carer.id)
    ):
        session.delete(old)
    session.flush()
    for position, (name, relationship, phone) in enumerate(contacts[:3], start=1):
        session.add(
            EmergencyContact(
                carer_id=carer.id,
                position=position,
                name=name,
                relationship_=relationship,
                phone=phone,
                created_by=by.name,
                updated_by=by.name,
            )
        )
    carer.contingency_plan = contingency_plan
    carer.updated_by = by.name
    audit.record(
        session, by, Action.CHANGED, kind="carer", record_id=carer.id,
        reference=carer.reference, fields=["emergency_contacts", "contingency_plan"],
    )  # fmt: skip


def emergency_texts(session: Session, carer_id: str, *, by: Actor) -> dict[str, str]:
    """The emergency contacts form as stored, to change."""
    from carerdesk.core.validate import format_phone

    by.require(Can.EDIT)
    carer = carers._get_carer(session, carer_id)
    plan = carer.contingency_plan
    texts = {"contingency_plan": "" if plan is None else ("yes" if plan else "no")}
    stored = session.scalars(
        select(EmergencyContact)
        .where(EmergencyContact.carer_id == carer.id)
        .order_by(EmergencyContact.position)
    )
    for n, contact in enumerate(stored, start=1):
        texts[f"name_{n}"] = contact.name
        texts[f"relationship_{n}"] = contact.relationship_ or ""
        texts[f"phone_{n}"] = format_phone(contact.phone)
    return texts
