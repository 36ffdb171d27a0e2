"""What the main screens look like at 80x24 (and the home screen wide), as SVG snapshots."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from textual.pilot import Pilot
from textual.widgets import Input

from carerdesk.app import CarerdeskApp
from tests.screens.helpers import settle, type_text


def _typing(*steps: str) -> Callable[[Pilot[None]], Any]:
    """Wait for the register, then type each step (text, or a key name in brackets)."""

    async def run_before(pilot: Pilot[None]) -> None:
        await settle(pilot)
        for step in steps:
            if step.startswith("<") and step.endswith(">"):
                await pilot.press(step[1:-1])
            else:
                await type_text(pilot, step)
            await settle(pilot)
        # A blinking cursor would be caught on or off at random: hold it still.
        for box in pilot.app.screen.query(Input):
            box.cursor_blink = False
        await settle(pilot)

    return run_before


class TestHome:
    def test_search_results(self, snap_compare: Any, make_app: Callable[[], CarerdeskApp]) -> None:
        assert snap_compare(make_app(), terminal_size=(80, 24), run_before=_typing("o"))

    def test_wide(self, snap_compare: Any, make_app: Callable[[], CarerdeskApp]) -> None:
        assert snap_compare(make_app(), terminal_size=(140, 36), run_before=_typing("ha1"))


class TestRegister:
    def test_empty_form(self, snap_compare: Any, make_app: Callable[[], CarerdeskApp]) -> None:
        assert snap_compare(make_app(), terminal_size=(80, 24), run_before=_typing("<f2>"))

    def test_refused_field(self, snap_compare: Any, make_app: Callable[[], CarerdeskApp]) -> None:
        steps = _typing("Ola Brown", "<f2>", "<tab>", "<tab>", "<tab>", "31/02/1990", "<tab>")
        assert snap_compare(make_app(), terminal_size=(80, 24), run_before=steps)


class TestRecord:
    def test_record(self, snap_compare: Any, make_app: Callable[[], CarerdeskApp]) -> None:
        steps = _typing("nguyen", "<enter>")
        assert snap_compare(make_app(), terminal_size=(80, 24), run_before=steps)


class TestRecordWithContacts:
    """A record with twenty contacts at 80x24: phone, address and consents stay in view."""

    def test_record_with_contacts(
        self, snap_compare: Any, make_app: Callable[[], CarerdeskApp], busy_record: None
    ) -> None:
        steps = _typing("nguyen", "<enter>")
        assert snap_compare(make_app(), terminal_size=(80, 24), run_before=steps)


class TestContact:
    def test_contact_modal(self, snap_compare: Any, make_app: Callable[[], CarerdeskApp]) -> None:
        steps = _typing("zoe", "<f3>", "<down>", "<space>")
        assert snap_compare(make_app(), terminal_size=(80, 24), run_before=steps)

    def test_three_refusals(self, snap_compare: Any, make_app: Callable[[], CarerdeskApp]) -> None:
        clear = ["<end>"] + ["<backspace>"] * 10
        steps = _typing(
            "<f4>", "<shift+tab>", "<shift+tab>", "999", "<shift+tab>", *clear, "25:99",
            "<shift+tab>", *clear, "31/02/2026", "<ctrl+s>",
        )  # fmt: skip
        assert snap_compare(make_app(), terminal_size=(80, 24), run_before=steps)


class TestConfirm:
    """A confirmation dialog at 80x24: its question wraps, whole."""

    def test_deactivate(self, snap_compare: Any, make_app: Callable[..., CarerdeskApp]) -> None:
        app = make_app(user="Casey Coordinator")
        assert snap_compare(app, terminal_size=(80, 24), run_before=_typing("<f7>", "d"))


class TestSignIn:
    def test_sign_in(self, snap_compare: Any, make_app: Callable[..., CarerdeskApp]) -> None:
        assert snap_compare(
            make_app(user=None), terminal_size=(80, 24), run_before=_typing("Sam Staff", "<enter>")
        )


class TestAccounts:
    def test_accounts(self, snap_compare: Any, make_app: Callable[..., CarerdeskApp]) -> None:
        app = make_app(user="Casey Coordinator")
        assert snap_compare(app, terminal_size=(80, 24), run_before=_typing("<f7>"))


class TestReturns:
    def test_returns(self, snap_compare: Any, make_app: Callable[..., CarerdeskApp]) -> None:
        app = make_app(user="Casey Coordinator")
        steps = _typing("<f5>", "<pageup>", "<pageup>")  # the week of the four registrations
        assert snap_compare(app, terminal_size=(80, 24), run_before=steps)

    def test_returns_wide(self, snap_compare: Any, make_app: Callable[..., CarerdeskApp]) -> None:
        app = make_app(user="Casey Coordinator")
        steps = _typing("<f5>", "<pageup>", "<pageup>")
        assert snap_compare(app, terminal_size=(140, 40), run_before=steps)


class TestServices:
    def test_services(self, snap_compare: Any, make_app: Callable[..., CarerdeskApp]) -> None:
        app = make_app(user="Casey Coordinator")
        steps = _typing("<f10>", "s", "<down>", "<d>", "y")  # the second service retired
        assert snap_compare(app, terminal_size=(80, 24), run_before=steps)


class TestMerge:
    def test_side_by_side(
        self, snap_compare: Any, make_app: Callable[..., CarerdeskApp], engine: Engine
    ) -> None:
        from tests.screens.test_merge import _second_sian

        _second_sian(engine)
        app = make_app(user="Casey Coordinator")
        steps = _typing("<f12>", "<enter>", "<down>", "<right>")
        assert snap_compare(app, terminal_size=(80, 24), run_before=steps)


class TestEvents:
    def test_event_import(
        self, snap_compare: Any, make_app: Callable[..., CarerdeskApp], tmp_path: Path
    ) -> None:
        from tests.screens.test_event import PASSPHRASE, _stall

        path = _stall(tmp_path)
        app = make_app(user="Casey Coordinator")
        steps = _typing("<f6>", str(path), "<enter>", PASSPHRASE, "<enter>")
        assert snap_compare(app, terminal_size=(80, 24), run_before=steps)


class TestImportMapping:
    """Another system's spreadsheet at 80x24: its columns, a sample of each one's values and
    the field proposed for each (a coded value not mapped marked)."""

    def test_mapping(
        self, snap_compare: Any, make_app: Callable[..., CarerdeskApp], tmp_path: Path
    ) -> None:
        from tests.screens.test_import_mapping import MEMBERS

        path = tmp_path / "members.csv"
        path.write_text(MEMBERS, encoding="utf-8")
        app = make_app(user="Casey Coordinator")
        steps = _typing("<f6>", str(path), "<enter>", "<down>", "<down>", "<down>", "<down>")
        assert snap_compare(app, terminal_size=(80, 24), run_before=steps)


class TestCoordinatorScreens:
    """Each coordinator's screen at 80x24, F1 first in its footer. (The export's progress bar
    moves while it waits, so its F1 is checked in test_fit.py, not by a picture.)"""

    def test_import(self, snap_compare: Any, make_app: Callable[..., CarerdeskApp]) -> None:
        app = make_app(user="Casey Coordinator")
        assert snap_compare(app, terminal_size=(80, 24), run_before=_typing("<f6>"))

    def test_audit(self, snap_compare: Any, make_app: Callable[..., CarerdeskApp]) -> None:
        app = make_app(user="Casey Coordinator")
        # Filtered to a record with no entries: the times of the entries are the test's own.
        steps = _typing("<f8>", "<tab>", "C999999", "<enter>")
        assert snap_compare(app, terminal_size=(80, 24), run_before=steps)

    def test_follow_ups(self, snap_compare: Any, make_app: Callable[..., CarerdeskApp]) -> None:
        app = make_app(user="Casey Coordinator")
        assert snap_compare(app, terminal_size=(80, 24), run_before=_typing("<f10>"))

    def test_duplicates(
        self, snap_compare: Any, make_app: Callable[..., CarerdeskApp], engine: Engine
    ) -> None:
        from tests.screens.test_merge import _second_sian

        _second_sian(engine)
        app = make_app(user="Casey Coordinator")
        assert snap_compare(app, terminal_size=(80, 24), run_before=_typing("<f12>"))


class TestVolunteer:
    """A volunteer's footers: only the keys they may use."""

    def test_home(self, snap_compare: Any, make_app: Callable[..., CarerdeskApp]) -> None:
        app = make_app(user="Robin Volunteer")
        assert snap_compare(app, terminal_size=(80, 24), run_before=_typing("o"))

    def test_record(self, snap_compare: Any, make_app: Callable[..., CarerdeskApp]) -> None:
        app = make_app(user="Robin Volunteer")
        steps = _typing("nguyen", "<enter>")
        assert snap_compare(app, terminal_size=(80, 24), run_before=steps)


class TestCard:
    def test_a_cards_back(
        self, snap_compare: Any, make_app: Callable[..., CarerdeskApp], engine: Engine
    ) -> None:
        from tests.screens.test_cards import issued

        issued(engine, "Amir", "carer_passport")
        steps = _typing("amir", "<enter>", "v", "<space>")
        assert snap_compare(make_app(), terminal_size=(80, 24), run_before=steps)
