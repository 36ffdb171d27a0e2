"""Exporting the register from the front desk: the coordinator may, anyone else is told why."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from textual.widgets import Input

from carerdesk.app import CarerdeskApp
from carerdesk.dialogs.export import ExportModal
from tests.screens.helpers import keys_offered, settle, shown, type_text


async def test_the_coordinator_exports_the_register_with_progress(
    make_app: Callable[..., CarerdeskApp], tmp_path: Path
) -> None:
    app = make_app(user="Casey Coordinator")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f9")
        await settle(pilot)
        assert isinstance(app.screen, ExportModal)
        app.screen.query_one("#export-path", Input).value = ""
        await type_text(pilot, str(tmp_path / "out"))
        await pilot.press("ctrl+s")
        await settle(pilot)
        said = "".join(shown(pilot, "#export-status").split())
        # Compared without spaces: a long folder name wraps wherever the width falls.
        assert said.startswith(f"Writtento{tmp_path / 'out'}:4carers,4caringroles")
        assert sorted(p.name for p in (tmp_path / "out").iterdir())[0] == "cards.csv"
        assert "Nguyễn" in (tmp_path / "out" / "carers.csv").read_text(encoding="utf-8-sig")
        await pilot.press("escape")
        assert not isinstance(app.screen, ExportModal)


@pytest.mark.parametrize(
    ("user", "refusal"),
    [
        (
            "Robin Volunteer",
            "A volunteer may not export the register in bulk: ask a member of staff.",
        ),
        (
            "Sam Staff",
            "A member of staff may not export the register in bulk: ask your coordinator.",
        ),
    ],
)
async def test_anyone_else_is_refused_an_export_with_a_clear_message(
    make_app: Callable[..., CarerdeskApp], user: str, refusal: str
) -> None:
    app = make_app(user=user)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("f9")
        await settle(pilot)
        assert not isinstance(app.screen, ExportModal)
        assert "f9" not in keys_offered(pilot)  # hidden from their role, so no refusal


async def test_an_export_to_a_full_disk_says_so_and_keeps_the_earlier_files(
    make_app: Callable[..., CarerdeskApp], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno
    from typing import Any

    from carerdesk.core.private_files import Staged

    app = make_app(user="Casey Coordinator")
    out = tmp_path / "usb"
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        for attempt in ("first", "full"):
            if attempt == "full":
                before = {p.name: p.read_bytes() for p in out.iterdir()}

                def full(self: Staged, name: str, *args: Any, **options: Any) -> Any:
                    raise OSError(errno.ENOSPC, "No space left on device")

                monkeypatch.setattr(Staged, "open", full)
            await pilot.press("f9")
            await settle(pilot)
            app.screen.query_one("#export-path", Input).value = ""
            await type_text(pilot, str(out))
            await pilot.press("ctrl+s")
            await settle(pilot)
            said = " ".join(shown(pilot, "#export-status").split())
            await pilot.press("escape")
            await settle(pilot)
        assert "the disk is full. Nothing was exported" in said
        assert "an earlier export there is unchanged" in said
        assert {p.name: p.read_bytes() for p in out.iterdir()} == before
