"""The organisation's services and wards in the register files: written in its order, read
first by import, merged into a register's own lists without removing or renaming anything."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from carerdesk.core.permissions import SYSTEM
from carerdesk.db import accounts, audit, carers, destinations
from carerdesk.db.engine import unit_of_work
from carerdesk.db.models import AuditEntry, Carer, Referral
from carerdesk.export.importer import Outcome, import_register, read_source
from tests.conftest import COORDINATOR, TODAY

SERVICES = "code,name,contact,counts_as,retired_on\n"
WARDS = "name,listed\n"
CARERS = (
    "reference,first_name,last_name,date_of_birth,registered_on,consent_store,consent_share,ward\n"
)
REFERRALS = "referral_id,reference,destination,reason,urgency,status,made_on\n"


def files(folder: Path, **texts: str) -> Path:
    folder.mkdir(exist_ok=True)
    for kind, text in texts.items():
        (folder / f"{kind}.csv").write_text(text, encoding="utf-8")
    return folder


def load(engine: Engine, path: Path, **options: bool) -> Outcome:
    with unit_of_work(engine) as session:
        return import_register(session, COORDINATOR, read_source(path), today=TODAY, **options)


def services(engine: Engine) -> list[tuple[str, str, bool]]:
    with unit_of_work(engine, write=False) as session:
        return [
            (s.code, s.name, s.retired_on is not None)
            for s in destinations.services(session, by=SYSTEM)
        ]


def wards(engine: Engine) -> list[str]:
    with unit_of_work(engine, write=False) as session:
        return carers.ward_list(session)


@pytest.fixture
def own_lists(engine: Engine) -> Engine:
    """A register with lists of its own: a service it added, one it renamed, two wards."""
    with unit_of_work(engine) as session:
        destinations.add_service(
            session, COORDINATOR, {"name": "Harrow Dementia Café", "counts_as": "dementia_support"}
        )
        destinations.change_service(
            session, COORDINATOR, "counselling", {"name": "Talking Therapies Harrow"}
        )
        accounts.change_setting(session, COORDINATOR, "wards", "Belmont; Canons")
    return engine


def test_a_fresh_register_takes_the_files_lists_before_their_records(
    engine: Engine, tmp_path: Path
) -> None:
    folder = files(
        tmp_path / "in",
        services=SERVICES
        + "benefits_advice,Welfare Rights Unit,wru@example.org,benefits_advice,\n"
        + "harrow_young_carers_hub,Harrow Young Carers Hub,,young_carers_assessment,\n"
        + "sitting_service,Sitting Service,,Breaks and respite,2026-04-01\n",
        wards=WARDS + "Wealdstone North,yes\nHarrow on the Hill,yes\nGreenhill,no\n",
        carers=CARERS
        + "C000001,Zoë,Fairbrother,01/02/1970,02/01/2026,yes,yes,Greenhill\n"
        + "C000002,Łukasz,Nowakowski,03/04/1980,02/01/2026,yes,yes,Wealdstone North\n",
        referrals=REFERRALS
        + "r-1,C000001,harrow_young_carers_hub,Asked for help,routine,sent,03/01/2026\n"
        + "r-2,C000002,sitting_service,Asked for a break,routine,draft,\n",
    )
    outcome = load(engine, folder)
    assert outcome.problems == [] and outcome.written
    assert "services: 2 new, 1 changed, 0 unchanged; wards: 2 new, 0 changed, 0 unchanged" in (
        outcome.summary()
    )
    listed = services(engine)
    assert listed[2] == ("benefits_advice", "Welfare Rights Unit", False)
    assert listed[-2:] == [
        ("harrow_young_carers_hub", "Harrow Young Carers Hub", False),
        ("sitting_service", "Sitting Service", True),
    ]
    assert wards(engine) == ["Wealdstone North", "Harrow on the Hill"]
    with unit_of_work(engine, write=False) as session:
        assert set(session.scalars(select(Referral.destination))) == {
            "harrow_young_carers_hub",
            "sitting_service",
        }
        # One entry for the whole import, the lists counted in it.
        entries = audit.entries(session, audit.TrailFilter(), by=COORDINATOR, limit=5)
        assert [entry.action for entry in entries].count("imported") == 1
        assert "services: 2 new" in entries[0].detail


def test_a_register_with_lists_of_its_own_gains_what_it_lacks_and_loses_nothing(
    own_lists: Engine, tmp_path: Path
) -> None:
    before = services(own_lists)
    folder = files(
        tmp_path / "in",
        services=SERVICES
        + "counselling,Talking Therapies Harrow,,counselling,\n"
        + "sitting_service,Sitting Service,,breaks_respite,\n",
        wards=WARDS + "Kenton East,yes\nCanons,yes\n",
    )
    outcome = load(own_lists, folder)
    assert outcome.problems == [] and outcome.written
    assert (outcome.added["services"], outcome.unchanged["services"]) == (1, 1)
    assert services(own_lists) == [*before, ("sitting_service", "Sitting Service", False)]
    assert wards(own_lists) == ["Belmont", "Canons", "Kenton East"]
    again = load(own_lists, folder)
    assert sum(again.added.values()) == sum(again.changed.values()) == 0


def test_a_service_the_register_has_otherwise_is_refused_with_both(
    own_lists: Engine, tmp_path: Path
) -> None:
    folder = files(
        tmp_path / "in",
        services=SERVICES
        + "counselling,Counselling,,counselling,\n"
        + "harrow_dementia_cafe,Harrow Dementia Café,,other,\n",
        wards=WARDS + "belmont,yes\n",
    )
    outcome = load(own_lists, folder)
    assert [str(problem) for problem in outcome.problems] == [
        "services.csv:2: name: This register has the service counselling with other name "
        "(Talking Therapies Harrow): an import never changes a service the register has. "
        "Change one of them so that they agree (S on the follow-ups screen, or carerdesk "
        "services), then import again.",
        "services.csv:3: counts_as: This register has the service harrow_dementia_cafe with "
        "other return category (dementia_support): an import never changes a service the "
        "register has. Change one of them so that they agree (S on the follow-ups screen, or "
        "carerdesk services), then import again.",
        "wards.csv:2: name: This register's ward list has it as Belmont: an import never "
        "renames a ward. Spell it the same in both, then import again.",
    ]
    assert not outcome.written
    assert services(own_lists)[3] == ("counselling", "Talking Therapies Harrow", False)


def test_a_starting_service_a_referral_names_keeps_its_name(engine: Engine, tmp_path: Path) -> None:
    """carerdesk's starting list is taken over only while nothing uses it."""
    load(
        engine,
        files(
            tmp_path / "first",
            carers=CARERS + "C000001,Zoë,Fairbrother,01/02/1970,02/01/2026,yes,yes,\n",
            referrals=REFERRALS + "r-1,C000001,counselling,Asked,routine,sent,03/01/2026\n",
        ),
    )
    outcome = load(
        engine,
        files(
            tmp_path / "second", services=SERVICES + "counselling,Talking Therapies,,counselling,\n"
        ),
    )
    assert [problem.column for problem in outcome.problems] == ["name"]
    assert services(engine)[3] == ("counselling", "Counselling", False)


def test_bad_service_and_ward_rows_say_what_is_wrong(engine: Engine, tmp_path: Path) -> None:
    folder = files(
        tmp_path / "in",
        services=SERVICES
        + "Local Hub!,Local Hub,,other,\n"
        + "hub,Hub,,,\n"
        + "hub_two,Hub,,nowhere,2099-01-01\n"
        + "other_hub,benefits ADVICE,,other,\n"
        + "other_hub,Other Hub,,other,\n",
        wards=WARDS + "Belmont,maybe\nBelmont,yes\n",
    )
    outcome = load(engine, folder, dry_run=True)
    assert [(p.line, p.column) for p in outcome.problems] == [
        (2, "code"),
        (3, "counts_as"),
        (4, "counts_as"),
        (4, "retired_on"),
        (6, "code"),
        (5, "name"),
        (2, "listed"),
        (3, "name"),
    ]
    assert "Use one of: council_carers_assessment" in outcome.problems[2].message


def test_carers_rows_are_checked_against_the_lists_as_they_will_be(
    own_lists: Engine, tmp_path: Path
) -> None:
    folder = files(
        tmp_path / "in",
        wards=WARDS + "Kenton East,yes\nGreenhill,no\n",
        carers=CARERS
        + "C000001,Zoë,Fairbrother,01/02/1970,02/01/2026,yes,yes,Kenton East\n"
        + "C000002,Łukasz,Nowakowski,03/04/1980,02/01/2026,yes,yes,Greenhill\n"
        + "C000003,Aoife,Gallagher,12/12/1982,02/01/2026,yes,yes,Roxbourne\n",
    )
    outcome = load(own_lists, folder)
    assert [str(problem) for problem in outcome.problems] == [
        "carers.csv:4: ward: This ward is not on the organisation's ward list: choose one from it."
    ]
    with unit_of_work(own_lists, write=False) as session:
        assert session.scalar(select(func.count()).select_from(Carer)) == 0
        assert session.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "imported"
        )) == 0  # fmt: skip
    assert wards(own_lists) == ["Belmont", "Canons"]
