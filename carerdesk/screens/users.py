"""Staff accounts, for the coordinator: add, change role, reset a PIN, deactivate.

Accounts are never deleted (the audit trail names them); a deactivated account stays in the
list, greyed, and can no longer sign in. Every change is in the audit trail.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Header, Label

from carerdesk.core.errors import CarerdeskError
from carerdesk.core.permissions import PIN_FIELDS, USER_FIELDS, Can, check_new_pin
from carerdesk.core.validate import local_time
from carerdesk.dialogs.form_modal import FormModal
from carerdesk.screens.managed_list import ManagedList
from carerdesk.widgets.footer import DeskFooter

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from carerdesk.db.views import UserView
    from carerdesk.widgets.desk import DeskApp


class UsersScreen(ManagedList):
    """The list of accounts, and the keys to change them."""

    BINDINGS = [
        Binding("a", "add", "Add account"),
        Binding("r", "role", "Change role"),
        Binding("p", "reset_pin", "Reset PIN"),
        Binding("d", "deactivate", "Deactivate"),
        Binding("escape", "back", "Back"),
    ]
    CSS_PATH = "users.tcss"

    RIGHTS = {action: Can.MANAGE_USERS for action in ("add", "role", "reset_pin", "deactivate")}

    app: DeskApp

    def __init__(self) -> None:
        super().__init__()
        self.accounts: list[tuple[str, str, str]] = []
        self.show_id: str | None = None
        """The account to put the cursor on at the next reload (one just added)."""

    def compose(self) -> ComposeResult:
        yield Header()
        yield Label("Staff accounts", id="users-title", classes="section-title")
        table: DataTable[str] = DataTable(id="users", cursor_type="row", zebra_stripes=True)
        yield table
        yield Label(
            "A adds · R role · P resets a PIN, lifts a lock · D deactivates or reactivates",
            classes="hint",
        )
        yield DeskFooter()

    def on_mount(self) -> None:
        self.query_one(DataTable).add_columns("Name", "Role", "State", "Last signed in")
        self.reload()
        self.query_one(DataTable).focus()

    def reload(self) -> None:
        """Read the accounts again."""
        from carerdesk.db import accounts

        table = self.query_one(DataTable)
        # The cursor stays on the account acted on (a changed role may move its row), so
        # the next P or D acts on it, not on whoever is listed first.
        chosen = self._chosen()
        keep = self.show_id or (chosen[0] if chosen else None)
        self.show_id = None
        table.clear()
        self.accounts = []
        now = datetime.now(UTC).replace(tzinfo=None)  # locks are stored in UTC
        try:
            with self.app.unit_of_work(write=False) as session:
                for user in accounts.users(session, by=self.app.user):
                    self.accounts.append((user.id, user.name, user.role))
                    table.add_row(user.name, user.role, _state(user, now), _last(user))
        except CarerdeskError as error:
            self.notify(error.message, severity="error")
        ids = [account[0] for account in self.accounts]
        if keep in ids:
            table.move_cursor(row=ids.index(keep))

    def _chosen(self) -> tuple[str, str, str] | None:
        row = self.query_one(DataTable).cursor_row
        return self.accounts[row] if 0 <= row < len(self.accounts) else None

    def action_add(self) -> None:
        """Add an account: name, role and a first PIN to pass on in person."""
        from carerdesk.db import accounts

        def save(texts: dict[str, str]) -> str:
            def add(session: Session) -> str:
                user = accounts.add_user(session, self.app.user, texts)
                self.show_id = user.id
                return f"Added {user.name} as {user.role}."

            return self.run_change(add)

        self.app.push_screen(
            FormModal("Add a staff account", USER_FIELDS, save, secret=frozenset({"pin"})),
            self.changed,
        )

    def action_role(self) -> None:
        """Change the chosen account's role."""
        from carerdesk.db import accounts

        chosen = self._chosen()
        if chosen is None:
            return
        user_id, name, _ = chosen

        def save(texts: dict[str, str]) -> str:
            def change(session: Session) -> str:
                user = accounts.change_role(session, self.app.user, user_id, texts["role"])
                return f"{user.name} is now {user.role}."

            return self.run_change(change)

        specs = {"role": USER_FIELDS["role"]}
        self.app.push_screen(FormModal(f"Change the role of {name}", specs, save), self.changed)

    def action_reset_pin(self) -> None:
        """Give the chosen account a new PIN; this also lifts a lock after wrong PINs."""
        from carerdesk.db import accounts

        chosen = self._chosen()
        if chosen is None:
            return
        user_id, name, _ = chosen

        def save(texts: dict[str, str]) -> str:
            pin = check_new_pin(texts)

            def reset(session: Session) -> str:
                accounts.reset_pin(session, self.app.user, user_id, pin)
                return f"New PIN set for {name}."

            return self.run_change(reset)

        self.app.push_screen(
            FormModal(
                f"A new PIN for {name}", PIN_FIELDS, save, secret=frozenset({"pin", "pin_again"})
            ),
            self.changed,
        )

    def action_deactivate(self) -> None:
        """Stop the chosen account signing in, or let a deactivated one sign in again (after a
        question)."""

        chosen = self._chosen()
        if chosen is None:
            return
        user_id, name, _ = chosen
        if not self._active(user_id):
            self._reactivate(user_id, name)
            return

        from carerdesk.db import accounts

        self._confirmed_change(
            f"Deactivate {name}? They will no longer be able to sign in.",
            "Deactivate",
            lambda session: accounts.deactivate(session, self.app.user, user_id),
            f"{name} can no longer sign in.",
        )

    def _active(self, user_id: str) -> bool:
        from carerdesk.db import accounts

        with self.app.unit_of_work(write=False) as session:
            return any(
                u.active for u in accounts.users(session, by=self.app.user) if u.id == user_id
            )

    def _reactivate(self, user_id: str, name: str) -> None:
        from carerdesk.db import accounts

        self._confirmed_change(
            f"Reactivate {name}? They can sign in again with their PIN.",
            "Reactivate",
            lambda session: accounts.reactivate(session, self.app.user, user_id),
            f"{name} can sign in again with their PIN.",
        )

    def _confirmed_change(
        self, question: str, yes: str, change: Callable[[Session], object], done: str
    ) -> None:
        """Ask ``question``; on yes make ``change`` (one transaction) and say ``done``."""
        from carerdesk.dialogs.confirm import ConfirmModal

        def answered(answer: bool | None) -> None:
            if not answer:
                return
            try:
                self.run_change(change)
            except CarerdeskError as error:
                self.notify(error.message, severity="warning")
                return
            self.changed(done)

        self.app.push_screen(ConfirmModal(question, yes=yes), answered)


def _state(user: UserView, now: datetime) -> str:
    if not user.active:
        return "deactivated"
    if user.locked_until is not None and user.locked_until > now:
        return "locked (wrong PINs)"
    return "active"


def _last(user: UserView) -> str:
    if user.last_sign_in is None:
        return "never"
    return local_time(user.last_sign_in).strftime("%d/%m/%Y %H:%M")
