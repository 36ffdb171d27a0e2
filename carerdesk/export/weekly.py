"""The weekly return's files (``spec/weekly-return.md``): ``return_YYYY-Www.csv``, and the
workbook with a cover sheet, a sheet a measure and a chart of contacts by day.

The CSV is the same bytes for the same data. Counts only: no person's detail is written.
"""

from __future__ import annotations

import csv
import io
import re
import tempfile
import zipfile
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from sqlalchemy.orm import Session

from carerdesk.core.permissions import Actor
from carerdesk.core.private_files import Staged
from carerdesk.core.returns import COLUMNS, Figure, shown
from carerdesk.core.validate import local_time
from carerdesk.core.weeks import Week
from carerdesk.db import accounts, audit, returns
from carerdesk.db.models import utc_now
from carerdesk.export import workbook

FORMATS = ("csv", "xlsx")


def file_name(week: Week, fmt: str, amendment: int = 0) -> str:
    """``return_2026-W47.csv`` or ``.xlsx``; an amended return's files are named so, beside
    the original's: ``return_2026-W47-amended-1.csv`` for the first amendment."""
    return f"return_{week}" + (f"-amended-{amendment}" if amendment else "") + f".{fmt}"


def csv_bytes(week: Week, figures: Sequence[Figure], suppress_under: int | None = None) -> bytes:
    """The return as CSV: UTF-8 with a byte-order mark (so Excel reads it as UTF-8), one
    row a count, in return order."""
    text = io.StringIO(newline="")
    out = csv.writer(text, lineterminator="\r\n")
    out.writerow(COLUMNS)
    for figure in figures:
        value = shown(figure.value, suppress_under)
        out.writerow([str(week), figure.measure, figure.breakdown, figure.category, value])
    return text.getvalue().encode("utf-8-sig")


@dataclass(frozen=True)
class Cover:
    """The workbook's cover: whose return, which week, made when and by whom."""

    organisation: str
    week: Week
    made_at: datetime
    made_by: str
    amended: bool


def xlsx_bytes(
    cover: Cover,
    figures: Sequence[Figure],
    by_day: Sequence[tuple[date, int]],
    suppress_under: int | None = None,
) -> bytes:
    """The return as a workbook: a cover sheet, a sheet a measure (counts as numbers, a
    hidden small count as its ``<N`` text), and a bar chart of the week's contacts by day."""
    from openpyxl import Workbook
    from openpyxl.chart import BarChart, Reference
    from openpyxl.styles import Font
    from openpyxl.worksheet.properties import PageSetupProperties

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "cover"
    for row in (
        ("Weekly return to the commissioner",),
        ("Organisation", cover.organisation),
        ("Week", cover.week.label),
        ("Made", f"{local_time(cover.made_at):%d/%m/%Y %H:%M}"),  # at the desk's clock
        ("Made by", cover.made_by),
        ("Amended return", "yes" if cover.amended else "no"),
        (
            "Small numbers",
            f"under {suppress_under} shown as <{suppress_under}"
            if suppress_under
            else "every count shown",
        ),
        ("Counts only: no person's details are in this return.",),
    ):
        sheet.append(workbook.row(sheet, row))
    sheet.column_dimensions["A"].width = 18
    sheet.column_dimensions["B"].width = 44
    sheet["A1"].font = Font(bold=True, size=14)
    for measure in dict.fromkeys(f.measure for f in figures):
        page = book.create_sheet(measure)
        page.append(workbook.row(page, COLUMNS))
        for f in figures:
            if f.measure == measure:
                text = shown(f.value, suppress_under)
                page.append(
                    workbook.row(
                        page,
                        [
                            str(cover.week),
                            f.measure,
                            f.breakdown,
                            f.category,
                            int(text) if text.isdigit() else text,
                        ],
                    )
                )
        for letter, width in zip("ABCDE", (10, 20, 22, 28, 8), strict=True):
            page.column_dimensions[letter].width = width
    days = book.create_sheet("contacts_by_day")
    days.append(workbook.row(days, ["day", "contacts"]))
    for day, count in by_day:
        days.append(workbook.row(days, [day.strftime("%a %d %b"), count]))
    chart = BarChart()
    chart.title = f"Contacts by day, {cover.week}"
    chart.y_axis.title = "contacts"
    chart.x_axis.title = "day"
    chart.legend = None
    chart.add_data(
        Reference(days, min_col=2, min_row=1, max_row=len(by_day) + 1), titles_from_data=True
    )
    chart.set_categories(Reference(days, min_col=1, min_row=2, max_row=len(by_day) + 1))
    chart.width, chart.height = 16, 8  # centimetres: the width of a portrait A4 page
    days.column_dimensions["A"].width = 14
    days.add_chart(chart, "A10")
    for page in book.worksheets:  # each sheet prints one page wide
        page.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
        page.page_setup.fitToWidth, page.page_setup.fitToHeight = 1, 0
    # The same data, the same bytes (the cover's date made apart): fixed document dates,
    # and zip entries with one fixed time rather than the moment of saving.
    book.properties.created = book.properties.modified = datetime(2000, 1, 1)
    out = io.BytesIO()
    # openpyxl writes each sheet to a temporary file first: in a private folder, removed.
    with tempfile.TemporaryDirectory() as folder, workbook.temporary_files_in(Path(folder)):
        book.save(out)
    return _fixed_times(out.getvalue())


def _fixed_times(data: bytes) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            fixed = zipfile.ZipInfo(item.filename, date_time=(2000, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            body = source.read(item.filename)
            if item.filename == "docProps/core.xml":  # openpyxl stamps the moment it saves
                body = re.sub(
                    rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>2000-01-01T00:00:00Z", body
                )
            target.writestr(fixed, body)
    return out.getvalue()


@dataclass(frozen=True)
class ReturnMade:
    """What ``export_return`` wrote, and the return it amended, if any."""

    files: list[Path]
    figures: list[Figure]
    amended: returns.MadeReturn | None


def export_return(
    unit_of_work: Callable[[bool], AbstractContextManager[Session]],
    by: Actor,
    week: Week,
    out: Path,
    *,
    today: date,
    formats: Sequence[str] = ("csv",),
    suppress_under: int | None = None,
    amend: bool = False,
    shown: str | None = None,
    progress: Callable[[str], None] | None = None,
) -> ReturnMade:
    """Count ``week``, remember the return and write its files into the folder ``out``, in
    one transaction: each file is written privately (``0600``) beside its place first and put
    there once the return is remembered, so a failure leaves neither a return remembered
    without its files nor an earlier return's file lost.

    Coordinators only. A week returned before whose figures moved raises
    ``returns.FiguresMoved`` (naming them) unless ``amend``; a week not over by ``today`` is
    refused. An amendment's files are named as one, so the original's are kept; a copy made
    again with the same figures has the name of the return it copies. Once the return is
    saved, the audit trail's head is anchored outside the register (``audit.anchor_head``)."""
    staged: Staged | None = None
    try:
        with unit_of_work(True) as session:
            if progress:
                progress("Counting the week…")
            figures, amended = returns.make_return(
                session,
                week,
                by,
                today=today,
                amend=amend,
                suppress_under=suppress_under,
                shown=shown,
            )
            # The returns of the week so far, this one included: how many were amendments.
            amendment = sum(
                made.amends is not None for made in returns.past_returns(session, by, week)
            )
            staged = Staged(out)
            if "csv" in formats:
                if progress:
                    progress("Writing the CSV file…")
                staged.write(
                    file_name(week, "csv", amendment), csv_bytes(week, figures, suppress_under)
                )
            if "xlsx" in formats:
                if progress:
                    progress("Writing the workbook…")
                organisation = accounts.organisation(session)
                cover = Cover(
                    organisation.name if organisation else "",
                    week,
                    utc_now(),
                    by.name,
                    amended=amended is not None,
                )
                data = xlsx_bytes(
                    cover, figures, returns.contacts_by_day(session, week, by=by), suppress_under
                )
                staged.write(file_name(week, "xlsx", amendment), data)
        assert staged is not None
        files = staged.commit()
    finally:
        if staged is not None:
            staged.discard()
    # The trail's head goes to the anchor log, not into the files: the returns already made
    # stay byte for byte as they were, and the head is written down outside the register.
    with unit_of_work(False) as session:
        audit.anchor_head(session, f"weekly return {week}")
    return ReturnMade(files, figures, amended)
