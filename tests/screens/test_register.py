"""Registering a new carer from the keyboard, and the form's checks."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from sqlalchemy import select
from textual.pilot import Pilot

from carerdesk.app import CarerdeskApp
from carerdesk.db.engine import make_engine, sqlite_url, unit_of_work
from carerdesk.db.models import Carer
from tests.screens.helpers import settle, shown, table_text, type_text


def _field_text(app: CarerdeskApp, name: str) -> str:
    return str(app.screen.query_one(f"#field-{name.replace('_', '-')}").text)


def _field_error(pilot: Pilot[None], name: str) -> str:
    return shown(pilot, f"#field-{name.replace('_', '-')} .field-error")


def _saved(db: Path, last_name: str) -> Carer | None:
    engine = make_engine(sqlite_url(db))
    with unit_of_work(engine, write=False) as session:
        found = session.scalars(select(Carer).where(Carer.last_name == last_name)).all()
        session.expunge_all()
    engine.dispose()
    return found[0] if found else None


async def _choose(pilot: object, text: str) -> None:
    """Open the focused list, type the start of an option and take it."""
    await pilot.press("enter")  # type: ignore[attr-defined]
    await type_text(pilot, text)  # type: ignore[arg-type]
    await pilot.press("enter")  # type: ignore[attr-defined]


async def test_register_a_carer_with_a_caring_role(
    make_app: Callable[[], CarerdeskApp], desk_db: Path
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await type_text(pilot, "ola brown")
        await settle(pilot)
        await pilot.press("f2")
        await settle(pilot)
        # The names typed in the search box carry over.
        assert _field_text(app, "first_name") == "Ola"
        assert _field_text(app, "last_name") == "Brown"
        await pilot.press("tab", "tab", "tab")  # last name, preferred name, date of birth
        await type_text(pilot, "14/03/2009")
        await pilot.pause()
        assert "Young carer, aged 17" in shown(pilot, "#carer-type")
        await pilot.press("tab")
        await _choose(pilot, "fem")  # gender
        await pilot.press("tab")  # ethnicity left empty
        await pilot.press("tab")
        await type_text(pilot, "07700 900555")  # phone
        await pilot.press("ctrl+r")
        await settle(pilot)
        await _choose(pilot, "par")  # relationship: parent
        await pilot.press("tab")
        await _choose(pilot, "18")  # cared-for age band
        await pilot.press("tab")
        await pilot.press("down", "down", "down", "space")  # conditions: autism
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "Autism" in table_text(pilot, "#roles")[0]
        # Saving without consent is refused beside the field, and nothing typed is lost.
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "agrees to us keeping their details" in _field_error(pilot, "consent_store")
        assert _field_text(app, "phone") == "07700 900555"
        assert _saved(desk_db, "Brown") is None
        app.screen.query_one("#field-consent-store Select").focus()
        await _choose(pilot, "y")
        await pilot.press("ctrl+s")
        await settle(pilot)
        summary = shown(pilot, "#summary")
        assert "Ola Brown" in summary and "C000005" in summary
    carer = _saved(desk_db, "Brown")
    assert carer is not None
    assert carer.mobile is None and carer.phone == "+447700900555"
    assert carer.gender == "female" and carer.consent_store is True


async def test_each_field_is_checked_as_you_leave_it(
    make_app: Callable[[], CarerdeskApp],
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f2")
        await settle(pilot)
        await type_text(pilot, "R2D2")
        await pilot.press("tab")
        await pilot.pause()
        assert "only letters" in _field_error(pilot, "first_name")
        await pilot.press("tab", "tab")
        await type_text(pilot, "31/02/1990")
        await pilot.press("tab")
        await pilot.pause()
        assert "There is no 31 February 1990" in _field_error(pilot, "date_of_birth")
        assert _field_text(app, "date_of_birth") == "31/02/1990"


async def test_a_possible_duplicate_is_offered_before_saving(
    make_app: Callable[[], CarerdeskApp], desk_db: Path
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await type_text(pilot, "Sian O'Brien")
        await pilot.press("f2")
        await settle(pilot)
        await pilot.press("tab", "tab", "tab")
        await type_text(pilot, "01/02/1970")
        app.screen.query_one("#field-consent-store Select").focus()
        await _choose(pilot, "y")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "same date of birth and a close name" in table_text(pilot, "#matches")[0]
        await pilot.press("enter")  # open the carer already registered
        await settle(pilot)
        assert "C000001" in shown(pilot, "#summary")
    engine = make_engine(sqlite_url(desk_db))
    with unit_of_work(engine, write=False) as session:
        assert len(session.scalars(select(Carer)).all()) == 4
    engine.dispose()


async def test_leaving_a_filled_form_asks_first(make_app: Callable[[], CarerdeskApp]) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f2")
        await settle(pilot)
        await type_text(pilot, "Ola")
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("n")  # stay
        await pilot.pause()
        assert _field_text(app, "first_name") == "Ola"
        await pilot.press("escape", "y")
        await settle(pilot)
        assert app.screen.query("#carer-search")


async def test_a_centre_sets_its_wards_registers_a_carer_in_one_and_the_return_counts_the_ward(
    make_app: Callable[[], CarerdeskApp], desk_db: Path, tmp_path: Path
) -> None:
    # The path a real centre takes (not the demo): the coordinator sets the ward list on the
    # command line, the desk registers a carer in a ward, and the week's return counts it.
    from click.testing import CliRunner

    from carerdesk.cli import main

    def as_coordinator(*args: str) -> str:
        result = CliRunner().invoke(
            main,
            ["--db", str(desk_db), "--user", "Casey Coordinator", *args],
            env={"CARERDESK_PIN": "2580"},
        )
        assert result.exit_code == 0, result.output
        return result.stdout

    wards = "Headstone; Marlborough; Wealdstone North"
    assert as_coordinator("settings", "set", "wards", wards) == f"wards is now {wards}.\n"
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await type_text(pilot, "ola brown")
        await settle(pilot)
        await pilot.press("f2")
        await settle(pilot)
        await pilot.press("tab", "tab", "tab")
        await type_text(pilot, "14/03/1969")
        app.screen.query_one("#field-ward Select").focus()
        await _choose(pilot, "marl")
        app.screen.query_one("#field-consent-store Select").focus()
        await _choose(pilot, "y")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "Ola Brown" in shown(pilot, "#summary")
    assert _saved(desk_db, "Brown").ward == "Marlborough"  # type: ignore[union-attr]
    out = tmp_path / "returns"
    # Registered on Monday 23 November: the week 2026-W48, over by the time tests run.
    as_coordinator("export", "return", "--week", "2026-W48", "--out", str(out))
    lines = (out / "return_2026-W48.csv").read_text(encoding="utf-8-sig").splitlines()
    assert [line for line in lines if ",ward," in line] == [
        "2026-W48,new_registrations,ward,Headstone,0",
        "2026-W48,new_registrations,ward,Marlborough,1",
        "2026-W48,new_registrations,ward,Wealdstone North,0",
        "2026-W48,new_registrations,ward,not_recorded,0",
    ]


async def test_a_postcode_breaking_a_position_rule_is_named_beside_the_field(
    make_app: Callable[[], CarerdeskApp],
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f2")
        await settle(pilot)
        app.screen.query_one("#field-postcode Input").focus()
        await type_text(pilot, "w1i 1aa")
        await pilot.press("tab")
        await pilot.pause()
        said = " ".join(_field_error(pilot, "postcode").split())
        assert "The third character of a postcode cannot be I" in said
        app.screen.query_one("#field-postcode Input").focus()
        await pilot.press("ctrl+u")
        await type_text(pilot, "sw1a1ac")
        await pilot.press("tab")
        await pilot.pause()
        said = " ".join(_field_error(pilot, "postcode").split())
        assert "two letters, not C, I, K, M, O or V" in said
        app.screen.query_one("#field-postcode Input").focus()
        await pilot.press("ctrl+u")
        await type_text(pilot, "w1a0ax")
        await pilot.press("tab")
        await pilot.pause()
        assert not _field_error(pilot, "postcode").strip()
