"""Versions: a save over a change made since its form was opened is refused, says so, and
loses nothing; an edit of a carer writes only the fields changed."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import pytest
from sqlalchemy import Engine, select, update

from carerdesk.core.entries import check_carer, check_contact, check_role
from carerdesk.core.errors import EditConflict, Stale
from carerdesk.core.permissions import SYSTEM, Actor
from carerdesk.db import accounts, cards, carers, referrals
from carerdesk.db.engine import unit_of_work
from carerdesk.db.models import Card, Carer, CaringRole, Contact, Referral, User
from tests.conftest import STAFF, TODAY


@dataclass(frozen=True)
class Records:
    carer: str
    role: str
    contact: str
    card: str
    referral: str
    user: str
    coordinator: Actor


@pytest.fixture
def records(engine: Engine) -> Records:
    """One of each record kind a person edits, each at version 1."""
    with unit_of_work(engine) as session:
        coordinator = accounts.set_up(
            session,
            {
                "organisation_name": "Harrow Carers Test",
                "card_prefix": "HT",
                "coordinator": "Casey Coordinator",
                "pin": "2580",
                "pin_again": "2580",
            },
        ).actor
        user = accounts.add_user(
            session, coordinator, {"name": "Sam Staff", "role": "staff", "pin": "1357"}
        )
        entry = check_carer(
            {
                "first_name": "Ada",
                "last_name": "Quillfeather",
                "date_of_birth": "01/02/1970",
                "postcode": "HA1 2AB",
                "registered_on": "02/11/2026",
                "consent_store": "yes",
                "consent_share": "yes",
            },
            TODAY,
        )
        role = check_role({"relationship": "parent"}, TODAY)
        carer = carers.register_carer(session, entry, [role], by=STAFF, today=TODAY)
        contact = carers.log_contact(
            session,
            carer.id,
            check_contact(
                {"support": "information_advice", "contact_on": "23/11/2026", "channel": "phone"},
                TODAY,
            ),
            by=STAFF,
        )
        card = cards.issue_card(session, carer.id, "carer_card", "new", by=STAFF, today=TODAY)
        referral = referrals.make_referral(
            session, carer.id, destination="benefits_advice", reason="Forms", by=STAFF
        )
        return Records(
            carer.id, carer.roles[0].id, contact.id, card.id, referral.id, user.id, coordinator
        )


def changed_elsewhere(engine: Engine, model: type, record_id: str) -> None:
    """Another desk saved a change to the record (its version moves on)."""
    with unit_of_work(engine) as session:
        session.execute(
            update(model).where(model.id == record_id).values(version=model.version + 1)  # type: ignore[attr-defined]
        )


def version_of(engine: Engine, model: type, record_id: str) -> int:
    with unit_of_work(engine, write=False) as session:
        found = session.scalar(select(model.version).where(model.id == record_id))  # type: ignore[attr-defined]
        assert found is not None
        return int(found)


# --- the carer ---------------------------------------------------------------------------


def test_a_carer_edit_writes_only_the_fields_changed(engine: Engine, records: Records) -> None:
    with unit_of_work(engine) as session:  # another desk changes the postcode...
        carers.update_carer(session, records.carer, {"postcode": "HA3 0QQ"}, by=STAFF, version=1)
    with unit_of_work(engine) as session:  # ...this one, opened before, the first name only
        carers.update_carer(
            session,
            records.carer,
            {"first_name": "Adaeze"},
            by=STAFF,
            version=1,
            was={"first_name": "Ada"},
        )
    with unit_of_work(engine, write=False) as session:
        carer = carers.get_carer(session, records.carer, by=SYSTEM)
        assert (carer.first_name, carer.postcode, carer.version) == ("Adaeze", "HA3 0QQ", 3)


def test_a_field_both_changed_is_refused_naming_it_with_both_values(
    engine: Engine, records: Records
) -> None:
    with unit_of_work(engine) as session:
        carers.update_carer(session, records.carer, {"first_name": "Ana"}, by=STAFF, version=1)
    with pytest.raises(EditConflict) as refused, unit_of_work(engine) as session:
        carers.update_carer(
            session,
            records.carer,
            {"first_name": "Adaeze", "preferred_name": "Dee"},
            by=STAFF,
            version=1,
            was={"first_name": "Ada", "preferred_name": None},
        )
    assert refused.value.clashes == {"first_name": ("Adaeze", "Ana")}
    assert refused.value.version == 2
    assert "First name" in refused.value.message and "Ana" not in refused.value.message
    with unit_of_work(engine, write=False) as session:
        carer = carers.get_carer(session, records.carer, by=SYSTEM)
        assert (carer.first_name, carer.preferred_name) == ("Ana", None)  # nothing written
    # Saved again over the version now, with the choice made: it goes through.
    with unit_of_work(engine) as session:
        carers.update_carer(
            session,
            records.carer,
            {"first_name": "Adaeze", "preferred_name": "Dee"},
            by=STAFF,
            version=2,
            was={"first_name": "Ana", "preferred_name": None},
        )
    assert version_of(engine, Carer, records.carer) == 3


def test_the_same_change_at_both_desks_is_no_conflict(engine: Engine, records: Records) -> None:
    for _ in range(2):
        with unit_of_work(engine) as session:
            carers.update_carer(
                session,
                records.carer,
                {"first_name": "Ana"},
                by=STAFF,
                version=1,
                was={"first_name": "Ada"},
            )
    assert version_of(engine, Carer, records.carer) == 2


def test_a_change_between_reading_and_writing_is_caught_in_the_write(
    engine: Engine, records: Records
) -> None:
    # On PostgreSQL another transaction may commit between this one's read and its write:
    # the write's WHERE version = <as read> finds no row, and nothing is saved.
    with pytest.raises(Stale), unit_of_work(engine) as session:
        carer = carers._get_carer(session, records.carer)  # the stored record, to write
        moved = update(Carer).where(Carer.id == carer.id).values(version=9)
        session.execute(moved, execution_options={"synchronize_session": False})
        carer.first_name = "Ana"
        session.flush()
    with unit_of_work(engine, write=False) as session:
        assert carers.get_carer(session, records.carer, by=SYSTEM).first_name == "Ada"


# --- every other kind --------------------------------------------------------------------

Update = Callable[[Engine, Records, int], None]


def _role(engine: Engine, r: Records, version: int) -> None:
    entry = check_role({"relationship": "spouse_or_partner"}, TODAY)
    with unit_of_work(engine) as session:
        carers.update_role(session, r.role, entry, by=STAFF, version=version)


def _contact(engine: Engine, r: Records, version: int) -> None:
    entry = check_contact(
        {"support": "information_advice", "contact_on": "22/11/2026", "channel": "phone"}, TODAY
    )
    with unit_of_work(engine) as session:
        carers.update_contact(session, r.contact, entry, by=STAFF, version=version)


def _card(engine: Engine, r: Records, version: int) -> None:
    with unit_of_work(engine) as session:
        cards.cancel_card(session, r.card, "Lost", by=STAFF, today=TODAY, version=version)


def _send(engine: Engine, r: Records, version: int) -> None:
    with unit_of_work(engine) as session:
        referrals.send_referral(
            session, r.referral, confirmed=True, by=STAFF, today=TODAY, version=version
        )


def _role_of_account(engine: Engine, r: Records, version: int) -> None:
    with unit_of_work(engine) as session:
        accounts.change_role(session, r.coordinator, r.user, "volunteer", version=version)


def _pin(engine: Engine, r: Records, version: int) -> None:
    with unit_of_work(engine) as session:
        accounts.reset_pin(session, r.coordinator, r.user, "8642", version=version)


def _deactivate(engine: Engine, r: Records, version: int) -> None:
    with unit_of_work(engine) as session:
        accounts.deactivate(session, r.coordinator, r.user, version=version)


KINDS: list[tuple[Update, type, str, str]] = [
    (_role, CaringRole, "role", "caring role"),
    (_contact, Contact, "contact", "contact"),
    (_card, Card, "card", "card"),
    (_send, Referral, "referral", "referral"),
    (_role_of_account, User, "user", "account"),
    (_pin, User, "user", "account"),
    (_deactivate, User, "user", "account"),
]


@pytest.mark.parametrize(("save", "model", "attribute", "noun"), KINDS)
def test_a_stale_update_is_refused_and_changes_nothing(
    engine: Engine, records: Records, save: Update, model: type, attribute: str, noun: str
) -> None:
    record_id = getattr(records, attribute)
    changed_elsewhere(engine, model, record_id)
    with pytest.raises(Stale) as refused:
        save(engine, records, 1)
    assert refused.value.message.startswith(f"This {noun} was changed at another desk")
    assert "nothing was saved" in refused.value.message
    assert version_of(engine, model, record_id) == 2
    # Opened again (at the version now), the same save goes through.
    save(engine, records, 2)
    assert version_of(engine, model, record_id) == 3


def test_a_save_at_the_version_read_moves_it_on(engine: Engine, records: Records) -> None:
    _role(engine, records, 1)
    assert version_of(engine, CaringRole, records.role) == 2
    with unit_of_work(engine, write=False) as session:
        role = session.get(CaringRole, records.role)
        assert role is not None and role.relationship_ == "spouse_or_partner"
        assert (
            date(2026, 11, 2) == carers.get_carer(session, records.carer, by=SYSTEM).registered_on
        )
