"""``carerdesk import PATH --dry-run [--problems-out FILE.xlsx]``: the report of a big move."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from openpyxl import load_workbook

from carerdesk.export.problems import SHOWN, SUMMARY_SHEET
from tests.test_cli import _as, _set_up

COORDINATOR = ("Casey Coordinator", "2580")
HEADER = "reference,first_name,last_name,date_of_birth,registered_on,consent_store\n"


@pytest.fixture
def register(tmp_path: Path) -> Path:
    path = tmp_path / "register.sqlite"
    _set_up(path)
    return path


def _carers(folder: Path, rows: list[str]) -> Path:
    folder.mkdir()
    (folder / "carers.csv").write_text(HEADER + "".join(rows), encoding="utf-8")
    return folder


def test_a_short_report_lists_each_problem_then_the_kinds_counted(
    register: Path, tmp_path: Path
) -> None:
    files = _carers(
        tmp_path / "in",
        [
            "C000100,Ada,Quill,14/03/1971,02/11/2026,yes\n",
            "C000101,Bea,Quill,14/03/2030,02/11/2026,yes\n",
            "C000102,Cai,Quill,01/01/2031,02/11/2026,yes\n",
        ],
    )
    result = _as(register, *COORDINATOR, "import", str(files), "--dry-run")
    assert result.exit_code == 1
    assert result.stderr.splitlines()[:5] == [
        "carers.csv:3: date_of_birth: The date of birth is in the future.",
        "carers.csv:4: date_of_birth: The date of birth is in the future.",
        "",
        "Rows refused, by kind of problem (biggest first):",
        "  2 rows: carers.csv: date_of_birth: The date of birth is in the future.",
    ]
    assert "2 of 3 rows need correcting (listed above): nothing was imported." in result.stderr


def test_a_long_report_gives_the_kinds_then_the_first_problems_and_saves_them_all(
    register: Path, tmp_path: Path
) -> None:
    rows = [f"C{n:06d},Ada,Quill,14/03/2030,02/11/2026,yes\n" for n in range(100, 160)]
    rows += [f"C{n:06d},Bea,Quill,31/02/1990,02/11/2026,yes\n" for n in range(200, 210)]
    rows.append("C000300,Cai,Quill,01/01/1990,02/11/2026,yes\n")
    files = _carers(tmp_path / "in", rows)
    out = tmp_path / "move" / "problems.xlsx"
    result = _as(
        register, *COORDINATOR, "import", str(files), "--dry-run", "--problems-out", str(out)
    )
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert lines[:4] == [
        "Rows refused, by kind of problem (biggest first):",
        "  60 rows: carers.csv: date_of_birth: The date of birth is in the future.",
        "  10 rows: carers.csv: date_of_birth: There is no 31 February 1990: check the day.",
        "",
    ]
    assert lines[4] == f"The first {SHOWN} problems:"
    assert lines[5] == "carers.csv:2: date_of_birth: The date of birth is in the future."
    assert lines[5 + SHOWN] == (
        f"… and {70 - SHOWN} more: every one is in {out}, beside the row to correct."
    )
    assert "70 of 71 rows need correcting" in result.stderr
    assert f"Wrote {out}: 70 bad rows, with what to correct in each." in result.stdout
    assert os.stat(out).st_mode & 0o777 == 0o600
    book = load_workbook(out)
    assert book.sheetnames == [SUMMARY_SHEET, "carers"]
    assert book["carers"].max_row == 71  # the header and the 70 bad rows


def test_without_a_workbook_a_long_report_says_how_to_save_every_problem(
    register: Path, tmp_path: Path
) -> None:
    rows = [f"C{n:06d},Ada,Quill,14/03/2030,02/11/2026,yes\n" for n in range(100, 140)]
    files = _carers(tmp_path / "in", rows)
    result = _as(register, *COORDINATOR, "import", str(files), "--dry-run")
    assert [line for line in result.stderr.splitlines() if line.startswith("…")] == [
        f"… and {40 - SHOWN} more: --problems-out problems.xlsx saves every one beside the row "
        "to correct."
    ]


def test_no_workbook_is_written_when_no_row_needs_correcting(
    register: Path, tmp_path: Path
) -> None:
    files = _carers(tmp_path / "in", ["C000100,Ada,Quill,14/03/1971,02/11/2026,yes\n"])
    out = tmp_path / "problems.xlsx"
    result = _as(
        register, *COORDINATOR, "import", str(files), "--dry-run", "--problems-out", str(out)
    )
    assert result.exit_code == 0 and not out.exists()
    assert f"No row needs correcting: {out} was not written." in result.stdout


def test_the_problems_go_in_a_workbook_only(register: Path, tmp_path: Path) -> None:
    files = _carers(tmp_path / "in", ["C000100,Ada,Quill,14/03/2030,02/11/2026,yes\n"])
    result = _as(
        register,
        *COORDINATOR,
        "import",
        str(files),
        "--dry-run",
        "--problems-out",
        str(tmp_path / "problems.csv"),
    )
    assert result.exit_code == 2
    assert "--problems-out names a workbook: end its name with .xlsx." in result.stderr
    assert not (tmp_path / "problems.csv").exists()
