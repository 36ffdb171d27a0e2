"""Bringing an event's registrations into the register (coordinator): typed on the import
screen as an event file's path, opened with its passphrase.

Each of the event's carers is listed with what will happen to them: a certain match joins
the record the register has (shown for confirmation), anyone else is added as new. Space
switches a carer between joining their best match and being added as new; Enter shows them
side by side with each record that may be them (← → between those records, J joins the one
shown, N adds them as new). Ctrl+S imports the whole event, after a question.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import DataTable, Header, Input, Label, Static

from carerdesk.core.errors import CarerdeskError
from carerdesk.core.permissions import Actor
from carerdesk.screens.register import shown_value
from carerdesk.widgets.fitted_table import Column, FittedTable
from carerdesk.widgets.footer import SHOW_KEYS, DeskFooter

if TYPE_CHECKING:
    from pathlib import Path

    from carerdesk.db.events import EventFile, Incoming
    from carerdesk.widgets.desk import DeskApp

COMPARED = (
    ("first_name", "First name"),
    ("last_name", "Last name"),
    ("date_of_birth", "Date of birth"),
    ("mobile", "Mobile"),
    ("phone", "Phone"),
    ("email", "Email"),
    ("postcode", "Postcode"),
    ("registered_on", "Registered"),
)


class PassphraseModal(ModalScreen[str | None]):
    """Ask for an event file's passphrase (never shown as typed)."""

    CSS_PATH = "event_import.tcss"
    BINDINGS = [Binding("escape", "cancel", "Back")]

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.path = path

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(f"The passphrase of {self.path.name}", classes="modal-title")
            yield Input(password=True, id="passphrase", compact=True)
            yield Label("Enter opens the event · Esc goes back", classes="hint")
        yield DeskFooter()

    @on(Input.Submitted, "#passphrase")
    def _given(self, event: Input.Submitted) -> None:
        self.dismiss(event.value)

    def action_cancel(self) -> None:
        """Go back without opening it."""
        self.dismiss(None)


class CompareModal(ModalScreen[str | None]):
    """One of the event's carers beside each register record that may be them.

    Dismisses with the register carer's id to join (J), ``"new"`` (N), or None (Esc)."""

    CSS_PATH = "event_import.tcss"
    BINDINGS = [
        SHOW_KEYS,
        Binding("left", "step(-1)", "Previous match", priority=True),
        Binding("right", "step(1)", "Next match", priority=True),
        Binding("j", "join", "Same person: join"),
        Binding("n", "new", "Add as new"),
        Binding("escape", "cancel", "Back"),
    ]

    app: DeskApp

    def __init__(self, row: dict[str, Any], incoming: Incoming) -> None:
        super().__init__()
        self.row = row
        self.incoming = incoming
        self.at = 0
        self.records: list[dict[str, Any]] = []

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static("", id="compare-title")
            table: DataTable[Text] = DataTable(id="compare", cursor_type="none")
            yield table
            yield Label(
                "← → the next record that may be them · J: the same person, join them · "
                "N: add as new · Esc: back",
                classes="hint",
            )
        yield DeskFooter()

    def on_mount(self) -> None:
        from carerdesk.db import carers

        with self.app.unit_of_work(write=False) as session:
            for carer_id, _, _ in self.incoming.matches:
                carer = carers.get_carer(session, carer_id, by=self.app.user)
                record = {name: getattr(carer, name) for name, _ in COMPARED}
                record["reference"] = carer.reference
                self.records.append(record)
        table = self.query_one(DataTable)
        # Both records in view at any width: the two columns share what is left.
        side = max(12, min(38, (self.app.size.width - 14 - 10) // 2))
        table.add_column("", width=14)
        table.add_column("At the event", width=side)
        table.add_column("In the register", width=side)
        self._show()

    def _show(self) -> None:
        table = self.query_one(DataTable)
        table.clear()
        record = self.records[self.at] if self.records else {}
        for name, label in COMPARED:
            mine = shown_value(name, self.row.get(name))
            theirs = shown_value(name, record.get(name))
            style = "" if mine == theirs else "bold"
            table.add_row(
                Text(label, style="dim"), Text(mine, style=style), Text(theirs, style=style)
            )
        if self.records:
            _, name, match = self.incoming.matches[self.at]
            title = (
                f"[b]{self.incoming.name}[/b] and {name}: score {match.score}, "
                f"{'; '.join(match.reasons)} ({self.at + 1} of {len(self.records)})"
            )
        else:
            title = f"[b]{self.incoming.name}[/b]: nobody in the register may be them."
        self.query_one("#compare-title", Static).update(title)

    def action_step(self, by: int) -> None:
        """The next or previous record that may be them."""
        if self.records:
            self.at = (self.at + by) % len(self.records)
            self._show()

    def action_join(self) -> None:
        """They are the register record shown: join them to it."""
        if self.records:
            self.dismiss(self.incoming.matches[self.at][0])

    def action_new(self) -> None:
        """Nobody in the register: add them as new."""
        self.dismiss("new")

    def action_cancel(self) -> None:
        """Back to the list, nothing changed."""
        self.dismiss(None)


class EventImportScreen(Screen[None]):
    """The event's carers and what will happen to each; Ctrl+S imports them all."""

    BINDINGS = [
        Binding("space", "switch", "Join or new"),
        Binding("ctrl+s", "import_all", "Import", priority=True),
        Binding("escape", "back", "Back"),
    ]
    CSS_PATH = "event_import.tcss"

    app: DeskApp

    def __init__(self, event: EventFile) -> None:
        super().__init__()
        self.event = event
        self.rows = {row["id"]: row for row in event.carers}
        self.plan: list[Incoming] = []
        self.decisions: dict[str, str | None] = {}

    def compose(self) -> ComposeResult:
        yield Header()
        info = self.event.info
        yield Static(
            f"[b]{info.name}[/b], {info.venue}, {info.day:%d/%m/%Y}: {info.carers} carers "
            f"registered, {info.contacts} contacts",
            id="event-title",
        )
        yield FittedTable(
            Column("At the event", least=16),
            Column("Born", rank=2),
            Column("Goes"),
            Column("Why", rank=1, least=20, wrap=True),  # whom they may be: read whole
            id="incoming",
            cursor_type="row",
            zebra_stripes=True,
        )
        yield Static("Matching each carer with the register…", id="event-status")
        yield DeskFooter()

    def on_mount(self) -> None:
        self.query_one("#incoming", FittedTable).focus()
        self._plan(self.app.user)

    @work(thread=True, exclusive=True, group="event-import", description="plan an event import")
    def _plan(self, actor: Actor) -> None:
        from carerdesk.db import events

        try:
            with self.app.unit_of_work(write=False) as session:
                plan = events.plan_import(session, self.event, by=actor)
        except CarerdeskError as error:
            self.app.call_from_thread(self._said, error.message)
            return
        self.app.call_from_thread(self._planned, plan)

    def _said(self, message: str) -> None:
        self.query_one("#event-status", Static).update(message)

    def _planned(self, plan: list[Incoming]) -> None:
        self.plan = plan
        from carerdesk.db import events

        self.decisions = events.proposed(plan)
        self._show()

    def _show(self) -> None:
        rows = []
        for incoming in self.plan:
            decision = self.decisions.get(incoming.id)
            why = ""
            if incoming.done:
                goes = Text(f"imported before, as {incoming.done}", style="dim")
            elif decision is not None:
                name = next((n for i, n, _ in incoming.matches if i == decision), decision)
                match = next((m for i, _, m in incoming.matches if i == decision), None)
                goes = Text(f"joins {name}", style="bold")
                why = f"{match.score}: {'; '.join(match.reasons)}" if match else ""
            else:
                goes = Text("new")
                if incoming.matches:
                    _, name, match = incoming.matches[0]
                    why = f"maybe {name} ({match.score}: {'; '.join(match.reasons)})"
            rows.append(
                (
                    Text(f"{incoming.reference} {incoming.name}"),
                    Text(f"{incoming.date_of_birth:%d/%m/%Y}"),
                    goes,
                    Text(why, style="dim"),
                )
            )
        self.query_one("#incoming", FittedTable).show(rows)  # the cursor stays on its row
        joining = sum(1 for v in self.decisions.values() if v is not None)
        waiting = sum(1 for i in self.plan if i.matches and not i.certain and not i.done)
        done = sum(1 for i in self.plan if i.done)
        fresh = len(self.plan) - joining - done
        self._said(
            f"{joining} join records the register has, {fresh} new, {done} imported before; "
            f"{waiting} may be someone the register has: Enter compares them side by side · "
            "Space: join or new · Ctrl+S imports the event"
        )

    def _chosen(self) -> Incoming | None:
        row = self.query_one(DataTable).cursor_row
        return self.plan[row] if 0 <= row < len(self.plan) else None

    def action_switch(self) -> None:
        """Switch the chosen carer between joining their best match and being new."""
        incoming = self._chosen()
        if incoming is None or incoming.done or not incoming.matches:
            return
        if self.decisions.get(incoming.id) is None:
            self.decisions[incoming.id] = incoming.matches[0][0]
        else:
            self.decisions.pop(incoming.id)
        self._show()

    @on(DataTable.RowSelected)
    def _compare(self) -> None:
        incoming = self._chosen()
        if incoming is None or incoming.done:
            return

        def decided(choice: str | None) -> None:
            if choice is None or incoming is None:
                return
            if choice == "new":
                self.decisions.pop(incoming.id, None)
            else:
                self.decisions[incoming.id] = choice
            self._show()

        self.app.push_screen(CompareModal(self.rows[incoming.id], incoming), decided)

    def action_import_all(self) -> None:
        """Import the whole event as decided, after a question."""
        from carerdesk.dialogs.confirm import ConfirmModal

        if not self.plan and not self.event.contacts:
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self._import()

        info = self.event.info
        question = (
            f"Import {info.name} ({info.day:%d/%m/%Y}) into the register as shown? It is "
            "written as a whole, or not at all."
        )
        self.app.push_screen(ConfirmModal(question, yes="Import"), answered)

    def _import(self) -> None:
        if self.app.working("event-import"):
            return
        self._said(f"Importing {self.event.info.name}…")
        self._write(self.app.user, dict(self.decisions))

    @work(thread=True, exclusive=True, group="event-import", description="import an event")
    def _write(self, actor: Actor, decisions: dict[str, str | None]) -> None:
        # Away from the screen: a large event takes a few seconds to write.
        from carerdesk.db import events

        try:
            with self.app.unit_of_work() as session:
                outcome = events.import_event(session, self.event, decisions, by=actor)
            with self.app.unit_of_work(write=False) as session:
                plan = events.plan_import(session, self.event, by=actor)
        except CarerdeskError as error:
            self.app.call_from_thread(self._said, error.message)
            return
        self.app.call_from_thread(
            self.notify,
            f"Imported: {outcome.added} new carers, {outcome.joined} joined to records the "
            f"register had; {outcome.roles} caring roles, {outcome.contacts} contacts.",
        )
        self.app.call_from_thread(self._planned, plan)

    def action_back(self) -> None:
        """Back to the front desk."""
        self.dismiss()
