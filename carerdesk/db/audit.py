"""The audit trail: who saw and changed what, and when, in a chain that shows tampering.

Every entry is written in the same transaction as the action it records, so an action and
its entry are saved together or not at all. Each entry's hash covers its own columns and the
previous entry's hash; the newest entry's number and hash are also kept in the settings.
Field names are recorded, never the values of personal fields.

The chain is anchored outside the register, so that someone holding the file (but not
carerdesk's key) cannot rewrite it unseen:

- Each entry's hash is keyed (HMAC-SHA256) with the desk's key (``audit.key``, beside the
  machine's settings; ``settings.audit_key_path``), which the register never holds: an entry
  altered, or added, with hashes made without the key does not verify. Entries written
  before the key came in keep their plain SHA-256 hashes; the ``audit_keyed`` setting says
  from which entry on (and with which key) the hashes are keyed, and is itself covered by
  the keyed hashes and by the anchor written when keying began.
- ``anchor_head`` appends the register's head (number and hash) to the anchor log beside the
  key (one keyed line each): when keying begins, after every weekly return and after every
  backup. An anchor knows entries the register must still hold, so a trail cut short (the
  last entries deleted and the head moved back) is named too.

``verify`` recomputes the chain and names the first entry altered, removed or added outside
the application. The design and what a desk without the key does: docs/design.md.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
from collections.abc import Iterable
from contextlib import suppress
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from functools import cached_property
from pathlib import Path
from typing import Any, cast
from uuid import uuid4

from sqlalchemy import Engine, Table, bindparam, event, func, insert, select, update
from sqlalchemy.orm import Session

from carerdesk.core.errors import CarerdeskError
from carerdesk.core.permissions import Actor, Can
from carerdesk.core.validate import local_day_start
from carerdesk.db.models import AuditEntry, Carer, Setting, utc_now

GENESIS = "0" * 64
HEAD_KEY = "audit_head"
KEYED_KEY = "audit_keyed"
"""The setting saying where keyed hashes begin: ``first keyed entry:key id:register id``."""
ANCHOR_LOG = "audit-anchors.log"
"""The anchor log's file name, beside the key."""


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
    ERASED = "erased"
    """A carer's record erased: the reason, never what was erased (``db/erasure.py``)."""
    KEPT = "kept at review"
    """A record kept at a retention review, with the reason (``db/retention.py``)."""

    SUBJECT_ACCESS = "subject access"
    """A copy of everything held about one carer was made for them (``db.access``)."""


class AuditKeyMissing(CarerdeskError):
    """This desk does not hold the key that signs the register's audit trail."""

    def __init__(self, key_id: str, path: Path) -> None:
        super().__init__(
            f"This desk does not hold the key that signs this register's audit trail (key "
            f"{key_id}), so the trail cannot be checked or added to here. Copy the key file "
            f"from the desk that holds it to {path}, or name its place as audit_key in "
            "settings.toml (or CARERDESK_AUDIT_KEY)."
        )


class AuditKeyUnusable(CarerdeskError):
    """The key file or the anchor log could not be read or written."""

    def __init__(self, path: Path) -> None:
        super().__init__(
            f"The audit trail's key or anchor log at {path} could not be read or written: "
            "check that the folder exists and that you may write to it."
        )


@dataclass(frozen=True, eq=False)
class DeskKey:
    """The secret this desk signs the audit trail with, and where it was read."""

    secret: bytes = field(repr=False)  # never in a log or a traceback's text
    path: Path

    @cached_property
    def id(self) -> str:
        """A name for the key that does not give it away (kept in the register)."""
        return self.sign("carerdesk audit key id")[:16]

    @property
    def anchors(self) -> Path:
        """The anchor log, beside the key."""
        return self.path.with_name(ANCHOR_LOG)

    def sign(self, text: str) -> str:
        mac = self._keyed.copy()  # the key's pads are hashed once, not once an entry
        mac.update(text.encode("utf-8"))
        return mac.hexdigest()

    @cached_property
    def _keyed(self) -> hmac.HMAC:
        return hmac.new(self.secret, digestmod=hashlib.sha256)


_KEYS: dict[tuple[str | None, str | None], DeskKey] = {}
"""Keys read, by the variables that choose where: every search writes an entry, so the key
is read from its file once, not once an entry (settings.toml is read once too)."""


def desk_key(*, create: bool = False) -> DeskKey | None:
    """This desk's audit key; made (readable by its owner only) when ``create`` and there is
    none yet, else None when there is none."""
    chosen = (os.environ.get("CARERDESK_AUDIT_KEY"), os.environ.get("CARERDESK_CONFIG_DIR"))
    if (known := _KEYS.get(chosen)) is not None:
        return known
    from carerdesk.settings import audit_key_path

    path = audit_key_path()
    try:
        try:
            text = path.read_text(encoding="ascii")
        except FileNotFoundError:
            if not create:
                return None
            text = _make_key(path)
        secret = bytes.fromhex(text.strip())
    except (OSError, ValueError):
        raise AuditKeyUnusable(path) from None
    if len(secret) < 16:
        raise AuditKeyUnusable(path)
    key = _KEYS[chosen] = DeskKey(secret, path)
    return key


def _make_key(path: Path) -> str:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    text = secrets.token_hex(32) + "\n"
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another desk or process made it a moment ago
        return path.read_text(encoding="ascii")
    with os.fdopen(descriptor, "w", encoding="ascii") as file:
        file.write(text)
        file.flush()
        os.fsync(file.fileno())
    return text


@dataclass(frozen=True)
class Keying:
    """From which entry the trail's hashes are keyed, with which key, in which register (a
    random name given when keying began, so anchors find their register wherever it is)."""

    since: int
    key_id: str
    register: str

    def __str__(self) -> str:
        return f"{self.since}:{self.key_id}:{self.register}"

    @classmethod
    def parse(cls, text: str | None) -> Keying | None:
        if text is None:
            return None
        since, key_id, register = text.split(":", 2)
        return cls(int(since), key_id, register)


def _body(entry: AuditEntry) -> str:
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
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"))


def _digest(entry: AuditEntry) -> str:
    """The plain hash, as entries were made before the key."""
    return hashlib.sha256(_body(entry).encode("utf-8")).hexdigest()


def _signed(entry: AuditEntry, key: DeskKey, keying: Keying) -> str:
    """The keyed hash: the register's name and where keying began are covered too, so
    neither can be changed without every keyed entry failing."""
    return key.sign(f"{keying.register}:{keying.since}\n{_body(entry)}")


_SETTINGS = cast(Table, Setting.__table__)
_TRAIL = cast(Table, AuditEntry.__table__)
# Built once and run with parameters: every search writes an entry, and building a
# statement each time costs more than running it.
# Two equalities, not IN: SQLAlchemy expands an IN's list again at every run.
_READ_STATE = select(_SETTINGS.c.key, _SETTINGS.c.value).where(
    (_SETTINGS.c.key == HEAD_KEY) | (_SETTINGS.c.key == KEYED_KEY)
)
_ADD_ENTRY = insert(_TRAIL)
_ADD_HEAD = insert(_SETTINGS).values(key=HEAD_KEY, value=bindparam("head"))
_MOVE_HEAD = update(_SETTINGS).where(_SETTINGS.c.key == HEAD_KEY).values(value=bindparam("head"))
_ADD_KEYING = insert(_SETTINGS).values(key=KEYED_KEY, value=bindparam("keying"))


def _state(session: Session) -> tuple[int, str, Keying | None]:
    """The head (number and hash) and the keying, in one query."""
    stored: dict[str, str] = {
        key: value for key, value in session.connection().execute(_READ_STATE)
    }
    keying = Keying.parse(stored.get(KEYED_KEY))
    if (head := stored.get(HEAD_KEY)) is None:
        return 0, GENESIS, keying
    seq, digest = head.split(":", 1)
    return int(seq), digest, keying


def _head(session: Session) -> tuple[int, str]:
    seq, digest, _ = _state(session)
    return seq, digest


def _key_for(keying: Keying | None) -> DeskKey:
    """The desk's key, made on first use for a trail not keyed yet; refused when the trail
    is keyed with a key this desk does not hold."""
    key = desk_key(create=keying is None)
    if key is None or (keying is not None and key.id != keying.key_id):
        from carerdesk.settings import audit_key_path

        assert keying is not None
        raise AuditKeyMissing(keying.key_id, audit_key_path())
    return key


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
    """Append one entry, in the caller's transaction; the first entry written with this
    version of carerdesk begins the keyed hashes (and makes the desk's key if need be)."""
    last_seq, last_hash, keying = _state(session)
    key = _key_for(keying)
    starts = keying is None
    if keying is None:
        keying = Keying(last_seq + 1, key.id, uuid4().hex)
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
    entry.hash = _signed(entry, key, keying)
    # Written as plain statements on the session's connection, not through the unit of work:
    # every search writes an entry, and this is most of what a search costs beyond finding.
    session.flush()
    connection = session.connection()
    connection.execute(_ADD_ENTRY, {column.name: getattr(entry, column.key) for column in _TRAIL.c})
    head = {"head": f"{entry.seq}:{entry.hash}"}
    connection.execute(_ADD_HEAD if last_seq == 0 else _MOVE_HEAD, head)
    if starts:
        connection.execute(_ADD_KEYING, {"keying": str(keying)})
        _anchor_when_saved(session, key, keying, entry)
    return entry


def _anchor_when_saved(session: Session, key: DeskKey, keying: Keying, entry: AuditEntry) -> None:
    """Anchor the first keyed entry once it is saved (never before: an anchor of an entry
    rolled back would later look like a trail cut short). Stripping the keys off the trail
    and the ``audit_keyed`` setting out of it is then found from this anchor."""
    anchor = Anchor(
        keying.register,
        _location(session),
        entry.seq,
        entry.hash,
        utc_now().isoformat(timespec="seconds"),
        "keyed hashes began",
    )
    state = {"armed": True}

    def saved(_session: Session) -> None:
        if state.pop("armed", False):
            # The action is saved; if this anchor cannot be written, the next return or
            # backup anchors the trail.
            with suppress(AuditKeyUnusable):
                _append(key, anchor)

    def undone(_session: Session) -> None:
        state.pop("armed", None)

    event.listen(session, "after_commit", saved, once=True)
    event.listen(session, "after_rollback", undone, once=True)


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
    """Recompute the chain from the first entry and hold it to the anchors; name the first
    entry that does not fit.

    Raises ``AuditKeyMissing`` (a plain message) on a desk without the trail's key."""
    by.require(Can.VIEW_AUDIT)
    _, _, keying = _state(session)
    key = desk_key() if keying is None else _key_for(keying)
    anchors = _anchors(key, keying, _location(session)) if key is not None else []
    pinned = {anchor.seq: anchor.hash for anchor in anchors}
    reach = max(pinned, default=0)
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
            if keying is not None and key is not None and entry.seq >= keying.since:
                if _signed(entry, key, keying) != entry.hash:
                    # Past every anchor, an entry whose hash was made without the key (the
                    # plain way) was added; one the anchors knew, or any other, was altered.
                    added = entry.seq > reach and _digest(entry) == entry.hash
                    what = "added outside carerdesk" if added else "altered"
                    return Verdict(count, entry.seq, f"entry {entry.seq} was {what}")
            elif _digest(entry) != entry.hash:
                return Verdict(count, entry.seq, f"entry {entry.seq} was altered")
            if pinned.get(entry.seq, entry.hash) != entry.hash:
                return Verdict(count, entry.seq, f"entry {entry.seq} was altered")
            previous, expected_seq, last_seq = entry.hash, entry.seq + 1, entry.seq
            count += 1
        session.expunge_all()
    head_seq, head_hash = _head(session)
    if head_seq != last_seq or head_hash != previous:
        if head_seq > last_seq:
            return Verdict(count, last_seq + 1, f"entries {last_seq + 1} to {head_seq} are missing")
        return Verdict(count, head_seq + 1, f"entry {head_seq + 1} was added outside carerdesk")
    if reach > last_seq:
        gone = (
            f"entry {reach} was"
            if reach == last_seq + 1
            else f"entries {last_seq + 1} to {reach} were"
        )
        return Verdict(count, last_seq + 1, f"{gone} removed")
    return Verdict(count)


@dataclass(frozen=True)
class Anchor:
    """The head of a register's trail, written down outside it: which register (empty before
    its trail was keyed) and where it was, the newest entry's number and hash, when (UTC),
    and on what occasion (a backup, a weekly return). ``restored`` marks a register put back
    from a backup: anchors before it past its head no longer apply."""

    register: str
    location: str
    seq: int
    hash: str
    at: str
    where: str
    restored: bool = False


def anchor_head(target: Session | Engine, where: str, *, restored: bool = False) -> Anchor:
    """Append the register's head to the anchor log beside the desk's key, and return it.

    Call it after each backup (``where`` saying which, e.g. ``"backup 2026-11-23"``), and
    with ``restored=True`` after a register is restored from a backup (the entries written
    since that backup are gone on purpose). A session's own uncommitted entries would be
    anchored too: give an engine, or a session after its commit. The line is keyed, the file
    readable by its owner only and only ever appended to."""
    if isinstance(target, Engine):
        from carerdesk.db.engine import unit_of_work

        with unit_of_work(target, write=False) as session:
            return anchor_head(session, where, restored=restored)
    seq, digest, keying = _state(target)
    key = _key_for(keying)
    anchor = Anchor(
        keying.register if keying else "",
        _location(target),
        seq,
        digest,
        utc_now().isoformat(timespec="seconds"),
        where,
        restored,
    )
    _append(key, anchor)
    return anchor


def _location(session: Session) -> str:
    """Where the register is: its file, or its database URL without the password."""
    url = session.get_bind().engine.url
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        return str(Path(url.database).expanduser().resolve())
    return url.render_as_string(hide_password=True)


def _line_body(anchor: Anchor) -> str:
    return json.dumps(asdict(anchor), ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _append(key: DeskKey, anchor: Anchor) -> None:
    line = json.dumps({**asdict(anchor), "mac": key.sign(_line_body(anchor))}, ensure_ascii=False)
    try:
        descriptor = os.open(key.anchors, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.fchmod(descriptor, 0o600)
            size = os.fstat(descriptor).st_size
            # A line cut short (the machine stopped mid-write) is ended first, so that only
            # it is passed over, not this one too.
            cut = size > 0 and os.pread(descriptor, 1, size - 1) != b"\n"
            data = ("\n" if cut else "") + line + "\n"
            os.write(descriptor, data.encode("utf-8"))  # one write: one whole line
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
    except OSError:
        raise AuditKeyUnusable(key.anchors) from None


def _anchors(key: DeskKey, keying: Keying | None, location: str) -> list[Anchor]:
    """The anchors of this register that still apply, oldest first.

    A keyed register's anchors are those naming it, wherever it was (and those made at its
    place before it was keyed); a register not keyed has those of its place, so a trail
    stripped of its keys is still held to them. A line that does not verify with the key
    was not written by carerdesk and is passed over."""
    try:
        lines = key.anchors.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return []
    except OSError:
        raise AuditKeyUnusable(key.anchors) from None
    found: list[Anchor] = []
    for line in lines:
        try:
            fields: dict[str, Any] = json.loads(line)
            mac = fields.pop("mac")
            anchor = Anchor(**fields)
        except (ValueError, TypeError, KeyError):
            continue
        if not hmac.compare_digest(mac, key.sign(_line_body(anchor))):
            continue
        if keying is not None:
            if anchor.register != keying.register and (
                anchor.register or anchor.location != location
            ):
                continue
        elif anchor.location != location:
            continue
        if anchor.restored:
            found = [earlier for earlier in found if earlier.seq <= anchor.seq]
        found.append(anchor)
    return found


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
