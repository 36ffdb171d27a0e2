"""The audit trail: every change named with its fields, and tampering found by ``verify``."""

from __future__ import annotations

import sqlite3
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine

from carerdesk.core.entries import check_carer, check_contact, check_role, entry_values
from carerdesk.core.errors import NotAllowed
from carerdesk.core.permissions import SYSTEM
from carerdesk.db import audit, carers
from carerdesk.db.audit import TrailFilter
from carerdesk.db.engine import unit_of_work
from carerdesk.db.models import Carer
from carerdesk.db.search import find_carers
from tests.conftest import COORDINATOR, STAFF, VOLUNTEER

TYPED = {
    "first_name": "Ada",
    "last_name": "Quillfeather",
    "date_of_birth": "14/03/1971",
    "postcode": "HA1 2AB",
    "mobile": "07700 900123",
    "registered_on": "02/11/2026",
    "consent_store": "yes",
}


def register(engine: Engine, today: date) -> Carer:
    with unit_of_work(engine) as session:
        role = check_role({"relationship": "parent"}, today)
        return carers.register_carer(session, check_carer(TYPED, today), [role], by=VOLUNTEER)


def trail(engine: Engine, **where: str) -> list[audit.AuditEntry]:
    with unit_of_work(engine, write=False) as session:
        return list(reversed(audit.entries(session, TrailFilter(**where), by=COORDINATOR)))


def test_registering_records_who_what_and_which_fields_never_their_values(
    engine: Engine, today: date
) -> None:
    carer = register(engine, today)
    created, role = trail(engine)
    assert (created.user_name, created.action, created.kind) == (
        "Robin Volunteer",
        "created",
        "carer",
    )
    assert created.record_id == carer.id and created.reference == carer.reference
    assert set(created.fields.split(";")) >= {"first_name", "date_of_birth", "postcode", "mobile"}
    assert (role.action, role.kind, role.reference) == ("created", "caring_role", carer.reference)
    every_text = " ".join(f"{e.fields} {e.detail}" for e in trail(engine))
    assert not any(value in every_text for value in ("Ada", "Quillfeather", "HA1", "7700"))


def test_a_staff_edit_names_exactly_the_fields_changed(engine: Engine, today: date) -> None:
    carer = register(engine, today)
    changed = check_carer({**TYPED, "postcode": "HA3 0QQ", "last_name": "Quill"}, today)
    with unit_of_work(engine) as session:
        carers.update_carer(session, carer.id, entry_values(changed), by=STAFF)
    last = trail(engine, record=carer.reference)[-1]
    assert (last.user_name, last.action, last.fields) == (
        "Sam Staff",
        "changed",
        "last_name;postcode",
    )
    with unit_of_work(engine) as session:
        carers.update_carer(
            session, carer.id, entry_values(changed), by=STAFF
        )  # saved again, nothing new
    assert len(trail(engine, record=carer.reference)) == 3


def test_opening_closing_and_contacts_are_recorded(engine: Engine, today: date) -> None:
    carer = register(engine, today)
    contact = check_contact(
        {"support": "information_advice", "contact_on": "23/11/2026", "channel": "phone"}, today
    )
    with unit_of_work(engine) as session:
        carers.open_carer(session, carer.reference, by=STAFF)
        carers.log_contact(session, carer.id, contact, by=VOLUNTEER)
        carers.close_carer(session, carer.id, on=today, reason="moved_away", by=STAFF)
    actions = [(e.action, e.kind) for e in trail(engine, record=carer.id)][-3:]
    assert actions == [("opened", "carer"), ("created", "contact"), ("closed", "carer")]


def test_a_volunteer_is_refused_an_edit_and_nothing_is_written(engine: Engine, today: date) -> None:
    carer = register(engine, today)
    changed = check_carer({**TYPED, "postcode": "HA3 0QQ"}, today)
    with pytest.raises(NotAllowed) as refused, unit_of_work(engine) as session:
        carers.update_carer(session, carer.id, entry_values(changed), by=VOLUNTEER)
    assert refused.value.message == (
        "A volunteer may not change a carer's details, caring roles or contacts: "
        "ask a member of staff."
    )
    with unit_of_work(engine, write=False) as session:
        assert carers.get_carer(session, carer.id, by=SYSTEM).postcode == "HA1 2AB"
    assert len(trail(engine)) == 2


def test_a_volunteer_finds_names_and_age_bands_only(engine: Engine, today: date) -> None:
    register(engine, today)
    with unit_of_work(engine, write=False) as session:
        (theirs,) = find_carers(session, "quill", by=VOLUNTEER)
        (staffs,) = find_carers(session, "quill", by=STAFF)
    assert theirs.postcode is None and not theirs.details and theirs.first_name == "Ada"
    assert staffs.postcode == "HA1 2AB" and staffs.details


def test_only_a_coordinator_reads_or_verifies_the_trail(engine: Engine, today: date) -> None:
    register(engine, today)
    with unit_of_work(engine, write=False) as session:
        with pytest.raises(NotAllowed, match="may not view the audit trail"):
            audit.entries(session, TrailFilter(), by=STAFF)
        with pytest.raises(NotAllowed, match="may not view the audit trail"):
            audit.verify(session, by=VOLUNTEER)


def test_the_trail_filters_by_person_record_and_date(engine: Engine, today: date) -> None:
    carer = register(engine, today)
    with unit_of_work(engine) as session:
        carers.open_carer(session, carer.id, by=STAFF)
    assert [e.action for e in trail(engine, person="sam")] == ["opened"]
    assert len(trail(engine, record=carer.reference.lower())) == 3
    with unit_of_work(engine, write=False) as session:
        entries = audit.entries(
            session, TrailFilter(since=date(2000, 1, 1), until=date(2000, 1, 2)), by=COORDINATOR
        )
    assert entries == []


def test_an_untouched_trail_verifies(engine: Engine, today: date) -> None:
    register(engine, today)
    with unit_of_work(engine, write=False) as session:
        verdict = audit.verify(session, by=COORDINATOR)
    assert verdict.sound and verdict.entries == 2


def _fill_trail(engine: Engine, today: date) -> None:
    carer = register(engine, today)
    with unit_of_work(engine) as session:
        for _ in range(3):
            carers.open_carer(session, carer.id, by=STAFF)
    # Entries 1-5 now: created, created (role), opened three times.


def _behind_the_back(path: Path, sql: str) -> None:
    with sqlite3.connect(path) as connection:
        connection.execute(sql)


def _verdict(engine: Engine) -> audit.Verdict:
    with unit_of_work(engine, write=False) as session:
        return audit.verify(session, by=COORDINATOR)


@pytest.mark.parametrize(
    ("sql", "first_bad", "problem"),
    [
        ("UPDATE audit SET user_name = 'Someone Else' WHERE seq = 3", 3, "entry 3 was altered"),
        ("UPDATE audit SET fields = '' WHERE seq = 1", 1, "entry 1 was altered"),
        ("DELETE FROM audit WHERE seq = 2", 2, "entry 2 is missing"),
        ("DELETE FROM audit WHERE seq = 5", 5, "entries 5 to 5 are missing"),
        ("DELETE FROM audit WHERE seq >= 4", 4, "entries 4 to 5 are missing"),
        (
            "INSERT INTO audit SELECT seq + 1, at, user_id, user_name, action, kind, record_id,"
            " reference, fields, detail, hash, hash FROM audit WHERE seq = 5",
            6,
            "entry 6 was altered",
        ),
    ],
)
def test_verify_names_the_first_entry_altered_or_removed_behind_the_applications_back(
    engine: Engine, db_path: Path, today: date, sql: str, first_bad: int, problem: str
) -> None:
    _fill_trail(engine, today)
    assert _verdict(engine).sound
    _behind_the_back(db_path, sql)
    verdict = _verdict(engine)
    assert (verdict.first_bad, verdict.problem) == (first_bad, problem)
