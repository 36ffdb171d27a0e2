"""Importing register files from the front desk: check, read the report, then import."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from textual.widgets import Log

from carerdesk.app import CarerdeskApp
from carerdesk.screens.import_files import ImportModal
from tests.screens.helpers import keys_offered, settle, shown, table_text, type_text

CARERS = (
    "Reference,First name,Last name,Date of birth,Registered on,Consent store,Mobile\r\n"
    "C000050,Ola,Brown,14/03/2009,02/11/2026,Yes,07700 900555\r\n"
    "C000051,Bea,Lindqvist,31/02/1990,02/11/2026,Yes,\r\n"
)


def said(pilot: object) -> str:
    from textual.pilot import Pilot

    assert isinstance(pilot, Pilot)
    return " ".join(shown(pilot, "#import-status").split())


async def test_the_coordinator_checks_then_imports_the_good_rows(
    make_app: Callable[..., CarerdeskApp], tmp_path: Path
) -> None:
    (tmp_path / "carers.csv").write_text(CARERS, encoding="utf-8")
    app = make_app(user="Casey Coordinator")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("f6")
        await settle(pilot)
        assert isinstance(app.screen, ImportModal)
        await type_text(pilot, str(tmp_path / "carers.csv"))
        await pilot.press("enter")
        await settle(pilot)
        assert said(pilot).startswith("1 of 2 rows need correcting")
        problems = app.screen.query_one("#import-problems", Log).lines
        assert problems == [
            "carers.csv:3: date_of_birth: There is no 31 February 1990: check the day."
        ]
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert said(pilot) == "Press Enter to check the files first."
        await pilot.press("tab", "space", "shift+tab", "enter")  # skip the bad rows, check again
        await settle(pilot)
        assert said(pilot).startswith("Checked: carers: 1 new, 0 changed, 0 unchanged")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert said(pilot).startswith("Imported: carers: 1 new")
        await pilot.press("escape")
        await settle(pilot)
        await type_text(pilot, "ola brown")
        await settle(pilot)
        assert any("C000050" in row for row in table_text(pilot, "#results"))


async def test_staff_are_told_why_they_cannot_import(
    make_app: Callable[..., CarerdeskApp],
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("f6")
        await settle(pilot)
        assert not isinstance(app.screen, ImportModal)
        assert "f6" not in keys_offered(pilot)  # hidden from their role, so no refusal
