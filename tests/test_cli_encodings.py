"""`carerdesk import` of files that are not UTF-8: read as written, or the person chooses."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import click.testing
import pytest
from click.testing import CliRunner

from carerdesk.cli import main

HEADER = "reference,first_name,last_name,date_of_birth,registered_on,consent_store\n"
UNSURE = HEADER + "C000037,Maria,Muñoz,14/03/1971,02/11/2026,yes\n"


@pytest.fixture
def register(tmp_path: Path) -> Path:
    path = tmp_path / "register.sqlite"
    result = CliRunner().invoke(
        main,
        [
            *("--db", str(path), "init", "--organisation", "Harrow Carers"),
            *("--coordinator", "Casey Coordinator"),
        ],
        env={"CARERDESK_PIN": "2580"},
    )
    assert result.exit_code == 0, result.output
    return path


def run(register: Path, *args: str) -> click.testing.Result:
    return CliRunner().invoke(
        main,
        ["--db", str(register), "--user", "Casey Coordinator", *args],
        env={"CARERDESK_PIN": "2580"},
    )


def last_names(register: Path, search: str) -> list[str]:
    found = run(register, "search", search, "--json")
    assert found.exit_code == 0, found.output
    return [row["last_name"] for row in json.loads(found.stdout)]


def test_a_central_european_file_imports_its_names_exactly(register: Path, tmp_path: Path) -> None:
    path = tmp_path / "carers.csv"
    path.write_bytes(
        (HEADER + "C000034,Łukasz,Wójcik,14/03/1971,02/11/2026,yes\n").encode("cp1250")
    )
    done = run(register, "import", str(path))
    assert done.exit_code == 0 and "carers: 1 new" in done.stdout
    assert last_names(register, "lukasz") == ["Wójcik"]


def test_an_unsure_file_lists_candidates_with_names_and_writes_nothing(
    register: Path, tmp_path: Path
) -> None:
    path = tmp_path / "carers.csv"
    path.write_bytes(UNSURE.encode("cp1252"))
    refused = run(register, "import", str(path))
    assert refused.exit_code == 1 and "Traceback" not in refused.output
    assert refused.stderr.splitlines() == [
        "carers.csv reads differently in each of these encodings:",
        "  --encoding cp1252  Muñoz  (Windows-1252 (Western European))",
        "  --encoding cp1250  Muńoz  (Windows-1250 (Central European))",
        "Error: carers.csv is not UTF-8, and carerdesk cannot tell for sure which encoding it "
        "is in (cp1252, cp1250): nothing was read. Choose the one whose names look right.",
    ]
    assert last_names(register, "maria") == []
    chosen = run(register, "import", str(path), "--encoding", "windows-1252")
    assert chosen.exit_code == 0 and "carers: 1 new" in chosen.stdout
    assert last_names(register, "maria") == ["Muñoz"]
    # The sample names went to this terminal only: not into the audit trail (nor the failure
    # log, which every test checks is empty).
    with sqlite3.connect(register) as connection:
        trail = " ".join(str(row) for row in connection.execute("SELECT * FROM audit"))
    assert "Mu" not in trail and "import" in trail


def test_one_stray_byte_names_its_line_and_encoding_can_still_force(
    register: Path, tmp_path: Path
) -> None:
    path = tmp_path / "carers.csv"
    path.write_bytes(
        (HEADER + "C000031,Zoë,Fairbrother,14/03/1971,02/11/2026,yes\n").encode("utf-8")
        + b"C000032,Ren\xe9e,Smith,14/03/1971,02/11/2026,yes\n"
    )
    refused = run(register, "import", str(path))
    assert refused.exit_code == 1
    assert refused.stderr.startswith(
        "Error: carers.csv: line 3, column 12: the file is almost all UTF-8, but the byte 0xE9 "
        "there is not: nothing was read, so no name is changed."
    )
    assert last_names(register, "smith") == []
    # Forced, the file is read in Windows-1252: its UTF-8 "ë" becomes two characters, which
    # the name's own rule then refuses (the rows are still checked as ever).
    forced = run(register, "import", str(path), "--encoding", "cp1252")
    assert forced.exit_code == 1 and "almost all UTF-8" not in forced.stderr
    assert forced.stderr.startswith("carers.csv:2: first_name: The first name may hold only")
    assert last_names(register, "smith") == []


def test_an_unknown_encoding_is_refused(register: Path, tmp_path: Path) -> None:
    path = tmp_path / "carers.csv"
    path.write_bytes(UNSURE.encode("cp1252"))
    refused = run(register, "import", str(path), "--encoding", "klingon")
    assert refused.exit_code == 1
    assert "carerdesk does not know the encoding 'klingon'" in refused.stderr


def test_another_systems_file_in_an_unsure_encoding_is_mapped_once_it_is_chosen(
    register: Path, tmp_path: Path
) -> None:
    path = tmp_path / "members.csv"
    path.write_bytes(
        (
            "Client ID,Forename,Surname,DOB,Date Registered\n"
            "HX-201,Maria,Muñoz,14/03/1971,02/11/2026\n"
        ).encode("cp1252")
    )
    out = tmp_path / "members.toml"
    asked = run(register, "import", str(path), "--propose-mapping", str(out))
    assert asked.exit_code == 1 and "Traceback" not in asked.output
    assert "  --encoding cp1252  Muñoz" in asked.stderr and not out.exists()
    proposed = run(
        register, "import", str(path), "--encoding", "cp1252", "--propose-mapping", str(out)
    )
    assert proposed.exit_code == 0, proposed.output
    # The proposal leaves consent to the coordinator, as a line to uncomment.
    text = out.read_text(encoding="utf-8")
    assert '# consent_store = "yes"' in text
    out.write_text(text.replace('# consent_store = "yes"', 'consent_store = "yes"'), "utf-8")
    refused = run(register, "import", str(path), "--mapping", str(out))
    assert refused.exit_code == 1 and "cp1250" in refused.stderr
    done = run(register, "import", str(path), "--encoding", "cp1252", "--mapping", str(out))
    assert done.exit_code == 0 and "carers: 1 new" in done.stdout, done.output
    assert last_names(register, "maria") == ["Muñoz"]
