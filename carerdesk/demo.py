"""A demo register of invented people, for trying the desk out, training and benchmarks.

``fill_demo`` fills an empty register with carers, their caring roles and a year of contacts,
mixed roughly as the Harrow strategy for unpaid carers 2023-2026 describes its 4,948 registered
carers: two in three are women, a little over four in ten adults are 65 or over, young carers
and young adult carers have services of their own, and about 62% come from an ethnic minority,
as the borough does. Wards are Harrow's wards from May 2022.

Nobody in it is real. Names come from Faker (British names and, for a realistic share, names
of the communities of a London borough, accents and apostrophes included); phone numbers are
only Ofcom's numbers reserved for drama, so no record can ever ring a real person; email
addresses are only at ``example.org`` and ``example.com``. The same seed and the same ``today``
give the same rows, ids and timestamps included, so a benchmark register can be rebuilt
exactly. Rows go in with SQLAlchemy Core in chunks, inside one unit of work, so 100,000 carers
take seconds rather than hours.
"""

from __future__ import annotations

import bisect
import itertools
import json
import random
import uuid
from collections.abc import Iterator, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Generic, NamedTuple, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, insert, select, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from carerdesk.core.ages import AGE_BANDS
from carerdesk.core.cards import card_number, expiry, types_offered
from carerdesk.core.codes import CONDITION, SUPPORT
from carerdesk.core.consents import LATEST, how_registered
from carerdesk.core.destinations import new_code
from carerdesk.core.errors import FieldError, NotAllowed
from carerdesk.core.text import fold
from carerdesk.core.validate import now_local, parse_name
from carerdesk.db import accounts, carers
from carerdesk.db.engine import is_sqlite, unit_of_work
from carerdesk.db.models import (
    Card,
    Carer,
    CaringRole,
    Consent,
    Contact,
    Destination,
    EmergencyContact,
    Referral,
    ReferralEvent,
    Setting,
)

T = TypeVar("T")

ORGANISATION_NAME = "Harrow Carers Demo"
DEMO_USERS = (
    # name, role, PIN: shown on the sign-in screen of a demo register, and nowhere else.
    ("Casey Coordinator", "coordinator", "2580"),
    ("Sam Staff", "staff", "1357"),
    ("Robin Volunteer", "volunteer", "2468"),
)
DEMO_PREFIX = "HD"
CHUNK = 5000
YEARS_OF_REGISTRATIONS = 5
CONTACT_DAYS = 365
MAX_POSTCODES_PER_OUTWARD = 2500
FILL_CACHE_KIB = 256 * 1024
LONDON = ZoneInfo("Europe/London")

# Harrow's 22 wards since the May 2022 elections (Local Government Boundary Commission for
# England, final recommendations 2019).
WARDS = (
    "Belmont",
    "Canons",
    "Centenary",
    "Edgware",
    "Greenhill",
    "Harrow on the Hill",
    "Harrow Weald",
    "Hatch End",
    "Headstone",
    "Kenton East",
    "Kenton West",
    "Marlborough",
    "North Harrow",
    "Pinner",
    "Pinner South",
    "Rayners Lane",
    "Roxbourne",
    "Roxeth",
    "Stanmore",
    "Wealdstone North",
    "Wealdstone South",
    "West Harrow",
)

# Outward codes: (outward, town, share of carers, wards it mostly lies in). Most carers live
# in the borough (HA1-HA3, HA5, HA7, HA8); a few just outside it, with no Harrow ward.
_OUTWARDS: tuple[tuple[str, str, float, tuple[str, ...]], ...] = (
    ("HA1", "Harrow", 15, ("Greenhill", "Marlborough", "Harrow on the Hill", "West Harrow")),
    ("HA2", "Harrow", 18, ("Rayners Lane", "Roxbourne", "Roxeth", "North Harrow", "West Harrow")),
    (
        "HA3",
        "Harrow",
        24,
        (
            "Kenton East",
            "Kenton West",
            "Harrow Weald",
            "Wealdstone North",
            "Wealdstone South",
            "Belmont",
        ),
    ),
    ("HA5", "Pinner", 12, ("Pinner", "Pinner South", "Hatch End", "Headstone")),
    ("HA7", "Stanmore", 9, ("Stanmore", "Canons", "Belmont")),
    ("HA8", "Edgware", 10, ("Edgware", "Centenary", "Canons")),
    ("HA0", "Wembley", 3, ()),
    ("HA9", "Wembley", 4, ()),
    ("HA4", "Ruislip", 2, ()),
    ("HA6", "Northwood", 1.5, ()),
    ("NW9", "London", 1, ()),
    ("WD23", "Bushey", 0.5, ()),
)
_INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"
_STREET_WORDS = (
    "Station",
    "Church",
    "Manor",
    "Park",
    "Elm",
    "Oak",
    "Priory",
    "Kings",
    "Queens",
    "Meadow",
    "Orchard",
    "Mill",
    "Cedar",
    "Grove",
    "Beech",
    "Willow",
)
_STREET_SUFFIXES = (
    "Road",
    "Road",
    "Avenue",
    "Close",
    "Gardens",
    "Crescent",
    "Way",
    "Lane",
    "Drive",
    "Grove",
    "Rise",
    "Walk",
    "Place",
    "Mews",
)

# Ofcom's numbers reserved for drama, the only numbers the demo uses (E.164).
MOBILES = tuple(f"+447700900{n:03d}" for n in range(1000))
LANDLINES = tuple(f"+442079460{n:03d}" for n in range(1000))
EMAIL_DOMAINS = ("example.org", "example.com")

_NOTES = (
    "Prefers a call after 2pm.",
    "Large print letters, please.",
    "Would like an interpreter at appointments.",
    "Comes to the Tuesday drop-in.",
    "Interested in the dementia peer support group.",
    "Works shifts: send a text first.",
    "Asked about Carer's Allowance.",
    "Has an emergency plan in place.",
    "Would like to hear about breaks and respite.",
    "Best reached by email.",
)
_CONTACT_NOTES = (
    "Follow-up call booked.",
    "Gave the guide for carers leaflet.",
    "Talked through the carer's assessment.",
    "Signposted to benefits advice.",
    "Feeling more settled than last time.",
    "Booked onto the next training session.",
    "Emergency plan reviewed.",
)


class _Weighted(Generic[T]):
    """A weighted choice, drawn with one ``random()`` and a bisect (fast for big registers)."""

    def __init__(self, pairs: Sequence[tuple[T, float]]) -> None:
        self.values = [value for value, _ in pairs]
        self.cumulative = list(itertools.accumulate(weight for _, weight in pairs))
        self.total = self.cumulative[-1]

    def pick(self, rng: random.Random) -> T:
        """One value, each as likely as its weight."""
        return self.values[bisect.bisect_right(self.cumulative, rng.random() * self.total)]


# Carer type (by age today) and age range; the Harrow profile gives 59% of adults aged 18-64
# and 41% 65 or over, with about 456 young carers and 250 young adult carers besides.
_KIND = _Weighted(
    [("young_carer", 13), ("young_adult_carer", 6), ("adult_carer", 45), ("older_carer", 36)]
)
_BANDS_FROM = tuple(dict(AGE_BANDS)[k] for k in ("young_adult_carer", "adult_carer", "older_carer"))
_GENDER_ADULT = _Weighted(
    [
        ("female", 67),
        ("male", 31.5),
        ("non_binary", 0.5),
        ("other", 0.2),
        ("prefer_not_to_say", 0.8),
    ]
)
_GENDER_YOUNG = _Weighted(
    [("female", 55), ("male", 43.5), ("non_binary", 0.7), ("prefer_not_to_say", 0.8)]
)
# Census 2021 for Harrow, leaning a little towards White British as carers are older: about
# 62% of carers whose ethnicity is known are from ethnic minorities, as the strategy reports.
_ETHNICITY: _Weighted[str | None] = _Weighted(
    [
        ("white_british", 38),
        ("indian", 24),
        ("other_asian", 8),
        ("other_white", 8),
        ("african", 4),
        ("pakistani", 3),
        ("any_other", 3),
        ("caribbean", 2.5),
        ("irish", 2),
        ("arab", 2),
        ("bangladeshi", 1),
        ("chinese", 1),
        ("other_black", 1),
        ("white_and_asian", 1),
        ("white_and_black_caribbean", 1),
        ("other_mixed", 1),
        ("white_and_black_african", 0.5),
        ("roma", 0.5),
        ("gypsy_or_irish_traveller", 0.2),
        ("prefer_not_to_say", 2),
        (None, 3),
    ]
)
_ZH = "zh_CN"  # romanised Chinese names (pinyin), as a London desk writes them
_LOCALES: dict[str | None, _Weighted[str]] = {
    "white_british": _Weighted([("en_GB", 97), ("en_IE", 3)]),
    "irish": _Weighted([("en_IE", 70), ("ga_IE", 30)]),
    "gypsy_or_irish_traveller": _Weighted([("en_IE", 60), ("en_GB", 40)]),
    "roma": _Weighted([("ro_RO", 60), ("hu_HU", 25), ("sk_SK", 15)]),
    "other_white": _Weighted(
        [
            ("pl_PL", 30),
            ("ro_RO", 25),
            ("pt_PT", 10),
            ("it_IT", 10),
            ("en_GB", 10),
            ("hu_HU", 5),
            ("es_ES", 5),
            ("fr_FR", 5),
        ]
    ),
    "indian": _Weighted([("en_IN", 100)]),
    "pakistani": _Weighted([("en_PK", 100)]),
    "bangladeshi": _Weighted([("en_PK", 70), ("en_IN", 30)]),
    "chinese": _Weighted([(_ZH, 100)]),
    "other_asian": _Weighted(
        [("en_IN", 45), ("en_PK", 25), ("vi_VN", 15), (_ZH, 5), ("en_GB", 10)]
    ),
    "african": _Weighted(
        [("yo_NG", 30), ("ig_NG", 20), ("en_NG", 15), ("tw_GH", 20), ("en_KE", 15)]
    ),
    "caribbean": _Weighted([("en_GB", 100)]),
    "other_black": _Weighted([("en_GB", 40), ("en_NG", 30), ("en_KE", 30)]),
    "white_and_asian": _Weighted([("en_GB", 80), ("en_IN", 20)]),
    "white_and_black_african": _Weighted([("en_GB", 75), ("en_NG", 25)]),
    "white_and_black_caribbean": _Weighted([("en_GB", 100)]),
    "other_mixed": _Weighted([("en_GB", 80), ("pt_PT", 10), ("es_ES", 10)]),
    "arab": _Weighted([("en_PK", 100)]),
    "any_other": _Weighted([("tr_TR", 40), ("en_PK", 30), ("en_GB", 30)]),
    "prefer_not_to_say": _Weighted(
        [("en_GB", 70), ("en_IN", 15), ("pl_PL", 5), ("en_PK", 5), ("en_NG", 5)]
    ),
    None: _Weighted([("en_GB", 70), ("en_IN", 15), ("pl_PL", 5), ("en_PK", 5), ("en_NG", 5)]),
}
_REGISTERED_AT = _Weighted(
    [
        ("drop_in", 35),
        ("phone", 25),
        ("online", 15),
        ("event", 10),
        ("home_visit", 8),
        ("outreach", 7),
    ]
)
_HOW_HEARD_YOUNG = _Weighted(
    [
        ("school_or_college", 45),
        ("childrens_services", 20),
        ("family_or_friend", 10),
        ("self", 5),
        ("gp", 5),
        ("mental_health_service", 5),
        ("voluntary_sector", 5),
        ("event", 5),
    ]
)
_HOW_HEARD_ADULT = _Weighted(
    [
        ("self", 20),
        ("gp", 15),
        ("adult_social_care", 15),
        ("family_or_friend", 12),
        ("hospital", 10),
        ("voluntary_sector", 8),
        ("mental_health_service", 7),
        ("event", 4),
        ("other", 3),
        ("school_or_college", 2),
        ("childrens_services", 2),
    ]
)
_HOURS = _Weighted(
    [
        ("9_or_less", 15),
        ("10_19", 15),
        ("20_34", 15),
        ("35_49", 12),
        ("50_plus", 33),
        ("not_known", 10),
    ]
)
_HOURS_YOUNG = _Weighted(
    [("9_or_less", 40), ("10_19", 25), ("20_34", 10), ("35_49", 3), ("not_known", 22)]
)
_EMPLOYMENT: dict[str, _Weighted[str]] = {
    "young_carer": _Weighted([("in_education", 100)]),
    "young_adult_carer": _Weighted(
        [
            ("in_education", 45),
            ("part_time", 20),
            ("full_time", 15),
            ("unemployed", 15),
            ("not_known", 5),
        ]
    ),
    "adult_carer": _Weighted(
        [
            ("full_time", 25),
            ("part_time", 22),
            ("not_known", 15),
            ("unable_to_work", 13),
            ("unemployed", 12),
            ("self_employed", 8),
            ("retired", 3),
            ("in_education", 2),
        ]
    ),
    "older_carer": _Weighted(
        [("retired", 80), ("not_known", 10), ("part_time", 5), ("unable_to_work", 5)]
    ),
}
_RELATIONSHIP: dict[str, _Weighted[str]] = {
    "young_carer": _Weighted(
        [("parent", 60), ("sibling", 25), ("grandparent", 10), ("other_relative", 5)]
    ),
    "young_adult_carer": _Weighted(
        [
            ("parent", 55),
            ("sibling", 25),
            ("grandparent", 10),
            ("spouse_or_partner", 3),
            ("other_relative", 5),
            ("friend_or_neighbour", 2),
        ]
    ),
    "adult_carer": _Weighted(
        [
            ("parent", 40),
            ("child", 25),
            ("spouse_or_partner", 22),
            ("sibling", 5),
            ("other_relative", 4),
            ("friend_or_neighbour", 3),
            ("other", 1),
        ]
    ),
    "older_carer": _Weighted(
        [
            ("spouse_or_partner", 60),
            ("child", 20),
            ("parent", 6),
            ("sibling", 6),
            ("friend_or_neighbour", 4),
            ("other_relative", 4),
        ]
    ),
}
_CONDITIONS: dict[str, _Weighted[str]] = {
    "under_18": _Weighted(
        [
            ("autism", 35),
            ("learning_disability", 25),
            ("physical_disability", 15),
            ("long_term_illness", 10),
            ("mental_health", 8),
            ("sensory_impairment", 5),
            ("other", 2),
        ]
    ),
    "18_64": _Weighted(
        [
            ("mental_health", 30),
            ("physical_disability", 18),
            ("long_term_illness", 18),
            ("learning_disability", 12),
            ("autism", 7),
            ("substance_misuse", 6),
            ("other", 4),
            ("sensory_impairment", 3),
            ("end_of_life", 2),
        ]
    ),
    "65_plus": _Weighted(
        [
            ("dementia", 35),
            ("frailty", 25),
            ("long_term_illness", 20),
            ("physical_disability", 10),
            ("sensory_impairment", 5),
            ("mental_health", 3),
            ("end_of_life", 3),
            ("other", 2),
        ]
    ),
}
_CONDITIONS["not_known"] = _CONDITIONS["18_64"]
_CLOSED_REASON = _Weighted(
    [
        ("no_longer_caring", 35),
        ("bereaved", 20),
        ("moved_away", 20),
        ("deceased", 8),
        ("withdrew_consent", 7),
        ("other", 7),
        ("duplicate", 3),
    ]
)
_CLOSED_REASON_YOUNG = _Weighted(
    [("no_longer_caring", 40), ("moved_away", 35), ("withdrew_consent", 10), ("other", 15)]
)
_CHANNEL = _Weighted(
    [
        ("drop_in", 38),
        ("phone", 34),
        ("event", 8),
        ("email", 8),
        ("home_visit", 6),
        ("online", 6),
    ]
)
_CHANNEL_YOUNG = _Weighted(
    [("event", 35), ("drop_in", 30), ("phone", 15), ("online", 12), ("email", 8)]
)
_MINUTES = {
    "drop_in": (10, 60),
    "phone": (5, 40),
    "home_visit": (45, 90),
    "event": (10, 45),
    "online": (15, 60),
    "email": (5, 20),
}
_SUPPORT_ADULT = _Weighted(
    [
        ("information_advice", 30),
        ("emotional_support", 25),
        ("benefits_finance", 15),
        ("signposting", 15),
        ("carer_assessment_triage", 8),
        ("breaks_respite", 8),
        ("peer_support", 8),
        ("training", 5),
        ("emergency_planning", 5),
        ("other", 3),
    ]
)
_SUPPORT_YOUNG = _Weighted(
    [
        ("young_carers_activity", 45),
        ("emotional_support", 20),
        ("peer_support", 12),
        ("information_advice", 10),
        ("signposting", 5),
        ("carer_assessment_triage", 5),
        ("other", 3),
    ]
)
_CONSENT_SHARE: _Weighted[bool | None] = _Weighted([(True, 70), (False, 20), (None, 10)])
_CONSENT_CONTACT: _Weighted[bool | None] = _Weighted([(True, 75), (False, 15), (None, 10)])
_HOW_MANY = _Weighted([(1, 60), (2, 30), (3, 10)])
_ROLE_COUNT = _Weighted([(1, 80), (2, 16), (3, 4)])
_SUPPORT_ORDER = {code: index for index, code in enumerate(SUPPORT)}
_CONDITION_ORDER = {code: index for index, code in enumerate(CONDITION)}
_REGISTRATION_CHANNEL = {
    "drop_in": "drop_in",
    "phone": "phone",
    "online": "online",
    "event": "event",
    "home_visit": "home_visit",
    "outreach": "event",
}


@dataclass(frozen=True)
class DemoSummary:
    """How many rows the demo register was given."""

    carers: int
    roles: int
    contacts: int
    cards: int = 0
    referrals: int = 0


class _Home(NamedTuple):
    """Where a carer lives; people of one household share it."""

    last_name: str
    locale: str
    ethnicity: str | None
    address_line_1: str
    address_line_2: str | None
    town: str
    postcode: str
    ward: str | None
    phone: str | None


class _Postcode(NamedTuple):
    postcode: str
    street: str
    town: str
    ward: str | None


class _Numbers:
    """Drama numbers dealt in a shuffled cycle, so as few carers as possible share one."""

    def __init__(self, numbers: Sequence[str], rng: random.Random) -> None:
        self.numbers = list(numbers)
        self.rng = rng
        self.left: list[str] = []

    def next(self) -> str:
        """The next number of the cycle."""
        if not self.left:
            self.left = self.numbers[:]
            self.rng.shuffle(self.left)
        return self.left.pop()


def _utc(day: date, minutes: int) -> datetime:
    """A local (Europe/London) moment, ``minutes`` after midnight, as stored: naive UTC."""
    # Wall-clock arithmetic: the offset is that of the resulting local time, not midnight's.
    local = datetime.combine(day, time(), tzinfo=LONDON) + timedelta(minutes=minutes)
    return local.astimezone(UTC).replace(tzinfo=None)


def _years_before(day: date, years: int) -> date:
    """The same calendar day ``years`` earlier (28 February for 29 February)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


@dataclass
class _Builder:
    """Draws the invented register, carer by carer, from one seed."""

    seed: int
    today: date
    now: time = time(17, 0)
    """The time of day the demo is made: today's contacts are all earlier."""
    rng: random.Random = field(init=False)
    fakers: dict[str, Any] = field(default_factory=dict)
    first_names: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    last_names: dict[str, list[str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)
        self.mobiles = _Numbers(MOBILES, self.rng)
        self.landlines = _Numbers(LANDLINES, self.rng)
        self.staff = [f"{self._first('en_GB', s)} {self._last('en_GB')}" for s in "fmfffmff"]
        self.gp_practices = self._gp_practices()
        self.homes: list[_Home] = []
        self.postcodes: dict[str, list[_Postcode]] = {}
        self.outward = _Weighted([(row, row[2]) for row in _OUTWARDS])

    # --- names -------------------------------------------------------------------------

    def _faker(self, locale: str) -> Any:
        fake = self.fakers.get(locale)
        if fake is None:
            from faker import Faker

            fake = Faker(locale)
            fake.seed_instance(self.seed)
            self.fakers[locale] = fake
        return fake

    @staticmethod
    def _valid(names: list[str]) -> list[str]:
        kept = []
        for name in names:
            try:
                if parse_name(name) == name:
                    kept.append(name)
            except FieldError:
                pass
        return kept or ["Alex"]

    def _first(self, locale: str, sex: str) -> str:
        """A first name of ``locale`` for sex ``f`` or ``m``, from a pool drawn once."""
        pool = self.first_names.get((locale, sex))
        if pool is None:
            fake = self._faker(locale)
            if locale == _ZH:
                draw = fake.first_romanized_name
            else:
                draw = fake.first_name_female if sex == "f" else fake.first_name_male
            pool = self._valid([str(draw()) for _ in range(300)])
            self.first_names[(locale, sex)] = pool
        return self.rng.choice(pool)

    def _last(self, locale: str) -> str:
        """A last name of ``locale``, from a pool drawn once."""
        pool = self.last_names.get(locale)
        if pool is None:
            fake = self._faker(locale)
            draw = fake.last_romanized_name if locale == _ZH else fake.last_name
            pool = self._valid([str(draw()) for _ in range(400)])
            self.last_names[locale] = pool
        return self.rng.choice(pool)

    def _gp_practices(self) -> list[str]:
        """A dozen invented GP practices of the area."""
        kinds = ("Medical Centre", "Surgery", "Health Centre", "Medical Practice")
        practices: list[str] = []
        while len(practices) < 12:
            word = self._last("en_GB") if len(practices) % 2 else self.rng.choice(_STREET_WORDS)
            kind = kinds[len(practices) % 4]
            practice = f"{'The ' if kind == 'Surgery' else ''}{word} {kind}"
            if practice not in practices:
                practices.append(practice)
        return practices

    # --- where people live -------------------------------------------------------------

    def prepare_postcodes(self, carers: int) -> None:
        """A pool of postcodes, about one for every four carers, so neighbours share one."""
        wanted = max(30, carers // 4)
        seen: set[str] = set()
        for outward, town, share, wards in _OUTWARDS:
            rows: list[_Postcode] = []
            # An outward code has 4,000 inward codes at most; keep well within them.
            for _ in range(min(MAX_POSTCODES_PER_OUTWARD, max(2, round(wanted * share / 100)))):
                while True:
                    letters = self.rng.choices(_INWARD_LETTERS, k=2)
                    postcode = f"{outward} {self.rng.randint(0, 9)}{''.join(letters)}"
                    if postcode not in seen:
                        break
                seen.add(postcode)
                word = (
                    self.rng.choice(_STREET_WORDS)
                    if self.rng.random() < 0.4
                    else self._last("en_GB")
                )
                street = f"{word} {self.rng.choice(_STREET_SUFFIXES)}"
                ward = self.rng.choice(wards) if wards else None
                rows.append(_Postcode(postcode, street, town, ward))
            self.postcodes[outward] = rows

    def _home(self, ethnicity: str | None) -> _Home:
        rng = self.rng
        if self.homes and rng.random() < 0.07:
            # Someone of a household already registered: a partner, a parent, a child.
            return self.homes[rng.randrange(len(self.homes))]
        locale = _LOCALES[ethnicity].pick(rng)
        outward = self.outward.pick(rng)[0]
        place = rng.choice(self.postcodes[outward])
        number = rng.randint(1, 180)
        if rng.random() < 0.2:
            line_1, line_2 = f"Flat {rng.randint(1, 40)}", f"{number} {place.street}"
        else:
            line_1, line_2 = f"{number} {place.street}", None
        phone = self.landlines.next() if rng.random() < 0.45 else None
        home = _Home(
            self._last(locale),
            locale,
            ethnicity,
            line_1,
            line_2,
            place.town,
            place.postcode,
            place.ward if rng.random() < 0.95 else None,
            phone,
        )
        self.homes.append(home)
        return home

    # --- carers ------------------------------------------------------------------------

    def registrations(self, carers: int) -> list[tuple[date, int]]:
        """Registration days and local minutes, oldest first, over the last five years."""
        rng, today = self.rng, self.today
        span = YEARS_OF_REGISTRATIONS * 365
        moments = []
        for _ in range(carers):
            day = today - timedelta(days=rng.randint(0, span))
            if day.weekday() >= 5 and rng.random() < 0.8:
                day -= timedelta(days=day.weekday() - 4)  # most register on a weekday
            minute = rng.randint(9 * 60 + 30, 16 * 60 + 30)
            if day == today:  # registered today: before now
                minute = min(minute, max(0, self.now.hour * 60 + self.now.minute - 1))
            moments.append((day, minute))
        moments.sort()
        return moments

    def _birth(self, kind: str, registered_on: date) -> date:
        rng, today = self.rng, self.today
        young_adult, adult, older = _BANDS_FROM  # an age within the kind's band (core.ages)
        if kind == "young_carer":
            age = int(rng.triangular(6, young_adult, 15))
        elif kind == "young_adult_carer":
            age = rng.randint(young_adult, adult - 1)
        elif kind == "adult_carer":
            age = int(rng.triangular(adult, older, 55))
        else:
            age = older + int(rng.triangular(0, 32, 8))
        born = _years_before(today, age + 1) + timedelta(days=rng.randint(1, 365))
        youngest = _years_before(registered_on, 6)  # Harrow's young carers service is 6-18
        if born > youngest:
            born = youngest - timedelta(days=rng.randint(0, 700))
        return born

    def carer(
        self, number: int, registered_on: date, minutes: int
    ) -> tuple[dict[str, Any], list[dict[str, Any]], _Facts]:
        """One carer's row, their caring roles' rows and what their contacts depend on."""
        rng, today = self.rng, self.today
        kind = _KIND.pick(rng)
        young = kind == "young_carer"
        gender = (_GENDER_YOUNG if young else _GENDER_ADULT).pick(rng)
        sex = {"female": "f", "male": "m"}.get(gender) or rng.choice("fm")
        ethnicity = _ETHNICITY.pick(rng)
        home = self._home(ethnicity)
        ethnicity, locale = home.ethnicity, home.locale
        first_name = self._first(locale, sex)
        last_name = home.last_name if rng.random() < 0.85 else self._last(locale)
        preferred_name = self._first("en_GB", sex) if rng.random() < 0.04 else None
        born = self._birth(kind, registered_on)
        created_at = _utc(registered_on, minutes)
        staff = rng.choice(self.staff)

        has_mobile = rng.random() < {"young_carer": 0.5, "older_carer": 0.6}.get(kind, 0.85)
        mobile = self.mobiles.next() if has_mobile else None
        email = None
        if rng.random() < {"young_carer": 0.15, "older_carer": 0.25}.get(kind, 0.6):
            local = ".".join(
                "".join(ch for ch in fold(part) if ch.isascii() and ch.isalnum())
                for part in (first_name, last_name)
            )
            if not local.strip("."):
                local = f"carer.{number}"
            if rng.random() < 0.4:
                local += str(rng.randint(1, 99))
            email = f"{local}@{rng.choice(EMAIL_DOMAINS)}"
        ways = [way for way, has in (("phone", mobile or home.phone), ("text", mobile)) if has]
        ways += ["email"] * bool(email)
        draw = rng.random()
        preferred = "none" if draw < 0.02 else "post" if draw < 0.1 or not ways else None
        preferred = preferred or rng.choice(ways)

        closed_on = closed_reason = None
        open_days = (today - registered_on).days
        if open_days >= 30 and rng.random() < 0.11:
            closed_on = registered_on + timedelta(days=rng.randint(14, open_days))
            closed_reason = (_CLOSED_REASON_YOUNG if young else _CLOSED_REASON).pick(rng)
        roles = self._roles(kind, born, registered_on, closed_on, closed_reason, created_at)
        parent_carer = (
            None
            if rng.random() < 0.05
            else (not young and any(r["relationship"] == "child" for r in roles))
        )
        hours = (_HOURS_YOUNG if young else _HOURS).pick(rng)
        employment = _EMPLOYMENT[kind].pick(rng)
        if young:
            allowance = "no"
        elif rng.random() < 0.2:
            allowance = "not_known"
        elif (
            hours in ("35_49", "50_plus")
            and employment not in ("full_time", "retired")
            and rng.random() < 0.6
        ):
            allowance = "yes"
        else:
            allowance = "no"
        row: dict[str, Any] = {
            "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            "reference": f"{carers.REFERENCE_PREFIX}{number:0{carers.REFERENCE_DIGITS}d}",
            "first_name": first_name,
            "last_name": last_name,
            "preferred_name": preferred_name,
            "date_of_birth": born,
            "gender": gender,
            "ethnicity": ethnicity,
            "address_line_1": home.address_line_1,
            "address_line_2": home.address_line_2,
            "town": home.town,
            "postcode": home.postcode,
            "ward": home.ward,
            "phone": home.phone,
            "mobile": mobile,
            "email": email,
            "preferred_contact": preferred,
            "registered_on": registered_on,
            "registered_at": _REGISTERED_AT.pick(rng),
            "how_heard": (_HOW_HEARD_YOUNG if young else _HOW_HEARD_ADULT).pick(rng),
            "hours_caring": hours,
            "parent_carer": parent_carer,
            "employment": employment,
            "carers_allowance": allowance,
            "gp_practice": rng.choice(self.gp_practices) if rng.random() < 0.65 else None,
            "consent_store": True,
            "consent_date": registered_on,
            "consent_by": staff,
            "consent_share": _CONSENT_SHARE.pick(rng),
            "consent_contact": _CONSENT_CONTACT.pick(rng),
            "status": "closed" if closed_on else "active",
            "closed_on": closed_on,
            "closed_reason": closed_reason,
            "notes": rng.choice(_NOTES) if rng.random() < 0.08 else None,
            **carers.search_keys(first_name, last_name, preferred_name, home.postcode),
            "created_at": created_at,
            "created_by": staff,
            "updated_at": _utc(closed_on, 12 * 60) if closed_on else created_at,
            "updated_by": rng.choice(self.staff) if closed_on else staff,
        }
        for role in roles:
            role["carer_id"] = row["id"]
        facts = _Facts(row["id"], kind, registered_on, closed_on, row["registered_at"])
        return row, roles, facts

    def _roles(
        self,
        kind: str,
        born: date,
        registered_on: date,
        closed_on: date | None,
        closed_reason: str | None,
        created_at: datetime,
    ) -> list[dict[str, Any]]:
        rng, today = self.rng, self.today
        age = (registered_on - born).days // 365
        count = _ROLE_COUNT.pick(rng)
        roles: list[dict[str, Any]] = []
        earliest = born + timedelta(days=6 * 366)  # nobody is a carer before six
        latest = closed_on or today
        for index in range(count):
            relationship = _RELATIONSHIP[kind].pick(rng)
            band = self._band(relationship, age)
            conditions = {_CONDITIONS[band].pick(rng) for _ in range(_HOW_MANY.pick(rng))}
            started_on: date | None
            if index == 0 or rng.random() < 0.5:
                began = registered_on - timedelta(days=rng.randint(30, 8 * 365))
                started_on = None if rng.random() < 0.25 else min(max(began, earliest), latest)
                role_created = created_at + timedelta(seconds=index)
            else:
                # A caring role that began after they registered with us.
                started_on = registered_on + timedelta(
                    days=rng.randint(0, (latest - registered_on).days)
                )
                role_created = _utc(started_on, 11 * 60) + timedelta(seconds=index)
            ended_on = None
            if closed_on and closed_reason in ("bereaved", "no_longer_caring", "deceased"):
                ended_on = closed_on
            elif (index > 0 and rng.random() < 0.3) or rng.random() < 0.02:
                start = max(started_on or registered_on, registered_on)
                ended_on = start + timedelta(days=rng.randint(0, max(0, (latest - start).days)))
            if ended_on is not None and started_on is not None and ended_on < started_on:
                ended_on = started_on
            roles.append(
                {
                    "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                    "carer_id": "",
                    "relationship": relationship,
                    "cared_for_age_band": band,
                    "conditions": ";".join(sorted(conditions, key=_CONDITION_ORDER.__getitem__)),
                    "lives_with_carer": rng.random()
                    < (0.85 if relationship in ("spouse_or_partner", "child") else 0.55),
                    "started_on": started_on,
                    "ended_on": ended_on,
                    "created_at": role_created,
                    "created_by": None,
                    "updated_at": _utc(ended_on, 12 * 60) if ended_on else role_created,
                    "updated_by": None,
                }
            )
        return roles

    def _band(self, relationship: str, age: int) -> str:
        rng = self.rng
        if rng.random() < 0.03:
            return "not_known"
        if relationship == "parent":
            return "18_64" if age < 35 or (age < 45 and rng.random() < 0.5) else "65_plus"
        if relationship == "child":
            if age < 45:
                return "under_18" if rng.random() < 0.85 else "18_64"
            return "18_64" if age < 85 else "65_plus"
        if relationship == "grandparent":
            return "65_plus"
        if relationship in ("spouse_or_partner", "sibling"):
            return "under_18" if age < 18 else "18_64" if age < 65 else "65_plus"
        return "65_plus" if rng.random() < 0.6 else "18_64"

    # --- contacts ----------------------------------------------------------------------

    def _support(self, young: bool) -> str:
        weighted = _SUPPORT_YOUNG if young else _SUPPORT_ADULT
        wanted = _HOW_MANY.pick(self.rng)
        chosen: set[str] = set()
        while len(chosen) < wanted:
            chosen.add(weighted.pick(self.rng))
        return ";".join(sorted(chosen, key=_SUPPORT_ORDER.__getitem__))

    def contact(
        self, carer_id: str | None, day: date, young: bool, channel: str | None = None
    ) -> dict[str, Any]:
        """One contact's row, on ``day`` during opening hours."""
        rng = self.rng
        channel = channel or (_CHANNEL_YOUNG if young else _CHANNEL).pick(rng)
        low, high = _MINUTES[channel]
        minutes = rng.randrange(low, high + 1, 5)
        opening, closing = 9 * 60, 17 * 60
        if day == self.today:
            # Today's contacts are spread through the hours before now, each over (logged)
            # before now: never a visit later than the clock at the desk.
            now = self.now.hour * 60 + self.now.minute
            closing = min(closing, now)
            if closing < opening + 60:  # before the centre opens: the hour before now
                opening = max(0, closing - 60)
            minutes = min(minutes, max(1, (closing - opening) // 2))
            closing = max(opening + 1, closing - minutes)
        at = rng.randrange(opening, closing, 5)
        staff = rng.choice(self.staff)
        seconds = rng.randint(0, 59) if day != self.today else 0
        created_at = _utc(day, at + minutes) + timedelta(seconds=seconds)
        return {
            "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            "carer_id": carer_id,
            "contact_on": day,
            "contact_time": time(at // 60, at % 60) if rng.random() < 0.92 else None,
            "channel": channel,
            "support": self._support(young),
            "minutes": minutes,
            "staff": staff,
            "notes": rng.choice(_CONTACT_NOTES) if rng.random() < 0.08 else None,
            "created_at": created_at,
            "created_by": staff,
            "updated_at": created_at,
            "updated_by": staff,
        }

    def _contact_day(self, first: date, days: int) -> date:
        rng = self.rng
        day = first + timedelta(days=rng.randrange(days))
        if day.weekday() >= 5 and rng.random() < 0.8:
            day = first + timedelta(days=rng.randrange(days))  # the centre is quiet at weekends
        return day

    def contacts(self, facts: _Facts, today_too: bool) -> list[dict[str, Any]]:
        """A carer's contacts over the last year: about four on average, some many more."""
        rng, today = self.rng, self.today
        young = facts.kind in ("young_carer", "young_adult_carer")
        first = max(today - timedelta(days=CONTACT_DAYS - 1), facts.registered_on)
        last = min(today, facts.closed_on or today)
        rows: list[dict[str, Any]] = []
        if first > last:
            return rows
        days = (last - first).days + 1
        # Carers differ: many come once or twice a year, a few every week.
        intensity = rng.gammavariate(0.8, 5.5) * days / CONTACT_DAYS
        count = min(60, int(intensity + rng.random()))
        if facts.registered_on >= first:
            channel = _REGISTRATION_CHANNEL[facts.registered_at]
            rows.append(self.contact(facts.carer_id, facts.registered_on, young, channel))
        rows.extend(
            self.contact(facts.carer_id, self._contact_day(first, days), young)
            for _ in range(count)
        )
        if today_too and facts.closed_on is None:
            rows.append(self.contact(facts.carer_id, today, young))
        return rows

    def anonymous(self, count: int) -> Iterator[dict[str, Any]]:
        """Contacts with people who would not register: counted, never named."""
        first = self.today - timedelta(days=CONTACT_DAYS - 1)
        for _ in range(count):
            yield self.contact(None, self._contact_day(first, CONTACT_DAYS), False)


class _Facts(NamedTuple):
    """What a carer's contacts depend on."""

    carer_id: str
    kind: str
    registered_on: date
    closed_on: date | None
    registered_at: str


class _Holder(NamedTuple):
    """What a carer's cards and referrals depend on."""

    carer_id: str
    born: date
    registered_on: date
    closed_on: date | None
    consent_share: bool
    staff: str


DEMO_SERVICES = (
    # code: contact details, invented (drama numbers, example.org addresses).
    ("council_carers_assessment", "Adult social care, carers team: 020 7946 0100"),
    ("young_carers_assessment", "Children's services front door: 020 7946 0101"),
    ("benefits_advice", "Welfare rights, secure email welfare.rights@example.org"),
    ("counselling", "Talking therapies: 020 7946 0102"),
    ("breaks_respite", "Short breaks team: 020 7946 0103"),
    ("dementia_support", "Memory service: 020 7946 0104"),
)
LOCAL_SERVICES = (
    # name, return category, contact: services a centre adds to the list itself.
    ("Harrow Dementia Café", "dementia_support", "cafe@example.org, 020 7946 0105"),
    ("Young Carers Club", "young_carers_assessment", "Wednesdays after school: 020 7946 0106"),
)
EMERGENCY_CONTACTS = (
    ("Jo Marsh", "daughter"),
    ("Dev Okafor", "son"),
    ("Ann Petrie", "neighbour"),
    ("Lia Moreno", "sister"),
    ("Tom Halloran", "friend"),
)
"""Invented people an emergency card holder names to call (an emergency card needs one)."""
CARD_HOLDERS = 0.14
"""The share of carers with a card; about one referral is made for every five of them."""
REFERRED = 0.05
_ADULT_CARDS = _Weighted([("carer_card", 0.6), ("carer_passport", 0.25), ("emergency_card", 0.15)])
_YOUNG_CARDS = _Weighted([("young_carer_card", 0.85), ("emergency_card", 0.15)])
_DESTINATIONS = _Weighted(
    [
        ("council_carers_assessment", 0.24), ("benefits_advice", 0.2), ("counselling", 0.12),
        ("breaks_respite", 0.1), ("gp_carer_registration", 0.08),
        ("mental_health_carers_support", 0.06), ("dementia_support", 0.06),
        ("employment_support", 0.04), ("harrow_dementia_cafe", 0.04), ("other", 0.06),
    ]
)  # fmt: skip
_REASONS = {
    "council_carers_assessment": "Asked for a carer's assessment: struggling with nights",
    "young_carers_assessment": "School noticed tiredness; caring for a parent after school",
    "benefits_advice": "May be entitled to Carer's Allowance and has not claimed",
    "counselling": "Low mood since the person they care for was diagnosed",
    "breaks_respite": "Has had no break in over a year",
    "gp_carer_registration": "Their GP does not know they are a carer",
    "mental_health_carers_support": "Cares for an adult child with psychosis",
    "dementia_support": "Cares for a parent recently diagnosed with dementia",
    "employment_support": "Wants to return to work part time around caring",
    "harrow_dementia_cafe": "Would like to meet other carers of people with dementia",
    "young_carers_club": "Wants time with other young carers",
    "other": "Housing adaptation advice",
}
# Where an open referral has got to, and how the closed ones ended.
_FATE = _Weighted(
    [
        ("draft", 0.06), ("sent", 0.16), ("acknowledged", 0.18), ("completed", 0.42),
        ("declined", 0.1), ("withdrawn", 0.08),
    ]
)  # fmt: skip
_OUTCOMES = {
    "completed": "Seen; support in place",
    "declined": "Not eligible for this service",
    "withdrawn": "The carer no longer wanted it",
}


def _services(session: Session) -> None:
    """Contact details on some of the starting services, and the centre's own additions."""
    for code, contact in DEMO_SERVICES:
        service = session.get(Destination, code)
        if service is not None:
            service.contact = contact
    taken = set(session.scalars(select(Destination.code)))
    for position, (name, counts_as, contact) in enumerate(LOCAL_SERVICES, len(taken) + 1):
        code = new_code(name, taken)
        taken.add(code)
        session.add(
            Destination(
                code=code, name=name, contact=contact, counts_as=counts_as, position=position
            )
        )


def _day_between(rng: random.Random, first: date, last: date) -> date:
    return first + timedelta(days=rng.randint(0, max(0, (last - first).days)))


def _cards_and_referrals(
    session: Session, seed: int, today: date, holders: list[_Holder], prefix: str
) -> tuple[int, int]:
    """Cards for some carers (a few renewed or cancelled) and referrals for others, at
    every step, from a random stream of their own (the carers stay as they were)."""
    rng = random.Random(seed * 7919 + 3)
    card_rows: list[dict[str, Any]] = []
    referral_rows: list[dict[str, Any]] = []
    event_rows: list[dict[str, Any]] = []
    emergency_rows: list[dict[str, Any]] = []
    serial = 0
    for holder in holders:
        last = min(today, holder.closed_on or today)
        if rng.random() < CARD_HOLDERS:
            issued = _day_between(rng, holder.registered_on, last)
            young = types_offered(holder.born, issued)[0] == "young_carer_card"
            kind = (_YOUNG_CARDS if young else _ADULT_CARDS).pick(rng)
            ends = expiry(kind, issued, holder.born)
            cards: list[tuple[str, str, date, date, str, date | None, str | None]]
            cards = [(kind, "new", issued, ends, "active", None, None)]
            if ends < today - timedelta(days=30) and rng.random() < 0.5:
                # Renewed when it ran out (a young carer card renews as an adult's).
                renewed = ends + timedelta(days=rng.randint(1, 30))
                again = types_offered(holder.born, renewed)[0]
                renewal = expiry(again, renewed, holder.born)
                cards = [
                    (kind, "new", issued, ends, "replaced", renewed, None),
                    (again, "renewal", renewed, renewal, "active", None, None),
                ]
            elif ends >= today and rng.random() < 0.04:
                cards = [(kind, "new", issued, ends, "cancelled", last, "Reported lost")]
            for kind, reason, issued_on, expires_on, status, ended_on, why in cards:
                serial += 1
                stamp = _utc(issued_on, 11 * 60)
                card_rows.append(
                    {
                        "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                        "card_number": card_number(prefix, serial),
                        "carer_id": holder.carer_id, "card_type": kind,
                        "issue_reason": reason, "issued_on": issued_on,
                        "expires_on": expires_on, "status": status, "ended_on": ended_on,
                        "cancel_reason": why, "created_at": stamp, "created_by": holder.staff,
                        "updated_at": stamp, "updated_by": holder.staff,
                    }
                )  # fmt: skip
            if any(card[0] == "emergency_card" for card in cards):
                # Drawn from the serial, not the random stream, so the rest stays as it was.
                name, relationship = EMERGENCY_CONTACTS[serial % len(EMERGENCY_CONTACTS)]
                emergency_rows.append(
                    {
                        "id": str(uuid.UUID(int=serial, version=4)),
                        "carer_id": holder.carer_id, "position": 1, "name": name,
                        "relationship": relationship, "phone": f"+447700900{serial % 1000:03d}",
                        "created_at": stamp, "created_by": holder.staff,
                        "updated_at": stamp, "updated_by": holder.staff,
                    }
                )  # fmt: skip
        since = max(holder.registered_on, today - timedelta(180))
        if holder.consent_share and rng.random() < REFERRED and since <= last:
            made = _day_between(rng, since, last)
            status = _FATE.pick(rng)
            if holder.closed_on and status in ("draft", "sent", "acknowledged"):
                status = "withdrawn"
            destination = _DESTINATIONS.pick(rng)
            referral_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
            steps = [("draft", made)]
            if status != "draft":
                steps.append(("sent", made))
            acknowledged = None
            if status in ("acknowledged", "completed", "declined"):
                acknowledged = min(last, made + timedelta(days=rng.randint(1, 12)))
                steps.append(("acknowledged", acknowledged))
            closed_on = None
            if status in _OUTCOMES:
                closed_on = min(last, steps[-1][1] + timedelta(days=rng.randint(3, 40)))
                steps.append((status, closed_on))
            stamp = _utc(made, 10 * 60)
            referral_rows.append(
                {
                    "id": referral_id, "carer_id": holder.carer_id, "destination": destination,
                    "reason": _REASONS[destination], "urgency": "urgent"
                    if rng.random() < 0.12 else "routine",
                    "status": status, "made_on": made if status != "draft" else None,
                    "closed_on": closed_on, "outcome": _OUTCOMES.get(status),
                    "hopes": None, "acknowledged_on": acknowledged,
                    "consent_confirmed_by": holder.staff if status != "draft" else None,
                    "consent_confirmed_on": made if status != "draft" else None,
                    "created_at": stamp, "created_by": holder.staff,
                    "updated_at": _utc(steps[-1][1], 10 * 60), "updated_by": holder.staff,
                }
            )  # fmt: skip
            for number, (step, day) in enumerate(steps):
                event_rows.append(
                    {
                        "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                        "referral_id": referral_id, "status": step,
                        "at": _utc(day, 10 * 60 + number), "by": holder.staff,
                    }
                )  # fmt: skip
    _insert(session, Card.__table__, card_rows)
    _insert(session, EmergencyContact.__table__, emergency_rows)
    _insert(session, Referral.__table__, referral_rows)
    _insert(session, ReferralEvent.__table__, event_rows)
    session.merge(Setting(key="next_card_serial", value=str(serial + 1)))
    return len(card_rows), len(referral_rows)


def _insert(session: Session, table: Any, rows: list[dict[str, Any]]) -> None:
    for start in range(0, len(rows), CHUNK):
        session.execute(insert(table), rows[start : start + CHUNK])


def _first_consents(carer_rows: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """Each carer's consents as given when they registered: the first entries of their
    consent history. Ids made from the carer's, so the random sequence is not disturbed."""
    for row in carer_rows:
        for consent, name in LATEST.items():
            if row[name] is not None:
                yield {
                    "id": str(uuid.uuid5(uuid.UUID(row["id"]), consent)),
                    "carer_id": row["id"],
                    "consent": consent,
                    "given": row[name],
                    "date": row["consent_date"],
                    "how": how_registered(row["registered_at"]),
                    "recorded_by": row["consent_by"],
                    "created_at": row["created_at"],
                    "created_by": row["created_by"],
                    "updated_at": row["created_at"],
                    "updated_by": row["created_by"],
                }


def _fill(
    session: Session, builder: _Builder, how_many: int, holders: list[_Holder]
) -> tuple[int, int]:
    """Insert the carers, their roles and contacts, and the settings; count roles, contacts.
    ``holders`` is given what each carer's cards and referrals depend on."""
    today = builder.today
    with_today = set(builder.rng.sample(range(how_many), min(how_many, max(3, how_many // 80))))
    moments = builder.registrations(how_many)
    roles_count = contacts_count = 0
    for start in range(0, how_many, CHUNK):
        carer_rows: list[dict[str, Any]] = []
        role_rows: list[dict[str, Any]] = []
        contact_rows: list[dict[str, Any]] = []
        for index in range(start, min(how_many, start + CHUNK)):
            registered_on, minutes = moments[index]
            row, roles, facts = builder.carer(index + 1, registered_on, minutes)
            carer_rows.append(row)
            holders.append(
                _Holder(
                    row["id"],
                    row["date_of_birth"],
                    registered_on,
                    row["closed_on"],
                    row["consent_share"] is True,
                    row["created_by"],
                )
            )
            role_rows.extend(roles)
            contact_rows.extend(builder.contacts(facts, index in with_today))
        _insert(session, Carer.__table__, carer_rows)
        _insert(session, Consent.__table__, list(_first_consents(carer_rows)))
        _insert(session, CaringRole.__table__, role_rows)
        _insert(session, Contact.__table__, contact_rows)
        roles_count += len(role_rows)
        contacts_count += len(contact_rows)
    if how_many:
        anonymous = list(builder.anonymous(max(2, contacts_count * 3 // 100)))
        anonymous.append(builder.contact(None, today, False, "drop_in"))
        _insert(session, Contact.__table__, anonymous)
        contacts_count += len(anonymous)
    settings = {
        "organisation_name": ORGANISATION_NAME,
        "wards": json.dumps(list(WARDS)),
        "demo": "1",
        carers.COUNTER_KEY: str(how_many + 1),
    }
    for key, value in settings.items():
        session.merge(Setting(key=key, value=value))
    session.flush()
    return roles_count, contacts_count


def _demo_accounts(session: Session) -> None:
    """The demo organisation and one account for each role, their PINs shown at sign-in."""
    (first_name, _, first_pin), *others = DEMO_USERS
    coordinator = accounts.set_up(
        session,
        {
            "organisation_name": ORGANISATION_NAME,
            "organisation_phone": "020 7946 0000",
            "card_prefix": DEMO_PREFIX,
            "coordinator": first_name,
            "pin": first_pin,
            "pin_again": first_pin,
        },
    ).actor
    for name, role, pin in others:
        accounts.add_user(session, coordinator, {"name": name, "role": role, "pin": pin})
    session.merge(Setting(key=accounts.DEMO_PINS, value=json.dumps(DEMO_USERS)))


def fill_demo(
    engine: Engine,
    carers: int = 2000,
    seed: int = 1,
    today: date | None = None,
    now: time | None = None,
) -> DemoSummary:
    """Fill an empty, migrated register with ``carers`` invented carers; return the counts.

    Each carer has one to three caring roles (most one, some ended) and, over the 365 days up
    to ``today``, about four contacts on average (drop-ins and phone calls most), a few of them
    on ``today`` itself; there are some anonymous contacts too. About one record in ten is
    closed. References run ``C000001`` upwards in order of registration, and the reference
    counter is left at the next free number, so a carer registered afterwards continues the
    sequence. The organisation's name, Harrow's ward list and a ``demo`` marker are stored as
    settings, with one account for each role (``DEMO_USERS``, PINs shown at sign-in). The
    same ``seed``, ``today`` and ``now`` give the same register, row for row.

    ``now`` is the time of day the demo is made, today's contacts all before it: by default
    the clock's when ``today`` is the clock's day (or not given), else 17:00, closing time.

    Raises ``NotAllowed`` when the register already holds carers: the demo never mixes
    invented people with real ones.
    """
    if carers < 0:
        raise ValueError("The number of carers cannot be negative.")
    clock = now_local()
    if now is None:
        now = clock.time() if today in (None, clock.date()) else time(17, 0)
    today = today or clock.date()
    with unit_of_work(engine) as session:
        if session.scalar(select(Carer.pk).limit(1)) is not None:
            raise NotAllowed(
                "The demo can only fill an empty register, and this one already holds carers. "
                "Start a new register file for the demo."
            )
        builder = _Builder(seed, today, now)
        builder.prepare_postcodes(carers)
        sqlite = is_sqlite(engine)
        cache = None
        if sqlite:
            # Random ids land all over the indexes: a big page cache keeps them in memory.
            cache = session.scalar(text("PRAGMA cache_size"))
            session.execute(text(f"PRAGMA cache_size = -{FILL_CACHE_KIB}"))
        holders: list[_Holder] = []
        try:
            roles_count, contacts_count = _fill(session, builder, carers, holders)
            _demo_accounts(session)
            _services(session)
            cards_count, referrals_count = _cards_and_referrals(
                session, seed, today, holders, DEMO_PREFIX
            )
            del holders
            if sqlite:
                session.execute(text("ANALYZE"))
        finally:
            if cache is not None:
                # The connection goes back to the pool: give it back its usual cache.
                with suppress(SQLAlchemyError):
                    session.execute(text(f"PRAGMA cache_size = {int(cache)}"))
    return DemoSummary(carers, roles_count, contacts_count, cards_count, referrals_count)
