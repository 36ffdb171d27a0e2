"""A table whose columns give way by importance when the terminal is narrow.

At 80 columns a list of seven columns does not fit. Rather than cut the last columns off the
right edge (where the person never scrolls to), the least important column is narrowed first
(its cells end in "…", or wrap onto a second line), then hidden; an essential column is never
narrowed or hidden. The table fits itself again whenever its width changes, so a wide
terminal shows every column in full.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rich.cells import cell_len
from rich.text import Text
from textual import events
from textual.widgets import DataTable

ESSENTIAL = 0
"""The rank of a column that is never narrowed or hidden."""


@dataclass(frozen=True)
class Column:
    """A column of a ``FittedTable``: its heading, how important it is and how narrow it may
    become before it is hidden."""

    label: str
    rank: int = ESSENTIAL
    """0 (``ESSENTIAL``): always shown, in full (wrapped, if it ``wrap`` s). A higher rank
    gives way sooner: the highest is narrowed first, then hidden first."""
    least: int = 8
    """The narrowest it may be made (in cells) before it is hidden instead."""
    wrap: bool = False
    """When narrowed, its cells wrap onto more lines (the row grows) rather than end in "…":
    for a column that must be read whole in a short list."""


def fit_widths(natural: Sequence[int], columns: Sequence[Column], room: int, gap: int) -> list[int]:
    """Each column's width in ``room`` cells (0: hidden), each column taking ``gap`` more.

    Columns are narrowed (down to their ``least``) from the highest rank down, then the
    essential columns that wrap; when even that is not enough, the highest-ranked column is
    hidden and the rest fitted again. Other essential columns keep their natural width, even
    when they alone do not fit.
    """
    giving = sorted(
        (index for index, column in enumerate(columns) if column.rank != ESSENTIAL),
        key=lambda index: (-columns[index].rank, -index),
    )
    wrapping = [i for i, column in enumerate(columns) if column.rank == ESSENTIAL and column.wrap]
    for hidden in range(len(giving) + 1):
        gone = set(giving[:hidden])
        widths = [0 if index in gone else width for index, width in enumerate(natural)]
        over = sum(width + gap for width in widths if width) - room
        for index in giving[hidden:]:
            least = min(columns[index].least, widths[index])
            cut = max(0, min(over, widths[index] - least))
            widths[index] -= cut
            over -= cut
        # Then the essential columns that wrap, a cell at a time from the widest, evenly.
        while over > 0:
            room_left = [i for i in wrapping if widths[i] > columns[i].least]
            if not room_left:
                break
            widest = max(room_left, key=lambda i: (widths[i], i))
            widths[widest] -= 1
            over -= 1
        if over <= 0:
            return widths
    return widths


class FittedTable(DataTable[Text]):
    """A row table of ``Column`` s whose rows are given all at once with ``show``; it fits its
    columns to its width (see the module's docstring)."""

    DEFAULT_CSS = """
    FittedTable {
        width: 1fr;
    }
    """

    def __init__(self, *columns: Column, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.fitted_columns: tuple[Column, ...] = columns
        self.rows_shown: list[tuple[str | Text, ...]] = []
        self._widths: list[int] | None = None

    def set_columns(self, *columns: Column) -> None:
        """Change the columns (the rows are shown again with them)."""
        self.fitted_columns = columns
        self._fit(force=True)

    def show(self, rows: Sequence[Sequence[str | Text]]) -> None:
        """Show ``rows`` (one cell a column, plain text or ``Text``), keeping the cursor's
        row where it still exists."""
        self.rows_shown = [tuple(row) for row in rows]
        self._fit(force=True)

    def hidden_columns(self) -> list[str]:
        """The headings of the columns hidden for want of room."""
        widths = self._widths or []
        return [c.label for c, width in zip(self.fitted_columns, widths, strict=False) if not width]

    def on_resize(self, event: events.Resize) -> None:
        self._fit()

    def _room(self) -> int:
        """The cells the columns may take: less a vertical scrollbar's width when the rows
        will need one (it appears without the table changing size)."""
        room = self.scrollable_content_region.width
        lines = len(self.rows_shown) + int(self.show_header)
        if not self.show_vertical_scrollbar and lines > self.scrollable_content_region.height:
            room -= self.styles.scrollbar_size_vertical
        return room

    def _fit(self, *, force: bool = False) -> None:
        columns = self.fitted_columns
        natural = [cell_len(column.label) for column in columns]
        for row in self.rows_shown:
            for index, cell in enumerate(row[: len(columns)]):
                widest = max(map(cell_len, str(cell).splitlines() or [""]))
                natural[index] = max(natural[index], widest)
        room = self._room()
        widths = fit_widths(natural, columns, room, 2 * self.cell_padding) if room else natural
        if widths == self._widths and not force:
            return
        self._widths = widths
        cursor = self.cursor_row
        self.clear(columns=True)
        for column, width in zip(columns, widths, strict=True):
            if width:
                self.add_column(column.label, width=width)
        wrapped = [
            column.wrap and 0 < width < full
            for column, width, full in zip(columns, widths, natural, strict=True)
        ]
        for row in self.rows_shown:
            cells = []
            for cell, width, wraps in zip(row, widths, wrapped, strict=False):
                if width:
                    text = cell.copy() if isinstance(cell, Text) else Text(cell)
                    text.no_wrap = not wraps
                    text.overflow = "fold" if wraps else "ellipsis"
                    cells.append(text)
            self.add_row(*cells, height=None if any(wrapped) else 1)
        if self.rows_shown:
            self.move_cursor(row=min(cursor, len(self.rows_shown) - 1), animate=False)
