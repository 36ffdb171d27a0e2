"""Backups, the check at open, restoring, and the faults met on the way (``db/backups.py``)."""

from __future__ import annotations

import os
import sqlite3
import stat
import subprocess
import sys
from contextlib import closing
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, event, func, select, text

from carerdesk.core.entries import check_carer
from carerdesk.core.errors import DiskFull, RegisterReadOnly
from carerdesk.db import backups
from carerdesk.db.backups import (
    BackupFailed,
    BackupPlan,
    RegisterDamaged,
    RestoreRefused,
    backups_of,
    file_problem,
    make_backup,
    open_checked,
    restore_backup,
)
from carerdesk.db.carers import register_carer
from carerdesk.db.engine import make_engine, sqlite_url, unit_of_work
from carerdesk.db.migrate import NewerRegister, upgrade
from carerdesk.db.models import Carer
from tests.conftest import STAFF, TODAY

NOW = datetime(2026, 11, 23, 9, 15)
KEY = "correct horse battery staple"
TABLES = ("carers", "caring_roles", "contacts", "audit", "settings", "users")


def add_carer(engine: Engine, last_name: str) -> None:
    """Register an invented carer in a unit of work of its own."""
    entry = check_carer(
        {
            "first_name": "Ada",
            "last_name": last_name,
            "date_of_birth": "14/03/1971",
            "registered_on": "02/11/2026",
            "consent_store": "yes",
        },
        TODAY,
    )
    with unit_of_work(engine) as session:
        register_carer(session, entry, [], by=STAFF, today=TODAY)


def filler(number: int) -> str:
    """An invented surname of letters only, a different one for each number."""
    return "Filler" + "".join(chr(ord("a") + int(digit)) for digit in f"{number:03}")


def surnames(engine: Engine) -> list[str]:
    with unit_of_work(engine, write=False) as session:
        return sorted(session.scalars(select(Carer.last_name)))


def rows(path: Path, key: str | None = None) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the register's main tables, as stored."""
    engine = make_engine(sqlite_url(path), key=key)
    try:
        with engine.connect() as connection:
            return {
                table: [tuple(row) for row in connection.execute(text(f"SELECT * FROM {table}"))]
                for table in TABLES
            }
    finally:
        engine.dispose()


def damage(path: Path) -> None:
    """Overwrite bytes in the middle of the file, as a failing disk would."""
    size = path.stat().st_size
    with path.open("r+b") as file:
        file.seek(size // 2)
        file.write(b"\xa5" * 4096)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_backup_and_restore_round_trip(engine: Engine, db_path: Path, tmp_path: Path) -> None:
    add_carer(engine, "Quillfeather")
    add_carer(engine, "Marchbanks")
    copy = make_backup(engine, tmp_path / "copy.sqlite")
    before = rows(copy)
    add_carer(engine, "Later")  # saved after the backup: kept in the file set aside
    engine.dispose()

    done = restore_backup(copy, db_path, now=NOW)

    assert rows(db_path) == before
    assert done.aside == tmp_path / "register.replaced-2026-11-23-091500.sqlite"
    assert done.aside.is_file()
    aside = make_engine(sqlite_url(done.aside))
    assert surnames(aside) == ["Later", "Marchbanks", "Quillfeather"]
    aside.dispose()
    assert mode(db_path) == mode(done.aside) == 0o600
    assert not list(tmp_path.glob(".register.sqlite.restoring*"))


def test_a_backup_is_one_file_only_its_owner_may_read(engine: Engine, tmp_path: Path) -> None:
    plan = BackupPlan(tmp_path / "kept" / "backups")
    made = backups.backup_now(engine, plan, Path("register.sqlite"), at=NOW)
    assert made == plan.folder / "register-2026-11-23-091500.sqlite"
    assert mode(made) == 0o600 and mode(plan.folder) == 0o700
    assert sorted(p.name for p in plan.folder.iterdir()) == [made.name]  # no log beside it
    with closing(sqlite3.connect(made)) as copy, copy:
        assert copy.execute("PRAGMA journal_mode").fetchone() == ("delete",)


def test_restore_refused_while_a_desk_has_the_register_open(
    engine: Engine, db_path: Path, tmp_path: Path
) -> None:
    add_carer(engine, "Quillfeather")
    copy = make_backup(engine, tmp_path / "copy.sqlite")
    add_carer(engine, "Later")
    # The engine's pooled connection stays open, idle, as a desk's does between actions.
    with pytest.raises(RestoreRefused, match="open at another desk"):
        restore_backup(copy, db_path, now=NOW)
    assert surnames(engine) == ["Later", "Quillfeather"]
    assert not list(tmp_path.glob("register.replaced-*"))


def test_restore_refused_while_another_process_has_it_open(
    engine: Engine, db_path: Path, tmp_path: Path
) -> None:
    add_carer(engine, "Quillfeather")
    copy = make_backup(engine, tmp_path / "copy.sqlite")
    engine.dispose()
    desk = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time\n"
            "from sqlalchemy import text\n"
            "from carerdesk.db.engine import make_engine\n"
            "engine = make_engine(sys.argv[1])\n"
            "with engine.connect() as c: c.execute(text('SELECT 1 FROM carers')).all()\n"
            "print('open', flush=True)\n"
            "time.sleep(60)\n",
            sqlite_url(db_path),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert desk.stdout is not None and desk.stdout.readline() == "open\n"
        with pytest.raises(RestoreRefused, match="open at another desk"):
            restore_backup(copy, db_path, now=NOW)
    finally:
        desk.kill()
        desk.wait()
    restore_backup(copy, db_path, now=NOW)  # once that desk has closed
    assert rows(db_path) == rows(copy)


@pytest.mark.parametrize("kind", ["damaged", "not carerdesk", "newer", "text"])
def test_restore_refuses_a_bad_backup(
    engine: Engine, db_path: Path, tmp_path: Path, kind: str
) -> None:
    add_carer(engine, "Quillfeather")
    bad = tmp_path / "bad.sqlite"
    if kind == "text":
        bad.write_text("a shopping list, not a register\n" * 200, encoding="utf-8")
    elif kind == "not carerdesk":
        with closing(sqlite3.connect(bad)) as other, other:
            other.execute("CREATE TABLE recipes (name TEXT)")
    else:
        make_backup(engine, bad)
        if kind == "damaged":
            damage(bad)
        else:
            with closing(sqlite3.connect(bad)) as copy, copy:
                copy.execute("UPDATE alembic_version SET version_num = '0099'")
    before = rows(db_path)
    engine.dispose()
    with pytest.raises(RestoreRefused, match="Nothing was changed") as refused:
        restore_backup(bad, db_path, now=NOW)
    expected = {
        "damaged": "damaged",
        "not carerdesk": "not a carerdesk register",
        "newer": "newer version of carerdesk",
        "text": "damaged or not a carerdesk register",
    }[kind]
    assert expected in refused.value.message
    assert rows(db_path) == before
    assert not list(tmp_path.glob("register.replaced-*"))
    assert not list(tmp_path.glob(".register.sqlite.restoring*"))


def test_daily_backup_once_a_day_and_only_the_newest_kept(engine: Engine, db_path: Path) -> None:
    engine.dispose()
    plan = BackupPlan(db_path.parent / "backups", keep=3)
    made = []
    for day in range(5):
        for hour in (9, 14):  # opened twice a day: one backup
            at = NOW.replace(hour=hour) + timedelta(days=day)
            opened = open_checked(sqlite_url(db_path), plan=plan, now=at)
            made.append(opened.backup)
            opened.engine.dispose()
    assert [m is not None for m in made] == [True, False] * 5
    kept = backups_of(plan.folder, db_path)
    assert [p.name for p in kept] == [
        "register-2026-11-27-091500.sqlite",
        "register-2026-11-26-091500.sqlite",
        "register-2026-11-25-091500.sqlite",
    ]


def test_no_daily_backup_of_a_demo_register(engine: Engine, db_path: Path) -> None:
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO settings (key, value) VALUES ('demo', '1')"))
    engine.dispose()
    plan = BackupPlan(db_path.parent / "backups")
    opened = open_checked(sqlite_url(db_path), plan=plan, now=NOW)
    opened.engine.dispose()
    assert opened.backup is None and not plan.folder.exists()


def test_an_encrypted_register_is_backed_up_encrypted(tmp_path: Path) -> None:
    path = tmp_path / "secret.sqlite"
    engine = make_engine(sqlite_url(path), key=KEY)
    upgrade(engine)
    add_carer(engine, "Quillfeather")
    copy = make_backup(engine, tmp_path / "copy.sqlite", key=KEY)
    add_carer(engine, "Later")
    engine.dispose()

    assert not copy.read_bytes().startswith(b"SQLite format 3")
    assert b"Quillfeather" not in copy.read_bytes()
    assert file_problem(copy, key=KEY) == ""
    assert file_problem(copy) != ""  # unreadable without the passphrase
    reopened = make_engine(sqlite_url(copy), key=KEY)
    assert surnames(reopened) == ["Quillfeather"]
    reopened.dispose()

    done = restore_backup(copy, path, key=KEY, now=NOW)
    assert rows(path, KEY) == rows(copy, KEY)
    assert done.aside is not None and rows(done.aside, KEY)["carers"] != rows(path, KEY)["carers"]
    with pytest.raises(ValueError):
        make_backup(make_engine(sqlite_url(path)), tmp_path / "plain.sqlite", key=KEY)


def test_a_damaged_register_is_not_opened_and_the_newest_good_backup_named(
    engine: Engine, db_path: Path
) -> None:
    add_carer(engine, "Quillfeather")
    plan = BackupPlan(db_path.parent / "backups")
    older = backups.backup_now(engine, plan, db_path, at=NOW - timedelta(days=2))
    newest = backups.backup_now(engine, plan, db_path, at=NOW - timedelta(days=1))
    damage(newest)  # the newest backup is no good either
    for _ in range(20):
        add_carer(engine, "Filler")  # a register big enough that the middle holds records
    engine.dispose()
    damage(db_path)

    with pytest.raises(RegisterDamaged) as refused:
        open_checked(sqlite_url(db_path), plan=plan, now=NOW)
    message = refused.value.message
    assert f"The register {db_path} is damaged" in message
    assert f"The newest good backup is {older}, made on 21/11/2026" in message
    assert f"carerdesk --db {db_path} restore {older}" in message
    assert str(newest) not in message
    assert len(backups_of(plan.folder, db_path)) == 2  # no backup made of a damaged file


def test_a_register_from_a_newer_carerdesk_is_said_plainly(engine: Engine, db_path: Path) -> None:
    add_carer(engine, "Quillfeather")
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '0099'"))
    with pytest.raises(NewerRegister, match="made by a newer version of carerdesk"):
        upgrade(engine)
    engine.dispose()
    with pytest.raises(NewerRegister):
        open_checked(sqlite_url(db_path), now=NOW)
    with closing(sqlite3.connect(db_path)) as kept, kept:
        assert kept.execute("SELECT last_name FROM carers").fetchall() == [("Quillfeather",)]


def limit_pages(engine: Engine, extra: int) -> None:
    """A disk with room for ``extra`` more pages (SQLite's ``max_page_count``): SQLite then
    fails a write exactly as on a full disk (SQLITE_FULL)."""
    with engine.connect() as connection:
        pages = connection.exec_driver_sql("PRAGMA page_count").scalar()
    engine.dispose()

    @event.listens_for(engine, "connect")
    def _small_disk(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.execute(f"PRAGMA max_page_count = {pages + extra}")


def test_a_full_disk_refuses_the_save_and_keeps_what_was_saved(engine: Engine) -> None:
    add_carer(engine, "Quillfeather")
    limit_pages(engine, 0)
    with pytest.raises(DiskFull, match="disk is full"):
        for number in range(200):
            add_carer(engine, filler(number) + "x" * 40)
    names = surnames(engine)
    assert "Quillfeather" in names
    with unit_of_work(engine, write=False) as session:
        assert session.scalar(select(func.count()).select_from(Carer)) == len(names)


def test_a_backup_on_a_full_disk_leaves_no_half_file(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for number in range(30):
        add_carer(engine, filler(number))
    connect = backups._connect

    def small_disk(path: Path, key: str | None, *, read_only: bool = False) -> Any:
        connection = connect(path, key, read_only=read_only)
        connection.execute("PRAGMA max_page_count = 3")  # the backup outgrows it: SQLITE_FULL
        return connection

    monkeypatch.setattr(backups, "_connect", small_disk)
    with pytest.raises(BackupFailed, match="the disk is full"):
        make_backup(engine, tmp_path / "copy.sqlite")
    assert sorted(p.name for p in tmp_path.iterdir() if "copy" in p.name) == []
    assert len(surnames(engine)) == 30


def test_a_backups_folder_that_cannot_be_written_is_a_warning(
    engine: Engine, db_path: Path, tmp_path: Path
) -> None:
    add_carer(engine, "Quillfeather")
    engine.dispose()
    blocker = tmp_path / "blocker"
    blocker.write_text("a file where the folder should be", encoding="utf-8")
    opened = open_checked(sqlite_url(db_path), plan=BackupPlan(blocker / "backups"), now=NOW)
    try:
        assert opened.backup is None
        assert "Today's backup was not made" in opened.warning
        assert str(blocker / "backups") in opened.warning
        add_carer(opened.engine, "Marchbanks")  # the desk works on
        assert surnames(opened.engine) == ["Marchbanks", "Quillfeather"]
    finally:
        opened.engine.dispose()


def test_made_on_reads_the_day_from_the_name() -> None:
    assert backups.made_on(Path("register-2026-11-23-091500.sqlite")) == date(2026, 11, 23)
    assert backups.made_on(Path("notes.sqlite")) is None


def test_the_settings_name_the_backups_folder(monkeypatch: pytest.MonkeyPatch) -> None:
    from carerdesk.settings import config_dir, load_settings

    here = load_settings(db="/srv/desk/register.sqlite")
    assert here.backups_folder() == Path("/srv/desk/backups") and here.keep_backups == 14
    config_dir().mkdir(parents=True, exist_ok=True)
    (config_dir() / "settings.toml").write_text(
        'backups = "/mnt/usb/desk-backups"\nkeep_backups = 30\n', encoding="utf-8"
    )
    chosen = load_settings(db="/srv/desk/register.sqlite")
    assert chosen.backups_folder() == Path("/mnt/usb/desk-backups") and chosen.keep_backups == 30
    monkeypatch.setenv("CARERDESK_BACKUPS", "/elsewhere")
    monkeypatch.setenv("CARERDESK_KEEP_BACKUPS", "7")
    env = load_settings(db="/srv/desk/register.sqlite")
    assert env.backups_folder() == Path("/elsewhere") and env.keep_backups == 7
    assert load_settings(database_url="postgresql://desk/register").backups_folder() is None


def test_the_check_finds_a_damaged_register(engine: Engine, db_path: Path) -> None:
    assert backups.check_register(engine, full=True) == []
    for number in range(20):
        add_carer(engine, filler(number))
    engine.dispose()
    damage(db_path)
    damaged = make_engine(sqlite_url(db_path))
    assert backups.check_register(damaged, full=True) != []
    damaged.dispose()


def test_a_new_register_has_nothing_to_back_up(db_path: Path) -> None:
    plan = BackupPlan(db_path.parent / "backups")
    opened = open_checked(sqlite_url(db_path), plan=plan, now=NOW)
    opened.engine.dispose()
    assert opened.backup is None
    assert os.path.exists(db_path)


def test_a_damaged_register_is_restored_from_its_backup(
    engine: Engine, db_path: Path, tmp_path: Path
) -> None:
    for number in range(20):
        add_carer(engine, filler(number))
    copy = make_backup(engine, tmp_path / "copy.sqlite")
    engine.dispose()
    damage(db_path)
    done = restore_backup(copy, db_path, now=NOW)
    assert rows(db_path) == rows(copy)
    assert done.aside is not None and done.aside.read_bytes().count(b"\xa5" * 4096) == 1


def test_a_register_that_turns_read_only_refuses_the_save(engine: Engine) -> None:
    """Made read-only while a desk has it open: SQLite then answers every write with
    SQLITE_READONLY, as ``PRAGMA query_only`` makes it answer here."""
    add_carer(engine, "Quillfeather")
    engine.dispose()

    @event.listens_for(engine, "connect")
    def _read_only(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.execute("PRAGMA query_only = ON")

    with pytest.raises(RegisterReadOnly, match="cannot be written"):
        add_carer(engine, "Marchbanks")
    assert surnames(engine) == ["Quillfeather"]
