"""Duplicates on a register of 100,000 carers: the scan for probable pairs, and matching
1,000 incoming registrations (as from an event) against the register.

The floor of both is reading the columns matching needs, once, bare through sqlite3: the
least any matching must do. The scan compares only records that share a block (a birth date,
a phone, an email or a postcode), and the figures say how many pairs that came to beside
comparing every record with every other.
"""

from __future__ import annotations

import random
import sqlite3
import statistics
import time
from datetime import timedelta
from math import comb
from pathlib import Path

from carerdesk.core.matching import Person, best_matches, blocks, common_details, index_of
from carerdesk.db import accounts, duplicates
from carerdesk.db.engine import make_engine, sqlite_url, unit_of_work
from carerdesk.demo import DEMO_USERS

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
        people = duplicates.people(session)
    compared = sum(comb(len(block), 2) for block in blocks(people))

    incoming = _incoming(people, 1000)
    started = time.perf_counter()
    with unit_of_work(engine, write=False) as session:
        index = index_of(duplicates.people(session))
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
