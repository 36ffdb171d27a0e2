"""Cards at the desk: issue one from the record, print it, cancel it; a volunteer may not."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from pypdf import PdfReader

from carerdesk.app import CarerdeskApp
from tests.screens.helpers import (
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


async def test_a_volunteer_is_told_to_ask_a_member_of_staff(
    make_app: Callable[..., CarerdeskApp],
) -> None:
    app = make_app(user="Robin Volunteer")
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await open_record(pilot, "zoe")
        await pilot.press("i")
        await settle(pilot)
        assert "A volunteer may not issue or cancel carer cards" in shown(pilot, "Toast")
