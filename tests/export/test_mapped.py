"""Importing another system's spreadsheet through a mapping: proposed, saved, read, imported."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import Engine, select

from carerdesk.core import mapping
from carerdesk.db.engine import unit_of_work
from carerdesk.db.models import Card, Carer
from carerdesk.export.importer import ImportRefused, Outcome, import_register, read_source
from carerdesk.export.mapped import propose_file, read_mapped
from tests.conftest import COORDINATOR

HEADER = [
    "Client Ref",
    "Client Name",
    "DOB",
    "Sex",
    "Ethnic Origin",
    "Address",
    "Mobile No",
    "Date Registered",
    "Card No",
    "Card Expiry",
    "Card Issued",
]
ROWS = [
    [
        "c000101",
        "Mrs Zoë A. Fairbrother",
        "01/02/1970",
        "F",
        "White: Irish",
        "12 High Street, Flat 2, Harrow, HA1 2AB",
        "07700 900123",
        "02/11/2026",
        "HC00001230",
        "01/11/2029",
        "02/11/2026",
    ],
    [
        "c000102",
        "NOWAKOWSKI, Łukasz",
        "1985-07-30",
        "M",
        "W1",
        "3 Mill Lane, Wealdstone HA3 5QT",
        "",
        "03/11/2026",
        "",
        "",
        "",
    ],
]


def write_csv(path: Path, rows: list[list[str]] = ROWS, header: list[str] = HEADER) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([header, *rows])
    return path


def load(engine: Engine, path: Path, chosen: mapping.Mapping, today: date) -> Outcome:
    with unit_of_work(engine) as session:
        return import_register(session, COORDINATOR, read_source(path, mapping=chosen), today=today)


def test_a_proposed_mapping_saved_and_edited_imports_whole_and_again_changes_nothing(
    engine: Engine, tmp_path: Path, today: date
) -> None:
    source = write_csv(tmp_path / "centre.csv")
    proposed, _ = propose_file(source, tmp_path / "map.toml")
    targets = [column.target for column in proposed.columns]
    assert targets == [
        "reference",
        "full_name",
        "date_of_birth",
        "gender",
        "ethnicity",
        "address_one_line",
        "mobile",
        "registered_on",
        "card_number",
        "card_expires_on",
        "card_issued_on",
    ]
    # The coordinator adds what no column holds: every carer agreed to their details kept.
    text = (tmp_path / "map.toml").read_text(encoding="utf-8")
    (tmp_path / "map.toml").write_text(text + 'consent_store = "yes"\n', encoding="utf-8")
    chosen = mapping.load(tmp_path / "map.toml")
    first = load(engine, source, chosen, today)
    assert first.problems == [] and first.written
    assert (first.added["carers"], first.added["cards"]) == (2, 1)
    with unit_of_work(engine, write=False) as session:
        stored = {c.reference: c for c in session.scalars(select(Carer))}
        zoe = stored["c000101"]  # kept as the file has it
        assert (zoe.first_name, zoe.last_name, zoe.gender, zoe.ethnicity) == (
            "Zoë A",
            "Fairbrother",
            "female",
            "irish",
        )
        assert (zoe.address_line_1, zoe.address_line_2, zoe.town, zoe.postcode) == (
            "12 High Street",
            "Flat 2",
            "Harrow",
            "HA1 2AB",
        )
        lukasz = stored["c000102"]
        assert (lukasz.first_name, lukasz.last_name, lukasz.ethnicity, lukasz.town) == (
            "Łukasz",
            "NOWAKOWSKI",
            "white_british",
            "Wealdstone",
        )
        card = session.scalars(select(Card)).one()
        assert (card.card_number, card.carer_id, card.card_type, card.status) == (
            "HC00001230",
            zoe.id,
            "carer_card",
            "active",
        )
    again = load(engine, source, chosen, today)
    assert again.problems == []
    assert sum(again.added.values()) == sum(again.changed.values()) == 0
    assert (again.unchanged["carers"], again.unchanged["cards"]) == (2, 1)


def test_problems_point_at_the_line_of_the_other_systems_file(
    engine: Engine, tmp_path: Path, today: date
) -> None:
    rows = [[*ROWS[0][:3], "Q", *ROWS[0][4:]], ROWS[1]]
    source = write_csv(tmp_path / "centre.csv", rows)
    proposed, _ = propose_file(source, tmp_path / "map.toml")
    chosen = mapping.Mapping(proposed.columns, {**proposed.constants, "consent_store": "yes"})
    outcome = load(engine, source, chosen, today)
    # The card on the same line then has no carer to go to: said on that line too.
    assert [str(problem).split(":")[:3] for problem in outcome.problems] == [
        ["centre.csv", "2", " gender"],
        ["centre.csv", "2", " reference"],
    ]
    assert not outcome.written


def test_a_workbook_sheet_with_a_title_above_its_header(
    engine: Engine, tmp_path: Path, today: date
) -> None:
    book = Workbook()
    book.active.title = "Notes"
    sheet = book.create_sheet("Clients")
    sheet.append(["Client list, exported 2026-11-20"])
    sheet.append(["Forename", "Surname", "DOB", "Tel", "Date Registered"])
    sheet.append(["Zoë", "Fairbrother", date(1970, 2, 1), 2079460123, date(2026, 11, 2)])
    book.save(tmp_path / "clients.xlsx")
    chosen = mapping.Mapping(
        (
            mapping.ColumnMap("Forename", "first_name"),
            mapping.ColumnMap("Surname", "last_name"),
            mapping.ColumnMap("DOB", "date_of_birth"),
            mapping.ColumnMap("Tel", "phone"),
            mapping.ColumnMap("Date Registered", "registered_on"),
        ),
        {"consent_store": "yes"},
        header_row=2,
        sheet="Clients",
    )
    sources = read_mapped(tmp_path / "clients.xlsx", chosen)
    [row] = sources["carers"]
    assert (row.file, row.line) == ("clients.xlsx[Clients]", 3)
    assert row.cells["phone"] == "02079460123"  # the 0 a spreadsheet drops, put back
    outcome = load(engine, tmp_path / "clients.xlsx", chosen, today)
    assert outcome.problems == [] and outcome.added["carers"] == 1


def test_a_column_the_mapping_needs_and_the_file_lacks_is_refused(tmp_path: Path) -> None:
    source = write_csv(tmp_path / "centre.csv", [["Zoë"]], ["Forename"])
    chosen = mapping.Mapping((mapping.ColumnMap("Surname", "last_name"),))
    with pytest.raises(ImportRefused, match=r"centre\.csv has no column 'Surname'"):
        read_source(source, mapping=chosen)


def test_another_systems_file_without_a_mapping_is_refused_with_the_way_to_map_it(
    tmp_path: Path,
) -> None:
    source = write_csv(tmp_path / "carers.csv")
    with pytest.raises(ImportRefused, match=r"--propose-mapping MAP\.toml") as refused:
        read_source(source)
    assert "carerdesk import carers.csv --mapping MAP.toml" in str(refused.value)


def test_a_proposal_never_overwrites_a_mapping_unless_forced(tmp_path: Path) -> None:
    source = write_csv(tmp_path / "centre.csv")
    (tmp_path / "map.toml").write_text("# edited by hand\n", encoding="utf-8")
    with pytest.raises(Exception, match="exists already"):
        propose_file(source, tmp_path / "map.toml")
    assert (tmp_path / "map.toml").read_text(encoding="utf-8") == "# edited by hand\n"
    propose_file(source, tmp_path / "map.toml", force=True)
    assert "[columns." in (tmp_path / "map.toml").read_text(encoding="utf-8")


def test_a_foreign_workbook_without_a_mapping_is_refused_with_the_way_to_map_it(
    tmp_path: Path,
) -> None:
    book = Workbook()
    book.active.append(HEADER)
    book.active.append(ROWS[0])
    book.save(tmp_path / "clients.xlsx")
    with pytest.raises(ImportRefused, match=r"--propose-mapping MAP\.toml"):
        read_source(tmp_path / "clients.xlsx")
