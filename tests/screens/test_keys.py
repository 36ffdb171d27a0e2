"""F1's list of keys and the command palette: carerdesk's own keys first, every action the
person's role may use from any screen, never one it may not."""

from __future__ import annotations

from collections.abc import Callable

from textual.command import CommandList, CommandPalette

from carerdesk.app import CarerdeskApp
from carerdesk.screens.carer import CarerScreen
from carerdesk.screens.returns import ReturnsScreen
from tests.screens.helpers import open_record, screen_text, settle, type_text


def _panel(pilot: object) -> str:
    """What the key list beside the screen says, line by line (the footer left out)."""
    lines = screen_text(pilot).splitlines()[:-1]  # type: ignore[arg-type]
    return "\n".join(line.rpartition("▏")[2].strip() for line in lines if "▏" in line)


async def test_f1_listed_textuals_cursor_keys_before_the_desks_own_keys(
    make_app: Callable[..., CarerdeskApp],
) -> None:
    app = make_app(user="Casey Coordinator")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f1")  # the cursor is in the search box
        await settle(pilot)
        panel = _panel(pilot).splitlines()
        assert panel[:3] == ["This screen", "F2 New carer", "F3 Log contact"]
        assert "F5 Returns" in panel  # listed here, not in the footer
        everywhere = panel.index("Everywhere")
        assert panel[everywhere + 1 : everywhere + 6] == [
            "F1 Keys", "^p Command palette", "^t Theme", "^l Lock", "^q Quit"
        ]  # fmt: skip
        moving = [line for line in panel if "cursor" in line.lower()]
        assert all(panel.index(line) > everywhere for line in moving)
        await pilot.press("f1")
        await settle(pilot)
        assert not app.screen.query("KeysPanel")


async def test_a_volunteers_f1_lists_no_key_their_role_may_not_use(
    make_app: Callable[..., CarerdeskApp],
) -> None:
    app = make_app(user="Robin Volunteer")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f1")
        await settle(pilot)
        panel = _panel(pilot)
        assert "F2 New carer" in panel and "Returns" not in panel and "Accounts" not in panel


async def _palette_titles(pilot: object, app: CarerdeskApp) -> set[str]:
    await pilot.press("ctrl+p")  # type: ignore[attr-defined]
    await settle(pilot)  # type: ignore[arg-type]
    assert isinstance(app.screen, CommandPalette)
    commands = app.screen.query_one(CommandList)
    titles = set()
    for index in range(commands.option_count):
        prompt = commands.get_option_at_index(index).prompt
        titles.add(str(getattr(prompt, "plain", prompt)).splitlines()[0])
    await pilot.press("escape")  # type: ignore[attr-defined]
    await settle(pilot)  # type: ignore[arg-type]
    return titles


async def test_ctrl_p_on_a_record_offered_only_the_records_own_actions(
    make_app: Callable[..., CarerdeskApp],
) -> None:
    app = make_app(user="Casey Coordinator")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_record(pilot, "amir")
        assert isinstance(app.screen, CarerScreen)
        titles = await _palette_titles(pilot, app)
        desk = {"Returns", "Follow-ups", "Accounts", "Audit trail", "Import", "Export"}
        desk |= {"Duplicates", "New carer", "Lock", "Theme: high contrast", "Quit", "Keys"}
        assert desk <= titles
        assert {"Log contact", "Edit", "Issue card"} <= titles  # and the record's own
        # Textual's own (editing a box, a screenshot of carers' details) are not offered.
        assert not {"Screenshot", "Copy selected text", "Delete all to the left"} & titles
        await pilot.press("ctrl+p")
        await settle(pilot)
        await type_text(pilot, "weekly return")  # found by what it does, not only its name
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ReturnsScreen)
        assert "Returns" not in await _palette_titles(pilot, app)  # not a second copy of it
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, CarerScreen)


async def test_ctrl_p_offers_staff_no_coordinators_action(
    make_app: Callable[..., CarerdeskApp],
) -> None:
    app = make_app(user="Sam Staff")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_record(pilot, "amir")
        titles = await _palette_titles(pilot, app)
        assert {"Follow-ups", "New carer", "Anonymous", "Log contact", "Lock"} <= titles
        coordinators = {"Returns", "Accounts", "Audit trail", "Import", "Export", "Duplicates"}
        assert not coordinators & titles


def test_each_desk_wide_action_names_the_screen_it_opens() -> None:
    import importlib

    from carerdesk.app import DESK_WIDE
    from carerdesk.screens.home import HomeScreen

    modules = ["register", "followups", "returns", "import_files", "users", "audit", "merge"]
    modules.append("retention")
    names = {
        name
        for module in [f"carerdesk.screens.{m}" for m in modules]
        + ["carerdesk.dialogs.contact", "carerdesk.dialogs.export"]
        for name in vars(importlib.import_module(module))
    }
    assert set(DESK_WIDE.values()) <= names
    assert set(DESK_WIDE) <= set(HomeScreen.RIGHTS)
