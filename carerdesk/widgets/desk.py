"""What a screen may ask of the application: the desk's small interface.

Screens and dialogs reach the application through ``Desk``, never through the application
class, so ``carerdesk.app`` imports the screens and nothing below it imports
``carerdesk.app``, not even for type checking (the import contract counts those imports).
A screen says ``app: DeskApp`` so that ``self.app`` is typed as a Textual application that
is also a desk.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from datetime import date, datetime
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from sqlalchemy.orm import Session
    from textual.app import App

    from carerdesk.core.permissions import Actor, Can
    from carerdesk.db.accounts import Organisation
    from carerdesk.db.events import EventInfo


class Desk(Protocol):
    """The application as a screen sees it: who is signed in, the register, the date."""

    actor: Actor | None
    """The person signed in, or None while the screen is locked."""
    organisation: Organisation | None
    """The organisation the register belongs to (None before the first-run set-up)."""
    event: EventInfo | None
    """The event, when the register open is an event's file."""
    demo_pins: list[tuple[str, str, str]]
    """The demo register's accounts and PINs, shown on its sign-in screen."""
    now: Callable[[], datetime]
    """The current date and time at the desk."""
    failure_code: str
    """The code of the last unexpected error, to show on the locked screen ("" if none)."""

    @property
    def ready(self) -> bool:
        """True once the register is open."""

    @property
    def user(self) -> Actor:
        """The person signed in: every write names them."""

    def today(self) -> date:
        """Today's date at the desk."""

    def unit_of_work(self, *, write: bool = True) -> AbstractContextManager[Session]:
        """One user action's transaction on the register."""

    def allowed(self, action: Can) -> bool:
        """Whether the person signed in may do ``action``; if not, say why."""

    def working(self, group: str) -> bool:
        """Whether a worker of ``group`` is still running."""

    def signed_in(self, actor: Actor) -> None:
        """Start or resume ``actor``'s work."""

    def set_up_done(self, organisation: Organisation, actor: Actor) -> None:
        """The first-run set-up is saved: its coordinator is signed in."""


if TYPE_CHECKING:

    class DeskApp(App[None], Desk):
        """For type checking only: a Textual application that is also a desk."""


def role_allows(desk: Desk, rights: Mapping[str, Can], action: str) -> bool:
    """Whether the person signed in may take ``action``, a screen's action named in ``rights``.

    A screen's ``check_action`` returns this, so a key the person's role cannot use is not in
    the footer, the key list or the command palette, and pressing it does nothing. The
    operations check again when saving.
    """
    right = rights.get(action)
    return right is None or (desk.actor is not None and desk.actor.may(right))
