"""``carerdesk backup``, ``restore`` and ``check``, and the faults met when a command opens the
register: said in plain words on standard error, exit status 1, nothing saved lost."""

from __future__ import annotations

import os
import sqlite3
import stat
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, text

from carerdesk.cli import main
from carerdesk.db import audit
from carerdesk.db.backups import backups_of
from carerdesk.db.engine import unit_of_work
from tests.conftest import COORDINATOR
from tests.db.test_backups import add_carer, damage, filler


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    assert "Traceback" not in result.output + result.stderr
    return result.exit_code, result.stdout, result.stderr


def names(path: Path) -> list[str]:
    with closing(sqlite3.connect(path)) as connection, connection:
        return sorted(row[0] for row in connection.execute("SELECT last_name FROM carers"))


@pytest.fixture
def register(engine: Engine, db_path: Path) -> Path:
    """A register of twenty-one invented carers and no accounts yet."""
    add_carer(engine, "Quillfeather")
    for number in range(20):
        add_carer(engine, filler(number))
    engine.dispose()
    return db_path


def test_backup_then_restore_at_the_command_line(register: Path, tmp_path: Path) -> None:
    out = tmp_path / "usb" / "copy.sqlite"
    out.parent.mkdir()
    code, said, errors = run("--db", str(register), "backup", "--out", str(out))
    assert code == 0, errors
    assert f"Backed up the register to {out}." in said
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    code, _, errors = run("--db", str(register), "backup", "--out", str(out))
    assert code == 1 and "already exists" in errors

    with closing(sqlite3.connect(register)) as connection, connection:
        connection.execute("DELETE FROM carers WHERE last_name = 'Quillfeather'")
    code, said, errors = run("--db", str(register), "restore", str(out))
    assert code == 0, said + errors
    assert "The register before the restore is kept as" in said
    assert "Quillfeather" in names(register)
    assert len(list(tmp_path.glob("register.replaced-*.sqlite"))) == 1


def test_backup_without_out_goes_into_the_backups_folder(register: Path) -> None:
    code, said, _ = run("--db", str(register), "backup")
    assert code == 0
    folder = register.parent / "backups"
    made = backups_of(folder, register)
    # The day's automatic backup as the command opened the register, then the one asked for.
    assert len(made) == 2 and said.strip().endswith(f"{made[0]}.")
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700


def test_a_backup_is_recorded_in_the_audit_trail(engine: Engine, register: Path) -> None:
    run("--db", str(register), "backup")
    with unit_of_work(engine, write=False) as session:
        kinds = [
            (entry.action, entry.kind)
            for entry in audit.entries(session, audit.TrailFilter(), by=COORDINATOR)
        ]
    assert (audit.Action.EXPORTED, "backup") in kinds


def test_restore_refused_while_the_register_is_open(engine: Engine, register: Path) -> None:
    run("--db", str(register), "backup")
    made = backups_of(register.parent / "backups", register)[0]
    with engine.connect() as connection:  # a desk with the register open
        connection.execute(text("SELECT 1")).all()
        code, _, errors = run("--db", str(register), "restore", str(made))
    assert code == 1 and "open at another desk" in errors
    assert not list(register.parent.glob("register.replaced-*"))


def test_restore_of_a_file_that_is_no_register_is_refused(register: Path, tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("not a register\n" * 300, encoding="utf-8")
    code, _, errors = run("--db", str(register), "restore", str(notes))
    assert code == 1 and "was not restored" in errors and "Nothing was changed" in errors
    assert "Quillfeather" in names(register)


def test_check_on_a_sound_register(register: Path) -> None:
    code, said, _ = run("--db", str(register), "check")
    assert code == 0
    assert "integrity check found no problem" in said
    assert "The audit trail is sound" in said


def test_check_on_a_damaged_register(register: Path) -> None:
    run("--db", str(register), "backup")  # a good backup to name
    damage(register)
    code, _, errors = run("--db", str(register), "check")
    assert code == 1
    assert "The integrity check found" in errors
    assert "The newest good backup is" in errors and " restore " in errors


def test_check_names_a_broken_audit_chain(register: Path) -> None:
    with closing(sqlite3.connect(register)) as connection, connection:
        connection.execute("UPDATE audit SET detail = 'altered' WHERE seq = 2")
    code, said, errors = run("--db", str(register), "check")
    assert code == 1
    assert "integrity check found no problem" in said
    assert "entry 2 was altered" in errors


def test_a_damaged_register_is_met_with_a_plain_message(register: Path) -> None:
    run("--db", str(register), "backup")
    good = backups_of(register.parent / "backups", register)[0]
    damage(register)
    code, _, errors = run("--db", str(register), "search", "quill")
    assert code == 1
    assert f"The register {register} is damaged" in errors
    assert f"carerdesk --db {register} restore {good}" in errors
    code, said, _ = run("--db", str(register), "restore", str(good))
    assert code == 0
    code, said, _ = run("--db", str(register), "search", "quill")
    assert code == 0 and "Quillfeather" in said


def test_a_register_from_a_newer_carerdesk(register: Path) -> None:
    with closing(sqlite3.connect(register)) as connection, connection:
        connection.execute("UPDATE alembic_version SET version_num = '0099'")
    code, _, errors = run("--db", str(register), "search", "quill")
    assert code == 1
    assert "made by a newer version of carerdesk" in errors
    assert "Quillfeather" in names(register)


def test_a_backups_folder_that_cannot_be_written_is_a_warning(
    register: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "blocker"
    blocker.write_text("a file where the backups folder should be", encoding="utf-8")
    monkeypatch.setenv("CARERDESK_BACKUPS", str(blocker / "backups"))
    code, said, errors = run("--db", str(register), "search", "quill")
    assert code == 0 and "Quillfeather" in said
    assert "Today's backup was not made" in errors


@pytest.mark.parametrize("read_only", ["file", "folder"])
def test_a_read_only_register_is_refused_when_it_opens(
    register: Path, monkeypatch: pytest.MonkeyPatch, read_only: str
) -> None:
    """As the system answers for an account that may not write there. (Simulated at the
    ``os.access`` boundary: the tests may run as root, who may write any file; the test
    below uses real permissions where it can.)"""
    refused = register if read_only == "file" else register.parent
    real_access = os.access

    def access(path: Any, how: int) -> bool:
        return not (Path(path) == refused and how & os.W_OK) and real_access(path, how)

    monkeypatch.setattr(os, "access", access)
    code, _, errors = run("--db", str(register), "search", "quill")
    assert code == 1
    assert f"The register {register} cannot be written" in errors
    assert "Quillfeather" in names(register)


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write a read-only file")
@pytest.mark.parametrize("read_only", ["file", "folder"])
def test_a_read_only_register_with_real_permissions(register: Path, read_only: str) -> None:
    refused = register if read_only == "file" else register.parent
    refused.chmod(0o555 if refused.is_dir() else 0o444)
    try:
        code, _, errors = run("--db", str(register), "search", "quill")
    finally:
        refused.chmod(0o755 if refused.is_dir() else 0o600)
    assert code == 1
    assert f"The register {register} cannot be written" in errors
    assert "Quillfeather" in names(register)
