"""Two desks on one record: a save changes only what its person changed, and a field both
changed is shown with both values for the person to choose."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select
from textual.pilot import Pilot

from carerdesk.app import CarerdeskApp
from carerdesk.db import carers
from carerdesk.db.engine import make_engine, sqlite_url, unit_of_work
from carerdesk.db.models import Carer
from tests.conftest import COORDINATOR, TODAY
from tests.screens.helpers import open_record, screen_text, settle, shown, table_text, type_text


def stored(db: Path) -> dict[str, Any]:
    engine = make_engine(sqlite_url(db))
    with unit_of_work(engine, write=False) as session:
        carer = session.scalars(select(Carer).where(Carer.reference == "C000002")).one()
        values = {
            "first_name": carer.first_name,
            "preferred_name": carer.preferred_name,
            "postcode": carer.postcode,
            "version": carer.version,
        }
    engine.dispose()
    return values


def other_desk(engine: Engine, **changes: Any) -> None:
    """Another desk opens the record, changes ``changes`` and saves."""
    with unit_of_work(engine) as session:
        carer = carers.get_carer(session, "C000002", by=COORDINATOR)
        was = {name: getattr(carer, name) for name in changes}
        carers.update_carer(
            session, carer.id, changes, by=COORDINATOR, version=carer.version, was=was
        )


async def retype(pilot: Pilot[None], name: str, text: str) -> None:
    field = pilot.app.screen.query_one(f"#field-{name.replace('_', '-')} Input")
    field.focus()
    await pilot.press("ctrl+a", "ctrl+k")  # select all, delete to the end
    field.value = ""  # type: ignore[attr-defined]
    await type_text(pilot, text)


async def test_each_desk_keeps_its_own_change(
    make_app: Callable[[], CarerdeskApp], engine: Engine, desk_db: Path
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_record(pilot, "nguyen")
        await pilot.press("e")  # this desk's form opens...
        await settle(pilot)
        other_desk(engine, first_name="Thuy")  # ...and another desk changes the first name
        await retype(pilot, "preferred_name", "Tee")  # this one changes only the preferred
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "Thuy Nguyễn" in shown(pilot, "#summary")
        assert "known as Tee" in shown(pilot, "#summary")
    saved = stored(desk_db)
    assert (saved["first_name"], saved["preferred_name"]) == ("Thuy", "Tee")
    assert saved["version"] == 3  # registered, then one save at each desk


async def test_both_change_the_first_name_and_the_second_chooses(
    make_app: Callable[[], CarerdeskApp], engine: Engine, desk_db: Path
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_record(pilot, "nguyen")
        await pilot.press("e")
        await settle(pilot)
        other_desk(engine, first_name="Thuy", postcode="HA3 0QQ")
        await retype(pilot, "first_name", "Tina")
        await retype(pilot, "preferred_name", "Tee")
        await pilot.press("ctrl+s")
        await settle(pilot)
        # Nothing saved yet: both values of the first name, and the choice is asked.
        assert stored(desk_db)["first_name"] == "Thuy"
        assert "First name" in screen_text(pilot)
        rows = table_text(pilot, "#clashes")
        assert len(rows) == 1 and "Tina" in rows[0] and "Thuy" in rows[0]
        await pilot.press("right")  # keep theirs
        assert "▶ Thuy" in table_text(pilot, "#clashes")[0]
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "Thuy Nguyễn" in shown(pilot, "#summary")
    saved = stored(desk_db)
    # Theirs kept as chosen, the preferred name (changed only here) saved, and the postcode
    # (changed only there) left as they saved it.
    assert (saved["first_name"], saved["preferred_name"]) == ("Thuy", "Tee")
    assert saved["postcode"] == "HA3 0QQ"


async def test_keeping_mine_saves_mine_over_theirs(
    make_app: Callable[[], CarerdeskApp], engine: Engine, desk_db: Path
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_record(pilot, "nguyen")
        await pilot.press("e")
        await settle(pilot)
        other_desk(engine, first_name="Thuy")
        await retype(pilot, "first_name", "Tina")
        await pilot.press("ctrl+s")
        await settle(pilot)
        await pilot.press("t", "m")  # every field theirs, then every field mine
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "Tina Nguyễn" in shown(pilot, "#summary")
    assert stored(desk_db)["first_name"] == "Tina"


async def test_going_back_from_the_choice_keeps_what_was_typed(
    make_app: Callable[[], CarerdeskApp], engine: Engine, desk_db: Path
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_record(pilot, "nguyen")
        await pilot.press("e")
        await settle(pilot)
        other_desk(engine, first_name="Thuy")
        await retype(pilot, "first_name", "Tina")
        await pilot.press("ctrl+s")
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen.query_one("#field-first-name").text == "Tina"  # type: ignore[attr-defined]
    assert stored(desk_db)["first_name"] == "Thuy"


async def test_a_contact_changed_at_another_desk_is_not_saved_over(
    make_app: Callable[[], CarerdeskApp], engine: Engine
) -> None:
    from carerdesk.core.entries import check_contact
    from carerdesk.db.models import Contact
    from carerdesk.dialogs.contact import ContactModal

    with unit_of_work(engine) as session:
        contact = session.scalars(select(Contact)).one()
        contact_id, version = contact.id, contact.version
        texts = {
            "contact_on": "23/11/2026",
            "contact_time": "09:15",
            "channel": "phone",
            "support": "information_advice",
        }
        entry = check_contact({**texts, "minutes": "20"}, contact.contact_on)
        carers.update_contact(session, contact_id, entry, by=COORDINATOR, version=version)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        modal = ContactModal(
            "C000002", "Thi Nguyễn", contact_id=contact_id, texts=texts, version=version
        )
        app.push_screen(modal)
        await settle(pilot)
        app.screen.query_one("#field-notes Input").focus()
        await type_text(pilot, "Asked about respite")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is modal  # still open, what was typed still there
        told = [note.message for note in app._notifications]
        assert any(
            message.startswith("This contact was changed at another desk") for message in told
        )
    with unit_of_work(engine, write=False) as session:
        stored_contact = session.get(Contact, contact_id)
        assert stored_contact is not None
        assert (stored_contact.minutes, stored_contact.notes) == (20, None)


async def test_a_caring_role_changed_at_another_desk_is_not_saved_over(
    make_app: Callable[[], CarerdeskApp], engine: Engine
) -> None:
    from carerdesk.core.entries import check_role
    from carerdesk.db.models import CaringRole

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_record(pilot, "nguyen")
        app.screen.query_one("#roles").focus()
        await pilot.press("enter")  # this desk opens the role to change it...
        await settle(pilot)
        with unit_of_work(engine) as session:  # ...while another desk ends it
            role = session.scalars(
                select(CaringRole).join(Carer).where(Carer.reference == "C000002")
            ).one()
            ended = check_role(
                {"relationship": "parent", "conditions": "dementia", "ended_on": "01/11/2026"},
                TODAY,
            )
            carers.update_role(session, role.id, ended, by=COORDINATOR, version=role.version)
        app.screen.query_one("#field-started-on Input").focus()
        await type_text(pilot, "01/01/2020")
        await pilot.press("ctrl+s")
        await settle(pilot)
        told = [note.message for note in app._notifications]
        assert any(m.startswith("This caring role was changed at another desk") for m in told)
    with unit_of_work(engine, write=False) as session:
        kept = session.scalars(select(CaringRole)).all()
        mine = next(r for r in kept if r.carer.reference == "C000002")
        assert (str(mine.ended_on), mine.started_on) == ("2026-11-01", None)
