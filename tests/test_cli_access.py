"""``carerdesk sar REF --out DIR``: the subject access copy from the command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import Engine, select

from carerdesk.app import london_now
from carerdesk.cli import main
from carerdesk.db import accounts
from carerdesk.db.audit import Action
from carerdesk.db.engine import unit_of_work
from carerdesk.db.models import AuditEntry
from tests.db.okafors import Okafor, build

PINS = {"Casey Coordinator": "2580", "Sam Staff": "1357", "Robin Volunteer": "2468"}


@pytest.fixture
def okafors(engine: Engine, tmp_path: Path) -> tuple[Okafor, ...]:
    people = build(engine, tmp_path)
    with unit_of_work(engine) as session:
        coordinator = accounts.actor_of(accounts.find_user(session, "Casey Coordinator"))
        for name, role in (("Sam Staff", "staff"), ("Robin Volunteer", "volunteer")):
            accounts.add_user(session, coordinator, {"name": name, "role": role, "pin": PINS[name]})
    return people


def _sar(db_path: Path, user: str, *args: str) -> Result:
    return CliRunner().invoke(
        main,
        ["--db", str(db_path), "--user", user, "sar", *args],
        env={"CARERDESK_PIN": PINS[user]},
    )


def _requests(engine: Engine) -> list[str | None]:
    with unit_of_work(engine, write=False) as session:
        return list(
            session.scalars(
                select(AuditEntry.reference).where(AuditEntry.action == Action.SUBJECT_ACCESS)
            )
        )


def test_the_coordinator_gets_the_two_files_and_their_paths(
    engine: Engine, db_path: Path, okafors: tuple[Okafor, ...], tmp_path: Path
) -> None:
    chidi = okafors[2]
    done = _sar(
        db_path, "Casey Coordinator", chidi.reference.lower(), "--out", str(tmp_path / "usb")
    )
    assert done.exit_code == 0, done.output
    folder = tmp_path / "usb" / f"{chidi.reference}-{london_now().date().isoformat()}"
    json_path, pdf_path = (Path(line) for line in done.stdout.splitlines())
    assert (json_path.parent, pdf_path.parent) == (folder, folder)
    assert pdf_path.read_bytes().startswith(b"%PDF")
    document = json.loads(json_path.read_text(encoding="utf-8"))
    assert document["carer"]["records"][0]["first_name"] == "Chidi"
    assert _requests(engine) == [chidi.reference]


@pytest.mark.parametrize("user", ["Sam Staff", "Robin Volunteer"])
def test_staff_and_volunteers_are_refused(
    engine: Engine, db_path: Path, okafors: tuple[Okafor, ...], tmp_path: Path, user: str
) -> None:
    refused = _sar(db_path, user, okafors[0].reference, "--out", str(tmp_path / "usb"))
    assert refused.exit_code == 1
    assert "may not give a carer a copy of everything held about them" in refused.stderr
    assert "Traceback" not in refused.output
    assert not (tmp_path / "usb").exists() and _requests(engine) == []


def test_an_unknown_reference_is_refused_plainly(
    db_path: Path, okafors: tuple[Okafor, ...], tmp_path: Path
) -> None:
    refused = _sar(db_path, "Casey Coordinator", "C999999", "--out", str(tmp_path / "usb"))
    assert refused.exit_code == 1 and "No carer has that reference" in refused.stderr


def test_a_folder_that_cannot_be_written_is_refused_and_nothing_recorded(
    engine: Engine, db_path: Path, okafors: tuple[Okafor, ...], tmp_path: Path
) -> None:
    blocked = tmp_path / "a file"
    blocked.write_text("", encoding="utf-8")
    out = str(blocked / "inside")
    refused = _sar(db_path, "Casey Coordinator", okafors[0].reference, "--out", out)
    assert refused.exit_code == 1 and "Could not use" in refused.stderr
    assert "Traceback" not in refused.output and _requests(engine) == []
