"""Importing register files: the round trip, a messy spreadsheet, reports, idempotence."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import Engine, func, select

from carerdesk.core.errors import NotAllowed
from carerdesk.core.permissions import SYSTEM
from carerdesk.db import audit, carers
from carerdesk.db.engine import make_engine, sqlite_url, unit_of_work
from carerdesk.db.migrate import upgrade
from carerdesk.db.models import Carer, Contact, Referral
from carerdesk.export.importer import Outcome, import_register, read_source
from carerdesk.export.register import COLUMNS, export_register
from tests.conftest import COORDINATOR, STAFF

TODAY = date(2026, 11, 23)


@pytest.fixture
def empty(tmp_path: Path) -> Iterator[Engine]:
    """A second, empty register."""
    engine = make_engine(sqlite_url(tmp_path / "empty.sqlite"))
    upgrade(engine)
    yield engine
    engine.dispose()


def export(engine: Engine, out: Path) -> None:
    with unit_of_work(engine, write=False) as session:
        export_register(session, COORDINATOR, out)


def load(engine: Engine, path: Path, **options: bool) -> Outcome:
    with unit_of_work(engine) as session:
        return import_register(session, COORDINATOR, read_source(path), today=TODAY, **options)


def test_round_trip_gives_identical_files(register: Engine, empty: Engine, tmp_path: Path) -> None:
    export(register, tmp_path / "one")
    outcome = load(empty, tmp_path / "one")
    assert outcome.problems == [] and outcome.written
    assert outcome.added == {
        "carers": 2,
        "caring_roles": 1,
        "contacts": 3,
        "cards": 1,
        "referrals": 1,
        "consents": 4,
        "services": 0,
    }
    export(empty, tmp_path / "two")
    for kind in COLUMNS:
        name = f"{kind}.csv"
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "two" / name).read_bytes(), (
            name
        )


def test_importing_again_adds_and_changes_nothing(
    register: Engine, empty: Engine, tmp_path: Path
) -> None:
    export(register, tmp_path / "files")
    load(empty, tmp_path / "files")
    again = load(empty, tmp_path / "files")
    assert sum(again.added.values()) == 0 and sum(again.changed.values()) == 0
    assert again.unchanged["contacts"] == 3
    with unit_of_work(empty, write=False) as session:
        assert session.scalar(select(func.count()).select_from(Contact)) == 3


def test_a_new_carer_after_an_import_takes_the_next_free_reference(
    register: Engine, empty: Engine, tmp_path: Path, today: date
) -> None:
    export(register, tmp_path / "files")
    load(empty, tmp_path / "files")
    with unit_of_work(empty) as session:
        assert carers.next_reference(session) == "C000003"


def test_a_dry_run_writes_nothing(register: Engine, empty: Engine, tmp_path: Path) -> None:
    export(register, tmp_path / "files")
    outcome = load(empty, tmp_path / "files", dry_run=True)
    assert outcome.added["carers"] == 2 and not outcome.written
    with unit_of_work(empty, write=False) as session:
        assert session.scalar(select(func.count()).select_from(Carer)) == 0


def test_only_a_coordinator_imports(register: Engine, tmp_path: Path) -> None:
    export(register, tmp_path / "files")
    refusal = "may not import register files"
    with pytest.raises(NotAllowed, match=refusal), unit_of_work(register) as session:
        import_register(session, STAFF, read_source(tmp_path / "files"), today=TODAY)


MESSY = (
    "\ufeffReference,First Name,LAST_NAME,Date of Birth,Postcode,Mobile,Gender,"
    "Registered On,Consent Store,Notes,Address Line 1\r\n"
    "C000010,Siân,O'Brien,01/02/1970,ha12ab,+44 7700 900123,Female,2026-11-02,yes,"
    '"=HYPERLINK(""x"")",@home\r\n'
    "C000011,Thi,Nguyễn,1980-05-05,SW1A1AA,07700 900124,male,02/11/2026,Yes,"
    '"- asked about PIP\r\nand about breaks",\r\n'
    "C000012,Zoë,Łukasz,31/02/1990,HA1 2AB,07700 900125,,02/11/2026,yes,,\r\n"
    "C000013,Amir,Patel,12/08/1951,NOT A POSTCODE,0207 946 0123,Man,02/11/2026,yes,,\r\n"
    "C000014,Ola,Brown,14/03/2009,,12345,female,02/11/2026,no,,\r\n"
    ",,,,,,,,,,\r\n"
    ",,,,,,,,,,\r\n"
)


def test_a_messy_spreadsheet_is_read_and_its_bad_rows_reported(
    empty: Engine, tmp_path: Path
) -> None:
    (tmp_path / "carers.csv").write_bytes(MESSY.encode("utf-8"))
    outcome = load(empty, tmp_path / "carers.csv")
    assert [str(p) for p in outcome.problems] == [
        "carers.csv:5: date_of_birth: There is no 31 February 1990: check the day.",
        "carers.csv:6: gender: Use one of: female, male, non_binary, other, prefer_not_to_say "
        "(or their labels).",
        "carers.csv:6: postcode: This is not a UK postcode: a postcode has 5 to 7 letters and "
        "digits, such as SW1A 1AA.",
        "carers.csv:7: mobile: This is not a valid UK phone number: check the digits and the "
        "area code.",
        "carers.csv:7: consent_store: We can only register someone who agrees to us keeping "
        "their details.",
    ]
    assert not outcome.written
    skipped = load(empty, tmp_path / "carers.csv", skip_invalid=True)
    assert skipped.added["carers"] == 2
    with unit_of_work(empty, write=False) as session:
        sian, thi = session.scalars(select(Carer).order_by(Carer.reference)).all()
    assert (sian.postcode, sian.mobile, sian.gender) == ("HA1 2AB", "+447700900123", "female")
    assert sian.notes == '=HYPERLINK("x")' and sian.address_line_1 == "@home"
    assert thi.date_of_birth == date(1980, 5, 5) and thi.postcode == "SW1A 1AA"
    assert thi.notes == "- asked about PIP\nand about breaks"


def test_a_workbook_with_real_dates_and_numbers_for_phones(empty: Engine, tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Carers"
    sheet.append(
        [
            "reference",
            "first_name",
            "last_name",
            "date_of_birth",
            "mobile",
            "registered_on",
            "consent_store",
        ]
    )
    sheet.append(
        ["C000020", "Ada", "Quill", datetime(1971, 3, 14), 7700900126, datetime(2026, 11, 2), "Yes"]
    )
    contacts = book.create_sheet("contacts")
    contacts.append(["reference", "contact_on", "contact_time", "channel", "support"])
    contacts.append(
        ["c000020", datetime(2026, 11, 20), "10:15", "Drop-in", "Emotional support;signposting"]
    )
    book.save(tmp_path / "register.xlsx")
    outcome = load(empty, tmp_path / "register.xlsx")
    assert outcome.problems == [] and outcome.added == {
        "carers": 1,
        "caring_roles": 0,
        "contacts": 1,
        "cards": 0,
        "referrals": 0,
        "consents": 0,
    }
    with unit_of_work(empty, write=False) as session:
        ada = session.scalars(select(Carer)).one()
        contact = session.scalars(select(Contact)).one()
    assert ada.mobile == "+447700900126" and ada.date_of_birth == date(1971, 3, 14)
    assert contact.carer_id == ada.id and contact.support == "emotional_support;signposting"
    assert contact.channel == "drop_in"


def test_linked_rows_need_a_known_carer_and_say_which_line(empty: Engine, tmp_path: Path) -> None:
    (tmp_path / "contacts.csv").write_text(
        "reference,contact_on,channel\nC999999,01/11/2026,phone\n,01/11/2026,phone\n,2099-01-01,fax\n",
        encoding="utf-8",
    )
    outcome = load(empty, tmp_path / "contacts.csv")
    assert [str(p) for p in outcome.problems] == [
        "contacts.csv:2: reference: No carer has this reference, in the register or in the "
        "carers file.",
        "contacts.csv:4: contact_on: This date is in the future: use today or an earlier date.",
        "contacts.csv:4: channel: Use one of: drop_in, phone, home_visit, event, online, email "
        "(or their labels).",
    ]


def test_the_import_is_in_the_audit_trail(register: Engine, empty: Engine, tmp_path: Path) -> None:
    export(register, tmp_path / "files")
    load(empty, tmp_path / "files")
    with unit_of_work(empty, write=False) as session:
        (entry,) = audit.entries(session, audit.TrailFilter(), by=COORDINATOR, limit=1)
    assert entry.action == "imported" and entry.detail.startswith("carers: 2 new, 0 changed")


def _write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")
    return folder / name


CARER_ROW = "reference,first_name,last_name,date_of_birth,registered_on,consent_store\n"


def test_identical_rows_without_ids_are_each_a_record(empty: Engine, tmp_path: Path) -> None:
    files = tmp_path / "files"
    _write(files, "carers.csv", CARER_ROW + "C000030,Ada,Quill,14/03/1971,02/11/2026,yes\n")
    _write(
        files,
        "contacts.csv",
        "reference,contact_on,channel\n,01/11/2026,drop_in\n,01/11/2026,drop_in\n"
        ",01/11/2026,drop_in\n",
    )
    _write(
        files,
        "caring_roles.csv",
        "reference,relationship,cared_for_age_band\nC000030,child,under_18\nC000030,child,under_18\n",
    )
    dry = load(empty, files, dry_run=True)
    first = load(empty, files)
    again = load(empty, files)
    assert dry.added == first.added
    assert (first.added["contacts"], first.added["caring_roles"]) == (3, 2)
    assert sum(again.added.values()) == 0 and again.unchanged["contacts"] == 3


def test_carers_without_a_reference_are_not_added_twice(empty: Engine, tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "carers.csv",
        "first_name,last_name,date_of_birth,registered_on,consent_store\n"
        "Ada,Quill,14/03/1971,02/11/2026,yes\n",
    )
    assert load(empty, path).added["carers"] == 1
    again = load(empty, path)
    assert (again.added["carers"], again.unchanged["carers"]) == (0, 1)


def test_a_column_left_out_keeps_what_is_stored_and_changes_are_in_the_trail(
    register: Engine, tmp_path: Path
) -> None:
    path = _write(
        tmp_path,
        "carers.csv",
        CARER_ROW.replace("\n", ",postcode\n")
        + "C000001,Siân,O'Brien,01/02/1970,02/11/2026,yes,HA3 0QQ\n",
    )
    outcome = load(register, path)
    assert outcome.changed["carers"] == 1
    with unit_of_work(register, write=False) as session:
        sian = carers.get_carer(session, "C000001", by=SYSTEM)
        (entry,) = audit.entries(
            session, audit.TrailFilter(record="C000001"), by=COORDINATOR, limit=1
        )
    assert sian.postcode == "HA3 0QQ" and sian.phone == "+442079460018"  # phone kept
    assert (entry.action, entry.fields, entry.detail) == ("changed", "postcode", "import")


def test_a_sent_referral_comes_back_after_consent_was_withdrawn(
    register: Engine, tmp_path: Path
) -> None:
    with unit_of_work(register) as session:
        session.scalars(
            select(Carer).where(Carer.reference == "C000001")
        ).one().consent_share = False
    export(register, tmp_path / "files")
    again = load(register, tmp_path / "files")
    assert again.problems == [] and sum(again.changed.values()) == 0


def test_an_id_twice_in_a_file_is_reported(empty: Engine, tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "contacts.csv",
        "contact_id,reference,contact_on,channel\nx1,,01/11/2026,phone\nx1,,02/11/2026,phone\n",
    )
    assert [str(p) for p in load(empty, path).problems] == [
        "contacts.csv:3: contact_id: This id is in the file twice."
    ]


def test_files_that_cannot_be_read_are_refused_with_where(tmp_path: Path) -> None:
    from carerdesk.export.importer import ImportRefused

    unclosed = _write(tmp_path, "carers.csv", CARER_ROW + 'C1,"Ada,Quill\n' + "x," * 70000 + "\n")
    with pytest.raises(ImportRefused, match=r"carers\.csv:\d+: the file cannot be read"):
        read_source(unclosed)
    twice = _write(tmp_path, "contacts.csv", "reference,Contact On,contact_on\n")
    with pytest.raises(ImportRefused, match="the column contact_on is there twice"):
        read_source(twice)


def test_the_screens_rules_across_records_hold_in_an_import(empty: Engine, tmp_path: Path) -> None:
    with unit_of_work(empty) as session:
        from carerdesk.db.models import Setting

        session.add(Setting(key="wards", value='["Greenhill", "Marlborough"]'))
    files = tmp_path / "files"
    _write(
        files,
        "carers.csv",
        "reference,first_name,last_name,date_of_birth,registered_on,consent_store,ward,status,"
        "closed_on,closed_reason\n"
        "C000040,Ada,Quill,14/03/1971,02/11/2026,yes,Greenhill,,,\n"
        "C000041,Bea,Lind,14/03/1971,02/11/2026,yes,Nowhere,,,\n"
        "C000042,Cai,Moss,14/03/1971,02/11/2026,yes,,closed,01/11/2026,moved_away\n",
    )
    _write(files, "contacts.csv", "reference,contact_on,channel\nC000040,01/11/2026,phone\n")
    assert [str(p) for p in load(empty, files).problems] == [
        "carers.csv:3: ward: This ward is not on the organisation's ward list: choose one from it.",
        "carers.csv:4: closed_on: The closing date is before they registered.",
        "contacts.csv:2: contact_on: This date is before the carer registered.",
    ]


CARDS = "card_number,reference,card_type,issue_reason,issued_on,expires_on,status\n"


def test_a_carer_has_one_active_card_of_a_type(register: Engine, tmp_path: Path) -> None:
    # The register holds HC00001230, an active carer card of C000001.
    second = _write(
        tmp_path,
        "cards.csv",
        CARDS + "HC00002238,C000001,carer_card,new,01/11/2026,31/10/2029,active\n",
    )
    assert [str(p) for p in load(register, second).problems] == [
        "cards.csv:2: status: This carer already has an active card of this type (HC00001230): "
        "mark one of them replaced or cancelled."
    ]
    both = _write(
        tmp_path,
        "cards.csv",
        CARDS
        + "HC00002238,C000001,carer_card,renewal,01/11/2026,31/10/2029,active\n"
        + "HC00001230,C000001,carer_card,new,02/11/2026,01/11/2029,replaced\n",
    )
    outcome = load(register, both)
    assert outcome.problems == [] and outcome.added["cards"] == 1 and outcome.changed["cards"] == 1


REFERRALS = "referral_id,reference,destination,reason,urgency,status,made_on\n"


def test_a_referral_names_a_service_on_the_organisations_list(
    register: Engine, tmp_path: Path
) -> None:
    from carerdesk.db import destinations

    with unit_of_work(register) as session:
        destinations.add_service(
            session, COORDINATOR, {"name": "Harrow Dementia Café", "counts_as": "dementia_support"}
        )
        destinations.retire_service(session, COORDINATOR, "harrow_dementia_cafe", TODAY)
    files = _write(
        tmp_path,
        "referrals.csv",
        REFERRALS
        + "r-local,C000001,harrow_dementia_cafe,Memory loss,routine,sent,02/11/2026\n"
        + "r-named,C000001,Harrow Dementia Café,Memory loss,routine,sent,02/11/2026\n"
        + "r-unknown,C000001,knitting_circle,Company,routine,sent,02/11/2026\n",
    )
    outcome = load(register, files)
    (problem,) = outcome.problems
    assert str(problem).startswith(
        "referrals.csv:4: destination: This service is not on this register's list: add it"
    )
    assert "harrow_dementia_cafe" in str(problem)
    # Code or name, a retired service's referrals come back with a register's files.
    kept = REFERRALS + _line(files, 2) + _line(files, 3)
    outcome = load(register, _write(tmp_path, "referrals.csv", kept))
    assert outcome.problems == [] and outcome.added["referrals"] == 2
    with unit_of_work(register, write=False) as session:
        stored = session.scalars(
            select(Referral.destination).where(Referral.id.in_(["r-local", "r-named"]))
        ).all()
    assert stored == ["harrow_dementia_cafe"] * 2


def _line(path: Path, number: int) -> str:
    return path.read_text(encoding="utf-8").splitlines()[number - 1] + "\n"


def test_an_import_follows_the_operations_rules_wherever_they_change(
    empty: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The import has no rules of its own beside the operations': a shared rule changed in
    one place (here, no contact on the registration day itself) changes what it accepts."""
    from carerdesk.core import rules
    from carerdesk.core.errors import FieldError

    files = tmp_path / "files"
    _write(
        files,
        "carers.csv",
        "reference,first_name,last_name,date_of_birth,registered_on,consent_store\n"
        "C000050,Ada,Quill,14/03/1971,02/11/2026,yes\n",
    )
    _write(files, "contacts.csv", "reference,contact_on,channel\nC000050,02/11/2026,phone\n")
    with unit_of_work(empty) as session:
        outcome = import_register(
            session, COORDINATOR, read_source(files), today=TODAY, dry_run=True
        )
    assert outcome.problems == []

    def after_registering(contact_on: date, registered_on: date | None) -> None:
        if registered_on is not None and contact_on <= registered_on:
            raise FieldError("contact_on", "Not on the day they registered.")

    monkeypatch.setattr(rules, "check_contact_date", after_registering)
    assert [str(p) for p in load(empty, files).problems] == [
        "contacts.csv:2: contact_on: Not on the day they registered."
    ]
    # ...and the desk's own operation refuses the same contact, by the same rule.
    from carerdesk.core.entries import check_carer, check_contact

    typed = {"first_name": "Bea", "last_name": "Quill", "date_of_birth": "14/03/1971",
             "registered_on": "02/11/2026", "consent_store": "yes"}  # fmt: skip
    with unit_of_work(empty) as session:
        bea = carers.register_carer(session, check_carer(typed, TODAY), by=STAFF).id
    entry = check_contact(
        {"support": "information_advice", "contact_on": "02/11/2026", "channel": "phone"}, TODAY
    )
    with pytest.raises(FieldError, match="Not on the day"), unit_of_work(empty) as session:
        carers.log_contact(session, bea, entry, by=STAFF)


def test_a_card_type_suits_the_carers_age_on_the_day_it_was_issued(
    register: Engine, tmp_path: Path
) -> None:
    """As when a card is issued at the desk (``core.cards.check_type``): C000001 was born in
    1970, so no young carer card."""
    young = _write(
        tmp_path,
        "cards.csv",
        CARDS + "HC00002238,C000001,young_carer_card,new,01/11/2026,31/10/2029,active\n",
    )
    assert [str(p) for p in load(register, young).problems] == [
        "cards.csv:2: card_type: For someone aged 18 or over: carer card, carer passport, "
        "emergency card."
    ]


def test_a_sent_referral_needs_consent_by_the_desks_rule(empty: Engine, tmp_path: Path) -> None:
    """The rule of sending a referral at the desk (``core.referrals.check_send``)."""
    files = tmp_path / "files"
    _write(files, "carers.csv", CARER_ROW.rstrip("\n") + ",consent_share\n"
           "C000060,Ada,Quill,14/03/1971,02/11/2026,yes,no\n")  # fmt: skip
    _write(
        files,
        "referrals.csv",
        REFERRALS + "r-1,C000060,breaks_respite,Respite,routine,sent,03/11/2026\n",
    )
    assert [str(p) for p in load(empty, files).problems] == [
        "referrals.csv:2: status: They have not consented to share their details: ask them, "
        "and record it on their record, before this is sent."
    ]


def _same_files(one: Path, two: Path) -> None:
    for kind in COLUMNS:
        name = f"{kind}.csv"
        assert (one / name).read_bytes() == (two / name).read_bytes(), name


def test_consent_history_and_a_withdrawal_come_back_byte_for_byte(
    register: Engine, empty: Engine, tmp_path: Path
) -> None:
    from carerdesk.core.consents import ConsentEntry
    from carerdesk.db.consents import consent_history, record_consent

    with unit_of_work(register) as session:
        record_consent(
            session,
            "C000001",
            ConsentEntry("contact", False, date(2026, 11, 21), "written"),
            by=STAFF,
            today=TODAY,
        )
        record_consent(
            session, "C000002", ConsentEntry("store", False, date(2026, 11, 22), "phone"),
            by=STAFF, today=TODAY,
        )  # fmt: skip
    export(register, tmp_path / "one")
    outcome = load(empty, tmp_path / "one")
    assert outcome.problems == [] and outcome.added["consents"] == 6
    export(empty, tmp_path / "two")
    _same_files(tmp_path / "one", tmp_path / "two")
    with unit_of_work(empty, write=False) as session:
        withdrawn = session.scalars(select(Carer).where(Carer.reference == "C000002")).one()
        shown = consent_history(session, "C000001", by=STAFF)
    assert (withdrawn.consent_store, withdrawn.status, withdrawn.closed_reason) == (
        False,
        "closed",
        "withdrew_consent",
    )
    assert [(e.consent, e.given, e.how) for e in shown] == [
        ("contact", False, "written"),
        ("share", True, None),
        ("store", True, None),
    ]
    again = load(empty, tmp_path / "one")
    assert again.added["consents"] == 0 and again.unchanged["consents"] == 6


def test_the_workbook_carries_the_consents_sheet_both_ways(
    register: Engine, empty: Engine, tmp_path: Path
) -> None:
    with unit_of_work(register, write=False) as session:
        export_register(session, COORDINATOR, tmp_path / "register.xlsx", fmt="xlsx")
    outcome = load(empty, tmp_path / "register.xlsx")
    assert outcome.problems == [] and outcome.added["consents"] == 4
    export(register, tmp_path / "one")
    export(empty, tmp_path / "two")
    _same_files(tmp_path / "one", tmp_path / "two")


def test_carers_from_files_without_consents_get_their_first_entries(
    register: Engine, empty: Engine, tmp_path: Path
) -> None:
    from carerdesk.db.consents import consent_history

    export(register, tmp_path / "files")
    (tmp_path / "files" / "consents.csv").unlink()  # an older register's files
    outcome = load(empty, tmp_path / "files")
    assert outcome.problems == [] and "consents" not in outcome.summary()
    with unit_of_work(empty, write=False) as session:
        shown = consent_history(session, "C000001", by=STAFF)
    assert [(e.consent, e.given, e.on, e.how, e.recorded_by) for e in shown] == [
        ("share", True, date(2026, 11, 2), None, "Sam Staff"),
        ("store", True, date(2026, 11, 2), None, "Sam Staff"),
    ]


def test_a_consent_row_is_checked_like_the_form(empty: Engine, tmp_path: Path) -> None:
    files = tmp_path / "files"
    _write(files, "carers.csv", CARER_ROW + "C000030,Ada,Quill,14/03/1971,02/11/2026,yes\n")
    _write(
        files,
        "consents.csv",
        "reference,consent,given,date,how,recorded_by\n"
        "C000030,share,maybe,2099-01-01,fax,Sam Staff\n"
        "C000031,Share with partners,Withdrawn,21/11/2026,Phone,Sam Staff\n",
    )
    outcome = load(empty, files)
    assert [str(p) for p in outcome.problems] == [
        "consents.csv:2: given: Answer yes or no.",
        "consents.csv:2: date: This date is in the future: use today or an earlier date.",
        "consents.csv:2: how: Use one of: in_person, phone, written, online (or their labels).",
        "consents.csv:3: reference: No carer has this reference, in the register or in the "
        "carers file.",
    ]
