"""Consent history at the record: N records a consent (staff), shown newest first; a bad
date or a missing how is refused beside its field; withdrawing consent to keep their
details closes the record and offers erasure; a volunteer is offered none of it."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Engine, select

from carerdesk.app import CarerdeskApp
from carerdesk.db.engine import unit_of_work
from carerdesk.db.models import Carer
from carerdesk.screens.carer import CarerScreen
from tests.screens.helpers import keys_offered, open_record, screen_text, settle, shown, type_text


async def _choose(pilot, start: str) -> None:  # type: ignore[no-untyped-def]
    # Open the list in the focused box, type the start of an option, take it.
    await pilot.press("enter")
    await settle(pilot)
    await type_text(pilot, start)
    await pilot.press("enter")
    await settle(pilot)


async def _consent(pilot, consent: str, given: str, how: str | None) -> None:  # type: ignore[no-untyped-def]
    """Open the consent form with N and fill it as a person would (the date left as today)."""
    await pilot.press("n")
    await settle(pilot)
    await _choose(pilot, consent)
    await pilot.press("tab")
    await _choose(pilot, given)
    await pilot.press("tab", "tab")
    if how is not None:
        await _choose(pilot, how)


def _carer(engine: Engine, first_name: str) -> Carer:
    with unit_of_work(engine, write=False) as session:
        carer = session.scalars(select(Carer).where(Carer.first_name == first_name)).one()
        session.expunge(carer)
        return carer


async def test_staff_record_a_consent_and_see_it_on_the_record(
    make_app: Callable[..., CarerdeskApp], engine: Engine
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await open_record(pilot, "amir")
        await _consent(pilot, "share", "w", "phone")
        await pilot.press("ctrl+s")
        await settle(pilot)
        said = [note.message for note in app._notifications]
        assert "Consent saved: share with partners, withdrawn." in said
        assert "Consents: 2 entries · N records one" in shown(pilot, "#consents-title")
        lines = shown(pilot, "#consents").splitlines()
        assert lines[0] == "23/11/2026  Share with partners  Withdrawn  Phone      Sam Staff"
        assert lines[1].startswith("23/11/2026  Keep their details   Given")
        assert max(len(line) for line in lines) <= 75  # one line each at 80 columns
    assert _carer(engine, "Amir").consent_share is False


async def test_a_future_date_and_a_missing_how_are_refused_beside_them(
    make_app: Callable[..., CarerdeskApp], engine: Engine
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_record(pilot, "amir")
        await _consent(pilot, "news", "y", None)
        app.screen.query_one("#field-date Input").focus()
        await pilot.press("end", "ctrl+u")
        await type_text(pilot, "24/11/2026")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "in the future" in shown(pilot, "#field-date .field-error")
        assert "Say how they told us" in shown(pilot, "#field-how .field-error")
        assert isinstance(app.screen, CarerScreen) is False  # the form stays, typed work kept
    assert _carer(engine, "Amir").consent_contact is None


async def test_withdrawing_consent_to_keep_their_details_closes_and_says_who_may_erase(
    make_app: Callable[..., CarerdeskApp], engine: Engine
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await open_record(pilot, "amir")
        await _consent(pilot, "keep", "w", "written")
        await pilot.press("ctrl+s")
        await settle(pilot)
        said = " ".join(note.message for note in app._notifications)
        assert "A coordinator can now erase this record (z on the record)." in said
        assert "CLOSED on 23/11/2026: Withdrew consent" in shown(pilot, "#summary")
    amir = _carer(engine, "Amir")
    assert (amir.status, amir.closed_reason, amir.consent_store) == (
        "closed",
        "withdrew_consent",
        False,
    )


async def test_a_coordinator_is_offered_the_records_erasure_at_once(
    make_app: Callable[..., CarerdeskApp], monkeypatch: object
) -> None:
    """Once the record screen has its erasure (``action_erase``, another part of the
    issue), a coordinator's withdrawal asks, and Y runs it."""
    import pytest

    erased: list[bool] = []
    assert isinstance(monkeypatch, pytest.MonkeyPatch)
    monkeypatch.setattr(
        CarerScreen, "action_erase", lambda self: erased.append(True), raising=False
    )
    app = make_app("Casey Coordinator")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_record(pilot, "amir")
        await _consent(pilot, "keep", "w", "in")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "Erase it now?" in screen_text(pilot)
        await pilot.press("y")
        await settle(pilot)
    assert erased == [True]


async def test_a_volunteer_is_offered_no_consent_history(
    make_app: Callable[..., CarerdeskApp],
) -> None:
    app = make_app("Robin Volunteer")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_record(pilot, "amir")
        assert "n" not in keys_offered(pilot)
        assert not app.screen.query_one("#consents").display
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, CarerScreen)  # no form opened
