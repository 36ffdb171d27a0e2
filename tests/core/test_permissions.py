"""Who may do what, and the rules of PINs and staff names."""

from __future__ import annotations

import pytest

from carerdesk.core.errors import FieldError, InvalidEntry, NotAllowed
from carerdesk.core.permissions import (
    Actor,
    Can,
    Role,
    check_card_prefix,
    check_pin,
    check_setup,
    check_user_name,
    initials,
    name_key,
    parse_role,
)

VOLUNTEER = Actor("Robin Volunteer", Role.VOLUNTEER)
STAFF = Actor("Sam Staff", Role.STAFF)
COORDINATOR = Actor("Casey Coordinator", Role.COORDINATOR)


@pytest.mark.parametrize("action", [Can.FIND, Can.REGISTER, Can.LOG_CONTACT])
def test_a_volunteer_finds_registers_and_logs(action: Can) -> None:
    assert VOLUNTEER.may(action)


@pytest.mark.parametrize("action", [Can.EDIT, Can.CLOSE, Can.SEE_DETAILS, Can.EXPORT])
def test_a_volunteer_is_refused_the_rest_and_told_whom_to_ask(action: Can) -> None:
    with pytest.raises(NotAllowed) as refused:
        VOLUNTEER.require(action)
    assert refused.value.message == f"A volunteer may not {action.value}: ask a member of staff."


@pytest.mark.parametrize(
    ("action", "staff_may"),
    [
        (Can.EDIT, True),
        (Can.CLOSE, True),
        (Can.SEE_DETAILS, True),
        (Can.MANAGE_USERS, False),
        (Can.EXPORT, False),
        (Can.MERGE, False),
        (Can.ERASE, False),
        (Can.SUBJECT_ACCESS, False),
        (Can.VIEW_AUDIT, False),
    ],
)
def test_staff_do_everything_but_accounts_bulk_export_merging_and_erasure(
    action: Can, staff_may: bool
) -> None:
    assert STAFF.may(action) is staff_may
    assert COORDINATOR.may(action)


def test_staff_refused_are_told_to_ask_the_coordinator() -> None:
    with pytest.raises(
        NotAllowed, match=r"^A member of staff may not export the register in bulk: ask your"
    ):
        STAFF.require(Can.EXPORT)


@pytest.mark.parametrize("pin", ["2580", "13579", "86420135", " 2580 "])
def test_good_pins(pin: str) -> None:
    assert check_pin(pin) == pin.strip()


@pytest.mark.parametrize(
    ("pin", "message"),
    [
        ("", "Enter a PIN of 4 to 8 digits."),
        ("123", "A PIN is 4 to 8 digits, nothing else."),
        ("123456789", "A PIN is 4 to 8 digits, nothing else."),
        ("12a4", "A PIN is 4 to 8 digits, nothing else."),
        ("١٢٣٤", "A PIN is 4 to 8 digits, nothing else."),
        ("1111", "That PIN is too easy to guess: avoid repeats and runs."),
        ("1234", "That PIN is too easy to guess: avoid repeats and runs."),
        ("87654321", "That PIN is too easy to guess: avoid repeats and runs."),
    ],
)
def test_bad_pins_are_refused_without_repeating_them(pin: str, message: str) -> None:
    with pytest.raises(FieldError) as refused:
        check_pin(pin)
    assert refused.value.message == message


def test_staff_names_match_in_any_case_and_accent() -> None:
    assert name_key("  Siân   O'Brien ") == name_key("sian o'brien")
    assert check_user_name("  Sam   Staff ") == "Sam Staff"
    with pytest.raises(FieldError):
        check_user_name("S")


def test_roles_in_any_case() -> None:
    assert parse_role(" Staff ") is Role.STAFF
    with pytest.raises(FieldError, match="volunteer, staff or coordinator"):
        parse_role("admin")


def test_card_prefix_and_initials() -> None:
    assert check_card_prefix(" hc ") == "HC"
    with pytest.raises(FieldError):
        check_card_prefix("H1")
    assert initials("Harrow Carers Centre") == "HCC"
    assert initials("Łódź") == "LC"


def _setup(**changes: str) -> dict[str, str]:
    values = {
        "organisation_name": "Harrow Carers",
        "organisation_phone": "020 7946 0000",
        "card_prefix": "",
        "coordinator": "Casey Coordinator",
        "pin": "2580",
        "pin_again": "2580",
    }
    return {**values, **changes}


def test_setup_fills_in_the_card_prefix_from_the_name() -> None:
    checked = check_setup(_setup())
    assert checked["card_prefix"] == "HC" and checked["organisation_phone"] == "020 7946 0000"


def test_setup_reports_every_problem_at_once() -> None:
    with pytest.raises(InvalidEntry) as refused:
        check_setup(_setup(organisation_name="", coordinator="", pin="1", pin_again=""))
    assert set(refused.value.errors) == {"organisation_name", "coordinator", "pin", "pin_again"}


def test_setup_wants_the_same_pin_twice() -> None:
    with pytest.raises(InvalidEntry) as refused:
        check_setup(_setup(pin_again="2581"))
    assert refused.value.errors == {"pin_again": "The two PINs are not the same."}
