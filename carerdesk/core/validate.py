"""Checks for single values as typed at the desk or read from a file.

Each ``parse_*`` takes the text a person typed and returns the value to store, ``None`` for
an empty optional value, or raises ``FieldError`` with a message a volunteer understands.
The messages never repeat the value back, so they are safe in any log.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, date, datetime, time

import phonenumbers

from carerdesk.core.codes import CodeList, parse_code, parse_codes
from carerdesk.core.errors import FieldError
from carerdesk.core.text import tidy, tidy_lines

MAX_AGE_YEARS = 110

# The UK postcode's published position rules (Royal Mail's, as ONS and Wikipedia's "Postcodes
# in the United Kingdom", Formatting and validation, set them out). No check that it exists.
_OUTWARD_SHAPES = frozenset({"A9", "A99", "AA9", "AA99", "A9A", "AA9A"})
_NOT_FIRST = "QVX"
_NOT_SECOND = "IJZ"
_THIRD = "ABCDEFGHJKPSTUW"  # the letter of an outward code shaped A9A (W1A)
_FOURTH = "ABEHMNPRVWXY"  # the letter of an outward code shaped AA9A (EC1A)
_NOT_INWARD = "CIKMOV"  # the inward code's letters: none that looks like a digit or another
_SPECIAL_POSTCODES = frozenset(
    {
        "GIR0AA",  # Girobank, the one postcode outside the rules
        # The British Overseas Territories' postcodes in the UK format.
        "ASCN1ZZ",  # Ascension Island
        "BBND1ZZ",  # British Indian Ocean Territory
        "BIQQ1ZZ",  # British Antarctic Territory
        "FIQQ1ZZ",  # Falkland Islands
        "PCRN1ZZ",  # Pitcairn Islands
        "SIQQ1ZZ",  # South Georgia and the South Sandwich Islands
        "STHL1ZZ",  # Saint Helena
        "TDCU1ZZ",  # Tristan da Cunha
        "TKCA1ZZ",  # Turks and Caicos Islands
    }
)
_NOT_A_POSTCODE = "This is not a UK postcode: "
_POSTCODE = re.compile(
    # The same rules as one pattern, for the postcodes that keep them (nearly every one an
    # import reads); ``_postcode_fault`` says which rule another breaks.
    r"(?:[A-PR-UWYZ][A-HK-Y]?[0-9][0-9]?|[A-PR-UWYZ][0-9][A-HJKPSTUW]"
    r"|[A-PR-UWYZ][A-HK-Y][0-9][ABEHMNPRV-Y])[0-9][ABD-HJLNP-UW-Z]{2}"
)
_EMAIL = re.compile(r"^[^@\s]+@[^@\s.]+(?:\.[^@\s.]+)+$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_UK_DATE = re.compile(r"^(\d{1,2})[/.](\d{1,2})[/.](\d{4})$")
_TIME = re.compile(r"^(\d{1,2})[:.](\d{2})$")
_MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]

# Ofcom's numbers reserved for drama, in E.164: demo and training data use them so that no
# invented record can ring a real person. phonenumbers itself calls 07700 900xxx invalid.
_DRAMA_RANGES = (
    ("+447700900000", "+447700900999"),
    ("+441632960000", "+441632960999"),
    ("+442079460000", "+442079460999"),
    ("+441134960000", "+441134960999"),
)


_PLAIN_NAME = re.compile(r"[A-Za-z][A-Za-z '-]*")

CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
"""The characters no typed text may hold: every C0 control but tab, line feed and carriage
return (a line break written the Windows way), DEL, and every C1 control. A terminal acts
on them, a workbook cannot hold most of them, and none is part of a name or a note. They are
refused, not taken out, so that nothing typed or imported is silently changed."""


def check_controls(text: str, what: str) -> None:
    """Refuse ``text`` if it holds a control character (``CONTROL_CHARACTERS``), saying which
    and where (the character's place in the text, counted from 1), never the text itself."""
    found = CONTROL_CHARACTERS.search(text)
    if found is not None:
        raise FieldError(
            what,
            f"This holds a control character (U+{ord(found.group()):04X}) at character "
            f"{found.start() + 1}: take it out.",
        )


def _name_char_ok(ch: str) -> bool:
    return ch in " '’-" or unicodedata.category(ch)[0] in ("L", "M")


def parse_name(text: str, what: str = "name") -> str:
    """A first or last name: letters of any alphabet, apostrophes, hyphens and spaces."""
    check_controls(text, what)
    name = tidy(text)
    if not name:
        raise FieldError(what, f"Enter the {what}.")
    if len(name) > 100:
        raise FieldError(what, f"The {what} is too long: 100 characters at most.")
    if _PLAIN_NAME.fullmatch(name):  # most names, with no need to look at each letter
        return name
    if not all(_name_char_ok(ch) for ch in name):
        raise FieldError(
            what, f"The {what} may hold only letters, apostrophes, hyphens and spaces."
        )
    if not any(unicodedata.category(ch)[0] == "L" for ch in name):
        raise FieldError(what, f"The {what} needs at least one letter.")
    return name


def parse_text(text: str, what: str = "text", max_length: int = 2000) -> str | None:
    """Free text: trimmed, line breaks kept (a tab as a space), None when empty; a control
    character is refused (``check_controls``)."""
    check_controls(text, what)
    value = tidy_lines(text)
    if not value:
        return None
    if len(value) > max_length:
        raise FieldError(what, f"This is too long: {max_length} characters at most.")
    return value


def parse_date(text: str, what: str = "date") -> date:
    """A calendar date written ``YYYY-MM-DD`` or the UK way, ``DD/MM/YYYY``."""
    value = text.strip()
    if not value:
        raise FieldError(what, "Enter a date, such as 21/03/1980.")
    if m := _ISO_DATE.match(value):
        year, month, day = (int(g) for g in m.groups())
    elif m := _UK_DATE.match(value):
        day, month, year = (int(g) for g in m.groups())
    else:
        raise FieldError(what, "Write the date as DD/MM/YYYY, such as 21/03/1980.")
    if not 1 <= month <= 12:
        raise FieldError(what, "There is no month with that number: use 1 to 12.")
    if year < 1000:
        raise FieldError(what, "Write the year in full, such as 1980.")
    try:
        return date(year, month, day)
    except ValueError:
        raise FieldError(
            what, f"There is no {day} {_MONTHS[month - 1]} {year}: check the day."
        ) from None


def parse_past_date(text: str, today: date, what: str = "date") -> date:
    """A date that is today or earlier."""
    value = parse_date(text, what)
    if value > today:
        raise FieldError(what, "This date is in the future: use today or an earlier date.")
    return value


def parse_birth_date(text: str, today: date) -> date:
    """A date of birth: not in the future, and not more than 110 years ago."""
    value = parse_date(text, "date_of_birth")
    if value > today:
        raise FieldError("date_of_birth", "The date of birth is in the future.")
    if value < years_before(today, MAX_AGE_YEARS):
        raise FieldError(
            "date_of_birth",
            f"That is more than {MAX_AGE_YEARS} years ago: check the year.",
        )
    return value


def years_before(day: date, years: int) -> date:
    """The same calendar day ``years`` earlier (28 February for a 29th in a common year)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def age_on(born: date, day: date) -> int:
    """Age in whole years on ``day``, as English law counts it.

    Someone born on 29 February becomes a year older on 1 March in a common year, which the
    tuple comparison gives: (2, 28) is before (2, 29), (3, 1) is not.
    """
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def parse_time(text: str, what: str = "time") -> time | None:
    """A time of day ``HH:MM`` (24-hour clock), None when empty."""
    value = text.strip()
    if not value:
        return None
    m = _TIME.match(value)
    if not m or int(m.group(1)) > 23 or int(m.group(2)) > 59:
        raise FieldError(what, "Write the time as HH:MM on the 24-hour clock, such as 14:30.")
    return time(int(m.group(1)), int(m.group(2)))


def parse_postcode(text: str) -> str | None:
    """A UK postcode by the published position rules, stored upper case with one space:
    ``SW1A 1AA``. The message names the rule broken (only ever one letter of the value).

    Any case, with or without the space. Besides the rules' own shapes, GIR 0AA and the
    Overseas Territories' postcodes (ASCN 1ZZ...) are taken; Gibraltar's GX11 1AA and the
    Forces' BF1 postcodes follow the rules. A BFPO number is not a postcode (it is part of
    the address), and is refused with a message saying so.
    """
    compact = "".join(text.split()).upper()
    if not compact:
        return None
    if not _POSTCODE.fullmatch(compact) and compact not in _SPECIAL_POSTCODES:
        raise FieldError("postcode", _postcode_fault(compact) or _NOT_A_POSTCODE.rstrip(": ") + ".")
    return f"{compact[:-3]} {compact[-3:]}"


def _postcode_fault(compact: str) -> str | None:
    """What breaks the rules in a postcode written without spaces, upper case; None if none."""
    if compact.startswith("BFPO"):
        return (
            "A BFPO number is not a postcode: give the BF1 postcode that goes with it, "
            "such as BF1 3AA, or leave the postcode empty."
        )
    if not (compact.isascii() and compact.isalnum()):
        return _NOT_A_POSTCODE + "a postcode is letters and digits only, such as SW1A 1AA."
    if not 5 <= len(compact) <= 7:
        return _NOT_A_POSTCODE + "a postcode has 5 to 7 letters and digits, such as SW1A 1AA."
    outward, inward = compact[:-3], compact[-3:]
    if not (inward[0].isdigit() and inward[1:].isalpha()):
        return (
            _NOT_A_POSTCODE
            + "the inward code (the part after the space) is a digit and two letters, such as 1AA."
        )
    shape = "".join("9" if ch.isdigit() else "A" for ch in outward)
    if shape not in _OUTWARD_SHAPES:
        return (
            _NOT_A_POSTCODE + "the outward code (the part before the space) is one or two "
            "letters, a digit, and perhaps a second digit or a letter, such as M1, B33, CR2, "
            "DN55, W1A or EC1A."
        )
    if outward[0] in _NOT_FIRST:
        return f"A postcode cannot start with {outward[0]}: its first letter is never Q, V or X."
    if shape[1] == "A" and outward[1] in _NOT_SECOND:
        return f"The second letter of a postcode cannot be {outward[1]}: it is never I, J or Z."
    if shape == "A9A" and outward[2] not in _THIRD:
        return (
            f"The third character of a postcode cannot be {outward[2]}: in one like W1A 1AA "
            "it is A, B, C, D, E, F, G, H, J, K, P, S, T, U or W."
        )
    if shape == "AA9A" and outward[3] not in _FOURTH:
        return (
            f"The fourth character of a postcode cannot be {outward[3]}: in one like EC1A 1BB "
            "it is A, B, E, H, M, N, P, R, V, W, X or Y."
        )
    for letter in inward[1:]:
        if letter in _NOT_INWARD:
            return (
                f"The inward code (the part after the space) cannot hold {letter}: it ends "
                "with two letters, not C, I, K, M, O or V."
            )
    return None


def postcode_key(postcode: str) -> str:
    """A postcode without spaces, upper case, as search compares them."""
    return "".join(postcode.split()).upper()


def is_drama_number(e164: str) -> bool:
    """True for Ofcom's numbers reserved for drama (see ``_DRAMA_RANGES``)."""
    return any(low <= e164 <= high and len(e164) == len(low) for low, high in _DRAMA_RANGES)


_UK_WRITTEN = re.compile(r"(?:\+44 ?(?:\(0\))?|0)([1-9][0-9 ]{8,12})")


def _written_uk(value: str) -> str | None:
    """The ten national digits of ``020 7946 0018``, ``+44 20 7946 0018`` or ``+44 (0)20...``
    (spaces anywhere), else None: an import meets thousands of numbers written these ways,
    and phonenumbers' parser is most of the time a check takes."""
    match = _UK_WRITTEN.fullmatch(value)
    if match is None:
        return None
    digits = match.group(1).replace(" ", "")
    return digits if len(digits) == 10 else None


def parse_phone(text: str, what: str = "phone") -> str | None:
    """A UK phone number written any usual way, stored in E.164: ``+442079460018``."""
    value = text.strip()
    if not value:
        return None
    if value.startswith("00"):
        value = "+" + value[2:]
    written = _written_uk(value)
    if written is not None:
        # The usual ways of writing a UK number need no parser: a drama number, or one
        # phonenumbers finds valid, is stored; anything else gets the parser's full say.
        e164 = f"+44{written}"
        if is_drama_number(e164) or phonenumbers.is_valid_number_for_region(
            phonenumbers.PhoneNumber(country_code=44, national_number=int(written)), "GB"
        ):
            return e164
    try:
        number = phonenumbers.parse(value, "GB")
    except phonenumbers.NumberParseException:
        raise FieldError(
            what, "This is not a phone number: use digits, such as 020 7946 0018."
        ) from None
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    if is_drama_number(e164) or phonenumbers.is_valid_number_for_region(number, "GB"):
        return e164
    raise FieldError(
        what, "This is not a valid UK phone number: check the digits and the area code."
    )


def format_phone(e164: str | None) -> str:
    """A stored E.164 number in national format, such as ``020 7946 0018``."""
    if not e164:
        return ""
    try:
        number = phonenumbers.parse(e164, "GB")
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)


def phone_query(text: str) -> str | None:
    """The E.164 form of a search text that looks like a whole phone number, else None."""
    digits = sum(ch.isdigit() for ch in text)
    if digits < 10 or any(ch.isalpha() for ch in text):
        return None
    try:
        return parse_phone(text)
    except FieldError:
        return None


def parse_email(text: str) -> str | None:
    """An email address that is syntactically valid."""
    value = text.strip()
    if not value:
        return None
    if len(value) > 254 or not _EMAIL.match(value):
        raise FieldError(
            "email", "This is not an email address: it should look like name@example.org."
        )
    return value


def parse_yes_no(text: str, what: str = "answer") -> bool | None:
    """``yes`` or ``no`` (also y/n, true/false, 1/0), None when empty."""
    value = text.strip().casefold()
    if not value:
        return None
    if value in ("yes", "y", "true", "1"):
        return True
    if value in ("no", "n", "false", "0"):
        return False
    raise FieldError(what, "Answer yes or no.")


def parse_choice(codes: CodeList, text: str, what: str = "choice") -> str | None:
    """One code of a code list, given as its code or its label in any case."""
    if not text.strip():
        return None
    code = parse_code(codes, text)
    if code is None:
        raise FieldError(what, "Choose one of the listed options.")
    return code


def parse_choices(codes: CodeList, text: str, what: str = "choices") -> list[str]:
    """Codes of a code list separated by ``;``, in code-list order."""
    found, unknown = parse_codes(codes, text)
    if unknown:
        raise FieldError(what, "Choose only from the listed options.")
    return found


def parse_whole_number(text: str, low: int, high: int, what: str = "number") -> int | None:
    """A whole number from ``low`` to ``high``, None when empty."""
    value = text.strip()
    if not value:
        return None
    # isascii: str.isdigit() is also true of "²", which int() cannot read.
    if not (value.isascii() and value.isdigit()) or not low <= int(value) <= high:
        raise FieldError(what, f"Enter a whole number from {low} to {high}.")
    return int(value)


def local_date(stamp: datetime) -> date:
    """The day in Europe/London of a moment stored in UTC (records' ``created_at``): a draft
    made at 00:30 in summer was made that day, not the evening before."""
    from zoneinfo import ZoneInfo

    return stamp.replace(tzinfo=UTC).astimezone(ZoneInfo("Europe/London")).date()


def local_time(stamp: datetime) -> datetime:
    """A moment stored in UTC (records' stamps, a sign-in, an audit entry) as the desk's clock
    showed it (Europe/London: an hour ahead in summer)."""
    from zoneinfo import ZoneInfo

    return stamp.replace(tzinfo=UTC).astimezone(ZoneInfo("Europe/London"))


def local_day_start(day: date) -> datetime:
    """The moment, as stored (naive UTC), at which ``day`` began at the desk: a filter "from
    1 July" includes 00:30 on 1 July in summer, stored as 23:30 on 30 June."""
    from zoneinfo import ZoneInfo

    start = datetime.combine(day, time(), ZoneInfo("Europe/London"))
    return start.astimezone(UTC).replace(tzinfo=None)


def now_local() -> datetime:
    """The current date and time in Europe/London, as the desk records it."""
    from zoneinfo import ZoneInfo

    return datetime.now(ZoneInfo("Europe/London"))
