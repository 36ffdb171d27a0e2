"""The command line as a person meets it: paths it cannot use, dates written as on screen."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from carerdesk.cli import main


@pytest.fixture
def register(tmp_path: Path) -> Path:
    """An empty register file (no accounts: every command runs without a PIN)."""
    path = tmp_path / "register.sqlite"
    assert CliRunner().invoke(main, ["--db", str(path), "init"]).exit_code == 0
    return path


def test_exporting_into_a_folder_that_is_a_file_names_the_path_instead_of_stopping(
    register: Path, tmp_path: Path
) -> None:
    clash = tmp_path / "notes.txt"
    clash.write_text("a file, not a folder")
    out = clash / "register-files"
    result = CliRunner().invoke(
        main, ["--db", str(register), "export", "register", "--out", str(out)]
    )
    assert result.exit_code == 1
    assert "stopped" not in result.stderr and "quote" not in result.stderr
    assert str(out) in result.stderr and "Traceback" not in result.stderr


def test_a_template_written_where_it_may_not_be_says_so_plainly(
    register: Path, tmp_path: Path
) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    (locked / "template").write_text("in the way")
    result = CliRunner().invoke(
        main,
        [
            "--db",
            str(register),
            "export",
            "register",
            "--template",
            "--out",
            str(locked / "template"),
        ],
    )
    assert result.exit_code == 1
    assert "stopped" not in result.stderr and str(locked / "template") in result.stderr
