"""The engine's SQLite set-up and units of work, including two desks saving at once."""

from __future__ import annotations

import multiprocessing
import time
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import IntegrityError

from carerdesk.core.entries import check_carer
from carerdesk.core.errors import DatabaseBusy, RegisterUnavailable
from carerdesk.core.permissions import SYSTEM
from carerdesk.db.carers import count_carers, register_carer
from carerdesk.db.engine import is_sqlite, make_engine, sqlite_url, unit_of_work
from carerdesk.db.models import CaringRole, Contact, Setting
from tests.conftest import COORDINATOR

COUNTER = "test_counter"
PROCESSES = 2
TRANSACTIONS = 100


def test_sqlite_url_and_dialect(engine: Engine, db_path: Path) -> None:
    assert sqlite_url(db_path) == f"sqlite:///{db_path}"
    assert is_sqlite(engine)


def test_pragmas_are_on_for_every_new_connection(engine: Engine) -> None:
    engine.dispose()  # nothing pooled: the next connection is a new one
    for _ in range(2):
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert (conn.exec_driver_sql("PRAGMA busy_timeout").scalar() or 0) > 0
            assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL: durable
        engine.dispose()


def test_a_foreign_key_violation_is_refused(engine: Engine) -> None:
    with pytest.raises(RegisterUnavailable) as role, unit_of_work(engine) as s:
        s.add(CaringRole(carer_id="00000000-0000-4000-8000-000000000000", conditions=""))
    with pytest.raises(RegisterUnavailable) as contact, unit_of_work(engine) as s:
        s.add(Contact(carer_id="no-such-carer", contact_on=date(2026, 11, 23), channel="phone"))
    for refused in (role, contact):
        assert isinstance(refused.value.__cause__, IntegrityError)
        assert "FOREIGN KEY" in str(refused.value.__cause__)
    with unit_of_work(engine, write=False) as s:
        assert s.query(CaringRole).count() == 0 and s.query(Contact).count() == 0


def test_a_carer_with_contacts_cannot_be_deleted_underneath_them(
    engine: Engine, today: date
) -> None:
    entry = check_carer(
        {
            "first_name": "Ada",
            "last_name": "Quillfeather",
            "date_of_birth": "14/03/1971",
            "registered_on": "02/11/2026",
            "consent_store": "yes",
        },
        today,
    )
    with unit_of_work(engine) as s:
        carer = register_carer(s, entry, by=COORDINATOR, today=today)
        s.add(Contact(carer_id=carer.id, contact_on=today, channel="phone"))
    with pytest.raises(RegisterUnavailable) as refused, unit_of_work(engine) as s:
        s.execute(text("DELETE FROM carers"))
    assert isinstance(refused.value.__cause__, IntegrityError)
    with unit_of_work(engine, write=False) as s:
        assert count_carers(s, by=SYSTEM) == 1


def test_a_unit_of_work_commits_or_rolls_back_as_a_whole(engine: Engine) -> None:
    with unit_of_work(engine) as s:
        s.add(Setting(key="kept", value="1"))
    with pytest.raises(ZeroDivisionError), unit_of_work(engine) as s:
        s.add(Setting(key="dropped", value="1"))
        s.flush()
        s.get(Setting, "kept").value = "2"  # type: ignore[union-attr]
        s.flush()
        _ = 1 / 0
    with unit_of_work(engine, write=False) as s:
        assert s.get(Setting, "dropped") is None
        assert s.get(Setting, "kept").value == "1"  # type: ignore[union-attr]


def test_a_read_does_not_wait_for_a_writer(engine: Engine) -> None:
    with unit_of_work(engine) as s:
        s.add(Setting(key=COUNTER, value="0"))
    with unit_of_work(engine) as writer:
        writer.get(Setting, COUNTER).value = "1"  # type: ignore[union-attr]
        writer.flush()  # holds the write lock until the end of the block
        started = time.monotonic()
        with unit_of_work(engine, write=False) as reader:
            assert reader.get(Setting, COUNTER).value == "0"  # type: ignore[union-attr]
        assert time.monotonic() - started < 1
    with unit_of_work(engine, write=False) as reader:
        assert reader.get(Setting, COUNTER).value == "1"  # type: ignore[union-attr]


def test_a_writer_held_too_long_is_reported_as_busy(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past the busy timeout a second writer gets DatabaseBusy, with a message to act on."""
    monkeypatch.setattr("carerdesk.db.engine.BUSY_TIMEOUT_MS", 100)
    quick = make_engine(str(engine.url))  # its connections wait a tenth of a second
    try:
        with unit_of_work(engine) as holder:
            holder.add(Setting(key="held", value="1"))
            holder.flush()
            with (
                pytest.raises(DatabaseBusy, match="busy at another desk"),
                unit_of_work(quick) as s,
            ):
                s.add(Setting(key="waiting", value="1"))
    finally:
        quick.dispose()


def _count_up(url: str, times: int, start: Any, results: Any) -> None:
    """One desk: ``times`` transactions that each read the counter, then write it plus one."""
    engine = make_engine(url)
    errors: list[str] = []
    start.wait(timeout=60)
    for _ in range(times):
        try:
            with unit_of_work(engine) as s:
                counter = s.get(Setting, COUNTER)
                assert counter is not None
                counter.value = str(int(counter.value) + 1)
        except Exception as error:  # counted, not raised: the parent reports them all
            errors.append(f"{type(error).__name__}: {error}")
    engine.dispose()
    results.put(errors)


def test_two_desks_read_then_write_without_locks_or_lost_updates(engine: Engine) -> None:
    with unit_of_work(engine) as s:
        s.add(Setting(key=COUNTER, value="0"))
    url = str(engine.url)
    context = multiprocessing.get_context("spawn")
    start = context.Barrier(PROCESSES)
    results = context.Queue()
    desks = [
        context.Process(target=_count_up, args=(url, TRANSACTIONS, start, results))
        for _ in range(PROCESSES)
    ]
    for desk in desks:
        desk.start()
    try:
        errors = [error for _ in desks for error in results.get(timeout=60)]
    finally:
        for desk in desks:
            desk.join(timeout=30)
            if desk.is_alive():
                desk.kill()
    assert [desk.exitcode for desk in desks] == [0] * PROCESSES
    assert errors == []
    with unit_of_work(engine, write=False) as s:
        assert s.get(Setting, COUNTER).value == str(PROCESSES * TRANSACTIONS)  # type: ignore[union-attr]


def test_a_broken_register_is_a_clear_refusal_not_a_driver_error(tmp_path: Path) -> None:
    broken = tmp_path / "broken.sqlite"
    broken.write_bytes(b"not a register at all " * 200)
    engine = make_engine(sqlite_url(broken))
    with pytest.raises(RegisterUnavailable) as refused, unit_of_work(engine) as session:
        session.execute(text("SELECT 'Siân O''Brien' FROM carers"))
    assert "nothing was changed" in refused.value.message
    assert "Siân" not in refused.value.message
    engine.dispose()


def test_an_error_never_quotes_the_values_being_written(engine: Engine) -> None:
    # A driver's error may reach a log: SQLAlchemy leaves the statement's parameters out.
    with pytest.raises(RegisterUnavailable) as refused, unit_of_work(engine) as session:
        session.execute(
            text("INSERT INTO settings (key, value) VALUES (:key, :value)"),
            [{"key": "twice", "value": "Siân O'Brien"}, {"key": "twice", "value": "2580"}],
        )
    said = str(refused.value.__cause__)
    assert "UNIQUE" in said and "hidden due to hide_parameters" in said
    assert "Siân" not in said and "2580" not in said
