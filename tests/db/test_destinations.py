"""The organisation's own list of services it refers to: add, rename, retire, bring back,
without breaking the referrals already made or the weekly return's categories."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Engine

from carerdesk.core.entries import check_carer
from carerdesk.core.errors import FieldError, InvalidEntry, NotAllowed
from carerdesk.core.permissions import SYSTEM
from carerdesk.core.returns import arrange
from carerdesk.core.weeks import week_of
from carerdesk.db import audit, carers, destinations, referrals
from carerdesk.db.audit import TrailFilter
from carerdesk.db.engine import unit_of_work
from carerdesk.db.returns import week_counts
from tests.conftest import COORDINATOR, STAFF

TODAY = date(2026, 11, 23)
CAFE = {
    "name": "Harrow Dementia Café",
    "contact": "cafe@example.org, 020 7946 0456",
    "counts_as": "dementia_support",
}


@pytest.fixture
def carer_id(engine: Engine) -> str:
    with unit_of_work(engine) as session:
        entry = check_carer(
            {
                "first_name": "Ada",
                "last_name": "Quill",
                "date_of_birth": "01/02/1970",
                "registered_on": "02/11/2026",
                "consent_store": "yes",
                "consent_share": "yes",
            },
            TODAY,
        )
        return carers.register_carer(session, entry, by=STAFF).id


def _refer(session, carer_id: str, destination: str):  # type: ignore[no-untyped-def]
    referral = referrals.make_referral(
        session, carer_id, destination=destination, reason="Support with memory loss", by=STAFF
    )
    return referrals.send_referral(session, referral.id, confirmed=True, by=STAFF, today=TODAY)


def test_the_list_starts_as_the_code_list_each_counting_as_itself(engine: Engine) -> None:
    with unit_of_work(engine, write=False) as session:
        found = destinations.services(session, by=SYSTEM)
    assert [s.code for s in found][:2] == ["council_carers_assessment", "young_carers_assessment"]
    assert len(found) == 10
    assert all(s.counts_as == s.code and s.retired_on is None for s in found)


def test_a_coordinator_adds_a_local_service_at_the_end_and_it_is_offered(engine: Engine) -> None:
    with unit_of_work(engine) as session:
        added = destinations.add_service(session, COORDINATOR, CAFE)
        assert added.code == "harrow_dementia_cafe"
    with unit_of_work(engine, write=False) as session:
        offered = destinations.offered(session, by=SYSTEM)
        trail = audit.entries(session, TrailFilter(), by=COORDINATOR)
    assert list(offered)[-1] == "harrow_dementia_cafe"
    assert offered["harrow_dementia_cafe"] == "Harrow Dementia Café"
    assert any(e.kind == "referral service" and e.action == "created" for e in trail)


def test_staff_cannot_change_the_list(engine: Engine) -> None:
    with unit_of_work(engine) as session, pytest.raises(NotAllowed):
        destinations.add_service(session, STAFF, CAFE)


def test_a_service_needs_a_name_of_its_own_and_a_return_category(engine: Engine) -> None:
    with unit_of_work(engine) as session:
        with pytest.raises(InvalidEntry) as refused:
            destinations.add_service(session, COORDINATOR, {"name": "", "counts_as": ""})
        assert set(refused.value.errors) == {"name", "counts_as"}
        with pytest.raises(FieldError, match="Another service on the list has this name"):
            destinations.add_service(
                session, COORDINATOR, {"name": "benefits ADVICE", "counts_as": "other"}
            )


def test_renaming_a_service_renames_it_on_its_past_referrals_and_forms(
    engine: Engine, carer_id: str
) -> None:
    with unit_of_work(engine) as session:
        _refer(session, carer_id, "dementia_support")
        destinations.change_service(
            session,
            COORDINATOR,
            "dementia_support",
            {"name": "Memory support service", "contact": "020 7946 0123"},
        )
    with unit_of_work(engine, write=False) as session:
        (row,) = referrals.open_referrals(session, TODAY, by=STAFF)
        from carerdesk.export.referrals import referral_form

        text = referral_form(session, row.id, STAFF).text()
    assert row.destination == "Memory support service"
    assert "Service: Memory support service" in text
    assert "Contact: 020 7946 0123" in text


def test_a_retired_service_is_not_offered_but_its_referrals_keep_its_name(
    engine: Engine, carer_id: str
) -> None:
    with unit_of_work(engine) as session:
        destinations.add_service(session, COORDINATOR, CAFE)
        _refer(session, carer_id, "harrow_dementia_cafe")
        destinations.retire_service(session, COORDINATOR, "harrow_dementia_cafe", TODAY)
        with pytest.raises(InvalidEntry) as refused:
            referrals.make_referral(
                session, carer_id, destination="harrow_dementia_cafe", reason="x", by=STAFF
            )
        assert "from the services offered" in refused.value.errors["destination"]
    with unit_of_work(engine, write=False) as session:
        assert "harrow_dementia_cafe" not in destinations.offered(session, by=SYSTEM)
        (row,) = referrals.open_referrals(session, TODAY, by=STAFF)
    assert row.destination == "Harrow Dementia Café"
    with unit_of_work(engine) as session:
        with pytest.raises(NotAllowed, match="already retired"):
            destinations.retire_service(session, COORDINATOR, "harrow_dementia_cafe", TODAY)
        destinations.restore_service(session, COORDINATOR, "harrow_dementia_cafe")
    with unit_of_work(engine, write=False) as session:
        assert "harrow_dementia_cafe" in destinations.offered(session, by=SYSTEM)


def test_the_last_service_offered_cannot_be_retired(engine: Engine) -> None:
    with unit_of_work(engine) as session:
        codes = [s.code for s in destinations.services(session, by=SYSTEM)]
        for code in codes[1:]:
            destinations.retire_service(session, COORDINATOR, code, TODAY)
        with pytest.raises(NotAllowed, match="last service on the list"):
            destinations.retire_service(session, COORDINATOR, codes[0], TODAY)


def test_a_local_service_counts_in_the_return_under_its_category(
    engine: Engine, carer_id: str
) -> None:
    with unit_of_work(engine) as session:
        destinations.add_service(session, COORDINATOR, CAFE)
        _refer(session, carer_id, "harrow_dementia_cafe")
        _refer(session, carer_id, "dementia_support")
    with unit_of_work(engine, write=False) as session:
        figures = arrange(week_counts(session, week_of(TODAY), by=SYSTEM), [])
    made = {f.category: f.value for f in figures if f.measure == "referrals_made"}
    assert made["dementia_support"] == 2
    assert made["all"] == 2
    assert "harrow_dementia_cafe" not in made


def test_the_category_is_fixed_once_a_referral_names_the_service(
    engine: Engine, carer_id: str
) -> None:
    with unit_of_work(engine) as session:
        destinations.add_service(session, COORDINATOR, CAFE)
        changed = destinations.change_service(
            session, COORDINATOR, "harrow_dementia_cafe", {**CAFE, "counts_as": "other"}
        )
        assert changed.counts_as == "other"
        _refer(session, carer_id, "harrow_dementia_cafe")
        with pytest.raises(FieldError, match="return category stays"):
            destinations.change_service(
                session, COORDINATOR, "harrow_dementia_cafe", {**CAFE, "counts_as": "counselling"}
            )
        # The name and contact details may still change.
        renamed = destinations.change_service(
            session, COORDINATOR, "harrow_dementia_cafe", {"name": "Memory café"}
        )
        assert (renamed.name, renamed.counts_as) == ("Memory café", "other")
        assert renamed.contact == CAFE["contact"]
