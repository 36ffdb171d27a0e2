"""The services a centre refers carers to: the organisation's own list, which it edits.

Each service has a code (kept for ever: past referrals and register files name it), a name
the desk sees, the contact details printed on its referral forms, and the category of the
commissioner's return it counts under (``codes.DESTINATION``, the list of ``spec/data.md``).
A centre adds its local services, renames one, or retires one it no longer refers to; a
retired service keeps its name on the referrals already made to it and in the register
files, but is no longer offered for new referrals.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from typing import TYPE_CHECKING

from carerdesk.core import codes
from carerdesk.core.errors import FieldError
from carerdesk.core.text import fold, tidy

if TYPE_CHECKING:
    from carerdesk.core.entries import FieldSpec

CODE_LENGTH = 40
NAME_LENGTH = 100
CONTACT_LENGTH = 300


def check_name(text: str, others: Collection[str] = ()) -> str:
    """A service's name: needed, not too long, and not the name of another service on the
    list (compared without case or accents), so the desk never has two to choose between."""
    name = tidy(text)
    if not name:
        raise FieldError("name", "Give the service's name.")
    if len(name) > NAME_LENGTH:
        raise FieldError("name", f"This is too long: {NAME_LENGTH} characters at most.")
    if fold(name) in {fold(other) for other in others}:
        raise FieldError("name", "Another service on the list has this name.")
    return name


def check_contact(text: str) -> str | None:
    """How to reach the service (an address, a secure email, a phone): free text."""
    contact = tidy(text)
    if len(contact) > CONTACT_LENGTH:
        raise FieldError("contact", f"This is too long: {CONTACT_LENGTH} characters at most.")
    return contact or None


def new_code(name: str, taken: Collection[str]) -> str:
    """A code for a new service, made from its name: ``Harrow Young Carers`` ->
    ``harrow_young_carers``, with ``_2``, ``_3``... when the code is already taken."""
    stem = re.sub(r"[^a-z0-9]+", "_", fold(name)).strip("_")[:CODE_LENGTH] or "service"
    code, n = stem, 1
    while code in taken:
        n += 1
        suffix = f"_{n}"
        code = stem[: CODE_LENGTH - len(suffix)] + suffix
    return code


def service_fields(*, category: bool = True) -> dict[str, FieldSpec]:
    """The add-or-change form of a service. Its return category is chosen when it is added
    and fixed once referrals have been made to it (``category=False`` leaves it out), so a
    week already returned does not move."""
    from carerdesk.core.entries import FieldSpec
    from carerdesk.core.validate import parse_choice

    fields = {
        "name": FieldSpec(
            "Name of the service", lambda t, d: check_name(t), required=True,
            needed="Give the service's name.",
        ),
        "contact": FieldSpec(
            "How to reach them (printed on the referral form)", lambda t, d: check_contact(t)
        ),
    }  # fmt: skip
    if category:
        fields["counts_as"] = FieldSpec(
            "Counts in the weekly return as",
            lambda t, d: parse_choice(codes.DESTINATION, t),
            True,
            codes.DESTINATION,
            needed="Choose what it counts as in the weekly return ('Other' if none fits).",
        )
    return fields


def offered(services: Mapping[str, tuple[str, bool]]) -> dict[str, str]:
    """Of ``code -> (name, retired)``, the services offered for a new referral, by code."""
    return {code: name for code, (name, retired) in services.items() if not retired}
