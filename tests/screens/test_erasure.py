"""Erasing a record from the record screen (Z), and the retention review (F11), by keys."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Engine, select, update

from carerdesk.app import CarerdeskApp
from carerdesk.db.engine import unit_of_work
from carerdesk.db.models import Carer
from carerdesk.dialogs.erase import EraseModal
from tests.screens.helpers import (
    keys_offered,
    open_record,
    screen_text,
    settle,
    shown,
    table_text,
    type_text,
)


async def test_a_coordinator_erases_a_record_with_z(
    make_app: Callable[..., CarerdeskApp], engine: Engine
) -> None:
    app = make_app("Casey Coordinator")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_record(pilot, "patel")
        await pilot.press("z")
        await settle(pilot)
        assert isinstance(app.screen, EraseModal)
        assert "Type C000004 to confirm" in screen_text(pilot)
        await type_text(pilot, "C000003")
        await pilot.press("enter")
        await type_text(pilot, "asked to be forgotten")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "Type C000004 to confirm." in shown(pilot, "#erase-error")
        app.screen.query_one("#erase-confirm").value = ""  # type: ignore[attr-defined]
        app.screen.query_one("#erase-confirm").focus()
        await type_text(pilot, "c000004")
        await pilot.press("ctrl+s")
        await settle(pilot)
        said = [note.message for note in app._notifications]
        assert said == ["C000004 is erased: nothing of them can be found now."]
        # Back on the search, which now finds nobody for the name or the reference.
        assert "Nobody found" in screen_text(pilot) and "Patel" not in screen_text(pilot)
        await pilot.press("escape")
        await type_text(pilot, "C000004")
        await settle(pilot)
        assert "C000004" not in shown(pilot, "#results")
        # Opened by its reference (from the audit trail, say), it shows as erased.
        from carerdesk.screens.carer import CarerScreen

        app.push_screen(CarerScreen("C000004"))
        await settle(pilot)
        summary = " ".join(shown(pilot, "#summary").split())
        assert summary.startswith("Erased record · C000004 · ERASED on 23/11/2026")
        assert not {"z", "e", "x", "o"} & keys_offered(pilot)
    with unit_of_work(engine, write=False) as session:
        erased = session.scalar(select(Carer).where(Carer.reference == "C000004"))
        assert erased is not None and erased.erased_on is not None and erased.last_name == ""


async def test_staff_have_no_erase_key(make_app: Callable[..., CarerdeskApp]) -> None:
    app = make_app("Sam Staff")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_record(pilot, "patel")
        assert "z" not in keys_offered(pilot)
        await pilot.press("z")
        await settle(pilot)
        assert not isinstance(app.screen, EraseModal)
        assert "Patel" in shown(pilot, "#summary")


def _long_closed(engine: Engine, *firsts: str) -> None:
    """Close these carers' records seven years ago (registered the year before)."""
    from datetime import date

    with unit_of_work(engine) as session:
        session.execute(
            update(Carer)
            .where(Carer.first_name.in_(firsts))
            .values(
                registered_on=date(2018, 11, 1), status="closed", closed_on=date(2019, 11, 1),
                closed_reason="moved_away",
            )
        )  # fmt: skip


async def test_the_retention_review_keeps_one_and_erases_another(
    make_app: Callable[..., CarerdeskApp], engine: Engine
) -> None:
    from carerdesk.screens.retention import RetentionScreen

    _long_closed(engine, "Amir", "Siân", "Zoë")  # Zoë is 15: kept till she is 25
    app = make_app("Casey Coordinator")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f11")
        await settle(pilot)
        assert isinstance(app.screen, RetentionScreen)
        rows = table_text(pilot, "#retention")
        assert [row.split(" | ")[2] for row in rows] == ["Siân O'Brien", "Amir Patel"]
        assert "01/11/2019 | closed (moved away)" in rows[0]
        await pilot.press("k")
        await settle(pilot)
        await type_text(pilot, "safeguarding enquiry open")
        await pilot.press("enter")
        await settle(pilot)
        assert [row.split(" | ")[2] for row in table_text(pilot, "#retention")] == ["Amir Patel"]
        await pilot.press("t")
        await settle(pilot)
        assert "safeguarding enquiry open" in table_text(pilot, "#retention")[0]
        await pilot.press("t", "space")
        await settle(pilot)
        assert table_text(pilot, "#retention")[0].startswith("[x]")
        await pilot.press("z")
        await settle(pilot)
        await type_text(pilot, "erase 1")
        await pilot.press("ctrl+s")  # the reason offered: retention period over
        await settle(pilot)
        assert table_text(pilot, "#retention") == []
        assert "No record has been idle for over 6 years" in shown(pilot, "#retention-status")
    with unit_of_work(engine, write=False) as session:
        amir = session.scalar(select(Carer).where(Carer.reference == "C000004"))
        assert amir is not None and amir.erased_on is not None


async def test_staff_have_no_retention_review(make_app: Callable[..., CarerdeskApp]) -> None:
    from carerdesk.screens.retention import RetentionScreen

    app = make_app("Sam Staff")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert "f11" not in keys_offered(pilot)
        await pilot.press("f11")
        await settle(pilot)
        assert not isinstance(app.screen, RetentionScreen)


async def test_the_returns_screen_says_an_erasure_moved_a_week(
    make_app: Callable[..., CarerdeskApp], engine: Engine
) -> None:
    from textual.widgets import Input

    from carerdesk.core.entries import check_carer
    from carerdesk.core.weeks import Week
    from carerdesk.db import carers, erasure, returns
    from carerdesk.screens.returns import ReturnsScreen
    from tests.conftest import COORDINATOR, STAFF, TODAY

    # Registered on Monday 2 November, two days before her 18th birthday: a young carer
    # then, but the stand-in birth date kept turns 18 on the Monday of that week.
    with unit_of_work(engine) as session:
        typed = {
            "first_name": "Philippa", "last_name": "Thorne", "date_of_birth": "04/11/2008",
            "registered_on": "02/11/2026", "consent_store": "yes",
        }  # fmt: skip
        made = carers.register_carer(session, check_carer(typed, TODAY), by=STAFF)
        returns.make_return(session, Week(2026, 45), COORDINATOR, today=TODAY)
    with unit_of_work(engine) as session:
        erasure.erase_carer(
            session, made.reference, confirm=made.reference, reason="asked to be forgotten",
            by=COORDINATOR, today=TODAY,
        )  # fmt: skip
    app = make_app("Casey Coordinator")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f5")
        await settle(pilot)
        assert isinstance(app.screen, ReturnsScreen)
        box = app.screen.query_one("#return-week", Input)
        box.value = ""
        box.focus()
        await type_text(pilot, "2026-W45")
        await pilot.press("enter")
        await settle(pilot)
        said = " ".join(shown(pilot, "#return-status").split())
        assert said.startswith(
            "Returned already; 2 figures have moved since because a carer's record was erased"
        )
        assert "new_registrations carer_type young_carer: 2 -> 1" in said
        await pilot.press("ctrl+s")
        await settle(pilot)
        said = " ".join(shown(pilot, "#return-status").split())
        assert (
            "moved since the last return of 2026-W45, because a carer's record was erased" in said
        )
