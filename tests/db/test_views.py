"""Reads know who asks: every operation takes the acting person and checks the right before it
queries; a volunteer's view of a carer holds only what the field declaration lets them see."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

import pytest
from sqlalchemy import Engine, event, select
from sqlalchemy.orm import Session

import carerdesk.db
from carerdesk.core.entries import CARER_FIELDS, check_carer, check_contact, check_role
from carerdesk.core.errors import NotAllowed
from carerdesk.core.permissions import Actor
from carerdesk.core.weeks import Week
from carerdesk.db import accounts, cards, carers, destinations, duplicates, referrals, returns
from carerdesk.db.engine import unit_of_work
from carerdesk.db.models import AuditEntry, Setting
from carerdesk.db.views import CarerView
from tests.conftest import COORDINATOR, STAFF, TODAY, VOLUNTEER

WITHOUT_ACTOR = {
    # Before anyone exists or is signed in: the first-run set-up, sign-in itself and what the
    # sign-in and lock screens read (no carer's details in any of them).
    "accounts.set_up": "makes the first coordinator, before anyone exists",
    "accounts.has_users": "whether set-up is needed, before anyone exists",
    "accounts.sign_in": "sign-in itself: it finds out who is acting",
    "accounts.recover": "a coordinator's recovery code: like sign-in, it finds out who acts",
    "accounts.sign_in_with_new_audit_key": "sign-in on a desk without the audit key: it finds "
    "out who acts (then audit.new_keying checks REPLACE_AUDIT_KEY)",
    "audit.key_change": "what audit new-key would do, asked before anyone can sign in (key ids "
    "and entry numbers, no one's details)",
    "accounts.find_user": "the account a name signs in as (sign-in, --user, the demo)",
    "accounts.hasher": "the PIN hashing settings, for sign-in",
    "accounts.demo_pins": "the demo register's PINs, shown on its sign-in screen",
    "accounts.organisation": "the organisation's name, on the sign-in screen and headers",
    "accounts.idle_minutes": "the idle lock setting, read before anyone signs in",
    "accounts.whole_setting": "reads one numeric organisation setting for an operation",
    "cards.valid_years": "an organisation setting read inside issue_card",
    "retention.retention_years": "an organisation setting (the retention period in years)",
    "erasure.find_record": "the record a reference names, for erasure and retention (checked)",
    "erasure.checkpoint": "empties the write-ahead log after an erasure has committed",
    "referrals.chase_days": "an organisation setting (days before a referral is chased)",
    "carers.ward_list": "the organisation's wards: a code list for forms, no one's details",
    "events.event_info": "the event's name, venue and counts, on the sign-in screen",
    "events.is_event": "whether the register is an event's, before anyone signs in",
    # Writes the trail for an operation that has already checked its right; its actor is
    # the subject of the entry, not a reader.
    "audit.record": "writes the entry of an operation that checked the right itself",
    "audit.anchor_head": "writes the trail's head (a number and a hash) outside the register "
    "after a backup or a return, whose caller checked its right",
    # Bulk loaders and counters the demo and the import use under an actor checked by
    # their caller; and the engine and migrations, below every operation.
    "carers.next_reference": "a new reference, inside register_carer and the import",
    "carers.reserve_references": "moves the counter past imported references (the import)",
    "bulk.insert_rows": "the demo's and the import's bulk writer (caller checks IMPORT)",
    "bulk.large_cache": "a cache size for the bulk writers",
    "duplicates.survivor": "follows a merge inside import_event, which checked IMPORT",
    "engine.unit_of_work": "the transaction every operation runs in",
    "engine.is_sqlite": "which SQL dialect an engine speaks",
    "migrate.upgrade": "migrations, before anyone can sign in",
    "migrate.current_revision": "migrations, before anyone can sign in",
    # Copies and checks of the whole file, below the operations: the day's backup and the
    # check run as the register opens, before anyone signs in; `carerdesk backup` checks
    # EXPORT and records the backup itself.
    "backups.make_backup": "copies the file; its callers check the right (or none: at open)",
    "backups.backup_now": "copies the file; its callers check the right (or none: at open)",
    "backups.daily_backup": "the day's backup as the register opens, before anyone signs in",
    "backups.check_register": "SQLite's check of the file, before anyone signs in",
}
"""The public functions of ``carerdesk.db`` that take a session (or engine) without the
acting person, each with why."""


def _public_functions() -> Iterator[tuple[str, Callable[..., Any]]]:
    for module_info in pkgutil.iter_modules(carerdesk.db.__path__):
        module = importlib.import_module(f"carerdesk.db.{module_info.name}")
        for name, function in inspect.getmembers(module, inspect.isfunction):
            if function.__module__ == module.__name__ and not name.startswith("_"):
                yield f"{module_info.name}.{name}", function


def _takes_a_session(function: Callable[..., Any]) -> bool:
    annotations = " ".join(
        str(p.annotation) for p in inspect.signature(function).parameters.values()
    )
    return any(word in annotations for word in ("Session", "Engine", "Connection"))


def test_every_operation_takes_the_acting_person() -> None:
    walked = dict(_public_functions())
    assert "carers.open_carer" in walked and "cards.get_card" in walked  # the walk finds them
    missing = [
        name
        for name, function in walked.items()
        if _takes_a_session(function)
        and "by" not in inspect.signature(function).parameters
        and name not in WITHOUT_ACTOR
    ]
    assert missing == [], "take the acting person (by: Actor) or say why not in WITHOUT_ACTOR"
    stale = [name for name in WITHOUT_ACTOR if name not in walked]
    assert stale == [], "the allow-list names functions that no longer exist"


@pytest.fixture
def carer_id(engine: Engine) -> str:
    """An invented carer with every detail, a role with conditions, a contact with notes, a
    card and a referral."""
    with unit_of_work(engine) as session:
        session.add(Setting(key="card_prefix", value="HT"))
        entry = check_carer(
            {
                "first_name": "Ada",
                "last_name": "Quillfeather",
                "preferred_name": "Addie",
                "date_of_birth": "01/02/1970",
                "address_line_1": "1 Invented Row",
                "town": "Harrow",
                "postcode": "HA1 2AB",
                "phone": "020 7946 0018",
                "mobile": "07700 900123",
                "email": "ada@example.org",
                "gp_practice": "Invented Surgery",
                "notes": "Prefers mornings",
                "registered_on": "02/11/2026",
                "consent_store": "yes",
                "consent_share": "yes",
            },
            TODAY,
        )
        role = check_role({"relationship": "parent", "conditions": "dementia"}, TODAY)
        carer = carers.register_carer(session, entry, [role], by=STAFF, today=TODAY)
        contact = check_contact(
            {
                "support": "information_advice",
                "contact_on": "23/11/2026",
                "channel": "phone",
                "notes": "Asked about respite",
            },
            TODAY,
        )
        carers.log_contact(session, carer.id, contact, by=STAFF)
        cards.issue_card(session, carer.id, "carer_card", "new", by=STAFF, today=TODAY)
        referrals.make_referral(
            session, carer.id, destination="benefits_advice", reason="A claim", by=STAFF
        )
        return carer.id


def _open(engine: Engine, carer_id: str, by: Actor) -> CarerView:
    with unit_of_work(engine) as session:
        return carers.open_carer(session, carer_id, by=by, today=TODAY)


def test_a_volunteer_opens_only_the_name_reference_status_and_age_band(
    engine: Engine, carer_id: str
) -> None:
    seen = _open(engine, carer_id, VOLUNTEER)
    assert (seen.first_name, seen.last_name, seen.preferred_name) == (
        "Ada",
        "Quillfeather",
        "Addie",
    )
    assert (seen.reference, seen.status, seen.age_band) == ("C000001", "active", "adult carer")
    assert not seen.full
    for hidden in ("date_of_birth", "address_line_1", "town", "postcode", "phone", "mobile"):
        assert getattr(seen, hidden) is None, hidden
    assert (seen.email, seen.notes, seen.gp_practice, seen.consent_share) == (None,) * 4
    assert [role.conditions for role in seen.roles] == [None]
    assert [contact.notes for contact in seen.contacts] == [None]
    assert seen.referrals == ()
    assert "Prefers mornings" not in repr(seen) and "dementia" not in repr(seen)


def test_the_volunteer_view_follows_the_field_declaration(engine: Engine, carer_id: str) -> None:
    seen = _open(engine, carer_id, VOLUNTEER)
    whole = _open(engine, carer_id, STAFF)
    assert set(seen.values) == set(CARER_FIELDS) == set(whole.values)
    for name, spec in CARER_FIELDS.items():
        expected = whole.values[name] if spec.volunteer == "shown" else None
        assert seen.values[name] == expected, name
    assert {n for n, s in CARER_FIELDS.items() if s.volunteer == "shown"} == {
        "first_name",
        "last_name",
        "preferred_name",
    }


def test_staff_open_the_whole_record(engine: Engine, carer_id: str) -> None:
    seen = _open(engine, carer_id, STAFF)
    assert seen.full
    assert seen.date_of_birth == date(1970, 2, 1) and seen.postcode == "HA1 2AB"
    assert (seen.phone, seen.notes) == ("+442079460018", "Prefers mornings")
    assert [role.conditions for role in seen.roles] == ["dementia"]
    assert [contact.notes for contact in seen.contacts] == ["Asked about respite"]
    assert len(seen.cards) == 1 and len(seen.referrals) == 1


def test_opening_is_in_the_trail_whoever_opens(engine: Engine, carer_id: str) -> None:
    _open(engine, carer_id, VOLUNTEER)
    with unit_of_work(engine, write=False) as session:
        opened = session.scalars(
            select(AuditEntry.user_name).where(AuditEntry.action == "opened")
        ).all()
    assert opened == ["Robin Volunteer"]


def _statements(engine: Engine) -> list[str]:
    seen: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *args: seen.append(args[2]))
    return seen


READS: dict[str, Callable[[Session, str], object]] = {
    "a day's contacts": lambda s, c: carers.contacts_on(s, TODAY, by=VOLUNTEER),
    "a carer": lambda s, c: carers.get_carer(s, c, by=VOLUNTEER),
    "cards due": lambda s, c: cards.expiring_cards(s, TODAY, by=VOLUNTEER),
    "a card by number": lambda s, c: cards.find_card(s, "HT00000018", by=VOLUNTEER),
    "a card by id": lambda s, c: cards.get_card(s, "any", by=VOLUNTEER),
    "emergency contacts": lambda s, c: cards.emergency_texts(s, c, by=VOLUNTEER),
    "a referral": lambda s, c: referrals.get_referral(s, "any", by=VOLUNTEER),
    "a referral's steps": lambda s, c: referrals.steps(s, "any", by=VOLUNTEER),
    "the return's day counts": lambda s, c: returns.contacts_by_day(s, Week(2026, 47), by=STAFF),
    "the return's counts": lambda s, c: returns.week_counts(s, Week(2026, 47), by=STAFF),
    "registrations by week": lambda s, c: returns.registrations_by_week(
        s, Week(2026, 47), by=STAFF
    ),
    "accounts": lambda s, c: accounts.users(s, by=STAFF),
    "people to match": lambda s, c: duplicates.people(s, by=STAFF),
    "services": lambda s, c: destinations.services(s, by=VOLUNTEER),
}


@pytest.mark.parametrize(
    "what", [k for k in READS if k not in ("a day's contacts", "a carer", "services")]
)
def test_a_read_refused_asks_the_register_nothing(engine: Engine, carer_id: str, what: str) -> None:
    statements = _statements(engine)
    with unit_of_work(engine, write=False) as session:
        session.connection()  # the transaction begun before counting
        statements.clear()
        with pytest.raises(NotAllowed):
            READS[what](session, carer_id)
    assert [s for s in statements if not s.startswith(("ROLLBACK", "COMMIT"))] == []


def test_a_volunteer_may_read_what_the_desk_shows_them(engine: Engine, carer_id: str) -> None:
    with unit_of_work(engine, write=False) as session:
        for what in ("a carer", "services"):
            assert READS[what](session, carer_id), what
        assert READS["a day's contacts"](session, carer_id) == []  # staff logged today's one
        assert accounts.users(session, by=COORDINATOR) == []  # refused to no coordinator


def test_a_volunteer_sees_only_the_contacts_they_logged_today_not_every_carers_support(
    engine: Engine, carer_id: str
) -> None:
    # Staff logged Ada's contact (information and advice); a volunteer at the desk logs one.
    with unit_of_work(engine) as session:
        own = check_contact(
            {"support": "emotional_support", "contact_on": "23/11/2026", "channel": "drop_in"},
            TODAY,
        )
        mine = carers.log_contact(session, None, own, by=VOLUNTEER).id
    with unit_of_work(engine, write=False) as session:
        seen = carers.contacts_on(session, TODAY, by=VOLUNTEER)
        everyone = carers.contacts_on(session, TODAY, by=STAFF)
    assert [line.id for line in seen] == [mine]
    assert {line.support for line in everyone} == {"information_advice", "emotional_support"}
