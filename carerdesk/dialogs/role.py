"""A caring role: whom a carer looks after. A modal that returns the checked role."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Label

from carerdesk.core.entries import ROLE_FIELDS, RoleEntry, check_role
from carerdesk.core.errors import InvalidEntry
from carerdesk.dialogs.confirm import KeepsTypedWork
from carerdesk.widgets.footer import SHOW_KEYS, DeskFooter
from carerdesk.widgets.form_field import FormField, FormScroll, form_texts, show_errors

if TYPE_CHECKING:
    from carerdesk.widgets.desk import DeskApp


class RoleModal(KeepsTypedWork, ModalScreen[RoleEntry | None]):
    """Add or change a caring role; dismisses with the checked role, or None."""

    draft = "a caring role form"

    CSS_PATH = "role.tcss"
    BINDINGS = [
        SHOW_KEYS,
        Binding("ctrl+s", "save", "Keep", priority=True, tooltip="Keep this caring role"),
        Binding("escape", "cancel", "Cancel", tooltip="Close without keeping it"),
    ]

    app: DeskApp

    def __init__(self, texts: dict[str, str] | None = None, title: str = "Caring role") -> None:
        super().__init__()
        self.texts = texts or {}
        self.title_text = title

    def compose(self) -> ComposeResult:
        with Vertical(id="role-box"):
            yield Label(self.title_text, classes="modal-title")
            with FormScroll():
                with Horizontal(classes="row"):
                    yield self._field("relationship")
                    yield self._field("cared_for_age_band")
                yield self._field("conditions")
                with Horizontal(classes="row"):
                    for name in ("lives_with_carer", "started_on", "ended_on"):
                        yield self._field(name)
            yield Label("Ctrl+S keeps it · Esc closes", classes="hint")
        yield DeskFooter()

    def _field(self, name: str) -> FormField:
        return FormField(
            name,
            ROLE_FIELDS[name],
            ROLE_FIELDS,
            value=self.texts.get(name, ""),
            today=self.app.today,
        )

    def on_mount(self) -> None:
        self.query_one("#field-relationship").query_one("Select").focus()

    def action_save(self) -> None:
        """Check the role and hand it back."""
        try:
            role = check_role(form_texts(self), self.app.today())
        except InvalidEntry as error:
            show_errors(self, error.errors)
            return
        if role == RoleEntry():
            # A blank role still counts: as a second caring role it would make the carer one
            # with multiple caring roles in the return.
            show_errors(self, {"relationship": "Choose whom they care for, or Esc to close."})
            return
        self.dismiss(role)

    def action_cancel(self) -> None:
        """Close without keeping the role (asking first if anything was typed)."""
        self.leave_asking(lambda: self.dismiss(None))
