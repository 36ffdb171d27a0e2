"""A register whose audit key was lost with its desk, signed with a new desk's key from then on.

The register is made on one desk (its config folder holds key A), then used on a "new desk"
(another ``CARERDESK_CONFIG_DIR``, so ``desk_key`` reads another key file), as after a laptop
died and the register was restored from a backup onto a new one.
"""

from __future__ import annotations

import sqlite3
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import Engine, select

from carerdesk.cli import main
from carerdesk.core.errors import CarerdeskError, FieldError
from carerdesk.db import accounts, audit
from carerdesk.db.engine import make_engine, sqlite_url, unit_of_work
from carerdesk.db.models import User
from tests.conftest import COORDINATOR
from tests.db.test_audit_anchors import attacker, fill_trail, make_plain, verdict

PINS = {"Casey Coordinator": "2580", "Sam Staff": "1357"}
COORDINATES = ("--coordinator", "Casey Coordinator")


def run(path: Path, *args: str, user: str = "Casey Coordinator", pin: str = "") -> Result:
    return CliRunner().invoke(
        main,
        ["--db", str(path), "--user", user, *args],
        env={"CARERDESK_PIN": pin or PINS[user]},
    )


def old_key_id(path: Path) -> str:
    with sqlite3.connect(path) as connection:
        keyed = connection.execute("SELECT value FROM settings WHERE key = 'audit_keyed'")
        return str(keyed.fetchone()[0].split(":")[1])


def last_entry(path: Path) -> int:
    with sqlite3.connect(path) as connection:
        return int(connection.execute("SELECT max(seq) FROM audit").fetchone()[0])


@pytest.fixture
def register(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A register made and used on the old desk (key A), then opened on a new desk."""
    # Each desk's key where a desk keeps it (the config folder), named outright as well in
    # case the session names one key for every test.
    monkeypatch.setenv("CARERDESK_CONFIG_DIR", str(tmp_path / "old-desk"))
    monkeypatch.setenv("CARERDESK_AUDIT_KEY", str(tmp_path / "old-desk" / "audit.key"))
    path = tmp_path / "desk.sqlite"
    made = CliRunner().invoke(
        main,
        ["--db", str(path), "init", "--organisation", "Harrow Carers", *COORDINATES],
        env={"CARERDESK_PIN": "2580"},
    )
    assert made.exit_code == 0, made.output
    engine = make_engine(sqlite_url(path))
    with unit_of_work(engine) as session:
        coordinator = accounts.actor_of(accounts.find_user(session, "Casey Coordinator"))
        accounts.add_user(
            session, coordinator, {"name": "Sam Staff", "role": "staff", "pin": "1357"}
        )
    for _ in range(2):
        assert run(path, "audit", "list").exit_code == 0
    audit.anchor_head(engine, "backup")
    engine.dispose()
    monkeypatch.setenv("CARERDESK_CONFIG_DIR", str(tmp_path / "new-desk"))
    monkeypatch.setenv("CARERDESK_AUDIT_KEY", str(tmp_path / "new-desk" / "audit.key"))
    return path


def replaced(path: Path) -> int:
    """Run ``audit new-key`` as the coordinator; the first entry the new key signs."""
    first_new = last_entry(path) + 1
    done = run(path, "audit", "new-key", "--reason", "laptop died", "--yes")
    assert done.exit_code == 0, done.output
    return first_new


def test_a_new_desk_is_refused_plainly_and_told_the_way_out(register: Path) -> None:
    said = run(register, "audit", "list")
    assert said.exit_code == 1 and "Traceback" not in said.output
    message = " ".join(said.stderr.split())
    assert "This desk does not hold the key that signs this register's audit trail" in message
    assert "Copy the key file from the desk that holds it" in message
    assert "audit new-key --reason" in message


def test_staff_may_not_replace_the_key(register: Path) -> None:
    before = last_entry(register)
    said = run(register, "audit", "new-key", "--reason", "laptop died", "--yes", user="Sam Staff")
    assert said.exit_code == 1 and "Traceback" not in said.output
    assert "may not sign the audit trail with a new key" in said.stderr
    assert last_entry(register) == before
    assert not (register.parent / "new-desk" / "audit.key").exists()


def test_a_wrong_pin_is_refused_and_counted_and_nothing_is_replaced(register: Path) -> None:
    before, key = last_entry(register), old_key_id(register)
    said = run(register, "audit", "new-key", "--reason", "laptop died", "--yes", pin="9999")
    assert said.exit_code == 1 and "That name and PIN do not match" in said.stderr
    assert (last_entry(register), old_key_id(register)) == (before, key)
    with unit_of_work(make_engine(sqlite_url(register)), write=False) as session:
        casey = session.scalars(select(User).where(User.name == "Casey Coordinator")).one()
        assert casey.failed_pins == 1  # guessing PINs here still locks the account


def test_without_yes_away_from_a_terminal_it_asks_for_yes(register: Path) -> None:
    said = run(register, "audit", "new-key", "--reason", "laptop died")
    assert said.exit_code == 2 and "--yes" in said.stderr


def test_after_a_new_key_the_desk_works_and_the_verdict_says_what_is_unchecked(
    register: Path,
) -> None:
    old_key = old_key_id(register)
    first_new = replaced(register)
    assert run(register, "audit", "list").exit_code == 0  # signing in works again
    listed = run(register, "audit", "list", "--limit", "5").stdout
    assert "audit key replaced" in listed and "laptop died" in listed
    said = run(register, "audit", "verify")
    assert said.exit_code == 0, said.output
    assert " ".join(said.stdout.split()) == (
        f"Audit trail: entries 1 to {first_new - 1} were signed with key {old_key}, which "
        "this desk does not hold: their order is checked, not their contents; from entry "
        f"{first_new} the trail is sound ({last_entry(register)} entries in all)."
    )
    # The first entry the new key signs names the key before it; the anchor log pins it.
    with sqlite3.connect(register) as connection:
        action, detail = connection.execute(
            "SELECT action, detail FROM audit WHERE seq = ?", (first_new,)
        ).fetchone()
    assert action == "audit key replaced"
    assert detail.startswith(f"Earlier keys: entries 1 to {first_new - 1} key {old_key}.")
    anchors = (register.parent / "new-desk" / "audit-anchors.log").read_text("utf-8")
    assert '"where": "audit key replaced"' in anchors


def test_the_key_cannot_be_replaced_on_a_desk_that_holds_it(register: Path) -> None:
    replaced(register)
    said = run(register, "audit", "new-key", "--reason", "again", "--yes")
    assert said.exit_code == 1
    assert "This desk holds the key that signs the audit trail" in said.stderr


def test_an_entry_altered_after_the_new_key_is_named(register: Path) -> None:
    first_new = replaced(register)
    run(register, "audit", "list")
    with attacker(register) as connection:
        connection.execute(
            "UPDATE audit SET user_name = 'Someone Else' WHERE seq = ?", (first_new + 1,)
        )
    said = run(register, "audit", "verify")
    assert said.exit_code == 1
    assert f"tampered with: entry {first_new + 1} was altered" in said.stderr


def test_an_old_entry_removed_is_still_named(register: Path) -> None:
    replaced(register)
    with attacker(register) as connection:
        connection.execute("DELETE FROM audit WHERE seq = 3")
    said = run(register, "audit", "verify")
    assert said.exit_code == 1 and "tampered with: entry 3 is missing" in said.stderr


@pytest.mark.parametrize(
    ("edit", "named"),
    [
        (
            "UPDATE settings SET value = '1:0123456789abcdef' WHERE key = 'audit_keyed_before'",
            "altered",
        ),
        ("UPDATE settings SET value = '3:' || value WHERE key = 'audit_keyed_before'", "altered"),
        ("UPDATE settings SET value = 'x' WHERE key = 'audit_keyed_before'", "altered"),
        ("DELETE FROM settings WHERE key = 'audit_keyed_before'", "removed"),
    ],
)
def test_the_list_of_earlier_keys_edited_or_removed_is_named(
    register: Path, edit: str, named: str
) -> None:
    first_new = replaced(register)
    with attacker(register) as connection:
        connection.execute(edit)
    said = run(register, "audit", "verify")
    assert said.exit_code == 1 and "Traceback" not in said.output
    assert f"tampered with: the record of the trail's earlier keys was {named}" in said.stderr
    with attacker(register) as connection:
        assert connection.execute("SELECT count(*) FROM audit").fetchone()[0] >= first_new


def test_a_list_of_earlier_keys_given_to_a_trail_never_rekeyed_is_named(
    engine: Engine, db_path: Path, today: date, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Entries 1-5 plain (from before the key), keyed from entry 6: a list claiming entries
    # 1-5 were signed with a lost key would have them go unchecked.
    monkeypatch.setenv("CARERDESK_AUDIT_KEY", str(tmp_path / "old-desk" / "audit.key"))
    fill_trail(engine, today)
    make_plain(db_path)
    monkeypatch.setenv("CARERDESK_AUDIT_KEY", str(tmp_path / "keys" / "audit.key"))
    with unit_of_work(engine) as session:
        audit.record(session, COORDINATOR, audit.Action.OPENED)
    assert verdict(engine) == audit.Verdict(6)
    with attacker(db_path) as connection:
        connection.execute(
            "INSERT INTO settings VALUES ('audit_keyed_before', '1:0123456789abcdef')"
        )
    found = verdict(engine)
    assert (found.first_bad, found.problem) == (
        6,
        "the record of the trail's earlier keys was altered",
    )


def test_new_keying_refuses_an_empty_reason(register: Path) -> None:
    engine = make_engine(sqlite_url(register))
    with unit_of_work(engine) as session, pytest.raises(FieldError, match="Say in a few words why"):
        audit.new_keying(session, COORDINATOR, "   ")


def test_a_trail_not_keyed_yet_has_no_key_to_replace(engine: Engine) -> None:
    refused = pytest.raises(CarerdeskError, match="not signed with a key yet")
    with unit_of_work(engine, write=False) as session, refused:
        audit.key_change(session)
