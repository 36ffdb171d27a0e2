"""A small register with every record kind and some awkward text, for the register files."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Engine

from carerdesk.core.consents import ConsentEntry
from carerdesk.core.entries import check_carer, check_contact, check_role
from carerdesk.db import carers, consents
from carerdesk.db.engine import unit_of_work
from carerdesk.db.models import Card, Referral
from tests.conftest import STAFF

AWKWARD = {
    "notes": '=HYPERLINK("x")',
    "address_line_1": "@home",
    "address_line_2": "- asked about PIP",
    "town": "'=already quoted",
}


@pytest.fixture
def register(engine: Engine, today: date) -> Engine:
    """Two invented carers (registered out of reference order), roles, contacts, a card, a
    referral and consents, with texts a spreadsheet would take for formulas."""
    with unit_of_work(engine) as session:
        later = carers.register_carer(
            session,
            check_carer(
                {
                    "first_name": "Thi",
                    "last_name": "Nguyễn",
                    "date_of_birth": "05/05/1980",
                    "registered_on": "03/11/2026",
                    "consent_store": "yes",
                },
                today,
            ),
            by=STAFF,
            reference="C000002",
        )
        first = carers.register_carer(
            session,
            check_carer(
                {
                    "first_name": "Siân",
                    "last_name": "O'Brien",
                    "date_of_birth": "01/02/1970",
                    "postcode": "sw1a1aa",
                    "phone": "+44 (0)20 7946 0018",
                    "registered_on": "02/11/2026",
                    "consent_store": "yes",
                    "consent_share": "yes",
                    **AWKWARD,
                },
                today,
            ),
            [check_role({"relationship": "parent", "conditions": "dementia;frailty"}, today)],
            by=STAFF,
            reference="C000001",
        )
        for carer_id, day in (
            (first.id, "23/11/2026"),
            (None, "22/11/2026"),
            (later.id, "20/11/2026"),
        ):
            carers.log_contact(
                session,
                carer_id,
                check_contact(
                    {
                        "support": "information_advice",
                        "contact_on": day,
                        "channel": "phone",
                        "minutes": "15",
                    },
                    today,
                ),
                by=STAFF,
            )
        session.add(
            Card(
                card_number="HC00001230",
                carer_id=first.id,
                card_type="carer_card",
                issue_reason="new",
                issued_on=date(2026, 11, 2),
                expires_on=date(2029, 11, 1),
                status="active",
            )
        )
        consents.record_consent(
            session,
            later.id,
            ConsentEntry("contact", True, date(2026, 11, 20), "phone"),
            by=STAFF,
            today=today,
        )
        session.add(
            Referral(
                carer_id=first.id,
                destination="benefits_advice",
                reason="=SUM(A1)",
                urgency="routine",
                status="sent",
                made_on=date(2026, 11, 3),
            )
        )
    return engine


@pytest.fixture
def organised(engine: Engine) -> Engine:
    """An empty register with its organisation set up (name, phone, card prefix HT)."""
    from carerdesk.db import accounts

    with unit_of_work(engine) as session:
        accounts.set_up(
            session,
            {
                "organisation_name": "Harrow Carers Test",
                "organisation_phone": "02079460000",
                "card_prefix": "HT",
                "coordinator": "Casey Coordinator",
                "pin": "2580",
                "pin_again": "2580",
            },
        )
    return engine
