"""The three small helpers the mapping screen takes from ``core.mapping``: each column's
values counted, whether a saved mapping fits a file's columns, and a coded field's values
proposed when a column is sent to it."""

from __future__ import annotations

from carerdesk.core.mapping import ColumnMap, Mapping, fits, value_counts, values_for


def test_values_are_counted_trimmed_in_the_order_met_and_empty_ones_left_out() -> None:
    header = ["Sex", "Name"]
    rows = [["F", "Zoë Fairbrother"], [" F ", ""], ["Male", "Łukasz Nowakowski"], ["F"]]
    assert value_counts(header, rows) == {
        "Sex": [("F", 3), ("Male", 1)],
        "Name": [("Zoë Fairbrother", 1), ("Łukasz Nowakowski", 1)],
    }


def test_a_column_counts_its_first_values_only_up_to_the_limit() -> None:
    rows = [["a"], ["b"], ["c"], ["a"], ["c"]]
    assert value_counts(["Code"], rows, limit=2) == {"Code": [("a", 2), ("b", 1)]}


SAVED = Mapping(
    (
        ColumnMap("Client ID", "reference"),
        ColumnMap("Name", "full_name"),
        ColumnMap("NI Number", None),
    )
)


def test_a_mapping_fits_the_columns_it_names_in_any_case_and_spacing() -> None:
    assert fits(SAVED, ["client  id", "NAME", "NI Number"])
    assert fits(SAVED, ["Client ID", "Name"])  # a left-out column may be missing


def test_a_mapping_does_not_fit_a_file_with_other_columns() -> None:
    assert not fits(SAVED, ["Client ID", "Name", "Mobile"])  # a column it does not name
    assert not fits(SAVED, ["Client ID", "NI Number"])  # a column it sends somewhere is gone
    assert not fits(SAVED, [])


def test_a_partial_mapping_fits_when_half_the_columns_are_its_own() -> None:
    partial = Mapping(SAVED.columns, partial=True)
    assert fits(partial, ["Client ID", "Name", "Mobile", "Email"])
    assert not fits(partial, ["Client ID", "Mobile", "Email"])


def test_a_column_sent_to_a_coded_field_has_its_values_proposed() -> None:
    assert values_for("gender", ["F", "Male", "female", "?"]) == {"F": "female", "Male": "male"}
    assert values_for("ethnicity", ["W1"]) == {"W1": "white_british"}
    assert values_for("first_name", ["Zoë"]) == {}
