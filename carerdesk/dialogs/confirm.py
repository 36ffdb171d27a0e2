"""A yes-or-no question that must be answered before going on, and the forms that ask one
before what was typed in them is thrown away."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import Label

from carerdesk.widgets.form_field import form_texts

LEAVE_QUESTION = "Leave without saving? What you typed here will be lost."


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


class KeepsTypedWork:
    """Mixed into a form's screen: what was typed in it is never thrown away unasked.

    The form's texts as it opened are remembered; anything different is typed work. Leaving
    through ``leave_asking`` (Esc, Back) asks first, and quitting carerdesk names the form
    (``draft``) and whose it is.
    """

    draft = "a form"
    """What the person would lose, as the quit question names it ("a contact form")."""
    _opened_with: dict[str, str] | None = None

    def _on_mount(self, event: events.Mount) -> None:
        # Textual calls the mount handler of each class of the screen in turn (this one
        # after the form's own, before Textual's): the form as it opened.
        self._opened_with = form_texts(cast(Screen[Any], self))

    def has_typed_work(self) -> bool:
        """Whether anything in the form differs from how it opened."""
        if self._opened_with is None:
            return False
        return form_texts(cast(Screen[Any], self)) != self._opened_with

    def leave_asking(self, leave: Callable[[], object]) -> None:
        """``leave`` at once when nothing was typed; otherwise only if the person says so."""
        if not self.has_typed_work():
            leave()
            return

        def answered(answer: bool | None) -> None:
            if answer:
                leave()

        cast(Screen[Any], self).app.push_screen(ConfirmModal(LEAVE_QUESTION, "Leave"), answered)
