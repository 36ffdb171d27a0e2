"""Consent history: each consent given or withdrawn, kept as a dated entry.

The carer's own consent fields (``consent_store``, ``consent_date``, ``consent_by``,
``consent_share``, ``consent_contact``) stay the latest state, which searches, referrals and
the weekly return read; every entry added here keeps them in step. Registering a carer and
changing their consents on the carer form add entries too (``carers.register_carer``,
``carers.update_carer``). Withdrawing consent to keep their details closes the record.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from carerdesk.core.consents import LATEST, ConsentEntry
from carerdesk.core.errors import FieldError
from carerdesk.core.permissions import Actor, Can
from carerdesk.db import audit
from carerdesk.db.audit import Action
from carerdesk.db.models import Carer, Consent

WITHDREW = "withdrew_consent"
"""The closing reason of a record whose consent to keep their details was withdrawn."""


@dataclass(frozen=True)
class ConsentView:
    """One consent entry as read: which consent (``core.codes.CONSENT``), given or withdrawn,
    on what day, how (``core.codes.CONSENT_HOW``; None when not known), who recorded it, and
    when and by whom it was entered."""

    id: str
    carer_id: str
    consent: str
    given: bool
    on: date
    how: str | None
    recorded_by: str | None
    entered_at: datetime
    entered_by: str | None


def consent_view(entry: Consent) -> ConsentView:
    """A stored entry as a plain read model."""
    return ConsentView(
        entry.id,
        entry.carer_id,
        entry.consent,
        entry.given,
        entry.date_,
        entry.how,
        entry.recorded_by,
        entry.created_at,
        entry.created_by,
    )


@dataclass(frozen=True)
class Recorded:
    """What ``record_consent`` did: the entry, and whether it closed the record."""

    entry: ConsentView
    closed: bool
    reference: str


def add_entry(session: Session, carer: Carer, entry: ConsentEntry, *, by: Actor) -> Consent:
    """Add one entry and keep the carer's consent fields in step (the newest entry of each
    consent, by date and then by when entered, is the latest state). For the operations of
    this package, which check the acting person's right and write the audit trail."""
    newest = session.scalar(
        select(func.max(Consent.date_)).where(
            Consent.carer_id == carer.id, Consent.consent == entry.consent
        )
    )
    row = Consent(
        carer_id=carer.id,
        consent=entry.consent,
        given=entry.given,
        date_=entry.on,
        how=entry.how,
        recorded_by=by.name,
        created_by=by.name,
        updated_by=by.name,
    )
    session.add(row)
    if newest is None or entry.on >= newest:
        latest: dict[str, object] = {LATEST[entry.consent]: entry.given}
        if entry.consent == "store":
            latest |= {"consent_date": entry.on, "consent_by": by.name}
        changed = [name for name, value in latest.items() if getattr(carer, name) != value]
        for name in changed:
            setattr(carer, name, latest[name])
        if changed:
            carer.updated_by = by.name
    session.flush()
    return row


def record_consent(
    session: Session, carer_id: str, entry: ConsentEntry, *, by: Actor, today: date | None = None
) -> Recorded:
    """Record a consent given or withdrawn (staff and coordinators; a volunteer records
    consent only by registering a carer). Not in the future, and saying how.

    Withdrawing consent to keep their details closes an open record on that day with the
    reason "Withdrew consent", by the rules of closing (``carers.close_carer``); the record
    may then be erased. The audit trail names the fields written, never their values."""
    from carerdesk.db import carers

    by.require(Can.EDIT)
    today = today or date.today()
    carer = carers._get_carer(session, carer_id)
    if entry.on > today:
        raise FieldError("date", "This date is in the future: use today or an earlier date.")
    if entry.how is None:
        raise FieldError("how", "Say how they told us: in person, by phone, in writing or online.")
    closing = entry.consent == "store" and not entry.given and carer.status != "closed"
    if closing:
        by.require(Can.CLOSE)
    before = {
        name: getattr(carer, name) for name in ("consent_date", "consent_by", *LATEST.values())
    }
    row = add_entry(session, carer, entry, by=by)
    audit.record(
        session,
        by,
        Action.CREATED,
        kind="consent",
        record_id=row.id,
        reference=carer.reference,
        fields=["consent", "given", "date", "how"],
    )
    changed = [name for name, value in before.items() if getattr(carer, name) != value]
    if changed:
        carers._trail(session, by, Action.CHANGED, carer, fields=changed)
    if closing:
        try:
            carers.close_carer(session, carer.id, on=entry.on, reason=WITHDREW, by=by)
        except FieldError as refused:
            raise FieldError("date", refused.message) from None
    return Recorded(consent_view(row), closing, carer.reference)


def consent_history(session: Session, carer_id: str, *, by: Actor) -> list[ConsentView]:
    """Every consent entry of a carer (by id or reference), newest first: for someone who
    may see a carer's full details."""
    from carerdesk.db import carers

    by.require(Can.SEE_DETAILS)
    carer = carers._get_carer(session, carer_id)
    rows = session.scalars(
        select(Consent)
        .where(Consent.carer_id == carer.id)
        .order_by(Consent.date_.desc(), Consent.created_at.desc(), Consent.consent, Consent.id)
    )
    return [consent_view(row) for row in rows]


def first_entries(session: Session, carer: Carer, how: str | None, *, by: Actor) -> None:
    """The entries of a carer's consents as they stand, for a carer just added (registered,
    imported, brought from an event): to keep, on the consent date, and to share and to be
    contacted where answered."""
    on = carer.consent_date or carer.registered_on
    for consent, field in LATEST.items():
        given = getattr(carer, field)
        if given is not None:
            session.add(
                Consent(
                    carer=carer,
                    consent=consent,
                    given=bool(given),
                    date_=on,
                    how=how,
                    recorded_by=carer.consent_by or by.name,
                    created_by=by.name,
                    updated_by=by.name,
                )
            )
