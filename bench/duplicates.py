"""Duplicates on a register of 100,000 carers: the scan for probable pairs, and matching
1,000 incoming registrations (as from an event) against the register.

The floor of both is reading the columns matching needs, once, bare through sqlite3: the
least any matching must do. The scan compares only records that share a block (a birth date,
a phone, an email or a postcode), and the figures say how many pairs that came to beside
comparing every record with every other.
"""

from __future__ import annotations

import random
import shutil
import sqlite3
import statistics
import time
from datetime import date, timedelta
from math import comb
from pathlib import Path

from carerdesk.core.matching import Person, best_matches, blocks, common_details, index_of
from carerdesk.core.permissions import SYSTEM
from carerdesk.db import accounts, duplicates
from carerdesk.db.engine import make_engine, sqlite_url, unit_of_work
from carerdesk.demo import DEMO_USERS

TODAY = date(2026, 11, 23)

COLUMNS = (
    "SELECT id, first_folded, last_folded, date_of_birth, phone, mobile, email, postcode_key"
    " FROM carers WHERE merged_into IS NULL"
)


def _floor(path: Path) -> float:
    times = []
    for _ in range(3):
        started = time.perf_counter()
        with sqlite3.connect(path) as connection:
            connection.execute(COLUMNS).fetchall()
        connection.close()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def _incoming(register: list[Person], count: int, seed: int = 5) -> list[Person]:
    """Half the register's people again, as a volunteer might type them (a letter dropped
    from every other surname, the mobile only, the postcode), half new people."""
    rng = random.Random(seed)
    found = []
    for n, known in enumerate(rng.sample(register, count // 2)):
        last = known.last[:-1] if len(known.last) > 4 and n % 2 else known.last
        found.append(
            Person(
                f"event-{n}", known.first, last, known.born, known.phones[-1:], None, known.postcode
            )
        )
    for n in range(count - len(found)):
        born = register[0].born - timedelta(days=rng.randint(0, 30000))
        found.append(Person(f"new-{n}", f"visitor{n}", f"newcomer{n}", born))
    return found


PASSPHRASE = "bench event passphrase"


def _event_file(folder: Path, incoming: list[Person], register: Path) -> Path:
    """An event's file holding ``incoming`` as registrations (names as the register has
    them for the known half, so the same people come back)."""
    from carerdesk.core.entries import check_carer
    from carerdesk.core.errors import InvalidEntry
    from carerdesk.db import carers, events

    path = folder / "bench.event"
    events.start_event(
        path, PASSPHRASE, name="Bench stall", venue="Hall", day="23/11/2026",
        volunteer="Bench Volunteer", pin="9753",
    )  # fmt: skip
    with sqlite3.connect(register) as connection:
        shown = dict(
            connection.execute(
                "SELECT id, first_name || '|' || last_name || '|' || coalesce(postcode, '')"
                " FROM carers"
            ).fetchall()
        )
    engine = events.open_event(path, PASSPHRASE)
    with unit_of_work(engine) as session:
        volunteer = accounts.actor_of(accounts.find_user(session, "Bench Volunteer"))
        for n, person in enumerate(incoming):
            known = person.id.removeprefix("event-")
            first, last, postcode = (
                shown[known].split("|")
                if known in shown
                else ("Visitor", "Newcomer-" + _letters(n), "")
            )
            values = {
                "first_name": first, "last_name": last,
                "date_of_birth": person.born.strftime("%d/%m/%Y"),
                "mobile": "07700 900" + f"{n % 1000:03d}", "postcode": postcode,
                "registered_on": "23/11/2026", "registered_at": "event", "consent_store": "yes",
            }  # fmt: skip
            try:
                entry = check_carer(values, TODAY)
            except InvalidEntry as refused:
                raise SystemExit(f"{values}: {refused.errors}") from None
            carers.register_carer(session, entry, by=volunteer)
    engine.dispose()
    return path


def _letters(n: int) -> str:
    """A name part from a number, in letters (names hold no digits): 0 -> Aa, 27 -> Bb."""
    return chr(65 + n // 26 % 26) + chr(97 + n % 26) + chr(97 + n // 676 % 26)


def event_import(path: Path, folder: Path, results: dict[str, float]) -> None:
    """1,000 registrations from an event's file imported into a copy of the register: read
    and checked, matched, written."""
    from carerdesk.db import events

    with unit_of_work(make_engine(sqlite_url(path)), write=False) as session:
        people = duplicates.people(session, by=SYSTEM)
    copy = folder / "event-target.sqlite"
    shutil.copyfile(path, copy)
    incoming = _incoming_known(people, 1000)
    event_file = _event_file(folder, incoming, path)
    engine = make_engine(sqlite_url(copy))
    with unit_of_work(engine, write=False) as session:
        coordinator = accounts.actor_of(accounts.find_user(session, DEMO_USERS[0][0]))
    started = time.perf_counter()
    event = events.read_event(event_file, PASSPHRASE)
    with unit_of_work(engine) as session:
        plan = events.plan_import(session, event, by=coordinator)
        decisions = events.proposed(plan)
        outcome = events.import_event(session, event, decisions, by=coordinator)
    import_s = time.perf_counter() - started
    engine.dispose()
    results["event_import_1000_s"] = round(import_s, 2)
    results["event_import_joined"] = outcome.joined
    results["event_import_added"] = outcome.added
    results["event_import_ratio_to_read"] = round(import_s / _floor(path), 1)


def _incoming_known(register: list[Person], count: int, seed: int = 9) -> list[Person]:
    """Half the register's people (their ids kept to find their names), half new."""
    rng = random.Random(seed)
    known = [p._replace(id=f"event-{p.id}") for p in rng.sample(register, count // 2)]
    new = [
        Person(f"new-{n}", "", "", TODAY - timedelta(days=rng.randint(6000, 30000)))
        for n in range(count - len(known))
    ]
    return known + new


def duplicate_figures(path: Path, results: dict[str, float]) -> None:
    """The scan of the whole register, and 1,000 incoming records matched against it."""
    engine = make_engine(sqlite_url(path))
    with unit_of_work(engine, write=False) as session:
        coordinator = accounts.actor_of(accounts.find_user(session, DEMO_USERS[0][0]))
    floor = _floor(path)

    started = time.perf_counter()
    with unit_of_work(engine, write=False) as session:
        found = duplicates.scan(session, by=coordinator)
    scan_s = time.perf_counter() - started
    with unit_of_work(engine, write=False) as session:
        people = duplicates.people(session, by=SYSTEM)
    compared = sum(comb(len(block), 2) for block in blocks(people))

    incoming = _incoming(people, 1000)
    started = time.perf_counter()
    with unit_of_work(engine, write=False) as session:
        index = index_of(duplicates.people(session, by=SYSTEM))
    common = common_details(index)
    matched = [best_matches(person, index, common) for person in incoming]
    match_s = time.perf_counter() - started
    engine.dispose()
    certain = sum(1 for found_for in matched if found_for and found_for[0][1].certain)

    results["duplicate_scan_carers"] = len(people)
    results["duplicate_scan_s"] = round(scan_s, 2)
    results["duplicate_scan_pairs_found"] = len(found)
    results["duplicate_scan_pairs_compared"] = compared
    results["duplicate_scan_all_pairs"] = comb(len(people), 2)
    results["duplicate_floor_read_s"] = round(floor, 3)
    results["duplicate_scan_ratio_to_read"] = round(scan_s / floor, 1)
    results["event_match_1000_s"] = round(match_s, 2)
    results["event_match_ratio_to_read"] = round(match_s / floor, 1)
    results["event_match_certain"] = certain
    results["event_match_with_candidates"] = sum(1 for m in matched if m)
