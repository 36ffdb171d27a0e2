"""The import screen's report of a big move: the kinds of problem summed up above the list,
and Ctrl+O saving the bad rows in a workbook beside the file, at 80x24."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from openpyxl import load_workbook
from textual.widgets import Log

from carerdesk.app import CarerdeskApp
from carerdesk.screens.import_files import ImportModal
from tests.screens.helpers import (
    footer_line,
    keys_offered,
    screen_text,
    settle,
    shown,
    type_text,
)

HEADER = "Reference,First name,Last name,Date of birth,Postcode,Registered on,Consent store\r\n"


def said(pilot: object, selector: str = "#import-status") -> str:
    from textual.pilot import Pilot

    assert isinstance(pilot, Pilot)
    return " ".join(shown(pilot, selector).split())


def on_screen(pilot: object, selector: str) -> list[str]:
    """The lines of the screen a widget covers, as a person reads them (cut as shown)."""
    from textual.pilot import Pilot

    assert isinstance(pilot, Pilot)
    region = pilot.app.screen.query_one(selector).region
    lines = screen_text(pilot).splitlines()[region.y : region.bottom]
    return [line[region.x : region.right].rstrip() for line in lines]


def write_carers(folder: Path, rows: list[str]) -> Path:
    folder.mkdir()
    (folder / "carers.csv").write_text(HEADER + "".join(rows), encoding="utf-8")
    return folder


async def test_the_kinds_are_summed_up_and_ctrl_o_saves_the_bad_rows_beside_the_files(
    make_app: Callable[..., CarerdeskApp], tmp_path: Path
) -> None:
    rows = [f"C{n:06d},Ada,Quill,14/03/2030,HA1 2AB,02/11/2026,Yes\r\n" for n in range(100, 112)]
    rows += [
        f"C{200 + n:06d},Bea,Quill,31/0{2 * n}/1990,HA1 2AB,02/11/2026,Yes\r\n" for n in (1, 2)
    ]
    rows.append("C000300,Cai,Quill,01/01/1990,W1I 1AA,02/11/2026,Yes\r\n")
    rows.append("C000301,Dee,Quill,01/01/1990,HA1 2AB,02/11/2026,Yes\r\n")
    files = write_carers(tmp_path / "move", rows)
    app = make_app(user="Casey Coordinator")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f6")
        await settle(pilot)
        assert isinstance(app.screen, ImportModal)
        assert "ctrl+o" not in keys_offered(pilot)  # nothing to save before a check
        await type_text(pilot, str(files))
        await pilot.press("enter")
        await settle(pilot)
        assert said(pilot).startswith("15 of 16 rows need correcting")
        summary = on_screen(pilot, "#import-summary")
        assert summary[:2] == [
            "12 rows: carers.csv: date_of_birth: The date of birth is in the future.",
            "2 rows: carers.csv: date_of_birth: There is no 31 … 1990: check the day.",
        ]
        # A long kind is cut, to keep to its line.
        assert summary[2].startswith("1 row: carers.csv: postcode: The third character of a")
        assert summary[2].endswith("…")
        problems = app.screen.query_one("#import-problems", Log)
        assert problems.lines[0] == (
            "carers.csv:2: date_of_birth: The date of birth is in the future."
        )
        assert problems.region.bottom <= 22  # the list whole above the footer
        assert "^o Save bad rows" in footer_line(pilot)
        await pilot.press("ctrl+o")
        await settle(pilot)
        out = tmp_path / "move-problems.xlsx"
        assert said(pilot) == (
            "Saved move-problems.xlsx beside the folder: the 15 bad rows, with what to correct "
            "in each. Correct them there, then import it."
        )
        assert os.stat(out).st_mode & 0o777 == 0o600
        book = load_workbook(out)
        assert book.sheetnames == ["Summary", "carers"]
        saved = [row[:3] for row in book["carers"].iter_rows(min_row=2, values_only=True)]
        assert saved[-1] == (
            16,
            "postcode: The third character of a postcode cannot be I: in one like W1A 1AA it is "
            "A, B, C, D, E, F, G, H, J, K, P, S, T, U or W.",
            "C000300",
        )
        # Corrected in a spreadsheet, the workbook is imported from the same screen.
        carers = book["carers"]
        for row in range(2, 16):
            carers.cell(row, 6, "14/03/1980")
        carers.cell(16, 7, "W1A 1AA")
        book.save(out)
        path = app.screen.query_one("#import-path")
        path.focus()
        await pilot.press("ctrl+u")
        await type_text(pilot, str(out))
        await pilot.press("enter")
        await settle(pilot)
        assert said(pilot).startswith("Checked: carers: 15 new, 0 changed, 0 unchanged")
        assert on_screen(pilot, "#import-summary") == []  # no kinds of problem left
        assert "ctrl+o" not in keys_offered(pilot)


async def test_more_kinds_than_fit_are_counted_and_saved_all(
    make_app: Callable[..., CarerdeskApp], tmp_path: Path
) -> None:
    files = write_carers(
        tmp_path / "move",
        [
            "C000100,Ada,Quill,14/03/2030,HA1 2AB,02/11/2026,Yes\r\n",
            "C000101,,Quill,14/03/1980,HA1 2AB,02/11/2026,Yes\r\n",
            "C000102,Cai,,14/03/1980,HA1 2AB,02/11/2026,Yes\r\n",
            "C000103,Dee,Quill,14/03/1980,QA1 1AA,02/11/2026,Yes\r\n",
            "C000104,Eve,Quill,14/03/1980,HA1 2AB,02/11/2026,maybe\r\n",
        ],
    )
    app = make_app(user="Casey Coordinator")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f6")
        await settle(pilot)
        await type_text(pilot, str(files))
        await pilot.press("enter")
        await settle(pilot)
        summary = on_screen(pilot, "#import-summary")
        assert summary == [
            "1 row: carers.csv: date_of_birth: The date of birth is in the future.",
            "1 row: carers.csv: first_name: First name is needed.",
            "… and 3 more kinds: Ctrl+O saves them all.",
        ]
