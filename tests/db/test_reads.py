"""Reading in bulk: every search in the trail with its count (never its text), one page at a
time, reads counted per person, and past the limit searches slowed and the coordinator told."""

from __future__ import annotations

import sqlite3
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine

from carerdesk.core.entries import check_carer
from carerdesk.core.errors import NotAllowed
from carerdesk.core.permissions import BULK_READ_LIMIT, Actor
from carerdesk.db import accounts, audit, carers, reads
from carerdesk.db.audit import Action, TrailFilter
from carerdesk.db.engine import unit_of_work
from carerdesk.db.models import utc_now
from carerdesk.db.search import PAGE, CarerHit, find_carers
from tests.conftest import COORDINATOR, STAFF, VOLUNTEER

FIRSTS = (
    "Alba", "Bryn", "Cora", "Dara", "Elin", "Fern", "Gwen", "Hari", "Ines", "Jude",
    "Kian", "Lior", "Mair", "Nell", "Odin", "Pia", "Quinn", "Rhys", "Sage", "Tove",
    "Ula", "Vera", "Wynn", "Xanthe", "Yara", "Zeb", "Anwen", "Bethan", "Carys", "Dilys",
)  # fmt: skip
LIMIT = 100
"""The smallest limit the setting takes: three rounds of paging through 30 carers pass it."""


@pytest.fixture
def thirty(engine: Engine, today: date) -> Engine:
    """Thirty invented Pembridges at one postcode, and the reads limit set to ``LIMIT``."""
    with unit_of_work(engine) as session:
        for first in FIRSTS:
            entry = check_carer(
                {
                    "first_name": first,
                    "last_name": "Pembridge",
                    "date_of_birth": "14/03/1971",
                    "postcode": "HA1 2AB",
                    "registered_on": "02/11/2026",
                    "consent_store": "yes",
                },
                today,
            )
            carers.register_carer(session, entry, by=STAFF, today=today)
        accounts.change_setting(session, COORDINATOR, "bulk_read_limit", str(LIMIT))
    return engine


class Pauses(list[float]):
    """An injected sleep: remembers each wait instead of waiting."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def search(engine: Engine, by: Actor, page: int, pauses: Pauses, **options: int) -> list[CarerHit]:
    with unit_of_work(engine) as session:
        return find_carers(session, "pembridge", by=by, page=page, pause=pauses, **options)


def every_page(engine: Engine, by: Actor, pauses: Pauses) -> list[CarerHit]:
    hits: list[CarerHit] = []
    page = 1
    while found := search(engine, by, page, pauses):
        hits += found
        page += 1
    return hits


def searches(engine: Engine, who: str) -> list[audit.AuditEntry]:
    with unit_of_work(engine, write=False) as session:
        every = audit.entries(session, TrailFilter(person=who), by=COORDINATOR, limit=10_000)
    return [entry for entry in reversed(every) if entry.action == Action.SEARCHED]


@pytest.mark.parametrize("who", [STAFF, VOLUNTEER])
def test_paging_through_a_search_is_counted_then_slowed_and_reported(
    thirty: Engine, db_path: Path, who: Actor
) -> None:
    pauses = Pauses()
    hits = every_page(thirty, who, pauses)
    # One page of 20 at a time, then the rest, each carer once; a volunteer sees no details.
    assert len(hits) == 30 and len({hit.id for hit in hits}) == 30
    assert all(hit.details == (who is STAFF) for hit in hits)
    # A volunteer never receives a birth date or postcode, only the age band.
    assert all((hit.date_of_birth is not None) == (who is STAFF) for hit in hits)
    assert all(hit.postcode is None for hit in hits if who is VOLUNTEER)
    assert all(hit.age_band.endswith("carer") for hit in hits)
    entries = searches(thirty, who.name)
    assert [e.detail for e in entries] == [
        "20 found, page 1",
        "10 found, page 2",
        "0 found, page 3",
    ]
    assert {(e.user_name, e.kind, e.record_id) for e in entries} == {(who.name, None, None)}
    with unit_of_work(thirty, write=False) as session:
        assert reads.read_in_day(session, who) == 30
    assert pauses == []  # within a desk's day: never slowed
    # Three more times through the register passes the limit of 100 (110 read after the
    # first page of the fourth): each search after it is slowed, longer for each page read.
    for _ in range(3):
        every_page(thirty, who, pauses)
    assert pauses == [1.0, 2.0]  # 10 past the limit, then 20 (the empty page read none)
    search(thirty, who, 1, pauses)
    search(thirty, who, 1, pauses)
    assert pauses == [1.0, 2.0, 2.0, 4.0]
    # One entry says so, for the coordinator, however many searches follow.
    with unit_of_work(thirty, write=False) as session:
        told = reads.bulk_reads(session, by=COORDINATOR)
        assert [(read.name, read.detail) for read in told] == [
            (who.name, f"110 records read in 24 hours, over the limit of {LIMIT}: searches slowed")
        ]
        with pytest.raises(NotAllowed):
            reads.bulk_reads(session, by=who)
    # Never the search text, anywhere in the trail.
    with sqlite3.connect(db_path) as connection:
        rows = connection.execute("SELECT * FROM audit").fetchall()
    assert "pembridge" not in repr(rows).lower()


def test_a_page_is_20_at_most_whatever_is_asked(thirty: Engine) -> None:
    pauses = Pauses()
    assert len(search(thirty, STAFF, 1, pauses, limit=500)) == PAGE
    assert len(search(thirty, STAFF, 2, pauses, limit=500)) == 10
    assert len(search(thirty, STAFF, 2, pauses, limit=7)) == 7  # a smaller page, the next one


def test_a_record_opened_is_a_record_read(thirty: Engine) -> None:
    [first, *_] = search(thirty, STAFF, 1, Pauses())
    with unit_of_work(thirty) as session:
        carers.open_carer(session, first.id, by=STAFF)
        assert reads.read_in_day(session, STAFF) == PAGE + 1


def test_reads_count_for_24_hours(thirty: Engine) -> None:
    now = utc_now()
    with unit_of_work(thirty) as session:
        reads.count(session, STAFF, 500, now - timedelta(hours=25))
        reads.count(session, STAFF, 7, now - timedelta(hours=23))
        reads.count(session, VOLUNTEER, 9, now)
        assert reads.read_in_day(session, STAFF, now) == 7
        assert reads.read_in_day(session, VOLUNTEER, now) == 9


def test_the_wait_lets_other_desks_save(thirty: Engine) -> None:
    with unit_of_work(thirty) as session:
        reads.count(session, STAFF, LIMIT + 1)
    held: list[bool] = []
    with unit_of_work(thirty) as session:
        find_carers(session, "pem", by=STAFF, pause=lambda s: held.append(session.in_transaction()))
    assert held == [False]  # no transaction (and no write lock) held while it waits


def test_the_limit_is_a_setting_with_a_measured_default(engine: Engine) -> None:
    with unit_of_work(engine) as session:
        assert accounts.settings(session, COORDINATOR)["bulk_read_limit"] == str(BULK_READ_LIMIT)
        assert reads.standing(session, STAFF, more=PAGE).allowed == 100  # the lowest stands in
        reads.count(session, STAFF, 81)
        assert reads.standing(session, STAFF, more=PAGE).allowed == BULK_READ_LIMIT == 6000
    assert reads.pause_for(6000, 6000) == 0.0
    assert reads.pause_for(6001, 6000) == 1.0
    assert reads.pause_for(6000 + 20 * 10, 6000) == 60.0  # at most a minute
