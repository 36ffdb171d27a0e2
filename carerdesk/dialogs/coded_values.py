"""The values of a coded column (gender, ethnicity, …) and the code each becomes: each
distinct value with how many rows hold it; Enter changes the chosen value's code, Delete
leaves it unmapped (the check then refuses it unless it is a code or label already)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Label

from carerdesk.dialogs.pick import PickModal
from carerdesk.widgets.footer import SHOW_KEYS, DeskFooter

UNMAPPED = "not mapped"


class CodedValuesModal(ModalScreen[dict[str, str] | None]):
    """Dismisses with each value's code (Esc: done), or None when nothing changed."""

    CSS_PATH = "coded_values.tcss"
    BINDINGS = [
        SHOW_KEYS,
        Binding("enter", "change", "Change code"),
        Binding("delete", "unmap", "Not mapped"),
        Binding("escape", "done", "Done"),
    ]

    def __init__(
        self,
        column: str,
        field_label: str,
        codes: Mapping[str, str],
        counts: Sequence[tuple[str, int]],
        values: Mapping[str, str],
    ) -> None:
        """``codes`` is the field's code list (code: label); ``counts`` each distinct value
        and its rows; ``values`` the code each value becomes so far."""
        super().__init__()
        self.column = column
        self.field_label = field_label
        self.codes = codes
        self.counts = list(counts)
        self.values = dict(values)
        self.changed = False

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(
                f"The values of {self.column}, as {self.field_label}", classes="modal-title"
            )
            table: DataTable[Text] = DataTable(id="coded-values", cursor_type="row")
            yield table
            yield Label(
                "Enter changes the code of the value chosen · Del: not mapped · Esc: done",
                classes="hint",
            )
        yield DeskFooter()

    def on_mount(self) -> None:
        table = self.query_one("#coded-values", DataTable)
        table.add_column("Value", key="value")
        table.add_column("Rows", key="rows")
        table.add_column("Becomes", key="code")
        for value, count in self.counts:
            table.add_row(Text(value or "(empty)"), Text(str(count)), self._code(value), key=value)
        table.focus()

    def _code(self, value: str) -> Text:
        code = self.values.get(value)
        if not code:
            return (
                Text(f"✗ {UNMAPPED}", style="bold")
                if value.strip()
                else Text(UNMAPPED, style="dim")
            )
        return Text(f"{code} ({self.codes.get(code, '')})")

    def _chosen(self) -> str | None:
        table = self.query_one("#coded-values", DataTable)
        row = table.cursor_row
        return self.counts[row][0] if 0 <= row < len(self.counts) else None

    def _set(self, value: str, code: str | None) -> None:
        if code:
            self.values[value] = code
        else:
            self.values.pop(value, None)
        self.changed = True
        table = self.query_one("#coded-values", DataTable)
        table.update_cell(value, "code", self._code(value))

    @on(DataTable.RowSelected, "#coded-values")
    def action_change(self) -> None:
        """Choose the code the chosen value becomes."""
        value = self._chosen()
        if value is None:
            return

        def picked(code: str | None) -> None:
            if code is not None and value is not None:
                self._set(value, code)

        options = [(code, f"{code}: {label}") for code, label in self.codes.items()]
        title = f"{value or '(empty)'} becomes"
        self.app.push_screen(PickModal(title, options, self.values.get(value)), picked)

    def action_unmap(self) -> None:
        """Leave the chosen value without a code."""
        value = self._chosen()
        if value is not None:
            self._set(value, None)

    def action_done(self) -> None:
        """Back to the columns, the codes as chosen."""
        self.dismiss(self.values if self.changed else None)
