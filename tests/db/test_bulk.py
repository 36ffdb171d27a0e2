"""Bulk writes: rows land as the ORM would store them, and the indexes are always there."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any, cast

import pytest
from sqlalchemy import Engine, Table, select, text
from sqlalchemy.exc import IntegrityError

from carerdesk.db import bulk
from carerdesk.db.engine import unit_of_work
from carerdesk.db.models import Carer, Contact
from carerdesk.demo import fill_demo
from tests.conftest import TODAY

CONTACTS = cast(Table, Contact.__table__)
COLUMNS = ["id", "carer_id", "contact_on", "contact_time", "channel", "support", "minutes"]
COLUMNS += ["created_at", "updated_at"]
NOW = datetime(2026, 11, 23, 10, 30)


def _contact(number: int, carer_id: str | None, channel: Any = "drop_in") -> tuple[Any, ...]:
    day = date(2026, 11, 1 + number % 20)
    return (f"c{number:05}", carer_id, day, time(9, 30), channel, "", 30, NOW, NOW)


def _indexes(engine: Engine) -> list[tuple[str, str]]:
    with engine.connect() as connection:
        query = "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'contacts'"
        return sorted((name, sql) for name, sql in connection.exec_driver_sql(query))


@pytest.fixture
def carer_id(engine: Engine) -> str:
    fill_demo(engine, carers=3, seed=1, today=TODAY)
    with unit_of_work(engine, write=False) as session:
        return str(session.scalars(select(Carer.id).limit(1)).one())


@pytest.mark.parametrize("rebuild_from", [1, 1_000_000])
def test_rows_read_back_as_the_orm_stores_them(
    engine: Engine, carer_id: str, rebuild_from: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Whether or not the indexes are built again afterwards, the rows and indexes are the same.
    monkeypatch.setattr(bulk, "REBUILD_FROM", rebuild_from)
    before = _indexes(engine)
    with unit_of_work(engine) as session:
        session.execute(text("DELETE FROM contacts"))  # an empty table: the load outweighs it
        bulk.insert_rows(session, CONTACTS, COLUMNS, [_contact(n, carer_id) for n in range(50)])
    assert _indexes(engine) == before
    with unit_of_work(engine, write=False) as session:
        first = session.get(Contact, "c00007")
        assert first is not None
        assert (first.contact_on, first.contact_time, first.created_at) == (
            date(2026, 11, 8),
            time(9, 30),
            NOW,
        )
        on_the_8th = select(Contact.id).where(Contact.contact_on == date(2026, 11, 8))
        assert sorted(session.scalars(on_the_8th)) == ["c00007", "c00027", "c00047"]
        plan = session.execute(
            text(f"EXPLAIN QUERY PLAN {on_the_8th.compile(compile_kwargs={'literal_binds': True})}")
        ).all()
        assert "ix_contacts_week" in str(plan)


def test_a_failed_load_leaves_every_index_in_place(
    engine: Engine, carer_id: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A caller that catches the failure and goes on must still find the indexes there.
    monkeypatch.setattr(bulk, "REBUILD_FROM", 1)
    before = _indexes(engine)
    with unit_of_work(engine) as session:
        session.execute(text("DELETE FROM contacts"))
        rows = [_contact(n, carer_id) for n in range(5)] + [_contact(9, carer_id, None)]
        with pytest.raises(IntegrityError):
            bulk.insert_rows(session, CONTACTS, COLUMNS, rows)
        indexes = session.execute(
            text("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'contacts'")
        ).scalars()
        assert sorted(indexes) == [name for name, _ in before]
