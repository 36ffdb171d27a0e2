"""Duplicates at the desk: the coordinator finds a pair, compares it side by side, merges."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Engine

from carerdesk.app import CarerdeskApp
from carerdesk.core.entries import check_carer, check_contact
from carerdesk.db import carers
from carerdesk.db.engine import unit_of_work
from carerdesk.screens.carer import CarerScreen
from carerdesk.screens.merge import DuplicatesScreen, MergeScreen
from tests.conftest import STAFF, TODAY
from tests.screens.helpers import screen_text, settle, shown, table_text


def _second_sian(engine: Engine) -> None:
    """Siân registered again at an event: her name typed without its accent, an email added."""
    with unit_of_work(engine) as session:
        entry = check_carer(
            {
                "first_name": "Sian",
                "last_name": "O'Brien",
                "date_of_birth": "01/02/1970",
                "mobile": "07700 900101",
                "email": "sian@example.org",
                "registered_on": "20/11/2026",
                "consent_store": "yes",
            },
            TODAY,
        )
        carer = carers.register_carer(session, entry, by=STAFF, today=TODAY)
        contact = check_contact(
            {"support": "information_advice", "contact_on": "20/11/2026", "channel": "event"}, TODAY
        )
        carers.log_contact(session, carer.id, contact, by=STAFF)


async def test_the_coordinator_merges_a_pair_choosing_field_by_field(
    make_app: Callable[..., CarerdeskApp], engine: Engine
) -> None:
    _second_sian(engine)
    app = make_app(user="Casey Coordinator")
    async with app.run_test(size=(120, 36), notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("f12")
        await settle(pilot)
        assert isinstance(app.screen, DuplicatesScreen)
        (row,) = table_text(pilot, "#pairs")
        assert row.startswith("95 | C000001 Siân O'Brien, 01/02/1970 | C000005 Sian O'Brien")
        assert "as good as certain" in shown(pilot, "#pairs-status")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, MergeScreen)
        assert "Stays (left): C000001" in shown(pilot, "#merge-title")
        rows = table_text(pilot, "#merge-fields")
        first_name = next(i for i, r in enumerate(rows) if r.startswith("First name"))
        assert rows[first_name] == "First name | ▶ Siân |   Sian"
        # The email only the second record has is chosen already.
        assert any(r.startswith("Email |   (empty) | ▶ sian@example.org") for r in rows)
        for _ in range(first_name):
            await pilot.press("down")
        await pilot.press("right")  # take the name as the event typed it
        assert table_text(pilot, "#merge-fields")[first_name] == "First name |   Siân | ▶ Sian"
        await pilot.press("left")  # then change their mind
        assert table_text(pilot, "#merge-fields")[first_name] == "First name | ▶ Siân |   Sian"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "Merge C000005 into C000001?" in screen_text(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert isinstance(app.screen, CarerScreen)
        summary = shown(pilot, "#summary")
        assert "Siân O'Brien" in summary and "C000001" in summary
        assert "sian@example.org" in shown(pilot, "#reach")
        assert table_text(pilot, "#contacts")[0].startswith("20/11/2026 |  | Event")
        assert "Parent" in table_text(pilot, "#roles")[0]  # her caring role, from the first
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, DuplicatesScreen)
        assert table_text(pilot, "#pairs") == []


async def test_staff_are_refused_the_duplicates(make_app: Callable[..., CarerdeskApp]) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await settle(pilot)
        keys = {active.binding.key for active in app.screen.active_bindings.values()}
        assert "f12" not in keys  # not in the footer, F1's list or the command palette
        await pilot.press("f12")
        await settle(pilot)
        assert not isinstance(app.screen, DuplicatesScreen)
