"""Erasing a record from the record screen (Z), and the retention review (F11), by keys."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Engine, select

from carerdesk.app import CarerdeskApp
from carerdesk.db.engine import unit_of_work
from carerdesk.db.models import Carer
from carerdesk.dialogs.erase import EraseModal
from tests.screens.helpers import keys_offered, open_record, screen_text, settle, shown, type_text


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
