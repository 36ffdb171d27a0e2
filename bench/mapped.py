"""Importing another system's spreadsheet through a mapping, beside carerdesk's own file.

The carers of the benchmark register are written twice: as carerdesk's own ``carers.csv``,
and as another system would keep them (its own column names, labels instead of codes,
dates written the UK way, one "Surname, Forename" column). Each is imported into an empty
register, alternately, three times; the figure is the median of each and their ratio (the
issue's target: the mapped import within 1.2 times the own). Only the import is timed:
proposing the mapping is done once, before.

Run alone: ``python -m bench.mapped [--carers N]`` (builds its own register first; at the
full 100,000 its figures replace the ``mapped_import_*`` ones in ``results.json``).
"""

from __future__ import annotations

import csv
import json
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from carerdesk.core import mapping
from carerdesk.core.permissions import Actor
from carerdesk.db import accounts
from carerdesk.db.engine import make_engine, sqlite_url, unit_of_work
from carerdesk.db.migrate import upgrade
from carerdesk.demo import DEMO_USERS
from carerdesk.export.register import COLUMNS, ROWS

TODAY = date(2026, 11, 23)
RUNS = 3

RENAMED = {
    "reference": "Client Ref",
    "preferred_name": "Known As",
    "date_of_birth": "DOB",
    "gender": "Sex",
    "ethnicity": "Ethnic Origin",
    "address_line_1": "Address 1",
    "address_line_2": "Address 2",
    "town": "Town/City",
    "postcode": "Post Code",
    "phone": "Tel",
    "mobile": "Mobile No",
    "email": "E-mail",
    "registered_on": "Date Registered",
    "how_heard": "Referral Source",
}
"""The other system's names for some columns (the rest keep carerdesk's label)."""


def _uk(text: str) -> str:
    # An ISO date as a UK spreadsheet writes it.
    if len(text) == 10 and text[4] == "-" and text[7] == "-":
        return f"{text[8:]}/{text[5:7]}/{text[:4]}"
    return text


def write_files(register: Path, folder: Path) -> tuple[Path, Path, mapping.Mapping]:
    """Write the register's carers as carerdesk's ``carers.csv`` and as another system's
    file; returns both and the mapping for the other (as proposed, then checked)."""
    engine = make_engine(sqlite_url(register))
    own, other = folder / "carers.csv", folder / "other-system.csv"
    columns = COLUMNS["carers"]
    split = ("first_name", "last_name")
    kept = [name for name in columns if name not in split]
    header = ["Client Name", *(RENAMED.get(name) or _label(name) for name in kept)]
    with (
        unit_of_work(engine, write=False) as session,
        own.open("w", encoding="utf-8-sig", newline="") as own_handle,
        other.open("w", encoding="utf-8", newline="") as other_handle,
    ):
        own_out, other_out = csv.writer(own_handle), csv.writer(other_handle)
        own_out.writerow(columns)
        other_out.writerow(header)
        for row in ROWS["carers"](session):
            cells = dict(zip(columns, row, strict=True))
            own_out.writerow(row)
            other_out.writerow(
                [
                    f"{cells['last_name']}, {cells['first_name']}",
                    *(_foreign(name, cells[name]) for name in kept),
                ]
            )
    engine.dispose()
    chosen = mapping.Mapping(
        (
            mapping.ColumnMap("Client Name", "full_name"),
            *(
                mapping.ColumnMap(source, name, _values(name))
                for name, source in zip(kept, header[1:], strict=True)
            ),
        )
    )
    return own, other, chosen


def _label(name: str) -> str:
    return mapping.TARGETS[name]


def _foreign(name: str, value: str) -> str:
    code_list = mapping.coded(name)
    if code_list is not None and value:
        return code_list.get(value, value)  # the label, as the other system shows it
    return _uk(value) if name in mapping.DATES else value


def _values(name: str) -> dict[str, str]:
    code_list = mapping.coded(name)
    return {label: code for code, label in code_list.items()} if code_list else {}


def _import_once(path: Path, chosen: mapping.Mapping | None, target_path: Path, by: Actor) -> float:
    from carerdesk.export.importer import import_register, read_source

    target = make_engine(sqlite_url(target_path))
    upgrade(target)
    started = time.perf_counter()
    sources = read_source(path, mapping=chosen)
    with unit_of_work(target) as session:
        outcome = import_register(session, by, sources, today=TODAY)
    elapsed = time.perf_counter() - started
    target.dispose()
    assert not outcome.problems, [str(problem) for problem in outcome.problems[:3]]
    assert outcome.added["carers"] > 0
    return elapsed


def mapped_import(register: Path, folder: Path, results: dict[str, float]) -> None:
    """Time the import of the register's carers through a mapping beside their own file."""
    work = folder / "mapped"
    work.mkdir(exist_ok=True)
    engine = make_engine(sqlite_url(register))
    with unit_of_work(engine, write=False) as session:
        by = accounts.actor_of(accounts.find_user(session, DEMO_USERS[0][0]))
    engine.dispose()
    own, other, chosen = write_files(register, work)
    own_s: list[float] = []
    mapped_s: list[float] = []
    for run in range(RUNS):  # alternately, so that a busy moment falls on both alike
        own_s.append(_import_once(own, None, work / f"own{run}.sqlite", by))
        mapped_s.append(_import_once(other, chosen, work / f"mapped{run}.sqlite", by))
    with own.open(encoding="utf-8-sig") as handle:
        rows = sum(1 for _ in handle) - 1
    results["mapped_import_carers"] = rows
    results["mapped_import_own_file_s"] = round(statistics.median(own_s), 2)
    results["mapped_import_s"] = round(statistics.median(mapped_s), 2)
    results["mapped_import_ratio_to_own"] = round(
        statistics.median(mapped_s) / statistics.median(own_s), 2
    )


def main() -> None:
    """Build a register (``--carers N``, default 100,000), then time both imports."""
    from bench.__main__ import build

    carers = int(sys.argv[sys.argv.index("--carers") + 1]) if "--carers" in sys.argv else 100_000
    results: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as folder:
        register = Path(folder, "register.sqlite")
        results["mapped_build_register_s"] = round(build(register, carers), 1)
        mapped_import(register, Path(folder), results)
    for name, value in results.items():
        print(f"{name:42} {value}")
    if carers == 100_000:  # this piece's figures, in place of the last full run's
        from bench.__main__ import RESULTS

        recorded = json.loads(RESULTS.read_text(encoding="utf-8"))
        recorded.update((k, v) for k, v in results.items() if k.startswith("mapped_import"))
        RESULTS.write_text(json.dumps(recorded, indent=2) + "\n", encoding="utf-8")
        print(f"written to {RESULTS}")


if __name__ == "__main__":
    main()
