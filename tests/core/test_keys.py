"""Card numbers and references from another system: kept as they came, matched by a key."""

from __future__ import annotations

import pytest

from carerdesk.core.cards import card_number_problem, looks_like_card
from carerdesk.core.errors import FieldError
from carerdesk.core.keys import card_key, check_card_number, check_reference, reference_key


@pytest.mark.parametrize(
    ("number", "key"),
    [
        ("1234 5678 9012", "123456789012"),
        ("1234-5678-9012", "123456789012"),
        ("CC-00042-7", "CC000427"),
        ("cc000427", "CC000427"),
        ("wcc/1234", "WCC1234"),
        ("HC00001230", "HC00001230"),
        ("１２３４ ５６７８", "12345678"),  # full-width digits, as some systems print them
    ],
)
def test_a_card_number_is_matched_by_its_letters_and_digits_in_capitals(
    number: str, key: str
) -> None:
    assert card_key(number) == key


@pytest.mark.parametrize(
    "number", ["1234 5678 9012", "CC-00042-7", "wcc/1234", "007", "HC00001231", "A.B 12"]
)
def test_an_imported_number_is_kept_exactly_whatever_its_scheme(number: str) -> None:
    assert check_card_number(number) == number
    assert check_card_number(f"  {number} ") == number  # only the spaces around it go


@pytest.mark.parametrize(
    ("number", "refusal"),
    [
        ("1234\t5678", "a tab, a line break or another unprintable mark"),
        ("1234\n5678", "a tab, a line break or another unprintable mark"),
        ("1234\x1b[31m", "a tab, a line break or another unprintable mark"),
        ("1" * 31, "at most 30 characters; this one has 31"),
        ("--/--", "at least one letter or digit"),
    ],
)
def test_a_card_number_is_refused_only_outside_sane_limits(number: str, refusal: str) -> None:
    with pytest.raises(FieldError, match=refusal):
        check_card_number(number)


def test_an_imported_reference_keeps_its_capitals_and_is_matched_in_any_case() -> None:
    assert check_reference(" abc-12 ") == "abc-12"
    assert reference_key("abc-12") == reference_key("ABC-12") == "ABC-12"
    with pytest.raises(FieldError, match="up to 20 letters, digits"):
        check_reference("abc 12")


def test_only_carerdesks_own_numbers_are_checked_for_a_slip() -> None:
    # HC is the organisation's prefix: its numbers carry a Luhn check digit.
    assert card_number_problem("HC00001231", "HC") is not None
    assert card_number_problem("hc 0000 1230", "HC") is None  # a good one
    # Another scheme's number has no check digit carerdesk knows: simply looked up.
    assert card_number_problem("CC-00042-7", "HC") is None
    assert card_number_problem("1234 5678 9012", "HC") is None
    assert looks_like_card("CC-00042-7") and not looks_like_card("CC-00042-7", "HC")
