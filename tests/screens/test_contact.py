"""Logging a contact in one modal, from a search result or a record, and anonymously."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from sqlalchemy import select

from carerdesk.app import CarerdeskApp
from carerdesk.db.engine import make_engine, sqlite_url, unit_of_work
from carerdesk.db.models import Carer, Contact
from tests.screens.helpers import open_record, settle, shown, table_text, type_text


def _contacts(db: Path) -> list[tuple[str | None, str, str, int | None, str | None]]:
    engine = make_engine(sqlite_url(db))
    with unit_of_work(engine, write=False) as session:
        rows = session.execute(
            select(
                Carer.reference, Contact.channel, Contact.support, Contact.minutes, Contact.staff
            )
            .outerjoin(Carer, Contact.carer_id == Carer.id)
            .order_by(Contact.created_at)
        ).all()
    engine.dispose()
    return [tuple(row) for row in rows]  # type: ignore[misc]


async def test_log_a_contact_from_a_search_result(
    make_app: Callable[[], CarerdeskApp], desk_db: Path
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await type_text(pilot, "zoe")
        await settle(pilot)
        await pilot.press("f3")
        await settle(pilot)
        # Date and time are filled in; the kinds of support have the focus.
        assert app.screen.query_one("#field-contact-on").text == "23/11/2026"
        assert app.screen.query_one("#field-contact-time").text == "10:30"
        await pilot.press("down", "space")  # emotional support
        await pilot.press("ctrl+s")
        await settle(pilot)
        today = table_text(pilot, "#today")
        assert any("Zoë Łukasz" in row and "Emotional support" in row for row in today)
    assert _contacts(desk_db)[-1] == ("C000003", "drop_in", "emotional_support", None, "Sam Staff")


async def test_anonymous_contact_in_one_key(
    make_app: Callable[[], CarerdeskApp], desk_db: Path
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f4")
        await settle(pilot)
        await pilot.press("space")  # information and advice
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert any(row.split(" | ")[1] == "Anonymous" for row in table_text(pilot, "#today"))
    assert _contacts(desk_db)[-1][:3] == (None, "drop_in", "information_advice")


async def test_a_refused_contact_keeps_what_was_typed(
    make_app: Callable[[], CarerdeskApp], desk_db: Path
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f4")
        await settle(pilot)
        await pilot.press("space")  # information and advice
        app.screen.query_one("#field-minutes Input").focus()
        await type_text(pilot, "0")
        app.screen.query_one("#field-notes Input").focus()
        await type_text(pilot, "Asked about respite")
        await pilot.press("ctrl+s")
        await settle(pilot)
        error = shown(pilot, "#field-minutes .field-error")
        assert "whole number from 1 to 600" in error
        assert app.screen.query_one("#field-notes").text == "Asked about respite"
        app.screen.query_one("#field-minutes Input").focus()
        await pilot.press("backspace")
        await type_text(pilot, "20")
        await pilot.press("ctrl+s")
        await settle(pilot)
    assert len(_contacts(desk_db)) == 2
    assert _contacts(desk_db)[-1][3] == 20


async def test_log_from_the_record(make_app: Callable[[], CarerdeskApp], desk_db: Path) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_record(pilot, "C000004")
        await pilot.press("c")
        await settle(pilot)
        await pilot.press("space", "ctrl+s")
        await settle(pilot)
        rows = table_text(pilot, "#contacts")
        assert len(rows) == 1 and "Information and advice" in rows[0]


async def test_change_a_contact_from_the_record(
    make_app: Callable[[], CarerdeskApp], desk_db: Path
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_record(pilot, "nguyen")
        await pilot.press("enter")  # the contact row has the focus
        await settle(pilot)
        assert app.screen.query_one("#field-contact-time").text == "09:15"
        app.screen.query_one("#field-minutes Input").focus()
        await type_text(pilot, "45")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "45" in table_text(pilot, "#contacts")[0]
    assert _contacts(desk_db)[0][:4] == ("C000002", "phone", "information_advice", 45)


async def test_a_contact_with_no_kind_of_support_ticked_is_refused_beside_the_field(
    make_app: Callable[[], CarerdeskApp], desk_db: Path
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f4")
        await settle(pilot)
        assert shown(pilot, "#field-support Label").strip() == "Support given *"
        assert not shown(pilot, "#field-support .field-error").strip()  # nothing said yet
        app.screen.query_one("#field-notes Input").focus()
        await type_text(pilot, "Asked about respite")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "Tick at least one kind of support" in shown(pilot, "#field-support .field-error")
        assert app.screen.focused is app.screen.query_one("#field-support SelectionList")
        await pilot.press("space", "ctrl+s")  # information and advice
        await settle(pilot)
    assert _contacts(desk_db)[-1][:3] == (None, "drop_in", "information_advice")
    assert len(_contacts(desk_db)) == 2
