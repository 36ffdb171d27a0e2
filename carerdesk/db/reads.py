"""Reading in bulk: how many carers' records each person read in the last 24 hours.

Every search's results and every record opened are counted, per person and per hour (UTC),
in ``read_counts``. A desk reads a few hundred records on its busiest day (see
``BULK_READ_LIMIT``); past the ``bulk_read_limit`` setting in 24 hours each further search of
that person waits before it runs, a second at first and twice as long for every further page
read, up to a minute; and the audit trail gets one ``reading in bulk`` entry a day for them,
which the coordinator is shown on the home screen and finds in ``carerdesk audit list``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import Table, bindparam, delete, func, insert, select, update
from sqlalchemy.orm import Session

from carerdesk.core.permissions import BULK_READ_LIMIT, Actor, Can
from carerdesk.db import audit
from carerdesk.db.accounts import whole_setting
from carerdesk.db.audit import Action
from carerdesk.db.models import AuditEntry, ReadCount, utc_now

LIMIT_SETTING = "bulk_read_limit"
LOWEST_LIMIT = 100
"""The smallest ``bulk_read_limit`` the setting takes (``core.permissions.SETTINGS``)."""
DAY = timedelta(hours=24)
FIRST_PAUSE_S = 1.0
LONGEST_PAUSE_S = 60.0
DOUBLE_EVERY = 20
"""Records read past the limit for each doubling of the pause: a page of search results."""
NOTICE_FOR = timedelta(days=7)
"""How long a ``reading in bulk`` entry is shown to the coordinator at home."""


_COUNTS = cast(Table, ReadCount.__table__)
# Built once and run with parameters (these run on every search).
_MINE = _COUNTS.c.user_name == bindparam("name")
_READ_DAY = select(func.sum(_COUNTS.c.records)).where(_MINE, _COUNTS.c.hour >= bindparam("since"))
_ADD = (
    update(_COUNTS)
    .where(_MINE, _COUNTS.c.hour == bindparam("this_hour"))
    .values(records=_COUNTS.c.records + bindparam("records"))
)
_FORGET = delete(_COUNTS).where(_MINE, _COUNTS.c.hour < bindparam("before"))
_START = insert(_COUNTS).values(
    user_name=bindparam("name"), hour=bindparam("this_hour"), records=bindparam("records")
)


def _hour(moment: datetime) -> datetime:
    return moment.replace(minute=0, second=0, microsecond=0)


def _limit(session: Session) -> int:
    return whole_setting(session, LIMIT_SETTING, BULK_READ_LIMIT)


@dataclass(frozen=True)
class Standing:
    """What a person read in the last 24 hours, and the limit it is measured against."""

    read: int
    allowed: int

    @property
    def pause(self) -> float:
        """Seconds their next search waits."""
        return pause_for(self.read, self.allowed)


def standing(session: Session, by: Actor, more: int, now: datetime | None = None) -> Standing:
    """What ``by`` read in 24 hours, and the ``bulk_read_limit`` when that and up to ``more``
    records could pass it (otherwise the lowest limit the setting takes stands for it, so
    a desk's first searches of the day never read the setting)."""
    read = read_in_day(session, by, now)
    return Standing(read, _limit(session) if read + more > LOWEST_LIMIT else LOWEST_LIMIT)


def read_in_day(session: Session, by: Actor, now: datetime | None = None) -> int:
    """How many carers' records ``by`` read in the last 24 hours (this hour and the 23
    before it): search results shown plus records opened."""
    since = _hour(now or utc_now()) - (DAY - timedelta(hours=1))
    total = session.connection().execute(_READ_DAY, {"name": by.name, "since": since}).scalar()
    return int(total or 0)


def pause_for(read: int, allowed: int) -> float:
    """Seconds a search waits after ``read`` records in 24 hours: none up to ``allowed``,
    then a second, doubling for every further page read, up to a minute."""
    over = read - allowed
    if over <= 0:
        return 0.0
    return min(LONGEST_PAUSE_S, FIRST_PAUSE_S * (1 << min(over // DOUBLE_EVERY, 16)))


def count(session: Session, by: Actor, records: int, now: datetime | None = None) -> None:
    """Add ``records`` to what ``by`` read this hour (rows older than two days are dropped
    when an hour starts)."""
    if records <= 0:
        return
    hour = _hour(now or utc_now())
    # Plain statements on the session's connection: this runs on every search.
    connection = session.connection()
    values = {"name": by.name, "this_hour": hour, "records": records}
    if connection.execute(_ADD, values).rowcount == 0:  # the hour's first read
        connection.execute(_FORGET, {"name": by.name, "before": hour - DAY * 2})
        connection.execute(_START, values)


def over_limit(
    session: Session, by: Actor, read: int, allowed: int, now: datetime | None = None
) -> None:
    """``by`` has read ``read`` records in 24 hours: past ``allowed`` for the first time in a
    day, say so in the audit trail (the coordinator is shown it)."""
    if read <= allowed or _told(session, by, now):
        return
    audit.record(
        session,
        by,
        Action.BULK_READ,
        detail=f"{read} records read in 24 hours, over the limit of {allowed}: searches slowed",
    )


def _told(session: Session, by: Actor, now: datetime | None) -> bool:
    since = (now or utc_now()) - DAY
    found = session.scalar(
        select(AuditEntry.seq)
        .where(
            AuditEntry.user_name == by.name,
            AuditEntry.at >= since,
            AuditEntry.action == Action.BULK_READ,
        )
        .limit(1)
    )
    return found is not None


@dataclass(frozen=True)
class BulkRead:
    """One person found reading in bulk: who, when (UTC), and what the trail says."""

    name: str
    at: datetime
    detail: str


def bulk_reads(session: Session, *, by: Actor, now: datetime | None = None) -> list[BulkRead]:
    """The ``reading in bulk`` entries of the last week, newest first (for the coordinator)."""
    by.require(Can.VIEW_AUDIT)
    since = (now or utc_now()) - NOTICE_FOR
    rows = session.scalars(
        select(AuditEntry)
        .where(AuditEntry.action == Action.BULK_READ, AuditEntry.at >= since)
        .order_by(AuditEntry.seq.desc())
    )
    return [BulkRead(row.user_name, row.at, row.detail) for row in rows]
