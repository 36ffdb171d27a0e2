"""The weekly return counted by the database: a grouped query a breakdown, over the week's
rows through the date indexes, never a loop over the register here.

``week_counts`` gives the raw counts; ``week_figures`` puts them in the return's order
(``core.returns``). ``make_return`` remembers a return made, with its figures and checksum,
and refuses to make a second for the same week silently: when the week's records changed
since, the figures that moved are named first and the new return is made as an amendment.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Date,
    and_,
    case,
    column,
    func,
    literal,
    or_,
    select,
    values,
)
from sqlalchemy.orm import Session
from sqlalchemy.sql import Select

from carerdesk.core import codes
from carerdesk.core.ages import AGE_BANDS, CUTOFF_TYPES, born_by
from carerdesk.core.errors import CarerdeskError
from carerdesk.core.permissions import Actor, Can
from carerdesk.core.referrals import CLOSED
from carerdesk.core.returns import ETHNIC_GROUPS, Counts, Figure, Moved, arrange, checksum, moved
from carerdesk.core.weeks import Week, check_finished
from carerdesk.db import audit, carers
from carerdesk.db.audit import Action
from carerdesk.db.models import (
    Card,
    Carer,
    CaringRole,
    Contact,
    Destination,
    ErasedFigure,
    Referral,
    WeeklyReturn,
)


def carer_type_sql(born: Any, cutoffs: Sequence[tuple[str, Any]]) -> ColumnElement[str]:
    """The carer type, in SQL, of a birth date ``born`` on a day whose ``cutoffs`` are the
    day's ``ages.born_by`` (dates, or the columns holding them): the rule of ``carer_type``."""
    return case(
        *((born <= cutoff, literal(code)) for code, cutoff in cutoffs),
        else_=literal(AGE_BANDS[0][0]),
    )


def _days(week: Week):  # type: ignore[no-untyped-def]
    # Each day of the week with its cut-off birth dates (ages.born_by).
    table = values(
        column("day", Date),
        *(column(code, Date) for code in CUTOFF_TYPES),
        name="week_days",
    ).data([(day, *(cutoff for _, cutoff in born_by(day))) for day in week.days()])
    return table.cte("week_days")


def _day_type(days: Any) -> ColumnElement[str]:
    # A carer's type on the day of the ``_days`` row joined to them.
    return carer_type_sql(Carer.date_of_birth, [(code, days.c[code]) for code in CUTOFF_TYPES])


def _grouped(session: Session, query: Select[Any, int]) -> dict[str | None, int]:
    return {category: count for category, count in session.execute(query)}


def _in_week(day: Any, week: Week) -> ColumnElement[bool]:
    return day.between(week.monday, week.sunday)  # type: ignore[no-any-return]


def _active_on(day: Any) -> ColumnElement[bool]:
    return and_(
        or_(CaringRole.started_on.is_(None), CaringRole.started_on <= day),
        or_(CaringRole.ended_on.is_(None), CaringRole.ended_on >= day),
    )


def _each_code(text: Any, code: str) -> ColumnElement[bool]:
    # A ";"-separated list holds this code: portable SQL (SQLite and PostgreSQL alike).
    wrapped: ColumnElement[str] = literal(";") + text + literal(";")
    return wrapped.like(f"%;{code};%")


def week_counts(session: Session, week: Week, *, by: Actor) -> Counts:
    """Every count of the return for ``week``, by (measure, breakdown) and category."""
    by.require(Can.MAKE_RETURN)
    counts: dict[tuple[str, str], dict[str | None, int]] = {}
    # A record merged into another is not a person of its own: the survivor, which keeps the
    # earlier registration date, counts for both (the index covers the test).
    person = Carer.merged_into.is_(None)
    new = and_(_in_week(Carer.registered_on, week), person)

    counts["new_registrations", "total"] = {
        "all": session.scalar(select(func.count()).select_from(Carer).where(new)) or 0
    }
    days = _days(week)
    carer_type = _day_type(days)
    counts["new_registrations", "carer_type"] = _grouped(
        session,
        select(carer_type, func.count())
        .select_from(Carer)
        .join(days, days.c.day == Carer.registered_on)
        .where(person)
        .group_by(carer_type),
    )
    for breakdown, stored in (
        ("gender", Carer.gender),
        ("how_heard", Carer.how_heard),
        ("hours_caring", Carer.hours_caring),
        ("ward", Carer.ward),
    ):
        counts["new_registrations", breakdown] = _grouped(
            session, select(stored, func.count()).where(new).group_by(stored)
        )
    ethnicity = _grouped(
        session, select(Carer.ethnicity, func.count()).where(new).group_by(Carer.ethnicity)
    )
    groups: dict[str | None, int] = dict.fromkeys(ETHNIC_GROUPS, 0)
    for code, count in ethnicity.items():
        groups[codes.ETHNIC_GROUP.get(code or "", "not_known")] += count
    counts["new_registrations", "ethnic_group"] = groups
    parent = case(
        (Carer.parent_carer.is_(True), literal("yes")),
        (Carer.parent_carer.is_(False), literal("no")),
        else_=literal("not_recorded"),
    )
    counts["new_registrations", "parent_carer"] = _grouped(
        session, select(parent, func.count()).where(new).group_by(parent)
    )
    roles = (
        select(func.count())
        .where(CaringRole.carer_id == Carer.id, _active_on(Carer.registered_on))
        .scalar_subquery()
    )
    several = case((roles > 1, literal("yes")), else_=literal("no"))
    counts["new_registrations", "multiple_caring_roles"] = _grouped(
        session, select(several, func.count()).where(new).group_by(several)
    )
    conditions = session.execute(
        select(
            *(
                func.count(func.distinct(case((_each_code(CaringRole.conditions, code), Carer.id))))
                for code in codes.CONDITION
            )
        )
        .select_from(Carer)
        .join(CaringRole, CaringRole.carer_id == Carer.id)
        .where(new, _active_on(Carer.registered_on))
    ).one()
    counts["new_registrations", "cared_for_condition"] = dict(
        zip(codes.CONDITION, conditions, strict=True)
    )

    sunday = week.sunday
    size_type = carer_type_sql(Carer.date_of_birth, born_by(sunday))
    on_register = and_(
        Carer.registered_on <= sunday,
        or_(Carer.closed_on.is_(None), Carer.closed_on > sunday),
        person,
    )
    by_type = _grouped(
        session, select(size_type, func.count()).where(on_register).group_by(size_type)
    )
    counts["register_size", "total"] = {"all": sum(by_type.values())}
    counts["register_size", "carer_type"] = by_type

    in_week = _in_week(Contact.contact_on, week)
    counts["contacts", "channel"] = _grouped(
        session, select(Contact.channel, func.count()).where(in_week).group_by(Contact.channel)
    )
    counts["contacts", "total"] = {"all": sum(counts["contacts", "channel"].values())}
    support = session.execute(
        select(
            *(func.count(case((_each_code(Contact.support, code), 1))) for code in codes.SUPPORT)
        ).where(in_week)
    ).one()
    counts["contacts", "support"] = dict(zip(codes.SUPPORT, support, strict=True))
    anonymous = case((Contact.carer_id.is_(None), literal("yes")), else_=literal("no"))
    counts["contacts", "anonymous"] = _grouped(
        session, select(anonymous, func.count()).where(in_week).group_by(anonymous)
    )

    first = (
        select(Contact.carer_id, func.min(Contact.contact_on).label("first_on"))
        .where(in_week, Contact.carer_id.is_not(None))
        .group_by(Contact.carer_id)
        .subquery()
    )
    contacted_type = _day_type(days)
    by_type = _grouped(
        session,
        select(contacted_type, func.count())
        .select_from(first)
        .join(Carer, Carer.id == first.c.carer_id)
        .join(days, days.c.day == first.c.first_on)
        .group_by(contacted_type),
    )
    counts["carers_contacted", "total"] = {"all": sum(by_type.values())}
    counts["carers_contacted", "carer_type"] = by_type

    # A referral counts under its service's return category (the service's own code when
    # it is not on the list, which the return then counts as not recorded).
    counts_as = func.coalesce(
        select(Destination.counts_as)
        .where(Destination.code == Referral.destination)
        .scalar_subquery(),
        Referral.destination,
    )
    closed = and_(
        _in_week(Referral.closed_on, week),
        Referral.status.in_(CLOSED),
    )
    grouped: tuple[tuple[str, str, Any, ColumnElement[bool]], ...] = (
        ("cards_issued", "card_type", Card.card_type, _in_week(Card.issued_on, week)),
        ("cards_issued", "issue_reason", Card.issue_reason, _in_week(Card.issued_on, week)),
        ("referrals_made", "destination", counts_as, _in_week(Referral.made_on, week)),
        ("referrals_closed", "outcome", Referral.status, closed),
        (
            "carers_closed", "closed_reason", Carer.closed_reason,
            and_(_in_week(Carer.closed_on, week), person),
        ),
    )  # fmt: skip
    for measure, breakdown, stored, where in grouped:
        found = _grouped(session, select(stored, func.count()).where(where).group_by(stored))
        counts[measure, breakdown] = found
        # Each record falls in one category of its first breakdown: their sum is the total.
        counts.setdefault((measure, "total"), {"all": sum(found.values())})
    return counts


def week_figures(session: Session, week: Week, by: Actor) -> list[Figure]:
    """Every figure of ``week``'s return, in file order (coordinators)."""
    by.require(Can.MAKE_RETURN)
    return arrange(week_counts(session, week, by=by), carers.ward_list(session))


def contacts_by_day(session: Session, week: Week, *, by: Actor) -> list[tuple[date, int]]:
    """The week's contacts on each day, Monday to Sunday (for the chart)."""
    by.require(Can.MAKE_RETURN)
    found = dict(
        session.execute(
            select(Contact.contact_on, func.count())
            .where(_in_week(Contact.contact_on, week))
            .group_by(Contact.contact_on)
        ).all()
    )
    return [(day, found.get(day, 0)) for day in week.days()]


def registrations_by_week(
    session: Session, last: Week, weeks: int = 12, *, by: Actor
) -> list[tuple[Week, int]]:
    """New registrations in each of the ``weeks`` weeks up to ``last`` (for the chart)."""
    by.require(Can.MAKE_RETURN)
    chosen = [last.before(back) for back in reversed(range(weeks))]
    found = dict(
        session.execute(
            select(Carer.registered_on, func.count())
            .where(
                Carer.registered_on.between(chosen[0].monday, last.sunday),
                Carer.merged_into.is_(None),
            )
            .group_by(Carer.registered_on)
        ).all()
    )
    return [(week, sum(found.get(day, 0) for day in week.days())) for week in chosen]


@dataclass(frozen=True)
class MadeReturn:
    """A return made before: what a coordinator sees of the history."""

    id: str
    week: str
    made_at: datetime
    made_by: str
    checksum: str
    amends: str | None
    figures: list[Figure]

    @property
    def intact(self) -> bool:
        """Whether the stored figures still match the checksum made with them."""
        return checksum(self.figures) == self.checksum


def _made(row: WeeklyReturn) -> MadeReturn:
    figures = [Figure(*item) for item in json.loads(row.figures)]
    return MadeReturn(row.id, row.week, row.made_at, row.made_by, row.checksum, row.amends, figures)


def past_returns(session: Session, by: Actor, week: Week | None = None) -> list[MadeReturn]:
    """The returns made, newest first (of one week, if given)."""
    by.require(Can.MAKE_RETURN)
    query = select(WeeklyReturn).order_by(WeeklyReturn.made_at.desc())
    if week is not None:
        query = query.where(WeeklyReturn.week == str(week))
    return [_made(row) for row in session.scalars(query)]


def erased_changes(
    session: Session, week: Week, since: datetime, *, by: Actor
) -> dict[tuple[str, str, str], int]:
    """How erasures made after ``since`` (a return's making) moved ``week``'s figures: by
    (measure, breakdown, category), the change (``db/erasure.py`` records them)."""
    by.require(Can.MAKE_RETURN)
    found: dict[tuple[str, str, str], int] = {}
    for row in session.scalars(
        select(ErasedFigure).where(ErasedFigure.week == str(week), ErasedFigure.erased_at > since)
    ):
        key = (row.measure, row.breakdown, row.category)
        found[key] = found.get(key, 0) + row.change
    return found


def by_erasure(changes: Sequence[Moved], erased: dict[tuple[str, str, str], int]) -> list[Moved]:
    """The moved figures that erasures do not account for (all of them moved by erasures:
    an empty list)."""
    return [
        change
        for change in changes
        if change.now - change.before
        != erased.get((change.measure, change.breakdown, change.category), 0)
    ]


def moved_message(week: Week, changes: Sequence[Moved], unexplained: Sequence[Moved]) -> str:
    """What a person is told about a week returned before whose figures moved: an erasure
    named as the cause where it is one, so that the amendment is not a mystery."""
    if changes and not unexplained:
        return (
            f"{week} was returned before and {len(changes)} figures have moved since, "
            "because a carer's record was erased (of the age, only the week an age band was "
            "crossed is kept). Check them, then make an amended return if one is needed."
        )
    erased = len(changes) - len(unexplained)
    because = f" ({erased} of them because a record was erased)" if erased else ""
    return (
        f"{week} was returned before and {len(changes)} figures have moved since{because}. "
        "Check them, then make an amended return."
    )


class FiguresMoved(CarerdeskError):
    """The week was returned before and some figures have moved since: amend on purpose."""

    def __init__(
        self,
        week: Week,
        changes: Sequence[Moved],
        message: str | None = None,
        unexplained: Sequence[Moved] | None = None,
    ) -> None:
        left = list(changes) if unexplained is None else list(unexplained)
        super().__init__(message or moved_message(week, changes, left))
        self.changes = list(changes)
        self.unexplained = left
        """The changes no erasure accounts for."""


def make_return(
    session: Session,
    week: Week,
    by: Actor,
    *,
    today: date,
    amend: bool = False,
    suppress_under: int | None = None,
    shown: str | None = None,
) -> tuple[list[Figure], MadeReturn | None]:
    """Count ``week`` and remember the return made; returns the figures and, for an amended
    return, the return it amends.

    A week returned before whose figures have moved is refused with ``FiguresMoved`` (the
    moved figures, old and new) unless ``amend``. With the same figures as last time it is
    made again (another copy of the files), remembered, and amends nothing. ``shown`` is the
    checksum of the figures the person was shown: if the register has moved on since, the
    return is refused, so nothing goes out that nobody saw. A week not over by ``today`` is
    refused (``core.weeks.check_finished``)."""
    by.require(Can.MAKE_RETURN)
    check_finished(week, today)
    if session.get_bind().dialect.name != "sqlite":
        # Every count from one moment of the register, though other desks go on writing.
        session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
    figures = week_figures(session, week, by)
    before = past_returns(session, by, week)
    changes = moved(before[0].figures, figures) if before else []
    if shown is not None and checksum(figures) != shown:
        # The register moved on after the person was shown the figures: show them again.
        raise FiguresMoved(
            week,
            changes,
            f"The figures of {week} changed while they were on the screen: they are shown "
            "again. Check them, then make the return.",
        )
    amended = None
    if changes:
        if not amend:
            erased = erased_changes(session, week, before[0].made_at, by=by)
            raise FiguresMoved(week, changes, unexplained=by_erasure(changes, erased))
        amended = before[0]
    made = WeeklyReturn(
        week=str(week),
        made_by=by.name,
        figures=json.dumps([list(figure) for figure in figures], separators=(",", ":")),
        checksum=checksum(figures),
        amends=amended.id if amended else None,
        suppress_under=suppress_under,
    )
    session.add(made)
    session.flush()
    detail = f"weekly return {week}" + (" (amended)" if amended else "")
    audit.record(
        session, by, Action.EXPORTED, kind="return", record_id=made.id,
        reference=str(week), detail=detail,
    )  # fmt: skip
    return figures, amended
