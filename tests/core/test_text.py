"""Folding text for search: accents, case, spacing and punctuation of names ignored."""

from __future__ import annotations

import string
import unicodedata

import pytest

from carerdesk.core.text import fold, search_form, tidy


@pytest.mark.parametrize(
    ("typed", "folded"),
    [
        ("Siân", "sian"),
        ("Nguyễn", "nguyen"),
        ("Zoë", "zoe"),
        ("Łukasz", "lukasz"),
        ("ŁUKASZ", "lukasz"),
        ("Søren", "soren"),
        ("Đorđe", "dorde"),
        ("Straße", "strasse"),
        ("Ænid", "aenid"),
        ("José", "jose"),
        ("ÉLODIE", "elodie"),
        ("  Mary   Ann  ", "mary ann"),
        ("Mary\tAnn\n", "mary ann"),
        ("", ""),
        ("   ", ""),
    ],
)
def test_fold_drops_accents_case_and_extra_spaces(typed: str, folded: str) -> None:
    assert fold(typed) == folded


@pytest.mark.parametrize(
    "typed",
    [
        unicodedata.normalize("NFD", "Nguyễn"),
        unicodedata.normalize("NFC", "Nguyễn"),
        "NGUYỄN",
        "nguyen",
    ],
)
def test_fold_is_the_same_however_the_accents_were_typed(typed: str) -> None:
    assert fold(typed) == "nguyen"


@pytest.mark.parametrize(
    "typed",
    ["O'Brien", "O’Brien", "O‘Brien", "OʼBrien", "O`Brien"],
)
def test_fold_makes_every_apostrophe_a_plain_one(typed: str) -> None:
    assert fold(typed) == "o'brien"


@pytest.mark.parametrize(
    ("typed", "form"),
    [
        ("O'Brien", "obrien"),
        ("O’Brien", "obrien"),
        ("O‘Brien", "obrien"),
        ("obrien", "obrien"),
        ("Smith-Jones", "smith jones"),
        ("Smith - Jones", "smith jones"),
        ("smith jones", "smith jones"),
        ("Siân", "sian"),
        ("Nguyễn", "nguyen"),
        ("Zoë", "zoe"),
        ("Łukasz", "lukasz"),
        ("  Anne-Marie  D’Arcy ", "anne marie darcy"),
        ("", ""),
    ],
)
def test_search_form_ignores_name_punctuation(typed: str, form: str) -> None:
    assert search_form(typed) == form


@pytest.mark.parametrize(
    ("stored", "typed"),
    [
        ("O'Brien", "obrien"),
        ("O’Brien", "O'Brien"),
        ("Smith-Jones", "smith jones"),
        ("Siân Pryce", "SIAN  pryce"),
        ("Łukasz Nowak-Kowal", "lukasz nowak kowal"),
    ],
)
def test_a_name_is_found_without_typing_its_accents_or_punctuation(stored: str, typed: str) -> None:
    assert search_form(stored) == search_form(typed)


@pytest.mark.parametrize(
    ("typed", "tidied"),
    [
        ("  Siân  ", "Siân"),
        ("Mary   Ann", "Mary Ann"),
        ("Mary\t\nAnn", "Mary Ann"),
        ("", ""),
        ("   ", ""),
    ],
)
def test_tidy_trims_and_collapses_spaces(typed: str, tidied: str) -> None:
    assert tidy(typed) == tidied


@pytest.mark.parametrize("name", ["Siân", "Nguyễn", "Zoë", "José"])
def test_tidy_composes_accents(name: str) -> None:
    decomposed = unicodedata.normalize("NFD", name)
    assert decomposed != name
    assert tidy(decomposed) == unicodedata.normalize("NFC", name)


def test_tidy_keeps_case_and_accents() -> None:
    assert tidy("ZOË o’brien") == "ZOË o’brien"


def test_plain_ascii_folds_as_the_full_decomposition_would() -> None:
    # Names in plain ASCII skip the decomposition: the answer must not change for any of them.
    everything = string.printable + " O'Brien  Smith-Jones\tMC`DONALD "
    decomposed = unicodedata.normalize("NFKD", everything)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    assert fold(everything) == " ".join(plain.casefold().replace("`", "'").split())
