"""The audit trail: who saw and changed what, and when, in a chain that shows tampering.

Every entry is written in the same transaction as the action it records, so an action and
its entry are saved together or not at all. Each entry's hash covers its own columns and the
previous entry's hash; the newest entry's number and hash are also kept in the settings.
``verify`` recomputes the chain and names the first entry altered, removed or added outside
the application. Field names are recorded, never the values of personal fields.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import cast

from sqlalchemy import Table, bindparam, func, insert, select, update
from sqlalchemy.orm import Session

from carerdesk.core.permissions import Actor, Can
from carerdesk.core.validate import local_day_start
from carerdesk.db.models import AuditEntry, Carer, Setting, utc_now

GENESIS = "0" * 64
HEAD_KEY = "audit_head"


class Action:
    """The actions the trail records (the ``action`` column)."""

    SIGN_IN = "signed in"
    SIGN_IN_FAILED = "sign-in refused"
    SIGN_OUT = "signed out"
    LOCKED_OUT = "account locked"
    OPENED = "opened"
    CREATED = "created"
    CHANGED = "changed"
    CLOSED = "closed"
    REOPENED = "reopened"
    USER_ADDED = "user added"
    USER_CHANGED = "user changed"
    PIN_RESET = "PIN reset"
    USER_DEACTIVATED = "user deactivated"
    ORGANISATION_SET_UP = "organisation set up"
    EXPORTED = "exported"
    IMPORTED = "imported"
    SETTING_CHANGED = "setting changed"
    MERGED = "merged"
    SEARCHED = "searched"
    """A search: how many carers it showed, never what was typed."""
    BULK_READ = "reading in bulk"
    """A person read more records in 24 hours than the ``bulk_read_limit``: searches slowed."""
    RECOVERED = "recovered with code"
    RECOVERY_REFUSED = "recovery refused"
    RECOVERY_CODE_MADE = "recovery code made"
    SUBJECT_ACCESS = "subject access"
    """A copy of everything held about one carer was made for them (``db.access``)."""


def _digest(entry: AuditEntry) -> str:
    body = [
        entry.seq,
        entry.at.isoformat(timespec="microseconds"),
        entry.user_id,
        entry.user_name,
        entry.action,
        entry.kind,
        entry.record_id,
        entry.reference,
        entry.fields,
        entry.detail,
        entry.prev_hash,
    ]
    text = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


_SETTINGS = cast(Table, Setting.__table__)
_TRAIL = cast(Table, AuditEntry.__table__)
# Built once and run with parameters: every search writes an entry, and building a
# statement each time costs more than running it.
_READ_HEAD = select(_SETTINGS.c.value).where(_SETTINGS.c.key == HEAD_KEY)
_ADD_ENTRY = insert(_TRAIL)
_ADD_HEAD = insert(_SETTINGS).values(key=HEAD_KEY, value=bindparam("head"))
_MOVE_HEAD = update(_SETTINGS).where(_SETTINGS.c.key == HEAD_KEY).values(value=bindparam("head"))


def _head(session: Session) -> tuple[int, str]:
    stored = session.connection().execute(_READ_HEAD).scalar()
    if stored is None:
        return 0, GENESIS
    seq, digest = stored.split(":", 1)
    return int(seq), digest


def record(
    session: Session,
    actor: Actor,
    action: str,
    *,
    kind: str | None = None,
    record_id: str | None = None,
    reference: str | None = None,
    fields: Iterable[str] = (),
    detail: str = "",
) -> AuditEntry:
    """Append one entry, in the caller's transaction."""
    last_seq, last_hash = _head(session)
    entry = AuditEntry(
        seq=last_seq + 1,
        at=utc_now(),
        user_id=actor.user_id,
        user_name=actor.name,
        action=action,
        kind=kind,
        record_id=record_id,
        reference=reference,
        fields=";".join(sorted(fields)),
        detail=detail,
        prev_hash=last_hash,
    )
    entry.hash = _digest(entry)
    # Written as plain statements on the session's connection, not through the unit of work:
    # every search writes an entry, and this is most of what a search costs beyond finding.
    session.flush()
    connection = session.connection()
    connection.execute(_ADD_ENTRY, {column.name: getattr(entry, column.key) for column in _TRAIL.c})
    head = {"head": f"{entry.seq}:{entry.hash}"}
    connection.execute(_ADD_HEAD if last_seq == 0 else _MOVE_HEAD, head)
    return entry


@dataclass(frozen=True)
class Verdict:
    """The outcome of checking the chain: ``first_bad`` is None when every entry is sound."""

    entries: int
    first_bad: int | None = None
    problem: str = ""

    @property
    def sound(self) -> bool:
        return self.first_bad is None


def verify(session: Session, *, by: Actor, batch: int = 5000) -> Verdict:
    """Recompute the chain from the first entry; name the first entry that does not fit."""
    by.require(Can.VIEW_AUDIT)
    expected_seq, previous = 1, GENESIS
    count = 0
    last_seq = 0
    while True:
        rows = session.scalars(
            select(AuditEntry)
            .where(AuditEntry.seq > last_seq)
            .order_by(AuditEntry.seq)
            .limit(batch)
        ).all()
        if not rows:
            break
        for entry in rows:
            if entry.seq != expected_seq:
                return Verdict(count, expected_seq, f"entry {expected_seq} is missing")
            if entry.prev_hash != previous:
                return Verdict(
                    count, entry.seq, f"entry {entry.seq} does not follow the one before"
                )
            if _digest(entry) != entry.hash:
                return Verdict(count, entry.seq, f"entry {entry.seq} was altered")
            previous, expected_seq, last_seq = entry.hash, entry.seq + 1, entry.seq
            count += 1
        session.expunge_all()
    head_seq, head_hash = _head(session)
    if head_seq != last_seq or head_hash != previous:
        if head_seq > last_seq:
            return Verdict(count, last_seq + 1, f"entries {last_seq + 1} to {head_seq} are missing")
        return Verdict(count, head_seq + 1, f"entry {head_seq + 1} was added outside carerdesk")
    return Verdict(count)


@dataclass(frozen=True)
class TrailFilter:
    """What the coordinator is looking for: a person, a record (id or reference), dates."""

    person: str = ""
    record: str = ""
    since: date | None = None
    until: date | None = None


def entries(
    session: Session, where: TrailFilter, *, by: Actor, limit: int = 500
) -> list[AuditEntry]:
    """The newest entries first that match ``where`` (for those who may view the trail)."""
    by.require(Can.VIEW_AUDIT)
    query = select(AuditEntry)
    if where.person:
        query = query.where(func.lower(AuditEntry.user_name).contains(where.person.lower()))
    if where.record:
        # A carer's reference or id finds the entries about the carer and its parts (caring
        # roles, contacts); any other id finds that record's own entries.
        token = where.record.strip()
        reference = session.scalar(select(Carer.reference).where(Carer.id == token)) or token
        query = query.where(
            (AuditEntry.record_id == token) | (AuditEntry.reference == reference.upper())
        )
    # The dates are the desk's (Europe/London), as the trail shows its times.
    if where.since:
        query = query.where(AuditEntry.at >= local_day_start(where.since))
    if where.until:
        query = query.where(AuditEntry.at < local_day_start(where.until + timedelta(1)))
    return list(session.scalars(query.order_by(AuditEntry.seq.desc()).limit(limit)))
