"""The carer types by age (``spec/data.md``, carer_type): the one declaration of the age
bands, from which the Python rule (``carer_type``) and the weekly return's SQL (the birth
dates of ``born_by``) are both made, so the two cannot disagree about anyone's birthday.
"""

from __future__ import annotations

from datetime import date

from carerdesk.core.validate import age_on, years_before

ADULT = 18
"""The age from which a carer is an adult: a young adult carer, and offered adult cards."""
AGE_BANDS: tuple[tuple[str, int], ...] = (
    ("young_carer", 0),
    ("young_adult_carer", ADULT),
    ("adult_carer", 26),
    ("older_carer", 65),
)
"""Each carer type, youngest first, with the age in whole years from which a carer is of it:
a young carer under 18, a young adult carer 18 to 25, an adult carer 26 to 64, an older
carer 65 and over."""


def carer_type(born: date, on: date) -> str:
    """The carer type of someone born on ``born``, on the day ``on``."""
    age = age_on(born, on)
    found = AGE_BANDS[0][0]
    for code, from_age in AGE_BANDS[1:]:
        if age < from_age:
            break
        found = code
    return found


CUTOFF_TYPES: tuple[str, ...] = tuple(code for code, _ in reversed(AGE_BANDS[1:]))
"""The carer types ``born_by`` gives a cut-off birth date for, in its order."""


def born_by(day: date) -> list[tuple[str, date]]:
    """For each carer type but the youngest, oldest first, the latest birth date of someone
    of that type or older on ``day``: born on or before it, they are at least its age.

    A query tests these in order (the first that holds gives the type; none, the youngest
    type). English law's birthdays: ``years_before`` gives 28 February for a 29 February in a
    common year, so someone born on 29 February is a year older on 1 March."""
    from_age = dict(AGE_BANDS)
    return [(code, years_before(day, from_age[code])) for code in CUTOFF_TYPES]
