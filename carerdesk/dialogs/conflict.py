"""When a save meets someone else's change: both values of each field, and the person chooses.

Shown by the edit form when fields the person changed were also changed at another desk
since the form was opened (``EditConflict``). Each row keeps the value typed here or the one
now stored; the form then saves what was chosen.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Label, Static

from carerdesk.widgets.fitted_table import Column, FittedTable

MINE, THEIRS = "mine", "theirs"


class ConflictModal(ModalScreen[dict[str, str] | None]):
    """Dismisses with each field's choice (``mine`` or ``theirs``), or None to go back to the
    form with nothing saved (Esc)."""

    CSS_PATH = "conflict.tcss"
    BINDINGS = [
        Binding("left", "keep_mine", "Keep mine", priority=True),
        Binding("right", "keep_theirs", "Keep theirs", priority=True),
        Binding("m", "all_mine", "All mine"),
        Binding("t", "all_theirs", "All theirs"),
        Binding("ctrl+s", "save", "Save", priority=True),
        Binding("escape", "back", "Back to the form"),
    ]

    def __init__(self, message: str, rows: list[tuple[str, str, str, str]]) -> None:
        """``rows``: each field's name, label, the value typed here and the value stored now,
        as a person reads them."""
        super().__init__()
        self.message = message
        self.rows = rows
        self.chosen = {name: MINE for name, *_ in rows}

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("Changed at another desk too", classes="modal-title")
            yield Static(self.message)
            # Both values read whole: they wrap at 80 columns rather than being cut.
            yield FittedTable(
                Column("Field", least=12, wrap=True),
                Column("Yours", least=14, wrap=True),
                Column("Theirs, now saved", least=14, wrap=True),
                id="clashes",
                cursor_type="row",
            )
            yield Static(
                "← keeps yours, → keeps theirs (M, T: every field) · Ctrl+S saves · "
                "Esc goes back to the form",
                classes="hint",
            )

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        self._show()
        table.focus()

    def _show(self) -> None:
        rows = []
        for name, label, mine, theirs in self.rows:
            cells = []
            for side, value in ((MINE, mine), (THEIRS, theirs)):
                if self.chosen[name] == side:
                    cells.append(Text("▶ " + (value or "(empty)"), style="bold"))
                else:
                    cells.append(Text("  " + (value or "(empty)"), style="dim strike"))
            rows.append((Text(label), *cells))
        self.query_one("#clashes", FittedTable).show(rows)  # the cursor stays on its row

    def _choose(self, side: str, every: bool = False) -> None:
        row = self.query_one(DataTable).cursor_row
        for index, (name, *_) in enumerate(self.rows):
            if every or index == row:
                self.chosen[name] = side
        self._show()

    def action_keep_mine(self) -> None:
        """Keep the value typed here for the chosen field."""
        self._choose(MINE)

    def action_keep_theirs(self) -> None:
        """Keep the value saved at the other desk for the chosen field."""
        self._choose(THEIRS)

    def action_all_mine(self) -> None:
        """Keep every value typed here."""
        self._choose(MINE, every=True)

    def action_all_theirs(self) -> None:
        """Keep every value saved at the other desk."""
        self._choose(THEIRS, every=True)

    def action_save(self) -> None:
        """Save with these choices."""
        self.dismiss(dict(self.chosen))

    def action_back(self) -> None:
        """Back to the form; nothing is saved."""
        self.dismiss(None)
