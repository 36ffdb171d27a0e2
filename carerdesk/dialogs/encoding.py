"""Which encoding a register file is in, when carerdesk cannot tell (the import screen).

Each candidate is shown with a few names from the file as it reads them; the coordinator,
who knows how the carers' names are spelt, chooses with the arrow keys and Enter. The names
are on this screen only: never in a message, a log or the audit trail.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option

from carerdesk.widgets.footer import SHOW_KEYS, DeskFooter

if TYPE_CHECKING:
    from carerdesk.export.encodings import EncodingUnsure


class EncodingModal(ModalScreen[str | None]):
    """Enter chooses the encoding highlighted (its name is what this screen returns); Esc
    closes without one (nothing is read)."""

    CSS_PATH = "encoding.tcss"
    BINDINGS = [
        SHOW_KEYS,
        Binding("escape", "close", "Cancel"),
    ]

    def __init__(self, unsure: EncodingUnsure) -> None:
        super().__init__()
        self.unsure = unsure

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(f"Which encoding is {self.unsure.file} in?", classes="modal-title")
            yield Label(
                "carerdesk cannot tell for sure. Here are names from the file as each "
                "encoding reads them: choose the one where they are spelt right."
            )
            yield OptionList(
                *(
                    Option(
                        f"{', '.join(candidate.samples)}\n  {candidate.label}", candidate.encoding
                    )
                    for candidate in self.unsure.candidates
                ),
                id="encoding-choices",
            )
            yield Label("↑↓ then Enter chooses · Esc: do not import", classes="hint")
        yield DeskFooter()

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    @on(OptionList.OptionSelected, "#encoding-choices")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_close(self) -> None:
        """Close without choosing: nothing is read."""
        self.dismiss(None)
