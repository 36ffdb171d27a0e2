"""The services the centre refers carers to (S on the follow-ups screen): every desk sees the
list; a coordinator adds a service, changes its name or contact details, retires it or
brings it back. A retired service stays in the list, greyed, because referrals already made
to it still name it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Header, Label

from carerdesk.core import codes
from carerdesk.core.errors import CarerdeskError
from carerdesk.core.permissions import Can
from carerdesk.dialogs.form_modal import FormModal
from carerdesk.screens.managed_list import ManagedList
from carerdesk.widgets.fitted_table import Column, FittedTable
from carerdesk.widgets.footer import DeskFooter

if TYPE_CHECKING:
    from collections.abc import Callable

    from sqlalchemy.orm import Session

    from carerdesk.widgets.desk import DeskApp


class Row(NamedTuple):
    """A service as the list shows it."""

    code: str
    name: str
    contact: str
    counts_as: str
    retired: bool
    used: int
    """How many referrals name it."""


class ServicesScreen(ManagedList):
    """The organisation's list of services, and the keys to change it."""

    BINDINGS = [
        Binding("a", "add", "Add service"),
        Binding("e", "change", "Change"),
        Binding("d", "retire", "Retire or restore"),
        Binding("escape", "back", "Back"),
    ]
    CSS_PATH = "services.tcss"

    RIGHTS = {
        "add": Can.CHANGE_SETTINGS,
        "change": Can.CHANGE_SETTINGS,
        "retire": Can.CHANGE_SETTINGS,
    }

    app: DeskApp

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[Row] = []
        self.show_code: str | None = None
        """The service to put the cursor on at the next reload (one just added)."""

    def compose(self) -> ComposeResult:
        yield Header()
        yield Label("Services we refer to", id="services-title", classes="section-title")
        # The name and the contact details are what the desk reads: at 80 columns the count
        # and what the return counts it as give way, and long contact details wrap.
        yield FittedTable(
            Column("Service", wrap=True),
            Column("Referrals", rank=2),
            Column("Counts in the return as", rank=1, least=12),
            Column("Contact details", wrap=True),
            id="services",
            cursor_type="row",
            zebra_stripes=True,
        )
        yield Label(
            "A adds · E (or Enter) changes the name or contact · D retires or restores",
            classes="hint",
        )
        yield DeskFooter()

    def on_mount(self) -> None:
        self.reload()
        self.query_one(DataTable).focus()

    def reload(self) -> None:
        """Read the list again."""
        from carerdesk.db import destinations

        table = self.query_one(FittedTable)
        at = table.cursor_row
        self.rows = []
        shown: list[tuple[Text, ...]] = []
        with self.app.unit_of_work(write=False) as session:
            counts = destinations.usage(session, by=self.app.user)
            for service in destinations.services(session, by=self.app.user):
                used = counts.get(service.code, 0)
                retired = service.retired_on is not None
                contact = service.contact or ""
                row = Row(service.code, service.name, contact, service.counts_as, retired, used)
                self.rows.append(row)
                style = "dim" if retired else ""
                name = service.name + (
                    f" (retired {service.retired_on:%d/%m/%Y})" if service.retired_on else ""
                )
                # The contact details last: the longest, and cut first on a narrow screen.
                shown.append(
                    (
                        Text(name, style=style),
                        Text(str(used), style=style, justify="right"),
                        Text(codes.label(codes.DESTINATION, service.counts_as), style=style),
                        Text(service.contact or "none recorded", style=style or "italic"),
                    )
                )
        table.show(shown)
        codes_shown = [row.code for row in self.rows]
        if self.show_code in codes_shown:
            at, self.show_code = codes_shown.index(self.show_code), None
        if self.rows:
            table.move_cursor(row=min(max(at, 0), len(self.rows) - 1))

    def _chosen(self) -> Row | None:
        row = self.query_one(DataTable).cursor_row
        return self.rows[row] if 0 <= row < len(self.rows) else None

    def action_add(self) -> None:
        """A new service at the end of the list."""
        from carerdesk.core.destinations import service_fields
        from carerdesk.db import destinations

        if not self.app.allowed(Can.CHANGE_SETTINGS):
            return

        def save(texts: dict[str, str]) -> str:
            def add(session: Session) -> str:
                service = destinations.add_service(session, self.app.user, texts)
                self.show_code = service.code
                return f"Added {service.name}: it is offered for new referrals."

            return self.run_change(add)

        self.app.push_screen(
            FormModal("Add a service we refer to", service_fields(), save),
            self.changed,
        )

    def on_data_table_row_selected(self) -> None:
        self.action_change()

    def action_change(self) -> None:
        """A new name or contact details; the return category while nothing names it."""
        from carerdesk.core.destinations import service_fields
        from carerdesk.db import destinations

        chosen = self._chosen()
        if chosen is None or not self.app.allowed(Can.CHANGE_SETTINGS):
            return
        code, name, contact, counts_as, _, used = chosen
        specs = service_fields(category=not used)

        def save(texts: dict[str, str]) -> str:
            def change(session: Session) -> str:
                service = destinations.change_service(session, self.app.user, code, texts)
                return f"{service.name} saved."

            return self.run_change(change)

        values = {"name": name, "contact": contact, "counts_as": counts_as}
        title = f"Change {name}" + (
            "" if not used else f" (its {used} referrals keep their return category)"
        )
        self.app.push_screen(FormModal(title, specs, save, values=values), self.changed)

    def action_retire(self) -> None:
        """Retire the chosen service, or bring a retired one back."""
        from carerdesk.db import destinations

        chosen = self._chosen()
        if chosen is None or not self.app.allowed(Can.CHANGE_SETTINGS):
            return
        code, name, _, _, retired, _ = chosen
        if retired:
            self._act(
                lambda s: destinations.restore_service(s, self.app.user, code),
                f"{name} is offered for new referrals again.",
            )
            return
        today = self.app.today()
        from carerdesk.dialogs.confirm import ConfirmModal

        def answered(yes: bool | None) -> None:
            if yes:
                self._act(
                    lambda s: destinations.retire_service(s, self.app.user, code, today),
                    f"{name} is retired: its referrals keep its name.",
                )

        # As deactivating an account: one stray key would take it off every new referral.
        question = f"Retire {name}? It will no longer be offered for new referrals."
        self.app.push_screen(ConfirmModal(question, yes="Retire"), answered)

    def _act(self, change: Callable[[Session], object], message: str) -> None:
        try:
            self.run_change(change)
        except CarerdeskError as error:
            self.notify(error.message, severity="warning")
            return
        self.changed(message)
