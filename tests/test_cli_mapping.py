"""The command line for another system's spreadsheet: --propose-mapping, then --mapping."""

from __future__ import annotations

from pathlib import Path

from tests.test_cli import _as, _set_up, register  # noqa: F401 (the fixture)

FOREIGN = (
    "Client Ref,Forename,Surname,DOB,Sex,Post Code,Date Registered,Consent\n"
    "c000101,Zoë,Fairbrother,01/02/1970,F,HA1 2AB,02/11/2026,Y\n"
    "c000102,Łukasz,Nowakowski,30/07/1985,M,HA3 5QT,03/11/2026,Y\n"
)
COORDINATOR = ("Casey Coordinator", "2580")


def test_a_foreign_file_is_refused_with_the_command_that_maps_it(
    register: Path,  # noqa: F811
    tmp_path: Path,
) -> None:
    _set_up(register)
    (tmp_path / "clients.csv").write_text(FOREIGN, encoding="utf-8")
    refused = _as(register, *COORDINATOR, "import", str(tmp_path / "clients.csv"))
    assert refused.exit_code == 1 and "Traceback" not in refused.output
    assert "carerdesk import clients.csv --propose-mapping MAP.toml" in refused.stderr


def test_propose_then_import_through_the_mapping_then_again(
    register: Path,  # noqa: F811
    tmp_path: Path,
) -> None:
    _set_up(register)
    source, proposal = tmp_path / "clients.csv", tmp_path / "map.toml"
    source.write_text(FOREIGN, encoding="utf-8")
    proposed = _as(
        register, *COORDINATOR, "import", str(source), "--propose-mapping", str(proposal)
    )
    assert proposed.exit_code == 0, proposed.output
    assert f"Wrote a proposed mapping to {proposal}: 8 of 8 columns mapped." in proposed.stdout
    assert "Sex -> Gender" in proposed.stdout
    assert 'target = "consent_store"' in proposal.read_text(encoding="utf-8")
    # A second proposal keeps the file (it may have been edited) unless --force.
    again = _as(register, *COORDINATOR, "import", str(source), "--propose-mapping", str(proposal))
    assert again.exit_code == 1 and "exists already" in again.stderr
    dry = _as(
        register, *COORDINATOR, "import", str(source), "--mapping", str(proposal), "--dry-run"
    )
    assert dry.exit_code == 0, dry.output
    assert "Checked (dry run, nothing written): carers: 2 new" in dry.stdout
    first = _as(register, *COORDINATOR, "import", str(source), "--mapping", str(proposal))
    assert first.exit_code == 0 and "Imported: carers: 2 new, 0 changed" in first.stdout
    second = _as(register, *COORDINATOR, "import", str(source), "--mapping", str(proposal))
    assert "carers: 0 new, 0 changed, 2 unchanged" in second.stdout


def test_skip_invalid_through_a_mapping_names_the_files_own_line(
    register: Path,  # noqa: F811
    tmp_path: Path,
) -> None:
    _set_up(register)
    source, proposal = tmp_path / "clients.csv", tmp_path / "map.toml"
    source.write_text(FOREIGN.replace("01/02/1970", "31/02/1970"), encoding="utf-8")
    assert _as(register, *COORDINATOR, "import", str(source), "--propose-mapping", str(proposal))
    refused = _as(register, *COORDINATOR, "import", str(source), "--mapping", str(proposal))
    assert refused.exit_code == 1 and "clients.csv:2: date_of_birth:" in refused.stderr
    skipped = _as(
        register, *COORDINATOR, "import", str(source), "--mapping", str(proposal), "--skip-invalid"
    )
    assert skipped.exit_code == 0 and "carers: 1 new" in skipped.stdout
    assert "1 bad rows skipped" in skipped.stdout


def test_a_bad_mapping_file_is_named_with_its_line(
    register: Path,  # noqa: F811
    tmp_path: Path,
) -> None:
    _set_up(register)
    (tmp_path / "clients.csv").write_text(FOREIGN, encoding="utf-8")
    (tmp_path / "map.toml").write_text('[columns."Sex"]\ntarget = "sex"\n', encoding="utf-8")
    refused = _as(
        register,
        *COORDINATOR,
        "import",
        str(tmp_path / "clients.csv"),
        "--mapping",
        str(tmp_path / "map.toml"),
    )
    assert refused.exit_code == 1 and "Traceback" not in refused.output
    assert f"{tmp_path / 'map.toml'}:2: 'sex' is not a carerdesk field" in refused.stderr
    unknown = _as(
        register, *COORDINATOR, "import", str(tmp_path / "clients.csv"), "--mapping", "nosuch"
    )
    assert unknown.exit_code == 1 and "no mapping file nosuch" in unknown.stderr
