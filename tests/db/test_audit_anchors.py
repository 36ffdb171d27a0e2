"""The audit trail anchored outside the register: a keyed hash and an anchor log.

Each test changes a real register file through raw sqlite3, as someone with the file but
without carerdesk (or its key) would, and checks that ``verify`` names what was done.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import stat
from datetime import date
from pathlib import Path

import click.testing
import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, select

from carerdesk.cli import main
from carerdesk.core.entries import check_carer, check_role
from carerdesk.core.weeks import Week
from carerdesk.db import audit, carers, returns
from carerdesk.db.engine import make_engine, sqlite_url, unit_of_work
from carerdesk.db.models import Carer
from carerdesk.export.weekly import csv_bytes, export_return
from carerdesk.settings import config_dir
from tests.conftest import COORDINATOR, STAFF, VOLUNTEER


@pytest.fixture(autouse=True)
def key_in_the_config_folder(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests read the key and the anchor log where a desk keeps them by default."""
    monkeypatch.delenv("CARERDESK_AUDIT_KEY")


TYPED = {
    "first_name": "Ada",
    "last_name": "Quillfeather",
    "date_of_birth": "14/03/1971",
    "postcode": "HA1 2AB",
    "mobile": "07700 900123",
    "registered_on": "02/11/2026",
    "consent_store": "yes",
}


def fill_trail(engine: Engine, today: date) -> None:
    """Entries 1-5: created, created (role), opened three times."""
    with unit_of_work(engine) as session:
        role = check_role({"relationship": "parent"}, today)
        carer = carers.register_carer(session, check_carer(TYPED, today), [role], by=VOLUNTEER)
    with unit_of_work(engine) as session:
        for _ in range(3):
            carers.open_carer(session, carer.id, by=STAFF)


def verdict(engine: Engine) -> audit.Verdict:
    with unit_of_work(engine, write=False) as session:
        return audit.verify(session, by=COORDINATOR)


def plain_hash(row: sqlite3.Row) -> str:
    """The hash as carerdesk made it before the key: SHA-256 of the columns, what anyone
    reading the source can compute."""
    body = [
        row["seq"],
        row["at"].replace(" ", "T"),
        row["user_id"],
        row["user_name"],
        row["action"],
        row["kind"],
        row["record_id"],
        row["reference"],
        row["fields"],
        row["detail"],
        row["prev_hash"],
    ]
    text = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def attacker(path: Path) -> sqlite3.Connection:
    connection = sqlite3.connect(path)
    connection.row_factory = sqlite3.Row
    return connection


def rehash_from(connection: sqlite3.Connection, seq: int) -> None:
    """Recompute the hash of entry ``seq`` and every later one, and move the head."""
    previous = connection.execute("SELECT hash FROM audit WHERE seq = ?", (seq - 1,)).fetchone()
    prev_hash = previous["hash"] if previous else "0" * 64
    rows = connection.execute("SELECT * FROM audit WHERE seq >= ? ORDER BY seq", (seq,))
    last = seq - 1
    for row in rows.fetchall():
        fixed = {**dict(row), "prev_hash": prev_hash}
        digest = plain_hash(fixed)  # type: ignore[arg-type]
        connection.execute(
            "UPDATE audit SET prev_hash = ?, hash = ? WHERE seq = ?",
            (prev_hash, digest, row["seq"]),
        )
        prev_hash, last = digest, row["seq"]
    connection.execute(
        "UPDATE settings SET value = ? WHERE key = 'audit_head'", (f"{last}:{prev_hash}",)
    )


def rewrite(path: Path) -> None:
    """Entry 3 altered (someone else opened the record), every later hash recomputed."""
    with attacker(path) as connection:
        connection.execute("UPDATE audit SET user_name = 'Someone Else' WHERE seq = 3")
        rehash_from(connection, 3)


def truncate(path: Path) -> None:
    """Entries 4 and 5 deleted and the head moved back to entry 3."""
    with attacker(path) as connection:
        connection.execute("DELETE FROM audit WHERE seq >= 4")
        head = connection.execute("SELECT hash FROM audit WHERE seq = 3").fetchone()["hash"]
        connection.execute("UPDATE settings SET value = ? WHERE key = 'audit_head'", (f"3:{head}",))


def forge(path: Path) -> None:
    """Entry 6 appended, as if Sam Staff had opened a record, with a correct plain hash."""
    with attacker(path) as connection:
        connection.execute(
            "INSERT INTO audit SELECT 6, at, user_id, user_name, action, kind, record_id,"
            " reference, fields, detail, hash, hash FROM audit WHERE seq = 5"
        )
        rehash_from(connection, 6)


def test_a_sound_trail_is_sound(engine: Engine, today: date) -> None:
    fill_trail(engine, today)
    audit.anchor_head(engine, "backup")
    assert verdict(engine) == audit.Verdict(5)


def test_a_rewritten_entry_is_named_altered(engine: Engine, db_path: Path, today: date) -> None:
    fill_trail(engine, today)
    audit.anchor_head(engine, "backup")
    rewrite(db_path)
    found = verdict(engine)
    assert (found.first_bad, found.problem) == (3, "entry 3 was altered")


def test_a_truncation_is_named_removed(engine: Engine, db_path: Path, today: date) -> None:
    fill_trail(engine, today)
    audit.anchor_head(engine, "backup")
    truncate(db_path)
    found = verdict(engine)
    assert (found.first_bad, found.problem) == (4, "entries 4 to 5 were removed")


def test_a_forged_entry_is_named_added_outside(engine: Engine, db_path: Path, today: date) -> None:
    fill_trail(engine, today)
    forge(db_path)
    found = verdict(engine)
    assert (found.first_bad, found.problem) == (6, "entry 6 was added outside carerdesk")


def run(path: Path, *args: str) -> click.testing.Result:
    return CliRunner().invoke(
        main,
        ["--db", str(path), "--user", "Casey Coordinator", *args],
        env={"CARERDESK_PIN": "2580"},
    )


def set_up(path: Path) -> Engine:
    """A register set up at the command line, signed into three times, and backed up (its
    head anchored, as the backup does)."""
    made = CliRunner().invoke(
        main,
        [
            "--db",
            str(path),
            "init",
            "--organisation",
            "Harrow Carers",
            "--coordinator",
            "Casey Coordinator",
        ],
        env={"CARERDESK_PIN": "2580"},
    )
    assert made.exit_code == 0, made.output
    for _ in range(3):
        assert run(path, "audit", "list").exit_code == 0
    engine = make_engine(sqlite_url(path))
    audit.anchor_head(engine, "backup")
    return engine


def entries_in(path: Path) -> int:
    with sqlite3.connect(path) as connection:
        return int(connection.execute("SELECT max(seq) FROM audit").fetchone()[0])


def test_the_command_line_says_a_sound_trail_is_sound(tmp_path: Path) -> None:
    path = tmp_path / "desk.sqlite"
    set_up(path).dispose()
    said = run(path, "audit", "verify")
    assert said.exit_code == 0 and "The audit trail is sound" in said.stdout


def test_the_command_line_names_a_rewrite(tmp_path: Path) -> None:
    path = tmp_path / "desk.sqlite"
    set_up(path).dispose()
    rewrite(path)
    said = run(path, "audit", "verify")
    assert said.exit_code == 1 and "Traceback" not in said.output
    assert "tampered with: entry 3 was altered" in said.stderr


def test_the_command_line_names_a_truncation(tmp_path: Path) -> None:
    path = tmp_path / "desk.sqlite"
    set_up(path).dispose()
    last = entries_in(path)
    cut = last - 3
    with attacker(path) as connection:
        connection.execute("DELETE FROM audit WHERE seq > ?", (cut,))
        rehash_from(connection, cut + 1)  # moves the head back
    # Signing in to verify writes one entry again: the anchor still knows the rest were there.
    said = run(path, "audit", "verify")
    assert said.exit_code == 1
    assert f"tampered with: entries {cut + 2} to {last} were removed" in said.stderr


def test_the_command_line_names_a_forgery(tmp_path: Path) -> None:
    path = tmp_path / "desk.sqlite"
    set_up(path).dispose()
    last = entries_in(path)
    with attacker(path) as connection:
        connection.execute(
            "INSERT INTO audit SELECT seq + 1, at, user_id, user_name, 'signed out', kind,"
            " record_id, reference, fields, detail, hash, hash FROM audit WHERE seq = ?",
            (last,),
        )
        rehash_from(connection, last + 1)
    said = run(path, "audit", "verify")
    assert said.exit_code == 1
    assert f"tampered with: entry {last + 1} was added outside carerdesk" in said.stderr


def make_plain(path: Path) -> None:
    """Turn a register's trail into one made before the key: plain hashes, no keying."""
    with attacker(path) as connection:
        connection.execute("DELETE FROM settings WHERE key = 'audit_keyed'")
        rehash_from(connection, 1)


def test_a_trail_of_plain_hashes_continued_with_keyed_ones_verifies(
    engine: Engine, db_path: Path, today: date, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A register from before the key: made on a desk with no key, the trail made plain.
    monkeypatch.setenv("CARERDESK_AUDIT_KEY", str(tmp_path / "old-desk" / "audit.key"))
    fill_trail(engine, today)
    make_plain(db_path)
    monkeypatch.setenv("CARERDESK_AUDIT_KEY", str(tmp_path / "keys" / "audit.key"))
    assert verdict(engine) == audit.Verdict(5)
    with unit_of_work(engine) as session:
        carer_id = session.scalars(select(Carer.id)).one()
        carers.open_carer(session, carer_id, by=STAFF)
        carers.open_carer(session, carer_id, by=STAFF)
    assert (tmp_path / "keys" / "audit.key").exists()
    with attacker(db_path) as connection:
        keyed = connection.execute("SELECT value FROM settings WHERE key = 'audit_keyed'")
        assert keyed.fetchone()[0].startswith("6:")
    assert verdict(engine) == audit.Verdict(7)
    # Entries 1-5 keep their plain hashes; entry 6 on are keyed: a plain one there is not.
    with attacker(db_path) as connection:
        connection.execute("UPDATE audit SET detail = 'x' WHERE seq = 7")
        rehash_from(connection, 7)
    found = verdict(engine)
    assert (found.first_bad, found.problem) == (7, "entry 7 was added outside carerdesk")


def test_removing_where_keying_began_is_found(engine: Engine, db_path: Path, today: date) -> None:
    fill_trail(engine, today)
    with attacker(db_path) as connection:
        connection.execute("DELETE FROM settings WHERE key = 'audit_keyed'")
    found = verdict(engine)
    assert (found.first_bad, found.problem) == (1, "entry 1 was altered")
    # Every hash made plain as well: the anchor written when keying began still knows entry 1.
    make_plain(db_path)
    found = verdict(engine)
    assert (found.first_bad, found.problem) == (1, "entry 1 was altered")


def test_a_desk_without_the_key_gets_a_plain_explanation(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "desk.sqlite"
    set_up(path).dispose()
    monkeypatch.setenv("CARERDESK_AUDIT_KEY", str(tmp_path / "another-desk" / "audit.key"))
    said = run(path, "audit", "verify")
    assert said.exit_code == 1 and "Traceback" not in said.output
    assert "This desk does not hold the key that signs this register's audit trail" in said.stderr
    assert str(tmp_path / "another-desk" / "audit.key") in said.stderr
    # Nothing was written with a key of its own, and no key was made at the other desk.
    assert not (tmp_path / "another-desk").exists()


def test_the_key_and_the_anchor_log_are_for_their_owner_only(engine: Engine, today: date) -> None:
    fill_trail(engine, today)
    anchor = audit.anchor_head(engine, "backup 2026-11-23")
    folder = config_dir()
    assert stat.S_IMODE((folder / "audit.key").stat().st_mode) == 0o600
    log = folder / "audit-anchors.log"
    assert stat.S_IMODE(log.stat().st_mode) == 0o600
    lines = [json.loads(line) for line in log.read_text("utf-8").splitlines()]
    assert [(line["seq"], line["where"]) for line in lines] == [
        (1, "keyed hashes began"),
        (5, "backup 2026-11-23"),
    ]
    assert (anchor.seq, anchor.hash) == (5, lines[1]["hash"])
    assert all(len(line["mac"]) == 64 for line in lines)


def test_an_anchor_line_written_without_the_key_is_passed_over(
    engine: Engine, db_path: Path, today: date
) -> None:
    fill_trail(engine, today)
    log = config_dir() / "audit-anchors.log"
    real = json.loads(log.read_text("utf-8").splitlines()[0])
    with log.open("a", encoding="utf-8") as file:
        file.write(json.dumps({**real, "seq": 99}) + "\n")
    assert verdict(engine) == audit.Verdict(5)


def copy(source: Path, target: Path) -> None:
    """A copy made with SQLite's online backup, as carerdesk's backups are."""
    with sqlite3.connect(source) as reading, sqlite3.connect(target) as writing:
        reading.backup(writing)


def test_a_restore_puts_the_anchors_back_with_the_register(
    engine: Engine, db_path: Path, today: date, tmp_path: Path
) -> None:
    fill_trail(engine, today)
    backup = tmp_path / "backup.sqlite"
    copy(db_path, backup)
    audit.anchor_head(engine, "backup")
    with unit_of_work(engine) as session:
        carers.open_carer(session, session.scalars(select(Carer.id)).one(), by=STAFF)
    audit.anchor_head(engine, "weekly return 2026-W48")
    engine.dispose()
    copy(backup, db_path)
    assert verdict(engine).problem == "entry 6 was removed"
    audit.anchor_head(engine, "restored from backup", restored=True)
    assert verdict(engine) == audit.Verdict(5)


def test_making_a_return_anchors_the_trail_and_leaves_its_file_as_before(
    engine: Engine, today: date, tmp_path: Path
) -> None:
    fill_trail(engine, today)
    week = Week(2026, 47)
    uow = lambda write: unit_of_work(engine, write=write)  # noqa: E731
    made = export_return(uow, COORDINATOR, week, tmp_path / "out", today=today)
    with unit_of_work(engine, write=False) as session:
        figures = returns.week_figures(session, week, COORDINATOR)
    assert made.files[0].read_bytes() == csv_bytes(week, figures)
    last = (config_dir() / "audit-anchors.log").read_text("utf-8").splitlines()[-1]
    assert (json.loads(last)["seq"], json.loads(last)["where"]) == (6, "weekly return 2026-W47")
    assert verdict(engine) == audit.Verdict(6)


def test_an_anchor_line_cut_short_costs_only_itself(engine: Engine, today: date) -> None:
    fill_trail(engine, today)
    log = config_dir() / "audit-anchors.log"
    with log.open("a", encoding="utf-8") as file:
        file.write('{"register": "cut sh')  # the machine stopped mid-write
    audit.anchor_head(engine, "backup")
    with attacker(engine.url.database) as connection:  # type: ignore[arg-type]
        connection.execute("DELETE FROM audit WHERE seq = 5")
        head = connection.execute("SELECT hash FROM audit WHERE seq = 4").fetchone()["hash"]
        connection.execute("UPDATE settings SET value = ? WHERE key = 'audit_head'", (f"4:{head}",))
    assert verdict(engine).problem == "entry 5 was removed"
