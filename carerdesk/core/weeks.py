"""ISO 8601 weeks (``2026-W47``): Monday to Sunday, by the dates recorded (Europe/London)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from carerdesk.core.errors import FieldError

FIRST_YEAR, LAST_YEAR = 1900, 2199
"""The years a week may be in: a birth date 65 years before is still a date."""
_WEEK = re.compile(r"(\d{4})-?W(\d{1,2})", re.IGNORECASE)


@dataclass(frozen=True, order=True)
class Week:
    """One ISO week: ``Week(2026, 47)`` is 16 to 22 November 2026."""

    year: int
    number: int

    def __str__(self) -> str:
        return f"{self.year}-W{self.number:02}"

    @property
    def monday(self) -> date:
        """The week's first day."""
        return date.fromisocalendar(self.year, self.number, 1)

    @property
    def sunday(self) -> date:
        """The week's last day."""
        return date.fromisocalendar(self.year, self.number, 7)

    def days(self) -> list[date]:
        """Monday to Sunday."""
        return [self.monday + timedelta(days=offset) for offset in range(7)]

    def before(self, weeks: int = 1) -> Week:
        """The week ``weeks`` earlier."""
        return week_of(self.monday - timedelta(weeks=weeks))

    @property
    def label(self) -> str:
        """How a person reads it: ``2026-W47 (16 Nov to 22 Nov 2026)``."""
        return f"{self} ({self.monday:%d %b} to {self.sunday:%d %b %Y})"


def week_of(day: date) -> Week:
    """The ISO week a day belongs to (1 January may belong to the year before's last week)."""
    year, number, _ = day.isocalendar()
    return Week(year, number)


def last_complete_week(today: date) -> Week:
    """The latest week whose Sunday has passed: the week a return is usually made for."""
    return week_of(today - timedelta(days=today.isoweekday()))


def parse_week(text: str) -> Week:
    """``2026-W47`` (or ``2026W47``, any case); refused when that year has no such week."""
    match = _WEEK.fullmatch(text.strip())
    if match is None:
        raise FieldError("week", "Write the week as YYYY-Www, such as 2026-W47.")
    year, number = int(match.group(1)), int(match.group(2))
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise FieldError("week", f"Give a year from {FIRST_YEAR} to {LAST_YEAR}, such as 2026-W47.")
    try:
        date.fromisocalendar(year, number, 1)
    except ValueError:
        last = week_of(date(year, 12, 28)).number
        raise FieldError("week", f"{year} has weeks 1 to {last}.") from None
    return Week(year, number)


def check_finished(week: Week, today: date) -> Week:
    """``week`` if its Sunday has passed by ``today``: a return is made for a finished week
    only (its figures would go on moving, and a later week has none yet)."""
    if week.sunday < today:
        return week
    latest = last_complete_week(today)
    if week.monday <= today:
        raise FieldError(
            "week",
            f"{week} is this week and not over until Sunday {week.sunday:%d %b}: "
            f"a return is made once it is ({latest} is the latest that can be made).",
        )
    raise FieldError(
        "week",
        f"{week} has not happened yet: a return is made once the week is over "
        f"({latest} is the latest that can be made).",
    )
