"""Whether a passphrase is too easy to guess: the rule for an event's file (and for the main
register's, when it is encrypted).

A stolen laptop's file can be attacked offline, at leisure, so a passphrase is refused when
it is short, when it is made of one or two characters repeated (ten spaces), when it is a
run along the keyboard or the alphabet (``qwertyuiop``, ``1234567890``), only digits (a date,
a phone number), or one of the passwords people use most, alone or with digits and symbols
around it (``password12``, ``Carers2026!``), or any one short word so dressed
(``Harrow2026!``). No strength library: a short list of the worst
choices and these shapes refuse what an attacker tries first, and three or four ordinary
words pass. Each refusal says why, in words a volunteer understands; the passphrase itself
is never in a message.
"""

from __future__ import annotations

import re

MIN_PASSPHRASE = 10
"""Characters, at the least."""

COMMON = frozenset(
    [
        "password",
        "passphrase",
        "passw0rd",
        "pass",
        "qwerty",
        "qwertz",
        "azerty",
        "letmein",
        "welcome",
        "iloveyou",
        "admin",
        "administrator",
        "login",
        "secret",
        "monkey",
        "dragon",
        "football",
        "baseball",
        "soccer",
        "cricket",
        "sunshine",
        "princess",
        "shadow",
        "master",
        "superman",
        "batman",
        "trustno1",
        "hello",
        "hello123",
        "freedom",
        "whatever",
        "starwars",
        "charlie",
        "michael",
        "jessica",
        "ashley",
        "daniel",
        "thomas",
        "jordan",
        "summer",
        "winter",
        "autumn",
        "spring",
        "london",
        "england",
        "arsenal",
        "chelsea",
        "liverpool",
        "manchester",
        "computer",
        "internet",
        "abc",
        "abcd",
        "abcdef",
        "changeme",
        "default",
        "guest",
        "user",
        "test",
        "testing",
        "carer",
        "carers",
        "carerdesk",
        "event",
        "events",
        "volunteer",
        "coordinator",
        "centre",
        "center",
        "charity",
        "support",
        "family",
        "mother",
        "father",
        "baby",
        "love",
        "lovely",
        "happy",
        "cheese",
        "chocolate",
        "flower",
        "flowers",
        "rainbow",
        "purple",
        "orange",
        "banana",
        "apple",
        "pokemon",
        "matrix",
        "mustang",
        "access",
        "ninja",
        "killer",
        "hunter",
        "tigger",
        "ginger",
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
    ]
)
"""The words and passwords people choose most (from published lists of leaked passwords),
and the words of this desk: lower case, without digits."""

_ROWS = (
    "abcdefghijklmnopqrstuvwxyz",
    "0123456789",
    "qwertyuiopasdfghjklzxcvbnm",
    "qwertzuiopasdfghjklyxcvbnm",
    "azertyuiopqsdfghjklmwxcvbn",
    "1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik9ol0p",
)


def _run(text: str) -> bool:
    """Whether ``text`` is a run along the alphabet, the digits or a keyboard's rows,
    forwards or backwards (``abcdefghij``, ``0987654321``, ``asdfghjkl;``)."""
    letters = re.sub(r"[^a-z0-9]", "", text.lower())
    if len(letters) < 6:
        return False
    return any(letters in row * 2 or letters[::-1] in row * 2 for row in _ROWS)


def _repeated(text: str) -> bool:
    """Whether ``text`` is a short piece said over and over (``abcabcabcabc``, ``kettlekettle``)."""
    return any(
        len(text) >= 2 * size and (text[:size] * (len(text) // size + 1)).startswith(text)
        for size in range(1, len(text) // 2 + 1)
    )


def passphrase_problem(text: str) -> str | None:
    """Why ``text`` is too easy to guess as a passphrase, or None when it will do.

    Pure: the same answer for the same text. The message never repeats the passphrase."""
    if not text.strip():
        return "A passphrase of spaces only is the first thing tried: use three or four words."
    if len(text) < MIN_PASSPHRASE:
        return (
            f"Use at least {MIN_PASSPHRASE} characters: three or four words are easy to "
            "remember and hard to guess."
        )
    if len(set(text)) <= 2 or _repeated(text.strip()):
        return "It repeats the same characters: use three or four words no one would guess."
    if _run(text):
        return "A run along the keyboard or the alphabet is easy to guess: use words."
    if text.strip().isdigit():
        return "Digits only (a date, a phone number) are easy to guess: use words."
    bare = re.sub(r"[^a-z]", "", text.lower())  # without the digits and symbols around it
    if bare in COMMON or (_repeated(bare) and bare[: len(bare) // 2] in COMMON):
        return (
            "It is one of the passwords people choose most, which are tried first, even with "
            "digits or symbols added: use three or four words no one would guess."
        )
    if re.fullmatch(r"[^a-zA-Z\s]*[a-zA-Z]{1,8}[^a-zA-Z\s]*", text):
        return (
            "One word with digits or symbols added is among the first things tried: use three "
            "or four words."
        )
    if len(set(text.lower())) < 5:
        return "It uses too few different characters: use three or four words."
    return None


def passphrase_strong(text: str) -> bool:
    """Whether ``text`` will do as a passphrase (``passphrase_problem`` has nothing)."""
    return passphrase_problem(text) is None
