"""Finding carers from one search box.

One text finds a carer by any part of a name (accents and case ignored both ways), by
reference in any case, by card number however typed (spaces, dashes, slashes and case
ignored, whatever its scheme: through the indexed folded key ``cards.number_key``), by phone
however written, or by postcode with or without its space. Names are
matched on a folded copy (``core.text.search_form``): on SQLite through an FTS5 trigram index
kept in step by triggers (made by the first migration), elsewhere by ``LIKE`` on that column.

A trigram finds nothing for a token of one or two characters, so short tokens are matched as
word prefixes instead, through the indexed folded first and last names. Every token is quoted
as an FTS phrase, so no text a person can type is ever an FTS syntax error.
When the name finds nobody, a looser trigram query with rapidfuzz re-ranking forgives a typo.

A search gives one page of ``PAGE`` at a time to anyone, writes its count (never its text) to
the audit trail and counts towards reading in bulk (``carerdesk.db.reads``).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from rapidfuzz import fuzz
from sqlalchemy import ColumnElement, and_, literal_column, or_, select, text
from sqlalchemy.orm import Session

from carerdesk.core.keys import REFERENCE_CHARS, REFERENCE_LENGTH, card_key, reference_key
from carerdesk.core.permissions import Actor, Can
from carerdesk.core.text import search_form
from carerdesk.core.validate import local_date, phone_query
from carerdesk.db import audit, reads
from carerdesk.db.audit import Action
from carerdesk.db.models import Card, Carer, utc_now

PAGE = 20
TYPO_CANDIDATES = 200
CANDIDATES = 200
TYPO_SCORE = 75
_POSTCODE_START = re.compile(r"^[A-Za-z]{1,2}\d[A-Za-z0-9]?\d?[A-Za-z]{0,2}$")
_HIGH = "\U0010ffff"


@dataclass(frozen=True)
class CarerHit:
    """One carer found, with just what a results list shows."""

    id: str
    reference: str
    first_name: str
    last_name: str
    preferred_name: str | None
    date_of_birth: date | None
    """None for someone who may see only the age band (a volunteer): they never receive it."""
    postcode: str | None
    status: str
    matched: str
    details: bool = True
    """False when the person searching may see only the name, reference and age band."""
    age_band: str = ""
    """The carer type today, in words (``adult carer``): what a volunteer sees of the age."""


_COLUMNS = (
    Carer.id,
    Carer.reference,
    Carer.first_name,
    Carer.last_name,
    Carer.preferred_name,
    Carer.date_of_birth,
    Carer.postcode,
    Carer.status,
)


def _hit(row: Any, matched: str) -> CarerHit:
    return CarerHit(
        id=row.id,
        reference=row.reference,
        first_name=row.first_name,
        last_name=row.last_name,
        preferred_name=row.preferred_name,
        date_of_birth=row.date_of_birth,
        postcode=row.postcode,
        status=row.status,
        matched=matched,
    )


def _hits(session: Session, stmt: Any, matched: str) -> list[CarerHit]:
    return [_hit(row, matched) for row in session.execute(stmt)]


def _fts_phrase(token: str) -> str:
    """A token as an FTS5 phrase: double quotes doubled inside, so any text is safe."""
    return '"' + token.replace('"', '""') + '"'


def _starts(column: Any, prefix: str) -> ColumnElement[bool]:
    """``column`` starts with ``prefix``, as an index range (works on every database)."""
    return and_(column >= prefix, column < prefix + _HIGH)


def _word_prefix(token: str) -> ColumnElement[bool]:
    """Some word of the folded name starts with ``token``."""
    spaced: ColumnElement[str] = literal_column("' '") + Carer.search_text
    return spaced.contains(" " + token, autoescape=True)


def _open_first(hits: list[CarerHit]) -> list[CarerHit]:
    """Closed records after open ones, otherwise in the order found (a stable sort)."""
    return sorted(hits, key=lambda hit: hit.status == "closed")


def _prefix(
    session: Session, column: Any, then: Any, token: str, limit: int, *also: Any
) -> list[CarerHit]:
    """Carers whose ``column`` starts with ``token``, in that index's order: no sort needed."""
    stmt = select(*_COLUMNS).where(_starts(column, token), *also)
    return _hits(session, stmt.order_by(column, then).limit(limit), "name")


def _inside(session: Session, tokens: list[str], limit: int) -> list[CarerHit]:
    """Names holding every token anywhere (short tokens as the start of a word), by name.

    One word takes the full-text index's best ``limit`` by relevance, the same query as the
    bare index would run. Several words narrow each other, so up to ``CANDIDATES`` are read
    with no ORDER BY (SQLite stops when it has them). Either way the page is sorted by name.
    """
    long_tokens = [t for t in tokens if len(t) >= 3]
    short_tokens = [t for t in tokens if len(t) < 3]
    stmt = select(*_COLUMNS).where(*[_word_prefix(t) for t in short_tokens])
    if long_tokens and session.get_bind().dialect.name == "sqlite":
        match = " AND ".join(_fts_phrase(t) for t in long_tokens)
        sql = "SELECT rowid FROM carers_fts WHERE carers_fts MATCH :match"
        if not short_tokens:
            sql += f" ORDER BY rank LIMIT {int(limit)}"
        stmt = stmt.where(Carer.pk.in_(text(sql).bindparams(match=match)))
    else:
        for token in long_tokens:
            stmt = stmt.where(Carer.search_text.contains(token, autoescape=True))
    hits = _hits(session, stmt.limit(CANDIDATES), "name")
    return sorted(hits, key=lambda hit: (search_form(hit.last_name), search_form(hit.first_name)))


def _by_name(session: Session, tokens: list[str], limit: int) -> list[CarerHit]:
    """Best first: a surname, then a first name, starting with what was typed (two words:
    first name and surname, either way round), then names holding it anywhere."""
    hits: list[CarerHit] = []
    if len(tokens) == 1:
        token = tokens[0]
        hits += _prefix(session, Carer.last_folded, Carer.first_folded, token, limit)
        hits += _prefix(session, Carer.first_folded, Carer.last_folded, token, limit)
    elif len(tokens) == 2:
        one, two = tokens
        last, first = Carer.last_folded, Carer.first_folded
        hits += _prefix(session, last, first, two, limit, _starts(first, one))
        hits += _prefix(session, last, first, one, limit, _starts(first, two))
    if len({hit.id for hit in hits}) < limit and (len(tokens) > 1 or len(tokens[0]) >= 3):
        hits += _inside(session, tokens, limit)
    return hits


def _by_typo(session: Session, tokens: list[str], limit: int) -> list[CarerHit]:
    """Names within a typo of the query: any shared trigram, re-ranked by rapidfuzz."""
    if session.get_bind().dialect.name != "sqlite":
        return []
    query = " ".join(tokens)
    grams = {query[i : i + 3] for i in range(len(query) - 2)} - {" "}
    grams = {g for g in grams if " " not in g}
    if len(grams) < 2:
        return []
    match = " OR ".join(_fts_phrase(g) for g in sorted(grams))
    ids = text(
        "SELECT rowid FROM carers_fts WHERE carers_fts MATCH :match ORDER BY rank LIMIT :n"
    ).bindparams(match=match, n=TYPO_CANDIDATES)
    stmt = select(*_COLUMNS, Carer.search_text).where(Carer.pk.in_(ids))
    scored = []
    for row in session.execute(stmt):
        score = fuzz.WRatio(query, row.search_text)
        partial = max((fuzz.ratio(query, word) for word in row.search_text.split()), default=0)
        best = max(score, partial)
        if best >= TYPO_SCORE:
            scored.append((-best, row.status == "closed", row))
    scored.sort(key=lambda item: (item[0], item[1], item[2].last_name))
    return [_hit(item[2], "close name") for item in scored[:limit]]


def find_carers(
    session: Session,
    query: str,
    *,
    by: Actor,
    page: int = 1,
    limit: int = PAGE,
    now: datetime | None = None,
    today: date | None = None,
    pause: Callable[[float], None] = time.sleep,
) -> list[CarerHit]:
    """One page of the carers found for what was typed, best first; ``[]`` for an empty query.

    A page is at most ``PAGE`` carers whatever ``limit`` asks (a smaller ``limit`` gives a
    smaller page); ``page`` 2 is the next ones, and so on. Every search is in the audit trail
    with how many carers it showed (never what was typed) and counts towards the person's
    reads of the day (``carerdesk.db.reads``): past the ``bulk_read_limit``, it first waits
    (``pause``, injectable so that tests never sleep), outside any transaction when it
    starts its unit of work, so that other desks can save meanwhile.

    For someone who may not see a carer's details in a list (a volunteer), each hit keeps
    only the name, reference, status and age band: no postcode, and ``details`` is False.
    """
    by.require(Can.FIND)
    if not query.strip():
        return []
    size, page = max(1, min(limit, PAGE)), max(1, page)
    moment = now or utc_now()
    starts_work = not session.in_transaction()
    day = reads.standing(session, by, size, moment)
    if wait := day.pause:
        if starts_work:
            session.rollback()  # nothing written yet: the register's lock is let go
        pause(wait)
    hits = _find(session, query, size * page)[size * (page - 1) :]
    on = today or local_date(moment)
    hits = [replace(hit, age_band=_band(hit.date_of_birth, on)) for hit in hits]
    if not by.may(Can.SEE_DETAILS):
        hits = [replace(hit, date_of_birth=None, postcode=None, details=False) for hit in hits]
    reads.count(session, by, len(hits), moment)
    audit.record(session, by, Action.SEARCHED, detail=f"{len(hits)} found, page {page}")
    reads.over_limit(session, by, day.read + len(hits), day.allowed, moment)
    return hits


def _band(born: date | None, today: date) -> str:
    from carerdesk.db.views import age_band

    return age_band(born, today) if born else ""


def _find(session: Session, query: str, limit: int) -> list[CarerHit]:
    # A lone surrogate (undecodable bytes from a terminal) cannot be sent to the database.
    typed = query.encode("utf-8", "replace").decode("utf-8").strip()
    if not typed:
        return []
    found: dict[str, CarerHit] = {}

    def add(hits: list[CarerHit]) -> None:
        for hit in hits:
            found.setdefault(hit.id, hit)

    compact = "".join(typed.split())
    if len(compact) <= REFERENCE_LENGTH and set(compact) <= REFERENCE_CHARS:
        # In any case: an imported abc-12 is found as ABC-12 and the other way round.
        # An erased record's reference finds nothing (its other keys are blank already).
        by_reference = select(*_COLUMNS, Carer.merged_into).where(
            Carer.reference_key == reference_key(compact), Carer.erased_on.is_(None)
        )
        for row in session.execute(by_reference).all():
            if row.merged_into is None:
                add([_hit(row, "reference")])
            else:  # a merged-away reference finds the record it was merged into
                survivor = select(*_COLUMNS).where(
                    Carer.id == row.merged_into, Carer.erased_on.is_(None)
                )
                add(_hits(session, survivor, f"merged reference {row.reference}"))
    # Any scheme, however typed. One of carerdesk's own with a wrong check digit finds
    # nobody (no card has it): the desk says why (``core.cards.card_number_problem``).
    number = card_key(typed)
    if any(ch.isdigit() for ch in number):
        stmt = select(*_COLUMNS).join(Card, Card.carer_id == Carer.id)
        add(_hits(session, stmt.where(Card.number_key == number), "card"))
    if (e164 := phone_query(typed)) is not None:
        stmt = select(*_COLUMNS).where(
            or_(Carer.phone == e164, Carer.mobile == e164), Carer.merged_into.is_(None)
        )
        add(_hits(session, stmt.order_by(Carer.last_folded).limit(limit), "phone"))
    if len(compact) >= 2 and _POSTCODE_START.match(compact) and any(c.isdigit() for c in compact):
        wanted = compact.upper()
        # SW1 finds SW1 1AA before SW10 1AA: the whole outward code first, then any start.
        for column, start in ((Carer.postcode, wanted + " "), (Carer.postcode_key, wanted)):
            stmt = select(*_COLUMNS).where(_starts(column, start), Carer.merged_into.is_(None))
            add(_hits(session, stmt.order_by(column).limit(limit), "postcode"))
    tokens = search_form(typed).split()
    if tokens and len(found) < limit:
        names = _by_name(session, tokens, limit)
        add(names)
        if not names and max(len(t) for t in tokens) >= 4:
            add(_by_typo(session, tokens, limit))
    return _open_first(list(found.values()))[:limit]
