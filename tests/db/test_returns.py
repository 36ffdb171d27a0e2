"""The weekly return counted from a register built with known answers, row by row."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any, cast

import pytest
from sqlalchemy import Engine, Table, select, text, update
from sqlalchemy.orm import Session

from carerdesk.core.ages import AGE_BANDS, born_by
from carerdesk.core.entries import carer_type, check_carer, check_contact, check_role
from carerdesk.core.errors import NotAllowed
from carerdesk.core.permissions import SYSTEM
from carerdesk.core.returns import Figure
from carerdesk.core.weeks import Week, week_of
from carerdesk.db import carers, returns
from carerdesk.db.bulk import insert_rows
from carerdesk.db.engine import unit_of_work
from carerdesk.db.models import Card, Carer, Referral, Setting
from tests.conftest import COORDINATOR, STAFF

TODAY = date(2027, 2, 1)
W47 = Week(2026, 47)  # Monday 16 to Sunday 22 November 2026


def carer(
    session: Session,
    born: str,
    registered: str,
    roles: Sequence[dict[str, str]] = (),
    **fields: str,
) -> Carer:
    typed = {
        "first_name": "Ada",
        "last_name": "Quill",
        "date_of_birth": born,
        "registered_on": registered,
        "consent_store": "yes",
        "consent_share": "yes",
        **fields,
    }
    return carers.register_carer(
        session,
        check_carer(typed, TODAY),
        [check_role(role, TODAY) for role in roles],
        by=STAFF,
    )


def contact(session: Session, who: Carer | None, on: str, **fields: str) -> None:
    typed = {"contact_on": on, "channel": "phone", "support": "information_advice", **fields}
    carers.log_contact(session, who.id if who else None, check_contact(typed, TODAY), by=STAFF)


def figures(engine: Engine, week: Week) -> dict[tuple[str, str, str], int]:
    with unit_of_work(engine, write=False) as session:
        found = returns.week_figures(session, week, COORDINATOR)
    return {(f.measure, f.breakdown, f.category): f.value for f in found}


def breakdown(found: dict[tuple[str, str, str], int], measure: str, name: str) -> dict[str, int]:
    return {c: v for (m, b, c), v in found.items() if (m, b) == (measure, name) and v}


@pytest.fixture
def register(engine: Engine) -> Engine:
    """Carers and records around week 2026-W47, each there for one rule of the return."""
    with unit_of_work(engine) as session:
        # Two caring roles, one ended the day before registration: not multiple roles.
        ended = carer(
            session,
            "01/02/1970",
            "16/11/2026",
            [
                {"relationship": "spouse_or_partner", "conditions": "mental_health"},
                {"relationship": "parent", "conditions": "dementia", "ended_on": "15/11/2026"},
            ],
            ward="Somewhere Old",  # before the ward list was set
        )
        session.add(Setting(key="wards", value='["Canons", "Kenton West"]'))
        # Turns 18 on Thursday 19 November: 17 when registered on the Monday.
        turning = carer(
            session,
            "19/11/2008",
            "16/11/2026",
            [{"relationship": "parent", "conditions": "dementia;frailty"}],
            gender="female",
            ethnicity="indian",
            how_heard="gp",
            hours_caring="50_plus",
            parent_carer="no",
            ward="Canons",
        )
        # Two active roles, turning 65 on the Sunday they register: an older carer.
        several = carer(
            session,
            "22/11/1961",
            "22/11/2026",
            [
                {"relationship": "parent", "conditions": "dementia"},
                {"relationship": "child", "conditions": "autism;dementia"},
            ],
            gender="male",
            ethnicity="white_british",
            parent_carer="yes",
        )
        # Registered the week before, closed on the week's Sunday.
        closing = carer(session, "01/01/1990", "10/11/2026")
        carers.close_carer(
            session, closing.id, on=date(2026, 11, 22), reason="moved_away", by=STAFF
        )
        # Registered on the Monday after: not in the week, not on its register.
        carer(session, "01/01/1990", "23/11/2026")
        contact(session, turning, "17/11/2026", channel="drop_in", support="emotional_support")
        contact(session, turning, "20/11/2026", support="emotional_support;information_advice")
        contact(session, None, "21/11/2026", channel="event", support="signposting")
        contact(session, None, "22/11/2026")
        contact(session, closing, "22/11/2026", support="benefits_finance")
        contact(session, ended, "23/11/2026")  # the Monday after
        session.add_all(
            [
                Card(
                    card_number="HC00001230",
                    carer_id=turning.id,
                    card_type="young_carer_card",
                    issue_reason="new",
                    issued_on=date(2026, 11, 18),
                    expires_on=date(2026, 11, 18),
                ),
                Card(
                    card_number="HC00002238",
                    carer_id=several.id,
                    card_type="carer_card",
                    issue_reason="renewal",
                    issued_on=date(2026, 11, 15),  # the Sunday before
                    expires_on=date(2029, 11, 14),
                ),
                Referral(
                    carer_id=several.id,
                    destination="dementia_support",
                    reason="Support at home",
                    status="completed",
                    made_on=date(2026, 11, 9),
                    closed_on=date(2026, 11, 20),
                ),
                Referral(
                    carer_id=turning.id,
                    destination="young_carers_assessment",
                    reason="Assessment",
                    status="sent",
                    made_on=date(2026, 11, 16),
                ),
            ]
        )
    return engine


def test_new_registrations_count_each_carer_on_their_registration_day(register: Engine) -> None:
    found = figures(register, W47)
    assert found["new_registrations", "total", "all"] == 3
    assert breakdown(found, "new_registrations", "carer_type") == {
        "young_carer": 1,  # 17 on the day, though 18 by the Sunday
        "older_carer": 1,
        "adult_carer": 1,
    }
    assert breakdown(found, "new_registrations", "gender") == {
        "female": 1,
        "male": 1,
        "not_recorded": 1,
    }
    assert breakdown(found, "new_registrations", "ethnic_group") == {
        "asian": 1,
        "white": 1,
        "not_known": 1,
    }
    assert breakdown(found, "new_registrations", "parent_carer") == {
        "yes": 1,
        "no": 1,
        "not_recorded": 1,
    }
    assert breakdown(found, "new_registrations", "how_heard") == {"gp": 1, "not_recorded": 2}
    assert breakdown(found, "new_registrations", "hours_caring") == {
        "50_plus": 1,
        "not_recorded": 2,
    }
    # A ward no longer on the list counts as not recorded; every ward is listed, zeros too.
    assert breakdown(found, "new_registrations", "ward") == {"Canons": 1, "not_recorded": 2}
    assert found["new_registrations", "ward", "Kenton West"] == 0


def test_only_roles_active_on_the_registration_day_count(register: Engine) -> None:
    found = figures(register, W47)
    assert breakdown(found, "new_registrations", "multiple_caring_roles") == {"yes": 1, "no": 2}
    # Each carer once under each condition of their active roles; the ended role's dementia
    # does not count for the carer who registered the day after it ended.
    assert breakdown(found, "new_registrations", "cared_for_condition") == {
        "dementia": 2,
        "frailty": 1,
        "mental_health": 1,
        "autism": 1,
    }


def test_the_register_size_is_taken_at_the_end_of_sunday(register: Engine) -> None:
    found = figures(register, W47)
    # Closed on the Sunday: off the register; registered the Monday after: not yet on it.
    assert found["register_size", "total", "all"] == 3
    assert breakdown(found, "register_size", "carer_type") == {
        "young_adult_carer": 1,  # 18 by the Sunday
        "adult_carer": 1,
        "older_carer": 1,
    }
    assert breakdown(found, "carers_closed", "closed_reason") == {"moved_away": 1}
    assert found["carers_closed", "total", "all"] == 1


def test_contacts_and_the_carers_contacted(register: Engine) -> None:
    found = figures(register, W47)
    assert found["contacts", "total", "all"] == 5
    assert breakdown(found, "contacts", "channel") == {"drop_in": 1, "phone": 3, "event": 1}
    assert breakdown(found, "contacts", "anonymous") == {"yes": 2, "no": 3}
    assert breakdown(found, "contacts", "support") == {
        "emotional_support": 2,
        "information_advice": 2,
        "signposting": 1,
        "benefits_finance": 1,
    }
    # Two different carers; the one turning 18 is counted at their first contact (17).
    assert found["carers_contacted", "total", "all"] == 2
    assert breakdown(found, "carers_contacted", "carer_type") == {
        "young_carer": 1,
        "adult_carer": 1,
    }


def test_cards_and_referrals_by_their_own_dates(register: Engine) -> None:
    found = figures(register, W47)
    assert found["cards_issued", "total", "all"] == 1
    assert breakdown(found, "cards_issued", "card_type") == {"young_carer_card": 1}
    assert breakdown(found, "cards_issued", "issue_reason") == {"new": 1}
    assert breakdown(found, "referrals_made", "destination") == {"young_carers_assessment": 1}
    assert breakdown(found, "referrals_closed", "outcome") == {"completed": 1}


def test_every_category_is_there_in_code_list_order(register: Engine) -> None:
    with unit_of_work(register, write=False) as session:
        found = returns.week_figures(session, W47, COORDINATOR)
    channel = [f.category for f in found if (f.measure, f.breakdown) == ("contacts", "channel")]
    assert channel == ["drop_in", "phone", "home_visit", "event", "online", "email"]
    assert found[0] == Figure("new_registrations", "total", "all", 3)
    assert [f.measure for f in found][-1] == "carers_closed"
    assert all(isinstance(f.value, int) for f in found)


def test_a_contact_logged_on_monday_morning_counts_in_mondays_week(engine: Engine) -> None:
    with unit_of_work(engine) as session:
        who = carer(session, "01/01/1980", "01/05/2026")
        contact(session, who, "01/06/2026")
        # Stamped at 23:30 UTC on the Sunday, as a desk in summer time would store it.
        session.execute(text("UPDATE contacts SET created_at = '2026-05-31 23:30:00.000000'"))
    assert figures(engine, Week(2026, 23))["contacts", "total", "all"] == 1
    assert figures(engine, Week(2026, 22))["contacts", "total", "all"] == 0
    with unit_of_work(engine, write=False) as session:
        days = returns.contacts_by_day(session, Week(2026, 23), by=SYSTEM)
    assert days[0] == (date(2026, 6, 1), 1) and sum(count for _, count in days) == 1


def test_weeks_at_the_turn_of_the_year(engine: Engine) -> None:
    with unit_of_work(engine) as session:
        late = carer(session, "01/01/1980", "31/12/2026")  # Thursday of 2026-W53
        contact(session, late, "03/01/2027")  # Sunday of 2026-W53
        early = carer(session, "01/01/1980", "04/01/2027")  # Monday of 2027-W01
        contact(session, early, "04/01/2027")
    w53, w01 = figures(engine, Week(2026, 53)), figures(engine, Week(2027, 1))
    assert (w53["new_registrations", "total", "all"], w53["contacts", "total", "all"]) == (1, 1)
    assert (w01["new_registrations", "total", "all"], w01["contacts", "total", "all"]) == (1, 1)
    assert (w53["register_size", "total", "all"], w01["register_size", "total", "all"]) == (1, 2)


def test_only_a_coordinator_counts_the_return(register: Engine) -> None:
    with unit_of_work(register, write=False) as session, pytest.raises(NotAllowed):
        returns.week_figures(session, W47, STAFF)


def _value(found: list[Figure], *key: str) -> Any:
    return next(f.value for f in found if (f.measure, f.breakdown, f.category) == key)


def test_a_return_is_remembered_and_an_amendment_names_what_moved(register: Engine) -> None:
    with unit_of_work(register) as session:
        made, before = returns.make_return(session, W47, COORDINATOR, today=TODAY)
    assert before is None
    with unit_of_work(register) as session:
        again, amended = returns.make_return(
            session, W47, COORDINATOR, today=TODAY
        )  # nothing moved
        assert again == made and amended is None
    with unit_of_work(register) as session:
        contact(session, None, "19/11/2026", channel="email")  # logged late for the week
    with unit_of_work(register) as session, pytest.raises(returns.FiguresMoved) as refused:
        returns.make_return(session, W47, COORDINATOR, today=TODAY)
    assert [str(change) for change in refused.value.changes] == [
        "contacts total all: 5 -> 6",
        "contacts channel email: 0 -> 1",
        "contacts support information_advice: 2 -> 3",
        "contacts anonymous yes: 2 -> 3",
    ]
    with unit_of_work(register) as session:
        amended, before = returns.make_return(session, W47, COORDINATOR, today=TODAY, amend=True)
    assert _value(amended, "contacts", "total", "all") == 6 and before is not None
    with unit_of_work(register, write=False) as session:
        history = returns.past_returns(session, COORDINATOR, W47)
    assert len(history) == 3 and history[0].amends == history[1].id
    assert all(made.intact for made in history)
    assert history[0].figures == amended


def test_a_stored_return_altered_afterwards_no_longer_matches_its_checksum(
    register: Engine,
) -> None:
    with unit_of_work(register) as session:
        returns.make_return(session, W47, COORDINATOR, today=TODAY)
        session.execute(text("UPDATE weekly_returns SET figures = replace(figures, ',3]', ',4]')"))
    with unit_of_work(register, write=False) as session:
        assert not returns.past_returns(session, COORDINATOR)[0].intact


BORN_FROM, BORN_UNTIL = date(1958, 1, 1), date(2012, 12, 31)
REFERENCE_DAYS = [
    date(2024, 2, 28),
    date(2024, 2, 29),  # a 29 February: 18 years before is 28 February of a common year
    date(2024, 3, 1),
    date(2025, 2, 28),  # a common year: someone born on 29 February turns a year older...
    date(2025, 3, 1),  # ...on 1 March
    date(2026, 11, 22),
]


COLUMNS = ("id", "reference", "first_name", "last_name", "date_of_birth", "registered_on",
           "consent_store", "status", "first_folded", "last_folded", "search_text", "created_at",
           "updated_at")  # fmt: skip


@pytest.fixture
def every_birthday(engine: Engine) -> Engine:
    """A carer born on each day from 1958 to 2012 (every 29 February of them included)."""
    days = (BORN_UNTIL - BORN_FROM).days + 1
    made = datetime(2026, 1, 1)
    rows = [
        (f"born-{n}", f"C{n:06d}", "Ada", "Quill", BORN_FROM + timedelta(days=n), BORN_UNTIL,
         True, "active", "ada", "quill", "ada quill", made, made)
        for n in range(days)
    ]  # fmt: skip
    with unit_of_work(engine) as session:
        insert_rows(session, cast(Table, Carer.__table__), COLUMNS, rows, staged=True)
    return engine


def test_the_return_types_each_birth_date_as_the_python_rule_does(every_birthday: Engine) -> None:
    """The SQL of the return and ``carer_type`` come from the same age bands: every birth date
    of 55 years, on days around a 29 February, lands in the same type both ways."""
    for day in REFERENCE_DAYS:
        week = week_of(day)
        with unit_of_work(every_birthday) as session:
            session.execute(update(Carer).values(registered_on=day))
            # As the register's size counts them (the day's cut-offs as parameters)...
            by_date = dict(
                session.execute(
                    select(
                        Carer.date_of_birth,
                        returns.carer_type_sql(Carer.date_of_birth, born_by(day)),
                    )
                ).all()
            )
            # ...as new registrations and contacts count them (each day's row of the week)...
            days = returns._days(week)
            by_day = dict(
                session.execute(
                    select(Carer.date_of_birth, returns._day_type(days)).join(
                        days, days.c.day == Carer.registered_on
                    )
                ).all()
            )
            # ...and in the return's own counts.
            counted = returns.week_counts(session, week, by=COORDINATOR)[
                "new_registrations", "carer_type"
            ]
        expected = {born: carer_type(born, day) for born in by_date}
        assert len(expected) == (BORN_UNTIL - BORN_FROM).days + 1
        assert by_date == expected, day
        assert by_day == expected, day
        assert counted == Counter(expected.values()), day
        assert set(expected.values()) == {code for code, _ in AGE_BANDS}


def test_a_return_for_this_unfinished_week_or_a_future_one_is_refused(register: Engine) -> None:
    from carerdesk.core.errors import FieldError

    thursday = date(2026, 12, 3)  # in 2026-W49
    for week, why in (
        (Week(2026, 49), "2026-W49 is this week and not over until Sunday 06 Dec"),
        (Week(2026, 50), "2026-W50 has not happened yet"),
        (Week(2030, 10), "2030-W10 has not happened yet"),
    ):
        with unit_of_work(register) as session, pytest.raises(FieldError, match=why) as refused:
            returns.make_return(session, week, COORDINATOR, today=thursday)
        assert "2026-W48 is the latest that can be made" in refused.value.message
    with unit_of_work(register, write=False) as session:
        assert returns.past_returns(session, COORDINATOR) == []  # none remembered as returned
    with unit_of_work(register) as session:  # the Sunday is over on Monday
        returns.make_return(session, Week(2026, 48), COORDINATOR, today=date(2026, 11, 30))


def test_a_returns_audit_entry_says_which_week(register: Engine) -> None:
    from carerdesk.db import audit

    with unit_of_work(register) as session:
        returns.make_return(session, W47, COORDINATOR, today=TODAY)
    with unit_of_work(register, write=False) as session:
        found = audit.entries(session, audit.TrailFilter(record="2026-W47"), by=COORDINATOR)
    assert [(e.action, e.kind, e.reference) for e in found] == [("exported", "return", "2026-W47")]
