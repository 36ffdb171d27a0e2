"""Duplicates in the register: found in pairs, merged into one record without losing
anything, or set aside as two people."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Engine, func, select

from carerdesk.core.entries import check_carer, check_contact, check_role
from carerdesk.core.errors import NotAllowed
from carerdesk.core.matching import SAME_BIRTH, SAME_PHONE
from carerdesk.core.permissions import SYSTEM
from carerdesk.db import audit, cards, carers, duplicates, referrals
from carerdesk.db.engine import unit_of_work
from carerdesk.db.models import Carer, Contact, Setting
from carerdesk.db.search import find_carers
from tests.conftest import COORDINATOR, STAFF

TODAY = date(2026, 11, 23)


def _carer(session, **fields: str) -> str:  # type: ignore[no-untyped-def]
    values = {
        "date_of_birth": "14/03/1971",
        "consent_store": "yes",
        "consent_share": "yes",
        **fields,
    }
    return carers.register_carer(session, check_carer(values, TODAY), by=STAFF).id


@pytest.fixture
def twice(engine: Engine) -> tuple[str, str]:
    """Ada registered twice (her second record at an event, her name misspelt), each record
    with contacts, a caring role, a card and a referral; and her son, who shares her phone."""
    with unit_of_work(engine) as session:
        session.add(Setting(key="card_prefix", value="HT"))
        first = _carer(
            session, first_name="Ada", last_name="Quillfeather", registered_on="05/01/2026",
            mobile="07700 900123", postcode="HA1 2AB", notes="Prefers mornings",
        )  # fmt: skip
        second = _carer(
            session, first_name="Ada", last_name="Quilfeather", registered_on="01/06/2026",
            mobile="07700 900123", email="ada@example.org", notes="Met at the GP open day",
        )  # fmt: skip
        _carer(
            session, first_name="Tom", last_name="Quillfeather", date_of_birth="02/02/2001",
            registered_on="05/01/2026", mobile="07700 900123",
        )  # fmt: skip
        for carer_id, day in (
            (first, "06/01/2026"),
            (second, "02/06/2026"),
            (second, "01/11/2026"),
        ):
            contact = check_contact(
                {"support": "information_advice", "contact_on": day, "channel": "drop_in"}, TODAY
            )
            carers.log_contact(session, carer_id, contact, by=STAFF)
        for carer_id in (first, second):
            role = check_role({"relationship": "parent", "cared_for_age_band": "65_plus"}, TODAY)
            carers.add_role(session, carer_id, role, by=STAFF)
            referral = referrals.make_referral(
                session, carer_id, destination="benefits_advice", reason="A claim", by=STAFF
            )
        cards.issue_card(session, first, "carer_card", "new", by=STAFF, today=date(2026, 1, 5))
        cards.issue_card(session, second, "carer_card", "new", by=STAFF, today=date(2026, 6, 1))
        cards.set_emergency(
            session, second, [("Tom Quillfeather", "son", "07700 900124")], True, by=STAFF
        )
        cards.issue_card(session, second, "emergency_card", "new", by=STAFF, today=TODAY)
        del referral
    return first, second


def test_the_scan_finds_the_pair_best_first_with_its_reasons(
    engine: Engine, twice: tuple[str, str]
) -> None:
    with unit_of_work(engine, write=False) as session:
        found = duplicates.scan(session, by=COORDINATOR)
    best = found[0]
    assert {best.first.id, best.second.id} == set(twice)
    assert best.match.reasons == (SAME_BIRTH, SAME_PHONE)
    assert best.match.certain
    # The son shares the phone, but not a close name: not listed.
    assert len(found) == 1


def test_a_merge_keeps_every_contact_role_card_and_referral_of_both(
    engine: Engine, twice: tuple[str, str]
) -> None:
    first, second = twice
    with unit_of_work(engine) as session:
        away = carers.get_carer(session, second, by=SYSTEM)
        away_reference = away.reference
        kept = duplicates.merge_carers(
            session, first, second, take=["email"], by=COORDINATOR, today=TODAY
        )
        assert kept.id == first
    with unit_of_work(engine, write=False) as session:
        kept = carers._get_carer(session, first)  # the emergency contacts too
        assert len(kept.contacts) == 3
        assert len(kept.roles) == 2
        assert len(kept.referrals) == 2
        assert sorted((c.card_type, c.status) for c in kept.cards) == [
            ("carer_card", "active"), ("carer_card", "replaced"), ("emergency_card", "active")
        ]  # fmt: skip
        newest = max(
            (c for c in kept.cards if c.card_type == "carer_card"), key=lambda c: c.issued_on
        )
        assert newest.status == "active"  # the newer card of a type stays
        assert [e.name for e in kept.emergency_contacts] == ["Tom Quillfeather"]
        assert kept.email == "ada@example.org" and kept.last_name == "Quillfeather"
        assert kept.registered_on == date(2026, 1, 5)
        assert kept.notes == "Prefers mornings\n\nMet at the GP open day"
        gone = session.scalar(select(Carer).where(Carer.id == second))
        assert gone is not None
        assert (gone.status, gone.closed_reason, gone.merged_into) == ("closed", "duplicate", first)
        left = session.scalar(
            select(func.count()).select_from(Contact).where(Contact.carer_id == second)
        )
        assert left == 0
        # The merged-away reference still finds the survivor, by search and when opened.
        assert carers.get_carer(session, away_reference, by=SYSTEM).id == first
        assert [h.id for h in find_carers(session, away_reference, by=COORDINATOR)] == [first]
        by_name = [h.id for h in find_carers(session, "ada quilfeather", by=COORDINATOR)]
        assert first in by_name and second not in by_name
        (entry,) = [
            e for e in audit.entries(session, audit.TrailFilter(), by=COORDINATOR)
            if e.action == "merged"
        ]  # fmt: skip
        assert entry.record_id == first and away_reference in entry.detail
        assert "3 contacts" not in entry.detail and "2 contacts" in entry.detail
        pairs = duplicates.scan(session, by=COORDINATOR)
    assert all(second not in (p.first.id, p.second.id) for p in pairs)


def test_only_a_coordinator_merges_and_a_record_is_merged_once(
    engine: Engine, twice: tuple[str, str]
) -> None:
    first, second = twice
    with unit_of_work(engine) as session:
        with pytest.raises(NotAllowed, match="may not merge"):
            duplicates.merge_carers(session, first, second, by=STAFF, today=TODAY)
        with pytest.raises(NotAllowed, match="two different records"):
            duplicates.merge_carers(session, first, first, by=COORDINATOR, today=TODAY)
        duplicates.merge_carers(session, first, second, by=COORDINATOR, today=TODAY)
        with pytest.raises(NotAllowed, match="was merged already"):
            duplicates.merge_carers(session, first, second, by=COORDINATOR, today=TODAY)


def test_two_people_set_aside_are_not_offered_again(engine: Engine, twice: tuple[str, str]) -> None:
    first, second = twice
    with unit_of_work(engine) as session:
        assert len(duplicates.scan(session, by=COORDINATOR)) == 1
        duplicates.not_the_same(session, second, first, by=COORDINATOR)
        duplicates.not_the_same(session, first, second, by=COORDINATOR)  # said twice: once
    with unit_of_work(engine, write=False) as session:
        found = duplicates.scan(session, by=COORDINATOR)
    assert found == []


def test_more_emergency_contacts_than_a_card_holds_stop_the_merge(
    engine: Engine, twice: tuple[str, str]
) -> None:
    first, second = twice
    with unit_of_work(engine) as session:
        people = [(f"Helper {n}", "friend", f"07700 90013{n}") for n in range(3)]
        cards.set_emergency(session, first, people, True, by=STAFF)
        with pytest.raises(NotAllowed, match="4 emergency contacts and a card holds 3"):
            duplicates.merge_carers(session, first, second, by=COORDINATOR, today=TODAY)


def test_a_merged_person_counts_once_in_the_weekly_return(
    engine: Engine, twice: tuple[str, str]
) -> None:
    from carerdesk.core.returns import arrange
    from carerdesk.core.weeks import week_of
    from carerdesk.db.returns import week_counts

    first, second = twice

    def registered(day: date) -> int:
        with unit_of_work(engine, write=False) as session:
            figures = arrange(week_counts(session, week_of(day), by=SYSTEM), [])
        return next(
            f.value for f in figures if (f.measure, f.breakdown) == ("new_registrations", "total")
        )

    assert (registered(date(2026, 1, 5)), registered(date(2026, 6, 1))) == (2, 1)  # Ada and Tom
    with unit_of_work(engine) as session:
        # The later record stays, taking the earlier registration date.
        duplicates.merge_carers(session, second, first, by=COORDINATOR, today=TODAY)
    assert (registered(date(2026, 1, 5)), registered(date(2026, 6, 1))) == (2, 0)


def test_a_chain_of_merges_leads_to_the_last_survivor(
    engine: Engine, twice: tuple[str, str]
) -> None:
    first, second = twice
    with unit_of_work(engine) as session:
        gone = carers.get_carer(session, second, by=SYSTEM).reference
        duplicates.merge_carers(session, first, second, by=COORDINATOR, today=TODAY)
        third = _carer(
            session, first_name="Ada", last_name="Quillfether", registered_on="02/11/2026",
            mobile="07700 900123",
        )  # fmt: skip
        duplicates.merge_carers(session, third, first, by=COORDINATOR, today=TODAY)
    with unit_of_work(engine) as session:
        assert [h.id for h in find_carers(session, gone, by=COORDINATOR)] == [third]
        assert carers.get_carer(session, gone, by=SYSTEM).id == third
