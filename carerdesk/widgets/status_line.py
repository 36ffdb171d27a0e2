"""A one-line message that changes often (search status), redrawn without a new layout."""

from __future__ import annotations

from textual.app import RenderResult
from textual.reactive import reactive
from textual.widget import Widget


class StatusLine(Widget):
    """One line of text. Its size is fixed, so a new message repaints only this line.

    (``Static.update`` asks for a layout of the whole screen, which as you type costs more
    than the search itself.)
    """

    DEFAULT_CSS = """
    StatusLine { height: 1; width: 1fr; color: $text-muted; }
    """

    message: reactive[str] = reactive("", layout=False)
    """The text shown."""

    def __init__(self, message: str = "", *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.set_reactive(StatusLine.message, message)

    def render(self) -> RenderResult:
        return self.message
