"""The organisation and its staff accounts: set-up, sign-in with a PIN, and user changes.

PINs are hashed with Argon2 (argon2-cffi) using the parameters in the settings, so a centre
can make hashing slower on a faster machine; a hash made with older parameters still verifies
and is remade with the current ones at the next sign-in. Five wrong PINs in a row lock the
account for five minutes, and each further lockout in a row for twice as long as the one
before, up to a day, until a right PIN or a coordinator's reset. A coordinator has a recovery
code, made at set-up and shown once (only its hash is kept), to set a new PIN from the
command line when every coordinator is locked out. Users are never deleted: the audit trail
names them.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from carerdesk.core.cards import VALID_YEARS
from carerdesk.core.entries import check_field
from carerdesk.core.erasure import RETENTION_YEARS
from carerdesk.core.errors import InvalidEntry, NotAllowed, NotFound
from carerdesk.core.permissions import (
    BULK_READ_LIMIT,
    SETTINGS,
    Actor,
    Can,
    Role,
    check_new_user,
    check_pin,
    check_setup,
    name_key,
    parse_role,
)
from carerdesk.core.referrals import ACKNOWLEDGE_WITHIN
from carerdesk.core.text import tidy
from carerdesk.db import audit
from carerdesk.db.audit import Action
from carerdesk.db.models import Setting, User, utc_now
from carerdesk.db.versions import check_version
from carerdesk.db.views import UserView, user_view

MAX_FAILED = 5
LOCK_FOR = timedelta(minutes=5)
"""The first lockout; each further one in a row lasts twice as long, up to ``LONGEST_LOCK``."""
LONGEST_LOCK = timedelta(hours=24)
RECOVERY_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
"""A recovery code's alphabet: no 0/O or 1/I to confuse when it is read off paper."""
RECOVERY_GROUPS = 4

HASH_SETTINGS = {
    # setting: (argon2 parameter, default): argon2-cffi's own defaults (RFC 9106, low memory).
    "pin_hash_time_cost": ("time_cost", 3),
    "pin_hash_memory_kib": ("memory_cost", 65536),
    "pin_hash_parallelism": ("parallelism", 4),
}
IDLE_SETTING = "idle_lock_minutes"
DEMO_PINS = "demo_pins"
"""A demo register's accounts and PINs, shown on its sign-in screen (never set otherwise)."""
IDLE_DEFAULT = 5


def _setting(session: Session, key: str) -> str | None:
    # A plain query, not session.get: most settings are unset, and a get that finds nothing
    # costs the unit of work's lookups each time (a search reads the bulk read limit).
    return session.execute(select(Setting.value).where(Setting.key == key)).scalar()


def _put(session: Session, key: str, value: str) -> None:
    row = session.get(Setting, key)
    if row is None:
        session.add(Setting(key=key, value=value))
    else:
        row.value = value


def hasher(session: Session) -> PasswordHasher:
    """The PIN hasher with the organisation's parameters (defaults where unset)."""
    values: dict[str, int] = {}
    for key, (parameter, default) in HASH_SETTINGS.items():
        stored = _setting(session, key)
        values[parameter] = int(stored) if stored and stored.isdigit() else default
    return PasswordHasher(
        time_cost=values["time_cost"],
        memory_cost=values["memory_cost"],
        parallelism=values["parallelism"],
    )


def whole_setting(session: Session, key: str, default: int) -> int:
    """A setting that is a whole number above 0, or ``default`` when unset."""
    stored = _setting(session, key)
    return int(stored) if stored and stored.isdigit() and int(stored) > 0 else default


def idle_minutes(session: Session) -> int:
    """Minutes without a key or a click before the screen locks (default 5)."""
    return whole_setting(session, IDLE_SETTING, IDLE_DEFAULT)


def demo_pins(session: Session) -> list[tuple[str, str, str]]:
    """On a demo register, each demo account's name, role and PIN; otherwise nothing."""
    stored = _setting(session, DEMO_PINS)
    if not stored or _setting(session, "demo") != "1":
        return []
    return [(str(name), str(role), str(pin)) for name, role, pin in json.loads(stored)]


@dataclass(frozen=True)
class Organisation:
    """What the cards, forms and the sign-in screen say about the organisation."""

    name: str
    phone: str
    card_prefix: str


def organisation(session: Session) -> Organisation | None:
    """The organisation, or None before the first-run set-up."""
    name = _setting(session, "organisation_name")
    if name is None or not has_users(session):
        return None
    return Organisation(
        name=name,
        phone=_setting(session, "organisation_phone") or "",
        card_prefix=_setting(session, "card_prefix") or "",
    )


def has_users(session: Session) -> bool:
    """Whether any staff account exists yet."""
    return session.scalar(select(func.count()).select_from(User)) != 0


@dataclass(frozen=True)
class SetUp:
    """The first coordinator, signed in, and their recovery code: shown once, never kept."""

    actor: Actor
    recovery_code: str = field(repr=False)


def set_up(session: Session, values: Mapping[str, str]) -> SetUp:
    """First run: record the organisation and create its first coordinator, with a
    recovery code to show them once.

    ``values`` holds the texts of ``SETUP_FIELDS``; every field is checked before anything
    is written, and all the problems are reported at once.
    """
    if has_users(session):
        raise NotAllowed("This register is already set up: sign in instead.")
    checked = check_setup(values)
    _put(session, "organisation_name", checked["organisation_name"])
    _put(session, "organisation_phone", checked["organisation_phone"] or "")
    _put(session, "card_prefix", checked["card_prefix"])
    user = _new_user(session, checked["coordinator"], Role.COORDINATOR, checked["pin"], by=None)
    actor = actor_of(user)
    audit.record(
        session, actor, Action.ORGANISATION_SET_UP, fields=["organisation_name", "card_prefix"]
    )
    return SetUp(actor, _give_recovery_code(session, user))


def actor_of(user: User) -> Actor:
    """The person a signed-in account acts as."""
    return Actor(user.name, Role(user.role), user.id)


def _new_user(session: Session, name: str, role: Role, pin: str, by: Actor | None) -> User:
    key = name_key(name)
    if session.scalar(select(User).where(User.name_key == key)) is not None:
        raise InvalidEntry({"name": "Someone already has that name: add a surname or initial."})
    user = User(
        name=name,
        name_key=key,
        role=role.value,
        pin_hash=hasher(session).hash(pin),
        active=True,
        failed_pins=0,
        lockouts=0,
        created_by=by.name if by else name,
        updated_by=by.name if by else name,
    )
    session.add(user)
    session.flush()
    added_by = by or actor_of(user)
    audit.record(session, added_by, Action.USER_ADDED, detail=_who(user), **_about(user))
    return user


def find_user(session: Session, name: str) -> User:
    """The account with this name, in any case and with or without accents."""
    user = session.scalar(select(User).where(User.name_key == name_key(name)))
    if user is None:
        raise NotFound("No account has that name. Check the spelling, or ask your coordinator.")
    return user


@dataclass(frozen=True)
class SignIn:
    """The outcome of a sign-in: the person, or why they were refused.

    Returned rather than raised, so that the transaction that counted a wrong PIN (and
    wrote it to the trail) is committed: call ``accepted()`` after it.
    """

    actor: Actor | None
    refusal: str = ""

    def accepted(self) -> Actor:
        """The person signed in, or ``NotAllowed`` with the reason."""
        if self.actor is None:
            raise NotAllowed(self.refusal)
        return self.actor


def sign_in(session: Session, name: str, pin: str, *, now: datetime | None = None) -> SignIn:
    """Check a name and PIN. Every attempt, right or wrong, goes in the audit trail."""

    def note(actor: Actor, action: str, detail: str = "") -> None:
        audit.record(session, actor, action, detail=detail)

    return _sign_in(session, name, pin, now, note)


def sign_in_with_new_audit_key(
    session: Session, name: str, pin: str, reason: str, *, now: datetime | None = None
) -> SignIn:
    """Sign a coordinator in on a desk without the key that signs the register's audit
    trail, and sign the trail with this desk's key from now on (``audit.new_keying``): for
    a key lost for good with its desk.

    The PIN is checked as at sign-in, but no entry can be written before the new key signs
    the trail: a refusal writes none (a wrong PIN still counts towards the lock), and once
    the PIN is right the new keying's first entry ("audit key replaced") is written, then
    the sign-in's, in this one transaction. Refused (``NotAllowed``) for anyone but a
    coordinator, with nothing changed."""
    notes: list[tuple[Actor, str, str]] = []

    def note(actor: Actor, action: str, detail: str = "") -> None:
        notes.append((actor, action, detail))

    outcome = _sign_in(session, name, pin, now, note)
    if outcome.actor is not None:
        audit.new_keying(session, outcome.actor, reason)
        for actor, action, detail in notes:
            audit.record(session, actor, action, detail=detail)
    return outcome


def _sign_in(
    session: Session,
    name: str,
    pin: str,
    now: datetime | None,
    note: Callable[..., None],
) -> SignIn:
    """Check a name and PIN, counting wrong PINs; ``note`` is given each entry for the
    trail (the person, the action, a detail)."""
    moment = now or utc_now()
    try:
        user = find_user(session, name)
    except NotFound:
        note(_unknown(name), Action.SIGN_IN_FAILED, detail="unknown name")
        return SignIn(None, "That name and PIN do not match an account.")
    actor = actor_of(user)
    if not user.active:
        note(actor, Action.SIGN_IN_FAILED, detail="account deactivated")
        return SignIn(None, "This account has been deactivated. Ask your coordinator.")
    if user.locked_until and user.locked_until > moment:
        note(actor, Action.SIGN_IN_FAILED, detail="account locked")
        remaining = span(user.locked_until - moment)
        return SignIn(None, f"Too many wrong PINs: this account is locked for another {remaining}.")
    pins = hasher(session)
    try:
        pins.verify(user.pin_hash, pin.strip())
    except (VerificationError, InvalidHashError):
        user.failed_pins += 1
        if user.failed_pins >= MAX_FAILED:
            user.failed_pins = 0
            user.lockouts = (user.lockouts or 0) + 1
            locked_for = lock_for(user.lockouts)
            user.locked_until = moment + locked_for
            note(
                actor,
                Action.LOCKED_OUT,
                detail=f"five wrong PINs, lockout {user.lockouts} in a row: {span(locked_for)}",
            )
            return SignIn(
                None,
                f"Five wrong PINs: this account is locked for {span(locked_for)}. "
                "Your coordinator can reset your PIN.",
            )
        note(actor, Action.SIGN_IN_FAILED, detail="wrong PIN")
        left = MAX_FAILED - user.failed_pins
        tries = "tries" if left != 1 else "try"
        return SignIn(
            None,
            f"That name and PIN do not match. {left} more {tries} before the account "
            f"locks for {span(lock_for((user.lockouts or 0) + 1))}.",
        )
    if pins.check_needs_rehash(user.pin_hash):
        user.pin_hash = pins.hash(pin.strip())
    user.failed_pins = 0
    user.lockouts = 0
    user.locked_until = None
    user.last_sign_in = moment
    note(actor, Action.SIGN_IN)
    return SignIn(actor)


def lock_for(lockouts: int) -> timedelta:
    """How long the ``lockouts``-th lockout in a row lasts: 5 minutes, then 10, 20, 40 ...
    up to a day: about 45 guesses in the first day and 5 a day after, not 1,440 a day."""
    if lockouts <= 1:
        return LOCK_FOR
    return min(LONGEST_LOCK, LOCK_FOR * (1 << min(lockouts - 1, 20)))


def span(length: timedelta) -> str:
    """``5 minutes``, ``1 hour 20 minutes``, ``24 hours``: a lock's length for a person."""
    minutes = max(1, round(length.total_seconds() / 60))
    hours, minutes = divmod(minutes, 60)
    parts = []
    if hours:
        parts.append(f"{hours} hour{'s' if hours != 1 else ''}")
    if minutes:
        parts.append(f"{minutes} minute{'s' if minutes != 1 else ''}")
    return " ".join(parts)


def _unknown(name: str) -> Actor:
    # The name typed is kept (cut short): it was meant as a staff name, not a carer's. A name
    # with a digit in it may be a PIN typed in the wrong box, and is never kept.
    typed = tidy(name)[:60]
    if any(ch.isdigit() for ch in typed):
        typed = "(a name with digits)"
    return Actor(typed or "(blank)", Role.VOLUNTEER)


def users(session: Session, *, by: Actor) -> list[UserView]:
    """Every account, active first, then by name (coordinators)."""
    by.require(Can.MANAGE_USERS)
    stmt = select(User).order_by(User.active.desc(), User.name_key)
    return [user_view(user) for user in session.scalars(stmt)]


def add_user(session: Session, by: Actor, values: Mapping[str, str]) -> UserView:
    """Add a staff account from the texts of ``USER_FIELDS`` (coordinator only)."""
    by.require(Can.MANAGE_USERS)
    checked = check_new_user(values)
    return user_view(_new_user(session, checked["name"], checked["role"], checked["pin"], by))


def _user(session: Session, user_id: str) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("That account no longer exists.")
    return user


def reset_pin(
    session: Session, by: Actor, user_id: str, pin: str, *, version: int | None = None
) -> UserView:
    """Give an account a new PIN and lift any lock (coordinator only)."""
    by.require(Can.MANAGE_USERS)
    new_pin = check_pin(pin)
    user = _user(session, user_id)
    check_version(user, version, "account")
    user.pin_hash = hasher(session).hash(new_pin)
    user.failed_pins = 0
    user.lockouts = 0
    user.locked_until = None
    user.updated_by = by.name
    audit.record(session, by, Action.PIN_RESET, detail=_who(user), **_about(user))
    return user_view(user)


def change_role(
    session: Session, by: Actor, user_id: str, role: str, *, version: int | None = None
) -> UserView:
    """Change an account's role (coordinator only; never the last active coordinator's)."""
    by.require(Can.MANAGE_USERS)
    new_role = parse_role(role)
    user = _user(session, user_id)
    check_version(user, version, "account")
    if user.role == Role.COORDINATOR and new_role != Role.COORDINATOR:
        _keep_a_coordinator(session, user)
    was = user.role
    user.role = new_role.value
    user.updated_by = by.name
    audit.record(
        session, by, Action.USER_CHANGED, fields=["role"],
        detail=f"{user.name}, {was} to {user.role}", **_about(user),
    )  # fmt: skip
    return user_view(user)


def deactivate(
    session: Session, by: Actor, user_id: str, *, version: int | None = None
) -> UserView:
    """Stop an account signing in; it stays in the list and in the trail."""
    by.require(Can.MANAGE_USERS)
    user = _user(session, user_id)
    check_version(user, version, "account")
    if user.role == Role.COORDINATOR:
        _keep_a_coordinator(session, user)
    user.active = False
    user.updated_by = by.name
    audit.record(session, by, Action.USER_DEACTIVATED, detail=_who(user), **_about(user))
    return user_view(user)


def reactivate(
    session: Session, by: Actor, user_id: str, *, version: int | None = None
) -> UserView:
    """Let a deactivated account sign in again with its PIN (a mistaken deactivation, or a
    volunteer back after a break: their name cannot be given to a new account)."""
    by.require(Can.MANAGE_USERS)
    user = _user(session, user_id)
    check_version(user, version, "account")
    user.active = True
    user.updated_by = by.name
    audit.record(
        session,
        by,
        Action.USER_CHANGED,
        kind="user",
        record_id=user.id,
        fields=["active"],
        detail=_who(user),
    )
    return user_view(user)


def _who(user: User) -> str:
    # Staff accounts are named in the trail (it is about staff); carers never are.
    return f"{user.name}, {user.role}"


def _about(user: User) -> dict[str, str]:
    # An entry about an account names it where the trail shows what an entry is about (the
    # record column: "user Sam Staff"), as a carer's entries show the carer's reference.
    return {"kind": "user", "record_id": user.id, "reference": user.name}


def _keep_a_coordinator(session: Session, user: User) -> None:
    others = session.scalar(
        select(func.count())
        .select_from(User)
        .where(User.role == Role.COORDINATOR.value, User.active, User.id != user.id)
    )
    if not others:
        raise NotAllowed("The register needs at least one active coordinator: add another first.")


def settings(session: Session, by: Actor) -> dict[str, str]:
    """Every setting a coordinator may change, with its value now (defaults filled in)."""
    by.require(Can.CHANGE_SETTINGS)
    defaults = {key: str(default) for key, (_, default) in HASH_SETTINGS.items()}
    defaults[IDLE_SETTING] = str(IDLE_DEFAULT)
    defaults["card_valid_years"] = str(VALID_YEARS)
    defaults["referral_chase_days"] = str(ACKNOWLEDGE_WITHIN)
    defaults["bulk_read_limit"] = str(BULK_READ_LIMIT)
    defaults["retention_years"] = str(RETENTION_YEARS)
    return {key: _shown(key, _setting(session, key) or defaults.get(key, "")) for key in SETTINGS}


LIST_SETTINGS = frozenset({"wards"})
"""Settings stored as a JSON list (``db.carers.ward_list`` reads the wards), typed and shown
as names separated by ``;``."""


def _shown(key: str, stored: str) -> str:
    # A list setting as a person types it.
    if key in LIST_SETTINGS and stored:
        return "; ".join(json.loads(stored))
    return stored


def change_setting(session: Session, by: Actor, key: str, text: str) -> str:
    """Change one setting (coordinator only); returns the value stored, as a person reads it.
    Audited by name."""
    by.require(Can.CHANGE_SETTINGS)
    if key not in SETTINGS:
        raise NotFound(f"There is no setting called {key}: see the list of settings.")
    checked = check_field(SETTINGS, key, text, date.min)
    if key in LIST_SETTINGS:
        value = json.dumps(checked, ensure_ascii=False) if checked else ""
    else:
        value = "" if checked is None else str(checked)
    _put(session, key, value)
    audit.record(session, by, Action.SETTING_CHANGED, kind="setting", fields=[key])
    return _shown(key, value)


def _code_key(text: str) -> str:
    # However it was copied: any case, with or without its hyphens and spaces.
    return "".join(ch for ch in text.upper() if ch.isascii() and ch.isalnum())


def _give_recovery_code(session: Session, user: User) -> str:
    """A new recovery code for ``user`` (replacing any before); only its hash is kept."""
    letters = "".join(secrets.choice(RECOVERY_LETTERS) for _ in range(5 * RECOVERY_GROUPS))
    code = "-".join(letters[i : i + 5] for i in range(0, len(letters), 5))
    user.recovery_hash = hasher(session).hash(_code_key(code))
    return code


def make_recovery_code(session: Session, by: Actor) -> str:
    """A new recovery code for the coordinator ``by`` (an old one stops working): to be
    shown once, written down and locked away. Recorded in the trail, never the code."""
    by.require(Can.MANAGE_USERS)
    if by.user_id is None:
        raise NotAllowed("Sign in with your own account to make your recovery code.")
    user = _user(session, by.user_id)
    code = _give_recovery_code(session, user)
    user.updated_by = by.name
    audit.record(session, by, Action.RECOVERY_CODE_MADE, detail=_who(user), **_about(user))
    return code


@dataclass(frozen=True)
class Recovery:
    """The outcome of ``recover``: the coordinator and their new recovery code, or why not.

    Returned rather than raised (as ``SignIn``), so that a refusal's trail entry is kept."""

    actor: Actor | None
    recovery_code: str = field(default="", repr=False)
    refusal: str = ""

    def accepted(self) -> Recovery:
        """This recovery, or ``NotAllowed`` with the reason."""
        if self.actor is None:
            raise NotAllowed(self.refusal)
        return self


def recover(session: Session, name: str, code: str, pin: str) -> Recovery:
    """A coordinator's way back in with their recovery code: a new PIN, any lockout lifted,
    and a new recovery code (the one used stops working). Every attempt is in the trail."""
    new_pin = check_pin(pin)
    refused = Recovery(None, refusal="That name and recovery code do not match a coordinator.")
    try:
        user = find_user(session, name)
    except NotFound:
        audit.record(session, _unknown(name), Action.RECOVERY_REFUSED, detail="unknown name")
        return refused
    actor = actor_of(user)
    if not (user.active and user.role == Role.COORDINATOR and user.recovery_hash):
        audit.record(session, actor, Action.RECOVERY_REFUSED, detail="no recovery code")
        return refused
    try:
        hasher(session).verify(user.recovery_hash, _code_key(code))
    except (VerificationError, InvalidHashError):
        audit.record(session, actor, Action.RECOVERY_REFUSED, detail="wrong recovery code")
        return refused
    user.pin_hash = hasher(session).hash(new_pin)
    user.failed_pins = 0
    user.lockouts = 0
    user.locked_until = None
    user.updated_by = user.name
    new_code = _give_recovery_code(session, user)
    audit.record(session, actor, Action.RECOVERED, detail=_who(user), **_about(user))
    return Recovery(actor, new_code)
