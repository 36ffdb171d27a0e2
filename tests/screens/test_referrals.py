"""Referrals from the record: a draft, sent only with consent confirmed, then its steps."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Engine, update

from carerdesk.app import CarerdeskApp
from carerdesk.db.engine import unit_of_work
from carerdesk.db.models import Carer
from tests.screens.helpers import open_record, screen_text, settle, shown, table_text, type_text


async def _choose(pilot, start: str) -> None:  # type: ignore[no-untyped-def]
    # Open the list in the focused box, type the start of an option, take it.
    await pilot.press("enter")
    await settle(pilot)
    await type_text(pilot, start)
    await pilot.press("enter")
    await settle(pilot)


async def test_a_referral_is_drafted_sent_with_consent_and_closed(
    make_app: Callable[..., CarerdeskApp], engine: Engine, tmp_path: Path
) -> None:
    app = make_app()
    async with app.run_test(size=(100, 34), notifications=True) as pilot:
        await open_record(pilot, "amir")  # no consent to share recorded yet
        await pilot.press("f")
        await settle(pilot)
        await _choose(pilot, "benefits")
        await pilot.press("tab")
        await type_text(pilot, "Help with a claim")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert table_text(pilot, "#referrals") == ["Benefits advice | Draft | Routine |  | "]
        app.screen.query_one("#referrals").focus()
        await pilot.press("enter")
        await settle(pilot)
        app.screen.query_one("#field-consent Select").focus()
        await _choose(pilot, "yes")  # they agree today
        await pilot.press("ctrl+s")
        await settle(pilot)
        said = " ".join(screen_text(pilot).split())
        assert "have not consented to share their details" in said  # beside the form
        await pilot.press("escape", "y")  # leave, answering the question about what was typed
        await settle(pilot)
        assert table_text(pilot, "#referrals")[0].startswith("Benefits advice | Draft")
    with unit_of_work(engine) as session:
        session.execute(update(Carer).where(Carer.first_name == "Amir").values(consent_share=True))
    app = make_app()
    async with app.run_test(size=(100, 34), notifications=True) as pilot:
        await open_record(pilot, "amir")
        app.screen.query_one("#referrals").focus()
        await pilot.press("enter")
        await settle(pilot)
        app.screen.query_one("#field-consent Select").focus()
        await _choose(pilot, "yes")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert table_text(pilot, "#referrals") == [
            "Benefits advice | Sent | Routine | 23/11/2026 | "
        ]
        form = next((tmp_path / "data" / "referrals").glob("*.txt")).read_text(encoding="utf-8")
        assert "Name: Amir Patel" in form and "Reason: Help with a claim" in form
        forms = tmp_path / "data" / "referrals"
        assert {p.suffix: p.stat().st_mode & 0o777 for p in forms.iterdir()} == {
            ".txt": 0o600,
            ".pdf": 0o600,
        }  # the form, as text and PDF, readable by its owner only; nothing else left there
        assert forms.stat().st_mode & 0o777 == 0o700
        assert "confirmed by Sam Staff on 23/11/2026" in form
        app.screen.query_one("#referrals").focus()
        await pilot.press("enter")
        await settle(pilot)
        await _choose(pilot, "completed")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert table_text(pilot, "#referrals") == [
            "Benefits advice | Completed | Routine | 23/11/2026 | 23/11/2026"
        ]
        assert "F refers" in shown(pilot, "#referrals-title")
