"""Encryption at rest of the main register (``carerdesk.db.encryption``): encrypt and rekey
keep every record, a wrong passphrase is refused plainly, nothing readable is left behind."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from carerdesk.core.errors import FieldError
from carerdesk.core.permissions import SYSTEM
from carerdesk.db import audit, encryption
from carerdesk.db.encryption import (
    PassphraseFileRefused,
    RegisterInUse,
    WrongPassphrase,
    encrypt_register,
    is_encrypted,
    open_register,
    read_passphrase_file,
    rekey_register,
)
from carerdesk.db.engine import make_engine, sqlite_url, unit_of_work
from carerdesk.db.migrate import upgrade
from carerdesk.db.search import find_carers
from carerdesk.demo import fill_demo
from tests.conftest import TODAY

KEY = "correct horse battery staple"
NEW_KEY = "a different horse entirely"
GROWING = {"audit", "settings", "read_counts"}
"""Tables an encryption adds to (its own audit entry and the chain's head)."""


@pytest.fixture(scope="module")
def demo_register(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A plain demo register of 40 invented carers, with every kind of record, made once."""
    path = tmp_path_factory.mktemp("demo") / "register.sqlite"
    engine = make_engine(sqlite_url(path))
    upgrade(engine)
    fill_demo(engine, carers=40, seed=3, today=TODAY)
    engine.dispose()  # the last connection folds the write-ahead log in: one file
    return path


@pytest.fixture
def plain(demo_register: Path, tmp_path: Path) -> Path:
    """The test's own copy of the demo register."""
    path = tmp_path / "register.sqlite"
    shutil.copyfile(demo_register, path)
    return path


def _tables(connection: Any) -> dict[str, list[tuple[Any, ...]]]:
    names = [
        row[0]
        for row in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        ).fetchall()
    ]
    return {
        name: sorted(connection.execute(f'SELECT * FROM "{name}"').fetchall(), key=repr)
        for name in names
    }


def plain_rows(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    with sqlite3.connect(path) as connection:
        return _tables(connection)


def encrypted_rows(path: Path, key: str) -> dict[str, list[tuple[Any, ...]]]:
    engine = open_register(sqlite_url(path), key)
    try:
        raw = engine.raw_connection()
        try:
            return _tables(raw.driver_connection)
        finally:
            raw.close()
    finally:
        engine.dispose()


def same_records(before: dict[str, Any], after: dict[str, Any]) -> None:
    assert before.keys() == after.keys()
    for name in before.keys() - GROWING:
        assert before[name] == after[name], name
    assert set(before["audit"]) < set(after["audit"])


def test_encrypt_keeps_every_record_and_the_plain_file_is_gone(plain: Path) -> None:
    before = plain_rows(plain)
    assert sum(len(rows) for rows in before.values()) > 300

    encrypt_register(plain, KEY, by=SYSTEM)

    assert is_encrypted(plain)
    assert not plain.read_bytes().startswith(b"SQLite format 3")
    assert sorted(p.name for p in plain.parent.iterdir()) == ["register.sqlite"]
    with pytest.raises(sqlite3.DatabaseError), sqlite3.connect(plain) as connection:
        connection.execute("SELECT count(*) FROM carers").fetchall()
    same_records(before, encrypted_rows(plain, KEY))
    engine = open_register(sqlite_url(plain), KEY)
    with unit_of_work(engine) as session:
        assert audit.verify(session, by=SYSTEM).sound
        newest = audit.entries(session, audit.TrailFilter(), by=SYSTEM)[0]
        assert newest.action == encryption.Action.ENCRYPTED
        # The search index came across with the rows it indexes.
        name = session.connection().exec_driver_sql("SELECT last_name FROM carers").scalar()
        assert name in {hit.last_name for hit in find_carers(session, str(name), by=SYSTEM)}
        mode = session.connection().exec_driver_sql("PRAGMA journal_mode").scalar()
    engine.dispose()
    assert mode == "wal"


def test_rekey_keeps_every_record_and_the_old_passphrase_no_longer_opens_it(plain: Path) -> None:
    encrypt_register(plain, KEY, by=SYSTEM)
    before = encrypted_rows(plain, KEY)

    rekey_register(plain, KEY, NEW_KEY, by=SYSTEM)

    same_records(before, encrypted_rows(plain, NEW_KEY))
    with pytest.raises(WrongPassphrase):
        open_register(sqlite_url(plain), KEY)


def test_a_wrong_passphrase_gets_a_plain_message(plain: Path) -> None:
    encrypt_register(plain, KEY, by=SYSTEM)
    with pytest.raises(WrongPassphrase) as refused:
        open_register(sqlite_url(plain), "not the passphrase at all")
    assert "passphrase does not open the register" in refused.value.message
    with pytest.raises(WrongPassphrase):
        rekey_register(plain, "not the passphrase at all", NEW_KEY, by=SYSTEM)
    assert encrypted_rows(plain, KEY)["carers"]


def test_a_short_passphrase_is_refused_and_nothing_changes(plain: Path) -> None:
    with pytest.raises(FieldError):
        encrypt_register(plain, "short", by=SYSTEM)
    assert not is_encrypted(plain)


def test_names_written_later_are_not_in_the_file_or_its_write_ahead_log(tmp_path: Path) -> None:
    path = tmp_path / "register.sqlite"
    engine = make_engine(sqlite_url(path), key=KEY)
    upgrade(engine)
    with unit_of_work(engine) as session:
        session.connection().exec_driver_sql(
            "INSERT INTO settings (key, value) VALUES ('organisation_name', 'Quillfeather Trust')"
        )
        wal = Path(f"{path}-wal").read_bytes()  # before any checkpoint folds it in
    engine.dispose()
    assert wal and b"Quillfeather" not in wal
    assert b"Quillfeather" not in path.read_bytes()


@pytest.fixture
def held_by_another_desk(plain: Path) -> Iterator[None]:
    """Another process with the register open, as a desk keeps it, until the test ends."""
    desk = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]);"
            "c.execute('SELECT count(*) FROM carers').fetchall(); print('open', flush=True);"
            "sys.stdin.read()",
            str(plain),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert desk.stdout is not None and desk.stdout.readline().strip() == "open"
    yield
    assert desk.stdin is not None
    desk.stdin.close()
    desk.wait(timeout=10)


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX locks tell an open register")
def test_encrypt_is_refused_while_another_desk_has_the_register_open(
    plain: Path, held_by_another_desk: None
) -> None:
    with pytest.raises(RegisterInUse):
        encrypt_register(plain, KEY, by=SYSTEM)
    assert not is_encrypted(plain)
    assert not list(plain.parent.glob("*.encrypting*"))


def test_a_passphrase_file_others_can_read_is_refused(tmp_path: Path) -> None:
    secret = tmp_path / "passphrase"
    secret.write_text(KEY + "\n", encoding="utf-8")
    secret.chmod(0o600)
    assert read_passphrase_file(secret) == KEY
    secret.chmod(0o640)
    with pytest.raises(PassphraseFileRefused) as refused:
        read_passphrase_file(secret)
    assert "chmod 600" in refused.value.message and KEY not in refused.value.message
