"""The weekly return at the desk: the coordinator picks a week, reads every figure and the
charts, makes the return, and is shown what moved before an amended one."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import Engine
from textual.widgets import Input

from carerdesk.app import CarerdeskApp
from carerdesk.core.entries import check_contact
from carerdesk.core.permissions import SYSTEM
from carerdesk.core.weeks import Week
from carerdesk.db import carers, returns
from carerdesk.db.engine import unit_of_work
from carerdesk.screens.returns import ReturnsScreen
from tests.conftest import COORDINATOR, STAFF, TODAY
from tests.screens.helpers import keys_offered, settle, shown, table_text, type_text


async def _open(pilot) -> None:  # type: ignore[no-untyped-def]
    await settle(pilot)
    await pilot.press("f5")
    await settle(pilot)
    assert isinstance(pilot.app.screen, ReturnsScreen)


def _said(pilot) -> str:  # type: ignore[no-untyped-def]
    return " ".join(shown(pilot, "#return-status").split())


async def test_the_coordinator_reads_a_week_and_makes_its_return(
    make_app: Callable[..., CarerdeskApp], tmp_path: Path
) -> None:
    app = make_app(user="Casey Coordinator")
    async with app.run_test(size=(80, 24)) as pilot:
        await _open(pilot)
        # The last complete week is offered first: today is Monday 23 November.
        assert app.screen.query_one("#return-week", Input).value == "2026-W47"
        assert (
            _said(pilot) == "Not returned yet. Ctrl+S makes the return: a CSV file and a workbook."
        )
        await _open_week_text(pilot, "2026-W45")  # four carers registered on Monday 2 November
        assert shown(pilot, "#return-dates").strip() == "2026-W45 (02 Nov to 08 Nov 2026)"
        rows = table_text(pilot, "#return-figures")
        assert [" ".join(row.split()) for row in rows[:5]] == [
            "4 | New registrations",
            "1 | carer type: Young carer",
            "0 | carer type: Young adult carer",
            "2 | carer type: Adult carer",
            "1 | carer type: Older carer",
        ]
        assert "Mon 02" in shown(pilot, "#return-days")
        await pilot.press("ctrl+s")
        await settle(pilot)
        made = tmp_path / "data" / "returns" / "return_2026-W45.csv"
        assert _said(pilot).startswith("Return for 2026-W45 made:")
        assert "2026-W45,new_registrations,total,all,4" in made.read_text(encoding="utf-8-sig")
        assert (made.with_suffix(".xlsx")).exists()
        assert "by Casey Coordinator" in shown(pilot, "#return-history")


async def test_figures_that_moved_are_shown_before_an_amended_return(
    make_app: Callable[..., CarerdeskApp], engine: Engine
) -> None:
    with unit_of_work(engine) as session:
        returns.make_return(session, Week(2026, 47), COORDINATOR, today=TODAY)
        late = check_contact(
            {"support": "information_advice", "contact_on": "20/11/2026", "channel": "phone"}, TODAY
        )
        carers.log_contact(session, None, late, by=STAFF)  # logged after the return was made
    app = make_app(user="Casey Coordinator")
    async with app.run_test(size=(80, 24)) as pilot:
        await _open(pilot)
        said = _said(pilot)
        assert "4 figures have moved since: contacts total all: 0 -> 1;" in said
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "Press Ctrl+S again to make the amended return" in _said(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert _said(pilot).startswith("Amended return for 2026-W47 made:")
        assert "amended" in shown(pilot, "#return-history")
    with unit_of_work(engine, write=False) as session:
        assert len(returns.past_returns(session, COORDINATOR, Week(2026, 47))) == 2


async def test_weeks_are_stepped_through_and_a_wrong_week_is_explained(
    make_app: Callable[..., CarerdeskApp],
) -> None:
    app = make_app(user="Casey Coordinator")
    async with app.run_test(size=(80, 24)) as pilot:
        await _open(pilot)
        await pilot.press("pageup")
        await settle(pilot)
        assert shown(pilot, "#return-dates").strip().startswith("2026-W46")
        await _open_week_text(pilot, "2027-W53")
        assert _said(pilot) == "2027 has weeks 1 to 52."
        await pilot.press("escape")
        assert not isinstance(app.screen, ReturnsScreen)


async def _open_week_text(pilot, text: str) -> None:  # type: ignore[no-untyped-def]
    pilot.app.screen.query_one("#return-week", Input).value = ""
    await type_text(pilot, text)
    await pilot.press("enter")
    await settle(pilot)


@pytest.mark.parametrize(
    ("user", "refusal"),
    [
        ("Sam Staff", "A member of staff may not make the weekly return: ask your coordinator."),
        ("Robin Volunteer", "A volunteer may not make the weekly return: ask a member of staff."),
    ],
)
async def test_only_the_coordinator_opens_the_returns(
    make_app: Callable[..., CarerdeskApp], user: str, refusal: str
) -> None:
    app = make_app(user=user)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("f5")
        await settle(pilot)
        assert not isinstance(app.screen, ReturnsScreen)
        assert "f5" not in keys_offered(pilot)  # hidden from their role, so no refusal


async def test_a_contact_logged_at_half_past_midnight_in_summer_time_is_mondays(
    desk_db: Path, engine: Engine
) -> None:
    # The machine's clock says 23:30 on Sunday 31 May 2026 in UTC: 00:30 on Monday 1 June at
    # the desk, in British Summer Time. The contact is Monday's, and so is its return week.
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    from carerdesk.db.engine import sqlite_url
    from tests.screens.conftest import actor_named

    clock = datetime(2026, 5, 31, 23, 30, tzinfo=UTC)
    app = CarerdeskApp(
        sqlite_url(desk_db),
        now=lambda: clock.astimezone(ZoneInfo("Europe/London")),
        actor=actor_named(engine, "Sam Staff"),
    )
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f4")  # an anonymous contact, dated today at the desk
        await settle(pilot)
        await pilot.press("space")
        await pilot.press("ctrl+s")
        await settle(pilot)
    with unit_of_work(engine, write=False) as session:
        monday = returns.week_figures(session, Week(2026, 23), COORDINATOR)
        sunday = returns.week_figures(session, Week(2026, 22), COORDINATOR)
        days = returns.contacts_by_day(session, Week(2026, 23), by=SYSTEM)
    total = ("contacts", "total", "all")
    assert [f.value for f in monday if (f.measure, f.breakdown, f.category) == total] == [1]
    assert [f.value for f in sunday if (f.measure, f.breakdown, f.category) == total] == [0]
    assert days[0][1] == 1  # on the Monday


async def test_a_return_for_this_unfinished_week_or_a_future_one_is_refused_on_the_screen(
    make_app: Callable[..., CarerdeskApp], tmp_path: Path, engine: Engine
) -> None:
    app = make_app(user="Casey Coordinator")
    async with app.run_test(size=(80, 24)) as pilot:
        await _open(pilot)
        for week, why in (
            ("2026-W48", "2026-W48 is this week and not over until Sunday 29 Nov"),
            ("2026-W50", "2026-W50 has not happened yet"),
        ):
            await _open_week_text(pilot, week)
            assert shown(pilot, "#return-dates").startswith("Not over: figures so far")
            assert _said(pilot).startswith(why) and "figures so far" in _said(pilot)
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert _said(pilot).startswith(why)
            assert "2026-W47 is the latest that can be made" in _said(pilot)
            assert shown(pilot, "#return-history").strip() == "None yet."
    assert not (tmp_path / "data" / "returns").exists()
    with unit_of_work(engine, write=False) as session:
        assert returns.past_returns(session, COORDINATOR) == []
