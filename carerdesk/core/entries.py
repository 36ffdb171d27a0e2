"""What a person enters for a carer, a caring role and a contact, checked against data.md.

A form or an import row is a mapping from field name to the text typed. ``check_carer`` and
friends turn it into a frozen dataclass of stored values, or raise ``InvalidEntry`` naming every
bad field at once. ``check_field`` checks one field, for a form that checks as you leave a field.
One set of rules serves the screens, the command line and the importer.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import date, time
from typing import Any

from carerdesk.core import codes, referrals, rules
from carerdesk.core.ages import carer_type as carer_type
from carerdesk.core.errors import FieldError, InvalidEntry
from carerdesk.core.validate import (
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
)

Parser = Callable[[str, date], Any]


@dataclass(frozen=True)
class FieldSpec:
    """How one field is labelled, whether it must be filled, and how its text is checked.

    For a carer's field it is also the one place that says where the field goes: the form's
    section and row, the record, the register files, an event's import, and what a volunteer
    sees of it. Everything that lists carer fields derives from ``CARER_FIELDS`` (and
    ``CARER_KEPT``); a field added there alone is typed, shown, exported and imported.
    """

    label: str
    parse: Parser
    required: bool = False
    choices: codes.CodeList | None = None
    many: bool = False
    needed: str | None = None
    """The message when a required field is left empty (default: "<label> is needed.")."""
    section: str | None = None
    """The heading of the form section it is typed in (one of ``CARER_SECTIONS``); None when
    no form asks for it."""
    row: int = 99
    """Its row within that section: fields of one row number share a line, in declaration
    order (a field given no row has a line of its own at the section's end)."""
    event_row: int | None = None
    """Its row on an event's short form (same sections); None when an event does not ask."""
    record: str = "details"
    """Where a carer's record shows it: ``summary`` (the heading lines), ``details`` (the
    details panel), ``notes`` (a panel of its own) or ``""`` (not shown)."""
    exported: bool = True
    """Whether the register files have its column: named after the field, in declaration
    order (``carer_columns``)."""
    event_fills: bool = False
    """Whether an event's record of the same person fills it in on the register's record
    when the register's is empty (the register's own values are never overwritten)."""
    volunteer: str = "hidden"
    """What a volunteer sees of it: ``shown``, ``age_band`` (a date of birth shown as the age
    band only) or ``hidden``."""


def _name(what: str) -> Parser:
    return lambda text, today: parse_name(text, what)


def _choice(code_list: codes.CodeList) -> Parser:
    return lambda text, today: parse_choice(code_list, text)


def _past(what: str, required: bool = True) -> Parser:
    def parse(text: str, today: date) -> date | None:
        if not required and not text.strip():
            return None
        return parse_past_date(text, today, what)

    return parse


def _free(max_length: int) -> Parser:
    return lambda text, today: parse_text(text, max_length=max_length)


WHO, REACH, CONSENT, CARING, REGISTRATION, NOTES = (
    "Who they are",
    "How to reach them",
    "Consent",
    "Their caring",
    "Registration",
    "Notes",
)
CARER_SECTIONS = (WHO, REACH, CONSENT, CARING, REGISTRATION, NOTES)
"""The carer form's sections, in the order the form shows them."""

_YES_NO = lambda t, d: parse_yes_no(t)  # noqa: E731

CARER_FIELDS: Mapping[str, FieldSpec] = {
    "first_name": FieldSpec(
        "First name", _name("first name"), required=True,
        section=WHO, row=1, event_row=1, record="summary", volunteer="shown",
    ),
    "last_name": FieldSpec(
        "Last name", _name("last name"), required=True,
        section=WHO, row=1, event_row=1, record="summary", volunteer="shown",
    ),
    "preferred_name": FieldSpec(
        "Preferred name", _free(100),
        section=WHO, row=2, event_row=2, record="summary", event_fills=True, volunteer="shown",
    ),
    "date_of_birth": FieldSpec(
        "Date of birth", lambda t, d: parse_birth_date(t, d), required=True,
        section=WHO, row=2, event_row=2, record="summary", volunteer="age_band",
    ),
    "gender": FieldSpec(
        "Gender", _choice(codes.GENDER), choices=codes.GENDER,
        section=WHO, row=3, event_fills=True,
    ),
    "ethnicity": FieldSpec(
        "Ethnicity", _choice(codes.ETHNICITY), choices=codes.ETHNICITY,
        section=WHO, row=3, event_fills=True,
    ),
    "address_line_1": FieldSpec(
        "Address line 1", _free(200), section=REACH, row=3, event_fills=True
    ),
    "address_line_2": FieldSpec(
        "Address line 2", _free(200), section=REACH, row=3, event_fills=True
    ),
    "town": FieldSpec("Town", _free(100), section=REACH, row=4, event_fills=True),
    "postcode": FieldSpec(
        "Postcode", lambda t, d: parse_postcode(t),
        section=REACH, row=4, event_row=2, event_fills=True,
    ),
    "ward": FieldSpec("Ward", _free(100), section=REACH, row=5, event_fills=True),
    "phone": FieldSpec(
        "Phone", lambda t, d: parse_phone(t, "phone"),
        section=REACH, row=1, event_row=2, event_fills=True,
    ),
    "mobile": FieldSpec(
        "Mobile", lambda t, d: parse_phone(t, "mobile"),
        section=REACH, row=1, event_row=1, event_fills=True,
    ),
    "email": FieldSpec(
        "Email", lambda t, d: parse_email(t), section=REACH, row=2, event_row=1, event_fills=True
    ),
    "preferred_contact": FieldSpec(
        "Preferred contact", _choice(codes.PREFERRED_CONTACT), choices=codes.PREFERRED_CONTACT,
        section=REACH, row=2, event_fills=True,
    ),
    "registered_on": FieldSpec(
        "Registered on", _past("registration date"), required=True,
        section=REGISTRATION, row=1, event_row=1, record="summary",
    ),
    "registered_at": FieldSpec(
        "Registered at", _choice(codes.REGISTERED_AT), choices=codes.REGISTERED_AT,
        section=REGISTRATION, row=1, event_row=1,
    ),
    "how_heard": FieldSpec(
        "How they heard of us", _choice(codes.SOURCE), choices=codes.SOURCE,
        section=REGISTRATION, row=1,
    ),
    "hours_caring": FieldSpec(
        "Hours caring a week", _choice(codes.HOURS_CARING), choices=codes.HOURS_CARING,
        section=CARING, row=1, event_fills=True,
    ),
    "parent_carer": FieldSpec(
        "Parent carer", _YES_NO, choices=codes.YES_NO, section=CARING, row=1, event_fills=True
    ),
    "employment": FieldSpec(
        "Employment", _choice(codes.EMPLOYMENT), choices=codes.EMPLOYMENT,
        section=CARING, row=2, event_fills=True,
    ),
    "carers_allowance": FieldSpec(
        "Carer's Allowance", _choice(codes.CARERS_ALLOWANCE), choices=codes.CARERS_ALLOWANCE,
        section=CARING, row=2, event_fills=True,
    ),
    "gp_practice": FieldSpec(
        "GP practice", _free(200), section=CARING, row=3, event_fills=True
    ),
    "consent_store": FieldSpec(
        "Consent to keep their details", _YES_NO, True, codes.YES_NO,
        needed="Ask first: we can only register someone who agrees to us keeping their details.",
        section=CONSENT, row=1, event_row=1, record="",
    ),
    "consent_share": FieldSpec(
        "Consent to share with partners", _YES_NO, choices=codes.YES_NO,
        section=CONSENT, row=1, event_row=1, event_fills=True,
    ),
    "consent_contact": FieldSpec(
        "Consent to news and offers", _YES_NO, choices=codes.YES_NO,
        section=CONSENT, row=1, event_row=1, event_fills=True,
    ),
    "notes": FieldSpec("Notes", _free(5000), section=NOTES, row=1, record="notes"),
}  # fmt: skip
"""The carer fields a person types, in the order of data.md: the one declaration of each."""

CARER_KEPT: Mapping[str, FieldSpec] = {
    "reference": FieldSpec("Reference", _free(20), record="summary", volunteer="shown"),
    "consent_date": FieldSpec(
        "Consent given on", _past("consent date", required=False), record=""
    ),
    "consent_by": FieldSpec("Consent taken by", _free(100), record=""),
    "status": FieldSpec(
        "Status", _choice(codes.STATUS), choices=codes.STATUS, record="summary", volunteer="shown"
    ),
    "closed_on": FieldSpec("Closed on", _past("closing date", required=False), record="summary"),
    "closed_reason": FieldSpec(
        "Closing reason", _choice(codes.CLOSED_REASON), choices=codes.CLOSED_REASON,
        record="summary",
    ),
}  # fmt: skip
"""The carer fields the operations keep, never typed on the carer form (closing has its
own), exported in the place data.md gives them (``KEPT_AFTER``)."""

KEPT_AFTER: Mapping[str, str | None] = {
    "reference": None,
    "consent_date": "consent_store",
    "consent_by": "consent_date",
    "status": "consent_contact",
    "closed_on": "status",
    "closed_reason": "closed_on",
}
"""The field each kept field follows in data.md's order (None: first of all)."""


def carer_columns() -> tuple[str, ...]:
    """The carers file's columns: every exported carer field, in data.md's order."""
    columns = [name for name, spec in CARER_FIELDS.items() if spec.exported]
    for name, after in KEPT_AFTER.items():
        if CARER_KEPT[name].exported:
            columns.insert(0 if after is None else columns.index(after) + 1, name)
    return tuple(columns)


def form_rows(*, event: bool = False) -> list[tuple[str, list[tuple[str, ...]]]]:
    """The carer form's sections, each with its rows of field names (an event's short form
    when ``event``): derived from each field's ``section``, ``row`` and ``event_row``."""
    found: list[tuple[str, list[tuple[str, ...]]]] = []
    for heading in CARER_SECTIONS:
        rows: dict[int, list[str]] = {}
        for name, spec in CARER_FIELDS.items():
            row = spec.event_row if event else spec.row
            if spec.section == heading and row is not None:
                rows.setdefault(row, []).append(name)
        if rows:
            found.append((heading, [tuple(rows[number]) for number in sorted(rows)]))
    return found


def form_order() -> list[str]:
    """Every field of the full carer form, in the order the form shows them."""
    return [name for _, rows in form_rows() for row in rows for name in row]


def record_details() -> list[str]:
    """The fields of a carer's details panel, in the form's order (any not on the form last)."""
    order = form_order()
    order += [name for name in CARER_FIELDS if name not in order]
    return [name for name in order if CARER_FIELDS[name].record == "details"]


def event_fills() -> list[str]:
    """The fields an event's record fills in on the register's record when it is empty."""
    return [name for name, spec in CARER_FIELDS.items() if spec.event_fills]


ROLE_FIELDS: Mapping[str, FieldSpec] = {
    "relationship": FieldSpec(
        "Cared-for person is their", _choice(codes.RELATIONSHIP), choices=codes.RELATIONSHIP
    ),
    "cared_for_age_band": FieldSpec(
        "Cared-for person's age",
        _choice(codes.CARED_FOR_AGE_BAND),
        choices=codes.CARED_FOR_AGE_BAND,
    ),
    "conditions": FieldSpec(
        "Conditions",
        lambda t, d: parse_choices(codes.CONDITION, t),
        choices=codes.CONDITION,
        many=True,
    ),
    "lives_with_carer": FieldSpec(
        "Lives with the carer", lambda t, d: parse_yes_no(t), choices=codes.YES_NO
    ),
    "started_on": FieldSpec("Started caring on", _past("start date", required=False)),
    "ended_on": FieldSpec("Stopped caring on", _past("end date", required=False)),
}
"""The caring role fields, in the order of data.md."""

CONTACT_FIELDS: Mapping[str, FieldSpec] = {
    "contact_on": FieldSpec("Date", _past("contact date"), required=True),
    "contact_time": FieldSpec("Time", lambda t, d: parse_time(t)),
    "channel": FieldSpec("Channel", _choice(codes.CHANNEL), True, codes.CHANNEL),
    "support": FieldSpec(
        "Support given",
        lambda t, d: parse_choices(codes.SUPPORT, t),
        choices=codes.SUPPORT,
        many=True,
    ),
    "minutes": FieldSpec("Minutes", lambda t, d: parse_whole_number(t, 1, 600)),
    "notes": FieldSpec("Notes", _free(5000)),
}
"""The contact fields, in the order of data.md."""

CONTACT_FORM_FIELDS: Mapping[str, FieldSpec] = {
    **CONTACT_FIELDS,
    "support": replace(CONTACT_FIELDS["support"], required=True, needed=rules.SUPPORT_NEEDED),
}
"""The contact form's fields: a contact logged at the desk says what support was given
(``rules.check_support``, which the operations apply too); an older file's contact may not."""


@dataclass(frozen=True)
class CarerEntry:
    """A carer's details as checked, ready to store."""

    first_name: str
    last_name: str
    date_of_birth: date
    registered_on: date
    consent_store: bool
    preferred_name: str | None = None
    gender: str | None = None
    ethnicity: str | None = None
    address_line_1: str | None = None
    address_line_2: str | None = None
    town: str | None = None
    postcode: str | None = None
    ward: str | None = None
    phone: str | None = None
    mobile: str | None = None
    email: str | None = None
    preferred_contact: str | None = None
    registered_at: str | None = None
    how_heard: str | None = None
    hours_caring: str | None = None
    parent_carer: bool | None = None
    employment: str | None = None
    carers_allowance: str | None = None
    gp_practice: str | None = None
    consent_share: bool | None = None
    consent_contact: bool | None = None
    notes: str | None = None
    more: Mapping[str, Any] = field(default_factory=dict)
    """Fields declared in ``CARER_FIELDS`` beyond those above, by name."""

    @property
    def carer_type(self) -> str:
        """The carer type on the registration date."""
        return carer_type(self.date_of_birth, self.registered_on)


ENTRY_FIELDS = frozenset(f.name for f in fields(CarerEntry)) - {"more"}


@dataclass(frozen=True)
class RoleEntry:
    """A caring role as checked."""

    relationship: str | None = None
    cared_for_age_band: str | None = None
    conditions: list[str] = field(default_factory=list)
    lives_with_carer: bool | None = None
    started_on: date | None = None
    ended_on: date | None = None


@dataclass(frozen=True)
class ContactEntry:
    """A contact as checked."""

    contact_on: date
    channel: str
    contact_time: time | None = None
    support: list[str] = field(default_factory=list)
    minutes: int | None = None
    notes: str | None = None


def _empty(spec: FieldSpec, name: str) -> Any:
    if spec.required:
        raise FieldError(name, spec.needed or f"{spec.label} is needed.")
    return [] if spec.many else None


def check_field(specs: Mapping[str, FieldSpec], name: str, text: str, today: date) -> Any:
    """Check one field's text; returns the stored value or raises ``FieldError`` for ``name``."""
    spec = specs[name]
    if not text or text.isspace():
        return _empty(spec, name)
    try:
        return spec.parse(text, today)
    except FieldError as error:
        raise FieldError(name, error.message) from None


def parse_fields(
    specs: Mapping[str, FieldSpec], values: Mapping[str, str], today: date
) -> tuple[dict[str, Any], dict[str, str]]:
    """Each field's stored value, and each bad field's message (a bad field has no value).

    ``check_field`` for every field, written out: an import runs this millions of times."""
    parsed: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for name, spec in specs.items():
        text = values.get(name) or ""
        try:
            if not text or text.isspace():
                parsed[name] = _empty(spec, name)
            else:
                parsed[name] = spec.parse(text, today)
        except FieldError as error:
            errors[name] = error.message
    return parsed, errors


def check_all(
    specs: Mapping[str, FieldSpec], values: Mapping[str, str], today: date
) -> dict[str, Any]:
    """Every field's stored value, or ``InvalidEntry`` naming every bad field at once."""
    parsed, errors = parse_fields(specs, values, today)
    if errors:
        raise InvalidEntry(errors)
    return parsed


def check_carer(
    values: Mapping[str, str], today: date, specs: Mapping[str, FieldSpec] = CARER_FIELDS
) -> CarerEntry:
    """Check every carer field; consent to keep their details must be yes to register."""
    checked = carer_values(values, today, specs)
    more = {name: checked.pop(name) for name in list(checked) if name not in ENTRY_FIELDS}
    return CarerEntry(**checked, more=more)


def carer_values(
    values: Mapping[str, str], today: date, specs: Mapping[str, FieldSpec] = CARER_FIELDS
) -> dict[str, Any]:
    """``check_carer``'s stored values by field name, for an import (no entry object)."""
    parsed, errors = parse_fields(specs, values, today)
    if "consent_store" in parsed and parsed["consent_store"] is not True:
        errors["consent_store"] = (
            "We can only register someone who agrees to us keeping their details."
        )
    if "registered_on" in parsed and "date_of_birth" in parsed:
        try:
            rules.check_registration_date(parsed["registered_on"], parsed["date_of_birth"])
        except FieldError as refused:
            errors[refused.field] = refused.message
    if errors:
        raise InvalidEntry(errors)
    return parsed


def check_role(
    values: Mapping[str, str], today: date, specs: Mapping[str, FieldSpec] = ROLE_FIELDS
) -> RoleEntry:
    """Check a caring role; it cannot end before it started."""
    return RoleEntry(**role_values(values, today, specs))


def role_values(
    values: Mapping[str, str], today: date, specs: Mapping[str, FieldSpec] = ROLE_FIELDS
) -> dict[str, Any]:
    """``check_role``'s stored values by field name."""
    parsed, errors = parse_fields(specs, values, today)
    started, ended = parsed.get("started_on"), parsed.get("ended_on")
    if started and ended and ended < started:
        errors["ended_on"] = "The end date is before the start date."
    if errors:
        raise InvalidEntry(errors)
    return parsed


def check_contact(
    values: Mapping[str, str], today: date, specs: Mapping[str, FieldSpec] = CONTACT_FIELDS
) -> ContactEntry:
    """Check a contact."""
    return ContactEntry(**check_all(specs, values, today))


def field_text(value: Any) -> str:
    """A stored value as a person types it: the inverse of the checks above.

    Dates as ``DD/MM/YYYY``, times as ``HH:MM``, yes/no for booleans, a list of codes with
    ``;``, nothing for None. (Phones need ``validate.format_phone`` for national format.)
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, time):
        return value.strftime("%H:%M")
    if isinstance(value, list):
        return ";".join(str(item) for item in value)
    return str(value)


def entry_values(entry: object) -> dict[str, Any]:
    """The fields of an entry dataclass as a dict, for storing (a carer's ``more`` among them)."""
    values = {f.name: getattr(entry, f.name) for f in fields(entry)}  # type: ignore[arg-type]
    values |= values.pop("more", None) or {}
    return values


CLOSE_FIELDS: Mapping[str, FieldSpec] = {
    "closed_on": FieldSpec("Closed on", _past("closing date"), required=True),
    "closed_reason": FieldSpec(
        "Reason", _choice(codes.CLOSED_REASON), required=True, choices=codes.CLOSED_REASON
    ),
}
"""The fields asked when a carer's record is closed."""


@dataclass(frozen=True)
class CloseEntry:
    """When and why a carer's record is closed."""

    closed_on: date
    closed_reason: str


def check_close(
    values: Mapping[str, str], today: date, specs: Mapping[str, FieldSpec] = CLOSE_FIELDS
) -> CloseEntry:
    """Check a closing date and reason."""
    return CloseEntry(**check_all(specs, values, today))


def _card_number(text: str, today: date) -> str:
    # A card comes in from a register's files: its number as it came, whatever its scheme
    # (only the numbers carerdesk issues have its prefix and check digit).
    from carerdesk.core.keys import check_card_number

    return check_card_number(text)


def _required_date(what: str) -> Parser:
    return lambda text, today: parse_date(text, what)


CARD_FIELDS: Mapping[str, FieldSpec] = {
    "card_number": FieldSpec("Card number", _card_number, required=True),
    "card_type": FieldSpec("Card type", _choice(codes.CARD_TYPE), True, codes.CARD_TYPE),
    "issue_reason": FieldSpec(
        "Reason for issue", _choice(codes.ISSUE_REASON), True, codes.ISSUE_REASON
    ),
    "issued_on": FieldSpec("Issued on", _past("issue date"), required=True),
    "expires_on": FieldSpec("Expires on", _required_date("expiry date"), required=True),
    "status": FieldSpec("Status", _choice(codes.CARD_STATUS), True, codes.CARD_STATUS),
}
"""A card's fields, in the order of data.md (the carer's reference apart)."""

REFERRAL_FIELDS: Mapping[str, FieldSpec] = {
    "destination": FieldSpec("Referred to", _choice(codes.DESTINATION), True, codes.DESTINATION),
    "reason": FieldSpec("Reason", _free(5000), required=True),
    "urgency": FieldSpec("Urgency", _choice(codes.URGENCY), True, codes.URGENCY),
    "status": FieldSpec("Status", _choice(codes.REFERRAL_STATUS), True, codes.REFERRAL_STATUS),
    "made_on": FieldSpec("Sent on", _past("date sent", required=False)),
    "closed_on": FieldSpec("Closed on", _past("closing date", required=False)),
    "outcome": FieldSpec("Outcome", _free(5000)),
}
"""A referral's fields, in the order of data.md (the carer's reference apart)."""


@dataclass(frozen=True)
class CardEntry:
    """A card as checked."""

    card_number: str
    card_type: str
    issue_reason: str
    issued_on: date
    expires_on: date
    status: str


@dataclass(frozen=True)
class ReferralEntry:
    """A referral as checked."""

    destination: str
    reason: str
    urgency: str
    status: str
    made_on: date | None = None
    closed_on: date | None = None
    outcome: str | None = None


def check_card(
    values: Mapping[str, str], today: date, specs: Mapping[str, FieldSpec] = CARD_FIELDS
) -> CardEntry:
    """Check a card: it expires after it was issued."""
    return CardEntry(**card_values(values, today, specs))


def card_values(
    values: Mapping[str, str], today: date, specs: Mapping[str, FieldSpec] = CARD_FIELDS
) -> dict[str, Any]:
    """``check_card``'s stored values by field name."""
    parsed, errors = parse_fields(specs, values, today)
    issued, expires = parsed.get("issued_on"), parsed.get("expires_on")
    if issued and expires and expires <= issued:
        errors["expires_on"] = "The expiry date must be after the issue date."
    if errors:
        raise InvalidEntry(errors)
    return parsed


def check_referral(
    values: Mapping[str, str],
    today: date,
    *,
    consent_share: bool | None,
    specs: Mapping[str, FieldSpec] = REFERRAL_FIELDS,
) -> ReferralEntry:
    """Check a referral: it leaves draft only with the carer's consent to share, a sent one
    has its date, and a closed one its closing date."""
    return ReferralEntry(**referral_values(values, today, consent_share=consent_share, specs=specs))


def referral_values(
    values: Mapping[str, str],
    today: date,
    *,
    consent_share: bool | None,
    specs: Mapping[str, FieldSpec] = REFERRAL_FIELDS,
) -> dict[str, Any]:
    """``check_referral``'s stored values by field name."""
    parsed, errors = parse_fields(specs, values, today)
    status = parsed.get("status")
    # A draft withdrawn at the desk was never sent: it has no date sent and needed no consent.
    unsent = status in referrals.NEXT["draft"] and status != "sent" and not parsed.get("made_on")
    if status and status != "draft" and not (unsent and "made_on" not in errors):
        try:  # the rule of sending one at the desk (confirmed when it was sent)
            referrals.check_send(consent_share, confirmed=True)
        except FieldError as refused:
            errors["status"] = refused.message
        if not parsed.get("made_on") and "made_on" not in errors:
            errors["made_on"] = "A referral that was sent needs the date it was sent."
    if status in referrals.CLOSED and not parsed.get("closed_on") and "closed_on" not in errors:
        closing = ", ".join(referrals.CLOSED[:-1]) + " or " + referrals.CLOSED[-1]
        errors["closed_on"] = f"A {closing} referral needs its closing date."
    made, closed = parsed.get("made_on"), parsed.get("closed_on")
    if made and closed and closed < made:
        errors["closed_on"] = "The closing date is before the date it was sent."
    if errors:
        raise InvalidEntry(errors)
    return parsed


REPEATED = frozenset({"date_of_birth", "contact_time", "minutes"})


def memoised(specs: Mapping[str, FieldSpec]) -> dict[str, FieldSpec]:
    """A copy of ``specs`` whose repeatable fields remember what each text came to.

    For an import, where the same date, code or time comes up thousands of times: codes,
    dates, times and numbers are remembered (names, addresses and notes, mostly different
    each row, are not). Make a fresh copy for each import, so the memory goes with it.
    """
    return {
        name: replace(spec, parse=_remembered(spec.parse))
        if spec.choices is not None or name.endswith("_on") or name in REPEATED
        else spec
        for name, spec in specs.items()
    }


def _remembered(parse: Parser) -> Parser:
    seen: dict[tuple[str, date], tuple[bool, Any]] = {}

    def remembered(text: str, today: date) -> Any:
        known = seen.get((text, today))
        if known is None:
            try:
                known = (True, parse(text, today))
            except FieldError as error:
                known = (False, error)
            seen[(text, today)] = known
        good, result = known
        if not good:
            raise FieldError(result.field, result.message)
        return list(result) if isinstance(result, list) else result

    return remembered
