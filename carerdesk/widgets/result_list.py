"""A page of search results, redrawn as you type without a new layout of the screen.

A ``DataTable`` changes its virtual size whenever its rows change, and Textual answers that
with a layout of the whole screen: about 30 ms a keystroke at the desk, more than the search
itself. This list has a fixed size and draws its own lines, so new results repaint only it.
It holds a page (the search never returns more), so it scrolls by moving its first line.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.cells import set_cell_size
from rich.segment import Segment
from textual import events
from textual.binding import Binding
from textual.message import Message
from textual.strip import Strip
from textual.widget import Widget

GAP = "  "


class ResultList(Widget, can_focus=True):
    """Rows of text in fixed-width columns under a header line, with a row cursor."""

    DEFAULT_CSS = """
    ResultList {
        height: 1fr;
        background: $surface;
        color: $foreground;
        & > .result-list--header { text-style: bold; background: $panel; }
        & > .result-list--even { background: $surface-lighten-1; }
        & > .result-list--marked { color: $text-warning; }
        & > .result-list--cursor {
            background: $primary-muted;
            color: $foreground;
            text-style: $block-cursor-blurred-text-style;
        }
        &:focus > .result-list--cursor {
            background: $block-cursor-background;
            color: $block-cursor-foreground;
            text-style: $block-cursor-text-style;
        }
    }
    """
    COMPONENT_CLASSES = {
        "result-list--header",
        "result-list--even",
        "result-list--marked",
        "result-list--cursor",
    }
    BINDINGS = [
        Binding("enter", "select", "Open", show=False),
        Binding("down", "move(1)", "Down", show=False),
        Binding("up", "move(-1)", "Up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("home", "move(-1000)", "First", show=False),
        Binding("end", "move(1000)", "Last", show=False),
    ]

    class Selected(Message):
        """A row was chosen (Enter, or a click on the row under the cursor)."""

        def __init__(self, result_list: ResultList, index: int) -> None:
            super().__init__()
            self.result_list = result_list
            self.index = index

        @property
        def control(self) -> ResultList:
            return self.result_list

    def __init__(self, columns: Sequence[tuple[str, int]], *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.columns = tuple(columns)
        self.rows: list[tuple[str, ...]] = []
        self.marked: frozenset[int] = frozenset()
        self.cursor = 0
        self.top = 0

    def show(self, rows: Sequence[Sequence[str]], marked: frozenset[int] = frozenset()) -> None:
        """Show ``rows`` (one string a column), cursor on the first; ``marked`` rows warn."""
        self.rows = [tuple(row) for row in rows]
        self.marked = marked
        self.cursor = 0
        self.top = 0
        self.refresh()

    def row_texts(self) -> list[str]:
        """Each row as one string of its cells, as a person reads them."""
        return [" | ".join(row) for row in self.rows]

    @property
    def _visible(self) -> int:
        return max(1, self.size.height - 1)

    def _line(self, cells: Sequence[str], style_names: Sequence[str]) -> Strip:
        style = self.rich_style
        for name in style_names:
            style += self.get_component_rich_style(name, partial=True)
        widths = [width for _, width in self.columns]
        text = GAP.join(map(set_cell_size, cells, widths))
        return Strip([Segment(" " + text, style)]).adjust_cell_length(self.size.width, style)

    def render_line(self, y: int) -> Strip:
        if y == 0:
            labels = [label for label, _ in self.columns]
            strip = self._line(labels, ["result-list--header"])
            hidden = len(self.rows) - self._visible
            where = f"{self.top + 1}-{self.top + self._visible} of {len(self.rows)} "
            width = self.size.width
            if hidden > 0 and len(strip.text.rstrip()) + 2 + len(where) <= width:
                # Where the page has scrolled to, at the header's right, where there is room.
                strip = Strip.join([strip.crop(0, width - len(where)), Strip([Segment(where)])])
            return strip
        index = self.top + y - 1
        if index >= len(self.rows):
            return Strip.blank(self.size.width, self.rich_style)
        names = []
        if index % 2:
            names.append("result-list--even")
        if index in self.marked:
            names.append("result-list--marked")
        if index == self.cursor:
            names.append("result-list--cursor")
        return self._line(self.rows[index], names)

    def _go(self, index: int) -> None:
        if not self.rows:
            return
        self.cursor = min(max(index, 0), len(self.rows) - 1)
        if self.cursor < self.top:
            self.top = self.cursor
        elif self.cursor >= self.top + self._visible:
            self.top = self.cursor - self._visible + 1
        self.refresh()

    def action_move(self, step: int) -> None:
        """Move the cursor; going up from the first row goes back to where you typed."""
        if step == -1 and self.cursor == 0:
            self.screen.focus_previous()
            return
        self._go(self.cursor + step)

    def action_page(self, pages: int) -> None:
        """Move the cursor a screenful."""
        self._go(self.cursor + pages * self._visible)

    def action_select(self) -> None:
        """Choose the row under the cursor."""
        if self.rows:
            self.post_message(self.Selected(self, self.cursor))

    def on_click(self, event: events.Click) -> None:
        index = self.top + event.y - 1
        if event.y < 1 or index >= len(self.rows):
            return
        if index == self.cursor:
            self.action_select()
        else:
            self._go(index)

    def on_mouse_scroll_down(self, event: events.MouseScrollDown) -> None:
        event.stop()
        self._go(self.cursor + 1)

    def on_mouse_scroll_up(self, event: events.MouseScrollUp) -> None:
        event.stop()
        self._go(self.cursor - 1)

    def on_resize(self) -> None:
        self._go(self.cursor)
