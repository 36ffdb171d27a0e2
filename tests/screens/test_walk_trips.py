"""What a person tripped on, walking every screen as each role (issue 14, beyond its list)."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Engine
from textual.widgets import Input

from carerdesk.app import CarerdeskApp
from carerdesk.core.entries import check_carer
from carerdesk.db import carers
from carerdesk.db.engine import unit_of_work
from carerdesk.dialogs.contact import ContactModal
from carerdesk.dialogs.role import RoleModal
from carerdesk.widgets.result_list import ResultList
from tests.conftest import STAFF, TODAY
from tests.screens.helpers import (
    open_record,
    screen_text,
    settle,
    shown,
    table_text,
    type_text,
)


async def test_f3_with_several_found_asks_which_carer_before_logging(
    make_app: Callable[[], CarerdeskApp],
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await type_text(pilot, "ha1 2ab")  # Thi Nguyễn and Zoë Łukasz live there
        await settle(pilot)
        first, second = app.screen.query_one("#results", ResultList).row_texts()[:2]
        await pilot.press("f3")
        await settle(pilot)
        # Nobody was chosen: no contact form for whoever happened to be first.
        assert not isinstance(app.screen, ContactModal)
        assert any("choose one" in note.message for note in app._notifications)
        assert app.focused is app.screen.query_one("#results", ResultList)
        await pilot.press("down", "f3")  # the second, chosen
        await settle(pilot)
        assert isinstance(app.screen, ContactModal)
        chosen, top = second.split(" | ")[0], first.split(" | ")[0]  # their references
        assert chosen in screen_text(pilot) and top not in screen_text(pilot)


async def test_with_twenty_found_the_search_hint_still_says_what_f3_does_at_80x24(
    make_app: Callable[[], CarerdeskApp], engine: Engine
) -> None:
    with unit_of_work(engine) as session:
        for n in range(20):
            entry = check_carer(
                {
                    "first_name": "Abcdefghijklmnopqrstuvwxy"[n] + "nna",
                    "last_name": "Smith",
                    "date_of_birth": f"{n + 1:02d}/01/1970",
                    "registered_on": "02/11/2026",
                    "consent_store": "yes",
                },
                TODAY,
            )
            carers.register_carer(session, entry, by=STAFF, today=TODAY)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await type_text(pilot, "smith")
        await settle(pilot)
        hint = screen_text(pilot).splitlines()[4]
        assert "20 shown: type more" in hint
        assert hint.rstrip().endswith("F3 logs a contact.")


async def test_typing_after_f2_follows_the_carried_name_instead_of_replacing_it(
    make_app: Callable[[], CarerdeskApp],
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await type_text(pilot, "ola brown")
        await settle(pilot)
        await pilot.press("f2")
        await settle(pilot)
        await type_text(pilot, "f")
        await pilot.press("tab")
        await pilot.pause()
        assert app.screen.query_one("#field-first-name Input", Input).value == "Olaf"
        assert app.screen.query_one("#field-last-name Input", Input).value == "Brown"


async def test_one_probable_duplicate_is_counted_as_one_pair(
    make_app: Callable[..., CarerdeskApp], engine: Engine
) -> None:
    from tests.screens.test_merge import _second_sian

    _second_sian(engine)
    app = make_app(user="Casey Coordinator")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f12")
        await settle(pilot)
        status = shown(pilot, "#pairs-status")
        assert status.startswith("1 pair,") and "1 pairs" not in status


async def test_ctrl_s_on_an_empty_caring_role_adds_no_blank_role(
    make_app: Callable[[], CarerdeskApp],
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_record(pilot, "patel")
        assert "1 (1 active)" in shown(pilot, "#roles-title")
        await pilot.press("r")
        await settle(pilot)
        await pilot.press("ctrl+s")  # nothing chosen or typed
        await settle(pilot)
        assert isinstance(app.screen, RoleModal)
        assert "whom they care for" in shown(pilot, "#field-relationship .field-error")
        await pilot.press("escape")
        await settle(pilot)
        assert "1 (1 active)" in shown(pilot, "#roles-title")
        assert len(table_text(pilot, "#roles")) == 1


async def test_high_contrast_chosen_with_ctrl_t_is_there_when_carerdesk_next_opens(
    make_app: Callable[[], CarerdeskApp],
) -> None:
    from carerdesk.settings import load_settings

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+t", "ctrl+t")
        assert app.theme == "carerdesk-high-contrast"
    # The command line opens the application with this machine's theme.
    assert load_settings().theme == "carerdesk-high-contrast"


async def test_an_account_deactivated_by_mistake_can_be_reactivated_with_d(
    make_app: Callable[..., CarerdeskApp],
) -> None:
    from textual.widgets import DataTable

    app = make_app(user="Casey Coordinator")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f7")
        await settle(pilot)

        async def on_sam() -> None:
            rows = table_text(pilot, "#users")
            sam = next(i for i, row in enumerate(rows) if row.startswith("Sam Staff"))
            app.screen.query_one("#users", DataTable).move_cursor(row=sam)
            await pilot.pause()

        def sams_state() -> str:
            return next(r for r in table_text(pilot, "#users") if r.startswith("Sam")).split(" | ")[
                2
            ]

        await on_sam()
        await pilot.press("d", "y")
        await settle(pilot)
        assert sams_state() == "deactivated"
        await on_sam()
        await pilot.press("d")
        await settle(pilot)
        assert "Reactivate Sam Staff?" in screen_text(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert sams_state() == "active"


async def test_a_stray_d_on_the_services_list_asks_before_retiring_a_service(
    make_app: Callable[..., CarerdeskApp],
) -> None:
    app = make_app(user="Casey Coordinator")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f10", "s")
        await settle(pilot)
        first = table_text(pilot, "#services")[0].split(" | ")[0].strip()
        await pilot.press("d")
        await settle(pilot)
        assert f"Retire {first}?" in screen_text(pilot)
        await pilot.press("n")
        await settle(pilot)
        assert "(retired" not in table_text(pilot, "#services")[0]
        await pilot.press("d", "y")
        await settle(pilot)
        assert "(retired" in table_text(pilot, "#services")[0]
