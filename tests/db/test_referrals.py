"""Referrals made, sent with consent confirmed, moved step by step; the open list."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Engine

from carerdesk.core.entries import check_carer
from carerdesk.core.errors import FieldError, InvalidEntry, NotAllowed
from carerdesk.core.permissions import SYSTEM
from carerdesk.db import carers, referrals
from carerdesk.db.engine import unit_of_work
from tests.conftest import COORDINATOR, STAFF, VOLUNTEER

TODAY = date(2026, 11, 23)


@pytest.fixture
def people(engine: Engine) -> dict[str, str]:
    """Two invented people: Ada consents to share her details, Bo has not said."""
    found = {}
    with unit_of_work(engine) as session:
        for name, consent in (("Ada", "yes"), ("Bo", "")):
            entry = check_carer(
                {
                    "first_name": name,
                    "last_name": "Quill",
                    "date_of_birth": "01/02/1970",
                    "registered_on": "02/11/2026",
                    "consent_store": "yes",
                    "consent_share": consent,
                },
                TODAY,
            )
            found[name] = carers.register_carer(session, entry, by=STAFF).id
    return found


def _draft(session, carer_id: str):  # type: ignore[no-untyped-def]
    return referrals.make_referral(
        session,
        carer_id,
        destination="benefits_advice",
        reason="Help with a Carer's Allowance claim",
        hopes="A claim made before Christmas",
        by=STAFF,
    )


def test_a_referral_is_sent_only_with_consent_confirmed_then(
    engine: Engine, people: dict[str, str]
) -> None:
    with unit_of_work(engine) as session:
        refused = _draft(session, people["Bo"])
        with pytest.raises(FieldError, match="have not consented to share"):
            referrals.send_referral(session, refused.id, confirmed=True, by=STAFF, today=TODAY)
        refused = referrals.get_referral(session, refused.id, by=STAFF)
        assert refused.status == "draft" and refused.made_on is None
        referral = _draft(session, people["Ada"])
        with pytest.raises(FieldError, match="Confirm that they agree, today"):
            referrals.send_referral(session, referral.id, confirmed=False, by=STAFF, today=TODAY)
        referral = referrals.send_referral(
            session, referral.id, confirmed=True, by=STAFF, today=TODAY
        )
        assert (referral.status, referral.made_on) == ("sent", TODAY)
        assert (referral.consent_confirmed_by, referral.consent_confirmed_on) == (
            "Sam Staff",
            TODAY,
        )


def test_every_step_is_kept_and_none_is_skipped(engine: Engine, people: dict[str, str]) -> None:
    with unit_of_work(engine) as session:
        referral = _draft(session, people["Ada"])
        with pytest.raises(FieldError, match="A draft referral can become sent or withdrawn"):
            referrals.move_referral(session, referral.id, "completed", by=STAFF, today=TODAY)
        referrals.send_referral(session, referral.id, confirmed=True, by=STAFF, today=TODAY)
        referrals.move_referral(
            session, referral.id, "acknowledged", by=COORDINATOR, today=date(2026, 11, 25)
        )
        referral = referrals.move_referral(
            session,
            referral.id,
            "completed",
            by=STAFF,
            today=date(2026, 12, 10),
            outcome="Claim made; awarded",
        )
        assert (referral.acknowledged_on, referral.closed_on, referral.outcome) == (
            date(2026, 11, 25),
            date(2026, 12, 10),
            "Claim made; awarded",
        )
        history = [
            (step.status, step.by) for step in referrals.steps(session, referral.id, by=SYSTEM)
        ]
        assert history == [
            ("draft", "Sam Staff"),
            ("sent", "Sam Staff"),
            ("acknowledged", "Casey Coordinator"),
            ("completed", "Sam Staff"),
        ]
        with pytest.raises(FieldError, match="is closed: it does not change"):
            referrals.move_referral(session, referral.id, "withdrawn", by=STAFF, today=TODAY)


def test_a_referral_needs_a_destination_and_a_reason(
    engine: Engine, people: dict[str, str]
) -> None:
    with unit_of_work(engine) as session, pytest.raises(InvalidEntry) as refused:
        referrals.make_referral(session, people["Ada"], destination="moon", reason=" ", by=STAFF)
    assert set(refused.value.errors) == {"destination", "reason"}


def test_volunteers_do_not_refer(engine: Engine, people: dict[str, str]) -> None:
    with unit_of_work(engine) as session, pytest.raises(NotAllowed, match="ask a member of staff"):
        _draft_as(session, people["Ada"])


def _draft_as(session, carer_id: str) -> None:  # type: ignore[no-untyped-def]
    referrals.make_referral(
        session, carer_id, destination="counselling", reason="Low mood", by=VOLUNTEER
    )


def test_the_open_list_shows_ages_and_chases_the_unacknowledged(
    engine: Engine, people: dict[str, str]
) -> None:
    with unit_of_work(engine) as session:
        old = _draft(session, people["Ada"])
        referrals.send_referral(session, old.id, confirmed=True, by=STAFF, today=date(2026, 11, 2))
        new = _draft(session, people["Ada"])
        referrals.send_referral(session, new.id, confirmed=True, by=STAFF, today=date(2026, 11, 20))
        done = _draft(session, people["Ada"])
        referrals.send_referral(session, done.id, confirmed=True, by=STAFF, today=TODAY)
        referrals.move_referral(session, done.id, "declined", by=STAFF, today=TODAY)
        found = referrals.open_referrals(session, TODAY, by=STAFF)
        assert [(r.age_days, r.overdue) for r in found] == [(21, True), (3, False)]
        assert referrals.open_referrals(session, TODAY, status="draft", by=STAFF) == []
        other = referrals.open_referrals(session, TODAY, destination="counselling", by=STAFF)
        assert other == []
