"""Cards at the desk: issue one from the record, print it, cancel it; a volunteer may not."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from pypdf import PdfReader
from sqlalchemy import Engine, select

from carerdesk.app import CarerdeskApp
from carerdesk.db.engine import unit_of_work
from carerdesk.db.models import Card
from tests.screens.helpers import (
    footer_line,
    open_record,
    screen_text,
    settle,
    shown,
    table_text,
    type_text,
)


async def test_staff_issue_print_and_cancel_a_card(
    make_app: Callable[..., CarerdeskApp], tmp_path: Path
) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await open_record(pilot, "zoe")  # Zoë, 15: a young carer card is offered first
        assert "Cards: none · I issues one" in shown(pilot, "#cards-title")
        await pilot.press("i")
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        rows = table_text(pilot, "#cards")
        assert rows == ["Young carer card | HT00000018 | 23/11/2026 | 31/12/2028 | Active"]
        card = tmp_path / "data" / "cards" / "HT00000018.pdf"
        assert "Zoë Łukasz" in PdfReader(card).pages[0].extract_text()
        card.unlink()
        await pilot.press("p")
        await settle(pilot)
        assert card.exists() and "Card HT00000018 to print" in " ".join(screen_text(pilot).split())
        await pilot.press("k")
        await settle(pilot)
        await pilot.press("ctrl+s")  # no reason yet
        await settle(pilot)
        assert "Say why the card is cancelled." in shown(pilot, "#field-cancel-reason .field-error")
        await type_text(pilot, "Lost at school")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert table_text(pilot, "#cards") == [
            "Young carer card | HT00000018 | 23/11/2026 | 31/12/2028 | Cancelled: Lost at school"
        ]


async def test_a_volunteer_is_not_offered_cards(
    make_app: Callable[..., CarerdeskApp], tmp_path: Path
) -> None:
    app = make_app(user="Robin Volunteer")
    async with app.run_test(size=(100, 30)) as pilot:
        await open_record(pilot, "zoe")
        await pilot.press("tab", "tab")  # to the cards
        assert "Issue" not in footer_line(pilot)
        for key in ("i", "p", "k"):
            await pilot.press(key)
            await settle(pilot)
        assert type(app.screen).__name__ == "CarerScreen"  # no form opened
        assert not list(tmp_path.rglob("*.pdf"))


async def test_emergency_contacts_go_on_the_emergency_card(
    make_app: Callable[..., CarerdeskApp], tmp_path: Path
) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await open_record(pilot, "amir")  # Amir Patel, 75
        await pilot.press("m")
        await settle(pilot)
        await type_text(pilot, "Ada Quill")
        await pilot.press("tab")
        await type_text(pilot, "daughter")
        await pilot.press("ctrl+s")  # a name without a phone
        await settle(pilot)
        assert "Give a phone number" in shown(pilot, "#field-phone-1 .field-error")
        app.screen.query_one("#field-phone-1 Input").focus()
        await type_text(pilot, "020 7946 0456")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "Emergency contacts saved: 1." in " ".join(screen_text(pilot).split())
        await pilot.press("i")
        await settle(pilot)
        for key in ("enter", "down", "down", "enter"):  # carer card, passport, emergency card
            await pilot.press(key)
            await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
    card = tmp_path / "data" / "cards" / "HT00000018.pdf"
    back = PdfReader(card).pages[1].extract_text()
    assert "Ada Quill (daughter): 020 7946 0456" in back


async def test_changing_the_type_to_an_emergency_card_offers_new_not_replacement(
    make_app: Callable[..., CarerdeskApp], engine: Engine
) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await open_record(pilot, "amir")  # Amir Patel, 75: a carer card first
        await pilot.press("i")
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        await pilot.press("i")  # his second carer card is a replacement...
        await settle(pilot)
        reason = "#field-issue-reason SelectCurrent #label"
        assert shown(pilot, reason).startswith("Replacement")
        for key in ("enter", "down", "down", "enter"):  # ...but his first emergency card
            await pilot.press(key)
            await settle(pilot)
        assert shown(pilot, reason).strip() == "New"
        await pilot.press("ctrl+s")
        await settle(pilot)
    with unit_of_work(engine, write=False) as session:
        issued = session.execute(
            select(Card.card_type, Card.issue_reason).order_by(Card.card_number)
        )
        assert list(issued) == [("carer_card", "new"), ("emergency_card", "new")]
