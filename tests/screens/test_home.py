"""The home screen: find a carer as you type, and today's contacts."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Engine
from textual.widgets import Input

from carerdesk.app import CarerdeskApp
from carerdesk.db.search import find_carers
from tests.screens.helpers import settle, shown, table_text, type_text


async def test_search_box_is_focused_and_today_listed(make_app: Callable[[], CarerdeskApp]) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert app.focused is app.screen.query_one("#carer-search", Input)
        today = table_text(pilot, "#today")
        assert len(today) == 1
        assert "Thi Nguyễn" in today[0] and "09:15" in today[0] and "Phone" in today[0]


async def test_results_update_as_you_type(make_app: Callable[[], CarerdeskApp]) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await type_text(pilot, "sian")
        await settle(pilot)
        rows = table_text(pilot, "#results")
        assert len(rows) == 1 and "Siân O'Brien" in rows[0]
        for _ in range(4):
            await pilot.press("backspace")
        await type_text(pilot, "nguyen")
        await settle(pilot)
        rows = table_text(pilot, "#results")
        assert len(rows) == 1 and "Thi Nguyễn" in rows[0]


async def test_one_letter_finds_and_nothing_found_says_so(
    make_app: Callable[[], CarerdeskApp],
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("p")
        await settle(pilot)
        assert any("Amir Patel" in row for row in table_text(pilot, "#results"))
        await type_text(pilot, "qqq")
        await settle(pilot)
        assert table_text(pilot, "#results") == []
        assert "Nobody found" in shown(pilot, "#search-status")


async def test_awkward_input_never_breaks_the_search(
    make_app: Callable[[], CarerdeskApp],
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        for text in ['"', "'", "AND", "*", "NEAR(", "-x", "a:b", "O'Brien"]:
            await pilot.press("escape")
            await type_text(pilot, text)
            await settle(pilot)
        assert any("O'Brien" in row for row in table_text(pilot, "#results"))


async def test_enter_opens_the_record_and_escape_comes_back(
    make_app: Callable[[], CarerdeskApp],
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await type_text(pilot, "patel")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        summary = shown(pilot, "#summary")
        assert "Amir Patel" in summary and "Older carer" in summary
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen.query_one("#carer-search", Input).value == "patel"


async def test_closed_carer_found_but_marked(make_app: Callable[[], CarerdeskApp]) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await type_text(pilot, "patel")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("x")  # close the record
        await settle(pilot)
        await pilot.press("enter")  # open the reason list
        await type_text(pilot, "moved")
        await pilot.press("enter")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "CLOSED" in shown(pilot, "#summary")
        await pilot.press("escape")
        await settle(pilot)
        rows = table_text(pilot, "#results")
        assert len(rows) == 1 and "CLOSED" in rows[0]


async def test_down_chooses_among_results_and_enter_opens_that_one(
    make_app: Callable[[], CarerdeskApp],
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await type_text(pilot, "ha1")
        await settle(pilot)
        rows = table_text(pilot, "#results")
        assert len(rows) == 2
        await pilot.press("down", "down", "enter")
        await settle(pilot)
        assert rows[1].split(" | ")[1] in shown(pilot, "#summary")


async def test_a_card_number_finds_its_carer_and_a_mistyped_one_is_named(
    make_app: Callable[..., CarerdeskApp], engine: Engine
) -> None:
    from carerdesk.db import cards
    from carerdesk.db.engine import unit_of_work
    from tests.conftest import STAFF, TODAY

    with unit_of_work(engine) as session:
        thi = next(hit for hit in find_carers(session, "nguyen", by=STAFF))
        cards.issue_card(session, thi.id, "carer_card", "new", by=STAFF, today=TODAY)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await type_text(pilot, "HT00000018")
        await settle(pilot)
        assert [row.split(" | ")[:2] for row in table_text(pilot, "#results")] == [
            ["C000002", "Thi Nguyễn"]
        ]
        app.screen.query_one("#carer-search", Input).value = ""
        await type_text(pilot, "HT00000019")
        await settle(pilot)
        assert table_text(pilot, "#results") == []
        assert "last digit does not match" in shown(pilot, "#search-status")


async def test_a_volunteer_reading_in_bulk_is_reported_to_the_coordinator(
    make_app: Callable[..., CarerdeskApp], engine: Engine
) -> None:
    from carerdesk.db import accounts, reads
    from carerdesk.db.engine import unit_of_work
    from tests.conftest import COORDINATOR
    from tests.screens.conftest import actor_named
    from tests.screens.helpers import screen_text

    robin = actor_named(engine, "Robin Volunteer")
    with unit_of_work(engine) as session:
        accounts.change_setting(session, COORDINATOR, "bulk_read_limit", "100")
        reads.count(session, robin, 100)  # a long day of searching already: the limit
    volunteer = make_app(user="Robin Volunteer")
    async with volunteer.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        await type_text(pilot, "p")  # one search: Patel, and the limit passed
        await settle(pilot)
        assert any("Patel" in row for row in table_text(pilot, "#results"))
        assert "Reading in bulk" not in screen_text(pilot)  # only the coordinator is told
    coordinator = make_app(user="Casey Coordinator")
    async with coordinator.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        told = " ".join(screen_text(pilot).replace("▌", " ").split())  # the toast's edge
        assert "Reading in bulk in the last week" in told
        assert "Robin Volunteer: 101 records read in 24 hours" in told


async def test_an_imported_card_is_found_however_typed_and_never_named_mistyped(
    make_app: Callable[..., CarerdeskApp], engine: Engine
) -> None:
    """A card of another scheme (the organisation's prefix is HT): typed without its dashes
    it finds its carer; one digit off, it is simply not found, with no word of a check digit."""
    from datetime import date

    from carerdesk.db.engine import unit_of_work
    from carerdesk.db.models import Card
    from tests.conftest import STAFF

    with unit_of_work(engine) as session:
        thi = next(hit for hit in find_carers(session, "nguyen", by=STAFF))
        session.add(
            Card(
                card_number="CC-00042-7",
                carer_id=thi.id,
                card_type="carer_card",
                issue_reason="new",
                issued_on=date(2025, 6, 1),
                expires_on=date(2028, 5, 31),
                status="active",
            )
        )
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await type_text(pilot, "cc000427")
        await settle(pilot)
        assert [row.split(" | ")[:2] for row in table_text(pilot, "#results")] == [
            ["C000002", "Thi Nguyễn"]
        ]
        app.screen.query_one("#carer-search", Input).value = ""
        await type_text(pilot, "CC-00042-9")
        await settle(pilot)
        assert table_text(pilot, "#results") == []
        assert shown(pilot, "#search-status").startswith("Nobody found.")
