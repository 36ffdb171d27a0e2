"""Erasing a carer (coordinators): the right to be forgotten, without breaking the returns.

``erase_carer`` blanks every personal field of the record and of its caring roles, contacts,
cards and referrals, deletes its emergency contacts, and takes it out of search and out of
the duplicate scan. What the weekly return counts stays, as coded values: the registration
and closing dates and reasons, gender, ethnicity, ward, how they heard, hours caring, the
caring roles' codes, each contact's date, channel and support, each card's type and dates,
each referral's service, status and dates. The date of birth becomes a stand-in that gives
the same carer type on the days the return reads it (``core.erasure.stand_in_birth``).

Returns already made are not touched. Where a week already returned counts differently
afterwards (only a carer type, in the week an age band was crossed), the change is kept in
``erased_figures`` so that the returns screen says an erasure moved it.

No trace is left in the file: ``secure_delete`` overwrites what is deleted, the full-text
index is rebuilt into fresh pages (``optimize``), and once the unit of work commits the
write-ahead log is checkpointed and truncated (``checkpoint``). The audit trail records the
erasure and its reason, never what was erased; older entries hold field names only.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Engine, delete, event, select, text, update
from sqlalchemy.orm import Session

from carerdesk.core.ages import carer_type
from carerdesk.core.erasure import check_confirmation, check_reason, stand_in_birth
from carerdesk.core.errors import NotAllowed
from carerdesk.core.permissions import Actor, Can
from carerdesk.core.returns import Figure
from carerdesk.core.weeks import Week, week_of
from carerdesk.db import audit, carers
from carerdesk.db.audit import Action
from carerdesk.db.models import (
    Card,
    Carer,
    Consent,
    Contact,
    EmergencyContact,
    ErasedFigure,
    NotDuplicate,
    Referral,
    WeeklyReturn,
)

BLANKED = (
    "first_name", "last_name", "preferred_name", "date_of_birth", "address_line_1",
    "address_line_2", "town", "postcode", "phone", "mobile", "email", "preferred_contact",
    "employment", "carers_allowance", "gp_practice", "notes", "contingency_plan",
    "consent_by", "search_text", "first_folded", "last_folded", "postcode_key",
)  # fmt: skip
"""The carer's fields erased (the audit entry names them). The rest are the return's codes."""
_CHECKPOINT_KEY = "carerdesk.erasure.checkpoint"


@dataclass(frozen=True)
class Erased:
    """What an erasure did, in counts (for the message a person sees)."""

    reference: str
    records: int
    """The record and any records merged into it (one person)."""
    weeks_moved: list[str]
    """The weeks already returned whose figures an erasure moved."""


def find_record(session: Session, typed: str) -> Carer:
    """The record with this id, or reference typed in any case (its survivor, if merged)."""
    token = typed.strip()
    return carers._get_carer(session, token if len(token) == 36 else token.upper())


def _person(session: Session, carer: Carer) -> list[Carer]:
    """The record and every record merged into it, however deep (they are one person)."""
    found = [carer]
    frontier = [carer.id]
    while frontier:
        merged = list(session.scalars(select(Carer).where(Carer.merged_into.in_(frontier))))
        merged = [m for m in merged if m not in found]
        found += merged
        frontier = [m.id for m in merged]
    return found


def _days_read(carer: Carer, contact_days: Iterable[date], end: date) -> set[date]:
    """The days the return reads this carer's type: registration, Sundays, contacts."""
    days = {carer.registered_on, *contact_days}
    sunday = carer.registered_on + timedelta(days=6 - carer.registered_on.weekday())
    while sunday <= end:
        days.add(sunday)
        sunday += timedelta(days=7)
    return days


def _returned_weeks(session: Session) -> set[str]:
    return set(session.scalars(select(WeeklyReturn.week).distinct()))


def _figures(session: Session, weeks: list[Week], by: Actor) -> dict[str, list[Figure]]:
    from carerdesk.db.returns import week_figures

    return {str(week): week_figures(session, week, by) for week in weeks}


def erase_carer(
    session: Session,
    reference: str,
    *,
    confirm: str,
    reason: str,
    by: Actor,
    today: date,
) -> Erased:
    """Erase the carer with ``reference`` (typed again as ``confirm``), for ``reason``.

    Refused unless ``by`` may erase, the reference typed matches, and the reason is given
    (without the carer's name: the audit trail keeps it). A record still open is closed
    today first (reason ``withdrew_consent``), which moves only this week and after.
    The checkpoint that empties the write-ahead log runs when the caller commits."""
    by.require(Can.ERASE)
    carer = find_record(session, reference)
    if carer.erased_on is not None:
        raise NotAllowed(f"{carer.reference} was erased on {carer.erased_on:%d/%m/%Y} already.")
    check_confirmation(confirm, carer.reference)
    people = _person(session, carer)
    why = check_reason(reason, [name for p in people for name in _names(p)])
    erased = _erase(session, carer, people, why, by, today)
    _rebuild_index(session)
    return erased


def erase_carers(
    session: Session, ids: list[str], *, reason: str, by: Actor, today: date
) -> list[Erased]:
    """Erase several records at once (a retention review), for one ``reason``; one unit of
    work. The coordinator confirmed by typing ``erase N`` (``core.erasure``)."""
    by.require(Can.ERASE)
    done = []
    for carer_id in ids:
        carer = carers._get_carer(session, carer_id)
        if carer.erased_on is not None:
            continue
        people = _person(session, carer)
        why = check_reason(reason, [name for p in people for name in _names(p)])
        done.append(_erase(session, carer, people, why, by, today))
    _rebuild_index(session)
    return done


def _names(carer: Carer) -> list[str]:
    return [n for n in (carer.first_name, carer.last_name, carer.preferred_name) if n]


def _erase(
    session: Session, carer: Carer, people: list[Carer], reason: str, by: Actor, today: date
) -> Erased:
    _secure(session)
    ids = [p.id for p in people]
    contact_days = list(
        session.scalars(select(Contact.contact_on).where(Contact.carer_id.in_(ids)).distinct())
    )
    end = max([carer.closed_on or today, *contact_days])
    stand_in = {p.id: stand_in_birth(p.date_of_birth, p.registered_on, end) for p in people}
    # The weeks already returned in which the stand-in counts differently: counted before
    # and after, in this transaction, so the returns screen can say what the erasure moved.
    returned = _returned_weeks(session)
    moved_weeks = sorted(
        {
            str(week_of(day))
            for day in _days_read(carer, contact_days, end)
            if carer_type(carer.date_of_birth, day) != carer_type(stand_in[carer.id], day)
        }
        & returned
    )
    weeks = [Week(int(w[:4]), int(w[6:])) for w in moved_weeks]
    before = _figures(session, weeks, by)

    if carer.status != "closed":
        carer.status, carer.closed_on, carer.closed_reason = "closed", today, "withdrew_consent"
    for person in people:
        for name in BLANKED:
            setattr(person, name, None)
        person.first_name = person.last_name = person.search_text = ""
        person.first_folded = person.last_folded = ""
        person.date_of_birth = stand_in[person.id]
        person.erased_on, person.kept_on, person.kept_reason = today, None, None
        person.updated_by = by.name
    session.flush()
    _erase_parts(session, ids)
    session.flush()

    after = _figures(session, weeks, by)
    for week in moved_weeks:
        old = {(f.measure, f.breakdown, f.category): f.value for f in before[week]}
        for figure in after[week]:
            key = (figure.measure, figure.breakdown, figure.category)
            if figure.value != old.get(key, 0):
                session.add(
                    ErasedFigure(
                        week=week, measure=key[0], breakdown=key[1], category=key[2],
                        change=figure.value - old.get(key, 0),
                    )
                )  # fmt: skip
    audit.record(
        session, by, Action.ERASED, kind="carer", record_id=carer.id,
        reference=carer.reference, fields=BLANKED,
        detail=f"erased ({len(people)} record{'s' if len(people) > 1 else ''}): {reason}",
    )  # fmt: skip
    _checkpoint_after_commit(session)
    return Erased(carer.reference, len(people), moved_weeks)


def _erase_parts(session: Session, ids: list[str]) -> None:
    """The free text of the record's parts blanked, emergency contacts and card numbers
    gone; their codes and dates (which the return counts) stay."""
    session.execute(delete(EmergencyContact).where(EmergencyContact.carer_id.in_(ids)))
    # Who gave which consent, when and how: nothing the return counts, gone with the person.
    session.execute(delete(Consent).where(Consent.carer_id.in_(ids)))
    session.execute(
        update(Contact).where(Contact.carer_id.in_(ids)).values(notes=None),
        execution_options={"synchronize_session": False},
    )
    session.execute(
        update(Referral)
        .where(Referral.carer_id.in_(ids))
        .values(reason="", outcome=None, hopes=None),
        execution_options={"synchronize_session": False},
    )
    # A card number is unique and printed on the card: each gets a meaningless one.
    for card in session.scalars(select(Card).where(Card.carer_id.in_(ids))):
        card.card_number = "X" + uuid.uuid4().hex[:20].upper()
        card.cancel_reason = None
    session.execute(
        delete(NotDuplicate).where(NotDuplicate.first_id.in_(ids) | NotDuplicate.second_id.in_(ids))
    )
    # Caring roles hold codes only (relationship, age band, conditions): kept for the return.
    session.expire_all()


def _rebuild_index(session: Session) -> None:
    # The full-text index keeps a deleted name in its old segments until they are merged:
    # ``optimize`` writes the index afresh, and secure_delete zeroes the pages let go.
    if session.get_bind().dialect.name == "sqlite":
        session.execute(text("INSERT INTO carers_fts (carers_fts) VALUES ('optimize')"))


def _secure(session: Session) -> None:
    # SQLite overwrites deleted content with zeros on this connection from now on.
    if session.get_bind().dialect.name == "sqlite":
        session.execute(text("PRAGMA secure_delete = ON"))


def _checkpoint_after_commit(session: Session) -> None:
    """Empty the write-ahead log once the caller's unit of work has committed: the erased
    pages are then only in the main file, where secure_delete has zeroed them."""
    if session.info.get(_CHECKPOINT_KEY) or session.get_bind().dialect.name != "sqlite":
        return
    session.info[_CHECKPOINT_KEY] = True
    engine = session.get_bind()

    def after_commit(_session: Session) -> None:
        _session.info.pop(_CHECKPOINT_KEY, None)
        checkpoint(engine)  # type: ignore[arg-type]

    event.listen(session, "after_commit", after_commit, once=True)


def checkpoint(engine: Engine) -> bool:
    """Copy the write-ahead log into the register and truncate it to nothing; False when
    another desk was reading, so the log could not be emptied yet (the next erasure, or
    SQLite's own checkpoint, finishes it)."""
    raw: Any = engine.raw_connection()
    try:
        cursor = raw.driver_connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        busy, _frames, _done = cursor.fetchone()
        return not busy
    finally:
        raw.close()
