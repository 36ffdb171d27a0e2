"""The retention review, for the coordinator: the records idle for longer than the
organisation's retention period, each with its last activity; Space ticks, Z erases those
ticked (``erase N`` typed to confirm), K keeps the chosen one with a reason, T shows the
records kept and why."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Header, Label, Static

from carerdesk.core.errors import CarerdeskError
from carerdesk.core.permissions import Can
from carerdesk.widgets.desk import role_allows
from carerdesk.widgets.fitted_table import Column, FittedTable
from carerdesk.widgets.footer import DeskFooter

if TYPE_CHECKING:
    from carerdesk.db.retention import ReviewRecord
    from carerdesk.widgets.desk import DeskApp

TICK, UNTICKED = "[x]", "[ ]"


class RetentionScreen(Screen[None]):
    """Records due for review (or, with T, those kept), the longest idle first."""

    CSS_PATH = "retention.tcss"
    BINDINGS = [
        Binding("space", "tick", "Tick", tooltip="Tick or untick the chosen record"),
        Binding("z", "erase", "Erase ticked", tooltip="Erase the records ticked, for good"),
        Binding("k", "keep", "Keep", tooltip="Keep the chosen record, with a reason"),
        Binding("t", "toggle_kept", "Kept / due", tooltip="The records kept, and why"),
        Binding("escape", "back", "Back"),
    ]
    RIGHTS: ClassVar[dict[str, Can]] = {"tick": Can.ERASE, "erase": Can.ERASE, "keep": Can.ERASE}

    app: DeskApp

    def __init__(self) -> None:
        super().__init__()
        self.records: list[ReviewRecord] = []
        self.ticked: set[str] = set()
        self.showing_kept = False
        self.years = 0

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Tick and erase only on the list of records due; every key for coordinators only."""
        if self.showing_kept and action in ("tick", "erase"):
            return False
        return role_allows(self.app, self.RIGHTS, action)

    def compose(self) -> ComposeResult:
        yield Header()
        yield Label("Retention review", id="retention-title", classes="section-title")
        yield FittedTable(id="retention", cursor_type="row", zebra_stripes=True)
        yield Static("", id="retention-status")
        yield DeskFooter()

    def on_mount(self) -> None:
        self.query_one("#retention", FittedTable).focus()
        self.reload()

    def reload(self) -> None:
        """Read the list again (records erased or kept leave it)."""
        from carerdesk.db import retention

        today, actor = self.app.today(), self.app.user
        try:
            with self.app.unit_of_work(write=False) as session:
                self.years = retention.retention_years(session)
                listed = retention.kept_records if self.showing_kept else retention.due_for_review
                self.records = listed(session, by=actor, today=today)
        except CarerdeskError as error:
            self._said(error.message)
            return
        self.ticked &= {record.id for record in self.records}
        self._show()

    def _show(self) -> None:
        table = self.query_one("#retention", FittedTable)
        rows: list[tuple[str, ...]]
        if self.showing_kept:
            title = "Records kept at a review, and why"
            table.set_columns(
                Column("Ref"), Column("Name", least=12), Column("Kept"),
                Column("Why", least=16, wrap=True), Column("Due again", rank=1),
            )  # fmt: skip
            rows = [
                (
                    record.reference, record.name,
                    f"{record.kept_on:%d/%m/%Y}" if record.kept_on else "",
                    record.kept_reason or "", f"{record.review_from:%d/%m/%Y}",
                )
                for record in self.records
            ]  # fmt: skip
        else:
            title = f"Retention review: records idle for over {self._period()}"
            table.set_columns(
                Column(""), Column("Ref"), Column("Name", least=12), Column("Last activity"),
                Column("What", rank=1, least=10), Column("Kept before", rank=2, least=10),
            )  # fmt: skip
            rows = [
                (
                    TICK if record.id in self.ticked else UNTICKED, record.reference,
                    record.name, f"{record.last_activity:%d/%m/%Y}", record.activity,
                    record.kept_reason or "",
                )
                for record in self.records
            ]  # fmt: skip
        self.query_one("#retention-title", Label).update(title)
        table.show([tuple(Text(cell) for cell in row) for row in rows])
        self._said(self._state())
        self.refresh_bindings()

    def _state(self) -> str:
        count = len(self.records)
        if self.showing_kept:
            return f"{count} kept · T: back to the records due" if count else "None kept."
        if not count:
            return f"No record has been idle for over {self._period()}. T: the records kept."
        ticked = f"{len(self.ticked)} ticked · " if self.ticked else ""
        return (
            f"{count} due · {ticked}Space ticks · Z erases the ticked · K keeps the chosen "
            "with a reason · T: the records kept"
        )

    def _period(self) -> str:
        return "1 year" if self.years == 1 else f"{self.years} years"

    def _said(self, message: str) -> None:
        self.query_one("#retention-status", Static).update(message)

    def _chosen(self) -> ReviewRecord | None:
        row = self.query_one("#retention", DataTable).cursor_row
        return self.records[row] if 0 <= row < len(self.records) else None

    def action_tick(self) -> None:
        """Tick the chosen record (or untick it)."""
        record = self._chosen()
        if record is None:
            return
        self.ticked ^= {record.id}
        self._show()

    def action_erase(self) -> None:
        """Erase the records ticked, once ``erase N`` is typed and a reason given."""
        if not self.app.allowed(Can.ERASE):
            return
        if not self.ticked:
            self._said("Tick the records to erase first (Space), then press Z.")
            return
        from carerdesk.core.erasure import check_confirmation
        from carerdesk.db.erasure import erase_carers
        from carerdesk.dialogs.erase import EraseModal

        chosen = [record.id for record in self.records if record.id in self.ticked]
        expected = f"erase {len(chosen)}"
        actor, today = self.app.user, self.app.today()

        def erase(typed: str, reason: str) -> str:
            check_confirmation(typed, expected)
            with self.app.unit_of_work() as session:
                done = erase_carers(session, chosen, reason=reason, by=actor, today=today)
            return f"{len(done)} record{'s' if len(done) != 1 else ''} erased."

        def erased(said: str | None) -> None:
            if said:
                self.notify(said)
                self.ticked.clear()
                self.reload()

        many = f"{len(chosen)} record{'s' if len(chosen) != 1 else ''}"
        self.app.push_screen(
            EraseModal(many, expected, erase, reason="retention period over"), erased
        )

    def action_keep(self) -> None:
        """Keep the chosen record, with a reason remembered till its next review."""
        record = self._chosen()
        if record is None or not self.app.allowed(Can.ERASE):
            return
        from carerdesk.db.retention import keep_record
        from carerdesk.dialogs.erase import KeepModal

        actor, today = self.app.user, self.app.today()

        def keep(reason: str) -> str:
            with self.app.unit_of_work() as session:
                again = keep_record(session, record.id, reason=reason, by=actor, today=today)
            return f"{record.reference} is kept; it is due for review again on {again:%d/%m/%Y}."

        def kept(said: str | None) -> None:
            if said:
                self.notify(said)
                self.reload()

        self.app.push_screen(KeepModal(f"{record.name} ({record.reference})", keep), kept)

    def action_toggle_kept(self) -> None:
        """Show the records kept and why, or back to the records due."""
        self.showing_kept = not self.showing_kept
        self.reload()

    def action_back(self) -> None:
        """Back to the front desk."""
        self.dismiss()
