"""Card numbers and their check digit."""

from __future__ import annotations

import pytest

from carerdesk.core.cards import card_number, check_card_number, looks_like_card
from carerdesk.core.errors import FieldError


def test_numbers_carry_a_luhn_check_digit() -> None:
    assert card_number("HC", 123) == "HC00001230"
    assert card_number("HD", 1) == "HD00000018"


@pytest.mark.parametrize("typed", ["HC00001230", "hc 0000 1230", "HC-0000-1230"])
def test_a_good_number_is_accepted_however_typed(typed: str) -> None:
    assert check_card_number(typed) == "HC00001230"


@pytest.mark.parametrize("typed", ["HC00001231", "HC00002130", "HC00001320"])
def test_one_wrong_digit_or_two_swapped_are_caught(typed: str) -> None:
    with pytest.raises(FieldError, match="last digit does not match"):
        check_card_number(typed)


@pytest.mark.parametrize("typed", ["", "1236", "H00001236", "HC12"])
def test_other_shapes_are_refused(typed: str) -> None:
    with pytest.raises(FieldError, match="2 to 4 letters then digits"):
        check_card_number(typed)


def test_the_shape_of_a_card_number() -> None:
    assert looks_like_card("hc 0000 1230") and not looks_like_card("C000123x")
