"""The one declaration of each carer field: every list of carer fields derives from it."""

from __future__ import annotations

from sqlalchemy import inspect

from carerdesk.core.entries import (
    CARER_FIELDS,
    CARER_KEPT,
    CARER_SECTIONS,
    KEPT_AFTER,
    carer_columns,
    event_fills,
    form_order,
    form_rows,
    record_details,
)
from carerdesk.db.models import Carer

NOT_FIELDS = {
    # The record's identity, search keys, stamps and version, and the merge pointer: kept by
    # the operations, never typed, shown as a value or exported as a field.
    "pk", "id", "merged_into", "first_folded", "last_folded", "search_text", "postcode_key",
    "reference_key",
    "created_at", "created_by", "updated_at", "updated_by", "version",
    # Set with the emergency contacts (the emergency card), not the carer's form.
    "contingency_plan",
    # Set by an erasure and a retention review (db/erasure.py, db/retention.py).
    "erased_on", "kept_on", "kept_reason",
}  # fmt: skip


def test_every_carer_column_is_declared_once_or_named_as_not_a_field() -> None:
    columns = {attribute.key for attribute in inspect(Carer).column_attrs}
    assert not set(CARER_FIELDS) & set(CARER_KEPT)
    assert columns == set(CARER_FIELDS) | set(CARER_KEPT) | NOT_FIELDS
    assert set(KEPT_AFTER) == set(CARER_KEPT)


def test_the_form_holds_each_field_with_a_section_once() -> None:
    order = form_order()
    assert len(order) == len(set(order))
    assert set(order) == {name for name, spec in CARER_FIELDS.items() if spec.section}
    assert all(spec.section in CARER_SECTIONS for spec in CARER_FIELDS.values() if spec.section)
    short = [name for _, rows in form_rows(event=True) for row in rows for name in row]
    assert set(short) == {n for n, s in CARER_FIELDS.items() if s.event_row is not None}
    # Every field a register needs is asked at an event too.
    assert {n for n, s in CARER_FIELDS.items() if s.required} <= set(short)


def test_the_record_shows_every_field_but_those_declared_not_shown() -> None:
    places = {spec.record for spec in (*CARER_FIELDS.values(), *CARER_KEPT.values())}
    assert places <= {"summary", "details", "notes", ""}
    assert set(record_details()) == {n for n, s in CARER_FIELDS.items() if s.record == "details"}
    assert [n for n, s in CARER_FIELDS.items() if not s.record] == ["consent_store"]


def test_the_export_has_every_declared_field_in_data_md_order() -> None:
    columns = carer_columns()
    declared = {n for n, s in (*CARER_FIELDS.items(), *CARER_KEPT.items()) if s.exported}
    assert set(columns) == declared and len(columns) == len(declared)
    assert columns[0] == "reference" and columns[-1] == "notes"
    typed = [name for name in columns if name in CARER_FIELDS]
    assert typed == [name for name in CARER_FIELDS if CARER_FIELDS[name].exported]
    for name, after in KEPT_AFTER.items():
        if after is not None:
            assert columns.index(name) == columns.index(after) + 1


def test_an_event_fills_only_what_it_may_and_never_who_they_are() -> None:
    filled = set(event_fills())
    assert not filled & {"first_name", "last_name", "date_of_birth", "registered_on"}
    assert not filled & {"consent_store", "notes"}
    assert filled == {n for n, s in CARER_FIELDS.items() if s.event_fills}


def test_a_volunteer_sees_the_names_and_an_age_band_only() -> None:
    seen = {name: spec.volunteer for name, spec in CARER_FIELDS.items()}
    assert set(seen.values()) == {"shown", "age_band", "hidden"}
    assert {n for n, v in seen.items() if v == "shown"} == {
        "first_name",
        "last_name",
        "preferred_name",
    }
    assert {n for n, v in seen.items() if v == "age_band"} == {"date_of_birth"}
