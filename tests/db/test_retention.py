"""The retention review: who is due, a young carer kept till 25, and a record kept."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Engine, select

from carerdesk.core.entries import check_carer, check_contact
from carerdesk.core.erasure import review_from
from carerdesk.core.errors import NotAllowed
from carerdesk.db import accounts, audit, carers, retention
from carerdesk.db.engine import unit_of_work
from carerdesk.db.models import AuditEntry
from tests.conftest import COORDINATOR, STAFF, TODAY

SEVEN_YEARS_AGO = "23/11/2019"


def _carer(engine: Engine, first: str, born: str, registered: str, closed: str | None) -> str:
    with unit_of_work(engine) as session:
        typed = {
            "first_name": first, "last_name": "Marsh", "date_of_birth": born,
            "registered_on": registered, "consent_store": "yes",
        }  # fmt: skip
        made = carers.register_carer(session, check_carer(typed, TODAY), by=STAFF)
        if closed:
            day = date(*reversed([int(p) for p in closed.split("/")]))
            carers.close_carer(session, made.id, on=day, reason="moved_away", by=STAFF)
    return made.reference


def _due(engine: Engine, today: date = TODAY) -> list[str]:
    with unit_of_work(engine, write=False) as session:
        return [r.reference for r in retention.due_for_review(session, by=COORDINATOR, today=today)]


def test_records_idle_longer_than_the_period_are_due(engine: Engine) -> None:
    closed = _carer(engine, "Closed", "01/01/1970", "01/01/2018", SEVEN_YEARS_AGO)
    recent = _carer(engine, "Recent", "01/01/1970", "01/01/2018", "01/06/2021")
    idle = _carer(engine, "Idle", "01/01/1970", "01/03/2019", None)
    talking = _carer(engine, "Talking", "01/01/1970", "01/03/2019", None)
    with unit_of_work(engine) as session:
        entry = check_contact(
            {"contact_on": "02/11/2026", "channel": "phone", "support": "information_advice"},
            TODAY,
        )
        carers.log_contact(
            session, carers.get_carer(session, talking, by=STAFF).id, entry, by=STAFF
        )
    assert _due(engine) == [idle, closed]  # oldest activity first: registered 01/03/2019
    with unit_of_work(engine, write=False) as session:
        found = {
            r.reference: r for r in retention.due_for_review(session, by=COORDINATOR, today=TODAY)
        }
    assert found[closed].activity == "closed (moved away)"
    assert found[closed].last_activity == date(2019, 11, 23)
    assert recent not in found


def test_a_young_carer_is_not_due_before_their_25th_birthday(engine: Engine) -> None:
    young = _carer(engine, "Young", "01/06/2004", "01/01/2017", SEVEN_YEARS_AGO)
    assert _due(engine) == []  # 22 today, closed seven years ago
    assert _due(engine, date(2029, 6, 1)) == [young]
    assert review_from(date(2019, 11, 23), None, date(2004, 6, 1), 6) == date(2029, 6, 1)


def test_the_period_is_the_organisations_setting(engine: Engine) -> None:
    closed = _carer(engine, "Closed", "01/01/1970", "01/01/2018", SEVEN_YEARS_AGO)
    with unit_of_work(engine) as session:
        accounts.change_setting(session, COORDINATOR, "retention_years", "8")
    assert _due(engine) == []
    assert _due(engine, date(2027, 11, 23)) == [closed]


def test_a_kept_record_leaves_the_list_with_its_reason_remembered(engine: Engine) -> None:
    closed = _carer(engine, "Closed", "01/01/1970", "01/01/2018", SEVEN_YEARS_AGO)
    with unit_of_work(engine) as session:
        again = retention.keep_record(
            session, closed, reason="safeguarding enquiry open", by=COORDINATOR, today=TODAY
        )
    assert again == date(2032, 11, 23)
    assert _due(engine) == [] and _due(engine, again) == [closed]
    with unit_of_work(engine, write=False) as session:
        (kept,) = retention.kept_records(session, by=COORDINATOR, today=TODAY)
        assert (kept.reference, kept.kept_reason, kept.kept_on) == (
            closed,
            "safeguarding enquiry open",
            TODAY,
        )
        last = session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc())).first()
        assert last is not None and (last.action, last.detail) == (
            "kept at review",
            "safeguarding enquiry open",
        )
        assert audit.verify(session, by=COORDINATOR).sound


def test_staff_may_not_review(engine: Engine) -> None:
    with unit_of_work(engine) as session, pytest.raises(NotAllowed):
        retention.due_for_review(session, by=STAFF, today=TODAY)
