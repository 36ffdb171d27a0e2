"""Exports no one else can read, never half-written over an earlier one: file modes, an
export killed mid-way, a full disk, a damaged register (issue 15, item 9)."""

from __future__ import annotations

import errno
import os
import random
import shutil
import signal
import stat
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import IO, Any

import pytest

from carerdesk.core.errors import CarerdeskError
from carerdesk.core.private_files import STAGING_PREFIX, Staged
from carerdesk.db.engine import make_engine, sqlite_url, unit_of_work
from carerdesk.db.migrate import upgrade
from carerdesk.demo import fill_demo
from carerdesk.export.register import export_and_record, export_register
from tests.conftest import COORDINATOR

FILES = [
    "cards.csv",
    "carers.csv",
    "caring_roles.csv",
    "consents.csv",
    "contacts.csv",
    "referrals.csv",
    "services.csv",
    "wards.csv",
]


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(autouse=True)
def loose_umask() -> Iterator[None]:
    """A umask that lets everyone read what is made: the modes must not depend on it."""
    before = os.umask(0o002)
    yield
    os.umask(before)


@pytest.fixture(scope="module")
def filled(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A demo register of 150 invented carers, made once for the module."""
    path = tmp_path_factory.mktemp("filled") / "register.sqlite"
    engine = make_engine(sqlite_url(path))
    upgrade(engine)
    fill_demo(engine, carers=150, seed=5, today=date(2026, 11, 23))
    engine.dispose()  # the last connection folds the write-ahead log into the file
    return path


@pytest.fixture
def register(filled: Path, tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "register.sqlite"
    shutil.copyfile(filled, path)
    yield path


@pytest.fixture
def system_temp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The system's temporary folder, here: nothing of an export may be left in it."""
    folder = tmp_path / "system-temp"
    folder.mkdir()
    monkeypatch.setenv("TMPDIR", str(folder))
    monkeypatch.setattr("tempfile.tempdir", str(folder))
    return folder


def export(path: Path, out: Path, fmt: str = "csv") -> None:
    engine = make_engine(sqlite_url(path))
    try:
        with unit_of_work(engine, write=False) as session:
            export_register(session, COORDINATOR, out, fmt=fmt)
    finally:
        engine.dispose()


def contents(folder: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in folder.iterdir() if path.is_file()}


def test_an_export_and_its_new_folder_are_readable_by_their_owner_only(
    register: Path, tmp_path: Path, system_temp: Path
) -> None:
    out = tmp_path / "usb" / "export"
    export(register, out)
    assert mode(tmp_path / "usb") == 0o700 and mode(out) == 0o700
    assert {path.name: mode(path) for path in out.iterdir()} == dict.fromkeys(FILES, 0o600)
    book = tmp_path / "usb" / "register.xlsx"
    export(register, book, fmt="xlsx")
    assert mode(book) == 0o600
    assert sorted(p.name for p in book.parent.iterdir()) == ["export", "register.xlsx"]
    assert list(system_temp.iterdir()) == []  # openpyxl's sheets went in the private folder


CHILD = textwrap.dedent(
    """
    import os, resource, signal, sys, time
    from pathlib import Path
    from carerdesk.core.permissions import Actor, Role
    from carerdesk.db.engine import make_engine, sqlite_url, unit_of_work
    from carerdesk.export.register import export_register

    register, out, fmt, limit = sys.argv[1], Path(sys.argv[2]), sys.argv[3], int(sys.argv[4])

    def progress(kind, count):
        if limit == 0 and kind == "contacts":  # three files on their way: wait to be killed
            print("mid-way", flush=True)
            time.sleep(60)

    if limit:  # a disk that takes only so many bytes a file
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    engine = make_engine(sqlite_url(register))
    try:
        with unit_of_work(engine, write=False) as session:
            export_register(
                session, Actor("Casey Coordinator", "coordinator"), out, fmt=fmt,
                progress=progress,
            )
    except OSError as error:
        print("refused", error.errno, flush=True)
        sys.exit(1)
    """
)


def _child(register: Path, out: Path, fmt: str, limit: int) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", CHILD, str(register), str(out), fmt, str(limit)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
    )


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_an_export_killed_mid_way_leaves_the_earlier_export_whole(
    register: Path, tmp_path: Path, system_temp: Path, fmt: str
) -> None:
    out = tmp_path / "usb" / ("register.xlsx" if fmt == "xlsx" else "export")
    folder = out.parent if fmt == "xlsx" else out
    export(register, out, fmt)
    before = contents(folder)
    child = _child(register, out, fmt, 0)
    assert child.stdout is not None and child.stdout.readline() == "mid-way\n"
    child.send_signal(signal.SIGKILL)
    child.communicate()
    assert contents(folder) == before  # byte-identical, every file
    # What the killed export had written is in its private folder, which no one else can
    # open, and which the next export there removes.
    (left,) = [path for path in folder.iterdir() if path.is_dir()]
    assert left.name.startswith(STAGING_PREFIX) and mode(left) == 0o700
    assert list(left.iterdir()) and all(mode(path) == 0o600 for path in left.iterdir())
    assert list(system_temp.iterdir()) == []
    export(register, out, fmt)
    assert contents(folder).keys() == before.keys()
    assert [path for path in folder.iterdir() if path.is_dir()] == []  # no plaintext left


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_an_export_to_a_full_disk_leaves_the_earlier_export_whole(
    register: Path, tmp_path: Path, system_temp: Path, fmt: str
) -> None:
    out = tmp_path / "usb" / ("register.xlsx" if fmt == "xlsx" else "export")
    folder = out.parent if fmt == "xlsx" else out
    export(register, out)  # as CSV: the files' sizes
    limit = (len(contents(out)["carers.csv"]) + len(contents(out)["contacts.csv"])) // 2
    if fmt == "xlsx":
        shutil.rmtree(out)
        export(register, out, fmt)
    before = contents(folder)
    # Room for the carers' file, not for the contacts': the disk fills part-way.
    child = _child(register, out, fmt, limit)
    said, noise = child.communicate(timeout=120)
    assert child.returncode == 1 and said == f"refused {errno.EFBIG}\n"
    assert "Traceback" not in noise  # nor a workbook's writer failing again as it is dropped
    assert contents(folder) == before
    assert [path for path in folder.iterdir() if path.is_dir()] == []  # nothing else left
    assert list(system_temp.iterdir()) == []


class FullDisk:
    """A file that takes the first ``room`` bytes, then says the disk is full."""

    def __init__(self, handle: IO[Any], room: int) -> None:
        self.handle, self.room = handle, room

    def write(self, text: str) -> int:
        self.room -= len(text)
        if self.room < 0:
            raise OSError(errno.ENOSPC, "No space left on device")
        return int(self.handle.write(text))

    def __enter__(self) -> FullDisk:
        return self

    def __exit__(self, *exc: object) -> None:
        self.handle.close()


@pytest.mark.parametrize("nth", [1, 4])
def test_no_space_at_the_nth_file_leaves_the_earlier_export_and_no_trail(
    register: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, nth: int
) -> None:
    out = tmp_path / "usb"
    export(register, out)
    before = contents(out)
    opened = Staged.open
    count = 0

    def full_at_the_nth(self: Staged, name: str, how: str = "w", **options: Any) -> Any:
        nonlocal count
        count += 1
        handle = opened(self, name, how, **options)
        return FullDisk(handle, 500) if count == nth else handle

    monkeypatch.setattr(Staged, "open", full_at_the_nth)
    engine = make_engine(sqlite_url(register))
    try:
        with pytest.raises(OSError, match="No space"):
            export_and_record(lambda write: unit_of_work(engine, write=write), COORDINATOR, out)
        from carerdesk.db import audit

        with unit_of_work(engine, write=False) as session:
            trail = audit.entries(session, audit.TrailFilter(), by=COORDINATOR, limit=1)
        assert all(entry.action != "exported" for entry in trail)
    finally:
        engine.dispose()
    assert contents(out) == before
    assert sorted(path.name for path in out.iterdir()) == FILES


def test_a_failed_export_of_a_damaged_register_leaves_the_earlier_export_whole(
    register: Path, tmp_path: Path
) -> None:
    out = tmp_path / "usb"
    export(register, out)
    before = contents(out)
    raw = bytearray(register.read_bytes())
    noise = random.Random(15)
    for at in range(len(raw) * 2 // 5, len(raw) * 3 // 5):  # the middle of the file
        raw[at] = noise.randrange(256)
    register.write_bytes(bytes(raw))
    with pytest.raises(CarerdeskError):
        export(register, out)
    assert contents(out) == before
    assert sorted(path.name for path in out.iterdir()) == FILES


def test_the_command_line_says_a_full_disk_plainly_and_keeps_the_earlier_export(
    register: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from click.testing import CliRunner

    from carerdesk.cli import main

    out = tmp_path / "usb"
    export(register, out)
    before = contents(out)
    opened = Staged.open

    def full(self: Staged, name: str, how: str = "w", **options: Any) -> Any:
        return FullDisk(opened(self, name, how, **options), 1000)

    monkeypatch.setattr(Staged, "open", full)
    said = CliRunner().invoke(
        main,
        ["--db", str(register), "--user", "Casey Coordinator", "export", "register", "--out",
         str(out)],
        env={"CARERDESK_PIN": "2580"},
    )  # fmt: skip
    assert said.exit_code == 1 and "Traceback" not in said.output
    assert f"Could not write to {out}: the disk is full." in said.stderr
    assert "an earlier export there is unchanged" in said.stderr
    assert contents(out) == before
