"""Follow-ups at the desk: referrals by age with the late ones marked, cards to renew."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

from sqlalchemy import Engine, select, update

from carerdesk.app import CarerdeskApp
from carerdesk.db import cards, referrals
from carerdesk.db.engine import unit_of_work
from carerdesk.db.models import Carer, Referral
from carerdesk.screens.carer import CarerScreen
from carerdesk.screens.followups import FollowUpsScreen
from tests.conftest import STAFF
from tests.screens.helpers import keys_offered, settle, shown, table_text


def _follow_ups(engine: Engine) -> None:
    with unit_of_work(engine) as session:
        session.execute(update(Carer).values(consent_share=True))
        ids = dict(session.execute(select(Carer.first_name, Carer.id)).all())
        for name, sent in (("Amir", date(2026, 11, 2)), ("Thi", date(2026, 11, 20))):
            referral = referrals.make_referral(
                session, ids[name], destination="counselling", reason="Low mood", by=STAFF
            )
            referrals.send_referral(session, referral.id, confirmed=True, by=STAFF, today=sent)
        draft = referrals.make_referral(
            session, ids["Siân"], destination="benefits_advice", reason="A claim", by=STAFF
        )
        # Made early on the desk's frozen day (stored in UTC), so its age never depends on the
        # machine's own clock.
        made_early = datetime(2026, 11, 23, 0, 30)
        session.execute(
            update(Referral).where(Referral.id == draft.id).values(created_at=made_early)
        )
        # A card issued three years ago ends next week; one issued today does not.
        cards.issue_card(
            session, ids["Thi"], "carer_card", "new", by=STAFF, today=date(2023, 12, 1)
        )
        cards.issue_card(
            session, ids["Amir"], "carer_card", "new", by=STAFF, today=date(2026, 11, 23)
        )


async def test_late_referrals_are_marked_and_a_row_opens_the_record(
    make_app: Callable[..., CarerdeskApp], engine: Engine
) -> None:
    _follow_ups(engine)
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("f10")
        await settle(pilot)
        assert isinstance(app.screen, FollowUpsScreen)
        rows = [" ".join(row.split()) for row in table_text(pilot, "#open-referrals")]
        assert rows == [
            "21 | Sent · chase | Routine | C000004 | Amir Patel | Counselling",
            "3 | Sent | Routine | C000002 | Thi Nguyễn | Counselling",
            "0 | Draft | Routine | C000001 | Siân O'Brien | Benefits advice",
        ]
        assert "1 sent over 10 days ago and not acknowledged" in shown(pilot, "#referrals-heading")
        assert [" ".join(row.split()) for row in table_text(pilot, "#cards-due")] == [
            "30/11/2026 | C000002 | Thi Nguyễn | Carer card | HT00000018"
        ]
        app.screen.query_one("#filter-status").focus()
        for key in ("enter", *"draft", "enter"):
            await pilot.press(key)
            await settle(pilot)
        assert len(table_text(pilot, "#open-referrals")) == 1
        app.screen.query_one("#open-referrals").focus()
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, CarerScreen) and "Siân" in shown(pilot, "#summary")


async def test_a_volunteer_is_refused_follow_ups(
    make_app: Callable[..., CarerdeskApp],
) -> None:
    app = make_app(user="Robin Volunteer")
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("f10")
        await settle(pilot)
        assert not isinstance(app.screen, FollowUpsScreen)
        assert "f10" not in keys_offered(pilot)  # hidden from their role, so no refusal
