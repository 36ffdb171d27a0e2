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

A key lost for good (a laptop that died with it) is replaced with ``new_keying``: from the next
entry on the trail is keyed with this desk's key, and the earlier keyings are remembered
(``audit_keyed_before``, listed again in the new keying's first entry, which its key signs).

``verify`` recomputes the chain and names the first entry altered, removed or added outside
the application; entries signed with a key this desk does not hold are checked for their
order and links only, and the verdict says so. The design and what a desk without the key
does: docs/design.md.
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
from itertools import pairwise
from pathlib import Path
from typing import Any, cast
from uuid import uuid4

from sqlalchemy import Engine, Table, bindparam, delete, event, func, insert, select, update
from sqlalchemy.orm import Session

from carerdesk.core.errors import CarerdeskError, FieldError
from carerdesk.core.permissions import Actor, Can
from carerdesk.core.validate import local_day_start
from carerdesk.db.models import AuditEntry, Carer, Setting, utc_now

GENESIS = "0" * 64
HEAD_KEY = "audit_head"
KEYED_KEY = "audit_keyed"
"""The setting saying where keyed hashes begin: ``first keyed entry:key id:register id``."""
EARLIER_KEY = "audit_keyed_before"
"""The setting listing the trail's earlier keyings, oldest first: ``since:key id;...``."""
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
    KEY_REPLACED = "audit key replaced"
    """The trail is keyed with a new desk's key from this entry on (``new_keying``)."""


class AuditKeyMissing(CarerdeskError):
    """This desk does not hold the key that signs the register's audit trail."""

    def __init__(self, key_id: str, path: Path) -> None:
        super().__init__(
            f"This desk does not hold the key that signs this register's audit trail (key "
            f"{key_id}), so the trail cannot be checked or added to here. Copy the key file "
            f"from the desk that holds it to {path}, or name its place as audit_key in "
            "settings.toml (or CARERDESK_AUDIT_KEY). If that key is lost for good, a "
            "coordinator can sign the trail with this desk's key from now on: carerdesk "
            "--user NAME audit new-key --reason TEXT."
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


def _anchor_when_saved(
    session: Session,
    key: DeskKey,
    keying: Keying,
    entry: AuditEntry,
    where: str = "keyed hashes began",
) -> None:
    """Anchor the first keyed entry once it is saved (never before: an anchor of an entry
    rolled back would later look like a trail cut short). Stripping the keys off the trail
    and the ``audit_keyed`` setting out of it is then found from this anchor."""
    anchor = Anchor(
        keying.register,
        _location(session),
        entry.seq,
        entry.hash,
        utc_now().isoformat(timespec="seconds"),
        where,
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
class KeyChange:
    """What ``new_keying`` would do: the key the trail is signed with now (which this desk
    does not hold), from which entry, and the first entry the desk's key would sign."""

    old_key: str
    old_since: int
    first_new: int


def key_change(session: Session) -> KeyChange:
    """What replacing the trail's key would do here, or a plain refusal: the trail is not
    keyed yet, or this desk holds its key already (nothing is lost)."""
    last_seq, _, keying = _state(session)
    if keying is None:
        raise CarerdeskError(
            "The audit trail is not signed with a key yet: this desk's key signs it from the "
            "next entry on, so there is no key to replace."
        )
    key = desk_key()
    if key is not None and key.id == keying.key_id:
        raise CarerdeskError(
            "This desk holds the key that signs the audit trail: there is no key to replace."
        )
    if _earlier(session) is None:
        raise CarerdeskError(
            "The register's record of the audit trail's earlier keys has been altered, so "
            "its key cannot be replaced: restore the register from a backup."
        )
    return KeyChange(keying.key_id, keying.since, last_seq + 1)


def new_keying(session: Session, by: Actor, reason: str) -> Keying:
    """Sign the trail with this desk's key (made if need be) from the next entry on, when
    the key it is signed with is lost for good (a laptop that died with it).

    The entries written so far stay, checked by ``verify`` for their order and links only.
    The keyings before are added to ``audit_keyed_before`` and listed again in the new
    keying's first entry ("audit key replaced", with the reason), which the new key signs
    and the anchor log pins: removing or editing that list is found. The caller checked who
    ``by`` is without writing to the trail (this desk could not); its own entries (the
    sign-in) follow this one in the same transaction."""
    by.require(Can.REPLACE_AUDIT_KEY)
    why = " ".join(reason.split())
    if not why or len(why) > 200:
        raise FieldError("reason", "Say in a few words why (no names), e.g. 'laptop died'.")
    change = key_change(session)
    key = desk_key(create=True)
    assert key is not None
    _, _, keying = _state(session)
    assert keying is not None
    earlier = [*(_earlier(session) or []), (change.old_since, change.old_key)]
    keyed = Keying(change.first_new, key.id, keying.register)  # the same register
    connection = session.connection()
    connection.execute(
        update(_SETTINGS).where(_SETTINGS.c.key == KEYED_KEY).values(value=str(keyed))
    )
    connection.execute(delete(_SETTINGS).where(_SETTINGS.c.key == EARLIER_KEY))
    connection.execute(insert(_SETTINGS).values(key=EARLIER_KEY, value=_listed(earlier)))
    entry = record(
        session,
        by,
        Action.KEY_REPLACED,
        kind="audit key",
        record_id=key.id,
        detail=f"{_earlier_words(earlier, keyed.since)}. Reason: {why}",
    )
    _anchor_when_saved(session, key, keyed, entry, "audit key replaced")
    return keyed


def _earlier(session: Session) -> list[tuple[int, str]] | None:
    """The trail's earlier keyings (first entry, key id), oldest first; None when the
    setting is not such a list (it was edited outside carerdesk)."""
    text = session.connection().scalar(
        select(_SETTINGS.c.value).where(_SETTINGS.c.key == EARLIER_KEY)
    )
    if not text:
        return []
    try:
        found = [
            (int(since), key_id) for since, key_id in (part.split(":") for part in text.split(";"))
        ]
    except ValueError:
        return None
    if any(later <= since for (since, _), (later, _) in pairwise(found)):
        return None
    return found


def _listed(earlier: list[tuple[int, str]]) -> str:
    return ";".join(f"{since}:{key_id}" for since, key_id in earlier)


def _earlier_words(earlier: list[tuple[int, str]], until: int) -> str:
    """How the new keying's first entry lists the keyings before it (``verify`` checks the
    setting against it): ``Earlier keys: entries 1 to 240 key ab12...``."""
    ends = [since - 1 for since, _ in earlier[1:]] + [until - 1]
    runs = [
        f"entries {since} to {end} key {key_id}"
        for (since, key_id), end in zip(earlier, ends, strict=True)
    ]
    return "Earlier keys: " + ", ".join(runs)


@dataclass(frozen=True)
class Verdict:
    """The outcome of checking the chain: ``first_bad`` is None when every entry is sound.

    ``unchecked`` holds the runs of entries (first, last, key id) signed with a key this desk
    does not hold (replaced with ``new_keying``): their order and links were checked, not
    their contents. Nothing wrong was found in them, so the verdict is still ``sound``."""

    entries: int
    first_bad: int | None = None
    problem: str = ""
    unchecked: tuple[tuple[int, int, str], ...] = ()

    @property
    def sound(self) -> bool:
        return self.first_bad is None

    @property
    def summary(self) -> str:
        """What a sound verdict tells a person, saying plainly what could not be checked."""
        if not self.unchecked:
            return f"The audit trail is sound: {self.entries} entries checked."
        if len(self.unchecked) == 1:
            ((first, last, key_id),) = self.unchecked
            signed = f"entries {first} to {last} were signed with key {key_id}, which this desk"
        else:
            runs = [f"{first} to {last} (key {key_id})" for first, last, key_id in self.unchecked]
            signed = f"entries {', '.join(runs)} were signed with keys this desk"
        after = self.unchecked[-1][1] + 1
        return (
            f"Audit trail: {signed} does not hold: their order is checked, not their "
            f"contents; from entry {after} the trail is sound ({self.entries} entries in all)."
        )


def verify(session: Session, *, by: Actor, batch: int = 5000) -> Verdict:
    """Recompute the chain from the first entry and hold it to the anchors; name the first
    entry that does not fit. Entries signed with an earlier key this desk does not hold are
    held to their order and links only (``Verdict.unchecked``).

    Raises ``AuditKeyMissing`` (a plain message) on a desk without the trail's key."""
    by.require(Can.VIEW_AUDIT)
    _, _, keying = _state(session)
    key = desk_key() if keying is None else _key_for(keying)
    if (listed := _listing_problem(session, key, keying)) is not None:
        return listed
    register = keying.register if keying is not None else ""
    spans = [Keying(since, key_id, register) for since, key_id in _earlier(session) or []]
    spans += [keying] if keying is not None else []
    anchors = _anchors(key, keying, _location(session)) if key is not None else []
    pinned = {anchor.seq: anchor.hash for anchor in anchors}
    reach = max(pinned, default=0)
    expected_seq, previous = 1, GENESIS
    count = 0
    last_seq = 0
    span = -1  # the index in ``spans`` of the keying the entry was signed under
    unchecked: list[tuple[int, int, str]] = []
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
                return _found(count, expected_seq, f"entry {expected_seq} is missing", unchecked)
            if entry.prev_hash != previous:
                problem = f"entry {entry.seq} does not follow the one before"
                return _found(count, entry.seq, problem, unchecked)
            while span + 1 < len(spans) and spans[span + 1].since <= entry.seq:
                span += 1
            signer = spans[span] if span >= 0 else None
            if signer is not None and signer is keying and key is not None:
                if _signed(entry, key, keying) != entry.hash:
                    # Past every anchor, an entry whose hash was made without the key (the
                    # plain way) was added; one the anchors knew, or any other, was altered.
                    added = entry.seq > reach and _digest(entry) == entry.hash
                    what = "added outside carerdesk" if added else "altered"
                    return _found(count, entry.seq, f"entry {entry.seq} was {what}", unchecked)
            elif signer is not None and (key is None or key.id != signer.key_id):
                # Signed with a key lost with its desk: only its place in the chain is checked.
                if unchecked and unchecked[-1][1:] == (entry.seq - 1, signer.key_id):
                    unchecked[-1] = (unchecked[-1][0], entry.seq, signer.key_id)
                else:
                    unchecked.append((entry.seq, entry.seq, signer.key_id))
            elif signer is not None and key is not None:
                if _signed(entry, key, signer) != entry.hash:
                    return _found(count, entry.seq, f"entry {entry.seq} was altered", unchecked)
            elif _digest(entry) != entry.hash:
                return _found(count, entry.seq, f"entry {entry.seq} was altered", unchecked)
            if pinned.get(entry.seq, entry.hash) != entry.hash:
                return _found(count, entry.seq, f"entry {entry.seq} was altered", unchecked)
            previous, expected_seq, last_seq = entry.hash, entry.seq + 1, entry.seq
            count += 1
        session.expunge_all()
    head_seq, head_hash = _head(session)
    if head_seq != last_seq or head_hash != previous:
        if head_seq > last_seq:
            problem = f"entries {last_seq + 1} to {head_seq} are missing"
            return _found(count, last_seq + 1, problem, unchecked)
        problem = f"entry {head_seq + 1} was added outside carerdesk"
        return _found(count, head_seq + 1, problem, unchecked)
    if reach > last_seq:
        gone = (
            f"entry {reach} was"
            if reach == last_seq + 1
            else f"entries {last_seq + 1} to {reach} were"
        )
        return _found(count, last_seq + 1, f"{gone} removed", unchecked)
    return Verdict(count, unchecked=tuple(unchecked))


def _found(
    count: int, first_bad: int, problem: str, unchecked: list[tuple[int, int, str]]
) -> Verdict:
    return Verdict(count, first_bad, problem, tuple(unchecked))


def _listing_problem(
    session: Session, key: DeskKey | None, keying: Keying | None
) -> Verdict | None:
    """A verdict when the list of earlier keyings (``audit_keyed_before``) was altered or
    removed, else None. The list must be exactly what the current keying's first entry
    (which its key signs) says: else an entry checked the plain way, or with a key this desk
    holds, could be passed off as signed with a lost key and go unchecked."""
    earlier = _earlier(session)
    altered = "the record of the trail's earlier keys was altered"
    if keying is None:
        return None if earlier == [] else Verdict(0, 1, altered)
    if earlier is None or (earlier and earlier[-1][0] >= keying.since):
        return Verdict(0, keying.since, altered)
    opening = session.get(AuditEntry, keying.since)
    if opening is None or key is None or _signed(opening, key, keying) != opening.hash:
        return None  # the first entry itself is missing or altered: the chain names it
    if opening.action != Action.KEY_REPLACED:
        return None if not earlier else Verdict(0, keying.since, altered)
    if not earlier:
        return Verdict(0, keying.since, "the record of the trail's earlier keys was removed")
    if not opening.detail.startswith(_earlier_words(earlier, keying.since) + ". "):
        return Verdict(0, keying.since, altered)
    return None


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
