"""Card numbers and references as they came from another system, and the keys that find them.

An imported card keeps its number exactly as it came, whatever its scheme (digits only, other
letters, another check digit, spaces or dashes as printed on it); an imported reference keeps
its capitals (``abc-12`` stays ``abc-12``). Only the numbers carerdesk issues follow the
organisation's prefix and check digit (``core.cards``).

Each is matched by a folded key kept beside it in an indexed column (``cards.number_key``,
``carers.reference_key``), so that however it is typed it is found by an index seek: a card
number by its letters and digits alone, in capitals (``1234-5678`` is ``1234 5678``); a
reference in capitals (``abc-12`` is ``ABC-12``).
"""

from __future__ import annotations

import unicodedata

from carerdesk.core.errors import FieldError

CARD_NUMBER_LENGTH = 30
"""The longest card number kept (the column's width)."""
REFERENCE_LENGTH = 20
REFERENCE_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-/")
_UNPRINTABLE = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})


def card_key(number: str) -> str:
    """The key a card number is matched by: its letters and digits only, in capitals
    (``1234 5678 9012`` and ``1234-5678-9012`` are ``123456789012``; ``CC-00042-7`` is
    ``CC000427``). Full-width digits are digits (NFKC)."""
    folded = unicodedata.normalize("NFKC", number).upper()
    return "".join(ch for ch in folded if ch.isalnum())


def reference_key(reference: str) -> str:
    """The key a reference is matched by: in capitals (``abc-12`` is ``ABC-12``)."""
    return reference.strip().upper()


def check_card_number(text: str, field: str = "card_number") -> str:
    """A card number from another system, as it came (only the spaces around it trimmed),
    whatever its scheme. Refused only when it cannot be a card number: a character that
    does not print, more than ``CARD_NUMBER_LENGTH`` characters, or no letter or digit."""
    number = text.strip()
    if any(unicodedata.category(ch) in _UNPRINTABLE for ch in number):
        raise FieldError(
            field, "A card number cannot hold a tab, a line break or another unprintable mark."
        )
    if len(number) > CARD_NUMBER_LENGTH:
        raise FieldError(
            field,
            f"A card number is at most {CARD_NUMBER_LENGTH} characters; "
            f"this one has {len(number)}.",
        )
    if not card_key(number):
        raise FieldError(field, "A card number needs at least one letter or digit.")
    return number


def check_reference(text: str, field: str = "reference") -> str:
    """A reference from another system, exactly as it came (capitals and all, the spaces
    around it trimmed): up to 20 letters, digits, ``-`` or ``/``. Empty when none was given."""
    reference = text.strip()
    if len(reference) > REFERENCE_LENGTH or not set(reference) <= REFERENCE_CHARS:
        raise FieldError(
            field, "A reference is up to 20 letters, digits, '-' or '/', such as C000123."
        )
    return reference
