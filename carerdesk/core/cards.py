"""Card numbers: the organisation's prefix, a serial and a Luhn check digit.

The check digit comes from python-stdnum's Luhn, the scheme of bank cards, so a single
mistyped digit or two neighbours swapped are caught at the desk: ``HC0000123`` becomes
``HC00001230``. Numbers are shown and stored upper case without spaces.
"""

from __future__ import annotations

import re

from stdnum import luhn
from stdnum.exceptions import ValidationError

from carerdesk.core.errors import FieldError

SERIAL_DIGITS = 7
_CARD = re.compile(r"([A-Z]{2,4})(\d{4,12})")


def card_number(prefix: str, serial: int) -> str:
    """The card number of ``serial`` under ``prefix``: ``HC`` and 123 give ``HC00001230``."""
    digits = f"{serial:0{SERIAL_DIGITS}d}"
    return f"{prefix}{digits}{luhn.calc_check_digit(digits)}"


def compact(text: str) -> str:
    """A card number as typed, without spaces or dashes, upper case."""
    return "".join(ch for ch in text.upper() if ch.isalnum())


def looks_like_card(text: str) -> bool:
    """Whether ``text`` has the shape of a card number (letters, then digits)."""
    return _CARD.fullmatch(compact(text)) is not None


def check_card_number(text: str, field: str = "card_number") -> str:
    """A card number with a good check digit, compacted; otherwise a clear refusal."""
    number = compact(text)
    match = _CARD.fullmatch(number)
    if match is None:
        raise FieldError(field, "A card number is 2 to 4 letters then digits, such as HC00001230.")
    try:
        luhn.validate(match.group(2))
    except ValidationError:
        raise FieldError(
            field, "That card number's last digit does not match: check it was typed right."
        ) from None
    return number
