"""Another system's spreadsheet, mapped once onto carerdesk's register files.

A ``Mapping`` says which carerdesk field each column of a file goes to (``TARGETS``), what
each distinct value of a coded column stands for ("F" -> ``female``), and which values to
give the fields no column holds (``constants``). ``propose`` guesses one from a file's
header and a sample of its values, ``apply`` turns one row of the file into the cells of a
carers row (and a cards row), and ``load``/``dumps``/``save`` keep it as a small TOML file a
person can read and edit. Nothing here reads the register or a file's rows: the importer
(``export.mapped``) reads through it, so the same checks apply as to carerdesk's own files.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections import abc
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from operator import itemgetter
from pathlib import Path
from types import MappingProxyType

from rapidfuzz import fuzz, process

from carerdesk.core import codes
from carerdesk.core.codes import CodeList
from carerdesk.core.entries import CARD_FIELDS, CARER_FIELDS, CARER_KEPT, carer_columns
from carerdesk.core.errors import CarerdeskError

CARD_TARGETS: abc.Mapping[str, str] = MappingProxyType(
    {
        "card_number": "card_number",
        "card_type": "card_type",
        "card_issue_reason": "issue_reason",
        "card_issued_on": "issued_on",
        "card_expires_on": "expires_on",
        "card_status": "status",
    }
)
"""Each card target and the cards file's column it fills (a cards row linked to the carer
by reference)."""

SPLITS: abc.Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "full_name": ("first_name", "last_name"),
        "address_one_line": ("address_line_1", "address_line_2", "town", "postcode"),
    }
)
"""The targets one column splits into several carer fields, and those fields."""


def _targets() -> abc.Mapping[str, str]:
    labels = {name: spec.label for name, spec in {**CARER_FIELDS, **CARER_KEPT}.items()}
    found = {column: labels[column] for column in carer_columns()}
    found["full_name"] = "Full name (split into first and last name)"
    found["address_one_line"] = "Address on one line (split into lines, town and postcode)"
    for target, column in CARD_TARGETS.items():
        found[target] = f"Card: {CARD_FIELDS[column].label.lower()}"
    return MappingProxyType(found)


TARGETS: abc.Mapping[str, str] = _targets()
"""Every field a column may be mapped to, in a fixed order, with its plain label: the carers
file's columns, then the split targets, then a card's columns. ``None`` leaves a column out."""


@dataclass(frozen=True)
class ColumnMap:
    """One column of the file: where it goes (None: left out) and, for a coded target, each
    distinct value of the file and the code it stands for."""

    source: str
    target: str | None
    values: abc.Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Mapping:
    """How a file's columns become carerdesk's: one ``ColumnMap`` a column, in the file's
    order; ``constants`` gives a target no column holds (or an empty cell) its value."""

    columns: tuple[ColumnMap, ...]
    constants: abc.Mapping[str, str] = field(default_factory=dict)
    name: str = ""
    header_row: int = 1
    """The line (or workbook row) of the column names: exports with a title above set it."""
    sheet: str = ""
    """The workbook sheet to read (empty: the first)."""
    partial: bool = False
    """Whether a file may lack some of the mapped columns (a shipped mapping for another
    system's export, which holds the fields its user chose); otherwise a missing column is
    refused, since it would quietly leave a field empty."""

    def target_of(self, source: str) -> str | None:
        """The target of the column ``source`` (None: left out or not in the mapping)."""
        for column in self.columns:
            if column.source == source:
                return column.target
        return None


def coded(target: str) -> CodeList | None:
    """The code list a target's values are codes of, or None for a free or dated field."""
    if target in CARD_TARGETS:
        return CARD_FIELDS[CARD_TARGETS[target]].choices
    spec = CARER_FIELDS.get(target) or CARER_KEPT.get(target)
    return spec.choices if spec is not None else None


def distinct_values(
    rows: Iterable[abc.Mapping[str, str]], column: str, limit: int = 50
) -> list[str]:
    """The distinct non-empty values of ``column`` in ``rows``, as first met, ``limit`` at
    most (trimmed of spaces)."""
    found: dict[str, None] = {}
    for row in rows:
        value = row.get(column, "").strip()
        if value and value not in found:
            found[value] = None
            if len(found) >= limit:
                break
    return list(found)


# Splitting -------------------------------------------------------------------------------

TITLES = frozenset(
    {"mr", "mrs", "ms", "miss", "mx", "dr", "prof", "professor", "rev", "revd", "reverend",
     "sir", "dame", "lady", "lord", "fr", "sr"}
)  # fmt: skip
"""Titles a full name may start with: dropped, since carerdesk keeps none."""
PARTICLES = frozenset(
    {"van", "von", "der", "den", "de", "del", "della", "di", "da", "du", "le", "la", "st",
     "st.", "ter", "ten", "bin", "ap"}
)  # fmt: skip
"""Words that begin a surname ("van der Berg"), kept with it."""


def split_name(text: str) -> tuple[str, str]:
    """A full name as (first name, last name): ``Zoë Fairbrother``, ``FAIRBROTHER, Zoë`` and
    ``Mrs Zoë A. Fairbrother`` all give their parts as typed, the title dropped and an
    initial's full stop too. One word is a last name alone; nothing is ever made up."""
    text = " ".join(text.split())
    if "," in text:
        last, _, first = text.partition(",")
        words = _untitled(first.split())
        return " ".join(words), last.strip()
    words = _untitled(text.split())
    if len(words) <= 1:
        return "", " ".join(words)
    cut = len(words) - 1
    while cut > 1 and words[cut - 1].casefold() in PARTICLES:
        cut -= 1
    return " ".join(words[:cut]), " ".join(words[cut:])


def _untitled(words: list[str]) -> list[str]:
    while words and words[0].casefold().rstrip(".") in TITLES:
        words = words[1:]
    # "A." is an initial: the stop goes (a name holds letters, hyphens and apostrophes only).
    return [word[:-1] if len(word) == 2 and word.endswith(".") else word for word in words]


_POSTCODE_AT_END = re.compile(
    r"(?:^|[\s,])((?:GIR ?0AA)|(?:[A-PR-UWYZ][A-HK-Y]?[0-9][A-Z0-9]? ?[0-9][A-Z]{2}))\s*$",
    re.IGNORECASE,
)


def split_address(text: str) -> tuple[str, str, str, str]:
    """An address on one line as (line 1, line 2, town, postcode): the postcode found at the
    end by the UK format, the rest split on commas (one part: line 1; two: line 1 and town;
    three or more: line 1, the middle parts as line 2, and the town last)."""
    text = " ".join(text.split())
    postcode = ""
    if match := _POSTCODE_AT_END.search(text):
        postcode = match.group(1)
        text = text[: match.start(1)]
    parts = [part.strip() for part in text.split(",") if part.strip()]
    if not parts:
        return "", "", "", postcode
    if len(parts) == 1:
        return parts[0], "", "", postcode
    if len(parts) == 2:
        return parts[0], "", parts[1], postcode
    return parts[0], ", ".join(parts[1:-1]), parts[-1], postcode


# Applying --------------------------------------------------------------------------------


def apply(mapping: Mapping, cells: abc.Mapping[str, str]) -> dict[str, dict[str, str]]:
    """One row of the file (cells by column name) as the cells of each kind it makes: a
    carers row, and a cards row when it has a card number (linked by the carer's
    reference). Values are mapped, splits done, constants filled. A value of a coded column
    the mapping does not map goes through unchanged, so the check reports it by the field's
    own rule."""
    return compile_mapping(mapping)(cells)


Applier = Callable[[abc.Mapping[str, str]], dict[str, dict[str, str]]]


def compile_mapping(mapping: Mapping) -> Applier:
    """``apply`` for one mapping, made once for a whole file's rows (cells by name)."""
    sources = [column.source for column in mapping.columns]
    by_position = row_applier(mapping, range(len(sources)))

    def applied(cells: abc.Mapping[str, str]) -> dict[str, dict[str, str]]:
        return by_position([cells.get(source, "") for source in sources])

    return applied


RowApplier = Callable[[Sequence[str]], dict[str, dict[str, str]]]


def row_applier(mapping: Mapping, positions: Sequence[int]) -> RowApplier:
    """``apply`` for rows read as lists: ``positions`` gives where each of the mapping's
    columns is in a row (-1: not in the file). Made once a file; a row is then a few
    lookups, so an import through a mapping costs little more than of carerdesk's own file.
    """
    plain: list[tuple[int, str]] = []
    coded_: list[tuple[int, str, Callable[[str], str | None]]] = []
    dated: list[tuple[int, str]] = []
    split: list[tuple[int, str]] = []
    cards: list[tuple[int, str, abc.Mapping[str, str], bool]] = []
    for column, index in zip(mapping.columns, positions, strict=True):
        target = column.target
        if target is None or index < 0:
            continue
        if target in CARD_TARGETS:
            cards.append((index, CARD_TARGETS[target], column.values, target in DATES))
        elif target in SPLITS:
            split.append((index, target))
        elif column.values:
            coded_.append((index, target, column.values.get))
        elif target in DATES:
            dated.append((index, target))
        else:
            plain.append((index, target))
    names = [name for _, name in plain]
    take = _taker([index for index, _ in plain])
    carer_constants = [(t, v) for t, v in mapping.constants.items() if t not in CARD_TARGETS]
    card_constants = [
        (CARD_TARGETS[t], v) for t, v in mapping.constants.items() if t in CARD_TARGETS
    ]
    has_cards = bool(cards or card_constants)

    def value_of(
        row: Sequence[str], index: int, values: abc.Mapping[str, str], is_date: bool
    ) -> str:
        value = row[index]
        if values:
            found = values.get(value)
            return found if found is not None else values.get(value.strip(), value)
        if is_date and len(value) > 10 and (moment := _DATE_TIME.match(value)):
            return moment.group(1)  # a system's time stamp: the day is the date
        return value

    def applied(row: Sequence[str]) -> dict[str, dict[str, str]]:
        carer = dict(zip(names, take(row), strict=True))
        for index, target, get in coded_:
            value = row[index]
            found = get(value)
            carer[target] = found if found is not None else (get(value.strip()) or value)
        for index, target in dated:
            value = row[index]
            if len(value) > 10 and (moment := _DATE_TIME.match(value)):
                value = moment.group(1)  # a system's time stamp: the day is the date
            carer[target] = value
        for index, target in split:
            if target == "full_name":
                carer["first_name"], carer["last_name"] = split_name(row[index])
            else:
                (
                    carer["address_line_1"],
                    carer["address_line_2"],
                    carer["town"],
                    carer["postcode"],
                ) = split_address(row[index])
        for target, value in carer_constants:
            if not carer.get(target, "").strip():
                carer[target] = value
        made = {"carers": carer}
        if has_cards:
            card = {column: value_of(row, i, values, dated) for i, column, values, dated in cards}
            for column, value in card_constants:
                if not card.get(column, "").strip():
                    card[column] = value
            if card.get("card_number", "").strip():
                card["reference"] = carer.get("reference", "")
                made["cards"] = card
        return made

    return applied


def _taker(indexes: Sequence[int]) -> Callable[[Sequence[str]], Sequence[str]]:
    # itemgetter picks many cells in one call; it gives a bare value for one index.
    if not indexes:
        return lambda row: ()
    if len(indexes) == 1:
        only = indexes[0]
        return lambda row: (row[only],)
    return itemgetter(*indexes)


# Proposing -------------------------------------------------------------------------------

SYNONYMS: abc.Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "reference": (
            "carer id", "client id", "contact id", "id", "ref", "reference", "record id",
            "client ref", "person id", "unique id", "carer ref", "client reference",
            "external identifier",
        ),
        "first_name": ("forename", "forenames", "first name", "given name", "christian name"),
        "last_name": ("surname", "last name", "family name"),
        "full_name": (
            "name", "full name", "client name", "carer name", "contact name", "display name",
            "sort name", "person name",
        ),
        "preferred_name": ("known as", "nickname", "nick name", "preferred name"),
        "date_of_birth": ("dob", "d o b", "date of birth", "birth date", "birthdate", "born"),
        "gender": ("sex", "gender", "gender identity"),
        "ethnicity": ("ethnic origin", "ethnicity", "ethnic group", "ethnic background"),
        "address_line_1": (
            "address 1", "address line 1", "street address", "street", "address1", "house",
        ),
        "address_line_2": (
            "address 2", "address line 2", "supplemental address 1", "locality", "address2",
        ),
        "address_one_line": ("address", "full address", "home address", "postal address"),
        "town": ("city", "town", "town city", "post town"),
        "postcode": ("post code", "postal code", "zip", "zip code", "postcode"),
        "ward": ("ward", "electoral ward"),
        "phone": (
            "tel", "telephone", "phone", "home phone", "landline", "tel no", "home tel",
            "phone number", "telephone number",
        ),
        "mobile": ("mobile no", "mobile", "mobile phone", "cell", "mobile number", "mob"),
        "email": ("email", "e mail", "email address"),
        "preferred_contact": (
            "preferred contact method", "contact preference", "preferred communication method",
        ),
        "registered_on": (
            "date registered", "registration date", "registered", "created date",
            "date joined", "start date", "registered on", "date of registration",
        ),
        "registered_at": ("registered at", "registration method", "registered how"),
        "how_heard": ("referral source", "source", "how heard", "referred by", "how did you hear"),
        "hours_caring": ("hours caring", "caring hours", "hours of care"),
        "parent_carer": ("parent carer",),
        "employment": ("employment status", "employment"),
        "carers_allowance": ("carers allowance", "receives carers allowance"),
        "gp_practice": ("gp", "gp surgery", "gp practice", "doctor", "surgery"),
        "consent_store": ("consent", "consent to store", "data consent", "gdpr consent"),
        "consent_share": ("consent to share", "share consent", "sharing consent"),
        "consent_contact": ("marketing consent", "newsletter", "consent to contact"),
        "notes": ("notes", "comments", "note", "comment"),
        "status": ("status", "record status"),
        "closed_on": ("date closed", "closed date", "closed on", "end date", "closure date"),
        "closed_reason": ("closure reason", "reason closed", "closed reason", "leaving reason"),
        "consent_date": ("consent date", "date of consent"),
        "consent_by": ("consent taken by", "consent by"),
        "card_number": ("card no", "card number", "carer card no", "card id", "carer card number"),
        "card_type": ("card type",),
        "card_issue_reason": ("issue reason", "card issue reason"),
        "card_issued_on": ("card issued", "issue date", "card issue date", "date issued"),
        "card_expires_on": ("card expiry", "expiry date", "expires", "card expires", "expiry"),
        "card_status": ("card status",),
    }
)  # fmt: skip
"""Column names other systems give each target (compared after ``_plain``)."""

ABBREVIATIONS: abc.Mapping[str, abc.Mapping[str, str]] = MappingProxyType(
    {
        "gender": {"f": "female", "m": "male", "woman": "female", "man": "male",
                   "nb": "non_binary", "nonbinary": "non_binary"},
        "yes_no": {"y": "yes", "n": "no", "true": "yes", "false": "no", "1": "yes", "0": "no"},
        # The census's codes (2011 and 2021 alike; W4 differs between them, so it is not here).
        "ethnicity": {
            "w1": "white_british", "w2": "irish", "w3": "gypsy_or_irish_traveller",
            "m1": "white_and_black_caribbean", "m2": "white_and_black_african",
            "m3": "white_and_asian", "m4": "other_mixed", "a1": "indian", "a2": "pakistani",
            "a3": "bangladeshi", "b1": "african", "b2": "caribbean", "b3": "other_black",
            "o1": "arab", "white british": "white_british", "british": "white_british",
            "white irish": "irish", "black african": "african", "black caribbean": "caribbean",
            "not stated": "prefer_not_to_say",
        },
    }
)  # fmt: skip
"""Short forms other systems use for codes, by code list (compared after ``_plain``)."""


def _abbreviations(codes_: CodeList) -> abc.Mapping[str, str]:
    if codes_ is codes.GENDER:
        return ABBREVIATIONS["gender"]
    if codes_ is codes.ETHNICITY:
        return ABBREVIATIONS["ethnicity"]
    if set(codes_) <= {"yes", "no", "not_known"}:
        return ABBREVIATIONS["yes_no"]
    return {}


def _plain(text: str) -> str:
    return " ".join(re.sub(r"[^0-9a-z]+", " ", text.casefold().replace("'", "")).split())


def map_value(codes_: CodeList, value: str) -> str | None:
    """The code ``value`` stands for in ``codes_``: a code or label in any case, a common
    short form (F, W1, Y), or a label misspelt a little (one clear best match); None when
    unsure, left for the coordinator."""
    found = codes.parse_code(codes_, value.strip())
    if found is not None:
        return found
    plain = _plain(value)
    if not plain:
        return None
    short = _abbreviations(codes_).get(plain)
    if short is not None and short in codes_:
        return short
    choices = {
        **{_plain(code): code for code in codes_},
        **{_plain(n): c for c, n in codes_.items()},
    }
    if plain in choices:
        return choices[plain]
    if len(plain) < 4:
        return None
    best = process.extract(plain, list(choices), scorer=fuzz.ratio, limit=2, score_cutoff=85)
    if not best:
        return None
    if len(best) > 1 and choices[best[1][0]] != choices[best[0][0]] and best[1][1] > best[0][1] - 5:
        return None  # two codes nearly as close: the coordinator chooses
    return choices[best[0][0]]


_DATE_TIME = re.compile(r"^\s*(\d{4}-\d{2}-\d{2})[T ]\d{2}:\d{2}")
_DATE = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}(?:[ T][0-9:.]+)?$|^\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}$")
_PHONE = re.compile(r"^\+?[0-9 ()-]{10,17}$")
_MOBILE = re.compile(r"^(?:\+?44\s?7|07)")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_POSTCODE = re.compile(r"^[A-PR-UWYZ][A-HK-Y]?[0-9][A-Z0-9]? ?[0-9][A-Z]{2}$", re.IGNORECASE)

DATES = frozenset(
    {"date_of_birth", "registered_on", "closed_on", "consent_date", "card_issued_on",
     "card_expires_on"}
)  # fmt: skip


def _share(values: Sequence[str], test: Callable[[str], object]) -> float:
    return sum(1 for value in values if test(value)) / len(values) if values else 0.0


def _looks_like_name(value: str) -> bool:
    words = value.replace(",", " ").split()
    return len(words) >= 2 and all(any(ch.isalpha() for ch in word) for word in words)


def _value_fit(target: str, values: Sequence[str]) -> float | None:
    """How well a column's sample values fit ``target``: 0 to 1, or None when values say
    nothing about it (free text)."""
    if not values:
        return None
    if target in DATES:
        return _share(values, _DATE.match)
    if target == "postcode":
        return _share(values, _POSTCODE.match)
    if target in ("phone", "mobile"):
        phones = _share(values, _PHONE.match)
        mobiles = _share(values, lambda v: _PHONE.match(v) and _MOBILE.match(v.strip()))
        return mobiles if target == "mobile" else phones - mobiles / 2
    if target == "email":
        return _share(values, _EMAIL.match)
    if target == "address_one_line":
        return _share(values, lambda v: "," in v and _POSTCODE_AT_END.search(v))
    if target == "full_name":
        return _share(values, _looks_like_name)
    if target in ("first_name", "last_name", "preferred_name"):
        return 1.0 - _share(values, lambda v: any(ch.isdigit() or ch == "@" for ch in v))
    code_list = coded(target)
    if code_list is not None:
        return _share(values, lambda v: map_value(code_list, v) is not None)
    return None


def _name_score(header: str, target: str) -> float:
    plain = _plain(header)
    if not plain:
        return 0.0
    names = (_plain(target.replace("_", " ")), _plain(TARGETS[target]), *SYNONYMS.get(target, ()))
    best = 0.0
    for name in names:
        if plain == name:
            return 100.0
        best = max(best, fuzz.ratio(plain, name), fuzz.token_sort_ratio(plain, name) - 5)
    return best


def _score(header: str, target: str, values: Sequence[str]) -> float:
    name = _name_score(header, target)
    fit = _value_fit(target, values)
    if fit is None:
        return name
    if fit < 0.5:
        return name - 40 * (1 - fit)  # values that do not fit outweigh a name that does
    # Values alone place a column whose kind is unmistakable (postcodes, emails, addresses).
    alone = 82.0 if target in ("postcode", "email", "address_one_line") and fit >= 0.9 else 0.0
    return max(name + 10 * fit, alone)


THRESHOLD = 80.0
"""The score a column needs to be proposed for a target (100: its name exactly)."""


def _occupies(target: str) -> set[str]:
    return {target, *SPLITS.get(target, ())}


def propose(header: Sequence[str], samples: abc.Mapping[str, Sequence[str]]) -> Mapping:
    """A mapping for a file with columns ``header`` and sample values (its distinct values
    are best) by column: each column goes to the target its name and values fit best, never
    two columns to one target, and a coded column's values to the codes they clearly are."""
    candidates: list[tuple[float, int, str]] = []
    for index, source in enumerate(header):
        seen = [value.strip() for value in samples.get(source, ()) if value.strip()]
        for target in TARGETS:
            score = _score(source, target, seen)
            if score >= THRESHOLD:
                candidates.append((score, index, target))
    chosen: dict[int, str] = {}
    taken: set[str] = set()
    for _, index, target in sorted(candidates, key=lambda c: (-c[0], c[1])):
        if index in chosen or _occupies(target) & taken:
            continue
        chosen[index] = target
        taken |= _occupies(target)
    columns = []
    for index, source in enumerate(header):
        chosen_target = chosen.get(index)
        values: dict[str, str] = {}
        code_list = coded(chosen_target) if chosen_target else None
        if code_list is not None:
            for value in samples.get(source, ()):
                code = map_value(code_list, value)
                if value.strip() and code is not None and value.strip() != code:
                    values[value.strip()] = code
        columns.append(ColumnMap(source, chosen_target, values))
    constants: dict[str, str] = {}
    if any(column.target in CARD_TARGETS for column in columns):
        defaults = {"card_type": "carer_card", "card_issue_reason": "new", "card_status": "active"}
        constants = {t: v for t, v in defaults.items() if t not in chosen.values()}
    return Mapping(tuple(columns), constants)


def unmapped_values(
    mapping: Mapping, samples: abc.Mapping[str, Sequence[str]]
) -> dict[str, list[str]]:
    """Each coded column's sample values that are neither mapped nor a code or label of the
    target's list already: what the coordinator still has to map."""
    found: dict[str, list[str]] = {}
    for column in mapping.columns:
        code_list = coded(column.target) if column.target else None
        if code_list is None:
            continue
        left = [
            value.strip()
            for value in samples.get(column.source, ())
            if value.strip()
            and value.strip() not in column.values
            and codes.parse_code(code_list, value.strip()) is None
        ]
        if left:
            found[column.source] = left
    return found


# The file --------------------------------------------------------------------------------


def _quoted(text: str) -> str:
    # JSON's string is a TOML basic string, but for DEL, which TOML wants escaped.
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007f")


def _comment(text: str) -> str:
    return " ".join("".join(ch if ch.isprintable() else " " for ch in text).split())


def _kind_of_values(values: Sequence[str]) -> str:
    for test, what in (
        (_DATE.match, "dates"),
        (_POSTCODE.match, "postcodes"),
        (_EMAIL.match, "email addresses"),
        (_PHONE.match, "phone numbers"),
    ):
        if _share(values, test) >= 0.8:
            return what
    return "text"


def dumps(mapping: Mapping, samples: abc.Mapping[str, Sequence[str]] | None = None) -> str:
    """The mapping as TOML a person can read and edit, a comment on each column saying what
    its values look like when ``samples`` are known (a coded column's values are listed, the
    others described, so that no one's details are copied into the file)."""
    samples = samples or {}
    lines = [
        "# A carerdesk mapping: which column of the file goes to which carerdesk field.",
        '# target = "" leaves a column out. The fields: ' + ", ".join(TARGETS) + ".",
        '# A coded column\'s values: "value in the file" = "carerdesk code"; "" is not mapped',
        "# yet (the check then reports the value). [constants] fills a field no column holds.",
    ]
    if mapping.name:
        lines.append(f"name = {_quoted(mapping.name)}")
    lines.append(f"header_row = {mapping.header_row}")
    if mapping.sheet:
        lines.append(f"sheet = {_quoted(mapping.sheet)}")
    if mapping.partial:
        lines.append("partial = true  # the file may lack some of these columns")
    for column in mapping.columns:
        lines.append("")
        lines.append(f"[columns.{_quoted(column.source)}]")
        values = [v.strip() for v in samples.get(column.source, ()) if v.strip()]
        code_list = coded(column.target) if column.target else None
        if values:
            if code_list is not None:
                lines.append(f"# values: {_comment(', '.join(values[:12]))}")
            else:
                lines.append(f"# values: {len(values)} seen, {_kind_of_values(values)}")
        target = column.target or ""
        label = f"  # {TARGETS[target]}" if target else "  # left out"
        lines.append(f"target = {_quoted(target)}{label}")
        if code_list is not None:
            shown = dict(column.values)
            for value in values:
                if value not in shown and codes.parse_code(code_list, value) is None:
                    shown[value] = ""
            if shown:
                lines.append(f"[columns.{_quoted(column.source)}.values]")
                for value, code in shown.items():
                    note = "" if code else "  # not mapped: give a code"
                    lines.append(f"{_quoted(value)} = {_quoted(code)}{note}")
    lines.append("")
    lines.append("[constants]")
    for target, value in mapping.constants.items():
        lines.append(f"{target} = {_quoted(value)}")
    held = {column.target for column in mapping.columns} | set(mapping.constants)
    if "consent_store" not in held:
        # Nobody is registered without it: the coordinator says it, never the proposal.
        lines.append('# consent_store = "yes"  # if every carer in the file agreed to be kept')
    return "\n".join(lines) + "\n"


def save(
    mapping: Mapping, path: Path, samples: abc.Mapping[str, Sequence[str]] | None = None
) -> None:
    """Write ``dumps(mapping, samples)`` to ``path`` (UTF-8)."""
    path.write_text(dumps(mapping, samples), encoding="utf-8")


def loads(text: str, label: str = "the mapping") -> Mapping:
    """A mapping from TOML text; ``label`` names the file in the message of a bad one."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise CarerdeskError(f"{label} is not a mapping file: {error}.") from None
    lines = text.splitlines()

    def bad(what: str, *needles: str) -> CarerdeskError:
        line = _line_of(lines, needles)
        where = f"{label}:{line}" if line else label
        return CarerdeskError(f"{where}: {what}")

    columns_table = data.get("columns", {})
    if not isinstance(columns_table, dict):
        raise bad("[columns] should be a table of the file's columns.", "columns")
    columns = []
    for source, entry in columns_table.items():
        head = f"[columns.{_quoted(source)}"
        if not isinstance(entry, dict):
            raise bad(f"the column {source!r} needs a target.", head)
        target = entry.get("target", "")
        if not isinstance(target, str):
            raise bad(f"the column {source!r}'s target should be text.", head, "target")
        if target and target not in TARGETS:
            raise bad(
                f"{target!r} is not a carerdesk field. Use one of: {', '.join(TARGETS)}.",
                head,
                f"target = {_quoted(target)}",
            )
        # A column left out keeps no values (they may stay in the file from before).
        values = entry.get("values", {}) if target else {}
        code_list = coded(target) if target else None
        if values and code_list is None:
            raise bad(f"the field {target or '(left out)'} takes no coded values.", head)
        mapped: dict[str, str] = {}
        for value, code in values.items():
            if not isinstance(code, str):
                raise bad(
                    f"the value {value!r} should map to a code in quotes.", head, _quoted(value)
                )
            if not code:
                continue  # not mapped yet
            if code_list is not None and code not in code_list:
                raise bad(
                    f"{code!r} is not a code of {target}. Use one of: {', '.join(code_list)}.",
                    head,
                    _quoted(value),
                )
            mapped[value] = code
        columns.append(ColumnMap(source, target or None, MappingProxyType(mapped)))
    constants = data.get("constants", {})
    if not isinstance(constants, dict):
        raise bad("[constants] should be a table of field = value.", "[constants]")
    for target, value in constants.items():
        if target not in TARGETS or target in SPLITS:
            raise bad(f"{target!r} is not a carerdesk field.", "[constants]", target)
        code_list = coded(target)
        if not isinstance(value, str) or (code_list is not None and value not in code_list):
            choices = f" Use one of: {', '.join(code_list)}." if code_list else ""
            raise bad(
                f"the constant {target} is not a value it takes.{choices}", "[constants]", target
            )
    header_row = data.get("header_row", 1)
    if not isinstance(header_row, int) or isinstance(header_row, bool) or header_row < 1:
        raise bad("header_row is the line number of the column names: 1 or more.", "header_row")
    seen: set[str] = set()
    for column in columns:
        if column.target and _occupies(column.target) & seen:
            raise bad(
                f"two columns go to {column.target}: leave one out.",
                f"[columns.{_quoted(column.source)}",
            )
        if column.target:
            seen |= _occupies(column.target)
    return Mapping(
        tuple(columns),
        MappingProxyType(dict(constants)),
        name=str(data.get("name", "")),
        header_row=header_row,
        sheet=str(data.get("sheet", "")),
        partial=data.get("partial") is True,
    )


def _line_of(lines: Sequence[str], needles: Sequence[str]) -> int:
    """The line number of the last of ``needles`` found in order, each after the one before
    (0 when the first is not found)."""
    start, found = 0, 0
    for needle in needles:
        for number in range(start, len(lines)):
            if needle in lines[number]:
                start, found = number + 1, number + 1
                break
        else:
            break
    return found


def load(path: Path) -> Mapping:
    """A mapping file; a bad one is refused with a message naming the file and the line."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError):
        raise CarerdeskError(f"{path} could not be read as a mapping file.") from None
    return loads(text, str(path))


# For the mapping screen ------------------------------------------------------------------


def value_counts(
    header: Sequence[str], rows: Iterable[Sequence[str]], limit: int = 50
) -> dict[str, list[tuple[str, int]]]:
    """Each column's distinct values (trimmed, empty ones left out) with how many rows hold
    each, in the order first met, ``limit`` values at most a column (later new values are
    not counted): what the mapping screen shows and ``propose`` takes as samples."""
    found: dict[str, dict[str, int]] = {name: {} for name in header}
    for cells in rows:
        for name, value in zip(header, cells, strict=False):
            value = value.strip()
            seen = found[name]
            if value in seen:
                seen[value] += 1
            elif value and len(seen) < limit:
                seen[value] = 1
    return {name: list(counted.items()) for name, counted in found.items()}


def fits(mapping: Mapping, header: Sequence[str]) -> bool:
    """Whether ``mapping`` was made for a file with these columns (in any case and spacing):
    it names every column of the header, and every column it sends somewhere is there; a
    ``partial`` mapping (a system's export of chosen fields) needs only that at least half
    of the header's columns are columns it sends somewhere."""

    def plain(name: str) -> str:
        return " ".join(name.casefold().split())

    names = {plain(name) for name in header if name.strip()}
    named = {plain(column.source) for column in mapping.columns}
    sent = {plain(column.source) for column in mapping.columns if column.target}
    if mapping.partial:
        return len(names & sent) >= max(2, len(names) / 2)
    return bool(names) and names <= named and sent <= names


def values_for(target: str, values: Iterable[str]) -> dict[str, str]:
    """The codes ``values`` clearly stand for when their column goes to the coded field
    ``target`` (as ``propose`` maps them): what a column changed to that field starts with."""
    code_list = coded(target)
    if code_list is None:
        return {}
    found = {}
    for value in values:
        code = map_value(code_list, value)
        if value.strip() and code is not None and value.strip() != code:
            found[value.strip()] = code
    return found
