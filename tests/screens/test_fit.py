"""Every screen fits the desk: F1 first in the footer at 80x24, and a role's refused keys hidden."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import Engine, update
from textual.pilot import Pilot
from textual.widgets._footer import FooterKey

from carerdesk.app import CarerdeskApp
from carerdesk.db.engine import unit_of_work
from carerdesk.db.models import Referral
from tests.screens.helpers import (
    footer_line,
    open_record,
    screen_text,
    settle,
    shown,
    type_text,
)

# How a person reaches each screen from the home screen: text to type, or a key in brackets.
SCREENS = {
    "home": [],
    "record": ["nguyen", "<enter>"],
    "register form": ["<f2>"],
    "contact form": ["<f4>"],
    "returns (F5)": ["<f5>"],
    "import (F6)": ["<f6>"],
    "accounts (F7)": ["<f7>"],
    "audit (F8)": ["<f8>"],
    "export (F9)": ["<f9>"],
    "follow-ups (F10)": ["<f10>"],
    "services": ["<f10>", "s"],
    "duplicates (F12)": ["<f12>"],
    "merge": ["<f12>", "<enter>"],
}


@pytest.mark.parametrize("steps", SCREENS.values(), ids=SCREENS.keys())
async def test_f1_is_first_and_no_key_is_cut_in_the_footer_at_80_columns(
    make_app: Callable[..., CarerdeskApp], steps: list[str]
) -> None:
    app = make_app(user="Casey Coordinator")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        for step in steps:
            if step.startswith("<"):
                await pilot.press(step[1:-1])
            else:
                await type_text(pilot, step)
            await settle(pilot)
        footer = footer_line(pilot)
        assert footer.split()[:2] == ["F1", "Keys"], footer
        cut = [key.description for key in app.screen.query(FooterKey) if key.region.right > 80]
        assert cut == [], footer  # "^l Loc": a key half shown is worse than one left to F1


async def test_a_volunteer_sees_only_the_keys_they_may_use_at_home(
    make_app: Callable[..., CarerdeskApp],
) -> None:
    app = make_app(user="Robin Volunteer")
    async with app.run_test(size=(120, 24)) as pilot:
        await settle(pilot)
        footer = footer_line(pilot)
        assert "New carer" in footer and "Log contact" in footer
        keys = {active.binding.key for active in app.screen.active_bindings.values()}
        for refused in ("f5", "f6", "f7", "f8", "f9", "f10", "f12"):
            assert refused not in keys  # not in the footer, F1's list or the palette
        await pilot.press("f7", "f5", "f9", "f12")
        await settle(pilot)
        assert type(app.screen).__name__ == "HomeScreen"


async def test_a_volunteer_sees_only_the_keys_they_may_use_on_a_record(
    make_app: Callable[..., CarerdeskApp],
) -> None:
    app = make_app(user="Robin Volunteer")
    async with app.run_test(size=(120, 24)) as pilot:
        await open_record(pilot, "nguyen")
        shown = footer_line(pilot)
        assert "Log contact" in shown and "Back" in shown
        for refused in ("Edit", "Refer", "Close", "Reopen"):
            assert refused not in shown
        for panel in range(5):  # every panel's own keys, as Tab reaches it
            await pilot.press("tab")
            await settle(pilot)
            shown = footer_line(pilot)
            for refused in ("Issue", "Print", "Cancel card", "Next step", "Form", "Change"):
                assert refused not in shown, (panel, shown)
        for key in ("e", "f", "x", "o", "i", "p", "k", "w", "r", "m", "enter"):
            await pilot.press(key)
            await settle(pilot)
            assert type(app.screen).__name__ == "CarerScreen", key  # nothing opened


async def test_staff_see_the_record_keys_and_each_panel_s_own(
    make_app: Callable[..., CarerdeskApp],
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_record(pilot, "zoe")
        await pilot.press("i")  # a card, so that the cards panel shows
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        shown = footer_line(pilot)
        for key in ("F1", "Log contact", "Edit", "Refer", "Close", "Back"):
            assert key in shown, shown
        assert "Reopen" not in shown  # the record is open
        seen = []
        for _ in range(5):
            await pilot.press("tab")
            await settle(pilot)
            seen.append(footer_line(pilot))
        assert any("Change role" in line for line in seen), seen
        assert any("Print" in line and "Cancel card" in line for line in seen), seen


async def test_the_phone_and_consents_stay_in_view_on_a_record_with_many_contacts(
    make_app: Callable[..., CarerdeskApp], busy_record: None
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_record(pilot, "nguyen")
        first = screen_text(pilot)
        for _ in range(3):  # down the contacts, and on to each list
            await pilot.press("pagedown", "tab")
            await settle(pilot)
            for seen in (first, screen_text(pilot)):
                for whole in (
                    "Thi Nguyễn",
                    "C000002",
                    "020 7946 0123",  # whole, not "020 7946 0…"
                    "07700 900102",
                    "thi.nguyen@example.org",
                    "12 Station Road, Harrow, HA1 2AB",
                    "Consent to share with partners Yes",
                    "Consent to news and offers No",
                ):
                    assert whole in seen, (whole, seen)


async def test_a_caring_role_s_end_date_is_on_the_screen_at_80_columns(
    make_app: Callable[..., CarerdeskApp], busy_record: None
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_record(pilot, "nguyen")
        await pilot.press("shift+tab")  # from the contacts back to the caring roles
        await settle(pilot)
        role = next(line for line in screen_text(pilot).splitlines() if "Parent" in line)
        assert "22/01/2019" in role and "31/10/2026" in role, role
        headings = next(line for line in screen_text(pilot).splitlines() if "Cares for" in line)
        assert "Until" in headings, headings


async def test_the_record_uses_a_wide_terminal_to_show_every_column_and_contact(
    make_app: Callable[..., CarerdeskApp], busy_record: None
) -> None:
    app = make_app()
    async with app.run_test(size=(160, 45)) as pilot:
        await open_record(pilot, "nguyen")
        text = screen_text(pilot)
        assert "Conditions" in text and "Lives with them" in text and "By" in text
        assert "Dementia, Learning disability, Physical disability" in text
        assert text.count("10:15") == 20, text  # all twenty contacts at once
        assert "…" not in text, text


def _words_on_screen(pilot: Pilot[None]) -> str:
    """The screen's words in reading order, boxes' borders left out."""
    text = screen_text(pilot)
    for border in "┃│▊▎█▌▐▔▁▀▄━─╭╮╰╯┏┓┗┛":
        text = text.replace(border, " ")
    return " ".join(text.split())


def _seen_in(pilot: Pilot[None], selector: str) -> str:
    """The words the screen shows where a widget is, in reading order."""
    region = pilot.app.screen.query_one(selector).region
    lines = screen_text(pilot).splitlines()[region.y : region.bottom]
    return " ".join(" ".join(line[region.x : region.right] for line in lines).split())


async def test_the_deactivate_question_is_read_whole_at_80x24(
    make_app: Callable[..., CarerdeskApp],
) -> None:
    app = make_app(user="Casey Coordinator")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f7")
        await settle(pilot)
        await pilot.press("d")
        await settle(pilot)
        words = _words_on_screen(pilot)
        assert "Deactivate Casey Coordinator? They will no longer be able to sign in." in words
        assert "Y: Deactivate · N or Esc: go back" in words


async def test_the_two_people_question_is_read_whole_at_80x24(
    make_app: Callable[..., CarerdeskApp], engine: Engine
) -> None:
    from tests.screens.test_merge import _second_sian

    _second_sian(engine)
    app = make_app(user="Casey Coordinator")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f12")
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        words = _words_on_screen(pilot)
        assert "two different people? The pair will not be offered again." in words, words


async def test_the_consent_labels_are_read_whole_with_the_required_mark_at_80x24(
    make_app: Callable[..., CarerdeskApp],
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f2")
        await settle(pilot)
        app.screen.query_one("#field-consent-store Select").focus()
        await settle(pilot)
        for name, label in (
            ("store", "Consent to keep their details *"),
            ("share", "Consent to share with partners"),
            ("contact", "Consent to news and offers"),
        ):
            seen = _seen_in(pilot, f"#field-consent-{name}")
            assert seen.startswith(label), seen


async def test_the_contact_form_s_three_refusals_do_not_run_into_each_other(
    make_app: Callable[..., CarerdeskApp],
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f4")
        await settle(pilot)
        for name, wrong in (
            ("contact-on", "31/02/2026"),
            ("contact-time", "25:99"),
            ("minutes", "999"),
        ):
            app.screen.query_one(f"#field-{name} Input").focus()
            await pilot.press(*["backspace"] * 12)
            await type_text(pilot, wrong)
        await pilot.press("ctrl+s")
        await settle(pilot)
        errors = [
            shown(pilot, f"#field-{name} .field-error")
            for name in ("contact-on", "contact-time", "minutes")
        ]
        assert all(error.strip() for error in errors), errors
        seen = set(_words_on_screen(pilot).split())
        for error in errors:
            for word in error.split():
                assert word in seen, (word, sorted(seen))


def _line_with(pilot: Pilot[None], text: str) -> str:
    """The first line of the screen that holds ``text``."""
    return next(line for line in screen_text(pilot).splitlines() if text in line)


async def test_the_audit_trail_shows_who_did_what_to_which_record_at_80_columns(
    make_app: Callable[..., CarerdeskApp],
) -> None:
    app = make_app(user="Casey Coordinator")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f8")
        await settle(pilot)
        headings = _line_with(pilot, "When")
        for heading in ("When", "Who", "What", "Record"):
            assert heading in headings, headings
        registered = _line_with(pilot, "created")
        assert re.search(r"\d\d/\d\d/\d{4} \d\d:\d\d:\d\d", registered), registered
        assert re.search(r"\w+ C\d{6}", registered), registered  # the reference whole


async def test_open_referrals_show_the_carer_and_the_service_whole_at_80_columns(
    make_app: Callable[..., CarerdeskApp], engine: Engine
) -> None:
    from tests.screens.test_followups import _follow_ups

    _follow_ups(engine)
    with unit_of_work(engine) as session:
        session.execute(update(Referral).values(destination="council_carers_assessment"))
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f10")
        await settle(pilot)
        late = _line_with(pilot, "chase")
        assert "Amir Patel" in late and "Council carer's assessment" in late, late


async def _open_the_event(pilot: Pilot[None], tmp_path: Path) -> None:
    """As the coordinator at home: F6, the stall's event file, its passphrase."""
    from tests.screens.test_event import PASSPHRASE, _stall

    path = _stall(tmp_path)
    await settle(pilot)
    await pilot.press("f6")
    await settle(pilot)
    await type_text(pilot, str(path))
    await pilot.press("enter")
    await settle(pilot)
    await type_text(pilot, PASSPHRASE)
    await pilot.press("enter")
    await settle(pilot)


async def test_the_event_s_carers_show_where_each_goes_and_why_at_80_columns(
    make_app: Callable[..., CarerdeskApp], tmp_path: Path
) -> None:
    app = make_app(user="Casey Coordinator")
    async with app.run_test(size=(80, 24)) as pilot:
        await _open_the_event(pilot, tmp_path)
        amir = _line_with(pilot, "C000002 Amir Patel")
        assert "new" in amir, amir
        assert "maybe C000004 Amir Patel" in _words_on_screen(pilot)  # whole, if wrapped
        sian = _line_with(pilot, "C000001 Sian O'Brien")
        assert "joins C000001 Siân O'Brien" in sian, sian


async def test_the_duplicates_list_says_why_a_pair_may_be_one_person_at_80_columns(
    make_app: Callable[..., CarerdeskApp], engine: Engine
) -> None:
    from tests.screens.test_merge import _second_sian

    _second_sian(engine)
    app = make_app(user="Casey Coordinator")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f12")
        await settle(pilot)
        seen = set(_words_on_screen(pilot).split())
        for word in [
            "C000001",
            "Siân",
            "C000005",
            "Sian",
            "01/02/1970",
            "same",
            "birth",
            "close",
            "phone",
            "number",
        ]:
            assert word in seen, (word, sorted(seen))


async def test_a_possible_duplicate_at_registration_says_why_at_80_columns(
    make_app: Callable[..., CarerdeskApp],
) -> None:
    from tests.screens.test_register import _choose

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await type_text(pilot, "Sian O'Brien")
        await pilot.press("f2")
        await settle(pilot)
        await pilot.press("tab", "tab", "tab")
        await type_text(pilot, "01/02/1970")
        app.screen.query_one("#field-consent-store Select").focus()
        await _choose(pilot, "y")
        await pilot.press("ctrl+s")
        await settle(pilot)
        seen = set(_words_on_screen(pilot).split())
        for word in ("C000001", "O'Brien", "01/02/1970", "same", "birth", "close", "name"):
            assert word in seen, (word, sorted(seen))


async def test_the_merge_shows_each_field_s_name_whole_at_80_columns(
    make_app: Callable[..., CarerdeskApp], engine: Engine
) -> None:
    from tests.screens.test_merge import _second_sian

    _second_sian(engine)
    app = make_app(user="Casey Coordinator")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f12", "enter")
        await settle(pilot)
        seen = set(_words_on_screen(pilot).split())
        for word in ("Consent", "keep", "their", "details", "sian@example.org", "SW1A"):
            assert word in seen, (word, sorted(seen))


async def test_comparing_an_event_s_carer_shows_every_key_s_hint_at_80_columns(
    make_app: Callable[..., CarerdeskApp], tmp_path: Path
) -> None:
    app = make_app(user="Casey Coordinator")
    async with app.run_test(size=(80, 24)) as pilot:
        await _open_the_event(pilot, tmp_path)
        await pilot.press("down", "enter")  # Amir side by side
        await settle(pilot)
        assert "N: add as new · Esc: back" in _words_on_screen(pilot)


@pytest.mark.parametrize(
    ("key", "title"),
    [
        ("m", "Emergency contacts of Amir Patel"),
        ("i", "Issue a card to Amir Patel"),
        ("f", "Refer Amir Patel"),
        ("c", "Amir Patel"),
        ("r", "caring role"),
        ("e", "Edit C000004"),
    ],
)
async def test_a_form_opened_from_the_record_shows_its_title_and_first_field_at_80x24(
    make_app: Callable[..., CarerdeskApp], key: str, title: str
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_record(pilot, "amir")
        await pilot.press(key)
        await settle(pilot)
        await settle(pilot)
        seen = screen_text(pilot)
        assert title in seen, seen  # the form's title, not scrolled away as it opened


async def test_the_services_list_shows_each_service_s_contact_details_whole_at_80_columns(
    make_app: Callable[..., CarerdeskApp], engine: Engine
) -> None:
    from carerdesk.db import destinations
    from tests.conftest import COORDINATOR

    contact = "Adult social care, 020 7946 0777, carers@example.org"
    with unit_of_work(engine) as session:
        destinations.change_service(
            session, COORDINATOR, "benefits_advice", {"name": "Benefits advice", "contact": contact}
        )
    app = make_app(user="Casey Coordinator")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        for key in ("f10", "s"):
            await pilot.press(key)
            await settle(pilot)
        seen = " ".join(screen_text(pilot).split())
        for words in ("Benefits advice", "020 7946 0777", "carers@example.org"):
            assert words in seen, seen  # the phone the desk rings, not cut at the edge
