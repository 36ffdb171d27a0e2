"""The front desk's home: one search box, results as you type, and today's contacts.

Searches run in a worker thread; a newer keystroke cancels the older search, and a result
that arrives for anything but what the box now says is dropped, so typing never stutters.
Only SQLAlchemy-free modules are imported at the top: this screen is drawn before the
register is open.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Header, Input, Label
from textual.worker import get_current_worker

from carerdesk.core import codes
from carerdesk.core.entries import carer_type
from carerdesk.core.errors import CarerdeskError
from carerdesk.core.permissions import Can
from carerdesk.core.text import inert
from carerdesk.core.validate import age_on
from carerdesk.widgets.desk import role_allows
from carerdesk.widgets.fitted_table import Column, FittedTable
from carerdesk.widgets.footer import DeskFooter
from carerdesk.widgets.result_list import ResultList
from carerdesk.widgets.search_box import SearchBox
from carerdesk.widgets.status_line import StatusLine

if TYPE_CHECKING:
    from carerdesk.core.permissions import Actor
    from carerdesk.db.accounts import Organisation
    from carerdesk.db.carers import ContactLine
    from carerdesk.db.events import EventInfo
    from carerdesk.db.reads import BulkRead
    from carerdesk.db.search import CarerHit
    from carerdesk.widgets.desk import DeskApp


def describe_age(born: date, today: date) -> str:
    """``45, adult carer``: the age and carer type a desk needs at a glance (someone who may
    see only the age band gets the search's ``age_band`` instead: never the birth date)."""
    kind = codes.label(codes.CARER_TYPE, carer_type(born, today)).lower()
    return f"{age_on(born, today)}, {kind}"


IDLE_HINT = "Type to search. F2 registers a new carer."
RESULT_COLUMNS = (("Ref", 8), ("Name", 22), ("Age", 21), ("Postcode", 8), ("Status", 6))


class HomeScreen(Screen[None]):
    """Find a carer in a keystroke or two, register a new one, or log a contact."""

    CSS_PATH = "home.tcss"
    BINDINGS = [
        Binding("f2", "register", "New carer", tooltip="Register a new carer"),
        Binding("f3", "log_contact", "Log contact", tooltip="Log a contact with the chosen carer"),
        Binding("f4", "anonymous", "Anonymous", tooltip="Log a contact with someone unnamed"),
        Binding("escape", "clear", "Clear", tooltip="Clear the search and start again"),
        # The coordinator's keys: out of the footer (the desk's own keys need the room), in
        # F1's list and the command palette; hidden altogether from anyone who may not use
        # them (check_action).
        Binding("f5", "returns", "Returns", show=False, tooltip="The weekly return"),
        Binding("f6", "import_files", "Import", show=False, tooltip="Import register files"),
        Binding("f7", "accounts", "Accounts", show=False, tooltip="Staff accounts"),
        Binding("f8", "audit", "Audit trail", show=False, tooltip="Who saw and changed what"),
        Binding("f9", "export", "Export", show=False, tooltip="Export the whole register"),
        Binding("f10", "follow_ups", "Follow-ups", show=False, tooltip="Referrals and renewals"),
        Binding(
            "f11", "retention", "Retention", show=False, tooltip="Records kept past the period"
        ),
        Binding("f12", "duplicates", "Duplicates", show=False, tooltip="Merge duplicate records"),
        Binding("down", "to_results", "Results", show=False),
    ]

    RIGHTS: ClassVar[dict[str, Can]] = {
        "register": Can.REGISTER,
        "log_contact": Can.LOG_CONTACT,
        "anonymous": Can.LOG_CONTACT,
        "returns": Can.MAKE_RETURN,
        "import_files": Can.IMPORT,
        "accounts": Can.MANAGE_USERS,
        "audit": Can.VIEW_AUDIT,
        "export": Can.EXPORT,
        "follow_ups": Can.REFER,
        "duplicates": Can.MERGE,
        "retention": Can.ERASE,
    }
    """The right each key needs: a key the person may not use is hidden."""

    app: DeskApp

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Hide the keys the signed-in person's role may not use."""
        return role_allows(self.app, self.RIGHTS, action)

    def __init__(self) -> None:
        super().__init__()
        self.hits: list[CarerHit] = []
        self.shown_query = ""
        self._asked: tuple[str, Actor] | None = None
        """The latest search asked for, and who asked: read by the search worker."""

    def compose(self) -> ComposeResult:
        yield Header()
        yield SearchBox(
            placeholder="Find a carer: name, reference, phone or postcode",
            id="carer-search",
        )
        yield StatusLine(IDLE_HINT, id="search-status")
        yield ResultList(RESULT_COLUMNS, id="results")
        yield Label("Today's contacts", id="today-title", classes="section-title")
        yield FittedTable(
            Column("Time"),
            Column("Who"),
            Column("Channel", rank=2),
            Column("Support", rank=1, least=12),
            id="today",
            cursor_type="row",
        )
        yield DeskFooter()

    def on_mount(self) -> None:
        self.query_one("#carer-search", Input).focus()
        self.watch(self.app, "ready", self._register_ready, init=True)

    def _register_ready(self, ready: bool) -> None:
        if ready:
            self.refresh_today()
            self.search(self.query_one("#carer-search", Input).value)
            if self.app.actor is not None and self.app.actor.may(Can.VIEW_AUDIT):
                self._tell_bulk_reads(self.app.actor)

    @work(thread=True, group="bulk-reads", description="find reading in bulk")
    def _tell_bulk_reads(self, actor: Actor) -> None:
        """Tell the coordinator, as they start, who read in bulk in the last week."""
        from carerdesk.db import reads

        try:
            with self.app.unit_of_work(write=False) as session:
                found = reads.bulk_reads(session, by=actor)
        except CarerdeskError:
            return  # the audit trail still has them
        if found:
            self.app.call_from_thread(self._show_bulk_reads, found)

    def _show_bulk_reads(self, found: list[BulkRead]) -> None:
        lines = [f"{inert(read.name)}: {inert(read.detail)}" for read in found[:3]]
        more = f"\n... and {len(found) - 3} more." if len(found) > 3 else ""
        self.notify(
            "\n".join(lines) + more + "\nSee the audit trail (F8).",
            title="Reading in bulk in the last week",
            severity="warning",
            timeout=60,
            markup=False,
        )

    def on_screen_resume(self) -> None:
        # Back from a record or a form: what was saved there shows here.
        if self.app.ready:
            self.refresh_today()
            self.search(self.query_one("#carer-search", Input).value)

    @on(Input.Changed, "#carer-search")
    def _typed(self, event: Input.Changed) -> None:
        self.search(event.value)

    def search(self, text: str) -> None:
        """Start a search for ``text`` (an empty box clears the results)."""
        if not text.strip():
            self.show_results(text, [])
            return
        if self.app.ready and self.app.actor is not None:
            # Who is searching is read here, on the UI thread: a lock may come mid-search. The
            # text and the searcher reach the worker through the screen, never as its
            # arguments: Textual writes a worker's arguments into its description.
            self._asked = (text, self.app.actor)
            self._search()

    @work(thread=True, exclusive=True, group="search", description="search the register")
    def _search(self) -> None:
        from carerdesk.db.search import find_carers

        worker = get_current_worker()
        asked = self._asked
        if asked is None:
            return
        text, actor = asked
        try:
            # A write: every search is in the audit trail and counted towards reading in bulk.
            with self.app.unit_of_work() as session:
                hits = find_carers(session, text, by=actor, today=self.app.today())
        except CarerdeskError as error:
            self.app.call_from_thread(self.notify, error.message, severity="error")
            return
        if not worker.is_cancelled:
            self.app.call_from_thread(self.show_results, text, hits)

    def show_results(self, text: str, hits: list[CarerHit]) -> None:
        """Fill the results table, unless the box has moved on to another query."""
        if text != self.query_one("#carer-search", Input).value:
            return
        self.hits = hits
        self.shown_query = text
        today = self.app.today()
        rows = []
        closed = set()
        for index, hit in enumerate(hits):
            name = f"{hit.first_name} {hit.last_name}"
            if hit.preferred_name:
                name += f" ({hit.preferred_name})"
            if hit.status == "closed":
                closed.add(index)
            rows.append(
                (
                    hit.reference,
                    name,
                    describe_age(hit.date_of_birth, today) if hit.date_of_birth else hit.age_band,
                    hit.postcode or "",
                    "CLOSED" if hit.status == "closed" else "active",
                )
            )
        self.query_one("#results", ResultList).show(rows, frozenset(closed))
        status = self.query_one("#search-status", StatusLine)
        if not text.strip():
            status.message = IDLE_HINT
        elif not hits and (problem := _card_number_problem(text, self.app.organisation)):
            status.message = problem
        elif not hits:
            status.message = "Nobody found. Check the spelling, or press F2 to register them."
        else:
            # One line at 80 columns: what F3 does must not be the part that is cut.
            found = "Best 20 shown: type more" if len(hits) >= 20 else f"{len(hits)} found"
            status.message = f"{found}. ↓ chooses, Enter opens, F3 logs a contact."

    def refresh_today(self) -> None:
        """Reload the list of today's contacts."""
        self._load_today()

    @work(thread=True, exclusive=True, group="today", description="load today's contacts")
    def _load_today(self) -> None:
        from carerdesk.db.carers import contacts_on

        try:
            with self.app.unit_of_work(write=False) as session:
                lines = contacts_on(session, self.app.today(), by=self.app.user)
                event = None
                if self.app.event is not None:
                    from carerdesk.db import events

                    event = events.event_info(session)
        except CarerdeskError as error:
            self.app.call_from_thread(self.notify, error.message, severity="error")
            return
        self.app.call_from_thread(self._show_today, lines, event)

    def _show_today(self, lines: list[ContactLine], event: EventInfo | None = None) -> None:
        if event is not None:
            self.app.event = event  # the running count, kept on the UI thread
        rows = []
        for line in lines:
            when = line.contact_time.strftime("%H:%M") if line.contact_time else ""
            who = f"{line.name} ({line.reference})" if line.reference else "Anonymous"
            support = ", ".join(
                codes.label(codes.SUPPORT, code) for code in line.support.split(";") if code
            )
            rows.append((when, who, codes.label(codes.CHANNEL, line.channel), support))
        self.query_one("#today", FittedTable).show(rows)
        title = f"Today's contacts: {len(lines)}"
        if not self.app.user.may(Can.SEE_DETAILS):
            title = f"Your contacts today: {len(lines)}"  # a volunteer sees only their own
        if (event := self.app.event) is not None:
            # The running count at an event, with what the event is.
            title = f"{event.name} ({event.venue}): {event.carers} registered · {title}"
        self.query_one("#today-title", Label).update(title)

    def _chosen(self) -> CarerHit | None:
        cursor = self.query_one("#results", ResultList).cursor
        if not self.hits or cursor >= len(self.hits):
            return None
        return self.hits[cursor]

    @on(Input.Submitted, "#carer-search")
    def _enter_in_box(self) -> None:
        self.open_chosen()

    @on(ResultList.Selected, "#results")
    def _row_selected(self) -> None:
        self.open_chosen()

    def open_chosen(self) -> None:
        """Open the chosen carer's record."""
        hit = self._chosen()
        if hit is None:
            self.notify("Search for a carer first, then choose one.", severity="warning")
            return
        from carerdesk.screens.carer import CarerScreen

        self.app.push_screen(CarerScreen(hit.id))

    def action_accounts(self) -> None:
        """Open the staff accounts (coordinator only)."""
        if self.app.allowed(Can.MANAGE_USERS) and self._need_register():
            from carerdesk.screens.users import UsersScreen

            self.app.push_screen(UsersScreen())

    def action_audit(self) -> None:
        """Open the audit trail (coordinator only)."""
        if self.app.allowed(Can.VIEW_AUDIT) and self._need_register():
            from carerdesk.screens.audit import AuditScreen

            self.app.push_screen(AuditScreen())

    def action_follow_ups(self) -> None:
        """Open referrals and cards due for renewal (staff and coordinators)."""
        if self.app.allowed(Can.REFER) and self._need_register():
            from carerdesk.screens.followups import FollowUpsScreen

            self.app.push_screen(FollowUpsScreen())

    def action_duplicates(self) -> None:
        """Open the probable duplicates, to merge (coordinator only)."""
        if self.app.allowed(Can.MERGE) and self._need_register():
            from carerdesk.screens.merge import DuplicatesScreen

            self.app.push_screen(DuplicatesScreen())

    def action_retention(self) -> None:
        """Open the retention review: records idle past the period (coordinator only)."""
        if self.app.allowed(Can.ERASE) and self._need_register():
            from carerdesk.screens.retention import RetentionScreen

            self.app.push_screen(RetentionScreen())

    def action_returns(self) -> None:
        """Open the weekly return (coordinator only)."""
        if self.app.allowed(Can.MAKE_RETURN) and self._need_register():
            from carerdesk.screens.returns import ReturnsScreen

            self.app.push_screen(ReturnsScreen())

    def action_import_files(self) -> None:
        """Import register files (coordinator only: anyone else is told why not)."""
        if self.app.allowed(Can.IMPORT) and self._need_register():
            from carerdesk.screens.import_files import ImportModal

            self.app.push_screen(ImportModal(), lambda _: self.refresh_today())

    def action_export(self) -> None:
        """Export the whole register (coordinator only: anyone else is told why not)."""
        if self.app.allowed(Can.EXPORT) and self._need_register():
            from carerdesk.dialogs.export import ExportModal

            self.app.push_screen(ExportModal())

    def action_to_results(self) -> None:
        """Move from the search box to the results."""
        if self.hits:
            self.query_one("#results", ResultList).focus()

    def action_clear(self) -> None:
        """Clear the search and put the cursor back in the box."""
        box = self.query_one("#carer-search", Input)
        box.value = ""
        box.focus()

    def action_register(self) -> None:
        """Open the registration form, starting from the names typed in the box."""
        if not self._need_register():
            return
        from carerdesk.screens.register import RegisterScreen

        self.app.push_screen(RegisterScreen(start=self.query_one("#carer-search", Input).value))

    def action_log_contact(self) -> None:
        """Log a contact with the chosen carer."""
        hit = self._chosen()
        if hit is None:
            self.notify("Choose a carer in the results first.", severity="warning")
            return
        results = self.query_one("#results", ResultList)
        if len(self.hits) > 1 and not results.has_focus:
            # The top result is only the best guess: with two Andrea Smiths, a contact logged
            # on it from the box lands on whoever came first.
            results.focus()
            self.notify(
                f"{len(self.hits)} found: choose one with ↑ ↓, then F3 again.", severity="warning"
            )
            return
        if not self._need_register():
            return
        from carerdesk.dialogs.contact import ContactModal

        name = f"{hit.first_name} {hit.last_name} ({hit.reference})"
        self.app.push_screen(ContactModal(hit.id, name), self._contact_saved)

    def action_anonymous(self) -> None:
        """Log a contact with someone who would rather not give their details."""
        if not self._need_register():
            return
        from carerdesk.dialogs.contact import ContactModal

        self.app.push_screen(ContactModal(None, "Anonymous"), self._contact_saved)

    def _contact_saved(self, saved: object) -> None:
        if saved:
            self.refresh_today()

    def _need_register(self) -> bool:
        if not self.app.ready:
            self.notify("The register is still opening: try again in a moment.")
        return self.app.ready


def _card_number_problem(text: str, organisation: Organisation | None) -> str | None:
    """A slip of the keyboard in one of the organisation's own card numbers; a number of
    another scheme (an imported card) has no check digit carerdesk knows."""
    from carerdesk.core.cards import card_number_problem

    return card_number_problem(text, organisation.card_prefix if organisation else None)
