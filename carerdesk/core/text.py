"""Text as people type it: tidied for storage (no control characters), folded for search,
and shown inert when it was stored before it could be tidied."""

from __future__ import annotations

import re
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


# A terminal acts on these rather than showing them: "ESC c" resets it, "ESC [2J" clears it,
# an OSC sequence can set its title or a link. Each is taken out whole, not just its ESC, so
# no "[2J" is left behind; then any other C0 or C1 control (and DEL) goes.
_ESCAPES = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]?"  # CSI: colours, cursor moves, clearing the screen
    r"|(?:\x1b[\]P^_X]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"  # OSC, DCS...
    r"|\x1b[ -/]*[0-~]?"  # any other escape: ESC c (reset), ESC 7, ESC ( B ...
)
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_SPACES = frozenset("\t\n\r\x0b\x0c\x1c\x1d\x1e\x1f\x85")


def _controls_out(text: str, *, newlines: bool) -> str:
    if not _CONTROL.search(text):  # nearly every text: nothing to do
        return text
    text = _ESCAPES.sub("", text)
    if newlines:
        text = text.replace("\r\n", "\n").replace("\r", "\n")

    def replace(match: re.Match[str]) -> str:
        ch = match.group()
        if newlines and ch == "\n":
            return ch
        return " " if ch in _SPACES else ""

    return _CONTROL.sub(replace, text)


def tidy(text: str) -> str:
    """Trim, collapse inner white space and compose accents (NFC) of typed text; terminal
    escape sequences and other control characters are taken out."""
    return " ".join(unicodedata.normalize("NFC", _controls_out(text, newlines=False)).split())


def tidy_lines(text: str) -> str:
    """Free text of several lines (notes): as ``tidy`` but keeping its line breaks, each
    line trimmed at its end, the whole trimmed."""
    plain = unicodedata.normalize("NFC", _controls_out(text, newlines=True))
    return "\n".join(line.rstrip() for line in plain.split("\n")).strip()


def inert(text: str) -> str:
    """Stored text as one line a terminal shows rather than acts on: each control character
    written out as ``\\x1b`` and the like (for text stored before ``tidy`` took them out)."""
    if not _CONTROL.search(text):
        return text
    return _CONTROL.sub(lambda match: f"\\x{ord(match.group()):02x}", text)


def search_form(text: str) -> str:
    """The form search compares: folded, apostrophes dropped, hyphens as spaces.

    ``O'Brien`` -> ``obrien`` and ``Smith-Jones`` -> ``smith jones``, so a person need not
    type the punctuation of a name to find it.
    """
    return " ".join(fold(text).replace("'", "").replace("-", " ").split())
