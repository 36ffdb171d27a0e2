"""Mapping another system's spreadsheet onto carerdesk's fields (coordinator), opened from
the import screen when a file's columns are not carerdesk's.

Each column of the file is listed with a sample of its values and the field proposed for it
(``core.mapping.propose``), or the field a mapping saved for these columns gives it. Enter
changes a column's field (type part of its name to find it), Del leaves the column out, V
shows a coded column's values with how many rows hold each and the code each becomes. P
shows the first rows as they will be stored, each refused value marked with why. Ctrl+S
saves the mapping beside the file (``<file>.mapping.toml``, for next time and for
``carerdesk import FILE --mapping``) and goes back to the import screen, which checks the
whole file through it.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import ContentSwitcher, DataTable, Header, Static

from carerdesk.core import codes
from carerdesk.core import mapping as maps
from carerdesk.core.entries import CARD_FIELDS, CARER_FIELDS, CARER_KEPT
from carerdesk.core.errors import CarerdeskError
from carerdesk.screens.register import shown_value
from carerdesk.widgets.fitted_table import Column, FittedTable
from carerdesk.widgets.footer import SHOW_KEYS, DeskFooter

if TYPE_CHECKING:
    from datetime import date

    from sqlalchemy.orm import Session

    from carerdesk.core.permissions import Actor
    from carerdesk.widgets.desk import DeskApp

SAVED_SUFFIX = ".mapping.toml"
"""A mapping is saved beside its file, as ``members.csv.mapping.toml``."""
PREVIEW_ROWS = 5
"""The first rows shown as they will be stored (fewer on a narrow screen)."""
SAMPLE_SHOWN = 3
LABEL_WIDTH = 18
"""The preview's column of field names (cut short at 80 columns)."""
WIDE = 110
WIDE_LABEL_WIDTH = 30
"""The column of field names from ``WIDE`` columns: every label whole."""
PROBLEMS_SHOWN = 4
"""The preview's problems listed under it, one line each (the check lists every one)."""
"""The values of a column shown beside it."""
LEFT_OUT = "(leave this column out)"
EVERY_ROW = "(every row)"
"""A field given one value for every row of the file (or where its column is empty)."""
PROBLEM = "✗ "


def saved_path(path: Path) -> Path:
    """Where the mapping for ``path`` is saved: beside it."""
    return path.with_name(path.name + SAVED_SUFFIX)


def foreign(path: Path, encoding: str | None = None) -> bool:
    """Whether ``path`` is one file whose columns are not carerdesk's (another system's
    spreadsheet), to be mapped before it is checked. ``EncodingUnsure`` when its text may
    be in several encodings (the coordinator chooses, then asks again)."""
    from carerdesk.export.importer import ImportRefused
    from carerdesk.export.mapped import refuse_foreign

    if not path.is_file():
        return False
    try:
        refuse_foreign(path, encoding)
    except ImportRefused:
        return True
    except OSError:
        return False
    return False


@dataclass
class FileSample:
    """What the screen knows of the file: its columns and each one's values counted."""

    header: list[str]
    counts: dict[str, list[tuple[str, int]]]
    rows: int

    def samples(self) -> dict[str, list[str]]:
        """Each column's distinct values, for ``propose`` and the saved file's comments."""
        return {name: [value for value, _ in found] for name, found in self.counts.items()}


@dataclass
class Offer:
    """The mapping offered when the screen opens, and where it came from."""

    mapping: maps.Mapping
    sample: FileSample
    source: str = ""
    """The saved mapping's file or shipped name ("": proposed from the columns)."""


@dataclass
class Preview:
    """The first rows as the check left them: each field's value shown, and the problems."""

    lines: list[int] = field(default_factory=list)
    fields: list[tuple[str, str]] = field(default_factory=list)
    """(kind, column) of each field shown, in order."""
    cells: dict[tuple[int, str, str], str] = field(default_factory=dict)
    problems: dict[tuple[int, str, str], str] = field(default_factory=dict)


def _read(path: Path, header_row: int, sheet: str, encoding: str | None = None) -> FileSample:
    from carerdesk.export.mapped import read_table

    _, header, rows = read_table(path, header_row, sheet, encoding=encoding)
    counted = 0

    def each() -> Any:
        nonlocal counted
        for _, cells in rows:
            if any(cell.strip() for cell in cells):
                counted += 1
                yield cells

    counts = maps.value_counts(header, each())
    return FileSample(header, counts, counted)


def _candidates(path: Path) -> list[tuple[str, maps.Mapping]]:
    """The saved mappings that may fit ``path``: its own, the others in its folder, then the
    shipped ones."""
    from carerdesk.export.mapped import find_mapping, shipped

    found: list[tuple[str, maps.Mapping]] = []
    own = saved_path(path)
    others = sorted(p for p in path.parent.glob(f"*{SAVED_SUFFIX}") if p != own)
    for candidate in [own, *others] if own.is_file() else others:
        try:
            found.append((candidate.name, maps.load(candidate)))
        except CarerdeskError:
            continue  # a broken file is not offered (naming it with O says why)
    for name in shipped():
        found.append((f"{name} (shipped)", find_mapping(name)))
    return found


def offer(path: Path, encoding: str | None = None) -> Offer:
    """The mapping to offer for ``path``: a saved one made for its columns, else one proposed
    from its columns' names and values."""
    first = _read(path, 1, "", encoding)
    for source, mapping in _candidates(path):
        sample = first
        if (mapping.header_row, mapping.sheet) != (1, ""):
            try:
                sample = _read(path, mapping.header_row, mapping.sheet, encoding)
            except CarerdeskError:
                continue
        if maps.fits(mapping, sample.header):
            return Offer(mapping, sample, source)
    return Offer(maps.propose(first.header, first.samples()), first)


def preview(
    session: Session,
    path: Path,
    mapping: maps.Mapping,
    today: date,
    rows: int,
    encoding: str | None = None,
) -> Preview:
    """The first ``rows`` rows of ``path`` through ``mapping``, checked as the import checks
    them (nothing written)."""
    from carerdesk.export.importer import check_source, read_source

    sources = read_source(path, encoding=encoding, mapping=mapping)
    found = {kind: rows for kind, rows in sources.items() if isinstance(rows, list)}
    carers = found.get("carers", [])[:rows]
    lines = {row.line for row in carers}
    cards = [row for row in found.get("cards", []) if row.line in lines]
    shown = Preview(lines=[row.line for row in carers])
    alone = check_source(session, {"carers": carers}, today)
    whole = check_source(session, {"carers": carers, "cards": cards}, today)
    carer_problems = {(p.line, p.column) for p in alone.problems}
    for problem in whole.problems:
        kind = "carers" if (problem.line, problem.column) in carer_problems else "cards"
        shown.problems[(problem.line, kind, problem.column)] = problem.message
    checked = {row.line: values for row, values in whole.carers}
    for kind, source_rows in (("carers", carers), ("cards", cards)):
        good = (
            checked
            if kind == "carers"
            else {row.line: values for row, values in whole.linked.get("cards", [])}
        )
        for row in source_rows:
            for column, text in row.cells.items():
                if (kind, column) == ("cards", "reference"):
                    continue  # the carer's, shown above
                if (kind, column) not in shown.fields:
                    shown.fields.append((kind, column))
                values = good.get(row.line)
                value = values.get(column) if values is not None else text
                shown.cells[(row.line, kind, column)] = _shown(kind, column, value)
    for _, kind, column in shown.problems:
        if (kind, column) not in shown.fields:
            shown.fields.append((kind, column))
    return shown


def _shown(kind: str, column: str, value: object) -> str:
    if kind == "cards":
        spec = CARD_FIELDS.get(column)
        if spec is not None and spec.choices is not None and isinstance(value, str):
            return codes.label(spec.choices, value)
    return shown_value(column, value)


def field_label(kind: str, column: str) -> str:
    """A carerdesk field as the preview names it."""
    if kind == "cards":
        spec = CARD_FIELDS.get(column)
        return f"Card: {spec.label.lower()}" if spec else f"Card: {column}"
    spec = CARER_FIELDS.get(column) or CARER_KEPT.get(column)
    return spec.label if spec else column


class MappingScreen(Screen[maps.Mapping | None]):
    """A file's columns and the carerdesk field each goes to; dismisses with the mapping to
    check the file through (Ctrl+S, saved beside the file), or None (Esc)."""

    CSS_PATH = "mapping.tcss"
    BINDINGS = [
        SHOW_KEYS,
        Binding("enter", "change_field", "Field", show=False),
        Binding("delete", "leave_out", "Leave out"),
        Binding("v", "values", "Values"),
        Binding("a", "add_constant", "Every row", show=False),
        Binding("p", "preview", "Preview"),
        Binding("o", "open_saved", "Open a mapping", show=False),
        Binding("ctrl+s", "use", "Save, check", priority=True),
        Binding("escape", "back", "Back"),
    ]

    app: DeskApp

    def __init__(
        self, path: Path, mapping: maps.Mapping | None = None, encoding: str | None = None
    ) -> None:
        """``mapping``: the one used last for this file (else one is offered); ``encoding``:
        the one the coordinator chose for its text (else it is detected)."""
        super().__init__()
        self.path = path
        self.encoding = encoding
        self.mapping = mapping or maps.Mapping(())
        self.sample = FileSample([], {}, 0)
        self.source = "" if mapping is None else "as used last"
        self.ready = False

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(f"Reading {self.path.name}…", id="mapping-title")
        with ContentSwitcher(initial="mapping-columns", id="mapping-views"):
            yield FittedTable(
                Column("Column", least=10),
                Column("Sample", rank=1, least=12),
                Column("Goes to", least=16, wrap=True),
                id="mapping-columns",
                cursor_type="row",
            )
            with Vertical(id="mapping-preview"):
                table: DataTable[Text] = DataTable(id="preview-rows", cursor_type="row")
                yield table
                yield Static("", id="preview-problems")
        yield Static("", id="mapping-status")
        yield DeskFooter()

    def on_mount(self) -> None:
        self.query_one("#mapping-columns", FittedTable).focus()
        self._offer(self.mapping if self.mapping.columns else None)

    # Reading the file ----------------------------------------------------------------

    @work(thread=True, exclusive=True, group="mapping", description="read a file to map")
    def _offer(self, mapping: maps.Mapping | None) -> None:
        try:
            if mapping is None:
                offered = offer(self.path, self.encoding)
            else:
                offered = Offer(
                    mapping, _read(self.path, mapping.header_row, mapping.sheet, self.encoding)
                )
        except CarerdeskError as error:
            self.app.call_from_thread(self._said, error.message)
            return
        except OSError:
            self.app.call_from_thread(self._said, "That file cannot be read.")
            return
        self.app.call_from_thread(self._offered, offered)

    def _offered(self, offered: Offer) -> None:
        self.mapping = self._complete(offered.mapping, offered.sample.header)
        self.sample = offered.sample
        self.source = offered.source or self.source
        self.ready = True
        self._show()
        self.refresh_bindings()

    @staticmethod
    def _complete(mapping: maps.Mapping, header: list[str]) -> maps.Mapping:
        """Every column of the file in the file's order (a column the mapping does not name
        is left out)."""
        by_source = {column.source: column for column in mapping.columns}
        columns = tuple(by_source.get(name) or maps.ColumnMap(name, None) for name in header)
        return replace(mapping, columns=columns)

    # Showing ---------------------------------------------------------------------------

    def _said(self, message: str) -> None:
        self.query_one("#mapping-status", Static).update(message)

    def _title(self) -> str:
        where = (
            f"the mapping {self.source}" if self.source else "proposed from the names and values"
        )
        mapped = sum(1 for column in self.mapping.columns if column.target)
        return (
            f"[b]{self.path.name}[/b]: {len(self.sample.header)} columns, {self.sample.rows} "
            f"rows; {mapped} go to carerdesk's fields ({where})."
        )

    def _goes_to(self, column: maps.ColumnMap) -> Text:
        if column.target is None:
            return Text("left out", style="dim")
        text = Text(maps.TARGETS[column.target])
        if column.target in maps.SPLITS:
            parts = ", ".join(field_label("carers", p).lower() for p in maps.SPLITS[column.target])
            text = Text(f"{maps.TARGETS[column.target].split(' (')[0]} → {parts}")
        left = self._unmapped(column)
        if left:
            text.append(f" · {PROBLEM}{left} not mapped (V)", style="bold")
        return text

    def _unmapped(self, column: maps.ColumnMap) -> int:
        left = maps.unmapped_values(
            maps.Mapping((column,)), {column.source: self._distinct(column.source)}
        )
        return len(left.get(column.source, []))

    def _distinct(self, source: str) -> list[str]:
        return [value for value, _ in self.sample.counts.get(source, [])]

    def _show(self) -> None:
        self.query_one("#mapping-title", Static).update(self._title())
        rows = []
        for column in self.mapping.columns:
            sample = ", ".join(self._distinct(column.source)[:SAMPLE_SHOWN])
            rows.append((Text(column.source), Text(sample, style="dim"), self._goes_to(column)))
        for target, value in self.mapping.constants.items():
            code_list = maps.coded(target)
            shown = code_list.get(value, value) if code_list else value
            rows.append((Text(EVERY_ROW, style="italic"), Text(shown), Text(maps.TARGETS[target])))
        self.query_one("#mapping-columns", FittedTable).show(rows)
        self._said(
            "Enter: a column's field · Del: leave it out · V: a coded column's values · A: a "
            "value for every row · P: the first rows as stored · O: a saved mapping · Ctrl+S: "
            "save it, check the file"
        )

    def _chosen(self) -> maps.ColumnMap | None:
        row = self.query_one("#mapping-columns", FittedTable).cursor_row
        columns = self.mapping.columns
        return columns[row] if 0 <= row < len(columns) else None

    def _chosen_constant(self) -> str | None:
        row = self.query_one("#mapping-columns", FittedTable).cursor_row - len(self.mapping.columns)
        constants = list(self.mapping.constants)
        return constants[row] if 0 <= row < len(constants) else None

    def _set(self, changed: maps.ColumnMap) -> None:
        columns = tuple(
            changed if column.source == changed.source else column
            for column in self.mapping.columns
        )
        self.mapping = replace(self.mapping, columns=columns)
        self._show()

    # The keys --------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        showing_columns = self._view() == "mapping-columns"
        if action in ("change_field", "leave_out", "values", "open_saved", "add_constant"):
            return showing_columns and self.ready
        if action in ("preview", "use"):
            return self.ready
        return True

    def _view(self) -> str | None:
        return self.query_one("#mapping-views", ContentSwitcher).current

    @on(DataTable.RowSelected, "#mapping-columns")
    def action_change_field(self) -> None:
        """Choose the field the chosen column goes to."""
        from carerdesk.dialogs.pick import PickModal

        column = self._chosen()
        if column is None:
            constant = self._chosen_constant()
            if constant is not None:
                self._ask_constant(constant)
            return

        def picked(target: str | None) -> None:
            if target is None or column is None:
                return
            self._retarget(column, target or None)

        options = [("", LEFT_OUT), *((t, f"{label} ({t})") for t, label in maps.TARGETS.items())]
        sample = ", ".join(self._distinct(column.source)[:SAMPLE_SHOWN])
        title = f"{column.source} ({sample}) goes to" if sample else f"{column.source} goes to"
        self.app.push_screen(PickModal(title, options, column.target or ""), picked)

    def _retarget(self, column: maps.ColumnMap, target: str | None) -> None:
        """Send ``column`` to ``target``; a column that went there before is left out (one
        column a field), and a coded field's values are proposed afresh."""
        taken = set(maps.SPLITS.get(target, ())) | {target} if target else set()
        columns = []
        for other in self.mapping.columns:
            if other.source == column.source:
                other = self._proposed(column.source, target)
            elif other.target and ({other.target, *maps.SPLITS.get(other.target, ())} & taken):
                self.notify(f"{other.source} is left out: {column.source} goes there now.")
                other = maps.ColumnMap(other.source, None)
            columns.append(other)
        self.mapping = replace(self.mapping, columns=tuple(columns))
        self._show()

    def _proposed(self, source: str, target: str | None) -> maps.ColumnMap:
        """``source`` sent to ``target``, its values mapped as ``propose`` maps them."""
        if target is None:
            return maps.ColumnMap(source, None)
        return maps.ColumnMap(source, target, maps.values_for(target, self._distinct(source)))

    def action_leave_out(self) -> None:
        """Leave the chosen column out of the import."""
        column = self._chosen()
        if column is not None and column.target is not None:
            self._set(maps.ColumnMap(column.source, None))
        constant = self._chosen_constant()
        if constant is not None:
            self._set_constant(constant, None)

    def action_add_constant(self) -> None:
        """Give a field one value for every row (where its column, if any, is empty)."""
        from carerdesk.dialogs.pick import PickModal

        def picked(target: str | None) -> None:
            if target:
                self._ask_constant(target)

        options = [
            (t, f"{label} ({t})") for t, label in maps.TARGETS.items() if t not in maps.SPLITS
        ]
        self.app.push_screen(PickModal("A value for every row, in the field", options), picked)

    def _ask_constant(self, target: str) -> None:
        from carerdesk.dialogs.pick import PickModal, TextModal

        def given(value: str | None) -> None:
            if value is not None:
                self._set_constant(target, value or None)

        title = f"{maps.TARGETS[target]}, for every row"
        now = self.mapping.constants.get(target, "")
        code_list = maps.coded(target)
        if code_list is None:
            self.app.push_screen(TextModal(title, now), given)
        else:
            options = [(code, f"{label} ({code})") for code, label in code_list.items()]
            self.app.push_screen(PickModal(title, options, now), given)

    def _set_constant(self, target: str, value: str | None) -> None:
        constants = {t: v for t, v in self.mapping.constants.items() if t != target}
        if value:
            constants[target] = value
        self.mapping = replace(self.mapping, constants=constants)
        self._show()

    def action_values(self) -> None:
        """The chosen coded column's values and the code each becomes."""
        from carerdesk.dialogs.coded_values import CodedValuesModal

        column = self._chosen()
        code_list = maps.coded(column.target) if column and column.target else None
        if column is None or code_list is None or column.target is None:
            self.notify("Only a coded column (gender, ethnicity, yes or no…) has values to map.")
            return

        def done(values: dict[str, str] | None) -> None:
            if values is not None and column is not None:
                self._set(replace(column, values=values))

        counts = self.sample.counts.get(column.source, [])
        modal = CodedValuesModal(
            column.source, maps.TARGETS[column.target], code_list, counts, column.values
        )
        self.app.push_screen(modal, done)

    def action_preview(self) -> None:
        """Switch between the columns and the first rows as they will be stored."""
        views = self.query_one("#mapping-views", ContentSwitcher)
        if views.current == "mapping-preview":
            views.current = "mapping-columns"
            self.query_one("#mapping-columns", FittedTable).focus()
            self._show()
        else:
            views.current = "mapping-preview"
            self.query_one("#preview-rows", DataTable).focus()
            self._said(f"Checking the first rows of {self.path.name}…")
            self._preview(self.mapping, self.app.user)
        self.refresh_bindings()

    @work(thread=True, exclusive=True, group="mapping", description="preview a mapping")
    def _preview(self, mapping: maps.Mapping, actor: Actor) -> None:
        # ``actor``: read on the UI thread; the check reads the register, as the import's.
        del actor
        try:
            with self.app.unit_of_work(write=False) as session:
                shown = preview(
                    session, self.path, mapping, self.app.today(), PREVIEW_ROWS, self.encoding
                )
        except CarerdeskError as error:
            self.app.call_from_thread(self._said, error.message)
            return
        self.app.call_from_thread(self._previewed, shown)

    def _previewed(self, shown: Preview) -> None:
        table = self.query_one("#preview-rows", DataTable)
        table.clear(columns=True)
        each = 16
        label = LABEL_WIDTH if self.size.width < WIDE else WIDE_LABEL_WIDTH
        room = self.size.width - label - 8  # margins, padding and a scroll bar
        fitting = max(1, min(len(shown.lines), room // (each + 2)))
        lines = shown.lines[:fitting]
        table.add_column("carerdesk field", width=label)
        for line in lines:
            table.add_column(f"Line {line}", width=each)
        split_from = {
            part: column.source
            for column in self.mapping.columns
            for part in maps.SPLITS.get(column.target or "", ())
        }
        for kind, column in shown.fields:
            name = field_label(kind, column)
            if kind == "carers" and column in split_from:
                name = f"{name} ← {split_from[column]}"  # what a split column became
            cells = [Text(name, style="dim")]
            for line in lines:
                text = shown.cells.get((line, kind, column), "")
                if (line, kind, column) in shown.problems:
                    cells.append(Text(PROBLEM + (text or "(empty)"), style="bold"))
                else:
                    cells.append(Text(text))
            table.add_row(*cells)
        problems = [
            f"{PROBLEM}line {line}, {field_label(kind, column)}: {message}"
            for (line, kind, column), message in shown.problems.items()
            if line in lines
        ]
        if len(problems) > PROBLEMS_SHOWN:
            more = len(problems) - PROBLEMS_SHOWN + 1
            problems[PROBLEMS_SHOWN - 1 :] = [f"… and {more} more (Ctrl+S lists them all)"]
        said = Text("\n".join(problems) or "These rows are all good.", no_wrap=True)
        said.overflow = "ellipsis"
        self.query_one("#preview-problems", Static).update(said)
        self._said(
            f"The first {len(lines)} rows as they will be stored. P: back to the columns · "
            "Ctrl+S: save the mapping and check the whole file"
        )

    def action_open_saved(self) -> None:
        """Use a saved mapping, named by its file or a shipped mapping's name."""
        from carerdesk.dialogs.pick import PickModal
        from carerdesk.export.mapped import shipped

        others = sorted(str(p) for p in self.path.parent.glob(f"*{SAVED_SUFFIX}"))
        options = [(p, Path(p).name) for p in others]
        options += [(name, f"{name} (shipped)") for name in shipped()]

        def picked(name: str | None) -> None:
            if name:
                self._use_saved(name)

        self.app.push_screen(PickModal("Use the mapping", options), picked)

    def _use_saved(self, name: str) -> None:
        from carerdesk.export.mapped import find_mapping

        try:
            mapping = find_mapping(name)
        except CarerdeskError as error:
            self._said(error.message)
            return
        self.source = Path(name).name if "/" in name else f"{name} (shipped)"
        self.ready = False
        self._offer(mapping)

    def action_use(self) -> None:
        """Save the mapping beside the file and check the whole file through it."""
        saved = saved_path(self.path)
        try:
            maps.save(self.mapping, saved, self.sample.samples())
        except OSError:
            self.notify(
                f"The mapping could not be saved beside {self.path.name}: it is used for "
                "this import only.",
                severity="warning",
            )
        else:
            self.notify(f"The mapping is saved as {saved.name}.")
        self.dismiss(self.mapping)

    def action_back(self) -> None:
        """Back to the import screen, nothing checked."""
        if self._view() == "mapping-preview":
            self.action_preview()
            return
        self.dismiss(None)
