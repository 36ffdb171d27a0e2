"""The quick contact log: a modal with the date and time filled in, saved by one key."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, SelectionList

from carerdesk.core.entries import CONTACT_FORM_FIELDS, check_contact
from carerdesk.core.errors import CarerdeskError, InvalidEntry
from carerdesk.dialogs.confirm import KeepsTypedWork
from carerdesk.widgets.footer import SHOW_KEYS, DeskFooter
from carerdesk.widgets.form_field import FormField, FormScroll, form_texts, show_errors

if TYPE_CHECKING:
    from carerdesk.widgets.desk import DeskApp


class ContactModal(KeepsTypedWork, ModalScreen[bool]):
    """Log a contact with one carer, or an anonymous one; dismisses True when saved."""

    draft = "a contact form"

    CSS_PATH = "contact.tcss"
    BINDINGS = [
        SHOW_KEYS,
        Binding("ctrl+s", "save", "Save", priority=True, tooltip="Save the contact"),
        Binding("escape", "cancel", "Cancel", tooltip="Close without saving"),
    ]

    app: DeskApp

    def __init__(
        self,
        carer_id: str | None,
        who: str,
        *,
        contact_id: str | None = None,
        texts: dict[str, str] | None = None,
        version: int | None = None,
    ) -> None:
        """``version``: the contact's version ``texts`` were read at; a save over a change
        made since is refused (and what was typed stays in the form)."""
        super().__init__()
        self.carer_id = carer_id
        self.who = who
        self.contact_id = contact_id
        self.texts = texts
        self.version = version

    def compose(self) -> ComposeResult:
        now = self.app.now()
        start = self.texts or {
            "contact_on": now.strftime("%d/%m/%Y"),
            "contact_time": now.strftime("%H:%M"),
            "channel": "event" if self.app.event is not None else "drop_in",
        }
        title = "Change the contact" if self.contact_id else "Log a contact"
        with Vertical(id="contact-box"):
            yield Label(f"{title}: {self.who}", classes="modal-title")
            with FormScroll():
                with Horizontal(classes="row"):
                    for name in ("contact_on", "contact_time", "minutes"):
                        yield self._field(name, start.get(name, ""))
                for name in ("channel", "support", "notes"):
                    yield self._field(name, start.get(name, ""))
            yield Label("Ctrl+S saves · Esc closes", classes="hint")
        yield DeskFooter()

    def _field(self, name: str, value: str) -> FormField:
        return FormField(
            name,
            CONTACT_FORM_FIELDS[name],
            CONTACT_FORM_FIELDS,
            value=value,
            today=self.app.today,
        )

    def on_mount(self) -> None:
        self.query_one("#field-support SelectionList", SelectionList).focus()

    def action_save(self) -> None:
        """Check and save the contact as one transaction."""
        from carerdesk.db.carers import log_contact, update_contact

        try:
            entry = check_contact(form_texts(self), self.app.today(), CONTACT_FORM_FIELDS)
        except InvalidEntry as error:
            show_errors(self, error.errors)
            return
        try:
            with self.app.unit_of_work() as session:
                if self.contact_id is None:
                    log_contact(session, self.carer_id, entry, by=self.app.user)
                else:
                    update_contact(
                        session, self.contact_id, entry, by=self.app.user, version=self.version
                    )
        except CarerdeskError as error:
            field = getattr(error, "field", None)
            if field:
                show_errors(self, {field: error.message})
            else:
                self.notify(error.message, severity="error")
            return
        self.notify(f"Contact {'saved' if self.contact_id else 'logged'}: {self.who}")
        self.dismiss(True)

    def action_cancel(self) -> None:
        """Close without saving (asking first if anything was typed)."""
        self.leave_asking(lambda: self.dismiss(False))
