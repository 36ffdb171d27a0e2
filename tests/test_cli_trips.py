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


def test_audit_list_takes_dates_as_the_application_writes_them(register: Path) -> None:
    uk = CliRunner().invoke(main, ["--db", str(register), "audit", "list", "--since", "01/12/2026"])
    iso = CliRunner().invoke(
        main, ["--db", str(register), "audit", "list", "--since", "2026-12-01"]
    )
    assert uk.exit_code == 0, uk.output
    assert uk.stdout == iso.stdout


def test_an_audit_list_that_matches_nothing_says_so(register: Path) -> None:
    result = CliRunner().invoke(
        main, ["--db", str(register), "audit", "list", "--record", "C999999"]
    )
    assert result.exit_code == 0
    assert "No entries" in result.stdout
