"""The retention review (coordinators): records kept longer than the organisation needs them.

A record is due for review once its last activity (registration, closing, the latest
contact, card or referral) is more than the ``retention_years`` setting ago (six by
default), and never before the carer's 25th birthday (``core.erasure.review_from``). The
coordinator erases those chosen (``db.erasure.erase_carers``) or keeps one with a reason:
a kept record leaves the list until the period has passed again from the day it was kept,
and its reason is shown with it (``kept_records``, and at its next review).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from carerdesk.core import codes
from carerdesk.core.erasure import RETENTION_YEARS, check_reason, review_from
from carerdesk.core.errors import NotAllowed
from carerdesk.core.permissions import Actor, Can
from carerdesk.core.validate import years_before
from carerdesk.db import audit
from carerdesk.db.accounts import whole_setting
from carerdesk.db.audit import Action
from carerdesk.db.erasure import find_record
from carerdesk.db.models import Card, Carer, Contact, Referral

SETTING = "retention_years"


@dataclass(frozen=True)
class ReviewRecord:
    """A record at a retention review: who, and why it is there."""

    id: str
    reference: str
    name: str
    status: str
    last_activity: date
    activity: str
    """What the last activity was, in words: ``closed (moved away)``, ``contact``."""
    review_from: date
    kept_on: date | None
    kept_reason: str | None


def retention_years(session: Session) -> int:
    """The organisation's retention period in years (``RETENTION_YEARS`` when unset)."""
    return whole_setting(session, SETTING, RETENTION_YEARS)


def _latest(session: Session, column: Any, owner: Any) -> dict[str, date]:
    # The latest day of each carer's contacts (cards, referrals), in one grouped query.
    rows = session.execute(
        select(owner, func.max(column)).where(owner.is_not(None)).group_by(owner)
    )
    return {carer_id: day for carer_id, day in rows if day is not None}


def _reviewed(session: Session, today: date, *, kept: bool) -> list[ReviewRecord]:
    years = retention_years(session)
    query = select(Carer).where(Carer.erased_on.is_(None), Carer.merged_into.is_(None))
    if kept:
        query = query.where(Carer.kept_on.is_not(None))
    else:
        # Nobody registered within the period can be due: the rest are read.
        query = query.where(Carer.registered_on <= years_before(today, years))
    candidates = list(session.scalars(query))
    latest = {
        "contact": _latest(session, Contact.contact_on, Contact.carer_id),
        "card issued": _latest(session, Card.issued_on, Card.carer_id),
        "referral made": _latest(session, Referral.made_on, Referral.carer_id),
        "referral closed": _latest(session, Referral.closed_on, Referral.carer_id),
    }
    found = []
    for carer in candidates:
        reason = codes.CLOSED_REASON.get(carer.closed_reason or "", "")
        events = [(carer.registered_on, "registered")]
        if carer.closed_on is not None:
            events.append((carer.closed_on, f"closed ({reason.lower()})" if reason else "closed"))
        events += [(days[carer.id], what) for what, days in latest.items() if carer.id in days]
        last, activity = max(events, key=lambda event: event[0])
        due = review_from(last, carer.kept_on, carer.date_of_birth, years)
        if kept or due <= today:
            found.append(
                ReviewRecord(
                    carer.id, carer.reference, f"{carer.first_name} {carer.last_name}",
                    carer.status, last, activity, due, carer.kept_on, carer.kept_reason,
                )
            )  # fmt: skip
    return sorted(found, key=lambda record: (record.last_activity, record.reference))


def due_for_review(session: Session, *, by: Actor, today: date) -> list[ReviewRecord]:
    """The records due for review on ``today``, the longest idle first (coordinators)."""
    by.require(Can.ERASE)
    return _reviewed(session, today, kept=False)


def kept_records(session: Session, *, by: Actor, today: date) -> list[ReviewRecord]:
    """The records a coordinator chose to keep at a review, with their reasons and the day
    each is due again (coordinators)."""
    by.require(Can.ERASE)
    return sorted(_reviewed(session, today, kept=True), key=lambda record: record.review_from)


def keep_record(session: Session, reference: str, *, reason: str, by: Actor, today: date) -> date:
    """Keep a record at a review, for ``reason`` (remembered, and in the audit trail);
    returns the day it is due for review again."""
    by.require(Can.ERASE)
    carer = find_record(session, reference)
    if carer.erased_on is not None:
        raise NotAllowed(f"{carer.reference} was erased already.")
    names = [n for n in (carer.first_name, carer.last_name, carer.preferred_name) if n]
    carer.kept_reason = check_reason(reason, names)
    carer.kept_on, carer.updated_by = today, by.name
    session.flush()
    audit.record(
        session, by, Action.KEPT, kind="carer", record_id=carer.id, reference=carer.reference,
        fields=["kept_on", "kept_reason"], detail=carer.kept_reason,
    )  # fmt: skip
    return review_from(today, None, carer.date_of_birth, retention_years(session))
