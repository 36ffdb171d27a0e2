"""Import register files (coordinator): choose a file, see the check, then import it.

Reading, checking and writing run in a worker thread, so the screen keeps drawing however
large the files; the progress bar moves through the stages. Nothing is written by the check.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Checkbox, Input, Label, Log, ProgressBar, Static

from carerdesk.core.errors import CarerdeskError
from carerdesk.widgets.footer import SHOW_KEYS, DeskFooter
from carerdesk.widgets.ticks import TickBox

if TYPE_CHECKING:
    from carerdesk.core.mapping import Mapping
    from carerdesk.core.permissions import Actor
    from carerdesk.db.events import EventFile
    from carerdesk.export.importer import Outcome
    from carerdesk.widgets.desk import DeskApp

STAGES = 7  # reading, checking, carers, roles, contacts, cards, referrals
SHOWN_PROBLEMS = 500
EVENT_SUFFIX = ".event"
"""An event's file is named so by `carerdesk event start` (the README says so too)."""


class ImportModal(ModalScreen[None]):
    """Enter checks the file named; Ctrl+S imports it once checked; Esc closes."""

    CSS_PATH = "import_files.tcss"
    BINDINGS = [
        SHOW_KEYS,
        Binding("ctrl+s", "import_now", "Import", priority=True),
        Binding("escape", "close", "Close"),
    ]

    app: DeskApp

    def __init__(self) -> None:
        super().__init__()
        self.checked: Path | None = None
        self.mapping: tuple[Path, Mapping] | None = None
        """Another system's file and the mapping its columns are read through."""

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("Import register files", classes="modal-title")
            yield Label(
                "A folder of CSV files, one CSV file, an XLSX workbook, or an event's file (.event)"
            )
            yield Input(placeholder="/path/to/register-files", id="import-path", compact=True)
            yield TickBox("Import the good rows and skip the bad ones", id="import-skip")
            yield ProgressBar(total=STAGES, id="import-progress", show_eta=False)
            yield Static("Enter checks the files (nothing is written).", id="import-status")
            yield Log(id="import-problems", highlight=False)
        yield DeskFooter()

    def on_mount(self) -> None:
        self.query_one("#import-path", Input).focus()

    def _path(self) -> Path | None:
        text = self.query_one("#import-path", Input).value.strip()
        return Path(text).expanduser() if text else None

    @on(Input.Submitted, "#import-path")
    def _check(self) -> None:
        path = self._path()
        if path is None:
            self._said("Say which folder or file to import.")
            return
        if path.suffix.lower() == EVENT_SUFFIX:
            self._open_event(path)
            return
        if self._map(path):
            return
        self._run(path, dry_run=True)

    def _map(self, path: Path) -> bool:
        """Another system's file: its columns mapped first (``screens/mapping.py``), then
        checked through the mapping. True if the mapping screen opened."""
        from carerdesk.screens.mapping import MappingScreen, foreign

        if not foreign(path):
            return False

        def mapped(mapping: Mapping | None) -> None:
            if mapping is not None:
                self.mapping = (path, mapping)
                self._run(path, dry_run=True)

        used = self.mapping[1] if self.mapping and self.mapping[0] == path else None
        self.app.push_screen(MappingScreen(path, used), mapped)
        return True

    def _open_event(self, path: Path) -> None:
        """An event's file: its passphrase, then its carers matched with the register."""
        from carerdesk.screens.event_import import PassphraseModal

        def given(passphrase: str | None) -> None:
            if passphrase:
                self._said("Checking the event's file…")
                self._read_event(path, passphrase)

        self.app.push_screen(PassphraseModal(path), given)

    @work(thread=True, exclusive=True, group="import", description="read an event's file")
    def _read_event(self, path: Path, passphrase: str) -> None:
        from carerdesk.db import events

        try:
            event = events.read_event(path, passphrase)
        except CarerdeskError as error:
            self.app.call_from_thread(self._said, error.message)
            return
        except Exception:  # never a crash report: it would print the passphrase
            self.app.call_from_thread(self._said, "The event's file could not be read.")
            return
        self.app.call_from_thread(self._event_read, event)

    def _event_read(self, event: EventFile) -> None:
        from carerdesk.screens.event_import import EventImportScreen

        self.dismiss()
        self.app.push_screen(EventImportScreen(event))

    def action_import_now(self) -> None:
        """Import the files checked (check them again first if the name changed)."""
        path = self._path()
        if path is None or path != self.checked:
            self._said("Press Enter to check the files first.")
            return
        self._run(path, dry_run=False)

    def _said(self, message: str) -> None:
        self.query_one("#import-status", Static).update(message)

    def _run(self, path: Path, *, dry_run: bool) -> None:
        if self.app.working("import"):
            self._said("Still working: a moment more.")
            return
        self.query_one("#import-progress", ProgressBar).update(total=STAGES, progress=0)
        self.query_one("#import-problems", Log).clear()
        self._said("Checking…" if dry_run else "Importing…")
        skip = self.query_one("#import-skip", Checkbox).value
        mapping = self.mapping[1] if self.mapping and self.mapping[0] == path else None
        self._work(path, dry_run, skip, self.app.user, mapping)

    @work(thread=True, exclusive=True, group="import", description="import register files")
    def _work(
        self, path: Path, dry_run: bool, skip: bool, actor: Actor, mapping: Mapping | None = None
    ) -> None:
        # ``actor`` is read on the UI thread: the screen may lock while the files are read.
        from carerdesk.export.importer import import_register, read_source

        bar = self.query_one("#import-progress", ProgressBar)

        def advance(stage: str) -> None:
            self.app.call_from_thread(bar.advance, 1)
            self.app.call_from_thread(self._said, stage)

        try:
            sources = read_source(path, mapping=mapping)
            advance("Read. Checking every row…")
            with self.app.unit_of_work() as session:
                outcome = import_register(
                    session,
                    actor,
                    sources,
                    today=self.app.today(),
                    dry_run=dry_run,
                    skip_invalid=skip,
                    progress=advance,
                )
        except CarerdeskError as error:
            self.app.call_from_thread(self._said, error.message)
            return
        except OSError:
            self.app.call_from_thread(self._said, "That file or folder cannot be read.")
            return
        self.app.call_from_thread(self._report, path, outcome, dry_run, skip)

    def _report(self, path: Path, outcome: Outcome, dry_run: bool, skip: bool) -> None:
        bar = self.query_one("#import-progress", ProgressBar)
        bar.update(progress=STAGES)
        log = self.query_one("#import-problems", Log)
        for problem in outcome.problems[:SHOWN_PROBLEMS]:
            log.write_line(str(problem))
        if len(outcome.problems) > SHOWN_PROBLEMS:
            log.write_line(f"… and {len(outcome.problems) - SHOWN_PROBLEMS} more.")
        bad = len({(p.file, p.line) for p in outcome.problems})
        if outcome.written:
            skipped = f" {bad} bad rows skipped." if bad else ""
            self.checked = None
            self._said(f"Imported: {outcome.summary()}.{skipped} Esc closes.")
            return
        if outcome.problems and not skip:
            self.checked = None
            self._said(
                f"{bad} of {outcome.rows_read} rows need correcting (listed below): nothing "
                "can be imported until they are, or tick 'skip the bad ones' and check again."
            )
            return
        self.checked = path
        self._said(f"Checked: {outcome.summary()}. Ctrl+S imports.")

    def action_close(self) -> None:
        """Close (an import under way finishes first)."""
        if self.app.working("import"):
            self.notify("The import is still being written: a moment more.")
            return
        self.dismiss()
