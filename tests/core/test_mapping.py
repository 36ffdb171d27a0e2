"""Mapping another system's columns onto carerdesk's: proposal, splits, applying, the file."""

from __future__ import annotations

from pathlib import Path

import pytest

from carerdesk.core import codes, mapping
from carerdesk.core.errors import CarerdeskError
from carerdesk.core.mapping import ColumnMap, Mapping

HEADER = [
    "Carer ID",
    "Forename",
    "Surname",
    "DOB",
    "Sex",
    "Ethnic Origin",
    "Post Code",
    "Tel",
    "Mobile No",
    "Date Registered",
    "Card No",
    "Notes",
]
SAMPLES = {
    "Carer ID": ["c000001", "c000002"],
    "Forename": ["Zoë", "Łukasz"],
    "Surname": ["Fairbrother", "Nowakowski"],
    "DOB": ["01/02/1970", "1980-03-04"],
    "Sex": ["F", "M", "Female", "Non binary", "X"],
    "Ethnic Origin": ["W1", "White Irish", "Whte British", "zz"],
    "Post Code": ["HA1 2AB", "SW1A 1AA"],
    "Tel": ["020 7946 0123"],
    "Mobile No": ["07700 900123"],
    "Date Registered": ["02/11/2026"],
    "Card No": ["123456"],
    "Notes": ["Prefers mornings"],
}


def test_targets_are_the_carers_columns_then_splits_then_cards() -> None:
    from carerdesk.export.register import COLUMNS

    names = list(mapping.TARGETS)
    assert names[: len(COLUMNS["carers"])] == list(COLUMNS["carers"])
    assert names[len(COLUMNS["carers"]) :][:2] == ["full_name", "address_one_line"]
    assert {"card_number", "card_issued_on", "card_expires_on", "card_type"} <= set(names)
    assert all(label for label in mapping.TARGETS.values())


def test_propose_by_names_and_values() -> None:
    proposed = mapping.propose(HEADER, SAMPLES)
    targets = {column.source: column.target for column in proposed.columns}
    assert targets == {
        "Carer ID": "reference",
        "Forename": "first_name",
        "Surname": "last_name",
        "DOB": "date_of_birth",
        "Sex": "gender",
        "Ethnic Origin": "ethnicity",
        "Post Code": "postcode",
        "Tel": "phone",
        "Mobile No": "mobile",
        "Date Registered": "registered_on",
        "Card No": "card_number",
        "Notes": "notes",
    }
    values = {column.source: dict(column.values) for column in proposed.columns}
    assert values["Sex"] == {
        "F": "female",
        "M": "male",
        "Female": "female",
        "Non binary": "non_binary",
    }
    # A misspelt label is matched; a value that is nothing in particular is left unmapped.
    assert values["Ethnic Origin"] == {
        "W1": "white_british",
        "White Irish": "irish",
        "Whte British": "white_british",
    }
    assert mapping.unmapped_values(proposed, SAMPLES) == {"Sex": ["X"], "Ethnic Origin": ["zz"]}
    assert proposed.constants["card_type"] == "carer_card"


def test_never_two_columns_to_one_target() -> None:
    header = ["First Name", "Forename", "Name", "Client Name"]
    samples = {
        "First Name": ["Zoë"],
        "Forename": ["Zoë"],
        "Name": ["Zoë Fairbrother"],
        "Client Name": ["Zoë Fairbrother"],
    }
    targets = [column.target for column in mapping.propose(header, samples).columns]
    chosen = [target for target in targets if target]
    assert len(chosen) == len(set(chosen))
    # A full name fills first_name: it cannot go with a first-name column.
    assert not ({"first_name", "full_name"} <= set(chosen))


def test_values_place_a_column_whose_name_says_nothing() -> None:
    header = ["Col A", "Col B"]
    samples = {"Col A": ["HA1 2AB", "SW1A 1AA", "M1 1AE"], "Col B": ["a@example.org"]}
    targets = [column.target for column in mapping.propose(header, samples).columns]
    assert targets == ["postcode", "email"]


def test_dates_never_go_to_a_column_of_other_values() -> None:
    proposed = mapping.propose(["DOB"], {"DOB": ["unknown", "ask"]})
    assert proposed.columns[0].target is None


@pytest.mark.parametrize(
    ("typed", "parts"),
    [
        ("Zoë Fairbrother", ("Zoë", "Fairbrother")),
        ("FAIRBROTHER, Zoë", ("Zoë", "FAIRBROTHER")),
        ("Mrs Zoë A. Fairbrother", ("Zoë A", "Fairbrother")),
        ("Dr. Łukasz Nowakowski", ("Łukasz", "Nowakowski")),
        ("Anna van der Berg", ("Anna", "van der Berg")),
        ("Fairbrother", ("", "Fairbrother")),
    ],
)
def test_split_name(typed: str, parts: tuple[str, str]) -> None:
    assert mapping.split_name(typed) == parts


@pytest.mark.parametrize(
    ("typed", "parts"),
    [
        (
            "12 High Street, Flat 2, Harrow, HA1 2AB",
            ("12 High Street", "Flat 2", "Harrow", "HA1 2AB"),
        ),
        ("3 Mill Lane, Harrow HA1 2AB", ("3 Mill Lane", "", "Harrow", "HA1 2AB")),
        ("3 Mill Lane", ("3 Mill Lane", "", "", "")),
        (
            "Flat 1, 3 Mill Lane, Wealdstone, Harrow, ha12ab",
            ("Flat 1", "3 Mill Lane, Wealdstone", "Harrow", "ha12ab"),
        ),
    ],
)
def test_split_address(typed: str, parts: tuple[str, str, str, str]) -> None:
    assert mapping.split_address(typed) == parts


def _mapped() -> Mapping:
    return Mapping(
        (
            ColumnMap("ID", "reference"),
            ColumnMap("Client Name", "full_name"),
            ColumnMap("Address", "address_one_line"),
            ColumnMap("Sex", "gender", {"F": "female"}),
            ColumnMap("Card No", "card_number"),
            ColumnMap("Secret", None),
        ),
        {"card_type": "carer_card", "consent_store": "yes"},
    )


def test_apply_maps_splits_and_fills() -> None:
    made = mapping.apply(
        _mapped(),
        {
            "ID": "c000001",
            "Client Name": "FAIRBROTHER, Zoë",
            "Address": "1 Mill Lane, Harrow, HA1 2AB",
            "Sex": "F",
            "Card No": "123456",
            "Secret": "x",
        },
    )
    assert made == {
        "carers": {
            "reference": "c000001",
            "first_name": "Zoë",
            "last_name": "FAIRBROTHER",
            "address_line_1": "1 Mill Lane",
            "address_line_2": "",
            "town": "Harrow",
            "postcode": "HA1 2AB",
            "gender": "female",
            "consent_store": "yes",
        },
        "cards": {"card_number": "123456", "card_type": "carer_card", "reference": "c000001"},
    }


def test_apply_passes_an_unmapped_value_through_and_makes_no_card_without_a_number() -> None:
    made = mapping.apply(_mapped(), {"ID": "c1", "Client Name": "Zoë Fairbrother", "Sex": "Q"})
    assert made["carers"]["gender"] == "Q"
    assert "cards" not in made


def test_the_file_round_trips_and_is_readable(tmp_path: Path) -> None:
    proposed = mapping.propose(HEADER, SAMPLES)
    path = tmp_path / "map.toml"
    mapping.save(proposed, path, SAMPLES)
    text = path.read_text(encoding="utf-8")
    assert '[columns."Sex"]' in text
    assert '"X" = ""  # not mapped: give a code' in text
    # No one's details are copied into the file: a name column is described, not listed.
    assert "Fairbrother" not in text
    assert "# values: 2 seen, dates" in text
    assert mapping.load(path) == proposed


def test_a_bad_file_is_refused_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "map.toml"
    path.write_text('header_row = 1\n\n[columns."Sex"]\ntarget = "sex"\n', encoding="utf-8")
    with pytest.raises(CarerdeskError, match=rf"{path}:4: 'sex' is not a carerdesk field"):
        mapping.load(path)
    path.write_text(
        '[columns."Sex"]\ntarget = "gender"\n'
        '[columns."Sex".values]\n"F" = "female"\n"W" = "woman"\n',
        encoding="utf-8",
    )
    with pytest.raises(CarerdeskError, match=rf"{path}:5: 'woman' is not a code of gender"):
        mapping.load(path)
    path.write_text('[columns."Sex"\ntarget = "gender"\n', encoding="utf-8")
    with pytest.raises(CarerdeskError, match=rf"{path} is not a mapping file: .*line 1"):
        mapping.load(path)


def test_coded_and_distinct_values() -> None:
    assert mapping.coded("gender") is codes.GENDER
    assert mapping.coded("card_type") is codes.CARD_TYPE
    assert mapping.coded("first_name") is None
    rows = [{"Sex": "F"}, {"Sex": " F "}, {"Sex": ""}, {"Sex": "M"}, {"Sex": "X"}]
    assert mapping.distinct_values(rows, "Sex") == ["F", "M", "X"]
    assert mapping.distinct_values(rows, "Sex", limit=2) == ["F", "M"]
