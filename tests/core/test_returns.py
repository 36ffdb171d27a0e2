"""The return's layout: every category in order, zeros, fallbacks, suppression, moves."""

from __future__ import annotations

from carerdesk.core.returns import Figure, arrange, checksum, layout, moved, shown


def test_every_breakdown_lists_every_category_with_zeros() -> None:
    figures = arrange({}, ["Canons"])
    assert len(figures) == sum(len(categories) for _, _, categories in layout(["Canons"]))
    assert all(f.value == 0 for f in figures)
    wards = [f.category for f in figures if f.breakdown == "ward"]
    assert wards == ["Canons", "not_recorded"]


def test_nothing_recorded_and_unknown_categories_fall_back() -> None:
    counts = {
        ("new_registrations", "gender"): {None: 2, "female": 1},
        ("new_registrations", "ward"): {"Old Ward": 3, "Canons": 1},
        ("new_registrations", "hours_caring"): {None: 1, "not_known": 2},
    }
    found = {(f.breakdown, f.category): f.value for f in arrange(counts, ["Canons"])}
    assert found["gender", "not_recorded"] == 2 and found["gender", "female"] == 1
    assert found["ward", "not_recorded"] == 3 and found["ward", "Canons"] == 1
    # hours_caring has a code not_known of its own: nothing recorded is still not_recorded.
    assert found["hours_caring", "not_known"] == 2 and found["hours_caring", "not_recorded"] == 1


def test_small_numbers_are_hidden_only_when_asked() -> None:
    assert [shown(v, 5) for v in (0, 1, 4, 5, 12)] == ["0", "<5", "<5", "5", "12"]
    assert [shown(v) for v in (0, 1, 4)] == ["0", "1", "4"]


def test_moved_figures_are_named_old_and_new_in_return_order() -> None:
    before = [Figure("contacts", "total", "all", 5), Figure("contacts", "channel", "phone", 5)]
    now = [Figure("contacts", "total", "all", 6), Figure("contacts", "channel", "phone", 5)]
    assert [str(m) for m in moved(before, now)] == ["contacts total all: 5 -> 6"]
    assert moved(now, now) == []
    assert checksum(before) != checksum(now) and checksum(now) == checksum(list(now))
