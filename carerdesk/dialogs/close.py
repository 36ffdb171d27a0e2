"""Close a carer's record, with the date and a reason from the list."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label

from carerdesk.core.entries import CLOSE_FIELDS, CloseEntry, check_close
from carerdesk.core.errors import InvalidEntry
from carerdesk.dialogs.confirm import KeepsTypedWork
from carerdesk.widgets.footer import SHOW_KEYS, DeskFooter
from carerdesk.widgets.form_field import FormField, form_texts, show_errors

if TYPE_CHECKING:
    from carerdesk.widgets.desk import DeskApp


class CloseModal(KeepsTypedWork, ModalScreen[CloseEntry | None]):
    """Ask when and why the record closes; dismisses with the checked answer, or None."""

    draft = "a form closing a record"

    CSS_PATH = "close.tcss"
    BINDINGS = [
        SHOW_KEYS,
        Binding("ctrl+s", "save", "Close record", priority=True),
        Binding("escape", "cancel", "Cancel"),
    ]

    app: DeskApp

    def __init__(self, who: str) -> None:
        super().__init__()
        self.who = who

    def compose(self) -> ComposeResult:
        today = self.app.today().strftime("%d/%m/%Y")
        with Vertical():
            yield Label(f"Close the record of {self.who}", classes="section-title")
            for name in CLOSE_FIELDS:
                value = today if name == "closed_on" else ""
                yield FormField(
                    name, CLOSE_FIELDS[name], CLOSE_FIELDS, value=value, today=self.app.today
                )
            yield Label("Ctrl+S closes the record · Esc goes back", classes="hint")
        yield DeskFooter()

    def on_mount(self) -> None:
        self.query_one("#field-closed-reason").query_one("Select").focus()

    def action_save(self) -> None:
        """Check the answer and hand it back."""
        try:
            entry = check_close(form_texts(self), self.app.today())
        except InvalidEntry as error:
            show_errors(self, error.errors)
            return
        self.dismiss(entry)

    def action_cancel(self) -> None:
        """Go back without closing (asking first if anything was typed)."""
        self.leave_asking(lambda: self.dismiss(None))
