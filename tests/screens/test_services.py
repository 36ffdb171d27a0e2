"""The services the centre refers to, changed at the desk by a coordinator."""

from __future__ import annotations

from collections.abc import Callable

from carerdesk.app import CarerdeskApp
from carerdesk.screens.followups import FollowUpsScreen
from carerdesk.screens.services import ServicesScreen
from tests.screens.helpers import (
    footer_line,
    open_record,
    screen_text,
    settle,
    shown,
    table_text,
    type_text,
)


async def _services(pilot) -> None:  # type: ignore[no-untyped-def]
    await settle(pilot)
    await pilot.press("f10")
    await settle(pilot)
    assert isinstance(pilot.app.screen, FollowUpsScreen)
    await pilot.press("s")
    await settle(pilot)
    assert isinstance(pilot.app.screen, ServicesScreen)


async def test_a_coordinator_adds_a_service_renames_it_and_retires_it(
    make_app: Callable[..., CarerdeskApp],
) -> None:
    app = make_app(user="Casey Coordinator")
    async with app.run_test(size=(110, 34)) as pilot:
        await _services(pilot)
        assert len(table_text(pilot, "#services")) == 10
        await pilot.press("a")
        await type_text(pilot, "benefits advice")  # already on the list
        await pilot.press("tab")
        await type_text(pilot, "020 7946 0456")
        await pilot.press("tab", "enter", *"dem", "enter")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "Another service on the list has this name" in shown(
            pilot, "#field-name .field-error"
        )
        await pilot.press("end", *["backspace"] * 15)  # the cursor is in the name
        await type_text(pilot, "Harrow Dementia Cafe")
        await pilot.press("ctrl+s")
        await settle(pilot)
        rows = [" ".join(row.split()) for row in table_text(pilot, "#services")]
        assert rows[-1] == "Harrow Dementia Cafe | 0 | Dementia support | 020 7946 0456"
        await pilot.press("e", "end")  # the cursor is on the service just added
        await type_text(pilot, " and memory group")
        await pilot.press("ctrl+s")
        await settle(pilot)
        rows = [" ".join(row.split()) for row in table_text(pilot, "#services")]
        assert rows[-1].startswith("Harrow Dementia Cafe and memory group | 0 | Dementia")
        await pilot.press("d", "y")  # retiring asks first
        await settle(pilot)
        assert "(retired" in table_text(pilot, "#services")[-1]
        await pilot.press("d")
        await settle(pilot)
        assert "(retired" not in table_text(pilot, "#services")[-1]
        # A new referral is offered the service by its name.
        await pilot.press("escape", "escape")
        await open_record(pilot, "sian")
        await pilot.press("f")
        await settle(pilot)
        await pilot.press("enter", *"harrow")
        await settle(pilot)
        assert "Harrow Dementia Cafe and memory group" in screen_text(pilot)


async def test_staff_see_the_services_but_cannot_change_them(
    make_app: Callable[..., CarerdeskApp],
) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await _services(pilot)
        footer = footer_line(pilot)
        assert "Back" in footer
        for refused in ("Add service", "Change", "Retire"):
            assert refused not in footer  # hidden: staff may not change the list
        await pilot.press("a", "e", "d")
        await settle(pilot)
        assert isinstance(app.screen, ServicesScreen)
        await pilot.press("enter")  # Enter on a service says why not
        await settle(pilot)
        assert "may not" in " ".join(shown(pilot, "Toast").split())
