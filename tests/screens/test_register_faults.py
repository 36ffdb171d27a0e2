"""The application on a register it cannot use: a damaged one, one from a newer carerdesk, and
a day whose backup cannot be written. Said plainly on the screen, never a traceback."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

from sqlalchemy import Engine

from carerdesk.app import CarerdeskApp
from carerdesk.db.backups import BackupPlan, backup_now, backups_of
from carerdesk.db.engine import sqlite_url
from carerdesk.screens.home import HomeScreen
from carerdesk.screens.signin import SignInScreen
from tests.screens.conftest import NOW
from tests.screens.helpers import screen_text, settle, shown
from tests.screens.test_signin import sign_in


def damage(path: Path) -> None:
    """Overwrite a stretch in the middle of the file, as a failing disk would."""
    size = path.stat().st_size
    with path.open("r+b") as file:
        file.seek(size // 2)
        file.write(b"\xa5" * 4096)


def one_line(text: str) -> str:
    return " ".join(text.split())


async def test_a_damaged_register_is_met_with_a_plain_message(
    desk_db: Path, engine: Engine
) -> None:
    plan = BackupPlan(desk_db.parent / "backups")
    good = backup_now(engine, plan, desk_db, at=NOW)
    engine.dispose()
    damage(desk_db)
    app = CarerdeskApp(sqlite_url(desk_db), now=lambda: NOW, backups=plan)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, SignInScreen)
        assert "The register was not opened" in screen_text(pilot)
        text = one_line(shown(pilot, "#signin-message"))
        unwrapped = "".join(text.split())  # a long path is broken across lines
        assert "is damaged, so carerdesk did not open it" in text
        assert "The newest good backup is" in text
        assert "".join(f"carerdesk --db {desk_db} restore {good}".split()) in unwrapped
        assert not app.screen.query_one("#signin-name").display  # no sign-in offered
        assert "Traceback" not in text
    assert backups_of(plan.folder, desk_db) == [good]  # no backup made of a damaged file


async def test_a_register_from_a_newer_carerdesk_is_said_plainly(
    desk_db: Path, engine: Engine
) -> None:
    engine.dispose()
    with closing(sqlite3.connect(desk_db)) as connection, connection:
        connection.execute("UPDATE alembic_version SET version_num = '0099'")
    app = CarerdeskApp(sqlite_url(desk_db), now=lambda: NOW)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert "made by a newer version of carerdesk" in one_line(shown(pilot, "#signin-message"))
    with closing(sqlite3.connect(desk_db)) as connection:
        assert connection.execute("SELECT count(*) FROM carers").fetchone() == (4,)


async def test_the_desk_opens_when_the_days_backup_cannot_be_written(
    desk_db: Path, engine: Engine, tmp_path: Path
) -> None:
    engine.dispose()
    blocker = tmp_path / "blocker"
    blocker.write_text("a file where the backups folder should be", encoding="utf-8")
    plan = BackupPlan(blocker / "backups")
    app = CarerdeskApp(sqlite_url(desk_db), now=lambda: NOW, backups=plan)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        assert "Today's backup was not made" in one_line(screen_text(pilot))
        await sign_in(pilot, "Sam Staff", "1357")
        assert isinstance(app.screen, HomeScreen)


async def test_the_days_backup_is_made_when_the_desk_opens(desk_db: Path, engine: Engine) -> None:
    engine.dispose()
    plan = BackupPlan(desk_db.parent / "backups")
    app = CarerdeskApp(sqlite_url(desk_db), now=lambda: NOW, backups=plan)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert app.ready
    assert [path.name for path in backups_of(plan.folder, desk_db)] == [
        "register-2026-11-23-103000.sqlite"
    ]
