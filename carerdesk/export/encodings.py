"""The text of a register file in the encoding it is in, never a guess (issue 16, item 4).

A byte order mark says the encoding outright (UTF-8, UTF-16 or UTF-32, either byte order).
Without one, a file that is wholly UTF-8 is UTF-8; a file with NUL bytes is tried as UTF-16
or UTF-32 without a mark (charset-normalizer finds which); a file that is UTF-8 but for a
stray byte or two is refused with the line and column of the first, since reading it in
any other encoding would change every accent in it.

Anything else was written in a one-byte code page, and which one cannot be read off the
bytes: the same byte is ``ë`` in Windows-1252 and ``Î`` in Mac Roman. charset-normalizer
ranks the code pages of ``FAMILY`` (those register exports in the UK come in); each is then
read over every word that has a letter outside ASCII, and a reading that makes a word no
one writes (a symbol between two letters, a capital after a small letter, Cyrillic next to
Latin, a ``£`` before a letter) is out. Exactly one reading left: that is the encoding.
None or several giving different letters: ``EncodingUnsure``, with a few words of the file
as each candidate reads them, so the person who knows the names chooses (``--encoding`` on
the command line, a dialog on the import screen). Those words are the file's own personal
data: shown to the person importing, never put in a message, a log or the audit trail.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import NoReturn

from carerdesk.core.errors import CarerdeskError

FAMILY: dict[str, str] = {
    "cp1252": "Windows-1252 (Western European)",
    "cp1250": "Windows-1250 (Central European)",
    "mac_roman": "Mac Roman (older Macs)",
    "iso8859_2": "ISO-8859-2 (Central European)",
    "latin_1": "ISO-8859-1 (Western European)",
    "iso8859_15": "ISO-8859-15 (Western European)",
    "cp1251": "Windows-1251 (Cyrillic)",
    "cp1253": "Windows-1253 (Greek)",
    "cp850": "DOS 850 (Western European)",
    "cp437": "DOS 437 (United States)",
}
"""The one-byte code pages a file may be in, each with what a coordinator would call it.
The first of several that read a file alike names them all (Windows-1252 before
ISO-8859-1). Any other encoding can still be named with ``--encoding``."""

UNICODE: dict[str, str] = {
    "utf_8": "UTF-8",
    "utf_8_sig": "UTF-8 (with a byte order mark)",
    "utf_16": "UTF-16 (with a byte order mark)",
    "utf_16_le": "UTF-16 LE",
    "utf_16_be": "UTF-16 BE",
    "utf_32": "UTF-32 (with a byte order mark)",
    "utf_32_le": "UTF-32 LE",
    "utf_32_be": "UTF-32 BE",
}

MARKS = (
    (codecs.BOM_UTF32_LE, "utf_32"),  # before UTF-16 LE, whose mark begins it
    (codecs.BOM_UTF32_BE, "utf_32"),
    (codecs.BOM_UTF8, "utf_8_sig"),
    (codecs.BOM_UTF16_LE, "utf_16"),
    (codecs.BOM_UTF16_BE, "utf_16"),
)
WIDE = ("utf_16_le", "utf_16_be", "utf_32_le", "utf_32_be")
SAMPLES = 3
"""How many words each candidate shows: enough to tell, few since they are personal data."""
SHOWN = 4
"""The most candidates offered at once."""
RANKED_BYTES = 2_000_000
"""How much of a file charset-normalizer ranks the code pages by (the words outside ASCII
are read in all of it)."""

_HIGH = bytes(range(0x80, 0x100))
_SNIPPET = re.compile(rb"[\x00-\x7f]?[\x80-\xff]+[\x00-\x7f]?")
_WORD = re.compile(rb"[^\s,;\"]*[\x80-\xff][^\s,;\"]*")
_OPENING = frozenset("‘“„‚«‹")
_CLOSING = frozenset("”»›")
_WITHIN = frozenset("’‐‑–—·")
"""Marks that stand between two letters in real words (O’Brien, Smith–Jones)."""


class EncodingRefused(CarerdeskError):
    """The file's text cannot be read as it is: which encoding, or where a byte does not fit."""


@dataclass(frozen=True)
class Candidate:
    """One encoding a file may be in, and a few of its words as that encoding reads them."""

    encoding: str
    label: str
    samples: tuple[str, ...]


class EncodingUnsure(EncodingRefused):
    """More than one encoding (or none) reads the file as real words: a person chooses.

    The message names the encodings only; ``candidates`` holds the sample words, for the
    person importing and no one else."""

    def __init__(self, file: str, candidates: tuple[Candidate, ...]) -> None:
        names = ", ".join(candidate.encoding for candidate in candidates)
        super().__init__(
            f"{file} is not UTF-8, and carerdesk cannot tell for sure which encoding it is in "
            f"({names}): nothing was read. Choose the one whose names look right."
        )
        self.file = file
        self.candidates = candidates


def describe(encoding: str) -> str:
    """What a coordinator would call an encoding (``cp1250``: Windows-1250 (Central European))."""
    name = codecs.lookup(encoding).name
    labels = {codecs.lookup(known).name: label for known, label in (FAMILY | UNICODE).items()}
    return labels.get(name, encoding)


def codec(name: str) -> str:
    """The codec named (``windows-1250``, ``cp1250``, ``ISO-8859-2``, ``mac-roman``...)."""
    try:
        found = codecs.lookup(name)
    except LookupError:
        raise EncodingRefused(
            f"carerdesk does not know the encoding {name!r}: try cp1252, cp1250, mac_roman, "
            "iso8859_2 or utf_16."
        ) from None
    if not getattr(found, "_is_text_encoding", True):
        raise EncodingRefused(f"{name!r} is not a text encoding.")
    return found.name.replace("-", "_")


def read_text(path: Path, encoding: str | None = None) -> str:
    """The text of the file at ``path``, in the encoding it is in (or ``encoding``, for a
    file that is neither marked nor wholly UTF-8)."""
    raw = path.read_bytes()
    return decode(raw, choose(raw, path.name, encoding), path.name)


def choose(raw: bytes, file: str, wanted: str | None = None) -> str:
    """The codec to read ``raw`` with. A byte order mark or a file wholly UTF-8 is read so
    whatever ``wanted`` says (``wanted`` is for files that are not)."""
    for mark, name in MARKS:
        if raw.startswith(mark):
            return name
    if raw.isascii():
        return "utf_8"
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as error:
        first_bad = error.start
    else:
        return "utf_8"
    if wanted:
        return codec(wanted)
    if b"\x00" in raw[:4096]:
        wide = _wide(raw)
        if wide:
            return wide
    _refuse_almost_utf8(raw, file, first_bad)
    return _code_page(raw, file)


def decode(raw: bytes, encoding: str, file: str) -> str:
    """``raw`` read strictly in ``encoding``; a byte that does not fit is refused with its
    line and column, never replaced."""
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError as error:
        _refuse_byte(raw, error.start, encoding, file)
    return text.removeprefix("\ufeff")


def header_text(raw: bytes, encoding: str, file: str) -> str:
    """The beginning of a large file's text, enough for its header (the rest is read by the
    helper process, as strictly)."""
    decoder = codecs.getincrementaldecoder(encoding)()
    try:
        return str(decoder.decode(raw[:1_000_000], final=False)).removeprefix("\ufeff")
    except UnicodeDecodeError:
        decode(raw[:1_000_000], encoding, file)  # says where
        raise


def _refuse_byte(raw: bytes, offset: int, encoding: str, file: str) -> NoReturn:
    line, column = where(raw, offset, encoding)
    raise EncodingRefused(
        f"{file}: line {line}, column {column}: the byte 0x{raw[offset]:02X} there cannot be "
        f"read as {describe(encoding)}: nothing was read. Correct it, or choose another "
        "encoding."
    ) from None


def where(raw: bytes, offset: int, encoding: str) -> tuple[int, int]:
    """The line and column (both from 1, in characters) of the byte at ``offset``."""
    before = raw[:offset].decode(encoding).removeprefix("\ufeff")
    line_start = before.rfind("\n") + 1
    return before.count("\n") + 1, len(before) - line_start + 1


def _wide(raw: bytes) -> str | None:
    from charset_normalizer import from_bytes

    best = from_bytes(raw, cp_isolation=list(WIDE)).best()
    if best is None:
        return None
    name = codec(best.encoding)
    try:
        raw.decode(name)
    except UnicodeDecodeError:
        return None
    return name


def _refuse_almost_utf8(raw: bytes, file: str, first_bad: int) -> None:
    """A file whose letters outside ASCII are mostly whole UTF-8 sequences is UTF-8 with a
    stray byte (a one-byte code page almost never makes such a sequence)."""
    # Counted, not read: each stray byte stands for itself (a lone surrogate), losslessly.
    counted = raw.decode("utf-8", "surrogateescape")
    stray = (len(counted.encode("utf-8", "surrogatepass")) - len(raw)) // 2
    sequences = len(counted) - len(raw.translate(None, _HIGH)) - stray
    if not sequences or stray > sequences:
        return
    line, column = where(raw, first_bad, "utf-8")
    others = "" if stray == 1 else f" (and {stray - 1} more after it)"
    raise EncodingRefused(
        f"{file}: line {line}, column {column}: the file is almost all UTF-8, but the byte "
        f"0x{raw[first_bad]:02X} there is not{others}: nothing was read, so no name is "
        "changed. Correct it in the file, or choose the file's encoding."
    )


@dataclass
class _Reading:
    encoding: str
    rank: int
    odd: int


def _code_page(raw: bytes, file: str) -> str:
    from charset_normalizer import from_bytes

    ranked: list[str] = []
    for match in from_bytes(raw[:RANKED_BYTES], cp_isolation=list(FAMILY)):
        ranked.extend(name for name in match.could_be_from_charset if name not in ranked)
    snippets = set(_SNIPPET.findall(raw))  # every letter outside ASCII, where it stands
    present = bytes(sorted(set(raw.translate(None, bytes(range(0x80))))))
    readings: dict[str, _Reading] = {}  # by how the file's bytes outside ASCII read
    for order, name in enumerate(FAMILY):
        try:
            letters = present.decode(name)
        except UnicodeDecodeError:
            continue  # a byte this code page does not have
        rank = ranked.index(name) if name in ranked else len(ranked) + order
        if letters in readings:
            readings[letters].rank = min(readings[letters].rank, rank)
            continue
        odd = sum(_odd(snippet.decode(name)) for snippet in snippets)
        readings[letters] = _Reading(name, rank, odd)
    best = sorted(readings.values(), key=lambda reading: (reading.odd, reading.rank))
    plausible = [reading for reading in best if reading.odd == 0]
    if len(plausible) == 1:
        return plausible[0].encoding
    shown = sorted(
        (plausible or best)[:SHOWN], key=lambda reading: list(FAMILY).index(reading.encoding)
    )
    raise EncodingUnsure(file, _candidates(raw, [reading.encoding for reading in shown]))


def _candidates(raw: bytes, names: list[str]) -> tuple[Candidate, ...]:
    """Each encoding with the first few words that the encodings read differently."""
    present = set(raw.translate(None, bytes(range(0x80))))
    differ = bytes(
        byte for byte in sorted(present) if len({bytes([byte]).decode(n) for n in names}) > 1
    )
    words: list[bytes] = []
    for match in _WORD.finditer(raw):
        word = match.group()[:40]
        if word not in words and word.translate(None, differ) != word:
            words.append(word)
            if len(words) == SAMPLES:
                break
    return tuple(
        Candidate(name, describe(name), tuple(word.decode(name) for word in words))
        for name in names
    )


def _odd(text: str) -> int:
    """How many letters outside ASCII in ``text`` stand where no real word has them."""
    odd = 0
    for index, char in enumerate(text):
        if char.isascii():
            continue
        before = text[index - 1] if index else ""
        after = text[index + 1] if index + 1 < len(text) else ""
        odd += _out_of_place(char, before, after)
    return odd


def _out_of_place(char: str, before: str, after: str) -> bool:
    kind = unicodedata.category(char)
    if kind[0] == "C":  # a control character, or one no code point is assigned to
        return True
    if kind[0] == "L":
        if before.isdigit() or after.isdigit():
            return True
        if any(near.isalpha() and _script(near) != _script(char) for near in (before, after)):
            return True
        return char.isupper() and before.islower()
    if char in _OPENING:
        return before.isalpha()
    if char in _CLOSING:
        return after.isalpha()
    if char in _WITHIN:
        return False
    if kind == "Sc" and after.isalpha():
        return True
    return before.isalpha() and after.isalpha()


@cache
def _script(char: str) -> str:
    return unicodedata.name(char, "").partition(" ")[0]
