"""The import screen when carerdesk cannot tell a file's encoding: the coordinator sees names
from the file in each candidate, chooses one with the keyboard, and the check goes on."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from carerdesk.app import CarerdeskApp
from carerdesk.dialogs.encoding import EncodingModal
from carerdesk.screens.import_files import ImportModal
from tests.screens.helpers import footer_line, screen_text, settle, shown, table_text, type_text

CARERS = (
    "reference,first_name,last_name,date_of_birth,registered_on,consent_store\n"
    "C000060,Maria,Muñoz,14/03/1971,02/11/2026,yes\n"
    "C000061,José,Ibáñez,01/06/1980,02/11/2026,yes\n"
)


def said(pilot: object) -> str:
    from textual.pilot import Pilot

    assert isinstance(pilot, Pilot)
    return " ".join(shown(pilot, "#import-status").split())


async def _check(pilot: object, app: CarerdeskApp, path: Path) -> None:
    from textual.pilot import Pilot

    assert isinstance(pilot, Pilot)
    await settle(pilot)
    await pilot.press("f6")
    await settle(pilot)
    assert isinstance(app.screen, ImportModal)
    await type_text(pilot, str(path))
    await pilot.press("enter")
    await settle(pilot)


async def test_the_coordinator_chooses_the_encoding_by_the_names_then_imports(
    make_app: Callable[..., CarerdeskApp], tmp_path: Path
) -> None:
    path = tmp_path / "carers.csv"
    path.write_bytes(CARERS.encode("cp1252"))
    app = make_app(user="Casey Coordinator")
    async with app.run_test(size=(80, 24)) as pilot:
        await _check(pilot, app, path)
        assert isinstance(app.screen, EncodingModal)
        text = screen_text(pilot)
        assert "Which encoding is carers.csv in?" in text
        assert "Muñoz, Ibáñez" in text and "Windows-1252 (Western European)" in text
        assert "Muńoz, Ibáńez" in text and "Windows-1250 (Central European)" in text
        await pilot.press("down", "up", "enter")  # the first: Windows-1252
        await settle(pilot)
        assert isinstance(app.screen, ImportModal)
        assert said(pilot).startswith("Checked: carers: 2 new, 0 changed, 0 unchanged")
        await pilot.press("ctrl+s")  # the same encoding again, without asking
        await settle(pilot)
        assert said(pilot).startswith("Imported: carers: 2 new")
        await pilot.press("escape")
        await settle(pilot)
        await type_text(pilot, "ibanez")
        await settle(pilot)
        assert any("José Ibáñez" in row for row in table_text(pilot, "#results"))


async def test_the_other_choice_reads_the_other_letters_and_esc_reads_nothing(
    make_app: Callable[..., CarerdeskApp], tmp_path: Path
) -> None:
    path = tmp_path / "carers.csv"
    path.write_bytes(CARERS.replace("ñ", "ń").encode("cp1250"))  # a Polish Muńoz
    app = make_app(user="Casey Coordinator")
    async with app.run_test(size=(80, 24)) as pilot:
        await _check(pilot, app, path)
        assert isinstance(app.screen, EncodingModal)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, ImportModal)
        assert said(pilot).startswith(
            "carers.csv is not UTF-8, and carerdesk cannot tell for sure which encoding"
        )
        await pilot.press("enter")  # check again: asked again
        await settle(pilot)
        assert isinstance(app.screen, EncodingModal)
        await pilot.press("down", "enter")  # Windows-1250
        await settle(pilot)
        assert said(pilot).startswith("Checked: carers: 2 new")
        await pilot.press("ctrl+s", "escape")
        await settle(pilot)
        await type_text(pilot, "maria")
        await settle(pilot)
        assert any("Maria Muńoz" in row for row in table_text(pilot, "#results"))


async def test_four_candidates_and_the_keys_fit_at_80x24(
    make_app: Callable[..., CarerdeskApp], tmp_path: Path
) -> None:
    path = tmp_path / "carers.csv"
    path.write_bytes(
        (
            CARERS.splitlines(keepends=True)[0] + "C000062,Иван,Петров,14/03/1971,02/11/2026,yes\n"
        ).encode("cp1251")
    )
    app = make_app(user="Casey Coordinator")
    async with app.run_test(size=(80, 24)) as pilot:
        await _check(pilot, app, path)
        assert isinstance(app.screen, EncodingModal)
        text = screen_text(pilot)
        for line in ("Èâàí, Ïåòðîâ", "Čâŕí, Ďĺňđîâ", "Иван, Петров", "Windows-1253 (Greek)"):
            assert line in text
        assert "↑↓ then Enter chooses · Esc: do not import" in text
        assert footer_line(pilot).startswith(" F1 Keys")
        await pilot.press("down", "down", "enter")  # Windows-1251 (Cyrillic)
        await settle(pilot)
        assert said(pilot).startswith("Checked: carers: 1 new")
