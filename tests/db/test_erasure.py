"""Erasing a carer: nothing of them left in the file, the returns made untouched, the trail
sound, and a week's figures moved only where the age kept had to be coarsened."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine, select, text

from carerdesk.core.entries import check_carer, check_contact
from carerdesk.core.errors import FieldError, NotAllowed
from carerdesk.core.weeks import Week
from carerdesk.db import audit, cards, carers, erasure, referrals, returns, search
from carerdesk.db.engine import unit_of_work
from carerdesk.db.models import (
    AuditEntry,
    Card,
    Carer,
    EmergencyContact,
    ErasedFigure,
    Referral,
    Setting,
    WeeklyReturn,
)
from carerdesk.export.weekly import export_return
from tests.conftest import COORDINATOR, STAFF, TODAY

W45, W46, W47 = Week(2026, 45), Week(2026, 46), Week(2026, 47)
SECRETS = ("Wilhelmina", "Quixote", "7700900123", "NW3 6QR", "loves the allotment", "Bartholomew")
"""The first name, last name, phone, postcode, a note and an emergency contact's name."""


def _register(engine: Engine) -> tuple[str, str]:
    """Wilhelmina, who turns 18 on Wednesday 11 November 2026 (week 46), and Ada, who stays."""
    with unit_of_work(engine) as session:
        session.add(Setting(key="card_prefix", value="HT"))
        typed = {
            "first_name": "Wilhelmina",
            "last_name": "Quixote",
            "date_of_birth": "11/11/2008",
            "registered_on": "03/11/2026",
            "postcode": "NW3 6QR",
            "phone": "07700 900123",
            "email": "w.quixote@example.org",
            "address_line_1": "12 Bartholomew Road",
            "gender": "female",
            "consent_store": "yes",
            "consent_share": "yes",
            "notes": "Wilhelmina loves the allotment",
        }
        wil = carers.register_carer(session, check_carer(typed, TODAY), by=STAFF)
        other = dict(typed, first_name="Ada", last_name="Lovelace", phone="07700 900555")
        other.update(notes="", email="", date_of_birth="01/01/1980", postcode="N1 7AA")
        other["address_line_1"] = "3 Canal Street"
        ada = carers.register_carer(session, check_carer(other, TODAY), by=STAFF)
        # Tuesday 10 November: the day before her 18th birthday, her first contact of W46.
        for day in ("04/11/2026", "10/11/2026", "17/11/2026"):
            entry = check_contact(
                {"contact_on": day, "channel": "phone", "support": "information_advice",
                 "notes": "Wilhelmina loves the allotment"},
                TODAY,
            )  # fmt: skip
            carers.log_contact(session, wil.id, entry, by=STAFF)
        cards.set_emergency(
            session, wil.id, [("Bartholomew Quixote", "father", "07700900124")], None, by=STAFF
        )
        cards.issue_card(session, wil.id, "carer_card", "new", by=STAFF, today=TODAY)
        referrals.make_referral(
            session, wil.id, destination="counselling",
            reason="Wilhelmina Quixote asked for help", hopes="Quixote calm", by=STAFF,
        )  # fmt: skip
    return wil.reference, ada.reference


def _make_returns(engine: Engine, out: Path) -> None:
    for week in (W45, W46, W47):
        export_return(
            lambda write: unit_of_work(engine, write=write), COORDINATOR, week, out, today=TODAY
        )


def _files(out: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(out.iterdir())}


def _stored_returns(engine: Engine) -> list[tuple[str, str, str]]:
    with unit_of_work(engine, write=False) as session:
        rows = session.scalars(select(WeeklyReturn).order_by(WeeklyReturn.week))
        return [(row.week, row.figures, row.checksum) for row in rows]


def _erase(engine: Engine, reference: str, reason: str = "asked to be forgotten") -> None:
    with unit_of_work(engine) as session:
        erasure.erase_carer(
            session, reference, confirm=reference, reason=reason, by=COORDINATOR, today=TODAY
        )


def _raw(db_path: Path) -> bytes:
    wal = db_path.with_name(db_path.name + "-wal")
    return db_path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")


def _traces(raw: bytes) -> list[str]:
    lowered = raw.lower()
    return [secret for secret in SECRETS if secret.lower().encode() in lowered]


def test_erasure_leaves_no_trace_of_the_carer_in_the_file_or_its_log(
    engine: Engine, db_path: Path, tmp_path: Path
) -> None:
    reference, _ = _register(engine)
    _make_returns(engine, tmp_path / "returns")
    assert _traces(_raw(db_path)) == list(SECRETS)  # all there before: the check can fail

    _erase(engine, reference)

    assert _traces(_raw(db_path)) == []
    wal = db_path.with_name(db_path.name + "-wal")
    assert not wal.exists() or wal.stat().st_size == 0  # the checkpoint the erasure makes


def test_the_erased_record_keeps_codes_only(engine: Engine) -> None:
    reference, ada = _register(engine)
    _erase(engine, reference)
    with unit_of_work(engine, write=False) as session:
        carer = session.scalar(select(Carer).where(Carer.reference == reference))
        assert carer is not None
        assert (carer.first_name, carer.last_name, carer.phone, carer.postcode) == (
            "",
            "",
            None,
            None,
        )
        assert (carer.email, carer.address_line_1, carer.notes) == (None, None, None)
        assert carer.search_text == "" and carer.postcode_key is None
        assert carer.erased_on == TODAY and carer.status == "closed"
        assert (carer.gender, carer.registered_on) == ("female", date(2026, 11, 3))
        # The stand-in turns 18 on the Monday of the week she really did.
        assert carer.date_of_birth == date(2008, 11, 9)
        assert session.scalars(select(EmergencyContact)).all() == []
        card = session.scalars(select(Card)).one()
        assert card.card_type == "carer_card" and card.card_number.startswith("X")
        referral = session.scalars(select(Referral)).one()
        assert (referral.reason, referral.hopes, referral.destination) == ("", None, "counselling")
        assert {c.notes for c in carer.contacts} == {None} and len(carer.contacts) == 3
        # Ada is untouched.
        other = session.scalar(select(Carer).where(Carer.reference == ada))
        assert other is not None and other.first_name == "Ada" and other.postcode == "N1 7AA"


@pytest.mark.parametrize("typed", ["Wilhelmina", "quixote", "07700 900123", "NW3 6QR", "REF"])
def test_search_finds_nothing_of_the_erased_carer(engine: Engine, typed: str) -> None:
    reference, _ = _register(engine)
    _erase(engine, reference)
    query = reference if typed == "REF" else typed
    with unit_of_work(engine) as session:
        found = search.find_carers(session, query, by=COORDINATOR, today=TODAY)
    assert reference not in [hit.reference for hit in found]
    with unit_of_work(engine, write=False) as session:
        left = session.execute(
            text("SELECT count(*) FROM carers_fts WHERE carers_fts MATCH 'wilhelmina'")
        ).scalar()
    assert left == 0


def test_the_returns_made_stay_byte_identical_and_the_trail_verifies(
    engine: Engine, tmp_path: Path
) -> None:
    reference, _ = _register(engine)
    out = tmp_path / "returns"
    _make_returns(engine, out)
    files, stored = _files(out), _stored_returns(engine)

    _erase(engine, reference)

    assert _files(out) == files and _stored_returns(engine) == stored
    with unit_of_work(engine, write=False) as session:
        assert audit.verify(session, by=COORDINATOR).sound
        entries = session.scalars(select(AuditEntry)).all()
        last = entries[-1]
        assert (last.action, last.reference) == ("erased", reference)
        assert "asked to be forgotten" in last.detail
        every = json.dumps([[e.fields, e.detail, e.reference] for e in entries]).lower()
        assert not [s for s in SECRETS if s.lower() in every]


def test_a_past_week_moves_only_where_the_age_kept_must(engine: Engine, tmp_path: Path) -> None:
    reference, _ = _register(engine)
    _make_returns(engine, tmp_path / "returns")
    _erase(engine, reference)
    with unit_of_work(engine, write=False) as session:
        made = {r.week: r for r in returns.past_returns(session, COORDINATOR)}
        for week in (W45, W47):
            assert returns.week_figures(session, week, COORDINATOR) == made[str(week)].figures
        now = returns.week_figures(session, W46, COORDINATOR)
        from carerdesk.core.returns import moved

        changes = moved(made[str(W46)].figures, now)
        # Her first contact of W46 was the day before her 18th birthday: with the stand-in
        # she is a young adult carer all that week.
        assert [(c.breakdown, c.category, c.before, c.now) for c in changes] == [
            ("carer_type", "young_carer", 1, 0),
            ("carer_type", "young_adult_carer", 0, 1),
        ]
        erased = returns.erased_changes(session, W46, made[str(W46)].made_at, by=COORDINATOR)
        assert returns.by_erasure(changes, erased) == []
        assert session.scalars(select(ErasedFigure.week).distinct()).all() == [str(W46)]
    with unit_of_work(engine) as session, pytest.raises(returns.FiguresMoved) as moved_now:
        returns.make_return(session, W46, COORDINATOR, today=TODAY)
    assert "because a carer's record was erased" in moved_now.value.message


def test_staff_may_not_erase(engine: Engine) -> None:
    reference, _ = _register(engine)
    with unit_of_work(engine) as session, pytest.raises(NotAllowed, match="may not erase"):
        erasure.erase_carer(
            session, reference, confirm=reference, reason="asked", by=STAFF, today=TODAY
        )


def test_the_reference_must_be_typed_and_the_reason_nameless(engine: Engine) -> None:
    reference, _ = _register(engine)
    with unit_of_work(engine) as session, pytest.raises(FieldError, match="to confirm"):
        erasure.erase_carer(
            session, reference, confirm="C999999", reason="asked", by=COORDINATOR, today=TODAY
        )
    with unit_of_work(engine) as session, pytest.raises(FieldError, match="name out"):
        erasure.erase_carer(
            session, reference, confirm=reference.lower(), reason="Wilhelmina asked",
            by=COORDINATOR, today=TODAY,
        )  # fmt: skip
    with unit_of_work(engine, write=False) as session:
        assert session.scalar(select(Carer.erased_on).where(Carer.reference == reference)) is None


def test_a_record_merged_into_the_erased_one_goes_too(engine: Engine) -> None:
    from carerdesk.db import duplicates

    reference, ada = _register(engine)
    with unit_of_work(engine) as session:
        keep = carers.get_carer(session, reference, by=COORDINATOR)
        away = carers.get_carer(session, ada, by=COORDINATOR)
        duplicates.merge_carers(session, keep.id, away.id, by=COORDINATOR, today=TODAY)
    _erase(engine, reference)
    with unit_of_work(engine, write=False) as session:
        both = session.scalars(select(Carer)).all()
        assert {(c.first_name, c.erased_on) for c in both} == {("", TODAY)}


def test_a_register_with_an_erased_record_exports_without_it_and_imports_back_the_same(
    engine: Engine, tmp_path: Path
) -> None:
    """The register files leave an erased record out (it is no one's, and blank names would
    not import back); the rest comes back whole, the same bytes exported again."""
    from carerdesk.db.engine import make_engine, sqlite_url
    from carerdesk.db.migrate import upgrade
    from carerdesk.export.importer import import_register, read_source
    from carerdesk.export.register import COLUMNS, export_register

    wil, _ada = _register(engine)
    _erase(engine, wil)
    with unit_of_work(engine, write=False) as session:
        export_register(session, COORDINATOR, tmp_path / "one")
    carers_csv = (tmp_path / "one" / "carers.csv").read_text(encoding="utf-8")
    assert wil not in carers_csv and "Lovelace" in carers_csv
    assert not any(wil in (tmp_path / "one" / f"{kind}.csv").read_text() for kind in COLUMNS)
    empty = make_engine(sqlite_url(tmp_path / "empty.sqlite"))
    upgrade(empty)
    with unit_of_work(empty) as session:
        outcome = import_register(session, COORDINATOR, read_source(tmp_path / "one"), today=TODAY)
    assert outcome.problems == [] and outcome.written
    with unit_of_work(empty, write=False) as session:
        export_register(session, COORDINATOR, tmp_path / "two")
    empty.dispose()
    for kind in COLUMNS:
        name = f"{kind}.csv"
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "two" / name).read_bytes()
