"""Reading another system's spreadsheet through a mapping (``core.mapping``).

A CSV file or a workbook (its first sheet, or the sheet the mapping names) is read row by
row; each row becomes, through the mapping, the cells of a carers row and of a cards row,
kept with the file and line it came from. What comes back is the importer's usual
``Sources``, so the rows are checked and written exactly as carerdesk's own files are.
The shipped mappings (``mappings/*.toml``) are found by name.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Generator, Sequence
from importlib import resources
from pathlib import Path

from carerdesk.core import mapping as maps
from carerdesk.core.errors import CarerdeskError
from carerdesk.export import encodings, guards, importer
from carerdesk.export.encodings import EncodingRefused, EncodingUnsure
from carerdesk.export.importer import ImportRefused, SourceRow, Sources
from carerdesk.export.register import COLUMNS

Rows = Generator[tuple[int, list[str]], None, None]
"""A file's rows after its header: each with its line (or workbook row) number."""

HEAD_BYTES = 65_536
"""How much of a CSV file is read to tell whether its columns are carerdesk's."""


def _csv_table(path: Path, header_row: int, encoding: str | None) -> tuple[list[str], Rows]:
    # Read as the importer reads text (its encodings and its guards), so both see the same
    # characters and refuse the same broken files.
    guards.csv_file(path)
    header, records = importer.csv_records(
        importer._read_text(path, encoding), path.name, header_row
    )

    def rows() -> Rows:
        yield from records

    return [cell.replace("\ufeff", "").strip() for cell in header], rows()


def _xlsx_table(
    path: Path, header_row: int, sheet: str, phones: frozenset[str] = frozenset()
) -> tuple[str, list[str], Rows]:
    from openpyxl import load_workbook

    guards.workbook(path)
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception:
        raise guards.not_a_workbook(path) from None
    if sheet and sheet not in book.sheetnames:
        book.close()
        raise ImportRefused(f"{path.name} has no sheet named {sheet!r}.")
    chosen = book[sheet] if sheet else book.worksheets[0]
    label = f"{path.name}[{chosen.title}]"
    try:
        values = guards.sheet_rows(chosen, label)
        header: list[str] = []
        for _ in range(header_row):
            header = [importer._cell_text(value, "") for value in next(values, ())]
        guards.header(header, label)
    except ImportRefused:
        book.close()
        raise
    except Exception:  # a cut-short or damaged part: never openpyxl's words (guards)
        book.close()
        raise guards.not_a_workbook(path) from None
    header = [name.strip() for name in header]
    columns = [("phone" if name in phones else "") for name in header]

    def rows() -> Rows:
        try:
            for line, found in enumerate(values, start=header_row + 1):
                yield (
                    line,
                    [
                        importer._cell_text(value, column)
                        for value, column in zip(found, columns, strict=False)
                    ],
                )
        except ImportRefused:
            raise
        except Exception:
            raise guards.not_a_workbook(path) from None
        finally:
            book.close()

    return label, header, rows()


def read_table(
    path: Path,
    header_row: int = 1,
    sheet: str = "",
    phones: frozenset[str] = frozenset(),
    encoding: str | None = None,
) -> tuple[str, list[str], Rows]:
    """A CSV file's or a workbook sheet's name for problems, header and rows (``phones``:
    the columns whose numbers a spreadsheet may have stored without their leading 0)."""
    if not path.is_file():
        raise ImportRefused(f"{path} is not a file: a mapping reads one CSV file or workbook.")
    if path.suffix.lower() == ".xlsx":
        return _xlsx_table(path, header_row, sheet, phones)
    header, rows = _csv_table(path, header_row, encoding)
    return path.name, header, rows


def sample(
    path: Path, header_row: int = 1, sheet: str = "", limit: int = 50, encoding: str | None = None
) -> tuple[list[str], dict[str, list[str]]]:
    """A file's header and each column's distinct values (``limit`` at most a column), for
    ``core.mapping.propose`` and the screen that shows them."""
    _, header, rows = read_table(path, header_row, sheet, encoding=encoding)
    found: dict[str, dict[str, None]] = {name: {} for name in header}
    for _, cells in rows:
        for name, value in zip(header, cells, strict=False):
            value = value.strip()
            seen = found[name]
            if value and len(seen) < limit:
                seen[value] = None
    return header, {name: list(values) for name, values in found.items()}


def _positions(header: Sequence[str], mapping: maps.Mapping, label: str) -> list[int]:
    """Where each of the mapping's columns is in ``header``: matched as written, else in
    any case and spacing; a column the file lacks is refused (it would quietly empty a
    field)."""
    exact = {name: index for index, name in reversed(list(enumerate(header)))}
    loose = {importer.column_name(name): index for name, index in exact.items()}
    positions = []
    for column in mapping.columns:
        index = exact.get(column.source, loose.get(importer.column_name(column.source)))
        if index is None:
            if column.target is None or mapping.partial:
                positions.append(-1)
                continue
            raise ImportRefused(
                f"{label} has no column {column.source!r}, which the mapping sends to "
                f"{column.target}: is it the file the mapping was made for?"
            )
        positions.append(index)
    return positions


def read_mapped(path: Path, mapping: maps.Mapping, encoding: str | None = None) -> Sources:
    """The carers (and cards) in another system's file, read through ``mapping``; each row
    keeps the file and line it came from, so problems point into that file."""
    phones = frozenset(
        column.source for column in mapping.columns if column.target in ("phone", "mobile")
    )
    label, header, rows = read_table(path, mapping.header_row, mapping.sheet, phones, encoding)
    applied = maps.row_applier(mapping, _positions(header, mapping, label))
    carers: list[SourceRow] = []
    cards: list[SourceRow] = []
    width = len(header)
    for line, cells in rows:
        if len(cells) < width:
            if not any(cell.strip() for cell in cells):
                continue
            cells = [*cells, *([""] * (width - len(cells)))]
        elif not "".join(cells).strip():
            continue
        made = applied(cells)
        carers.append(SourceRow(label, line, made["carers"]))
        if "cards" in made:
            cards.append(SourceRow(label, line, made["cards"]))
    found: dict[str, list[SourceRow] | importer.LargeCsv] = {"carers": carers}
    if cards:
        found["cards"] = cards
    return found


# The files' own columns, or another system's ---------------------------------------------


def _ours() -> set[str]:
    return {name for kind in COLUMNS for name in COLUMNS[kind]}


def _first_header(path: Path, encoding: str | None = None) -> list[str]:
    if path.suffix.lower() == ".xlsx":
        from openpyxl import load_workbook

        try:
            book = load_workbook(path, read_only=True, data_only=True)
        except Exception:
            return []  # the importer says it cannot be read
        try:
            if any(importer._kind_of(sheet) for sheet in book.sheetnames):
                return []  # sheets named like register files (a problems workbook too)
            first = next(book.worksheets[0].iter_rows(values_only=True), ())
            return [importer._cell_text(value, "") for value in first]
        finally:
            book.close()
    with path.open("rb") as handle:
        head = handle.read(HEAD_BYTES)
        if len(head) == HEAD_BYTES:  # whole lines only, not half a letter
            head = head[: head.rfind(b"\n") + 1] or head
    try:  # in the file's own encoding, as the importer reads it (never replaced)
        text = encodings.header_text(head, encodings.choose(head, path.name, encoding), path.name)
    except EncodingUnsure:
        raise  # the coordinator chooses (--encoding, or the screen's list)
    except EncodingRefused:
        return []  # the importer says why it cannot be read
    try:
        return next(csv.reader(io.StringIO(text, newline="")), [])
    except csv.Error:
        return []


def refuse_foreign(path: Path, encoding: str | None = None) -> None:
    """Refuse a file whose columns are none of carerdesk's, saying how to map it once."""
    header = [name for name in map(importer.column_name, _first_header(path, encoding)) if name]
    # A centre's own sheet made from carerdesk's template may add a column or two of its own.
    if not header or 2 * len(set(header) & _ours()) >= len(header):
        return
    raise ImportRefused(
        f"The columns of {path.name} are not carerdesk's. Map them once: "
        f"carerdesk import {path.name} --propose-mapping MAP.toml writes a proposal to check "
        f"and edit, then carerdesk import {path.name} --mapping MAP.toml imports through it."
    )


# The mapping files -----------------------------------------------------------------------

SHIPPED = "mappings"
"""The package folder of the mappings shipped for other systems' register exports."""


def shipped() -> list[str]:
    """The names of the shipped mappings (``carerdesk import FILE --mapping NAME``)."""
    folder = resources.files("carerdesk.export").joinpath(SHIPPED)
    if not folder.is_dir():
        return []
    return sorted(
        entry.name.removesuffix(".toml")
        for entry in folder.iterdir()
        if entry.name.endswith(".toml")
    )


def find_mapping(text: str) -> maps.Mapping:
    """The mapping a file names, or the shipped mapping of that name."""
    path = Path(text)
    if path.is_file():
        return maps.load(path)
    if text in shipped():
        entry = resources.files("carerdesk.export").joinpath(SHIPPED, f"{text}.toml")
        return maps.loads(entry.read_text(encoding="utf-8"), f"{text} (shipped)")
    raise CarerdeskError(
        f"There is no mapping file {text}, nor a shipped mapping of that name "
        f"({', '.join(shipped()) or 'none'})."
    )


def propose_file(
    path: Path, out: Path, *, force: bool = False, encoding: str | None = None
) -> tuple[maps.Mapping, dict[str, list[str]]]:
    """Propose a mapping for ``path`` and write it to ``out`` for checking and editing; an
    existing ``out`` (perhaps edited by hand) is kept unless ``force``. Returns the mapping
    and the samples it was proposed from."""
    if out.exists() and not force:
        raise CarerdeskError(f"{out} exists already: choose another name, or add --force.")
    header, samples = sample(path, encoding=encoding)
    if not any(header):
        raise ImportRefused(f"{path.name} has no header: the first line should name the columns.")
    twice = sorted({name for name in header if header.count(name) > 1})
    if twice:
        raise ImportRefused(f"{path.name}: the column {twice[0]!r} is there twice: rename one.")
    proposed = maps.propose(header, samples)
    try:
        maps.save(proposed, out, samples)
    except OSError as error:
        raise CarerdeskError(f"Could not write {out}: {error.strerror or 'refused'}.") from None
    return proposed, samples
