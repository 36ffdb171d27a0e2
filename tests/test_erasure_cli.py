"""``carerdesk erase`` and ``carerdesk retention``, as a coordinator types them."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner, Result

from carerdesk.cli import main
from carerdesk.core.entries import check_carer
from carerdesk.db import accounts, carers
from carerdesk.db.engine import make_engine, sqlite_url, unit_of_work
from tests.conftest import STAFF, TODAY


def _register(tmp_path: Path) -> Path:
    path = tmp_path / "register.sqlite"
    init = ["--db", str(path), "init", "--organisation", "Harrow Carers",
            "--coordinator", "Casey Coordinator"]  # fmt: skip
    assert CliRunner().invoke(main, init, env={"CARERDESK_PIN": "2580"}).exit_code == 0
    engine = make_engine(sqlite_url(path))
    with unit_of_work(engine) as session:
        for first, closed in (("Ottoline", True), ("Perpetua", False)):
            entry = check_carer(
                {"first_name": first, "last_name": "Fairweather", "date_of_birth": "02/03/1960",
                 "registered_on": "01/02/2015", "consent_store": "yes"},
                TODAY,
            )  # fmt: skip
            made = carers.register_carer(session, entry, by=STAFF)
            if closed:
                carers.close_carer(
                    session, made.id, on=TODAY.replace(year=2017), reason="moved_away", by=STAFF
                )
        coordinator = accounts.actor_of(accounts.find_user(session, "Casey Coordinator"))
        accounts.add_user(
            session, coordinator, {"name": "Sam Staff", "role": "staff", "pin": "1357"}
        )
    engine.dispose()
    return path


def _as(path: Path, user: str, pin: str, *args: str, typed: str | None = None) -> Result:
    return CliRunner().invoke(
        main, ["--db", str(path), "--user", user, *args], env={"CARERDESK_PIN": pin}, input=typed
    )


def _coordinator(path: Path, *args: str) -> Result:
    return _as(path, "Casey Coordinator", "2580", *args)


def test_retention_lists_then_keeps_with_a_reason(tmp_path: Path) -> None:
    path = _register(tmp_path)
    listed = _coordinator(path, "retention")
    assert listed.exit_code == 0, listed.output
    # Perpetua was registered in 2015 and never seen since; Ottoline closed in 2017.
    lines = listed.stdout.splitlines()
    assert [line.split()[:2] for line in lines] == [
        ["C000002", "Perpetua"],
        ["C000001", "Ottoline"],
    ]
    assert lines[1].endswith("23/11/2017 closed (moved away)")
    kept = _coordinator(path, "retention", "--keep", "c000001", "--reason", "legal hold")
    assert kept.exit_code == 0, kept.output
    assert "C000001 is kept; it is due for review again on" in kept.stdout
    assert "Ottoline" not in _coordinator(path, "retention").stdout
    remembered = _coordinator(path, "retention", "--kept").stdout
    assert "C000001" in remembered and "kept " in remembered and ": legal hold;" in remembered
    staff = _as(path, "Sam Staff", "1357", "retention")
    assert staff.exit_code == 1 and "may not erase a carer's record" in staff.stderr


def test_erase_needs_the_reference_again_or_yes(tmp_path: Path) -> None:
    path = _register(tmp_path)
    piped = _coordinator(path, "erase", "C000001", "--reason", "retention period over")
    assert piped.exit_code == 2 and "--yes" in piped.stderr
    staff = _as(path, "Sam Staff", "1357", "erase", "C000001", "--reason", "asked", "--yes")
    assert (
        staff.exit_code == 1 and "may not erase" in staff.stderr and "Traceback" not in staff.output
    )
    named = _coordinator(path, "erase", "C000001", "--reason", "Ottoline asked", "--yes")
    assert named.exit_code == 1 and "name out of the reason" in named.stderr
    done = _coordinator(path, "erase", "C000001", "--reason", "retention period over", "--yes")
    assert done.exit_code == 0, done.output
    assert done.stdout == "C000001 is erased.\n"
    found = _coordinator(path, "search", "Ottoline")
    assert "C000001" not in found.stdout
    assert "Ottoline" not in _coordinator(path, "retention").stdout
    again = _coordinator(path, "erase", "C000001", "--reason", "twice", "--yes")
    assert again.exit_code == 1 and "was erased on" in again.stderr
    raw = path.read_bytes()
    assert b"Ottoline" not in raw and b"Perpetua" in raw
    trail = _coordinator(path, "audit", "verify")
    assert trail.exit_code == 0, trail.output
