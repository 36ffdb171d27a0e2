"""The stand-in birth date of an erased record, and the reasons and confirmations asked for."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from carerdesk.core.ages import carer_type
from carerdesk.core.erasure import birthday, check_confirmation, check_reason, stand_in_birth
from carerdesk.core.errors import FieldError


def _sundays(start: date, end: date) -> list[date]:
    first = start + timedelta(days=6 - start.weekday())
    return [first + timedelta(weeks=n) for n in range((end - first).days // 7 + 1)]


@pytest.mark.parametrize(
    ("born", "start", "end"),
    [
        (date(1970, 5, 17), date(2015, 3, 2), date(2021, 6, 1)),  # adult all along
        (date(2008, 11, 11), date(2026, 11, 3), date(2026, 11, 23)),  # turns 18 on a Wednesday
        (date(1958, 2, 28), date(2019, 1, 7), date(2025, 1, 1)),  # turns 65 while registered
        (date(2012, 2, 29), date(2020, 2, 3), date(2026, 1, 5)),  # a young carer, leap day
    ],
)
def test_every_sunday_keeps_its_carer_type(born: date, start: date, end: date) -> None:
    stand_in = stand_in_birth(born, start, end)
    assert all(carer_type(stand_in, day) == carer_type(born, day) for day in _sundays(start, end))


def test_with_no_band_crossed_it_tells_nothing_but_the_band() -> None:
    # Two adults registered the same day, born years apart, get the same stand-in.
    start = date(2015, 3, 2)
    one = stand_in_birth(date(1970, 5, 17), start, date(2021, 6, 1))
    other = stand_in_birth(date(1985, 1, 9), start, date(2021, 6, 1))
    assert one == other == date(1989, 3, 2)  # 26 on the registration day


def test_a_band_crossed_moves_to_the_monday_of_its_week() -> None:
    stand_in = stand_in_birth(date(2008, 11, 11), date(2026, 11, 3), date(2026, 11, 23))
    assert birthday(stand_in, 18) == date(2026, 11, 9)


def test_a_reason_is_needed_and_holds_no_name() -> None:
    assert check_reason("  asked   to be forgotten ", ["Ada", "Quill"]) == "asked to be forgotten"
    with pytest.raises(FieldError, match="Give a reason"):
        check_reason("  ", ["Ada"])
    with pytest.raises(FieldError, match="name out"):
        check_reason("Mrs QUILL asked", ["Ada", "Quill"])
    check_confirmation(" c000123 ", "C000123")
    with pytest.raises(FieldError, match="Type erase 2 to confirm"):
        check_confirmation("erase 3", "erase 2")
