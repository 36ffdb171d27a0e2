"""A subject access copy written out: one JSON file and one A4 PDF in plain English.

Both are made from the sections ``carerdesk.db.access`` gathers, whatever they are: the
JSON has every field of every record (dates ISO 8601, times of day ``HH:MM``, moments in UTC
with their offset; a code with its label beside it as ``<field>_label``), in a stable order
(the sections' order, each record's fields in their declared order); the PDF has a heading
per section and tables that wrap, in the font the cards use, with the organisation's name,
the day of the request and page numbers. The two go into a folder named after the
reference and that day, readable by their owner only.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

from carerdesk.core.validate import format_phone, local_time
from carerdesk.db.access import Column, Section, SubjectAccess
from carerdesk.export.cards import FONTS, inked

NOTHING = "None held."


def folder_name(access: SubjectAccess) -> str:
    """The folder the files go in: the reference and the day, ``C000123-2026-11-23``."""
    return f"{access.reference}-{access.requested_on.isoformat()}"


# --- values ----------------------------------------------------------------------------


def _codes(column: Column, value: Any) -> list[str]:
    if column.many:
        return [code for code in str(value).split(";") if code]
    return [str(value)]


def json_value(column: Column, value: Any) -> Any:
    """A stored value as the JSON holds it."""
    if value is None:
        return None
    if column.many:
        return _codes(column, value)
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC).isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return value.strftime("%H:%M")
    return value


def code_label(column: Column, value: Any) -> str | list[str] | None:
    """The label of a coded value (a list for a list of codes); None when not coded."""
    if column.choices is None or value is None or isinstance(value, bool):
        return None
    labels = [column.choices.get(code, code) for code in _codes(column, value)]
    return labels if column.many else labels[0]


def text(column: Column, value: Any) -> str:
    """A stored value as the PDF prints it, in plain English."""
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    label = code_label(column, value)
    if label is not None:
        return ", ".join(label) if isinstance(label, list) else label
    if isinstance(value, datetime):
        moment = local_time(value)
        return f"{moment.day} {moment:%B %Y, %H:%M}"
    if isinstance(value, date):
        return f"{value.day} {value:%B %Y}"
    if isinstance(value, time):
        return value.strftime("%H:%M")
    if column.phone:
        return format_phone(str(value))
    return str(value)


# --- JSON ------------------------------------------------------------------------------


def _record(section: Section, row: tuple[Any, ...]) -> dict[str, Any]:
    record: dict[str, Any] = {}
    for column, value in zip(section.columns, row, strict=True):
        record[column.key] = json_value(column, value)
        if column.choices is not None:
            record[f"{column.key}_label"] = code_label(column, value)
    return record


def access_json(access: SubjectAccess) -> str:
    """The copy as JSON text: the request, then each section's title, its fields' labels and
    every record."""
    document: dict[str, Any] = {
        "subject_access_request": {
            "organisation": access.organisation,
            "reference": access.reference,
            "name": access.name,
            "requested_on": access.requested_on.isoformat(),
            "requested_by": access.requested_by,
            "made_at": access.made_at.replace(tzinfo=UTC).isoformat(timespec="seconds"),
        }
    }
    for section in access.sections:
        document[section.key] = {
            "title": section.title,
            "about": section.about,
            "fields": {column.key: column.label for column in section.columns},
            "records": [_record(section, row) for row in section.rows],
        }
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


# --- PDF -------------------------------------------------------------------------------


def _pdf(access: SubjectAccess):  # type: ignore[no-untyped-def]
    from fpdf import FPDF

    footer_text = inked(
        f"{access.organisation} · subject access for {access.reference}, "
        f"requested {access.requested_on.day} {access.requested_on:%B %Y}"
    )

    class AccessPdf(FPDF):
        def footer(self) -> None:
            self.set_y(-12)
            self.set_font("DejaVu", "", 8)
            self.cell(0, 5, footer_text, align="L")
            self.set_x(self.l_margin)
            self.cell(0, 5, f"Page {self.page_no()} of {{nb}}", align="R")

    pdf = AccessPdf(unit="mm", format="A4")
    pdf.set_margins(15, 15, 15)
    pdf.set_auto_page_break(True, margin=18)
    pdf.add_font("DejaVu", "", str(FONTS / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(FONTS / "DejaVuSans-Bold.ttf"))
    pdf.set_creator("carerdesk")
    pdf.set_title(f"Subject access: {access.reference}")
    return pdf


def _paragraph(pdf, words: str, size: float = 10, bold: bool = False) -> None:  # type: ignore[no-untyped-def]
    pdf.set_font("DejaVu", "B" if bold else "", size)
    pdf.set_x(pdf.l_margin)
    pdf.multi_cell(0, size * 0.5, inked(words), align="L", new_x="LMARGIN", new_y="NEXT")


def _widths(pdf, rows: list[list[str]], headings: list[str]) -> list[float]:  # type: ignore[no-untyped-def]
    """Each column's width, mm: at least its longest word (a word is not broken where the
    page has room), the room left shared by how much more each column's longest text needs,
    so a column of dates stays narrow and one of notes takes the room."""
    padding = 2.5

    def width(words: str, bold: bool = False) -> float:
        pdf.set_font("DejaVu", "B" if bold else "", TABLE_FONT)
        return float(pdf.get_string_width(inked(words))) + padding

    least, most = [], []
    for index, heading in enumerate(headings):
        cells = [row[index] for row in rows]
        # A short cell (a date, a name) is kept whole where it can be.
        words = [(cell, False) for cell in cells if len(cell) <= SHORT]
        words += [(word, False) for cell in cells for word in cell.split()]
        words += [(word, True) for word in heading.split()]
        # A word longer than a third of the page (a web address) is broken, not given it.
        least.append(min(max(width(word, bold) for word, bold in words), pdf.epw / 3))
        most.append(max([least[-1], width(heading, True), *(width(cell) for cell in cells)]))
    room = pdf.epw - sum(least)
    if room <= 0:
        return least  # fpdf2 scales them to the page: some long words break
    wanted = [high - low for high, low in zip(most, least, strict=True)]
    share = min(1.0, room / sum(wanted)) if sum(wanted) else 0.0
    widths = [low + share * extra for low, extra in zip(least, wanted, strict=True)]
    spare = pdf.epw - sum(widths)
    return [w + spare * w / sum(widths) for w in widths]


TABLE_FONT = 8.5
SHORT = 17
"""A cell this long or shorter (``30 September 2026``) is not wrapped if the page has room."""


def _table(pdf, headings: list[str] | None, rows: list[list[str]], weights: list[float]) -> None:  # type: ignore[no-untyped-def]
    from fpdf.fonts import FontFace

    pdf.set_font("DejaVu", "", TABLE_FONT)
    line_height = pdf.font_size * 1.35
    widths = [pdf.epw * weight / sum(weights) for weight in weights]
    with pdf.table(
        col_widths=weights,
        text_align="LEFT",
        line_height=line_height,
        first_row_as_headings=headings is not None,
        headings_style=FontFace(emphasis="BOLD"),
        padding=PADDING,
    ) as table:
        if headings:
            heading_row = table.row()
            for heading in headings:
                heading_row.cell(inked(heading))
        for cells in _fitted(pdf, rows, widths, line_height):
            line = table.row()
            for cell in cells:
                line.cell(cell)
    pdf.ln(2)


PADDING = 1.0


def _fitted(pdf, rows: list[list[str]], widths: list[float], line_height: float) -> list[list[str]]:  # type: ignore[no-untyped-def]
    """The rows, each cell's text inked, a row too tall for a page (a long note) split into
    rows of its own that continue it: fpdf2 refuses a row taller than a page."""
    most = max(5, int(pdf.eph * 0.6 / line_height))
    fitted = []
    for cells in rows:
        pieces = []
        for cell, width in zip(cells, widths, strict=True):
            lines = pdf.multi_cell(
                width - 2 * PADDING - 0.5, line_height, inked(cell), dry_run=True, output="LINES"
            )
            pieces.append(["\n".join(lines[at : at + most]) for at in range(0, len(lines), most)])
        for depth in range(max(1, *(len(piece) for piece in pieces))):
            fitted.append([piece[depth] if depth < len(piece) else "" for piece in pieces])
    return fitted


def _section(pdf, section: Section) -> None:  # type: ignore[no-untyped-def]
    pdf.ln(3)
    _paragraph(pdf, section.title, 13, bold=True)
    _paragraph(pdf, section.about, 9)
    pdf.ln(1)
    if not section.rows:
        _paragraph(pdf, NOTHING, 10)
        return
    printed = [(n, column) for n, column in enumerate(section.columns) if column.printed]
    if section.each:
        for number, row in enumerate(section.rows, start=1):
            if len(section.rows) > 1:
                _paragraph(pdf, f"{number} of {len(section.rows)}", 10, bold=True)
            lines = [[column.label, text(column, row[n])] for n, column in printed]
            _table(pdf, None, lines, [35.0, 65.0])
        return
    headings = [column.label for _, column in printed]
    rows = [[text(column, row[n]) for n, column in printed] for row in section.rows]
    _table(pdf, headings, rows, _widths(pdf, rows, headings))


def access_pdf(access: SubjectAccess) -> bytes:
    """The copy on A4, in plain English."""
    pdf = _pdf(access)
    pdf.add_page()
    _paragraph(pdf, access.organisation, 16, bold=True)
    pdf.ln(1)
    _paragraph(pdf, f"Everything we hold about {access.name} ({access.reference})", 13, True)
    requested = f"{access.requested_on.day} {access.requested_on:%B %Y}"
    made = local_time(access.made_at)
    _paragraph(
        pdf,
        f"You asked us for a copy of the information we hold about you. This is all of it, "
        f"as our register held it on {made.day} {made:%B %Y} at {made:%H:%M}: your request "
        f"was made on {requested} and this copy was prepared by {access.requested_by}. Each "
        f"section below is one kind of record; a section with nothing in it says so. Times "
        f"are UK time. The same information is in the JSON file that comes with this one, "
        f"for a computer to read.",
        10,
    )
    for section in access.sections:
        _section(pdf, section)
    return bytes(pdf.output())


# --- files -----------------------------------------------------------------------------


def _write(path: Path, data: bytes) -> None:
    """Write beside, then move into place: a failed write leaves no part-file named as the
    copy, and the file is readable by its owner only."""
    partial = path.with_name(f".{path.name}.part")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(partial, path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise


def write_access(access: SubjectAccess, out: Path) -> tuple[Path, Path]:
    """Write the JSON file and the PDF into ``out``/``folder_name``; returns their paths."""
    folder = out / folder_name(access)
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    stem = f"subject-access-{access.reference}"
    json_path, pdf_path = folder / f"{stem}.json", folder / f"{stem}.pdf"
    pdf = access_pdf(access)  # made before anything is written: an error leaves no files
    _write(json_path, access_json(access).encode("utf-8"))
    _write(pdf_path, pdf)
    return json_path, pdf_path
