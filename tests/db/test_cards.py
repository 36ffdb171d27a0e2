"""Issuing, superseding and cancelling cards; the cards due for renewal; finding by number."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Engine, select

from carerdesk.core.entries import check_carer
from carerdesk.core.errors import FieldError, NotAllowed
from carerdesk.core.permissions import SYSTEM
from carerdesk.db import audit, cards, carers
from carerdesk.db.engine import unit_of_work
from carerdesk.db.models import Card, Setting
from carerdesk.db.views import card_view
from tests.conftest import COORDINATOR as STAFF_COORDINATOR
from tests.conftest import STAFF, VOLUNTEER

TODAY = date(2026, 11, 23)


@pytest.fixture
def people(engine: Engine) -> dict[str, str]:
    """Two invented people, an adult and a 17-year-old; the organisation's prefix is HT."""
    found = {}
    with unit_of_work(engine) as session:
        session.add(Setting(key="card_prefix", value="HT"))
        for name, born in (("Ada", "01/02/1970"), ("Zoë", "10/06/2009")):
            entry = check_carer(
                {
                    "first_name": name,
                    "last_name": "Quill",
                    "date_of_birth": born,
                    "registered_on": "02/11/2026",
                    "consent_store": "yes",
                },
                TODAY,
            )
            found[name] = carers.register_carer(session, entry, by=STAFF).id
    return found


def test_a_card_gets_a_number_and_an_expiry(engine: Engine, people: dict[str, str]) -> None:
    with unit_of_work(engine) as session:
        card = cards.issue_card(session, people["Ada"], "carer_card", "new", by=STAFF, today=TODAY)
        assert (card.card_number, card.expires_on, card.status) == (
            "HT00000018",
            date(2029, 11, 22),
            "active",
        )
        young = cards.issue_card(
            session, people["Zoë"], "young_carer_card", "new", by=STAFF, today=TODAY
        )
        assert young.card_number == "HT00000026"
        assert young.expires_on == date(2027, 6, 9)  # the day before her 18th birthday


def test_a_new_card_replaces_the_active_one_of_its_type(
    engine: Engine, people: dict[str, str]
) -> None:
    with unit_of_work(engine) as session:
        first = cards.issue_card(session, people["Ada"], "carer_card", "new", by=STAFF, today=TODAY)
        cards.set_emergency(
            session, people["Ada"], [("Tom Quill", "son", "07700900124")], None, by=STAFF
        )
        emergency = cards.issue_card(
            session, people["Ada"], "emergency_card", "new", by=STAFF, today=TODAY
        )
        assert (
            cards.suggested_reason(session, people["Ada"], "carer_card", TODAY, by=SYSTEM)
            == "replacement"
        )
        second = cards.issue_card(
            session, people["Ada"], "carer_card", "replacement", by=STAFF, today=date(2026, 12, 1)
        )
        first = cards.get_card(session, first.id, by=STAFF)  # read again: a view does not change
        assert (first.status, first.ended_on) == ("replaced", date(2026, 12, 1))
        assert second.status == "active" and emergency.status == "active"
        kinds = session.scalars(select(Card.status).where(Card.carer_id == people["Ada"]))
        assert sorted(kinds) == ["active", "active", "replaced"]
        trail = audit.entries(session, audit.TrailFilter(), by=STAFF_COORDINATOR)
        assert [e.detail for e in trail if e.kind == "card"][:2] == [
            f"carer_card {second.card_number}",
            "replaced",
        ]


def test_a_card_is_cancelled_with_a_reason(engine: Engine, people: dict[str, str]) -> None:
    with unit_of_work(engine) as session:
        card = cards.issue_card(session, people["Ada"], "carer_card", "new", by=STAFF, today=TODAY)
        with pytest.raises(FieldError, match="Say why"):
            cards.cancel_card(session, card.id, "  ", by=STAFF, today=TODAY)
        card = cards.cancel_card(session, card.id, "Moved away", by=STAFF, today=TODAY)
        assert (card.status, card.cancel_reason, card.ended_on) == (
            "cancelled",
            "Moved away",
            TODAY,
        )
        with pytest.raises(NotAllowed, match="already cancelled"):
            cards.cancel_card(session, card.id, "again", by=STAFF, today=TODAY)
        assert (
            cards.suggested_reason(session, people["Ada"], "carer_card", TODAY, by=SYSTEM)
            == "renewal"
        )


def test_cards_not_for_that_age_or_that_person_are_refused(
    engine: Engine, people: dict[str, str]
) -> None:
    with unit_of_work(engine) as session:
        with pytest.raises(FieldError, match="For someone under 18"):
            cards.issue_card(session, people["Zoë"], "carer_passport", "new", by=STAFF, today=TODAY)
        with pytest.raises(NotAllowed, match="A volunteer may not issue or cancel carer cards"):
            cards.issue_card(session, people["Ada"], "carer_card", "new", by=VOLUNTEER, today=TODAY)
        carers.close_carer(session, people["Ada"], on=TODAY, reason="moved_away", by=STAFF)
        with pytest.raises(NotAllowed, match="reopen it before issuing a card"):
            cards.issue_card(session, people["Ada"], "carer_card", "new", by=STAFF, today=TODAY)


def test_cards_due_for_renewal_and_expired_ones(engine: Engine, people: dict[str, str]) -> None:
    with unit_of_work(engine) as session:
        young = cards.issue_card(
            session, people["Zoë"], "young_carer_card", "new", by=STAFF, today=TODAY
        )
        cards.issue_card(session, people["Ada"], "carer_card", "new", by=STAFF, today=TODAY)
        assert cards.expiring_cards(session, TODAY, by=SYSTEM) == []
        due = cards.expiring_cards(
            session, date(2027, 5, 20), by=SYSTEM
        )  # 20 days before hers ends
        assert [(d.reference, d.card_type) for d in due] == [("C000002", "young_carer_card")]
        # Ended and not renewed: still due for 90 days, then the holder has not been back.
        lapsed = [d.reference for d in cards.expiring_cards(session, date(2027, 9, 7), by=SYSTEM)]
        assert lapsed == ["C000002"]
        assert cards.expiring_cards(session, date(2027, 9, 8), by=SYSTEM) == []
        assert cards.status_on(young, date(2027, 6, 9)) == "active"
        assert cards.status_on(young, date(2027, 6, 10)) == "expired"


def test_a_card_is_found_by_its_number_however_typed(
    engine: Engine, people: dict[str, str]
) -> None:
    with unit_of_work(engine) as session:
        card = cards.issue_card(session, people["Ada"], "carer_card", "new", by=STAFF, today=TODAY)
        assert cards.find_card(session, "ht 0000 0018", by=SYSTEM) == card_view(card)
        with pytest.raises(FieldError, match="last digit does not match"):
            cards.find_card(session, "HT00000019", by=SYSTEM)


def test_the_front_desk_search_finds_a_carer_by_card_number(
    engine: Engine, people: dict[str, str]
) -> None:
    from carerdesk.db.search import find_carers

    with unit_of_work(engine) as session:
        cards.issue_card(session, people["Zoë"], "young_carer_card", "new", by=STAFF, today=TODAY)
    with unit_of_work(engine, write=False) as session:
        hits = find_carers(session, "ht0000 0018", by=STAFF)
        assert [(hit.first_name, hit.matched) for hit in hits] == [("Zoë", "card")]
        assert find_carers(session, "HT00000017", by=STAFF) == []  # a wrong check digit


def test_the_first_emergency_card_is_not_saved_as_a_replacement(
    engine: Engine, people: dict[str, str]
) -> None:
    with unit_of_work(engine) as session:
        cards.issue_card(session, people["Ada"], "carer_card", "new", by=STAFF, today=TODAY)
        with pytest.raises(FieldError, match="first emergency card: the reason is new"):
            cards.issue_card(
                session, people["Ada"], "emergency_card", "replacement", by=STAFF, today=TODAY
            )
        with pytest.raises(FieldError, match="had a carer card before"):
            cards.issue_card(session, people["Ada"], "carer_card", "new", by=STAFF, today=TODAY)
        assert cards.reasons_allowed(session, people["Ada"], "emergency_card", by=STAFF) == ("new",)
        assert cards.reasons_allowed(session, people["Ada"], "carer_card", by=STAFF) == (
            "renewal",
            "replacement",
        )
        kinds = session.scalars(select(Card.issue_reason).where(Card.carer_id == people["Ada"]))
        assert list(kinds) == ["new"]
