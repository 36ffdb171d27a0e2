"""Backups of the register, its health when it opens, and restoring a backup.

A backup is a copy made with SQLite's online backup API from a connection of the register, so
desks can go on saving while it is made and the copy is one consistent moment (a plain file
copy of a register in WAL mode can miss what is still in the write-ahead log). Each is one
self-contained file (rollback journal, no log beside it), readable by its owner only, written
beside its final name and moved into place once complete. A backup of an encrypted register
is encrypted under the same passphrase.

On the first open of each day (``open_checked``) the register is checked (``PRAGMA
quick_check``), then copied into the backups folder, of which the newest ``keep`` are kept. A
damaged register is not opened: the message names the newest backup that passes the check
and the command that restores it. A day's backup that cannot be written is a warning: the
desk still opens.

``restore_backup`` checks the backup in full first, refuses while any other connection has
the register open (see docs/design.md, "Restoring"), and keeps the current file aside.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError

from carerdesk.core.errors import CarerdeskError, RegisterReadOnly
from carerdesk.db import audit
from carerdesk.db.engine import make_engine, register_file, sql_string
from carerdesk.db.migrate import HEAD, NewerRegister, current_revision, is_known, upgrade

KEEP = 14
"""How many backups the backups folder keeps by default (two weeks of working days and more)."""
SUFFIX = ".sqlite"
CARERDESK_TABLES = frozenset({"alembic_version", "settings", "carers"})
"""Tables every carerdesk register has: a file without them is not one."""
_STAMP = re.compile(r"-(\d{4}-\d{2}-\d{2})-(\d{6})(?:-(\d{1,4}))?\.sqlite$")
"""A backup's name after the register's: the day, the time, a number when two share a second."""


class BackupFailed(CarerdeskError):
    """A backup could not be written (a full disk, a folder that may not be written):
    ``folder`` is where it was to go, ``reason`` why it could not (in plain words)."""

    def __init__(self, folder: Path, reason: str) -> None:
        super().__init__(
            f"The backup could not be written to {folder} ({reason}). Nothing in the register "
            "was changed. Free some space, or choose a folder you may write to."
        )
        self.folder = folder
        self.reason = reason


class RestoreRefused(CarerdeskError):
    """A restore was refused: nothing was changed."""


class RegisterDamaged(CarerdeskError):
    """The register failed its check: it was not opened, and nothing was written to it."""


@dataclass(frozen=True)
class BackupPlan:
    """Where this machine keeps the register's backups, and how many."""

    folder: Path
    keep: int = KEEP


@dataclass(frozen=True)
class Opened:
    """A register opened by ``open_checked``: its engine, the day's backup if one was made,
    and a warning to show when the day's backup could not be made."""

    engine: Engine
    backup: Path | None = None
    warning: str = ""


def _driver(key: str | None) -> Any:
    if key is None:
        return sqlite3
    import sqlcipher3.dbapi2 as sqlcipher  # type: ignore[import-untyped]

    return sqlcipher


def _connect(path: Path, key: str | None, *, read_only: bool = False) -> Any:
    """A driver connection to ``path`` (keyed first when encrypted); read-only opens never
    create the file."""
    target = f"file:{path}?mode=ro" if read_only else str(path)
    connection = _driver(key).connect(target, uri=read_only, isolation_level=None, timeout=0)
    if key is not None:
        connection.execute(f"PRAGMA key = {sql_string(key)}")
        connection.execute("PRAGMA cipher_log_level = NONE")
    return connection


def private_folder(folder: Path) -> Path:
    """Make ``folder`` (and its parents) if missing; only its owner may open it (0700)."""
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(folder, 0o700)
    return folder


def _private_file(path: Path) -> None:
    """Create ``path`` empty, readable and writable by its owner only (0600)."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.close(descriptor)


def _fsync(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _partial(dest: Path) -> Path:
    return dest.with_name(f".{dest.name}.{os.getpid()}.partial")


def _cannot_write(where: Path, error: BaseException) -> BackupFailed:
    reason = error.strerror if isinstance(error, OSError) and error.strerror else "refused"
    if isinstance(error, sqlite3.Error | DBAPIError) and "full" in str(error).lower():
        reason = "the disk is full"
    return BackupFailed(where, reason)


def make_backup(engine: Engine, dest: Path, *, key: str | None = None) -> Path:
    """Copy the register open on ``engine`` to the new file ``dest`` with SQLite's online
    backup API, and return ``dest``.

    ``key``: the register's passphrase when it is encrypted (its engine made with
    ``make_engine(url, key=key)``); the backup is then encrypted under the same passphrase.
    The copy is written beside ``dest`` (0600) and moved into place once complete, so a
    failure (a full disk) leaves no half backup under the name. Raises ``BackupFailed``.
    """
    if (key is not None) != _encrypted(engine):
        # A keyed register copied without its key would be refused by SQLCipher, and an
        # unencrypted one copied through SQLCipher with a key would not be encrypted.
        raise ValueError("make_backup needs the register's key exactly when it is encrypted")
    partial = _partial(dest)
    try:
        partial.unlink(missing_ok=True)
        _private_file(partial)
        target = _connect(partial, key)
        try:
            raw = engine.raw_connection()
            try:
                raw.driver_connection.backup(target)  # type: ignore[union-attr]
            finally:
                raw.close()
            # One self-contained file: the register's WAL flag is not copied into the backup.
            target.execute("PRAGMA journal_mode=DELETE")
        finally:
            target.close()
        _fsync(partial)
        os.replace(partial, dest)
    except (OSError, sqlite3.Error, DBAPIError, _driver_errors(key)) as error:
        with contextlib.suppress(OSError):
            partial.unlink(missing_ok=True)
        raise _cannot_write(dest.parent, error) from None
    # The trail's head is written down outside the register as each backup is made, so that
    # entries removed from the register later are named by ``audit.verify``. A desk without
    # the trail's key (a new laptop, before ``audit new-key``) still keeps its backups: it
    # cannot sign an anchor, and says so when the trail is used.
    with contextlib.suppress(audit.AuditKeyMissing):
        audit.anchor_head(engine, f"backup {dest.name}")
    return dest


def _encrypted(engine: Engine) -> bool:
    return "sqlcipher" in getattr(engine.dialect.dbapi, "__name__", "")


def _driver_errors(key: str | None) -> type[Exception]:
    return sqlite3.Error if key is None else _driver(key).Error


def backups_of(folder: Path, register: Path) -> list[Path]:
    """The backups of ``register`` in ``folder``, newest first (by the time in their names)."""
    if not folder.is_dir():
        return []
    prefix = register.stem
    found = [
        path
        for path in folder.iterdir()
        if path.name.startswith(prefix + "-") and _STAMP.fullmatch(path.name[len(prefix) :])
    ]
    return sorted(found, key=_made_at, reverse=True)


def _made_at(path: Path) -> tuple[str, str, int]:
    found = _STAMP.search(path.name)
    assert found is not None
    return found.group(1), found.group(2), int(found.group(3) or 0)


def backup_name(register: Path, at: datetime) -> str:
    """The name of a backup of ``register`` made at ``at`` (the desk's local time)."""
    return f"{register.stem}-{at:%Y-%m-%d-%H%M%S}{SUFFIX}"


def backup_now(
    engine: Engine, plan: BackupPlan, register: Path, *, at: datetime, key: str | None = None
) -> Path:
    """A backup into the backups folder; then only the newest ``plan.keep`` are kept."""
    try:
        private_folder(plan.folder)
    except OSError as error:
        raise _cannot_write(plan.folder, error) from None
    dest = plan.folder / backup_name(register, at)
    number = 1
    while dest.exists():  # two backups in one second (the day's, then one asked for)
        number += 1
        dest = dest.with_name(backup_name(register, at).replace(SUFFIX, f"-{number}{SUFFIX}"))
    made = make_backup(engine, dest, key=key)
    for old in backups_of(plan.folder, register)[max(plan.keep, 1) :]:
        with contextlib.suppress(OSError):
            old.unlink()
    return made


def made_on(path: Path) -> date | None:
    """The day a backup was made, from its name."""
    if (found := _STAMP.search(path.name)) is None:
        return None
    return date.fromisoformat(found.group(1))


def daily_backup(
    engine: Engine, plan: BackupPlan, register: Path, *, at: datetime, key: str | None = None
) -> Path | None:
    """The day's backup, unless the folder has one of ``at``'s day already (None then)."""
    if any(made_on(path) == at.date() for path in backups_of(plan.folder, register)):
        return None
    return backup_now(engine, plan, register, at=at, key=key)


# --- Checking a file ------------------------------------------------------------------------


def file_problem(path: Path, *, key: str | None = None, full: bool = False) -> str:
    """What is wrong with the SQLite file ``path`` as a carerdesk register ("" when nothing):
    the integrity check (``full``) or the quick check, its tables, and its version."""
    if not path.is_file():
        return "there is no such file"
    try:
        connection = _connect(path, key, read_only=True)
    except _driver_errors(key):
        return "it cannot be read"
    try:
        return _problem(connection, key, full=full)
    except _driver_errors(key):
        return "it is damaged or not a carerdesk register" + (
            " (or the passphrase is not the one it was made with)" if key else ""
        )
    finally:
        connection.close()


def _problem(connection: Any, key: str | None, *, full: bool) -> str:
    pragma = "integrity_check" if full else "quick_check"
    found = [row[0] for row in connection.execute(f"PRAGMA {pragma}")]
    if found != ["ok"]:
        return "it is damaged (the integrity check found problems)"
    tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
    if not tables.issuperset(CARERDESK_TABLES):
        return "it is not a carerdesk register"
    revision = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    if revision is None or not is_known(revision[0]):
        return "it was made by a newer version of carerdesk"
    return ""


def check_register(engine: Engine, *, full: bool = False) -> list[str]:
    """The problems ``PRAGMA quick_check`` (or ``integrity_check`` with ``full``) finds in the
    register open on ``engine``: an empty list when it is sound. A file SQLite cannot read at
    all (not a database, damaged beyond its header) is one problem too."""
    pragma = "integrity_check" if full else "quick_check"
    try:
        with engine.connect() as connection:
            found = [row[0] for row in connection.exec_driver_sql(f"PRAGMA {pragma}")]
    except DBAPIError as error:
        text = str(error.orig).lower()
        if "malformed" in text or "not a database" in text or "corrupt" in text:
            return [NOT_A_DATABASE]
        raise
    return [] if found == ["ok"] else found


def newest_good(plan: BackupPlan | None, register: Path, *, key: str | None = None) -> Path | None:
    """The newest backup of ``register`` that passes the quick check, if any."""
    if plan is None:
        return None
    for path in backups_of(plan.folder, register):
        if not file_problem(path, key=key):
            return path
    return None


NOT_A_DATABASE = "the file is damaged or is not a SQLite database"


def _sqlite_header(path: Path) -> bool:
    """Whether the file begins as every plain SQLite file does (damaged further in, then)."""
    try:
        with path.open("rb") as file:
            return file.read(16) == b"SQLite format 3\x00"
    except OSError:
        return False


def damage_message(
    register: Path,
    plan: BackupPlan | None,
    *,
    key: str | None = None,
    problems: list[str] | None = None,
) -> str:
    """What a person is told when the register is damaged: that it was not opened, the newest
    good backup, and the command that restores it."""
    said = (
        f"The register {register} could not be opened: it is damaged, or it is not a carerdesk "
        "register. carerdesk changed nothing in it."
        if problems == [NOT_A_DATABASE] and not _sqlite_header(register)
        else f"The register {register} is damaged, so carerdesk did not open it and changed "
        "nothing in it."
    )
    if (good := newest_good(plan, register, key=key)) is None:
        where = f" in {plan.folder}" if plan else ""
        return (
            f"{said} No good backup was found{where}: tell your coordinator, and keep the file "
            f"as it is (a copy kept elsewhere may be restored with {restore_command(register)})."
        )
    day = made_on(good)
    return (
        f"{said} The newest good backup is {good}"
        + (f", made on {day:%d/%m/%Y}" if day else "")
        + f". To go back to it (what was saved since is lost): {restore_command(register, good)}"
    )


def restore_command(register: Path, backup: Path | str = "FILE") -> str:
    """The command that restores ``backup`` as ``register`` (named, so it is the right one)."""
    import shlex

    named = shlex.quote(str(backup)) if isinstance(backup, Path) else backup
    return f"carerdesk --db {shlex.quote(str(register))} restore {named}"


# --- Opening --------------------------------------------------------------------------------


def open_checked(
    url: str,
    *,
    key: str | None = None,
    plan: BackupPlan | None = None,
    now: datetime | None = None,
    one_file: bool = False,
) -> Opened:
    """Open the register at ``url`` as every desk and command does: check it (a damaged file
    raises ``RegisterDamaged``, one from a newer carerdesk ``NewerRegister``), make the day's
    backup into ``plan`` if there is none yet (a failure is a warning), then upgrade it."""
    engine = make_engine(url, key=key, one_file=one_file)
    try:
        return _open(engine, url, key, plan, now)
    except BaseException:
        engine.dispose()
        raise


def _open(
    engine: Engine, url: str, key: str | None, plan: BackupPlan | None, now: datetime | None
) -> Opened:
    register = register_file(url)
    if register is not None and not _writable(register):
        raise RegisterReadOnly(str(register))
    sized = register is not None and register.is_file() and register.stat().st_size > 0
    if register is not None and sized and (problems := check_register(engine)):
        raise RegisterDamaged(damage_message(register, plan, key=key, problems=problems))
    revision = _revision(engine)
    if revision is not None and revision != HEAD and not is_known(revision):
        raise NewerRegister()
    made, warning = None, ""
    if plan is not None and register is not None and revision is not None and now is not None:
        try:
            if not _kept_elsewhere(engine):
                made = daily_backup(engine, plan, register, at=now, key=key)
        except BackupFailed as error:
            warning = (
                f"Today's backup was not made: {error.folder} could not be written "
                f"({error.reason}). The register opened as usual; tell your coordinator."
            )
    upgrade(engine)
    return Opened(engine, made, warning)


def _writable(register: Path) -> bool:
    """Whether this account may write the register and its folder (the write-ahead log and
    its index are made beside it): a read-only one is refused before anything is read."""
    folder = register.parent if str(register.parent) else Path(".")
    if register.exists() and not os.access(register, os.W_OK):
        return False
    return not folder.exists() or os.access(folder, os.W_OK | os.X_OK)


def _revision(engine: Engine) -> str | None:
    try:
        return current_revision(engine)
    except DBAPIError as error:
        text = str(error.orig).lower()
        if "malformed" in text or "not a database" in text:
            register = register_file(str(engine.url)) or Path("the register")
            raise RegisterDamaged(
                damage_message(register, None, problems=[NOT_A_DATABASE])
            ) from None
        raise


def _kept_elsewhere(engine: Engine) -> bool:
    """A demo register (made again at will) or an event's file (handed on as one file, no
    copies left on the volunteer's laptop) has no daily backups."""
    with engine.connect() as connection:
        found = connection.exec_driver_sql(
            "SELECT 1 FROM settings WHERE key IN ('demo', 'event_name')"
        ).first()
    return found is not None


# --- Restoring ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Restored:
    """A restore done: the register now holds the backup; the file it held is kept aside."""

    register: Path
    aside: Path | None


def restore_backup(
    backup: Path, register: Path, *, key: str | None = None, now: datetime
) -> Restored:
    """Make ``register`` a copy of ``backup``, once the backup passes the full integrity
    check, is a carerdesk register and is not from a newer carerdesk. The current file is kept
    aside as ``register.replaced-YYYY-MM-DD-HHMMSS.sqlite``. Refused (``RestoreRefused``),
    changing nothing, while any other connection has the register open."""
    if not backup.is_file():
        raise RestoreRefused(f"There is no backup at {backup}. Nothing was changed.")
    # The copy that will become the register is the one checked: private, beside the register.
    incoming = register.with_name(f".{register.name}.restoring-{os.getpid()}")
    try:
        try:
            incoming.unlink(missing_ok=True)
            _private_file(incoming)
            shutil.copyfile(backup, incoming)
            _fsync(incoming)
        except OSError as error:
            raise RestoreRefused(
                f"The backup could not be copied beside the register ({error.strerror}). "
                "Nothing was changed."
            ) from None
        if problem := _as_one_file(incoming, key) or file_problem(incoming, key=key, full=True):
            raise RestoreRefused(f"{backup} was not restored: {problem}. Nothing was changed.")
        if not register.exists():
            os.replace(incoming, register)
            return Restored(register, None)
        aside = register.with_name(f"{register.stem}.replaced-{now:%Y-%m-%d-%H%M%S}{SUFFIX}")
        with _sole_use(register, key):
            _keep_aside(register, aside)
            log = Path(f"{register}-wal")
            if log.exists():
                # Left only when the register was too damaged to leave WAL mode: what it holds
                # stays with the file kept aside, and is read with it.
                os.replace(log, Path(f"{aside}-wal"))
            Path(f"{register}-shm").unlink(missing_ok=True)
            os.replace(incoming, register)
        return Restored(register, aside)
    finally:
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{incoming}{suffix}").unlink(missing_ok=True)


def _as_one_file(path: Path, key: str | None) -> str:
    """Turn the private copy ``path`` to a rollback journal, so that checking it leaves no
    log beside it; what is wrong with it if it cannot be ("" when done)."""
    try:
        connection = _connect(path, key)
        try:
            connection.execute("PRAGMA journal_mode=DELETE")
        finally:
            connection.close()
    except _driver_errors(key):
        return "it is damaged or not a carerdesk register" + (
            " (or the passphrase is not the one it was made with)" if key else ""
        )
    return ""


@contextlib.contextmanager
def _sole_use(register: Path, key: str | None) -> Iterator[None]:
    """Hold ``register`` for this process alone, or refuse.

    Every connection to a register in WAL mode, busy or idle, holds a shared lock on its
    write-ahead log's index while it is open; leaving WAL mode needs that no other connection
    has the file open at all. So the register is switched to a rollback journal under an
    exclusive lock that is kept until the new file is in place: a desk that has it open makes
    the switch fail at once, and one opening it meanwhile waits and then finds the new file.
    """
    try:
        connection = _connect(register, key)
    except _driver_errors(key):
        raise RestoreRefused(f"{register} could not be opened. Nothing was changed.") from None
    try:
        try:
            connection.execute("PRAGMA locking_mode=EXCLUSIVE")
            connection.execute("PRAGMA journal_mode=DELETE")
            connection.execute("BEGIN EXCLUSIVE")
            connection.execute("COMMIT")
        except _driver_errors(key) as error:
            if "locked" in str(error) or "busy" in str(error):
                raise RestoreRefused(
                    "The register is open at another desk (or in another carerdesk command) "
                    "on this computer: close carerdesk there first (Ctrl+Q), then restore. "
                    "Nothing was changed."
                ) from None
            # A register too damaged to lock is still kept aside and replaced: that is what a
            # restore is for. A desk on it would have been refused by its checks.
        yield
    finally:
        connection.close()


def _keep_aside(register: Path, aside: Path) -> None:
    """Keep the current register as ``aside`` (0600), before the backup takes its name."""
    try:
        os.link(register, aside)  # the same file under a second name: instant, nothing copied
    except OSError:
        shutil.copyfile(register, aside)  # a file system without hard links (a USB stick)
    os.chmod(aside, 0o600)
