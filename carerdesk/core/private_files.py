"""Files no one else can read, and none left behind: the one way carerdesk writes a file.

The register, its write-ahead log, exports, returns, cards, forms and event files hold
personal details, so each is created readable and writable by its owner only (``0600``), and
each folder carerdesk makes for them by its owner only (``0700``). The modes are given when
each file is created, not left to the process's umask: a umask is global (a library's file,
a thread's file) and cannot be changed for one file safely, while an explicit mode is checked
file by file in the tests (docs/design.md weighs the two).

A file is never written over in place. Its new bytes go to a temporary name in the same
folder, are flushed to the disk (``fsync``), and only then take the old file's name
(``os.replace``, which a reader sees happen at once): a full disk, a crash or a kill half-way
leaves the earlier file whole. ``Staged`` does the same for several files at once (an
export's five CSV files): they are written in a private folder beside their places and moved
in only when every one is complete.

The only module of ``core`` that touches the disk: every layer writes files (the engine
creates the register, backups, exports, the command line), so it sits below them all.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import IO, Any

PRIVATE_FILE = 0o600
"""Read and written by its owner only."""
PRIVATE_FOLDER = 0o700
"""Opened by its owner only."""
STAGING_PREFIX = ".carerdesk-partial-"
"""The name a private folder of files still being written starts with (``Staged``); one left
by a killed export is removed by the next export into the same folder."""
PART_SUFFIX = ".part"


def private_folder(path: Path) -> Path:
    """Make the folder ``path`` and any missing folder above it, each new one opened by its
    owner only (``0700``). A folder that already exists is left as it is: it may be the
    person's own (a USB stick, their Desktop)."""
    missing: list[Path] = []
    folder = path
    while not folder.exists() and folder != folder.parent:
        missing.append(folder)
        folder = folder.parent
    for folder in reversed(missing):
        with suppress(FileExistsError):  # another desk made it at the same moment
            folder.mkdir(mode=PRIVATE_FOLDER)
            os.chmod(folder, PRIVATE_FOLDER)  # mkdir's mode is cut by the umask
    return path


def own_folder(path: Path) -> Path:
    """Make ``path`` (as ``private_folder``) and make it private even if it existed: for
    carerdesk's own folders (the data folder's ``cards``, ``returns``), never a person's."""
    private_folder(path)
    with suppress(PermissionError):  # a folder of another owner: nothing this desk can do
        if path.stat().st_mode & 0o077:
            os.chmod(path, PRIVATE_FOLDER)
    return path


def new_private_file(path: Path) -> bool:
    """Create ``path`` empty and private (``0600``) unless it exists; True when created.

    For a file another library then fills by its name: SQLite keeps the mode of a database
    file it opens, and gives its ``-wal`` and ``-shm`` files the same one, so the register
    made this way is private with its log (``carerdesk.db.engine``; a backup's copy too)."""
    private_folder(path.parent)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE)
    except FileExistsError:
        return False
    try:
        os.fchmod(descriptor, PRIVATE_FILE)  # the umask may have taken bits from the mode
    finally:
        os.close(descriptor)
    return True


def _sync_folder(folder: Path) -> None:
    """Flush a folder's list of names to the disk, so that a rename survives a power cut
    (not possible, and not needed, on Windows)."""
    if os.name == "nt":
        return
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    except OSError:  # some file systems (a USB stick's FAT) cannot sync a folder
        pass
    finally:
        os.close(descriptor)


def _temporary_beside(path: Path) -> tuple[int, Path]:
    """A new private file in ``path``'s folder, with a hidden temporary name."""
    private_folder(path.parent)
    descriptor, name = tempfile.mkstemp(
        dir=path.parent, prefix=f".{path.name}.", suffix=PART_SUFFIX
    )  # mkstemp creates it 0600 whatever the umask
    return descriptor, Path(name)


@contextmanager
def replacing(path: Path, mode: str = "wb", **options: Any) -> Iterator[IO[Any]]:
    """Write the private file ``path`` through an open file; it takes ``path``'s name only
    once the block ends without an error, flushed to the disk. On an error (a full disk)
    the temporary file is removed and an earlier ``path`` is left as it was.

    ``mode`` and ``options`` as ``open`` takes them (``"w"``, ``encoding="utf-8"``)."""
    descriptor, temporary = _temporary_beside(path)
    try:
        with os.fdopen(descriptor, mode, **options) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    _sync_folder(path.parent)


def write_private(path: Path, data: bytes) -> Path:
    """Write ``data`` as the private file ``path`` (``0600``), replacing an earlier one only
    once the new one is whole on the disk. Returns ``path``."""
    with replacing(path) as handle:
        handle.write(data)
    return path


def write_private_text(path: Path, text: str) -> Path:
    """``write_private`` for a text, in UTF-8."""
    return write_private(path, text.encode("utf-8"))


def is_private(path: Path) -> bool:
    """True when no one but ``path``'s owner may read or write it (nor, for a folder,
    open it)."""
    return not path.stat().st_mode & 0o077


class Staged:
    """Several files written together into ``folder``, replacing earlier ones of the same
    names only when every one of them is complete.

    They are written in a private folder (``0700``) made inside ``folder`` (the same disk,
    so that moving them is a rename), each file private (``0600``). ``commit`` flushes each
    to the disk and gives it its name in ``folder``; ``discard`` (or leaving the ``with``
    block by an error) removes them all. A private folder left by a process that was killed
    is removed by the next ``Staged`` in the same folder.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = private_folder(folder)
        _sweep(self.folder)
        self.staging = Path(tempfile.mkdtemp(dir=self.folder, prefix=STAGING_PREFIX))
        self._held = _hold(self.staging)
        self.names: list[str] = []

    def path(self, name: str) -> Path:
        """Where the file ``name`` is written for now, for a library that writes a file by
        its name (a workbook); it is created private and empty."""
        staged = self.staging / name
        if name not in self.names:
            self.names.append(name)
            new_private_file(staged)
        return staged

    def open(self, name: str, mode: str = "w", **options: Any) -> IO[Any]:
        """The file ``name`` opened for writing (``open``'s ``mode`` and ``options``)."""
        return self.path(name).open(mode, **options)

    def write(self, name: str, data: bytes) -> Path:
        """Write the whole file ``name``."""
        with self.open(name, "wb") as handle:
            handle.write(data)
        return self.folder / name

    def commit(self) -> list[Path]:
        """Flush every file to the disk, then give each its name in the folder (an earlier
        file of that name is replaced at once, never emptied first). Returns their paths."""
        for name in self.names:
            descriptor = os.open(self.staging / name, os.O_RDONLY)
            try:
                os.fsync(descriptor)
            finally:
                os.close(descriptor)
        placed = []
        for name in self.names:
            os.replace(self.staging / name, self.folder / name)
            placed.append(self.folder / name)
        _sync_folder(self.folder)
        self.discard()
        return placed

    def discard(self) -> None:
        """Remove every file written and the private folder."""
        shutil.rmtree(self.staging, ignore_errors=True)
        if self._held is not None:
            os.close(self._held)
            self._held = None

    def __enter__(self) -> Staged:
        return self

    def __exit__(self, kind: object, error: object, trace: object) -> None:
        self.discard()


def _hold(folder: Path) -> int | None:
    """Hold a lock on ``folder`` while its files are written (``Staged``): a second desk's
    sweep leaves it be. The system lets it go when the process ends, however it ends."""
    if os.name == "nt":
        return None
    import fcntl

    descriptor = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(descriptor)
        return None
    return descriptor


def _sweep(folder: Path) -> None:
    """Remove the private staging folders a killed writer left in ``folder`` (any still
    held by a running desk are left)."""
    with suppress(OSError):
        for left in folder.iterdir():
            if not (left.name.startswith(STAGING_PREFIX) and left.is_dir()):
                continue
            held = _hold(left)
            if held is None and os.name != "nt":
                continue  # another desk is writing there now
            shutil.rmtree(left, ignore_errors=True)
            if held is not None:
                os.close(held)


def sweep(folder: Path) -> None:
    """Remove what a killed export left in ``folder``: its private staging folders (they
    hold personal details no one needs)."""
    if folder.is_dir():
        _sweep(folder)
