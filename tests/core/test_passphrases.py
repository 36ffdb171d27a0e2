"""The passphrase rule: what an attacker tries first is refused, with the reason why."""

from __future__ import annotations

import pytest

from carerdesk.core.passphrases import passphrase_problem, passphrase_strong


@pytest.mark.parametrize(
    ("passphrase", "reason"),
    [
        (" " * 10, "spaces only"),
        ("\t \t \t \t \t ", "spaces only"),
        ("", "spaces only"),
        ("kettle", "at least 10 characters"),
        ("aaaaaaaaaaaa", "repeats the same characters"),
        ("abababababab", "repeats the same characters"),
        ("abcabcabcabc", "repeats the same characters"),
        ("2011199820111998", "repeats the same characters"),
        ("07700900123", "Digits only"),
        ("1234567890", "run along the keyboard"),
        ("qwertyuiop", "run along the keyboard"),
        ("ZYXWVUTSRQ", "run along the keyboard"),
        ("password12", "passwords people choose most"),
        ("Password2026!", "passwords people choose most"),
        ("Carers2026!", "passwords people choose most"),
        ("iloveyou123", "passwords people choose most"),
        ("passwordpassword", "repeats the same characters"),
        ("Harrow2026!", "One word with digits"),
        ("!!elephant99", "One word with digits"),
    ],
)
def test_a_passphrase_easy_to_guess_is_refused_with_its_reason(
    passphrase: str, reason: str
) -> None:
    problem = passphrase_problem(passphrase)
    assert problem is not None and reason in problem
    assert not passphrase_strong(passphrase)
    if passphrase.strip():
        assert passphrase not in problem  # the message never repeats what was typed


@pytest.mark.parametrize(
    "passphrase",
    [
        "purple kettle harbour",
        "correct horse battery staple",
        "Tr0ub4dor&3 on Tuesdays",
        "seven green owls sing",
        "marmalade-lighthouse-44",
    ],
)
def test_three_or_four_words_will_do(passphrase: str) -> None:
    assert passphrase_problem(passphrase) is None
    assert passphrase_strong(passphrase)
