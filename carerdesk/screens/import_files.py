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
    from carerdesk.export.encodings import EncodingUnsure
    from carerdesk.export.importer import Outcome, Problem, Sources
    from carerdesk.export.problems import ProblemGroup
    from carerdesk.widgets.desk import DeskApp

STAGES = 7  # reading, checking, carers, roles, contacts, cards, referrals
SHOWN_PROBLEMS = 500
SUMMARY_KINDS = 3
"""The kinds of problem, biggest first, summed up above the list of problems."""
EVENT_SUFFIX = ".event"
"""An event's file is named so by `carerdesk event start` (the README says so too)."""


class ImportModal(ModalScreen[None]):
    """Enter checks the file named; Ctrl+S imports it once checked; Ctrl+O saves the rows
    refused in a workbook beside it; Esc closes."""

    CSS_PATH = "import_files.tcss"
    BINDINGS = [
        SHOW_KEYS,
        Binding("ctrl+s", "import_now", "Import", priority=True),
        Binding(
            "ctrl+o",
            "save_problems",
            "Save bad rows",
            tooltip="Save the rows refused in a workbook beside the file, with what to correct",
            priority=True,
        ),
        Binding("escape", "close", "Close"),
    ]

    app: DeskApp

    def __init__(self) -> None:
        super().__init__()
        self.checked: Path | None = None
        self.refused: tuple[Path, Sources, list[Problem]] | None = None
        """The file last checked, as read, and its problems: what Ctrl+O saves."""
        self.encoding: tuple[Path, str] | None = None
        """The encoding the coordinator chose for a file carerdesk could not tell."""

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
            yield Static(id="import-summary")
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
        self._map_or_check(path)

    def _map_or_check(self, path: Path) -> None:
        if not self._map(path):
            self._run(path, dry_run=True)

    def _map(self, path: Path) -> bool:
        """Another system's file: its columns mapped first (``screens/mapping.py``), then
        checked through the mapping. True if the mapping screen opened."""
        from carerdesk.export.encodings import EncodingUnsure
        from carerdesk.screens.mapping import MappingScreen, foreign

        encoding = self.encoding[1] if self.encoding and self.encoding[0] == path else None
        try:
            if not foreign(path, encoding):
                return False
        except EncodingUnsure as unsure:
            self._ask_encoding(path, True, unsure)
            return True

        def mapped(mapping: Mapping | None) -> None:
            if mapping is not None:
                self.mapping = (path, mapping)
                self._run(path, dry_run=True)

        used = self.mapping[1] if self.mapping and self.mapping[0] == path else None
        self.app.push_screen(MappingScreen(path, used, encoding), mapped)
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
        self.remove_class("-summed")
        self.refused = None
        self.refresh_bindings()
        self._said("Checking…" if dry_run else "Importing…")
        skip = self.query_one("#import-skip", Checkbox).value
        chosen = self.encoding[1] if self.encoding and self.encoding[0] == path else None
        mapping = self.mapping[1] if self.mapping and self.mapping[0] == path else None
        self._work(path, dry_run, skip, self.app.user, chosen, mapping)

    def _ask_encoding(self, path: Path, dry_run: bool, unsure: EncodingUnsure) -> None:
        """The file's encoding is not certain: the coordinator chooses, then on as before."""
        from carerdesk.dialogs.encoding import EncodingModal

        def chosen(encoding: str | None) -> None:
            if encoding:
                self.encoding = (path, encoding)
                if dry_run:  # the file's columns may be another system's: seen in its text now
                    self._map_or_check(path)
                else:
                    self._run(path, dry_run=False)

        self._said(unsure.message)
        self.app.push_screen(EncodingModal(unsure), chosen)

    @work(thread=True, exclusive=True, group="import", description="import register files")
    def _work(
        self,
        path: Path,
        dry_run: bool,
        skip: bool,
        actor: Actor,
        encoding: str | None,
        mapping: Mapping | None = None,
    ) -> None:
        # ``actor`` is read on the UI thread: the screen may lock while the files are read.
        from carerdesk.export.encodings import EncodingUnsure
        from carerdesk.export.importer import import_register, read_source

        bar = self.query_one("#import-progress", ProgressBar)

        def advance(stage: str) -> None:
            self.app.call_from_thread(bar.advance, 1)
            self.app.call_from_thread(self._said, stage)

        try:
            sources = read_source(path, encoding=encoding, mapping=mapping)
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
        except EncodingUnsure as unsure:
            self.app.call_from_thread(self._ask_encoding, path, dry_run, unsure)
            return
        except CarerdeskError as error:
            self.app.call_from_thread(self._said, error.message)
            return
        except OSError:
            self.app.call_from_thread(self._said, "That file or folder cannot be read.")
            return
        from carerdesk.export.problems import group_problems

        groups = group_problems(outcome.problems)
        self.app.call_from_thread(self._summarise, path, sources, outcome.problems, groups)
        self.app.call_from_thread(self._report, path, outcome, dry_run, skip)

    def _report(self, path: Path, outcome: Outcome, dry_run: bool, skip: bool) -> None:
        bar = self.query_one("#import-progress", ProgressBar)
        bar.update(progress=STAGES)
        log = self.query_one("#import-problems", Log)
        for problem in outcome.problems[:SHOWN_PROBLEMS]:
            log.write_line(str(problem))
        if len(outcome.problems) > SHOWN_PROBLEMS:
            log.write_line(
                f"… and {len(outcome.problems) - SHOWN_PROBLEMS} more: Ctrl+O saves them all."
            )
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

    def _summarise(
        self, path: Path, sources: Sources, problems: list[Problem], groups: list[ProblemGroup]
    ) -> None:
        """The biggest kinds of problem above the list; Ctrl+O offered while there are any."""
        self.refused = (path, sources, problems) if problems else None
        self.refresh_bindings()
        self.set_class(bool(problems), "-summed")
        if len(groups) <= SUMMARY_KINDS:
            lines = [str(group) for group in groups]
        else:
            lines = [str(group) for group in groups[: SUMMARY_KINDS - 1]]
            lines.append(
                f"… and {len(groups) - SUMMARY_KINDS + 1} more kinds: Ctrl+O saves them all."
            )
        self.query_one("#import-summary", Static).update("\n".join(lines))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Ctrl+O only once a check has refused rows."""
        return self.refused is not None if action == "save_problems" else True

    def action_save_problems(self) -> None:
        """Save the rows refused, with what to correct in each, in a workbook beside the file."""
        if self.refused is not None:
            self._said("Saving the bad rows…")
            self._save_problems()

    @work(thread=True, exclusive=True, group="problems", description="save the rows refused")
    def _save_problems(self) -> None:
        # What is saved is read here, never passed: a worker's arguments are recorded.
        from carerdesk.export.problems import problems_path, write_problems

        if self.refused is None:
            return
        path, sources, problems = self.refused
        out = problems_path(path)
        try:
            write_problems(out, sources, problems)
        except CarerdeskError as error:
            self.app.call_from_thread(self._said, error.message)
            return
        rows = len({(problem.file, problem.line) for problem in problems})
        self.app.call_from_thread(
            self._said,
            f"Saved {out.name} beside the {'folder' if path.is_dir() else 'file'}: the {rows} "
            "bad rows, with what to correct in each. Correct them there, then import it.",
        )

    def action_close(self) -> None:
        """Close (an import under way finishes first)."""
        if self.app.working("import"):
            self.notify("The import is still being written: a moment more.")
            return
        self.dismiss()
