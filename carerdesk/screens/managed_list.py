"""A list the coordinator keeps (staff accounts, the services we refer to): a table, the
keys to change it, each change saved through an operation and the list read again."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar

from textual.screen import Screen

from carerdesk.core.permissions import Can
from carerdesk.widgets.desk import role_allows

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from carerdesk.widgets.desk import DeskApp


class ManagedList(Screen[None]):
    """The shared workings of a coordinator's list; a subclass shows it in ``reload``."""

    RIGHTS: ClassVar[dict[str, Can]] = {}
    """The right each key needs: a key the person may not use is hidden."""

    app: DeskApp
    reload: Callable[[], None]
    """Read the list again: each list defines its own."""

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Hide the keys the signed-in person's role may not use."""
        return role_allows(self.app, self.RIGHTS, action)

    def run_change(self, operation: Callable[[Session], Any]) -> str:
        """Run one change in its own transaction; returns what it says it did."""
        with self.app.unit_of_work() as session:
            return str(operation(session))

    def changed(self, message: str | None) -> None:
        """After a form: say what was done and show the list as it is now."""
        if message:
            self.notify(message)
            self.reload()

    def action_back(self) -> None:
        """Back to the screen before."""
        self.dismiss()
