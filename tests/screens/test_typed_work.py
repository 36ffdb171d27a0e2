"""Typed work is never lost: keys land where the focus is, every stop of a form takes typing,
and every way out of a form with typed work (Esc, Ctrl+Q) asks first."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest
from textual.pilot import Pilot
from textual.widgets import Checkbox, Input, Select, SelectionList

from carerdesk.app import CarerdeskApp
from carerdesk.screens.register import RegisterScreen
from carerdesk.widgets.form_field import FormField
from tests.screens.helpers import open_record, settle, type_at_full_speed, type_text

REGISTRATION = [
    # field, what is typed in it (a list: Enter, the start of an option, Enter), what it holds
    ("first_name", "Ola", "Ola"),
    ("last_name", "Brown", "Brown"),
    ("preferred_name", "Zo", "Zo"),
    ("date_of_birth", "14/03/2009", "14/03/2009"),
    ("gender", "fem", "female"),
    ("ethnicity", "", ""),
    ("phone", "07700 900555", "07700 900555"),
    ("mobile", "07700 900556", "07700 900556"),
    ("email", "ola@example.org", "ola@example.org"),
    ("preferred_contact", "", ""),
    ("address_line_1", "1 High Street", "1 High Street"),
    ("address_line_2", "", ""),
    ("town", "Harrow", "Harrow"),
    ("postcode", "HA1 2AB", "HA1 2AB"),
    ("ward", "Greenhill", "Greenhill"),
    ("consent_store", "y", "yes"),
]


def _keys(form: list[tuple[str, str, str]], lists: set[str]) -> list[str]:
    keys: list[str] = []
    for index, (name, typed, _) in enumerate(form):
        if index:
            keys.append("tab")
        if name in lists and typed:
            keys += ["enter", *typed, "enter"]
        else:
            keys += list(typed)
    return keys


def _texts(app: CarerdeskApp) -> dict[str, str]:
    return {field.field_name: field.text for field in app.screen.query(FormField)}


async def test_keys_typed_fast_after_tab_land_in_the_next_field_every_time(
    make_app: Callable[[], CarerdeskApp],
) -> None:
    # Seen: part of a date went into the preferred name, the first letter of an email vanished.
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        for _ in range(20):
            await pilot.press("f2")
            await settle(pilot)
            assert isinstance(app.screen, RegisterScreen)
            lists = {f.field_name for f in app.screen.query(FormField) if f.spec.choices}
            await type_at_full_speed(pilot, _keys(REGISTRATION, lists))
            await settle(pilot)
            held = _texts(app)
            assert {name: held[name] for name, _, _ in REGISTRATION} == {
                name: expected for name, _, expected in REGISTRATION
            }
            await pilot.press("escape", "y")  # leave without saving, for the next try
            await settle(pilot)


INPUT_LIKE = (Input, Select, SelectionList, Checkbox)


async def _walk(pilot: Pilot[None]) -> list[str]:
    """Tab once round the form and back to the start: each stop that takes no typing."""
    app = pilot.app
    screen = app.screen
    nowhere = []
    for _ in range(len(screen.focus_chain) + 1):
        await pilot.press("tab")
        focused = app.focused
        if not isinstance(focused, INPUT_LIKE):
            nowhere.append(repr(focused))
    assert app.screen is screen
    return nowhere


async def _record(pilot: Pilot[None], key: str) -> None:
    await open_record(pilot, "patel")
    await pilot.press(key)
    await settle(pilot)


async def _home(pilot: Pilot[None], key: str) -> None:
    await settle(pilot)
    await pilot.press(key)
    await settle(pilot)


async def _contact(pilot: Pilot[None]) -> None:
    await settle(pilot)
    await type_text(pilot, "patel")
    await settle(pilot)
    await pilot.press("f3")
    await settle(pilot)


async def _new_role(pilot: Pilot[None]) -> None:
    await _home(pilot, "f2")
    await pilot.press("ctrl+r")
    await settle(pilot)


async def _service(pilot: Pilot[None]) -> None:
    await _home(pilot, "f10")
    await pilot.press("s")
    await settle(pilot)
    await pilot.press("a")
    await settle(pilot)


async def _account(pilot: Pilot[None]) -> None:
    await _home(pilot, "f7")
    await pilot.press("a")
    await settle(pilot)


FORMS: dict[str, tuple[str, Callable[[Pilot[None]], Awaitable[None]]]] = {
    "registration": ("Sam Staff", lambda pilot: _home(pilot, "f2")),
    "a carer's details": ("Sam Staff", lambda pilot: _record(pilot, "e")),
    "contact": ("Sam Staff", _contact),
    "anonymous contact": ("Sam Staff", lambda pilot: _home(pilot, "f4")),
    "caring role": ("Sam Staff", _new_role),
    "close the record": ("Sam Staff", lambda pilot: _record(pilot, "x")),
    "issue a card": ("Sam Staff", lambda pilot: _record(pilot, "i")),
    "emergency contacts": ("Sam Staff", lambda pilot: _record(pilot, "m")),
    "referral": ("Sam Staff", lambda pilot: _record(pilot, "f")),
    "a service": ("Casey Coordinator", _service),
    "an account": ("Casey Coordinator", _account),
}


@pytest.mark.parametrize("form", FORMS)
async def test_no_form_has_a_tab_stop_where_typing_goes_nowhere(
    make_app: Callable[..., CarerdeskApp], form: str
) -> None:
    user, open_form = FORMS[form]
    app = make_app(user)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_form(pilot)
        assert app.screen.query(FormField), f"the {form} form did not open"
        assert await _walk(pilot) == []


async def _type_something(pilot: Pilot[None]) -> None:
    """Change the field with the cursor, whatever its kind, as a person would."""
    focused = pilot.app.focused
    if isinstance(focused, Input):
        await type_text(pilot, "7")
    elif isinstance(focused, Select):
        await pilot.press("enter", "down", "down", "enter")
    else:
        await pilot.press("space")
    await settle(pilot)


@pytest.mark.parametrize("form", FORMS)
async def test_esc_in_a_form_with_typed_work_asks_before_throwing_it_away(
    make_app: Callable[..., CarerdeskApp], form: str
) -> None:
    # Seen: Esc in the contact and emergency-contact forms threw away what was typed.
    from carerdesk.dialogs.confirm import LEAVE_QUESTION, ConfirmModal

    user, open_form = FORMS[form]
    app = make_app(user)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_form(pilot)
        opened = app.screen
        await pilot.press("escape")  # nothing typed: it closes at once
        await settle(pilot)
        assert opened not in app.screen_stack and not isinstance(app.screen, ConfirmModal)
    app = make_app(user)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_form(pilot)
        form_screen = app.screen
        before = _texts(app)
        await _type_something(pilot)
        typed = _texts(app)
        assert typed != before
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmModal)
        assert app.screen.question == LEAVE_QUESTION
        await pilot.press("n")  # stay: everything typed is still there
        await settle(pilot)
        assert app.screen is form_screen and _texts(app) == typed
        await pilot.press("escape", "y")
        await settle(pilot)
        assert form_screen not in app.screen_stack


async def _sign_in(pilot: Pilot[None], name: str, pin: str) -> None:
    from tests.screens.test_signin import sign_in

    await sign_in(pilot, name, pin)


async def test_ctrl_q_with_half_filled_forms_names_whose_and_asks_before_quitting(
    make_app: Callable[..., CarerdeskApp],
) -> None:
    from carerdesk.dialogs.confirm import ConfirmModal

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f2")
        await settle(pilot)
        await type_text(pilot, "Ola")
        await pilot.press("ctrl+l")  # Sam's registration waits behind the lock
        await settle(pilot)
        await _sign_in(pilot, "Casey Coordinator", "2580")
        await pilot.press("f4")
        await settle(pilot)
        await pilot.press("space")  # a kind of support ticked
        await pilot.press("ctrl+q")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmModal)
        question = app.screen.question
        assert "Sam Staff has a registration form half filled" in question
        assert "Casey Coordinator has a contact form half filled" in question
        await pilot.press("n")  # stay
        await settle(pilot)
        assert app.is_running and app.screen.draft == "a contact form"  # type: ignore[attr-defined]
        await pilot.press("ctrl+q")
        await settle(pilot)
        await pilot.press("y")  # quit anyway
        await pilot.pause()
        assert app._exit


async def test_ctrl_q_with_nothing_typed_quits_at_once(
    make_app: Callable[..., CarerdeskApp],
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f2")  # a form opened, nothing typed
        await settle(pilot)
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert app._exit


async def test_quit_from_the_command_palette_asks_too(
    make_app: Callable[..., CarerdeskApp],
) -> None:
    from carerdesk.dialogs.confirm import ConfirmModal

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f4")
        await settle(pilot)
        await pilot.press("space")
        await pilot.press("ctrl+p")
        await settle(pilot)
        await type_text(pilot, "quit")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmModal)
        assert "Sam Staff has a contact form half filled" in app.screen.question


async def test_typing_c_in_the_relationship_list_picks_child_not_the_choose_placeholder(
    make_app: Callable[..., CarerdeskApp],
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await _new_role(pilot)
        await pilot.press("enter", "c", "enter")  # the relationship list, first in the form
        await settle(pilot)
        assert _texts(app)["relationship"] == "child"


def _ticks_shown(pilot: Pilot[None], selector: str) -> list[str]:
    """The lines of a list of boxes as a monochrome terminal shows them: text only."""
    from tests.screens.helpers import screen_text

    widget = pilot.app.screen.query_one(selector)
    region = widget.region
    lines = screen_text(pilot).splitlines()[region.y : region.bottom]
    return [line[region.x : region.right].strip() for line in lines]


async def test_ticked_and_unticked_boxes_differ_without_colour(
    make_app: Callable[..., CarerdeskApp],
) -> None:
    # Seen: ticked and unticked boxes differed only by colour (alike in a monochrome terminal).
    app = make_app("Casey Coordinator")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f4")  # the anonymous contact: the cursor on the kinds of support
        await settle(pilot)
        await pilot.press("space")  # tick the first
        await settle(pilot)
        lines = [line for line in _ticks_shown(pilot, "#field-support SelectionList") if line]
        assert lines[0].startswith("[x] ")
        assert all(line.startswith("[ ] ") for line in lines[1:]), lines
        await pilot.press("escape", "y")
        await settle(pilot)
        await pilot.press("f6")  # import: its one box, unticked then ticked
        await settle(pilot)
        box = app.screen.query_one("#import-skip")
        assert "[ ] Import the good rows" in " ".join(_ticks_shown(pilot, "#import-skip"))
        box.focus()
        await pilot.press("space")
        await settle(pilot)
        assert "[x] Import the good rows" in " ".join(_ticks_shown(pilot, "#import-skip"))
