"""An event at the desk: the short registration form, contacts logged as at the event, and
the running count, on the event's encrypted file."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from sqlalchemy import Engine, func, select

from carerdesk.app import CarerdeskApp
from carerdesk.db import accounts, events
from carerdesk.db.engine import sqlite_url, unit_of_work
from carerdesk.db.models import Carer, Contact
from tests.screens.helpers import screen_text, settle, shown, table_text, type_text

PASSPHRASE = "purple kettle harbour"


def _start(path: Path) -> None:
    events.start_event(
        path, PASSPHRASE, name="Carers Week stall", venue="St Ann's", day="23/11/2026",
        volunteer="Robin Volunteer", pin="2468",
    )  # fmt: skip


async def test_a_volunteer_registers_a_carer_with_the_short_form(tmp_path: Path) -> None:
    path = tmp_path / "carers-week.event"
    _start(path)
    engine = events.open_event(path, PASSPHRASE)
    with unit_of_work(engine, write=False) as session:
        robin = accounts.actor_of(accounts.find_user(session, "Robin Volunteer"))
    engine.dispose()
    app = CarerdeskApp(
        sqlite_url(path),
        key=PASSPHRASE,
        event=True,
        now=lambda: datetime(2026, 11, 23, 11, 0),
        actor=robin,
    )
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        title = shown(pilot, "#today-title")
        assert title.startswith("Carers Week stall (St Ann's): 0 registered")
        await type_text(pilot, "ada quill")
        await settle(pilot)
        await pilot.press("f2")
        await settle(pilot)
        # The short form: no address, no gender or ethnicity, registered at the event.
        fields = {box.id for box in app.screen.query("FormField")}
        assert "field-gender" not in fields and "field-address-line-1" not in fields
        assert app.screen.query_one("#field-registered-at").text == "event"  # type: ignore[attr-defined]
        await pilot.press("tab", "tab", "tab")
        await type_text(pilot, "14/03/1971")
        await pilot.press("tab")
        await type_text(pilot, "07700 900123")
        app.screen.query_one("#field-consent-store Select").focus()
        for key in ("enter", "y", "enter"):
            await pilot.press(key)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "Ada Quill" in shown(pilot, "#summary")
        await pilot.press("c")  # log a contact: at the event
        await settle(pilot)
        await pilot.press("space", "ctrl+s")  # information and advice given
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        assert shown(pilot, "#today-title").startswith("Carers Week stall (St Ann's): 1 registered")
    engine = events.open_event(path, PASSPHRASE)
    with unit_of_work(engine, write=False) as session:
        carer = session.scalar(select(Carer))
        contact = session.scalar(select(Contact))
    engine.dispose()
    assert carer is not None and carer.registered_at == "event"
    assert contact is not None and contact.channel == "event"
    assert b"Quill" not in path.read_bytes()


def _stall(tmp_path: Path) -> Path:
    """A stall where Siân (whom the desk's register knows), Amir (the register's Amir, his
    phone not given) and Ola (new) registered."""
    from carerdesk.core.entries import check_carer
    from carerdesk.db import carers
    from tests.conftest import STAFF, TODAY

    path = tmp_path / "stall.event"
    _start(path)
    engine = events.open_event(path, PASSPHRASE)
    with unit_of_work(engine) as session:
        for first, last, born, mobile, postcode in (
            ("Sian", "O'Brien", "01/02/1970", "07700 900101", "SW1A 1AA"),
            ("Amir", "Patel", "12/08/1951", "", ""),
            ("Ola", "Brown", "03/03/1990", "07700 900777", "HA2 0AA"),
        ):
            values = {
                "first_name": first, "last_name": last, "date_of_birth": born,
                "mobile": mobile, "postcode": postcode, "registered_on": "23/11/2026",
                "registered_at": "event", "consent_store": "yes",
            }  # fmt: skip
            carers.register_carer(session, check_carer(values, TODAY), by=STAFF)
    engine.dispose()
    return path


async def test_the_coordinator_imports_an_event_deciding_the_unsure_one(
    make_app: Callable[..., CarerdeskApp], tmp_path: Path, engine: Engine
) -> None:
    from carerdesk.screens.event_import import EventImportScreen

    path = _stall(tmp_path)
    app = make_app(user="Casey Coordinator")
    async with app.run_test(size=(120, 30), notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("f6")
        await settle(pilot)
        await type_text(pilot, str(path))
        await pilot.press("enter")
        await settle(pilot)
        await type_text(pilot, "wrong passphrase")
        await pilot.press("enter")
        await settle(pilot)
        assert "passphrase is wrong" in shown(pilot, "#import-status")
        await pilot.press("enter")  # the path again, then the right passphrase
        await settle(pilot)
        await type_text(pilot, PASSPHRASE)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, EventImportScreen)
        rows = [" ".join(r.split()) for r in table_text(pilot, "#incoming")]
        assert rows[0].startswith("C000001 Sian O'Brien | 01/02/1970 | joins C000001 Siân O'Brien")
        assert rows[1].startswith(
            "C000002 Amir Patel | 12/08/1951 | new | maybe C000004 Amir Patel"
        )
        assert rows[2].startswith("C000003 Ola Brown | 03/03/1990 | new |")
        await pilot.press("down", "enter")  # Amir side by side
        await settle(pilot)
        assert "Amir Patel and C000004 Amir Patel" in screen_text(pilot)
        await pilot.press("j")
        await settle(pilot)
        assert "joins C000004 Amir Patel" in table_text(pilot, "#incoming")[1]
        await pilot.press("ctrl+s", "y")
        await settle(pilot)
        rows = table_text(pilot, "#incoming")
        assert all("imported before" in row for row in rows)
        assert "1 new carers, 2 joined" in " ".join(shown(pilot, "Toast").split())
    with unit_of_work(engine, write=False) as session:
        assert session.scalar(select(func.count()).select_from(Carer)) == 5
        ola = session.scalar(select(Carer).where(Carer.last_name == "Brown"))
        assert ola is not None and ola.reference == "C000005"
