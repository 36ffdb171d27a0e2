"""First run: name the organisation and create its first coordinator, show their recovery
code once, then sign them in."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Header, Label, Static

from carerdesk.core.errors import CarerdeskError, InvalidEntry
from carerdesk.core.permissions import SETUP_FIELDS
from carerdesk.dialogs.confirm import KeepsTypedWork
from carerdesk.widgets.footer import DeskFooter
from carerdesk.widgets.form_field import FormField, FormScroll, form_texts, show_errors

if TYPE_CHECKING:
    from carerdesk.widgets.desk import DeskApp

PLACEHOLDERS = {
    "organisation_name": "as it should appear on cards and forms",
    "organisation_phone": "020 7946 0000",
    "card_prefix": "HC",
    "coordinator": "the name you will sign in with",
}


class FirstRunScreen(KeepsTypedWork, Screen[None]):
    """The organisation's name, phone and card prefix, and the first coordinator's PIN."""

    draft = "the set-up form"

    BINDINGS = [Binding("ctrl+s", "save", "Set up", priority=True, tooltip="Save and sign in")]
    CSS_PATH = "firstrun.tcss"

    app: DeskApp

    def compose(self) -> ComposeResult:
        yield Header()
        with FormScroll():
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
        """Check every answer, save the organisation, show the recovery code once."""
        from carerdesk.db import accounts

        try:
            with self.app.unit_of_work() as session:
                done = accounts.set_up(session, form_texts(self))
                organisation = accounts.organisation(session)
        except InvalidEntry as error:
            show_errors(self, error.errors)
            return
        except CarerdeskError as error:
            self.query_one("#firstrun-error", Static).update(error.message)
            return
        assert organisation is not None
        app, actor = self.app, done.actor
        self.dismiss()
        app.push_screen(
            RecoveryCodeScreen(actor.name, done.recovery_code),
            lambda _: app.set_up_done(organisation, actor),
        )


class RecoveryCodeScreen(Screen[None]):
    """The first coordinator's recovery code, shown this once; Enter signs them in."""

    CSS_PATH = "firstrun.tcss"
    BINDINGS = [Binding("enter", "done", "Written down: sign in", priority=True)]

    def __init__(self, name: str, code: str) -> None:
        super().__init__()
        self.coordinator = name
        self.code = code

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll():
            yield Label("Your recovery code", classes="section-title")
            yield Static(
                "If every coordinator is ever locked out or forgets their PIN, this code sets "
                "a new PIN from the command line: carerdesk recover --user "
                f'"{self.coordinator}". It is shown only now and cannot be shown again.'
            )
            yield Static(self.code, id="recovery-code")
            yield Static(
                "Write it down and keep it locked away, not with the laptop. A new code can be "
                "made later with carerdesk recovery-code (the old one then stops working)."
            )
            yield Label("Enter when it is written down", classes="hint")
        yield DeskFooter()

    def action_done(self) -> None:
        """The code is written down: on to the front desk (it is not shown again)."""
        self.dismiss()
