"""Consent history (``carerdesk.db.consents``): entries kept, the carer's fields the latest
state, withdrawing consent to keep their details closes the record, volunteers refused."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import Engine, select

from carerdesk.core.consents import ConsentEntry, check_consent
from carerdesk.core.errors import FieldError, InvalidEntry, NotAllowed
from carerdesk.db import audit
from carerdesk.db.carers import close_carer, get_carer, register_carer, update_carer
from carerdesk.db.consents import consent_history, record_consent
from carerdesk.db.engine import unit_of_work
from carerdesk.db.models import Carer
from tests.conftest import COORDINATOR, STAFF, VOLUNTEER
from tests.db.test_carers import carer_entry


def registered(engine: Engine, today: date, **typed: str) -> str:
    """A carer registered by a volunteer at a drop-in; their reference."""
    typed = {"registered_at": "drop_in", "consent_share": "yes"} | typed
    with unit_of_work(engine) as s:
        return register_carer(s, carer_entry(today, **typed), by=VOLUNTEER, today=today).reference


def record(engine: Engine, reference: str, entry: ConsentEntry, today: date) -> None:
    with unit_of_work(engine) as s:
        record_consent(s, reference, entry, by=STAFF, today=today)


def history(engine: Engine, reference: str) -> list[tuple[str, bool, date, str | None, str | None]]:
    with unit_of_work(engine, write=False) as s:
        return [
            (e.consent, e.given, e.on, e.how, e.recorded_by)
            for e in consent_history(s, reference, by=STAFF)
        ]


def stored(engine: Engine, reference: str) -> Carer:
    with unit_of_work(engine, write=False) as s:
        carer = s.scalar(select(Carer).where(Carer.reference == reference))
        assert carer is not None
        s.expunge(carer)
        return carer


def test_registering_writes_the_first_entries(engine: Engine, today: date) -> None:
    reference = registered(engine, today)
    assert sorted(history(engine, reference)) == [
        ("share", True, today, "in_person", "Robin Volunteer"),
        ("store", True, today, "in_person", "Robin Volunteer"),
    ]


def test_entries_are_kept_newest_first_and_the_carer_holds_the_latest(
    engine: Engine, today: date
) -> None:
    reference = registered(engine, today - timedelta(days=20), registered_on="01/11/2026")
    week_ago = today - timedelta(days=7)
    record(engine, reference, ConsentEntry("share", False, week_ago, "phone"), today)
    record(engine, reference, ConsentEntry("contact", True, today, "written"), today)
    # An entry dated before the newest of its kind is history, not the latest state.
    record(
        engine,
        reference,
        ConsentEntry("share", True, week_ago - timedelta(days=1), "online"),
        today,
    )
    shown = history(engine, reference)
    assert shown[:3] == [
        ("contact", True, today, "written", "Sam Staff"),
        ("share", False, week_ago, "phone", "Sam Staff"),
        ("share", True, week_ago - timedelta(days=1), "online", "Sam Staff"),
    ]
    assert len(shown) == 5
    carer = stored(engine, reference)
    assert (carer.consent_share, carer.consent_contact, carer.consent_store) == (False, True, True)


def test_withdrawing_consent_to_keep_their_details_closes_the_record(
    engine: Engine, today: date
) -> None:
    reference = registered(engine, today - timedelta(days=30), registered_on="20/10/2026")
    with unit_of_work(engine) as s:
        done = record_consent(
            s, reference, ConsentEntry("store", False, today, "written"), by=STAFF, today=today
        )
    assert done.closed and done.reference == reference
    carer = stored(engine, reference)
    assert (carer.status, carer.closed_on, carer.closed_reason) == (
        "closed",
        today,
        "withdrew_consent",
    )
    assert (carer.consent_store, carer.consent_date, carer.consent_by) == (
        False,
        today,
        "Sam Staff",
    )
    with unit_of_work(engine, write=False) as s:
        trail = audit.entries(s, audit.TrailFilter(), by=COORDINATOR, limit=3)
    assert [(e.action, e.kind, e.fields) for e in reversed(trail)] == [
        ("created", "consent", "consent;date;given;how"),
        ("changed", "carer", "consent_by;consent_date;consent_store"),
        ("closed", "carer", "closed_on;closed_reason;status"),
    ]


def test_a_withdrawal_on_a_closed_record_is_kept_and_closes_nothing_again(
    engine: Engine, today: date
) -> None:
    reference = registered(engine, today)
    with unit_of_work(engine) as s:
        close_carer(s, reference, on=today, reason="moved_away", by=STAFF)
        done = record_consent(
            s, reference, ConsentEntry("store", False, today, "phone"), by=STAFF, today=today
        )
    assert not done.closed
    assert stored(engine, reference).closed_reason == "moved_away"
    assert history(engine, reference)[0][:2] == ("store", False)


def test_a_withdrawal_before_they_registered_is_refused_beside_the_date(
    engine: Engine, today: date
) -> None:
    reference = registered(engine, today, registered_on=f"{today:%d/%m/%Y}")
    earlier = today - timedelta(days=3)
    with pytest.raises(FieldError) as refused, unit_of_work(engine) as s:
        record_consent(s, reference, ConsentEntry("store", False, earlier, "phone"), by=STAFF)
    assert refused.value.field == "date"
    assert stored(engine, reference).status == "active"
    assert len(history(engine, reference)) == 2  # nothing of it saved


def test_a_future_date_or_no_how_is_refused(engine: Engine, today: date) -> None:
    reference = registered(engine, today)
    tomorrow = today + timedelta(days=1)
    with pytest.raises(FieldError) as refused, unit_of_work(engine) as s:
        record_consent(
            s, reference, ConsentEntry("share", False, tomorrow, "phone"), by=STAFF, today=today
        )
    assert refused.value.field == "date"
    with pytest.raises(FieldError) as refused, unit_of_work(engine) as s:
        record_consent(
            s, reference, ConsentEntry("share", False, today, None), by=STAFF, today=today
        )
    assert refused.value.field == "how"
    with pytest.raises(InvalidEntry) as invalid:
        check_consent({"consent": "share", "given": "no", "date": "24/11/2026"}, today)
    assert set(invalid.value.errors) == {"date", "how"}
    assert "future" in invalid.value.errors["date"]


def test_volunteers_record_consent_only_by_registering(engine: Engine, today: date) -> None:
    reference = registered(engine, today)
    with pytest.raises(NotAllowed, match="A volunteer may not"), unit_of_work(engine) as s:
        record_consent(s, reference, ConsentEntry("share", False, today, "phone"), by=VOLUNTEER)
    with pytest.raises(NotAllowed), unit_of_work(engine, write=False) as s:
        consent_history(s, reference, by=VOLUNTEER)
    assert len(history(engine, reference)) == 2


def test_changing_a_consent_on_the_carer_form_is_an_entry(engine: Engine, today: date) -> None:
    reference = registered(engine, today)
    with unit_of_work(engine) as s:
        update_carer(
            s, reference, {"consent_share": False, "consent_contact": True}, by=STAFF, today=today
        )
        update_carer(s, reference, {"first_name": "Adah"}, by=STAFF, today=today)
    assert sorted(history(engine, reference)) == [
        ("contact", True, today, None, "Sam Staff"),
        ("share", False, today, None, "Sam Staff"),
        ("share", True, today, "in_person", "Robin Volunteer"),
        ("store", True, today, "in_person", "Robin Volunteer"),
    ]
    with unit_of_work(engine, write=False) as s:
        view = get_carer(s, reference, by=STAFF)
    assert (view.consent_share, view.consent_contact) == (False, True)


def test_a_record_closed_for_withdrawn_consent_reopens_once_consent_is_given_again(
    engine: Engine, today: date
) -> None:
    from carerdesk.db.carers import reopen_carer

    reference = registered(engine, today)
    record(engine, reference, ConsentEntry("store", False, today, "phone"), today)
    with pytest.raises(NotAllowed, match="record their consent again"), unit_of_work(engine) as s:
        reopen_carer(s, reference, by=STAFF)
    record(engine, reference, ConsentEntry("store", True, today, "in_person"), today)
    with unit_of_work(engine) as s:
        reopen_carer(s, reference, by=STAFF)
    carer = stored(engine, reference)
    assert (carer.status, carer.consent_store) == ("active", True)
