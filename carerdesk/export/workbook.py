"""Rows for the workbooks carerdesk writes: every text is a text cell, never a formula.

openpyxl takes a ``str`` that starts with ``=`` for a formula, which a spreadsheet then runs
(``=HYPERLINK(...)`` as an organisation's or a person's name). Here every ``str`` becomes a
cell whose type is set to text after its value, so only the numbers and dates carerdesk put
there are anything else. The weekly return and the register export both write through it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


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
