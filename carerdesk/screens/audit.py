"""The audit trail, for the coordinator: who saw and changed what, filtered and checked.

Times are shown at the desk's local time. F5 recomputes the chain of hashes and says
whether any entry was altered, removed or added outside carerdesk.
"""

from __future__ import annotations

from datetime import UTC, date
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Header, Input, Label, Static

from carerdesk.core.errors import CarerdeskError, FieldError
from carerdesk.core.text import inert
from carerdesk.core.validate import parse_date
from carerdesk.widgets.fitted_table import Column, FittedTable
from carerdesk.widgets.footer import DeskFooter

if TYPE_CHECKING:
    from carerdesk.widgets.desk import DeskApp

LONDON = ZoneInfo("Europe/London")
FILTERS = (
    ("person", "Person"),
    ("record", "Record (C000123)"),
    ("since", "From DD/MM/YYYY"),
    ("until", "To DD/MM/YYYY"),
)
SHOWN = 500

COLUMNS = (
    Column("No.", rank=6, least=3),
    Column("When"),
    Column("Who", rank=2, least=10),
    Column("What"),
    Column("Record", rank=1),
    Column("Fields", rank=4),
    Column("Detail", rank=3, least=12),
)
"""The trail's columns: at 80 columns the number, the fields and the detail give way first."""


class AuditScreen(Screen[None]):
    """The newest entries first; Enter in a filter box applies the filters."""

    BINDINGS = [
        Binding("f5", "verify", "Verify the chain"),
        Binding("escape", "back", "Back"),
    ]
    CSS_PATH = "audit.tcss"

    app: DeskApp

    def compose(self) -> ComposeResult:
        yield Header()
        yield Label("Audit trail", classes="section-title")
        with Horizontal(id="filters"):
            for name, hint in FILTERS:
                yield Input(placeholder=hint, id=f"filter-{name}", compact=True)
        yield Static("", id="audit-status")
        yield FittedTable(*COLUMNS, id="trail", cursor_type="row", zebra_stripes=True)
        yield DeskFooter()

    def on_mount(self) -> None:
        self.reload()
        self.query_one("#filter-person", Input).focus()

    @on(Input.Submitted)
    def _filter(self) -> None:
        self.reload()

    def _date(self, name: str) -> date | None:
        text = self.query_one(f"#filter-{name}", Input).value
        return parse_date(text) if text.strip() else None

    def reload(self) -> None:
        """Show the entries that match the filters, newest first."""
        from carerdesk.db import audit

        status = self.query_one("#audit-status", Static)
        try:
            where = audit.TrailFilter(
                person=self.query_one("#filter-person", Input).value.strip(),
                record=self.query_one("#filter-record", Input).value.strip(),
                since=self._date("since"),
                until=self._date("until"),
            )
        except FieldError as error:
            status.update(f"Dates: {error.message}")
            return
        table = self.query_one(FittedTable)
        rows = []
        try:
            with self.app.unit_of_work(write=False) as session:
                entries = audit.entries(session, where, by=self.app.user, limit=SHOWN)
                for entry in entries:
                    when = entry.at.replace(tzinfo=UTC).astimezone(LONDON)
                    cells = (
                        str(entry.seq),
                        when.strftime("%d/%m/%Y %H:%M:%S"),
                        entry.user_name,
                        entry.action,
                        " ".join(filter(None, [entry.kind, entry.reference])),
                        entry.fields.replace(";", ", "),
                        entry.detail,
                    )
                    # Plain text, never markup, and any control character written out: a
                    # name typed at sign-in is shown as typed, not acted on.
                    rows.append([Text(inert(cell)) for cell in cells])
        except CarerdeskError as error:
            table.show([])
            status.update(error.message)
            return
        table.show(rows)
        more = f" (the newest {SHOWN}: filter to see others)" if len(entries) >= SHOWN else ""
        status.update(f"{len(entries)} entries{more}. Enter in a box filters; F5 checks the chain.")

    def action_verify(self) -> None:
        """Check the chain of hashes from the first entry to the last."""
        from carerdesk.db import audit

        try:
            with self.app.unit_of_work(write=False) as session:
                verdict = audit.verify(session, by=self.app.user)
        except CarerdeskError as error:
            self.notify(error.message, severity="error")
            return
        if verdict.sound:
            self.notify(
                verdict.summary,
                timeout=30 if verdict.unchecked else self.app.NOTIFICATION_TIMEOUT,
            )
        else:
            self.notify(
                f"The audit trail has been tampered with: {verdict.problem}.",
                title="Tampering found",
                severity="error",
                timeout=30,
            )

    def action_back(self) -> None:
        """Back to the front desk."""
        self.dismiss()
