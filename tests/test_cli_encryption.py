"""An encrypted main register at the command line: ``init --encrypt``, ``encrypt``, ``rekey``,
and the passphrase read from a file only its owner can read."""

from __future__ import annotations

import gc
import sqlite3
from datetime import datetime
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from carerdesk.app import CarerdeskApp
from carerdesk.cli import main
from carerdesk.core.entries import check_carer
from carerdesk.db import carers
from carerdesk.db.encryption import is_encrypted
from carerdesk.db.engine import make_engine, sqlite_url, unit_of_work
from tests.conftest import STAFF, TODAY
from tests.screens.helpers import settle, shown

KEY = "correct horse battery staple"
NEW_KEY = "a different horse entirely"
COORDINATOR = "Casey Coordinator"


def secret_file(folder: Path, text: str, name: str = "passphrase") -> Path:
    path = folder / name
    path.write_text(text + "\n", encoding="utf-8")
    path.chmod(0o600)
    return path


def run(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(main, list(args), env={"CARERDESK_PIN": "2580", **(env or {})})


@pytest.fixture
def passphrase(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The register's passphrase in a file of the owner's alone, named in the environment."""
    path = secret_file(tmp_path, KEY)
    monkeypatch.setenv("CARERDESK_PASSPHRASE_FILE", str(path))
    return path


def add_carer(path: Path, key: str | None, first: str) -> None:
    engine = make_engine(sqlite_url(path), key=key)
    entry = {
        "first_name": first,
        "last_name": "Quillfeather",
        "date_of_birth": "14/03/1971",
        "registered_on": "02/11/2026",
        "consent_store": "yes",
    }
    with unit_of_work(engine) as session:
        carers.register_carer(session, check_carer(entry, TODAY), by=STAFF)
    engine.dispose()


def found(path: Path, text: str, env: dict[str, str] | None = None) -> Result:
    return run("--db", str(path), "--user", COORDINATOR, "search", text, env=env)


@pytest.fixture
def encrypted(tmp_path: Path, passphrase: Path) -> Path:
    """A register set up with ``init --encrypt`` holding one invented carer."""
    path = tmp_path / "register.sqlite"
    made = run(
        "--db", str(path), "init", "--encrypt", "--organisation", "Harrow Carers",
        "--coordinator", COORDINATOR,
    )  # fmt: skip
    assert made.exit_code == 0, made.output
    add_carer(path, KEY, "Ottoline")
    return path


def test_init_encrypt_makes_a_file_the_plain_driver_cannot_read(encrypted: Path) -> None:
    assert is_encrypted(encrypted)
    assert not encrypted.read_bytes().startswith(b"SQLite format 3")
    with pytest.raises(sqlite3.DatabaseError), sqlite3.connect(encrypted) as connection:
        connection.execute("SELECT count(*) FROM carers").fetchall()
    assert b"Harrow Carers" not in encrypted.read_bytes()

    result = found(encrypted, "ottoline")

    assert result.exit_code == 0, result.output
    assert "Ottoline" in result.output


async def test_the_application_opens_the_encrypted_register_with_its_passphrase(
    encrypted: Path,
) -> None:
    app = CarerdeskApp(sqlite_url(encrypted), key=KEY, now=lambda: datetime(2026, 11, 23, 10))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert shown(pilot, "#signin-title").strip() == "Harrow Carers"


def test_a_wrong_passphrase_gets_a_plain_message(encrypted: Path, tmp_path: Path) -> None:
    wrong = secret_file(tmp_path, "not the passphrase at all", "wrong")

    result = found(encrypted, "ottoline", env={"CARERDESK_PASSPHRASE_FILE": str(wrong)})

    assert result.exit_code == 1
    assert "That passphrase does not open the register" in result.output
    assert "Traceback" not in result.output and "Ottoline" not in result.output


def test_a_passphrase_file_others_can_read_is_refused_with_the_reason(
    encrypted: Path, passphrase: Path
) -> None:
    passphrase.chmod(0o644)

    result = found(encrypted, "ottoline")

    assert result.exit_code == 1
    assert "can be read or changed by other people" in result.output
    assert "chmod 600" in result.output and KEY not in result.output


def test_without_a_passphrase_file_or_a_terminal_it_says_how_to_give_one(
    encrypted: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CARERDESK_PASSPHRASE_FILE")

    result = found(encrypted, "ottoline")

    assert result.exit_code == 2
    assert "passphrase_file" in result.output and "Ottoline" not in result.output


def test_init_encrypt_leaves_a_plain_register_as_it_is(tmp_path: Path, passphrase: Path) -> None:
    path = tmp_path / "register.sqlite"
    assert run("--db", str(path), "init").exit_code == 0

    result = run("--db", str(path), "init", "--encrypt")

    assert result.exit_code == 1 and "carerdesk encrypt" in result.output
    assert not is_encrypted(path)


def test_encrypt_then_rekey_at_the_command_line_keep_the_records(
    tmp_path: Path, passphrase: Path
) -> None:
    path = tmp_path / "register.sqlite"
    set_up = ("init", "--organisation", "Harrow Carers", "--coordinator", COORDINATOR)
    assert run("--db", str(path), *set_up).exit_code == 0
    add_carer(path, None, "Ottoline")
    assert "Ottoline" in found(path, "ottoline").output

    encrypted = run("--db", str(path), "--user", COORDINATOR, "encrypt")

    assert encrypted.exit_code == 0, encrypted.output
    assert is_encrypted(path) and "Ottoline" in found(path, "ottoline").output
    new = secret_file(tmp_path, NEW_KEY, "new")
    gc.collect()  # the searches' engines, left open in this process as a command's would be

    rekeyed = run(
        "--db", str(path), "--user", COORDINATOR, "rekey", "--new-passphrase-file", str(new)
    )

    assert rekeyed.exit_code == 0, rekeyed.output
    assert f"Put the new passphrase in {passphrase}" in rekeyed.output
    assert found(path, "ottoline").exit_code == 1  # the old passphrase no longer opens it
    again = found(path, "ottoline", env={"CARERDESK_PASSPHRASE_FILE": str(new)})
    assert again.exit_code == 0 and "Ottoline" in again.output
