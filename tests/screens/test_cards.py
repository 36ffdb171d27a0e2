"""Cards at the desk: issue one from the record, print it, cancel it; a volunteer may not."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import Engine, select
from textual.pilot import Pilot
from textual.widgets import DataTable

from carerdesk.app import CarerdeskApp
from carerdesk.db import cards
from carerdesk.db.engine import unit_of_work
from carerdesk.db.models import Card, Carer
from tests.conftest import STAFF, TODAY
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
        assert card.exists() and "Card HT00000018 is ready to print." in screen_text(pilot)
        assert card.stat().st_mode & 0o777 == 0o600  # readable by its owner only
        assert card.parent.stat().st_mode & 0o777 == 0o700
        await pilot.press("escape")
        await settle(pilot)
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
        await type_text(pilot, "Ada Quill")  # an emergency card asks for its contact first
        app.screen.query_one("#field-phone-1 Input").focus()
        await type_text(pilot, "020 7946 0456")
        await pilot.press("ctrl+s")
        await settle(pilot)
    with unit_of_work(engine, write=False) as session:
        issued = session.execute(
            select(Card.card_type, Card.issue_reason).order_by(Card.card_number)
        )
        assert list(issued) == [("carer_card", "new"), ("emergency_card", "new")]


def _fake_commands(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *names: str) -> Path:
    """A folder on PATH holding only fake ``names`` (lp, xdg-open), each writing its
    arguments to ``calls.txt``; the log it writes to is returned."""
    folder = tmp_path / "bin"
    folder.mkdir()
    calls = tmp_path / "calls.txt"
    for name in names:
        script = folder / name
        script.write_text(
            f'#!/bin/sh\necho "{name} $*" >> "{calls}"\necho "request id is desk-7 (1 file(s))"\n'
        )
        script.chmod(0o755)
    monkeypatch.setenv("PATH", str(folder))
    monkeypatch.delenv("CARERDESK_PRINTER", raising=False)
    return calls


def issued(engine: Engine, first_name: str, card_type: str) -> None:
    """Issue a card to the carer of this first name, as the desk did before."""
    with unit_of_work(engine) as session:
        carer_id = session.scalars(select(Carer.id).where(Carer.first_name == first_name)).one()
        cards.issue_card(session, carer_id, card_type, "new", by=STAFF, today=TODAY)


async def _print_amirs_card(pilot: Pilot[None]) -> None:
    """Open Amir's record (a carer card issued) and press P on it."""
    await open_record(pilot, "amir")
    await pilot.press("p")
    await settle(pilot)


async def test_p_offers_the_printer_and_lp_gets_the_cards_pdf(
    make_app: Callable[..., CarerdeskApp],
    engine: Engine,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls = _fake_commands(tmp_path, monkeypatch, "lp")
    issued(engine, "Amir", "carer_card")
    app = make_app()
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await _print_amirs_card(pilot)
        assert shown(pilot, ".modal-title").strip() == "Card HT00000018 is ready to print."
        assert (
            shown(pilot, "#printed-offer").strip()
            == "P sends it to the printer; Esc leaves it there."
        )
        await pilot.press("p")
        await settle(pilot)
        said = [note.message for note in app._notifications]
        assert "Card HT00000018 is sent to the printer. request id is desk-7 (1 file(s))" in said
    card = tmp_path / "data" / "cards" / "HT00000018.pdf"
    assert calls.read_text().split() == ["lp", "--", str(card)]


async def test_o_opens_the_card_in_the_computers_pdf_viewer(
    make_app: Callable[..., CarerdeskApp],
    engine: Engine,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls = _fake_commands(tmp_path, monkeypatch, "xdg-open")
    issued(engine, "Amir", "carer_card")
    app = make_app()
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await _print_amirs_card(pilot)
        assert (
            shown(pilot, "#printed-offer").strip()
            == "O opens it in the PDF viewer; Esc leaves it there."
        )
        await pilot.press("p")  # no printer here: P does nothing
        await settle(pilot)
        await pilot.press("o")
        await settle(pilot)
        for _ in range(50):  # the viewer is started, not waited for
            if calls.exists():
                break
            await asyncio.sleep(0.05)
    card = tmp_path / "data" / "cards" / "HT00000018.pdf"
    assert calls.read_text().split() == ["xdg-open", str(card)]


async def test_p_on_a_computer_without_printer_or_viewer_says_where_the_pdf_is(
    make_app: Callable[..., CarerdeskApp],
    engine: Engine,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _fake_commands(tmp_path, monkeypatch)
    issued(engine, "Amir", "carer_card")
    app = make_app()
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await _print_amirs_card(pilot)
        offer = " ".join(shown(pilot, "#printed-offer").split())
        assert offer.startswith("This computer has no printer command (CUPS lp) and no PDF viewer")
        assert "HT00000018.pdf" in "".join(shown(pilot, "#printed-path").split())
        await pilot.press("escape")
        await settle(pilot)
        assert type(app.screen).__name__ == "CarerScreen"


async def test_issuing_an_emergency_card_with_no_emergency_contact_asks_for_one_first(
    make_app: Callable[..., CarerdeskApp], tmp_path: Path
) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await open_record(pilot, "amir")  # Amir Patel, 75, no emergency contact yet
        await pilot.press("i")
        await settle(pilot)
        for key in ("enter", "down", "down", "enter"):  # carer card, passport, emergency card
            await pilot.press(key)
            await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "Emergency contacts of Amir Patel" in screen_text(pilot)
        record = app.screen_stack[-2]
        assert record.query_one("#cards", DataTable).row_count == 0  # not issued yet
        await type_text(pilot, "Ada Quill")
        app.screen.query_one("#field-phone-1 Input").focus()
        await type_text(pilot, "020 7946 0456")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert table_text(pilot, "#cards") == [
            "Emergency card | HT00000018 | 23/11/2026 | 22/11/2029 | Active"
        ]
        said = [note.message for note in app._notifications]
        assert "Emergency contacts saved: 1. Issued HT00000018, valid to 22/11/2029." in said
    back = PdfReader(tmp_path / "data" / "cards" / "HT00000018.pdf").pages[1].extract_text()
    assert "Ada Quill: 020 7946 0456" in back and "no emergency contact" not in back


async def test_enter_on_a_card_shows_it_as_it_prints_and_space_turns_it_over(
    make_app: Callable[..., CarerdeskApp], engine: Engine
) -> None:
    issued(engine, "Amir", "carer_passport")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_record(pilot, "amir")
        app.screen.query_one("#cards").focus()
        await pilot.press("enter")
        await settle(pilot)
        front = " ".join(shown(pilot, "#card-side").split())
        for words in ("Harrow Carers Test", "Carer passport", "Amir Patel", "HT00000018"):
            assert words in front, words
        assert "Expires 22/11/2029" in front
        await pilot.press("space")
        await settle(pilot)
        back = " ".join(shown(pilot, "#card-side").split())
        assert "Amir Patel is an unpaid carer: they look after someone who relies on them." in back
        assert "To check this passport: Harrow Carers Test, 020 7946 0000" in back
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("v")  # V from anywhere on the record
        await settle(pilot)
        assert shown(pilot, ".modal-title").strip() == "Carer passport HT00000018, as it prints"
        await pilot.press("p")  # P there prints it, as P on the record does
        await settle(pilot)
        assert shown(pilot, ".modal-title").strip() == "Card HT00000018 is ready to print."
