"""An event at the desk: the short registration form, contacts logged as at the event, and
the running count, on the event's encrypted file."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from sqlalchemy import select

from carerdesk.app import CarerdeskApp
from carerdesk.db import accounts, events
from carerdesk.db.engine import sqlite_url, unit_of_work
from carerdesk.db.models import Carer, Contact
from tests.screens.helpers import settle, shown, type_text

PASSPHRASE = "purple kettle harbour"


async def test_a_volunteer_registers_a_carer_with_the_short_form(tmp_path: Path) -> None:
    path = tmp_path / "carers-week.event"
    events.start_event(
        path, PASSPHRASE, name="Carers Week stall", venue="St Ann's", day="23/11/2026",
        volunteer="Robin Volunteer", pin="2468",
    )  # fmt: skip
    engine = events.open_event(path, PASSPHRASE)
    with unit_of_work(engine, write=False) as session:
        robin = accounts.actor_of(accounts.find_user(session, "Robin Volunteer"))
    engine.dispose()
    app = CarerdeskApp(
        sqlite_url(path), key=PASSPHRASE, now=lambda: datetime(2026, 11, 23, 11, 0), actor=robin
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
        await pilot.press("ctrl+s")
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
