"""Before saving a new carer: people already registered who may be the same person."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Label

from carerdesk.widgets.fitted_table import Column, FittedTable
from carerdesk.widgets.footer import SHOW_KEYS, DeskFooter

if TYPE_CHECKING:
    from carerdesk.db.carers import PossibleDuplicate


class DuplicateModal(ModalScreen[str | None]):
    """Offer to open a possible match instead of registering a duplicate.

    Dismisses with the chosen carer's id (Enter), ``"new"`` to register anyway (``n``),
    or None to go back to the form (Esc).
    """

    CSS_PATH = "duplicates.tcss"
    BINDINGS = [
        SHOW_KEYS,
        Binding("enter", "open", "Open them", priority=True),
        Binding("n", "new", "Register anyway"),
        Binding("escape", "back", "Back to the form"),
    ]

    def __init__(self, found: list[PossibleDuplicate]) -> None:
        super().__init__()
        self.found = found

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("They may be registered already", classes="section-title")
            yield FittedTable(
                Column("Ref"),
                Column("Name", least=14, wrap=True),
                Column("Born"),
                Column("Postcode", rank=2),
                Column("Why", rank=1, least=16, wrap=True),
                id="matches",
                cursor_type="row",
            )
            yield Label(
                "Enter: open them instead · N: register as a new carer · Esc: back",
                classes="hint",
            )
        yield DeskFooter()

    def on_mount(self) -> None:
        table = self.query_one("#matches", FittedTable)
        rows = []
        for match in self.found:
            born = f"{match.date_of_birth:%d/%m/%Y}" if match.date_of_birth else ""
            rows.append((match.reference, match.name, born, match.postcode or "", match.reason))
        table.show(rows)
        table.focus()

    def action_open(self) -> None:
        """Open the highlighted carer instead of registering."""
        row = self.query_one(DataTable).cursor_row
        self.dismiss(self.found[row].id)

    def action_new(self) -> None:
        """Register the new carer anyway."""
        self.dismiss("new")

    def action_back(self) -> None:
        """Go back to the form."""
        self.dismiss(None)
