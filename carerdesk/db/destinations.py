"""The organisation's list of the services it refers to: read by every desk, changed by a
coordinator (add, rename or change the contact details, retire, bring back).

A service's code is kept for ever, so renaming one changes what the desk and its forms say
without touching the referrals already made; its return category is fixed once a referral
names it, so a week already returned does not move. Every change is in the audit trail.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from carerdesk.core import codes
from carerdesk.core.destinations import check_name, new_code
from carerdesk.core.entries import check_all
from carerdesk.core.errors import FieldError, NotAllowed, NotFound
from carerdesk.core.permissions import Actor, Can
from carerdesk.db import audit
from carerdesk.db.audit import Action
from carerdesk.db.models import Destination, Referral
from carerdesk.db.views import ServiceView, service_view

KIND = "referral service"


def services(session: Session, *, by: Actor, retired: bool = True) -> list[ServiceView]:
    """The services in the organisation's order; the retired ones too unless told not.

    Every desk reads the list (who may find a carer)."""
    by.require(Can.FIND)
    return [service_view(service) for service in _services(session, retired=retired)]


def _services(session: Session, *, retired: bool = True) -> list[Destination]:
    query = select(Destination).order_by(Destination.position, Destination.code)
    if not retired:
        query = query.where(Destination.retired_on.is_(None))
    return list(session.scalars(query))


def names(session: Session, *, by: Actor) -> dict[str, str]:
    """Every service's name by code, retired ones included (past referrals name them)."""
    return {service.code: service.name for service in services(session, by=by)}


def offered(session: Session, *, by: Actor) -> dict[str, str]:
    """The services a new referral may go to, by code, in the organisation's order."""
    return {service.code: service.name for service in services(session, by=by, retired=False)}


def name_of(session: Session, code: str, *, by: Actor) -> str:
    """What the desk calls the service ``code`` (the code itself if it is not on the list)."""
    by.require(Can.FIND)
    service = session.get(Destination, code)
    return service.name if service else codes.label(codes.DESTINATION, code)


def in_use(session: Session, code: str, *, by: Actor) -> int:
    """How many referrals name the service."""
    by.require(Can.FIND)
    return (
        session.scalar(
            select(func.count()).select_from(Referral).where(Referral.destination == code)
        )
        or 0
    )


def usage(session: Session, *, by: Actor) -> dict[str, int]:
    """How many referrals name each service (those named by none are left out)."""
    by.require(Can.FIND)
    return {
        code: count
        for code, count in session.execute(
            select(Referral.destination, func.count()).group_by(Referral.destination)
        )
    }


def _service(session: Session, code: str) -> Destination:
    service = session.get(Destination, code)
    if service is None:
        raise NotFound("That service is not on the list.")
    return service


def _other_names(session: Session, code: str | None = None) -> list[str]:
    return [service.name for service in _services(session) if service.code != code]


def _checked(session: Session, texts: Mapping[str, str], code: str | None) -> dict[str, object]:
    from carerdesk.core.destinations import service_fields

    values = check_all(service_fields(category="counts_as" in texts), texts, date.min)
    check_name(str(values["name"]), _other_names(session, code))
    return values


def add_service(session: Session, by: Actor, texts: Mapping[str, str]) -> ServiceView:
    """A new service at the end of the list: its name, contact details and the return
    category it counts under (coordinators)."""
    by.require(Can.CHANGE_SETTINGS)
    values = _checked(session, {"counts_as": "", **texts}, None)
    taken = {service.code for service in _services(session)}
    last = session.scalar(select(func.max(Destination.position))) or 0
    service = Destination(
        code=new_code(str(values["name"]), taken),
        name=values["name"],
        contact=values["contact"],
        counts_as=values["counts_as"],
        position=last + 1,
        created_by=by.name,
        updated_by=by.name,
    )
    session.add(service)
    session.flush()
    audit.record(
        session, by, Action.CREATED, kind=KIND, record_id=service.code,
        fields=["name", "contact", "counts_as"],
    )  # fmt: skip
    return service_view(service)


def change_service(session: Session, by: Actor, code: str, texts: Mapping[str, str]) -> ServiceView:
    """A new name or contact details; the return category too while no referral names the
    service (afterwards it would move weeks already returned)."""
    by.require(Can.CHANGE_SETTINGS)
    service = _service(session, code)
    if (
        "counts_as" in texts
        and texts["counts_as"] != service.counts_as
        and in_use(session, code, by=by)
    ):
        raise FieldError(
            "counts_as",
            "Referrals have been made to this service, so the weekly return category stays: "
            "retire it and add the service again to count it differently.",
        )
    values = _checked(session, {"name": service.name, **texts}, code)
    # What is not given stays as it is.
    changed = [
        key for key, value in values.items() if key in texts and getattr(service, key) != value
    ]
    for key in changed:
        setattr(service, key, values[key])
    if changed:
        service.updated_by = by.name
        audit.record(session, by, Action.CHANGED, kind=KIND, record_id=service.code, fields=changed)
    return service_view(service)


def retire_service(session: Session, by: Actor, code: str, today: date) -> ServiceView:
    """No longer offered for new referrals; the referrals already made keep its name."""
    by.require(Can.CHANGE_SETTINGS)
    service = _service(session, code)
    if service.retired_on is not None:
        raise NotAllowed(f"{service.name} is already retired.")
    if len(_services(session, retired=False)) == 1:
        raise NotAllowed("This is the last service on the list: add another before this goes.")
    service.retired_on, service.updated_by = today, by.name
    audit.record(
        session, by, Action.CLOSED, kind=KIND, record_id=service.code, fields=["retired_on"]
    )
    return service_view(service)


def restore_service(session: Session, by: Actor, code: str) -> ServiceView:
    """Offer a retired service again."""
    by.require(Can.CHANGE_SETTINGS)
    service = _service(session, code)
    if service.retired_on is None:
        raise NotAllowed(f"{service.name} is not retired.")
    service.retired_on, service.updated_by = None, by.name
    audit.record(
        session, by, Action.REOPENED, kind=KIND, record_id=service.code, fields=["retired_on"]
    )
    return service_view(service)
