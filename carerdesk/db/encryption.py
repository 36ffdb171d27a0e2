"""Encryption at rest of the main register, with SQLCipher (as an event's file already is).

A register is encrypted when it is set up (``carerdesk init --encrypt``), or later
(``carerdesk encrypt``); ``carerdesk rekey`` changes its passphrase. Both rewrite the whole
file with ``sqlcipher_export`` into a new file beside it, check the new file page by page and
table by table, and only then move it into place: a failure or a kill half way leaves the
register as it was. The passphrase is never stored in the register, a URL, a log or an error.

A plain SQLite file starts with the 16 bytes ``SQLite format 3\\0``; an encrypted one starts
with random salt. That is how carerdesk knows, before asking anyone, whether a register needs
its passphrase.
"""

from __future__ import annotations

import os
import stat
import sys
from contextlib import suppress
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from carerdesk.core.errors import CarerdeskError, NotAllowed
from carerdesk.core.permissions import Actor, Can
from carerdesk.db import audit
from carerdesk.db.engine import (
    BUSY_TIMEOUT_MS,
    make_engine,
    sql_string,
    sqlite_url,
    unit_of_work,
)

SQLITE_HEADER = b"SQLite format 3\x00"
MIN_PAGE = 512
"""SQLite's smallest page: a database file is always a whole number of pages."""
FTS_TABLE = "carers_fts"
_DMS_BYTE = 128
"""The byte of a WAL register's ``-shm`` file that every open connection holds a shared lock
on, for as long as it is open (SQLite's "dead man switch", ``os_unix.c``)."""


class WrongPassphrase(CarerdeskError):
    """The passphrase does not open the encrypted register."""

    def __init__(self) -> None:
        super().__init__(
            "That passphrase does not open the register. Check it (capitals and spaces count) "
            "and try again; nothing was read or changed."
        )


class PassphraseFileRefused(CarerdeskError):
    """A passphrase file that is missing, empty, or readable by someone else."""


class RegisterInUse(CarerdeskError):
    """The register is open in carerdesk elsewhere on this computer."""

    def __init__(self) -> None:
        super().__init__(
            "The register is open in carerdesk elsewhere on this computer (another desk, or a "
            "command still running): quit it there first, then try again. Nothing was changed."
        )


def is_encrypted(path: Path) -> bool:
    """Whether the register file at ``path`` is encrypted: whole pages of content (SQLite
    writes nothing else) that do not start as every plain SQLite file does. A file not there
    yet is not; nor is one of any other size (a text file: not a register at all)."""
    try:
        with path.open("rb") as handle:
            start = handle.read(len(SQLITE_HEADER))
            size = handle.seek(0, os.SEEK_END)
    except FileNotFoundError:
        return False
    whole_pages = size >= MIN_PAGE and size % MIN_PAGE == 0
    return whole_pages and start != SQLITE_HEADER


def check_passphrase(text: str, again: str | None = None) -> str:
    """A new passphrase for the register: long enough to protect a lost laptop, typed the
    same twice. The rule is the event passphrase's own (``events.check_passphrase``), so a
    stronger shared check there (moved to ``core``) protects both."""
    from carerdesk.db import events

    return events.check_passphrase(text, again)


def read_passphrase_file(path: Path) -> str:
    """The passphrase in ``path`` (its one line, without the line's end), refused when the
    file could be read by anyone but its owner: a passphrase others can read protects
    nothing."""
    try:
        info = path.stat()
    except OSError:
        raise PassphraseFileRefused(
            f"There is no passphrase file at {path} (the passphrase_file setting). Check the "
            "setting, or remove it to be asked for the passphrase."
        ) from None
    if sys.platform != "win32":
        if info.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise PassphraseFileRefused(
                f"The passphrase file {path} can be read or changed by other people on this "
                f"computer (its mode is {stat.S_IMODE(info.st_mode):o}), so it was not used. "
                f"Make it yours alone (chmod 600 {path}), then try again."
            )
        if info.st_uid != os.getuid():
            raise PassphraseFileRefused(
                f"The passphrase file {path} belongs to another user, so it was not used."
            )
    text = path.read_text(encoding="utf-8")
    text = text.removesuffix("\n").removesuffix("\r")
    if not text:
        raise PassphraseFileRefused(f"The passphrase file {path} is empty.")
    return text


def _check_key(engine: Engine) -> None:
    """Raise ``WrongPassphrase`` unless ``engine``'s key opens its register (a wrong key
    fails on the first page read: SQLCipher checks a code on every page)."""
    try:
        with engine.connect() as connection:
            connection.exec_driver_sql("SELECT count(*) FROM sqlite_master").scalar()
    except SQLAlchemyError:
        engine.dispose()
        raise WrongPassphrase() from None


def open_register(url: str, key: str | None) -> Engine:
    """The engine of the register at ``url``, its passphrase checked when it has one."""
    engine = make_engine(url, key=key)
    if key is not None:
        _check_key(engine)
    return engine


def in_use(path: Path) -> bool:
    """Whether another process has the register at ``path`` open (a desk, a command).

    Every connection to a WAL register holds a shared lock on one byte of its ``-shm`` file
    while open; an exclusive lock on that byte is refused while anyone else holds it. Only
    other processes are seen (this one's own locks never conflict), and only on systems with
    POSIX locks; elsewhere this says False and the exclusive lock taken to rewrite the file is
    what keeps others out.
    """
    shm = Path(f"{path}-shm")
    if sys.platform == "win32" or not shm.exists():
        return False
    import fcntl

    try:
        handle = shm.open("rb+")
    except OSError:
        return False
    with handle:
        try:
            fcntl.lockf(handle, fcntl.LOCK_EX | fcntl.LOCK_NB, 1, _DMS_BYTE)
        except OSError:
            return True
        fcntl.lockf(handle, fcntl.LOCK_UN, 1, _DMS_BYTE)
    return False


class Action:
    """The audit trail's words for what this module does."""

    ENCRYPTED = "register encrypted"
    REKEYED = "passphrase changed"


def encrypt_register(path: Path, new_key: str, *, by: Actor) -> int:
    """Encrypt the plain register at ``path`` under ``new_key``; returns the rows copied.

    The plain file is replaced by the encrypted one (its write-ahead log folded in first), so
    no plain copy is left beside it; earlier backups and exports are the person's to remove.
    """
    by.require(Can.CHANGE_SETTINGS)
    if is_encrypted(path):
        raise NotAllowed(
            "The register is encrypted already: carerdesk rekey changes its passphrase."
        )
    check_passphrase(new_key)
    return _rewrite(path, None, new_key, by=by, action=Action.ENCRYPTED, suffix=".encrypting")


def rekey_register(path: Path, key: str, new_key: str, *, by: Actor) -> int:
    """Re-encrypt the register at ``path`` from ``key`` to ``new_key``; returns the rows
    copied. The old passphrase no longer opens it (nor any copy made from now on)."""
    by.require(Can.CHANGE_SETTINGS)
    if not is_encrypted(path):
        raise NotAllowed("The register is not encrypted: carerdesk encrypt encrypts it.")
    check_passphrase(new_key)
    return _rewrite(path, key, new_key, by=by, action=Action.REKEYED, suffix=".rekeying")


def _remove(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def _counts(connection: Any, schema: str) -> dict[str, int]:
    tables = [
        row[0]
        for row in connection.execute(
            f"SELECT name FROM {schema}.sqlite_master WHERE type = 'table' "
            "AND name NOT LIKE 'sqlite_%' ORDER BY name"
        )
    ]
    return {
        name: connection.execute(f'SELECT count(*) FROM {schema}."{name}"').fetchone()[0]
        for name in tables
    }


def _rewrite(
    path: Path, key: str | None, new_key: str, *, by: Actor, action: str, suffix: str
) -> int:
    """Copy the register at ``path`` (plain when ``key`` is None) into a new file encrypted
    under ``new_key``, check it, record ``action`` in its trail, and move it into place."""
    import sqlcipher3.dbapi2 as sqlcipher  # type: ignore[import-untyped]

    if not path.is_file():
        raise CarerdeskError(f"There is no register at {path}.")
    if in_use(path):
        raise RegisterInUse()
    new = path.with_name(path.name + suffix)
    _remove(new)  # left by a run that was stopped half way
    # Made by us, readable by its owner alone, before SQLite fills it.
    os.close(os.open(new, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    source = sqlcipher.connect(str(path), isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000)
    try:
        source.execute("PRAGMA cipher_log_level = NONE")
        if key is not None:
            source.execute(f"PRAGMA key = {sql_string(key)}")
        try:
            source.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except sqlcipher.DatabaseError:
            raise WrongPassphrase() from None
        # Held from here to the end: no desk reads or writes the old file meanwhile (one
        # starting now waits, then finds the new file). The log is folded into the file.
        source.execute("PRAGMA locking_mode = EXCLUSIVE")
        try:
            source.execute("PRAGMA journal_mode = DELETE")
        except sqlcipher.OperationalError:
            raise RegisterInUse() from None
        source.execute(
            f"ATTACH DATABASE {sql_string(str(new))} AS rewritten KEY {sql_string(new_key)}"
        )
        source.execute("BEGIN EXCLUSIVE")
        source.execute("SELECT sqlcipher_export('rewritten')")
        source.execute("COMMIT")
        expected = _counts(source, "main")
        source.execute("DETACH DATABASE rewritten")
        _check(new, new_key, expected)
        _record(new, new_key, by, action)
        _sync(new)
        os.replace(new, path)
        _sync(path.parent)
    except BaseException:
        with suppress(Exception):
            source.close()
        _remove(new)
        raise
    source.close()
    return sum(expected.values())


def _check(new: Path, new_key: str, expected: dict[str, int]) -> None:
    """The new file, opened afresh with the new key: every page, the tables row for row, and
    the search index against the carers it indexes."""
    import sqlcipher3.dbapi2 as sqlcipher

    connection = sqlcipher.connect(str(new), isolation_level=None)
    try:
        connection.execute("PRAGMA cipher_log_level = NONE")
        connection.execute(f"PRAGMA key = {sql_string(new_key)}")
        failures = connection.execute("PRAGMA cipher_integrity_check").fetchall()
        verdict = connection.execute("PRAGMA integrity_check").fetchall()
        counts = _counts(connection, "main")
        if FTS_TABLE in counts:
            connection.execute(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('integrity-check')")
        # The register keeps its write-ahead log (a persistent setting of the file).
        connection.execute("PRAGMA journal_mode = WAL")
    except sqlcipher.DatabaseError:
        raise _not_copied() from None
    finally:
        connection.close()
    if failures or verdict != [("ok",)] or counts != expected:
        raise _not_copied()


def _not_copied() -> CarerdeskError:
    return CarerdeskError(
        "The new copy of the register did not check out, so it was removed and the register "
        "was left as it was. Check there is room on the disk, then try again."
    )


def _record(new: Path, new_key: str, by: Actor, action: str) -> None:
    engine = make_engine(sqlite_url(new), key=new_key)
    try:
        with unit_of_work(engine) as session:
            audit.record(session, by, action, kind="register")
    finally:
        engine.dispose()


def _sync(path: Path) -> None:
    """Put ``path`` (a file, or a folder's list of names) on the disk before going on."""
    if sys.platform == "win32" and path.is_dir():
        return  # Windows cannot open a folder to sync it; its rename is durable on NTFS
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
