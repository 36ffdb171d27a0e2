"""Printable cards (fpdf2): one card front and back at ID-1 size, or a batch on A4.

ID-1 is the size of a bank card, 85.60 x 53.98 mm. The front carries the organisation's
name and phone, the holder's name as on an ID card (the name they go by, their preferred
name or else their first name, and their surname: "Zo Łukasz"), the card type, its number
with a QR code of the number (segno), and the expiry date; the back says what the card is
for: a passport lists what it offers in each place the organisation has agreed, an
emergency card its emergency contacts and whether a contingency plan is held. DejaVu Sans,
shipped in ``carerdesk/fonts``, has the letters of every name (Nguyễn, Łukasz, Siân); a
character it lacks (an emoji) is printed as a visible mark, ``□``, never silently dropped.
"""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from carerdesk.core import codes
from carerdesk.core.cards import holder_name
from carerdesk.core.permissions import PASSPORT_SETTINGS, Actor, Can
from carerdesk.core.validate import format_phone
from carerdesk.db import accounts, carers
from carerdesk.db.cards import get_card, require_emergency_contact
from carerdesk.db.models import EmergencyContact, Setting

WIDTH, HEIGHT = 85.60, 53.98
FONTS = Path(__file__).resolve().parent.parent / "fonts"
A4 = (210.0, 297.0)
COLUMNS, ROWS = 2, 5
"""A batch sheet: ten cards to an A4 page, with a 10 mm margin and a gap between."""
MISSING = "\u25a1"
"""What is printed for a character the font has no glyph for: a white square, as a mark."""
_JOINERS = frozenset("\u200d\ufe0e\ufe0f\u20e3")


@cache
def _glyphs() -> frozenset[int]:
    """The characters both shipped fonts (regular and bold) can draw."""
    from fontTools.ttLib import TTFont  # type: ignore[import-untyped]

    regular, bold = (
        set(TTFont(FONTS / name).getBestCmap())
        for name in ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf")
    )
    return frozenset(regular & bold)


def inked(text: str) -> str:
    """``text`` with each character the font cannot draw shown as ``MISSING``: fpdf2 would
    drop it without a mark. An emoji made of several characters (joined, with a skin tone or
    a presentation selector, a flag's pair of letters) becomes one mark."""
    have = _glyphs()
    out: list[str] = []
    marked = joined = flag = False  # after a mark: the rest of its emoji adds no second one
    for char in text:
        code = ord(char)
        if marked and (
            char in _JOINERS
            or 0x1F3FB <= code <= 0x1F3FF  # skin tones
            or 0xE0020 <= code <= 0xE007F  # tag letters (a subdivision's flag)
            or unicodedata.category(char) in ("Mn", "Me")
        ):
            joined = joined or char == "\u200d"
            continue
        regional = 0x1F1E6 <= code <= 0x1F1FF
        if marked and code not in have and (joined or (flag and regional)):
            joined = flag = False
            continue
        marked = joined = flag = False
        if char.isspace() or code in have:
            out.append(char)
        else:
            out.append(MISSING)
            marked, flag = True, regional
    return "".join(out)


@dataclass(frozen=True)
class CardPrint:
    """Everything printed on one card (and nothing else of the carer's)."""

    organisation: str
    organisation_phone: str
    holder: str
    card_type: str
    card_number: str
    expires_on: date
    places: Sequence[tuple[str, str]] = ()
    """A passport's back: (place, what it offers there), as the organisation agreed."""
    emergency: Sequence[tuple[str, str, str]] = ()
    """An emergency card's back: up to three (name, relationship, phone)."""
    contingency_plan: bool = False

    @property
    def title(self) -> str:
        """The card type as printed: ``Carer passport``."""
        return codes.CARD_TYPE.get(self.card_type, self.card_type)


def card_print(session: Session, card_id: str, by: Actor) -> CardPrint:
    """What to print for the card ``card_id`` (who may issue cards may print them)."""
    by.require(Can.ISSUE_CARDS)
    card = get_card(session, card_id, by=by)
    if card.card_type == "emergency_card":
        require_emergency_contact(session, card.carer_id, by=by)
    carer = carers.get_carer(session, card.carer_id, by=by, follow_merge=False)
    organisation = accounts.organisation(session)
    places: list[tuple[str, str]] = []
    if card.card_type == "carer_passport":
        for key, place in PASSPORT_SETTINGS.items():
            setting = session.get(Setting, key)
            if setting is not None and setting.value.strip():
                places.append((place, setting.value.strip()))
    emergency = [
        (contact.name, contact.relationship_ or "", format_phone(contact.phone))
        for contact in session.scalars(
            select(EmergencyContact)
            .where(EmergencyContact.carer_id == carer.id)
            .order_by(EmergencyContact.position)
        )
    ]
    return CardPrint(
        organisation=organisation.name if organisation else "",
        organisation_phone=format_phone(organisation.phone) if organisation else "",
        holder=holder_name(carer.preferred_name, carer.first_name, carer.last_name),
        card_type=card.card_type,
        card_number=card.card_number,
        expires_on=card.expires_on,
        places=places,
        emergency=emergency[:3],
        contingency_plan=bool(carer.contingency_plan),
    )


def _pdf(page: tuple[float, float]):  # type: ignore[no-untyped-def]
    from fpdf import FPDF

    pdf = FPDF(unit="mm", format=page)
    pdf.set_auto_page_break(False)
    pdf.set_margins(0, 0, 0)
    pdf.add_font("DejaVu", "", str(FONTS / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(FONTS / "DejaVuSans-Bold.ttf"))
    pdf.set_creator("carerdesk")
    return pdf


def _qr_png(text: str) -> io.BytesIO:
    import segno

    out = io.BytesIO()
    segno.make(text, error="m", micro=False).save(out, kind="png", scale=8, border=1)
    out.seek(0)
    return out


def qr_text(text: str) -> list[str]:
    """The QR code of ``text`` as lines of half blocks, two rows of modules to a line, for
    the on-screen preview (dark modules drawn, light ones blank)."""
    import segno

    rows = [list(row) for row in segno.make(text, error="m", micro=False).matrix_iter(border=1)]
    rows.append([0] * len(rows[0]))
    return [
        "".join(
            " ▀▄█"[bool(top) + 2 * bool(bottom)] for top, bottom in zip(upper, lower, strict=True)
        )
        for upper, lower in zip(rows[::2], rows[1::2], strict=True)
    ]


def _text(pdf, x: float, y: float, text: str, size: float, bold: bool = False) -> None:  # type: ignore[no-untyped-def]
    pdf.set_font("DejaVu", "B" if bold else "", size)
    pdf.set_xy(x, y)
    pdf.cell(WIDTH - 32, size * 0.45, inked(text), align="L")


def _front(pdf, x: float, y: float, card: CardPrint) -> None:  # type: ignore[no-untyped-def]
    pdf.set_draw_color(160, 160, 160)
    pdf.rect(x, y, WIDTH, HEIGHT)
    pdf.set_fill_color(0, 84, 147)
    pdf.rect(x, y, WIDTH, 11, style="F")
    pdf.set_text_color(255, 255, 255)
    _text(pdf, x + 4, y + 1.5, card.organisation, 9, bold=True)
    _text(pdf, x + 4, y + 6, card.organisation_phone, 7)
    pdf.set_text_color(0, 0, 0)
    _text(pdf, x + 4, y + 14, card.title, 12, bold=True)
    _text(pdf, x + 4, y + 22, "Holder", 7)
    pdf.set_font("DejaVu", "B", 10)
    pdf.set_xy(x + 4, y + 25.5)
    pdf.multi_cell(WIDTH - 33, 4.5, inked(card.holder), align="L", max_line_height=4.5)
    _text(pdf, x + 4, y + 38, "Card number", 7)
    _text(pdf, x + 4, y + 41.5, card.card_number, 10, bold=True)
    _text(pdf, x + 4, y + 47, f"Expires {card.expires_on:%d/%m/%Y}", 7)
    pdf.image(_qr_png(card.card_number), x=x + WIDTH - 27, y=y + 20, w=23, h=23)


def back_lines(card: CardPrint) -> list[tuple[str, str]]:
    """(style, text) lines of the back: ``B`` for a heading (the PDF and the on-screen
    preview print the same)."""
    call = f"{card.organisation}, {card.organisation_phone}".strip(", ")
    if card.card_type == "emergency_card":
        lines = [("B", "In an emergency, please call:")]
        lines += [
            ("", f"{name} ({relation}): {phone}" if relation else f"{name}: {phone}")
            for name, relation, phone in card.emergency
        ] or [("", "(no emergency contact recorded)")]
        if card.contingency_plan:
            lines += [
                ("B", "A contingency plan is held for the person I care for."),
                ("", f"For it, call {call}"),
            ]
        return lines
    if card.card_type == "carer_passport":
        if not card.places:
            # Nothing agreed with any place yet (the default): no promise the card can't keep.
            who = f"{card.holder} is an unpaid carer: they look after someone who relies on them."
            return [
                ("B", who),
                ("", "Please take this into account, and ask them what would help."),
                ("", f"To check this passport: {call}"),
            ]
        lines = [("B", f"{card.holder} is an unpaid carer. With this passport:")]
        for place, offer in card.places:
            lines += [("B", place), ("", offer)]
        return [*lines, ("", f"To check this passport: {call}")]
    if card.card_type == "young_carer_card":
        return [
            ("B", "I am a young carer: I help look after someone at home."),
            ("", "Please be patient and understanding with me."),
            ("", f"To check this card: {call}"),
        ]
    return [
        ("B", f"{card.holder} is an unpaid carer: they look after someone who relies on them."),
        ("", "If they are unwell or have an accident, the person they care for may need help."),
        ("", f"Please call {call}"),
    ]


def _back(pdf, x: float, y: float, card: CardPrint) -> None:  # type: ignore[no-untyped-def]
    pdf.set_draw_color(160, 160, 160)
    pdf.rect(x, y, WIDTH, HEIGHT)
    pdf.set_xy(x + 4, y + 3)
    for style, text in back_lines(card):
        size = 7 if style else 6.5
        pdf.set_font("DejaVu", style, size)
        pdf.set_x(x + 4)
        pdf.multi_cell(WIDTH - 8, size * 0.45, inked(text), align="L")
        if pdf.get_y() > y + HEIGHT - 4:
            break


def card_pdf(card: CardPrint) -> bytes:
    """One card, ID-1 size: the front on page 1, the back on page 2."""
    pdf = _pdf((WIDTH, HEIGHT))
    pdf.set_title(f"{card.title} {card.card_number}")
    pdf.add_page()
    _front(pdf, 0, 0, card)
    pdf.add_page()
    _back(pdf, 0, 0, card)
    return bytes(pdf.output())


def batch_pdf(cards: Sequence[CardPrint]) -> bytes:
    """Cards ten to an A4 sheet: a page of fronts, then a page of their backs, each back
    mirrored across the sheet so that it prints behind its front on a two-sided printer."""
    pdf = _pdf(A4)
    pdf.set_title("Carer cards")
    gap_x = (A4[0] - 2 * 10 - COLUMNS * WIDTH) / (COLUMNS - 1)
    gap_y = (A4[1] - 2 * 10 - ROWS * HEIGHT) / (ROWS - 1)
    per_page = COLUMNS * ROWS
    for start in range(0, len(cards), per_page):
        batch = cards[start : start + per_page]
        for side in (_front, _back):
            pdf.add_page()
            for index, card in enumerate(batch):
                column, row = index % COLUMNS, index // COLUMNS
                if side is _back:
                    column = COLUMNS - 1 - column
                side(pdf, 10 + column * (WIDTH + gap_x), 10 + row * (HEIGHT + gap_y), card)
    return bytes(pdf.output())
