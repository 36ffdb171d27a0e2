"""The organisation's own lists in the register files, as import reads them: its services
(``services.csv``, ``register.SERVICE_COLUMNS``) and its wards (``wards.csv``,
``register.WARD_COLUMNS``).

Import reads them before any record, so the referrals and carers of the same files are
checked against the lists as they will be, and a register moved into a fresh one imports
whole with nothing set up first. A register that has lists of its own keeps them: an import
adds the services and wards it lacks (at the end, in the file's order) and never removes,
renames or changes one it has. A service whose code it has with other details is refused
with both (rename one of them), unless this register has it as carerdesk started it,
unchanged and named by no referral yet: then that is carerdesk's starting list, not the
organisation's, and it takes the file's details. A ward the file lists that the register's
list spells otherwise is refused the same way. Importing them is part of the import's one
transaction and its one audit entry.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from carerdesk.core import codes
from carerdesk.core.destinations import CODE_LENGTH, check_contact, check_name
from carerdesk.core.errors import FieldError
from carerdesk.core.permissions import Actor
from carerdesk.core.rules import MAX_WARDS
from carerdesk.core.text import fold, tidy
from carerdesk.core.validate import parse_choice, parse_date
from carerdesk.db import carers
from carerdesk.db.models import Destination, Referral, Setting

if TYPE_CHECKING:
    from carerdesk.export.importer import Outcome

CODE = re.compile(r"[a-z0-9_]+")
WARD_LENGTH = 100
LABELS = {"name": "name", "contact": "contact details", "counts_as": "return category"}
LABELS |= {"retired_on": "retirement date"}


class Row(Protocol):
    """A row as the importer reads it (``importer.SourceRow``)."""

    @property
    def file(self) -> str: ...
    @property
    def line(self) -> int: ...
    @property
    def cells(self) -> Mapping[str, str]: ...


@dataclass
class Lists:
    """What the files' lists come to: what a record's row may name, what importing them
    adds or changes, and every problem found (a row, its column, what is wrong)."""

    services: dict[str, str] = field(default_factory=dict)
    """Every service a referral's row may name, by code: the register's and the file's."""
    wards: set[str] = field(default_factory=set)
    """The wards a carer's row may name; empty when there is no list (a ward is free text)."""
    new_services: list[dict[str, Any]] = field(default_factory=list)
    taken_over: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Services carerdesk started the register with, to take the file's details."""
    same_services: int = 0
    new_wards: list[str] = field(default_factory=list)
    same_wards: int = 0
    problems: list[tuple[Row, str, str]] = field(default_factory=list)
    rows_read: int = 0
    brought: set[str] = field(default_factory=set)
    """The lists the files have rows of (those an import counts)."""


def check_lists(
    session: Session, services: Iterable[Row], wards: Iterable[Row], today: date
) -> Lists:
    """Check the files' services and wards against the register's own lists."""
    lists = Lists()
    _check_services(session, lists, services, today)
    _check_wards(session, lists, wards)
    return lists


def _service(cells: Mapping[str, str], today: date) -> tuple[dict[str, Any], dict[str, str]]:
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    code = cells.get("code", "").strip().lower()
    if not code:
        errors["code"] = "Give the service's code, such as benefits_advice."
    elif len(code) > CODE_LENGTH or not CODE.fullmatch(code):
        errors["code"] = (
            f"A service's code is up to {CODE_LENGTH} small letters, digits or '_', "
            "such as harrow_young_carers."
        )
    values["code"] = code
    for column, parse in (
        ("name", lambda text: check_name(text)),
        ("contact", check_contact),
        ("counts_as", lambda text: parse_choice(codes.DESTINATION, text, "counts_as")),
        ("retired_on", lambda text: parse_date(text, "retired_on") if text.strip() else None),
    ):
        if column not in cells:
            continue
        try:
            values[column] = parse(cells[column])
        except FieldError as refused:
            errors[column] = refused.message
    if values.get("counts_as") is None:
        values.pop("counts_as", None)  # not given: a stored service keeps its own
    if "counts_as" in errors:
        errors["counts_as"] = f"Use one of: {', '.join(codes.DESTINATION)} (or their labels)."
    retired = values.get("retired_on")
    if retired is not None and retired > today:
        errors["retired_on"] = "This date is in the future: use today or an earlier date."
    return values, errors


def _untouched(service: Destination, named: set[str]) -> bool:
    """As carerdesk started the register with it (``migrations/0008``): never changed by
    anyone, and no referral names it yet."""
    return service.created_by is None and service.updated_by is None and service.code not in named


def _shown(service: Destination, column: str) -> str:
    value = getattr(service, column)
    if value is None:
        return "none" if column != "retired_on" else "not retired"
    return value.isoformat() if isinstance(value, date) else str(value)


def _check_services(session: Session, lists: Lists, rows: Iterable[Row], today: date) -> None:
    query = select(Destination).order_by(Destination.position, Destination.code)
    stored = {service.code: service for service in session.scalars(query)}
    named = set(session.scalars(select(Referral.destination).distinct()))
    names = {code: service.name for code, service in stored.items()}
    seen: set[str] = set()
    checked = []
    for row in rows:
        lists.rows_read += 1
        lists.brought.add("services")
        values, errors = _service(row.cells, today)
        code = values["code"]
        if code and code in seen:
            errors["code"] = "This service is in the file twice."
        seen.add(code)
        found = stored.get(code)
        if found is None and not errors:
            for column in ("name", "counts_as"):
                if not values.get(column):
                    errors[column] = (
                        "Give the service's name."
                        if column == "name"
                        else "Say what it counts as in the weekly return: one of "
                        f"{', '.join(codes.DESTINATION)}."
                    )
        if errors:
            lists.problems.extend((row, column, message) for column, message in errors.items())
            continue
        present = [column for column in LABELS if column in values]
        if found is not None:
            differs = [column for column in present if getattr(found, column) != values[column]]
            if not differs:
                lists.same_services += 1
                continue
            if not _untouched(found, named):
                column = differs[0]
                lists.problems.append(
                    (
                        row,
                        column,
                        f"This register has the service {code} with other "
                        f"{LABELS[column]} ({_shown(found, column)}): an import never changes "
                        "a service the register has. Change one of them so that they agree "
                        "(S on the follow-ups screen, or carerdesk services), then import again.",
                    )
                )
                continue
        checked.append((row, values, found))
        if "name" in values:
            names[code] = values["name"]
    # No two services of one name (in any case or accents) once the file's are in.
    owners: dict[str, list[str]] = {}
    for code, name in names.items():
        owners.setdefault(fold(name), []).append(code)
    for row, values, found in checked:
        code = values["code"]
        if len(owners[fold(names[code])]) > 1:
            other = next(c for c in owners[fold(names[code])] if c != code)
            lists.problems.append(
                (row, "name", f"The service {other} has this name: give each its own.")
            )
        elif found is None:
            lists.new_services.append(values)
        else:
            lists.taken_over[code] = {c: values[c] for c in LABELS if c in values}
    added = {values["code"] for values in lists.new_services}
    lists.services = {code: name for code, name in names.items() if code in stored or code in added}


def _check_wards(session: Session, lists: Lists, rows: Iterable[Row]) -> None:
    stored = carers.ward_list(session)
    spelt = {fold(name): name for name in stored}
    listed = list(stored)
    held: set[str] = set()
    seen: set[str] = set()
    for row in rows:
        lists.rows_read += 1
        lists.brought.add("wards")
        name = tidy(row.cells.get("name", ""))
        answer = row.cells.get("listed", "").strip()
        on_list = codes.parse_code(codes.YES_NO, answer) if answer else "yes"
        error = ""
        if not name:
            error = "Give the ward's name."
        elif len(name) > WARD_LENGTH:
            error = f"A ward's name is at most {WARD_LENGTH} characters."
        elif fold(name) in seen:
            error = "This ward is in the file twice."
        if error:
            lists.problems.append((row, "name", error))
            continue
        seen.add(fold(name))
        if on_list is None:
            lists.problems.append(
                (
                    row,
                    "listed",
                    "Say yes (on the organisation's list) or no (a ward carers hold that is not "
                    "on the list).",
                )
            )
        elif on_list == "no":
            held.add(name)
        elif name in stored:
            lists.same_wards += 1
        elif fold(name) in spelt:
            lists.problems.append(
                (
                    row,
                    "name",
                    f"This register's ward list has it as {spelt[fold(name)]}: an import never "
                    "renames a ward. Spell it the same in both, then import again.",
                )
            )
        elif len(listed) >= MAX_WARDS:
            lists.problems.append((row, "name", f"At most {MAX_WARDS} wards on the list."))
        else:
            listed.append(name)
            lists.new_wards.append(name)
    lists.wards = set(listed) | held if listed else set()


def write_lists(session: Session, lists: Lists, by: Actor, outcome: Outcome, dry_run: bool) -> None:
    """Add the services and wards the register lacks and take over the services carerdesk
    started it with (not for a dry run); count them in ``outcome``."""
    if "services" in lists.brought:
        outcome.added["services"] = len(lists.new_services)
        outcome.changed["services"] = len(lists.taken_over)
        outcome.unchanged["services"] = lists.same_services
    if "wards" in lists.brought:
        outcome.added["wards"], outcome.changed["wards"] = len(lists.new_wards), 0
        outcome.unchanged["wards"] = lists.same_wards
    if dry_run:
        return
    last = session.scalar(select(func.max(Destination.position))) or 0
    for position, values in enumerate(lists.new_services, start=last + 1):
        session.add(
            Destination(
                code=values["code"],
                name=values["name"],
                contact=values.get("contact"),
                counts_as=values["counts_as"],
                retired_on=values.get("retired_on"),
                position=position,
                created_by=by.name,
                updated_by=by.name,
            )
        )
    for code, values in lists.taken_over.items():
        service = session.get(Destination, code)
        assert service is not None
        for column, value in values.items():
            setattr(service, column, value)
        service.updated_by = by.name
    if lists.new_wards:
        wards = [*carers.ward_list(session), *lists.new_wards]
        value = json.dumps(wards, ensure_ascii=False)
        setting = session.get(Setting, "wards")
        if setting is None:
            session.add(Setting(key="wards", value=value))
        else:
            setting.value = value
    session.flush()
