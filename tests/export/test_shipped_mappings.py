"""Each shipped mapping: an invented file in that system's layout imports whole, and a
second import changes nothing."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from carerdesk.db.engine import unit_of_work
from carerdesk.db.models import Carer
from carerdesk.export.importer import Outcome, import_register, read_source
from carerdesk.export.mapped import find_mapping, shipped
from tests.conftest import COORDINATOR

# CiviCRM's "Export all fields" headers (a part of them, in its order), two invented people.
CIVICRM = [
    ["Contact ID", "Contact Type", "Do Not Email", "External Identifier", "Sort Name",
     "Display Name", "Nickname", "First Name", "Middle Name", "Last Name", "Gender",
     "Birth Date", "Created Date", "Street Address", "Supplemental Address 1", "City",
     "Postal Code", "Country", "Phone", "Phone Type", "Email", "Note(s)"],
    ["101", "Individual", "0", "", "Fairbrother, Zoë", "Zoë Fairbrother", "Zo", "Zoë", "A",
     "Fairbrother", "Female", "1970-02-01", "2025-03-04 10:15:00", "12 High Street",
     "Flat 2", "Harrow", "HA1 2AB", "United Kingdom", "020 7946 0123", "Phone",
     "zoe@example.org", "Cares for her father"],
    ["102", "Individual", "1", "", "Nowakowski, Łukasz", "Łukasz Nowakowski", "", "Łukasz",
     "", "Nowakowski", "Male", "1985-07-30", "2025-06-01 16:40:12", "3 Mill Lane", "",
     "Wealdstone", "HA3 5QT", "United Kingdom", "07700 900456", "Mobile", "", ""],
]  # fmt: skip

# Salesforce's Contact.csv from Data Loader: API names, written in capitals.
SALESFORCE = [
    ["ID", "ISDELETED", "ACCOUNTID", "LASTNAME", "FIRSTNAME", "SALUTATION", "MAILINGSTREET",
     "MAILINGCITY", "MAILINGPOSTALCODE", "MAILINGCOUNTRY", "PHONE", "HOMEPHONE",
     "MOBILEPHONE", "EMAIL", "BIRTHDATE", "DESCRIPTION", "CREATEDDATE", "NPE01__HOMEEMAIL__C"],
    ["0035g00000AbCdEAAZ", "false", "0015g00000XyZaBAAV", "Fairbrother", "Zoë", "Mrs.",
     "12 High Street", "Harrow", "HA1 2AB", "United Kingdom", "", "020 7946 0123",
     "07700 900123", "zoe@example.org", "1970-02-01", "Cares for her father",
     "2025-03-04T10:15:00.000Z", "zoe@example.org"],
    ["0035g00000AbCdFAAZ", "false", "0015g00000XyZaCAAV", "Nowakowski", "Łukasz", "Mr.",
     "3 Mill Lane", "Wealdstone", "HA3 5QT", "United Kingdom", "", "", "07700 900456", "",
     "1985-07-30", "", "2025-06-01T16:40:12.000Z", ""],
]  # fmt: skip

LAYOUTS = {"civicrm": CIVICRM, "salesforce": SALESFORCE}


def test_every_shipped_mapping_has_a_test() -> None:
    assert sorted(LAYOUTS) == shipped()


def _import(engine: Engine, path: Path, name: str, today: date) -> Outcome:
    with unit_of_work(engine) as session:
        sources = read_source(path, mapping=find_mapping(name))
        return import_register(session, COORDINATOR, sources, today=today)


@pytest.mark.parametrize("name", sorted(LAYOUTS))
def test_a_file_in_the_layout_imports_whole_and_again_changes_nothing(
    name: str, engine: Engine, tmp_path: Path, today: date
) -> None:
    path = tmp_path / f"{name}.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(LAYOUTS[name])
    first = _import(engine, path, name, today)
    assert first.problems == [] and first.added["carers"] == 2
    with unit_of_work(engine, write=False) as session:
        zoe = session.scalars(select(Carer).where(Carer.first_name == "Zoë")).one()
        assert (zoe.last_name, zoe.date_of_birth, zoe.registered_on) == (
            "Fairbrother",
            date(1970, 2, 1),
            date(2025, 3, 4),
        )
        assert (zoe.address_line_1, zoe.town, zoe.postcode, zoe.phone, zoe.email) == (
            "12 High Street",
            "Harrow",
            "HA1 2AB",
            "+442079460123",
            "zoe@example.org",
        )
        assert zoe.notes == "Cares for her father" and zoe.consent_store is True
        lukasz = session.scalars(select(Carer).where(Carer.first_name == "Łukasz")).one()
        assert lukasz.last_name == "Nowakowski" and lukasz.town == "Wealdstone"
    again = _import(engine, path, name, today)
    assert again.problems == []
    assert (again.added["carers"], again.changed["carers"], again.unchanged["carers"]) == (0, 0, 2)


def test_an_export_of_chosen_fields_leaves_the_others_alone(
    engine: Engine, tmp_path: Path, today: date
) -> None:
    chosen = ["Contact ID", "First Name", "Last Name", "Birth Date", "Created Date"]
    keep = [CIVICRM[0].index(name) for name in chosen]
    path = tmp_path / "civicrm.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([[row[i] for i in keep] for row in CIVICRM])
    outcome = _import(engine, path, "civicrm", today)
    assert outcome.problems == [] and outcome.added["carers"] == 2
    with unit_of_work(engine, write=False) as session:
        zoe = session.scalars(select(Carer).where(Carer.reference == "101")).one()
        assert (zoe.first_name, zoe.town, zoe.gender) == ("Zoë", None, None)
