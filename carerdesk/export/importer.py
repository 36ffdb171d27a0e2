"""Import register files (``spec/interchange.md``): a folder of CSV files, one CSV file, or a
workbook, checked row by row by the same rules as the screens, then written in one go.

Column names and code values match in any case, and a label is accepted for a code; dates
may be ``DD/MM/YYYY`` or ISO; phones and postcodes are normalised as the form does. Every bad
row is reported as ``file:line: column: what is wrong`` (the header is line 1; a record's line
is the one it starts on). Nothing is written unless every row is good, unless
``skip_invalid``; a dry run writes nothing. Importing the same files again adds nothing and
changes nothing: records are matched by reference (in any case), id or card number (however
written: ``core.keys``), and a row without an id that equals a stored record field for field
is that record. A reference or card number is stored as it came.
"""

from __future__ import annotations

import csv
import gc
import io
import os
import pickle
import subprocess
import sys
from collections import Counter
from collections.abc import Callable, Container, Iterable, Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time
from operator import itemgetter
from pathlib import Path
from typing import Any, NamedTuple, cast

from sqlalchemy import Table, func, select
from sqlalchemy.orm import Session

from carerdesk.core import cards, codes, keys, rules
from carerdesk.core import referrals as referral_rules
from carerdesk.core.consents import CONSENT_FIELDS, LATEST
from carerdesk.core.entries import (
    CARD_FIELDS,
    CARER_FIELDS,
    CLOSE_FIELDS,
    CONTACT_FIELDS,
    REFERRAL_FIELDS,
    ROLE_FIELDS,
    FieldSpec,
    card_values,
    carer_values,
    check_all,
    check_close,
    memoised,
    referral_values,
    role_values,
)
from carerdesk.core.errors import CarerdeskError, FieldError, InvalidEntry
from carerdesk.core.mapping import Mapping as FileMapping
from carerdesk.core.permissions import Actor, Can
from carerdesk.core.text import tidy
from carerdesk.core.validate import parse_date
from carerdesk.db import audit, carers
from carerdesk.db.audit import Action
from carerdesk.db.bulk import insert_rows, large_cache
from carerdesk.db.models import (
    Card,
    Carer,
    CaringRole,
    Consent,
    Contact,
    Referral,
    new_id,
    utc_now,
)
from carerdesk.export import encodings, guards
from carerdesk.export.lists import Lists, check_lists, write_lists
from carerdesk.export.register import COLUMNS, FORMULA_STARTS, LISTS

KINDS = tuple(COLUMNS)
RECORD_KINDS = tuple(kind for kind in KINDS if kind not in LISTS)
"""The kinds of record, carers first (the organisation's lists apart: ``export.lists``)."""
REFERENCE_CHARS = keys.REFERENCE_CHARS
CHUNK = 5000


class ImportRefused(CarerdeskError):
    """The files cannot be read as register files at all (not a row's fault)."""


class SourceRow(NamedTuple):
    """One record as read: where it came from and its cells by column name."""

    file: str
    line: int
    cells: Mapping[str, str]


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one row, where a person can find it."""

    file: str
    line: int
    column: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.column}: {self.message}"


# Reading ---------------------------------------------------------------------------------


def column_name(header: object) -> str:
    """A header as a column name: any case, spaces or hyphens for underscores."""
    text = "" if header is None else str(header)
    return "_".join(text.replace("\ufeff", "").strip().lower().replace("-", " ").split())


def unquote(text: str) -> str:
    """Take off the apostrophe that export puts before formula-like text (``'=x`` -> ``=x``)."""
    if text.startswith("'") and text[1:].lstrip("'").startswith(FORMULA_STARTS):
        return text[1:]
    return text


def _kind_of(name: str) -> str | None:
    wanted = column_name(Path(name).stem)
    return wanted if wanted in KINDS else None


def _header(cells: Iterable[object], label: str) -> list[str]:
    listed = list(cells)
    guards.header(listed, label)
    names = [column_name(cell) for cell in listed]
    twice = sorted({name for name in names if name and names.count(name) > 1})
    if twice:
        raise ImportRefused(f"{label}: the column {twice[0]} is there twice: keep one.")
    return names


def csv_records(
    text: str, label: str, header_row: int = 1
) -> tuple[list[str], Iterator[tuple[int, list[str]]]]:
    """A CSV text's header (row ``header_row``) as written, and each record after it with the
    line it starts on, read through the guards (a quote left open, a line too long): for
    carerdesk's own files and, through a mapping, another system's (``export.mapped``)."""
    guards.csv_text(text, label)
    handle = io.StringIO(text, newline="")
    reader = csv.reader(handle)
    header: list[str] = []
    try:
        for _ in range(header_row):
            header = next(reader, [])
    except csv.Error:
        raise guards.unreadable_csv(text, label, reader.line_num) from None
    guards.header(header, label)

    def records() -> Iterator[tuple[int, list[str]]]:
        start = reader.line_num + 1
        try:
            for cells in reader:
                if reader.line_num > start:  # over several lines: a quote left open? (guards)
                    at_end = handle.tell() == len(text)
                    guards.spanning(text, label, start, cells, len(header), at_end)
                yield start, cells
                start = reader.line_num + 1
        except csv.Error:
            raise guards.unreadable_csv(text, label, start) from None

    return header, records()


def _csv_rows(text: str, label: str) -> Iterator[SourceRow]:
    cells_of_header, records = csv_records(text, label)
    if not cells_of_header:
        return
    header = _header(cells_of_header, label)
    for start, cells in records:
        whole = "".join(cells)
        if not whole.isspace() and whole:
            if "'" in whole or "\r" in whole:
                cells = [
                    unquote(cell.replace("\r\n", "\n")) if cell[:1] == "'" or "\r" in cell else cell
                    for cell in cells
                ]
            yield SourceRow(label, start, dict(zip(header, cells, strict=False)))


def _cell_text(value: object, column: str) -> str:
    # What a spreadsheet made of a typed value, back to the text that was typed.
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return value.strftime("%H:%M")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and column in ("phone", "mobile") and len(str(value)) == 10:
        return f"0{value}"  # the leading zero a spreadsheet drops from a phone number
    return unquote(str(value))


def _xlsx_rows(path: Path) -> dict[str, list[SourceRow]]:
    from openpyxl import load_workbook

    guards.workbook(path)
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception:
        raise ImportRefused(f"{path.name} could not be read as an XLSX workbook.") from None
    found: dict[str, list[SourceRow]] = {}
    try:
        for sheet in book.worksheets:
            kind = _kind_of(sheet.title)
            if kind is None:
                continue
            label = f"{path.name}[{sheet.title}]"
            rows = guards.sheet_rows(sheet, label)
            header = _header(next(rows, ()), label)
            records = []
            for line, values in enumerate(rows, start=2):
                cells = {
                    name: _cell_text(value, name)
                    for name, value in zip(header, values, strict=False)
                    if name
                }
                if any(text.strip() for text in cells.values()):
                    records.append(SourceRow(label, line, cells))
            found[kind] = records
    except ImportRefused:
        raise
    except Exception:  # a cut-short or damaged part: never openpyxl's words (guards)
        raise guards.not_a_workbook(path) from None
    finally:
        book.close()
    return found


def _read_text(path: Path, encoding: str | None = None) -> str:
    # In the encoding the file is in, or refused: never a name changed (encodings.py).
    return encodings.read_text(path, encoding)


@dataclass(frozen=True)
class LargeCsv:
    """A large CSV file of a kind whose rows are checked one by one (contacts), left to be
    read and checked by a helper process while this one checks the rest."""

    path: Path
    kind: str
    columns: tuple[str, ...]
    encoding: str = "utf_8"
    """The file's encoding, found (or chosen) here: the helper reads it strictly in that."""


Sources = Mapping[str, "list[SourceRow] | LargeCsv"]
"""The records of each kind in the files: rows read, or a large file to be read."""

ALONE = frozenset({"contacts"})
"""The kinds a helper process may read and check: each row by its own fields (the rules
between records are applied after, here), and the most numerous in any register."""
LARGE_BYTES = 4_000_000
"""From this size (about 40,000 contacts, a second or more of work), a file is worth a
helper process's start (about half a second)."""


def _read_csv(path: Path, kind: str, encoding: str | None = None) -> list[SourceRow] | LargeCsv:
    guards.csv_file(path)
    if kind in ALONE and path.stat().st_size >= LARGE_BYTES:
        raw = path.read_bytes()
        chosen = encodings.choose(raw, path.name, encoding)
        handle = io.StringIO(encodings.header_text(raw, chosen, path.name), newline="")
        try:
            first = next(csv.reader(handle), [])
        except csv.Error:
            first = []
        return LargeCsv(path, kind, tuple(_header(first, path.name)), chosen)
    return list(_csv_rows(_read_text(path, encoding), path.name))


def _rows(sources: Sources, kind: str) -> list[SourceRow]:
    found = sources.get(kind, [])
    if isinstance(found, LargeCsv):
        return list(_csv_rows(_read_text(found.path, found.encoding), found.path.name))
    return found


def source_rows(sources: Sources, kind: str) -> list[SourceRow]:
    """Every record of ``kind`` in ``sources`` as read (a large file is read now): for the
    workbook of the rows refused (``carerdesk.export.problems``)."""
    return _rows(sources, kind)


def read_source(
    path: Path,
    kind: str | None = None,
    encoding: str | None = None,
    mapping: FileMapping | None = None,
) -> Sources:
    """The records of each kind in ``path``: a folder, a CSV file or an XLSX workbook; or,
    through ``mapping``, another system's file (``export.mapped``).

    ``encoding`` is for CSV files that are neither marked nor UTF-8 (``encodings.choose``);
    without it such a file's encoding is detected, or ``EncodingUnsure`` raised."""
    with paused_gc():
        if mapping is not None:
            from carerdesk.export.mapped import read_mapped

            return read_mapped(path, mapping, encoding)
        return _read_source(path, kind, encoding)


def _refuse_foreign(path: Path, encoding: str | None) -> None:
    # Another system's columns: say how to map them (export.mapped), not that rows are bad.
    from carerdesk.export.mapped import refuse_foreign

    refuse_foreign(path, encoding)


def _read_source(path: Path, kind: str | None, encoding: str | None = None) -> Sources:
    guards.file_or_folder(path)
    if not path.exists():
        raise ImportRefused(f"{path} does not exist.")
    if path.is_dir():
        found: dict[str, list[SourceRow] | LargeCsv] = {}
        for child in sorted(path.iterdir()):
            child_kind = _kind_of(child.name)
            if child.suffix.lower() == ".csv" and child_kind:
                found[child_kind] = _read_csv(child, child_kind, encoding)
        if not found:
            raise ImportRefused(
                f"{path} holds none of the register files ({', '.join(f'{k}.csv' for k in KINDS)})."
            )
        return found
    if path.suffix.lower() == ".xlsx":
        sheets = _xlsx_rows(path)
        if not sheets:
            _refuse_foreign(path, encoding)
            raise ImportRefused(f"{path.name} has no sheet named like a register file.")
        return sheets
    _refuse_foreign(path, encoding)
    chosen = kind or _kind_of(path.name)
    if chosen not in KINDS:
        raise ImportRefused(f"Say what {path.name} holds with --kind ({', '.join(KINDS)}).")
    return {chosen: _read_csv(path, chosen, encoding)}


# Checking --------------------------------------------------------------------------------


@dataclass
class Plan:
    """What an import would do: the checked records, and every problem found."""

    problems: list[Problem] = field(default_factory=list)
    bad_rows: set[tuple[str, int]] = field(default_factory=set)
    carers: list[tuple[SourceRow, dict[str, Any]]] = field(default_factory=list)
    linked: dict[str, list[tuple[SourceRow, dict[str, Any]]]] = field(default_factory=dict)
    rows_read: int = 0
    specs: Mapping[str, Mapping[str, FieldSpec]] = field(default_factory=dict)
    """The rules the rows were checked by (the organisation's own lists filled in)."""
    added_carers: list[dict[str, Any]] = field(default_factory=list)
    """The carers an import added, as written (filled in as they are written)."""
    lists: Lists = field(default_factory=Lists)
    """The organisation's services and wards the files bring, checked before any record."""

    def linked_rows(self) -> Iterator[tuple[SourceRow, dict[str, Any]]]:
        """Every checked row of the kinds that belong to a carer."""
        for rows in self.linked.values():
            yield from rows

    def refuse(self, row: SourceRow, errors: Mapping[str, str], kind: str = "carers") -> None:
        self.bad_rows.add((row.file, row.line))
        for column, message in errors.items():
            self.problems.append(
                Problem(row.file, row.line, column, _explain(self.specs, kind, column, message))
            )


CONSENT_FILE_FIELDS: Mapping[str, FieldSpec] = {
    **CONSENT_FIELDS,
    # An entry from before carerdesk asked how (the first entries of an older register).
    "how": replace(CONSENT_FIELDS["how"], required=False),
}
"""The consents file's fields (the reference and who recorded it apart)."""

SPECS = {
    "carers": CARER_FIELDS,
    "caring_roles": ROLE_FIELDS,
    "contacts": CONTACT_FIELDS,
    "cards": CARD_FIELDS,
    "referrals": REFERRAL_FIELDS,
    "consents": CONSENT_FILE_FIELDS,
    "closing": CLOSE_FIELDS,
}


def _explain(
    specs: Mapping[str, Mapping[str, FieldSpec]], kind: str, column: str, message: str
) -> str:
    # A form shows its list; a file does not, so a refused code says what would do.
    spec = (specs.get(kind) or SPECS[kind]).get(column)
    if spec is None or spec.choices is None or "listed" not in message:
        return message
    return f"Use one of: {', '.join(spec.choices)} (or their labels)."


def _reference(text: str) -> str:
    # Exactly as it came, capitals and all; matched in any case (``keys.reference_key``).
    return keys.check_reference(text)


Specs = Mapping[str, Mapping[str, FieldSpec]]


def _withdrawn(cells: Mapping[str, str]) -> bool:
    """A closed record whose consent to keep their details was withdrawn, as the consent
    history leaves it: its consent to store is no. Withdrawing closes a record for that
    reason; a record closed already (for any reason) stays closed for its own."""
    return (
        codes.parse_code(codes.STATUS, cells.get("status", "")) == "closed"
        and codes.parse_code(codes.YES_NO, cells.get("consent_store", "")) == "no"
    )


def _carer(row: SourceRow, today: date, specs: Specs) -> dict[str, Any]:
    cells = row.cells
    errors: dict[str, str] = {}
    values: dict[str, Any] = {}
    withdrawn = _withdrawn(cells)
    if withdrawn:  # checked as registered, then stored as it now stands
        cells = {**cells, "consent_store": "yes"}
    try:
        values.update(carer_values(cells, today, specs["carers"]))
    except InvalidEntry as refused:
        errors.update(refused.errors)
    if withdrawn:
        values["consent_store"] = False
    try:
        values["reference"] = _reference(cells.get("reference", "")) or None
    except FieldError as refused:
        errors["reference"] = refused.message
    status = codes.parse_code(codes.STATUS, cells.get("status", "")) or "active"
    if cells.get("status", "").strip() and not codes.parse_code(codes.STATUS, cells["status"]):
        errors["status"] = "Status is active or closed."
    values["status"], values["closed_on"], values["closed_reason"] = status, None, None
    if status == "closed":
        try:
            closing = check_close(
                {
                    "closed_on": cells.get("closed_on", ""),
                    "closed_reason": cells.get("closed_reason", ""),
                },
                today,
                specs["closing"],
            )
            values["closed_on"], values["closed_reason"] = closing.closed_on, closing.closed_reason
        except InvalidEntry as refused:
            errors.update(refused.errors)
    consent_date = cells.get("consent_date", "").strip()
    try:
        values["consent_date"] = parse_date(consent_date) if consent_date else None
    except FieldError as refused:
        errors["consent_date"] = refused.message
    values["consent_by"] = tidy(cells.get("consent_by", "")) or None
    if errors:
        raise InvalidEntry(errors)
    return values


def _linked_values(
    kind: str, row: SourceRow, today: date, consent: bool | None, specs: Specs
) -> dict[str, Any]:
    cells = row.cells
    if kind == "caring_roles":
        values = role_values(cells, today, specs[kind])
        values["conditions"] = ";".join(values["conditions"])
        values["id"] = cells.get("role_id", "").strip() or None
    elif kind == "contacts":
        values = check_all(specs[kind], cells, today)
        values["support"] = ";".join(values["support"])
        values["staff"] = tidy(cells.get("staff", "")) or None
        values["id"] = cells.get("contact_id", "").strip() or None
    elif kind == "cards":
        values = card_values(cells, today, specs[kind])
        values["number_key"] = keys.card_key(values["card_number"])
    elif kind == "consents":
        values = check_all(specs[kind], cells, today)
        values["recorded_by"] = tidy(cells.get("recorded_by", "")) or None
        values["id"] = None
    else:
        values = referral_values(cells, today, consent_share=consent, specs=specs[kind])
        values["id"] = cells.get("referral_id", "").strip() or None
    return values


IDS = {
    "caring_roles": "role_id",
    "contacts": "contact_id",
    "cards": "card_number",
    "referrals": "referral_id",
    "consents": "consent_id",
}
"""The column that names each linked record (a card's number is its name)."""


def check_source(session: Session, sources: Sources, today: date) -> Plan:
    """Check every row by the register's rules; a reference must lead to a carer.

    A large file of a kind checked row by row is read and checked by a helper process,
    started first so that it works alongside this one."""
    with _helper(sources, today) as helper:
        return _check_all(session, sources, today, helper)


def _check_all(
    session: Session,
    sources: Sources,
    today: date,
    helper: Callable[[LargeCsv], list[Checked]],
) -> Plan:
    # Each import remembers what a repeated date or code came to, for its own length only.
    specs = {kind: memoised(fields) for kind, fields in SPECS.items()}
    # A referral names a service on the organisation's list, retired ones included (the
    # referrals made to one before it was retired come back with a register's files).
    # The program reads the list itself: the services are no one's personal details.
    lists = _lists(session, sources, today)
    services = lists.services

    def service(text: str, today: date) -> str | None:
        return referral_rules.check_destination(text, services)

    specs["referrals"]["destination"] = FieldSpec("Referred to", service, True, services)
    plan = Plan(specs=specs, lists=lists)
    _list_problems(plan)
    consents: dict[str, bool | None] = {}
    registered: dict[str, date] = {}
    born: dict[str, date] = {}
    seen: dict[str, str] = {}  # each reference's key, and the reference as the file has it
    wards = lists.wards
    for row in _rows(sources, "carers"):
        plan.rows_read += 1
        try:
            values = _carer(row, today, specs)
        except InvalidEntry as refused:
            plan.refuse(row, refused.errors)
            continue
        reference = keys.reference_key(values["reference"]) if values["reference"] else None
        problems = {}
        if reference and reference in seen:
            problems["reference"] = _twice(seen[reference], values["reference"])
        # The operations' own rules (core.rules), called through the module as they do.
        if values["ward"]:
            _broken(problems, rules.check_ward, values["ward"], wards)
        if values["closed_on"]:
            _broken(
                problems, rules.check_closing_date, values["closed_on"], values["registered_on"]
            )
        if problems:
            plan.refuse(row, problems)
            continue
        if reference:
            seen[reference] = values["reference"]
            consents[reference] = values.get("consent_share")
            registered[reference] = values["registered_on"]
            born[reference] = values["date_of_birth"]
        plan.carers.append((row, values))
    stored: dict[str, bool | None] = {}
    for reference, consent, registered_on, born_on in session.execute(
        select(Carer.reference, Carer.consent_share, Carer.registered_on, Carer.date_of_birth)
    ):
        reference = keys.reference_key(reference)
        stored[reference] = consent
        registered.setdefault(reference, registered_on)
        born.setdefault(reference, born_on)
    # A referral already stored with the same status was checked when it was sent: consent
    # withdrawn since then does not make the register's own export refuse it.
    given_referrals = [r.cells.get("referral_id", "").strip() for r in _rows(sources, "referrals")]
    sent_before = {
        (referral_id, status)
        for start in range(0, len(given_referrals), CHUNK)
        for referral_id, status in session.execute(
            select(Referral.id, Referral.status).where(
                Referral.id.in_([i for i in given_referrals[start : start + CHUNK] if i])
            )
        )
    }
    known = consents.keys() | stored.keys()
    history = share_history(session, _rows(sources, "consents"))
    # One active card of a type per carer: the stored ones, by (carer, type).
    active_cards: dict[tuple[str, str], str] = {
        (keys.reference_key(reference), card_type): number
        for number, reference, card_type in session.execute(
            select(Card.card_number, Carer.reference, Card.card_type)
            .join(Carer, Carer.id == Card.carer_id)
            .where(Card.status == "active")
        )
    }

    def consent_of(kind: str, cells: Mapping[str, str]) -> bool | None:
        if kind != "referrals":
            return None
        status = codes.parse_code(codes.REFERRAL_STATUS, cells.get("status", ""))
        if (cells.get("referral_id", "").strip(), status) in sent_before:
            return True
        if shared_when_sent(cells, history):
            return True
        reference = cells.get("reference", "").strip().upper()
        return consents.get(reference, stored.get(reference))

    for kind in RECORD_KINDS[1:]:
        source = sources.get(kind, [])
        if isinstance(source, LargeCsv):
            rows = helper(source)
        else:
            rows = [
                _checked(kind, row, today, specs, consent_of(kind, row.cells)) for row in source
            ]
        _check_across(plan, kind, rows, known, registered, active_cards, born)
    return plan


SentRow = tuple[int, int, str, str, dict[str, Any] | None, dict[str, str]]
"""A row checked by the helper: line, how many columns, reference, id, values, errors."""
Sent = tuple[str, tuple[str, ...], list[SentRow]]


def check_file(large: LargeCsv, today: date) -> Sent:
    """Read a large file and check each row by its own fields: in a helper process.

    What goes back is plain tuples (ten times quicker to send than named ones), and no
    cells: only how many columns each row has, which is all the writing needs of them (a
    row shorter than the header leaves its last columns out, and they keep what is stored)."""
    specs = {large.kind: memoised(SPECS[large.kind])}
    with paused_gc():
        checked = []
        for row in _csv_rows(_read_text(large.path, large.encoding), large.path.name):
            _, reference, identity, values, errors = _checked(large.kind, row, today, specs, None)
            checked.append((row.line, len(row.cells), reference, identity, values, errors))
    return large.path.name, large.columns, checked


def _received(sent: Sent) -> list[Checked]:
    label, columns, checked = sent
    # The columns a row has, as a mapping shared by every row as long as it.
    shared: dict[int, dict[str, str]] = {}
    return [
        Checked(
            SourceRow(
                label,
                line,
                shared.get(width) or shared.setdefault(width, dict.fromkeys(columns[:width], "")),
            ),
            reference,
            identity,
            values,
            errors,
        )
        for line, width, reference, identity, values, errors in checked
    ]


@contextmanager
def paused_gc() -> Iterator[None]:
    """No cycle collection while a bulk read or write makes hundreds of thousands of objects
    that all live on (each collection would walk them all again); reference counting still
    frees what goes."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


@contextmanager
def _helper(sources: Sources, today: date) -> Iterator[Callable[[LargeCsv], list[Checked]]]:
    """Start a helper process on each large file now; yields how to collect its rows.

    A fresh interpreter (``carerdesk.export.helper``, see ``HELPER``), never a fork of this one,
    which may be running threads (the application's screens), and never a re-run of the
    program that called (as multiprocessing's spawn would). If it cannot start, or fails,
    the file is read and checked here instead, which says what is wrong if anything is."""
    started: dict[Path, subprocess.Popen[bytes]] = {}
    for found in sources.values():
        if isinstance(found, LargeCsv):
            with suppress(OSError):
                started[found.path] = _start_helper(found, today)

    def collect(found: LargeCsv) -> list[Checked]:
        helper = started.get(found.path)
        if helper is not None and helper.stdout is not None:
            try:
                outcome, answer = pickle.load(helper.stdout)
                if helper.wait() == 0 and outcome == "refused":
                    raise ImportRefused(answer)
                if helper.returncode == 0 and outcome == "checked":
                    return _received(answer)
            except ImportRefused:
                raise
            except Exception:  # the helper failed in some way: this process does the work
                pass
            finally:
                _stop(started.pop(found.path))
        return _received(check_file(found, today))

    try:
        yield collect
    finally:
        for helper in started.values():
            _stop(helper)


HELPER = (
    "import sys; sys.path.append(sys.argv[1]); from carerdesk.export.helper import main; main()"
)
"""The helper's program: with ``-P``, nothing is imported from the folder the import was run
in (a ``csv.py`` among received files must not run); this package's own folder comes last
on the path, after the standard library and the installed packages."""


def _start_helper(found: LargeCsv, today: date) -> subprocess.Popen[bytes]:
    package_root = str(Path(__file__).resolve().parents[2])
    helper = subprocess.Popen(
        [sys.executable, "-P", "-c", HELPER, package_root],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env={key: value for key, value in os.environ.items() if key != "PYTHONPATH"},
    )
    try:
        assert helper.stdin is not None
        pickle.dump((found, today), helper.stdin)
        helper.stdin.close()
    except BaseException:
        _stop(helper)
        raise
    return helper


def _stop(helper: subprocess.Popen[bytes]) -> None:
    if helper.poll() is None:
        helper.kill()
    helper.wait()
    if helper.stdout is not None:
        helper.stdout.close()


class Checked(NamedTuple):
    """One linked row checked alone: the values, or what is wrong with the row."""

    row: SourceRow
    reference: str
    identity: str
    values: dict[str, Any] | None
    errors: dict[str, str]


def _checked(kind: str, row: SourceRow, today: date, specs: Specs, consent: bool | None) -> Checked:
    id_column = IDS[kind]
    reference = row.cells.get("reference", "").strip().upper()
    identity = row.cells.get(id_column, "").strip().upper()
    if kind == "cards":  # one card whatever its spaces, dashes or capitals
        identity = keys.card_key(identity)
    try:
        values = _linked_values(kind, row, today, consent, specs)
    except InvalidEntry as refused:
        return Checked(row, reference, identity, None, refused.errors)
    return Checked(row, reference, identity, values, {})


def _check_across(
    plan: Plan,
    kind: str,
    rows: Iterable[Checked],
    known: Container[str],
    registered: Mapping[str, date],
    active_cards: Mapping[tuple[str, str], str] | None = None,
    born: Mapping[str, date] | None = None,
) -> None:
    """The rules between records: a reference leads to a carer, an id comes once, a contact
    is not before the carer registered, a card's type suits the carer's age on the day it was
    issued, and a carer has one active card of a type."""
    born = born or {}
    active = dict(active_cards or {})
    if kind == "cards":
        rows = list(rows)
        for _, reference, _, values, _ in rows:  # a stored card the file ends frees its place
            if values and values["status"] != "active":
                key = (reference, values["card_type"])
                if _same_card(active.get(key), values["card_number"]):
                    del active[key]
    checked = plan.linked.setdefault(kind, [])
    id_column = IDS[kind]
    ids_seen: dict[str, SourceRow] = {}
    for row, reference, identity, values, row_errors in rows:
        plan.rows_read += 1
        errors: dict[str, str] = {}
        if not reference and kind != "contacts":
            errors["reference"] = "Which carer? Give their reference."
        elif reference and reference not in known:
            errors["reference"] = (
                "No carer has this reference, in the register or in the carers file."
            )
        if identity and identity in ids_seen:
            errors[id_column] = (
                _card_twice(ids_seen[identity], row)
                if kind == "cards"
                else "This id is in the file twice."
            )
        ids_seen.setdefault(identity, row)
        errors.update(row_errors)
        if kind == "contacts" and values and reference:
            _broken(
                errors, rules.check_contact_date, values["contact_on"], registered.get(reference)
            )
        # An ended card is a record of what was issued (under a date of birth since corrected).
        if kind == "cards" and values and reference in born and values["status"] == "active":
            _broken(
                errors, cards.check_type, values["card_type"], born[reference], values["issued_on"]
            )
        if kind == "cards" and values and values["status"] == "active":
            held = active.setdefault((reference, values["card_type"]), values["card_number"])
            if not _same_card(held, values["card_number"]):
                errors["status"] = (
                    f"This carer already has an active card of this type ({held}): "
                    "mark one of them replaced or cancelled."
                )
        if errors or values is None:
            plan.refuse(row, errors, kind)
            continue
        values["reference"] = reference or None
        checked.append((row, values))


def _twice(first: str, again: str) -> str:
    """A carer's reference found twice in a file: in any case, it is the same reference."""
    if first == again:
        return "This reference is in the file twice."
    return (
        f"This reference is in the file already as {first}: references match in any case, "
        "so these would be one carer. Give one of them another reference."
    )


def _card_twice(first: SourceRow, again: SourceRow) -> str:
    """A card found twice in a file: the same number, however it is written."""
    was, now = first.cells.get("card_number", "").strip(), again.cells.get("card_number", "")
    if was == now.strip():
        return f"This card is in the file twice (line {first.line})."
    return (
        f"This card is in the file already as {was} (line {first.line}): numbers match "
        "whatever their spaces, dashes, slashes or capitals, so this is the same card."
    )


def _same_card(one: str | None, other: str) -> bool:
    """Whether two card numbers are the same card, however each is written."""
    return one is not None and keys.card_key(one) == keys.card_key(other)


def _lists(session: Session, sources: Sources, today: date) -> Lists:
    """The organisation's services and wards the files bring (``export.lists``), read and
    checked before any record."""
    return check_lists(session, _rows(sources, "services"), _rows(sources, "wards"), today)


def _list_problems(plan: Plan) -> None:
    for row, column, message in plan.lists.problems:
        plan.bad_rows.add((row.file, row.line))
        plan.problems.append(Problem(row.file, row.line, column, message))
    plan.rows_read += plan.lists.rows_read


ShareHistory = Mapping[str, list[tuple[date, bool]]]


def share_history(session: Session, rows: Iterable[SourceRow]) -> ShareHistory:
    """Each carer's consent to share as the consents file gives it: (day, given) by the
    reference (any case). Rows that are not good are left to their own check."""
    history: dict[str, list[tuple[date, bool]]] = {}
    for row in rows:
        cells = row.cells
        if codes.parse_code(codes.CONSENT, cells.get("consent", "")) != "share":
            continue
        given = codes.parse_code(codes.CONSENT_GIVEN, cells.get("given", ""))
        try:
            day = parse_date(cells.get("date", ""))
        except FieldError:
            continue
        if given is not None:
            reference = keys.reference_key(cells.get("reference", ""))
            history.setdefault(reference, []).append((day, given == "yes"))
    return history


def shared_when_sent(cells: Mapping[str, str], history: ShareHistory) -> bool:
    """Whether a referral's row was sent on a day its carer had consented to share, by their
    consent history: so a referral sent before the consent was withdrawn (or before a merge
    moved it to a record without it) comes back as it was."""
    made = cells.get("made_on", "").strip()
    entries = history.get(keys.reference_key(cells.get("reference", "")))
    if not made or not entries:
        return False
    try:
        made_on = parse_date(made)
    except FieldError:
        return False
    before = [(day, given) for day, given in entries if day <= made_on]
    if not before:
        return False
    last = max(day for day, _ in before)
    return any(given for day, given in before if day == last)


def _broken(errors: dict[str, str], rule: Callable[..., object], *args: Any) -> None:
    """Apply one of the operations' rules to a row: what it refuses goes in ``errors`` under
    the field it names."""
    try:
        rule(*args)
    except FieldError as refused:
        errors[refused.field] = refused.message


# Writing ---------------------------------------------------------------------------------


@dataclass
class Outcome:
    """What an import did (or, for a dry run, would do)."""

    added: dict[str, int] = field(default_factory=dict)
    changed: dict[str, int] = field(default_factory=dict)
    unchanged: dict[str, int] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    rows_read: int = 0
    written: bool = False

    def summary(self) -> str:
        """One line a person reads: counts by kind."""
        parts = []
        for kind in KINDS:
            counts = (
                self.added.get(kind, 0),
                self.changed.get(kind, 0),
                self.unchanged.get(kind, 0),
            )
            if any(counts):
                name = kind.replace("_", " ")
                parts.append(f"{name}: {counts[0]} new, {counts[1]} changed, {counts[2]} unchanged")
        return "; ".join(parts) or "nothing to import"


def carer_stored() -> tuple[str, ...]:
    """The carer columns an import writes: every typed field, and those the operations keep."""
    kept = ("status", "closed_on", "closed_reason", "consent_date", "consent_by")
    return (*CARER_FIELDS, *kept)


LINKED: dict[str, tuple[Any, tuple[str, ...], str]] = {
    # kind: model, the stored columns compared, the column of its identity
    "caring_roles": (
        CaringRole,
        (
            "relationship_",
            "cared_for_age_band",
            "conditions",
            "lives_with_carer",
            "started_on",
            "ended_on",
        ),
        "id",
    ),
    "contacts": (
        Contact,
        ("contact_on", "contact_time", "channel", "support", "minutes", "staff", "notes"),
        "id",
    ),
    # A card is matched by its folded number (``keys.card_key``) and keeps the number as
    # the file writes it.
    "cards": (
        Card,
        ("card_number", "card_type", "issue_reason", "issued_on", "expires_on", "status"),
        "number_key",
    ),
    "referrals": (
        Referral,
        ("destination", "reason", "urgency", "status", "made_on", "closed_on", "outcome"),
        "id",
    ),
    # No id in the file: an entry equal field for field to a stored one is that entry.
    "consents": (Consent, ("consent", "given", "date_", "how", "recorded_by"), "id"),
}


CARERS = cast(Table, Carer.__table__)
TABLES = {kind: cast(Table, model.__table__) for kind, (model, _, _) in LINKED.items()}


def _stamp(by: Actor) -> dict[str, Any]:
    # One moment for all the rows of a kind, made in one transaction.
    now = utc_now()
    return {"created_at": now, "updated_at": now, "created_by": by.name, "updated_by": by.name}


def _insert(session: Session, table: Table, rows: list[dict[str, Any]], staged: bool) -> None:
    # Rows built alike have their keys in one order.
    if rows:
        insert_rows(
            session, table, list(rows[0]), [tuple(row.values()) for row in rows], staged=staged
        )


def _chunks(rows: list[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    for start in range(0, len(rows), CHUNK):
        yield rows[start : start + CHUNK]


def _person_key(values: Mapping[str, Any]) -> tuple[Any, ...]:
    return tuple(values.get(name) for name in CARER_FIELDS)


def _same_people(session: Session, rows: list[dict[str, Any]]) -> Counter[tuple[Any, ...]]:
    """The stored carers, by every typed field, who may be ``rows`` (rows with no reference).

    Looked up by folded surname (an indexed column), a chunk of surnames a query, never a
    query a row."""
    wanted = {_person_key(values) for values in rows}
    surnames = sorted(
        {
            str(carers.search_keys(v["first_name"], v["last_name"], None, None)["last_folded"])
            for v in rows
        }
    )
    found: Counter[tuple[Any, ...]] = Counter()
    for start in range(0, len(surnames), CHUNK):
        query = select(Carer).where(Carer.last_folded.in_(surnames[start : start + CHUNK]))
        for carer in session.scalars(query):
            key = _person_key({name: getattr(carer, name) for name in CARER_FIELDS})
            if key in wanted:
                found[key] += 1
    return found


def _take(counter: Counter[tuple[Any, ...]], key: tuple[Any, ...]) -> bool:
    """Use up one stored record matching ``key``; False when none is left."""
    if counter[key] <= 0:
        return False
    counter[key] -= 1
    return True


def _stored(session: Session, column: Any, keys: list[str]) -> dict[str, Any]:
    """The stored records whose ``column`` is one of ``keys``, by key.

    A table holding fewer records than there are keys is read for its keys alone first (on
    a first import, an empty table: no query a chunk of keys at all); then the records with
    those keys are read, a chunk of keys a query."""
    model = column.class_
    if not keys:
        return {}
    held = session.scalar(select(func.count()).select_from(model)) or 0
    if held < len(keys):
        there = set(session.scalars(select(column)))
        keys = [key for key in keys if key in there]
    found: dict[str, Any] = {}
    for start in range(0, len(keys), CHUNK):
        for record in session.scalars(select(model).where(column.in_(keys[start : start + CHUNK]))):
            found[getattr(record, column.key)] = record
    return found


def _write_carers(
    session: Session, plan: Plan, by: Actor, outcome: Outcome, dry_run: bool
) -> dict[str, str]:
    """Add or change the carers; returns each reference's carer id."""
    wanted = [keys.reference_key(v["reference"]) for _, v in plan.carers if v["reference"]]
    # By key: a reference matches in any case, and what is stored keeps its own form.
    existing: dict[str, Carer] = _stored(session, Carer.reference_key, wanted)
    unreferenced = _same_people(session, [v for _, v in plan.carers if not v["reference"]])
    new_rows: list[dict[str, Any]] = []
    added = changed = unchanged = 0
    stamp = _stamp(by)
    stored_columns = carer_stored()
    for source, values in plan.carers:
        found = (
            existing.get(keys.reference_key(values["reference"])) if values["reference"] else None
        )
        # No reference: the same person stored already, field for field, is this row.
        if found is None and not values["reference"] and _take(unreferenced, _person_key(values)):
            unchanged += 1
            continue
        if found is None:
            added += 1
            if dry_run:
                continue
            stored = map(values.get, stored_columns)
            row: dict[str, Any] = dict(zip(stored_columns, stored, strict=True))
            row["consent_date"] = row["consent_date"] or row["registered_on"]
            row["consent_by"] = row["consent_by"] or by.name
            row.update(
                id=new_id(),
                reference=values["reference"],
                reference_key=keys.reference_key(values["reference"] or ""),
                **carers.search_keys(
                    str(row["first_name"]),
                    str(row["last_name"]),
                    row["preferred_name"],
                    row["postcode"],
                ),
                **stamp,
            )
            new_rows.append(row)
            continue
        carer = found
        # A column the file does not have keeps what is stored (status goes with closed_on).
        present = set(source.cells) | (
            {"closed_on", "closed_reason"} if "status" in source.cells else set()
        )
        differs = [
            name
            for name in stored_columns
            if name in present
            if name not in ("consent_date", "consent_by") or values.get(name) is not None
            if getattr(carer, name) != values.get(name)
        ]
        if not differs:
            unchanged += 1
            continue
        changed += 1
        if not dry_run:
            for name in differs:
                setattr(carer, name, values.get(name))
            carer.updated_by = by.name
            for key, value in carers.search_keys(
                carer.first_name, carer.last_name, carer.preferred_name, carer.postcode
            ).items():
                setattr(carer, key, value)
            audit.record(
                session,
                by,
                Action.CHANGED,
                kind="carer",
                record_id=carer.id,
                reference=carer.reference,
                fields=differs,
                detail="import",
            )
    # The references given first; then the rows without one get new references, which
    # therefore never take one that a row of the same file brings.
    given = [row for row in new_rows if row["reference"]]
    _insert(session, CARERS, given, staged=True)
    carers.reserve_references(session, (row["reference"] for row in given))
    session.flush()
    unnamed = [row for row in new_rows if not row["reference"]]
    for row in unnamed:
        row["reference"] = carers.next_reference(session)
        row["reference_key"] = keys.reference_key(row["reference"])
    _insert(session, CARERS, unnamed, staged=True)
    session.flush()
    plan.added_carers = new_rows
    outcome.added["carers"], outcome.changed["carers"], outcome.unchanged["carers"] = (
        added,
        changed,
        unchanged,
    )
    ids = {reference: carer.id for reference, carer in existing.items()}
    ids.update((row["reference_key"], row["id"]) for row in new_rows)
    references = sorted(
        {
            v["reference"]
            for _, v in plan.linked_rows()
            if v["reference"] and v["reference"] not in ids
        }
    )
    for start in range(0, len(references), CHUNK):
        batch = references[start : start + CHUNK]
        query = select(Carer.reference_key, Carer.id).where(Carer.reference_key.in_(batch))
        ids.update((str(key), carer_id) for key, carer_id in session.execute(query))
    return ids


def _write_linked(
    session: Session,
    kind: str,
    rows: list[tuple[SourceRow, dict[str, Any]]],
    carer_ids: Mapping[str, str],
    by: Actor,
    outcome: Outcome,
    dry_run: bool,
) -> None:
    model, compared, identity = LINKED[kind]
    key_column = getattr(model, identity)
    id_name = _value_name(identity, kind)
    given = [values[id_name] for _, values in rows if values.get(id_name)]
    stored = _stored(session, key_column, given)
    # Rows without an id match a stored record of the same carer field for field, one
    # stored record for one row: two identical drop-ins in the file are two contacts.
    reference_of = {carer_id: reference for reference, carer_id in carer_ids.items()}
    unnamed = {values["reference"] for _, values in rows if not values.get(id_name)}
    by_fields: Counter[tuple[Any, ...]] = Counter()
    if unnamed:
        carer_list = [carer_ids[ref] for ref in unnamed if ref and ref in carer_ids]
        for start in range(0, max(len(carer_list), 1), CHUNK):
            condition = model.carer_id.in_(carer_list[start : start + CHUNK])
            if None in unnamed and start == 0:
                condition = condition | model.carer_id.is_(None)
            for record in session.scalars(select(model).where(condition)):
                reference = reference_of.get(record.carer_id) if record.carer_id else None
                by_fields[(reference, *(getattr(record, c) for c in compared))] += 1
    pairs = [(column, column.rstrip("_")) for column in compared]
    take_given = itemgetter(*(name for _, name in pairs))  # the row's values, column order
    stamp = _stamp(by)
    new_rows: list[tuple[Any, ...]] = []
    added = changed = unchanged = 0
    for row, values in rows:
        reference = values["reference"]
        carer_id = carer_ids.get(reference) if reference else None
        given_values = take_given(values)
        key = values.get(id_name)
        record = stored.get(key) if key else None
        if record is None and not key and _take(by_fields, (reference, *given_values)):
            unchanged += 1
            continue
        if record is None:
            added += 1
            if not dry_run:
                own_id = (new_id(),) if identity != "id" else ()
                new_rows.append((key or new_id(), *own_id, carer_id, *given_values))
            continue
        # A column the file does not have keeps what is stored.
        stored_values = dict(zip(compared, given_values, strict=True))
        differs = [
            column
            for column, name in pairs
            if name in row.cells and getattr(record, column) != stored_values[column]
        ]
        if record.carer_id != carer_id:
            differs.append("carer_id")
            stored_values["carer_id"] = carer_id
        if not differs:
            unchanged += 1
            continue
        changed += 1
        if not dry_run:
            for name in differs:
                setattr(record, name, stored_values[name])
            record.updated_by = by.name
            fields = [name.rstrip("_") for name in differs]
            audit.record(
                session,
                by,
                Action.CHANGED,
                kind=kind.rstrip("s"),
                record_id=getattr(record, "id", None),
                reference=reference,
                fields=fields,
                detail="import",
            )
    # By column name, in one executemany a chunk (the ORM's bulk insert splits rows by
    # which values are None, and compiles a statement for each split).
    names = [model.__mapper__.attrs[column].columns[0].name for column in compared]
    columns = [identity, *(["id"] if identity != "id" else []), "carer_id", *names, *stamp]
    insert_rows(session, TABLES[kind], columns, [(*row, *stamp.values()) for row in new_rows])
    outcome.added[kind], outcome.changed[kind], outcome.unchanged[kind] = added, changed, unchanged


def _first_consents(session: Session, plan: Plan, by: Actor) -> None:
    """A carer added whom the files give no consent entries (an older register's files, a
    centre's own spreadsheet) gets their consents as they stand as first entries, as every
    carer of a register got them at migration 0015; how is not known. They come with the
    carers, so they are not counted apart (a dry run counts the same)."""
    having = {values["reference"] for _, values in plan.linked.get("consents", [])}
    stamp = _stamp(by)
    rows = [
        (
            new_id(),
            carer["id"],
            consent,
            bool(carer[name]),
            carer["consent_date"] or carer["registered_on"],
            None,
            carer["consent_by"],
            *stamp.values(),
        )
        for carer in plan.added_carers
        if carer["reference_key"] not in having
        for consent, name in LATEST.items()
        if carer[name] is not None
    ]
    columns = ["id", "carer_id", "consent", "given", "date", "how", "recorded_by", *stamp]
    insert_rows(session, TABLES["consents"], columns, rows)


def _value_name(identity: str, kind: str) -> str:
    return "number_key" if kind == "cards" else identity


def import_register(
    session: Session,
    by: Actor,
    sources: Sources,
    *,
    today: date,
    dry_run: bool = False,
    skip_invalid: bool = False,
    progress: Callable[[str], None] | None = None,
) -> Outcome:
    """Check every row, then (unless refused or a dry run) write them all in this transaction.

    Coordinators only. With problems and without ``skip_invalid`` nothing is written; with
    it, the good rows are written and the problems listed. One audit entry records the
    import with its counts.
    """
    by.require(Can.IMPORT)
    if progress:
        progress("Checking every row…")
    with paused_gc():
        plan = check_source(session, sources, today)
    outcome = Outcome(problems=plan.problems, rows_read=plan.rows_read)
    if plan.problems and not skip_invalid:
        return outcome
    with large_cache(session), paused_gc():
        write_lists(session, plan.lists, by, outcome, dry_run)
        if progress:
            progress("Writing the carers…")
        carer_ids = _write_carers(session, plan, by, outcome, dry_run)
        for kind in RECORD_KINDS[1:]:
            if progress:
                progress(f"Writing the {kind.replace('_', ' ')}…")
            rows = plan.linked.get(kind, [])
            _write_linked(session, kind, rows, carer_ids, by, outcome, dry_run)
    if not dry_run:
        # Files with a consents file give each carer's whole history (a record merged into
        # another has none left: it went with the rest of its records).
        if "consents" not in sources:
            _first_consents(session, plan, by)
        session.flush()
        audit.record(session, by, Action.IMPORTED, kind="register", detail=outcome.summary())
        outcome.written = True
    return outcome
