"""The organisation's set-up, sign-in with a PIN, lockout, and the coordinator's user changes."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from argon2 import PasswordHasher
from sqlalchemy import Engine, select

from carerdesk.core.errors import InvalidEntry, NotAllowed
from carerdesk.core.permissions import SYSTEM, Actor, Role
from carerdesk.db import accounts
from carerdesk.db.audit import Action
from carerdesk.db.engine import unit_of_work
from carerdesk.db.models import AuditEntry, Setting, User
from tests.conftest import FAST_PINS

SETUP = {
    "organisation_name": "Harrow Carers",
    "organisation_phone": "020 7946 0000",
    "card_prefix": "hc",
    "coordinator": "Casey Coordinator",
    "pin": "2580",
    "pin_again": "2580",
}
NOON = datetime(2026, 11, 23, 12, 0)


def set_up(engine: Engine) -> Actor:
    with unit_of_work(engine) as session:
        return accounts.set_up(session, SETUP).actor


def add(engine: Engine, by: Actor, name: str, role: str, pin: str) -> str:
    with unit_of_work(engine) as session:
        return accounts.add_user(session, by, {"name": name, "role": role, "pin": pin}).id


def sign_in(engine: Engine, name: str, pin: str, now: datetime = NOON) -> accounts.SignIn:
    with unit_of_work(engine) as session:
        return accounts.sign_in(session, name, pin, now=now)


def actions(engine: Engine) -> list[tuple[str, str, str]]:
    with unit_of_work(engine, write=False) as session:
        rows = session.scalars(select(AuditEntry).order_by(AuditEntry.seq))
        return [(row.user_name, row.action, row.detail) for row in rows]


def test_first_run_sets_up_the_organisation_and_its_coordinator(engine: Engine) -> None:
    with unit_of_work(engine, write=False) as session:
        assert accounts.organisation(session) is None
    coordinator = set_up(engine)
    assert coordinator.role is Role.COORDINATOR and coordinator.user_id
    with unit_of_work(engine, write=False) as session:
        organisation = accounts.organisation(session)
        stored = accounts.find_user(session, "casey coordinator")
    assert organisation == accounts.Organisation("Harrow Carers", "020 7946 0000", "HC")
    assert stored.pin_hash.startswith("$argon2id$") and "2580" not in stored.pin_hash
    assert actions(engine) == [
        ("Casey Coordinator", Action.USER_ADDED, "Casey Coordinator, coordinator"),
        ("Casey Coordinator", Action.ORGANISATION_SET_UP, ""),
    ]
    with pytest.raises(NotAllowed, match="already set up"), unit_of_work(engine) as session:
        accounts.set_up(session, {**SETUP, "coordinator": "Someone Else"})


def test_a_refused_set_up_writes_nothing(engine: Engine) -> None:
    with pytest.raises(InvalidEntry) as refused, unit_of_work(engine) as session:
        accounts.set_up(session, {**SETUP, "pin_again": "2581"})
    assert refused.value.errors == {"pin_again": "The two PINs are not the same."}
    with unit_of_work(engine, write=False) as session:
        assert not accounts.has_users(session) and session.get(Setting, "card_prefix") is None


def test_sign_in_in_any_case_and_the_trail_records_it(engine: Engine) -> None:
    set_up(engine)
    actor = sign_in(engine, "  CASEY coordinator ", "2580").accepted()
    assert actor.name == "Casey Coordinator"
    assert actions(engine)[-1] == ("Casey Coordinator", Action.SIGN_IN, "")


def test_unknown_names_and_wrong_pins_are_refused_alike_and_recorded(engine: Engine) -> None:
    set_up(engine)
    unknown = sign_in(engine, "Nobody Here", "2580")
    wrong = sign_in(engine, "Casey Coordinator", "9999")
    with pytest.raises(NotAllowed, match="do not match an account"):
        unknown.accepted()
    with pytest.raises(NotAllowed, match=r"do not match\. 4 more tries"):
        wrong.accepted()
    assert actions(engine)[-2:] == [
        ("Nobody Here", Action.SIGN_IN_FAILED, "unknown name"),
        ("Casey Coordinator", Action.SIGN_IN_FAILED, "wrong PIN"),
    ]


def test_five_wrong_pins_lock_the_account_for_five_minutes(engine: Engine) -> None:
    set_up(engine)
    for _ in range(4):
        assert sign_in(engine, "Casey Coordinator", "1357", NOON).actor is None
    locked = sign_in(engine, "Casey Coordinator", "1357", NOON)
    assert locked.refusal.startswith("Five wrong PINs: this account is locked for 5 minutes.")
    # Even the right PIN is refused while the lock lasts...
    during = sign_in(engine, "Casey Coordinator", "2580", NOON + timedelta(minutes=2))
    assert during.refusal == "Too many wrong PINs: this account is locked for another 3 minutes."
    # ...and works once it is over.
    assert sign_in(engine, "Casey Coordinator", "2580", NOON + timedelta(minutes=5)).actor
    assert (Action.LOCKED_OUT) in [action for _, action, _ in actions(engine)]


def test_a_right_pin_resets_the_count_of_wrong_ones(engine: Engine) -> None:
    set_up(engine)
    for _ in range(4):
        sign_in(engine, "Casey Coordinator", "1357")
    assert sign_in(engine, "Casey Coordinator", "2580").actor
    assert "4 more tries" in sign_in(engine, "Casey Coordinator", "1357").refusal


def test_the_coordinator_adds_resets_and_deactivates_users(engine: Engine) -> None:
    coordinator = set_up(engine)
    sam = add(engine, coordinator, "Sam Staff", "staff", "1357")
    for _ in range(5):
        sign_in(engine, "Sam Staff", "0000")
    with unit_of_work(engine) as session:
        accounts.reset_pin(session, coordinator, sam, "8642")
    assert sign_in(engine, "sam staff", "8642").accepted().role is Role.STAFF
    with unit_of_work(engine) as session:
        accounts.deactivate(session, coordinator, sam)
    refused = sign_in(engine, "Sam Staff", "8642")
    assert refused.refusal == "This account has been deactivated. Ask your coordinator."
    with unit_of_work(engine, write=False) as session:
        assert [user.name for user in accounts.users(session, by=SYSTEM)] == [
            "Casey Coordinator",
            "Sam Staff",
        ]


def test_names_are_unique_in_any_case(engine: Engine) -> None:
    coordinator = set_up(engine)
    with pytest.raises(InvalidEntry) as refused, unit_of_work(engine) as session:
        accounts.add_user(
            session, coordinator, {"name": "casey COORDINATOR", "role": "staff", "pin": "1357"}
        )
    assert "already has that name" in refused.value.errors["name"]


def test_only_a_coordinator_manages_users(engine: Engine) -> None:
    coordinator = set_up(engine)
    add(engine, coordinator, "Sam Staff", "staff", "1357")
    sam = sign_in(engine, "Sam Staff", "1357").accepted()
    refusal = "may not add, change or deactivate staff accounts"
    with pytest.raises(NotAllowed, match=refusal), unit_of_work(engine) as session:
        accounts.add_user(session, sam, {"name": "Robin", "role": "volunteer", "pin": "2468"})


def test_the_last_active_coordinator_stays(engine: Engine) -> None:
    coordinator = set_up(engine)
    assert coordinator.user_id
    last = "at least one active coordinator"
    with pytest.raises(NotAllowed, match=last), unit_of_work(engine) as session:
        accounts.deactivate(session, coordinator, coordinator.user_id)
    with pytest.raises(NotAllowed, match=last), unit_of_work(engine) as session:
        accounts.change_role(session, coordinator, coordinator.user_id, "staff")


def test_hash_parameters_come_from_the_settings_and_old_hashes_are_remade(engine: Engine) -> None:
    set_up(engine)
    with unit_of_work(engine) as session:
        session.get(Setting, "pin_hash_time_cost").value = "2"  # type: ignore[union-attr]
    assert sign_in(engine, "Casey Coordinator", "2580").actor
    with unit_of_work(engine, write=False) as session:
        stored = accounts.find_user(session, "Casey Coordinator").pin_hash
    assert ",t=2," in stored and "m=1024" in stored


def test_without_settings_the_hash_is_argon2_cffis_own_default(engine: Engine) -> None:
    with unit_of_work(engine) as session:
        for key in FAST_PINS:
            session.delete(session.get(Setting, key))
    with unit_of_work(engine, write=False) as session:
        ours = accounts.hasher(session)
    default = PasswordHasher()
    assert (ours.time_cost, ours.memory_cost, ours.parallelism) == (
        default.time_cost,
        default.memory_cost,
        default.parallelism,
    )


def test_idle_minutes_default_to_five(engine: Engine) -> None:
    with unit_of_work(engine) as session:
        assert accounts.idle_minutes(session) == 5
        session.add(Setting(key=accounts.IDLE_SETTING, value="12"))
    with unit_of_work(engine, write=False) as session:
        assert accounts.idle_minutes(session) == 12


def test_pins_are_never_stored_as_typed(engine: Engine) -> None:
    coordinator = set_up(engine)
    add(engine, coordinator, "Robin Volunteer", "volunteer", "97531")
    with unit_of_work(engine, write=False) as session:
        hashes = session.scalars(select(User.pin_hash)).all()
        trail = session.scalars(select(AuditEntry.detail)).all()
    assert not any("97531" in text or "2580" in text for text in [*hashes, *trail])


def test_a_setting_left_blank_is_stored_blank(engine: Engine) -> None:
    coordinator = set_up(engine)
    with unit_of_work(engine) as session:
        assert accounts.change_setting(session, coordinator, "organisation_phone", " ") == ""
        assert accounts.settings(session, coordinator)["organisation_phone"] == ""


def test_a_pin_typed_as_the_name_never_reaches_the_trail(engine: Engine) -> None:
    set_up(engine)
    sign_in(engine, "2580", "2580")
    assert actions(engine)[-1] == ("(a name with digits)", Action.SIGN_IN_FAILED, "unknown name")


def _five_wrong(engine: Engine, name: str, at: datetime) -> str:
    for _ in range(4):
        assert sign_in(engine, name, "1357", at).actor is None
    return sign_in(engine, name, "1357", at).refusal


def test_each_lockout_in_a_row_lasts_twice_as_long_until_a_right_pin(engine: Engine) -> None:
    coordinator = set_up(engine)
    sam = add(engine, coordinator, "Sam Staff", "staff", "8642")
    at = NOON
    for minutes in (5, 10, 20, 40):
        assert f"locked for {minutes} minutes" in _five_wrong(engine, "Sam Staff", at)
        just_before = at + timedelta(minutes=minutes) - timedelta(seconds=30)
        assert (
            "locked for another 1 minute."
            in sign_in(engine, "Sam Staff", "8642", just_before).refusal
        )
        at += timedelta(minutes=minutes)
    # The fifth lockout in a row: 80 minutes, said as a person would say it.
    assert "locked for 1 hour 20 minutes" in _five_wrong(engine, "Sam Staff", at)
    at += timedelta(minutes=80)
    # A right PIN ends the run: the next lockout is five minutes again.
    assert sign_in(engine, "Sam Staff", "8642", at).actor is not None
    assert "locked for 5 minutes" in _five_wrong(engine, "Sam Staff", at)
    # So does the coordinator's reset.
    at += timedelta(minutes=5)
    assert "locked for 10 minutes" in _five_wrong(engine, "Sam Staff", at)
    with unit_of_work(engine) as session:
        accounts.reset_pin(session, coordinator, sam, "9753")
    assert "locked for 5 minutes" in _five_wrong(engine, "Sam Staff", at + timedelta(minutes=1))
    lockouts = [detail for _, action, detail in actions(engine) if action == Action.LOCKED_OUT]
    assert lockouts[:2] == [
        "five wrong PINs, lockout 1 in a row: 5 minutes",
        "five wrong PINs, lockout 2 in a row: 10 minutes",
    ]


def test_lockouts_grow_to_a_day_at_most() -> None:
    lengths = [accounts.lock_for(n) for n in range(1, 12)]
    assert [length.total_seconds() / 60 for length in lengths[:5]] == [5, 10, 20, 40, 80]
    assert max(lengths) == lengths[-1] == timedelta(hours=24)
    assert accounts.span(timedelta(hours=24)) == "24 hours"


@pytest.mark.parametrize(
    ("typed", "kept"), [("\x1bc", "(blank)"), ("Sam\x1b[2J Staff", "Sam Staff")]
)
def test_a_sign_in_name_is_kept_without_its_escape_codes(
    engine: Engine, typed: str, kept: str
) -> None:
    set_up(engine)
    sign_in(engine, typed, "1357")
    who, action, detail = actions(engine)[-1]
    assert (who, action, detail) == (kept, Action.SIGN_IN_FAILED, "unknown name")


def _recover(engine: Engine, code: str, pin: str = "4826") -> accounts.Recovery:
    with unit_of_work(engine) as session:
        return accounts.recover(session, "casey coordinator", code, pin)


def test_a_recovery_code_sets_a_new_pin_once_and_lifts_a_lockout(engine: Engine) -> None:
    with unit_of_work(engine) as session:
        made = accounts.set_up(session, SETUP)
    assert "recovery_code" not in repr(made) and made.recovery_code not in repr(made)
    _five_wrong(engine, "Casey Coordinator", NOON)
    _five_wrong(engine, "Casey Coordinator", NOON + timedelta(minutes=5))  # locked 10 minutes
    # Written down by hand: any case, with or without its hyphens.
    first = _recover(engine, made.recovery_code.lower().replace("-", " ")).accepted()
    assert first.actor == made.actor and first.recovery_code != made.recovery_code
    assert sign_in(engine, "Casey Coordinator", "4826", NOON + timedelta(minutes=6)).actor
    # The code used is spent; the new one works.
    with pytest.raises(NotAllowed, match="do not match a coordinator"):
        _recover(engine, made.recovery_code).accepted()
    assert _recover(engine, first.recovery_code, "5937").actor is not None
    with unit_of_work(engine, write=False) as session:
        stored = accounts.find_user(session, "Casey Coordinator")
        assert (stored.lockouts, stored.locked_until, stored.failed_pins) == (0, None, 0)
        assert stored.recovery_hash and stored.recovery_hash.startswith("$argon2id$")
    trail = actions(engine)
    assert [a for _, a, _ in trail].count(Action.RECOVERED) == 2
    assert (SETUP["coordinator"], Action.RECOVERY_REFUSED, "wrong recovery code") in trail
    everything = repr(trail)
    for secret in ("4826", "5937", made.recovery_code, first.recovery_code):
        assert secret not in everything


def test_only_a_coordinator_has_a_recovery_code(engine: Engine) -> None:
    coordinator = set_up(engine)
    add(engine, coordinator, "Sam Staff", "staff", "8642")
    sam = sign_in(engine, "Sam Staff", "8642").accepted()
    with pytest.raises(NotAllowed), unit_of_work(engine) as session:
        accounts.make_recovery_code(session, sam)
    with unit_of_work(engine) as session:
        refused = accounts.recover(session, "Sam Staff", "ABCDE-ABCDE-ABCDE-ABCDE", "4826")
    assert refused.actor is None
    assert actions(engine)[-1] == ("Sam Staff", Action.RECOVERY_REFUSED, "no recovery code")
    with unit_of_work(engine) as session:
        code = accounts.make_recovery_code(session, coordinator)
    assert _recover(engine, code).actor == coordinator


def test_every_audit_entry_about_an_account_says_which_account(engine: Engine) -> None:
    from carerdesk.db import audit

    coordinator = set_up(engine)
    sam = add(engine, coordinator, "Sam Staff", "staff", "1357")
    with unit_of_work(engine) as session:
        accounts.reset_pin(session, coordinator, sam, "8642")
        accounts.change_role(session, coordinator, sam, "volunteer")
        accounts.deactivate(session, coordinator, sam)
        accounts.make_recovery_code(session, coordinator)
    with unit_of_work(engine, write=False) as session:
        trail = audit.entries(session, audit.TrailFilter(), by=SYSTEM)
    about = [(e.action, e.kind, e.reference, e.detail) for e in reversed(trail) if e.kind]
    assert about == [
        (Action.USER_ADDED, "user", "Casey Coordinator", "Casey Coordinator, coordinator"),
        (Action.USER_ADDED, "user", "Sam Staff", "Sam Staff, staff"),
        (Action.PIN_RESET, "user", "Sam Staff", "Sam Staff, staff"),
        (Action.USER_CHANGED, "user", "Sam Staff", "Sam Staff, staff to volunteer"),
        (Action.USER_DEACTIVATED, "user", "Sam Staff", "Sam Staff, volunteer"),
        (Action.RECOVERY_CODE_MADE, "user", "Casey Coordinator", "Casey Coordinator, coordinator"),
    ]
    assert "1357" not in repr(trail) and "8642" not in repr(trail)
