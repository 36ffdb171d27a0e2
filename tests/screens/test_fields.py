"""A field added to the declaration alone is on the form, on the record, in the export and
through an export and import; nothing else lists it."""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

import pytest
from sqlalchemy import Engine, select

from carerdesk.app import CarerdeskApp
from carerdesk.core import codes
from carerdesk.core.entries import CARER_FIELDS, CARING, FieldSpec, form_order
from carerdesk.core.validate import parse_yes_no
from carerdesk.db.engine import make_engine, sqlite_url, unit_of_work
from carerdesk.db.migrate import upgrade
from carerdesk.db.models import Carer
from carerdesk.export.importer import import_register, read_source
from carerdesk.export.register import export_register
from carerdesk.widgets.form_field import FormField
from tests.conftest import COORDINATOR, TODAY
from tests.screens.helpers import open_record, settle, shown, type_text

PLAN = FieldSpec(
    "Contingency plan held",
    lambda text, today: parse_yes_no(text),
    choices=codes.YES_NO,
    section=CARING,
)


@pytest.fixture
def declared(monkeypatch: pytest.MonkeyPatch) -> None:
    """``contingency_plan``, a column the register has, declared as a carer field."""
    monkeypatch.setitem(cast(dict[str, FieldSpec], CARER_FIELDS), "contingency_plan", PLAN)


def _carer(db: Path, reference: str) -> dict[str, Any]:
    engine = make_engine(sqlite_url(db))
    with unit_of_work(engine, write=False) as session:
        carer = session.scalars(select(Carer).where(Carer.reference == reference)).one()
        values = {name: getattr(carer, name) for name in ("contingency_plan", "preferred_name")}
    engine.dispose()
    return values


async def test_the_form_holds_exactly_the_declared_fields(
    make_app: Callable[[], CarerdeskApp],
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_record(pilot, "nguyen")
        assert "C000002" in shown(pilot, "#summary")
        await pilot.press("e")
        await settle(pilot)
        assert type(app.screen).__name__ == "RegisterScreen"
        held = [field.field_name for field in app.screen.query(FormField)]
        assert held == form_order()
        assert "contingency_plan" not in held


async def test_a_field_declared_alone_is_typed_shown_exported_and_imported(
    declared: None, make_app: Callable[[], CarerdeskApp], desk_db: Path, tmp_path: Path
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_record(pilot, "nguyen")
        assert "Contingency plan held" not in shown(pilot, "#details")  # nothing stored yet
        await pilot.press("e")
        await settle(pilot)
        held = [field.field_name for field in app.screen.query(FormField)]
        # In its section, on a line of its own after the section's others.
        assert held[held.index("gp_practice") + 1] == "contingency_plan"
        app.screen.query_one("#field-contingency-plan Select").focus()
        await pilot.press("enter")
        await type_text(pilot, "y")
        await pilot.press("enter")
        await pilot.press("ctrl+s")
        await settle(pilot)
        details = shown(pilot, "#details")
        assert "Contingency plan held" in details and "Yes" in details
    assert _carer(desk_db, "C000002")["contingency_plan"] is True

    # In the export, as its own column (the last, as the last declared).
    engine = make_engine(sqlite_url(desk_db))
    with unit_of_work(engine, write=False) as session:
        export_register(session, COORDINATOR, tmp_path / "files")
    engine.dispose()
    with (tmp_path / "files" / "carers.csv").open(encoding="utf-8-sig") as handle:
        rows = {row["reference"]: row for row in csv.DictReader(handle)}
    assert list(rows["C000002"])[-1] == "contingency_plan"
    assert rows["C000002"]["contingency_plan"] == "yes"
    assert rows["C000001"]["contingency_plan"] == ""

    # And back, into an empty register.
    fresh = make_engine(sqlite_url(tmp_path / "fresh.sqlite"))
    upgrade(fresh)
    with unit_of_work(fresh) as session:
        outcome = import_register(
            session, COORDINATOR, read_source(tmp_path / "files"), today=TODAY
        )
        assert outcome.problems == [] and outcome.written
    fresh.dispose()
    assert _carer(tmp_path / "fresh.sqlite", "C000002")["contingency_plan"] is True
    assert _carer(tmp_path / "fresh.sqlite", "C000001")["contingency_plan"] is None


def test_without_the_declaration_the_column_is_not_exported(
    engine: Engine, desk_db: Path, tmp_path: Path
) -> None:
    with unit_of_work(engine, write=False) as session:
        export_register(session, COORDINATOR, tmp_path / "files")
    header = (tmp_path / "files" / "carers.csv").read_text(encoding="utf-8-sig").splitlines()[0]
    assert "contingency_plan" not in header.split(",")


async def test_the_record_shows_each_declared_detail_and_the_export_each_field(
    make_app: Callable[[], CarerdeskApp], engine: Engine, tmp_path: Path
) -> None:
    from carerdesk.core.entries import CARER_KEPT, check_carer, record_details
    from carerdesk.db import carers
    from carerdesk.screens.carer import ADDRESS
    from tests.conftest import STAFF

    every = {
        "first_name": "Ada", "last_name": "Quillfeather", "preferred_name": "Dee",
        "date_of_birth": "01/02/1970", "gender": "female", "ethnicity": "indian",
        "address_line_1": "1 Test Row", "address_line_2": "Flat 2", "town": "Harrow",
        "postcode": "HA1 2AB", "ward": "Greenhill", "phone": "020 7946 0001",
        "mobile": "07700 900001", "email": "ada@example.org", "preferred_contact": "email",
        "registered_on": "02/11/2026", "registered_at": "drop_in", "how_heard": "gp",
        "hours_caring": "50_plus", "parent_carer": "no", "employment": "retired",
        "carers_allowance": "no", "gp_practice": "Test Surgery", "consent_store": "yes",
        "consent_share": "yes", "consent_contact": "no", "notes": "Prefers mornings",
    }  # fmt: skip
    assert set(every) == set(CARER_FIELDS)  # a field declared later is added here too
    with unit_of_work(engine) as session:
        carers.register_carer(session, check_carer(every, TODAY), by=STAFF, today=TODAY)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await open_record(pilot, "quillfeather")
        details = shown(pilot, "#reach") + shown(pilot, "#details")
        for name in record_details():
            # The address's lines are shown as one, labelled "Address".
            label = "Address" if name in ADDRESS else CARER_FIELDS[name].label
            assert label in details, name
        for name in set(CARER_FIELDS) - set(record_details()):
            assert CARER_FIELDS[name].label not in details, name
    with unit_of_work(engine, write=False) as session:
        export_register(session, COORDINATOR, tmp_path / "files")
    with (tmp_path / "files" / "carers.csv").open(encoding="utf-8-sig") as handle:
        row = next(r for r in csv.DictReader(handle) if r["last_name"] == "Quillfeather")
    assert set(row) == set(CARER_FIELDS) | set(CARER_KEPT)
    assert all(row[name] for name in CARER_FIELDS), "every typed field is in its column"
