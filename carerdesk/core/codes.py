"""Code lists of ``spec/data.md``: stored by code, shown by label.

Each list is an ordered mapping from code to its plain-English label; the order is the
code-list order that the weekly return and the forms follow.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

CodeList = Mapping[str, str]


def _codes(*pairs: tuple[str, str]) -> CodeList:
    return MappingProxyType(dict(pairs))


GENDER = _codes(
    ("female", "Female"),
    ("male", "Male"),
    ("non_binary", "Non-binary"),
    ("other", "Other"),
    ("prefer_not_to_say", "Prefer not to say"),
)

ETHNICITY = _codes(
    ("bangladeshi", "Asian: Bangladeshi"),
    ("chinese", "Asian: Chinese"),
    ("indian", "Asian: Indian"),
    ("pakistani", "Asian: Pakistani"),
    ("other_asian", "Asian: any other Asian background"),
    ("african", "Black: African"),
    ("caribbean", "Black: Caribbean"),
    ("other_black", "Black: any other Black background"),
    ("white_and_asian", "Mixed: White and Asian"),
    ("white_and_black_african", "Mixed: White and Black African"),
    ("white_and_black_caribbean", "Mixed: White and Black Caribbean"),
    ("other_mixed", "Mixed: any other mixed background"),
    (
        "white_british",
        "White: English, Welsh, Scottish, Northern Irish or British",
    ),
    ("irish", "White: Irish"),
    ("gypsy_or_irish_traveller", "White: Gypsy or Irish Traveller"),
    ("roma", "White: Roma"),
    ("other_white", "White: any other White background"),
    ("arab", "Other: Arab"),
    ("any_other", "Other: any other ethnic group"),
    ("prefer_not_to_say", "Prefer not to say"),
)

ETHNIC_GROUP: Mapping[str, str] = MappingProxyType(
    {
        **dict.fromkeys(["bangladeshi", "chinese", "indian", "pakistani", "other_asian"], "asian"),
        **dict.fromkeys(["african", "caribbean", "other_black"], "black"),
        **dict.fromkeys(
            [
                "white_and_asian",
                "white_and_black_african",
                "white_and_black_caribbean",
                "other_mixed",
            ],
            "mixed",
        ),
        **dict.fromkeys(
            ["white_british", "irish", "gypsy_or_irish_traveller", "roma", "other_white"],
            "white",
        ),
        **dict.fromkeys(["arab", "any_other"], "other"),
        "prefer_not_to_say": "not_known",
    }
)
"""Each ethnicity code's group, as the weekly return counts them; an empty value is not_known."""

SOURCE = _codes(
    ("self", "Self-referral"),
    ("gp", "GP"),
    ("hospital", "Hospital"),
    ("school_or_college", "School or college"),
    ("adult_social_care", "Adult social care"),
    ("childrens_services", "Children's services"),
    ("mental_health_service", "Mental health service"),
    ("voluntary_sector", "Voluntary sector"),
    ("family_or_friend", "Family or friend"),
    ("event", "Event"),
    ("other", "Other"),
)

EMPLOYMENT = _codes(
    ("full_time", "Full-time work"),
    ("part_time", "Part-time work"),
    ("self_employed", "Self-employed"),
    ("unemployed", "Unemployed"),
    ("retired", "Retired"),
    ("in_education", "In education"),
    ("unable_to_work", "Unable to work"),
    ("not_known", "Not known"),
)

RELATIONSHIP = _codes(
    ("parent", "Parent"),
    ("spouse_or_partner", "Spouse or partner"),
    ("child", "Child"),
    ("sibling", "Brother or sister"),
    ("grandparent", "Grandparent"),
    ("other_relative", "Other relative"),
    ("friend_or_neighbour", "Friend or neighbour"),
    ("other", "Other"),
)

CONDITION = _codes(
    ("dementia", "Dementia"),
    ("mental_health", "Mental health"),
    ("learning_disability", "Learning disability"),
    ("autism", "Autism"),
    ("physical_disability", "Physical disability"),
    ("long_term_illness", "Long-term illness"),
    ("frailty", "Frailty"),
    ("sensory_impairment", "Sensory impairment"),
    ("substance_misuse", "Substance misuse"),
    ("end_of_life", "End of life"),
    ("other", "Other"),
)

SUPPORT = _codes(
    ("information_advice", "Information and advice"),
    ("emotional_support", "Emotional support"),
    ("benefits_finance", "Benefits and finance advice"),
    ("carer_assessment_triage", "Carer assessment triage"),
    ("breaks_respite", "Breaks and respite"),
    ("training", "Training"),
    ("peer_support", "Peer support"),
    ("young_carers_activity", "Young carers activity"),
    ("emergency_planning", "Emergency planning"),
    ("signposting", "Signposting"),
    ("other", "Other"),
)

DESTINATION = _codes(
    ("council_carers_assessment", "Council carer's assessment"),
    ("young_carers_assessment", "Young carer's assessment"),
    ("benefits_advice", "Benefits advice"),
    ("counselling", "Counselling"),
    ("breaks_respite", "Breaks and respite"),
    ("gp_carer_registration", "GP carer registration"),
    ("mental_health_carers_support", "Mental health carers support"),
    ("dementia_support", "Dementia support"),
    ("employment_support", "Employment support"),
    ("other", "Other"),
)

CLOSED_REASON = _codes(
    ("no_longer_caring", "No longer caring"),
    ("bereaved", "Bereaved"),
    ("moved_away", "Moved away"),
    ("deceased", "Deceased"),
    ("withdrew_consent", "Withdrew consent"),
    ("duplicate", "Duplicate record"),
    ("other", "Other"),
)

PREFERRED_CONTACT = _codes(
    ("phone", "Phone call"),
    ("text", "Text message"),
    ("email", "Email"),
    ("post", "Post"),
    ("none", "Do not contact"),
)

REGISTERED_AT = _codes(
    ("drop_in", "Drop-in"),
    ("event", "Event"),
    ("phone", "Phone"),
    ("home_visit", "Home visit"),
    ("online", "Online"),
    ("outreach", "Outreach"),
)

HOURS_CARING = _codes(
    ("9_or_less", "9 hours or less a week"),
    ("10_19", "10 to 19 hours a week"),
    ("20_34", "20 to 34 hours a week"),
    ("35_49", "35 to 49 hours a week"),
    ("50_plus", "50 or more hours a week"),
    ("not_known", "Not known"),
)

CARERS_ALLOWANCE = _codes(("yes", "Yes"), ("no", "No"), ("not_known", "Not known"))

YES_NO = _codes(("yes", "Yes"), ("no", "No"))

CARED_FOR_AGE_BAND = _codes(
    ("under_18", "Under 18"),
    ("18_64", "18 to 64"),
    ("65_plus", "65 and over"),
    ("not_known", "Not known"),
)

CHANNEL = _codes(
    ("drop_in", "Drop-in"),
    ("phone", "Phone"),
    ("home_visit", "Home visit"),
    ("event", "Event"),
    ("online", "Online"),
    ("email", "Email"),
)

CARER_TYPE = _codes(
    ("young_carer", "Young carer"),
    ("young_adult_carer", "Young adult carer"),
    ("adult_carer", "Adult carer"),
    ("older_carer", "Older carer"),
)

STATUS = _codes(("active", "Active"), ("closed", "Closed"))

CARD_TYPE = _codes(
    ("carer_card", "Carer card"),
    ("carer_passport", "Carer passport"),
    ("young_carer_card", "Young carer card"),
    ("emergency_card", "Emergency card"),
)

ISSUE_REASON = _codes(
    ("new", "New"),
    ("renewal", "Renewal"),
    ("replacement", "Replacement (lost, stolen or damaged)"),
)

CARD_STATUS = _codes(
    ("active", "Active"),
    ("expired", "Expired"),
    ("replaced", "Replaced"),
    ("cancelled", "Cancelled"),
)

URGENCY = _codes(("routine", "Routine"), ("urgent", "Urgent"))

REFERRAL_STATUS = _codes(
    ("draft", "Draft"),
    ("sent", "Sent"),
    ("acknowledged", "Acknowledged"),
    ("completed", "Completed"),
    ("declined", "Declined"),
    ("withdrawn", "Withdrawn"),
)


CONSENT = _codes(
    ("store", "Keep their details"),
    ("share", "Share with partners"),
    ("contact", "News and offers"),
)
"""The consents a carer gives or withdraws, each kept as dated entries (``consents``)."""

CONSENT_HOW = _codes(
    ("in_person", "In person"),
    ("phone", "Phone"),
    ("written", "Written"),
    ("online", "Online"),
)
"""How a consent was given or withdrawn."""

CONSENT_GIVEN = _codes(("yes", "Given"), ("no", "Withdrawn"))
"""A consent entry's yes (given) or no (withdrawn)."""


def label(codes: CodeList, code: str | None, empty: str = "") -> str:
    """The label of ``code``, or ``empty`` when there is none; an unknown code shows as itself."""
    if not code:
        return empty
    return codes.get(code, code)


def parse_code(codes: CodeList, text: str) -> str | None:
    """The code for ``text``, given as a code or a label in any case; None when it is neither."""
    if text in codes:
        return text  # the usual case (an exported file, a form's list): the code itself
    wanted = _comparable(text)
    if not wanted:
        return None
    return _lookup(codes).get(wanted)


_LOOKUPS: dict[int, tuple[CodeList, dict[str, str]]] = {}


def _lookup(codes: CodeList) -> dict[str, str]:
    # Each list's codes and labels, made comparable once (an import checks millions of cells).
    cached = _LOOKUPS.get(id(codes))
    if cached is None or cached[0] is not codes:
        table: dict[str, str] = {}
        for code, name in reversed(list(codes.items())):
            table[_comparable(name)] = code
            table[code.casefold()] = code
        cached = _LOOKUPS[id(codes)] = (codes, table)
    return cached[1]


def _comparable(text: str) -> str:
    # Spreadsheets often turn "Children's services" into "Children’s services".
    return " ".join(text.replace("’", "'").replace("‘", "'").split()).casefold()


def parse_codes(codes: CodeList, text: str) -> tuple[list[str], list[str]]:
    """Split a ``;`` list into known codes (in code-list order, once each) and unknown parts."""
    found: set[str] = set()
    unknown: list[str] = []
    for part in text.split(";"):
        if not part.strip():
            continue
        code = parse_code(codes, part)
        if code is None:
            unknown.append(part.strip())
        else:
            found.add(code)
    return [code for code in codes if code in found], unknown
