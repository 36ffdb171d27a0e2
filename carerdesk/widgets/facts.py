"""Labelled facts laid out in lines as wide as the screen, never cut.

A record's phone, email, address and consents must be read whole at 80 columns: a grid of
fixed columns cuts them ("020 7946 0…"). Here each fact (a label and its value) is kept whole
on one line where it fits, the next fact follows on the same line while there is room, and
each group of facts starts a line of its own. A value longer than the line wraps.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console, ConsoleOptions, RenderResult
from rich.measure import Measurement
from rich.text import Text

GAP = "  ·  "

Fact = tuple[str, str]
"""A label and its value, as the person reads them."""


class Facts:
    """A Rich renderable of groups of facts (see the module's docstring)."""

    def __init__(self, groups: Sequence[Sequence[Fact]], label_style: str = "dim") -> None:
        self.groups = [[fact for fact in group if fact[1]] for group in groups]
        self.label_style = label_style

    def _fact(self, label: str, value: str) -> Text:
        return Text.assemble((f"{label} ", self.label_style), value) if label else Text(value)

    def lines(self, width: int) -> list[Text]:
        """The lines at ``width`` cells, before a value longer than a line is wrapped."""
        lines: list[Text] = []
        for group in self.groups:
            line: Text | None = None
            for label, value in group:
                fact = self._fact(label, value)
                if line is not None and line.cell_len + len(GAP) + fact.cell_len <= width:
                    line.append(GAP)
                    line.append_text(fact)
                else:
                    if line is not None:
                        lines.append(line)
                    line = fact
            if line is not None:
                lines.append(line)
        return lines

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        for line in self.lines(options.max_width):
            line.overflow = "fold"
            yield line

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        widest = max((line.cell_len for line in self.lines(10_000)), default=0)
        return Measurement(min(widest, 20), widest)
