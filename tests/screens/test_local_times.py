"""Times are shown at the desk's local time (Europe/London), in summer (BST) as in winter:
the record's stamps, an account's last sign-in and the audit trail's dates."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import Engine, update

from carerdesk.app import CarerdeskApp
from carerdesk.core.permissions import Actor, Role
from carerdesk.db import audit
from carerdesk.db.engine import unit_of_work
from carerdesk.db.models import AuditEntry, Carer, User
from tests.screens.helpers import open_record, settle, shown, table_text, type_text

SUMMER_NIGHT = datetime(2026, 6, 30, 23, 30)
"""Stored in UTC: 00:30 on 1 July at the desk (BST)."""
SUMMER_MORNING = datetime(2026, 7, 14, 8, 5)
"""Stored in UTC: 09:05 at the desk (BST)."""


async def test_the_record_said_created_at_an_hour_earlier_than_the_desk_clock_in_summer(
    make_app: Callable[[], CarerdeskApp], engine: Engine
) -> None:
    with unit_of_work(engine) as session:
        session.execute(
            update(Carer)
            .where(Carer.first_name == "Siân")
            .values(created_at=SUMMER_NIGHT, updated_at=SUMMER_MORNING)
        )
    app = make_app()
    async with app.run_test(size=(100, 40)) as pilot:
        await open_record(pilot, "sian")
        stamps = " ".join(shown(pilot, "#stamps").split())
        assert "Created 01/07/2026 00:30 by" in stamps
        assert "last changed 14/07/2026 09:05 by" in stamps
        assert "UTC" not in stamps
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("escape")  # the search box cleared
        await open_record(pilot, "amir")  # in winter, local time is UTC
        assert "Created 02/11/2026 09:00 by" in " ".join(shown(pilot, "#stamps").split())


async def test_an_accounts_last_sign_in_was_shown_in_utc_an_hour_out_in_summer(
    make_app: Callable[..., CarerdeskApp], engine: Engine
) -> None:
    with unit_of_work(engine) as session:
        session.execute(
            update(User).where(User.name == "Sam Staff").values(last_sign_in=SUMMER_NIGHT)
        )
    app = make_app(user="Casey Coordinator")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("f7")
        await settle(pilot)
        sam = next(row for row in table_text(pilot, "#users") if row.startswith("Sam Staff"))
        assert sam.endswith("| 01/07/2026 00:30")


async def test_the_audit_trail_from_a_summer_day_includes_its_first_hour(
    make_app: Callable[..., CarerdeskApp], engine: Engine
) -> None:
    with unit_of_work(engine) as session:
        audit.record(session, Actor("Sam Staff", Role.STAFF), "sign-in refused")
        newest = session.query(AuditEntry).order_by(AuditEntry.seq.desc()).first()
        assert newest is not None
        newest.at = SUMMER_NIGHT  # the hash chain does not matter to this filter
    app = make_app(user="Casey Coordinator")
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        await pilot.press("f8")
        await settle(pilot)
        await pilot.press("tab", "tab")
        await type_text(pilot, "01/07/2026")
        await pilot.press("tab")
        await type_text(pilot, "01/07/2026")
        await pilot.press("enter")
        await settle(pilot)
        rows = table_text(pilot, "#trail")
        assert len(rows) == 1 and "01/07/2026 00:30:00 | Sam Staff | sign-in refused" in rows[0]
