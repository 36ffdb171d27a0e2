"""Finding carers from the one search box (``carerdesk.db.search.find_carers``).

Also that the full-text index is kept in step by the database itself, whoever writes the
``carers`` table, and survives VACUUM and a dump and reload.
"""

from __future__ import annotations

import sqlite3
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Connection, Engine, select, text

from carerdesk.core.entries import CarerEntry, check_carer
from carerdesk.db.carers import close_carer, register_carer, search_keys
from carerdesk.db.engine import make_engine, sqlite_url, unit_of_work
from carerdesk.db.models import Carer
from carerdesk.db.search import PAGE, CarerHit, find_carers
from carerdesk.db.views import CarerView
from tests.conftest import STAFF


def delete_carers(conn: Connection, where: str) -> None:
    """Carers deleted behind carerdesk's back, their consent entries with them."""
    carers = f"SELECT id FROM carers WHERE {where}"
    conn.execute(text(f"DELETE FROM consents WHERE carer_id IN ({carers})"))
    conn.execute(text(f"DELETE FROM carers WHERE {where}"))


def carer_entry(today: date, first: str, last: str, **typed: str) -> CarerEntry:
    values = {
        "first_name": first,
        "last_name": last,
        "date_of_birth": "14/03/1971",
        "registered_on": "02/11/2026",
        "consent_store": "yes",
    }
    values.update(typed)
    return check_carer(values, today)


def register(engine: Engine, today: date, first: str, last: str, **typed: str) -> CarerView:
    with unit_of_work(engine) as s:
        return register_carer(s, carer_entry(today, first, last, **typed), by=STAFF, today=today)


def find(engine: Engine, query: str, limit: int = PAGE, page: int = 1) -> list[CarerHit]:
    with unit_of_work(engine) as s:
        return find_carers(s, query, by=STAFF, limit=limit, page=page)


def names(engine: Engine, query: str) -> set[str]:
    return {f"{h.first_name} {h.last_name}" for h in find(engine, query)}


@pytest.fixture
def people(engine: Engine, today: date) -> dict[str, Carer]:
    """A small register of invented people with awkward names, phones and postcodes."""
    typed: dict[str, tuple[str, str, dict[str, str]]] = {
        "sian": ("Siân", "Pritchard", {"postcode": "HA1 2AB"}),
        "nguyen": ("Thi", "Nguyen", {"phone": "020 7946 0018"}),
        "nguyen2": ("Minh", "Nguyễn", {"mobile": "07700 900321"}),
        "zoe": ("Zoë", "Hartley-Vance", {"postcode": "SW1A 1AA"}),
        "obrien": ("Declan", "O'Brien", {"mobile": "020 7946 0077"}),
        "smith": ("John", "Smith", {"postcode": "HA2 0QP"}),
        "jo": ("Joanna", "Smallwood", {"preferred_name": "Jo"}),
        "lukasz": ("Łukasz", "Kowalczyk", {}),
    }
    with unit_of_work(engine) as s:
        return {
            key: register_carer(s, carer_entry(today, first, last, **more), by=STAFF)
            for key, (first, last, more) in typed.items()
        }


# --- names ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "who"),
    [
        ("pritch", "Siân Pritchard"),
        ("ritcha", "Siân Pritchard"),  # any part, not only the start
        ("sian", "Siân Pritchard"),
        ("SIÂN", "Siân Pritchard"),
        ("siân pritchard", "Siân Pritchard"),
        ("zoe", "Zoë Hartley-Vance"),
        ("hartley vance", "Zoë Hartley-Vance"),
        ("hartley-vance", "Zoë Hartley-Vance"),
        ("vance", "Zoë Hartley-Vance"),
        ("obrien", "Declan O'Brien"),
        ("o'brien", "Declan O'Brien"),
        ("O’Brien", "Declan O'Brien"),
        ("lukasz", "Łukasz Kowalczyk"),
        ("Łukasz", "Łukasz Kowalczyk"),
        ("kowal", "Łukasz Kowalczyk"),
    ],
)
def test_finds_any_part_of_a_name_ignoring_accents_and_case(
    engine: Engine, people: dict[str, Carer], query: str, who: str
) -> None:
    hits = find(engine, query)
    assert [f"{h.first_name} {h.last_name}" for h in hits] == [who]
    assert hits[0].matched == "name"


def test_accents_ignored_both_ways(engine: Engine, people: dict[str, Carer]) -> None:
    both = {"Thi Nguyen", "Minh Nguyễn"}
    assert names(engine, "Nguyễn") == both
    assert names(engine, "nguyen") == both
    assert names(engine, "NGUYEN") == both


def test_a_hit_carries_what_a_results_list_shows(engine: Engine, people: dict[str, Carer]) -> None:
    [hit] = find(engine, "declan")
    carer = people["obrien"]
    assert (hit.id, hit.reference) == (carer.id, carer.reference)
    assert (hit.first_name, hit.last_name, hit.preferred_name) == ("Declan", "O'Brien", None)
    assert hit.date_of_birth == date(1971, 3, 14)
    assert hit.status == "active"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("s", {"Siân Pritchard", "John Smith", "Joanna Smallwood"}),
        ("S", {"Siân Pritchard", "John Smith", "Joanna Smallwood"}),
        ("sm", {"John Smith", "Joanna Smallwood"}),
        ("jo", {"John Smith", "Joanna Smallwood"}),
        ("ł", {"Łukasz Kowalczyk"}),
        ("l", {"Łukasz Kowalczyk"}),
        ("ng", {"Thi Nguyen", "Minh Nguyễn"}),
        ("z", {"Zoë Hartley-Vance"}),
        ("q", set()),
    ],
)
def test_one_or_two_characters_find_name_prefixes(
    engine: Engine, people: dict[str, Carer], query: str, expected: set[str]
) -> None:
    assert names(engine, query) == expected


def test_a_short_token_is_a_prefix_not_any_part(engine: Engine, people: dict[str, Carer]) -> None:
    assert "Declan O'Brien" not in names(engine, "an")  # decl-AN, but no word starts "an"
    assert names(engine, "ri") == set()  # pRItchard, bRIen: inside words only


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("jo sm", {"John Smith", "Joanna Smallwood"}),
        ("sm jo", {"John Smith", "Joanna Smallwood"}),
        ("john sm", {"John Smith"}),
        ("jo smallw", {"Joanna Smallwood"}),
        ("si pr", {"Siân Pritchard"}),
        ("th ng", {"Thi Nguyen"}),
    ],
)
def test_several_words_must_all_match(
    engine: Engine, people: dict[str, Carer], query: str, expected: set[str]
) -> None:
    assert names(engine, query) == expected


def test_words_matching_different_carers_are_only_close_names(
    engine: Engine, people: dict[str, Carer]
) -> None:
    hits = find(engine, "joanna smith")  # no one carer has both: only the typo path finds
    assert hits and all(h.matched == "close name" for h in hits)
    assert [h.matched for h in find(engine, "joanna smallwood")] == ["name"]


def test_preferred_name_is_searched(engine: Engine, people: dict[str, Carer]) -> None:
    # "Jo" is only Joanna's preferred name; "jo" as one token also prefixes John.
    assert names(engine, "jo smallwood") == {"Joanna Smallwood"}


# --- reference, phone, postcode ------------------------------------------------------------


@pytest.mark.parametrize("form", ["{ref}", "{lower}", " {ref} ", "{lower_spaced}"])
def test_finds_by_reference_in_any_case(
    engine: Engine, people: dict[str, Carer], form: str
) -> None:
    ref = people["zoe"].reference
    query = form.format(ref=ref, lower=ref.lower(), lower_spaced=f"{ref[:4]} {ref[4:]}".lower())
    [hit] = find(engine, query)
    assert hit.reference == ref and hit.matched == "reference"


@pytest.mark.parametrize(
    "query",
    ["020 7946 0018", "02079460018", "+44 (0)20 7946 0018", "0044 20 7946 0018", "+442079460018"],
)
def test_finds_by_phone_however_written(
    engine: Engine, people: dict[str, Carer], query: str
) -> None:
    [hit] = find(engine, query)
    assert hit.id == people["nguyen"].id and hit.matched == "phone"


@pytest.mark.parametrize(
    ("query", "who"),
    [
        ("07700 900321", "nguyen2"),  # a mobile, in the mobile field
        ("+44 7700 900321", "nguyen2"),
        ("020 7946 0077", "obrien"),  # a landline, in the mobile field
    ],
)
def test_a_number_is_found_in_phone_or_mobile(
    engine: Engine, people: dict[str, Carer], query: str, who: str
) -> None:
    assert [h.id for h in find(engine, query)] == [people[who].id]


def test_a_number_nobody_has_finds_nobody(engine: Engine, people: dict[str, Carer]) -> None:
    assert find(engine, "020 7946 0999") == []
    assert find(engine, "07700 900999") == []


@pytest.mark.parametrize(
    ("query", "who"),
    [
        ("HA1 2AB", {"sian"}),
        ("ha12ab", {"sian"}),
        ("  ha1  2ab ", {"sian"}),
        ("HA1", {"sian"}),
        ("ha2", {"smith"}),
        ("SW1A", {"zoe"}),
        ("sw1a 1aa", {"zoe"}),
        ("SW1A1AA", {"zoe"}),
        ("HA3", set()),
    ],
)
def test_finds_by_postcode_with_or_without_space_and_by_outward_code(
    engine: Engine, people: dict[str, Carer], query: str, who: set[str]
) -> None:
    hits = find(engine, query)
    assert {h.id for h in hits} == {people[w].id for w in who}
    assert all(h.matched == "postcode" for h in hits)


def test_postcode_prefix_finds_everyone_in_the_area(engine: Engine, today: date) -> None:
    register(engine, today, "Ada", "Quillfeather", postcode="HA1 2AB")
    register(engine, today, "Bea", "Lindqvist", postcode="HA1 9ZZ")
    register(engine, today, "Cal", "Ormsby", postcode="HA2 2AB")
    assert names(engine, "HA1") == {"Ada Quillfeather", "Bea Lindqvist"}
    assert names(engine, "HA1 2") == {"Ada Quillfeather"}
    assert names(engine, "HA") == set()  # two letters: a name prefix, not a postcode


# --- typos ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "who"),
    [("nguyne", {"Thi Nguyen", "Minh Nguyễn"}), ("smiht", {"John Smith"}), ("pritchrd", None)],
)
def test_a_typo_still_finds_a_close_name(
    engine: Engine, people: dict[str, Carer], query: str, who: set[str] | None
) -> None:
    hits = find(engine, query)
    expected = who or {"Siân Pritchard"}
    assert {f"{h.first_name} {h.last_name}" for h in hits} == expected
    assert all(h.matched == "close name" for h in hits)


def test_nonsense_finds_nobody(engine: Engine, people: dict[str, Carer]) -> None:
    assert find(engine, "xqzvwk") == []
    assert find(engine, "zzzzzzzz") == []


# --- order and limits ----------------------------------------------------------------------


def test_closed_carers_are_found_after_active_ones(engine: Engine, today: date) -> None:
    closed = register(engine, today, "Morwenna", "Trevithick", date_of_birth="01/01/1950")
    with unit_of_work(engine) as s:
        close_carer(s, closed.id, on=today, reason="moved_away", by=STAFF)
    active = register(engine, today, "Morwenna", "Trevithick", date_of_birth="01/01/1990")
    for query in ("trevithick", "morwenna", "mo", "morwena trevithik"):
        hits = find(engine, query)
        assert [(h.id, h.status) for h in hits] == [(active.id, "active"), (closed.id, "closed")]
    [alone] = find(engine, closed.reference)
    assert alone.status == "closed"


def test_surname_matches_come_before_first_name_matches(engine: Engine, today: date) -> None:
    register(engine, today, "Grant", "Abbott")
    register(engine, today, "Ada", "Grantham")
    assert [h.last_name for h in find(engine, "grant")] == ["Grantham", "Abbott"]


def test_never_more_than_a_page(engine: Engine, today: date) -> None:
    firsts = [
        "Alba", "Bryn", "Cora", "Dara", "Elin", "Fern", "Gwen", "Hari", "Ines", "Jude",
        "Kian", "Lior", "Mair", "Nell", "Odin", "Pia", "Quinn", "Rhys", "Sage", "Tove",
        "Ula", "Vera", "Wynn", "Xanthe", "Yara", "Zeb", "Anwen", "Bethan", "Carys", "Dilys",
    ]  # fmt: skip
    with unit_of_work(engine) as s:
        for first in firsts:
            register_carer(s, carer_entry(today, first, "Pembridge", postcode="HA1 2AB"), by=STAFF)
    assert PAGE == 20
    for query in ("pembridge", "pem", "p", "HA1", "HA1 2AB", "pembrige", "a pem"):
        assert len(find(engine, query)) <= PAGE
    assert len(find(engine, "pembridge")) == PAGE
    assert len(find(engine, "HA1 2AB")) == PAGE
    assert len(find(engine, "pembridge", limit=5)) == 5
    assert len(find(engine, "pembridge", limit=100)) == PAGE  # a page, whatever is asked
    hits = find(engine, "pembridge", page=1) + find(engine, "pembridge", page=2)
    assert len(hits) == 30 and len({h.id for h in hits}) == 30
    assert find(engine, "pembridge", page=3) == []


# --- nothing a person types breaks the search -----------------------------------------------

AWKWARD = [
    '"',
    "'",
    "AND",
    "OR",
    "NOT",
    "*",
    "NEAR(",
    "-x",
    "a:b",
    "^",
    '""',
    "%",
    "_",
    "\\",
    "(",
    ")",
    "{}",
    "a AND b",
    "   ",
    "",
    "x" * 250 + "y" * 250,
    "".join(chr(0x4E00 + (i * 37) % 20000) for i in range(500)),
    "😀",
    "😀😃😄 smith",
    "sm😀th",
    'O"Brien',
    "smith*",
    "NEAR(smith jones)",
    "smith OR jones",
    "\t\n",
    "%%",
    "%a%",
    "_a",
    "a_",
    "+",
    "+44",
    "0" * 30,
    "C" + "0" * 30,
    "\x00",
    "'; DROP TABLE carers; --",
]


@pytest.mark.parametrize("query", AWKWARD)
def test_no_text_raises(engine: Engine, people: dict[str, Carer], query: str) -> None:
    hits = find(engine, query)
    assert isinstance(hits, list) and len(hits) <= PAGE
    assert len(find(engine, "smith")) == 1  # and the register is still there


@pytest.mark.parametrize(
    "query",
    ['"', "'", "*", "^", '""', "%", "_", "\\", "(", ")", "{}", "   ", "", "😀", "%%", "%a%", "_a"],
)
def test_punctuation_is_not_a_wildcard(
    engine: Engine, people: dict[str, Carer], query: str
) -> None:
    assert find(engine, query) == []


def test_percent_and_underscore_are_matched_literally(engine: Engine, today: date) -> None:
    register(engine, today, "Percy", "Underhill")
    for query in ("%", "_", "%%", "%e%", "p%", "_e", "u_", "% u", "p _"):
        assert find(engine, query) == [], query


# --- the index is kept in step by the database ---------------------------------------------


def fts_rowids(engine: Engine, phrase: str) -> list[int]:
    with engine.connect() as conn:
        stmt = text("SELECT rowid FROM carers_fts WHERE carers_fts MATCH :m ORDER BY rowid")
        return list(conn.scalars(stmt, {"m": f'"{phrase}"'}))


def raw_insert(engine: Engine, pk: int, first: str, last: str) -> None:
    keys = search_keys(first, last, None, None)
    with engine.execution_options(write=True).begin() as conn:
        conn.execute(
            text(
                "INSERT INTO carers (pk, id, reference, first_name, last_name, date_of_birth,"
                " registered_on, consent_store, status, first_folded, last_folded, search_text,"
                " created_at, updated_at) VALUES (:pk, :id, :ref, :first, :last, '1971-03-14',"
                " '2026-11-02', 1, 'active', :ff, :lf, :st, '2026-11-02 10:00:00.000000',"
                " '2026-11-02 10:00:00.000000')"
            ),
            {
                "pk": pk,
                "id": f"00000000-0000-4000-8000-{pk:012d}",
                "ref": f"X{pk}",
                "first": first,
                "last": last,
                "ff": keys["first_folded"],
                "lf": keys["last_folded"],
                "st": keys["search_text"],
            },
        )


def test_raw_sql_writes_keep_the_index_in_step(engine: Engine, today: date) -> None:
    registered = register(engine, today, "Bronwen", "Aldermaston")
    raw_insert(engine, 500, "Isolde", "Fairweather")
    assert names(engine, "fairweather") == {"Isolde Fairweather"}
    assert fts_rowids(engine, "fairweather") == [500]

    with engine.execution_options(write=True).begin() as conn:
        conn.execute(
            text("UPDATE carers SET last_name = 'Stormcrow', last_folded = 'stormcrow',"
                 " search_text = 'isolde stormcrow' WHERE pk = 500")
        )  # fmt: skip
    assert names(engine, "stormcrow") == {"Isolde Stormcrow"}
    assert names(engine, "fairweather") == set()
    assert fts_rowids(engine, "fairweather") == []

    with engine.execution_options(write=True).begin() as conn:
        conn.execute(text("UPDATE carers SET notes = 'no search change' WHERE pk = 500"))
    assert names(engine, "stormcrow") == {"Isolde Stormcrow"}

    with engine.execution_options(write=True).begin() as conn:
        delete_carers(conn, "pk = 500")
    assert names(engine, "stormcrow") == set()
    assert fts_rowids(engine, "stormcrow") == []
    assert names(engine, "aldermaston") == {"Bronwen Aldermaston"}
    with unit_of_work(engine, write=False) as s:
        stored = s.scalar(select(Carer.pk).where(Carer.id == registered.id))
    assert fts_rowids(engine, "aldermaston") == [stored]
    with engine.connect() as conn:
        conn.execute(text("INSERT INTO carers_fts (carers_fts) VALUES ('integrity-check')"))


SURVIVORS = ["Bobcat", "Dingo", "Emu", "Gecko"]


def fill_with_gaps(engine: Engine, today: date) -> dict[str, str]:
    """Carers with some deleted in between, so an implicit rowid would be renumbered."""
    animals = ["Aardvark", "Bobcat", "Cheetah", "Dingo", "Emu", "Ferret", "Gecko"]
    ids = {last: register(engine, today, "Pat", last).id for last in animals}
    with engine.execution_options(write=True).begin() as conn:
        delete_carers(conn, "last_name IN ('Aardvark', 'Cheetah')")
        delete_carers(conn, "last_name = 'Ferret'")
    return {last: ids[last] for last in SURVIVORS}


def assert_finds_the_right_carers(engine: Engine, ids: dict[str, str]) -> None:
    for last, carer_id in ids.items():
        assert [h.id for h in find(engine, last)] == [carer_id], last
    for gone in ("aardvark", "cheetah", "ferret"):
        assert find(engine, gone) == []
    assert {h.last_name for h in find(engine, "pat")} == set(ids)


def assert_index_still_kept(engine: Engine, today: date) -> None:
    newcomer = register(engine, today, "Pat", "Hedgehog")
    assert [h.id for h in find(engine, "hedgehog")] == [newcomer.id]
    with engine.execution_options(write=True).begin() as conn:
        delete_carers(conn, "last_name = 'Dingo'")
    assert find(engine, "dingo") == []
    with engine.connect() as conn:
        conn.execute(text("INSERT INTO carers_fts (carers_fts) VALUES ('integrity-check')"))


def test_carers_have_an_explicit_integer_primary_key(engine: Engine) -> None:
    with engine.connect() as conn:
        columns = conn.execute(text("PRAGMA table_info(carers)")).all()
    [pk] = [c for c in columns if c.pk]
    assert (pk.name, pk.type) == ("pk", "INTEGER")


def test_search_is_right_after_vacuum(engine: Engine, db_path: Path, today: date) -> None:
    ids = fill_with_gaps(engine, today)
    engine.dispose()
    raw = sqlite3.connect(db_path, isolation_level=None)
    raw.execute("VACUUM")
    raw.close()
    assert_finds_the_right_carers(engine, ids)
    assert_index_still_kept(engine, today)


def dump_and_reload(source: Path, target: Path) -> None:
    """Copy a register through SQL text, as ``sqlite3 old.db .dump | sqlite3 new.db`` does.

    Python's ``iterdump`` also writes ``INSERT INTO carers_fts VALUES(...)`` for the virtual
    table's rows, which fails on reload (the shell's ``.dump`` leaves them out: the index is in
    the shadow tables, which are dumped as they are); leave those lines out likewise.
    """
    old = sqlite3.connect(source)
    lines = [
        line for line in old.iterdump() if not line.startswith('INSERT INTO "carers_fts" VALUES')
    ]
    old.close()
    new = sqlite3.connect(target, isolation_level=None)
    new.executescript("\n".join(lines))
    new.close()


def test_search_is_right_after_a_dump_and_reload(
    engine: Engine, db_path: Path, tmp_path: Path, today: date
) -> None:
    ids = fill_with_gaps(engine, today)
    engine.dispose()
    copy = tmp_path / "reloaded.sqlite"
    dump_and_reload(db_path, copy)
    reloaded = make_engine(sqlite_url(copy))
    try:
        with reloaded.connect() as conn:
            pks = conn.execute(text("SELECT last_name, pk FROM carers ORDER BY pk")).all()
        assert [last for last, _ in pks] == SURVIVORS
        assert [pk for _, pk in pks] == [2, 4, 5, 7]  # kept, gaps and all
        assert_finds_the_right_carers(reloaded, ids)
        assert_index_still_kept(reloaded, today)
    finally:
        reloaded.dispose()


# --- cards and references from another system ------------------------------------------------


@pytest.fixture
def imported(engine: Engine, today: date) -> CarerView:
    """A carer brought from another system: reference in lower case, a card of its scheme."""
    from carerdesk.db.models import Card

    with unit_of_work(engine) as s:
        carer = register_carer(
            s, carer_entry(today, "Zoë", "Fairbrother"), by=STAFF, reference="wcc-12"
        )
        s.add(
            Card(
                card_number="1234 5678 9012",
                carer_id=carer.id,
                card_type="carer_card",
                issue_reason="new",
                issued_on=date(2025, 6, 1),
                expires_on=date(2028, 5, 31),
                status="active",
            )
        )
    return carer


@pytest.mark.parametrize(
    ("typed", "matched"),
    [
        ("wcc-12", "reference"),
        ("WCC-12", "reference"),
        ("123456789012", "card"),
        ("1234-5678-9012", "card"),
        ("1234/5678/9012", "card"),
    ],
)
def test_an_imported_reference_and_card_are_found_however_typed(
    engine: Engine, imported: CarerView, typed: str, matched: str
) -> None:
    assert [(hit.reference, hit.matched) for hit in find(engine, typed)] == [("wcc-12", matched)]


def test_a_card_or_reference_is_found_through_its_index_not_by_reading_the_register(
    engine: Engine, imported: CarerView
) -> None:
    """At 100,000 carers a lookup by card number or reference stays an index seek: the
    query plan of each statement the search sends by a folded key says so."""
    from sqlalchemy import event

    sent: list[tuple[str, object]] = []

    def keep(conn: object, cursor: object, sql: str, params: object, *_: object) -> None:
        if "number_key" in sql or "reference_key" in sql:
            sent.append((sql, params))

    event.listen(engine, "before_cursor_execute", keep)
    try:
        find(engine, "1234 5678 9012")
    finally:
        event.remove(engine, "before_cursor_execute", keep)
    plans = []
    with engine.connect() as conn:
        for sql, params in sent:
            rows = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", params).all()  # type: ignore[arg-type]
            plans.append(" / ".join(row[-1] for row in rows))
    assert len(plans) == 2, plans  # one by reference, one by card number
    assert any("USING INDEX ix_carers_reference_key" in plan for plan in plans), plans
    assert any("USING INDEX ix_cards_number_key" in plan for plan in plans), plans
    assert not any("SCAN carers" in plan or "SCAN cards" in plan for plan in plans), plans
