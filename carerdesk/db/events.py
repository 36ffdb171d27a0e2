"""Community events: a register of its own on a volunteer's laptop, encrypted from the first
keystroke, brought into the main register afterwards as one record a person.

An event's file is a carerdesk register encrypted with SQLCipher under a passphrase the
volunteer chooses when starting the event: the same screens work on it, and its search sees
only the event's own carers. Closing the event checks every page of the file and leaves it
as one file to hand to the coordinator. On the main register, each of the event's carers is
matched against the register (``core.matching``); the coordinator confirms the certain
matches and decides the others, and the whole event is written in one transaction. The
event's own ids are kept, so importing the same file again adds nothing.
"""

from __future__ import annotations

import sys
from collections.abc import Collection, Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import IO, Any

from sqlalchemy import Engine, func, insert, or_, select, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from carerdesk.core import rules
from carerdesk.core.entries import event_fills
from carerdesk.core.errors import CarerdeskError, FieldError, InvalidEntry, NotAllowed
from carerdesk.core.matching import Match, best_matches, common_details, index_of
from carerdesk.core.passphrases import passphrase_problem
from carerdesk.core.permissions import Actor, Can, Role
from carerdesk.core.private_files import private_folder
from carerdesk.core.text import tidy
from carerdesk.core.validate import now_local, parse_date
from carerdesk.db import accounts, audit, carers, consents, duplicates
from carerdesk.db.audit import Action
from carerdesk.db.engine import make_engine, sqlite_url, unit_of_work
from carerdesk.db.models import (
    Card,
    Carer,
    CaringRole,
    Contact,
    EmergencyContact,
    ImportedRecord,
    Referral,
    Setting,
    utc_now,
)

EVENT_KEYS = ("event_name", "event_venue", "event_date", "event_closed_at")
CARD_PREFIX = "EV"
"""An event issues no cards; its register still needs a prefix to be set up."""


class EventFileRefused(CarerdeskError):
    """An event file that cannot be opened: a wrong passphrase, or an altered file."""


@dataclass(frozen=True)
class EventInfo:
    """An event as its file describes it."""

    name: str
    venue: str
    day: date
    closed_at: str | None
    carers: int
    contacts: int


class EventInUse(CarerdeskError):
    """An event's file held open by carerdesk's desk (``held_open``), asked to close or to
    open a second time."""


def _lock_path(path: Path) -> Path:
    return path.with_name(path.name + ".open")


def _try_lock(handle: IO[str]) -> bool:
    """Take the lock of ``handle`` without waiting; False if someone holds it. The system
    lets it go when the desk ends, however it ends (a crash, a laptop's battery), so a lock
    left behind never keeps an event from closing."""
    if sys.platform == "win32":
        import msvcrt

        try:
            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    import fcntl

    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True


@contextmanager
def held_open(path: Path, *, closing: bool = False) -> Iterator[None]:
    """Hold the event open while its desk runs (or while it is closed, with ``closing``):
    until it ends, ``close_event`` and a second desk on the file are refused.

    The hold is a lock on ``FILE.open`` beside the event's file, removed when released.
    """
    if not path.is_file():
        raise EventFileRefused(f"There is no event file at {path}.")
    lock = _lock_path(path)
    handle = lock.open("a+", encoding="utf-8")
    try:
        if not _try_lock(handle):
            if closing:
                raise EventInUse(
                    "The event is still open in carerdesk on this computer: quit the desk "
                    "there first (Ctrl+Q), then close the event."
                )
            raise EventInUse(
                "The event is already open in carerdesk on this computer: carry on there."
            )
        try:
            yield
        finally:
            with suppress(OSError):
                lock.unlink()
    finally:
        handle.close()


def refuse_if_open(path: Path, *, closing: bool = False) -> None:
    """Say (raise ``EventInUse``) when the event is held open on this computer: before a
    passphrase is asked for, to close it or to open a second desk on it."""
    if _lock_path(path).exists():
        with held_open(path, closing=closing):
            pass


def is_open(path: Path) -> bool:
    """Whether the event is held open (its desk running) on this computer."""
    try:
        refuse_if_open(path)
    except EventInUse:
        return True
    return False


def check_passphrase(text: str, again: str | None = None) -> str:
    """A passphrase hard enough to guess to protect a lost laptop
    (``core.passphrases.passphrase_problem``), typed the same twice."""
    if (problem := passphrase_problem(text)) is not None:
        raise FieldError("passphrase", problem)
    if again is not None and again != text:
        raise FieldError("passphrase_again", "The two passphrases are not the same.")
    return text


def _refused() -> EventFileRefused:
    return EventFileRefused(
        "The event file cannot be opened: the passphrase is wrong, or the file was altered "
        "or damaged on its way. Nothing was read from it."
    )


def open_event(path: Path, passphrase: str) -> Engine:
    """The engine of an event's file, once every page of it has been checked against the
    passphrase (SQLCipher keeps a code on each page: a changed byte fails its page)."""
    if not path.is_file():
        raise EventFileRefused(f"There is no event file at {path}.")
    engine = make_engine(sqlite_url(path), key=passphrase, one_file=True)
    try:
        with engine.connect() as connection:
            failures = connection.exec_driver_sql("PRAGMA cipher_integrity_check").all()
            verdict = connection.exec_driver_sql("PRAGMA quick_check").scalar()
            named = connection.execute(
                text("SELECT value FROM settings WHERE key = 'event_name'")
            ).scalar()
    except SQLAlchemyError:
        engine.dispose()
        raise _refused() from None
    if failures or verdict != "ok":
        engine.dispose()
        raise _refused()
    if named is None:
        engine.dispose()
        raise EventFileRefused("This file is a carerdesk register, but not an event's.")
    return engine


def start_event(
    path: Path,
    passphrase: str,
    *,
    name: str,
    venue: str,
    day: str,
    volunteer: str,
    pin: str,
) -> EventInfo:
    """A new, empty event file at ``path``, encrypted under ``passphrase``, with the
    volunteer's account (``pin`` unlocks the screen during the event)."""
    from carerdesk.db.migrate import upgrade

    errors = {}
    checked_name, checked_venue = tidy(name), tidy(venue)
    if not checked_name:
        errors["name"] = "Give the event a name, such as 'Carers Week stall'."
    if not checked_venue:
        errors["venue"] = "Say where it is."
    try:
        held_on = parse_date(day, "date")
    except FieldError as error:
        errors["date"] = error.message
    try:
        check_passphrase(passphrase)
    except FieldError as error:
        errors["passphrase"] = error.message
    if errors:
        raise InvalidEntry(errors)
    if path.exists():
        raise NotAllowed(f"{path} already exists: choose a new file for the event.")
    private_folder(path.parent)  # the file itself is made private as it is opened
    engine = make_engine(sqlite_url(path), key=passphrase, one_file=True)
    try:
        upgrade(engine)
        with unit_of_work(engine) as session:
            accounts.set_up(
                session,
                {
                    "organisation_name": checked_name,
                    "card_prefix": CARD_PREFIX,
                    "coordinator": volunteer,
                    "pin": pin,
                    "pin_again": pin,
                },
            )
            # The event's desk registers carers and logs contacts, nothing more: no cards,
            # referrals or exports of its own (an export would be unencrypted).
            accounts.find_user(session, volunteer).role = Role.VOLUNTEER
            for key, value in (
                ("event_name", checked_name),
                ("event_venue", checked_venue),
                ("event_date", held_on.isoformat()),
            ):
                session.add(Setting(key=key, value=value))
        with unit_of_work(engine, write=False) as session:
            return event_info(session)
    except BaseException:
        engine.dispose()
        with suppress(OSError):
            path.unlink()
        raise
    finally:
        engine.dispose()


def event_info(session: Session) -> EventInfo:
    """The event and its running counts."""
    values = {
        key: value
        for key, value in session.execute(
            select(Setting.key, Setting.value).where(Setting.key.in_(EVENT_KEYS))
        )
    }
    if "event_name" not in values:
        raise NotAllowed("This register is not an event's.")
    carers = session.scalar(select(text("count(*)")).select_from(Carer)) or 0
    contacts = session.scalar(select(text("count(*)")).select_from(Contact)) or 0
    return EventInfo(
        values["event_name"],
        values.get("event_venue", ""),
        date.fromisoformat(values["event_date"]),
        values.get("event_closed_at"),
        int(carers),
        int(contacts),
    )


def is_event(session: Session) -> bool:
    """Whether this register is an event's."""
    return session.get(Setting, "event_name") is not None


def close_event(path: Path, passphrase: str) -> EventInfo:
    """Check every page of the event's file, mark the event closed and leave it as one file
    (its journal folded in) to hand to the coordinator. Refused while the event is open in
    carerdesk (``held_open``): its desk would go on writing to a file handed on."""
    with held_open(path, closing=True):
        return _close(path, passphrase)


def _close(path: Path, passphrase: str) -> EventInfo:
    engine = open_event(path, passphrase)
    try:
        with unit_of_work(engine) as session:
            closed = session.get(Setting, "event_closed_at")
            if closed is None:
                session.add(Setting(key="event_closed_at", value=utc_now().isoformat()))
        # Rewritten compactly, outside any transaction: no freed page keeps old content.
        raw = engine.raw_connection()
        try:
            raw.driver_connection.execute("VACUUM")  # type: ignore[union-attr]
        finally:
            raw.close()
        with unit_of_work(engine, write=False) as session:
            info = event_info(session)
    finally:
        engine.dispose()
    # Opened again from the file alone: what the coordinator will receive.
    open_event(path, passphrase).dispose()
    return info


@dataclass
class EventFile:
    """Everything of an event's file that goes into the main register, read once."""

    info: EventInfo
    carers: list[dict[str, Any]]
    roles: list[dict[str, Any]]
    contacts: list[dict[str, Any]]


def _rows(session: Session, model: Any) -> list[dict[str, Any]]:
    table = model.__table__
    return [dict(row._mapping) for row in session.execute(select(table))]


def read_event(path: Path, passphrase: str, today: date | None = None) -> EventFile:
    """The event's carers, caring roles and contacts, read from its checked file, each
    checked again by the register's own rules (a file is trusted no further than a form)."""
    engine = open_event(path, passphrase)
    try:
        with unit_of_work(engine, write=False) as session:
            event = EventFile(
                event_info(session),
                _rows(session, Carer),
                _rows(session, CaringRole),
                _rows(session, Contact),
            )
            beyond = {
                noun: session.scalar(select(func.count()).select_from(model)) or 0
                for noun, model in (
                    ("cards", Card),
                    ("referrals", Referral),
                    ("emergency contacts", EmergencyContact),
                )
            }
    except SQLAlchemyError:
        raise _refused() from None
    finally:
        engine.dispose()
    problems = _problems(event, today or now_local().date())
    problems += [
        f"it holds {count} {noun}, which an event's desk does not make"
        for noun, count in beyond.items()
        if count
    ]
    if problems:
        shown = "; ".join(problems[:5]) + ("; …" if len(problems) > 5 else "")
        raise EventFileRefused(
            f"The event's file holds {len(problems)} "
            f"{'entry' if len(problems) == 1 else 'entries'} the register's rules refuse, so "
            f"nothing was imported: {shown}"
        )
    return event


def _problems(event: EventFile, today: date) -> list[str]:
    """Every row of the event that a form of the register would refuse, said where."""
    from carerdesk.core.entries import (
        CARER_FIELDS,
        CONTACT_FIELDS,
        ROLE_FIELDS,
        carer_values,
        check_all,
        field_text,
        role_values,
    )

    references = {row["id"]: row["reference"] for row in event.carers}

    def carer(texts: dict[str, str]) -> None:
        carer_values(texts, today)

    def role(texts: dict[str, str]) -> None:
        role_values(texts, today)

    def contact(texts: dict[str, str]) -> None:
        check_all(CONTACT_FIELDS, texts, today)

    found = []
    for kind, rows, fields, check in (
        ("carer", event.carers, CARER_FIELDS, carer),
        ("caring role", event.roles, ROLE_FIELDS, role),
        ("contact", event.contacts, CONTACT_FIELDS, contact),
    ):
        for row in rows:
            try:
                check({name: field_text(row.get(name)) for name in fields})
            except InvalidEntry as refused:
                whose = references.get(row.get("carer_id") or row["id"], "an anonymous contact")
                for name, message in refused.errors.items():
                    found.append(f"{whose}, {kind}, {name}: {message}")
    # The rules between records that the desk's operations apply (core.rules).
    registered = {row["id"]: row["registered_on"] for row in event.carers}
    for row in event.contacts:
        if row.get("carer_id") in registered:
            try:
                rules.check_contact_date(row["contact_on"], registered[row["carer_id"]])
            except FieldError as refused:
                whose = references[row["carer_id"]]
                found.append(f"{whose}, contact, {refused.field}: {refused.message}")
    return found


@dataclass
class Incoming:
    """One of the event's carers, and what the register already knows of them."""

    id: str
    reference: str
    """The reference the event gave them (the register gives its own)."""
    name: str
    date_of_birth: date
    postcode: str | None
    done: str | None = None
    """The register's reference when this carer was imported before."""
    matches: list[tuple[str, str, Match]] = field(default_factory=list)
    """The register's records that may be this carer: (id, reference and name, match)."""

    @property
    def certain(self) -> bool:
        """The best match is as good as certain."""
        return bool(self.matches) and self.matches[0][2].certain


def plan_import(session: Session, event: EventFile, *, by: Actor) -> list[Incoming]:
    """Each of the event's carers with the register's records that may be them, best first;
    those imported before say where they went."""
    by.require(Can.IMPORT)
    done = _imported(session, [row["id"] for row in event.carers])
    index = index_of(duplicates.people(session, by=by))
    common = common_details(index)
    found = []
    matched: dict[str, list[tuple[str, Match]]] = {}
    for row in event.carers:
        incoming = Incoming(
            row["id"],
            row["reference"],
            f"{row['first_name']} {row['last_name']}",
            row["date_of_birth"],
            row["postcode"],
            done[row["id"]][0] if row["id"] in done else None,
        )
        if incoming.done is None:
            matched[row["id"]] = [
                (other.id, match)
                for other, match in best_matches(
                    duplicates.person(*(row[name] for name in duplicates.MATCHED)), index, common
                )[:3]
            ]
        found.append(incoming)
    names = _names(session, {i for pairs in matched.values() for i, _ in pairs})
    for incoming in found:
        incoming.matches = [(i, names[i], m) for i, m in matched.get(incoming.id, [])]
    return found


def proposed(plan: list[Incoming], *, apart: Collection[str] = ()) -> dict[str, str | None]:
    """What an import does unless a person says otherwise: each carer with a certain match
    joins that record (but for the event references in ``apart``); everyone else is new."""
    return {
        incoming.id: incoming.matches[0][0]
        for incoming in plan
        if incoming.certain and not incoming.done and incoming.reference not in apart
    }


def _names(session: Session, ids: set[str]) -> dict[str, str]:
    wanted, found = list(ids), {}
    for start in range(0, len(wanted), 500):
        for id_, reference, first, last in session.execute(
            select(Carer.id, Carer.reference, Carer.first_name, Carer.last_name).where(
                Carer.id.in_(wanted[start : start + 500])
            )
        ):
            found[id_] = f"{reference} {first} {last}"
    return found


def _imported(session: Session, ids: list[str]) -> dict[str, tuple[str, str]]:
    """Of the event's carer ids, those already in the register: id -> the reference and id
    of the record they went into."""
    found: dict[str, tuple[str, str]] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        for id_, reference in session.execute(
            select(Carer.id, Carer.reference).where(Carer.id.in_(chunk))
        ):
            found[id_] = (reference, id_)
        for source, reference, carer_id in session.execute(
            select(ImportedRecord.source_id, Carer.reference, Carer.id)
            .join(Carer, Carer.id == ImportedRecord.carer_id)
            .where(ImportedRecord.source_id.in_(chunk))
        ):
            found[source] = (reference, carer_id)
    # A record merged away since lives on in its survivor.
    merged = dict(
        session.execute(
            select(Carer.id, Carer.merged_into).where(
                Carer.id.in_({carer_id for _, carer_id in found.values()}),
                Carer.merged_into.is_not(None),
            )
        ).all()
    )
    for source, (_, carer_id) in list(found.items()):
        if carer_id in merged:
            carer = session.scalars(select(Carer).where(Carer.id == carer_id)).one()
            survivor = duplicates.survivor(session, carer)
            found[source] = (survivor.reference, survivor.id)
    return found


@dataclass(frozen=True)
class EventOutcome:
    """What an event's import did."""

    added: int
    joined: int
    already: int
    roles: int
    contacts: int


SKIPPED = {"pk", "reference", "merged_into", "first_folded", "last_folded", "search_text",
           "postcode_key", "reference_key"}  # fmt: skip


def import_event(
    session: Session,
    event: EventFile,
    decisions: Mapping[str, str | None],
    *,
    by: Actor,
) -> EventOutcome:
    """Write the event into the register, all or nothing. ``decisions`` maps an event
    carer's id to the register carer it is (their id), or to None for a new record; a carer
    not named is new. Carers, roles and contacts already imported are left as they are."""
    by.require(Can.IMPORT)
    done = _imported(session, [row["id"] for row in event.carers])
    _check_wards(session, event, done)
    target: dict[str, str] = {}
    added = joined = 0
    wanted = [i for i in set(decisions.values()) if i is not None]
    known: dict[str, Carer] = {}
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        found = session.scalars(
            select(Carer).where(or_(Carer.id.in_(chunk), Carer.reference.in_(chunk)))
        )
        for carer in found:
            known[carer.id] = known[carer.reference] = carer
    for row in event.carers:
        if row["id"] in done:
            continue
        same = decisions.get(row["id"])
        if same is not None:
            # Merged on another desk since it was planned? Then into the record that stays.
            carer = duplicates.survivor(
                session, known.get(same) or carers._get_carer(session, same)
            )
            # Only what the register does not know yet: its own details are never overwritten.
            for name in event_fills():
                if getattr(carer, name) in (None, "") and row[name] not in (None, ""):
                    setattr(carer, name, row[name])
            # As a merge does, the earlier registration: registered at the event first, their
            # contacts there come after it (a contact before it would not import back).
            carer.registered_on = min(carer.registered_on, row["registered_on"])
            carers.apply_search_keys(carer)
            carer.updated_by = by.name
            session.add(ImportedRecord(source_id=row["id"], carer_id=carer.id, by=by.name))
            target[row["id"]] = carer.id
            joined += 1
            continue
        values = {k: v for k, v in row.items() if k not in SKIPPED}
        values |= carers.search_keys(
            row["first_name"], row["last_name"], row["preferred_name"], row["postcode"]
        )
        carer = Carer(**values, reference=carers.next_reference(session))
        carer.created_by = carer.created_by or by.name
        session.add(carer)
        # Their consents were asked at the event, face to face: their first entries.
        consents.first_entries(session, carer, "in_person", by=by)
        target[row["id"]] = row["id"]  # the event's id is kept
        added += 1
    for carer_id, (_, went_to) in done.items():
        # Imported before: a contact logged at the event since then still finds them.
        target[carer_id] = went_to
    roles = _linked(session, CaringRole, event.roles, target)
    contacts = _linked(session, Contact, event.contacts, target)
    audit.record(
        session, by, Action.IMPORTED, kind="event",
        detail=(
            f"event {event.info.name} on {event.info.day:%d/%m/%Y}: {added} new carers, "
            f"{joined} added to existing records, {roles} caring roles, {contacts} contacts"
        ),
    )  # fmt: skip
    return EventOutcome(added, joined, len(done), roles, contacts)


def _check_wards(session: Session, event: EventFile, done: Collection[str]) -> None:
    """Each ward the event brings is on the organisation's list (``core.rules``, as at the
    desk), or nothing is imported."""
    wards = carers.ward_list(session)
    refused: list[str] = []
    message = ""
    for row in event.carers:
        if row["id"] in done or not row.get("ward"):
            continue
        try:
            rules.check_ward(row["ward"], wards)
        except FieldError as error:
            refused.append(row["reference"])
            message = error.message
    if refused:
        raise NotAllowed(
            f"Nothing was imported: the ward of {', '.join(refused[:5])} (the event's "
            f"references): {message} Add it to the list (settings: wards) and import again."
        )


def _linked(
    session: Session, model: Any, rows: list[dict[str, Any]], target: Mapping[str, str]
) -> int:
    """Insert the rows not in the register yet, each under the carer it now belongs to."""
    table = model.__table__
    ids = [row["id"] for row in rows]
    stored: set[str] = set()
    for start in range(0, len(ids), 500):
        stored |= set(
            session.scalars(select(table.c.id).where(table.c.id.in_(ids[start : start + 500])))
        )
    fresh = []
    for row in rows:
        if row["id"] in stored:
            continue
        carer_id = row.get("carer_id")
        if carer_id is not None:
            carer_id = target[carer_id]
        fresh.append({**row, "carer_id": carer_id})
    if fresh:
        session.execute(insert(table), fresh)
    return len(fresh)
