"""What a durable save costs: a carer and a contact saved through the operations, each in its
own unit of work as the screens save them, ``count`` times, with ``synchronous=NORMAL`` (the
floor: in WAL mode it can lose the last commits to a power cut) and with ``FULL`` (carerdesk's
choice: each commit is on the disk before the desk says "Saved"), plain and encrypted; and
1,000 bare one-row commits through sqlite3 under each, the sync's own cost.
"""

from __future__ import annotations

import sqlite3
import time
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event

from carerdesk.core.entries import check_carer, check_contact
from carerdesk.core.permissions import Actor, Role
from carerdesk.db import carers
from carerdesk.db.engine import make_engine, sqlite_url, unit_of_work
from carerdesk.db.migrate import upgrade

DESK = Actor("Bench Desk", Role.STAFF)
KEY = "bench passphrase of four words"


def _saves(engine: Engine, count: int, today: date) -> float:
    """Seconds to save ``count`` carers, each with a contact: two commits a pair."""
    contact = check_contact(
        {"support": "information_advice", "contact_on": "23/11/2026", "channel": "drop_in"},
        today,
    )
    entries = [
        check_carer(
            {
                "first_name": "Durable",
                "last_name": f"Saver{chr(97 + n % 26)}{chr(97 + n // 26 % 26)}",
                "date_of_birth": "14/03/1971",
                "registered_on": "02/11/2026",
                "consent_store": "yes",
            },
            today,
        )
        for n in range(count)
    ]
    started = time.perf_counter()
    for entry in entries:
        with unit_of_work(engine) as session:
            carer = carers.register_carer(session, entry, by=DESK, today=today)
        with unit_of_work(engine) as session:
            carers.log_contact(session, carer.id, contact, by=DESK)
    return time.perf_counter() - started


def _register(path: Path, *, key: str | None = None, normal: bool = False) -> Engine:
    engine = make_engine(sqlite_url(path), key=key)
    if normal:

        @event.listens_for(engine, "connect")
        def _normal(dbapi_connection: Any, _record: Any) -> None:
            # After make_engine's own listener: the setting carerdesk had before FULL.
            dbapi_connection.execute("PRAGMA synchronous=NORMAL")

    upgrade(engine)
    return engine


def _bare_commits(path: Path, synchronous: str, count: int) -> float:
    """Seconds for ``count`` one-row transactions through sqlite3 alone: the sync's own cost."""
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute(f"PRAGMA synchronous={synchronous}")
    connection.execute("CREATE TABLE saves (id INTEGER PRIMARY KEY, body TEXT)")
    started = time.perf_counter()
    for n in range(count):
        connection.execute("BEGIN IMMEDIATE")
        connection.execute("INSERT INTO saves (body) VALUES (?)", (f"save {n}",))
        connection.execute("COMMIT")
    took = time.perf_counter() - started
    connection.close()
    return took


ROUNDS = 5
"""Each setting runs in turn, a fifth of the saves at a time, so that a change in the
machine's load falls on all three alike."""


def durability(folder: Path, count: int, today: date, results: dict[str, float]) -> None:
    """The figures: saves a second and milliseconds a save under each setting."""
    runs = {
        "normal": _register(folder / "normal.sqlite", normal=True),
        "full": _register(folder / "full.sqlite"),
        "full_encrypted": _register(folder / "encrypted.sqlite", key=KEY),
    }
    seconds = dict.fromkeys(runs, 0.0)
    for _ in range(ROUNDS):
        for name, engine in runs.items():
            seconds[name] += _saves(engine, count // ROUNDS, today)
    for name, engine in runs.items():
        engine.dispose()
        results[f"save_carer_and_contact_{name}_ms"] = round(seconds[name] / count * 1000, 2)
        results[f"saves_{name}_per_s"] = round(count / seconds[name])
    results["save_full_ratio_to_normal"] = round(seconds["full"] / seconds["normal"], 2)
    results["save_encrypted_ratio_to_full"] = round(seconds["full_encrypted"] / seconds["full"], 2)
    results["save_pairs_timed"] = count
    bare = {
        mode: _bare_commits(folder / f"bare-{mode}.sqlite", mode, 1000)
        for mode in ("NORMAL", "FULL")
    }
    results["bare_commit_normal_ms"] = round(bare["NORMAL"], 3)  # 1,000 commits: ms each
    results["bare_commit_full_ms"] = round(bare["FULL"], 3)
