"""Subject access from a carer's record: the coordinator presses A, says where, and is told
where the two files went; for staff and volunteers the key is not there."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from carerdesk.app import CarerdeskApp
from carerdesk.db.audit import Action
from carerdesk.db.engine import unit_of_work
from carerdesk.db.models import AuditEntry
from carerdesk.dialogs.access import SubjectAccessModal
from carerdesk.screens.carer import CarerScreen
from tests.db.okafors import Okafor, build
from tests.screens.helpers import keys_offered, open_record, settle, shown, type_text


@pytest.fixture
def okafors(engine: Engine, desk_db: Path, tmp_path: Path) -> tuple[Okafor, ...]:
    return build(engine, tmp_path)


def _requests(engine: Engine) -> list[str | None]:
    with unit_of_work(engine, write=False) as session:
        return list(
            session.scalars(
                select(AuditEntry.reference).where(AuditEntry.action == Action.SUBJECT_ACCESS)
            )
        )


async def test_the_coordinator_presses_a_and_is_told_where_the_files_went(
    make_app: Callable[..., CarerdeskApp],
    engine: Engine,
    okafors: tuple[Okafor, ...],
    tmp_path: Path,
) -> None:
    bisi = okafors[1]
    app = make_app(user="Casey Coordinator")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_record(pilot, bisi.reference)
        assert isinstance(app.screen, CarerScreen) and "a" in keys_offered(pilot)
        await pilot.press("a")
        await settle(pilot)
        assert isinstance(app.screen, SubjectAccessModal)
        assert "everything held about Bisi Okafor" in shown(pilot, ".modal-title")
        await pilot.press("ctrl+u")  # the folder offered, cleared: a USB stick instead
        await type_text(pilot, str(tmp_path / "usb"))
        await pilot.press("ctrl+s")
        await settle(pilot)
        said = "".join(shown(pilot, "#access-status").split())  # a long path wraps
        folder = tmp_path / "usb" / f"{bisi.reference}-2026-11-23"
        assert f"Writtento{folder}:".replace(" ", "") in said
        assert f"subject-access-{bisi.reference}.json" in said
        assert f"subject-access-{bisi.reference}.pdf" in said
        assert sorted(path.suffix for path in folder.iterdir()) == [".json", ".pdf"]
        assert _requests(engine) == [bisi.reference]
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, CarerScreen)


async def test_a_folder_that_cannot_be_written_says_so_and_records_nothing(
    make_app: Callable[..., CarerdeskApp],
    engine: Engine,
    okafors: tuple[Okafor, ...],
    tmp_path: Path,
) -> None:
    blocked = tmp_path / "a file, not a folder"
    blocked.write_text("", encoding="utf-8")
    app = make_app(user="Casey Coordinator")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_record(pilot, okafors[0].reference)
        await pilot.press("a")
        await settle(pilot)
        await pilot.press("ctrl+u")
        await type_text(pilot, str(blocked))
        await pilot.press("ctrl+s")
        await settle(pilot)
        said = " ".join(shown(pilot, "#access-status").split())
        assert "That folder cannot be written to" in said and "Nothing was recorded" in said
    assert _requests(engine) == []


@pytest.mark.parametrize("user", ["Sam Staff", "Robin Volunteer"])
async def test_staff_and_volunteers_have_no_a_key(
    make_app: Callable[..., CarerdeskApp],
    engine: Engine,
    okafors: tuple[Okafor, ...],
    user: str,
) -> None:
    app = make_app(user=user)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_record(pilot, okafors[0].reference)
        assert isinstance(app.screen, CarerScreen)
        assert "a" not in keys_offered(pilot)
        await pilot.press("a")
        await settle(pilot)
        assert isinstance(app.screen, CarerScreen)
    assert _requests(engine) == []
