"""The import screen refuses a broken file in its status and stays usable (issue 16, item 6;
the files themselves are tested in ``tests/export/test_hostile_files.py``)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from openpyxl import Workbook

from carerdesk.app import CarerdeskApp
from carerdesk.screens.import_files import ImportModal
from tests.screens.helpers import screen_text, settle, shown, type_text

CARERS = (
    "reference,first_name,last_name,date_of_birth,registered_on,consent_store\n"
    "C000050,Zoë,Fairbrother,14/03/1971,02/11/2026,yes\n"
)


async def test_a_cut_short_workbook_is_refused_and_the_screen_goes_on(
    make_app: Callable[..., CarerdeskApp], tmp_path: Path
) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "carers"
    for line in CARERS.splitlines():
        sheet.append(line.split(","))
    book.save(tmp_path / "register.xlsx")
    whole = (tmp_path / "register.xlsx").read_bytes()
    (tmp_path / "register.xlsx").write_bytes(whole[: len(whole) // 2])
    (tmp_path / "carers.csv").write_text(CARERS, encoding="utf-8")
    app = make_app(user="Casey Coordinator")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f6")
        await settle(pilot)
        assert isinstance(app.screen, ImportModal)
        await type_text(pilot, str(tmp_path / "register.xlsx"))
        await pilot.press("enter")
        await settle(pilot)
        status = " ".join(shown(pilot, "#import-status").split())
        assert status.startswith(
            "register.xlsx could not be read as an XLSX workbook: it is damaged or cut short."
        )
        assert "register.xlsx could not be read" in " ".join(screen_text(pilot).split())
        await pilot.press("ctrl+s")  # nothing was checked: nothing can be imported
        await settle(pilot)
        assert " ".join(shown(pilot, "#import-status").split()) == (
            "Press Enter to check the files first."
        )
        await pilot.press("end", "ctrl+u")  # the name typed, cleared
        await type_text(pilot, str(tmp_path / "carers.csv"))
        await pilot.press("enter")
        await settle(pilot)
        assert " ".join(shown(pilot, "#import-status").split()).startswith("Checked: carers: 1 new")
