"""Code lists: stored by code, shown by label, typed either way."""

from __future__ import annotations

import pytest

from carerdesk.core import codes
from carerdesk.core.codes import label, parse_code, parse_codes

ALL_LISTS = {
    "GENDER": codes.GENDER,
    "ETHNICITY": codes.ETHNICITY,
    "SOURCE": codes.SOURCE,
    "EMPLOYMENT": codes.EMPLOYMENT,
    "RELATIONSHIP": codes.RELATIONSHIP,
    "CONDITION": codes.CONDITION,
    "SUPPORT": codes.SUPPORT,
    "DESTINATION": codes.DESTINATION,
    "CLOSED_REASON": codes.CLOSED_REASON,
    "PREFERRED_CONTACT": codes.PREFERRED_CONTACT,
    "REGISTERED_AT": codes.REGISTERED_AT,
    "HOURS_CARING": codes.HOURS_CARING,
    "CARERS_ALLOWANCE": codes.CARERS_ALLOWANCE,
    "YES_NO": codes.YES_NO,
    "CARED_FOR_AGE_BAND": codes.CARED_FOR_AGE_BAND,
    "CHANNEL": codes.CHANNEL,
    "CARER_TYPE": codes.CARER_TYPE,
    "STATUS": codes.STATUS,
}


# --- the lists match data.md -------------------------------------------------------------


@pytest.mark.parametrize(
    ("code_list", "expected"),
    [
        (codes.GENDER, "female male non_binary other prefer_not_to_say"),
        (
            codes.SOURCE,
            "self gp hospital school_or_college adult_social_care childrens_services "
            "mental_health_service voluntary_sector family_or_friend event other",
        ),
        (
            codes.EMPLOYMENT,
            "full_time part_time self_employed unemployed retired in_education "
            "unable_to_work not_known",
        ),
        (
            codes.RELATIONSHIP,
            "parent spouse_or_partner child sibling grandparent other_relative "
            "friend_or_neighbour other",
        ),
        (
            codes.CONDITION,
            "dementia mental_health learning_disability autism physical_disability "
            "long_term_illness frailty sensory_impairment substance_misuse end_of_life other",
        ),
        (
            codes.SUPPORT,
            "information_advice emotional_support benefits_finance carer_assessment_triage "
            "breaks_respite training peer_support young_carers_activity emergency_planning "
            "signposting other",
        ),
        (
            codes.DESTINATION,
            "council_carers_assessment young_carers_assessment benefits_advice counselling "
            "breaks_respite gp_carer_registration mental_health_carers_support "
            "dementia_support employment_support other",
        ),
        (
            codes.CLOSED_REASON,
            "no_longer_caring bereaved moved_away deceased withdrew_consent duplicate other",
        ),
        (codes.PREFERRED_CONTACT, "phone text email post none"),
        (codes.REGISTERED_AT, "drop_in event phone home_visit online outreach"),
        (codes.HOURS_CARING, "9_or_less 10_19 20_34 35_49 50_plus not_known"),
        (codes.CARERS_ALLOWANCE, "yes no not_known"),
        (codes.CARED_FOR_AGE_BAND, "under_18 18_64 65_plus not_known"),
        (codes.CHANNEL, "drop_in phone home_visit event online email"),
        (codes.CARER_TYPE, "young_carer young_adult_carer adult_carer older_carer"),
        (codes.STATUS, "active closed"),
    ],
)
def test_code_lists_hold_the_codes_of_the_spec_in_order(
    code_list: codes.CodeList, expected: str
) -> None:
    assert list(code_list) == expected.split()


def test_ethnicity_has_the_19_ons_categories_and_prefer_not_to_say() -> None:
    assert len(codes.ETHNICITY) == 20
    assert "prefer_not_to_say" in codes.ETHNICITY


def test_every_ethnicity_has_a_group() -> None:
    assert set(codes.ETHNIC_GROUP) == set(codes.ETHNICITY)
    assert set(codes.ETHNIC_GROUP.values()) == {
        "asian",
        "black",
        "mixed",
        "white",
        "other",
        "not_known",
    }


@pytest.mark.parametrize(
    ("code", "group"),
    [
        ("bangladeshi", "asian"),
        ("other_asian", "asian"),
        ("caribbean", "black"),
        ("white_and_black_african", "mixed"),
        ("white_british", "white"),
        ("roma", "white"),
        ("arab", "other"),
        ("any_other", "other"),
        ("prefer_not_to_say", "not_known"),
    ],
)
def test_ethnic_groups(code: str, group: str) -> None:
    assert codes.ETHNIC_GROUP[code] == group


@pytest.mark.parametrize("name", sorted(ALL_LISTS))
def test_labels_are_unique_within_a_list(name: str) -> None:
    code_list = ALL_LISTS[name]
    folded = [text.casefold() for text in code_list.values()]
    assert len(set(folded)) == len(folded)


@pytest.mark.parametrize("name", sorted(ALL_LISTS))
def test_a_label_never_reads_as_another_code(name: str) -> None:
    code_list = ALL_LISTS[name]
    for code, text in code_list.items():
        assert parse_code(code_list, text) == code


@pytest.mark.parametrize("name", sorted(ALL_LISTS))
def test_code_lists_cannot_be_changed(name: str) -> None:
    with pytest.raises(TypeError):
        ALL_LISTS[name]["new"] = "New"  # type: ignore[index]


# --- label ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code_list", "code", "shown"),
    [
        (codes.CARER_TYPE, "young_adult_carer", "Young adult carer"),
        (codes.SUPPORT, "benefits_finance", "Benefits and finance advice"),
        (codes.GENDER, "non_binary", "Non-binary"),
        (codes.SOURCE, "childrens_services", "Children's services"),
        (codes.HOURS_CARING, "50_plus", "50 or more hours a week"),
        (codes.PREFERRED_CONTACT, "none", "Do not contact"),
    ],
)
def test_label_shows_the_plain_english_label(
    code_list: codes.CodeList, code: str, shown: str
) -> None:
    assert label(code_list, code) == shown


@pytest.mark.parametrize("code", [None, ""])
def test_label_of_nothing_is_empty(code: str | None) -> None:
    assert label(codes.GENDER, code) == ""


@pytest.mark.parametrize("code", [None, ""])
def test_label_of_nothing_can_say_so(code: str | None) -> None:
    assert label(codes.GENDER, code, empty="Not recorded") == "Not recorded"


def test_label_of_an_unknown_code_is_the_code_itself() -> None:
    assert label(codes.GENDER, "retired_code") == "retired_code"


# --- parse_code ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code_list", "typed", "code"),
    [
        (codes.SUPPORT, "benefits_finance", "benefits_finance"),
        (codes.SUPPORT, "BENEFITS_FINANCE", "benefits_finance"),
        (codes.SUPPORT, "Benefits and finance advice", "benefits_finance"),
        (codes.SUPPORT, "benefits and finance advice", "benefits_finance"),
        (codes.SUPPORT, "BENEFITS AND FINANCE ADVICE", "benefits_finance"),
        (codes.SUPPORT, "  Benefits   and\tfinance  advice  ", "benefits_finance"),
        (codes.GENDER, "Non-binary", "non_binary"),
        (codes.GENDER, " female ", "female"),
        (codes.RELATIONSHIP, "Brother or sister", "sibling"),
        (codes.RELATIONSHIP, "sibling", "sibling"),
        (codes.SOURCE, "Children's services", "childrens_services"),
        (codes.SOURCE, "GP", "gp"),
        (codes.SOURCE, "gp", "gp"),
        (codes.HOURS_CARING, "9_or_less", "9_or_less"),
        (codes.HOURS_CARING, "20 to 34 hours a week", "20_34"),
        (
            codes.ETHNICITY,
            "White: English, Welsh, Scottish, Northern Irish or British",
            "white_british",
        ),
        (codes.ETHNICITY, "asian: indian", "indian"),
        (codes.PREFERRED_CONTACT, "Do not contact", "none"),
        (codes.CARER_TYPE, "young adult carer", "young_adult_carer"),
    ],
)
def test_parse_code_accepts_a_code_or_a_label_in_any_case(
    code_list: codes.CodeList, typed: str, code: str
) -> None:
    assert parse_code(code_list, typed) == code


@pytest.mark.parametrize(
    "typed",
    ["", "   ", "benefits", "finance", "benefits finance", "Benefits and finance", "xyz"],
)
def test_parse_code_gives_none_for_anything_else(typed: str) -> None:
    assert parse_code(codes.SUPPORT, typed) is None


def test_parse_code_does_not_take_a_code_from_another_list() -> None:
    assert parse_code(codes.GENDER, "dementia") is None


# --- parse_codes ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "found"),
    [
        ("training", ["training"]),
        ("training;emotional_support", ["emotional_support", "training"]),
        ("Training; Emotional support", ["emotional_support", "training"]),
        (
            "signposting;Benefits and finance advice;information_advice",
            ["information_advice", "benefits_finance", "signposting"],
        ),
        ("training;training;TRAINING", ["training"]),
        ("training; Training ;training", ["training"]),
        ("benefits_finance;Benefits and finance advice", ["benefits_finance"]),
        ("training;;", ["training"]),
        (";  ;training; ", ["training"]),
        ("", []),
        ("   ", []),
        (";", []),
    ],
)
def test_parse_codes_gives_codes_in_code_list_order_once_each(typed: str, found: list[str]) -> None:
    assert parse_codes(codes.SUPPORT, typed) == (found, [])


@pytest.mark.parametrize(
    ("typed", "found", "unknown"),
    [
        ("tea and biscuits", [], ["tea and biscuits"]),
        ("training; tea and biscuits ", ["training"], ["tea and biscuits"]),
        (
            "knitting;training;  chess club ;peer support",
            ["training", "peer_support"],
            ["knitting", "chess club"],
        ),
        ("training,peer_support", [], ["training,peer_support"]),
    ],
)
def test_parse_codes_reports_unknown_parts(
    typed: str, found: list[str], unknown: list[str]
) -> None:
    assert parse_codes(codes.SUPPORT, typed) == (found, unknown)


def test_parse_codes_on_conditions() -> None:
    assert parse_codes(codes.CONDITION, "Frailty; Dementia;long-term illness") == (
        ["dementia", "long_term_illness", "frailty"],
        [],
    )
