"""A small form in a modal: fields checked by the rules as you leave them, saved by Ctrl+S.

The modal hands the texts to ``save``, which runs the operation in its own transaction and
returns what to tell the person; a refused field shows its message beside it, any other
refusal shows under the form, and nothing typed is lost.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from carerdesk.core.entries import FieldSpec
from carerdesk.core.errors import CarerdeskError, FieldError, InvalidEntry
from carerdesk.dialogs.confirm import KeepsTypedWork
from carerdesk.widgets.footer import SHOW_KEYS, DeskFooter
from carerdesk.widgets.form_field import FormField, FormScroll, form_texts, show_errors

if TYPE_CHECKING:
    from carerdesk.widgets.desk import DeskApp


class FormModal(KeepsTypedWork, ModalScreen[str | None]):
    """Dismisses with ``save``'s message once saved, or None when left with Esc."""

    CSS_PATH = "form_modal.tcss"
    BINDINGS = [
        SHOW_KEYS,
        Binding("ctrl+s", "save", "Save", priority=True),
        Binding("escape", "cancel", "Cancel"),
    ]

    app: DeskApp

    def __init__(
        self,
        title: str,
        specs: Mapping[str, FieldSpec],
        save: Callable[[dict[str, str]], str],
        *,
        secret: frozenset[str] = frozenset(),
        values: Mapping[str, str] | None = None,
        draft: str = "a form",
    ) -> None:
        """``draft``: the form as the quit question names it ("an emergency contacts form")."""
        super().__init__()
        self.draft = draft
        self.title_text = title
        self.specs = specs
        self.save = save
        self.secret = secret
        self.values = values or {}

    def compose(self) -> ComposeResult:
        # Scrolls as the focus moves down a form taller than the screen.
        with FormScroll():
            yield Label(self.title_text, classes="modal-title")
            for name, spec in self.specs.items():
                yield FormField(
                    name,
                    spec,
                    self.specs,
                    value=self.values.get(name, ""),
                    today=self.app.today,
                    password=name in self.secret,
                )
            yield Static("", id="form-error")
            yield Label("Ctrl+S saves · Esc goes back", classes="hint")
        yield DeskFooter()

    def on_mount(self) -> None:
        self.query_one(FormField).control.focus()

    def action_save(self) -> None:
        """Save through the operation; show what was refused, where it was refused."""
        try:
            message = self.save(form_texts(self))
        except InvalidEntry as error:
            show_errors(self, error.errors)
            return
        except FieldError as error:
            if error.field in self.specs:
                show_errors(self, {error.field: error.message})
                return
            self.query_one("#form-error", Static).update(error.message)
            return
        except CarerdeskError as error:
            self.query_one("#form-error", Static).update(error.message)
            return
        self.dismiss(message)

    def action_cancel(self) -> None:
        """Go back without saving (asking first if anything was typed)."""
        self.leave_asking(lambda: self.dismiss(None))
