"""The weekly return's layout (``spec/weekly-return.md``): every measure, its breakdowns and
their categories, in the order the commissioner's spreadsheet expects, zeros included.

Counts only: no name, reference, date of birth, postcode or other detail of any person ever
reaches a return. The database counts (``db/returns.py``); this module puts the counts in
order, hides small numbers when asked, and says which figures moved since a return was made.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from typing import NamedTuple

from carerdesk.core import codes
from carerdesk.core.referrals import CLOSED

NOT_RECORDED = "not_recorded"
ETHNIC_GROUPS = ("asian", "black", "mixed", "white", "other", "not_known")
YES_NO = ("yes", "no")
OUTCOMES = CLOSED
"""A closed referral's outcome is the status that closed it."""
COLUMNS = ("week", "measure", "breakdown", "category", "value")


class Figure(NamedTuple):
    """One count of the return: a row of its file."""

    measure: str
    breakdown: str
    category: str
    value: int


Counts = Mapping[tuple[str, str], Mapping[str | None, int]]
"""What the database counted: by (measure, breakdown), each category's count (a stored code,
or None where nothing was recorded)."""


def layout(wards: Sequence[str]) -> list[tuple[str, str, tuple[str, ...]]]:
    """Every (measure, breakdown, categories) of a return, in file order."""
    carer_type = tuple(codes.CARER_TYPE)
    return [
        ("new_registrations", "total", ("all",)),
        ("new_registrations", "carer_type", carer_type),
        ("new_registrations", "gender", (*codes.GENDER, NOT_RECORDED)),
        ("new_registrations", "ethnic_group", ETHNIC_GROUPS),
        ("new_registrations", "how_heard", (*codes.SOURCE, NOT_RECORDED)),
        ("new_registrations", "hours_caring", (*codes.HOURS_CARING, NOT_RECORDED)),
        ("new_registrations", "parent_carer", (*YES_NO, NOT_RECORDED)),
        ("new_registrations", "multiple_caring_roles", YES_NO),
        ("new_registrations", "cared_for_condition", tuple(codes.CONDITION)),
        ("new_registrations", "ward", (*wards, NOT_RECORDED)),
        ("register_size", "total", ("all",)),
        ("register_size", "carer_type", carer_type),
        ("contacts", "total", ("all",)),
        ("contacts", "channel", tuple(codes.CHANNEL)),
        ("contacts", "support", tuple(codes.SUPPORT)),
        ("contacts", "anonymous", YES_NO),
        ("carers_contacted", "total", ("all",)),
        ("carers_contacted", "carer_type", carer_type),
        ("cards_issued", "total", ("all",)),
        ("cards_issued", "card_type", tuple(codes.CARD_TYPE)),
        ("cards_issued", "issue_reason", tuple(codes.ISSUE_REASON)),
        ("referrals_made", "total", ("all",)),
        ("referrals_made", "destination", tuple(codes.DESTINATION)),
        ("referrals_closed", "total", ("all",)),
        ("referrals_closed", "outcome", OUTCOMES),
        ("carers_closed", "total", ("all",)),
        ("carers_closed", "closed_reason", tuple(codes.CLOSED_REASON)),
    ]


LISTS: Mapping[str, codes.CodeList] = {
    "carer_type": codes.CARER_TYPE,
    "gender": codes.GENDER,
    "how_heard": codes.SOURCE,
    "hours_caring": codes.HOURS_CARING,
    "cared_for_condition": codes.CONDITION,
    "channel": codes.CHANNEL,
    "support": codes.SUPPORT,
    "card_type": codes.CARD_TYPE,
    "issue_reason": codes.ISSUE_REASON,
    "destination": codes.DESTINATION,
    "outcome": codes.REFERRAL_STATUS,
    "closed_reason": codes.CLOSED_REASON,
}
"""The code list behind each breakdown whose categories are codes."""


def category_label(breakdown: str, category: str) -> str:
    """A category as a person reads it: a code's label, else the words of the code."""
    found = LISTS.get(breakdown, {}).get(category)
    if found:
        return found
    if category == "all":
        return "Total"
    return category.replace("_", " ").capitalize() if category.islower() else category


def arrange(counts: Counts, wards: Sequence[str]) -> list[Figure]:
    """Every figure of the return in order, a category nobody fell in counted as 0.

    Nothing recorded (None) counts as ``not_recorded`` (``not_known`` for the ethnic group),
    and so does a ward no longer on the organisation's list: every count lands in a
    category, so each breakdown adds up to its total (the multi-valued ones apart)."""
    figures: list[Figure] = []
    for measure, breakdown, categories in layout(wards):
        found = counts.get((measure, breakdown), {})
        fallback = next((c for c in (NOT_RECORDED, "not_known") if c in categories), None)
        values = dict.fromkeys(categories, 0)
        for category, count in found.items():
            if category in values:
                values[str(category)] += count
            elif fallback is not None:
                values[fallback] += count
        figures.extend(Figure(measure, breakdown, c, v) for c, v in values.items())
    return figures


def shown(value: int, suppress_under: int | None = None) -> str:
    """A count as written: counts from 1 to N-1 as ``<N`` when suppressing under N."""
    if suppress_under and 0 < value < suppress_under:
        return f"<{suppress_under}"
    return str(value)


def checksum(figures: Iterable[Figure]) -> str:
    """A SHA-256 of the figures, to tell later whether a stored return was altered."""
    text = "\n".join(f"{f.measure},{f.breakdown},{f.category},{f.value}" for f in figures)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class Moved(NamedTuple):
    """A figure that differs between a return made before and the register now."""

    measure: str
    breakdown: str
    category: str
    before: int
    now: int

    def __str__(self) -> str:
        return f"{self.measure} {self.breakdown} {self.category}: {self.before} -> {self.now}"


def moved(before: Iterable[Figure], now: Iterable[Figure]) -> list[Moved]:
    """The figures that moved, in return order (a category new or gone counts from 0)."""
    old = {(f.measure, f.breakdown, f.category): f.value for f in before}
    new = {(f.measure, f.breakdown, f.category): f.value for f in now}
    keys = list(new) + [key for key in old if key not in new]
    return [
        Moved(*key, old.get(key, 0), new.get(key, 0))
        for key in keys
        if old.get(key, 0) != new.get(key, 0)
    ]
