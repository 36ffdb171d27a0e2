"""Erase one record or several: the coordinator types a confirmation and a reason.

The dialog runs the erasure it is given (``act``) when Ctrl+S is pressed: a wrong
confirmation or a reason holding the carer's name is shown here, beside what was typed, and
nothing is erased; done, it dismisses with the message to show.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static

from carerdesk.core.errors import CarerdeskError
from carerdesk.widgets.footer import SHOW_KEYS, DeskFooter

if TYPE_CHECKING:
    from carerdesk.widgets.desk import DeskApp


class EraseModal(ModalScreen[str | None]):
    """Ask for the confirmation (``expected``) and a reason; ``act(typed, reason)`` erases
    and returns what to tell the person. Dismisses with that, or None when left."""

    CSS_PATH = "erase.tcss"
    BINDINGS = [
        SHOW_KEYS,
        Binding("ctrl+s", "erase", "Erase", priority=True),
        Binding("escape", "cancel", "Cancel"),
    ]

    app: DeskApp

    def __init__(
        self, what: str, expected: str, act: Callable[[str, str], str], reason: str = ""
    ) -> None:
        super().__init__()
        self.what = what
        self.expected = expected
        self.act = act
        self.reason = reason

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(f"Erase {self.what}", classes="section-title")
            yield Static(
                "Every personal detail is blanked for good: names, birth date, address, "
                "phones, notes, emergency contacts, card numbers. Only the codes the weekly "
                "return counts stay. This cannot be undone.",
                id="erase-warning",
            )
            yield Label(f"Type {self.expected} to confirm")
            yield Input(id="erase-confirm")
            yield Label("Reason (kept in the audit trail: no names)")
            yield Input(self.reason, id="erase-reason", max_length=200)
            yield Static("", id="erase-error")
            yield Label("Ctrl+S erases · Esc goes back", classes="hint")
        yield DeskFooter()

    def on_mount(self) -> None:
        self.query_one("#erase-confirm", Input).focus()

    @on(Input.Submitted, "#erase-confirm")
    def _to_reason(self) -> None:
        self.query_one("#erase-reason", Input).focus()

    @on(Input.Submitted, "#erase-reason")
    def _submitted(self) -> None:
        self.action_erase()

    def action_erase(self) -> None:
        """Erase, if the confirmation and the reason are right; otherwise say what is not."""
        typed = self.query_one("#erase-confirm", Input).value
        reason = self.query_one("#erase-reason", Input).value
        try:
            said = self.act(typed, reason)
        except CarerdeskError as error:
            self.query_one("#erase-error", Static).update(error.message)
            return
        self.dismiss(said)

    def action_cancel(self) -> None:
        """Go back without erasing anything."""
        self.dismiss(None)


class KeepModal(ModalScreen[str | None]):
    """Ask why a record is kept at a retention review; ``act(reason)`` keeps it and returns
    what to tell the person. Dismisses with that, or None when left."""

    CSS_PATH = "erase.tcss"
    BINDINGS = [
        SHOW_KEYS,
        Binding("ctrl+s", "keep", "Keep", priority=True),
        Binding("escape", "cancel", "Cancel"),
    ]

    app: DeskApp

    def __init__(self, what: str, act: Callable[[str], str]) -> None:
        super().__init__()
        self.what = what
        self.act = act

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(f"Keep {self.what}", classes="section-title")
            yield Label("Why is it kept? (shown at its next review; no names)")
            yield Input(id="keep-reason", max_length=200)
            yield Static("", id="erase-error")
            yield Label("Ctrl+S or Enter keeps it · Esc goes back", classes="hint")
        yield DeskFooter()

    def on_mount(self) -> None:
        self.query_one("#keep-reason", Input).focus()

    @on(Input.Submitted, "#keep-reason")
    def _submitted(self) -> None:
        self.action_keep()

    def action_keep(self) -> None:
        """Keep the record, if a reason is given; otherwise say so."""
        try:
            said = self.act(self.query_one("#keep-reason", Input).value)
        except CarerdeskError as error:
            self.query_one("#erase-error", Static).update(error.message)
            return
        self.dismiss(said)

    def action_cancel(self) -> None:
        """Go back without keeping it."""
        self.dismiss(None)
