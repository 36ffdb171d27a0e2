"""Export the whole register (coordinator): six CSV files or one workbook, with progress.

The files are written from one consistent moment of the register in a worker thread, so the
screen keeps drawing; the export then goes into the audit trail (or the files are removed).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, ProgressBar, Select, Static

from carerdesk.core.errors import CarerdeskError
from carerdesk.widgets.footer import SHOW_KEYS, DeskFooter

if TYPE_CHECKING:
    from carerdesk.core.permissions import Actor
    from carerdesk.export.register import Written
    from carerdesk.widgets.desk import DeskApp

FORMATS = [("CSV files in a folder", "csv"), ("One XLSX workbook", "xlsx")]


class ExportModal(ModalScreen[None]):
    """Where and how to write the register; Ctrl+S starts, Esc closes."""

    CSS_PATH = "export.tcss"
    BINDINGS = [
        SHOW_KEYS,
        Binding("ctrl+s", "start", "Export", priority=True),
        Binding("escape", "close", "Close"),
    ]

    app: DeskApp

    def compose(self) -> ComposeResult:
        from carerdesk.settings import data_dir

        folder = data_dir() / "exports" / f"register-{self.app.today().isoformat()}"
        with Vertical():
            yield Label("Export the whole register", classes="modal-title")
            yield Label("Format")
            yield Select(FORMATS, value="csv", allow_blank=False, id="export-format", compact=True)
            yield Label("Folder (CSV) or file (XLSX)")
            yield Input(str(folder), id="export-path", compact=True)
            yield ProgressBar(id="export-progress", show_eta=False)
            yield Static("Ctrl+S writes the files · Esc closes", id="export-status")
        yield DeskFooter()

    def on_mount(self) -> None:
        self.query_one("#export-path", Input).focus()

    def on_select_changed(self, event: Select.Changed) -> None:
        box = self.query_one("#export-path", Input)
        path = Path(box.value)
        if event.value == "xlsx" and path.suffix.lower() != ".xlsx":
            box.value = str(path.with_suffix(".xlsx"))
        elif event.value == "csv" and path.suffix.lower() == ".xlsx":
            box.value = str(path.with_suffix(""))

    def action_start(self) -> None:
        """Write the files, away from the UI thread."""
        text = self.query_one("#export-path", Input).value.strip()
        if not text:
            self.query_one("#export-status", Static).update("Say where to write the files.")
            return
        fmt = str(self.query_one("#export-format", Select).value)
        self.query_one("#export-status", Static).update("Writing…")
        self._export(Path(text).expanduser(), fmt, self.app.user)

    @work(thread=True, exclusive=True, group="export", description="export the register")
    def _export(self, out: Path, fmt: str, actor: Actor) -> None:
        # ``actor`` is read on the UI thread: the screen may lock while the files are written.
        from carerdesk.export.register import export_and_record, not_written

        bar = self.query_one("#export-progress", ProgressBar)
        totals: dict[str, int] = {}

        def progress(kind: str, rows: int) -> None:
            totals[kind] = rows
            self.app.call_from_thread(bar.update, progress=sum(totals.values()))

        try:
            written = export_and_record(
                lambda write: self.app.unit_of_work(write=write),
                actor,
                out,
                fmt=fmt,
                progress=progress,
            )
        except CarerdeskError as error:
            self.app.call_from_thread(self._said, error.message)
            return
        except OSError as error:  # a full USB stick, a read-only folder
            self.app.call_from_thread(self._said, not_written(error, out).message)
            return
        self.app.call_from_thread(self._done, written)

    def _said(self, message: str) -> None:
        self.query_one("#export-status", Static).update(message)

    def _done(self, written: Written) -> None:
        bar = self.query_one("#export-progress", ProgressBar)
        bar.update(total=sum(written.rows.values()), progress=sum(written.rows.values()))
        counts = ", ".join(f"{n} {kind.replace('_', ' ')}" for kind, n in written.rows.items())
        where = written.files[0].parent if len(written.files) > 1 else written.files[0]
        note = f" {written.escaped}" if written.escaped.cells else ""
        self._said(f"Written to {where}: {counts}.{note} Esc closes.")

    def action_close(self) -> None:
        """Close (an export under way finishes first)."""
        if self.app.working("export"):
            self.notify("The export is still being written: a moment more.")
            return
        self.dismiss()
