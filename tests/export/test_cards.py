"""Printable cards read back: the page size, the text on each side, the QR code, the batch."""

from __future__ import annotations

import io
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import Engine, update
from sqlalchemy.orm import Session

from carerdesk.core.entries import check_carer
from carerdesk.core.errors import NoEmergencyContact
from carerdesk.db import cards, carers
from carerdesk.db.engine import unit_of_work
from carerdesk.db.models import Carer, EmergencyContact, Setting
from carerdesk.export.cards import CardPrint, batch_pdf, card_pdf, card_print
from tests.conftest import COORDINATOR, STAFF, VOLUNTEER

TODAY = date(2026, 11, 23)
MM = 72 / 25.4


def _pages(data: bytes) -> list[tuple[float, float, str]]:
    reader = PdfReader(io.BytesIO(data))
    return [
        (float(page.mediabox.width) / MM, float(page.mediabox.height) / MM, page.extract_text())
        for page in reader.pages
    ]


def _print(card_type: str, **extra: object) -> CardPrint:
    return CardPrint(
        "Harrow Carers Test",
        "020 7946 0000",
        "Thi Nguyễn",
        card_type,
        "HT00000018",
        date(2029, 11, 22),
        **extra,  # type: ignore[arg-type]
    )


def test_a_card_is_bank_card_size_with_its_front_and_back() -> None:
    data = card_pdf(_print("carer_card"))
    (w1, h1, front), (w2, h2, back) = _pages(data)
    assert (round(w1, 2), round(h1, 2)) == (85.60, 53.98) == (round(w2, 2), round(h2, 2))
    for words in ("Harrow Carers Test", "020 7946 0000", "Carer card", "Thi Nguyễn", "HT00000018"):
        assert words in front, words
    assert "Expires 22/11/2029" in front
    assert "Thi Nguyễn is an unpaid carer" in back and "Please call Harrow Carers Test" in back
    images = PdfReader(io.BytesIO(data)).pages[0].images
    assert len(images) == 1  # the QR code of the number


def test_names_in_any_alphabet_are_printed_as_typed() -> None:
    for name in ("Siân O'Brien", "Łukasz Wójcik", "Nguyễn Thị Ánh"):
        data = card_pdf(CardPrint("Org", "", name, "carer_card", "HT00000018", date(2029, 1, 1)))
        assert name in _pages(data)[0][2]


def test_a_passport_lists_what_it_offers_in_each_place() -> None:
    places = [("At the hospital", "Flexible visiting."), ("At work", "A talk about leave.")]
    back = _pages(card_pdf(_print("carer_passport", places=places)))[1][2]
    assert "At the hospital" in back and "Flexible visiting." in back and "At work" in back


def test_an_emergency_card_lists_its_contacts_and_the_plan() -> None:
    contacts = [("Ada Quill", "sister", "020 7946 0456"), ("Łukasz Nowak", "", "07700 900123")]
    back = _pages(card_pdf(_print("emergency_card", emergency=contacts, contingency_plan=True)))
    text = back[1][2]
    assert "Ada Quill (sister): 020 7946 0456" in text and "Łukasz Nowak: 07700 900123" in text
    assert "A contingency plan is held" in text


def test_a_batch_puts_ten_cards_on_each_a4_sheet_with_their_backs() -> None:
    pages = _pages(batch_pdf([_print("carer_card")] * 12))
    assert len(pages) == 4  # fronts and backs of ten, then of two
    assert all((round(w), round(h)) == (210, 297) for w, h, _ in pages)
    assert pages[0][2].count("HT00000018") == 10 and pages[2][2].count("HT00000018") == 2
    assert pages[1][2].count("is an unpaid carer") == 10


def test_what_is_printed_comes_from_the_register(organised: Engine) -> None:
    with unit_of_work(organised) as session:
        session.add(Setting(key="passport_gp", value="An annual carer's health check."))
        carer = carers.register_carer(
            session,
            check_carer(
                {
                    "first_name": "Siân",
                    "last_name": "O'Brien",
                    "preferred_name": "Sia",
                    "date_of_birth": "01/02/1970",
                    "registered_on": "02/11/2026",
                    "consent_store": "yes",
                },
                TODAY,
            ),
            by=STAFF,
        )
        session.execute(update(Carer).where(Carer.id == carer.id).values(contingency_plan=True))
        session.add(
            EmergencyContact(carer_id=carer.id, position=1, name="Ada Quill", phone="+442079460456")
        )
        passport = cards.issue_card(
            session, carer.id, "carer_passport", "new", by=STAFF, today=TODAY
        )
        emergency = cards.issue_card(
            session, carer.id, "emergency_card", "new", by=STAFF, today=TODAY
        )
        printed = card_print(session, passport.id, COORDINATOR)
        assert (printed.holder, printed.organisation_phone) == ("Sia O'Brien", "020 7946 0000")
        assert printed.places == [("At the GP practice", "An annual carer's health check.")]
        back = card_print(session, emergency.id, STAFF)
        assert back.emergency == [("Ada Quill", "", "020 7946 0456")] and back.contingency_plan
        with pytest.raises(Exception, match="A volunteer may not issue or cancel carer cards"):
            card_print(session, passport.id, VOLUNTEER)


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler is not installed")
def test_the_card_renders_to_an_image(tmp_path: Path) -> None:
    pdf = tmp_path / "card.pdf"
    pdf.write_bytes(card_pdf(_print("carer_passport")))
    subprocess.run(["pdftoppm", "-r", "100", "-png", str(pdf), str(tmp_path / "page")], check=True)
    assert sorted(p.name for p in tmp_path.glob("page-*.png")) == ["page-1.png", "page-2.png"]


def _register(session: Session, **texts: str) -> str:
    carer = carers.register_carer(
        session,
        check_carer(
            {
                "first_name": "Zoë",
                "last_name": "Łukasz",
                "date_of_birth": "01/02/1970",
                "registered_on": "02/11/2026",
                "consent_store": "yes",
                **texts,
            },
            TODAY,
        ),
        by=STAFF,
    )
    return carer.id


def test_the_card_shows_the_surname_not_only_the_preferred_name(organised: Engine) -> None:
    with unit_of_work(organised) as session:
        known_as = _register(session, preferred_name="Zo")
        plain = _register(session, first_name="Ada", last_name="Quill")
        for carer_id, holder in ((known_as, "Zo Łukasz"), (plain, "Ada Quill")):
            card = cards.issue_card(session, carer_id, "carer_card", "new", by=STAFF, today=TODAY)
            front = _pages(card_pdf(card_print(session, card.id, STAFF)))[0][2]
            assert holder in " ".join(front.split())


def test_a_passport_with_the_default_settings_does_not_end_at_with_this_passport() -> None:
    back = " ".join(_pages(card_pdf(_print("carer_passport")))[1][2].split())
    assert "With this passport:" not in back
    assert "Thi Nguyễn is an unpaid carer: they look after someone who relies on them." in back
    assert back.endswith("To check this passport: Harrow Carers Test, 020 7946 0000")


def test_an_emergency_card_is_not_issued_or_printed_without_an_emergency_contact(
    organised: Engine,
) -> None:
    with unit_of_work(organised) as session:
        carer_id = _register(session)
        with pytest.raises(NoEmergencyContact, match="add at least one first"):
            cards.issue_card(session, carer_id, "emergency_card", "new", by=STAFF, today=TODAY)
        session.add(
            EmergencyContact(carer_id=carer_id, position=1, name="Ada Quill", phone="+442079460456")
        )
        session.flush()
        card = cards.issue_card(session, carer_id, "emergency_card", "new", by=STAFF, today=TODAY)
        cards.set_emergency(session, carer_id, [], None, by=STAFF)  # taken off since
        with pytest.raises(NoEmergencyContact):
            card_print(session, card.id, STAFF)


def test_an_emoji_in_a_name_is_printed_on_the_card_as_a_mark_not_dropped() -> None:
    data = card_pdf(
        CardPrint("Org 🌻", "", "Zoë 👩‍👧 Łukasz", "carer_card", "HT00000018", date(2029, 1, 1))
    )
    front, back = (" ".join(text.split()) for *_, text in _pages(data))
    assert "Zoë □ Łukasz" in front and "Org □" in front
    assert "Zoë □ Łukasz is an unpaid carer" in back
