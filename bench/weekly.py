"""The weekly return on a register of 100,000 carers and 2,000,000 contacts.

``grow`` copies the benchmark register and brings its contacts up to ``contacts`` by copying
its own contacts to earlier days of the same year (new ids); ``weekly_return`` times
``returns.week_figures`` for the last complete week beside the same SQL statements run bare
through the sqlite3 module, captured from that very call, so the ratio is of like with like.
"""

from __future__ import annotations

import shutil
import sqlite3
import statistics
import time
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import event

from carerdesk.core.weeks import last_complete_week
from carerdesk.db import accounts, returns
from carerdesk.db.engine import make_engine, sqlite_url, unit_of_work
from carerdesk.demo import DEMO_USERS

RUNS = 7


def grow(source: Path, target: Path, contacts: int) -> int:
    """A copy of ``source`` with ``contacts`` contacts; returns how many it holds."""
    shutil.copyfile(source, target)
    with sqlite3.connect(target) as connection:
        have = connection.execute("SELECT count(*) FROM contacts").fetchone()[0]
        indexes = connection.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'contacts'"
            " AND sql IS NOT NULL"
        ).fetchall()
        for name, _ in indexes:  # built again once, after: far quicker than row by row
            connection.execute(f'DROP INDEX "{name}"')
        while have < contacts:
            connection.execute(
                "INSERT INTO contacts (id, carer_id, contact_on, contact_time, channel, support,"
                " minutes, staff, notes, created_at, created_by, updated_at, updated_by)"
                " SELECT lower(hex(randomblob(16))), carer_id,"
                " date(contact_on, '-' || (abs(random()) % 300) || ' days'), contact_time,"
                " channel, support, minutes, staff, notes, created_at, created_by, updated_at,"
                " updated_by FROM contacts LIMIT ?",
                (contacts - have,),
            )
            have = connection.execute("SELECT count(*) FROM contacts").fetchone()[0]
        for _, create in indexes:
            connection.execute(create)
        connection.execute("ANALYZE")
    return int(have)


def weekly_return(path: Path, today: date, results: dict[str, float]) -> None:
    """Median time of a week's figures, and of the same statements run bare."""
    engine = make_engine(sqlite_url(path))
    week = last_complete_week(today)
    with unit_of_work(engine, write=False) as session:
        coordinator = accounts.actor_of(accounts.find_user(session, DEMO_USERS[0][0]))
    statements: list[tuple[str, Any]] = []

    def capture(conn: Any, cursor: Any, statement: str, parameters: Any, *args: Any) -> None:
        if statement.lstrip().upper().startswith(("SELECT", "WITH")):
            statements.append((statement, parameters))

    with unit_of_work(engine, write=False) as session:
        event.listen(engine, "before_cursor_execute", capture)
        returns.week_figures(session, week, coordinator)  # also warms the page cache
        event.remove(engine, "before_cursor_execute", capture)
    ours = []
    for _ in range(RUNS):
        with unit_of_work(engine, write=False) as session:
            started = time.perf_counter()
            returns.week_figures(session, week, coordinator)
            ours.append(time.perf_counter() - started)
    engine.dispose()
    bare = []
    with sqlite3.connect(path) as connection:
        for _ in range(RUNS):
            started = time.perf_counter()
            for statement, parameters in statements:
                connection.execute(statement, parameters).fetchall()
            bare.append(time.perf_counter() - started)
    with sqlite3.connect(path) as connection:
        contacts = connection.execute("SELECT count(*) FROM contacts").fetchone()[0]
        carers = connection.execute("SELECT count(*) FROM carers").fetchone()[0]
    results["return_register_carers"] = carers
    results["return_register_contacts"] = contacts
    results["return_week_s"] = round(statistics.median(ours), 3)
    results["return_bare_queries_s"] = round(statistics.median(bare), 3)
    results["return_ratio_to_bare"] = round(statistics.median(ours) / statistics.median(bare), 2)
    results["return_queries"] = len(statements)
