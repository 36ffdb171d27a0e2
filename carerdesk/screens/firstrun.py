"""First run: name the organisation and create its first coordinator, then sign them in."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Header, Label, Static

from carerdesk.core.errors import CarerdeskError, InvalidEntry
from carerdesk.core.permissions import SETUP_FIELDS
from carerdesk.widgets.footer import DeskFooter
from carerdesk.widgets.form_field import FormField, form_texts, show_errors

if TYPE_CHECKING:
    from carerdesk.widgets.desk import DeskApp

PLACEHOLDERS = {
    "organisation_name": "as it should appear on cards and forms",
    "organisation_phone": "020 7946 0000",
    "card_prefix": "HC",
    "coordinator": "the name you will sign in with",
}


class FirstRunScreen(Screen[None]):
    """The organisation's name, phone and card prefix, and the first coordinator's PIN."""

    BINDINGS = [Binding("ctrl+s", "save", "Set up", priority=True, tooltip="Save and sign in")]
    CSS_PATH = "firstrun.tcss"

    app: DeskApp

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll():
            yield Label("Set up carerdesk", classes="section-title")
            yield Static(
                "This register has no accounts yet. Name your organisation and set up the "
                "first coordinator, who then adds the rest of the team.",
                id="firstrun-intro",
            )
            for name, spec in SETUP_FIELDS.items():
                yield FormField(
                    name,
                    spec,
                    SETUP_FIELDS,
                    today=self.app.today,
                    placeholder=PLACEHOLDERS.get(name, ""),
                    password=name.startswith("pin"),
                )
            yield Static("", id="firstrun-error")
            yield Label("Ctrl+S saves and signs you in", classes="hint")
        yield DeskFooter()

    def on_mount(self) -> None:
        self.query_one(FormField).control.focus()

    def action_save(self) -> None:
        """Check every answer, save the organisation and sign its coordinator in."""
        from carerdesk.db import accounts

        try:
            with self.app.unit_of_work() as session:
                actor = accounts.set_up(session, form_texts(self))
                organisation = accounts.organisation(session)
        except InvalidEntry as error:
            show_errors(self, error.errors)
            return
        except CarerdeskError as error:
            self.query_one("#firstrun-error", Static).update(error.message)
            return
        assert organisation is not None
        self.dismiss()
        self.app.set_up_done(organisation, actor)
