"""A yes-or-no question that must be answered before going on."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label


class ConfirmModal(ModalScreen[bool]):
    """Ask a question; dismisses True for yes (``y``), False for no (``n`` or Esc)."""

    CSS_PATH = "confirm.tcss"
    BINDINGS = [
        Binding("y", "answer(True)", "Yes"),
        Binding("n,escape", "answer(False)", "No"),
    ]

    def __init__(self, question: str, yes: str = "Yes") -> None:
        super().__init__()
        self.question = question
        self.yes = yes

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.question)
            yield Label(f"Y: {self.yes} · N or Esc: go back", classes="hint")

    def action_answer(self, answer: bool) -> None:
        """Answer the question."""
        self.dismiss(answer)
