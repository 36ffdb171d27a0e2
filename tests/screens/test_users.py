"""The coordinator's screens: staff accounts and the audit trail."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Engine
from textual.widgets import DataTable

from carerdesk.app import CarerdeskApp
from carerdesk.screens.audit import AuditScreen
from carerdesk.screens.users import UsersScreen
from tests.screens.helpers import settle, shown, table_text, type_text


async def test_the_coordinator_adds_an_account_and_resets_a_pin(
    make_app: Callable[..., CarerdeskApp],
) -> None:
    app = make_app(user="Casey Coordinator")
    async with app.run_test(size=(80, 30)) as pilot:
        await settle(pilot)
        await pilot.press("f7")
        await settle(pilot)
        assert isinstance(app.screen, UsersScreen)
        await pilot.press("a")
        await type_text(pilot, "Jo Helper")
        await pilot.press("tab", "enter", "down", "down", "enter", "tab")  # role: staff
        await type_text(pilot, "1111")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "too easy to guess" in shown(pilot, "#field-pin .field-error")
        await pilot.press(*["backspace"] * 4)
        await type_text(pilot, "9753")
        await pilot.press("ctrl+s")
        await settle(pilot)
        rows = table_text(pilot, "#users")
        assert "Jo Helper | staff | active | never" in rows
        await pilot.press("p")  # reset the PIN of the account just added (the cursor is on it)
        await type_text(pilot, "8642")
        await pilot.press("tab")
        await type_text(pilot, "8642")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, UsersScreen)


async def test_the_last_coordinator_cannot_be_deactivated(
    make_app: Callable[..., CarerdeskApp],
) -> None:
    app = make_app(user="Casey Coordinator")
    async with app.run_test(size=(80, 30), notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("f7")
        await settle(pilot)
        await pilot.press("d", "y")
        await settle(pilot)
        assert "at least one active coordinator" in " ".join(shown(pilot, "Toast").split())
        assert table_text(pilot, "#users")[0].startswith("Casey Coordinator | coordinator | active")


async def test_staff_have_no_coordinator_keys(make_app: Callable[..., CarerdeskApp]) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f7", "f8")
        await settle(pilot)
        assert not isinstance(app.screen, UsersScreen | AuditScreen)


async def test_the_audit_trail_filters_and_verifies(make_app: Callable[..., CarerdeskApp]) -> None:
    app = make_app(user="Casey Coordinator")
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("f8")
        await settle(pilot)
        assert isinstance(app.screen, AuditScreen)
        everyone = table_text(pilot, "#trail")
        assert any("Sam Staff | created | carer C000001" in row for row in everyone)
        await type_text(pilot, "casey")
        await pilot.press("enter")
        await settle(pilot)
        rows = table_text(pilot, "#trail")
        assert rows and all("Casey Coordinator" in row for row in rows)
        await pilot.press("tab")
        await type_text(pilot, "C000002")
        await pilot.press("enter")
        await settle(pilot)
        assert table_text(pilot, "#trail") == []  # Casey never touched C000002
        await pilot.press("f5")
        await settle(pilot)
        assert "The audit trail is sound" in " ".join(shown(pilot, "Toast").split())


async def test_the_audit_trail_shows_stored_escape_codes_inert(
    make_app: Callable[..., CarerdeskApp], engine: Engine
) -> None:
    from carerdesk.core.permissions import Actor, Role
    from carerdesk.db import audit
    from carerdesk.db.engine import unit_of_work

    with unit_of_work(engine) as session:  # as one stored before sign-in names were tidied
        audit.record(session, Actor("\x1bc[b]Robin\x1b[2J", Role.VOLUNTEER), "sign-in refused")
    app = make_app(user="Casey Coordinator")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("f8")
        await settle(pilot)
        newest = table_text(pilot, "#trail")[0]
        assert "\\x1bc[b]Robin\\x1b[2J | sign-in refused" in newest
        assert "\x1b" not in newest


async def test_after_a_change_the_cursor_stays_on_the_account_changed_not_the_coordinator(
    make_app: Callable[..., CarerdeskApp],
) -> None:
    app = make_app(user="Casey Coordinator")
    async with app.run_test(size=(80, 30)) as pilot:
        await settle(pilot)
        await pilot.press("f7")
        await settle(pilot)
        table = app.screen.query_one("#users", DataTable)

        def chosen() -> str:
            return table_text(pilot, "#users")[table.cursor_row]

        await pilot.press("down")
        robin = chosen().split(" | ")[0]
        assert robin != "Casey Coordinator"
        await pilot.press("p")  # a new PIN for the account chosen
        await type_text(pilot, "8642")
        await pilot.press("tab")
        await type_text(pilot, "8642")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert chosen().startswith(robin)
        await pilot.press("r")  # its role changed: the row moves, the cursor goes with it
        await pilot.press("enter", "up", "up", "enter", "ctrl+s")
        await settle(pilot)
        assert chosen().startswith(robin)
        await pilot.press("d", "y")  # and so the next key acts on it again, not on Casey
        await settle(pilot)
        assert chosen().startswith(f"{robin} | ") and "deactivated" in chosen()
