"""The report of an import's check, for a big move: the rows refused grouped by kind of
problem with counts, biggest first, and a workbook of the bad rows with what to correct in
each, which the coordinator corrects in a spreadsheet and imports again.

A kind of problem is a file, a column and a message with what differs row to row left out
(a date, a card number, the one letter of a postcode that breaks a rule): "There is no 31
February 1990" and "There is no 30 April 1975" are one kind, shown as "There is no …".

The workbook has a ``Summary`` sheet (the kinds and their counts) and a sheet for each kind
of register file with rows refused, named as the file is (``carers``), holding those rows
as they were in the file (every column, as text) after two columns of its own: ``line``
(where the row is in the file) and ``what_to_correct`` (each problem of the row, a line
each). Import ignores both columns and the ``Summary`` sheet, so the corrected workbook
imports as it is. It holds personal details: it is written private (``0600``), with
openpyxl's temporary files in a private folder beside it.
"""

from __future__ import annotations

import errno
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from carerdesk.core.errors import CarerdeskError
from carerdesk.export.importer import (
    KINDS,
    LargeCsv,
    Problem,
    SourceRow,
    Sources,
    source_rows,
)

PROBLEM_COLUMNS = ("line", "what_to_correct")
"""The workbook's own columns before a row's cells: import ignores them."""
SUMMARY_SHEET = "Summary"
SHOWN = 30
"""The most problems the command line lists one by one; the workbook holds them all."""
DIFFERS = "…"

_TOKENS = re.compile(
    # Words and what is between them; a number written with spaces, dashes or slashes (a
    # card number as printed, "4417 2210") is one word, so that rows' numbers line up.
    r"[\w/-]*\d[\w/-]*(?: [\w/-]*\d[\w/-]*)*|\w+|\W+"
)
_MONTHS = frozenset(
    {
        "January", "February", "March", "April", "May", "June", "July", "August",
        "September", "October", "November", "December",
    }
)  # fmt: skip


def _varies(token: str) -> bool:
    """A part of a message that may be the row's own: a number, a date's month, a card
    number or reference (any word with a digit), one capital letter (of a postcode)."""
    return (
        any(ch.isdigit() for ch in token)
        or token in _MONTHS
        or (len(token) == 1 and "A" <= token <= "Z")
    )


@dataclass(frozen=True)
class ProblemGroup:
    """One kind of problem: a file, a column, a message, and how many rows have it."""

    file: str
    column: str
    message: str
    """The message, with "…" for what differs from row to row."""
    rows: int

    def __str__(self) -> str:
        counted = "1 row" if self.rows == 1 else f"{self.rows:,} rows"
        return f"{counted}: {self.file}: {self.column}: {self.message}"


def group_problems(problems: Iterable[Problem]) -> list[ProblemGroup]:
    """The problems by kind (file, column, message without the row's own parts), biggest
    first; kinds of the same size in the order their first problem came."""
    keys: dict[str, tuple[str, ...]] = {}
    counts: dict[tuple[str, str, tuple[str, ...]], int] = {}
    messages: dict[tuple[str, str, tuple[str, ...]], dict[str, None]] = {}
    for problem in problems:
        key = keys.get(problem.message)
        if key is None:
            key = tuple(
                DIFFERS if _varies(token) else token for token in _TOKENS.findall(problem.message)
            )
            keys[problem.message] = key
        group = (problem.file, problem.column, key)
        counts[group] = counts.get(group, 0) + 1
        messages.setdefault(group, {})[problem.message] = None
    # The kinds in the order their first problem came, then the biggest first (a stable sort).
    found = [
        ProblemGroup(file, column, _common(list(messages[(file, column, key)])), count)
        for (file, column, key), count in counts.items()
    ]
    return sorted(found, key=lambda group: -group.rows)


def _common(messages: Sequence[str]) -> str:
    """The words the messages share, "…" where they differ (one "…" for a run of them)."""
    if len(messages) == 1:
        return messages[0]
    split = [_TOKENS.findall(message) for message in messages]
    words = [tokens[0] if len(set(tokens)) == 1 else DIFFERS for tokens in zip(*split, strict=True)]
    return re.sub(rf"{DIFFERS}(?:\s+{DIFFERS})+", DIFFERS, "".join(words))


def report_lines(problems: Sequence[Problem], workbook: Path | None = None) -> list[str]:
    """The report a person reads at the command line.

    A short list (``SHOWN`` problems or fewer): every problem, then the kinds with their
    counts. A long one: the kinds first, then the first ``SHOWN`` problems and how many
    more there are, and where all of them are (the workbook, or how to write it)."""
    if not problems:
        return []
    groups = [f"  {group}" for group in group_problems(problems)]
    heading = "Rows refused, by kind of problem (biggest first):"
    listed = [str(problem) for problem in problems[:SHOWN]]
    if len(problems) <= SHOWN:
        return [*listed, "", heading, *groups]
    more = len(problems) - SHOWN
    where = (
        f"every one is in {workbook}, beside the row to correct."
        if workbook is not None
        else "--problems-out problems.xlsx saves every one beside the row to correct."
    )
    return [
        heading,
        *groups,
        "",
        f"The first {SHOWN} problems:",
        *listed,
        f"… and {more:,} more: {where}",
    ]


def problems_path(source: Path) -> Path:
    """Where the workbook of a file's (or folder's) problems goes: beside it, named after
    it: ``register.xlsx`` -> ``register-problems.xlsx``, ``files/`` -> ``files-problems.xlsx``."""
    source = source.absolute()
    stem = source.name if source.is_dir() else source.stem
    return source.with_name(f"{stem}-problems.xlsx")


@dataclass
class _Sheet:
    columns: list[str]
    rows: list[tuple[int, str, SourceRow]]


def _sheets(sources: Sources, problems: Sequence[Problem]) -> dict[str, _Sheet]:
    """The rows refused, by kind of register file, each with what to correct in it."""
    corrections: dict[tuple[str, int], list[str]] = {}
    for problem in problems:
        corrections.setdefault((problem.file, problem.line), []).append(
            f"{problem.column}: {problem.message}"
        )
    sheets: dict[str, _Sheet] = {}
    for kind in KINDS:
        if kind not in sources:
            continue
        found = sources[kind]
        rows = source_rows(sources, kind)
        bad = [row for row in rows if (row.file, row.line) in corrections]
        if not bad:
            continue
        if isinstance(found, LargeCsv):
            header: Iterable[str] = found.columns
        else:  # a row's columns are the first of the header's: the longest has them all
            header = max(rows, key=lambda row: len(row.cells)).cells
        columns = [name for name in header if name and name not in PROBLEM_COLUMNS]
        sheets[kind] = _Sheet(
            columns,
            [(row.line, "\n".join(corrections[(row.file, row.line)]), row) for row in bad],
        )
    return sheets


def write_problems(path: Path, sources: Sources, problems: Sequence[Problem]) -> Path:
    """Write the workbook of the rows refused to ``path`` (private, ``0600``), replacing
    an earlier one only once it is whole. Returns ``path``; a plain ``CarerdeskError``
    when it cannot be written."""
    try:
        return _write(path, sources, problems)
    except OSError as error:  # a full USB stick, a read-only folder: a plain message
        full = error.errno in (errno.ENOSPC, errno.EFBIG, errno.EDQUOT)
        why = "the disk is full" if full else (error.strerror or "refused").lower()
        raise CarerdeskError(
            f"Could not write {path}: {why}. An earlier workbook of that name is unchanged: "
            "make room or choose another folder."
        ) from None


def _write(path: Path, sources: Sources, problems: Sequence[Problem]) -> Path:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    from carerdesk.core.private_files import Staged
    from carerdesk.export import workbook
    from carerdesk.export.register import spreadsheet_safe

    sheets = _sheets(sources, problems)
    wrapped, bold = Alignment(wrap_text=True, vertical="top"), Font(bold=True)
    with Staged(path.parent) as staged, workbook.temporary_files_in(staged.staging):
        book = Workbook(write_only=True)
        try:
            summary = book.create_sheet(SUMMARY_SHEET)
            summary.column_dimensions["D"].width = 80
            summary.append(
                _styled(workbook.row(summary, ["rows", "file", "column", "problem"]), bold)
            )
            for group in group_problems(problems):
                summary.append(
                    workbook.row(summary, [group.rows, group.file, group.column, group.message])
                )
            for kind, sheet in sheets.items():
                out = book.create_sheet(kind)
                out.freeze_panes = "C2"
                out.column_dimensions["B"].width = 60
                out.append(_styled(workbook.row(out, [*PROBLEM_COLUMNS, *sheet.columns]), bold))
                for line, what, row in sheet.rows:
                    cells = workbook.row(
                        out,
                        [
                            line,
                            what,
                            *(spreadsheet_safe(row.cells.get(name, "")) for name in sheet.columns),
                        ],
                    )
                    cells[1].alignment = wrapped  # type: ignore[attr-defined]
                    out.append(cells)
            book.save(staged.path(path.name))
        except BaseException:
            workbook.abandon(book)
            raise
        staged.commit()
    return path


def _styled(cells: list[object], font: object) -> list[object]:
    for cell in cells:
        cell.font = font  # type: ignore[attr-defined]
    return cells
