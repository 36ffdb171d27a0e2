"""The weekly return, for the coordinator: pick a week, see every figure and two charts, make
the return (CSV and workbook) with progress, and see the returns made before.

A week returned before whose figures have moved since shows what moved, old and new; Ctrl+S
then asks to be pressed again to make the amended return.
"""

from __future__ import annotations

from datetime import UTC, date
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Header, Input, Label, ProgressBar, Sparkline, Static
from textual.worker import get_current_worker

from carerdesk.core.errors import CarerdeskError
from carerdesk.core.returns import Figure, Moved, category_label, checksum, moved
from carerdesk.core.weeks import Week, check_finished, last_complete_week, parse_week
from carerdesk.settings import output_dir
from carerdesk.widgets.footer import DeskFooter

if TYPE_CHECKING:
    from carerdesk.core.permissions import Actor
    from carerdesk.db.returns import MadeReturn
    from carerdesk.export.weekly import ReturnMade
    from carerdesk.widgets.desk import DeskApp

LONDON = ZoneInfo("Europe/London")
BAR = 16
"""The widest bar of the contacts-by-day chart, in cells."""
STAGES = 3


def day_bars(days: list[tuple[date, int]]) -> str:
    """The week's contacts as a bar a day: ``Mon 16 ████████ 45``."""
    top = max((count for _, count in days), default=0) or 1
    lines = []
    for day, count in days:
        bar = "█" * round(BAR * count / top) if count else ""
        lines.append(f"{day:%a %d} {bar:<{BAR}} {count}")
    return "\n".join(lines)


class ReturnsScreen(Screen[None]):
    """Every figure of the chosen week; Enter in the week box shows another week."""

    BINDINGS = [
        Binding("ctrl+s", "make", "Make the return", priority=True),
        Binding("pageup", "step(-1)", "Week before", show=False),
        Binding("pagedown", "step(1)", "Week after", show=False),
        Binding("escape", "back", "Back"),
    ]

    CSS_PATH = "returns.tcss"

    app: DeskApp

    def __init__(self) -> None:
        super().__init__()
        self.week: Week | None = None
        self.figures: list[Figure] = []
        self.changes: list[Moved] = []
        self.unexplained: list[Moved] = []
        """The moved figures no erasure accounts for (``db.returns.by_erasure``)."""
        self.confirming = False
        self.unfinished: str | None = None
        """Why the week shown cannot be returned yet (it is not over), or None."""
        self.wanted: Week | None = None
        """The week asked for last: shown, or being counted."""

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="return-top"):
            yield Label("Weekly return for the week", classes="section-title")
            yield Input(id="return-week", compact=True, placeholder="YYYY-Www")
            yield Static("", id="return-dates")
        with Horizontal(id="return-body"):
            table: DataTable[Text] = DataTable(
                id="return-figures", cursor_type="row", zebra_stripes=True
            )
            yield table
            with Vertical(id="return-side"):
                yield Label("Contacts by day", classes="chart-title")
                yield Static("", id="return-days")
                yield Label("New registrations, 12 weeks", classes="chart-title")
                yield Sparkline([], id="return-trend")
                yield Static("", id="return-trend-range")
                yield Label("Returns made for this week", classes="chart-title")
                yield Static("", id="return-history")
        yield ProgressBar(id="return-progress", total=STAGES, show_eta=False)
        yield Static("", id="return-status")
        yield DeskFooter()

    def on_mount(self) -> None:
        table = self.query_one("#return-figures", DataTable)
        table.add_columns("Count", "Figure")
        box = self.query_one("#return-week", Input)
        box.value = str(last_complete_week(self.app.today()))
        box.focus()
        self.show(parse_week(box.value))

    @on(Input.Submitted, "#return-week")
    def _week_typed(self, event: Input.Submitted) -> None:
        try:
            week = parse_week(event.value)
        except CarerdeskError as error:
            self._said(error.message)
            return
        self.show(week)

    def action_step(self, weeks: int) -> None:
        """The week before (-1) or after (1)."""
        if self.wanted is None:
            return
        week = self.wanted.before(-weeks)
        self.query_one("#return-week", Input).value = str(week)
        self.show(week)

    def show(self, week: Week, said: str = "") -> None:
        """Count ``week`` in a worker, then show its figures, charts and past returns (and
        ``said`` rather than the week's state, when given)."""
        self.wanted = week
        self._count(week, said, self.app.user)

    @work(thread=True, exclusive=True, group="count", description="count a week")
    def _count(self, week: Week, said: str, actor: Actor) -> None:
        # ``actor`` is read on the UI thread: the screen may lock while the week is counted.
        from carerdesk.db import returns

        worker = get_current_worker()
        try:
            with self.app.unit_of_work(write=False) as session:
                figures = returns.week_figures(session, week, actor)
                days = returns.contacts_by_day(session, week, by=actor)
                trend = returns.registrations_by_week(session, week, by=actor)
                history = returns.past_returns(session, actor, week)
                erased = (
                    returns.erased_changes(session, week, history[0].made_at, by=actor)
                    if history
                    else {}
                )
        except CarerdeskError as error:
            self.app.call_from_thread(self._said, error.message)
            return
        if not worker.is_cancelled:
            counted = (figures, days, trend, history, erased)
            self.app.call_from_thread(self._counted, week, counted, said)

    def _counted(
        self,
        week: Week,
        counted: tuple[
            list[Figure],
            list[tuple[date, int]],
            list[tuple[Week, int]],
            list[MadeReturn],
            dict[tuple[str, str, str], int],
        ],
        said: str,
    ) -> None:
        from carerdesk.db.returns import by_erasure

        if week != self.wanted or not self.is_attached:
            return  # another week was asked for since, or the screen was left
        figures, days, trend, history, erased = counted
        self.week, self.figures, self.confirming = week, figures, False
        self.changes = moved(history[0].figures, figures) if history else []
        self.unexplained = by_erasure(self.changes, erased)
        self.unfinished = self._unfinished(week)
        dates = (
            week.label if self.unfinished is None else f"Not over: figures so far · {week.label}"
        )
        self.query_one("#return-dates", Static).update(dates)
        table = self.query_one("#return-figures", DataTable)
        table.clear()
        for figure in figures:
            if figure.breakdown == "total":
                title = Text(figure.measure.replace("_", " ").capitalize(), style="bold")
                table.add_row(Text(str(figure.value), style="bold"), title)
                continue
            what = f"  {figure.breakdown.replace('_', ' ')}: "
            what += category_label(figure.breakdown, figure.category)
            table.add_row(Text(str(figure.value)), Text(what))
        self.query_one("#return-days", Static).update(day_bars(days))
        counts = [count for _, count in trend]
        self.query_one("#return-trend", Sparkline).data = counts
        self.query_one("#return-trend-range", Static).update(
            f"W{trend[0][0].number:02} to W{trend[-1][0].number:02}: "
            f"{min(counts)} to {max(counts)} a week"
        )
        self.query_one("#return-history", Static).update(self._history(history))
        self._said(said or self._state(history))

    def _history(self, history: list[MadeReturn]) -> str:
        if not history:
            return "None yet."
        lines = []
        for made in history[:5]:
            when = made.made_at.replace(tzinfo=UTC).astimezone(LONDON)
            marks = (" amended" if made.amends else "") + ("" if made.intact else " ALTERED")
            lines.append(f"{when:%d/%m/%Y %H:%M}{marks}\n  by {made.made_by}")
        return "\n".join(lines)

    def _unfinished(self, week: Week) -> str | None:
        """Why no return can be made for ``week`` yet (it is not over), or None."""
        try:
            check_finished(week, self.app.today())
        except CarerdeskError as error:
            return error.message
        return None

    def _state(self, history: list[MadeReturn]) -> str:
        if self.unfinished is not None:
            return f"{self.unfinished} These are its figures so far."
        if not history:
            return "Not returned yet. Ctrl+S makes the return: a CSV file and a workbook."
        if not self.changes:
            return "Returned already, and no figure has moved since. Ctrl+S makes another copy."
        listed = "; ".join(str(change) for change in self.changes[:6])
        more = f" and {len(self.changes) - 6} more" if len(self.changes) > 6 else ""
        if not self.unexplained:
            # Only erasures moved them: say so, rather than an amendment nobody can explain.
            return (
                f"Returned already; {len(self.changes)} figures have moved since because a "
                f"carer's record was erased (of the age, only the week an age band was crossed "
                f"is kept): {listed}{more}. Ctrl+S makes an amended return, if one is needed."
            )
        erased = len(self.changes) - len(self.unexplained)
        because = f" ({erased} of them because a record was erased)" if erased else ""
        return (
            f"Returned already, but {len(self.changes)} figures have moved since{because}: "
            f"{listed}{more}. Ctrl+S to make an amended return."
        )

    def _said(self, message: str) -> None:
        self.query_one("#return-status", Static).update(message)

    def action_make(self) -> None:
        """Make the week's return: the CSV file and the workbook, remembered."""
        if self.week is None or self.app.working("return"):
            return
        if self.app.working("count") or self.wanted != self.week:
            self.notify("The week is still being counted: a moment more.")
            return
        if self.unfinished is not None:
            self._said(self.unfinished)
            return
        if self.changes and not self.confirming:
            self.confirming = True
            why = "" if self.unexplained else ", because a carer's record was erased"
            self._said(
                f"{len(self.changes)} figures moved since the last return of {self.week}{why}. "
                "Press Ctrl+S again to make the amended return, or Esc to leave it."
            )
            return
        self._said("Making the return…")
        bar = self.query_one("#return-progress", ProgressBar)
        bar.update(progress=0)
        bar.display = True
        self._make(self.week, bool(self.changes), checksum(self.figures), self.app.user)

    @work(thread=True, exclusive=True, group="return", description="make the weekly return")
    def _make(self, week: Week, amend: bool, shown: str, actor: Actor) -> None:
        # ``actor`` is read on the UI thread: the screen may lock while the files are written.
        from carerdesk.db.returns import FiguresMoved
        from carerdesk.export.weekly import export_return

        bar = self.query_one("#return-progress", ProgressBar)

        def progress(stage: str) -> None:
            self.app.call_from_thread(bar.advance, 1)
            self.app.call_from_thread(self._said, stage)

        try:
            made = export_return(
                lambda write: self.app.unit_of_work(write=write),
                actor,
                week,
                output_dir("returns"),
                today=self.app.today(),
                formats=("csv", "xlsx"),
                amend=amend,
                shown=shown,
                progress=progress,
            )
        except FiguresMoved as moved_since:
            # The register moved on while the figures were on the screen: show them again.
            self.app.call_from_thread(self.show, week, moved_since.message)
            return
        except CarerdeskError as error:
            self.app.call_from_thread(self._said, error.message)
            return
        except OSError:
            self.app.call_from_thread(
                self._said, "The returns folder cannot be written to: nothing was made."
            )
            return
        self.app.call_from_thread(self._done, week, made)

    def _done(self, week: Week, made: ReturnMade) -> None:
        self.query_one("#return-progress", ProgressBar).update(progress=STAGES)
        kind = "Amended return" if made.amended else "Return"
        names = " and ".join(path.name for path in made.files)
        self.show(week, f"{kind} for {week} made: {names}, in {made.files[0].parent}.")

    def action_back(self) -> None:
        """Back to the front desk (a return being written finishes first)."""
        if self.app.working("return"):
            self.notify("The return is still being written: a moment more.")
            return
        self.dismiss()
