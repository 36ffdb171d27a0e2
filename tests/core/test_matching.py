"""Matching two records of one person: the reasons, the score, and blocking."""

from __future__ import annotations

from datetime import date, timedelta

from carerdesk.core.matching import (
    SAME_BIRTH,
    SAME_EMAIL,
    SAME_PHONE,
    SAME_POSTCODE,
    Person,
    best_matches,
    blocks,
    compare,
    index_of,
    pairs,
)

BORN = date(1961, 4, 2)
KATHERINE = Person("a", "katherine", "jones", BORN, ("+447700900123",), "kj@example.org", "HA12AB")


def test_the_same_name_and_birth_date_with_a_shared_detail_is_certain() -> None:
    again = KATHERINE._replace(id="b", email=None, phones=())
    match = compare(KATHERINE, again)
    assert match is not None and match.reasons == (SAME_BIRTH, SAME_POSTCODE)
    assert match.score == 90 and match.certain
    alone = compare(KATHERINE, again._replace(postcode=None))
    assert alone is not None and alone.score == 85 and not alone.certain


def test_a_close_name_with_the_same_birth_date_is_a_match() -> None:
    catherine = Person("b", "catherine", "jones", BORN)
    match = compare(KATHERINE, catherine)
    assert match is not None and match.reasons == (SAME_BIRTH,)
    assert 75 <= match.score < 85
    swapped = Person("c", "jones", "katherine", BORN)
    assert compare(KATHERINE, swapped) is not None


def test_family_sharing_a_phone_and_home_score_low_but_are_listed() -> None:
    son = Person("b", "tyler", "jones", date(1995, 7, 9), ("+447700900123",), None, "HA12AB")
    match = compare(KATHERINE, son)
    assert match is not None and match.reasons == (SAME_PHONE,)
    assert match.score <= 70 and not match.certain


def test_an_email_alone_is_a_reason_and_nothing_shared_is_none() -> None:
    other = Person("b", "kate", "jones", date(1980, 1, 1), (), "kj@example.org")
    match = compare(KATHERINE, other)
    assert match is not None and match.reasons == (SAME_EMAIL,)
    stranger = Person("c", "katherine", "jones", date(1980, 1, 1))
    assert compare(KATHERINE, stranger) is None  # a common name alone is not a reason


def test_every_shared_detail_scores_and_caps_at_100() -> None:
    twin = KATHERINE._replace(id="b")
    match = compare(KATHERINE, twin)
    assert match is not None and match.score == 100
    assert match.reasons == (SAME_BIRTH, SAME_PHONE, SAME_EMAIL, SAME_POSTCODE)


def test_pairs_come_once_each_best_first_and_only_from_shared_blocks() -> None:
    people = [
        KATHERINE,
        KATHERINE._replace(id="b", phones=(), email=None),  # same birth date and postcode
        Person("c", "catherine", "jones", BORN),  # same birth date
        Person("d", "katherine", "jones", date(1970, 1, 1)),  # shares nothing: never compared
    ]
    found = pairs(people)
    assert (found[0][0].id, found[0][1].id) == ("a", "b")
    assert {(a.id, b.id) for a, b, _ in found} == {("a", "b"), ("a", "c"), ("b", "c")}
    scores = [m.score for _, _, m in found]
    assert scores == sorted(scores, reverse=True)


def test_a_big_block_is_split_by_the_surnames_first_letter() -> None:
    born = date(1900, 1, 1)  # a placeholder birth date many records share
    people = [Person(str(n), "ann", f"{'ab'[n % 2]}{n:04d}", born) for n in range(500)]
    sizes = sorted(len(block) for block in blocks(people))
    assert sizes == [250, 250]


def test_a_number_many_records_share_is_no_reason() -> None:
    # A care home's phone, given by eleven of its residents' carers.
    home = ("+442079460999",)
    people = [
        Person(str(n), f"name{n}", f"family{n}", date(1950, 1, n + 1), home) for n in range(11)
    ]
    assert pairs(people) == []
    assert pairs(people[:10], least=0) != []  # ten is still a household's or a family's
    incoming = Person("new", "someone", "else", date(1990, 1, 1), home)
    assert best_matches(incoming, index_of(people)) == []


def test_the_scan_leaves_out_pairs_that_only_share_a_home() -> None:
    son = Person("b", "tyler", "jones", date(1995, 7, 9), ("+447700900123",), None, "HA12AB")
    assert pairs([KATHERINE, son]) == []
    assert [m.reasons for _, _, m in pairs([KATHERINE, son], least=0)] == [(SAME_PHONE,)]


def test_best_matches_for_an_incoming_record() -> None:
    register = [
        KATHERINE,
        Person("b", "tyler", "jones", date(1995, 7, 9), ("+447700900123",)),
        *(Person(f"x{n}", "sam", "lee", BORN + timedelta(days=n + 1)) for n in range(100)),
    ]
    incoming = Person("new", "kathryn", "jones", BORN, ("+447700900123",))
    found = best_matches(incoming, index_of(register))
    assert [(p.id, m.reasons) for p, m in found] == [
        ("a", (SAME_BIRTH, SAME_PHONE)),
        ("b", (SAME_PHONE,)),
    ]
