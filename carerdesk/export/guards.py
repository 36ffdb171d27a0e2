"""Guards for register files that cannot be trusted: a broken or hostile file is refused in
seconds and in a bounded memory, with a message naming the file and, where there is one, the
line and column, before anything is written.

The importer's reading functions call them: ``file_or_folder`` and ``csv_file`` before a
file is opened (a device such as ``/dev/zero`` or a named pipe is never opened), ``csv_text``
before a CSV file's text is parsed, ``header`` on its first row, ``spanning`` and
``closed`` on a record that runs over several lines (a quote opened and never closed),
``workbook`` before openpyxl opens a workbook (a zip bomb, a cut-short file) and
``sheet_rows`` as its rows are read. The limits are generous for any register a carers
centre keeps; the README lists them (``### Files that cannot be read``).

A refusal never repeats what the file holds (a name, a part's name): only where, and why.
"""

from __future__ import annotations

import csv
import io
import os
import re
import stat
import struct
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

if TYPE_CHECKING:
    from carerdesk.export.importer import ImportRefused

MB = 1024 * 1024
MAX_CSV_BYTES = 2 * 1024 * MB
"""A CSV file over 2 GB is refused before it is read (a register of millions of contacts
is well under it)."""
MAX_WORKBOOK_BYTES = 200 * MB
"""A workbook file over 200 MB is refused before it is opened."""
MAX_EXPANDED = 1024 * MB
"""What a workbook's parts unpack to, all together, at most (as its zip declares them)."""
MAX_RATIO = 100
"""How many times larger than it is packed a workbook's part may unpack (a spreadsheet's
parts unpack to 5 to 20 times their size; a zip bomb's to a thousand), for a part that
unpacks to more than ``RATIO_FROM``."""
RATIO_FROM = 10 * MB
MAX_PARTS = 10_000
"""A workbook has a few dozen parts; more than this is not a spreadsheet."""
MAX_DIRECTORY = 10 * MB
"""The zip's list of its parts, at most."""
MAX_LINE = 1_000_000
"""The longest line of a CSV file, in characters (a register's longest record is a few
thousand)."""
FIELD_LIMIT = 131_072
"""The longest value of a CSV file, in characters (``csv.field_size_limit``; a note is 5,000
at most)."""
MAX_COLUMNS = 1_000
"""The most columns a file's header may name."""
MAX_SHEET_ROWS = 500_000
"""The most rows a workbook's sheet may have (or say it has): a register larger than this
travels as CSV files."""
MAX_SHEET_CELLS = 5_000_000
"""The most cells (rows by columns) a workbook's sheet may have (or say it has)."""
ROW_LIKE_DELIMITERS = 3
"""A line inside a value looks like a row swallowed by a quote left open when it holds as
many commas as the header (one fewer than its columns, and at least this many) and begins
with a value of the same shape as the record's own first value (``_shape``)."""

_EOCD = struct.Struct("<4s4H2LH")  # a zip's end of central directory record


def _refused(message: str) -> ImportRefused:
    # The importer defines the error, and imports this module: imported when needed.
    from carerdesk.export.importer import ImportRefused

    return ImportRefused(message)


def _refuse(message: str) -> NoReturn:
    raise _refused(message)


def _size(count: int) -> str:
    return f"{count / MB:,.0f} MB" if count >= MB else f"{count:,} bytes"


def file_or_folder(path: Path) -> None:
    """Refuse anything but a regular file or a folder, by its ``stat``, before it is opened:
    a device (``/dev/zero`` never ends), a named pipe (waits for ever for a writer), a
    socket. A path that does not exist is left to the caller to say so."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return
    if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
        what = "a named pipe" if stat.S_ISFIFO(mode) else "a device or other special file"
        _refuse(f"{path} is {what}, not a file or a folder: it was not opened.")


def _regular(path: Path, limit: int, what: str) -> int:
    try:
        details = os.stat(path)
    except OSError:
        _refuse(f"{path.name} cannot be read.")
    if not stat.S_ISREG(details.st_mode):
        kind = "a named pipe" if stat.S_ISFIFO(details.st_mode) else "not a regular file"
        _refuse(f"{path.name} is {kind}: it was not opened.")
    if details.st_size > limit:
        _refuse(
            f"{path.name} is {_size(details.st_size)}: {what} of more than {_size(limit)} "
            "is not read."
        )
    return details.st_size


def csv_file(path: Path) -> None:
    """Before a CSV file is opened: a regular file, at most ``MAX_CSV_BYTES``, whose first
    line (its header) ends within ``MAX_LINE`` characters."""
    size = _regular(path, MAX_CSV_BYTES, "a CSV file")
    csv.field_size_limit(FIELD_LIMIT)
    most = 4 * MAX_LINE  # bytes: a character is at most four in UTF-8
    if size > most:
        with path.open("rb") as handle:
            head = handle.read(most)
        if b"\n" not in head and b"\r" not in head:
            _refuse(f"{path.name}:1: the first line runs on past {MAX_LINE:,} characters: not CSV.")


def csv_text(text: str, label: str) -> None:
    """Before a CSV file's text is parsed: no line longer than ``MAX_LINE`` characters (one
    line of commas would make millions of values), and the csv module's bound on a value.

    Windows of half that are searched for a line break (a search in C, not a step a
    character): a line longer than ``MAX_LINE`` holds a whole window without one, and only
    such a window's line is measured."""
    csv.field_size_limit(FIELD_LIMIT)
    window = MAX_LINE // 2
    for start in range(0, len(text) - window + 1, window):
        end = start + window
        if text.find("\n", start, end) >= 0 or text.find("\r", start, end) >= 0:
            continue
        begin = max(text.rfind("\n", 0, start), text.rfind("\r", 0, start)) + 1
        ends = [at for at in (text.find("\n", end), text.find("\r", end)) if at >= 0]
        if min(ends, default=len(text)) - begin > MAX_LINE:
            breaks = sum(text.count(mark, 0, begin) for mark in ("\n", "\r"))
            line = breaks - text.count("\r\n", 0, begin) + 1
            _refuse(f"{label}:{line}: this line runs on past {MAX_LINE:,} characters: not CSV.")


def header(cells: Sequence[object], label: str) -> None:
    """A header of at most ``MAX_COLUMNS`` named columns (empty ones at its end, as a
    spreadsheet pads a row, are not counted)."""
    width = len(cells)
    if width <= MAX_COLUMNS:
        return
    while width and (cells[width - 1] is None or str(cells[width - 1]).strip() == ""):
        width -= 1
    if width > MAX_COLUMNS:
        _refuse(
            f"{label}:1: the header has {width:,} columns: a register file has at most "
            f"{MAX_COLUMNS:,}."
        )


# A quote opened and never closed ----------------------------------------------------------

_BREAK = re.compile(r"\r\n|\r|\n")


def _line_at(text: str, number: int) -> tuple[int, str]:
    """The offset and text of line ``number`` (from 1), as the csv module counts lines."""
    offset = 0
    for count, line in enumerate(io.StringIO(text, newline=""), start=1):
        if count == number:
            return offset, line
        offset += len(line)
    return len(text), ""


def _closing(line: str, start: int) -> int:
    """Where the quoted value opened before ``start`` closes on ``line``, or -1."""
    at = start
    while True:
        at = line.find('"', at)
        if at < 0:
            return -1
        if line[at + 1 : at + 2] == '"':
            at += 2
            continue
        return at


def _opening(line: str) -> int | None:
    """The column (from 1) of the quote on ``line``, read from a value's start, that the line
    does not close; None when every quote on it closes."""
    at = 0
    while at <= len(line):
        if line[at : at + 1] == '"':
            close = _closing(line, at + 1)
            if close < 0:
                return at + 1
            at = close + 1
        comma = line.find(",", at)
        if comma < 0:
            return None
        at = comma + 1
    return None


def _unclosed(text: str, label: str, line: int, why: str) -> ImportRefused:
    _, shown = _line_at(text, line)
    column = _opening(shown)
    where = f", column {column}," if column else ""
    return _refused(
        f"{label}:{line}: the file cannot be read as CSV from here: the quote opened on this "
        f"line{where} {why}. Close the quote, or take it out, and import again."
    )


def unreadable_csv(text: str, label: str, start: int) -> ImportRefused:
    """The refusal for a record the csv module could not read (a value over
    ``FIELD_LIMIT``: a quote left open swallowing the rest of the file), at the line where
    the record, and so the quote, began."""
    return _unclosed(
        text,
        label,
        start,
        f"is never closed (or a value holds more than {FIELD_LIMIT:,} characters)",
    )


def _shape(value: str) -> str:
    """Letters as ``A``, digits as ``9``, each run as one: ``C000104`` and ``C000103`` are
    ``A9``, a name is ``A``."""
    shape: list[str] = []
    for char in value.strip().strip('"'):
        kind = "9" if char.isdigit() else "A" if char.isalpha() else char
        if not shape or shape[-1] != kind:
            shape.append(kind)
    return "".join(shape)


def _row_like(part: str, wanted: int, first: str) -> bool:
    return part.count(",") >= wanted and _shape(part.split(",", 1)[0]) == first


def spanning(
    text: str, label: str, start: int, cells: Sequence[str], columns: int, at_end: bool
) -> None:
    """A record that ran over several lines (from line ``start``) holds a value with line
    breaks: fine for a note of many lines, not for one holding lines that look like rows of
    the file (``ROW_LIKE_DELIMITERS``), nor for one that ran on to the end of the file
    (``at_end``) with its quote never closed."""
    wanted = max(columns - 1, ROW_LIKE_DELIMITERS)
    first = _shape(_BREAK.split(cells[0], maxsplit=1)[0]) if cells else ""
    line = start  # the line each value begins on
    for cell in cells:
        if "\n" not in cell and "\r" not in cell:
            continue
        lines = _BREAK.split(cell)
        if any(_row_like(part, wanted, first) for part in lines[1:]):
            raise _unclosed(text, label, line, "runs on over lines that look like rows of the file")
        line += len(lines) - 1
    if at_end and _ends_open(text, start):
        last = line - len(_BREAK.findall(cells[-1])) if cells else start
        raise _unclosed(text, label, last, "is never closed: it runs on to the end of the file")


def _ends_open(text: str, start: int) -> bool:
    """Whether the last record, from line ``start``, ends inside a quote (which the csv
    module, unless strict, takes as ending at the end of the file)."""
    offset, _ = _line_at(text, start)
    try:
        for _ in csv.reader(io.StringIO(text[offset:], newline=""), strict=True):
            pass
    except csv.Error as error:
        return "unexpected end of data" in str(error)
    return False


# Workbooks ---------------------------------------------------------------------------------


def _directory(path: Path) -> None:
    """The zip's end record, read before the zip is opened: its count of parts and the size
    of its list of them (zipfile would read every entry of a list of millions)."""
    with path.open("rb") as handle:
        handle.seek(0, os.SEEK_END)
        size = handle.tell()
        handle.seek(max(0, size - (_EOCD.size + 65535)))
        tail = handle.read()
    found = tail.rfind(b"PK\x05\x06")
    if found < 0 or len(tail) - found < _EOCD.size:
        return  # not a zip: zipfile says so
    fields = _EOCD.unpack_from(tail, found)
    parts, directory = fields[4], fields[5]
    if parts > MAX_PARTS or directory > MAX_DIRECTORY:
        _refuse(f"{path.name} has {parts:,} parts: a workbook has a few dozen. It was not opened.")


def not_a_workbook(path: Path) -> ImportRefused:
    """The refusal for a workbook that openpyxl or zipfile could not read, whatever failed
    (a cut-short file, a damaged part): never the library's own words."""
    return _refused(
        f"{path.name} could not be read as an XLSX workbook: it is damaged or cut short. "
        "Save it again from the spreadsheet, or save it as CSV, and import that."
    )


def workbook(path: Path) -> None:
    """Before openpyxl opens a workbook: a regular file of at most ``MAX_WORKBOOK_BYTES``, a
    zip whose parts, as it declares them, unpack to at most ``MAX_EXPANDED`` together and
    each to at most ``MAX_RATIO`` times its packed size (zipfile never unpacks a part past
    the size it declares, so the declared sizes bound what is read)."""
    import zipfile

    _regular(path, MAX_WORKBOOK_BYTES, "a workbook")
    _directory(path)
    try:
        with zipfile.ZipFile(path) as book:
            parts = book.infolist()
    except Exception:
        raise not_a_workbook(path) from None
    total = sum(part.file_size for part in parts)
    if total > MAX_EXPANDED:
        _refuse(
            f"{path.name} would unpack to {_size(total)}: a workbook may unpack to "
            f"{_size(MAX_EXPANDED)} at most. It was not opened (save the register as CSV)."
        )
    for part in parts:
        if part.file_size > RATIO_FROM and part.file_size > MAX_RATIO * part.compress_size:
            _refuse(
                f"{path.name} has a part that would unpack to {_size(part.file_size)} from "
                f"{_size(part.compress_size)}, more than {MAX_RATIO} times its size: "
                "it is not a spreadsheet's (a zip bomb?). It was not opened."
            )


def sheet_rows(sheet: Any, label: str) -> Iterator[tuple[object, ...]]:
    """A read-only sheet's rows as values: refused if it says it has more than
    ``MAX_SHEET_ROWS`` rows or ``MAX_SHEET_CELLS`` cells (its dimension), or has them as
    it is read (a sheet without a dimension, or with a row numbered a million)."""
    rows, columns = sheet.max_row or 0, sheet.max_column or 0
    if rows > MAX_SHEET_ROWS or rows * columns > MAX_SHEET_CELLS:
        _refuse(
            f"{label}: the sheet says it has {rows:,} rows of {columns:,} columns: a "
            f"workbook's sheet may have {MAX_SHEET_ROWS:,} rows and {MAX_SHEET_CELLS:,} "
            "cells at most (save a larger register as CSV files)."
        )
    return _bounded(sheet.iter_rows(values_only=True), label)


def _bounded(rows: Iterator[tuple[object, ...]], label: str) -> Iterator[tuple[object, ...]]:
    cells = 0
    for line, values in enumerate(rows, start=1):
        cells += len(values)
        if line > MAX_SHEET_ROWS or cells > MAX_SHEET_CELLS:
            _refuse(
                f"{label}:{line}: the sheet has more than {MAX_SHEET_ROWS:,} rows or "
                f"{MAX_SHEET_CELLS:,} cells by here: save a larger register as CSV files."
            )
        yield values
