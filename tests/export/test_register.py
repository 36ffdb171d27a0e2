"""The register files: columns, order, formats, formula-safe text, the same bytes twice."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from carerdesk.core.errors import NotAllowed, RegisterUnavailable
from carerdesk.db import audit
from carerdesk.db.engine import unit_of_work
from carerdesk.export.register import (
    COLUMNS,
    export_and_record,
    export_register,
    spreadsheet_safe,
    write_template,
)
from tests.conftest import COORDINATOR, STAFF, VOLUNTEER


def read_csv(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle))


def export(engine: Engine, out: Path, fmt: str = "csv") -> None:
    with unit_of_work(engine, write=False) as session:
        export_register(session, COORDINATOR, out, fmt=fmt)


def test_eight_files_with_the_columns_of_the_spec(register: Engine, tmp_path: Path) -> None:
    export(register, tmp_path / "out")
    names = sorted(path.name for path in (tmp_path / "out").iterdir())
    assert names == [
        "cards.csv",
        "carers.csv",
        "caring_roles.csv",
        "consents.csv",
        "contacts.csv",
        "referrals.csv",
        "services.csv",
        "wards.csv",
    ]
    for kind, columns in COLUMNS.items():
        assert read_csv(tmp_path / "out" / f"{kind}.csv")[0] == list(columns)
    assert (tmp_path / "out" / "carers.csv").read_bytes().startswith(b"\xef\xbb\xbf")


def test_values_are_written_as_the_spec_says(register: Engine, tmp_path: Path) -> None:
    export(register, tmp_path)
    header, *carers = read_csv(tmp_path / "carers.csv")
    assert [row[0] for row in carers] == ["C000001", "C000002"]
    sian = dict(zip(header, carers[0], strict=True))
    assert sian["first_name"] == "Siân" and sian["date_of_birth"] == "1970-02-01"
    assert sian["postcode"] == "SW1A 1AA" and sian["phone"] == "020 7946 0018"
    assert sian["consent_store"] == "yes" and sian["consent_share"] == "yes"
    assert sian["notes"] == '\'=HYPERLINK("x")'
    assert sian["address_line_1"] == "'@home" and sian["address_line_2"] == "'- asked about PIP"
    assert sian["town"] == "''=already quoted"
    header, *contacts = read_csv(tmp_path / "contacts.csv")
    assert [row[1] for row in contacts] == ["", "C000001", "C000002"]  # anonymous first
    header, *roles = read_csv(tmp_path / "caring_roles.csv")
    assert roles[0][1:5] == ["C000001", "parent", "", "dementia;frailty"]
    assert read_csv(tmp_path / "cards.csv")[1] == [
        "HC00001230",
        "C000001",
        "carer_card",
        "new",
        "2026-11-02",
        "2029-11-01",
        "active",
    ]
    assert read_csv(tmp_path / "referrals.csv")[1][3] == "'=SUM(A1)"


def test_the_same_register_gives_the_same_bytes(register: Engine, tmp_path: Path) -> None:
    export(register, tmp_path / "one")
    export(register, tmp_path / "two")
    for kind in COLUMNS:
        name = f"{kind}.csv"
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "two" / name).read_bytes()


def test_the_workbook_has_a_sheet_a_kind_and_only_text(register: Engine, tmp_path: Path) -> None:
    export(register, tmp_path / "register.xlsx", fmt="xlsx")
    book = load_workbook(tmp_path / "register.xlsx")
    assert book.sheetnames == list(COLUMNS)
    sheet = book["carers"]
    cells = [cell for row in sheet.iter_rows() for cell in row]
    # Text only ("s" shared or "inlineStr"): never "f" formula, "n" number or "d" date.
    assert {cell.data_type for cell in cells} <= {"s", "inlineStr"}
    assert '\'=HYPERLINK("x")' in [cell.value for cell in cells]


@pytest.mark.parametrize("who", [STAFF, VOLUNTEER])
def test_only_a_coordinator_exports(register: Engine, tmp_path: Path, who: object) -> None:
    with pytest.raises(NotAllowed, match="may not export the register in bulk"):
        export_and_record(
            lambda write: unit_of_work(register, write=write),
            who,
            tmp_path / "out",  # type: ignore[arg-type]
        )
    assert not (tmp_path / "out").exists()


def test_an_export_is_in_the_trail_or_not_at_all(register: Engine, tmp_path: Path) -> None:
    written = export_and_record(
        lambda write: unit_of_work(register, write=write), COORDINATOR, tmp_path / "out"
    )
    assert written.rows == {
        "carers": 2,
        "caring_roles": 1,
        "contacts": 3,
        "cards": 1,
        "referrals": 1,
        "consents": 4,
        "services": 10,
        "wards": 0,
    }
    with unit_of_work(register, write=False) as session:
        (newest,) = audit.entries(session, audit.TrailFilter(), by=COORDINATOR, limit=1)
    assert (newest.action, newest.detail) == (
        "exported",
        "csv: 2 carers, 1 caring roles, 3 contacts, 1 cards, 1 referrals, 4 consents, "
        "10 services, 0 wards",
    )

    @contextmanager
    def failing(write: bool) -> Iterator[Session]:
        if write:
            raise RegisterUnavailable()
        with unit_of_work(register, write=False) as session:
            yield session

    def work(write: bool) -> AbstractContextManager[Session]:
        return failing(write)

    with pytest.raises(RegisterUnavailable):
        export_and_record(work, COORDINATOR, tmp_path / "again")
    assert list((tmp_path / "again").iterdir()) == []


@pytest.mark.parametrize(
    ("text", "safe"),
    [
        ("=1+1", "'=1+1"),
        ("+44", "'+44"),
        ("-x", "'-x"),
        ("@home", "'@home"),
        ("\tx", "'\tx"),
        ("'=x", "''=x"),
        ("''=x", "'''=x"),
        ("'quoted'", "'quoted'"),
        ("O'Brien", "O'Brien"),
        ("", ""),
    ],
)
def test_spreadsheet_safe(text: str, safe: str) -> None:
    assert spreadsheet_safe(text) == safe


def test_the_template_has_headers_and_one_invented_example(tmp_path: Path) -> None:
    write_template(tmp_path)
    for kind, columns in COLUMNS.items():
        header, example = read_csv(tmp_path / f"{kind}.csv")
        assert header == list(columns) and any(example)
    carers = dict(zip(*read_csv(tmp_path / "carers.csv"), strict=True))
    assert carers["mobile"] == "07700 900123"


def test_a_reference_that_looks_like_a_formula_is_written_as_text(
    register: Engine, tmp_path: Path
) -> None:
    from sqlalchemy import update

    from carerdesk.db.models import Carer

    with unit_of_work(register) as session:
        session.execute(update(Carer).where(Carer.reference == "C000001").values(reference="-A1"))
    export(register, tmp_path)
    roles = read_csv(tmp_path / "caring_roles.csv")
    assert roles[1][1] == "'-A1"


def test_the_consents_file_holds_every_entry_by_carer_then_date(
    register: Engine, tmp_path: Path
) -> None:
    export(register, tmp_path)
    assert read_csv(tmp_path / "consents.csv") == [
        ["reference", "consent", "given", "date", "how", "recorded_by"],
        ["C000001", "share", "yes", "2026-11-02", "", "Sam Staff"],
        ["C000001", "store", "yes", "2026-11-02", "", "Sam Staff"],
        ["C000002", "store", "yes", "2026-11-03", "", "Sam Staff"],
        ["C000002", "contact", "yes", "2026-11-20", "phone", "Sam Staff"],
    ]
