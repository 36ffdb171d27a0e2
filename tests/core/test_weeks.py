"""ISO weeks: their days, the last complete week, and the week written as text."""

from __future__ import annotations

from datetime import date

import pytest

from carerdesk.core.errors import FieldError
from carerdesk.core.weeks import Week, last_complete_week, parse_week, week_of


@pytest.mark.parametrize(
    ("week", "monday", "sunday"),
    [
        (Week(2026, 47), date(2026, 11, 16), date(2026, 11, 22)),
        (Week(2026, 53), date(2026, 12, 28), date(2027, 1, 3)),
        (Week(2027, 1), date(2027, 1, 4), date(2027, 1, 10)),
        (Week(2026, 1), date(2025, 12, 29), date(2026, 1, 4)),
    ],
)
def test_a_week_runs_monday_to_sunday(week: Week, monday: date, sunday: date) -> None:
    assert (week.monday, week.sunday) == (monday, sunday)
    assert week.days()[0] == monday and week.days()[-1] == sunday and len(week.days()) == 7


@pytest.mark.parametrize(
    ("day", "week"),
    [
        (date(2027, 1, 1), Week(2026, 53)),  # a Friday: still 2026's last week
        (date(2027, 1, 3), Week(2026, 53)),
        (date(2027, 1, 4), Week(2027, 1)),
        (date(2025, 12, 29), Week(2026, 1)),  # a Monday in December, in 2026's first week
    ],
)
def test_days_at_the_turn_of_the_year_belong_to_their_iso_week(day: date, week: Week) -> None:
    assert week_of(day) == week


@pytest.mark.parametrize(
    ("today", "week"),
    [
        (date(2026, 11, 23), Week(2026, 47)),  # a Monday: last week is complete
        (date(2026, 11, 22), Week(2026, 46)),  # a Sunday: this week is not over
        (date(2027, 1, 4), Week(2026, 53)),
    ],
)
def test_the_last_complete_week(today: date, week: Week) -> None:
    assert last_complete_week(today) == week


def test_weeks_step_back_across_years() -> None:
    assert Week(2027, 1).before() == Week(2026, 53)
    assert Week(2027, 1).before(12) == Week(2026, 42)


@pytest.mark.parametrize(
    ("typed", "week"),
    [("2026-W47", Week(2026, 47)), ("2026w05", Week(2026, 5)), (" 2026-W53 ", Week(2026, 53))],
)
def test_weeks_are_read_from_text(typed: str, week: Week) -> None:
    assert parse_week(typed) == week
    assert str(parse_week(typed)) in {"2026-W47", "2026-W05", "2026-W53"}


@pytest.mark.parametrize(
    ("typed", "words"),
    [
        ("2027-W53", "2027 has weeks 1 to 52"),
        ("2026-W00", "2026 has weeks 1 to 53"),
        ("47", "Write the week as YYYY-Www"),
        ("2026-11-16", "Write the week as YYYY-Www"),
    ],
)
def test_weeks_that_do_not_exist_are_refused(typed: str, words: str) -> None:
    with pytest.raises(FieldError, match=words):
        parse_week(typed)


def test_a_week_reads_as_its_dates() -> None:
    assert Week(2026, 47).label == "2026-W47 (16 Nov to 22 Nov 2026)"


@pytest.mark.parametrize("typed", ["0026-W47", "0000-W01", "9999-W52", "1899-W10"])
def test_a_year_out_of_reach_is_refused_not_crashed_on(typed: str) -> None:
    with pytest.raises(FieldError, match="Give a year from 1900 to 2199"):
        parse_week(typed)
