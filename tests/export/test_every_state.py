"""Every state the screens and commands can bring a record to comes back from carerdesk's own
register files: one record of each, made through the operations, exported, imported into a
fresh register with nothing set up, and exported again gives the same files byte for byte
(the workbook: the same cells), and a second import changes nothing."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import Engine, func, select

from carerdesk.core.consents import ConsentEntry
from carerdesk.core.entries import check_carer, check_contact, check_role
from carerdesk.core.errors import FieldError
from carerdesk.core.permissions import Actor
from carerdesk.db import (
    accounts,
    cards,
    carers,
    consents,
    destinations,
    duplicates,
    erasure,
    events,
    referrals,
)
from carerdesk.db.engine import make_engine, sqlite_url, unit_of_work
from carerdesk.db.migrate import upgrade
from carerdesk.db.models import AuditEntry, Carer, Setting
from carerdesk.export.importer import Outcome, import_register, read_source
from carerdesk.export.register import COLUMNS, export_register
from tests.conftest import COORDINATOR, STAFF, TODAY

PASSPHRASE = "purple kettle harbour"
CHANNELS = ("drop_in", "phone", "home_visit", "event", "online", "email")
PATHS = {
    # How far each referral goes, one step after another from its draft.
    "draft": (),
    "withdrawn before it was sent": ("withdrawn",),
    "sent": ("sent",),
    "acknowledged": ("sent", "acknowledged"),
    "completed when sent": ("sent", "completed"),
    "completed when acknowledged": ("sent", "acknowledged", "completed"),
    "declined when sent": ("sent", "declined"),
    "declined when acknowledged": ("sent", "acknowledged", "declined"),
    "withdrawn after it was sent": ("sent", "withdrawn"),
    "withdrawn when acknowledged": ("sent", "acknowledged", "withdrawn"),
}


def _day(text: str) -> date:
    day, month, year = (int(part) for part in text.split("/"))
    return date(year, month, day)


def _carer(session, by: Actor = STAFF, roles: tuple[dict[str, str], ...] = (), **typed: str):  # type: ignore[no-untyped-def]
    values = {"consent_store": "yes", "registered_on": "05/01/2026", **typed}
    entry = check_carer(values, TODAY)
    return carers.register_carer(
        session,
        entry,
        [check_role(role, TODAY) for role in roles],
        by=by,
        today=entry.registered_on,
    )


def _contact(session, carer_id: str | None, day: str, channel: str = "drop_in", **typed: str):  # type: ignore[no-untyped-def]
    entry = check_contact(
        {"support": "information_advice", "contact_on": day, "channel": channel, **typed}, TODAY
    )
    return carers.log_contact(session, carer_id, entry, by=STAFF)


def _referral(  # type: ignore[no-untyped-def]
    session,
    carer_id: str,
    destination: str,
    steps: tuple[str, ...],
    sent: str,
    urgency: str = "routine",
) -> None:
    made = referrals.make_referral(
        session, carer_id, destination=destination, reason="Asked for help", urgency=urgency,
        by=STAFF,
    )  # fmt: skip
    day = _day(sent)
    for step in steps:
        if step == "sent":
            referrals.send_referral(session, made.id, confirmed=True, by=STAFF, today=day)
        else:
            referrals.move_referral(
                session, made.id, step, by=STAFF, today=day, outcome=f"{step} by letter"
            )


def _consent(session, carer_id: str, consent: str, given: bool, day: str) -> None:  # type: ignore[no-untyped-def]
    entry = ConsentEntry(consent, given, _day(day), "phone")
    consents.record_consent(session, carer_id, entry, by=COORDINATOR, today=TODAY)


def _event(tmp_path: Path) -> events.EventFile:
    """A Carers Week stall: Ada, whom the register knows already, and Bo, who is new."""
    path = tmp_path / "carers-week.event"
    events.start_event(
        path, PASSPHRASE, name="Carers Week stall", venue="St Ann's shopping centre",
        day="10/06/2026", volunteer="Robin Volunteer", pin="2468",
    )  # fmt: skip
    engine = events.open_event(path, PASSPHRASE)
    with unit_of_work(engine) as session:
        volunteer = accounts.actor_of(accounts.find_user(session, "Robin Volunteer"))
        common = {"registered_on": "10/06/2026", "registered_at": "event"}
        ada = _carer(
            session, volunteer, first_name="Ada", last_name="Quillfeather",
            date_of_birth="14/03/1971", mobile="07700 900123", email="ada@example.org", **common,
        )  # fmt: skip
        bo = _carer(
            session, volunteer, ({"relationship": "spouse_or_partner"},), first_name="Bo",
            last_name="Lindqvist", date_of_birth="02/02/1990", mobile="07700 900456", **common,
        )  # fmt: skip
        for carer_id in (ada.id, bo.id, None):
            entry = check_contact(
                {"support": "information_advice", "contact_on": "10/06/2026", "channel": "event"},
                TODAY,
            )
            carers.log_contact(session, carer_id, entry, by=volunteer)
    engine.dispose()
    events.close_event(path, PASSPHRASE)
    return events.read_event(path, PASSPHRASE)


def build(engine: Engine, tmp_path: Path) -> None:
    """One record of every state, each made as the screens and commands make it."""
    with unit_of_work(engine) as session:
        session.add(Setting(key="card_prefix", value="HT"))
        # A ward kept before the organisation had a list, which is not on it now.
        early = _carer(
            session, first_name="Ifeoma", last_name="Adeyemi", date_of_birth="09/09/1966",
            ward="Greenhill",
        )  # fmt: skip
        accounts.change_setting(
            session, COORDINATOR, "wards", "Harrow on the Hill; Wealdstone North; Kenton East"
        )
        # The organisation's own services: one renamed, two added, one of them retired.
        destinations.change_service(
            session, COORDINATOR, "counselling", {"name": "Talking Therapies Harrow"}
        )
        hub = destinations.add_service(
            session, COORDINATOR,
            {"name": "Harrow Young Carers Hub", "contact": "hub@example.org",
             "counts_as": "young_carers_assessment"},
        )  # fmt: skip
        sitting = destinations.add_service(
            session, COORDINATOR,
            {"name": "Wealdstone Sitting Service", "counts_as": "breaks_respite"},
        )  # fmt: skip

        # Zoë: active, in a ward, edited, two roles (one ended), contacts of every channel
        # (one corrected), every referral status by every path, and cards of every status.
        roles = (
            {"relationship": "parent", "conditions": "dementia;frailty",
             "cared_for_age_band": "65_plus", "lives_with_carer": "yes"},
            {"relationship": "child", "started_on": "01/01/2020"},
        )  # fmt: skip
        zoe = _carer(
            session, STAFF, roles,
            first_name="Zoë", last_name="Fairbrother", preferred_name="Zo", gender="female",
            date_of_birth="01/02/1970", ethnicity="indian", address_line_1="12 Station Road",
            address_line_2="-flat 2", town="Harrow", ward="Harrow on the Hill",
            postcode="HA1 2AB", phone="020 7946 0018", email="zoe@example.org",
            preferred_contact="email", registered_at="drop_in", how_heard="gp",
            hours_caring="20_34", parent_carer="no", employment="part_time",
            carers_allowance="not_known", gp_practice="Station Road Surgery",
            consent_share="yes", consent_contact="yes", registered_on="02/01/2026",
        )  # fmt: skip
        carers.update_carer(
            session, zoe.id, {"mobile": "+447700900321", "notes": "=prefers mornings"}, by=STAFF
        )
        child = next(role for role in zoe.roles if role.relationship_ == "child")
        carers.update_role(
            session,
            child.id,
            check_role(
                {"relationship": "child", "started_on": "01/01/2020", "ended_on": "01/10/2026"},
                TODAY,
            ),
            by=STAFF,
        )
        for n, channel in enumerate(CHANNELS, start=1):
            _contact(
                session, zoe.id, f"{n + 1:02d}/02/2026", channel, minutes="20",
                contact_time="10:30", notes="+ asked about PIP",
            )  # fmt: skip
        corrected = _contact(session, zoe.id, "10/02/2026", "phone")
        carers.update_contact(
            session,
            corrected.id,
            check_contact(
                {
                    "support": "information_advice;emotional_support",
                    "contact_on": "11/02/2026",
                    "channel": "phone",
                    "notes": "Rang back",
                },
                TODAY,
            ),
            by=STAFF,
        )
        _contact(session, None, "12/02/2026", "phone")  # anonymous
        for n, steps in enumerate(PATHS.values(), start=1):
            _referral(session, zoe.id, "benefits_advice", steps, f"{n:02d}/03/2026")
        _referral(session, zoe.id, "counselling", ("sent",), "15/03/2026")
        _referral(session, zoe.id, sitting.code, ("sent", "completed"), "16/03/2026")
        destinations.retire_service(session, COORDINATOR, sitting.code, _day("01/04/2026"))
        # An old passport never renewed (expired), a card replaced, its replacement
        # cancelled as lost, a renewal active; an emergency card.
        cards.issue_card(
            session, zoe.id, "carer_passport", "new", by=STAFF, today=_day("05/01/2022")
        )
        cards.issue_card(session, zoe.id, "carer_card", "new", by=STAFF, today=_day("05/01/2026"))
        lost = cards.issue_card(
            session, zoe.id, "carer_card", "replacement", by=STAFF, today=_day("05/02/2026")
        )
        cards.cancel_card(session, lost.id, "Lost on the bus", by=STAFF, today=_day("05/03/2026"))
        cards.issue_card(
            session, zoe.id, "carer_card", "renewal", by=STAFF, today=_day("06/03/2026")
        )
        cards.set_emergency(
            session, zoe.id, [("Tomasz Fairbrother", "brother", "+447700900654")], True, by=STAFF
        )
        cards.issue_card(
            session, zoe.id, "emergency_card", "new", by=STAFF, today=_day("06/03/2026")
        )

        # A young carer with a young carer card, referred to the organisation's own hub.
        young = _carer(
            session, first_name="Łukasz", last_name="Nowakowski", date_of_birth="03/04/2011",
            ward="Wealdstone North", consent_share="yes",
        )  # fmt: skip
        cards.issue_card(
            session, young.id, "young_carer_card", "new", by=STAFF, today=_day("06/01/2026")
        )
        _referral(session, young.id, hub.code, ("sent",), "07/01/2026")

        # A young carer card cancelled, then the date of birth corrected to an adult's: the
        # card ended is a record of what was issued.
        corrected = _carer(
            session, first_name="Siân", last_name="O'Brien", date_of_birth="05/05/2010",
        )  # fmt: skip
        wrong = cards.issue_card(
            session, corrected.id, "young_carer_card", "new", by=STAFF, today=_day("06/01/2026")
        )
        cards.cancel_card(
            session, wrong.id, "Date of birth wrong", by=STAFF, today=_day("07/01/2026")
        )
        carers.update_carer(session, corrected.id, {"date_of_birth": date(1990, 5, 5)}, by=STAFF)

        # Closed for each reason there is, one reopened, one withdrawing consent to keep their
        # details, and one whose consent to share ended after a referral was sent.
        for n, reason in enumerate(
            ("no_longer_caring", "bereaved", "moved_away", "deceased", "other")
        ):
            closed = _carer(
                session, first_name="Closed", last_name=f"Carer{'ABCDE'[n]}",
                date_of_birth="01/01/1960", consent_share="yes",
            )  # fmt: skip
            carers.close_carer(
                session, closed.id, on=_day(f"0{n + 1}/06/2026"), reason=reason, by=STAFF
            )
        # Closed already, then their consent to keep their details withdrawn: it stays closed
        # for its own reason.
        _consent(session, closed.id, "store", False, "10/06/2026")
        # Withdrawn, closed, given again and reopened.
        back = _carer(session, first_name="Dafydd", last_name="Morgan", date_of_birth="06/06/1966")
        _consent(session, back.id, "store", False, "01/02/2026")
        _consent(session, back.id, "store", True, "03/02/2026")
        carers.reopen_carer(session, back.id, by=STAFF)
        reopened = _carer(
            session, first_name="Rhiannon", last_name="Pryce", date_of_birth="07/07/1977",
            registered_on="05/12/2023", consent_share="yes",
        )  # fmt: skip
        carers.close_carer(
            session, reopened.id, on=_day("01/05/2026"), reason="moved_away", by=STAFF
        )
        carers.reopen_carer(session, reopened.id, by=STAFF)
        # Her card, due, renewed with the others due by the command that renews them.
        cards.issue_card(
            session, reopened.id, "carer_card", "new", by=STAFF, today=_day("06/12/2023")
        )
        renewed = cards.renew_due_cards(session, _day("20/11/2026"), by=STAFF)
        assert [renewal.due.reference for renewal in renewed] == [reopened.reference]
        _referral(session, reopened.id, "other", ("sent",), "21/11/2026", urgency="urgent")
        leaving = _carer(
            session, first_name="Oluwaseun", last_name="Bakare", date_of_birth="08/08/1988",
            consent_share="yes", consent_contact="yes",
        )  # fmt: skip
        _referral(session, leaving.id, "counselling", ("sent", "acknowledged"), "01/02/2026")
        _consent(session, leaving.id, "contact", False, "01/03/2026")
        _consent(session, leaving.id, "store", False, "02/03/2026")
        unshared = _carer(
            session, first_name="Aoife", last_name="Gallagher", date_of_birth="12/12/1982",
            consent_share="yes", ward="Kenton East",
        )  # fmt: skip
        _referral(session, unshared.id, "dementia_support", ("sent",), "02/02/2026")
        _consent(session, unshared.id, "share", False, "03/02/2026")
        _consent(session, unshared.id, "share", True, "04/02/2026")
        _consent(session, unshared.id, "share", False, "05/02/2026")

        # Two records of one person merged: the earlier one's referral, card and contact go
        # to the one kept, whose own card of the type is then replaced.
        keep = _carer(
            session, first_name="Priya", last_name="Raman", date_of_birth="04/04/1975",
            registered_on="01/03/2026",
        )  # fmt: skip
        away = _carer(
            session, first_name="Priya", last_name="Ramen", date_of_birth="04/04/1975",
            registered_on="15/01/2026", consent_share="yes",
        )  # fmt: skip
        _referral(session, away.id, "breaks_respite", ("sent",), "20/01/2026")
        _contact(session, away.id, "20/01/2026", "drop_in")
        cards.issue_card(session, away.id, "carer_card", "new", by=STAFF, today=_day("20/01/2026"))
        cards.issue_card(session, keep.id, "carer_card", "new", by=STAFF, today=_day("02/03/2026"))
        duplicates.merge_carers(session, keep.id, away.id, by=COORDINATOR, today=_day("03/03/2026"))

        # Erased: nothing of them goes into the files, and what is left does not stop them.
        gone = _carer(
            session, first_name="Wilhelmina", last_name="Quixote", date_of_birth="02/02/1950"
        )
        _contact(session, gone.id, "06/01/2026")
        erasure.erase_carer(
            session, gone.reference, confirm=gone.reference, reason="asked to be forgotten",
            by=COORDINATOR, today=TODAY,
        )  # fmt: skip
        # The ward list changes after carers were given wards: Kenton East goes.
        accounts.change_setting(
            session, COORDINATOR, "wards", "Harrow on the Hill; Wealdstone North; Belmont"
        )
        assert early.ward == "Greenhill"
        # Ada, registered here after the event where she registered first, comes from the
        # event too: joined, she keeps the earlier date, before her contact there.
        _carer(
            session, first_name="Ada", last_name="Quillfeather", date_of_birth="14/03/1971",
            mobile="07700 900123", registered_on="01/07/2026",
        )  # fmt: skip
    event = _event(tmp_path)
    with unit_of_work(engine) as session:
        plan = events.plan_import(session, event, by=COORDINATOR)
        events.import_event(session, event, events.proposed(plan), by=COORDINATOR)


@pytest.fixture
def every_state(engine: Engine, tmp_path: Path) -> Engine:
    """A register holding one record of every state."""
    build(engine, tmp_path)
    return engine


def fresh(path: Path) -> Engine:
    """A new register file, migrated and nothing else: no wards, no card prefix, the services
    carerdesk starts with."""
    engine = make_engine(sqlite_url(path))
    upgrade(engine)
    return engine


def export(engine: Engine, out: Path, fmt: str = "csv") -> None:
    with unit_of_work(engine, write=False) as session:
        export_register(session, COORDINATOR, out, fmt=fmt)


def load(engine: Engine, path: Path) -> Outcome:
    with unit_of_work(engine) as session:
        return import_register(session, COORDINATOR, read_source(path), today=TODAY)


def cells(path: Path) -> dict[str, list[tuple[object, ...]]]:
    book = load_workbook(path, read_only=True)
    try:
        return {sheet.title: list(sheet.iter_rows(values_only=True)) for sheet in book.worksheets}
    finally:
        book.close()


def test_the_register_made_covers_every_state(every_state: Engine) -> None:
    """What the files must bring back (read from the register, not from the build)."""
    from carerdesk.db.models import Card, Contact, Referral

    with unit_of_work(every_state, write=False) as session:
        assert set(session.scalars(select(Referral.status))) == {
            "draft", "sent", "acknowledged", "completed", "declined", "withdrawn",
        }  # fmt: skip
        assert set(session.scalars(select(Card.status))) == {"active", "replaced", "cancelled"}
        assert set(session.scalars(select(Card.issue_reason))) == {"new", "renewal", "replacement"}
        assert set(session.scalars(select(Card.card_type))) == {
            "carer_card", "carer_passport", "young_carer_card", "emergency_card",
        }  # fmt: skip
        assert session.scalar(select(func.count()).where(Card.expires_on < TODAY)) == 1
        assert set(session.scalars(select(Referral.urgency))) == {"routine", "urgent"}
        assert session.scalar(select(func.count()).where(Contact.carer_id.is_(None))) == 2
        assert session.scalar(select(func.count()).where(Carer.merged_into.is_not(None))) == 1
        ada = session.scalars(select(Carer).where(Carer.first_name == "Ada")).one()
        assert (ada.registered_on, ada.email) == (date(2026, 6, 10), "ada@example.org")
        assert set(session.scalars(select(Carer.closed_reason))) >= {
            None, "no_longer_caring", "bereaved", "moved_away", "deceased", "other",
            "withdrew_consent", "duplicate",
        }  # fmt: skip
        assert set(session.scalars(select(Contact.channel))) == set(CHANNELS)
        assert session.scalar(select(func.count()).where(Carer.erased_on.is_not(None))) == 1


def test_csv_files_come_back_byte_for_byte(every_state: Engine, tmp_path: Path) -> None:
    export(every_state, tmp_path / "one")
    assert {path.stem for path in (tmp_path / "one").iterdir()} == set(COLUMNS)
    moved = fresh(tmp_path / "moved.sqlite")
    try:
        outcome = load(moved, tmp_path / "one")
        assert [str(problem) for problem in outcome.problems] == [] and outcome.written
        # The two services added and the one renamed; the three wards on the list.
        assert (outcome.added["services"], outcome.changed["services"]) == (2, 1)
        assert outcome.added["wards"] == 3
        export(moved, tmp_path / "two")
        for kind in COLUMNS:
            name = f"{kind}.csv"
            one, two = (
                (tmp_path / "one" / name).read_bytes(),
                (tmp_path / "two" / name).read_bytes(),
            )
            assert one == two, name
        with unit_of_work(moved, write=False) as session:
            before = session.scalar(select(func.count()).select_from(AuditEntry))
        again = load(moved, tmp_path / "one")
        assert again.problems == [] and again.written
        assert sum(again.added.values()) == 0 and sum(again.changed.values()) == 0
        export(moved, tmp_path / "three")
        for kind in COLUMNS:
            name = f"{kind}.csv"
            one, three = (
                (tmp_path / "one" / name).read_bytes(),
                (tmp_path / "three" / name).read_bytes(),
            )
            assert one == three, name
        with unit_of_work(moved, write=False) as session:
            # The second import's own entry, and nothing else.
            assert session.scalar(select(func.count()).select_from(AuditEntry)) == before + 1
    finally:
        moved.dispose()


def test_the_workbook_comes_back_cell_for_cell(every_state: Engine, tmp_path: Path) -> None:
    export(every_state, tmp_path / "one.xlsx", fmt="xlsx")
    moved = fresh(tmp_path / "moved.sqlite")
    try:
        outcome = load(moved, tmp_path / "one.xlsx")
        assert [str(problem) for problem in outcome.problems] == [] and outcome.written
        export(moved, tmp_path / "two.xlsx", fmt="xlsx")
        first, second = cells(tmp_path / "one.xlsx"), cells(tmp_path / "two.xlsx")
        assert list(first) == list(COLUMNS)
        assert first == second
        again = load(moved, tmp_path / "one.xlsx")
        assert again.problems == []
        assert sum(again.added.values()) == 0 and sum(again.changed.values()) == 0
    finally:
        moved.dispose()


def test_the_desk_makes_no_record_its_files_would_refuse(engine: Engine) -> None:
    """A registration moved past a contact or a closing, or a date of birth an active card
    does not suit (edited, or kept by a merge), is refused at the desk as the import would."""
    with unit_of_work(engine) as session:
        session.add(Setting(key="card_prefix", value="HT"))
        seen = _carer(session, first_name="Moved", last_name="Later", date_of_birth="01/01/1960")
        _contact(session, seen.id, "06/01/2026")
        closed = _carer(session, first_name="Closed", last_name="Early", date_of_birth="01/01/1960")
        carers.close_carer(session, closed.id, on=_day("07/01/2026"), reason="other", by=STAFF)
        young = _carer(
            session, first_name="Łukasz", last_name="Nowakowski", date_of_birth="03/04/2011"
        )
        cards.issue_card(
            session, young.id, "young_carer_card", "new", by=STAFF, today=_day("06/01/2026")
        )
        adult = _carer(
            session, first_name="Łukasz", last_name="Nowakowski", date_of_birth="03/04/1991"
        )
    refusals = [
        (seen.id, {"registered_on": date(2026, 2, 1)}, "a contact on 06/01/2026"),
        (closed.id, {"registered_on": date(2026, 2, 1)}, "closed on 07/01/2026"),
        (young.id, {"date_of_birth": date(2001, 4, 3)}, "young carer card HT"),
    ]
    for carer_id, change, message in refusals:
        with pytest.raises(FieldError, match=message), unit_of_work(engine) as session:
            carers.update_carer(session, carer_id, change, by=STAFF)
    merging = pytest.raises(FieldError, match="cancel it first, then merge them")
    with merging, unit_of_work(engine) as session:
        duplicates.merge_carers(session, adult.id, young.id, by=COORDINATOR, today=TODAY)
    with unit_of_work(engine) as session:  # on or before both, it is a correction like any
        carers.update_carer(session, seen.id, {"registered_on": date(2026, 1, 6)}, by=STAFF)
