"""Card numbers and their check digit."""

from __future__ import annotations

from datetime import date

import pytest

from carerdesk.core.cards import (
    card_number,
    check_card_number,
    check_type,
    expiry,
    looks_like_card,
    types_offered,
)
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


# Issuing ----------------------------------------------------------------------------------


def test_a_card_lasts_three_years_to_the_day_before() -> None:
    assert expiry("carer_card", date(2026, 11, 23), date(1970, 1, 1)) == date(2029, 11, 22)
    assert expiry("carer_passport", date(2026, 11, 23), date(1970, 1, 1), 2) == date(2028, 11, 22)


def test_a_card_issued_on_29_february_lasts_to_28_february() -> None:
    assert expiry("carer_card", date(2028, 2, 29), date(1970, 1, 1)) == date(2031, 2, 28)


def test_a_young_carer_card_ends_the_day_before_the_18th_birthday() -> None:
    # A 17-year-old: the 18th birthday comes before the three years are up.
    born = date(2009, 6, 10)
    assert expiry("young_carer_card", date(2026, 11, 23), born) == date(2027, 6, 9)
    # Born on 29 February: 18 on 1 March 2026 (a common year), so the card ends on 28 February.
    assert expiry("young_carer_card", date(2025, 1, 6), date(2008, 2, 29)) == date(2026, 2, 28)
    # A 12-year-old's card runs its three years.
    assert expiry("young_carer_card", date(2026, 11, 23), date(2014, 5, 1)) == date(2029, 11, 22)


def test_the_types_offered_follow_the_age_on_the_day() -> None:
    born = date(2008, 11, 24)  # 18 tomorrow
    assert types_offered(born, date(2026, 11, 23)) == ("young_carer_card", "emergency_card")
    assert types_offered(born, date(2026, 11, 24)) == (
        "carer_card",
        "carer_passport",
        "emergency_card",
    )
    assert types_offered(date(2008, 2, 29), date(2026, 2, 28))[0] == "young_carer_card"
    assert types_offered(date(2008, 2, 29), date(2026, 3, 1))[0] == "carer_card"


def test_a_card_not_offered_at_that_age_is_refused_with_what_is() -> None:
    with pytest.raises(FieldError, match="For someone under 18: young carer card, emergency card"):
        check_type("carer_passport", date(2012, 1, 1), date(2026, 11, 23))
    with pytest.raises(FieldError, match="For someone aged 18 or over: carer card"):
        check_type("young_carer_card", date(1990, 1, 1), date(2026, 11, 23))
    assert check_type("emergency_card", date(2012, 1, 1), date(2026, 11, 23)) == "emergency_card"
