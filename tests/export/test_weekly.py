"""The weekly return's files: same bytes for the same data, counts only, suppression, the
workbook and its chart, and the command line's amendment rule."""

from __future__ import annotations

import shutil
import subprocess
import zipfile
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import click.testing
import pytest
from click.testing import CliRunner
from openpyxl import load_workbook
from sqlalchemy import Engine

from carerdesk.cli import main
from carerdesk.core.entries import check_carer, check_contact
from carerdesk.core.errors import NotAllowed
from carerdesk.core.permissions import SYSTEM
from carerdesk.core.weeks import Week
from carerdesk.db import carers, returns
from carerdesk.db.engine import make_engine, sqlite_url, unit_of_work
from carerdesk.export.weekly import export_return
from tests.conftest import COORDINATOR, STAFF

W47 = Week(2026, 47)
TODAY = date(2026, 11, 23)
NAMES = ("Siân", "Nguyễn", "Quill")


def _fill(engine: Engine) -> None:
    with unit_of_work(engine) as session:
        for number, (first, last) in enumerate((("Siân", "Nguyễn"), ("Ada", "Quill")), start=1):
            carer = carers.register_carer(
                session,
                check_carer(
                    {
                        "first_name": first,
                        "last_name": last,
                        "date_of_birth": "02/03/1975",
                        "postcode": "HA1 2AB",
                        "registered_on": f"{15 + number}/11/2026",
                        "consent_store": "yes",
                    },
                    TODAY,
                ),
                by=STAFF,
            )
            for day in ("17/11/2026", "18/11/2026")[:number]:
                entry = check_contact(
                    {"support": "information_advice", "contact_on": day, "channel": "phone"}, TODAY
                )
                carers.log_contact(session, carer.id, entry, by=STAFF)


def _made(engine: Engine, out: Path, **options: object) -> list[Path]:
    uow = lambda write: unit_of_work(engine, write=write)  # noqa: E731
    options.setdefault("today", TODAY)
    return export_return(uow, COORDINATOR, W47, out, **options).files  # type: ignore[arg-type]


def test_the_same_data_gives_the_same_bytes(engine: Engine, tmp_path: Path) -> None:
    _fill(engine)
    one, two = _made(engine, tmp_path / "one"), _made(engine, tmp_path / "two")
    assert [p.name for p in one] == ["return_2026-W47.csv"]
    assert one[0].read_bytes() == two[0].read_bytes()
    lines = one[0].read_text(encoding="utf-8-sig").splitlines()
    assert lines[0] == "week,measure,breakdown,category,value"
    assert lines[1] == "2026-W47,new_registrations,total,all,2"
    assert "2026-W47,contacts,total,all,3" in lines
    assert "2026-W47,carers_contacted,total,all,2" in lines


def test_the_return_files_and_their_new_folder_are_private(
    engine: Engine, tmp_path: Path, system_temp: None
) -> None:
    import os

    _fill(engine)
    before = os.umask(0o002)  # a umask that lets everyone read: the modes do not follow it
    try:
        files = _made(engine, tmp_path / "returns" / "W47", formats=("csv", "xlsx"))
    finally:
        os.umask(before)
    assert [(p.name, p.stat().st_mode & 0o777) for p in files] == [
        ("return_2026-W47.csv", 0o600),
        ("return_2026-W47.xlsx", 0o600),
    ]
    assert (tmp_path / "returns").stat().st_mode & 0o777 == 0o700
    assert sorted(p.name for p in files[0].parent.iterdir()) == [p.name for p in files]


@pytest.fixture
def system_temp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The system's temporary folder, watched: the workbook leaves nothing there."""
    folder = tmp_path / "system-temp"
    folder.mkdir()
    monkeypatch.setattr("tempfile.tempdir", str(folder))
    yield
    assert list(folder.iterdir()) == []


def test_no_personal_detail_reaches_a_return(engine: Engine, tmp_path: Path) -> None:
    _fill(engine)
    files = _made(engine, tmp_path, formats=("csv", "xlsx"))
    for path in files:
        raw = path.read_bytes()
        if path.suffix == ".xlsx":
            with zipfile.ZipFile(path) as book:
                raw = b"".join(book.read(name) for name in book.namelist())
        for detail in (*NAMES, "C000001", "HA1 2AB", "1975"):
            assert detail.encode() not in raw, (path.name, detail)


def test_small_numbers_are_hidden_when_asked(engine: Engine, tmp_path: Path) -> None:
    _fill(engine)
    (path,) = _made(engine, tmp_path, suppress_under=3)
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    assert "2026-W47,new_registrations,total,all,<3" in lines
    assert "2026-W47,contacts,total,all,3" in lines
    assert "2026-W47,cards_issued,total,all,0" in lines


def test_the_workbook_has_a_cover_a_sheet_a_measure_and_a_chart(
    engine: Engine, tmp_path: Path
) -> None:
    _fill(engine)
    files = _made(engine, tmp_path, formats=("csv", "xlsx"))
    book_path = next(p for p in files if p.suffix == ".xlsx")
    book = load_workbook(book_path)
    assert book.sheetnames == [
        "cover",
        "new_registrations",
        "register_size",
        "contacts",
        "carers_contacted",
        "cards_issued",
        "referrals_made",
        "referrals_closed",
        "carers_closed",
        "contacts_by_day",
    ]
    cover = {row[0].value: row[1].value for row in book["cover"].iter_rows() if len(row) > 1}
    assert cover["Week"] == "2026-W47 (16 Nov to 22 Nov 2026)"
    assert cover["Made by"] == "Casey Coordinator"
    contacts = [[c.value for c in row] for row in book["contacts"].iter_rows()]
    assert contacts[1] == ["2026-W47", "contacts", "total", "all", 3]
    days = [[c.value for c in row] for row in book["contacts_by_day"].iter_rows(max_col=2)]
    assert days[1:3] == [["Mon 16 Nov", 0], ["Tue 17 Nov", 2]]
    with zipfile.ZipFile(book_path) as raw:
        chart = raw.read("xl/charts/chart1.xml").decode()
    assert "barChart" in chart and "Contacts by day" in chart


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_libreoffice_opens_the_workbook_and_draws_the_chart(engine: Engine, tmp_path: Path) -> None:
    _fill(engine)
    book = next(p for p in _made(engine, tmp_path, formats=("xlsx",)))
    subprocess.run(
        ["soffice", "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), str(book)],
        check=True,
        capture_output=True,
        timeout=180,
        env={"HOME": str(tmp_path), "PATH": "/usr/bin:/bin"},
    )
    pdf = tmp_path / "return_2026-W47.pdf"
    assert pdf.read_bytes().startswith(b"%PDF")
    if shutil.which("pdftotext"):
        words = subprocess.run(
            ["pdftotext", str(pdf), "-"], check=True, capture_output=True, text=True
        ).stdout
        assert "Weekly return to the commissioner" in words
        assert "Contacts by day, 2026-W47" in words  # the chart's title, drawn


def test_a_return_that_cannot_be_written_is_not_remembered(engine: Engine, tmp_path: Path) -> None:
    _fill(engine)
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    with pytest.raises(OSError):
        _made(engine, blocker)
    with unit_of_work(engine, write=False) as session:
        assert returns.past_returns(session, COORDINATOR) == []


def test_only_a_coordinator_makes_a_return(engine: Engine, tmp_path: Path) -> None:
    uow = lambda write: unit_of_work(engine, write=write)  # noqa: E731
    with pytest.raises(NotAllowed, match="may not make the weekly return"):
        export_return(uow, STAFF, W47, tmp_path, today=TODAY)
    assert not (tmp_path / "return_2026-W47.csv").exists()


def _as(path: Path, *args: str) -> click.testing.Result:
    return CliRunner().invoke(
        main,
        ["--db", str(path), "--user", "Casey Coordinator", *args],
        env={"CARERDESK_PIN": "2580"},
    )


@pytest.fixture
def register_file(tmp_path: Path) -> Path:
    from tests.test_cli import _set_up  # the register as `init` sets it up

    path = tmp_path / "register.sqlite"
    _set_up(path)
    engine = make_engine(sqlite_url(path))
    _fill(engine)
    engine.dispose()
    return path


def test_the_command_names_moved_figures_before_an_amended_return(
    register_file: Path, tmp_path: Path
) -> None:
    out = str(tmp_path / "returns")
    first = _as(register_file, "export", "return", "--week", "2026-W47", "--out", out)
    assert first.exit_code == 0, first.output
    assert "2026-W47 (16 Nov to 22 Nov 2026): 2 new registrations, 3 contacts" in first.stdout
    engine = make_engine(sqlite_url(register_file))
    with unit_of_work(engine) as session:
        entry = check_contact(
            {"support": "information_advice", "contact_on": "20/11/2026", "channel": "email"}, TODAY
        )
        carers.log_contact(session, None, entry, by=STAFF)
    engine.dispose()
    refused = _as(register_file, "export", "return", "--week", "2026-W47", "--out", out)
    assert refused.exit_code == 1
    assert "contacts total all: 3 -> 4" in refused.stderr
    assert "add --amend to make the amended return" in refused.stderr
    amended = _as(register_file, "export", "return", "--week", "2026-W47", "--out", out, "--amend")
    assert amended.exit_code == 0 and "(amended)" in amended.stdout
    assert "2026-W47,contacts,total,all,4" in (
        tmp_path / "returns" / "return_2026-W47-amended-1.csv"
    ).read_text(encoding="utf-8-sig")


def test_the_command_refuses_a_week_that_does_not_exist(
    register_file: Path, tmp_path: Path
) -> None:
    bad = _as(register_file, "export", "return", "--week", "2027-W53", "--out", str(tmp_path))
    assert bad.exit_code == 1 and "2027 has weeks 1 to 52" in bad.stderr
    fmt = _as(register_file, "export", "return", "--format", "pdf", "--out", str(tmp_path))
    assert fmt.exit_code == 1 and "--format takes csv, xlsx" in fmt.stderr


def test_the_workbook_is_the_same_bytes_for_the_same_return(engine: Engine) -> None:
    import time
    from datetime import datetime

    from carerdesk.export.weekly import Cover, xlsx_bytes

    _fill(engine)
    with unit_of_work(engine, write=False) as session:
        figures = returns.week_figures(session, W47, COORDINATOR)
        days = returns.contacts_by_day(session, W47, by=SYSTEM)
    cover = Cover("Harrow Carers", W47, datetime(2026, 11, 23, 9, 0), "Casey Coordinator", False)
    first = xlsx_bytes(cover, figures, days)
    time.sleep(2.1)  # a zip entry's time has two-second steps
    assert xlsx_bytes(cover, figures, days) == first


def test_a_failed_write_keeps_the_files_of_the_return_before(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno

    from carerdesk.core.private_files import Staged

    _fill(engine)
    (csv_file,) = _made(engine, tmp_path)
    before = csv_file.read_bytes()
    write = Staged.write

    def full_disk(self: Staged, name: str, data: bytes) -> Path:
        if name.endswith(".xlsx"):  # the CSV is written, then the disk is full
            raise OSError(errno.ENOSPC, "No space left on device")
        return write(self, name, data)

    monkeypatch.setattr(Staged, "write", full_disk)
    with pytest.raises(OSError):
        _made(engine, tmp_path, formats=("csv", "xlsx"))
    assert csv_file.read_bytes() == before
    left = sorted(path.name for path in tmp_path.iterdir() if "register" not in path.name)
    assert left == [csv_file.name]  # nothing half-written left beside it
    with unit_of_work(engine, write=False) as session:
        assert len(returns.past_returns(session, COORDINATOR)) == 1


def test_figures_that_moved_after_they_were_shown_are_not_sent(
    engine: Engine, tmp_path: Path
) -> None:
    from carerdesk.core.returns import checksum

    _fill(engine)
    with unit_of_work(engine, write=False) as session:
        shown = checksum(returns.week_figures(session, W47, COORDINATOR))
    with unit_of_work(engine) as session:
        late = check_contact(
            {"support": "information_advice", "contact_on": "19/11/2026", "channel": "email"}, TODAY
        )
        carers.log_contact(session, None, late, by=STAFF)
    with pytest.raises(returns.FiguresMoved, match="changed while they were on the screen"):
        _made(engine, tmp_path, shown=shown)
    assert not (tmp_path / "return_2026-W47.csv").exists()


def test_the_command_says_why_it_cannot_write(register_file: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    failed = _as(
        register_file, "export", "return", "--week", "2026-W47", "--out", str(blocker / "x")
    )
    assert failed.exit_code == 1 and "cannot be written to" in failed.stderr
    assert "Traceback" not in failed.output


def test_names_that_look_like_formulas_are_text_cells_in_the_workbook(engine: Engine) -> None:
    import io
    from datetime import datetime

    from carerdesk.export.weekly import Cover, xlsx_bytes

    _fill(engine)
    with unit_of_work(engine, write=False) as session:
        figures = returns.week_figures(session, W47, COORDINATOR)
        days = returns.contacts_by_day(session, W47, by=COORDINATOR)
    cover = Cover("=1+1", W47, datetime(2026, 11, 23, 9, 0), '=HYPERLINK("x","y")', False)
    book = load_workbook(io.BytesIO(xlsx_bytes(cover, figures, days)))
    cells = {row[0].value: row[1] for row in book["cover"].iter_rows() if len(row) > 1}
    assert cells["Organisation"].value == "=1+1" and cells["Organisation"].data_type == "s"
    assert cells["Made by"].value == '=HYPERLINK("x","y")' and cells["Made by"].data_type == "s"
    # Only the counts carerdesk put there are numbers; no cell anywhere is a formula.
    every = [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]
    assert "f" not in {cell.data_type for cell in every if cell.value is not None}
    assert {type(cell.value) for cell in book["contacts"]["E"][1:]} == {int}


def test_an_amended_return_keeps_the_original_file_beside_it(
    register_file: Path, tmp_path: Path
) -> None:
    out = tmp_path / "returns"
    week = ("export", "return", "--week", "2026-W47", "--out", str(out), "--format", "csv,xlsx")
    assert _as(register_file, *week).exit_code == 0
    engine = make_engine(sqlite_url(register_file))
    with unit_of_work(engine) as session:
        entry = check_contact(
            {"support": "information_advice", "contact_on": "20/11/2026", "channel": "email"}, TODAY
        )
        carers.log_contact(session, None, entry, by=STAFF)
    engine.dispose()
    amended = _as(register_file, *week, "--amend")
    assert amended.exit_code == 0, amended.output
    assert sorted(path.name for path in out.iterdir()) == [
        "return_2026-W47-amended-1.csv",
        "return_2026-W47-amended-1.xlsx",
        "return_2026-W47.csv",
        "return_2026-W47.xlsx",
    ]
    original = (out / "return_2026-W47.csv").read_text(encoding="utf-8-sig")
    amendment = (out / "return_2026-W47-amended-1.csv").read_text(encoding="utf-8-sig")
    assert "2026-W47,contacts,total,all,3" in original
    assert "2026-W47,contacts,total,all,4" in amendment
    again = _as(register_file, *week)  # nothing moved since: a copy of the amendment
    assert again.exit_code == 0 and len(list(out.iterdir())) == 4


@pytest.mark.parametrize("week", ["2030-W10", "this week"])
def test_the_command_refuses_a_return_for_a_week_not_over(
    register_file: Path, tmp_path: Path, week: str
) -> None:
    from carerdesk.app import london_now
    from carerdesk.core.weeks import week_of

    if week == "this week":
        week = str(week_of(london_now().date()))
    out = tmp_path / "returns"
    refused = _as(register_file, "export", "return", "--week", week, "--out", str(out))
    assert refused.exit_code == 1
    assert "a return is made once" in refused.stderr and "Traceback" not in refused.output
    assert not out.exists() or not list(out.iterdir())
    engine = make_engine(sqlite_url(register_file))
    with unit_of_work(engine, write=False) as session:
        assert returns.past_returns(session, COORDINATOR) == []
    engine.dispose()
