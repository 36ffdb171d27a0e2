"""Erasure and retention: the pure rules (``db/erasure.py`` and ``db/retention.py`` act on them).

An erased record keeps only coded, non-identifying values that the weekly return counts. Its
date of birth is replaced by a stand-in (``stand_in_birth``) that gives the same carer type
on every day a return reads it (the registration day, each Sunday on the register, each
contact), keeping of the real date at most the week in which the carer crossed an age band
while on the register. A retention period says when a record is due for review; a young
carer's record is never due before their 25th birthday.
"""

from __future__ import annotations

from datetime import date, timedelta

from carerdesk.core.ages import AGE_BANDS, carer_type
from carerdesk.core.errors import FieldError
from carerdesk.core.text import search_form
from carerdesk.core.validate import years_before

RETENTION_YEARS = 6
"""The default retention period: a record closed, or without contact, for longer is reviewed."""
YOUNG_CARER_KEPT_UNTIL = 25
"""A young carer's record is kept at least until their 25th birthday."""
REASON_LONGEST = 200


def birthday(born: date, years: int) -> date:
    """The day someone born on ``born`` turns ``years`` (1 March for a 29 February in a common
    year, as English law counts it: ``validate.age_on``)."""
    try:
        return born.replace(year=born.year + years)
    except ValueError:
        return date(born.year + years, 3, 1)


def stand_in_birth(born: date, start: date, end: date) -> date:
    """A birth date to keep in place of ``born`` on an erased record on the register from
    ``start`` to ``end``: the same carer type on every day in between, but for the days
    of the week in which a band was crossed.

    No band crossed between ``start`` and ``end``: a date that has the carer just enter
    their band on ``start`` (it tells nothing but the type). A band crossed: a date whose
    birthday of that band falls on the Monday of the week of the real one, so every Sunday
    (the register's size is counted on Sundays) has the real type; only a registration or
    a first contact in that same week may count under the next band. A second band crossed
    later moves by at most six days."""
    from_ages = [age for _, age in AGE_BANDS[1:]]
    crossed = [age for age in from_ages if start < birthday(born, age) <= end]
    if not crossed:
        from_age = dict(AGE_BANDS)[carer_type(born, start)]
        return years_before(start, from_age)
    age = crossed[0]
    real = birthday(born, age)
    monday = real - timedelta(days=real.weekday())
    return years_before(monday, age)


def check_reason(text: str, names: list[str]) -> str:
    """The reason for an erasure or a keep, tidied; refused when empty, too long, or holding
    any of ``names`` (the carer's own names: the audit trail keeps the reason for ever)."""
    reason = " ".join(text.split())
    if not reason:
        raise FieldError("reason", "Give a reason (such as 'asked to be forgotten').")
    if len(reason) > REASON_LONGEST:
        raise FieldError("reason", f"A reason is at most {REASON_LONGEST} characters.")
    folded = f" {search_form(reason)} "
    for name in names:
        for word in search_form(name).split():
            if len(word) >= 2 and f" {word} " in folded:
                raise FieldError(
                    "reason", "Leave the carer's name out of the reason: it is kept for ever."
                )
    return reason


def check_confirmation(typed: str, expected: str) -> None:
    """Refuse unless ``typed`` is ``expected`` (any case, spaces around ignored)."""
    if " ".join(typed.split()).upper() != expected.upper():
        raise FieldError("confirm", f"Type {expected} to confirm.")


def review_from(last_activity: date, kept_on: date | None, born: date, years: int) -> date:
    """The first day a record is due for review: ``years`` after its last activity (or after
    it was last kept, if later), and never before a young carer's 25th birthday.

    Young carer here means whoever is under 25 then: a record of someone who was a young
    carer, or a young adult carer, is kept till they are 25 (the stricter reading)."""
    since = max(last_activity, kept_on) if kept_on else last_activity
    due = birthday(since, years)
    return max(due, birthday(born, YOUNG_CARER_KEPT_UNTIL))
