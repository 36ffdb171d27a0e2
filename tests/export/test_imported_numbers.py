"""A register from another system: its card numbers and references stay as they came.

Card numbers of other schemes (digits only, other letters, another check digit, spaces or
dashes as printed) and references in lower case are imported exactly, found however typed,
matched in any case when linked rows name them, and travel back byte for byte.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from carerdesk.core.errors import FieldError
from carerdesk.db import cards, carers
from carerdesk.db.engine import make_engine, sqlite_url, unit_of_work
from carerdesk.db.migrate import upgrade
from carerdesk.db.models import Card, Carer, Contact, Setting
from carerdesk.db.search import find_carers
from carerdesk.export.importer import Outcome, import_register, read_source
from carerdesk.export.register import COLUMNS, export_register
from tests.conftest import COORDINATOR, STAFF

TODAY = date(2026, 11, 23)
CARERS = (
    "reference,first_name,last_name,date_of_birth,registered_on,consent_store\n"
    "abc-12,Zoë,Fairbrother,14/03/1971,02/06/2025,yes\n"
    "wcc/77,Łukasz,Nowakowski,02/06/1965,03/06/2025,yes\n"
    "Cc-9,Ada,Quillfeather,05/05/1980,04/06/2025,yes\n"
)
CARDS_HEADER = "card_number,reference,card_type,issue_reason,issued_on,expires_on,status\n"
# Linked rows name the carers in another case than the carers file.
CARDS = CARDS_HEADER + (
    "1234 5678 9012,ABC-12,carer_card,new,01/06/2025,31/05/2028,active\n"
    "CC-00042-7,WCC/77,carer_card,new,03/06/2025,02/06/2028,active\n"
    "wcc/1234,cc-9,carer_passport,new,04/06/2025,03/06/2028,active\n"
)
CONTACTS = "reference,contact_on,channel,support\nABC-12,20/11/2026,phone,information_advice\n"
NUMBERS = {"1234 5678 9012", "CC-00042-7", "wcc/1234"}


def registered(engine: Engine) -> Engine:
    """The organisation's card prefix is HT."""
    with unit_of_work(engine) as session:
        session.add(Setting(key="card_prefix", value="HT"))
    return engine


@pytest.fixture
def second(tmp_path: Path) -> Iterator[Engine]:
    """Another empty register, for the way back."""
    engine = make_engine(sqlite_url(tmp_path / "second.sqlite"))
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def foreign(tmp_path: Path) -> Path:
    """The register files of another system."""
    folder = tmp_path / "foreign"
    folder.mkdir()
    for name, text in (("carers", CARERS), ("cards", CARDS), ("contacts", CONTACTS)):
        (folder / f"{name}.csv").write_text(text, encoding="utf-8")
    return folder


@pytest.fixture
def moved(engine: Engine, foreign: Path) -> Engine:
    """The organisation's register (its card prefix HT) with the other system's files in."""
    registered(engine)
    outcome = load(engine, foreign)
    assert outcome.problems == [] and outcome.written
    return engine


def load(engine: Engine, path: Path) -> Outcome:
    with unit_of_work(engine) as session:
        return import_register(session, COORDINATOR, read_source(path), today=TODAY)


def export(engine: Engine, out: Path) -> None:
    with unit_of_work(engine, write=False) as session:
        export_register(session, COORDINATOR, out)


def problems(engine: Engine, folder: Path, **files: str) -> list[str]:
    folder.mkdir(exist_ok=True)
    for name, text in files.items():
        (folder / f"{name}.csv").write_text(text, encoding="utf-8")
    return [str(problem) for problem in load(engine, folder).problems]


def test_every_scheme_is_imported_exactly_as_it_came(moved: Engine) -> None:
    with unit_of_work(moved, write=False) as session:
        assert set(session.scalars(select(Card.card_number))) == NUMBERS
        references = set(session.scalars(select(Carer.reference)))
        assert references == {"abc-12", "wcc/77", "Cc-9"}  # capitals as they came
        # The contact and the cards named their carers in another case: linked all the same.
        [contact] = session.scalars(select(Contact))
        assert contact.carer is not None and contact.carer.reference == "abc-12"
        holders = {card.card_number: card.carer.reference for card in session.scalars(select(Card))}
        assert holders == {"1234 5678 9012": "abc-12", "CC-00042-7": "wcc/77", "wcc/1234": "Cc-9"}


@pytest.mark.parametrize(
    ("typed", "who"),
    [
        ("123456789012", "Zoë"),
        ("1234-5678-9012", "Zoë"),
        ("1234 5678 9012", "Zoë"),
        ("cc000427", "Łukasz"),
        ("CC 00042 7", "Łukasz"),
        ("cc/00042/7", "Łukasz"),
        ("WCC1234", "Ada"),
        ("wcc/1234", "Ada"),
    ],
)
def test_an_imported_card_is_found_however_typed(moved: Engine, typed: str, who: str) -> None:
    with unit_of_work(moved) as session:
        hits = find_carers(session, typed, by=STAFF)
        assert [(hit.first_name, hit.matched) for hit in hits] == [(who, "card")]
        card = cards.find_card(session, typed, by=STAFF)
        assert card is not None and card.card_number in NUMBERS


@pytest.mark.parametrize("typed", ["abc-12", "ABC-12", "Abc-12"])
def test_an_imported_reference_is_found_and_opened_in_any_case(moved: Engine, typed: str) -> None:
    with unit_of_work(moved) as session:
        [hit] = find_carers(session, typed, by=STAFF)
        assert (hit.reference, hit.matched) == ("abc-12", "reference")
        assert carers.open_carer(session, typed, by=STAFF).reference == "abc-12"


def test_only_the_organisations_own_numbers_are_checked_for_a_slip(moved: Engine) -> None:
    with unit_of_work(moved) as session:
        # HT is the organisation's prefix: a wrong last digit is named as such.
        with pytest.raises(FieldError, match="last digit does not match"):
            cards.find_card(session, "HT00000019", by=STAFF)
        assert cards.mistyped(session, "ht 0000 0019", by=STAFF) is not None
        # Another scheme's number with another last digit is simply not there.
        assert cards.find_card(session, "CC-00042-9", by=STAFF) is None
        assert cards.mistyped(session, "CC-00042-9", by=STAFF) is None
        assert cards.mistyped(session, "1234 5678 9013", by=STAFF) is None


def test_a_number_in_the_organisations_shape_from_elsewhere_is_kept_and_never_issued_again(
    engine: Engine, tmp_path: Path
) -> None:
    """An older system used the same prefix, with its own check digit and dashes: the card
    comes in as it is, and carerdesk's first own number skips the one it stands for."""
    registered(engine)
    files = {"carers": CARERS, "cards": CARDS_HEADER + (
        "HT-0000001-8,abc-12,carer_passport,new,01/06/2025,31/05/2028,active\n"
        "HT00000019,abc-12,carer_card,new,01/06/2025,31/05/2028,active\n"  # not our Luhn
    )}  # fmt: skip
    assert problems(engine, tmp_path / "older", **files) == []
    with unit_of_work(engine) as session:
        zoe = carers.open_carer(session, "ABC-12", by=STAFF)
        # Found, never named as mistyped.
        assert cards.find_card(session, "HT00000019", by=STAFF) is not None
        issued = cards.issue_card(session, zoe.id, "carer_card", "renewal", by=STAFF, today=TODAY)
        assert issued.card_number == "HT00000026"  # HT00000018 is HT-0000001-8


def test_the_round_trip_stays_byte_identical(moved: Engine, second: Engine, tmp_path: Path) -> None:
    export(moved, tmp_path / "one")
    written = (tmp_path / "one" / "cards.csv").read_text("utf-8-sig")
    assert all(f"\n{number}," in written for number in NUMBERS)
    assert "\nabc-12," in (tmp_path / "one" / "carers.csv").read_text("utf-8-sig")
    outcome = load(second, tmp_path / "one")
    assert outcome.problems == [] and outcome.written
    export(second, tmp_path / "two")
    for kind in COLUMNS:
        name = f"{kind}.csv"
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "two" / name).read_bytes(), (
            name
        )


def test_a_second_import_changes_nothing(moved: Engine, foreign: Path, tmp_path: Path) -> None:
    again = load(moved, foreign)
    assert again.problems == []
    assert sum(again.added.values()) == 0 and sum(again.changed.values()) == 0
    # Its own export imported back: nothing either.
    export(moved, tmp_path / "out")
    back = load(moved, tmp_path / "out")
    assert sum(back.added.values()) == 0 and sum(back.changed.values()) == 0


def test_the_same_records_written_another_way_are_the_same_records(
    moved: Engine, tmp_path: Path
) -> None:
    """References in capitals, card numbers with other marks: the same carers and cards; a
    reference stored stays as it was, a card keeps the number as the newer file writes it."""
    files = {
        "carers": CARERS.replace("abc-12", "ABC-12"),
        "cards": CARDS.replace("1234 5678 9012", "1234-5678-9012"),
    }
    outcome = load(moved, _write(tmp_path / "again", files))
    assert outcome.problems == [] and sum(outcome.added.values()) == 0
    assert (outcome.changed["carers"], outcome.changed["cards"]) == (0, 1)
    with unit_of_work(moved, write=False) as session:
        assert "abc-12" in set(session.scalars(select(Carer.reference)))
        assert "1234-5678-9012" in set(session.scalars(select(Card.card_number)))


def _write(folder: Path, files: dict[str, str]) -> Path:
    folder.mkdir()
    for name, text in files.items():
        (folder / f"{name}.csv").write_text(text, encoding="utf-8")
    return folder


def test_the_same_card_twice_in_a_file_is_named(engine: Engine, tmp_path: Path) -> None:
    cards_twice = CARDS_HEADER + (
        "1234-5678,abc-12,carer_card,new,01/06/2025,31/05/2028,cancelled\n"
        "1234 5678,abc-12,carer_card,new,01/06/2025,31/05/2028,active\n"
    )
    assert problems(engine, tmp_path / "in", carers=CARERS, cards=cards_twice) == [
        "cards.csv:3: card_number: This card is in the file already as 1234-5678 (line 2): "
        "numbers match whatever their spaces, dashes, slashes or capitals, so this is the "
        "same card."
    ]


def test_two_references_differing_only_in_case_are_one_carer(
    engine: Engine, tmp_path: Path
) -> None:
    twice = CARERS + "ABC-12,Bea,Hartley,01/01/1990,05/06/2025,yes\n"
    assert problems(engine, tmp_path / "in", carers=twice) == [
        "carers.csv:5: reference: This reference is in the file already as abc-12: references "
        "match in any case, so these would be one carer. Give one of them another reference."
    ]


@pytest.mark.parametrize(
    ("number", "refusal"),
    [
        ('"12\t34"', "A card number cannot hold a tab, a line break or another unprintable mark."),
        ("1" * 31, "A card number is at most 30 characters; this one has 31."),
        ("--/--", "A card number needs at least one letter or digit."),
    ],
)
def test_a_card_number_is_refused_only_outside_sane_limits(
    engine: Engine, tmp_path: Path, number: str, refusal: str
) -> None:
    row = f"{number},abc-12,carer_card,new,01/06/2025,31/05/2028,active\n"
    found = problems(engine, tmp_path / "in", carers=CARERS, cards=CARDS_HEADER + row)
    assert found == [f"cards.csv:2: card_number: {refusal}"]
