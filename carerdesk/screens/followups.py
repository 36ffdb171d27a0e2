"""Follow-ups (F10, staff): open referrals with their age, those sent and not acknowledged
in time highlighted, filtered by service and status; and the cards due for renewal. Enter
opens the carer's record."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import DataTable, Header, Label, Select, Static

from carerdesk.core import codes
from carerdesk.core.errors import CarerdeskError
from carerdesk.core.referrals import OPEN as OPEN_STATUSES
from carerdesk.widgets.fitted_table import Column, FittedTable
from carerdesk.widgets.footer import DeskFooter

if TYPE_CHECKING:
    from carerdesk.widgets.desk import DeskApp

ANY = "any"


class FollowUpsScreen(Screen[None]):
    """Open referrals, oldest first, then the cards due for renewal."""

    BINDINGS = [
        Binding("s", "services", "Services"),
        Binding("escape", "back", "Back"),
    ]
    CSS_PATH = "followups.tcss"

    app: DeskApp

    def __init__(self) -> None:
        super().__init__()
        self.referral_carers: list[str] = []
        self.card_carers: list[str] = []

    def compose(self) -> ComposeResult:
        yield Header()
        yield Label("Open referrals", id="referrals-heading", classes="section-title")
        with Horizontal(id="follow-filters"):
            yield Select(
                [("Every service", ANY)], value=ANY, allow_blank=False, id="filter-service",
                compact=True,
            )  # fmt: skip
            statuses = [("Every open status", ANY)] + [
                (codes.REFERRAL_STATUS[s], s) for s in OPEN_STATUSES
            ]
            yield Select(statuses, value=ANY, allow_blank=False, id="filter-status", compact=True)
        # The status (and the chase mark) first; at 80 columns the urgency and the reference
        # give way, never the carer's name or the service.
        yield FittedTable(
            Column("Days"),
            Column("Status"),
            Column("Urgency", rank=3),
            Column("Ref", rank=2),
            Column("Carer", rank=1, least=12),
            Column("Referred to", least=12),
            id="open-referrals",
            cursor_type="row",
        )
        yield Label("Cards due for renewal (30 days)", id="cards-heading", classes="section-title")
        yield FittedTable(
            Column("Ends"),
            Column("Ref", rank=2),
            Column("Carer", rank=1, least=12),
            Column("Card", rank=3),
            Column("Number"),
            id="cards-due",
            cursor_type="row",
        )
        yield Static("", id="follow-status")
        yield DeskFooter()

    def on_mount(self) -> None:
        from carerdesk.db import destinations

        with self.app.unit_of_work(write=False) as session:
            # Retired services too: referrals already made to one may still be open.
            services = destinations.names(session, by=self.app.user)
        self.query_one("#filter-service", Select).set_options(
            [("Every service", ANY), *((name, code) for code, name in services.items())]
        )
        self.reload()
        self.query_one("#open-referrals", DataTable).focus()

    @on(Select.Changed)
    def _filtered(self) -> None:
        self.reload()

    def reload(self) -> None:
        """Read both lists again, with the filters as chosen."""
        from carerdesk.db import cards, referrals

        service = str(self.query_one("#filter-service", Select).value)
        status = str(self.query_one("#filter-status", Select).value)
        today = self.app.today()
        try:
            with self.app.unit_of_work(write=False) as session:
                found = referrals.open_referrals(
                    session,
                    today,
                    destination=None if service == ANY else service,
                    status=None if status == ANY else status,
                    by=self.app.user,
                )
                chase = referrals.chase_days(session)
                due = cards.expiring_cards(session, today, by=self.app.user)
        except CarerdeskError as error:
            self.query_one("#follow-status", Static).update(error.message)
            return
        rows = []
        self.referral_carers = []
        for row in found:
            style = "bold red" if row.overdue else ""
            rows.append(
                (
                    Text(str(row.age_days), style=style),
                    Text(
                        codes.label(codes.REFERRAL_STATUS, row.status)
                        + (" · chase" if row.overdue else ""),
                        style=style,
                    ),
                    Text(codes.label(codes.URGENCY, row.urgency)),
                    Text(row.reference),
                    Text(row.name),
                    Text(row.destination),
                )
            )
            self.referral_carers.append(row.reference)
        self.query_one("#open-referrals", FittedTable).show(rows)
        late = sum(row.overdue for row in found)
        self.query_one("#referrals-heading", Label).update(
            f"Open referrals: {len(found)}, {late} sent over {chase} days ago and not acknowledged"
        )
        card_rows = []
        self.card_carers = []
        for card in due:
            card_rows.append(
                (
                    Text(card.expires_on.strftime("%d/%m/%Y")),
                    Text(card.reference),
                    Text(card.name),
                    Text(codes.label(codes.CARD_TYPE, card.card_type)),
                    Text(card.card_number),
                )
            )
            self.card_carers.append(card.reference)
        self.query_one("#cards-due", FittedTable).show(card_rows)
        self.query_one("#cards-heading", Label).update(
            f"Cards due for renewal: {len(due)} (ending in 30 days, or lapsed in the last 90)"
        )
        self.query_one("#follow-status", Static).update(
            "Enter opens the carer's record · Tab moves between the lists and filters"
            " · S the services we refer to"
        )

    @on(DataTable.RowSelected)
    def _open(self, event: DataTable.RowSelected) -> None:
        from carerdesk.screens.carer import CarerScreen

        carers = (
            self.referral_carers if event.data_table.id == "open-referrals" else self.card_carers
        )
        if event.cursor_row < len(carers):
            self.app.push_screen(CarerScreen(carers[event.cursor_row]))

    def on_screen_resume(self) -> None:
        self.reload()

    def action_services(self) -> None:
        """The services the centre refers to, and (coordinators) the keys to change them."""
        from carerdesk.screens.services import ServicesScreen

        self.app.push_screen(ServicesScreen())

    def action_back(self) -> None:
        """Back to the front desk."""
        self.dismiss()
