"""A large contacts file is read and checked by a helper process: the same result, the same
report, the same refusals as when it is read here."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from carerdesk.db.engine import make_engine, sqlite_url, unit_of_work
from carerdesk.db.migrate import upgrade
from carerdesk.db.models import Contact
from carerdesk.export import importer
from carerdesk.export.importer import ImportRefused, LargeCsv, import_register, read_source
from carerdesk.export.register import COLUMNS, export_register
from tests.conftest import COORDINATOR, TODAY


@pytest.fixture(autouse=True)
def every_contacts_file_is_large(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(importer, "LARGE_BYTES", 1)


@pytest.fixture
def empty(tmp_path: Path) -> Iterator[Engine]:
    engine = make_engine(sqlite_url(tmp_path / "empty.sqlite"))
    upgrade(engine)
    yield engine
    engine.dispose()


def _checked_here_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    # The helper runs its own copy of the importer: this one's refusal shows it was not used.
    def refuse(large: LargeCsv, today: object) -> None:
        raise AssertionError("checked in this process, not by the helper")

    monkeypatch.setattr(importer, "check_file", refuse)


def test_the_helper_gives_the_same_register(
    register: Engine, empty: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with unit_of_work(register, write=False) as session:
        export_register(session, COORDINATOR, tmp_path / "one")
    sources = read_source(tmp_path / "one")
    assert isinstance(sources["contacts"], LargeCsv)
    _checked_here_is_refused(monkeypatch)
    with unit_of_work(empty) as session:
        outcome = import_register(session, COORDINATOR, sources, today=TODAY)
    assert outcome.problems == [] and outcome.added["contacts"] == 3
    with unit_of_work(empty, write=False) as session:
        export_register(session, COORDINATOR, tmp_path / "two")
    for kind in COLUMNS:
        assert (tmp_path / "one" / f"{kind}.csv").read_bytes() == (
            tmp_path / "two" / f"{kind}.csv"
        ).read_bytes(), kind


def _contacts(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "contacts.csv"
    path.write_text(text, encoding="utf-8")
    return path


BAD = (
    "contact_id,reference,contact_on,channel,minutes\n"
    "a1,,01/11/2026,phone,15\n"
    "a2,,31/02/2026,phone,15\n"
    "a3,C999999,02/11/2026,phone,15\n"
    "a1,,03/11/2026,phone,900\n"
)
REPORT = [
    "contacts.csv:3: contact_on: ",
    "contacts.csv:4: reference: No carer has this reference",
    "contacts.csv:5: contact_id: This id is in the file twice.",
    "contacts.csv:5: minutes: ",
]


def _report(empty: Engine, path: Path) -> list[str]:
    with unit_of_work(empty) as session:
        outcome = import_register(session, COORDINATOR, read_source(path), today=TODAY)
    assert not outcome.written
    return [str(problem) for problem in outcome.problems]


def test_bad_rows_in_a_large_file_are_reported_where_they_are(
    empty: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _contacts(tmp_path, BAD)
    monkeypatch.setattr(importer, "LARGE_BYTES", 10**9)
    here = _report(empty, path)
    monkeypatch.setattr(importer, "LARGE_BYTES", 1)
    _checked_here_is_refused(monkeypatch)
    by_helper = _report(empty, path)
    assert by_helper == here
    assert [line[: len(start)] for line, start in zip(here, REPORT, strict=True)] == REPORT


def test_a_large_file_that_is_not_csv_is_refused_with_where(
    empty: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _contacts(
        tmp_path, 'contact_id,contact_on,channel\nx,"01/11/2026,phone\n' + "y," * 70000
    )
    _checked_here_is_refused(monkeypatch)
    with pytest.raises(ImportRefused, match=r"contacts\.csv:\d+: the file cannot be read"):
        _report(empty, path)


def test_without_a_helper_the_file_is_checked_here(
    empty: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(importer.sys, "executable", str(tmp_path / "no-such-python"))
    assert _report(empty, _contacts(tmp_path, BAD))[0].startswith(REPORT[0])


def _load(engine: Engine, path: Path) -> importer.Outcome:
    with unit_of_work(engine) as session:
        return import_register(session, COORDINATOR, read_source(path), today=TODAY)


@pytest.mark.parametrize("large", [False, True])
def test_a_short_row_keeps_what_its_missing_columns_hold(
    empty: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, large: bool
) -> None:
    # A row that stops before the last columns (as some spreadsheets write them) leaves
    # those columns alone, whichever process checked it.
    header = "contact_id,contact_on,channel,minutes,staff,notes\n"
    monkeypatch.setattr(importer, "LARGE_BYTES", 10**9)
    assert _load(
        empty, _contacts(tmp_path, header + "A1,01/11/2026,phone,15,Sam,keep me\n")
    ).written
    if large:
        monkeypatch.setattr(importer, "LARGE_BYTES", 1)
        _checked_here_is_refused(monkeypatch)
    again = _load(empty, _contacts(tmp_path, header + "A1,01/11/2026,phone,15\n"))
    assert (again.changed["contacts"], again.unchanged["contacts"]) == (0, 1)
    with unit_of_work(empty, write=False) as session:
        stored = session.get(Contact, "A1")
        assert stored is not None and (stored.staff, stored.notes) == ("Sam", "keep me")


def test_the_helper_runs_no_code_from_the_folder_it_was_started_in(
    register: Engine, empty: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Received files may sit beside a csv.py: the helper must import the real csv module.
    with unit_of_work(register, write=False) as session:
        export_register(session, COORDINATOR, tmp_path / "files")
    marker = tmp_path / "ran"
    (tmp_path / "files" / "csv.py").write_text(f"open({str(marker)!r}, 'w').close()\n")
    monkeypatch.chdir(tmp_path / "files")
    _checked_here_is_refused(monkeypatch)
    assert _load(empty, Path(".")).added["contacts"] == 3
    assert not marker.exists()
