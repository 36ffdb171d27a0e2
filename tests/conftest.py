"""Fixtures shared by every test: an isolated machine, a fixed day, a migrated register."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine

from carerdesk.core.permissions import Actor, Role
from carerdesk.db.engine import make_engine, sqlite_url, unit_of_work
from carerdesk.db.migrate import upgrade
from carerdesk.db.models import Setting

TODAY = date(2026, 11, 23)
COORDINATOR = Actor("Casey Coordinator", Role.COORDINATOR)
STAFF = Actor("Sam Staff", Role.STAFF)
VOLUNTEER = Actor("Robin Volunteer", Role.VOLUNTEER)
FAST_PINS = {"pin_hash_time_cost": "1", "pin_hash_memory_kib": "1024", "pin_hash_parallelism": "1"}
"""Argon2 at its cheapest, so tests that make accounts stay quick (the real defaults are
argon2-cffi's own; a test checks them)."""


@pytest.fixture(scope="session", autouse=True)
def machine_for_the_session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A machine of the session's own for what is made once for many tests (a module's
    register): never the real home's settings. Its audit key signs every test's trail, so a
    register made once verifies in each test; a test of another desk names its own key."""
    folder = tmp_path_factory.mktemp("machine")
    names = ("CARERDESK_CONFIG_DIR", "CARERDESK_DATA_DIR", "CARERDESK_AUDIT_KEY")
    saved = {name: os.environ.get(name) for name in names}
    os.environ["CARERDESK_CONFIG_DIR"] = str(folder / "config")
    os.environ["CARERDESK_DATA_DIR"] = str(folder / "data")
    os.environ["CARERDESK_AUDIT_KEY"] = str(folder / "keys" / "audit.key")
    yield folder / "keys" / "audit.key"
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


@pytest.fixture(autouse=True)
def isolated_machine(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, machine_for_the_session: Path
) -> None:
    """Point settings and data at the test's own folder; no real register is ever touched."""
    monkeypatch.setenv("CARERDESK_AUDIT_KEY", str(machine_for_the_session))
    monkeypatch.setenv("CARERDESK_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("CARERDESK_DATA_DIR", str(tmp_path / "data"))
    for name in (
        "CARERDESK_DB",
        "CARERDESK_DATABASE_URL",
        "CARERDESK_THEME",
        "CARERDESK_TODAY",
        "CARERDESK_PASSPHRASE_FILE",
    ):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(autouse=True)
def nothing_unexpected(isolated_machine: None, request: pytest.FixtureRequest) -> Iterator[None]:
    """Fail a test in which carerdesk logged an unexpected error, unless it expects one.

    The application takes such errors itself (a plain message and a locked screen), so a
    test no longer sees them raised: the failure log is where they show.
    """
    yield
    if "expect_failures" in request.fixturenames:
        return
    from carerdesk.failure import log_path

    if log_path().exists():
        pytest.fail("carerdesk logged an unexpected error:\n" + log_path().read_text("utf-8"))


@pytest.fixture
def expect_failures() -> Path:
    """For a test that injects an unexpected error: the failure log it will be written to."""
    from carerdesk.failure import log_path

    return log_path()


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
    with unit_of_work(engine) as session:
        session.add_all(Setting(key=key, value=value) for key, value in FAST_PINS.items())
    yield engine
    engine.dispose()
