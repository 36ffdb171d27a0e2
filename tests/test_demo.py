"""The demo register (``carerdesk.demo``): invented, deterministic, valid and searchable."""

from __future__ import annotations

import itertools
import json
from collections import Counter
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from carerdesk.core.entries import carer_type, check_carer
from carerdesk.core.errors import NotAllowed
from carerdesk.core.permissions import SYSTEM
from carerdesk.core.validate import is_drama_number, parse_name, parse_postcode
from carerdesk.db import carers, destinations
from carerdesk.db.engine import make_engine, sqlite_url, unit_of_work
from carerdesk.db.migrate import upgrade
from carerdesk.db.models import (
    Card,
    Carer,
    CaringRole,
    Contact,
    EmergencyContact,
    Referral,
    ReferralEvent,
    Setting,
)
from carerdesk.db.search import find_carers
from carerdesk.demo import DemoSummary, fill_demo
from tests.conftest import FAST_PINS, STAFF

CARERS = 300


@pytest.fixture
def filled(engine: Engine, today: date) -> DemoSummary:
    """The test's register, filled with a small demo."""
    return fill_demo(engine, carers=CARERS, seed=7, today=today)


def other_engine(tmp_path: Path, name: str) -> Engine:
    """A second freshly migrated register in the test's folder."""
    engine = make_engine(sqlite_url(tmp_path / name))
    upgrade(engine)
    return engine


def table_rows(engine: Engine, model: Any, order: Any) -> list[tuple[Any, ...]]:
    """Every row of a table, every column, in a fixed order."""
    with unit_of_work(engine, write=False) as session:
        return [tuple(row) for row in session.execute(select(model.__table__).order_by(order))]


def carers_of(engine: Engine) -> list[Carer]:
    """Every carer of a register, by reference."""
    with unit_of_work(engine, write=False) as session:
        return list(session.scalars(select(Carer).order_by(Carer.reference)))


def test_the_same_seed_gives_the_same_register(engine: Engine, tmp_path: Path, today: date) -> None:
    second = other_engine(tmp_path, "second.sqlite")
    try:
        assert fill_demo(engine, CARERS, seed=3, today=today) == fill_demo(
            second, CARERS, seed=3, today=today
        )
        for model, order in (
            (Carer, Carer.reference),
            (CaringRole, CaringRole.id),
            (Contact, Contact.id),
            (Card, Card.card_number),
            (Referral, Referral.id),
            (ReferralEvent, ReferralEvent.id),
        ):
            assert table_rows(engine, model, order) == table_rows(second, model, order)
        # The accounts' PIN hashes are salted and the audit trail is stamped with the moment
        # it was written (and keyed for its own register), so those differ by design; every
        # other setting is the same.
        varying = {"audit_head", "audit_keyed", *FAST_PINS}
        settings = [
            [row for row in table_rows(db, Setting, Setting.key) if row[0] not in varying]
            for db in (engine, second)
        ]
        assert settings[0] == settings[1]
        services = [
            [
                (s.code, s.name, s.contact, s.counts_as)
                for s in destinations.services(session, by=SYSTEM)
            ]
            for db in (engine, second)
            for session in [Session(db)]
        ]
        assert services[0] == services[1]
    finally:
        second.dispose()


def test_another_seed_gives_other_people(engine: Engine, tmp_path: Path, today: date) -> None:
    second = other_engine(tmp_path, "second.sqlite")
    try:
        fill_demo(engine, CARERS, seed=1, today=today)
        fill_demo(second, CARERS, seed=2, today=today)
        first_rows = table_rows(engine, Carer, Carer.reference)
        second_rows = table_rows(second, Carer, Carer.reference)
        assert first_rows != second_rows
        first_ids = {carer.id for carer in carers_of(engine)}
        assert first_ids.isdisjoint(carer.id for carer in carers_of(second))
    finally:
        second.dispose()


def test_counts(engine: Engine, filled: DemoSummary, today: date) -> None:
    assert filled.carers == CARERS
    with unit_of_work(engine, write=False) as session:
        assert carers.count_carers(session, by=SYSTEM) == CARERS
        roles = session.scalar(select(func.count()).select_from(CaringRole))
        contacts = session.scalar(select(func.count()).select_from(Contact))
        per_carer = Counter(session.scalars(select(CaringRole.carer_id)))
        anonymous = session.scalar(
            select(func.count()).select_from(Contact).where(Contact.carer_id.is_(None))
        )
        closed = session.scalar(
            select(func.count()).select_from(Carer).where(Carer.status == "closed")
        )
        assert carers.contacts_on(session, today, by=SYSTEM), (
            "the home screen's list of today is empty"
        )
    assert (roles, contacts) == (filled.roles, filled.contacts)
    assert set(per_carer.values()) <= {1, 2, 3}
    assert len(per_carer) == CARERS
    assert 0.05 * CARERS <= sum(n > 1 for n in per_carer.values()) <= 0.35 * CARERS
    assert 2 * CARERS <= contacts <= 7 * CARERS
    assert anonymous
    assert closed is not None and 0.03 * CARERS <= closed <= 0.2 * CARERS


def test_the_mix_is_close_to_the_harrow_profile(
    engine: Engine, filled: DemoSummary, today: date
) -> None:
    carers = carers_of(engine)
    genders = Counter(carer.gender for carer in carers)
    kinds = Counter(carer_type(carer.date_of_birth, today) for carer in carers)
    assert 0.55 <= genders["female"] / CARERS <= 0.8
    assert 0.08 <= kinds["young_carer"] / CARERS <= 0.2
    assert kinds["young_adult_carer"] and kinds["adult_carer"] and kinds["older_carer"]
    assert 0.2 <= Counter(carer.ethnicity for carer in carers)["white_british"] / CARERS <= 0.5


def test_every_value_is_valid_and_invented(
    engine: Engine, filled: DemoSummary, today: date
) -> None:
    carers = carers_of(engine)
    for carer in carers:
        assert parse_name(carer.first_name) == carer.first_name
        assert parse_name(carer.last_name) == carer.last_name
        if carer.preferred_name:
            assert parse_name(carer.preferred_name) == carer.preferred_name
        assert carer.postcode is not None
        assert parse_postcode(carer.postcode) == carer.postcode
        for number in (carer.phone, carer.mobile):
            assert number is None or is_drama_number(number)
        assert carer.email is None or carer.email.endswith(("@example.org", "@example.com"))
        assert carer.date_of_birth <= carer.registered_on <= today
        assert carer.consent_store and carer.consent_date == carer.registered_on
        if carer.status == "closed":
            assert carer.closed_on is not None and carer.closed_reason
            assert carer.registered_on <= carer.closed_on <= today
        else:
            assert carer.closed_on is None and carer.closed_reason is None
    assert any(not (c.first_name + c.last_name).isascii() for c in carers), "no accents"
    assert any(c.phone is None and c.mobile is None for c in carers)
    assert len({c.postcode for c in carers}) < CARERS, "no neighbours share a postcode"
    references = [carer.reference for carer in carers]
    assert references == [f"C{number:06d}" for number in range(1, CARERS + 1)]


def test_contacts_and_roles_keep_to_their_dates(
    engine: Engine, filled: DemoSummary, today: date
) -> None:
    carers = {carer.id: carer for carer in carers_of(engine)}
    with unit_of_work(engine, write=False) as session:
        for contact in session.scalars(select(Contact)):
            assert (today - contact.contact_on).days < 365
            assert contact.contact_on <= today
            assert contact.minutes is not None and 5 <= contact.minutes <= 90
            assert 1 <= len(contact.support.split(";")) <= 3
            if contact.carer_id is not None:
                carer = carers[contact.carer_id]
                assert carer.registered_on <= contact.contact_on <= (carer.closed_on or today)
        for role in session.scalars(select(CaringRole)):
            assert role.conditions
            if role.started_on and role.ended_on:
                assert role.started_on <= role.ended_on <= today


def test_settings_are_stored(engine: Engine, filled: DemoSummary) -> None:
    with unit_of_work(engine, write=False) as session:
        settings = {s.key: s.value for s in session.scalars(select(Setting))}
        wards = set(session.scalars(select(Carer.ward).where(Carer.ward.is_not(None))))
    assert settings["demo"] == "1"
    assert settings["organisation_name"]
    assert settings[carers.COUNTER_KEY] == str(CARERS + 1)
    assert wards and wards <= set(json.loads(settings["wards"]))


def test_refuses_a_register_that_holds_carers(engine: Engine, filled: DemoSummary) -> None:
    with pytest.raises(NotAllowed, match="empty register"):
        fill_demo(engine, carers=10)
    with unit_of_work(engine, write=False) as session:
        assert carers.count_carers(session, by=SYSTEM) == CARERS


def test_search_finds_a_demo_carer(engine: Engine, filled: DemoSummary) -> None:
    carers = carers_of(engine)
    surnames = Counter(carer.last_name for carer in carers)
    wanted = next(c for c in carers if surnames[c.last_name] == 1 and len(c.last_name) >= 4)
    found: set[str] = set()
    with unit_of_work(engine) as session:
        for page in range(1, 6):
            found |= {hit.id for hit in find_carers(session, wanted.last_name, by=STAFF, page=page)}
    assert wanted.id in found


def test_a_registration_after_the_demo_takes_the_next_reference(
    engine: Engine, filled: DemoSummary, today: date
) -> None:
    entry = check_carer(
        {
            "first_name": "Ada",
            "last_name": "Quillfeather",
            "date_of_birth": "14/03/1971",
            "registered_on": today.strftime("%d/%m/%Y"),
            "consent_store": "yes",
        },
        today,
    )
    with unit_of_work(engine) as session:
        carer = carers.register_carer(session, entry, by=STAFF, today=today)
    assert carer.reference == f"C{CARERS + 1:06d}"


def test_cards_follow_the_rules_a_desk_issues_them_by(
    engine: Engine, filled: DemoSummary, today: date
) -> None:
    from carerdesk.core.cards import check_card_number, expiry, types_offered

    with unit_of_work(engine, write=False) as session:
        cards = list(session.scalars(select(Card).order_by(Card.card_number)))
        born = {id_: day for id_, day in session.execute(select(Carer.id, Carer.date_of_birth))}
        serial = session.get(Setting, "next_card_serial")
    assert len(cards) == filled.cards and 0.08 * CARERS <= len(cards) <= 0.25 * CARERS
    assert serial is not None and int(serial.value) == len(cards) + 1
    active = Counter((card.carer_id, card.card_type) for card in cards if card.status == "active")
    assert set(active.values()) == {1}, "one active card of a type per carer"
    for card in cards:
        assert check_card_number(card.card_number) == card.card_number
        assert card.card_number.startswith("HD")
        assert card.card_type in types_offered(born[card.carer_id], card.issued_on)
        assert card.expires_on == expiry(card.card_type, card.issued_on, born[card.carer_id])
        assert card.issued_on <= today
        assert (card.ended_on is None) == (card.status == "active")
    assert {card.status for card in cards} >= {"active", "replaced"}
    assert {card.card_type for card in cards} == {
        "carer_card", "carer_passport", "young_carer_card", "emergency_card"
    }  # fmt: skip


def test_every_demo_emergency_card_prints_with_someone_to_call(
    engine: Engine, filled: DemoSummary
) -> None:
    from carerdesk.export.cards import card_print
    from tests.conftest import COORDINATOR

    with unit_of_work(engine, write=False) as session:
        emergency = session.scalars(
            select(Card).where(Card.card_type == "emergency_card", Card.status == "active")
        ).all()
        assert emergency
        for card in emergency:  # refused for a card with no one on its back to call
            assert card_print(session, card.id, COORDINATOR).emergency
        phones = session.scalars(select(EmergencyContact.phone)).all()
        assert phones and all(is_drama_number(phone) for phone in phones)


def test_referrals_go_only_with_consent_and_step_by_step(
    engine: Engine, filled: DemoSummary, today: date
) -> None:
    from carerdesk.core.referrals import NEXT

    with unit_of_work(engine, write=False) as session:
        found = list(session.scalars(select(Referral)))
        consenting = {r.id for r in found if r.carer.consent_share is True}
        steps: dict[str, list[str]] = {}
        for event in session.scalars(select(ReferralEvent).order_by(ReferralEvent.at)):
            steps.setdefault(event.referral_id, []).append(event.status)
        on_list = destinations.names(session, by=SYSTEM)
        local = [s for s in destinations.services(session, by=SYSTEM) if s.code != s.counts_as]
    assert len(found) == filled.referrals and found
    assert [s.name for s in local] == ["Harrow Dementia Café", "Young Carers Club"]
    for referral in found:
        assert referral.destination in on_list
        assert referral.id in consenting
        path = steps[referral.id]
        assert path[0] == "draft" and path[-1] == referral.status
        assert all(b in NEXT[a] for a, b in itertools.pairwise(path)), path
        sent = referral.status != "draft"
        assert (referral.consent_confirmed_on is not None) == sent == (referral.made_on is not None)
        assert (referral.closed_on is not None) == (
            referral.status in NEXT and not NEXT[referral.status]
        )
        assert referral.made_on is None or referral.made_on <= today


@pytest.mark.parametrize(
    ("now", "earliest"), [(time(11, 40), time(9, 0)), (time(8, 10), time(7, 10))]
)
def test_the_demos_contacts_today_are_spread_through_the_hours_before_now(
    engine: Engine, monkeypatch: pytest.MonkeyPatch, now: time, earliest: time
) -> None:
    import carerdesk.demo as demo

    # The demo made at ``now`` today, by the clock (as `carerdesk demo` makes it).
    moment = datetime.combine(date(2026, 11, 23), now, tzinfo=ZoneInfo("Europe/London"))
    monkeypatch.setattr(demo, "now_local", lambda: moment)
    fill_demo(engine, carers=CARERS, seed=7)
    with unit_of_work(engine, write=False) as session:
        today = session.scalars(select(Contact).where(Contact.contact_on == moment.date())).all()
        times = [c.contact_time for c in today if c.contact_time is not None]
        logged = [c.created_at.replace(tzinfo=UTC).astimezone(moment.tzinfo).time() for c in today]
        registered = session.scalars(
            select(Carer.created_at).where(Carer.registered_on == moment.date())
        ).all()
    assert len(today) >= 3 and len(set(times)) >= 3  # not all at one time
    assert all(earliest <= at <= now for at in times)
    assert all(at <= now for at in logged)
    assert all(at.replace(tzinfo=UTC).astimezone(moment.tzinfo).time() <= now for at in registered)
    if now.hour >= 11:
        assert max(times) > time(10, 0)  # through the morning, not only its first hour
