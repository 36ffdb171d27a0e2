"""A volunteer opens a record from the search and sees only what a volunteer may: the name,
reference, status and age band; staff see the whole record as before."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import Engine, select, update

from carerdesk.app import CarerdeskApp
from carerdesk.db.engine import unit_of_work
from carerdesk.db.models import AuditEntry, Carer, Contact
from tests.screens.helpers import open_record, screen_text, shown, table_text

SECRETS = {
    "date of birth": "05/05/1980",
    "address": "7 Invented Lane",
    "postcode": "HA1 2AB",
    "phone": "020 7946 0456",
    "mobile": "07700 900102",
    "email": "thi@example.org",
    "GP": "Invented Surgery",
    "notes": "Prefers a call after six",
    "condition": "Dementia",
    "contact's notes": "Asked about respite",
}


@pytest.fixture
def detailed(engine: Engine) -> None:
    """Thi Nguyễn with an address, a phone, an email, a GP, notes and a contact's notes."""
    with unit_of_work(engine) as session:
        session.execute(
            update(Carer)
            .where(Carer.reference == "C000002")
            .values(
                address_line_1="7 Invented Lane",
                phone="+442079460456",
                email="thi@example.org",
                gp_practice="Invented Surgery",
                notes="Prefers a call after six",
            )
        )
        session.execute(update(Contact).values(notes="Asked about respite"))


def _record_text(pilot: object) -> str:
    """Everything the record screen holds, scrolled into view or not."""
    parts = [screen_text(pilot)]  # type: ignore[arg-type]
    for selector in ("#summary", "#reach", "#details", "#notes", "#stamps"):
        parts.append(shown(pilot, selector))  # type: ignore[arg-type]
    for table in ("#roles", "#cards", "#referrals", "#contacts"):
        parts += table_text(pilot, table)  # type: ignore[arg-type]
    return "\n".join(parts)


async def test_a_volunteer_opens_a_record_with_the_name_reference_and_age_band_only(
    make_app: Callable[..., CarerdeskApp], engine: Engine, detailed: None
) -> None:
    app = make_app(user="Robin Volunteer")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_record(pilot, "nguyen")
        assert type(app.screen).__name__ == "CarerScreen"
        text = _record_text(pilot)
        summary = screen_text(pilot)
        details = shown(pilot, "#details")
    assert "Thi Nguyễn" in summary and "C000002" in summary and "Adult carer" in summary
    assert "Active" in summary
    leaked = [what for what, secret in SECRETS.items() if secret in text]
    assert leaked == []
    assert "Born" not in text and details.strip() == "No other details."
    assert "Parent" in text  # the role is listed, its conditions are not
    # The section titles offer only the keys a volunteer may use: C logs a contact.
    assert "C logs a new one" in text
    offered = [hint for hint in ("R adds", "I issues", "F refers", "Enter changes") if hint in text]
    assert offered == []
    with unit_of_work(engine, write=False) as session:
        opened = session.scalars(
            select(AuditEntry.user_name).where(
                AuditEntry.action == "opened", AuditEntry.reference == "C000002"
            )
        ).all()
    assert opened == ["Robin Volunteer"]


async def test_staff_see_the_whole_record_as_before(
    make_app: Callable[..., CarerdeskApp], detailed: None
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_record(pilot, "nguyen")
        text = _record_text(pilot)
    missing = [what for what, secret in SECRETS.items() if secret not in text]
    assert missing == ["contact's notes"]  # the contacts table has no notes column
