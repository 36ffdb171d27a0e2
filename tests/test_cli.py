"""The command line: init, search and demo, as a scheduled job or a person would run them."""

from __future__ import annotations

import json
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from sqlalchemy import select

from carerdesk.cli import main
from carerdesk.core.entries import check_carer
from carerdesk.core.permissions import SYSTEM
from carerdesk.db import carers, events
from carerdesk.db.engine import make_engine, sqlite_url, unit_of_work
from carerdesk.db.models import Card
from tests.conftest import STAFF, TODAY


@pytest.fixture
def register(tmp_path: Path) -> Path:
    """A register file holding two invented carers, one of them closed."""
    path = tmp_path / "register.sqlite"
    assert CliRunner().invoke(main, ["--db", str(path), "init"]).exit_code == 0
    engine = make_engine(sqlite_url(path))
    with unit_of_work(engine) as session:
        for first, last in (("Siân", "Nguyễn"), ("Sean", "Nguyen")):
            entry = check_carer(
                {
                    "first_name": first,
                    "last_name": last,
                    "date_of_birth": "02/03/1975",
                    "postcode": "ha12ab",
                    "mobile": "07700 900321" if first == "Sean" else "",
                    "registered_on": "01/11/2026",
                    "consent_store": "yes",
                },
                TODAY,
            )
            carer = carers.register_carer(session, entry, by=STAFF)
        carers.close_carer(session, carer.id, on=TODAY, reason="moved_away", by=STAFF)
    engine.dispose()
    return path


def test_init_creates_then_upgrades(tmp_path: Path) -> None:
    path = tmp_path / "new.sqlite"
    first = CliRunner().invoke(main, ["--db", str(path), "init"])
    again = CliRunner().invoke(main, ["--db", str(path), "init"])
    assert first.exit_code == 0 and again.exit_code == 0
    assert "ready" in first.output and path.exists()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("sian", ["C000001"]),
        ("Nguyễn", ["C000001", "C000002"]),
        ("c000002", ["C000002"]),
        ("+44 7700 900321", ["C000002"]),
        ("HA1 2AB", ["C000001", "C000002"]),
        ("ha12ab", ["C000001", "C000002"]),
        ('"', []),
        ("NEAR(", []),
        ("nobody", []),
    ],
)
def test_search_json(register: Path, text: str, expected: list[str]) -> None:
    result = CliRunner().invoke(main, ["--db", str(register), "search", text, "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert [row["reference"] for row in rows] == expected
    for row in rows:
        assert {"reference", "first_name", "last_name", "status"} <= row.keys()


def test_closed_carer_is_found_and_marked(register: Path) -> None:
    result = CliRunner().invoke(main, ["--db", str(register), "search", "sean", "--json"])
    assert json.loads(result.output)[0]["status"] == "closed"
    plain = CliRunner().invoke(main, ["--db", str(register), "search", "sean"])
    assert "(closed)" in plain.output


def test_not_a_register_is_refused_without_a_traceback(tmp_path: Path) -> None:
    path = tmp_path / "notes.sqlite"
    path.write_text("this is not a database", encoding="utf-8")
    result = CliRunner().invoke(main, ["--db", str(path), "search", "x"])
    assert result.exit_code == 1
    assert "could not be opened" in result.output
    assert "Traceback" not in result.output


def test_wrong_usage_exits_2(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["--db", str(tmp_path / "r.sqlite"), "search"])
    assert result.exit_code == 2


def test_demo_never_overwrites_a_real_register(register: Path) -> None:
    result = CliRunner().invoke(main, ["--db", str(register), "demo", "--no-open"])
    assert result.exit_code == 1
    assert "not a demo register" in result.output
    rows = CliRunner().invoke(main, ["--db", str(register), "search", "sian", "--json"])
    assert json.loads(rows.output)[0]["reference"] == "C000001"


def test_demo_fills_and_refills(tmp_path: Path) -> None:
    path = tmp_path / "demo.sqlite"
    args = ["--db", str(path), "demo", "--carers", "120", "--seed", "3", "--no-open"]
    first = CliRunner().invoke(main, args)
    assert first.exit_code == 0, first.output
    assert "120 carers" in first.output
    again = CliRunner().invoke(main, args)
    assert again.exit_code == 0, again.output
    found = CliRunner().invoke(
        main,
        ["--db", str(path), "--user", "sam staff", "search", "C000120", "--json"],
        env={"CARERDESK_PIN": "1357"},
    )
    assert json.loads(found.output)[0]["reference"] == "C000120"


def _commands(group: click.Group) -> list[click.Command]:
    return list(group.commands.values())


def test_every_command_has_help_with_an_example() -> None:
    assert "Example:" in (main.help or "")
    for command in _commands(main):
        assert "Example:" in (command.help or ""), command.name


def _set_up(path: Path) -> None:
    result = CliRunner().invoke(
        main,
        [
            "--db",
            str(path),
            "init",
            "--organisation",
            "Harrow Carers",
            "--coordinator",
            "Casey Coordinator",
        ],
        env={"CARERDESK_PIN": "2580"},
    )
    assert result.exit_code == 0, result.output
    assert "Set up Harrow Carers (card prefix HC) with Casey Coordinator" in result.output


def _add_user(path: Path, name: str, role: str, pin: str) -> None:
    """The coordinator adds an account (as the users screen does)."""
    from carerdesk.db import accounts

    engine = make_engine(sqlite_url(path))
    with unit_of_work(engine) as session:
        coordinator = accounts.actor_of(accounts.find_user(session, "Casey Coordinator"))
        accounts.add_user(session, coordinator, {"name": name, "role": role, "pin": pin})
    engine.dispose()


def _as(path: Path, user: str, pin: str, *args: str) -> click.testing.Result:
    return CliRunner().invoke(
        main, ["--db", str(path), "--user", user, *args], env={"CARERDESK_PIN": pin}
    )


def test_init_sets_up_the_organisation_then_commands_need_a_user(register: Path) -> None:
    _set_up(register)
    anonymous = CliRunner().invoke(main, ["--db", str(register), "search", "sian"])
    assert anonymous.exit_code == 2 and "--user NAME" in anonymous.stderr
    found = _as(register, "CASEY coordinator", "2580", "search", "sian", "--json")
    assert found.exit_code == 0, found.output
    assert [row["reference"] for row in json.loads(found.stdout)] == ["C000001"]


def test_a_wrong_pin_is_refused_on_standard_error(register: Path) -> None:
    _set_up(register)
    refused = _as(register, "Casey Coordinator", "9999", "search", "sian")
    assert refused.exit_code == 1
    assert "do not match" in refused.stderr and "Traceback" not in refused.output


def test_init_with_one_name_only_is_wrong_usage(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main, ["--db", str(tmp_path / "r.sqlite"), "init", "--organisation", "X"]
    )
    assert result.exit_code == 2 and "both --organisation and --coordinator" in result.stderr


def test_audit_verify_finds_an_entry_altered_behind_the_applications_back(register: Path) -> None:
    _set_up(register)
    sound = _as(register, "Casey Coordinator", "2580", "audit", "verify")
    assert sound.exit_code == 0 and "sound" in sound.stdout
    import sqlite3

    with sqlite3.connect(register) as connection:
        connection.execute("UPDATE audit SET action = 'nothing to see' WHERE seq = 2")
    tampered = _as(register, "Casey Coordinator", "2580", "audit", "verify")
    assert tampered.exit_code == 1
    assert "tampered with: entry 2 was altered" in tampered.stderr


def test_the_audit_trail_is_for_coordinators(register: Path) -> None:
    _set_up(register)
    _add_user(register, "Sam Staff", "staff", "1357")
    refused = _as(register, "Sam Staff", "1357", "audit", "list")
    assert refused.exit_code == 1
    assert "A member of staff may not view the audit trail: ask your coordinator." in refused.stderr
    listed = _as(register, "Casey Coordinator", "2580", "audit", "list", "--person", "sam")
    assert listed.exit_code == 0
    assert "Sam Staff" in listed.stdout and "sign-in refused" not in listed.stdout


def test_a_volunteer_searching_sees_an_age_band_not_a_birth_date(register: Path) -> None:
    _set_up(register)
    _add_user(register, "Robin Volunteer", "volunteer", "2468")
    found = _as(register, "robin volunteer", "2468", "search", "sian", "--json")
    (row,) = json.loads(found.stdout)
    assert row["age_band"] == "adult carer"
    assert "postcode" not in row and "date_of_birth" not in row


def test_a_coordinator_reads_and_changes_the_settings(register: Path) -> None:
    _set_up(register)
    listed = _as(register, "Casey Coordinator", "2580", "settings", "list")
    assert "idle_lock_minutes      5 " in listed.stdout
    assert "pin_hash_memory_kib    65536 " in listed.stdout
    changed = _as(
        register, "Casey Coordinator", "2580", "settings", "set", "idle_lock_minutes", "3"
    )
    assert changed.exit_code == 0 and "idle_lock_minutes is now 3." in changed.stdout
    refused = _as(
        register, "Casey Coordinator", "2580", "settings", "set", "idle_lock_minutes", "0"
    )
    assert refused.exit_code == 1 and "A whole number from 1 to 120." in refused.stderr
    unknown = _as(register, "Casey Coordinator", "2580", "settings", "set", "colour", "red")
    assert unknown.exit_code == 1 and "There is no setting called colour" in unknown.stderr
    _add_user(register, "Sam Staff", "staff", "1357")
    staff = _as(register, "Sam Staff", "1357", "settings", "set", "idle_lock_minutes", "60")
    assert staff.exit_code == 1 and "may not change the organisation's settings" in staff.stderr
    trail = _as(register, "Casey Coordinator", "2580", "audit", "list", "--person", "casey")
    assert "setting changed setting [idle_lock_minutes]" in trail.stdout


def test_a_coordinator_keeps_the_list_of_services(register: Path) -> None:
    _set_up(register)
    coordinator = ("Casey Coordinator", "2580")
    added = _as(
        register, *coordinator, "services", "add", "Harrow Dementia Café",
        "--counts-as", "dementia_support", "--contact", "020 7946 0456",
    )  # fmt: skip
    assert added.exit_code == 0 and "Added Harrow Dementia Café as harrow_dementia_cafe." in (
        added.stdout
    )
    again = _as(
        register, *coordinator, "services", "add", "harrow dementia cafe", "--counts-as", "x"
    )
    assert again.exit_code == 1 and "Choose one of the listed options" in again.stderr
    assert "Traceback" not in again.output
    renamed = _as(register, *coordinator, "services", "change", "counselling", "--name", "Talk")
    assert renamed.exit_code == 0 and "counselling is now Talk." in renamed.stdout
    retired = _as(register, *coordinator, "services", "retire", "employment_support")
    assert retired.exit_code == 0
    listed = _as(register, *coordinator, "services", "list").stdout.splitlines()
    assert listed[3].split()[:2] == ["counselling", "Talk"]
    assert "retired" in listed[8] and listed[8].startswith("employment_support")
    assert listed[-1].startswith("harrow_dementia_cafe") and listed[-1].endswith("020 7946 0456")
    _add_user(register, "Sam Staff", "staff", "1357")
    staff = _as(register, "Sam Staff", "1357", "services", "retire", "counselling")
    assert staff.exit_code == 1 and "may not change the organisation's settings" in staff.stderr


def test_duplicates_lists_the_probable_pairs(register: Path) -> None:
    _set_up(register)
    listed = _as(register, "Casey Coordinator", "2580", "duplicates")
    assert listed.exit_code == 0, listed.output
    (line,) = listed.stdout.splitlines()
    assert line.split()[1:4] == ["C000001", "Siân", "Nguyễn"]
    assert "~  C000002 Sean Nguyen (02/03/1975)" in line
    assert line.endswith("same date of birth and a close name; a close name at the same postcode")
    as_json = _as(register, "Casey Coordinator", "2580", "duplicates", "--json")
    row = json.loads(as_json.stdout)
    assert row["score"] == int(line.split()[0]) and row["pair"][1]["status"] == "closed"
    _add_user(register, "Sam Staff", "staff", "1357")
    staff = _as(register, "Sam Staff", "1357", "duplicates")
    assert staff.exit_code == 1 and "may not merge duplicate records" in staff.stderr


def test_an_event_from_start_to_import(register: Path, tmp_path: Path) -> None:
    _set_up(register)
    event_file = tmp_path / "stall.event"
    secret = {"CARERDESK_EVENT_PASSPHRASE": "purple kettle harbour", "CARERDESK_PIN": "2468"}
    started = CliRunner().invoke(
        main,
        ["event", "start", str(event_file), "--name", "Carers Week stall", "--venue",
         "St Ann's", "--date", "23/11/2026", "--volunteer", "Robin Volunteer", "--no-open"],
        env=secret,
    )  # fmt: skip
    assert started.exit_code == 0, started.output
    engine = events.open_event(event_file, "purple kettle harbour")
    with unit_of_work(engine) as session:
        for first, last, born in (("Sian", "Nguyen", "02/03/1975"), ("Ola", "Brown", "01/01/1980")):
            entry = check_carer(
                {"first_name": first, "last_name": last, "date_of_birth": born,
                 "postcode": "HA1 2AB", "registered_on": "23/11/2026", "consent_store": "yes"},
                TODAY,
            )  # fmt: skip
            carers.register_carer(session, entry, by=STAFF)
    engine.dispose()
    closed = CliRunner().invoke(main, ["event", "close", str(event_file)], env=secret)
    assert closed.exit_code == 0 and "2 carers registered" in closed.stdout
    wrong = CliRunner().invoke(
        main, ["event", "close", str(event_file)],
        env={"CARERDESK_EVENT_PASSPHRASE": "not the passphrase"},
    )  # fmt: skip
    assert wrong.exit_code == 1 and "passphrase is wrong" in wrong.stderr
    assert "Traceback" not in wrong.output
    coordinator = {**secret, "CARERDESK_PIN": "2580"}
    args = ["--db", str(register), "--user", "Casey Coordinator", "event", "import"]
    dry = CliRunner().invoke(main, [*args, str(event_file), "--dry-run"], env=coordinator)
    assert dry.exit_code == 0, dry.output
    assert "C000001 Sian Nguyen: joins C000001 Siân Nguyễn" in dry.stdout
    assert "C000002 Ola Brown: new" in dry.stdout and "Nothing written" in dry.stdout
    done = CliRunner().invoke(main, [*args, str(event_file)], env=coordinator)
    assert "1 new carers, 1 joined to records the register had, 0 imported before" in done.stdout
    again = CliRunner().invoke(main, [*args, str(event_file)], env=coordinator)
    assert "0 new carers, 0 joined to records the register had, 2 imported before" in again.stdout


def test_export_register_and_its_template(register: Path, tmp_path: Path) -> None:
    _set_up(register)
    out = tmp_path / "files"
    done = _as(register, "Casey Coordinator", "2580", "export", "register", "--out", str(out))
    assert done.exit_code == 0, done.output
    assert (
        "The register: 2 carers, 0 caring roles, 0 contacts, 0 cards, 0 referrals, 2 consents."
        in done.stdout
    )
    assert (
        (out / "carers.csv").read_text(encoding="utf-8-sig").splitlines()[1].startswith("C000001,")
    )
    book = tmp_path / "register.xlsx"
    assert (
        _as(
            register, "Casey Coordinator", "2580", "export", "register", "--out", str(book)
        ).exit_code
        == 0
    )
    assert book.stat().st_size > 0
    template = CliRunner().invoke(
        main, ["export", "register", "--template", "--out", str(tmp_path / "t")]
    )
    assert template.exit_code == 0 and (tmp_path / "t" / "referrals.csv").exists()
    _add_user(register, "Robin Volunteer", "volunteer", "2468")
    refused = _as(
        register, "Robin Volunteer", "2468", "export", "register", "--out", str(tmp_path / "no")
    )
    assert refused.exit_code == 1 and "may not export the register in bulk" in refused.stderr
    assert not (tmp_path / "no").exists()


def test_import_reports_bad_rows_on_standard_error_and_writes_nothing(
    register: Path, tmp_path: Path
) -> None:
    _set_up(register)
    files = tmp_path / "in"
    files.mkdir()
    (files / "carers.csv").write_text(
        "reference,first_name,last_name,date_of_birth,registered_on,consent_store\n"
        "C000100,Ada,Quill,14/03/1971,02/11/2026,yes\n"
        "C000101,Bea,,1980-13-01,02/11/2026,yes\n",
        encoding="utf-8",
    )
    refused = _as(register, "Casey Coordinator", "2580", "import", str(files))
    assert refused.exit_code == 1
    assert refused.stderr.splitlines()[:2] == [
        "carers.csv:3: last_name: Last name is needed.",
        "carers.csv:3: date_of_birth: There is no month with that number: use 1 to 12.",
    ]
    assert "1 of 2 rows need correcting (listed above): nothing was imported." in refused.stderr
    dry = _as(
        register, "Casey Coordinator", "2580", "import", str(files), "--dry-run", "--skip-invalid"
    )
    assert dry.exit_code == 0 and dry.stdout.startswith(
        "Checked (dry run, nothing written): carers: 1 new"
    )
    done = _as(register, "Casey Coordinator", "2580", "import", str(files), "--skip-invalid")
    assert done.exit_code == 0 and "Imported: carers: 1 new" in done.stdout
    found = _as(register, "Casey Coordinator", "2580", "search", "C000100", "--json")
    assert json.loads(found.stdout)[0]["first_name"] == "Ada"


def test_import_of_a_file_of_unknown_kind_is_refused(register: Path, tmp_path: Path) -> None:
    _set_up(register)
    (tmp_path / "people.csv").write_text("first_name,last_name\nZoë,Fairbrother\n", "utf-8")
    refused = _as(register, "Casey Coordinator", "2580", "import", str(tmp_path / "people.csv"))
    assert refused.exit_code == 1 and "with --kind" in refused.stderr


def test_cards_due_and_printed_on_a_sheet(register: Path, tmp_path: Path) -> None:
    from datetime import date

    from carerdesk.db import cards

    _set_up(register)
    engine = make_engine(sqlite_url(register))
    with unit_of_work(engine) as session:
        entry = check_carer(
            {
                "first_name": "Zoë",
                "last_name": "Quill",
                "date_of_birth": "03/12/2008",  # 18 on 3 December: her card ends on the 2nd
                "registered_on": "01/11/2026",
                "consent_store": "yes",
            },
            TODAY,
        )
        young = carers.register_carer(session, entry, by=STAFF)
        card = cards.issue_card(session, young.id, "young_carer_card", "new", by=STAFF, today=TODAY)
        number = card.card_number
        assert card.expires_on == date(2026, 12, 2)
    engine.dispose()
    due = _as(register, "Casey Coordinator", "2580", "cards", "due", "--days", "30")
    assert due.exit_code == 0, due.output
    assert f"02/12/2026  {number}" in due.stdout and "1 cards end within 30 days." in due.stdout
    sheet = tmp_path / "sheet.pdf"
    printed = _as(
        register, "Casey Coordinator", "2580", "cards", "print", number, "--out", str(sheet)
    )
    assert printed.exit_code == 0 and sheet.read_bytes().startswith(b"%PDF")
    assert sheet.stat().st_mode & 0o777 == 0o600  # readable by its owner only
    # The holder's record was read to print it: in the trail as opened, as on screen.
    trail = _as(register, "Casey Coordinator", "2580", "audit", "list", "--record", young.reference)
    assert "Casey Coordinator        opened carer" in trail.stdout
    wrong = _as(
        register,
        "Casey Coordinator",
        "2580",
        "cards",
        "print",
        number[:-1] + "0",
        "--out",
        str(sheet),
    )
    assert wrong.exit_code == 1 and "last digit does not match" in wrong.stderr


def test_cards_print_due_prints_the_renewed_cards_not_the_old_expiring_ones(
    register: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import io
    from datetime import date

    from pypdf import PdfReader

    from carerdesk import cli
    from carerdesk.db import cards

    _set_up(register)
    monkeypatch.setattr(cli, "_today", lambda: TODAY)
    engine = make_engine(sqlite_url(register))
    with unit_of_work(engine) as session:
        ids, refs = {}, {}
        for first, born in (("Ada", "02/03/1975"), ("Bea", "04/05/1960"), ("Zoë", "03/12/2008")):
            entry = check_carer(
                {
                    "first_name": first,
                    "last_name": "Quill",
                    "date_of_birth": born,
                    "registered_on": "01/11/2023",
                    "consent_store": "yes",
                },
                TODAY,
            )
            registered = carers.register_carer(session, entry, by=STAFF)
            ids[first], refs[first] = registered.id, registered.reference
        old = [
            # Ended on 19/11/2026, four days ago; ends on 09/12/2026.
            cards.issue_card(session, ids[who], "carer_card", "new", by=STAFF, today=day)
            for who, day in (("Ada", date(2023, 11, 20)), ("Bea", date(2023, 12, 10)))
        ]
        young = cards.issue_card(
            session, ids["Zoë"], "young_carer_card", "new", by=STAFF, today=TODAY
        )  # ends on 02/12/2026, the day before she turns 18
    engine.dispose()
    sheet = tmp_path / "renewals.pdf"
    printed = _as(
        register, "Casey Coordinator", "2580", "cards", "print", "--due", "30", "--out", str(sheet)
    )
    assert printed.exit_code == 0, printed.output
    fronts = PdfReader(io.BytesIO(sheet.read_bytes())).pages[0].extract_text()
    assert not any(card.card_number in fronts for card in [*old, young])
    assert fronts.count("Expires 22/11/2029") == 2  # renewed today, for three years
    assert f"Renewed {old[0].card_number} (ended 19/11/2026) as " in printed.stdout
    assert f"Not renewed: {young.card_number}" in printed.stderr
    with unit_of_work(make_engine(sqlite_url(register)), write=False) as session:
        for carer_id in (ids["Ada"], ids["Bea"]):
            kept = session.scalars(
                select(Card).where(Card.carer_id == carer_id).order_by(Card.issued_on)
            ).all()
            assert [(c.status, c.issue_reason) for c in kept] == [
                ("replaced", "new"),
                ("active", "renewal"),
            ]
            assert kept[1].card_number in fronts
    trail = _as(register, "Casey Coordinator", "2580", "audit", "list", "--record", refs["Ada"])
    for done in ("changed card", "created card", "opened carer"):  # replaced, renewed, read
        assert f"Casey Coordinator        {done}" in trail.stdout, done
    again = _as(
        register, "Casey Coordinator", "2580", "cards", "print", "--due", "30", "--out", str(sheet)
    )
    assert again.exit_code == 1 and "could be renewed" in again.stderr


def test_cards_print_refuses_an_emergency_card_with_no_one_on_its_back_to_call(
    register: Path, tmp_path: Path
) -> None:
    from carerdesk.db import cards
    from carerdesk.db.search import find_carers

    _set_up(register)
    engine = make_engine(sqlite_url(register))
    with unit_of_work(engine) as session:
        carer_id = find_carers(session, "sian", by=STAFF)[0].id
        cards.set_emergency(
            session, carer_id, [("Ada Quill", None, "+442079460456")], None, by=STAFF
        )
        number = cards.issue_card(
            session, carer_id, "emergency_card", "new", by=STAFF, today=TODAY
        ).card_number
        cards.set_emergency(session, carer_id, [], None, by=STAFF)  # taken off since
    engine.dispose()
    sheet = tmp_path / "sheet.pdf"
    refused = _as(
        register, "Casey Coordinator", "2580", "cards", "print", number, "--out", str(sheet)
    )
    assert refused.exit_code == 1
    assert "none is recorded: add at least one first (M on their record)" in refused.stderr
    assert not sheet.exists()


def _pembridges(path: Path, count: int = 30) -> None:
    engine = make_engine(sqlite_url(path))
    with unit_of_work(engine) as session:
        for number in range(count):
            entry = check_carer(
                {
                    "first_name": "Ab"
                    + "cdefghijklmnopqrstuvwxyzab"[number % 26] * (1 + number // 26),
                    "last_name": "Pembridge",
                    "date_of_birth": "02/03/1975",
                    "registered_on": "01/11/2026",
                    "consent_store": "yes",
                },
                TODAY,
            )
            carers.register_carer(session, entry, by=STAFF)
    engine.dispose()


def test_search_gives_one_page_whatever_the_limit_and_is_in_the_trail(register: Path) -> None:
    _set_up(register)
    _add_user(register, "Sam Staff", "staff", "1357")
    _pembridges(register)
    first = _as(register, "Sam Staff", "1357", "search", "pembridge", "--limit", "500", "--json")
    assert first.exit_code == 0, first.output
    assert len(json.loads(first.stdout)) == 20 and "--page 2" in first.stderr
    second = _as(register, "Sam Staff", "1357", "search", "pembridge", "--page", "2", "--json")
    assert len(json.loads(second.stdout)) == 10
    assert {row["reference"] for row in json.loads(first.stdout)}.isdisjoint(
        row["reference"] for row in json.loads(second.stdout)
    )
    trail = _as(register, "Casey Coordinator", "2580", "audit", "list", "--person", "sam")
    assert "Sam Staff                searched (20 found, page 1)" in trail.stdout
    assert "searched (10 found, page 2)" in trail.stdout
    assert "pembridge" not in trail.stdout.lower()


def test_audit_list_shows_a_sign_in_name_with_escape_codes_inert(register: Path) -> None:
    from carerdesk.core.permissions import Actor, Role
    from carerdesk.db import audit

    _set_up(register)
    typed = _as(register, "\x1bc", "1357", "search", "sian")  # ESC c resets a terminal
    assert typed.exit_code == 1
    engine = make_engine(sqlite_url(register))
    with unit_of_work(engine) as session:  # as one stored before names were tidied
        audit.record(session, Actor("Robin\x1b[2J\x1b]0;x\x07", Role.VOLUNTEER), "signed in")
    engine.dispose()
    listed = _as(register, "Casey Coordinator", "2580", "audit", "list")
    assert listed.exit_code == 0
    assert "\x1b" not in listed.stdout and "\x07" not in listed.stdout
    assert "Robin\\x1b[2J\\x1b]0;x\\x07" in listed.stdout
    assert "(blank)                  sign-in refused" in listed.stdout


def _code(output: str) -> str:
    import re

    found = re.search(r"Recovery code for [^:]+: ([A-Z2-9-]{23})", output)
    assert found, output
    return found.group(1)


def test_a_coordinator_recovers_with_the_code_shown_at_set_up(tmp_path: Path) -> None:
    path = tmp_path / "register.sqlite"
    made = CliRunner().invoke(
        main,
        ["--db", str(path), "init", "--organisation", "Harrow Carers", "--coordinator", "Casey C"],
        env={"CARERDESK_PIN": "2580"},
    )
    assert made.exit_code == 0, made.output
    assert "Write it down and keep it locked away" in made.stderr
    code = _code(made.stderr)
    assert code not in made.stdout  # shown, not written where output is redirected
    for _ in range(5):
        _as(path, "Casey C", "9999", "settings", "list")
    assert "locked" in _as(path, "Casey C", "2580", "settings", "list").stderr

    def recover(with_code: str, pin: str) -> click.testing.Result:
        env = {"CARERDESK_RECOVERY_CODE": with_code, "CARERDESK_PIN": pin}
        return CliRunner().invoke(
            main, ["--db", str(path), "recover", "--user", "casey c"], env=env
        )

    done = recover(code, "4826")
    assert done.exit_code == 0, done.output
    assert "Casey C has a new PIN" in done.stdout
    assert _as(path, "Casey C", "4826", "settings", "list").exit_code == 0  # the lock lifted
    again = recover(code, "5937")
    assert again.exit_code == 1 and "do not match a coordinator" in again.stderr
    assert recover(_code(done.stderr), "5937").exit_code == 0
    trail = _as(path, "Casey C", "5937", "audit", "list").stdout
    assert trail.count("recovered with code") == 2 and "recovery refused" in trail
    for secret in ("2580", "4826", "5937", code, _code(done.stderr)):
        assert secret not in trail


def test_a_register_without_a_code_gets_one_from_its_coordinator(register: Path) -> None:
    _set_up(register)
    _add_user(register, "Sam Staff", "staff", "1357")
    refused = _as(register, "Sam Staff", "1357", "recovery-code")
    assert refused.exit_code == 1 and "may not" in refused.stderr
    made = _as(register, "Casey Coordinator", "2580", "recovery-code")
    assert made.exit_code == 0 and "keep it locked away" in made.stderr
    assert (
        "recovery code made" in _as(register, "Casey Coordinator", "2580", "audit", "list").stdout
    )


def test_an_unexpected_error_is_one_plain_line_with_a_code_and_exit_1(
    register: Path,
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
    expect_failures: Path,
) -> None:
    import re
    import stat

    from carerdesk.db import search

    _set_up(register)
    names = "Siân Nguyễn"

    def broken(session: object, text: str, **_: object) -> object:
        raise RuntimeError(f"no carer like {text}: {names}?")

    monkeypatch.setattr(search, "find_carers", broken)
    monkeypatch.setenv("CARERDESK_PIN", "2580")
    capfd.readouterr()
    with pytest.raises(SystemExit) as stopped:  # the real entry point, as a shell runs it
        main(["--db", str(register), "--user", "Casey Coordinator", "search", "sian"])
    assert stopped.value.code == 1
    out, err = capfd.readouterr()
    assert out == "" and len(err.splitlines()) == 1, err
    assert "Traceback" not in err and err.startswith("carerdesk stopped:")
    code = re.findall(r"[A-Z2-9]{3}-[A-Z2-9]{3}", err)
    log = expect_failures.read_text(encoding="utf-8")
    assert len(code) == 1 and code[0] in log and "RuntimeError" in log
    assert stat.S_IMODE(expect_failures.stat().st_mode) == 0o600
    for secret in ("sian", "Siân", "Nguyễn", "2580"):
        assert secret.casefold() not in (err + log).casefold(), secret


def _give_details(path: Path) -> None:
    """Siân gets an address, a phone, an email, notes, a role with a condition and a contact
    with notes: what a volunteer must not see."""
    from sqlalchemy import update

    from carerdesk.core.entries import check_contact, check_role
    from carerdesk.db.models import Carer

    engine = make_engine(sqlite_url(path))
    with unit_of_work(engine) as session:
        session.execute(
            update(Carer)
            .where(Carer.reference == "C000001")
            .values(
                address_line_1="7 Invented Lane",
                phone="+442079460456",
                email="sian@example.org",
                notes="Prefers a call after six",
            )
        )
        role = check_role({"relationship": "parent", "conditions": "dementia"}, TODAY)
        carers.add_role(session, "C000001", role, by=STAFF)
        contact = check_contact(
            {
                "support": "information_advice",
                "contact_on": "23/11/2026",
                "channel": "phone",
                "notes": "Asked about respite",
            },
            TODAY,
        )
        carers.log_contact(session, "C000001", contact, by=STAFF)
    engine.dispose()


VOLUNTEER_NEVER_SEES = (
    "1975", "02/03", "HA1", "ha1", "Invented Lane", "7946", "900321", "example.org",
    "Prefers a call", "dementia", "respite", "date_of_birth", "postcode",
)  # fmt: skip


def test_every_command_a_volunteer_runs_prints_the_volunteer_view_only(register: Path) -> None:
    _set_up(register)
    _give_details(register)
    _add_user(register, "Robin Volunteer", "volunteer", "2468")
    _add_user(register, "Sam Staff", "staff", "1357")
    runs = {
        "search --json": ("search", "nguyen", "--json"),
        "search": ("search", "nguyen"),
        "search by phone": ("search", "07700 900321", "--json"),
        "show --json": ("show", "c000001", "--json"),
        "show": ("show", "C000001"),
    }
    for what, args in runs.items():
        result = _as(register, "robin volunteer", "2468", *args)
        assert result.exit_code == 0, (what, result.output)
        leaked = [secret for secret in VOLUNTEER_NEVER_SEES if secret in result.output]
        assert leaked == [], what
    record = json.loads(
        _as(register, "robin volunteer", "2468", "show", "C000001", "--json").stdout
    )
    assert (record["first_name"], record["reference"], record["age_band"]) == (
        "Siân",
        "C000001",
        "adult carer",
    )
    (role,) = record["roles"]
    assert role["relationship_"] == "parent" and "conditions" not in role
    assert record["referrals"] == [] and "notes" not in record["contacts"][0]
    staff = _as(register, "sam staff", "1357", "show", "C000001", "--json")
    whole = json.loads(staff.stdout)
    assert whole["date_of_birth"] == "1975-03-02" and whole["notes"] == "Prefers a call after six"
    assert whole["roles"][0]["conditions"] == "dementia"
    trail = _as(register, "Casey Coordinator", "2580", "audit", "list", "--record", "C000001")
    assert "Robin Volunteer" in trail.stdout and "opened" in trail.stdout


def test_settings_set_wards_keeps_the_ward_list_rather_than_saying_there_is_no_such_setting(
    tmp_path: Path,
) -> None:
    path = tmp_path / "register.sqlite"
    _set_up(path)

    def coordinator(*args: str) -> click.testing.Result:
        return CliRunner().invoke(
            main,
            ["--db", str(path), "--user", "Casey Coordinator", *args],
            env={"CARERDESK_PIN": "2580"},
        )

    made = coordinator("settings", "set", "wards", " Pinner ;Hatch End;  Pinner South ")
    assert made.exit_code == 0, made.output
    assert made.stdout == "wards is now Pinner; Hatch End; Pinner South.\n"
    listed = coordinator("settings", "list").stdout
    assert "wards" in listed and "Pinner; Hatch End; Pinner South" in listed
    twice = coordinator("settings", "set", "wards", "Pinner; pinner")
    assert twice.exit_code == 1 and "pinner is on the list twice" in twice.stderr
    engine = make_engine(sqlite_url(path))
    with unit_of_work(engine, write=False) as session:
        assert carers.ward_list(session) == ["Pinner", "Hatch End", "Pinner South"]
        from carerdesk.db import audit

        trail = audit.entries(session, audit.TrailFilter(), by=SYSTEM)
        assert [e.fields for e in trail if e.action == "setting changed"] == ["wards"]
    engine.dispose()
    cleared = coordinator("settings", "set", "wards", "")
    assert cleared.exit_code == 0 and cleared.stdout == "wards is now empty.\n"


def test_consent_records_an_entry_lists_the_history_and_refuses_a_volunteer(
    register: Path,
) -> None:
    _set_up(register)
    _add_user(register, "Sam Staff", "staff", "1357")
    _add_user(register, "Robin Volunteer", "volunteer", "2468")
    withdraw = ("--consent", "share", "--given", "no", "--date", "22/11/2026")
    refused = _as(register, "sam staff", "1357", "consent", "c000001", *withdraw)
    assert refused.exit_code == 1 and "how: Say how they told us" in refused.output
    done = _as(register, "sam staff", "1357", "consent", "c000001", *withdraw, "--how", "phone")
    assert done.exit_code == 0, done.output
    lines = done.stdout.splitlines()
    assert lines[0] == "Recorded for C000001."
    assert lines[1] == "22/11/2026  Share with partners  Withdrawn  Phone      Sam Staff"
    assert lines[2].startswith("01/11/2026  Keep their details   Given      not known")
    volunteer = _as(
        register, "robin volunteer", "2468", "consent", "C000001", *withdraw, "--how", "phone"
    )
    assert volunteer.exit_code == 1 and "A volunteer may not" in volunteer.output
    assert "Traceback" not in volunteer.output
    closing = ("--consent", "store", "--given", "no", "--how", "written", "--date", "22/11/2026")
    closed = _as(register, "sam staff", "1357", "consent", "C000001", *closing)
    assert closed.exit_code == 0 and "The record is closed" in closed.stdout
