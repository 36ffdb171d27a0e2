"""A carer's record: details, caring roles and contacts, with every change a key away."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Header, Label, Static

from carerdesk.core import codes
from carerdesk.core.entries import (
    CARER_FIELDS,
    CONSENT,
    CONTACT_FIELDS,
    REACH,
    ROLE_FIELDS,
    CloseEntry,
    RoleEntry,
    field_text,
    record_details,
)
from carerdesk.core.errors import CarerdeskError
from carerdesk.core.permissions import Can
from carerdesk.core.private_files import write_private, write_private_text
from carerdesk.core.validate import age_on, format_phone
from carerdesk.settings import output_dir
from carerdesk.widgets.desk import role_allows
from carerdesk.widgets.facts import Fact, Facts
from carerdesk.widgets.fitted_table import Column, FittedTable
from carerdesk.widgets.footer import DeskFooter

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from carerdesk.core.permissions import Actor
    from carerdesk.db.consents import ConsentView
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


def consent_lines(entries: Sequence[ConsentView]) -> Text:
    """Consent entries as lines of the record, newest first: date, consent, given or
    withdrawn, how, who (75 characters at most: one line each at 80 columns)."""
    lines = Text()
    for index, entry in enumerate(entries):
        how = codes.label(codes.CONSENT_HOW, entry.how, "not known")
        lines.append(
            f"{entry.on:%d/%m/%Y}  {codes.label(codes.CONSENT, entry.consent):<19}  "
            f"{codes.label(codes.CONSENT_GIVEN, field_text(entry.given)):<9}  "
            f"{how:<9}  {(entry.recorded_by or '')[:20]}".rstrip()
        )
        if index < len(entries) - 1:
            lines.append("\n")
    return lines


ADDRESS = ("address_line_1", "address_line_2", "town", "postcode")
"""The fields the record shows together, as one address."""


class DetailsPanel(VerticalScroll):
    """The carer's other details and notes, above the lists (Tab reaches it)."""

    ALLOW_MAXIMIZE = True


class ListPanel(FittedTable):
    """One list of the record; Enter on a row needs the right ``ENTER_NEEDS``. Its columns
    (``COLUMNS``) give way by importance when the screen is narrow."""

    ENTER_NEEDS: ClassVar[Can] = Can.EDIT
    COLUMNS: ClassVar[tuple[Column, ...]] = ()

    app: DeskApp

    def __init__(self, *, id: str) -> None:
        super().__init__(*self.COLUMNS, id=id, cursor_type="row")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Hide Enter from anyone whose role may not change the chosen row."""
        return role_allows(self.app, {"select_cursor": self.ENTER_NEEDS}, action)


class RolesPanel(ListPanel):
    """The caring roles: Enter changes the chosen one, R adds one."""

    COLUMNS = (
        Column("Cares for their"),
        Column("Age", rank=2),
        Column("Conditions", rank=3, least=12),
        Column("Lives with them", rank=4, least=5),
        Column("From", rank=1),
        Column("Until"),  # when a role ended: never off the screen
    )

    BINDINGS = [
        Binding("enter", "select_cursor", "Change role", tooltip="Change the chosen role"),
        Binding("r", "screen.add_role", "Add role", tooltip="Add whom they care for"),
    ]


class CardsPanel(ListPanel):
    """The cards issued: Enter shows the chosen card as it prints, P prints it, K cancels
    it, I issues a new one."""

    ENTER_NEEDS = Can.ISSUE_CARDS

    COLUMNS = (
        Column("Card"),
        Column("Number"),
        Column("Issued", rank=2),
        Column("Expires"),
        Column("Status", rank=1, least=10),
    )

    BINDINGS = [
        Binding("enter", "select_cursor", "View", tooltip="The chosen card, front and back"),
        Binding("p", "screen.print_card", "Print", tooltip="A PDF of the chosen card"),
        Binding("k", "screen.cancel_card", "Cancel card", tooltip="Cancel the chosen card"),
        Binding("i", "screen.issue_card", "Issue", tooltip="Issue a card or passport"),
    ]


class ReferralsPanel(ListPanel):
    """The referrals: Enter takes the chosen one's next step, W writes its form."""

    ENTER_NEEDS = Can.REFER
    COLUMNS = (
        Column("Referred to", least=12),
        Column("Status"),
        Column("Urgency", rank=2),
        Column("Sent", rank=1),
        Column("Closed", rank=3),
    )

    BINDINGS = [
        Binding("enter", "select_cursor", "Next step", tooltip="The referral's next step"),
        Binding("w", "screen.write_form", "Form", tooltip="The chosen referral's form"),
    ]


class ContactsPanel(ListPanel):
    """The contacts logged: Enter changes the chosen one."""

    COLUMNS = (
        Column("Date"),
        Column("Time", rank=2),
        Column("Channel", rank=1),
        Column("Support", rank=3, least=14),
        Column("Minutes", rank=4, least=3),
        Column("By", rank=5, least=10),
    )

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
        Binding("v", "view_card", "View card", show=False, tooltip="The chosen card as it prints"),
        Binding("k", "cancel_card", "Cancel card", show=False, tooltip="Cancel the chosen card"),
        Binding(
            "m", "emergency", "Emergency contacts", show=False, tooltip="For the emergency card"
        ),
        Binding(
            "w", "write_form", "Referral form", show=False, tooltip="The chosen referral's form"
        ),
        Binding("z", "erase", "Erase", show=False, tooltip="Erase the record for good"),
        Binding(
            "a",
            "subject_access",
            "Subject access",
            show=False,
            tooltip="Everything held about them, as a JSON file and a PDF (coordinator)",
        ),
        Binding(
            "n", "consent", "Consent", show=False, tooltip="Record a consent given or withdrawn"
        ),
    ]

    RIGHTS: ClassVar[dict[str, Can]] = {
        "log_contact": Can.LOG_CONTACT,
        "edit": Can.EDIT,
        "add_role": Can.EDIT,
        "emergency": Can.EDIT,
        "issue_card": Can.ISSUE_CARDS,
        "print_card": Can.ISSUE_CARDS,
        "view_card": Can.ISSUE_CARDS,
        "cancel_card": Can.ISSUE_CARDS,
        "refer": Can.REFER,
        "write_form": Can.REFER,
        "close_record": Can.CLOSE,
        "reopen": Can.CLOSE,
        "erase": Can.ERASE,
        "subject_access": Can.SUBJECT_ACCESS,
        "consent": Can.EDIT,
    }
    """The right each key needs: a key the person may not use is hidden."""

    app: DeskApp
    emergency_card_reason: str | None = None
    """Why the emergency card being issued is issued, while its contacts are asked for."""

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
        self.reference = ""
        self.closed = False
        self.erased = False

    def compose(self) -> ComposeResult:
        yield Header()
        # Who they are and how to reach them stay in view (at 80x24 too, nothing cut) while
        # everything below them scrolls; Tab moves between the panels, and each list's
        # footer shows its own keys.
        with Vertical(id="record-head"):
            yield Static("", id="summary")
            yield Static("", id="reach")
        with VerticalScroll(id="record"):
            with DetailsPanel(id="details-panel"):
                yield Static("", id="details")
                yield Static("", id="notes")
            yield Label("Caring roles", id="roles-title", classes="section-title")
            yield RolesPanel(id="roles")
            yield Label("Cards", id="cards-title", classes="section-title")
            yield CardsPanel(id="cards")
            yield Label("Referrals", id="referrals-title", classes="section-title")
            yield ReferralsPanel(id="referrals")
            yield Label("Consents", id="consents-title", classes="section-title")
            yield Static("", id="consents")
            yield Label("Contacts", id="contacts-title", classes="section-title")
            yield ContactsPanel(id="contacts")
            yield Static("", id="stamps", classes="hint")
        yield DeskFooter()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Hide the keys the person's role may not use, and Close or Reopen as fits."""
        if (action == "close_record" and self.closed) or (action == "reopen" and not self.closed):
            return False
        if self.erased and action in self.RIGHTS:
            return False  # nothing is left to change, and nobody to contact
        return role_allows(self.app, self.RIGHTS, action)

    def on_mount(self) -> None:
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
        self.reference = carer.reference
        self.born = carer.date_of_birth
        kind = carer.age_band.capitalize()
        known_as = f" (known as {carer.preferred_name})" if carer.preferred_name else ""
        status = "Active"
        if carer.status == "closed":
            reason = codes.label(codes.CLOSED_REASON, carer.closed_reason)
            status = f"CLOSED on {_shown(carer.closed_on, None)}: {reason}"
        born = carer.date_of_birth
        self.erased = carer.erased_on is not None
        summary = f"[b]{self.carer_name}[/b]{known_as}  ·  {carer.reference}  ·  {status}\n" + (
            f"Born {_shown(born, None)}, aged {age_on(born, today)}"
            f"  ·  {kind}  ·  registered {_shown(carer.registered_on, None)}"
            if born is not None
            else f"{kind}  ·  a volunteer sees the name, reference and age band only"
        )
        if carer.erased_on is not None:
            summary = (
                f"[b]Erased record[/b]  ·  {carer.reference}  ·  "
                f"ERASED on {_shown(carer.erased_on, None)}\n"
                "Only the codes the weekly return counts are kept."
            )
        self.query_one("#summary", Static).update(summary)
        self.closed = carer.status == "closed"
        self.set_class(self.closed, "-closed")
        self.refresh_bindings()
        facts: dict[str, Fact] = {}
        for name in record_details():
            value = getattr(carer, name)
            if name in ("phone", "mobile"):
                value = format_phone(value)
            facts[name] = (CARER_FIELDS[name].label, _shown(value, CARER_FIELDS[name].choices))
        # How to reach them and their consents, the address on one line with its ward.
        address = ", ".join(filter(None, (facts.pop(name, ("", ""))[1] for name in ADDRESS)))
        at = [("Address", address), facts.pop("ward", ("", ""))]
        sections = {name: CARER_FIELDS[name].section for name in facts}
        reach = [fact for name, fact in facts.items() if sections[name] == REACH]
        consent = [fact for name, fact in facts.items() if sections[name] == CONSENT]
        others = [fact for name, fact in facts.items() if sections[name] not in (REACH, CONSENT)]
        self.query_one("#reach", Static).update(Facts([reach, at, consent]))
        self.query_one("#reach", Static).display = any(v for _, v in reach + at + consent)
        has_others = any(value for _, value in others)
        self.query_one("#details", Static).update(
            Facts([others]) if has_others else "No other details."
        )
        notes = self.query_one("#notes", Static)
        notes.update(Text.assemble(("Notes: ", "dim"), carer.notes or ""))
        notes.display = bool(carer.notes)
        self.roles = list(carer.roles)
        rows = []
        for role in self.roles:
            conditions = ", ".join(
                codes.label(codes.CONDITION, c) for c in (role.conditions or "").split(";") if c
            )
            rows.append(
                (
                    codes.label(codes.RELATIONSHIP, role.relationship_),
                    codes.label(codes.CARED_FOR_AGE_BAND, role.cared_for_age_band),
                    conditions,
                    _shown(role.lives_with_carer, None),
                    _shown(role.started_on, None),
                    _shown(role.ended_on, None),
                )
            )
        self.query_one("#roles", RolesPanel).show(rows)
        active = sum(role.active_on(today) for role in self.roles)
        self.query_one("#roles-title", Label).update(
            f"Caring roles: {len(self.roles)} ({active} active)"
            + self._keys("R adds, Enter changes", Can.EDIT)
        )
        self._show_cards(carer, today)
        self._show_referrals(carer)
        self._show_consents(carer)
        rows = []
        self.contacts = list(carer.contacts)
        for contact in self.contacts:
            support = ", ".join(
                codes.label(codes.SUPPORT, s) for s in contact.support.split(";") if s
            )
            rows.append(
                (
                    _shown(contact.contact_on, None),
                    contact.contact_time.strftime("%H:%M") if contact.contact_time else "",
                    codes.label(codes.CHANNEL, contact.channel),
                    support,
                    str(contact.minutes or ""),
                    contact.staff or "",
                )
            )
        self.query_one("#contacts", ContactsPanel).show(rows)
        self.query_one("#contacts-title", Label).update(
            f"Contacts: {len(carer.contacts)} · C logs a new one"
            + self._keys("Enter changes", Can.EDIT, ",")
        )
        from carerdesk.core.validate import local_time  # shown at the desk's time, not UTC

        created = local_time(carer.created_at).strftime("%d/%m/%Y %H:%M")
        updated = local_time(carer.updated_at).strftime("%d/%m/%Y %H:%M")
        self.query_one("#stamps", Static).update(
            f"Created {created} by {carer.created_by or 'unknown'} · "
            f"last changed {updated} by {carer.updated_by or 'unknown'}"
        )

    def _show_cards(self, carer: CarerView, today: date) -> None:
        from carerdesk.db.cards import status_on

        self.cards = sorted(carer.cards, key=lambda card: card.issued_on, reverse=True)
        table = self.query_one("#cards", CardsPanel)
        rows = []
        for card in self.cards:
            status = codes.label(codes.CARD_STATUS, status_on(card, today))
            if card.status == "cancelled" and card.cancel_reason:
                status += f": {card.cancel_reason}"
            rows.append(
                (
                    codes.label(codes.CARD_TYPE, card.card_type),
                    card.card_number,
                    _shown(card.issued_on, None),
                    _shown(card.expires_on, None),
                    status,
                )
            )
        table.show(rows)
        table.display = bool(self.cards)
        active = sum(status_on(card, today) == "active" for card in self.cards)
        self.query_one("#cards-title", Label).update(
            f"Cards: {active} active"
            + self._keys("V view, P print, K cancel, I issue, M emergency contacts")
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
        from carerdesk.dialogs.issue_card import IssueCardModal

        today = self.app.today()
        specs = issue_fields(self.born, today)
        offered = types_offered(self.born, today)
        with self.app.unit_of_work(write=False) as session:
            user = self.app.user
            reasons = {
                kind: (
                    cards.suggested_reason(session, self.carer_id, kind, today, by=user),
                    cards.reasons_allowed(session, self.carer_id, kind, by=user),
                )
                for kind in offered
            }

        def save(texts: dict[str, str]) -> str:
            from carerdesk.core.errors import NoEmergencyContact

            values = check_all(specs, texts, today)
            try:
                return self._issue(values["card_type"], values["issue_reason"])
            except NoEmergencyContact:
                # Its contacts are asked for once this form is closed (``_card_done``).
                self.emergency_card_reason = values["issue_reason"]
                return ""

        modal = IssueCardModal(
            f"Issue a card to {self.carer_name}", specs, save, reasons=reasons, first=offered[0]
        )
        self.app.push_screen(modal, self._card_done)

    def _issue(self, card_type: str, reason: str) -> str:
        """Issue the card (one transaction), start writing its PDF, and say what was issued."""
        from carerdesk.db import cards

        with self.app.unit_of_work() as session:
            card = cards.issue_card(
                session, self.carer_id, card_type, reason, by=self.app.user, today=self.app.today()
            )
            number, expires, card_id = card.card_number, card.expires_on, card.id
        self._print(card_id, number, f"Card {number} is issued, but its PDF", offer=False)
        return f"Issued {number}, valid to {expires:%d/%m/%Y}."

    def _issue_emergency(self, saved: str | None, reason: str) -> None:
        """Once the emergency contacts are saved, issue the emergency card asked for."""
        if saved is None:
            self.notify(
                "No emergency card issued: it needs an emergency contact (M adds one).",
                severity="warning",
            )
            self.reload()
            return
        try:
            issued = self._issue("emergency_card", reason)
        except CarerdeskError as error:
            self.notify(f"{saved} {error.message}", severity="warning", timeout=15)
            self.reload()
            return
        self._card_done(f"{saved} {issued}")

    def _card_done(self, message: str | None) -> None:
        if self.emergency_card_reason is not None:
            # The emergency card prints its emergency contacts: ask for them, then issue it.
            reason, self.emergency_card_reason = self.emergency_card_reason, None
            self.notify(
                "An emergency card prints their emergency contacts: add at least one, and "
                "Ctrl+S saves them and issues the card.",
                timeout=15,
            )
            self._emergency_form(lambda saved: self._issue_emergency(saved, reason))
            return
        if message:
            self.notify(message, timeout=15)
        self.reload()

    def _print(self, card_id: str, number: str, what: str = "", *, offer: bool = True) -> None:
        """Write the card's PDF, front and back, away from the screen (``what``: the words for
        it should it fail, saying what was saved before, which stays saved); then, with
        ``offer``, offer to send it to the printer or open it."""
        from carerdesk.export.cards import card_pdf, card_print

        def write(by: Actor) -> str:
            with self.app.unit_of_work(write=False) as session:
                printed = card_print(session, card_id, by)
            path = output_dir("cards") / f"{printed.card_number}.pdf"
            write_private(path, card_pdf(printed))
            return str(path) if offer else f"Card {number} to print: {path}"

        def offer_printer(path: str) -> None:
            from pathlib import Path

            from carerdesk.dialogs.printed import PrintModal

            self.app.push_screen(PrintModal(f"Card {number}", Path(path)))

        self._write_file(
            write, what or f"The PDF of card {number}", "P", then=offer_printer if offer else None
        )

    def _write_file(
        self,
        write: Callable[[Actor], str],
        what: str,
        again: str,
        then: Callable[[str], None] | None = None,
    ) -> None:
        """Run ``write`` (a card's or a form's file) in a worker, then say where the file is,
        or, when the folder cannot be written to, what was not written and how to try again.

        The one path of every PDF the record writes. Any other error is unexpected: the
        application's failure handling takes it. ``then``, when given, is called with what
        ``write`` returned instead of showing it.
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
            if then is not None:
                self.app.call_from_thread(then, done)
                return
            self.app.call_from_thread(self.app.notify, done, timeout=15)

        self.run_worker(in_thread, thread=True, group="files", description="write a file")

    def action_print_card(self) -> None:
        """Write the chosen card as a PDF, front and back, to print."""
        card = self._chosen_card()
        if card is None or not self.app.allowed(Can.ISSUE_CARDS):
            return
        self._print(card.id, card.card_number)

    @on(DataTable.RowSelected, "#cards")
    def _view_chosen_card(self, event: DataTable.RowSelected) -> None:
        self.action_view_card()

    def action_view_card(self) -> None:
        """Show the chosen card as it prints, front and back; P there prints it."""
        card = self._chosen_card()
        if card is None or not self.app.allowed(Can.ISSUE_CARDS):
            return
        from carerdesk.dialogs.card_preview import CardPreviewModal
        from carerdesk.export.cards import card_print

        try:
            with self.app.unit_of_work(write=False) as session:
                printed = card_print(session, card.id, self.app.user)
        except CarerdeskError as error:
            self.notify(error.message, severity="warning", timeout=15)
            return
        card_id, number = card.id, card.card_number

        def chosen(answer: str | None) -> None:
            if answer == "print":
                self._print(card_id, number)

        self.app.push_screen(CardPreviewModal(printed), chosen)

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
        table = self.query_one("#referrals", ReferralsPanel)
        table.show(
            [
                (
                    self.service_names.get(referral.destination, referral.destination),
                    codes.label(codes.REFERRAL_STATUS, referral.status),
                    codes.label(codes.URGENCY, referral.urgency),
                    _shown(referral.made_on, None),
                    _shown(referral.closed_on, None),
                )
                for referral in self.referrals
            ]
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

    def _show_consents(self, carer: CarerView) -> None:
        """Their consent history, newest first, for someone who may see their details."""
        from carerdesk.db.consents import consent_history

        history = self.query_one("#consents", Static)
        title = self.query_one("#consents-title", Label)
        history.display = title.display = carer.full
        if not carer.full:
            return
        with self.app.unit_of_work(write=False) as session:
            entries = consent_history(session, carer.id, by=self.app.user)
        title.update(
            f"Consents: {len(entries)} {'entry' if len(entries) == 1 else 'entries'}"
            + self._keys("N records one", Can.EDIT)
            if entries
            else "Consents: no entries" + self._keys("N records one", Can.EDIT)
        )
        history.update(consent_lines(entries))
        history.display = bool(entries)

    def action_consent(self) -> None:
        """Record a consent given or withdrawn, and how they told us."""
        if not self.app.allowed(Can.EDIT):
            return
        from carerdesk.core.consents import CONSENT_FIELDS, check_consent
        from carerdesk.db.consents import record_consent
        from carerdesk.dialogs.form_modal import FormModal

        today = self.app.today()
        closed: list[bool] = []

        def save(texts: dict[str, str]) -> str:
            entry = check_consent(texts, today)
            with self.app.unit_of_work() as session:
                done = record_consent(session, self.carer_id, entry, by=self.app.user, today=today)
            closed.append(done.closed)
            what = codes.label(codes.CONSENT, entry.consent)
            given = codes.label(codes.CONSENT_GIVEN, field_text(entry.given)).lower()
            return f"Consent saved: {what.lower()}, {given}."

        def saved(message: str | None) -> None:
            self._card_done(message)
            if any(closed):
                self._offer_erasure()

        modal = FormModal(
            f"Consent of {self.carer_name}",
            CONSENT_FIELDS,
            save,
            values={"date": field_text(today)},
            draft="a consent form",
        )
        self.app.push_screen(modal, saved)

    def _offer_erasure(self) -> None:
        """They withdrew consent to keep their details, so the record is closed: a coordinator
        is offered its erasure at once (``z`` on the record), anyone else told who
        may erase it."""
        erase = getattr(self, "action_erase", None)
        if self.app.user.may(Can.ERASE) and callable(erase):
            from carerdesk.dialogs.confirm import ConfirmModal

            def answered(yes: bool | None) -> None:
                if yes:
                    erase()

            question = (
                "They withdrew consent to keep their details, so the record is closed. "
                "Erase it now?"
            )
            self.app.push_screen(ConfirmModal(question, "Erase"), answered)
            return
        self.notify(
            "The record is closed: they withdrew consent to keep their details. "
            "A coordinator can now erase this record (z on the record).",
            timeout=20,
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
            write_private_text(stem.with_suffix(".txt"), form.text())
            write_private(stem.with_suffix(".pdf"), form_pdf(form))
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
        self._emergency_form(self._card_done)

    def _emergency_form(self, done: Callable[[str | None], None]) -> None:
        """Open the emergency contacts form; ``done`` gets what was saved, or None."""
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
        self.app.push_screen(modal, done)

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

    def action_subject_access(self) -> None:
        """Everything held about this carer, for them: asks where to write it."""
        if not self.app.allowed(Can.SUBJECT_ACCESS):
            return
        from carerdesk.dialogs.access import SubjectAccessModal

        self.app.push_screen(SubjectAccessModal(self.carer_id, self.carer_name))

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

    def action_erase(self) -> None:
        """Erase this carer's record for good (coordinator only): the reference typed again
        and a reason, then back to where it was opened from. Called after a withdrawal of
        consent to store, too."""
        if not self.app.allowed(Can.ERASE) or not self.reference:
            return
        from carerdesk.dialogs.erase import EraseModal

        reference, actor = self.reference, self.app.user

        def erase(typed: str, reason: str) -> str:
            from carerdesk.db.erasure import erase_carer

            with self.app.unit_of_work() as session:
                done = erase_carer(
                    session, reference, confirm=typed, reason=reason, by=actor,
                    today=self.app.today(),
                )  # fmt: skip
            moved = (
                f" It moved figures of {', '.join(done.weeks_moved)}." if done.weeks_moved else ""
            )
            return f"{done.reference} is erased: nothing of them can be found now.{moved}"

        def erased(said: str | None) -> None:
            if said:
                self.notify(said)
                self.dismiss()

        what = f"the record of {self.carer_name} ({reference})"
        self.app.push_screen(EraseModal(what, reference, erase), erased)

    def action_back(self) -> None:
        """Back to where the record was opened from."""
        self.dismiss()
