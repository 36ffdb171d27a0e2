"""Duplicates (F12, coordinator): the pairs of records that are probably one person, best
first, and the merge of a pair side by side.

On the list, Enter opens a pair side by side and N sets it aside as two people. Side by side,
each row is one field with both records' values: Left and Right choose whose value the
merged record keeps (where only one record has a value, it is chosen already), S swaps which
record survives (the other's reference will open it), and Ctrl+S merges after a question.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Header, Label, Static

from carerdesk.core.entries import CARER_FIELDS
from carerdesk.core.errors import CarerdeskError
from carerdesk.core.permissions import Actor
from carerdesk.screens.register import shown_value
from carerdesk.widgets.fitted_table import Column, FittedTable
from carerdesk.widgets.footer import DeskFooter

if TYPE_CHECKING:
    from carerdesk.db.duplicates import Pair
    from carerdesk.widgets.desk import DeskApp

SHOWN = 200
"""Pairs listed at once (best first); merging some brings the next ones up."""


class DuplicatesScreen(Screen[None]):
    """The probable duplicates, best first."""

    BINDINGS = [
        Binding("n", "apart", "Not the same person"),
        Binding("escape", "back", "Back"),
    ]
    CSS_PATH = "merge.tcss"

    app: DeskApp

    def __init__(self) -> None:
        super().__init__()
        self.pairs: list[Pair] = []

    def compose(self) -> ComposeResult:
        yield Header()
        yield Label("Probable duplicates", id="pairs-title", classes="section-title")
        # At 80 columns the two records wrap rather than push the reasons off the screen.
        yield FittedTable(
            Column("Score"),
            Column("One record", least=20, wrap=True),
            Column("The other", least=20, wrap=True),
            Column("Why", rank=1, least=16, wrap=True),
            id="pairs",
            cursor_type="row",
            zebra_stripes=True,
        )
        yield Static("Looking for pairs…", id="pairs-status")
        yield DeskFooter()

    def on_mount(self) -> None:
        self.query_one("#pairs", FittedTable).focus()
        self.reload()

    def on_screen_resume(self) -> None:
        self.reload()

    def reload(self) -> None:
        """Look for pairs again (in the background: a large register takes a few seconds)."""
        if not self.app.working("duplicates"):
            self._scan(self.app.user)

    @work(thread=True, exclusive=True, group="duplicates", description="find duplicates")
    def _scan(self, actor: Actor) -> None:
        from carerdesk.db import duplicates

        try:
            with self.app.unit_of_work(write=False) as session:
                found = duplicates.scan(session, by=actor, limit=SHOWN)
        except CarerdeskError as error:
            self.app.call_from_thread(self._said, error.message)
            return
        self.app.call_from_thread(self._show, found)

    def _said(self, message: str) -> None:
        self.query_one("#pairs-status", Static).update(message)

    def _show(self, found: list[Pair]) -> None:
        self.pairs = found
        rows = []
        for pair in found:
            style = "bold" if pair.match.certain else ""
            rows.append(
                (
                    Text(str(pair.match.score), style=style, justify="right"),
                    Text(_side(pair.first)),
                    Text(_side(pair.second)),
                    Text("; ".join(pair.match.reasons), style="dim"),
                )
            )
        self.query_one("#pairs", FittedTable).show(rows)  # the cursor stays on its row
        certain = sum(pair.match.certain for pair in found)
        pairs = "1 pair" if len(found) == 1 else f"{len(found)} pairs"
        self._said(
            f"{pairs}, {certain} as good as certain (score 90 or more, in bold) · "
            "Enter compares a pair side by side · N: they are two people"
            if found
            else "No probable duplicates in the register."
        )

    def _chosen(self) -> Pair | None:
        row = self.query_one(DataTable).cursor_row
        return self.pairs[row] if 0 <= row < len(self.pairs) else None

    @on(DataTable.RowSelected)
    def _compare(self) -> None:
        pair = self._chosen()
        if pair is not None:
            self.app.push_screen(MergeScreen(pair.first.id, pair.second.id))

    def action_apart(self) -> None:
        """Set the chosen pair aside as two people (after a question)."""
        from carerdesk.dialogs.confirm import ConfirmModal

        pair = self._chosen()
        if pair is None:
            return

        def answered(yes: bool | None) -> None:
            if not yes or pair is None:
                return
            from carerdesk.db import duplicates

            try:
                with self.app.unit_of_work() as session:
                    duplicates.not_the_same(
                        session, pair.first.id, pair.second.id, by=self.app.user
                    )
            except CarerdeskError as error:
                self.notify(error.message, severity="warning")
                return
            self.notify(f"{pair.first.reference} and {pair.second.reference} are two people.")
            self.reload()

        question = (
            f"Are {pair.first.reference} {pair.first.name} and {pair.second.reference} "
            f"{pair.second.name} two different people? The pair will not be offered again."
        )
        self.app.push_screen(ConfirmModal(question, yes="Two people"), answered)

    def action_back(self) -> None:
        """Back to the front desk."""
        self.dismiss()


def _side(side: Any) -> str:
    return f"{side.reference} {side.name}, {side.date_of_birth:%d/%m/%Y}" + (
        " (closed)" if side.status == "closed" else ""
    )


def _count(count: int, noun: str) -> str:
    return f"{count} {noun}" + ("" if count == 1 else "s")


class MergeScreen(Screen[None]):
    """Two records side by side, to merge into one."""

    BINDINGS = [
        # Before the table's own sideways scroll, which would take them on a narrow screen.
        Binding("left", "choose(0)", "Take the left", show=False, priority=True),
        Binding("right", "choose(1)", "Take the right", show=False, priority=True),
        Binding("s", "swap", "Swap which record stays"),
        Binding("ctrl+s", "merge", "Merge", priority=True),
        Binding("escape", "back", "Back"),
    ]
    CSS_PATH = "merge.tcss"

    app: DeskApp

    def __init__(self, first_id: str, second_id: str) -> None:
        super().__init__()
        self.ids = [first_id, second_id]
        self.keep = 0
        """Which of the two (0 left, 1 right) survives."""
        self.values: list[dict[str, str]] = [{}, {}]
        self.chosen: dict[str, int] = {}
        """For each field that differs, whose value the merged record keeps."""
        self.fields: list[str] = []
        self.labels: list[str] = ["", ""]

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("", id="merge-title")
        # Both records' values in view at any width, whole: the columns wrap when narrow.
        yield FittedTable(
            Column("Field", least=14, wrap=True),
            Column("Left", least=16, wrap=True),
            Column("Right", least=16, wrap=True),
            id="merge-fields",
            cursor_type="row",
        )
        yield Static("", id="merge-status")
        yield DeskFooter()

    def on_mount(self) -> None:
        from carerdesk.db import carers
        from carerdesk.db.duplicates import MERGE_FIELDS

        try:
            with self.app.unit_of_work(write=False) as session:
                records = [
                    carers.get_carer(session, i, by=self.app.user, follow_merge=False)
                    for i in self.ids
                ]
                for index, carer in enumerate(records):
                    self.values[index] = {
                        name: shown_value(name, getattr(carer, name)) for name in MERGE_FIELDS
                    }
                    held = ", ".join(
                        _count(len(rows), noun)
                        for rows, noun in (
                            (carer.contacts, "contact"), (carer.roles, "caring role"),
                            (carer.cards, "card"), (carer.referrals, "referral"),
                        )
                    )  # fmt: skip
                    self.labels[index] = (
                        f"{carer.reference}, registered {carer.registered_on:%d/%m/%Y}: {held}"
                    )
                # The record registered first stays, unless the coordinator swaps them.
                first, second = (carer.registered_on or date.min for carer in records)
                self.keep = 0 if first <= second else 1
        except CarerdeskError as error:
            self.notify(error.message, severity="error")
            self.dismiss()
            return
        self.fields = [
            name for name in MERGE_FIELDS if self.values[0][name] or self.values[1][name]
        ]
        for name in self.fields:
            left, right = self.values[0][name], self.values[1][name]
            if left != right and name != "notes":  # both records' notes are kept
                self.chosen[name] = 0 if left and (not right or self.keep == 0) else 1
        self._show()
        self.query_one("#merge-fields", FittedTable).focus()

    def _label(self, name: str) -> str:
        spec = CARER_FIELDS.get(name)
        return spec.label if spec else "Contingency plan held"

    def _show(self) -> None:
        rows = []
        for name in self.fields:
            cells = []
            for side in (0, 1):
                value = self.values[side][name]
                if name not in self.chosen:
                    cells.append(Text(value, style="dim"))
                elif self.chosen[name] == side:
                    cells.append(Text("▶ " + (value or "(empty)"), style="bold"))
                else:
                    cells.append(Text("  " + (value or "(empty)"), style="dim strike"))
            rows.append((Text(self._label(name)), *cells))
        self.query_one("#merge-fields", FittedTable).show(rows)  # the cursor stays on its row
        stays, goes = self.keep, 1 - self.keep
        self.query_one("#merge-title", Static).update(
            f"[b]Stays[/b] ({'left' if stays == 0 else 'right'}): {self.labels[stays]}\n"
            f"[b]Merged in[/b] ({'left' if goes == 0 else 'right'}): {self.labels[goes]}"
        )
        differ = len(self.chosen)
        self.query_one("#merge-status", Static).update(
            f"{differ} fields differ: ← → choose whose value stays (▶) · S swaps which record "
            "stays · Ctrl+S merges. Every contact, role, card and referral of both is kept; "
            "notes are joined."
        )

    def action_choose(self, side: int) -> None:
        """Keep the left (0) or right (1) value of the field under the cursor."""
        row = self.query_one(DataTable).cursor_row
        if 0 <= row < len(self.fields) and self.fields[row] in self.chosen:
            self.chosen[self.fields[row]] = side
            self._show()

    def action_swap(self) -> None:
        """Swap which record survives (the values chosen stay chosen)."""
        self.keep = 1 - self.keep
        self._show()

    def action_merge(self) -> None:
        """Merge, after a question."""
        from carerdesk.dialogs.confirm import ConfirmModal

        away = 1 - self.keep
        take = [name for name, side in self.chosen.items() if side == away]
        stays = self.labels[self.keep].split(",")[0]
        goes = self.labels[away].split(",")[0]

        def answered(yes: bool | None) -> None:
            if yes:
                self._merge(take)

        question = (
            f"Merge {goes} into {stays}? {goes} will be closed as a duplicate and its "
            f"reference will open {stays}. This cannot be undone."
        )
        self.app.push_screen(ConfirmModal(question, yes="Merge"), answered)

    def _merge(self, take: list[str]) -> None:
        from carerdesk.db import duplicates
        from carerdesk.screens.carer import CarerScreen

        try:
            with self.app.unit_of_work() as session:
                kept = duplicates.merge_carers(
                    session,
                    self.ids[self.keep],
                    self.ids[1 - self.keep],
                    take=take,
                    by=self.app.user,
                    today=self.app.today(),
                )
                reference = kept.reference
        except CarerdeskError as error:
            self.query_one("#merge-status", Static).update(error.message)
            return
        self.notify(f"Merged into {reference}.")
        self.dismiss()
        self.app.push_screen(CarerScreen(reference))

    def action_back(self) -> None:
        """Back to the list without merging."""
        self.dismiss()
