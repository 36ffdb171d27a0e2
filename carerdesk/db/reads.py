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

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from carerdesk.core.permissions import BULK_READ_LIMIT, Actor, Can
from carerdesk.db import audit
from carerdesk.db.accounts import whole_setting
from carerdesk.db.audit import Action
from carerdesk.db.models import AuditEntry, ReadCount, utc_now

LIMIT_SETTING = "bulk_read_limit"
DAY = timedelta(hours=24)
FIRST_PAUSE_S = 1.0
LONGEST_PAUSE_S = 60.0
DOUBLE_EVERY = 20
"""Records read past the limit for each doubling of the pause: a page of search results."""
NOTICE_FOR = timedelta(days=7)
"""How long a ``reading in bulk`` entry is shown to the coordinator at home."""


def _hour(moment: datetime) -> datetime:
    return moment.replace(minute=0, second=0, microsecond=0)


def limit(session: Session) -> int:
    """Records a person may read in 24 hours before their searches slow."""
    return whole_setting(session, LIMIT_SETTING, BULK_READ_LIMIT)


def read_in_day(session: Session, by: Actor, now: datetime | None = None) -> int:
    """How many carers' records ``by`` read in the last 24 hours (this hour and the 23
    before it): search results shown plus records opened."""
    since = _hour(now or utc_now()) - (DAY - timedelta(hours=1))
    total = session.scalar(
        select(func.sum(ReadCount.records)).where(
            ReadCount.user_name == by.name, ReadCount.hour >= since
        )
    )
    return int(total or 0)


def pause_for(read: int, allowed: int) -> float:
    """Seconds a search waits after ``read`` records in 24 hours: none up to ``allowed``,
    then a second, doubling for every further page read, up to a minute."""
    over = read - allowed
    if over <= 0:
        return 0.0
    return min(LONGEST_PAUSE_S, FIRST_PAUSE_S * (1 << min(over // DOUBLE_EVERY, 16)))


def count(session: Session, by: Actor, records: int, now: datetime | None = None) -> None:
    """Add ``records`` to what ``by`` read this hour (rows older than two days are dropped)."""
    if records <= 0:
        return
    hour = _hour(now or utc_now())
    row = session.get(ReadCount, (by.name, hour))
    if row is None:
        session.execute(
            delete(ReadCount).where(ReadCount.user_name == by.name, ReadCount.hour < hour - DAY * 2)
        )
        session.add(ReadCount(user_name=by.name, hour=hour, records=records))
    else:
        row.records += records
    session.flush()


def searched(
    session: Session, by: Actor, found: int, read_before: int, now: datetime | None = None
) -> None:
    """Count a search's ``found`` records; the first time in a day that takes ``by`` past the
    limit, say so in the audit trail (the coordinator is shown it)."""
    count(session, by, found, now)
    allowed = limit(session)
    total = read_before + found
    if total <= allowed or _told(session, by, now):
        return
    audit.record(
        session,
        by,
        Action.BULK_READ,
        detail=f"{total} records read in 24 hours, over the limit of {allowed}: searches slowed",
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
