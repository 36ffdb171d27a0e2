"""The command line of an event's desk: ``event start`` signs in once, and ``event close``
waits until the event is no longer open in the application."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from carerdesk.app import CarerdeskApp
from carerdesk.cli import main
from carerdesk.db import events

SECRET = {"CARERDESK_EVENT_PASSPHRASE": "purple kettle harbour", "CARERDESK_PIN": "2468"}
START = ["--name", "Carers Week stall", "--venue", "St Ann's", "--date", "23/11/2026",
         "--volunteer", "Robin Volunteer"]  # fmt: skip


def test_event_start_asked_for_a_pin_then_showed_a_sign_in_screen_anyway(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[tuple[str | None, bool]] = []

    def run(app: CarerdeskApp) -> None:
        # The application as it starts: who is signed in, and whether the event is held open.
        signed_in = app.first_actor.name if app.first_actor else None
        seen.append((signed_in, events.is_open(path)))

    monkeypatch.setattr(CarerdeskApp, "run", run)
    path = tmp_path / "stall.event"
    started = CliRunner().invoke(main, ["event", "start", str(path), *START], env=SECRET)
    assert started.exit_code == 0, started.output
    # Signed in with the PIN just chosen: no second sign-in screen; the sign-in is audited.
    assert seen == [("Robin Volunteer", True)]
    assert not events.is_open(path)
    engine = events.open_event(path, SECRET["CARERDESK_EVENT_PASSPHRASE"])
    from carerdesk.db.engine import unit_of_work
    from carerdesk.db.models import AuditEntry

    with unit_of_work(engine, write=False) as session:
        actions = [entry.action for entry in session.query(AuditEntry)]
    engine.dispose()
    assert actions.count("signed in") == 1
    # Opened again later, the desk asks who is there: a lock's sign-in screen.
    opened = CliRunner().invoke(main, ["event", "open", str(path)], env=SECRET)
    assert opened.exit_code == 0, opened.output
    assert seen[-1] == (None, True)


def test_event_close_succeeded_while_the_event_was_open_in_the_application(
    tmp_path: Path,
) -> None:
    path = tmp_path / "stall" / "stall.event"
    started = CliRunner().invoke(
        main, ["event", "start", str(path), *START, "--no-open"], env=SECRET
    )
    assert started.exit_code == 0, started.output
    with events.held_open(path):  # as `event open` holds it while the desk runs
        closed = CliRunner().invoke(main, ["event", "close", str(path)], env=SECRET)
        assert closed.exit_code == 1
        assert "still open in carerdesk" in closed.stderr and "Traceback" not in closed.output
        again = CliRunner().invoke(main, ["event", "open", str(path)], env=SECRET)
        assert again.exit_code == 1 and "already open" in again.stderr
    engine = events.open_event(path, SECRET["CARERDESK_EVENT_PASSPHRASE"])
    from carerdesk.db.engine import unit_of_work

    with unit_of_work(engine, write=False) as session:
        assert events.event_info(session).closed_at is None  # nothing was closed
    engine.dispose()
    closed = CliRunner().invoke(main, ["event", "close", str(path)], env=SECRET)
    assert closed.exit_code == 0 and "Closed Carers Week stall" in closed.stdout
    assert [file.name for file in path.parent.iterdir()] == ["stall.event"]  # one file to hand on


@pytest.mark.parametrize(
    ("passphrase", "reason"),
    [
        (" " * 10, "spaces only"),
        ("password12", "passwords people choose most"),
        ("kettle", "at least 10 characters"),
        ("1111111111", "repeats the same characters"),
    ],
)
def test_event_start_refuses_a_passphrase_easy_to_guess_with_its_reason(
    tmp_path: Path, passphrase: str, reason: str
) -> None:
    path = tmp_path / "stall.event"
    env = {**SECRET, "CARERDESK_EVENT_PASSPHRASE": passphrase}
    refused = CliRunner().invoke(main, ["event", "start", str(path), *START, "--no-open"], env=env)
    assert refused.exit_code == 1 and reason in refused.stderr
    assert "Traceback" not in refused.output
    assert passphrase not in refused.stderr or not passphrase.strip()  # never said back
    assert not path.exists()
