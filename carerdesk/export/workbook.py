"""Rows for the workbooks carerdesk writes: every text is a text cell, never a formula.

openpyxl takes a ``str`` that starts with ``=`` for a formula, which a spreadsheet then runs
(``=HYPERLINK(...)`` as an organisation's or a person's name). Here every ``str`` becomes a
cell whose type is set to text after its value, so only the numbers and dates carerdesk put
there are anything else. The weekly return and the register export both write through it.
"""

from __future__ import annotations

import os
import tempfile
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

_where = threading.local()
"""The private folder this thread's workbook writes its temporary files in, if any."""


def row(sheet: Any, values: Iterable[object]) -> list[object]:
    """``values`` ready for ``sheet.append``: each text as a text cell, anything else (a
    number, a date carerdesk put there) as it is. Works for write-only sheets too."""
    from openpyxl.cell import WriteOnlyCell

    cells: list[object] = []
    for value in values:
        if isinstance(value, str):
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
