"""A desk without the register's audit key: the sign-in screen's way out, and F5 after it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import Engine

from carerdesk.app import CarerdeskApp
from carerdesk.db import accounts
from carerdesk.db.engine import unit_of_work
from carerdesk.screens.audit import AuditScreen
from carerdesk.screens.home import HomeScreen
from carerdesk.screens.signin import SignInScreen
from tests.screens.helpers import settle, shown
from tests.screens.test_signin import said, sign_in


@pytest.fixture
def new_desk(desk_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The register, made on the old desk, opened on a new one without its key."""
    monkeypatch.setenv("CARERDESK_CONFIG_DIR", str(tmp_path / "new-desk"))
    monkeypatch.setenv("CARERDESK_AUDIT_KEY", str(tmp_path / "new-desk" / "audit.key"))
    return desk_db


async def test_the_sign_in_screen_names_the_way_out(
    new_desk: Path, make_app: Callable[..., CarerdeskApp]
) -> None:
    app = make_app(user=None)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await sign_in(pilot, "Casey Coordinator", "2580")
        assert isinstance(app.screen, SignInScreen)
        assert "This desk does not hold the key" in said(pilot)
        assert "audit new-key --reason" in said(pilot)


async def test_after_a_new_key_f5_says_what_it_could_not_check(
    new_desk: Path, engine: Engine, make_app: Callable[..., CarerdeskApp]
) -> None:
    with unit_of_work(engine) as session:
        replaced = accounts.sign_in_with_new_audit_key(
            session, "Casey Coordinator", "2580", "laptop died"
        )
    replaced.accepted()
    app = make_app(user=None)
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await settle(pilot)
        await sign_in(pilot, "Casey Coordinator", "2580")
        assert isinstance(app.screen, HomeScreen)
        await pilot.press("f8")
        await settle(pilot)
        assert isinstance(app.screen, AuditScreen)
        await pilot.press("f5")
        await settle(pilot)
        toast = " ".join(shown(pilot, "Toast").split())
        assert "which this desk does not hold: their order is checked, not their" in toast
        assert "tampered" not in toast
