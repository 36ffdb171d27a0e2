"""Who may do what: the three roles, what each may do, and the PIN rules.

Pure rules, checked by the operations in ``carerdesk.db`` so that the screens and the command
line obey them alike. A refusal says why, in words a volunteer understands.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from carerdesk.core.entries import FieldSpec, check_all
from carerdesk.core.errors import FieldError, InvalidEntry, NotAllowed
from carerdesk.core.rules import parse_wards
from carerdesk.core.text import fold, tidy
from carerdesk.core.validate import format_phone, parse_phone


class Role(StrEnum):
    """A staff account's role (the code list ``role``)."""

    VOLUNTEER = "volunteer"
    STAFF = "staff"
    COORDINATOR = "coordinator"


class Can(StrEnum):
    """Something a person may be allowed to do. The value completes "may not ..."."""

    FIND = "find carers"
    REGISTER = "register carers"
    LOG_CONTACT = "log contacts"
    SEE_DETAILS = "see a carer's full details (in search results and the record)"
    EDIT = "change a carer's details, caring roles or contacts"
    CLOSE = "close or reopen a carer's record"
    MANAGE_USERS = "add, change or deactivate staff accounts"
    EXPORT = "export the register in bulk"
    MAKE_RETURN = "make the weekly return"
    ISSUE_CARDS = "issue or cancel carer cards"
    REFER = "make or change referrals"
    IMPORT = "import register files"
    MERGE = "merge duplicate records"
    ERASE = "erase a carer's record"
    SUBJECT_ACCESS = "give a carer a copy of everything held about them"
    VIEW_AUDIT = "view the audit trail"
    CHANGE_SETTINGS = "change the organisation's settings"
    REPLACE_AUDIT_KEY = "sign the audit trail with a new key"


VOLUNTEER_MAY = frozenset({Can.FIND, Can.REGISTER, Can.LOG_CONTACT})
COORDINATOR_ONLY = frozenset(
    {
        Can.MANAGE_USERS,
        Can.EXPORT,
        Can.MAKE_RETURN,
        Can.IMPORT,
        Can.MERGE,
        Can.ERASE,
        Can.SUBJECT_ACCESS,
        Can.VIEW_AUDIT,
        Can.CHANGE_SETTINGS,
        Can.REPLACE_AUDIT_KEY,
    }
)
ALLOWED: dict[Role, frozenset[Can]] = {
    Role.VOLUNTEER: VOLUNTEER_MAY,
    Role.STAFF: frozenset(Can) - COORDINATOR_ONLY,
    Role.COORDINATOR: frozenset(Can),
}
ROLE_NOUN = {
    Role.VOLUNTEER: "A volunteer",
    Role.STAFF: "A member of staff",
    Role.COORDINATOR: "A coordinator",
}
WHO_MAY = {
    Role.VOLUNTEER: "ask a member of staff",
    Role.STAFF: "ask your coordinator",
}


@dataclass(frozen=True)
class Actor:
    """The person an action is done by: every write and every audit entry names one."""

    name: str
    role: Role
    user_id: str | None = None

    def may(self, action: Can) -> bool:
        """Whether this person's role allows ``action``."""
        return action in ALLOWED[self.role]

    def require(self, action: Can) -> None:
        """Refuse with a clear reason unless this person may do ``action``."""
        if not self.may(action):
            raise NotAllowed(
                f"{ROLE_NOUN[self.role]} may not {action.value}: {WHO_MAY[self.role]}."
            )


SYSTEM = Actor("carerdesk", Role.COORDINATOR)
"""The program itself, for what no person does (filling a demo register)."""

PIN_PATTERN = re.compile(r"[0-9]{4,8}")


def check_pin(text: str, field: str = "pin") -> str:
    """A PIN of 4 to 8 digits; the message never repeats what was typed."""
    pin = text.strip()
    if not pin:
        raise FieldError(field, "Enter a PIN of 4 to 8 digits.")
    if not PIN_PATTERN.fullmatch(pin):
        raise FieldError(field, "A PIN is 4 to 8 digits, nothing else.")
    if len(set(pin)) == 1 or pin in "0123456789012345678" or pin in "9876543210987654321":
        raise FieldError(field, "That PIN is too easy to guess: avoid repeats and runs.")
    return pin


def check_user_name(text: str, field: str = "name") -> str:
    """A staff member's name as they will type it at sign-in: 2 to 60 characters."""
    name = tidy(text)
    if not name:
        raise FieldError(field, "Enter the person's name.")
    if len(name) < 2 or len(name) > 60:
        raise FieldError(field, "A name is 2 to 60 characters.")
    return name


def name_key(name: str) -> str:
    """How a staff name is matched at sign-in and on the command line: any case, any accent."""
    return fold(tidy(name))


def parse_role(text: str, field: str = "role") -> Role:
    """A role typed in any case."""
    try:
        return Role(text.strip().lower())
    except ValueError:
        raise FieldError(field, "Choose volunteer, staff or coordinator.") from None


def check_card_prefix(text: str, field: str = "card_prefix") -> str:
    """The letters every card number of the organisation starts with: 2 to 4 of them."""
    prefix = tidy(text).upper()
    if not (2 <= len(prefix) <= 4 and prefix.isascii() and prefix.isalpha()):
        raise FieldError(field, "A card prefix is 2 to 4 letters, such as HC.")
    return prefix


def _phone(text: str, today: date) -> str:
    stored = parse_phone(text, "organisation_phone") if text.strip() else None
    return format_phone(stored) if stored else ""


def initials(name: str) -> str:
    """A card prefix from an organisation's name: ``Harrow Carers`` -> ``HC``."""
    letters = [word[0] for word in fold(name).split() if word[:1].isascii() and word[:1].isalpha()]
    prefix = "".join(letters[:4]).upper()
    return prefix if len(prefix) >= 2 else (prefix + "CD")[:2]


ROLE_LABELS = {
    Role.VOLUNTEER.value: "Volunteer (registers, logs contacts, finds carers)",
    Role.STAFF.value: "Staff (everything but accounts, bulk export, merging, erasure)",
    Role.COORDINATOR.value: "Coordinator (everything)",
}

SETUP_FIELDS: dict[str, FieldSpec] = {
    "organisation_name": FieldSpec(
        "Organisation's name", lambda text, today: tidy(text), required=True
    ),
    "organisation_phone": FieldSpec("Phone number carers call", _phone),
    "card_prefix": FieldSpec(
        "Card number prefix (2 to 4 letters; blank: the name's initials)",
        lambda text, today: check_card_prefix(text) if text.strip() else "",
    ),
    "coordinator": FieldSpec(
        "Your name (the first coordinator)",
        lambda text, today: check_user_name(text),
        required=True,
    ),
    "pin": FieldSpec(
        "Your PIN (4 to 8 digits)", lambda text, today: check_pin(text), required=True
    ),
    "pin_again": FieldSpec("The same PIN again", lambda text, today: text.strip(), required=True),
}

USER_FIELDS: dict[str, FieldSpec] = {
    "name": FieldSpec("Name", lambda text, today: check_user_name(text), required=True),
    "role": FieldSpec(
        "Role", lambda text, today: parse_role(text), required=True, choices=ROLE_LABELS
    ),
    "pin": FieldSpec("PIN (4 to 8 digits)", lambda text, today: check_pin(text), required=True),
}


def check_setup(values: Mapping[str, str]) -> dict[str, Any]:
    """The first-run answers checked; the PIN typed twice must match."""
    try:
        checked = check_all(SETUP_FIELDS, values, date.min)
    except InvalidEntry as error:
        errors = error.errors
    else:
        errors = {}
        if checked["pin"] != checked["pin_again"]:
            errors["pin_again"] = "The two PINs are not the same."
        else:
            checked["card_prefix"] = checked["card_prefix"] or initials(
                checked["organisation_name"]
            )
            return checked
    raise InvalidEntry(errors)


def check_new_user(values: Mapping[str, str]) -> dict[str, Any]:
    """A new account's name, role and PIN checked."""
    return check_all(USER_FIELDS, values, date.min)


PIN_FIELDS: dict[str, FieldSpec] = {
    "pin": FieldSpec("New PIN (4 to 8 digits)", lambda text, today: check_pin(text), required=True),
    "pin_again": FieldSpec("The same PIN again", lambda text, today: text.strip(), required=True),
}


def check_new_pin(values: Mapping[str, str]) -> str:
    """A new PIN, typed twice alike."""
    checked = check_all(PIN_FIELDS, values, date.min)
    if checked["pin"] != checked["pin_again"]:
        raise InvalidEntry({"pin_again": "The two PINs are not the same."})
    return str(checked["pin"])


def _whole(low: int, high: int) -> Callable[[str, date], str]:
    def parse(text: str, today: date) -> str:
        value = text.strip()
        if not value.isascii() or not value.isdigit() or not low <= int(value) <= high:
            raise FieldError("value", f"A whole number from {low} to {high}.")
        return str(int(value))

    return parse


BULK_READ_LIMIT = 6000
"""Carers' records a person may read in 24 hours (search results shown plus records opened)
before each further search is slowed and the coordinator told (the ``bulk_read_limit``).

Measured on the demo register (``carerdesk demo --no-open``, 2,000 carers): its busiest
desk-day is one member of staff's 11 contacts in a day; finding each of those carers by
typing the surname a letter at a time (up to five letters, a search at each) and opening the
record reads 588 records. The default is ten times that, rounded: a desk never meets it, a
person copying the register meets it within a few hundred searches."""

PASSPORT_SETTINGS = {
    "passport_hospital": "At the hospital",
    "passport_gp": "At the GP practice",
    "passport_pharmacy": "At the pharmacy",
    "passport_employer": "At work",
    "passport_leisure": "At the leisure centre",
}
"""The settings where a carer passport's back is printed from: what the organisation has
agreed with each place for the holder (empty until agreed; an empty one is left off)."""

SETTINGS: dict[str, FieldSpec] = {
    "organisation_name": FieldSpec(
        "The organisation's name", lambda text, today: tidy(text), required=True
    ),
    "organisation_phone": FieldSpec("Phone number carers call", _phone),
    "card_prefix": FieldSpec(
        "Card number prefix", lambda text, today: check_card_prefix(text), required=True
    ),
    "idle_lock_minutes": FieldSpec(
        "Minutes without a key before the screen locks", _whole(1, 120), required=True
    ),
    "pin_hash_time_cost": FieldSpec("Argon2 passes over memory", _whole(1, 10), required=True),
    "pin_hash_memory_kib": FieldSpec(
        "Argon2 memory in KiB", _whole(1024, 1_048_576), required=True
    ),
    "pin_hash_parallelism": FieldSpec("Argon2 lanes", _whole(1, 16), required=True),
    "card_valid_years": FieldSpec("Years a card lasts", _whole(1, 10), required=True),
    "referral_chase_days": FieldSpec(
        "Days before an unacknowledged referral is chased", _whole(1, 90), required=True
    ),
    "bulk_read_limit": FieldSpec(
        "Records a person may read in 24 hours before searches slow",
        _whole(100, 10_000_000),
        required=True,
    ),
    "retention_years": FieldSpec(
        "Years after a record's last activity before it is reviewed for erasure",
        _whole(1, 100),
        required=True,
    ),
    "wards": FieldSpec(
        "The organisation's wards, separated by ; (empty: no list)",
        lambda text, today: parse_wards(text),
    ),
    **{
        key: FieldSpec(f"Carer passport: {setting.lower()}", lambda text, today: tidy(text)[:300])
        for key, setting in PASSPORT_SETTINGS.items()
    },
}
"""The settings a coordinator may change, each checked like a form field."""
