"""Subject access from a carer's record (coordinator): where to write the copy, then where
its two files went.

The copy (``carerdesk.db.access``) is read and written in a worker thread, in one
transaction: the request goes into the audit trail only once both files are written.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static

from carerdesk.core.errors import CarerdeskError
from carerdesk.widgets.footer import SHOW_KEYS, DeskFooter

if TYPE_CHECKING:
    from carerdesk.core.permissions import Actor
    from carerdesk.widgets.desk import DeskApp

READY = "Ctrl+S writes a JSON file and a PDF in a folder of their own · Esc closes"


class SubjectAccessModal(ModalScreen[None]):
    """Where to write everything held about one carer; Ctrl+S writes it, Esc closes."""

    CSS_PATH = "access.tcss"
    BINDINGS = [
        SHOW_KEYS,
        Binding("ctrl+s", "write", "Write", priority=True, tooltip="Write the two files"),
        Binding("escape", "close", "Close"),
    ]

    app: DeskApp

    def __init__(self, carer_id: str, name: str) -> None:
        super().__init__()
        self.carer_id = carer_id
        self.carer_name = name

    def compose(self) -> ComposeResult:
        from carerdesk.settings import data_dir

        with Vertical():
            title = f"Subject access: everything held about {self.carer_name}"
            yield Label(title, classes="modal-title")
            yield Label("Folder to write into (a USB stick, or the data folder)")
            yield Input(str(data_dir() / "subject-access"), id="access-path", compact=True)
            yield Static(READY, id="access-status")
        yield DeskFooter()

    def on_mount(self) -> None:
        self.query_one("#access-path", Input).focus()

    def action_write(self) -> None:
        """Write the copy, away from the UI thread."""
        if self.app.working("subject-access"):
            return
        text = self.query_one("#access-path", Input).value.strip()
        if not text:
            self._said("Say which folder to write into.")
            return
        self._said("Writing…")
        self._write(Path(text).expanduser(), self.app.user)

    @work(thread=True, exclusive=True, group="subject-access", description="subject access")
    def _write(self, out: Path, actor: Actor) -> None:
        # ``actor`` is read on the UI thread: the screen may lock while the files are written.
        from carerdesk.db.access import subject_access
        from carerdesk.export.access import write_access

        try:
            with self.app.unit_of_work() as session:
                copy = subject_access(session, self.carer_id, by=actor, today=self.app.today())
                json_path, pdf_path = write_access(copy, out)
        except CarerdeskError as error:
            self.app.call_from_thread(self._said, error.message)
            return
        except OSError:
            self.app.call_from_thread(
                self._said,
                "That folder cannot be written to, or the disk is full: choose another folder "
                "and press Ctrl+S again. Nothing was recorded.",
            )
            return
        self.app.call_from_thread(
            self._said,
            f"Written to {json_path.parent}:\n  {json_path.name}\n  {pdf_path.name}\n"
            "Give them to the carer securely. Esc closes.",
        )

    def _said(self, message: str) -> None:
        self.query_one("#access-status", Static).update(message)

    def action_close(self) -> None:
        """Close (a copy being written finishes first)."""
        if self.app.working("subject-access"):
            self.notify("The copy is still being written: a moment more.")
            return
        self.dismiss()
