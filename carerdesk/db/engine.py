"""Engines and units of work.

SQLite is opened in WAL mode with foreign keys on and a busy timeout, so two desks on one
machine can save at the same moment. A write transaction takes the write lock at its start
(``BEGIN IMMEDIATE``): with a deferred ``BEGIN``, two desks that read then write get
"database is locked" (FACTS.md). Reads keep a plain ``BEGIN`` so they never queue behind a
writer. One user action is one unit of work: it commits as a whole or not at all.

Durability: ``synchronous=FULL``. In WAL mode ``NORMAL`` syncs the log only at checkpoints, so
a power cut can undo the last commits after the desk said "Saved"; ``FULL`` syncs the log at
every commit, so a save once confirmed survives one (the cost is measured in
``bench/durability.py`` and written down in ``docs/design.md``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from carerdesk.core.errors import (
    DatabaseBusy,
    DiskFull,
    RegisterReadOnly,
    RegisterUnavailable,
    Stale,
)
from carerdesk.core.private_files import new_private_file

BUSY_TIMEOUT_MS = 5000


def sqlite_url(path: str | Path) -> str:
    """The SQLAlchemy URL of a SQLite file."""
    return f"sqlite:///{Path(path).expanduser()}"


def sqlite_path(url: str) -> Path | None:
    """The file of a SQLite URL; None for an in-memory database (or a ``file:`` URI)."""
    from sqlalchemy.engine import make_url

    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database).expanduser()


def sql_string(text: str) -> str:
    """``text`` as an SQL string literal (a PRAGMA takes no parameters)."""
    return "'" + text.replace("'", "''") + "'"


def make_engine(url: str, *, key: str | None = None, one_file: bool = False) -> Engine:
    """An engine for ``url``, set up for several desks at once on SQLite.

    With ``key``, the SQLite file is encrypted with SQLCipher under that passphrase (the main
    register when encrypted at rest, or an event's file): it is opened through the sqlcipher3
    driver and keyed before anything else is read. The write-ahead log is encrypted too.
    ``one_file`` (an event's file): no write-ahead log beside it (a rollback journal that is
    gone after each commit), so that the file alone can be handed on.
    """
    # A statement's parameters (names, dates of birth, PIN hashes) never go into an error's
    # message: such messages can reach a log or a screen.
    if not url.startswith("sqlite"):
        return create_engine(url, pool_pre_ping=True, hide_parameters=True)
    options: dict[str, Any] = {
        "connect_args": {"check_same_thread": False},
        "hide_parameters": True,
    }
    if key is not None:
        import sqlcipher3.dbapi2 as sqlcipher  # type: ignore[import-untyped]

        options["module"] = sqlcipher
    engine = create_engine(url, **options)

    @event.listens_for(engine, "do_connect")
    def _before_connect(_dialect: Any, _record: Any, _args: Any, _params: Any) -> None:
        # A new register (or event file) is made private before SQLite opens it: SQLite
        # gives its -wal and -shm files the mode of the database file.
        if (path := sqlite_path(url)) is not None:
            new_private_file(path)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # The driver's own transaction handling is off, so the BEGIN below is the only one.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        if key is not None:
            cursor.execute(f"PRAGMA key = {sql_string(key)}")
            # SQLCipher writes its own errors to standard error: the screen would show them.
            cursor.execute("PRAGMA cipher_log_level = NONE")
        cursor.execute("PRAGMA journal_mode=DELETE" if one_file else "PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        # A commit returns only once its log (or journal) is on the disk: see the docstring.
        cursor.execute("PRAGMA synchronous=FULL")
        # macOS's fsync leaves the write in the drive's cache; F_FULLFSYNC flushes it. A no-op
        # on systems without it (Linux, Windows).
        cursor.execute("PRAGMA fullfsync=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        write = connection.get_execution_options().get("write", False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine


def register_file(url: str) -> Path | None:
    """The file of a SQLite register's URL; None for any other database (or one in memory)."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if not parsed.drivername.startswith("sqlite") or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database).expanduser()


def is_sqlite(engine: Engine) -> bool:
    """True when the register is a SQLite file."""
    return engine.dialect.name == "sqlite"


def _fault(error: BaseException | None) -> DiskFull | RegisterReadOnly | None:
    """A full disk or a read-only register, told from the driver's error (by SQLite's code
    where the driver gives it, by its fixed text otherwise)."""
    name = str(getattr(error, "sqlite_errorname", ""))
    text = str(error).lower()
    if name == "SQLITE_FULL" or "disk is full" in text:
        return DiskFull()
    if name.startswith("SQLITE_READONLY") or "readonly database" in text:
        return RegisterReadOnly()
    return None


@contextmanager
def unit_of_work(engine: Engine, *, write: bool = True) -> Iterator[Session]:
    """One user action: a session that commits on success and rolls back on any error."""
    bind = engine.execution_options(write=write)
    session = Session(bind=bind, expire_on_commit=False)
    try:
        yield session
        session.commit()
    except OperationalError as error:
        session.rollback()
        if "locked" in str(error.orig) or "busy" in str(error.orig):
            raise DatabaseBusy() from None
        if (fault := _fault(error.orig)) is not None:
            raise fault from error
        # The driver's message may quote the values being written: a person sees only ours
        # (the cause stays chained for a developer's debugger, never shown or logged).
        raise RegisterUnavailable() from error
    except DBAPIError as error:
        session.rollback()
        raise _fault(error.orig) or RegisterUnavailable() from error
    except StaleDataError:
        # Another desk changed the record between this one reading and writing it.
        session.rollback()
        raise Stale(
            "The record was changed at another desk as you saved, so nothing was saved. "
            "Open it again to see the change, then make yours."
        ) from None
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
