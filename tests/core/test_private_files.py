"""The private-file writer: files readable by their owner only, replaced only when whole."""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from carerdesk.core.private_files import (
    STAGING_PREFIX,
    Staged,
    is_private,
    new_private_file,
    own_folder,
    private_folder,
    replacing,
    write_private,
)


@pytest.fixture(autouse=True)
def loose_umask() -> Iterator[None]:
    """A umask that lets everyone read what is made: the modes must not depend on it."""
    before = os.umask(0o002)
    yield
    os.umask(before)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_file_is_written_private_in_new_private_folders(tmp_path: Path) -> None:
    usb = tmp_path / "usb"
    usb.mkdir()
    usb.chmod(0o755)  # the person's own folder
    path = write_private(usb / "a" / "b" / "card.pdf", b"%PDF one")
    assert mode(path) == 0o600 and path.read_bytes() == b"%PDF one"
    assert mode(usb / "a") == 0o700 and mode(usb / "a" / "b") == 0o700
    assert mode(usb) == 0o755  # a folder that was there already is left as it was
    assert is_private(path) and not is_private(usb)


def test_a_failed_write_leaves_the_earlier_file_whole_and_nothing_beside_it(
    tmp_path: Path,
) -> None:
    path = write_private(tmp_path / "form.txt", b"the earlier form")
    with pytest.raises(OSError, match="No space"), replacing(path) as handle:
        handle.write(b"the new form, half of it")
        raise OSError(errno.ENOSPC, "No space left on device")
    assert path.read_bytes() == b"the earlier form"
    assert [p.name for p in tmp_path.iterdir()] == ["form.txt"]


def test_a_file_readable_by_others_is_replaced_by_a_private_one(tmp_path: Path) -> None:
    path = tmp_path / "cards.pdf"
    path.write_bytes(b"old")
    path.chmod(0o644)
    write_private(path, b"new")
    assert mode(path) == 0o600 and path.read_bytes() == b"new"


def test_new_private_file_creates_once(tmp_path: Path) -> None:
    path = tmp_path / "register.sqlite"
    assert new_private_file(path) and mode(path) == 0o600 and path.read_bytes() == b""
    path.write_bytes(b"kept")
    assert not new_private_file(path) and path.read_bytes() == b"kept"


def test_own_folder_makes_carerdesks_own_folder_private_again(tmp_path: Path) -> None:
    folder = tmp_path / "cards"
    folder.mkdir(mode=0o755)
    folder.chmod(0o755)
    assert mode(own_folder(folder)) == 0o700
    assert mode(private_folder(tmp_path / "new")) == 0o700


def test_staged_files_replace_the_earlier_ones_only_when_all_are_written(
    tmp_path: Path,
) -> None:
    out = tmp_path / "export"
    with Staged(out) as staged:
        staged.write("one.csv", b"first one")
        staged.write("two.csv", b"first two")
        staged.commit()
    assert mode(out) == 0o700
    assert {p.name: mode(p) for p in out.iterdir()} == {"one.csv": 0o600, "two.csv": 0o600}
    with pytest.raises(OSError), Staged(out) as staged:
        staged.write("one.csv", b"second one")
        assert mode(staged.staging) == 0o700 and mode(staged.staging / "one.csv") == 0o600
        raise OSError(errno.ENOSPC, "No space left on device")  # before two.csv
    assert (out / "one.csv").read_bytes() == b"first one"
    assert (out / "two.csv").read_bytes() == b"first two"
    assert sorted(p.name for p in out.iterdir()) == ["one.csv", "two.csv"]


def test_what_a_killed_export_left_is_swept_by_the_next(tmp_path: Path) -> None:
    left = tmp_path / f"{STAGING_PREFIX}killed"
    left.mkdir()
    (left / "carers.csv").write_text("Siân,Nguyễn")
    with Staged(tmp_path) as running:  # another desk exporting there now: left alone
        with Staged(tmp_path) as staged:
            staged.write("one.csv", b"x")
            staged.commit()
        assert not left.exists() and running.staging.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["one.csv"]
