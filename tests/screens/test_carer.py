"""A carer's record: edit, caring roles, close and reopen."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from sqlalchemy import Engine, select

from carerdesk.app import CarerdeskApp
from carerdesk.db import audit
from carerdesk.db.engine import unit_of_work
from carerdesk.db.models import CaringRole
from tests.conftest import COORDINATOR
from tests.screens.helpers import open_record, settle, shown, table_text, type_text


async def test_edit_a_carer_and_the_trail_names_the_field(
    make_app: Callable[[], CarerdeskApp], engine: Engine
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_record(pilot, "nguyen")
        await pilot.press("e")
        await settle(pilot)
        app.screen.query_one("#field-phone Input").focus()
        await type_text(pilot, "+44 (0)20 7946 0018")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "020 7946 0018" in shown(pilot, "#reach")
        assert "last changed" in shown(pilot, "#stamps")
    with unit_of_work(engine, write=False) as session:
        newest = audit.entries(
            session, audit.TrailFilter(record="C000002"), by=COORDINATOR, limit=2
        )
    assert [(e.user_name, e.action, e.fields) for e in newest] == [
        ("Sam Staff", "changed", "phone"),
        ("Sam Staff", "opened", ""),
    ]


async def test_add_and_end_a_caring_role(make_app: Callable[[], CarerdeskApp]) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_record(pilot, "patel")
        await pilot.press("r")
        await settle(pilot)
        await pilot.press("enter")
        await type_text(pilot, "spo")
        await pilot.press("enter", "ctrl+s")
        await settle(pilot)
        rows = table_text(pilot, "#roles")
        assert len(rows) == 2 and "Spouse or partner" in rows[1]
        assert "2 (2 active)" in shown(pilot, "#roles-title")
        app.screen.query_one("#roles").focus()
        await pilot.press("enter")  # change the first role
        await settle(pilot)
        app.screen.query_one("#field-ended-on Input").focus()
        await type_text(pilot, "20/11/2026")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "2 (1 active)" in shown(pilot, "#roles-title")


async def test_close_and_reopen(make_app: Callable[[], CarerdeskApp]) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_record(pilot, "zoe")
        await pilot.press("x")
        await settle(pilot)
        await pilot.press("ctrl+s")  # no reason chosen yet
        await settle(pilot)
        assert "Reason is needed" in shown(pilot, "#field-closed-reason .field-error")
        await pilot.press("enter")
        await type_text(pilot, "no longer")
        await pilot.press("enter", "ctrl+s")
        await settle(pilot)
        assert "CLOSED on 23/11/2026: No longer caring" in shown(pilot, "#summary")
        await pilot.press("o")
        await settle(pilot)
        assert "Active" in shown(pilot, "#summary")


async def test_theme_and_keys(make_app: Callable[[], CarerdeskApp]) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert app.theme == "carerdesk-dark"
        await pilot.press("ctrl+t")
        assert app.theme == "carerdesk-light"
        await pilot.press("ctrl+t")
        assert app.theme == "carerdesk-high-contrast"
        await pilot.press("f1")
        await pilot.pause()
        assert app.screen.query("KeysPanel")


async def test_command_palette_lists_the_screens_actions(
    make_app: Callable[[], CarerdeskApp],
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await settle(pilot)
        await type_text(pilot, "new carer")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert "Register a new carer" in shown(pilot, "#form-title")


async def test_a_caring_role_starting_years_ahead_is_refused_beside_the_date(
    make_app: Callable[[], CarerdeskApp], engine: Engine
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_record(pilot, "patel")
        await pilot.press("r")
        await settle(pilot)
        await pilot.press("enter")
        await type_text(pilot, "spo")
        await pilot.press("enter")
        app.screen.query_one("#field-started-on Input").focus()
        await type_text(pilot, "01/03/2031")
        await pilot.press("ctrl+s")
        await settle(pilot)
        error = shown(pilot, "#field-started-on .field-error")
        assert "This date is in the future" in error
        assert type(app.screen).__name__ == "RoleModal"  # still open, the date as typed
        app.screen.query_one("#field-started-on Input").focus()
        for _ in range(10):
            await pilot.press("backspace")
        await type_text(pilot, "01/03/2021")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert len(table_text(pilot, "#roles")) == 2
    with unit_of_work(engine, write=False) as session:
        started = session.scalars(
            select(CaringRole.started_on).where(CaringRole.started_on.is_not(None))
        )
        assert list(started) == [date(2021, 3, 1)]
