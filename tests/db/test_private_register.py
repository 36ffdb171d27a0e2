"""The register, its write-ahead log and shared-memory file, and an event's file are made
readable by their owner only, whatever the umask (issue 15, item 9)."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from carerdesk.db import events
from carerdesk.db.engine import make_engine, sqlite_url, unit_of_work
from carerdesk.db.migrate import upgrade
from carerdesk.settings import load_settings, output_dir


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(autouse=True)
def loose_umask() -> Iterator[None]:
    before = os.umask(0o002)
    yield
    os.umask(before)


def test_a_new_register_and_its_log_are_private(tmp_path: Path) -> None:
    path = tmp_path / "desk" / "register.sqlite"
    engine = make_engine(sqlite_url(path))
    try:
        upgrade(engine)
        with unit_of_work(engine) as session:
            session.execute(text("INSERT INTO settings (key, value) VALUES ('x', 'y')"))
        with engine.connect():  # open: the log and shared memory are there
            for suffix in ("", "-wal", "-shm"):
                assert mode(Path(f"{path}{suffix}")) == 0o600, suffix
        assert mode(path.parent) == 0o700
    finally:
        engine.dispose()


def test_an_existing_register_is_opened_as_it_is(tmp_path: Path) -> None:
    path = tmp_path / "register.sqlite"
    path.write_bytes(b"")
    path.chmod(0o640)  # a centre that chose to share it with a group keeps that choice
    engine = make_engine(sqlite_url(path))
    with engine.connect() as connection:
        connection.exec_driver_sql("SELECT 1")
    engine.dispose()
    assert mode(path) == 0o640


def test_the_data_folder_and_its_output_folders_are_private(tmp_path: Path) -> None:
    load_settings()
    assert mode(tmp_path / "data") == 0o700
    cards = tmp_path / "data" / "cards"
    cards.mkdir(mode=0o755)
    cards.chmod(0o755)  # made by an earlier carerdesk
    for name in ("cards", "referrals", "returns"):
        assert mode(output_dir(name)) == 0o700


def test_an_event_file_and_its_new_folder_are_private(tmp_path: Path) -> None:
    path = tmp_path / "stall" / "carers-week.event"
    events.start_event(
        path, "purple kettle harbour", name="Carers Week stall", venue="St Ann's",
        day="10/06/2026", volunteer="Robin Volunteer", pin="2468",
    )  # fmt: skip
    assert mode(path) == 0o600 and mode(path.parent) == 0o700
