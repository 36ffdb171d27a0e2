"""Whether two records are probably the same person, how sure we are, and why.

Two records are a possible match for one of four reasons (issue 7): the same date of birth
with a close name; the same phone number; the same email address; or a close name at the
same postcode. A pair with a reason gets a score out of 100 from the evidence together: how
close the names are, and each detail they share. Family members share a phone, an email or
a postcode, so those alone score low; a near-identical name with the same birth date scores
high. ``CERTAIN`` and above is offered for a quick confirmation; below it, the two records
are shown side by side for a person to decide.

Comparing every record with every other is far too slow for a register of 100,000 (five
thousand million pairs): ``blocks`` puts records that share a birth date, a phone, an email or
a postcode together, and only records in the same block are compared.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Iterator
from datetime import date
from typing import NamedTuple

from rapidfuzz import fuzz

CLOSE_NAME = 80
"""A name score (0-100) from which two names are close: Katherine and Catherine Jones (93),
John Smith and Jon Smyth (84), Mohammed and Muhammad Ali (83)."""
CERTAIN = 90
"""A match scored this or more is shown for a quick confirmation; below, side by side."""
LIKELY = 60
"""The register's scan lists pairs scored this or more: below it, a pair only shares a
household's phone or home and their names are not close (a parent and child)."""
BIG_BLOCK = 200
"""A block larger than this (a care home's postcode, a placeholder birth date) is split by
the first letter of the surname before its records are compared."""
SHARED = 10
"""A phone number or email address held by more records than this is an organisation's (a
care home's, a school office's, a surgery's): it says nothing about who a person is, so it
is neither a block nor a reason."""

SAME_BIRTH = "same date of birth and a close name"
SAME_PHONE = "same phone number"
SAME_EMAIL = "same email address"
SAME_POSTCODE = "a close name at the same postcode"


class Person(NamedTuple):
    """What matching reads of a record: names in search form, details normalised."""

    id: str
    first: str
    last: str
    born: date
    phones: tuple[str, ...] = ()
    """In international form (+44...), as stored."""
    email: str | None = None
    """Lower case."""
    postcode: str | None = None
    """Without its space (``postcode_key``)."""


class Match(NamedTuple):
    """Two records that may be one person: a score out of 100 and every reason."""

    score: int
    reasons: tuple[str, ...]

    @property
    def certain(self) -> bool:
        """Sure enough to offer a quick confirmation rather than a side-by-side look."""
        return self.score >= CERTAIN


def name_score(a: Person, b: Person) -> float:
    """How close two names are, 0 to 100: in order (Katherine/Catherine Jones), or with the
    names swapped (Jones Katherine), whichever is closer."""
    one, other = f"{a.first} {a.last}", f"{b.first} {b.last}"
    return max(fuzz.ratio(one, other), fuzz.token_sort_ratio(one, other))


def compare(a: Person, b: Person, common: Collection[object] = ()) -> Match | None:
    """The match between two records, or None when they share no reason to be one. A phone
    or email in ``common`` (held by too many records) does not count."""
    names = name_score(a, b)
    close = names >= CLOSE_NAME
    same_birth = a.born == b.born
    same_phone = any(p in b.phones and p not in common for p in a.phones)
    same_email = a.email is not None and a.email == b.email and a.email not in common
    same_postcode = a.postcode is not None and a.postcode == b.postcode
    reasons = tuple(
        reason
        for reason, holds in (
            (SAME_BIRTH, same_birth and close),
            (SAME_PHONE, same_phone),
            (SAME_EMAIL, same_email),
            (SAME_POSTCODE, same_postcode and close),
        )
        if holds
    )
    if not reasons:
        return None
    # The name carries up to 50; a birth date 35; a phone or an email 10 each; a postcode 5.
    # The same name and birth date score 85: one shared detail more makes them certain.
    # A name far off scores little however much else is shared (a parent and child).
    score = names * 0.5
    score += 35 * same_birth + 10 * same_phone + 10 * same_email + 5 * same_postcode
    if not close:
        score = min(score, CERTAIN - 20)
    return Match(min(100, round(score)), reasons)


def keys(person: Person) -> Iterator[tuple[str, object]]:
    """The blocks a record belongs to: its birth date, each phone, its email, its postcode."""
    yield "born", person.born
    for phone in person.phones:
        yield "phone", phone
    if person.email:
        yield "email", person.email
    if person.postcode:
        yield "postcode", person.postcode


def _too_common(kind: str, members: Collection[Person]) -> bool:
    return kind in ("phone", "email") and len(members) > SHARED


def common_details(index: dict[tuple[str, object], list[Person]]) -> frozenset[object]:
    """The phones and emails of ``index`` held by too many records to say who anyone is."""
    return frozenset(
        value for (kind, value), members in index.items() if _too_common(kind, members)
    )


def blocks(people: Iterable[Person]) -> list[list[Person]]:
    """Records grouped by what they share, each group of two or more (a big one split by
    the surname's first letter; an organisation's phone or email is no group)."""
    grouped = index_of(people)
    found = []
    for (kind, _), members in grouped.items():
        if len(members) < 2 or _too_common(kind, members):
            continue
        if len(members) <= BIG_BLOCK:
            found.append(members)
            continue
        by_letter: dict[str, list[Person]] = defaultdict(list)
        for person in members:
            by_letter[person.last[:1]].append(person)
        found.extend(part for part in by_letter.values() if len(part) > 1)
    return found


def pairs(people: Iterable[Person], least: int = LIKELY) -> list[tuple[Person, Person, Match]]:
    """Every pair of records that may be one person, scored ``least`` or more, best first;
    each pair once."""
    everyone = list(people)
    common = common_details(index_of(everyone))
    seen: set[tuple[str, str]] = set()
    found = []
    for block in blocks(everyone):
        for index, a in enumerate(block):
            for b in block[index + 1 :]:
                key = (a.id, b.id) if a.id < b.id else (b.id, a.id)
                if key in seen or a.id == b.id:
                    continue
                seen.add(key)
                match = compare(a, b, common)
                if match is not None and match.score >= least:
                    found.append((a, b, match) if a.id < b.id else (b, a, match))
    found.sort(key=lambda item: (-item[2].score, item[0].last, item[0].first, item[0].id))
    return found


def candidates(person: Person, index: dict[tuple[str, object], list[Person]]) -> list[Person]:
    """The records of ``index`` (records by block key) that share a block with ``person``."""
    found: dict[str, Person] = {}
    for key in keys(person):
        members = index.get(key, ())
        if _too_common(key[0], members):
            continue
        for other in members:
            found.setdefault(other.id, other)
    found.pop(person.id, None)
    return list(found.values())


def best_matches(
    person: Person,
    index: dict[tuple[str, object], list[Person]],
    common: Collection[object] = (),
) -> list[tuple[Person, Match]]:
    """The records of ``index`` that may be ``person``, best first (``common``: the index's
    ``common_details``, worked out once for many people)."""
    scored = [
        (other, match)
        for other in candidates(person, index)
        if (match := compare(person, other, common)) is not None
    ]
    scored.sort(key=lambda item: (-item[1].score, item[0].last, item[0].id))
    return scored


def index_of(people: Iterable[Person]) -> dict[tuple[str, object], list[Person]]:
    """Records by each block key they hold, for ``best_matches``."""
    index: dict[tuple[str, object], list[Person]] = defaultdict(list)
    for person in people:
        for key in keys(person):
            index[key].append(person)
    return index
