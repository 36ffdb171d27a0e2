"""Duplicates in the register: the pairs that are probably one person, best first, and the
merge of two records into one (coordinators).

A merge moves every contact, caring role, card, referral and emergency contact of the
merged-away record to the survivor, takes the fields the coordinator chose from it, and
closes it as a ``duplicate`` that points at the survivor: its reference still opens the
survivor, and the merge is in the audit trail. Pairs a coordinator says are two people are
remembered and not offered again.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any, cast

from sqlalchemy import CursorResult, Table, select, update
from sqlalchemy.orm import Session

from carerdesk.core.cards import check_born_for
from carerdesk.core.entries import CARER_FIELDS
from carerdesk.core.errors import FieldError, NotAllowed
from carerdesk.core.matching import Match, Person, pairs
from carerdesk.core.permissions import Actor, Can
from carerdesk.db import audit, carers
from carerdesk.db.audit import Action
from carerdesk.db.models import (
    Card,
    Carer,
    CaringRole,
    Consent,
    Contact,
    EmergencyContact,
    ImportedRecord,
    NotDuplicate,
    Referral,
)
from carerdesk.db.views import CarerView, carer_view

MERGE_FIELDS = (*(name for name in CARER_FIELDS if name != "registered_on"), "contingency_plan")
"""The fields chosen side by side: the survivor keeps its own unless the merged-away
record's is taken. The earlier registration date is always kept, and notes are joined."""
MOVED = (CaringRole, Contact, Card, Referral, EmergencyContact, ImportedRecord, Consent)
"""What belongs to a carer, moved to the record that stays (an event's carer joined to the
merged-away record goes too, so that event's later contacts find the survivor)."""
EMERGENCY_CONTACTS = 3


@dataclass(frozen=True)
class Side:
    """One record of a pair, as the list shows it."""

    id: str
    reference: str
    name: str
    date_of_birth: date
    postcode: str | None
    status: str


@dataclass(frozen=True)
class Pair:
    """Two records that are probably one person."""

    first: Side
    second: Side
    match: Match


MATCHED = ("id", "first_folded", "last_folded", "date_of_birth", "phone", "mobile", "email",
           "postcode_key")  # fmt: skip
"""The columns of a carer that matching reads."""


def person(
    id_: str,
    first: str,
    last: str,
    born: date,
    phone: str | None,
    mobile: str | None,
    email: str | None,
    postcode: str | None,
) -> Person:
    """What matching reads of a stored record: its ``MATCHED`` columns, in order."""
    return Person(
        id_, first, last, born, tuple(n for n in (phone, mobile) if n),
        email.lower() if email else None, postcode,
    )  # fmt: skip


def people(session: Session, *, by: Actor) -> list[Person]:
    """Every record that can still be matched (none merged away or erased), read in one
    query (who may merge records or import an event's)."""
    if not by.may(Can.IMPORT):
        by.require(Can.MERGE)
    columns = [getattr(Carer, name) for name in MATCHED]
    rows = session.execute(
        select(*columns).where(Carer.merged_into.is_(None), Carer.erased_on.is_(None))
    )
    return [person(*row) for row in rows]


def _sides(session: Session, ids: Iterable[str]) -> dict[str, Side]:
    wanted = list(set(ids))
    found: dict[str, Side] = {}
    for start in range(0, len(wanted), 500):
        for carer in session.scalars(
            select(Carer).where(Carer.id.in_(wanted[start : start + 500]))
        ):
            found[carer.id] = Side(
                carer.id,
                carer.reference,
                f"{carer.first_name} {carer.last_name}",
                carer.date_of_birth,
                carer.postcode,
                carer.status,
            )
    return found


def _ordered(a: str, b: str) -> tuple[str, str]:
    return (a, b) if a < b else (b, a)


def scan(session: Session, *, by: Actor, limit: int | None = None) -> list[Pair]:
    """The pairs of records that are probably one person, best first, leaving out the pairs
    a coordinator has said are two people."""
    by.require(Can.MERGE)
    apart = {
        (low, high)
        for low, high in session.execute(select(NotDuplicate.first_id, NotDuplicate.second_id))
    }
    found = [
        (a, b, match) for a, b, match in pairs(people(session, by=by)) if (a.id, b.id) not in apart
    ]
    if limit is not None:
        found = found[:limit]
    sides = _sides(session, [p.id for a, b, _ in found for p in (a, b)])
    shown = []
    for a, b, match in found:
        # The record with the earlier reference first (usually the one registered first).
        one, other = sorted(
            (sides[a.id], sides[b.id]), key=lambda s: (len(s.reference), s.reference)
        )
        shown.append(Pair(one, other, match))
    return shown


def not_the_same(session: Session, first_id: str, second_id: str, *, by: Actor) -> None:
    """Remember that two records are two people, so the pair is not offered again."""
    by.require(Can.MERGE)
    low, high = _ordered(first_id, second_id)
    if session.get(NotDuplicate, (low, high)) is None:
        session.add(NotDuplicate(first_id=low, second_id=high, decided_by=by.name))
        audit.record(
            session, by, Action.CHANGED, kind="carer", record_id=low,
            fields=["not_duplicate"], detail=f"not the same person as {high}",
        )  # fmt: skip


def survivor(session: Session, carer: Carer) -> Carer:
    """The record a merged-away record now lives in (itself when it was not merged)."""
    seen = {carer.id}
    while carer.merged_into is not None:
        following = session.scalar(select(Carer).where(Carer.id == carer.merged_into))
        if following is None or following.id in seen:
            break
        seen.add(following.id)
        carer = following
    return carer


def merge_carers(
    session: Session,
    keep_id: str,
    away_id: str,
    *,
    take: Collection[str] = (),
    by: Actor,
    today: date,
) -> CarerView:
    """Merge the record ``away_id`` into ``keep_id``; ``take`` names the fields to take from
    the merged-away record. Returns the survivor, as the coordinator sees it."""
    by.require(Can.MERGE)
    keep = carers._get_carer(session, keep_id, follow_merge=False)
    away = carers._get_carer(session, away_id, follow_merge=False)
    if keep.id == away.id:
        raise NotAllowed("Choose two different records to merge.")
    for carer in (keep, away):
        if carer.merged_into is not None:
            raise NotAllowed(f"{carer.reference} was merged already: open it to see where.")
    together = len(keep.emergency_contacts) + len(away.emergency_contacts)
    if together > EMERGENCY_CONTACTS:
        raise NotAllowed(
            f"Together the two records have {together} emergency contacts and a card holds "
            f"{EMERGENCY_CONTACTS}: remove some from one record (M on it) before merging."
        )
    unknown = set(take) - set(MERGE_FIELDS)
    if unknown:
        raise FieldError(sorted(unknown)[0], "That field cannot be chosen in a merge.")
    taken = [name for name in MERGE_FIELDS if name in take and name != "notes"]
    for name in taken:
        setattr(keep, name, getattr(away, name))
    if keep.consent_store is not True:
        raise FieldError("consent_store", "The record kept needs consent to store their details.")
    # Every active card of either record goes to the one kept: each must suit its age.
    check_born_for(
        [(c.card_number, c.card_type, c.issued_on) for c in (*keep.cards, *away.cards)
         if c.status == "active"],
        keep.date_of_birth,
        "merge them",
    )  # fmt: skip
    keep.registered_on = min(keep.registered_on, away.registered_on)
    notes = [n for n in (keep.notes, away.notes) if n]
    keep.notes = "\n\n".join(dict.fromkeys(notes)) or None
    if keep.status == "closed" and away.status == "active":
        keep.status, keep.closed_on, keep.closed_reason = "active", None, None
    carers.apply_search_keys(keep)
    keep.updated_by = by.name

    moved = {}
    for model in MOVED:
        table = cast(Table, model.__table__)
        result = session.execute(
            update(table).where(table.c.carer_id == away.id).values(carer_id=keep.id)
        )
        moved[table.name] = cast(CursorResult[Any], result).rowcount
    session.expire(keep)
    _one_active_card_of_a_type(session, keep.id, by, today)
    _renumber_emergency_contacts(session, keep.id)

    away.status, away.closed_on, away.closed_reason = "closed", today, "duplicate"
    away.merged_into, away.updated_by = keep.id, by.name
    # Records merged into the one going now lead straight to the survivor.
    session.execute(update(Carer).where(Carer.merged_into == away.id).values(merged_into=keep.id))
    # Out of every search but its reference: the survivor carries the person now.
    away.search_text, away.first_folded, away.last_folded, away.postcode_key = "", "", "", None
    session.flush()
    counts = ", ".join(f"{n} {name.replace('_', ' ')}" for name, n in moved.items() if n)
    audit.record(
        session, by, Action.MERGED, kind="carer", record_id=keep.id,
        reference=keep.reference, fields=taken,
        detail=f"{away.reference} merged in" + (f": {counts}" if counts else ""),
    )  # fmt: skip
    audit.record(
        session, by, Action.CLOSED, kind="carer", record_id=away.id,
        reference=away.reference, fields=["status", "merged_into"],
        detail=f"merged into {keep.reference}",
    )  # fmt: skip
    return carer_view(carers._get_carer(session, keep.id), by, today)


def _one_active_card_of_a_type(session: Session, carer_id: str, by: Actor, today: date) -> None:
    # Two active cards of a type: the newer stays, the older is replaced from today.
    cards = session.scalars(
        select(Card)
        .where(Card.carer_id == carer_id, Card.status == "active")
        .order_by(Card.card_type, Card.issued_on.desc(), Card.card_number.desc())
    ).all()
    seen: set[str] = set()
    for card in cards:
        if card.card_type in seen:
            card.status, card.ended_on, card.updated_by = "replaced", today, by.name
        seen.add(card.card_type)


def _renumber_emergency_contacts(session: Session, carer_id: str) -> None:
    people_to_call = session.scalars(
        select(EmergencyContact)
        .where(EmergencyContact.carer_id == carer_id)
        .order_by(EmergencyContact.position, EmergencyContact.created_at)
    ).all()
    for position, contact in enumerate(people_to_call, 1):
        contact.position = position
