"""An error nobody expected, at the desk: a plain message and a locked screen, the traceback in a
log only this machine's user can read, and no PIN, search text or name anywhere a person or a
file could show it (the screen, the log, standard output and error)."""

from __future__ import annotations

import asyncio
import re
import stat
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from textual.pilot import Pilot
from textual.worker import Worker

from carerdesk.app import CarerdeskApp
from carerdesk.db.engine import unit_of_work
from carerdesk.db.models import Card
from carerdesk.screens.carer import CarerScreen
from carerdesk.screens.home import HomeScreen
from carerdesk.screens.register import RegisterScreen
from carerdesk.screens.signin import SignInScreen
from tests.screens.helpers import open_record, screen_text, settle, type_text

PIN = "1357"
"""Sam Staff's PIN (``tests.screens.conftest.ACCOUNTS``)."""
CARER_NAME = "Siân O'Brien"
"""A carer of the small register, named in the injected errors (never in their source lines,
which the log shows)."""
CODE = re.compile(r"\b[A-HJKMNP-Z2-9]{3}-[A-HJKMNP-Z2-9]{3}\b")


def _flat(text: str) -> str:
    """The screen's text on one line, without the boxes drawn around it."""
    return " ".join(re.sub(r"[│┃▏▕▎▍▌▋▊▉]", " ", text).split())


def _picture_text(svg: str) -> str:
    """The text drawn in a screenshot (its style sheet and markup left out)."""
    import html

    drawn = re.sub(r"<style.*?</style>|<[^>]+>", " ", svg, flags=re.DOTALL)
    return html.unescape(drawn).replace("\xa0", " ")


async def _failed_safe(
    pilot: Pilot[None], capfd: pytest.CaptureFixture[str], log: Path, secrets: list[str]
) -> str:
    """Check the screen, the log and the output after an injected failure; return its code."""
    await settle(pilot)
    app = pilot.app
    assert isinstance(app.screen, SignInScreen), "the screen is locked"
    assert app.actor is None
    shown = _flat(screen_text(pilot))
    assert "did not expect" in shown and "Everything saved before it is safe" in shown
    codes = CODE.findall(shown)
    assert len(codes) == 1, shown
    code = codes[0]
    entry = log.read_text(encoding="utf-8")
    assert code in entry and "RuntimeError" in entry and "Traceback" in entry
    assert stat.S_IMODE(log.stat().st_mode) == 0o600
    assert stat.S_IMODE(log.parent.stat().st_mode) == 0o700
    out, err = capfd.readouterr()
    picture = _picture_text(app.export_screenshot())
    for secret in secrets:
        for where, text in [
            ("screen", shown),
            ("screenshot", picture),
            ("log", entry),
            ("stdout", out),
            ("stderr", err),
        ]:
            word = rf"(?<!\w){re.escape(secret)}(?!\w)"  # "Thi", not "something"
            assert not re.search(word, text, re.IGNORECASE), f"{secret!r} is in the {where}"
    return code


async def _sign_in(pilot: Pilot[None], name: str = "Sam Staff", pin: str = PIN) -> None:
    pilot.app.screen.query_one("#signin-name").focus()
    await pilot.press("escape")
    await type_text(pilot, name)
    await pilot.press("enter")
    await type_text(pilot, pin)
    await pilot.press("enter")
    await settle(pilot)


async def test_a_failure_while_the_pin_is_checked(
    make_app: Callable[..., CarerdeskApp],
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
    expect_failures: Path,
) -> None:
    from carerdesk.db import accounts

    checked = accounts.sign_in

    def broken(session: object, name: str, pin: str) -> object:
        raise RuntimeError(f"no luck for {name} with {pin}")

    monkeypatch.setattr(accounts, "sign_in", broken)
    app = make_app(user=None)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        await _sign_in(pilot)
        code = await _failed_safe(pilot, capfd, expect_failures, [PIN])
        # Mended, the next try signs in, and the person learns the code of what went wrong.
        monkeypatch.setattr(accounts, "sign_in", checked)
        await _sign_in(pilot)
        assert isinstance(app.screen, HomeScreen)
        assert code in _flat(screen_text(pilot))


async def test_a_failure_in_a_search(
    make_app: Callable[..., CarerdeskApp],
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
    expect_failures: Path,
) -> None:
    from carerdesk.db import search

    def broken(session: object, text: str, **_: object) -> object:
        raise RuntimeError(f"no carer like {text}: {CARER_NAME}?")

    found = search.find_carers
    monkeypatch.setattr(search, "find_carers", broken)
    app = make_app()
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        await type_text(pilot, "sian")
        code = await _failed_safe(pilot, capfd, expect_failures, ["sian", *CARER_NAME.split()])
        monkeypatch.setattr(search, "find_carers", found)
        await _sign_in(pilot)
        # Back where they were, told what happened: the search they typed runs again.
        assert isinstance(app.screen, HomeScreen)
        shown = _flat(screen_text(pilot))
        assert code in shown and CARER_NAME in shown


async def test_a_failure_saving_an_edit_keeps_the_form(
    make_app: Callable[..., CarerdeskApp],
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
    expect_failures: Path,
) -> None:
    from carerdesk.db import carers

    def broken(session: object, carer_id: str, entry: object, **_: object) -> object:
        raise RuntimeError(f"could not save {entry}")

    monkeypatch.setattr(carers, "update_carer", broken)
    app = make_app()
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await open_record(pilot, "nguyen")
        await pilot.press("e")
        await settle(pilot)
        app.screen.query_one("#field-phone Input").focus()
        await type_text(pilot, "020 7946 0018")
        await pilot.press("ctrl+s")
        await _failed_safe(
            pilot, capfd, expect_failures, ["Thi", "Nguyễn", "Nguyen", "7946 0018", "HA1"]
        )
        await _sign_in(pilot)
        # The form is as they left it, to save again once carerdesk is mended.
        assert isinstance(app.screen, RegisterScreen)
        assert "020 7946 0018" in _flat(screen_text(pilot))


async def test_a_failure_writing_a_card_after_it_is_issued(
    make_app: Callable[..., CarerdeskApp],
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
    expect_failures: Path,
    engine: Engine,
) -> None:
    from carerdesk.export import cards

    def broken(card: cards.CardPrint) -> bytes:
        raise RuntimeError(f"no PDF for {card}")

    monkeypatch.setattr(cards, "card_pdf", broken)
    app = make_app()
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await open_record(pilot, "zoe")
        await pilot.press("i")
        await settle(pilot)
        await pilot.press("ctrl+s")
        await _failed_safe(pilot, capfd, expect_failures, ["Zoë", "Łukasz", "Zoe", "Lukasz"])
        await _sign_in(pilot)
        assert isinstance(app.screen, CarerScreen)
    with unit_of_work(engine, write=False) as session:  # the card issued stays issued
        assert session.scalars(select(Card.card_number)).all() == ["HT00000018"]


async def test_a_folder_that_cannot_be_written_is_said_plainly_and_the_card_stays_issued(
    make_app: Callable[..., CarerdeskApp], tmp_path: Path, engine: Engine
) -> None:
    (tmp_path / "data").mkdir(exist_ok=True)
    (tmp_path / "data" / "cards").write_text("a file where the folder should be")
    app = make_app()
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await open_record(pilot, "zoe")
        await pilot.press("i")
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, CarerScreen), "not locked: nothing unexpected happened"
        shown = _flat(screen_text(pilot))
        assert "Card HT00000018 is issued, but its PDF could not be written" in shown
        assert "P writes it again" in shown
        await pilot.press("p")
        await settle(pilot)
        assert "The PDF of card HT00000018 could not be written" in _flat(screen_text(pilot))
    with unit_of_work(engine, write=False) as session:
        assert session.scalars(select(Card.card_number)).all() == ["HT00000018"]


async def test_no_worker_is_described_by_what_was_typed(
    make_app: Callable[..., CarerdeskApp], monkeypatch: pytest.MonkeyPatch
) -> None:
    described: list[str] = []
    started = Worker.__init__

    def noting(worker: Worker[object], *args: object, **kwargs: object) -> None:
        started(worker, *args, **kwargs)  # type: ignore[arg-type]
        described.append(f"{worker.name} {worker.description} {worker!r}")

    monkeypatch.setattr(Worker, "__init__", noting)
    app = make_app(user=None)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await _sign_in(pilot)
        await type_text(pilot, "obrien")
        await settle(pilot)
        assert "O'Brien" in screen_text(pilot)  # the search ran
    assert any("search" in text for text in described)
    assert any("sign-in" in text for text in described)
    for text in described:
        for typed in ("obrien", PIN, "Sam Staff"):
            assert typed.casefold() not in text.casefold(), text


async def test_a_failure_in_a_timer(
    make_app: Callable[..., CarerdeskApp],
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
    expect_failures: Path,
) -> None:
    from carerdesk import app as application

    checks = application.CarerdeskApp.lock_when_idle
    failed: list[str] = []

    def broken_once(app: CarerdeskApp) -> None:
        if not failed and app.actor is not None:
            failed.append(app.user.name)
            raise RuntimeError(f"{app.user.name} went idle")
        checks(app)

    monkeypatch.setattr(application, "IDLE_CHECK_S", 0.05)
    monkeypatch.setattr(application.CarerdeskApp, "lock_when_idle", broken_once)
    app = make_app()
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        await pilot.pause(0.3)
        assert failed == ["Sam Staff"]
        await _failed_safe(pilot, capfd, expect_failures, ["Sam Staff"])
        await _sign_in(pilot)
        assert isinstance(app.screen, HomeScreen)


async def test_a_timer_that_keeps_failing_closes_carerdesk_with_one_plain_line(
    make_app: Callable[..., CarerdeskApp],
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
    expect_failures: Path,
) -> None:
    from carerdesk import app as application

    def broken(app: CarerdeskApp) -> None:
        raise RuntimeError(f"{app.actor} went idle")

    monkeypatch.setattr(application, "IDLE_CHECK_S", 0.05)
    monkeypatch.setattr(application.CarerdeskApp, "lock_when_idle", broken)
    app = make_app()
    async with app.run_test(size=(80, 24)):
        for _ in range(100):
            if app.return_code is not None:
                break
            await asyncio.sleep(0.05)  # not the pilot's pause: it waits for a closing screen
    assert app.return_code == 1
    out, err = capfd.readouterr()
    assert "Traceback" not in out + err and "Sam Staff" not in out + err
    assert _flat(err).startswith("carerdesk stopped: something went wrong")
    log = expect_failures.read_text(encoding="utf-8")
    assert log.count("=== ") == application.FAILURES_BEFORE_STOPPING + 1
    codes = CODE.findall(err)
    assert len(codes) == 1 and codes[0] in log


async def test_the_return_is_counted_and_a_card_written_away_from_the_screen(
    make_app: Callable[..., CarerdeskApp], monkeypatch: pytest.MonkeyPatch
) -> None:
    import threading

    from carerdesk.db import returns
    from carerdesk.export import cards

    threads: dict[str, bool] = {}

    def noting(name: str, work: Callable[..., object]) -> Callable[..., object]:
        def run(*args: object, **kwargs: object) -> object:
            threads[name] = threading.current_thread() is threading.main_thread()
            return work(*args, **kwargs)

        return run

    monkeypatch.setattr(returns, "week_figures", noting("count", returns.week_figures))
    monkeypatch.setattr(cards, "card_pdf", noting("card", cards.card_pdf))
    app = make_app(user="Casey Coordinator")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("f5")
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        await open_record(pilot, "zoe")
        await pilot.press("i")
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
    assert threads == {"count": False, "card": False}, "True: on the screen's own thread"
