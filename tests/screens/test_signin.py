"""The shared workstation: first-run set-up, sign-in, lockout, the screen lock, permissions."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Engine
from textual.widgets import Input

from carerdesk.app import CarerdeskApp
from carerdesk.db import accounts
from carerdesk.db.engine import sqlite_url, unit_of_work
from carerdesk.screens.firstrun import FirstRunScreen, RecoveryCodeScreen
from carerdesk.screens.home import HomeScreen
from carerdesk.screens.register import RegisterScreen
from carerdesk.screens.signin import SignInScreen
from tests.screens.conftest import NOW
from tests.screens.helpers import keys_offered, screen_text, settle, shown, type_text


async def sign_in(pilot: object, name: str, pin: str) -> None:
    """Type a name and PIN on the sign-in screen, as a person would."""
    from textual.pilot import Pilot

    assert isinstance(pilot, Pilot)
    await type_text(pilot, name)
    await pilot.press("enter")
    await type_text(pilot, pin)
    await pilot.press("enter")
    await settle(pilot)


def said(pilot: object) -> str:
    """The sign-in screen's message, on one line."""
    from textual.pilot import Pilot

    assert isinstance(pilot, Pilot)
    return " ".join(shown(pilot, "#signin-error").split())


async def test_first_run_sets_up_the_organisation_and_signs_the_coordinator_in(
    engine: Engine, db_path: Path
) -> None:
    app = CarerdeskApp(sqlite_url(db_path), now=lambda: NOW)
    async with app.run_test(size=(80, 40)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, FirstRunScreen)
        await type_text(pilot, "Harrow Carers")
        await pilot.press("tab")
        await type_text(pilot, "020 7946 0000")
        await pilot.press("tab", "tab")  # the card prefix left blank: the initials
        await type_text(pilot, "Casey Coordinator")
        await pilot.press("tab")
        await type_text(pilot, "2580")
        await pilot.press("tab")
        await type_text(pilot, "2581")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "not the same" in shown(pilot, "#field-pin-again .field-error")
        await pilot.press(*["backspace"] * 4)
        await type_text(pilot, "2580")
        await pilot.press("ctrl+s")
        await settle(pilot)
        # The recovery code, shown this once, before the front desk.
        assert isinstance(app.screen, RecoveryCodeScreen)
        code = shown(pilot, "#recovery-code").strip()
        assert re.fullmatch(r"([A-Z2-9]{5}-){3}[A-Z2-9]{5}", code)
        assert "Write it down and keep it locked away" in screen_text(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)
        assert app.sub_title == "Harrow Carers · Casey Coordinator"
        assert app.organisation is not None and app.organisation.card_prefix == "HC"
    with unit_of_work(engine) as session:  # the code shown is the one that works
        assert accounts.recover(session, "Casey Coordinator", code, "4826").actor is not None


async def test_sign_in_shows_nothing_personal_then_the_home_screen(
    make_app: Callable[..., CarerdeskApp],
) -> None:
    app = make_app(user=None)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, SignInScreen)
        assert "Harrow Carers Test" in screen_text(pilot)
        await sign_in(pilot, "SAM STAFF", "1357")
        assert isinstance(app.screen, HomeScreen)
        assert app.user.name == "Sam Staff"


async def test_five_wrong_pins_lock_the_account(make_app: Callable[..., CarerdeskApp]) -> None:
    app = make_app(user=None)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await sign_in(pilot, "Sam Staff", "9999")
        assert "4 more tries" in said(pilot)
        for _ in range(4):
            await type_text(pilot, "9999")  # the PIN box keeps the focus after a refusal
            await pilot.press("enter")
            await settle(pilot)
        assert "Five wrong PINs: this account is locked for 5 minutes" in said(pilot)
        await type_text(pilot, "1357")
        await pilot.press("enter")
        await settle(pilot)
        assert "locked for another 5 minutes" in said(pilot)
        assert isinstance(app.screen, SignInScreen)


async def test_idle_lock_keeps_a_half_typed_registration_for_its_owner(
    make_app: Callable[..., CarerdeskApp],
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await type_text(pilot, "Ola Brown")
        await pilot.press("f2")
        await settle(pilot)
        await pilot.press("tab", "tab", "tab")
        await type_text(pilot, "14/03/2009")
        # Nobody touches the keyboard for the idle time (the clock jumps ahead).
        started = app.idle_clock()
        app.idle_clock = lambda: started + app.idle_limit_s + 1
        await pilot.pause(1.5)
        assert isinstance(app.screen, SignInScreen)
        assert "Ola" not in screen_text(pilot) and "2009" not in screen_text(pilot)
        # Someone else signs in: they start at the home screen.
        await sign_in(pilot, "Robin Volunteer", "2468")
        assert isinstance(app.screen, HomeScreen)
        assert app.screen.query_one("#carer-search", Input).value == ""
        await pilot.press("ctrl+l")
        await settle(pilot)
        await pilot.press("escape")  # clear the last name typed
        await sign_in(pilot, "Sam Staff", "1357")
        assert isinstance(app.screen, RegisterScreen)
        assert app.screen.query_one("#field-first-name Input", Input).value == "Ola"
        assert app.screen.query_one("#field-date-of-birth Input", Input).value == "14/03/2009"


async def test_a_volunteer_is_refused_an_edit_with_a_clear_message(
    make_app: Callable[..., CarerdeskApp],
) -> None:
    app = make_app(user="Robin Volunteer")
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        await type_text(pilot, "patel")
        await settle(pilot)
        assert "HA3 0QQ" not in screen_text(pilot) and "older carer" in screen_text(pilot)
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("e")
        await settle(pilot)
        assert not isinstance(app.screen, RegisterScreen)
        assert "e" not in keys_offered(pilot)  # Edit is hidden from a volunteer


async def test_a_lock_clears_messages_from_the_screen(
    make_app: Callable[..., CarerdeskApp],
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        app.notify("Registered Ola Brown as C000005.")
        await settle(pilot)
        assert "Ola Brown" in " ".join(shown(pilot, "Toast").split())
        await pilot.press("ctrl+l")
        await settle(pilot)
        assert isinstance(app.screen, SignInScreen)
        assert "Ola Brown" not in screen_text(pilot)
