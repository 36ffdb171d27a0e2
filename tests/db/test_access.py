"""Subject access: everything held about one carer, and nothing of anyone else, checked
against three carers who share a surname, a phone and a postcode."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from carerdesk.core.errors import NotAllowed
from carerdesk.core.permissions import Actor
from carerdesk.db import access, audit
from carerdesk.db.access import SubjectAccess
from carerdesk.db.audit import Action
from carerdesk.db.engine import unit_of_work
from carerdesk.db.models import AuditEntry
from tests.conftest import COORDINATOR, STAFF, TODAY, VOLUNTEER
from tests.db.okafors import POSTCODE, SURNAME, Okafor, build, entries_about


@pytest.fixture
def okafors(engine: Engine, tmp_path: Path) -> tuple[Okafor, ...]:
    return build(engine, tmp_path)


def _copy(engine: Engine, reference: str) -> SubjectAccess:
    with unit_of_work(engine) as session:
        return access.subject_access(session, reference, by=COORDINATOR, today=TODAY)


def test_the_copy_holds_every_record_of_the_carer(
    engine: Engine, okafors: tuple[Okafor, ...]
) -> None:
    adaeze = okafors[0]
    copy = _copy(engine, adaeze.reference)
    counts = {section.key: len(section.rows) for section in copy.sections}
    assert counts == {
        "carer": 1,
        "consents": 4,  # to keep, to share, to contact, and the referral's confirmation
        "consent_history": 4,
        "caring_roles": 2,  # theirs and the merged record's
        "contacts": 4,  # two, the merged record's, the stall's
        "cards": 1,
        "emergency_contacts": 1,
        "referrals": 1,
        "referral_steps": 2,  # drafted, sent
        "merged_records": 1,
        "event_imports": 1,
        "not_duplicates": 1,
        "audit_trail": counts["audit_trail"],
    }
    (carer,) = copy.section("carer").records()
    assert (carer["first_name"], carer["last_name"], carer["reference"]) == (
        "Adaeze",
        SURNAME,
        adaeze.reference,
    )
    assert carer["email"] == "adaeze@example.org"  # filled in by the stall's record
    assert "Adaeze registered twice" in carer["notes"]
    notes = {c["notes"] for c in copy.section("contacts").records()}
    assert notes == {
        "Adaeze's first note",
        "Adaeze's second note",
        "Adaeze registered twice",
        "Adaeze at the stall",
    }
    (merged,) = copy.section("merged_records").records()
    assert merged["reference"] == adaeze.merged_reference
    (imported,) = copy.section("event_imports").records()
    assert imported["event"] == "event Carers Rights Day stall on 21/11/2026"
    assert {s["status"] for s in copy.section("referral_steps").records()} == {"draft", "sent"}
    trail = copy.section("audit_trail").records()
    assert {entry["seq"] for entry in trail} == entries_about(engine, adaeze)
    actions = [entry["action"] for entry in trail]
    assert {Action.CREATED, Action.MERGED, Action.CLOSED, Action.SUBJECT_ACCESS} <= set(actions)
    assert actions[-1] == Action.SUBJECT_ACCESS  # the request itself, last


def test_nothing_of_the_others_is_in_the_copy(engine: Engine, okafors: tuple[Okafor, ...]) -> None:
    for person in okafors:
        copy = _copy(engine, person.reference)
        held = repr(copy)
        assert SURNAME in held and person.first in held
        assert POSTCODE in held and "+442079460555" in held  # what they share is theirs too
        for other in okafors:
            if other is person:
                continue
            found = [word for word in other.words if word in held]
            assert not found, f"{other.first}'s {found} in {person.first}'s copy"
            trail = {entry["seq"] for entry in copy.section("audit_trail").records()}
            assert not trail & entries_about(engine, other)


def test_the_other_record_of_a_decision_not_to_merge_is_not_named(
    engine: Engine, okafors: tuple[Okafor, ...]
) -> None:
    adaeze, bisi, _ = okafors
    said = []
    for person in (adaeze, bisi):
        copy = _copy(engine, person.reference)
        (apart,) = copy.section("not_duplicates").records()
        assert apart["record"] == person.reference and apart["decided_by"] == COORDINATOR.name
        said += [
            entry["detail"]
            for entry in copy.section("audit_trail").records()
            if entry["fields"] == "not_duplicate"
        ]
    # The decision's entry is about the record with the smaller id: in that one's copy only,
    # the other record unnamed.
    assert said == ["not the same person as another record"]


def test_a_merged_away_reference_gives_the_record_it_joined(
    engine: Engine, okafors: tuple[Okafor, ...]
) -> None:
    chidi = okafors[2]
    copy = _copy(engine, chidi.merged_reference)
    assert copy.reference == chidi.reference


@pytest.mark.parametrize("by", [STAFF, VOLUNTEER])
def test_only_a_coordinator_may_ask(engine: Engine, okafors: tuple[Okafor, ...], by: Actor) -> None:
    with unit_of_work(engine) as session, pytest.raises(NotAllowed) as refused:
        access.subject_access(session, okafors[0].reference, by=by, today=TODAY)
    assert "may not give a carer a copy of everything held about them" in refused.value.message
    with unit_of_work(engine, write=False) as session:
        asked = session.scalars(
            select(AuditEntry).where(AuditEntry.action == Action.SUBJECT_ACCESS)
        ).all()
    assert asked == []


def test_the_request_is_in_the_audit_trail_and_the_chain_holds(
    engine: Engine, okafors: tuple[Okafor, ...]
) -> None:
    adaeze = okafors[0]
    _copy(engine, adaeze.reference)
    with unit_of_work(engine, write=False) as session:
        (entry,) = session.scalars(
            select(AuditEntry).where(AuditEntry.action == Action.SUBJECT_ACCESS)
        ).all()
        assert (entry.user_name, entry.reference, entry.kind) == (
            COORDINATOR.name,
            adaeze.reference,
            "carer",
        )
        assert entry.detail == "" and entry.fields == ""
        assert audit.verify(session, by=COORDINATOR).sound
