"""A register of three carers who share a surname, a phone and a postcode, each with every
kind of record: for the subject access tests (``tests/db/test_access.py`` and the export,
command line and screen tests), which check one carer's copy holds nothing of the others.

Each carer has a caring role, two contacts with notes, a carer card, an emergency contact,
a referral sent (so its steps and their consent to share are recorded), a second record of
them merged into theirs (with its own role and contact), and a record from an event's
stall joined to theirs by the event's import (with a contact). Adaeze and Bisi were once
offered as a duplicate pair and set aside as two people.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine, select

from carerdesk.core.entries import check_carer, check_contact, check_role
from carerdesk.db import accounts, carers, duplicates, events, referrals
from carerdesk.db.cards import issue_card, set_emergency
from carerdesk.db.engine import unit_of_work
from carerdesk.db.models import AuditEntry, Carer
from tests.conftest import COORDINATOR, STAFF, TODAY

PASSPHRASE = "purple kettle harbour"
SURNAME = "Okafor"
PHONE = "020 7946 0555"
POSTCODE = "HA1 2AB"
ORGANISATION = {
    "organisation_name": "Harrow Carers Test", "organisation_phone": "020 7946 0000",
    "card_prefix": "HT", "coordinator": "Casey Coordinator", "pin": "2580", "pin_again": "2580",
}  # fmt: skip
"""The organisation, set up when the register has none yet."""


@dataclass
class Okafor:
    """One of the three, and what the register holds of them."""

    first: str
    born: str
    mobile: str
    """Their own mobile (the phone they share is ``PHONE``)."""
    emergency: tuple[str, str]
    """Their emergency contact's name and phone."""
    reference: str = ""
    merged_reference: str = ""
    ids: set[str] = field(default_factory=set)
    """Every id of theirs: both records', every role's, contact's, card's and referral's."""

    @property
    def words(self) -> list[str]:
        """What of theirs must never show in another's copy: their names, numbers and
        references, and the words of their notes."""
        return [
            self.first,
            self.mobile,
            self.mobile.replace(" ", ""),
            "+44" + self.mobile[1:].replace(" ", ""),
            self.emergency[0],
            self.emergency[1],
            self.reference,
            self.merged_reference,
            f"{self.first}'s first note",
            f"{self.first}'s second note",
            f"{self.first} at the stall",
            f"{self.first} registered twice",
            *self.ids,
        ]


PEOPLE = (
    Okafor("Adaeze", "14/03/1971", "07700 900201", ("Emeka Nwosu", "07700 900301")),
    Okafor("Bisi", "02/07/1975", "07700 900202", ("Funmi Adeyemi", "07700 900302")),
    Okafor("Chidi", "30/11/1980", "07700 900203", ("Kelechi Obi", "07700 900303")),
)


def _carer(first: str, born: str, mobile: str, registered: str, notes: str) -> dict[str, str]:
    return {
        "first_name": first, "last_name": SURNAME, "date_of_birth": born, "phone": PHONE,
        "mobile": mobile, "postcode": POSTCODE, "registered_on": registered,
        "consent_store": "yes", "consent_share": "yes", "gender": "female",
        "ethnicity": "african", "notes": notes,
    }  # fmt: skip


def _contact(day: str, notes: str) -> object:
    values = {"contact_on": day, "channel": "drop_in", "support": "information_advice;training",
              "minutes": "20", "notes": notes}  # fmt: skip
    return check_contact(values, TODAY)


def _event(tmp_path: Path) -> Path:
    """The stall, where each of the three registered again and had a conversation."""
    path = tmp_path / "stall.event"
    events.start_event(
        path, PASSPHRASE, name="Carers Rights Day stall", venue="St Ann's", day="21/11/2026",
        volunteer="Robin Volunteer", pin="2468",
    )  # fmt: skip
    engine = events.open_event(path, PASSPHRASE)
    with unit_of_work(engine) as session:
        volunteer = accounts.actor_of(accounts.find_user(session, "Robin Volunteer"))
        for person in PEOPLE:
            values = _carer(person.first, person.born, person.mobile, "21/11/2026", "")
            values |= {"registered_at": "event", "email": f"{person.first.lower()}@example.org"}
            carer = carers.register_carer(session, check_carer(values, TODAY), by=volunteer)
            contact = _contact("21/11/2026", f"{person.first} at the stall")
            carers.log_contact(session, carer.id, contact, by=volunteer)  # type: ignore[arg-type]
    engine.dispose()
    events.close_event(path, PASSPHRASE)
    return path


def build(engine: Engine, tmp_path: Path) -> tuple[Okafor, ...]:
    """Fill the register with the three and return them, references and ids known."""
    people = tuple(Okafor(p.first, p.born, p.mobile, p.emergency) for p in PEOPLE)
    kept: dict[str, str] = {}
    with unit_of_work(engine) as session:
        if accounts.organisation(session) is None:
            accounts.set_up(session, ORGANISATION)
        for person in people:
            role = check_role({"relationship": "parent", "conditions": "dementia;frailty"}, TODAY)
            values = _carer(person.first, person.born, person.mobile, "02/11/2026", "")
            carer = carers.register_carer(
                session, check_carer(values, TODAY), [role], by=STAFF, today=TODAY
            )
            person.reference, kept[person.first] = carer.reference, carer.id
            for n, day in (("first", "03/11/2026"), ("second", "10/11/2026")):
                contact = _contact(day, f"{person.first}'s {n} note")
                carers.log_contact(session, carer.id, contact, by=STAFF)  # type: ignore[arg-type]
            set_emergency(
                session, carer.id, [(person.emergency[0], "sister", person.emergency[1])], True,
                by=STAFF,
            )  # fmt: skip
            issue_card(session, carer.id, "carer_card", "new", by=STAFF, today=TODAY)
            referral = referrals.make_referral(
                session, carer.id, destination="benefits_advice",
                reason="Help with a claim", hopes="A benefits check", by=STAFF,
            )  # fmt: skip
            referrals.send_referral(session, referral.id, confirmed=True, by=STAFF, today=TODAY)
        for person in people:  # registered again, by mistake, with their own role and contact
            role = check_role({"relationship": "child", "cared_for_age_band": "under_18"}, TODAY)
            values = _carer(
                person.first, person.born, person.mobile, "12/11/2026",
                f"{person.first} registered twice",
            )  # fmt: skip
            again = carers.register_carer(
                session, check_carer(values, TODAY), [role], by=STAFF, today=TODAY
            )
            person.merged_reference = again.reference
            contact = _contact("12/11/2026", f"{person.first} registered twice")
            carers.log_contact(session, again.id, contact, by=STAFF)  # type: ignore[arg-type]
        adaeze, bisi = kept["Adaeze"], kept["Bisi"]
        duplicates.not_the_same(session, adaeze, bisi, by=COORDINATOR)
        for person in people:
            away = carers.get_carer(session, person.merged_reference, by=STAFF, follow_merge=False)
            duplicates.merge_carers(
                session, kept[person.first], away.id, by=COORDINATOR, today=TODAY
            )
    event = events.read_event(_event(tmp_path), PASSPHRASE, TODAY)
    decisions: dict[str, str | None] = {}
    for row in event.carers:
        decisions[row["id"]] = kept[row["first_name"]]
    with unit_of_work(engine) as session:
        events.import_event(session, event, decisions, by=COORDINATOR)
    with unit_of_work(engine, write=False) as session:
        for person in people:
            carer = carers._get_carer(session, person.reference)
            away = session.scalar(select(Carer).where(Carer.reference == person.merged_reference))
            assert away is not None
            person.ids = {carer.id, away.id}
            person.ids |= {part.id for part in (*carer.roles, *carer.contacts, *carer.cards,
                                               *carer.referrals)}  # fmt: skip
            person.ids |= {e.id for e in carer.emergency_contacts}
    return people


def entries_about(engine: Engine, person: Okafor) -> set[int]:
    """The audit entries about ``person``'s records (by id or reference)."""
    with unit_of_work(engine, write=False) as session:
        return set(
            session.scalars(
                select(AuditEntry.seq).where(
                    AuditEntry.record_id.in_(person.ids)
                    | AuditEntry.reference.in_([person.reference, person.merged_reference])
                )
            )
        )
