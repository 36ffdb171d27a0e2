"""Boxes that show whether they are ticked by their mark, not only by their colour.

Textual draws a ticked and an unticked box with the same ``X`` in different colours, which a
monochrome terminal (or a person who cannot tell the colours apart) shows alike. These draw
``[x]`` when ticked and ``[ ]`` when not.
"""

from __future__ import annotations

from rich.segment import Segment
from textual.content import Content
from textual.strip import Strip
from textual.style import Style
from textual.widgets import Checkbox, SelectionList
from textual.widgets._toggle_button import ToggleButton
from textual.widgets.option_list import OptionDoesNotExist

TICKED, UNTICKED = "x", " "
LEFT, RIGHT = "[", "]"


class TickList(SelectionList[str]):
    """A list of options to tick (kinds of support, conditions), each marked [x] or [ ]."""

    def render_line(self, y: int) -> Strip:
        line = super().render_line(y)
        segments = list(line)
        # Textual's box is the line's first three segments: its sides and the X between.
        if len(segments) < 3 or segments[1].text != ToggleButton.BUTTON_INNER:
            return line
        try:
            selection = self.get_option_at_index(self.scroll_offset.y + y)
        except OptionDoesNotExist:
            return line
        mark = TICKED if selection.value in self.selected else UNTICKED
        inner = segments[1]
        segments[:3] = [
            Segment(LEFT, inner.style),
            Segment(mark, inner.style),
            Segment(RIGHT, inner.style),
        ]
        return Strip(segments, line.cell_length)


class TickBox(Checkbox):
    """A box to tick, marked [x] or [ ]."""

    @property
    def _button(self) -> Content:
        style: Style = self.get_visual_style("toggle--button")
        return Content.assemble(LEFT, (TICKED if self.value else UNTICKED, style), RIGHT)
