"""The rules of the organisation's list of services: codes, names, contact details."""

from __future__ import annotations

import pytest

from carerdesk.core.destinations import check_contact, check_name, new_code
from carerdesk.core.errors import FieldError


def test_a_code_is_made_from_the_name_and_never_repeats() -> None:
    assert new_code("Harrow Young Carers", ()) == "harrow_young_carers"
    assert new_code("Siân's Café & Drop-in", ()) == "sian_s_cafe_drop_in"
    assert new_code("Harrow Young Carers", {"harrow_young_carers"}) == "harrow_young_carers_2"
    taken = {"harrow_young_carers", "harrow_young_carers_2"}
    assert new_code("Harrow young carers!", taken) == "harrow_young_carers_3"
    assert new_code("***", ()) == "service"


def test_a_long_name_makes_a_code_that_fits_even_with_its_number() -> None:
    name = "A service with a very long name indeed, longer than any code may be"
    first = new_code(name, ())
    second = new_code(name, {first})
    assert len(first) == len(second) == 40
    assert second.endswith("_2") and second != first


def test_a_name_is_needed_short_enough_and_not_another_services() -> None:
    assert check_name("  Dementia   café ") == "Dementia café"
    with pytest.raises(FieldError, match="Give the service's name"):
        check_name("   ")
    with pytest.raises(FieldError, match="100 characters at most"):
        check_name("x" * 101)
    with pytest.raises(FieldError, match="Another service on the list has this name"):
        check_name("dementia CAFE", others=["Benefits advice", "Dementia Café"])


def test_contact_details_are_optional_free_text() -> None:
    assert check_contact("") is None
    assert check_contact(" Welfare rights,  020 7946 0999 ") == "Welfare rights, 020 7946 0999"
    with pytest.raises(FieldError, match="300 characters at most"):
        check_contact("x" * 301)
