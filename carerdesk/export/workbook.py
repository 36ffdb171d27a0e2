"""Rows for the workbooks carerdesk writes: every text is a text cell, never a formula.

openpyxl takes a ``str`` that starts with ``=`` for a formula, which a spreadsheet then runs
(``=HYPERLINK(...)`` as an organisation's or a person's name). Here every ``str`` becomes a
cell whose type is set to text after its value, so only the numbers and dates carerdesk put
there are anything else. The weekly return and the register export both write through it.

A text holding a character a workbook cannot hold (a control character, stored before the
forms and the import refused them) is written with that character escaped, as ``\\x07``,
and counted (``Escaped``), rather than failing the whole export with openpyxl's error, which
would print the text.
"""

from __future__ import annotations

import os
import re
import tempfile
import threading
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

_where = threading.local()
"""The private folder this thread's workbook writes its temporary files in, if any."""


UNWRITABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
"""What a workbook cannot hold: the C0 controls but tab, line feed and carriage return
(openpyxl's ``ILLEGAL_CHARACTERS_RE``), and what XML 1.0 cannot (surrogates, U+FFFE/F)."""


@dataclass
class Escaped:
    """The cells written with a character escaped (``UNWRITABLE``), by sheet."""

    cells: Counter[str] = field(default_factory=Counter)

    def __str__(self) -> str:
        where = ", ".join(f"{count} in {sheet}" for sheet, count in sorted(self.cells.items()))
        total = sum(self.cells.values())
        return (
            f"{total} {'cell holds' if total == 1 else 'cells hold'} a control character a "
            f"workbook cannot hold ({where}): written with it escaped, as \\x07. Correct "
            "the record, or export as CSV, which keeps it as it is."
        )


def _escape(found: re.Match[str]) -> str:
    code = ord(found.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def writable(text: str) -> str:
    """``text`` with each character a workbook cannot hold written out: ``\\x07``."""
    return UNWRITABLE.sub(_escape, text)


def row(sheet: Any, values: Iterable[object], escaped: Escaped | None = None) -> list[object]:
    """``values`` ready for ``sheet.append``: each text as a text cell, anything else (a
    number, a date carerdesk put there) as it is. Works for write-only sheets too. A text a
    workbook cannot hold is written escaped (``writable``) and counted in ``escaped``."""
    from openpyxl.cell import WriteOnlyCell

    cells: list[object] = []
    for value in values:
        if isinstance(value, str):
            if UNWRITABLE.search(value):
                value = writable(value)
                if escaped is not None:
                    escaped.cells[sheet.title] += 1
            cell = WriteOnlyCell(sheet, value=value)
            cell.data_type = "s"  # after the value: openpyxl made "=..." a formula ("f")
            cells.append(cell)
        else:
            cells.append(value)
    return cells


def _temporary_file(suffix: str = "") -> str:
    """openpyxl's ``create_temporary_file``, in this thread's private folder when it has one
    (``temporary_files_in``), else as openpyxl makes it (in the system's temporary folder)."""
    from openpyxl.worksheet import _writer

    folder = getattr(_where, "folder", None)
    descriptor, name = tempfile.mkstemp(
        suffix=suffix, prefix="openpyxl.", dir=str(folder) if folder else None
    )  # 0600, whatever the umask
    os.close(descriptor)
    _writer.ALL_TEMP_FILES.append(name)
    return name


@contextmanager
def temporary_files_in(folder: Path) -> Iterator[None]:
    """Have openpyxl write a workbook's temporary files (a sheet's rows, before they are
    zipped) in ``folder``, a private folder, in this thread, rather than in the system's
    temporary folder, where a killed export would leave them. openpyxl offers no option for
    it, so its one function that names them is replaced (once, the same for every thread)."""
    from openpyxl.worksheet import _writer

    _writer.create_temporary_file = _temporary_file
    _where.folder = folder
    try:
        yield
    finally:
        _where.folder = None


def abandon(book: Any) -> None:
    """Close the sheet writers of a write-only workbook that failed part-way (a full disk),
    quietly: left to the garbage collector, each would try its write again and print a
    traceback on standard error."""
    for sheet in book.worksheets:
        writer = getattr(sheet, "_writer", None)  # openpyxl's, while a sheet is written
        with suppress(Exception):
            if writer is not None:
                writer.xf.close()
