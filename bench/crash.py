"""Kill carerdesk at random moments and check that nothing it confirmed is lost:
``python -m bench.crash [--kills 100] [--import-kills 12] [--seed 1]`` (``make crash``).

- A desk (a child process) signs in and saves carers and contacts through the operations, one
  unit of work a save, as the screens do; after each commit returns it prints the saved
  record's reference or id on a pipe. It is killed with SIGKILL at a random moment, ``kills``
  times. After each kill every save it printed must be in the register.
- ``carerdesk import`` of a folder of register files (a few thousand rows) is killed part
  way, ``import-kills`` times, each on a fresh copy of a register: afterwards the register
  holds all of the import or none of it.
- After every kill the register must pass ``PRAGMA integrity_check`` and its audit chain
  must verify (``carerdesk.db.audit.verify``).

It prints the kills, the confirmed saves and the lost saves, and exits 1 on any loss or
failed check. A SIGKILL ends the process but not the operating system: what the process had
handed to the system is written even so. This proves that a commit is all or nothing and that
a save reported as done survives the process's death; surviving a power cut is what
``synchronous=FULL`` adds (``docs/design.md``), which no test short of pulling the plug shows.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

TODAY = date(2026, 11, 23)
STAFF_NAME, STAFF_PIN = "Sam Staff", "1357"
COORDINATOR_NAME, COORDINATOR_PIN = "Casey Coordinator", "2580"
FAST_PINS = {"pin_hash_time_cost": "1", "pin_hash_memory_kib": "1024", "pin_hash_parallelism": "1"}
"""Argon2 at its cheapest: each restarted desk signs in again, and the test is of saving."""
KEY_VARIABLE = "CARERDESK_CRASH_KEY"
"""How the parent hands the desk the passphrase of an encrypted run (``--encrypted``)."""
CRASH_KEY = "invented crash test passphrase"
IMPORT_CARERS = 600
"""Carers in the import's files, with their caring roles, contacts, cards and referrals."""


@dataclass
class Tally:
    """What the run saw."""

    kills: int = 0
    confirmed: int = 0
    lost: int = 0
    import_kills: int = 0
    imports_finished_first: int = 0
    failures: list[str] = field(default_factory=list)

    @property
    def sound(self) -> bool:
        return self.lost == 0 and not self.failures


# --- the desk: saving in a loop until it is killed ---------------------------------------


def desk(db: Path, first: int) -> None:
    """Sign in and save a carer, then a contact with them, for ever; print each saved record
    once its transaction has committed: ``carer REF`` and ``contact ID``."""
    from carerdesk.core.entries import check_carer, check_contact
    from carerdesk.db import accounts, carers
    from carerdesk.db.engine import make_engine, sqlite_url, unit_of_work

    engine = make_engine(sqlite_url(db), key=os.environ.get(KEY_VARIABLE))
    with unit_of_work(engine) as session:
        actor = accounts.sign_in(session, STAFF_NAME, STAFF_PIN).accepted()
    print("ready", flush=True)
    contact = check_contact(
        {"support": "information_advice", "contact_on": "23/11/2026", "channel": "drop_in"},
        TODAY,
    )
    number = first
    while True:
        entry = check_carer(
            {
                "first_name": "Crash",
                "last_name": "Tester-" + _letters(number),
                "date_of_birth": "14/03/1971",
                "mobile": f"07700 900{number % 1000:03d}",
                "registered_on": "02/11/2026",
                "consent_store": "yes",
            },
            TODAY,
        )
        with unit_of_work(engine) as session:
            carer = carers.register_carer(session, entry, by=actor, today=TODAY)
        print(f"carer {carer.reference}", flush=True)
        with unit_of_work(engine) as session:
            logged = carers.log_contact(session, carer.id, contact, by=actor)
        print(f"contact {logged.id}", flush=True)
        number += 1


def _letters(number: int) -> str:
    """``number`` written in letters (a name takes no digits): 0 a, 25 z, 26 ba."""
    word = ""
    while True:
        number, digit = divmod(number, 26)
        word = chr(ord("a") + digit) + word
        if not number:
            return word.capitalize()


# --- the checks after a kill -------------------------------------------------------------


def checked(db: Path, tally: Tally, when: str, key: str | None = None) -> None:
    """The integrity check and the audit chain, on the register as the next desk opens it."""
    from carerdesk.core.permissions import SYSTEM
    from carerdesk.db import audit
    from carerdesk.db.engine import make_engine, sqlite_url, unit_of_work

    engine = make_engine(sqlite_url(db), key=key)  # opening recovers from the write-ahead log
    try:
        with engine.connect() as connection:
            verdict = connection.exec_driver_sql("PRAGMA integrity_check").scalar()
        with unit_of_work(engine, write=False) as session:
            chain = audit.verify(session, by=SYSTEM)
    finally:
        engine.dispose()
    if verdict != "ok":
        tally.failures.append(f"{when}: integrity check says {verdict}")
    if not chain.sound:
        tally.failures.append(f"{when}: audit chain: {chain.problem}")


def missing(db: Path, carers: set[str], contacts: set[str], key: str | None = None) -> int:
    """How many of the confirmed saves the register does not hold."""
    from carerdesk.db.engine import make_engine, sqlite_url

    engine = make_engine(sqlite_url(db), key=key)
    try:
        with engine.connect() as connection:
            query = connection.exec_driver_sql
            held_carers = {row[0] for row in query("SELECT reference FROM carers")}
            held_contacts = {row[0] for row in query("SELECT id FROM contacts")}
    finally:
        engine.dispose()
    return len(carers - held_carers) + len(contacts - held_contacts)


def counts(db: Path) -> dict[str, int]:
    with sqlite3.connect(db) as connection:
        tables = ("carers", "caring_roles", "contacts", "cards", "referrals", "imported_records")
        found = {t: connection.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables}
    connection.close()
    return found


# --- setting up --------------------------------------------------------------------------


def new_register(db: Path, key: str | None = None) -> None:
    """A register set up with a coordinator and a member of staff (invented people)."""
    from carerdesk.db import accounts
    from carerdesk.db.engine import make_engine, sqlite_url, unit_of_work
    from carerdesk.db.migrate import upgrade
    from carerdesk.db.models import Setting

    engine = make_engine(sqlite_url(db), key=key)
    upgrade(engine)
    with unit_of_work(engine) as session:
        session.add_all(Setting(key=key, value=value) for key, value in FAST_PINS.items())
    with unit_of_work(engine) as session:
        coordinator = accounts.set_up(
            session,
            {
                "organisation_name": "Crash Test Carers",
                "organisation_phone": "020 7946 0000",
                "card_prefix": "CT",
                "coordinator": COORDINATOR_NAME,
                "pin": COORDINATOR_PIN,
                "pin_again": COORDINATOR_PIN,
            },
        ).actor
        accounts.add_user(
            session, coordinator, {"name": STAFF_NAME, "role": "staff", "pin": STAFF_PIN}
        )
    engine.dispose()


def import_files(folder: Path, carers: int = IMPORT_CARERS) -> Path:
    """A folder of register files: a demo register of ``carers`` invented carers, exported
    (600 give about 3,800 rows); the demo's own services are on its referrals."""
    from carerdesk.db import accounts
    from carerdesk.db.engine import make_engine, sqlite_url, unit_of_work
    from carerdesk.db.migrate import upgrade
    from carerdesk.demo import DEMO_USERS, fill_demo
    from carerdesk.export.register import export_register

    engine = make_engine(sqlite_url(folder / "source.sqlite"))
    upgrade(engine)
    fill_demo(engine, carers=carers, seed=5, today=TODAY)
    with unit_of_work(engine, write=False) as session:
        coordinator = accounts.actor_of(accounts.find_user(session, DEMO_USERS[0][0]))
    out = folder / "files"
    with unit_of_work(engine, write=False) as session:
        export_register(session, coordinator, out)
    engine.dispose()
    return out


def import_base(folder: Path) -> Path:
    """A register ready to receive the import: set up, with the demo's services listed."""
    from carerdesk.db import accounts, destinations
    from carerdesk.db.engine import make_engine, sqlite_url, unit_of_work
    from carerdesk.demo import LOCAL_SERVICES

    db = folder / "import-base.sqlite"
    new_register(db)
    engine = make_engine(sqlite_url(db))
    with unit_of_work(engine) as session:
        coordinator = accounts.actor_of(accounts.find_user(session, COORDINATOR_NAME))
        for service, counts_as, contact in LOCAL_SERVICES:
            texts = {"name": service, "counts_as": counts_as, "contact": contact}
            destinations.add_service(session, coordinator, texts)
    engine.dispose()  # the write-ahead log folded in: the file alone is the register
    return db


# --- the runs ----------------------------------------------------------------------------


def _kill(process: subprocess.Popen[str]) -> None:
    """SIGKILL the process and any it started (the import's helper), then reap it."""
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def kill_desks(
    db: Path, kills: int, rng: random.Random, tally: Tally, say: bool, key: str | None = None
) -> None:
    """Start the desk, kill it at a random moment while it saves, check; ``kills`` times."""
    carers: set[str] = set()
    contacts: set[str] = set()
    for round_ in range(1, kills + 1):
        desk_process = subprocess.Popen(
            [sys.executable, "-m", "bench.crash", "desk", str(db), str(round_ * 100_000)],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            start_new_session=True,
            cwd=Path(__file__).resolve().parents[1],
            env={**os.environ, **({KEY_VARIABLE: key} if key else {})},
        )
        assert desk_process.stdout is not None
        if rng.random() < 0.2:
            time.sleep(rng.uniform(0.0, 1.0))  # some kills land as it starts and signs in
        elif desk_process.stdout.readline().strip() == "ready":
            time.sleep(rng.uniform(0.0, 0.6))
        else:
            tally.failures.append(f"round {round_}: the desk did not start")
        if desk_process.poll() is not None:
            tally.failures.append(f"round {round_}: the desk stopped before it was killed")
        _kill(desk_process)
        tally.kills += 1
        for line in desk_process.stdout.read().splitlines() if desk_process.stdout else []:
            kind, _, value = line.partition(" ")
            # Only whole lines count: a line cut short by the kill was not reported done.
            if kind == "carer" and value:
                carers.add(value)
            elif kind == "contact" and value:
                contacts.add(value)
        desk_process.stdout.close()
        tally.confirmed = len(carers) + len(contacts)
        tally.lost = missing(db, carers, contacts, key)
        checked(db, tally, f"desk kill {round_}", key)
        if say:
            print(f"desk kill {round_:3}: {tally.confirmed} saves confirmed, {tally.lost} lost")


def kill_imports(
    folder: Path, kills: int, rng: random.Random, tally: Tally, say: bool, carers: int
) -> None:
    """Import the files into a fresh copy of a register, killed part way; all or nothing.

    One import run to its end first gives the time from its start to its commit (the line it
    prints once committed); each kill then lands at a random moment from 30% of that time to
    just after it, mostly while it checks and writes. An import that ends before its kill is
    run again (a slower or faster machine moves the moment), up to three tries a kill.
    """
    files = import_files(folder, carers)
    base = import_base(folder)
    before = counts(base)
    whole = folder / "import-whole.sqlite"
    shutil.copyfile(base, whole)
    started = time.perf_counter()
    done = _run_import(whole, files)
    assert done.stdout is not None
    line = done.stdout.readline()
    to_commit = time.perf_counter() - started
    done.stdout.close()
    if done.wait() != 0 or not line.startswith("Imported"):
        tally.failures.append("the import run to its end failed")
        return
    after = counts(whole)
    tries = 0
    while tally.import_kills < kills and tries < 3 * kills:
        tries += 1
        db = folder / f"import-{tries}.sqlite"
        shutil.copyfile(base, db)
        process = _run_import(db, files)
        time.sleep(rng.uniform(0.3, 1.02) * to_commit)
        if process.poll() is not None:
            tally.imports_finished_first += 1
        else:
            _kill(process)
            tally.import_kills += 1
        _reap(process)
        now = counts(db)
        if now not in (before, after):
            tally.failures.append(f"import try {tries}: part of the import is in the register")
        checked(db, tally, f"import try {tries}")
        if say:
            state = "all" if now == after else "none"
            how = "killed" if process.returncode == -signal.SIGKILL else "ended first"
            print(f"import try {tries:2} ({how}): {state} of it in the register")
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)


def _reap(process: subprocess.Popen[str]) -> None:
    if process.stdout is not None:
        process.stdout.close()
    process.wait()


def _run_import(db: Path, files: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "carerdesk",
            "--db",
            str(db),
            "--user",
            COORDINATOR_NAME,
            "import",
            str(files),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        start_new_session=True,
        env={**os.environ, "CARERDESK_PIN": COORDINATOR_PIN},
    )


def run(
    folder: Path,
    kills: int,
    import_kills: int,
    seed: int,
    *,
    import_carers: int = IMPORT_CARERS,
    encrypted: bool = False,
    say: bool = False,
) -> Tally:
    """The whole crash test in ``folder``; the tally of what it saw. ``encrypted``: the
    desk's register is encrypted (SQLCipher, its write-ahead log too)."""
    rng = random.Random(seed)
    tally = Tally()
    db = folder / "register.sqlite"
    key = CRASH_KEY if encrypted else None
    new_register(db, key)
    kill_desks(db, kills, rng, tally, say, key)
    if import_kills:
        kill_imports(folder, import_kills, rng, tally, say, import_carers)
    return tally


def main() -> None:
    if sys.argv[1:2] == ["desk"]:
        desk(Path(sys.argv[2]), int(sys.argv[3]))
        return
    parser = argparse.ArgumentParser(prog="python -m bench.crash", description=__doc__)
    parser.add_argument("--kills", type=int, default=100, help="desk kills (default 100)")
    parser.add_argument("--import-kills", type=int, default=12, help="import kills (default 12)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--encrypted", action="store_true", help="the desk's register encrypted")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        tally = run(
            Path(folder),
            args.kills,
            args.import_kills,
            args.seed,
            encrypted=args.encrypted,
            say=True,
        )
    print(
        f"kills: {tally.kills} of the desk, {tally.import_kills} of an import "
        f"({tally.imports_finished_first} more imports ended before their kill, run again)"
    )
    print(f"confirmed saves: {tally.confirmed}")
    print(f"lost saves: {tally.lost}")
    for failure in tally.failures:
        print(f"FAILED: {failure}")
    sys.exit(0 if tally.sound else 1)


if __name__ == "__main__":
    main()
