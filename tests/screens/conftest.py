"""A small register of invented carers and an application on it, with the clock frozen."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, update

from carerdesk.app import CarerdeskApp
from carerdesk.core.entries import check_carer, check_contact, check_role
from carerdesk.core.permissions import Actor
from carerdesk.db import accounts, carers
from carerdesk.db.engine import sqlite_url, unit_of_work
from carerdesk.db.models import Carer, CaringRole, Contact
from tests.conftest import STAFF, TODAY

NOW = datetime(2026, 11, 23, 10, 30)
STAMP = datetime(2026, 11, 2, 9, 0)

PEOPLE = [
    # first, last, born, postcode, mobile
    ("Siân", "O'Brien", "01/02/1970", "sw1a1aa", "07700 900101"),
    ("Thi", "Nguyễn", "05/05/1980", "HA1 2AB", "07700 900102"),
    ("Zoë", "Łukasz", "01/01/2011", "HA1 2AB", ""),
    ("Amir", "Patel", "12/08/1951", "HA3 0QQ", "020 7946 0123"),
]


ACCOUNTS = (
    # name, role, PIN
    ("Casey Coordinator", "coordinator", "2580"),
    ("Sam Staff", "staff", "1357"),
    ("Robin Volunteer", "volunteer", "2468"),
)


def actor_named(engine: Engine, name: str) -> Actor:
    """The account of this name, as the person it signs in as."""
    with unit_of_work(engine, write=False) as session:
        return accounts.actor_of(accounts.find_user(session, name))


@pytest.fixture
def desk_db(engine: Engine, db_path: Path) -> Path:
    """A register of four invented carers, each with a caring role, and an account for each
    role (``ACCOUNTS``); the clock is frozen."""
    with unit_of_work(engine) as session:
        (name, _, pin), *others = ACCOUNTS
        coordinator = accounts.set_up(
            session,
            {
                "organisation_name": "Harrow Carers Test",
                "organisation_phone": "020 7946 0000",
                "card_prefix": "HT",
                "coordinator": name,
                "pin": pin,
                "pin_again": pin,
            },
        ).actor
        for name, role, pin in others:
            accounts.add_user(session, coordinator, {"name": name, "role": role, "pin": pin})
        for first, last, born, postcode, mobile in PEOPLE:
            entry = check_carer(
                {
                    "first_name": first,
                    "last_name": last,
                    "date_of_birth": born,
                    "postcode": postcode,
                    "mobile": mobile,
                    "registered_on": "02/11/2026",
                    "consent_store": "yes",
                },
                TODAY,
            )
            role = check_role({"relationship": "parent", "conditions": "dementia"}, TODAY)
            carer = carers.register_carer(session, entry, [role], by=STAFF, today=TODAY)
            if first == "Thi":
                contact = check_contact(
                    {
                        "support": "information_advice",
                        "contact_on": "23/11/2026",
                        "contact_time": "09:15",
                        "channel": "phone",
                    },
                    TODAY,
                )
                carers.log_contact(session, carer.id, contact, by=STAFF)
        for model in (Carer, CaringRole, Contact):
            session.execute(update(model).values(created_at=STAMP, updated_at=STAMP))
    return db_path


@pytest.fixture
def make_app(desk_db: Path, engine: Engine) -> Callable[..., CarerdeskApp]:
    """Build the application on the small register, at 10:30 on 23 November 2026, signed in
    as ``user`` (the member of staff by default; None for the sign-in screen)."""

    def build(user: str | None = "Sam Staff") -> CarerdeskApp:
        actor = actor_named(engine, user) if user else None
        return CarerdeskApp(sqlite_url(desk_db), now=lambda: NOW, actor=actor)

    return build


@pytest.fixture
def busy_record(engine: Engine) -> None:
    """Thi Nguyễn with a phone, an email, an address, consents, a long caring role that
    ended, and twenty contacts: more than 80x24 holds at once."""
    from datetime import date, time

    from sqlalchemy import select

    with unit_of_work(engine) as session:
        carer = session.scalars(select(Carer).where(Carer.first_name == "Thi")).one()
        session.execute(
            update(Carer)
            .where(Carer.id == carer.id)
            .values(
                phone="+442079460123",
                email="thi.nguyen@example.org",
                address_line_1="12 Station Road",
                town="Harrow",
                consent_share=True,
                consent_contact=False,
            )
        )
        session.execute(
            update(CaringRole)
            .where(CaringRole.carer_id == carer.id)
            .values(
                conditions="dementia;learning_disability;physical_disability;mental_health",
                lives_with_carer=True,
                started_on=date(2019, 1, 22),
                ended_on=date(2026, 10, 31),
            )
        )
        for day in range(1, 21):
            session.add(
                Contact(
                    carer_id=carer.id,
                    contact_on=date(2026, 10, day),
                    contact_time=time(10, 15),
                    channel="drop_in",
                    support="information_advice;emotional_support",
                    minutes=30,
                    staff="Sam Staff",
                )
            )
        session.flush()
        for model in (Carer, CaringRole, Contact):  # the record's stamps not today's time
            session.execute(update(model).values(created_at=STAMP, updated_at=STAMP))
