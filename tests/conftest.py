"""Fixtures shared by every test: an isolated machine, a fixed day, a migrated register."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine

from carerdesk.db.engine import make_engine, sqlite_url
from carerdesk.db.migrate import upgrade

TODAY = date(2026, 11, 23)


@pytest.fixture(autouse=True)
def isolated_machine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Point settings and data at the test's own folder; no real register is ever touched."""
    monkeypatch.setenv("CARERDESK_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("CARERDESK_DATA_DIR", str(tmp_path / "data"))
    for name in ("CARERDESK_DB", "CARERDESK_DATABASE_URL", "CARERDESK_THEME", "CARERDESK_TODAY"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def today() -> date:
    """The day the tests pretend it is."""
    return TODAY


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    """Where the test's register file lives."""
    return tmp_path / "register.sqlite"


@pytest.fixture
def engine(db_path: Path) -> Iterator[Engine]:
    """A freshly migrated SQLite register in the test's folder."""
    engine = make_engine(sqlite_url(db_path))
    upgrade(engine)
    yield engine
    engine.dispose()
