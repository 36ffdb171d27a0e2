"""Community events: an encrypted register of their own, brought into the main register as
one record a person, and only once."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select, update

from carerdesk.core.entries import check_carer, check_contact, check_role
from carerdesk.core.errors import InvalidEntry, NotAllowed, NotFound
from carerdesk.core.permissions import SYSTEM, Can
from carerdesk.db import accounts, carers, events
from carerdesk.db.engine import unit_of_work
from carerdesk.db.models import Carer, Contact, Setting
from carerdesk.settings import config_dir
from tests.conftest import COORDINATOR, STAFF

TODAY = date(2026, 6, 10)
PASSPHRASE = "purple kettle harbour"


def _register(session, **fields: str) -> str:  # type: ignore[no-untyped-def]
    values = {"consent_store": "yes", "registered_on": "10/06/2026", **fields}
    return carers.register_carer(session, check_carer(values, TODAY), by=STAFF).id


@pytest.fixture
def event_file(tmp_path: Path) -> Path:
    """A Carers Week stall where two carers registered and three contacts were logged: Ada,
    whom the main register knows already, and Bo, who is new."""
    path = tmp_path / "carers-week.event"
    events.start_event(
        path, PASSPHRASE, name="Carers Week stall", venue="St Ann's shopping centre",
        day="10/06/2026", volunteer="Robin Volunteer", pin="2468",
    )  # fmt: skip
    engine = events.open_event(path, PASSPHRASE)
    with unit_of_work(engine) as session:
        volunteer = accounts.actor_of(accounts.find_user(session, "Robin Volunteer"))
        ada = _register(
            session, first_name="Ada", last_name="Quillfeather", date_of_birth="14/03/1971",
            mobile="07700 900123", email="ada@example.org", registered_at="event",
        )  # fmt: skip
        # Registered at the stall by the volunteer, whom they care for with them.
        entry = check_carer(
            {
                "first_name": "Bo", "last_name": "Lindqvist", "date_of_birth": "02/02/1990",
                "mobile": "07700 900456", "registered_on": "10/06/2026",
                "registered_at": "event", "consent_store": "yes",
            },
            TODAY,
        )  # fmt: skip
        role = check_role({"relationship": "spouse_or_partner"}, TODAY)
        bo = carers.register_carer(session, entry, [role], by=volunteer).id
        for carer_id in (ada, bo, None):
            contact = check_contact(
                {"support": "information_advice", "contact_on": "10/06/2026", "channel": "event"},
                TODAY,
            )
            carers.log_contact(session, carer_id, contact, by=volunteer)
    engine.dispose()
    events.close_event(path, PASSPHRASE)
    return path


@pytest.fixture
def main(engine: Engine) -> Engine:
    """The main register, where Ada has been known since 2025."""
    with unit_of_work(engine) as session:
        _register(
            session, first_name="Ada", last_name="Quillfeather", date_of_birth="14/03/1971",
            mobile="07700 900123", registered_on="05/01/2025",
        )  # fmt: skip
    return engine


def test_the_event_file_is_one_file_with_no_readable_name(event_file: Path) -> None:
    raw = event_file.read_bytes()
    for readable in (b"Quillfeather", b"Lindqvist", b"Carers Week", b"07700", b"SQLite format"):
        assert readable not in raw
    # The test machine's config folder (the audit key) is in the same folder, not the event's.
    beside = [p.name for p in event_file.parent.iterdir() if p != config_dir()]
    assert beside == [event_file.name]
    info = events.read_event(event_file, PASSPHRASE).info
    assert (info.name, info.venue, info.day) == (
        "Carers Week stall", "St Ann's shopping centre", TODAY
    )  # fmt: skip
    assert (info.carers, info.contacts) == (2, 3) and info.closed_at is not None


def test_a_wrong_passphrase_is_refused(event_file: Path) -> None:
    with pytest.raises(events.EventFileRefused, match="passphrase is wrong, or the file was"):
        events.read_event(event_file, "purple kettle harbor")


def test_a_byte_changed_on_the_way_is_refused(event_file: Path) -> None:
    for at in (100, len(event_file.read_bytes()) // 2, len(event_file.read_bytes()) - 5):
        altered = event_file.with_name(f"altered-{at}.event")
        raw = bytearray(event_file.read_bytes())
        raw[at] ^= 0x01
        altered.write_bytes(bytes(raw))
        with pytest.raises(events.EventFileRefused, match="altered or damaged"):
            events.read_event(altered, PASSPHRASE)


def test_starting_an_event_checks_what_it_is_given(tmp_path: Path, event_file: Path) -> None:
    with pytest.raises(InvalidEntry) as refused:
        events.start_event(
            tmp_path / "x.event", "short", name="", venue="", day="31/02/2026",
            volunteer="Robin Volunteer", pin="2468",
        )  # fmt: skip
    assert set(refused.value.errors) == {"name", "venue", "date", "passphrase"}
    assert not (tmp_path / "x.event").exists()
    with pytest.raises(NotAllowed, match="already exists"):
        events.start_event(
            event_file, PASSPHRASE, name="Again", venue="Here", day="10/06/2026",
            volunteer="Robin Volunteer", pin="2468",
        )  # fmt: skip


def test_the_import_finds_the_known_carer_and_adds_the_new_one_once(
    main: Engine, event_file: Path
) -> None:
    event = events.read_event(event_file, PASSPHRASE)
    with unit_of_work(main, write=False) as session:
        plan = events.plan_import(session, event, by=COORDINATOR)
    by_name = {incoming.name: incoming for incoming in plan}
    ada, bo = by_name["Ada Quillfeather"], by_name["Bo Lindqvist"]
    assert ada.certain and ada.matches[0][1] == "C000001 Ada Quillfeather"
    assert bo.matches == []
    decisions = {ada.id: ada.matches[0][0]}
    with unit_of_work(main) as session:
        outcome = events.import_event(session, event, decisions, by=COORDINATOR)
    assert (outcome.added, outcome.joined, outcome.roles, outcome.contacts) == (1, 1, 1, 3)
    with unit_of_work(main, write=False) as session:
        known = carers.get_carer(session, "C000001", by=SYSTEM)
        assert known.email == "ada@example.org"  # what the register did not know yet
        assert known.registered_on == date(2025, 1, 5)  # what it knew stays
        assert [c.channel for c in known.contacts] == ["event"]
        new = session.scalar(select(Carer).where(Carer.last_name == "Lindqvist"))
        assert new is not None and new.reference == "C000002"
        assert [r.relationship_ for r in carers.get_carer(session, new.id, by=SYSTEM).roles] == [
            "spouse_or_partner"
        ]
        assert session.scalar(select(func.count()).select_from(Contact)) == 3
        plan = events.plan_import(session, event, by=COORDINATOR)
    assert {i.done for i in plan} == {"C000001", "C000002"}
    with unit_of_work(main) as session:
        again = events.import_event(session, event, decisions, by=COORDINATOR)
    assert (again.added, again.joined, again.already, again.roles, again.contacts) == (
        0,
        0,
        2,
        0,
        0,
    )
    with unit_of_work(main, write=False) as session:
        assert session.scalar(select(func.count()).select_from(Carer)) == 2
        assert session.scalar(select(func.count()).select_from(Contact)) == 3


def test_the_import_is_all_or_nothing(main: Engine, event_file: Path) -> None:
    event = events.read_event(event_file, PASSPHRASE)
    bo = next(row["id"] for row in event.carers if row["last_name"] == "Lindqvist")
    with pytest.raises(NotFound), unit_of_work(main) as session:
        events.import_event(session, event, {bo: "no-such-carer"}, by=COORDINATOR)
    with unit_of_work(main, write=False) as session:
        assert session.scalar(select(func.count()).select_from(Carer)) == 1
        assert session.scalar(select(func.count()).select_from(Contact)) == 0


def test_only_a_coordinator_imports_an_event(main: Engine, event_file: Path) -> None:
    event = events.read_event(event_file, PASSPHRASE)
    with unit_of_work(main) as session, pytest.raises(NotAllowed):
        events.import_event(session, event, {}, by=STAFF)


def _import_certain(main: Engine, event_file: Path) -> None:
    """Import the event as the command line does by default: certain matches join."""
    event = events.read_event(event_file, PASSPHRASE)
    with unit_of_work(main) as session:
        plan = events.plan_import(session, event, by=COORDINATOR)
        decisions = {i.id: i.matches[0][0] for i in plan if i.certain}
        events.import_event(session, event, decisions, by=COORDINATOR)


def test_a_contact_logged_after_an_import_comes_with_the_next(
    main: Engine, event_file: Path
) -> None:
    _import_certain(main, event_file)
    engine = events.open_event(event_file, PASSPHRASE)
    with unit_of_work(engine) as session:
        ada = session.scalar(select(Carer).where(Carer.first_name == "Ada"))
        assert ada is not None
        contact = check_contact(
            {"support": "information_advice", "contact_on": "10/06/2026", "channel": "phone"}, TODAY
        )
        carers.log_contact(session, ada.id, contact, by=STAFF)
    engine.dispose()
    event = events.read_event(event_file, PASSPHRASE)
    with unit_of_work(main) as session:
        again = events.import_event(session, event, {}, by=COORDINATOR)
    assert (again.added, again.joined, again.contacts) == (0, 0, 1)
    with unit_of_work(main, write=False) as session:
        known = carers.get_carer(session, "C000001", by=SYSTEM)
        assert sorted(c.channel for c in known.contacts) == ["event", "phone"]


def test_a_row_the_registers_rules_refuse_stops_the_import(event_file: Path) -> None:
    engine = events.open_event(event_file, PASSPHRASE)
    with unit_of_work(engine) as session:
        session.execute(update(Carer).where(Carer.first_name == "Bo").values(consent_store=False))
    engine.dispose()
    with pytest.raises(events.EventFileRefused, match=r"1 entry .*C000002, carer, consent_store"):
        events.read_event(event_file, PASSPHRASE)


def test_the_event_desk_registers_and_logs_only(event_file: Path) -> None:
    engine = events.open_event(event_file, PASSPHRASE)
    with unit_of_work(engine, write=False) as session:
        volunteer = accounts.actor_of(accounts.find_user(session, "Robin Volunteer"))
    engine.dispose()
    assert volunteer.may(Can.REGISTER) and volunteer.may(Can.LOG_CONTACT)
    assert not volunteer.may(Can.EXPORT) and not volunteer.may(Can.ISSUE_CARDS)


def test_after_a_merge_the_events_later_contacts_find_the_survivor(
    main: Engine, event_file: Path
) -> None:
    from carerdesk.db import duplicates

    _import_certain(main, event_file)
    with unit_of_work(main) as session:
        again = _register(
            session, first_name="Ada", last_name="Quilfeather", date_of_birth="14/03/1971",
            registered_on="01/06/2026",
        )  # fmt: skip
        known = carers.get_carer(session, "C000001", by=SYSTEM).id
        duplicates.merge_carers(session, again, known, by=COORDINATOR, today=TODAY)
    engine = events.open_event(event_file, PASSPHRASE)
    with unit_of_work(engine) as session:
        ada = session.scalars(select(Carer).where(Carer.first_name == "Ada")).one()
        contact = check_contact(
            {"support": "information_advice", "contact_on": "10/06/2026", "channel": "phone"}, TODAY
        )
        carers.log_contact(session, ada.id, contact, by=STAFF)
    engine.dispose()
    event = events.read_event(event_file, PASSPHRASE)
    with unit_of_work(main) as session:
        plan = events.plan_import(session, event, by=COORDINATOR)
        assert {i.name: i.done for i in plan}["Ada Quillfeather"] == "C000003"
        events.import_event(session, event, {}, by=COORDINATOR)
    with unit_of_work(main, write=False) as session:
        survivor = carers.get_carer(session, "C000003", by=SYSTEM)
        assert sorted(c.channel for c in survivor.contacts) == ["event", "phone"]


def test_a_contact_before_its_carer_registered_stops_the_import(event_file: Path) -> None:
    """The desk's rule (``core.rules.check_contact_date``) holds for an event's file too."""
    engine = events.open_event(event_file, PASSPHRASE)
    with unit_of_work(engine) as session:
        bo = session.scalars(select(Carer.id).where(Carer.first_name == "Bo")).one()
        session.execute(
            update(Contact).where(Contact.carer_id == bo).values(contact_on=date(2026, 6, 9))
        )
    engine.dispose()
    with pytest.raises(
        events.EventFileRefused,
        match=r"1 entry .*C000002, contact, contact_on: This date is before",
    ):
        events.read_event(event_file, PASSPHRASE)


def test_a_ward_off_the_organisations_list_stops_the_import(main: Engine, event_file: Path) -> None:
    """As at the desk (``core.rules.check_ward``): the event's wards are on the list, or
    nothing is imported."""
    engine = events.open_event(event_file, PASSPHRASE)
    with unit_of_work(engine) as session:
        session.execute(update(Carer).where(Carer.first_name == "Bo").values(ward="Nowhere"))
    engine.dispose()
    with unit_of_work(main) as session:
        session.add(Setting(key="wards", value='["Greenhill", "Marlborough"]'))
    event = events.read_event(event_file, PASSPHRASE)
    refused = pytest.raises(NotAllowed, match=r"C000002 .*not on the organisation's ward list")
    with refused, unit_of_work(main) as session:
        events.import_event(session, event, {}, by=COORDINATOR)
    with unit_of_work(main, write=False) as session:
        assert session.scalar(select(func.count()).select_from(Carer)) == 1
