"""Text folding for search: accents, case and spacing ignored both ways."""

from __future__ import annotations

import unicodedata

# Letters that NFKD does not take apart but a person typing on a UK keyboard writes plainly.
_PLAIN = str.maketrans(
    {"ł": "l", "Ł": "l", "ø": "o", "Ø": "o", "đ": "d", "Đ": "d", "ß": "ss", "æ": "ae", "Æ": "ae"}
)
_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "ʼ": "'", "`": "'"})


def fold(text: str) -> str:
    """Lower-case ``text`` with accents stripped and spaces collapsed: ``Siân`` -> ``sian``."""
    if text.isascii():  # most names: nothing to decompose (an import folds millions)
        return " ".join(text.lower().translate(_APOSTROPHES).split())
    decomposed = unicodedata.normalize("NFKD", text.translate(_PLAIN))
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(plain.casefold().translate(_APOSTROPHES).split())


def tidy(text: str) -> str:
    """Trim, collapse inner white space and compose accents (NFC) of typed text."""
    return " ".join(unicodedata.normalize("NFC", text).split())


def search_form(text: str) -> str:
    """The form search compares: folded, apostrophes dropped, hyphens as spaces.

    ``O'Brien`` -> ``obrien`` and ``Smith-Jones`` -> ``smith jones``, so a person need not
    type the punctuation of a name to find it.
    """
    return " ".join(fold(text).replace("'", "").replace("-", " ").split())
