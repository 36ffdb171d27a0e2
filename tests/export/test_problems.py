"""The report of an import's check for a big move: the problems grouped by kind with counts,
and the workbook of the bad rows that is corrected and imported again."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import Engine, func, select

from carerdesk.core.errors import CarerdeskError
from carerdesk.db.engine import unit_of_work
from carerdesk.db.models import Carer, Contact
from carerdesk.export import importer
from carerdesk.export.importer import Outcome, Problem, Sources, import_register, read_source
from carerdesk.export.problems import (
    PROBLEM_COLUMNS,
    SHOWN,
    SUMMARY_SHEET,
    ProblemGroup,
    group_problems,
    problems_path,
    report_lines,
    write_problems,
)
from tests.conftest import COORDINATOR

TODAY = date(2026, 11, 23)

CARERS = (
    "Reference,First name,Last name,Date of birth,Postcode,Registered on,Consent store,Notes\r\n"
    'C000050,Ola,Brown,14/03/2009,HA1 2AB,02/11/2026,Yes,"=HYPERLINK(""x"")"\r\n'
    "C000051,Bea,Lindqvist,31/02/1990,HA1 2AB,02/11/2026,Yes,\r\n"
    'C000052,Cal,Ayodele,30/04/2030,W1I 1AA,02/11/2026,Yes,"=HYPERLINK(""y"")"\r\n'
    "C000053,Dee,Ferreira,30/02/1975,HA3 0QQ,02/11/2026,Yes,\r\n"
    "C000054,Eve,Nowak,01/01/2031,HA2 7XY,02/11/2026,Yes,\r\n"
    "C000055,Fay,Okafor,01/01/1960,HA2 7XY,02/11/2026,Yes,\r\n"
)
CONTACTS = (
    "Reference,Contact on,Channel,Support,Minutes\r\n"
    "C000050,20/11/2026,drop_in,information_advice,20\r\n"
    "C000050,20/11/2027,drop_in,information_advice,20\r\n"
    "C000055,21/11/2026,phone,information_advice,15\r\n"
    "C000099,21/11/2026,phone,information_advice,15\r\n"
)


def p(line: int, column: str, message: str, file: str = "carers.csv") -> Problem:
    return Problem(file, line, column, message)


def check(engine: Engine, sources: Sources, **options: bool) -> Outcome:
    with unit_of_work(engine) as session:
        return import_register(session, COORDINATOR, sources, today=TODAY, **options)


@pytest.fixture
def files(tmp_path: Path) -> Path:
    folder = tmp_path / "files"
    folder.mkdir()
    (folder / "carers.csv").write_text(CARERS, encoding="utf-8")
    (folder / "contacts.csv").write_text(CONTACTS, encoding="utf-8")
    return folder


# --- grouping -------------------------------------------------------------------------------


def test_the_same_fault_in_different_rows_is_one_kind_counted() -> None:
    problems = [
        p(2, "date_of_birth", "There is no 31 February 1990: check the day."),
        p(3, "date_of_birth", "The date of birth is in the future."),
        p(4, "date_of_birth", "There is no 30 April 1975: check the day."),
        p(5, "date_of_birth", "The date of birth is in the future."),
        p(6, "date_of_birth", "The date of birth is in the future."),
        p(6, "postcode", "A postcode cannot start with Q: its first letter is never Q, V or X."),
        p(7, "postcode", "A postcode cannot start with X: its first letter is never Q, V or X."),
    ]
    assert group_problems(problems) == [
        ProblemGroup("carers.csv", "date_of_birth", "The date of birth is in the future.", 3),
        ProblemGroup("carers.csv", "date_of_birth", "There is no …: check the day.", 2),
        ProblemGroup(
            "carers.csv",
            "postcode",
            "A postcode cannot start with …: its first letter is never Q, V or X.",
            2,
        ),
    ]
    assert str(group_problems(problems)[0]) == (
        "3 rows: carers.csv: date_of_birth: The date of birth is in the future."
    )


def test_a_kind_keeps_what_every_row_of_it_shares() -> None:
    card = "This carer already has an active card of this type ({}): mark one of them replaced."
    problems = [
        p(2, "status", card.format("HC-0001-7"), "cards.csv"),
        p(3, "status", card.format("4417 2210"), "cards.csv"),
        p(4, "postcode", "The third character of a postcode cannot be I: it is A or B."),
        p(9, "postcode", "The third character of a postcode cannot be I: it is A or B."),
    ]
    groups = group_problems(problems)
    assert [str(group) for group in groups] == [
        "2 rows: cards.csv: status: This carer already has an active card of this type (…): "
        "mark one of them replaced.",
        # All the same letter: the letter is kept.
        "2 rows: carers.csv: postcode: The third character of a postcode cannot be I: it is A "
        "or B.",
    ]


def test_kinds_are_by_file_and_column_and_biggest_first_ties_in_order_met() -> None:
    needed = "Which carer? Give their reference."
    problems = [
        p(2, "reference", needed, "cards.csv"),
        p(3, "reference", needed, "referrals.csv"),
        p(4, "reference", needed, "referrals.csv"),
        p(5, "first_name", "First name is needed."),
        p(6, "last_name", "Last name is needed."),
    ]
    assert [(g.file, g.column, g.rows) for g in group_problems(problems)] == [
        ("referrals.csv", "reference", 2),
        ("cards.csv", "reference", 1),
        ("carers.csv", "first_name", 1),
        ("carers.csv", "last_name", 1),
    ]
    assert str(group_problems(problems)[1]) == f"1 row: cards.csv: reference: {needed}"


def test_a_short_report_lists_every_problem_then_the_kinds() -> None:
    problems = [p(line, "email", "This is not an email address.") for line in range(2, 5)]
    assert report_lines(problems) == [
        "carers.csv:2: email: This is not an email address.",
        "carers.csv:3: email: This is not an email address.",
        "carers.csv:4: email: This is not an email address.",
        "",
        "Rows refused, by kind of problem (biggest first):",
        "  3 rows: carers.csv: email: This is not an email address.",
    ]
    assert report_lines([]) == []


def test_a_long_report_gives_the_kinds_first_then_the_first_problems() -> None:
    problems = [p(line, "email", "This is not an email address.") for line in range(2, 5002)]
    problems.insert(3, p(5, "town", "This is too long: 100 characters at most."))
    lines = report_lines(problems)
    assert lines[:3] == [
        "Rows refused, by kind of problem (biggest first):",
        "  5,000 rows: carers.csv: email: This is not an email address.",
        "  1 row: carers.csv: town: This is too long: 100 characters at most.",
    ]
    assert lines[4] == f"The first {SHOWN} problems:"
    assert lines[5:-1] == [str(problem) for problem in problems[:SHOWN]]
    assert lines[-1] == (
        "… and 4,971 more: --problems-out problems.xlsx saves every one beside the row to correct."
    )
    saved = report_lines(problems, Path("move/problems.xlsx"))
    assert (
        saved[-1]
        == "… and 4,971 more: every one is in move/problems.xlsx, beside the row to correct."
    )


def test_the_workbook_goes_beside_what_was_imported(tmp_path: Path) -> None:
    (tmp_path / "files").mkdir()
    assert problems_path(tmp_path / "files") == tmp_path / "files-problems.xlsx"
    assert problems_path(tmp_path / "register.xlsx") == tmp_path / "register-problems.xlsx"
    assert problems_path(tmp_path / "carers.csv") == tmp_path / "carers-problems.xlsx"


# --- the import's own problems ----------------------------------------------------------------


def test_a_postcode_rule_broken_is_named_in_the_imports_problems(
    engine: Engine, files: Path
) -> None:
    outcome = check(engine, read_source(files / "carers.csv"), dry_run=True)
    assert (
        "carers.csv:4: postcode: The third character of a postcode cannot be I: in one like "
        "W1A 1AA it is A, B, C, D, E, F, G, H, J, K, P, S, T, U or W."
    ) in [str(problem) for problem in outcome.problems]


# --- the workbook -----------------------------------------------------------------------------


def test_the_workbook_holds_the_bad_rows_as_they_were_with_what_to_correct(
    engine: Engine, files: Path, tmp_path: Path
) -> None:
    sources = read_source(files)
    outcome = check(engine, sources, dry_run=True)
    out = write_problems(tmp_path / "out" / "problems.xlsx", sources, outcome.problems)
    assert os.stat(out).st_mode & 0o777 == 0o600
    assert [entry.name for entry in out.parent.iterdir()] == ["problems.xlsx"]
    book = load_workbook(out)
    assert book.sheetnames == [SUMMARY_SHEET, "carers", "contacts"]
    summary = [list(row) for row in book[SUMMARY_SHEET].iter_rows(values_only=True)]
    assert summary == [
        ["rows", "file", "column", "problem"],
        [2, "carers.csv", "date_of_birth", "There is no … February …: check the day."],
        [2, "carers.csv", "date_of_birth", "The date of birth is in the future."],
        [
            1,
            "carers.csv",
            "postcode",
            "The third character of a postcode cannot be I: in one like W1A 1AA it is A, B, C, "
            "D, E, F, G, H, J, K, P, S, T, U or W.",
        ],
        [
            1,
            "contacts.csv",
            "contact_on",
            "This date is in the future: use today or an earlier date.",
        ],
        [
            1,
            "contacts.csv",
            "reference",
            "No carer has this reference, in the register or in the carers file.",
        ],
    ]
    carers = book["carers"]
    rows = [list(row) for row in carers.iter_rows(values_only=True)]
    assert rows[0] == [
        *PROBLEM_COLUMNS,
        "reference",
        "first_name",
        "last_name",
        "date_of_birth",
        "postcode",
        "registered_on",
        "consent_store",
        "notes",
    ]
    assert [row[:3] for row in rows[1:]] == [
        [3, "date_of_birth: There is no 31 February 1990: check the day.", "C000051"],
        [
            4,
            "date_of_birth: The date of birth is in the future.\npostcode: The third character "
            "of a postcode cannot be I: in one like W1A 1AA it is A, B, C, D, E, F, G, H, J, K, "
            "P, S, T, U or W.",
            "C000052",
        ],
        [5, "date_of_birth: There is no 30 February 1975: check the day.", "C000053"],
        [6, "date_of_birth: The date of birth is in the future.", "C000054"],
    ]
    # As it was in the file: every cell text, a formula-like one shown and never run.
    assert rows[2][2:] == [
        "C000052",
        "Cal",
        "Ayodele",
        "30/04/2030",
        "W1I 1AA",
        "02/11/2026",
        "Yes",
        '\'=HYPERLINK("y")',
    ]
    assert {cell.data_type for cell in carers[3][2:]} == {"s"}
    contacts = [list(row) for row in book["contacts"].iter_rows(values_only=True)]
    assert [row[0] for row in contacts[1:]] == [3, 5]
    assert contacts[2][2:] == ["C000099", "21/11/2026", "phone", "information_advice", "15"]


def test_a_large_file_read_by_the_helper_gives_its_bad_rows_too(
    engine: Engine, files: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(importer, "LARGE_BYTES", 0)  # contacts.csv counts as large
    sources = read_source(files)
    assert isinstance(sources["contacts"], importer.LargeCsv)
    outcome = check(engine, sources, dry_run=True)
    book = load_workbook(write_problems(tmp_path / "p.xlsx", sources, outcome.problems))
    contacts = [list(row) for row in book["contacts"].iter_rows(values_only=True)]
    assert contacts[0][2:] == ["reference", "contact_on", "channel", "support", "minutes"]
    assert [row[:3] for row in contacts[1:]] == [
        [3, "contact_on: This date is in the future: use today or an earlier date.", "C000050"],
        [
            5,
            "reference: No carer has this reference, in the register or in the carers file.",
            "C000099",
        ],
    ]


def test_corrected_in_a_spreadsheet_the_workbook_imports_the_rows_it_held(
    engine: Engine, files: Path, tmp_path: Path
) -> None:
    sources = read_source(files)
    first = check(engine, sources, skip_invalid=True)  # the good rows go in
    assert first.added["carers"] == 2 and first.added["contacts"] == 2
    out = write_problems(tmp_path / "problems.xlsx", sources, first.problems)
    book = load_workbook(out)
    carers = book["carers"]
    header = [cell.value for cell in carers[1]]
    born, postcode = header.index("date_of_birth") + 1, header.index("postcode") + 1
    for row, date_of_birth in (
        (2, "28/02/1990"),
        (3, "30/04/1980"),
        (4, "28/02/1975"),
        (5, "01/01/1981"),
    ):
        carers.cell(row, born, date_of_birth)
    carers.cell(3, postcode, "W1A 1AA")
    contacts = book["contacts"]
    contacts.cell(2, 4, "19/11/2026")  # contact_on: the year typed wrong
    contacts.cell(3, 3, "C000053")  # reference: the carer meant
    book.save(out)
    again = check(engine, read_source(out))
    assert again.problems == [] and again.written
    assert again.added == {
        "carers": 4,
        "caring_roles": 0,
        "contacts": 2,
        "cards": 0,
        "referrals": 0,
        "consents": 0,
    }
    with unit_of_work(engine, write=False) as session:
        assert session.scalar(select(func.count()).select_from(Carer)) == 6
        assert session.scalar(select(func.count()).select_from(Contact)) == 4
        cal = session.scalars(select(Carer).where(Carer.reference == "C000052")).one()
        assert (cal.postcode, cal.notes) == ("W1A 1AA", '=HYPERLINK("y")')
        assert cal.date_of_birth == date(1980, 4, 30)
    # The workbook imported again changes nothing; nor does the whole move.
    twice = check(engine, read_source(out))
    assert sum(twice.added.values()) == sum(twice.changed.values()) == 0
    # The whole move imported again changes nothing.
    assert sum(check(engine, read_source(files), skip_invalid=True).added.values()) == 0


def test_a_workbook_that_cannot_be_written_is_a_plain_refusal(
    engine: Engine, files: Path, tmp_path: Path
) -> None:
    sources = read_source(files)
    outcome = check(engine, sources, dry_run=True)
    (tmp_path / "a-file").write_text("", encoding="utf-8")
    with pytest.raises(CarerdeskError, match=r"Could not write .*problems\.xlsx: "):
        write_problems(tmp_path / "a-file" / "problems.xlsx", sources, outcome.problems)


def test_a_workbook_still_wrong_gives_a_workbook_of_its_own_bad_rows(
    engine: Engine, files: Path, tmp_path: Path
) -> None:
    sources = read_source(files / "carers.csv")
    first = write_problems(
        tmp_path / "one.xlsx", sources, check(engine, sources, dry_run=True).problems
    )
    again = read_source(first)
    problems = check(engine, again, dry_run=True).problems
    assert [str(problem) for problem in problems][:1] == [
        "one.xlsx[carers]:2: date_of_birth: There is no 31 February 1990: check the day."
    ]
    book = load_workbook(write_problems(tmp_path / "two.xlsx", again, problems))
    rows = [list(row) for row in book["carers"].iter_rows(values_only=True)]
    assert rows[0][:4] == [*PROBLEM_COLUMNS, "reference", "first_name"]
    assert rows[0].count("line") == rows[0].count("what_to_correct") == 1
    assert rows[1][:3] == [
        2,
        "date_of_birth: There is no 31 February 1990: check the day.",
        "C000051",
    ]
