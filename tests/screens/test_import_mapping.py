"""Another system's spreadsheet from the import screen: its columns mapped with the keyboard,
the first rows seen as stored, the whole file checked and imported, the mapping reused."""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path

from textual.pilot import Pilot

from carerdesk.app import CarerdeskApp
from carerdesk.core.mapping import load
from carerdesk.dialogs.coded_values import CodedValuesModal
from carerdesk.dialogs.pick import PickModal
from carerdesk.screens.home import HomeScreen
from carerdesk.screens.import_files import ImportModal
from carerdesk.screens.mapping import MappingScreen
from tests.screens.helpers import screen_text, settle, shown, table_text, type_text

MEMBERS = (
    "Client ID,Name,DOB,Sex,Ethnic Origin,Address,Mobile No,Date Registered,Consent,Remarks\r\n"
    'HX-101,Zoë Fairbrother,14/03/1969,F,W1,"12 Station Road, Harrow, HA1 2AB",07700 900123,'
    "02/11/2025,Y,Cares for her father\r\n"
    'HX-102,Łukasz Nowakowski,05/05/1980,Male,W9,"3 Elm Close, Pinner, HA5 1AA",07700 900124,'
    "03/11/2025,Y,Evenings only\r\n"
)
"""A register kept in another system: a full name, a one-line address, labels and short
codes for gender and ethnicity (W9 is no census code: the coordinator maps it), and a
column of remarks that no carerdesk field is named like."""


def said(pilot: Pilot[None]) -> str:
    return " ".join(shown(pilot, "#import-status").split())


def columns(pilot: Pilot[None]) -> dict[str, str]:
    """Each source column and the field it goes to, as the mapping screen lists them."""
    found = {}
    for row in table_text(pilot, "#mapping-columns"):
        cells = row.split(" | ")
        found[cells[0]] = cells[-1]
    return found


async def press(pilot: Pilot[None], *keys: str) -> None:
    for key in keys:
        await pilot.press(key)
        await settle(pilot)


async def open_file(pilot: Pilot[None], path: Path) -> None:
    """From the front desk: F6, the file's path, Enter."""
    await press(pilot, "f6")
    assert isinstance(pilot.app.screen, ImportModal)
    await type_text(pilot, str(path))
    await press(pilot, "enter")


async def to_column(pilot: Pilot[None], source: str) -> None:
    """Move to ``source`` in the list of columns with the arrow keys: up to the top, then
    down to it."""
    listed = list(columns(pilot))
    await press(pilot, *["up"] * len(listed), *["down"] * listed.index(source))


async def test_a_spreadsheet_is_mapped_previewed_checked_and_imported(
    make_app: Callable[..., CarerdeskApp], tmp_path: Path
) -> None:
    members = tmp_path / "members.csv"
    members.write_text(MEMBERS, encoding="utf-8")
    app = make_app(user="Casey Coordinator")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await open_file(pilot, members)
        assert isinstance(app.screen, MappingScreen)  # mapped, not refused
        proposed = columns(pilot)
        assert proposed["Name"] == "Full name → first name, last name"
        assert proposed["Sex"] == "Gender"
        assert proposed["Remarks"] == "left out"
        assert proposed["Ethnic Origin"] == "Ethnicity · ✗ 1 not mapped (V)"

        # A column remapped: the remarks go to the notes (found by typing part of the name).
        await to_column(pilot, "Remarks")
        await press(pilot, "enter")
        assert isinstance(app.screen, PickModal)
        await type_text(pilot, "notes")
        await press(pilot, "enter")
        assert columns(pilot)["Remarks"] == "Notes"

        # A value mapped to a code: W9 is any other White background.
        await to_column(pilot, "Ethnic Origin")
        await press(pilot, "v")
        assert isinstance(app.screen, CodedValuesModal)
        values = table_text(pilot, "#coded-values")
        assert values[1] == "W9 | 1 | ✗ not mapped"
        await press(pilot, "down", "enter")
        await type_text(pilot, "other white")
        await press(pilot, "enter")
        assert table_text(pilot, "#coded-values")[1].startswith("W9 | 1 | other_white")
        await press(pilot, "escape")
        assert columns(pilot)["Ethnic Origin"] == "Ethnicity"

        # The first rows as they will be stored, as carerdesk's fields.
        await press(pilot, "p")
        preview = table_text(pilot, "#preview-rows")
        assert "First name ← Name | Zoë | Łukasz" in preview
        assert "Last name ← Name | Fairbrother | Nowakowski" in preview
        assert "Town ← Address | Harrow | Pinner" in preview
        assert "Postcode ← Address | HA1 2AB | HA5 1AA" in preview
        assert "Gender | Female | Male" in preview
        assert any(row.startswith("Notes | Cares for her father") for row in preview)
        assert "These rows are all good." in shown(pilot, "#preview-problems")

        # The whole file checked through the mapping, on the import screen, then imported.
        await press(pilot, "ctrl+s")
        assert isinstance(app.screen, ImportModal)
        assert said(pilot).startswith("Checked: carers: 2 new, 0 changed, 0 unchanged")
        saved = tmp_path / "members.csv.mapping.toml"
        assert load(saved).target_of("Remarks") == "notes"
        kept = saved.read_text(encoding="utf-8")  # the columns and codes, nobody's details
        assert '"W9" = "other_white"' in kept
        assert not any(text in kept for text in ("Fairbrother", "Station Road", "her father"))
        await press(pilot, "ctrl+s")
        assert said(pilot).startswith("Imported: carers: 2 new")
        await press(pilot, "escape")
        assert isinstance(app.screen, HomeScreen)
        await type_text(pilot, "nowakowski")
        await settle(pilot)
        assert any("Łukasz Nowakowski" in row for row in table_text(pilot, "#results"))


async def test_a_refused_value_is_shown_in_the_preview_with_why(
    make_app: Callable[..., CarerdeskApp], tmp_path: Path
) -> None:
    members = tmp_path / "members.csv"
    members.write_text(MEMBERS.replace("05/05/1980", "31/02/1980"), encoding="utf-8")
    app = make_app(user="Casey Coordinator")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await open_file(pilot, members)
        await press(pilot, "p")
        assert "Date of birth | 14/03/1969 | ✗ 31/02/1980" in table_text(pilot, "#preview-rows")
        problems = shown(pilot, "#preview-problems")
        assert "✗ line 3, Date of birth: There is no 31 February 1980" in problems
        await press(pilot, "escape")  # back to the columns, then to the import screen
        assert isinstance(app.screen, MappingScreen)
        await press(pilot, "escape")
        assert isinstance(app.screen, ImportModal)
        assert not (tmp_path / "members.csv.mapping.toml").exists()  # nothing saved


async def test_the_saved_mapping_is_offered_for_the_next_file_and_changes_nothing(
    make_app: Callable[..., CarerdeskApp], tmp_path: Path
) -> None:
    members = tmp_path / "members.csv"
    members.write_text(MEMBERS, encoding="utf-8")
    again = tmp_path / "members-december.csv"
    again.write_text(MEMBERS, encoding="utf-8")
    app = make_app(user="Casey Coordinator")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await open_file(pilot, members)
        await to_column(pilot, "Ethnic Origin")
        await press(pilot, "v", "down", "enter")
        await type_text(pilot, "other white")
        await press(pilot, "enter", "escape", "ctrl+s")
        await press(pilot, "ctrl+s")
        assert said(pilot).startswith("Imported: carers: 2 new")
        await press(pilot, "escape")

        await open_file(pilot, again)  # the same columns, another file
        assert isinstance(app.screen, MappingScreen)
        assert "the mapping members.csv.mapping.toml" in " ".join(screen_text(pilot).split())
        assert columns(pilot)["Ethnic Origin"] == "Ethnicity"  # W9 mapped already
        await press(pilot, "ctrl+s")
        assert said(pilot).startswith("Checked: carers: 0 new, 0 changed, 2 unchanged")
        await press(pilot, "ctrl+s")
        assert said(pilot).startswith("Imported: carers: 0 new, 0 changed, 2 unchanged")


async def test_a_shipped_mapping_is_offered_for_its_systems_export(
    make_app: Callable[..., CarerdeskApp], tmp_path: Path
) -> None:
    export = tmp_path / "export.csv"
    export.write_text(
        "Contact ID,Nickname,Birth Date,Created Date,Street Address,City,Postal Code,"
        "Member Since\r\n"
        "301,Zoë,1969-03-14,2025-11-02,12 Station Road,Harrow,HA1 2AB,2019\r\n",
        encoding="utf-8",
    )
    app = make_app(user="Casey Coordinator")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await open_file(pilot, export)
        assert isinstance(app.screen, MappingScreen)
        assert "the mapping civicrm (shipped)" in " ".join(screen_text(pilot).split())
        found = columns(pilot)
        assert found["Contact ID"] == "Reference"
        assert found["Member Since"] == "left out"  # a column the mapping does not name
        await press(pilot, "o")  # or named: each saved mapping beside the file, each shipped
        assert isinstance(app.screen, PickModal)
        await type_text(pilot, "salesforce")
        await press(pilot, "enter")
        assert isinstance(app.screen, MappingScreen)
        assert "the mapping salesforce (shipped)" in " ".join(screen_text(pilot).split())
        assert columns(pilot)["Contact ID"] == "left out"


async def test_a_field_no_column_holds_is_given_a_value_for_every_row(
    make_app: Callable[..., CarerdeskApp], tmp_path: Path
) -> None:
    members = tmp_path / "members.csv"
    members.write_text(
        "Client ID,Name,DOB,Date Registered\r\nHX-201,Ola Quist,14/03/1989,02/11/2026\r\n",
        encoding="utf-8",
    )
    app = make_app(user="Casey Coordinator")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await open_file(pilot, members)
        await press(pilot, "p")
        assert "✗ line 2, Consent to keep their details: Ask first" in shown(
            pilot, "#preview-problems"
        )
        await press(pilot, "p", "a")
        await type_text(pilot, "consent keep")
        await press(pilot, "enter", "enter")  # the field, then its first code: yes
        assert "(every row) | Yes | Consent to keep their details" in table_text(
            pilot, "#mapping-columns"
        )
        await press(pilot, "p")
        assert "Consent to keep their details | yes" in table_text(pilot, "#preview-rows")
        await press(pilot, "ctrl+s")
        assert said(pilot).startswith("Checked: carers: 1 new")


async def test_a_workbook_from_another_system_is_mapped_too(
    make_app: Callable[..., CarerdeskApp], tmp_path: Path
) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Members"
    for line in MEMBERS.replace("W9", "W1").splitlines():
        sheet.append(next(csv.reader([line])))
    members = tmp_path / "members.xlsx"
    book.save(members)
    app = make_app(user="Casey Coordinator")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await open_file(pilot, members)
        assert isinstance(app.screen, MappingScreen)
        assert columns(pilot)["Address"].startswith("Address on one line →")
        await press(pilot, "ctrl+s")
        assert said(pilot).startswith("Checked: carers: 2 new")
