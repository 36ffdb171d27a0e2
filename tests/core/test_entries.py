"""Whole entries: a carer, a caring role, a contact and a closing, checked field by field."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, time

import pytest

from carerdesk.core.entries import (
    CARER_FIELDS,
    CARER_KEPT,
    CLOSE_FIELDS,
    CONTACT_FIELDS,
    ROLE_FIELDS,
    CarerEntry,
    CloseEntry,
    ContactEntry,
    FieldSpec,
    RoleEntry,
    carer_type,
    check_carer,
    check_close,
    check_contact,
    check_field,
    check_role,
    entry_values,
)
from carerdesk.core.errors import (
    CarerdeskError,
    DatabaseBusy,
    FieldError,
    InvalidEntry,
    NotAllowed,
    NotFound,
)

# An invented carer; the phone numbers are in Ofcom's drama ranges.
CARER: dict[str, str] = {
    "first_name": "Siân",
    "last_name": "Pryce-Nguyễn",
    "date_of_birth": "14/06/1985",
    "registered_on": "2026-11-20",
    "consent_store": "yes",
}

FULL_CARER: dict[str, str] = {
    **CARER,
    "preferred_name": "  Sia  ",
    "gender": "Female",
    "ethnicity": "white_and_asian",
    "address_line_1": "1 Example Row",
    "address_line_2": "",
    "town": "Testbury",
    "postcode": "m1 1ae",
    "ward": "Riverside",
    "phone": "0113 496 0000",
    "mobile": "07700 900123",
    "email": "sian.pryce@example.org",
    "preferred_contact": "Text message",
    "registered_at": "drop-in",
    "how_heard": "GP",
    "hours_caring": "20 to 34 hours a week",
    "parent_carer": "no",
    "employment": "part_time",
    "carers_allowance": "Not known",
    "gp_practice": "Example Surgery",
    "consent_share": "Y",
    "consent_contact": "n",
    "notes": "Prefers mornings.",
}


def carer(**changes: str) -> dict[str, str]:
    return {**CARER, **changes}


Check = Callable[[Mapping[str, str], date], object]
Specs = Mapping[str, FieldSpec]


def refused(check: Check, values: Mapping[str, str], today: date) -> dict[str, str]:
    """The errors of an entry that is refused."""
    with pytest.raises(InvalidEntry) as caught:
        check(values, today)
    return caught.value.errors


def assert_no_echo(errors: Mapping[str, str], values: Mapping[str, str]) -> None:
    for name, message in errors.items():
        typed = values.get(name, "").strip()
        if len(typed) >= 2:
            assert typed.casefold() not in message.casefold(), name


# --- carer type ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("born", "on", "kind"),
    [
        (date(2010, 1, 1), date(2026, 11, 23), "young_carer"),
        (date(2026, 11, 23), date(2026, 11, 23), "young_carer"),
        # 17 / 18
        (date(2008, 11, 23), date(2026, 11, 22), "young_carer"),
        (date(2008, 11, 23), date(2026, 11, 23), "young_adult_carer"),
        # 25 / 26
        (date(2000, 11, 23), date(2026, 11, 22), "young_adult_carer"),
        (date(2000, 11, 23), date(2026, 11, 23), "adult_carer"),
        # 64 / 65
        (date(1961, 11, 23), date(2026, 11, 22), "adult_carer"),
        (date(1961, 11, 23), date(2026, 11, 23), "older_carer"),
        (date(1916, 11, 23), date(2026, 11, 23), "older_carer"),
        # Born on 29 February: 18 on 1 March in a common year, not on 28 February.
        (date(2008, 2, 29), date(2026, 2, 28), "young_carer"),
        (date(2008, 2, 29), date(2026, 3, 1), "young_adult_carer"),
        (date(2000, 2, 29), date(2026, 2, 28), "young_adult_carer"),
        (date(2000, 2, 29), date(2026, 3, 1), "adult_carer"),
        (date(1960, 2, 29), date(2025, 2, 28), "adult_carer"),
        (date(1960, 2, 29), date(2025, 3, 1), "older_carer"),
        # ...and on 29 February itself in a leap year.
        (date(2012, 2, 29), date(2030, 2, 28), "young_carer"),
        (date(2012, 2, 29), date(2030, 3, 1), "young_adult_carer"),
    ],
)
def test_carer_type(born: date, on: date, kind: str) -> None:
    assert carer_type(born, on) == kind


@pytest.mark.parametrize(
    ("born", "kind"),
    [
        ("2008-11-20", "young_adult_carer"),
        ("2008-11-21", "young_carer"),
        ("14/06/1985", "adult_carer"),
        ("20/11/1961", "older_carer"),
        ("21/11/1961", "adult_carer"),
    ],
)
def test_a_carer_entry_knows_its_type_on_the_registration_date(
    born: str, kind: str, today: date
) -> None:
    # Registered on 20/11/2026, three days before "today".
    entry = check_carer(carer(date_of_birth=born), today)
    assert entry.carer_type == kind


# --- check_carer ---------------------------------------------------------------------------


def test_the_least_a_carer_needs(today: date) -> None:
    entry = check_carer(CARER, today)
    assert entry == CarerEntry(
        first_name="Siân",
        last_name="Pryce-Nguyễn",
        date_of_birth=date(1985, 6, 14),
        registered_on=date(2026, 11, 20),
        consent_store=True,
    )
    assert entry.postcode is None
    assert entry.phone is None
    assert entry.consent_share is None


def test_every_field_is_stored_in_its_stored_form(today: date) -> None:
    entry = check_carer(FULL_CARER, today)
    assert entry_values(entry) == {
        "first_name": "Siân",
        "last_name": "Pryce-Nguyễn",
        "date_of_birth": date(1985, 6, 14),
        "registered_on": date(2026, 11, 20),
        "consent_store": True,
        "preferred_name": "Sia",
        "gender": "female",
        "ethnicity": "white_and_asian",
        "address_line_1": "1 Example Row",
        "address_line_2": None,
        "town": "Testbury",
        "postcode": "M1 1AE",
        "ward": "Riverside",
        "phone": "+441134960000",
        "mobile": "+447700900123",
        "email": "sian.pryce@example.org",
        "preferred_contact": "text",
        "registered_at": "drop_in",
        "how_heard": "gp",
        "hours_caring": "20_34",
        "parent_carer": False,
        "employment": "part_time",
        "carers_allowance": "not_known",
        "gp_practice": "Example Surgery",
        "consent_share": True,
        "consent_contact": False,
        "notes": "Prefers mornings.",
    }


def test_every_carer_field_has_a_stored_place() -> None:
    assert set(CARER_FIELDS) == {f for f in CarerEntry.__dataclass_fields__} - {"more"}


def test_unknown_keys_and_none_values_are_ignored(today: date) -> None:
    values: dict[str, str | None] = {**CARER, "reference": "C000123", "town": None}
    entry = check_carer(values, today)  # type: ignore[arg-type]
    assert entry.town is None


def test_names_are_trimmed_and_composed(today: date) -> None:
    entry = check_carer(carer(first_name="  Sia\u0302n  ", last_name=" O'Brien   Smith "), today)
    assert entry.first_name == "Siân"
    assert entry.last_name == "O'Brien Smith"


def test_a_carer_is_a_frozen_record(today: date) -> None:
    entry = check_carer(CARER, today)
    with pytest.raises(AttributeError):
        entry.first_name = "Zoë"  # type: ignore[misc]


def test_every_bad_field_is_named_at_once(today: date) -> None:
    values = {
        "first_name": "B3than",
        "last_name": "",
        "date_of_birth": "31/02/1990",
        "registered_on": "24/11/2026",
        "consent_store": "perhaps",
        "postcode": "QQ1 1AA",
        "phone": "12",
        "mobile": "+33 1 23 45 67 89",
        "email": "sian@example",
        "gender": "unicorn",
        "parent_carer": "maybe",
        "preferred_name": "x" * 101,
    }
    errors = refused(check_carer, values, today)
    assert set(errors) == set(values)
    assert errors["first_name"] == (
        "The first name may hold only letters, apostrophes, hyphens and spaces."
    )
    assert errors["last_name"] == "Last name is needed."
    assert "31 February 1990" in errors["date_of_birth"]
    assert "in the future" in errors["registered_on"]
    assert errors["consent_store"] == "Answer yes or no."
    assert "postcode" in errors["postcode"]
    assert "phone number" in errors["phone"]
    assert "phone number" in errors["mobile"]
    assert "email address" in errors["email"]
    assert "listed options" in errors["gender"]
    assert errors["parent_carer"] == "Answer yes or no."
    assert "100 characters at most" in errors["preferred_name"]
    assert_no_echo(errors, values)


def test_invalid_entry_counts_the_fields(today: date) -> None:
    with pytest.raises(InvalidEntry) as caught:
        check_carer(carer(first_name="", last_name="", postcode="12345"), today)
    assert str(caught.value) == "3 fields need attention before this can be saved."


def test_an_empty_form_asks_for_each_required_field(today: date) -> None:
    errors = refused(check_carer, {}, today)
    assert errors == {
        "first_name": "First name is needed.",
        "last_name": "Last name is needed.",
        "date_of_birth": "Date of birth is needed.",
        "registered_on": "Registered on is needed.",
        "consent_store": (
            "Ask first: we can only register someone who agrees to us keeping their details."
        ),
    }


@pytest.mark.parametrize("answer", ["yes", "Yes", "y", "true", "1"])
def test_consent_to_store_yes(answer: str, today: date) -> None:
    assert check_carer(carer(consent_store=answer), today).consent_store is True


@pytest.mark.parametrize("answer", ["no", "No", "n", "0"])
def test_consent_to_store_must_be_yes(answer: str, today: date) -> None:
    errors = refused(check_carer, carer(consent_store=answer), today)
    assert errors == {
        "consent_store": "We can only register someone who agrees to us keeping their details."
    }


def test_consent_to_store_left_empty_asks_first(today: date) -> None:
    errors = refused(check_carer, carer(consent_store="  "), today)
    assert list(errors) == ["consent_store"]
    assert errors["consent_store"].startswith("Ask first")


def test_a_refused_consent_is_named_with_the_other_bad_fields(today: date) -> None:
    errors = refused(check_carer, carer(consent_store="no", postcode="12345"), today)
    assert set(errors) == {"consent_store", "postcode"}


def test_a_registration_before_birth_is_named_with_the_other_bad_fields(today: date) -> None:
    values = carer(date_of_birth="2020-01-02", registered_on="01/01/2020", email="x")
    errors = refused(check_carer, values, today)
    assert set(errors) == {"registered_on", "email"}


@pytest.mark.parametrize(
    ("born", "registered"),
    [("2020-01-02", "2020-01-01"), ("14/06/1985", "13/06/1985"), ("01/01/2026", "31/12/2025")],
)
def test_a_registration_before_birth_is_refused(born: str, registered: str, today: date) -> None:
    errors = refused(check_carer, carer(date_of_birth=born, registered_on=registered), today)
    assert errors == {"registered_on": "The registration date is before the date of birth."}


def test_a_baby_may_be_registered_on_the_day_of_birth(today: date) -> None:
    entry = check_carer(carer(date_of_birth="20/11/2026", registered_on="20/11/2026"), today)
    assert entry.carer_type == "young_carer"


@pytest.mark.parametrize("registered", ["24/11/2026", "2027-01-01"])
def test_a_registration_in_the_future_is_refused(registered: str, today: date) -> None:
    errors = refused(check_carer, carer(registered_on=registered), today)
    assert list(errors) == ["registered_on"]
    assert "in the future" in errors["registered_on"]


def test_a_registration_today_is_fine(today: date) -> None:
    assert check_carer(carer(registered_on="23/11/2026"), today).registered_on == today


@pytest.mark.parametrize(
    ("born", "stored"),
    [
        ("24/11/2026", None),
        ("23/11/2026", date(2026, 11, 23)),
        ("23/11/1916", date(1916, 11, 23)),
        ("23/11/1915", None),
    ],
)
def test_birth_date_limits(born: str, stored: date | None, today: date) -> None:
    values = carer(date_of_birth=born, registered_on="23/11/2026")
    if stored:
        assert check_carer(values, today).date_of_birth == stored
    else:
        assert list(refused(check_carer, values, today)) == ["date_of_birth"]


# --- check_field ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("specs", "name", "typed", "stored"),
    [
        (CARER_FIELDS, "first_name", "  Łukasz ", "Łukasz"),
        (CARER_FIELDS, "last_name", "O’Brien", "O’Brien"),
        (CARER_FIELDS, "postcode", "sw1a1aa", "SW1A 1AA"),
        (CARER_FIELDS, "postcode", "", None),
        (CARER_FIELDS, "phone", "+44 (0)20 7946 0018", "+442079460018"),
        (CARER_FIELDS, "mobile", "07700 900123", "+447700900123"),
        (CARER_FIELDS, "date_of_birth", "29/02/2008", date(2008, 2, 29)),
        (CARER_FIELDS, "registered_on", "2026-11-23", date(2026, 11, 23)),
        (CARER_FIELDS, "gender", "prefer not to say", "prefer_not_to_say"),
        (CARER_FIELDS, "ethnicity", "", None),
        (CARER_FIELDS, "consent_store", "yes", True),
        (CARER_FIELDS, "consent_store", "no", False),
        (CARER_FIELDS, "consent_share", "", None),
        (CARER_FIELDS, "email", " sian@example.org ", "sian@example.org"),
        (ROLE_FIELDS, "relationship", "Brother or sister", "sibling"),
        (ROLE_FIELDS, "conditions", "Frailty;dementia", ["dementia", "frailty"]),
        (ROLE_FIELDS, "started_on", "", None),
        (ROLE_FIELDS, "started_on", "2020-01-01", date(2020, 1, 1)),
        (CONTACT_FIELDS, "contact_time", "14:30", time(14, 30)),
        (CONTACT_FIELDS, "minutes", "600", 600),
        (CONTACT_FIELDS, "channel", "Home visit", "home_visit"),
        (CLOSE_FIELDS, "closed_reason", "Duplicate record", "duplicate"),
    ],
)
def test_check_field_gives_the_stored_value(
    specs: Specs, name: str, typed: str, stored: object, today: date
) -> None:
    assert check_field(specs, name, typed, today) == stored


@pytest.mark.parametrize(
    ("specs", "name", "typed", "words"),
    [
        (CARER_FIELDS, "first_name", "", "First name is needed."),
        (CARER_FIELDS, "first_name", "   ", "First name is needed."),
        (CARER_FIELDS, "first_name", "Zo3", "The first name may hold only letters"),
        (CARER_FIELDS, "last_name", "'", "The last name needs at least one letter."),
        (CARER_FIELDS, "last_name", "n" * 101, "The last name is too long"),
        (CARER_FIELDS, "date_of_birth", "", "Date of birth is needed."),
        (CARER_FIELDS, "date_of_birth", "31/02/1990", "There is no 31 February 1990"),
        (CARER_FIELDS, "date_of_birth", "24/11/2026", "in the future"),
        (CARER_FIELDS, "registered_on", "24/11/2026", "in the future"),
        (CARER_FIELDS, "registered_on", "13/13/2026", "no month with that number"),
        (CARER_FIELDS, "postcode", "12345", "not a UK postcode"),
        (CARER_FIELDS, "phone", "abc", "not a phone number"),
        (CARER_FIELDS, "mobile", "07700 9001234", "not a valid UK phone number"),
        (CARER_FIELDS, "email", "sian@", "not an email address"),
        (CARER_FIELDS, "gender", "unicorn", "Choose one of the listed options."),
        (CARER_FIELDS, "consent_store", "", "Ask first"),
        (CARER_FIELDS, "consent_store", "perhaps", "Answer yes or no."),
        (CARER_FIELDS, "notes", "n" * 5001, "5000 characters at most"),
        (ROLE_FIELDS, "conditions", "dementia;flu", "Choose only from the listed options."),
        (ROLE_FIELDS, "ended_on", "31/04/2020", "There is no 31 April 2020"),
        (CONTACT_FIELDS, "contact_on", "", "Date is needed."),
        (CONTACT_FIELDS, "contact_time", "25:00", "HH:MM"),
        (CONTACT_FIELDS, "channel", "", "Channel is needed."),
        (CONTACT_FIELDS, "channel", "carrier pigeon", "listed options"),
        (CONTACT_FIELDS, "minutes", "0", "Enter a whole number from 1 to 600."),
        (CLOSE_FIELDS, "closed_reason", "", "Reason is needed."),
    ],
)
def test_check_field_names_the_field_it_refuses(
    specs: Specs, name: str, typed: str, words: str, today: date
) -> None:
    with pytest.raises(FieldError) as caught:
        check_field(specs, name, typed, today)
    assert caught.value.field == name
    assert words in caught.value.message
    if len(typed.strip()) >= 2 and "February" not in words and "April" not in words:
        assert typed.strip() not in caught.value.message


def test_check_field_does_not_know_other_fields(today: date) -> None:
    with pytest.raises(KeyError):
        check_field(CARER_FIELDS, "shoe_size", "9", today)


@pytest.mark.parametrize("specs", [CARER_FIELDS, ROLE_FIELDS, CONTACT_FIELDS, CLOSE_FIELDS])
def test_every_field_has_a_label_and_list_fields_their_choices(specs: Specs) -> None:
    for spec in specs.values():
        assert spec.label
        if spec.many:
            assert spec.choices


# --- check_role ----------------------------------------------------------------------------


def test_an_empty_role_is_allowed(today: date) -> None:
    assert check_role({}, today) == RoleEntry()


def test_a_role_in_stored_form(today: date) -> None:
    entry = check_role(
        {
            "relationship": "spouse or partner",
            "cared_for_age_band": "65 and over",
            "conditions": "Frailty; Dementia ;dementia",
            "lives_with_carer": "yes",
            "started_on": "01/03/2019",
            "ended_on": "2026-10-31",
        },
        today,
    )
    assert entry == RoleEntry(
        relationship="spouse_or_partner",
        cared_for_age_band="65_plus",
        conditions=["dementia", "frailty"],
        lives_with_carer=True,
        started_on=date(2019, 3, 1),
        ended_on=date(2026, 10, 31),
    )


@pytest.mark.parametrize(
    ("started", "ended"),
    [("2020-01-01", "2019-12-31"), ("15/06/2024", "14/06/2024"), ("01/01/2026", "01/01/2000")],
)
def test_a_role_cannot_end_before_it_started(started: str, ended: str, today: date) -> None:
    errors = refused(check_role, {"started_on": started, "ended_on": ended}, today)
    assert errors == {"ended_on": "The end date is before the start date."}


@pytest.mark.parametrize(
    ("started", "ended", "stored"),
    [
        ("2020-01-01", "2020-01-01", date(2020, 1, 1)),
        ("2020-01-01", "02/01/2020", date(2020, 1, 2)),
        ("", "2020-01-01", date(2020, 1, 1)),
        ("2020-01-01", "", None),
        ("", "", None),
    ],
)
def test_a_role_may_end_on_or_after_its_start(
    started: str, ended: str, stored: date | None, today: date
) -> None:
    entry = check_role({"started_on": started, "ended_on": ended}, today)
    assert entry.ended_on == stored


def test_a_role_ending_early_is_named_with_the_other_bad_fields(today: date) -> None:
    values = {"relationship": "cousin twice removed", "started_on": "2020", "ended_on": "2019"}
    errors = refused(check_role, values, today)
    assert set(errors) == {"relationship", "started_on", "ended_on"}
    values = {"relationship": "cousin", "started_on": "2020-01-01", "ended_on": "2019-01-01"}
    errors = refused(check_role, values, today)
    assert set(errors) == {"relationship", "ended_on"}


def test_role_refusals(today: date) -> None:
    values = {
        "relationship": "cousin",
        "cared_for_age_band": "ninety",
        "conditions": "dementia;gout",
        "lives_with_carer": "sometimes",
    }
    errors = refused(check_role, values, today)
    assert set(errors) == set(values)
    assert_no_echo(errors, values)


# --- check_contact -------------------------------------------------------------------------


CONTACT = {"contact_on": "23/11/2026", "channel": "drop_in"}


def test_the_least_a_contact_needs(today: date) -> None:
    assert check_contact(CONTACT, today) == ContactEntry(contact_on=today, channel="drop_in")


def test_a_contact_in_stored_form(today: date) -> None:
    entry = check_contact(
        {
            "contact_on": "2026-11-20",
            "contact_time": "14:30",
            "channel": "Phone",
            "support": "Benefits and finance advice; emotional_support;Signposting",
            "minutes": "45",
            "notes": "  Talked through the form.  ",
        },
        today,
    )
    assert entry == ContactEntry(
        contact_on=date(2026, 11, 20),
        contact_time=time(14, 30),
        channel="phone",
        support=["emotional_support", "benefits_finance", "signposting"],
        minutes=45,
        notes="Talked through the form.",
    )


@pytest.mark.parametrize(("typed", "minutes"), [("1", 1), ("600", 600), ("", None)])
def test_contact_minutes_accepted(typed: str, minutes: int | None, today: date) -> None:
    assert check_contact({**CONTACT, "minutes": typed}, today).minutes == minutes


@pytest.mark.parametrize("typed", ["0", "601", "-1", "1.5", "an hour"])
def test_contact_minutes_refused(typed: str, today: date) -> None:
    errors = refused(check_contact, {**CONTACT, "minutes": typed}, today)
    assert errors == {"minutes": "Enter a whole number from 1 to 600."}


@pytest.mark.parametrize(
    ("typed", "stored"),
    [("14:30", time(14, 30)), ("09:00", time(9, 0)), ("23:59", time(23, 59)), ("", None)],
)
def test_contact_time_accepted(typed: str, stored: time | None, today: date) -> None:
    assert check_contact({**CONTACT, "contact_time": typed}, today).contact_time == stored


@pytest.mark.parametrize("typed", ["25:00", "24:00", "12:75", "half two"])
def test_contact_time_refused(typed: str, today: date) -> None:
    errors = refused(check_contact, {**CONTACT, "contact_time": typed}, today)
    assert list(errors) == ["contact_time"]
    assert "HH:MM" in errors["contact_time"]


@pytest.mark.parametrize("channel", ["", "  "])
def test_contact_channel_is_required(channel: str, today: date) -> None:
    errors = refused(check_contact, {**CONTACT, "channel": channel}, today)
    assert errors == {"channel": "Channel is needed."}


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("drop_in", "drop_in"),
        ("Drop-in", "drop_in"),
        ("HOME VISIT", "home_visit"),
        ("email", "email"),
        ("Online", "online"),
    ],
)
def test_contact_channel_code_or_label(typed: str, code: str, today: date) -> None:
    assert check_contact({**CONTACT, "channel": typed}, today).channel == code


@pytest.mark.parametrize(
    ("typed", "support"),
    [
        ("Benefits and finance advice", ["benefits_finance"]),
        ("benefits and finance advice", ["benefits_finance"]),
        ("benefits_finance", ["benefits_finance"]),
        ("Young carers activity;Peer support", ["peer_support", "young_carers_activity"]),
        ("", []),
    ],
)
def test_contact_support_code_or_label(typed: str, support: list[str], today: date) -> None:
    assert check_contact({**CONTACT, "support": typed}, today).support == support


def test_contact_support_refuses_unknown(today: date) -> None:
    errors = refused(check_contact, {**CONTACT, "support": "Benefits;tea"}, today)
    assert errors == {"support": "Choose only from the listed options."}


@pytest.mark.parametrize(("typed", "ok"), [("23/11/2026", True), ("24/11/2026", False)])
def test_contact_date_not_in_the_future(typed: str, ok: bool, today: date) -> None:
    values = {**CONTACT, "contact_on": typed}
    if ok:
        assert check_contact(values, today).contact_on == today
    else:
        errors = refused(check_contact, values, today)
        assert list(errors) == ["contact_on"]
        assert "in the future" in errors["contact_on"]


def test_every_bad_contact_field_at_once(today: date) -> None:
    values = {
        "contact_on": "",
        "contact_time": "25:00",
        "channel": "",
        "support": "knitting",
        "minutes": "601",
    }
    errors = refused(check_contact, values, today)
    assert set(errors) == set(values)
    assert_no_echo(errors, values)


# --- check_close ---------------------------------------------------------------------------


def test_close(today: date) -> None:
    entry = check_close({"closed_on": "23/11/2026", "closed_reason": "Moved away"}, today)
    assert entry == CloseEntry(closed_on=today, closed_reason="moved_away")


def test_close_needs_both(today: date) -> None:
    errors = refused(check_close, {}, today)
    assert errors == {"closed_on": "Closed on is needed.", "closed_reason": "Reason is needed."}


def test_close_not_in_the_future(today: date) -> None:
    values = {"closed_on": "24/11/2026", "closed_reason": "bereaved"}
    errors = refused(check_close, values, today)
    assert list(errors) == ["closed_on"]


# --- errors --------------------------------------------------------------------------------


def test_field_error_carries_field_and_message() -> None:
    error = FieldError("postcode", "This is not a UK postcode.")
    assert isinstance(error, CarerdeskError)
    assert error.field == "postcode"
    assert error.message == str(error) == "This is not a UK postcode."


@pytest.mark.parametrize(
    ("errors", "message"),
    [
        ({"a": "x"}, "1 field needs attention before this can be saved."),
        ({"a": "x", "b": "y"}, "2 fields need attention before this can be saved."),
    ],
)
def test_invalid_entry_message(errors: dict[str, str], message: str) -> None:
    error = InvalidEntry(errors)
    assert isinstance(error, CarerdeskError)
    assert str(error) == error.message == message
    assert error.errors == errors


@pytest.mark.parametrize("kind", [NotFound, NotAllowed])
def test_plain_errors_show_their_message(kind: type[CarerdeskError]) -> None:
    error = kind("No carer has that reference.")
    assert isinstance(error, CarerdeskError)
    assert str(error) == error.message == "No carer has that reference."


def test_database_busy_says_to_try_again() -> None:
    error = DatabaseBusy()
    assert isinstance(error, CarerdeskError)
    assert "try again" in str(error)


def test_field_text_is_what_the_checks_read_back(today: date) -> None:
    from datetime import time as clock

    from carerdesk.core.entries import field_text

    assert field_text(date(1980, 3, 21)) == "21/03/1980"
    assert field_text(clock(9, 5)) == "09:05"
    assert (field_text(True), field_text(False), field_text(None)) == ("yes", "no", "")
    assert field_text(["dementia", "autism"]) == "dementia;autism"
    entry = check_contact(
        {"contact_on": "21/11/2026", "contact_time": "09:05", "channel": "phone"}, today
    )
    texts = {name: field_text(getattr(entry, name)) for name in CONTACT_FIELDS}
    assert check_contact(texts, today) == entry


def test_a_caring_role_or_consent_dated_after_today_is_refused(today: date) -> None:
    future = "24/11/2026"  # the day after today
    errors = refused(check_role, {"started_on": future, "ended_on": "01/03/2031"}, today)
    assert errors == {
        "started_on": "This date is in the future: use today or an earlier date.",
        "ended_on": "This date is in the future: use today or an earlier date.",
    }
    assert check_role({"started_on": "23/11/2026"}, today).started_on == today
    for name in ("consent_date", "closed_on"):
        with pytest.raises(FieldError, match="in the future"):
            check_field(CARER_KEPT, name, future, today)
