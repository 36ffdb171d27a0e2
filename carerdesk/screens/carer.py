"""A carer's record: details, caring roles and contacts, with every change a key away."""

from __future__ import annotations

from datetime import date
from itertools import zip_longest
from typing import TYPE_CHECKING, ClassVar

from rich.table import Table
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Header, Label, Static

from carerdesk.core import codes
from carerdesk.core.entries import (
    CARER_FIELDS,
    CONTACT_FIELDS,
    ROLE_FIELDS,
    CloseEntry,
    RoleEntry,
    field_text,
    record_details,
)
from carerdesk.core.errors import CarerdeskError
from carerdesk.core.permissions import Can
from carerdesk.core.validate import age_on, format_phone
from carerdesk.settings import output_dir
from carerdesk.widgets.desk import role_allows
from carerdesk.widgets.footer import DeskFooter

if TYPE_CHECKING:
    from collections.abc import Callable

    from carerdesk.core.permissions import Actor
    from carerdesk.db.views import CardView, CarerView, ContactView, ReferralView, RoleView
    from carerdesk.widgets.desk import DeskApp


def _shown(value: object, code_list: codes.CodeList | None) -> str:
    text = field_text(value)
    return codes.label(code_list, text) if code_list else text


def role_texts(role: RoleView) -> dict[str, str]:
    """A stored caring role as the role form shows it."""
    texts = {name: field_text(getattr(role, name, None)) for name in ROLE_FIELDS}
    texts["relationship"] = field_text(role.relationship_)
    return texts


class DetailsPanel(VerticalScroll):
    """The carer's details and notes: scrolls on its own when they are long."""

    ALLOW_MAXIMIZE = True


class ListPanel(DataTable[str]):
    """One list of the record; Enter on a row needs the right ``ENTER_NEEDS``."""

    ENTER_NEEDS: ClassVar[Can] = Can.EDIT

    app: DeskApp

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Hide Enter from anyone whose role may not change the chosen row."""
        return role_allows(self.app, {"select_cursor": self.ENTER_NEEDS}, action)


class RolesPanel(ListPanel):
    """The caring roles: Enter changes the chosen one, R adds one."""

    BINDINGS = [
        Binding("enter", "select_cursor", "Change role", tooltip="Change the chosen role"),
        Binding("r", "screen.add_role", "Add role", tooltip="Add whom they care for"),
    ]


class CardsPanel(ListPanel):
    """The cards issued: P prints the chosen card, K cancels it, I issues a new one."""

    BINDINGS = [
        Binding("p", "screen.print_card", "Print", tooltip="A PDF of the chosen card"),
        Binding("k", "screen.cancel_card", "Cancel card", tooltip="Cancel the chosen card"),
        Binding("i", "screen.issue_card", "Issue", tooltip="Issue a card or passport"),
    ]


class ReferralsPanel(ListPanel):
    """The referrals: Enter takes the chosen one's next step, W writes its form."""

    ENTER_NEEDS = Can.REFER

    BINDINGS = [
        Binding("enter", "select_cursor", "Next step", tooltip="The referral's next step"),
        Binding("w", "screen.write_form", "Form", tooltip="The chosen referral's form"),
    ]


class ContactsPanel(ListPanel):
    """The contacts logged: Enter changes the chosen one."""

    BINDINGS = [
        Binding("enter", "select_cursor", "Change contact", tooltip="Change the chosen contact"),
    ]


class CarerScreen(Screen[None]):
    """One carer's record."""

    CSS_PATH = "carer.tcss"
    BINDINGS = [
        Binding("c,f3", "log_contact", "Log contact", tooltip="Log a contact with this carer"),
        Binding("e", "edit", "Edit", tooltip="Change this carer's details"),
        Binding("f", "refer", "Refer", tooltip="Refer them to another service"),
        Binding("x", "close_record", "Close", tooltip="Close the record with a reason"),
        Binding("o", "reopen", "Reopen", tooltip="Reopen a closed record"),
        Binding("escape", "back", "Back", tooltip="Back to the search"),
        # Keys of one list, shown in the footer while that list is focused (its panel's
        # bindings) and working from anywhere on the record, as the README says.
        Binding("r", "add_role", "Add caring role", show=False),
        Binding("i", "issue_card", "Issue card", show=False, tooltip="A carer card or passport"),
        Binding("p", "print_card", "Print card", show=False, tooltip="A PDF of the chosen card"),
        Binding("k", "cancel_card", "Cancel card", show=False, tooltip="Cancel the chosen card"),
        Binding(
            "m", "emergency", "Emergency contacts", show=False, tooltip="For the emergency card"
        ),
        Binding(
            "w", "write_form", "Referral form", show=False, tooltip="The chosen referral's form"
        ),
    ]

    RIGHTS: ClassVar[dict[str, Can]] = {
        "log_contact": Can.LOG_CONTACT,
        "edit": Can.EDIT,
        "add_role": Can.EDIT,
        "emergency": Can.EDIT,
        "issue_card": Can.ISSUE_CARDS,
        "print_card": Can.ISSUE_CARDS,
        "cancel_card": Can.ISSUE_CARDS,
        "refer": Can.REFER,
        "write_form": Can.REFER,
        "close_record": Can.CLOSE,
        "reopen": Can.CLOSE,
    }
    """The right each key needs: a key the person may not use is hidden."""

    app: DeskApp

    def __init__(self, carer_id: str) -> None:
        super().__init__()
        self.carer_id = carer_id
        self.roles: list[RoleView] = []
        self.cards: list[CardView] = []
        self.referrals: list[ReferralView] = []
        self.service_names: dict[str, str] = {}
        self.born: date | None = None
        self.contacts: list[ContactView] = []
        self.carer_name = ""
        self.closed = False

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("", id="summary")
        # The details stay in view (at 80x24 too) while the lists below them scroll; Tab
        # moves between the panels, and each list's footer shows its own keys.
        with DetailsPanel(id="details-panel"):
            yield Static("", id="details")
            yield Static("", id="notes")
        with VerticalScroll(id="record"):
            yield Label("Caring roles", id="roles-title", classes="section-title")
            yield RolesPanel(id="roles", cursor_type="row")
            yield Label("Cards", id="cards-title", classes="section-title")
            yield CardsPanel(id="cards", cursor_type="row")
            yield Label("Referrals", id="referrals-title", classes="section-title")
            yield ReferralsPanel(id="referrals", cursor_type="row")
            yield Label("Contacts", id="contacts-title", classes="section-title")
            yield ContactsPanel(id="contacts", cursor_type="row")
            yield Static("", id="stamps", classes="hint")
        yield DeskFooter()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Hide the keys the person's role may not use, and Close or Reopen as fits."""
        if (action == "close_record" and self.closed) or (action == "reopen" and not self.closed):
            return False
        return role_allows(self.app, self.RIGHTS, action)

    def on_mount(self) -> None:
        self.query_one("#roles", DataTable).add_columns(
            "Cares for their", "Age", "Conditions", "Lives with them", "From", "Until"
        )
        self.query_one("#contacts", DataTable).add_columns(
            "Date", "Time", "Channel", "Support", "Minutes", "By"
        )
        self.query_one("#cards", DataTable).add_columns(
            "Card", "Number", "Issued", "Expires", "Status"
        )
        self.query_one("#referrals", DataTable).add_columns(
            "Referred to", "Status", "Urgency", "Sent", "Closed"
        )
        self.reload(opening=True)
        self.query_one("#contacts", DataTable).focus()

    def on_screen_resume(self) -> None:
        self.reload()

    def reload(self, *, opening: bool = False) -> None:
        """Read the record again from the register (opening it is in the audit trail)."""
        from carerdesk.db import destinations
        from carerdesk.db.carers import get_carer, open_carer

        try:
            with self.app.unit_of_work(write=opening) as session:
                if opening:
                    carer = open_carer(
                        session, self.carer_id, by=self.app.user, today=self.app.today()
                    )
                else:
                    carer = get_carer(
                        session, self.carer_id, by=self.app.user, today=self.app.today()
                    )
                self.service_names = destinations.names(session, by=self.app.user)
        except CarerdeskError as error:
            self.notify(error.message, severity="error")
            self.dismiss()
            return
        self._show(carer)

    def _show(self, carer: CarerView) -> None:
        today = self.app.today()
        self.carer_name = f"{carer.first_name} {carer.last_name}"
        self.born = carer.date_of_birth
        kind = carer.age_band.capitalize()
        known_as = f" (known as {carer.preferred_name})" if carer.preferred_name else ""
        status = "Active"
        if carer.status == "closed":
            reason = codes.label(codes.CLOSED_REASON, carer.closed_reason)
            status = f"CLOSED on {_shown(carer.closed_on, None)}: {reason}"
        born = carer.date_of_birth
        self.query_one("#summary", Static).update(
            f"[b]{self.carer_name}[/b]{known_as}  ·  {carer.reference}  ·  {status}\n"
            + (
                f"Born {_shown(born, None)}, aged {age_on(born, today)}"
                f"  ·  {kind}  ·  registered {_shown(carer.registered_on, None)}"
                if born is not None
                else f"{kind}  ·  a volunteer sees the name, reference and age band only"
            )
        )
        self.closed = carer.status == "closed"
        self.set_class(self.closed, "-closed")
        self.refresh_bindings()
        cells = []
        for name in record_details():
            code_list = CARER_FIELDS[name].choices
            value = getattr(carer, name)
            if name in ("phone", "mobile"):
                value = format_phone(value)
            shown = _shown(value, code_list)
            if shown:
                cells.append((CARER_FIELDS[name].label, shown))
        details = Table.grid(padding=(0, 1), expand=True)
        for _ in range(2):
            details.add_column(style="dim", no_wrap=True)
            details.add_column(ratio=1, no_wrap=True, overflow="ellipsis")
        for left, right in zip_longest(cells[::2], cells[1::2], fillvalue=("", "")):
            details.add_row(*left, *right)
        self.query_one("#details", Static).update(details if cells else "No other details.")
        notes = self.query_one("#notes", Static)
        notes.update(Text.assemble(("Notes: ", "dim"), carer.notes or ""))
        notes.display = bool(carer.notes)
        self.roles = list(carer.roles)
        roles = self.query_one("#roles", DataTable)
        roles.clear()
        for role in self.roles:
            conditions = ", ".join(
                codes.label(codes.CONDITION, c) for c in (role.conditions or "").split(";") if c
            )
            roles.add_row(
                codes.label(codes.RELATIONSHIP, role.relationship_),
                codes.label(codes.CARED_FOR_AGE_BAND, role.cared_for_age_band),
                conditions,
                _shown(role.lives_with_carer, None),
                _shown(role.started_on, None),
                _shown(role.ended_on, None),
            )
        active = sum(role.active_on(today) for role in self.roles)
        self.query_one("#roles-title", Label).update(
            f"Caring roles: {len(self.roles)} ({active} active)"
            + self._keys("R adds, Enter changes", Can.EDIT)
        )
        self._show_cards(carer, today)
        self._show_referrals(carer)
        contacts = self.query_one("#contacts", DataTable)
        contacts.clear()
        self.contacts = list(carer.contacts)
        for contact in self.contacts:
            support = ", ".join(
                codes.label(codes.SUPPORT, s) for s in contact.support.split(";") if s
            )
            contacts.add_row(
                _shown(contact.contact_on, None),
                contact.contact_time.strftime("%H:%M") if contact.contact_time else "",
                codes.label(codes.CHANNEL, contact.channel),
                support,
                str(contact.minutes or ""),
                contact.staff or "",
            )
        self.query_one("#contacts-title", Label).update(
            f"Contacts: {len(carer.contacts)} · C logs a new one"
            + self._keys("Enter changes", Can.EDIT, ",")
        )
        created = carer.created_at.strftime("%d/%m/%Y %H:%M")
        updated = carer.updated_at.strftime("%d/%m/%Y %H:%M")
        self.query_one("#stamps", Static).update(
            f"Created {created} UTC by {carer.created_by or 'unknown'} · "
            f"last changed {updated} UTC by {carer.updated_by or 'unknown'}"
        )

    def _show_cards(self, carer: CarerView, today: date) -> None:
        from carerdesk.db.cards import status_on

        self.cards = sorted(carer.cards, key=lambda card: card.issued_on, reverse=True)
        table = self.query_one("#cards", DataTable)
        table.clear()
        for card in self.cards:
            status = codes.label(codes.CARD_STATUS, status_on(card, today))
            if card.status == "cancelled" and card.cancel_reason:
                status += f": {card.cancel_reason}"
            table.add_row(
                codes.label(codes.CARD_TYPE, card.card_type),
                card.card_number,
                _shown(card.issued_on, None),
                _shown(card.expires_on, None),
                status,
            )
        table.display = bool(self.cards)
        active = sum(status_on(card, today) == "active" for card in self.cards)
        self.query_one("#cards-title", Label).update(
            f"Cards: {active} active"
            + self._keys("I issues, P prints the chosen one, K cancels it, M emergency contacts")
            if self.cards
            else "Cards: none" + self._keys("I issues one, M sets emergency contacts")
        )

    def _chosen_card(self) -> CardView | None:
        table = self.query_one("#cards", DataTable)
        if not self.cards:
            self.notify("No card yet: I issues one.", severity="warning")
            return None
        return self.cards[min(table.cursor_row, len(self.cards) - 1)]

    def action_issue_card(self) -> None:
        """Issue a card: the types offered at this carer's age, and why."""
        if not self.app.allowed(Can.ISSUE_CARDS) or self.born is None:
            return
        from carerdesk.core.cards import issue_fields, types_offered
        from carerdesk.core.entries import check_all
        from carerdesk.db import cards
        from carerdesk.dialogs.form_modal import FormModal

        today = self.app.today()
        specs = issue_fields(self.born, today)
        first = types_offered(self.born, today)[0]
        with self.app.unit_of_work(write=False) as session:
            reason = cards.suggested_reason(session, self.carer_id, first, today, by=self.app.user)

        def save(texts: dict[str, str]) -> str:
            values = check_all(specs, texts, today)
            with self.app.unit_of_work() as session:
                card = cards.issue_card(
                    session,
                    self.carer_id,
                    values["card_type"],
                    values["issue_reason"],
                    by=self.app.user,
                    today=today,
                )
                number, expires, card_id = card.card_number, card.expires_on, card.id
            self._print(card_id, number, f"Card {number} is issued, but its PDF")
            return f"Issued {number}, valid to {expires:%d/%m/%Y}."

        modal = FormModal(
            f"Issue a card to {self.carer_name}",
            specs,
            save,
            values={"card_type": first, "issue_reason": reason},
        )
        self.app.push_screen(modal, self._card_done)

    def _card_done(self, message: str | None) -> None:
        if message:
            self.notify(message, timeout=15)
        self.reload()

    def _print(self, card_id: str, number: str, what: str = "") -> None:
        """Write the card's PDF, front and back, away from the screen (``what``: the words for
        it should it fail, saying what was saved before, which stays saved)."""
        from carerdesk.export.cards import card_pdf, card_print

        def write(by: Actor) -> str:
            with self.app.unit_of_work(write=False) as session:
                printed = card_print(session, card_id, by)
            path = output_dir("cards") / f"{printed.card_number}.pdf"
            path.write_bytes(card_pdf(printed))
            return f"Card {number} to print: {path}"

        self._write_file(write, what or f"The PDF of card {number}", "P")

    def _write_file(self, write: Callable[[Actor], str], what: str, again: str) -> None:
        """Run ``write`` (a card's or a form's file) in a worker, then say where the file is,
        or, when the folder cannot be written to, what was not written and how to try again.

        The one path of every PDF the record writes. Any other error is unexpected: the
        application's failure handling takes it.
        """
        by = self.app.user  # read here: the screen may lock while the file is written

        def in_thread() -> None:
            try:
                done = write(by)
            except OSError:
                self.app.call_from_thread(
                    self.app.notify,
                    f"{what} could not be written: the folder cannot be written to, or the "
                    f"disk is full. Once that is put right, {again} writes it again.",
                    severity="error",
                    timeout=20,
                )
                return
            except CarerdeskError as error:
                self.app.call_from_thread(self.app.notify, error.message, severity="error")
                return
            self.app.call_from_thread(self.app.notify, done, timeout=15)

        self.run_worker(in_thread, thread=True, group="files", description="write a file")

    def action_print_card(self) -> None:
        """Write the chosen card as a PDF, front and back, to print."""
        card = self._chosen_card()
        if card is None or not self.app.allowed(Can.ISSUE_CARDS):
            return
        self._print(card.id, card.card_number)

    def action_cancel_card(self) -> None:
        """Cancel the chosen card, saying why."""
        card = self._chosen_card()
        if card is None or not self.app.allowed(Can.ISSUE_CARDS):
            return
        from carerdesk.core.cards import cancel_fields
        from carerdesk.core.entries import check_all
        from carerdesk.db import cards
        from carerdesk.dialogs.form_modal import FormModal

        today = self.app.today()
        specs = cancel_fields()
        card_id, number, version = card.id, card.card_number, card.version

        def save(texts: dict[str, str]) -> str:
            values = check_all(specs, texts, today)
            with self.app.unit_of_work() as session:
                cards.cancel_card(
                    session,
                    card_id,
                    values["cancel_reason"],
                    by=self.app.user,
                    today=today,
                    version=version,
                )
            return f"Card {number} cancelled."

        self.app.push_screen(FormModal(f"Cancel card {number}", specs, save), self._card_done)

    def _show_referrals(self, carer: CarerView) -> None:
        self.referrals = sorted(carer.referrals, key=lambda r: r.created_at, reverse=True)
        table = self.query_one("#referrals", DataTable)
        table.clear()
        for referral in self.referrals:
            table.add_row(
                self.service_names.get(referral.destination, referral.destination),
                codes.label(codes.REFERRAL_STATUS, referral.status),
                codes.label(codes.URGENCY, referral.urgency),
                _shown(referral.made_on, None),
                _shown(referral.closed_on, None),
            )
        table.display = bool(self.referrals)
        self.query_one("#referrals-title", Label).update(
            f"Referrals: {len(self.referrals)}"
            + self._keys("F refers, Enter takes the next step, W the form", Can.REFER)
            if self.referrals
            else "Referrals: none" + self._keys("F refers them to another service", Can.REFER)
            if carer.full
            else "Referrals: not shown to a volunteer"
        )

    def action_refer(self) -> None:
        """A new referral, as a draft to send once the carer agrees."""
        if not self.app.allowed(Can.REFER):
            return
        from carerdesk.core.entries import check_all
        from carerdesk.core.referrals import make_fields
        from carerdesk.db import destinations, referrals
        from carerdesk.dialogs.form_modal import FormModal

        with self.app.unit_of_work(write=False) as session:
            specs = make_fields(destinations.offered(session, by=self.app.user))
        today = self.app.today()

        def save(texts: dict[str, str]) -> str:
            values = check_all(specs, texts, today)
            with self.app.unit_of_work() as session:
                referrals.make_referral(
                    session,
                    self.carer_id,
                    destination=values["destination"],
                    reason=values["reason"],
                    urgency=values["urgency"],
                    hopes=values["hopes"] or "",
                    by=self.app.user,
                )
            return "Referral saved as a draft: Enter on it sends it, with their consent."

        modal = FormModal(f"Refer {self.carer_name}", specs, save, values={"urgency": "routine"})
        self.app.push_screen(modal, self._card_done)

    @on(DataTable.RowSelected, "#referrals")
    def _referral_step(self, event: DataTable.RowSelected) -> None:
        if not self.app.allowed(Can.REFER):
            return
        from carerdesk.core.entries import check_all
        from carerdesk.core.referrals import NEXT, step_fields
        from carerdesk.db import referrals
        from carerdesk.dialogs.form_modal import FormModal

        referral = self.referrals[event.cursor_row]
        if not NEXT.get(referral.status):
            self.notify("This referral is closed: it does not change.", severity="warning")
            return
        service = self.service_names.get(referral.destination, referral.destination)
        specs = step_fields(referral.status, service)
        today = self.app.today()
        referral_id, version = referral.id, referral.version

        def save(texts: dict[str, str]) -> str:
            values = check_all(specs, texts, today)
            with self.app.unit_of_work() as session:
                if values["status"] == "sent":
                    referrals.send_referral(
                        session,
                        referral_id,
                        confirmed=values.get("consent") is True,
                        by=self.app.user,
                        today=today,
                        version=version,
                    )
                else:
                    referrals.move_referral(
                        session,
                        referral_id,
                        values["status"],
                        by=self.app.user,
                        today=today,
                        outcome=values["outcome"] or "",
                        version=version,
                    )
            if values["status"] == "sent":
                self._write_form(referral_id, "The referral is sent, but its form")
                return "Sent."
            return "Saved."

        first = next(iter(specs["status"].choices or {}), "")
        modal = FormModal("The referral's next step", specs, save, values={"status": first})
        self.app.push_screen(modal, self._card_done)

    def _write_form(self, referral_id: str, what: str = "The referral form") -> None:
        """Write the referral's form, as text and as a PDF, away from the screen."""
        from carerdesk.export.referrals import form_pdf, referral_form

        def write(by: Actor) -> str:
            with self.app.unit_of_work(write=False) as session:
                form = referral_form(session, referral_id, by)
            stem = output_dir("referrals") / f"referral-{referral_id[:8]}"
            stem.with_suffix(".txt").write_text(form.text(), encoding="utf-8")
            stem.with_suffix(".pdf").write_bytes(form_pdf(form))
            return f"The referral form to send securely: {stem}.txt (and .pdf)"

        self._write_file(write, what, "W")

    def action_write_form(self) -> None:
        """Write the chosen referral's form, as text and as a PDF."""
        if not self.referrals or not self.app.allowed(Can.REFER):
            self.notify("No referral yet: F refers them.", severity="warning")
            return
        table = self.query_one("#referrals", DataTable)
        referral = self.referrals[min(table.cursor_row, len(self.referrals) - 1)]
        self._write_form(referral.id)

    def action_emergency(self) -> None:
        """The carer's emergency contacts and contingency plan (the emergency card's back)."""
        if not self.app.allowed(Can.EDIT):
            return
        from carerdesk.core.cards import check_emergency, emergency_fields
        from carerdesk.db import cards
        from carerdesk.dialogs.form_modal import FormModal

        today = self.app.today()
        with self.app.unit_of_work(write=False) as session:
            texts = cards.emergency_texts(session, self.carer_id, by=self.app.user)

        def save(typed: dict[str, str]) -> str:
            checked = check_emergency(typed, today)
            with self.app.unit_of_work() as session:
                cards.set_emergency(
                    session,
                    self.carer_id,
                    checked["contacts"],
                    checked["contingency_plan"],
                    by=self.app.user,
                )
            return f"Emergency contacts saved: {len(checked['contacts'])}."

        modal = FormModal(
            f"Emergency contacts of {self.carer_name}",
            emergency_fields(),
            save,
            values=texts,
            draft="an emergency contacts form",
        )
        self.app.push_screen(modal, self._card_done)

    def action_log_contact(self) -> None:
        """Log a contact with this carer."""
        from carerdesk.dialogs.contact import ContactModal

        self.app.push_screen(ContactModal(self.carer_id, self.carer_name), lambda _: self.reload())

    def action_edit(self) -> None:
        """Change this carer's details."""
        if not self.app.allowed(Can.EDIT):
            return
        from carerdesk.screens.register import RegisterScreen

        self.app.push_screen(RegisterScreen(carer_id=self.carer_id))

    def action_add_role(self) -> None:
        """Add whom this carer looks after."""
        if not self.app.allowed(Can.EDIT):
            return
        from carerdesk.dialogs.role import RoleModal

        self.app.push_screen(RoleModal(title="Add a caring role"), self._role_added)

    def _role_added(self, role: RoleEntry | None) -> None:
        if role is None:
            return
        from carerdesk.db.carers import add_role

        self._act(lambda session: add_role(session, self.carer_id, role, by=self.app.user))

    @on(DataTable.RowSelected, "#roles")
    def _change_role(self, event: DataTable.RowSelected) -> None:
        if not self.app.allowed(Can.EDIT):
            return
        from carerdesk.dialogs.role import RoleModal

        role = self.roles[event.cursor_row]
        self.app.push_screen(
            RoleModal(role_texts(role), title="Change the caring role"),
            lambda entry: self._role_changed(role.id, role.version, entry),
        )

    def _role_changed(self, role_id: str, version: int, entry: RoleEntry | None) -> None:
        if entry is None:
            return
        from carerdesk.db.carers import update_role

        self._act(
            lambda session: update_role(session, role_id, entry, by=self.app.user, version=version)
        )

    @on(DataTable.RowSelected, "#contacts")
    def _change_contact(self, event: DataTable.RowSelected) -> None:
        if not self.app.allowed(Can.EDIT):
            return
        from carerdesk.dialogs.contact import ContactModal

        contact = self.contacts[event.cursor_row]
        texts = {name: field_text(getattr(contact, name)) for name in CONTACT_FIELDS}
        self.app.push_screen(
            ContactModal(
                self.carer_id,
                self.carer_name,
                contact_id=contact.id,
                texts=texts,
                version=contact.version,
            ),
            lambda _: self.reload(),
        )

    def action_close_record(self) -> None:
        """Close this carer's record with a reason."""
        if not self.app.allowed(Can.CLOSE):
            return
        from carerdesk.dialogs.close import CloseModal

        self.app.push_screen(CloseModal(self.carer_name), self._close_chosen)

    def _close_chosen(self, entry: CloseEntry | None) -> None:
        if entry is None:
            return
        from carerdesk.db.carers import close_carer

        self._act(
            lambda session: close_carer(
                session,
                self.carer_id,
                on=entry.closed_on,
                reason=entry.closed_reason,
                by=self.app.user,
            ),
            done="Record closed.",
        )

    def action_reopen(self) -> None:
        """Reopen this carer's record."""
        if not self.app.allowed(Can.CLOSE):
            return
        from carerdesk.db.carers import reopen_carer

        self._act(
            lambda session: reopen_carer(session, self.carer_id, by=self.app.user),
            done="Record reopened.",
        )

    def _keys(self, hint: str, right: Can = Can.ISSUE_CARDS, joined: str = " ·") -> str:
        """A section title's key hint, only for someone whose role may use those keys."""
        return f"{joined} {hint}" if self.app.user.may(right) else ""

    def _act(self, operation: object, done: str = "Saved.") -> None:
        try:
            with self.app.unit_of_work() as session:
                operation(session)  # type: ignore[operator]
        except CarerdeskError as error:
            self.notify(error.message, severity="warning")
            return
        self.notify(done)
        self.reload()

    def action_back(self) -> None:
        """Back to where the record was opened from."""
        self.dismiss()
