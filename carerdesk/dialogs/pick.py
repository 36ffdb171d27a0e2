"""Choose one of a list of options by typing part of it: the list narrows as letters are
typed, ↑ ↓ move in what is left, Enter takes the one marked, Esc goes back unchanged."""

from __future__ import annotations

from collections.abc import Sequence

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option

from carerdesk.widgets.footer import SHOW_KEYS, DeskFooter


class PickModal(ModalScreen[str | None]):
    """Dismisses with the id of the option taken, or None (Esc)."""

    CSS_PATH = "pick.tcss"
    BINDINGS = [
        SHOW_KEYS,
        Binding("down", "move(1)", "Next", show=False, priority=True),
        Binding("up", "move(-1)", "Previous", show=False, priority=True),
        Binding("enter", "take", "Take it", priority=True),
        Binding("escape", "cancel", "Back"),
    ]

    def __init__(
        self, title: str, options: Sequence[tuple[str, str]], chosen: str | None = None
    ) -> None:
        """``options`` are (id, what is shown) pairs; ``chosen`` is marked first."""
        super().__init__()
        self.title_text = title
        self.options = list(options)
        self.chosen = chosen

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.title_text, classes="modal-title")
            yield Input(
                placeholder="type part of it to narrow the list", id="pick-filter", compact=True
            )
            yield OptionList(id="pick-options")
            yield Label("↑ ↓ choose · Enter takes it · Esc goes back", classes="hint")
        yield DeskFooter()

    def on_mount(self) -> None:
        self._narrow("")
        self.query_one("#pick-filter", Input).focus()

    @on(Input.Changed, "#pick-filter")
    def _typed(self, event: Input.Changed) -> None:
        self._narrow(event.value)

    def _narrow(self, text: str) -> None:
        words = text.lower().split()
        shown = [
            Option(label, id=key)
            for key, label in self.options
            if all(word in f"{label} {key}".lower() for word in words)
        ]
        listed = self.query_one("#pick-options", OptionList)
        listed.clear_options()
        listed.add_options(shown)
        marked = next((i for i, o in enumerate(shown) if o.id == self.chosen), 0)
        listed.highlighted = marked if shown else None

    def action_move(self, by: int) -> None:
        """Mark the next or previous option."""
        listed = self.query_one("#pick-options", OptionList)
        if listed.option_count:
            now = listed.highlighted if listed.highlighted is not None else -by
            listed.highlighted = max(0, min(listed.option_count - 1, now + by))

    def action_take(self) -> None:
        """Take the option marked."""
        listed = self.query_one("#pick-options", OptionList)
        if listed.highlighted is not None:
            self.dismiss(listed.get_option_at_index(listed.highlighted).id)

    @on(OptionList.OptionSelected, "#pick-options")
    def _clicked(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        """Go back, nothing changed."""
        self.dismiss(None)


class TextModal(ModalScreen[str | None]):
    """Ask for one line of text; dismisses with it (Enter), or None (Esc)."""

    CSS_PATH = "pick.tcss"
    BINDINGS = [SHOW_KEYS, Binding("escape", "cancel", "Back")]

    def __init__(self, title: str, value: str = "") -> None:
        super().__init__()
        self.title_text = title
        self.value = value

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.title_text, classes="modal-title")
            yield Input(self.value, id="text-value", compact=True)
            yield Label("Enter takes it · Esc goes back", classes="hint")
        yield DeskFooter()

    @on(Input.Submitted, "#text-value")
    def _given(self, event: Input.Submitted) -> None:
        self.dismiss(event.value.strip())

    def action_cancel(self) -> None:
        """Go back, nothing changed."""
        self.dismiss(None)
