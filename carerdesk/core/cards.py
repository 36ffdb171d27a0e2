"""Card numbers: the organisation's prefix, a serial and a Luhn check digit.

The check digit comes from python-stdnum's Luhn, the scheme of bank cards, so a single
mistyped digit or two neighbours swapped are caught at the desk: ``HC0000123`` becomes
``HC00001230``. Numbers are shown and stored upper case without spaces.

These rules are for carerdesk's own numbers only: a card imported from another system keeps
its number as it came, whatever its scheme, and is found by its folded key (``core.keys``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from carerdesk.core.ages import ADULT
from carerdesk.core.errors import FieldError

if TYPE_CHECKING:
    from carerdesk.core.entries import FieldSpec

SERIAL_DIGITS = 7
_CARD = re.compile(r"([A-Z]{2,4})(\d{4,12})")


def card_number(prefix: str, serial: int) -> str:
    """The card number of ``serial`` under ``prefix``: ``HC`` and 123 give ``HC00001230``."""
    from stdnum import luhn  # here: python-stdnum takes 35 ms to import, start-up none

    digits = f"{serial:0{SERIAL_DIGITS}d}"
    return f"{prefix}{digits}{luhn.calc_check_digit(digits)}"


def compact(text: str) -> str:
    """A card number as typed, without spaces or dashes, upper case."""
    return "".join(ch for ch in text.upper() if ch.isalnum())


def looks_like_card(text: str, prefix: str | None = None) -> bool:
    """Whether ``text`` has the shape of carerdesk's own card numbers: letters, then digits;
    given the organisation's ``prefix``, that prefix then digits (``CC-00042-7`` is another
    scheme's number when the prefix is ``HC``)."""
    match = _CARD.fullmatch(compact(text))
    if match is None:
        return False
    return not prefix or match.group(1) == prefix.upper()


def card_number_problem(text: str, prefix: str | None = None) -> str | None:
    """What is wrong with ``text`` as one of carerdesk's own card numbers (under the
    organisation's ``prefix``, when given), when it has their shape; else None: a number of
    another scheme has no check digit carerdesk knows."""
    if not looks_like_card(text, prefix):
        return None
    try:
        check_card_number(text)
    except FieldError as error:
        return error.message
    return None


def check_card_number(text: str, field: str = "card_number") -> str:
    """A card number with a good check digit, compacted; otherwise a clear refusal."""
    from stdnum import luhn
    from stdnum.exceptions import ValidationError

    number = compact(text)
    match = _CARD.fullmatch(number)
    if match is None:
        raise FieldError(field, "A card number is 2 to 4 letters then digits, such as HC00001230.")
    try:
        luhn.validate(match.group(2))
    except ValidationError:
        raise FieldError(
            field, "That card number's last digit does not match: check it was typed right."
        ) from None
    return number


# Issuing ----------------------------------------------------------------------------------

YOUNG_CARD_TYPES = ("young_carer_card", "emergency_card")
"""The cards offered to someone under 18 on the day of issue."""
ADULT_CARD_TYPES = ("carer_card", "carer_passport", "emergency_card")
"""The cards offered from 18."""
VALID_YEARS = 3
"""How long a card lasts unless the organisation says otherwise (setting ``card_valid_years``)."""


def anniversary(day: date, years: int) -> date:
    """The same day ``years`` later; 29 February falls on 1 March in a common year, as
    English law counts a birthday."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return date(day.year + years, 3, 1)


def types_offered(born: date, on: date) -> tuple[str, ...]:
    """The card types a carer born on ``born`` may be issued on ``on``."""
    return YOUNG_CARD_TYPES if on < anniversary(born, ADULT) else ADULT_CARD_TYPES


def expiry(card_type: str, issued_on: date, born: date, valid_years: int = VALID_YEARS) -> date:
    """When a card issued on ``issued_on`` expires: the day before its anniversary
    ``valid_years`` on, and a young carer card no later than the day before the 18th
    birthday."""
    ends = anniversary(issued_on, valid_years) - timedelta(days=1)
    if card_type == "young_carer_card":
        ends = min(ends, anniversary(born, ADULT) - timedelta(days=1))
    return ends


def check_type(card_type: str, born: date, on: date) -> str:
    """``card_type`` if it may be issued to this carer on ``on``, else a refusal that says
    which may."""
    from carerdesk.core.codes import CARD_TYPE

    offered = types_offered(born, on)
    if card_type not in offered:
        names = ", ".join(CARD_TYPE[code].lower() for code in offered)
        young = offered == YOUNG_CARD_TYPES
        who = f"someone under {ADULT}" if young else f"someone aged {ADULT} or over"
        raise FieldError("card_type", f"For {who}: {names}.")
    return card_type


def check_born_for(
    active: list[tuple[str, str, date]], born: date, then: str = "correct the date of birth"
) -> None:
    """A date of birth that each of the carer's active cards, given as (number, type, issued
    on), suits on the day it was issued (``check_type``): a correction that would make one
    the wrong card for their age asks for that card to be cancelled first, so the register
    never holds an active card its own files would refuse."""
    from carerdesk.core.codes import CARD_TYPE

    for number, card_type, issued_on in active:
        if card_type not in types_offered(born, issued_on):
            raise FieldError(
                "date_of_birth",
                f"Their {CARD_TYPE[card_type].lower()} {number} is still active and was not "
                f"for someone of this age: cancel it first, then {then}.",
            )


def reasons_for(had_one: bool) -> tuple[str, ...]:
    """The reasons a card of a type may be issued for: ``new`` for the carer's first card of
    that type, else ``renewal`` or ``replacement`` (never ``new`` again)."""
    return ("renewal", "replacement") if had_one else ("new",)


def check_reason(reason: str, card_type: str, had_one: bool) -> str:
    """``reason`` if it fits the carer's cards of ``card_type`` (``had_one``: they have had
    one before), else a refusal that says which reason does: the return counts it."""
    from carerdesk.core.codes import CARD_TYPE

    if reason in reasons_for(had_one):
        return reason
    kind = CARD_TYPE[card_type].lower()
    if had_one:
        raise FieldError(
            "issue_reason",
            f"They have had a {kind} before: the reason is renewal or replacement, not new.",
        )
    raise FieldError("issue_reason", f"This is their first {kind}: the reason is new.")


def issue_fields(born: date, on: date) -> dict[str, FieldSpec]:
    """The issue form's fields: the types offered at this age, and the reason."""
    from carerdesk.core.codes import CARD_TYPE, ISSUE_REASON
    from carerdesk.core.entries import FieldSpec
    from carerdesk.core.validate import parse_choice

    offered = {code: CARD_TYPE[code] for code in types_offered(born, on)}
    return {
        "card_type": FieldSpec(
            "Type of card", lambda t, d: parse_choice(offered, t), True, offered
        ),
        "issue_reason": FieldSpec(
            "Reason", lambda t, d: parse_choice(ISSUE_REASON, t), True, ISSUE_REASON
        ),
    }


def cancel_fields() -> dict[str, FieldSpec]:
    """The cancel form's one field: why."""
    from carerdesk.core.entries import FieldSpec
    from carerdesk.core.validate import parse_text

    return {
        "cancel_reason": FieldSpec(
            "Why is the card cancelled?",
            lambda t, d: parse_text(t, max_length=200),
            required=True,
            needed="Say why the card is cancelled.",
        )
    }


EMERGENCY_CONTACTS = 3
"""How many emergency contacts an emergency card carries."""


def emergency_fields() -> dict[str, FieldSpec]:
    """The emergency contacts form: up to three (name, relationship, phone), and whether a
    contingency plan is held."""
    from carerdesk.core.codes import YES_NO
    from carerdesk.core.entries import FieldSpec
    from carerdesk.core.validate import parse_name, parse_phone, parse_text, parse_yes_no

    fields: dict[str, FieldSpec] = {}
    for n in range(1, EMERGENCY_CONTACTS + 1):
        fields[f"name_{n}"] = FieldSpec(
            f"Contact {n}: name", lambda t, d: parse_name(t, "contact's name")
        )
        fields[f"relationship_{n}"] = FieldSpec(
            f"Contact {n}: who they are to the carer", lambda t, d: parse_text(t, max_length=60)
        )
        fields[f"phone_{n}"] = FieldSpec(f"Contact {n}: phone", lambda t, d: parse_phone(t))
    fields["contingency_plan"] = FieldSpec(
        "A contingency plan is held", lambda t, d: parse_yes_no(t), choices=YES_NO
    )
    return fields


def check_emergency(values: Mapping[str, str], today: date) -> dict[str, Any]:
    """The contacts as (name, relationship, phone) in order, and the plan; a contact needs
    both a name and a phone."""
    from carerdesk.core.entries import parse_fields
    from carerdesk.core.errors import InvalidEntry

    parsed, errors = parse_fields(emergency_fields(), values, today)
    contacts = []
    for n in range(1, EMERGENCY_CONTACTS + 1):
        name, phone = parsed.get(f"name_{n}"), parsed.get(f"phone_{n}")
        if name and not phone and f"phone_{n}" not in errors:
            errors[f"phone_{n}"] = "Give a phone number for this contact."
        if phone and not name and f"name_{n}" not in errors:
            errors[f"name_{n}"] = "Whose number is this? Give their name."
        if name and phone:
            contacts.append((name, parsed.get(f"relationship_{n}"), phone))
    if errors:
        raise InvalidEntry(errors)
    return {"contacts": contacts, "contingency_plan": parsed.get("contingency_plan")}


def holder_name(preferred: str | None, first: str, last: str) -> str:
    """The name printed on a card, as on an ID card: the name they go by (their preferred
    name, else their first name) and their surname."""
    return f"{preferred or first} {last}".strip()
