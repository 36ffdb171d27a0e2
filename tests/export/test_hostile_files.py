"""A hostile or broken file is refused with where and why, in bounded time and memory, and
nothing is written (issue 16, item 6; ``carerdesk.export.guards``).

Each hostile import runs in a child process with its address space limited (``LIMIT``) and
a safety timeout (``TIMEOUT``): a regression that hangs or eats memory fails its test rather
than the suite. No time is asserted beyond that timeout.
"""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import Engine, func, select

from carerdesk.core.entries import CARER_FIELDS, check_all
from carerdesk.core.errors import InvalidEntry
from carerdesk.db.engine import unit_of_work
from carerdesk.db.models import AuditEntry, Carer, Contact
from carerdesk.export import guards
from carerdesk.export.register import COLUMNS, export_register
from tests.conftest import COORDINATOR, TODAY

LIMIT = 1024 * 1024 * 1024
"""The child's address space: a gigabyte (it needs about a tenth of it)."""
TIMEOUT = 60
"""Seconds before a child is taken to have hung: each takes one or two, most of it starting
Python, but several times that on a busy machine."""

BOUNDED = """
import resource, sys
limit = int(sys.argv.pop(1))
resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
"""
"""A child's first lines: its address space limited to its first argument's bytes."""

CHILD = (
    BOUNDED
    + """
import json
from datetime import date
from pathlib import Path
from carerdesk.core.errors import CarerdeskError
from carerdesk.core.permissions import Actor, Role
from carerdesk.db.engine import make_engine, sqlite_url, unit_of_work
from carerdesk.export.importer import import_register, read_source

engine = make_engine(sqlite_url(Path(sys.argv[1])))
try:
    with unit_of_work(engine) as session:
        outcome = import_register(
            session,
            Actor("Casey Coordinator", Role.COORDINATOR),
            read_source(Path(sys.argv[2]), sys.argv[3] or None),
            today=date.fromisoformat(sys.argv[4]),
        )
    problems = [str(problem) for problem in outcome.problems]
    print(json.dumps({"imported": outcome.summary(), "problems": problems}))
except CarerdeskError as error:
    print(json.dumps({"refused": error.message}))
"""
)

HEADER = "reference,first_name,last_name,date_of_birth,registered_on,consent_store,notes\n"
SIX = [
    f"C0001{n:02},{first},Fairbrother,0{n}/02/1970,02/11/2026,yes,rings on Tuesdays\n"
    for n, first in enumerate(("Zoë", "Ada", "Bea", "Cai", "Dev", "Eli"), start=1)
]
"""Six invented carers, one a line."""


def _import(db: Path, source: Path, kind: str = "") -> dict[str, Any]:
    """Import ``source`` into the register at ``db`` in a child process, bounded."""
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(LIMIT), str(db), str(source), kind, TODAY.isoformat()],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stderr == ""
    answer: dict[str, Any] = json.loads(done.stdout)
    return answer


def _state(engine: Engine) -> tuple[int, int, int]:
    with unit_of_work(engine, write=False) as session:
        return (
            session.scalar(select(func.count()).select_from(Carer)) or 0,
            session.scalar(select(func.count()).select_from(Contact)) or 0,
            session.scalar(select(func.count()).select_from(AuditEntry)) or 0,
        )


@pytest.fixture
def refused(register: Engine, db_path: Path) -> Iterator[Any]:
    """Import a file, bounded; return the refusal's message, and check that the register is
    as it was."""
    before = _state(register)

    def refusal(source: Path, kind: str = "") -> str:
        answer = _import(db_path, source, kind)
        assert "refused" in answer, answer
        assert _state(register) == before
        message: str = answer["refused"]
        assert "Traceback" not in message
        return message

    yield refusal


def _folder(tmp_path: Path, text: str, name: str = "carers.csv") -> Path:
    folder = tmp_path / "in"
    folder.mkdir(exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")
    return folder


# 1. A quote opened and never closed -------------------------------------------------------


def test_the_six_carers_import_whole(register: Engine, db_path: Path, tmp_path: Path) -> None:
    answer = _import(db_path, _folder(tmp_path, HEADER + "".join(SIX)))
    assert answer["imported"].startswith("carers: 6 new")


@pytest.mark.parametrize("closed_later", [False, True], ids=["to-the-end", "by-a-later-quote"])
def test_a_quote_never_closed_is_refused_at_the_line_it_opened(
    refused: Any, tmp_path: Path, closed_later: bool
) -> None:
    rows = list(SIX)
    rows[2] = rows[2].replace("rings on", '"rings on')  # line 4
    if closed_later:  # a later quoted value closes it: the rows between are swallowed
        rows[4] = rows[4].replace("rings on Tuesdays", '"rings, on Tuesdays"')
    message = refused(_folder(tmp_path, HEADER + "".join(rows)))
    assert message.startswith("carers.csv:4: the file cannot be read as CSV from here:")
    column = rows[2].index('"') + 1
    assert f"the quote opened on this line, column {column}," in message
    assert "Fairbrother" not in message


def test_a_note_of_many_lines_is_read_whole(
    register: Engine, db_path: Path, tmp_path: Path
) -> None:
    rows = list(SIX)
    note = '"Rings on Tuesdays,\ntea, cake, jam, scones, cream, milk, honey\n\nnever on Sundays"'
    rows[5] = rows[5].replace("rings on Tuesdays", note)
    answer = _import(db_path, _folder(tmp_path, HEADER + "".join(rows)))
    assert answer["imported"].startswith("carers: 6 new")
    with unit_of_work(register, write=False) as session:
        stored = session.scalar(select(Carer.notes).where(Carer.reference == "C000106"))
    assert (
        stored
        == "Rings on Tuesdays,\ntea, cake, jam, scones, cream, milk, honey\n\nnever on Sundays"
    )


def test_a_value_past_the_csv_bound_is_refused_where_its_quote_opened(
    refused: Any, tmp_path: Path
) -> None:
    text = HEADER + SIX[0] + 'C000199,Ada,"Quill\n' + "ever on\n" * (guards.FIELD_LIMIT // 8)
    message = refused(_folder(tmp_path, text))
    assert message.startswith("carers.csv:3: the file cannot be read as CSV from here:")
    assert "column 13," in message and "more than 131,072 characters" in message


# 2. Control characters --------------------------------------------------------------------


def test_a_control_character_is_refused_with_its_field_line_and_place(
    register: Engine, db_path: Path, tmp_path: Path
) -> None:
    rows = list(SIX)
    rows[1] = rows[1].replace("rings on", "rings\x07 on")
    before = _state(register)
    answer = _import(db_path, _folder(tmp_path, HEADER + "".join(rows)))
    assert answer["problems"] == [
        "carers.csv:3: notes: This holds a control character (U+0007) at character 6: take it out."
    ]
    assert _state(register) == before


@pytest.mark.parametrize("typed", ["\x00", "\x1b[2J", "\x0c", "\x7f", "\x85"])
def test_the_forms_refuse_a_control_character_and_keep_tab_and_line_breaks(typed: str) -> None:
    with pytest.raises(InvalidEntry) as caught:
        check_all({"notes": CARER_FIELDS["notes"]}, {"notes": f"Rings {typed}late"}, TODAY)
    assert caught.value.errors["notes"].startswith("This holds a control character (U+")
    kept = check_all({"notes": CARER_FIELDS["notes"]}, {"notes": "a\tb\r\nc\rd"}, TODAY)
    assert kept["notes"] == "a b\nc\nd"


def test_a_control_character_stored_before_is_escaped_in_the_workbook(
    register: Engine, tmp_path: Path
) -> None:
    with unit_of_work(register) as session:
        carer = session.scalars(select(Carer).where(Carer.reference == "C000001")).one()
        carer.notes = "Rings\x07 after\x1b[2J six"
    with unit_of_work(register, write=False) as session:
        written = export_register(session, COORDINATOR, tmp_path / "r.xlsx", fmt="xlsx")
    assert str(written.escaped).startswith("1 cell holds a control character")
    assert "(1 in carers)" in str(written.escaped) and "Rings" not in str(written.escaped)
    sheet = load_workbook(tmp_path / "r.xlsx", read_only=True)["carers"]
    notes = [row[COLUMNS["carers"].index("notes")] for row in sheet.iter_rows(values_only=True)]
    assert "Rings\\x07 after\\x1b[2J six" in notes
    with unit_of_work(register, write=False) as session:  # CSV keeps it as it is
        export_register(session, COORDINATOR, tmp_path / "csv")
    assert "Rings\x07 after\x1b[2J six" in (tmp_path / "csv" / "carers.csv").read_text("utf-8")


# 3. Too large, not a file, not a workbook -------------------------------------------------


def test_a_header_of_100000_columns_is_refused(refused: Any, tmp_path: Path) -> None:
    header = ",".join(f"c{n}" for n in range(100_000))
    message = refused(_folder(tmp_path, header + "\n" + SIX[0]))
    assert message == (
        "carers.csv:1: the header has 100,000 columns: a register file has at most 1,000."
    )


def test_a_line_of_50_mb_is_refused(refused: Any, tmp_path: Path) -> None:
    message = refused(_folder(tmp_path, HEADER + SIX[0] + "x," * 25_000_000 + "\n"))
    assert message == "carers.csv:3: this line runs on past 1,000,000 characters: not CSV."


def test_a_first_line_of_50_mb_is_refused_before_it_is_read(refused: Any, tmp_path: Path) -> None:
    message = refused(_folder(tmp_path, "x," * 25_000_000 + "\n", name="contacts.csv"))
    assert message == "contacts.csv:1: the first line runs on past 1,000,000 characters: not CSV."


def _book(path: Path, rows: int = 2) -> Path:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "carers"
    sheet.append(HEADER.strip().split(","))
    for line in SIX[: rows - 1]:
        sheet.append(line.strip().split(","))
    book.save(path)
    return path


def _rewrite(path: Path, part: str, change: Any) -> Path:
    """``path`` with one part's bytes changed by ``change``."""
    source = zipfile.ZipFile(io.BytesIO(path.read_bytes()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            body = source.read(item.filename)
            target.writestr(item.filename, change(body) if item.filename == part else body)
    path.write_bytes(out.getvalue())
    return path


SHEET = "xl/worksheets/sheet1.xml"


def test_a_workbook_claiming_a_million_rows_is_refused(refused: Any, tmp_path: Path) -> None:
    book = _rewrite(
        _book(tmp_path / "register.xlsx"),
        SHEET,
        lambda body: re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:G1000000"', body),
    )
    message = refused(book)
    assert message.startswith(
        "register.xlsx[carers]: the sheet says it has 1,000,000 rows of 7 columns:"
    )


@pytest.mark.parametrize("how", ["wide-rows", "far-row"])
def test_a_sheet_of_millions_of_cells_is_refused_as_it_is_read(
    refused: Any, tmp_path: Path, how: str
) -> None:
    def grown(body: bytes) -> bytes:
        body = re.sub(rb"<dimension [^>]*/>", b"", body)  # says nothing of its size
        if how == "wide-rows":  # 700 rows, each with a cell in the last column: 11 million
            more = b"".join(
                b'<row r="%d"><c r="XFD%d" t="inlineStr"><is><t>x</t></is></c></row>' % (n, n)
                for n in range(3, 703)
            )
        else:  # one row numbered a million: every row before it is read as an empty one
            more = b'<row r="1000000"><c r="A1000000" t="inlineStr"><is><t>x</t></is></c></row>'
        return body.replace(b"</sheetData>", more + b"</sheetData>")

    message = refused(_rewrite(_book(tmp_path / "register.xlsx"), SHEET, grown))
    where = "308" if how == "wide-rows" else "500001"  # 2 short rows, then 306 of 16,384
    assert message.startswith(
        f"register.xlsx[carers]:{where}: the sheet has more than 500,000 rows"
    )


def test_a_zip_bomb_is_refused_before_it_is_opened(refused: Any, tmp_path: Path) -> None:
    book = _rewrite(  # 50 MB of spaces in the sheet, packed to 50 KB
        _book(tmp_path / "register.xlsx"), SHEET, lambda body: body + b" " * (50 * guards.MB)
    )
    assert book.stat().st_size < 200_000
    message = refused(book)
    assert re.fullmatch(
        r"register\.xlsx has a part that would unpack to 50 MB from [\d,]+ bytes, more than 100 "
        r"times its size: it is not a spreadsheet's \(a zip bomb\?\)\. It was not opened\.",
        message,
    )


def test_a_workbook_declaring_gigabytes_is_refused(refused: Any, tmp_path: Path) -> None:
    book = _book(tmp_path / "register.xlsx")
    data = bytearray(book.read_bytes())
    directory = data.index(b"PK\x01\x02")  # the first part's entry in the zip's list
    data[directory + 24 : directory + 28] = (3 * 1024 * guards.MB).to_bytes(4, "little")
    book.write_bytes(bytes(data))
    message = refused(book)
    assert message.startswith("register.xlsx would unpack to 3,07")
    assert "a workbook may unpack to 1,024 MB at most" in message


def test_a_zip_of_too_many_parts_is_refused_before_it_is_opened(
    refused: Any, tmp_path: Path
) -> None:
    book = _book(tmp_path / "register.xlsx")
    with zipfile.ZipFile(book, "a") as opened:
        for n in range(guards.MAX_PARTS):
            opened.writestr(f"x/{n}", b"")
    message = refused(book)
    assert message.startswith("register.xlsx has 10,0")
    assert message.endswith("parts: a workbook has a few dozen. It was not opened.")


def _cut(body: bytes) -> bytes:
    return body[: len(body) // 2]


@pytest.mark.parametrize("how", ["file-cut-short", "part-cut-short", "part-damaged"])
def test_a_cut_short_or_damaged_workbook_is_refused_without_the_librarys_words(
    refused: Any, tmp_path: Path, how: str
) -> None:
    book = _book(tmp_path / "register.xlsx", rows=7)
    if how == "file-cut-short":
        book.write_bytes(_cut(book.read_bytes()))
    elif how == "part-cut-short":
        _rewrite(book, SHEET, _cut)
    else:  # the packed bytes of the sheet changed: its check sum fails as it is read
        data = bytearray(book.read_bytes())
        with zipfile.ZipFile(book) as opened:
            info = opened.getinfo(SHEET)
        start = info.header_offset + 30 + len(info.filename) + len(info.extra)
        for at in range(start + 20, start + info.compress_size - 20, 7):
            data[at] ^= 0x55
        book.write_bytes(bytes(data))
    message = refused(book)
    assert message.startswith("register.xlsx could not be read as an XLSX workbook")


def test_a_device_given_as_the_file_is_never_opened(refused: Any) -> None:
    message = refused(Path("/dev/zero"), "carers")
    assert (
        message
        == "/dev/zero is a device or other special file, not a file or a folder: it was not opened."
    )


def test_a_named_pipe_is_never_opened(refused: Any, tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    os.mkfifo(folder / "carers.csv")
    alone = refused(folder / "carers.csv")
    pipe = folder / "carers.csv"
    assert alone == f"{pipe} is a named pipe, not a file or a folder: it was not opened."
    within = refused(folder)
    assert within == "carers.csv is a named pipe: it was not opened."


def test_files_over_the_size_limits_are_refused_unread(refused: Any, tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    with (folder / "carers.csv").open("wb") as handle:  # sparse: no disk is used
        handle.truncate(guards.MAX_CSV_BYTES + 1)
    message = refused(folder)
    assert message == "carers.csv is 2,048 MB: a CSV file of more than 2,048 MB is not read."
    with (tmp_path / "register.xlsx").open("wb") as handle:
        handle.truncate(guards.MAX_WORKBOOK_BYTES + 1)
    message = refused(tmp_path / "register.xlsx")
    assert message == "register.xlsx is 200 MB: a workbook of more than 200 MB is not read."


# The command line --------------------------------------------------------------------------

COMMAND = BOUNDED + "from carerdesk.cli import main\nmain()\n"


@pytest.fixture
def desk(tmp_path: Path) -> Path:
    """A register set up with Casey Coordinator (PIN 2580), through the command line."""
    from click.testing import CliRunner

    from carerdesk.cli import main

    path = tmp_path / "desk.sqlite"
    options = ["--organisation", "Harrow Carers", "--coordinator", "Casey Coordinator"]
    made = CliRunner().invoke(
        main, ["--db", str(path), "init", *options], env={"CARERDESK_PIN": "2580"}
    )
    assert made.exit_code == 0, made.output
    return path


def _command(desk: Path, source: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-c",
            COMMAND,
            str(LIMIT),
            "--db",
            str(desk),
            "--user",
            "Casey Coordinator",
            "import",
            str(source),
        ],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
        env={**os.environ, "CARERDESK_PIN": "2580"},
    )


def test_the_command_refuses_a_quote_never_closed_in_one_line(desk: Path, tmp_path: Path) -> None:
    rows = list(SIX)
    rows[2] = rows[2].replace("rings on", '"rings on')
    done = _command(desk, _folder(tmp_path, HEADER + "".join(rows)))
    assert done.returncode == 1
    assert done.stdout == ""
    assert len(done.stderr.splitlines()) == 1 and "Traceback" not in done.stderr
    assert done.stderr.startswith("Error: carers.csv:4: the file cannot be read as CSV from here")


def test_the_command_refuses_a_zip_bomb_in_one_line(desk: Path, tmp_path: Path) -> None:
    book = _rewrite(
        _book(tmp_path / "register.xlsx"), SHEET, lambda body: body + b" " * (50 * guards.MB)
    )
    done = _command(desk, book)
    assert done.returncode == 1
    assert len(done.stderr.splitlines()) == 1 and "Traceback" not in done.stderr
    assert done.stderr.startswith("Error: register.xlsx has a part that would unpack to 50 MB")


def test_the_readme_states_the_limits_the_guards_apply() -> None:
    readme = (Path(__file__).parents[2] / "README.md").read_text("utf-8")
    section = readme.split("### Files that cannot be read", 1)[1].split("\n## ", 1)[0]
    text = " ".join(section.split())
    stated = [
        f"past {guards.FIELD_LIMIT:,} characters",
        f"A CSV file may be up to {guards.MAX_CSV_BYTES // guards.MB:,} MB",
        f"a line up to {guards.MAX_LINE:,} characters",
        f"a header up to {guards.MAX_COLUMNS:,} columns",
        f"A workbook may be up to {guards.MAX_WORKBOOK_BYTES // guards.MB:,} MB",
        f"unpacking to {guards.MAX_EXPANDED // guards.MB:,} MB at most",
        f"more than {guards.MAX_RATIO} times its packed size",
        f"up to {guards.MAX_PARTS:,} parts",
        f"up to {guards.MAX_SHEET_ROWS:,} rows and {guards.MAX_SHEET_CELLS:,} cells",
    ]
    assert [claim for claim in stated if claim not in text] == []


def test_the_command_says_a_workbook_escaped_a_control_character(
    desk: Path, tmp_path: Path
) -> None:
    from click.testing import CliRunner

    from carerdesk.cli import main
    from carerdesk.core.entries import check_carer
    from carerdesk.core.permissions import SYSTEM
    from carerdesk.db import carers
    from carerdesk.db.engine import make_engine, sqlite_url

    engine = make_engine(sqlite_url(desk))
    with unit_of_work(engine) as session:
        entry = check_carer(
            {
                "first_name": "Zoë",
                "last_name": "Fairbrother",
                "date_of_birth": "01/02/1970",
                "registered_on": "02/11/2026",
                "consent_store": "yes",
            },
            TODAY,
        )
        carers.register_carer(session, entry, by=SYSTEM)
        session.flush()
        session.scalars(select(Carer)).one().notes = "Rings\x07 late"
    engine.dispose()
    out = tmp_path / "register.xlsx"
    args = ["--db", str(desk), "--user", "Casey Coordinator", "export", "register", "--out"]
    done = CliRunner().invoke(main, [*args, str(out)], env={"CARERDESK_PIN": "2580"})
    assert done.exit_code == 0, done.output
    assert done.stderr.splitlines() == [
        "1 cell holds a control character a workbook cannot hold (1 in carers): written with "
        "it escaped, as \\x07. Correct the record, or export as CSV, which keeps it as it is."
    ]
    assert len(list(load_workbook(out, read_only=True)["carers"].iter_rows())) == 2
