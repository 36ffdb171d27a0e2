"""Checks of single values as typed at the desk: what is stored, and what is refused."""

from __future__ import annotations

import unicodedata
from datetime import date, time

import phonenumbers
import pytest

from carerdesk.core import codes, validate
from carerdesk.core.errors import FieldError
from carerdesk.core.validate import (
    MAX_AGE_YEARS,
    age_on,
    format_phone,
    is_drama_number,
    parse_birth_date,
    parse_choice,
    parse_choices,
    parse_date,
    parse_email,
    parse_name,
    parse_past_date,
    parse_phone,
    parse_postcode,
    parse_text,
    parse_time,
    parse_whole_number,
    parse_yes_no,
    phone_query,
    postcode_key,
)


def assert_no_echo(error: FieldError, typed: str) -> None:
    """The message must not repeat what was typed (it may end up in a log)."""
    value = typed.strip()
    if len(value) >= 2:
        assert value not in error.message
        assert value.casefold() not in error.message.casefold()


# --- names ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("O'Brien", "O'Brien"),
        ("O’Brien", "O’Brien"),
        ("Nguyễn", "Nguyễn"),
        ("Siân", "Siân"),
        ("Łukasz", "Łukasz"),
        ("Zoë", "Zoë"),
        ("Smith-Jones", "Smith-Jones"),
        ("Anne-Marie", "Anne-Marie"),
        ("van der Berg", "van der Berg"),
        ("  Bethan  ", "Bethan"),
        ("\tBethan\n", "Bethan"),
        ("Mary   Ann", "Mary Ann"),
        ("  Mary \t Ann  ", "Mary Ann"),
        ("Ng", "Ng"),
        ("A", "A"),
        ("Αλεξάνδρα", "Αλεξάνδρα"),
        ("Юлия", "Юлия"),
        ("a" * 100, "a" * 100),
    ],
)
def test_names_are_kept_as_typed_but_trimmed(typed: str, stored: str) -> None:
    assert parse_name(typed) == stored


@pytest.mark.parametrize("name", ["Siân", "Nguyễn", "Zoë", "Łukasz", "Chloé O'Neill"])
def test_decomposed_names_are_stored_composed(name: str) -> None:
    decomposed = unicodedata.normalize("NFD", name)
    stored = parse_name(decomposed)
    assert stored == unicodedata.normalize("NFC", name)
    assert unicodedata.is_normalized("NFC", stored)


def test_length_is_counted_after_composing_accents() -> None:
    # 100 letters, each typed as a letter and a combining accent.
    assert parse_name(unicodedata.normalize("NFD", "é" * 100)) == "é" * 100


@pytest.mark.parametrize(
    ("typed", "words"),
    [
        ("J0hn", "only letters, apostrophes, hyphens and spaces"),
        ("Bethan2", "only letters, apostrophes, hyphens and spaces"),
        ("bethan@example.org", "only letters, apostrophes, hyphens and spaces"),
        ("Rhys@", "only letters, apostrophes, hyphens and spaces"),
        ("Rhys.", "only letters, apostrophes, hyphens and spaces"),
        ("Rhys_Owen", "only letters, apostrophes, hyphens and spaces"),
        ("", "Enter the"),
        ("   ", "Enter the"),
        ("\t\n", "Enter the"),
        ("a" * 101, "too long: 100 characters at most"),
        (" " + "b" * 101 + " ", "too long"),
        ("'", "at least one letter"),
        ("’", "at least one letter"),
        ("-", "at least one letter"),
        ("' - '", "at least one letter"),
    ],
)
def test_names_refused(typed: str, words: str) -> None:
    with pytest.raises(FieldError) as caught:
        parse_name(typed, "first name")
    assert caught.value.field == "first name"
    assert words in caught.value.message
    assert "first name" in caught.value.message
    assert_no_echo(caught.value, typed)


def test_names_refused_say_which_name() -> None:
    with pytest.raises(FieldError) as caught:
        parse_name("", "last name")
    assert caught.value.message == "Enter the last name."


def test_a_101_character_name_after_trimming_spaces_is_fine_at_100() -> None:
    assert parse_name("  " + "c" * 100 + "  ") == "c" * 100


# --- dates ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("1990-03-21", date(1990, 3, 21)),
        ("1990-3-1", date(1990, 3, 1)),
        ("21/03/1990", date(1990, 3, 21)),
        ("1/3/1990", date(1990, 3, 1)),
        ("21.03.1990", date(1990, 3, 21)),
        ("  21/03/1990  ", date(1990, 3, 21)),
        ("29/02/2000", date(2000, 2, 29)),
        ("2024-02-29", date(2024, 2, 29)),
        ("31/12/1999", date(1999, 12, 31)),
        ("01/01/2000", date(2000, 1, 1)),
    ],
)
def test_dates_in_either_format(typed: str, stored: date) -> None:
    assert parse_date(typed) == stored


def test_day_comes_first_the_uk_way() -> None:
    assert parse_date("03/04/1990") == date(1990, 4, 3)


@pytest.mark.parametrize(
    ("typed", "words"),
    [
        ("31/02/1990", "There is no 31 February 1990"),
        ("1990-02-31", "There is no 31 February 1990"),
        ("29/02/2023", "There is no 29 February 2023"),
        ("29/02/1900", "There is no 29 February 1900"),
        ("31/04/2020", "There is no 31 April 2020"),
        ("32/01/2020", "There is no 32 January 2020"),
    ],
)
def test_days_that_do_not_exist_are_named(typed: str, words: str) -> None:
    with pytest.raises(FieldError) as caught:
        parse_date(typed, "date_of_birth")
    assert caught.value.field == "date_of_birth"
    assert words in caught.value.message
    assert "check the day" in caught.value.message


@pytest.mark.parametrize("typed", ["01/13/1990", "1990-13-01", "15/00/1990", "1990-0-15"])
def test_months_that_do_not_exist(typed: str) -> None:
    with pytest.raises(FieldError) as caught:
        parse_date(typed, "date_of_birth")
    assert caught.value.field == "date_of_birth"
    assert "no month with that number" in caught.value.message
    assert "1 to 12" in caught.value.message
    assert_no_echo(caught.value, typed)


@pytest.mark.parametrize(
    "typed",
    [
        "21 March 1990",
        "21/03/90",
        "1990/03/21",
        "21-03-1990",
        "21031990",
        "yesterday",
        "21/03/1990 10:00",
        "2024-02",
    ],
)
def test_dates_in_another_shape_are_refused(typed: str) -> None:
    with pytest.raises(FieldError) as caught:
        parse_date(typed)
    assert caught.value.field == "date"
    assert "DD/MM/YYYY" in caught.value.message
    assert_no_echo(caught.value, typed)


@pytest.mark.parametrize("typed", ["", "   "])
def test_an_empty_date_asks_for_one(typed: str) -> None:
    with pytest.raises(FieldError) as caught:
        parse_date(typed, "contact date")
    assert caught.value.field == "contact date"
    assert caught.value.message.startswith("Enter a date")


def test_past_date_accepts_today_and_earlier(today: date) -> None:
    assert parse_past_date("23/11/2026", today) == today
    assert parse_past_date("2026-11-22", today) == date(2026, 11, 22)
    assert parse_past_date("01/01/1970", today) == date(1970, 1, 1)


@pytest.mark.parametrize("typed", ["24/11/2026", "2027-01-01", "23/11/2027"])
def test_past_date_refuses_the_future(typed: str, today: date) -> None:
    with pytest.raises(FieldError) as caught:
        parse_past_date(typed, today, "registration date")
    assert caught.value.field == "registration date"
    assert "in the future" in caught.value.message
    assert_no_echo(caught.value, typed)


# --- dates of birth ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("23/11/2026", date(2026, 11, 23)),
        ("22/11/2026", date(2026, 11, 22)),
        ("1985-06-14", date(1985, 6, 14)),
        ("23/11/1916", date(1916, 11, 23)),
        ("2008-02-29", date(2008, 2, 29)),
    ],
)
def test_birth_dates_accepted(typed: str, stored: date, today: date) -> None:
    assert parse_birth_date(typed, today) == stored


def test_exactly_110_years_old_is_accepted(today: date) -> None:
    born = parse_birth_date("23/11/1916", today)
    assert age_on(born, today) == MAX_AGE_YEARS == 110


def test_a_birth_date_tomorrow_is_refused(today: date) -> None:
    with pytest.raises(FieldError) as caught:
        parse_birth_date("24/11/2026", today)
    assert caught.value.field == "date_of_birth"
    assert "in the future" in caught.value.message
    assert "24" not in caught.value.message


@pytest.mark.parametrize(
    "typed",
    # 22/11/1916: aged 110, but born more than 110 years ago to the day (data.md's wording).
    ["22/11/1916", "24/11/1915", "23/11/1915", "22/11/1915", "1900-01-01", "01/01/1001"],
)
def test_someone_older_than_110_is_refused(typed: str, today: date) -> None:
    with pytest.raises(FieldError) as caught:
        parse_birth_date(typed, today)
    assert caught.value.field == "date_of_birth"
    assert "more than 110 years ago" in caught.value.message
    assert "check the year" in caught.value.message
    assert_no_echo(caught.value, typed)


def test_a_year_not_written_in_full_is_refused(today: date) -> None:
    with pytest.raises(FieldError) as caught:
        parse_birth_date("01/01/0090", today)
    assert "year in full" in caught.value.message


def test_a_111_year_old_is_refused(today: date) -> None:
    with pytest.raises(FieldError) as caught:
        parse_birth_date("1915-11-23", today)
    assert caught.value.field == "date_of_birth"
    assert "1915" not in caught.value.message


def test_a_birth_date_that_does_not_exist_names_the_field(today: date) -> None:
    with pytest.raises(FieldError) as caught:
        parse_birth_date("31/02/1990", today)
    assert caught.value.field == "date_of_birth"
    assert "31 February 1990" in caught.value.message


# --- ages ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("born", "on", "age"),
    [
        (date(1990, 6, 15), date(2026, 6, 14), 35),
        (date(1990, 6, 15), date(2026, 6, 15), 36),
        (date(1990, 6, 15), date(2026, 6, 16), 36),
        (date(1990, 1, 1), date(2026, 12, 31), 36),
        (date(1990, 12, 31), date(2026, 1, 1), 35),
        (date(2026, 11, 23), date(2026, 11, 23), 0),
        (date(2025, 11, 24), date(2026, 11, 23), 0),
        (date(2025, 11, 23), date(2026, 11, 23), 1),
        # Born on 29 February: a year older on 1 March in a common year.
        (date(2008, 2, 29), date(2026, 2, 28), 17),
        (date(2008, 2, 29), date(2026, 3, 1), 18),
        (date(2008, 2, 29), date(2028, 2, 28), 19),
        (date(2008, 2, 29), date(2028, 2, 29), 20),
        (date(2000, 2, 29), date(2001, 2, 28), 0),
        (date(2000, 2, 29), date(2001, 3, 1), 1),
    ],
)
def test_age_on(born: date, on: date, age: int) -> None:
    assert age_on(born, on) == age


# --- times ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("14:30", time(14, 30)),
        ("9:05", time(9, 5)),
        ("09:05", time(9, 5)),
        ("14.30", time(14, 30)),
        ("00:00", time(0, 0)),
        ("23:59", time(23, 59)),
        ("  14:30 ", time(14, 30)),
        ("", None),
        ("  ", None),
    ],
)
def test_times(typed: str, stored: time | None) -> None:
    assert parse_time(typed) == stored


@pytest.mark.parametrize(
    "typed", ["25:00", "24:00", "14:60", "2:30pm", "1430", "9:3", "noon", "14:30:00", "-1:00"]
)
def test_times_refused(typed: str) -> None:
    with pytest.raises(FieldError) as caught:
        parse_time(typed)
    assert caught.value.field == "time"
    assert "HH:MM" in caught.value.message
    assert_no_echo(caught.value, typed)


# --- postcodes -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("sw1a1aa", "SW1A 1AA"),
        ("SW1A 1AA", "SW1A 1AA"),
        ("  sw1a   1aa ", "SW1A 1AA"),
        ("GIR 0AA", "GIR 0AA"),
        ("gir0aa", "GIR 0AA"),
        ("BX1 1LT", "BX1 1LT"),
        ("m1 1ae", "M1 1AE"),
        ("M11AE", "M1 1AE"),
        ("EC1A1BB", "EC1A 1BB"),
        ("b33 8th", "B33 8TH"),
        ("CR2 6XH", "CR2 6XH"),
        ("DN55 1PT", "DN55 1PT"),
        ("W1A 0AX", "W1A 0AX"),
        ("LS1 4AP", "LS1 4AP"),
    ],
)
def test_postcodes_are_stored_upper_case_with_one_space(typed: str, stored: str) -> None:
    assert parse_postcode(typed) == stored


@pytest.mark.parametrize("typed", ["", "   "])
def test_an_empty_postcode_is_none(typed: str) -> None:
    assert parse_postcode(typed) is None


# Each published rule with a case either side: the postcode kept, and the one refused with
# the message naming the position and the rule.
RULES = [
    # (rule, kept, refused, words of the message)
    (
        "first letter",
        "PA1 1AA",
        "QA1 1AA",
        "cannot start with Q: its first letter is never Q, V or X",
    ),
    (
        "first letter",
        "UA1 1AA",
        "VA1 1AA",
        "cannot start with V: its first letter is never Q, V or X",
    ),
    (
        "first letter",
        "WA1 1AA",
        "XA1 1AA",
        "cannot start with X: its first letter is never Q, V or X",
    ),
    (
        "second letter",
        "BH1 1AA",
        "BI1 1AA",
        "second letter of a postcode cannot be I: it is never I, J or Z",
    ),
    (
        "second letter",
        "BK1 1AA",
        "BJ1 1AA",
        "second letter of a postcode cannot be J: it is never I, J or Z",
    ),
    (
        "second letter",
        "BY1 1AA",
        "BZ1 1AA",
        "second letter of a postcode cannot be Z: it is never I, J or Z",
    ),
    (
        "third, A9A",
        "W1P 1AA",
        "W1I 1AA",
        "third character of a postcode cannot be I: in one like W1A 1AA it is A, B, C, D, E, F, G, "
        "H, J, K, P, S, T, U or W",
    ),
    ("third, A9A", "W1W 1AA", "W1L 1AA", "third character of a postcode cannot be L"),
    ("third, A9A", "N1C 4AA", "N1Q 4AA", "third character of a postcode cannot be Q"),
    (
        "fourth, AA9A",
        "EC1A 1BB",
        "EC1C 1BB",
        "fourth character of a postcode cannot be C: in one like EC1A 1BB it is A, B, E, H, M, "
        "N, P, R, V, W, X or Y",
    ),
    ("fourth, AA9A", "SE1P 1AA", "SE1D 1AA", "fourth character of a postcode cannot be D"),
    ("fourth, AA9A", "NW1W 1AA", "NW1T 1AA", "fourth character of a postcode cannot be T"),
    (
        "inward letters",
        "SW1A 1AB",
        "SW1A 1AC",
        "inward code (the part after the space) cannot hold C: "
        "it ends with two letters, not C, I, K, M, O or V",
    ),
    ("inward letters", "M1 1HA", "M1 1IA", "inward code (the part after the space) cannot hold I"),
    ("inward letters", "M1 1AL", "M1 1AK", "cannot hold K"),
    ("inward letters", "M1 1NA", "M1 1MA", "cannot hold M"),
    ("inward letters", "M1 1AP", "M1 1AO", "cannot hold O"),
    ("inward letters", "M1 1WA", "M1 1VA", "cannot hold V"),
    (
        "inward shape",
        "M1 1AA",
        "M1 11A",
        "inward code (the part after the space) is a digit and two letters",
    ),
    (
        "inward shape",
        "M1 9ZZ",
        "M1 AAA",
        "inward code (the part after the space) is a digit and two letters",
    ),
    (
        "shape A9",
        "M1 1AE",
        "1M 1AE",
        "outward code (the part before the space) is one or two letters",
    ),
    ("shape A99", "M60 1NW", "M600 1NW", "outward code (the part before the space)"),
    ("shape AA9", "CR2 6XH", "CRR 6XH", "outward code"),
    ("shape AA99", "DN55 1PT", "DNN5 1PT", "outward code"),
    ("shape A9A", "W1A 0AX", "W1AA 0AX", "outward code"),
    ("shape AA9A", "EC1A 1BB", "EC1AB 1BB", "5 to 7 letters and digits"),
    ("length", "M1 1AA", "M11A", "5 to 7 letters and digits"),
    ("characters", "SW1A 1AA", "SW1A-1AA", "letters and digits only"),
    ("characters", "SW1A 1AA", "SW1Á 1AA", "letters and digits only"),
    ("special", "GIR 0AA", "GIR 0AB", "outward code"),
    ("overseas", "ASCN 1ZZ", "ASCN 2ZZ", "outward code"),
    ("forces", "BF1 3AA", "BFPO 123", "A BFPO number is not a postcode: give the BF1 postcode"),
]


@pytest.mark.parametrize(("rule", "kept", "refused", "words"), RULES)
def test_each_postcode_rule_keeps_one_and_refuses_the_other(
    rule: str, kept: str, refused: str, words: str
) -> None:
    assert parse_postcode(kept) == kept
    assert parse_postcode(kept.lower().replace(" ", "")) == kept
    with pytest.raises(FieldError) as caught:
        parse_postcode(refused)
    assert caught.value.field == "postcode"
    assert words in caught.value.message, rule
    assert_no_echo(caught.value, refused)
    # Typed in any case, with or without the space, the same rule is named.
    with pytest.raises(FieldError) as again:
        parse_postcode(f"  {refused.lower().replace(' ', '')} ")
    assert again.value.message == caught.value.message


@pytest.mark.parametrize(
    "typed",
    [
        "GIR 0AA",
        "ASCN 1ZZ",
        "BBND 1ZZ",
        "BIQQ 1ZZ",
        "FIQQ 1ZZ",
        "PCRN 1ZZ",
        "SIQQ 1ZZ",
        "STHL 1ZZ",
        "TDCU 1ZZ",
        "TKCA 1ZZ",
        "GX11 1AA",
        "BF1 3AA",
        "AB1 9ZZ",  # by the rules, though Aberdeen's districts have two digits: not looked up
    ],
)
def test_the_special_postcodes_are_kept(typed: str) -> None:
    assert parse_postcode(typed) == typed
    assert parse_postcode(typed.lower().replace(" ", "")) == typed


@pytest.mark.parametrize(
    ("typed", "words"),
    [
        ("12345", "not a UK postcode"),
        ("SW1A", "5 to 7 letters and digits"),
        ("SW1A 1A", "inward code"),
        ("SW1A 1AAA", "5 to 7 letters and digits"),
        ("1AA 1AA", "outward code"),
        ("AAA 1AA", "outward code"),
        ("not a postcode", "not a UK postcode"),
        ("BFPO 1234", "BFPO number is not a postcode"),
    ],
)
def test_postcodes_refused(typed: str, words: str) -> None:
    with pytest.raises(FieldError) as caught:
        parse_postcode(typed)
    assert caught.value.field == "postcode"
    assert words in caught.value.message
    if typed not in "SW1A 1AA":  # the example in the message may start the same way
        assert_no_echo(caught.value, typed)


def test_the_pattern_and_the_rules_agree() -> None:
    """The quick pattern takes exactly what no rule refuses (every outward shape, every
    letter in every position, a sample of the rest)."""
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    tried = 0
    for first in letters:
        for second in (*letters, "1", "0"):
            for third in ("", *letters, "0", "9"):
                for inward in ("1AA", "0ZZ", f"9{first}{second}" if second.isalpha() else "5AB"):
                    compact = f"{first}{second}{third}{inward}"
                    if len(compact) > 7:
                        continue
                    quick = validate._POSTCODE.fullmatch(compact) is not None
                    assert quick is (validate._postcode_fault(compact) is None), compact
                    tried += 1
    for outward in ("EC1", "SW1", "W1", "A9", "NW1"):
        for letter in letters:
            for inward in ("1AA", f"1{letter}A", f"1A{letter}"):
                compact = f"{outward}{letter}{inward}"
                quick = validate._POSTCODE.fullmatch(compact) is not None
                assert quick is (validate._postcode_fault(compact) is None), compact
                tried += 1
    assert tried > 5000


@pytest.mark.parametrize(
    ("postcode", "key"),
    [("SW1A 1AA", "SW1A1AA"), ("sw1a 1aa", "SW1A1AA"), (" m1  1ae ", "M11AE")],
)
def test_postcode_key(postcode: str, key: str) -> None:
    assert postcode_key(postcode) == key


# --- phones --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("020 7946 0018", "+442079460018"),
        ("02079460018", "+442079460018"),
        ("+44 (0)20 7946 0018", "+442079460018"),
        ("+44 20 7946 0018", "+442079460018"),
        ("+442079460018", "+442079460018"),
        ("0044 20 7946 0018", "+442079460018"),
        ("(020) 7946-0018", "+442079460018"),
        ("  020 7946 0018  ", "+442079460018"),
        ("0044 7700 900123", "+447700900123"),
        ("07700 900123", "+447700900123"),
        ("07700900123", "+447700900123"),
        ("+44 7700 900123", "+447700900123"),
        ("+44 (0)7700 900123", "+447700900123"),
        ("07700 900000", "+447700900000"),
        ("07700 900999", "+447700900999"),
        ("01632 960001", "+441632960001"),
        ("01632 960999", "+441632960999"),
        ("0113 496 0000", "+441134960000"),
        ("0113 496 0999", "+441134960999"),
    ],
)
def test_uk_phones_are_stored_in_e164(typed: str, stored: str) -> None:
    assert parse_phone(typed) == stored


def _by_the_parser(typed: str) -> str | None:
    """What phonenumbers' own parser makes of ``typed``: the answer the shortcut must give."""
    value = typed.strip()
    value = "+" + value[2:] if value.startswith("00") else value
    try:
        number = phonenumbers.parse(value, "GB")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number_for_region(number, "GB"):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


WRITINGS = [
    "{0}{1} {2}",
    "{0}{1}{2}",
    "+44 {1} {2}",
    "+44{1}{2}",
    "+44 (0){1} {2}",
    "0044 {1} {2}",
    " {0}{1} {2} ",
]
NUMBERS = [
    ("0", "20", "7946 0018"),
    ("0", "7700", "900123"),
    ("0", "1632", "960001"),
    ("0", "113", "496 0999"),
    ("0", "7700", "9001234"),  # one digit too many
    ("0", "20", "7946 001"),  # one too few
    ("0", "10", "0000 0000"),  # no such area code
    ("0", "70", "0000 0000"),
    ("0", "4", "000 000 000"),
]


@pytest.mark.parametrize("writing", WRITINGS)
@pytest.mark.parametrize("parts", NUMBERS)
def test_usual_writings_agree_with_the_parser(
    writing: str, parts: tuple[str, str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The shortcut for numbers written the usual ways decides as phonenumbers' parser does,
    # drama numbers apart (so here every number is judged by phonenumbers alone).
    monkeypatch.setattr(validate, "is_drama_number", lambda e164: False)
    typed = writing.format(*parts)
    try:
        stored = parse_phone(typed)
    except FieldError:
        stored = None
    assert stored == _by_the_parser(typed)


@pytest.mark.parametrize("typed", ["", "   "])
def test_an_empty_phone_is_none(typed: str) -> None:
    assert parse_phone(typed) is None


@pytest.mark.parametrize(
    ("typed", "words"),
    [
        ("12", "not a valid UK phone number"),
        ("abc", "not a phone number"),
        ("+33 1 23 45 67 89", "not a valid UK phone number"),
        ("0033 1 23 45 67 89", "not a valid UK phone number"),
        ("07700 9001234", "not a valid UK phone number"),
        ("020 7946 001", "not a valid UK phone number"),
        ("020 7946 00188", "not a valid UK phone number"),
    ],
)
def test_phones_refused(typed: str, words: str) -> None:
    with pytest.raises(FieldError) as caught:
        parse_phone(typed, "mobile")
    assert caught.value.field == "mobile"
    assert words in caught.value.message
    assert_no_echo(caught.value, typed)


def test_phone_error_names_the_field_asked_for() -> None:
    with pytest.raises(FieldError) as caught:
        parse_phone("12", "phone")
    assert caught.value.field == "phone"


@pytest.mark.parametrize(
    ("e164", "drama"),
    [
        ("+447700900000", True),
        ("+447700900123", True),
        ("+447700900999", True),
        ("+447700901000", False),
        ("+447700899999", False),
        ("+4477009001234", False),
        ("+44770090012", False),
        ("+441632960000", True),
        ("+441632960999", True),
        ("+441632961000", False),
        ("+442079460000", True),
        ("+442079460999", True),
        ("+442079461000", False),
        ("+441134960000", True),
        ("+441134960999", True),
        ("+441134961000", False),
    ],
)
def test_drama_ranges(e164: str, drama: bool) -> None:
    assert is_drama_number(e164) is drama


@pytest.mark.parametrize(
    ("e164", "shown"),
    [
        ("+442079460018", "020 7946 0018"),
        ("+447700900123", "07700 900123"),
        ("+441632960001", "01632 960001"),
        ("+441134960000", "0113 496 0000"),
        (None, ""),
        ("", ""),
    ],
)
def test_format_phone_gives_national_format(e164: str | None, shown: str) -> None:
    assert format_phone(e164) == shown


@pytest.mark.parametrize("typed", ["020 7946 0018", "07700 900123", "01632 960001"])
def test_format_phone_round_trips(typed: str) -> None:
    stored = parse_phone(typed)
    assert stored is not None
    assert format_phone(stored) == typed
    assert parse_phone(format_phone(stored)) == stored


@pytest.mark.parametrize(
    ("typed", "query"),
    [
        ("020 7946 0018", "+442079460018"),
        ("+44 20 7946 0018", "+442079460018"),
        ("0044 20 7946 0018", "+442079460018"),
        ("07700 900123", "+447700900123"),
        ("07700900123", "+447700900123"),
        ("01632 960001", "+441632960001"),
        ("020 7946", None),
        ("7946 0018", None),
        ("0018", None),
        ("", None),
        ("Siân", None),
        ("Nguyen 07700 900123", None),
        ("C000123", None),
        ("SW1A 1AA", None),
        ("07700 9001234", None),
        ("+33 1 23 45 67 89", None),
    ],
)
def test_phone_query_only_for_whole_numbers(typed: str, query: str | None) -> None:
    assert phone_query(typed) == query


# --- email ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("bethan@example.org", "bethan@example.org"),
        ("  bethan@example.org  ", "bethan@example.org"),
        ("Bethan.Pryce@Example.org", "Bethan.Pryce@Example.org"),
        ("first.last+carers@example.co.uk", "first.last+carers@example.co.uk"),
        ("o'brien@example.org", "o'brien@example.org"),
        ("a@b.cd", "a@b.cd"),
        ("zoë@example.org", "zoë@example.org"),
        ("name@mail.example.org", "name@mail.example.org"),
    ],
)
def test_emails_accepted(typed: str, stored: str) -> None:
    assert parse_email(typed) == stored


@pytest.mark.parametrize("typed", ["", "   "])
def test_an_empty_email_is_none(typed: str) -> None:
    assert parse_email(typed) is None


@pytest.mark.parametrize(
    "typed",
    [
        "bethan",
        "bethan@",
        "@example.net",
        "bethan@example",
        "bethan@@example.org",
        "bethan@exa@mple.org",
        "beth an@example.org",
        "bethan@example .org",
        "bethan@.example.org",
        "bethan@example..org",
        "bethan@example.org.",
        "bethan.example.org",
        "a" * 250 + "@example.org",
    ],
)
def test_emails_refused(typed: str) -> None:
    with pytest.raises(FieldError) as caught:
        parse_email(typed)
    assert caught.value.field == "email"
    assert "not an email address" in caught.value.message
    assert "name@example.org" in caught.value.message
    assert_no_echo(caught.value, typed)


# --- yes/no --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("yes", True),
        ("Yes", True),
        ("YES", True),
        (" y ", True),
        ("Y", True),
        ("true", True),
        ("True", True),
        ("1", True),
        ("no", False),
        ("No", False),
        ("NO", False),
        ("n", False),
        ("false", False),
        ("0", False),
        ("", None),
        ("   ", None),
    ],
)
def test_yes_no(typed: str, stored: bool | None) -> None:
    assert parse_yes_no(typed) is stored


@pytest.mark.parametrize("typed", ["maybe", "yeah", "nope", "2", "ja", "yes please"])
def test_yes_no_refused(typed: str) -> None:
    with pytest.raises(FieldError) as caught:
        parse_yes_no(typed, "consent_share")
    assert caught.value.field == "consent_share"
    assert caught.value.message == "Answer yes or no."


# --- choices -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("dementia", "dementia"),
        ("Dementia", "dementia"),
        ("  long-term   ILLNESS ", "long_term_illness"),
        ("long_term_illness", "long_term_illness"),
        ("", None),
        ("  ", None),
    ],
)
def test_parse_choice(typed: str, stored: str | None) -> None:
    assert parse_choice(codes.CONDITION, typed) == stored


@pytest.mark.parametrize("typed", ["dementiaa", "flu", "Female"])
def test_parse_choice_refused(typed: str) -> None:
    with pytest.raises(FieldError) as caught:
        parse_choice(codes.CONDITION, typed, "condition")
    assert caught.value.field == "condition"
    assert "listed options" in caught.value.message
    assert_no_echo(caught.value, typed)


def test_parse_choices_in_code_list_order() -> None:
    assert parse_choices(codes.SUPPORT, "Training; Information and advice;training") == [
        "information_advice",
        "training",
    ]


def test_parse_choices_empty_is_an_empty_list() -> None:
    assert parse_choices(codes.SUPPORT, "") == []


def test_parse_choices_refuses_any_unknown_part() -> None:
    with pytest.raises(FieldError) as caught:
        parse_choices(codes.SUPPORT, "training;knitting circle", "support")
    assert caught.value.field == "support"
    assert "listed options" in caught.value.message
    assert "knitting" not in caught.value.message


# --- free text and numbers -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("  Calls on Tuesdays  ", "Calls on Tuesdays"),
        ("", None),
        ("   ", None),
        ("x" * 200, "x" * 200),
    ],
)
def test_parse_text(typed: str, stored: str | None) -> None:
    assert parse_text(typed, max_length=200) == stored


def test_parse_text_too_long() -> None:
    with pytest.raises(FieldError) as caught:
        parse_text("x" * 201, "town", max_length=200)
    assert caught.value.field == "town"
    assert "200 characters at most" in caught.value.message


@pytest.mark.parametrize(
    ("typed", "stored"),
    [("1", 1), ("600", 600), (" 45 ", 45), ("030", 30), ("", None), ("  ", None)],
)
def test_whole_numbers(typed: str, stored: int | None) -> None:
    assert parse_whole_number(typed, 1, 600) == stored


@pytest.mark.parametrize(
    "typed", ["0", "601", "-5", "4.5", "ten", "1e2", "+5", "²", "1²", "½", "10 mins"]
)
def test_whole_numbers_refused(typed: str) -> None:
    with pytest.raises(FieldError) as caught:
        parse_whole_number(typed, 1, 600, "minutes")
    assert caught.value.field == "minutes"
    assert caught.value.message == "Enter a whole number from 1 to 600."


def test_a_stored_moment_is_read_as_the_day_at_the_desk() -> None:
    from datetime import datetime

    from carerdesk.core.validate import local_date

    # 23:30 UTC on a summer Sunday is 00:30 on the Monday in London; in winter, the same day.
    assert local_date(datetime(2026, 6, 14, 23, 30)).isoformat() == "2026-06-15"
    assert local_date(datetime(2026, 11, 22, 23, 30)).isoformat() == "2026-11-22"
