"""The register files of ``spec/interchange.md``: eight CSV files, or one XLSX workbook.

Columns are the field names of ``spec/data.md`` in that order; dates are ``YYYY-MM-DD``, codes
are codes, phones are in national format, and rows come in a fixed order (carers by
reference; the other kinds by reference, then date, then id; the organisation's lists in its
own order), so the same register always gives the same bytes. A text a spreadsheet would
run as a formula gets one apostrophe in front, which import takes off again. Rows are
streamed, so a register of any size is written in a steady amount of memory.
"""

from __future__ import annotations

import csv
import errno
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import date, time
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from carerdesk.core.entries import carer_columns
from carerdesk.core.errors import CarerdeskError
from carerdesk.core.permissions import Actor, Can
from carerdesk.core.private_files import Staged
from carerdesk.core.validate import format_phone
from carerdesk.db import audit, carers
from carerdesk.db.audit import Action
from carerdesk.db.models import Card, Carer, CaringRole, Consent, Contact, Destination, Referral
from carerdesk.export import workbook

ROLE_COLUMNS = (
    "role_id",
    "reference",
    "relationship",
    "cared_for_age_band",
    "conditions",
    "lives_with_carer",
    "started_on",
    "ended_on",
)
CONTACT_COLUMNS = (
    "contact_id",
    "reference",
    "contact_on",
    "contact_time",
    "channel",
    "support",
    "minutes",
    "staff",
    "notes",
)
CARD_COLUMNS = (
    "card_number",
    "reference",
    "card_type",
    "issue_reason",
    "issued_on",
    "expires_on",
    "status",
)
REFERRAL_COLUMNS = (
    "referral_id",
    "reference",
    "destination",
    "reason",
    "urgency",
    "status",
    "made_on",
    "closed_on",
    "outcome",
)

CONSENT_COLUMNS = ("reference", "consent", "given", "date", "how", "recorded_by")
"""Each consent given or withdrawn (``db.consents``): which, yes (given) or no, on what day,
how (empty when not known) and who recorded it."""

SERVICE_COLUMNS = ("code", "name", "contact", "counts_as", "retired_on")
"""The organisation's services (``db.destinations``) in its order, retired ones too: the code
referrals name, the name the desk shows, how to reach them, the weekly return's category it
counts under, and the day it was retired (empty while offered)."""
WARD_COLUMNS = ("name", "listed")
"""The organisation's wards (setting ``wards``) in its order, ``listed`` yes; then, by name,
the wards carers hold that are not on that list (kept from before the list, or taken off
it since), ``listed`` no."""
LISTS = ("services", "wards")
"""The organisation's own lists among the files: read by import before any record."""


class _Columns(Mapping[str, tuple[str, ...]]):
    """Each record kind's file and its columns; the carers' read from the fields' declaration
    (``core.entries.carer_columns``) each time, so a field declared there is exported."""

    def __init__(self, **others: tuple[str, ...]) -> None:
        self.others = others

    def __getitem__(self, kind: str) -> tuple[str, ...]:
        return carer_columns() if kind == "carers" else self.others[kind]

    def __iter__(self) -> Iterator[str]:
        return iter(("carers", *self.others))

    def __len__(self) -> int:
        return 1 + len(self.others)


COLUMNS: Mapping[str, tuple[str, ...]] = _Columns(
    caring_roles=ROLE_COLUMNS,
    contacts=CONTACT_COLUMNS,
    cards=CARD_COLUMNS,
    referrals=REFERRAL_COLUMNS,
    consents=CONSENT_COLUMNS,
    services=SERVICE_COLUMNS,
    wards=WARD_COLUMNS,
)
"""Each record kind's file (without ``.csv``) and its columns, in the order written."""

PHONES = frozenset({"phone", "mobile"})
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BATCH = 2000


def spreadsheet_safe(text: str) -> str:
    """``text`` as a spreadsheet will show it, never run it: ``=1+1`` becomes ``'=1+1``.

    A text that already starts with an apostrophe before one of those characters gets one
    more, so that import, which takes one off, always gives back what was stored.
    """
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    if text.startswith("'") and text[1:2] and text[1:].lstrip("'").startswith(FORMULA_STARTS):
        return "'" + text
    return text


def cell(value: object, column: str = "") -> str:
    """One stored value as the register files write it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return value.strftime("%H:%M")
    if column in PHONES:
        return format_phone(str(value))
    return spreadsheet_safe(str(value))


def _carer_rows(session: Session) -> Iterator[list[str]]:
    # An erased record is no one's any more: what it counted stays in the returns made, and
    # nothing of it goes into the register files (blank names would not import back).
    stmt = select(Carer).where(Carer.erased_on.is_(None)).order_by(Carer.reference)
    columns = carer_columns()
    for carer in session.scalars(stmt.execution_options(yield_per=BATCH)):
        yield [cell(getattr(carer, column), column) for column in columns]


def _linked_rows(
    session: Session,
    model: Any,
    columns: tuple[str, ...],
    order: tuple[Any, ...],
    attributes: dict[str, str],
) -> Iterator[list[str]]:
    """Rows of a kind that belongs to a carer: the carer's reference, then the model's own
    columns (``attributes`` names those the model calls otherwise). Rows of no carer
    (anonymous contacts) come first, with an empty reference."""
    stmt = (
        select(model, Carer.reference)
        .outerjoin(Carer, model.carer_id == Carer.id)
        .where(Carer.erased_on.is_(None))
        .order_by(Carer.reference.is_not(None), Carer.reference, *order)
        .execution_options(yield_per=BATCH)
    )
    for record, reference in session.execute(stmt):
        yield [
            cell(reference)
            if column == "reference"
            else cell(getattr(record, attributes.get(column, column)), column)
            for column in columns
        ]


def _role_rows(session: Session) -> Iterator[list[str]]:
    order = (CaringRole.started_on, CaringRole.id)
    names = {"role_id": "id", "relationship": "relationship_"}
    return _linked_rows(session, CaringRole, ROLE_COLUMNS, order, names)


def _contact_rows(session: Session) -> Iterator[list[str]]:
    order = (Contact.contact_on, Contact.id)
    return _linked_rows(session, Contact, CONTACT_COLUMNS, order, {"contact_id": "id"})


def _card_rows(session: Session) -> Iterator[list[str]]:
    order = (Card.issued_on, Card.card_number)
    return _linked_rows(session, Card, CARD_COLUMNS, order, {})


def _referral_rows(session: Session) -> Iterator[list[str]]:
    order = (Referral.made_on, Referral.id)
    return _linked_rows(session, Referral, REFERRAL_COLUMNS, order, {"referral_id": "id"})


def _consent_rows(session: Session) -> Iterator[list[str]]:
    # Ordered by what the file holds (an entry's id and entry time are not in it), so that
    # the register an import makes of the file writes the same bytes again.
    order = (
        Consent.date_,
        Consent.consent,
        Consent.given,
        Consent.how,
        Consent.recorded_by,
        Consent.id,
    )
    return _linked_rows(session, Consent, CONSENT_COLUMNS, order, {"date": "date_"})


def _service_rows(session: Session) -> Iterator[list[str]]:
    stmt = select(Destination).order_by(Destination.position, Destination.code)
    for service in session.scalars(stmt):
        yield [cell(getattr(service, column), column) for column in SERVICE_COLUMNS]


def _ward_rows(session: Session) -> Iterator[list[str]]:
    listed = carers.ward_list(session)
    for name in listed:
        yield [cell(name), "yes"]
    held = {
        ward
        for ward in session.scalars(select(Carer.ward).where(Carer.erased_on.is_(None)).distinct())
        if ward
    }
    for name in sorted(held - set(listed)):
        yield [cell(name), "no"]


ROWS: dict[str, Callable[[Session], Iterator[list[str]]]] = {
    "carers": _carer_rows,
    "caring_roles": _role_rows,
    "contacts": _contact_rows,
    "cards": _card_rows,
    "referrals": _referral_rows,
    "consents": _consent_rows,
    "services": _service_rows,
    "wards": _ward_rows,
}

EXAMPLE: dict[str, dict[str, str]] = {
    # One invented carer with a drama-range phone number, for the template.
    "carers": {
        "reference": "C000001",
        "first_name": "Siân",
        "last_name": "O'Brien",
        "date_of_birth": "1970-02-01",
        "postcode": "HA1 2AB",
        "mobile": "07700 900123",
        "registered_on": "2026-11-02",
        "consent_store": "yes",
        "consent_share": "yes",
        "status": "active",
    },
    "caring_roles": {
        "reference": "C000001",
        "relationship": "parent",
        "cared_for_age_band": "65_plus",
        "conditions": "dementia;frailty",
        "lives_with_carer": "no",
    },
    "contacts": {
        "reference": "C000001",
        "contact_on": "2026-11-02",
        "contact_time": "10:30",
        "channel": "drop_in",
        "support": "information_advice;emotional_support",
        "minutes": "30",
    },
    "cards": {
        "card_number": "HC00001230",
        "reference": "C000001",
        "card_type": "carer_card",
        "issue_reason": "new",
        "issued_on": "2026-11-02",
        "expires_on": "2029-11-01",
        "status": "active",
    },
    "referrals": {
        "reference": "C000001",
        "destination": "council_carers_assessment",
        "reason": "Asked for a carer's assessment",
        "urgency": "routine",
        "status": "sent",
        "made_on": "2026-11-02",
    },
    "consents": {
        "reference": "C000001",
        "consent": "share",
        "given": "yes",
        "date": "2026-11-02",
        "how": "in_person",
        "recorded_by": "Sam Staff",
    },
    "services": {
        "code": "council_carers_assessment",
        "name": "Council carer's assessment",
        "counts_as": "council_carers_assessment",
    },
    "wards": {"name": "Harrow on the Hill", "listed": "yes"},
}


@dataclass(frozen=True)
class Written:
    """What an export wrote: the files, and how many rows of each kind."""

    files: list[Path]
    rows: dict[str, int]
    escaped: workbook.Escaped = field(default_factory=workbook.Escaped)
    """The workbook's cells written with a control character escaped (none for CSV)."""


Progress = Callable[[str, int], None]
"""Told each record kind and the rows written so far (every ``BATCH`` rows and at the end)."""


def _counted(
    kind: str, rows: Iterable[list[str]], counts: dict[str, int], progress: Progress | None
) -> Iterator[list[str]]:
    count = 0
    for row in rows:
        yield row
        count += 1
        if progress is not None and count % BATCH == 0:
            progress(kind, count)
    counts[kind] = count
    if progress is not None:
        progress(kind, count)


def _write_csv(staged: Staged, sheets: Mapping[str, Iterable[list[str]]]) -> None:
    for kind, rows in sheets.items():
        # A byte-order mark, so that Excel reads the file as UTF-8 (Nguyễn, not NguyÃ¡»…n).
        with staged.open(f"{kind}.csv", "w", encoding="utf-8-sig", newline="") as handle:
            out = csv.writer(handle)
            out.writerow(COLUMNS[kind])
            out.writerows(rows)


def _write_xlsx(
    staged: Staged,
    name: str,
    sheets: Mapping[str, Iterable[list[str]]],
    escaped: workbook.Escaped | None = None,
) -> None:
    from openpyxl import Workbook

    # openpyxl writes each sheet to a temporary file first: those go in the private folder
    # too, so a killed export leaves them nowhere else.
    with workbook.temporary_files_in(staged.staging):
        book = Workbook(write_only=True)
        try:
            for kind, rows in sheets.items():
                sheet = book.create_sheet(kind)
                sheet.append(workbook.row(sheet, COLUMNS[kind]))
                for values in rows:
                    # Every cell is text: never a formula, a number or a date guessed from it.
                    sheet.append(workbook.row(sheet, values, escaped))
            book.save(staged.path(name))
        except BaseException:
            workbook.abandon(book)
            raise


def _staged(
    out: Path,
    fmt: str,
    sheets: Mapping[str, Iterable[list[str]]],
    escaped: workbook.Escaped | None = None,
) -> Staged:
    """The files written beside their places (``core.private_files.Staged``), not yet
    moved in: an error on the way removes them and leaves an earlier export whole."""
    staged = Staged(out.parent if fmt == "xlsx" else out)
    try:
        if fmt == "xlsx":
            _write_xlsx(staged, out.name, sheets, escaped)
        else:
            _write_csv(staged, sheets)
    except BaseException:
        staged.discard()
        raise
    return staged


def _stage_register(
    session: Session, by: Actor, out: Path, fmt: str, progress: Progress | None
) -> tuple[Staged, dict[str, int], workbook.Escaped]:
    by.require(Can.EXPORT)
    counts: dict[str, int] = {}
    escaped = workbook.Escaped()
    sheets = {kind: _counted(kind, ROWS[kind](session), counts, progress) for kind in COLUMNS}
    return _staged(out, fmt, sheets, escaped), counts, escaped


def not_written(error: OSError, out: Path) -> CarerdeskError:
    """The plain message for an export to ``out`` that could not be written (``error``: why
    not, a full disk, a read-only folder), which says that an earlier export there stands."""
    full = error.errno in (errno.ENOSPC, errno.EFBIG, errno.EDQUOT)
    why = "the disk is full" if full else (error.strerror or "refused").lower()
    return CarerdeskError(
        f"Could not write to {out}: {why}. Nothing was exported, and an earlier export there "
        "is unchanged: make room or choose another folder, then export again."
    )


def export_register(
    session: Session,
    by: Actor,
    out: Path,
    *,
    fmt: str = "csv",
    progress: Progress | None = None,
) -> Written:
    """Write the whole register to ``out`` (a folder for CSV, a ``.xlsx`` file for XLSX).

    Coordinators only. Run it in a read transaction: every file comes from one consistent
    moment of the register, and no desk waits while it is written. Then ``record_export``.
    The files are private (``0600``) and replace an earlier export's only once every one is
    complete: a full disk or a damaged register half-way leaves the earlier export whole.
    """
    staged, counts, escaped = _stage_register(session, by, out, fmt, progress)
    with staged:
        return Written(staged.commit(), counts, escaped)


def record_export(session: Session, by: Actor, written: Written, fmt: str) -> None:
    """Put an export in the audit trail, with its row counts (never a value)."""
    detail = ", ".join(f"{count} {kind.replace('_', ' ')}" for kind, count in written.rows.items())
    audit.record(session, by, Action.EXPORTED, kind="register", detail=f"{fmt}: {detail}")


def export_and_record(
    unit_of_work: Callable[[bool], AbstractContextManager[Session]],
    by: Actor,
    out: Path,
    *,
    fmt: str = "csv",
    progress: Progress | None = None,
) -> Written:
    """Export in a read transaction, then record it in a short write transaction, then move
    the files into place.

    ``unit_of_work(write)`` opens a transaction. If the trail cannot be written, the files
    just written are removed again (an earlier export's stay as they were) and the error is
    raised: no export goes unrecorded.
    """
    with unit_of_work(False) as session:
        staged, counts, escaped = _stage_register(session, by, out, fmt, progress)
    with staged:
        names = [(out.parent if fmt == "xlsx" else out) / name for name in staged.names]
        with unit_of_work(True) as session:
            record_export(session, by, Written(names, counts), fmt)
        return Written(staged.commit(), counts, escaped)


def write_template(out: Path, *, fmt: str = "csv") -> list[Path]:
    """The register files with their headers and one example row each (an invented person)."""
    sheets = {
        kind: [[EXAMPLE[kind].get(column, "") for column in COLUMNS[kind]]] for kind in COLUMNS
    }
    staged = _staged(out, fmt, sheets)
    with staged:
        return staged.commit()
