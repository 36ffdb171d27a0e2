"""Columns give way by importance: the least important narrowed first, then hidden."""

from __future__ import annotations

from carerdesk.widgets.facts import Facts
from carerdesk.widgets.fitted_table import Column, fit_widths

COLUMNS = (
    Column("When"),
    Column("Who", rank=1, least=6),
    Column("What"),
    Column("Detail", rank=2, least=10),
)


def test_every_column_in_full_where_there_is_room() -> None:
    assert fit_widths([19, 17, 12, 30], COLUMNS, room=100, gap=2) == [19, 17, 12, 30]


def test_the_least_important_column_is_narrowed_first() -> None:
    assert fit_widths([19, 17, 12, 30], COLUMNS, room=80, gap=2) == [19, 17, 12, 24]


def test_then_the_next_and_then_the_least_important_is_hidden() -> None:
    assert fit_widths([19, 17, 12, 30], COLUMNS, room=64, gap=2) == [19, 15, 12, 10]
    assert fit_widths([19, 17, 12, 30], COLUMNS, room=50, gap=2) == [19, 13, 12, 0]


def test_essential_columns_are_never_narrowed() -> None:
    assert fit_widths([19, 17, 12, 30], COLUMNS, room=20, gap=2) == [19, 0, 12, 0]


def test_facts_stay_whole_and_each_group_starts_a_line() -> None:
    facts = Facts([[("Phone", "020 7946 0123"), ("Email", "ada@example.org")], [("Ward", "X")]])
    assert [line.plain for line in facts.lines(40)] == [
        "Phone 020 7946 0123",
        "Email ada@example.org",
        "Ward X",
    ]
    assert facts.lines(80)[0].plain == ("Phone 020 7946 0123  ·  Email ada@example.org")


def test_an_essential_column_that_wraps_is_narrowed_after_the_others_never_hidden() -> None:
    columns = (
        Column("Score"),
        Column("One", wrap=True, least=20),
        Column("Other", wrap=True, least=20),
        Column("Why", rank=1, least=16, wrap=True),
    )
    assert fit_widths([5, 31, 31, 40], columns, room=76, gap=2) == [5, 24, 23, 16]
