"""Run every benchmark: ``python -m bench [--quick]``.

Figures (all written to ``bench/results.json`` as ``{"name": number}``):

- search latency, median and 95th percentile, over realistic 1-6 character queries, at 10,000
  and 100,000 carers, measured inside the process through ``find_carers``, and the same
  percentiles of the raw index query (the bare SQL a search cannot beat: the FTS match joined
  to carers, or for one or two letters the name index range) and the ratio between them;
- time from start to the first screen (sign-in: drawn, focused, taking keys) and to the
  register being open behind it, and their ratio to a bare Textual app (a header, an input
  and a footer), each in its own process, median of five;
- peak memory (RSS) with the 100,000-carer register open and searched;
- the register files: export of the 100,000-carer register, and import of its carers, caring
  roles and 300,000 of its contacts into an empty register, in rows a second, beside the
  time to read the same files with the csv module alone;
- the same carers imported through a mapping (another system's column names, labels
  instead of codes, a full-name column) beside carerdesk's own carers file, in the same run,
  and their ratio (target: within 1.2 times; ``bench.mapped``);
- at 100,000 carers, the time from a keystroke in the search box to the results list
  showing that query's results, and its ratio to a bare Textual app echoing the same keys;
- the weekly return for the last complete week on that register grown to 2,000,000
  contacts (median of seven), beside the same SQL statements run bare through sqlite3;
- a durable save: 1,000 carers each with a contact saved through the operations (two commits
  a pair) with ``synchronous=FULL``, plain and encrypted, beside ``NORMAL`` (``durability``).
"""

from __future__ import annotations

import asyncio
import csv
import json
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

from textual.app import App, ComposeResult
from textual.widgets import Input

from bench.duplicates import duplicate_figures, event_import
from bench.durability import durability
from bench.mapped import mapped_import
from bench.weekly import grow, weekly_return
from carerdesk.core.permissions import Actor, Role
from carerdesk.core.text import search_form
from carerdesk.db import accounts, destinations
from carerdesk.db.engine import make_engine, sqlite_url, unit_of_work
from carerdesk.db.migrate import upgrade
from carerdesk.db.search import PAGE, find_carers
from carerdesk.demo import DEMO_USERS, LOCAL_SERVICES, fill_demo

RESULTS = Path(__file__).with_name("results.json")
DESK = Actor("Bench Desk", Role.STAFF)
"""Who the benchmark searches as: each search is audited and counted, as at a desk."""


def _no_pause(seconds: float) -> None:
    """Four hundred searches read more than a desk does in a day: the benchmark measures the
    search (its audit entry and count included), not the deliberate wait past the limit."""


TODAY = date(2026, 11, 23)


def percentile(values: list[float], share: float) -> float:
    """The value below which ``share`` of ``values`` fall (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def build(path: Path, carers: int) -> float:
    """Fill a demo register of ``carers`` at ``path``; returns the seconds it took."""
    started = time.perf_counter()
    engine = make_engine(sqlite_url(path))
    upgrade(engine)
    fill_demo(engine, carers=carers, seed=7, today=TODAY)
    engine.dispose()
    return time.perf_counter() - started


def queries(path: Path, count: int, seed: int = 11) -> list[str]:
    """Realistic 1-6 character queries: starts and middles of names people ask for."""
    rng = random.Random(seed)
    with sqlite3.connect(path) as connection:
        names = [
            row[0]
            for row in connection.execute(
                "SELECT first_name FROM carers UNION ALL SELECT last_name FROM carers"
            )
        ]
    picked = []
    for _ in range(count):
        name = search_form(rng.choice(names)).replace(" ", "")
        length = rng.randint(1, 6)
        start = 0 if rng.random() < 0.7 else rng.randint(0, max(0, len(name) - length))
        picked.append(name[start : start + length] or name)
    return picked


def raw_query(connection: sqlite3.Connection, text: str) -> list[tuple[object, ...]]:
    """The floor: one bare SQL query for the same text, the page of rows a search shows."""
    folded = search_form(text)
    if len(folded) >= 3:
        phrase = '"' + folded.replace('"', '""') + '"'
        sql = (
            "SELECT c.id, c.reference, c.first_name, c.last_name, c.date_of_birth, c.postcode,"
            " c.status FROM carers_fts JOIN carers c ON c.pk = carers_fts.rowid"
            " WHERE carers_fts MATCH ? ORDER BY rank LIMIT ?"
        )
        return connection.execute(sql, (phrase, PAGE)).fetchall()
    sql = (
        "SELECT id, reference, first_name, last_name, date_of_birth, postcode, status"
        " FROM carers WHERE last_folded >= ? AND last_folded < ? ORDER BY last_folded LIMIT ?"
    )
    return connection.execute(sql, (folded, folded + "\U0010ffff", PAGE)).fetchall()


def search_latency(path: Path, label: str, results: dict[str, float]) -> None:
    """Median and p95 of ``find_carers`` against the raw query, same queries, same run."""
    texts = queries(path, 400)
    engine = make_engine(sqlite_url(path))
    ours: list[float] = []
    with unit_of_work(engine, write=False) as session:
        for text in texts[:20]:
            find_carers(session, text, by=DESK, pause=_no_pause)  # warm the page cache
        for text in texts:
            started = time.perf_counter()
            find_carers(session, text, by=DESK, pause=_no_pause)
            ours.append((time.perf_counter() - started) * 1000)
    engine.dispose()
    raw: list[float] = []
    with sqlite3.connect(path) as connection:
        for text in texts[:20]:
            raw_query(connection, text)
        for text in texts:
            started = time.perf_counter()
            raw_query(connection, text)
            raw.append((time.perf_counter() - started) * 1000)
    results[f"search_{label}_p50_ms"] = round(statistics.median(ours), 3)
    results[f"search_{label}_p95_ms"] = round(percentile(ours, 0.95), 3)
    results[f"search_{label}_raw_p50_ms"] = round(statistics.median(raw), 3)
    results[f"search_{label}_raw_p95_ms"] = round(percentile(raw, 0.95), 3)
    results[f"search_{label}_p95_ratio_to_raw"] = round(
        percentile(ours, 0.95) / percentile(raw, 0.95), 2
    )


def start_times(path: Path, results: dict[str, float], runs: int = 5) -> None:
    """Whole-process start of carerdesk against a bare Textual app, median of ``runs``."""

    def once(*args: str) -> tuple[float, dict[str, float]]:
        started = time.perf_counter()
        out = subprocess.run(
            [sys.executable, "-m", "bench.start", *args],
            capture_output=True,
            text=True,
            check=True,
        )
        wall = time.perf_counter() - started
        line = [x for x in out.stdout.splitlines() if x.startswith("{")][-1]
        return wall, json.loads(line)

    bare = [once("bare") for _ in range(runs)]
    ours = [once("carerdesk", str(path)) for _ in range(runs)]
    # In-process times (from the program's first line to the point), with the interpreter's
    # own start-up the same for both, so the ratio compares like with like.
    bare_s = statistics.median(info["ready_s"] for _, info in bare)
    first_s = statistics.median(info["first_screen_s"] for _, info in ours)
    ready_s = statistics.median(info["ready_s"] for _, info in ours)
    results["start_bare_app_s"] = round(bare_s, 3)
    results["start_first_screen_s"] = round(first_s, 3)
    results["start_first_screen_ratio_to_bare"] = round(first_s / bare_s, 2)
    results["start_register_open_s"] = round(ready_s, 3)
    results["start_register_open_ratio_to_bare"] = round(ready_s / bare_s, 2)
    results["process_bare_app_s"] = round(statistics.median(wall for wall, _ in bare), 3)
    results["process_carerdesk_s"] = round(statistics.median(wall for wall, _ in ours), 3)
    results["peak_memory_100k_mb"] = round(max(info["peak_mb"] for _, info in ours), 1)
    results["peak_memory_bare_app_mb"] = round(max(info["peak_mb"] for _, info in bare), 1)


async def _typing_delays(
    app: App[None], texts: list[str], box: Input, drawn_for: Callable[[], str]
) -> list[float]:
    """Type each text a key at a time into ``box``; per key, the ms until it is drawn.

    The key goes in as ``Pilot.press`` sends it (a key event to the app's driver), but
    without ``press``'s own wait for the process to fall idle, which alone takes about
    100 ms a key and is no part of what a person sees. The clock stops when ``drawn_for()``
    returns what has been typed so far and the screen has been refreshed after it.
    """
    from textual import events

    loop = asyncio.get_running_loop()
    delays: list[float] = []
    for text in texts:
        box.value = ""
        await asyncio.sleep(0.05)
        for end in range(1, len(text) + 1):
            typed, char = text[:end], text[end - 1]
            started = time.perf_counter()
            key = events.Key(char, char)
            key.set_sender(app)
            assert app._driver is not None
            app._driver.send_message(key)
            while drawn_for() != typed:
                await asyncio.sleep(0.0005)
            drawn: asyncio.Future[None] = loop.create_future()
            app.screen.call_after_refresh(lambda f=drawn: f.done() or f.set_result(None))
            await drawn
            delays.append((time.perf_counter() - started) * 1000)
    return delays


class BareSearch(App[None]):
    """The floor: a bare Textual app whose input echoes each key, and nothing else."""

    def compose(self) -> ComposeResult:
        yield Input()


async def keystrokes(path: Path, results: dict[str, float], words: int = 40) -> None:
    """At the register's size: each keystroke in the search box until its results are drawn.

    The floor, measured in the same run, is a bare Textual app with one input: the time
    from the same keystrokes to the key itself being drawn.
    """
    from carerdesk.app import CarerdeskApp
    from carerdesk.screens.home import HomeScreen

    texts = [t for t in queries(path, words * 2, seed=5) if len(t) >= 3][:words]
    engine = make_engine(sqlite_url(path))
    with unit_of_work(engine, write=False) as session:
        # Signed in as a member of staff, who sees every column of the results.
        staff = accounts.actor_of(accounts.find_user(session, DEMO_USERS[1][0]))
    engine.dispose()
    app = CarerdeskApp(sqlite_url(path), actor=staff)
    async with app.run_test(size=(80, 24)):
        while not isinstance(app.screen, HomeScreen):
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.2)
        home = app.screen
        assert isinstance(home, HomeScreen)
        box = home.query_one("#carer-search", Input)
        ours = await _typing_delays(app, texts, box, lambda: home.shown_query)
    bare = BareSearch()
    async with bare.run_test(size=(80, 24)):
        await asyncio.sleep(0.2)
        bare_box = bare.query_one(Input)
        floor = await _typing_delays(bare, texts, bare_box, lambda: bare_box.value)
    results["keystroke_to_results_100k_p50_ms"] = round(statistics.median(ours), 2)
    results["keystroke_to_results_100k_p95_ms"] = round(percentile(ours, 0.95), 2)
    results["keystroke_bare_input_p50_ms"] = round(statistics.median(floor), 2)
    results["keystroke_bare_input_p95_ms"] = round(percentile(floor, 0.95), 2)
    results["keystroke_p95_ratio_to_bare"] = round(
        percentile(ours, 0.95) / percentile(floor, 0.95), 2
    )
    results["keystroke_samples"] = len(ours)


def register_files(path: Path, folder: Path, results: dict[str, float], contacts: int) -> None:
    """Export the register at ``path``, then import it into an empty one: rows per second.

    The import's floor is reading the same files with the csv module alone, the least any
    import must do; the contacts file is cut to ``contacts`` rows first.
    """
    from carerdesk.export.importer import import_register, read_source
    from carerdesk.export.register import export_register

    engine = make_engine(sqlite_url(path))
    with unit_of_work(engine, write=False) as session:
        coordinator = accounts.actor_of(accounts.find_user(session, DEMO_USERS[0][0]))
    out = folder / "files"
    started = time.perf_counter()
    with unit_of_work(engine, write=False) as session:
        written = export_register(session, coordinator, out)
    export_s = time.perf_counter() - started
    engine.dispose()
    exported = sum(written.rows.values())
    lines = (out / "contacts.csv").read_text(encoding="utf-8-sig").splitlines(keepends=True)
    (out / "contacts.csv").write_text("".join(lines[: contacts + 1]), encoding="utf-8-sig")

    started = time.perf_counter()
    for name in sorted(out.iterdir()):
        with name.open(encoding="utf-8-sig", newline="") as handle:
            for _ in csv.reader(handle):
                pass
    floor_s = time.perf_counter() - started

    target = make_engine(sqlite_url(folder / "imported.sqlite"))
    upgrade(target)
    with unit_of_work(target) as session:
        # The register's own services go on the new one's list first, as a centre moving
        # its register would add them (register files carry referrals, not the list).
        for service, counts_as, contact in LOCAL_SERVICES:
            texts = {"name": service, "counts_as": counts_as, "contact": contact}
            destinations.add_service(session, coordinator, texts)
    started = time.perf_counter()
    sources = read_source(out)
    with unit_of_work(target) as session:
        outcome = import_register(session, coordinator, sources, today=TODAY)
    import_s = time.perf_counter() - started
    target.dispose()
    assert not outcome.problems, outcome.problems[:3]
    rows = outcome.rows_read
    results["export_register_rows"] = exported
    results["export_register_s"] = round(export_s, 2)
    results["export_rows_per_s"] = round(exported / export_s)
    results["import_rows"] = rows
    results["import_carers"] = outcome.added["carers"]
    results["import_contacts"] = outcome.added["contacts"]
    results["import_s"] = round(import_s, 2)
    results["import_rows_per_s"] = round(rows / import_s)
    results["import_floor_csv_read_s"] = round(floor_s, 2)
    results["import_ratio_to_csv_read"] = round(import_s / floor_s, 1)


def main() -> None:
    quick = "--quick" in sys.argv
    big = 20_000 if quick else 100_000
    results: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as folder:
        small_path, big_path = Path(folder, "10k.sqlite"), Path(folder, "big.sqlite")
        results["build_10k_register_s"] = round(build(small_path, 10_000), 1)
        results["build_100k_register_s"] = round(build(big_path, big), 1)
        search_latency(small_path, "10k", results)
        search_latency(big_path, "100k", results)
        start_times(big_path, results)
        asyncio.run(keystrokes(big_path, results))
        register_files(big_path, Path(folder), results, contacts=300_000 if not quick else 60_000)
        mapped_import(big_path, Path(folder), results)
        duplicate_figures(big_path, results)
        event_import(big_path, Path(folder), results)
        grown = Path(folder, "return.sqlite")
        grow(big_path, grown, 2_000_000 if not quick else 400_000)
        weekly_return(grown, TODAY, results)
        durability(Path(folder), 1000 if not quick else 100, TODAY, results)
    for name, value in results.items():
        print(f"{name:42} {value}")
    if not quick:
        RESULTS.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
        print(f"written to {RESULTS}")


if __name__ == "__main__":
    main()
