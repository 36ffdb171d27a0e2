"""Issue 16's Must show: a register exported by another system moves in whole through a
saved mapping, and a second import changes nothing.

The other system's register has its own card numbers (digits, another check digit),
lower-case references, a Windows Central European file (Zoë, Łukasz), labels instead of
codes and a full-name column. Keeping cards and references exactly as they came is the
``cards`` branch's, reading the file's encoding the ``encoding`` branch's: the parts that
need them are marked until both are merged; the rest holds now.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import Engine, select

from carerdesk.core import mapping
from carerdesk.db.engine import unit_of_work
from carerdesk.db.models import Card, Carer
from carerdesk.export.importer import Outcome, import_register, read_source
from carerdesk.export.mapped import propose_file
from tests.conftest import COORDINATOR

HEADER = [
    "Client Ref",
    "Client Name",
    "Date of Birth",
    "Gender",
    "Ethnicity",
    "Post Code",
    "Mobile",
    "Registered",
    "Consent to store",
    "Card Number",
    "Card Type",
    "Card Issued",
    "Card Expires",
]


@dataclass(frozen=True)
class Register:
    """How the other system wrote its register."""

    encoding: str
    references: tuple[str, str]
    cards: tuple[str, str]


def write_register(path: Path, register: Register) -> Path:
    rows = [
        HEADER,
        [register.references[0], "Mrs Zoë Fairbrother", "01/02/1970", "Female",
         "White: Irish", "HA1 2AB", "07700 900123", "02/11/2025", "Yes", register.cards[0],
         "Carer card", "02/11/2025", "01/11/2028"],
        [register.references[1], "NOWAKOWSKI, Łukasz", "30/07/1985", "Male",
         "White: any other White background", "HA3 5QT", "", "03/11/2025", "Yes",
         register.cards[1], "Carer card", "03/11/2025", "02/11/2028"],
    ]  # fmt: skip
    text = io.StringIO(newline="")
    csv.writer(text).writerows(rows)
    path.write_bytes(text.getvalue().encode(register.encoding))
    return path


def _import(engine: Engine, path: Path, chosen: mapping.Mapping, today: date) -> Outcome:
    with unit_of_work(engine) as session:
        sources = read_source(path, mapping=chosen)
        return import_register(session, COORDINATOR, sources, today=today)


def moves_in_whole(engine: Engine, tmp_path: Path, today: date, register: Register) -> None:
    source = write_register(tmp_path / "register.csv", register)
    saved = tmp_path / "register-map.toml"
    proposed, _ = propose_file(source, saved)
    assert [column.target for column in proposed.columns] == [
        "reference",
        "full_name",
        "date_of_birth",
        "gender",
        "ethnicity",
        "postcode",
        "mobile",
        "registered_on",
        "consent_store",
        "card_number",
        "card_type",
        "card_issued_on",
        "card_expires_on",
    ]
    chosen = mapping.load(saved)  # reused as saved: nothing to edit in this one
    first = _import(engine, source, chosen, today)
    assert first.problems == [] and first.written
    assert (first.added["carers"], first.added["cards"]) == (2, 2)
    with unit_of_work(engine, write=False) as session:
        stored = {carer.reference: carer for carer in session.scalars(select(Carer))}
        assert sorted(stored) == sorted(register.references)
        zoe, lukasz = (stored[reference] for reference in register.references)
        assert (zoe.first_name, zoe.last_name, zoe.gender, zoe.ethnicity) == (
            "Zoë",
            "Fairbrother",
            "female",
            "irish",
        )
        assert (lukasz.first_name, lukasz.last_name, lukasz.ethnicity) == (
            "Łukasz",
            "NOWAKOWSKI",
            "other_white",
        )
        cards = {card.carer_id: card.card_number for card in session.scalars(select(Card))}
        assert cards == {zoe.id: register.cards[0], lukasz.id: register.cards[1]}
    again = _import(engine, source, chosen, today)
    assert again.problems == []
    assert sum(again.added.values()) == sum(again.changed.values()) == 0
    assert (again.unchanged["carers"], again.unchanged["cards"]) == (2, 2)


def test_a_register_with_labels_and_full_names_moves_in_through_a_saved_mapping(
    engine: Engine, tmp_path: Path, today: date
) -> None:
    """What holds before the cards and encoding branches: UTF-8, carerdesk's own cards."""
    register = Register("utf-8", ("C000101", "C000102"), ("HC00001230", "HC00001248"))
    moves_in_whole(engine, tmp_path, today, register)


def test_another_systems_register_moves_in_whole_as_it_came(
    engine: Engine, tmp_path: Path, today: date
) -> None:
    """The whole of the Must show: its card numbers, its references, its encoding."""
    register = Register("cp1250", ("c000101", "c000102"), ("1000000175", "1000000183"))
    moves_in_whole(engine, tmp_path, today, register)


def test_its_own_card_numbers_and_lower_case_references_come_as_they_were(
    engine: Engine, tmp_path: Path, today: date
) -> None:
    register = Register("utf-8", ("c000101", "c000102"), ("1000000175", "1000000183"))
    moves_in_whole(engine, tmp_path, today, register)


def test_a_central_european_file_keeps_every_letter(
    engine: Engine, tmp_path: Path, today: date
) -> None:
    register = Register("cp1250", ("C000101", "C000102"), ("HC00001230", "HC00001248"))
    moves_in_whole(engine, tmp_path, today, register)
