"""The registration form: a new carer with their caring roles, or a carer's details edited.

Fields are grouped, required ones marked ``*``, each checked as the person leaves it, and the
carer type shows as soon as a date of birth is typed. Before a new carer is saved the
register is asked for anyone who may be the same person. A refused save keeps every keystroke.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import DataTable, Header, Input, Label, Static

from carerdesk.core import codes
from carerdesk.core.entries import (
    CARER_FIELDS,
    WHO,
    CarerEntry,
    FieldSpec,
    RoleEntry,
    carer_type,
    check_carer,
    entry_values,
    field_text,
    form_rows,
)
from carerdesk.core.errors import CarerdeskError, EditConflict, FieldError, InvalidEntry
from carerdesk.core.validate import age_on, format_phone, parse_birth_date
from carerdesk.dialogs.confirm import KeepsTypedWork
from carerdesk.widgets.footer import DeskFooter
from carerdesk.widgets.form_field import FormField, FormScroll, form_texts, show_errors

if TYPE_CHECKING:
    from carerdesk.db.views import CarerView
    from carerdesk.widgets.desk import DeskApp


def carer_texts(carer: CarerView) -> dict[str, str]:
    """A carer's stored values as a form shows them (UK dates, national phone numbers)."""
    texts = {name: field_text(getattr(carer, name)) for name in CARER_FIELDS}
    texts["phone"] = format_phone(carer.phone)
    texts["mobile"] = format_phone(carer.mobile)
    return texts


def shown_value(name: str, value: object) -> str:
    """A stored carer value as a person reads it: a national phone number, a UK date, yes or
    no, a code's label."""
    if name in ("phone", "mobile"):
        return format_phone(value if isinstance(value, str) else None)
    text = " ".join(field_text(value).split())
    spec = CARER_FIELDS.get(name)
    if isinstance(value, str) and text and spec is not None and spec.choices is not None:
        return codes.label(spec.choices, text)
    return text


def start_texts(typed: str, today: date) -> dict[str, str]:
    """A new form's first values, carrying over what was typed in the search box."""
    texts = {"registered_on": today.strftime("%d/%m/%Y"), "registered_at": "drop_in"}
    words = typed.split()
    if words and not any(ch.isdigit() for ch in typed):
        texts["first_name"] = words[0].capitalize() if words[0].islower() else words[0]
        if len(words) > 1:
            last = " ".join(words[1:])
            texts["last_name"] = last.title() if last.islower() else last
    elif sum(ch.isdigit() for ch in typed) >= 10:
        texts["phone"] = typed.strip()
    return texts


class RegisterScreen(KeepsTypedWork, Screen[None]):
    """Register a new carer, or edit one (``carer_id`` given)."""

    CSS_PATH = "register.tcss"
    BINDINGS = [
        Binding("ctrl+s", "save", "Save", priority=True, tooltip="Check and save"),
        Binding("ctrl+r", "add_role", "Add caring role", tooltip="Add whom they care for"),
        Binding("escape", "back", "Back", tooltip="Leave the form"),
    ]

    app: DeskApp

    def __init__(self, *, start: str = "", carer_id: str | None = None) -> None:
        super().__init__()
        self.start = start
        self.carer_id = carer_id
        self.roles: list[RoleEntry] = []
        self.first_texts: dict[str, str] = {}
        self.specs: dict[str, FieldSpec] = dict(CARER_FIELDS)
        self.reference = ""
        self.draft = "a registration form" if carer_id is None else "changes to a carer's details"
        self.opened: dict[str, Any] = {}
        """The stored values the edit form was opened with."""
        self.version: int | None = None
        """The carer's version the edit form was opened with."""

    def _load(self) -> dict[str, str]:
        from carerdesk.db.carers import get_carer, ward_list

        with self.app.unit_of_work(write=False) as session:
            names = ward_list(session)
            if names:
                self.specs["ward"] = FieldSpec(
                    "Ward", CARER_FIELDS["ward"].parse, choices={n: n for n in names}
                )
            if self.carer_id is None:
                texts = start_texts(self.start, self.app.today())
                if self.app.event is not None:
                    texts["registered_at"] = "event"
                return texts
            carer = get_carer(session, self.carer_id, by=self.app.user, today=self.app.today())
            self.reference = carer.reference
            # What the form was opened with: a save sends only what the person changed, and
            # says when someone else changed the same field since.
            self.opened = {name: getattr(carer, name) for name in CARER_FIELDS}
            self.version = carer.version
            return carer_texts(carer)

    def compose(self) -> ComposeResult:
        texts = self._load()
        self.first_texts = texts
        yield Header()
        title = f"Edit {self.reference}" if self.carer_id else "Register a new carer"
        with FormScroll(id="form"):
            yield Label(f"{title}  (* needed)", id="form-title")
            short = self.app.event is not None and self.carer_id is None
            # The short form at an event asks who they are, a way to reach them and consent;
            # the rest is asked when they first come to the centre.
            for heading, rows in form_rows(event=short):
                yield Label(heading, classes="section-title")
                for row in rows:
                    with Horizontal(classes="row"):
                        for name in row:
                            yield FormField(
                                name,
                                self.specs[name],
                                self.specs,
                                value=texts.get(name, ""),
                                today=self.app.today,
                            )
                if heading == WHO:
                    yield Static("", id="carer-type")
            if self.carer_id is None:
                yield Label("Caring roles", classes="section-title")
                yield Label("Ctrl+R adds whom they care for.", id="roles-hint", classes="hint")
                roles: DataTable[str] = DataTable(id="roles", cursor_type="row")
                yield roles
        yield DeskFooter()

    def on_mount(self) -> None:
        if self.carer_id is None:
            table = self.query_one("#roles", DataTable)
            table.add_columns("Cares for their", "Age", "Conditions", "Lives with them")
            table.display = False
        self._show_carer_type(self.first_texts.get("date_of_birth", ""))
        first = self.query_one("#field-first-name Input", Input)
        # The names typed in the search box carry over: the cursor follows them, so the next
        # key adds to the name rather than replacing it (an Input selects all when focused).
        first.select_on_focus = False
        first.focus()
        first.cursor_position = len(first.value)

    def on_descendant_blur(self, event: events.DescendantBlur) -> None:
        if isinstance(event.widget, Input):
            event.widget.select_on_focus = True  # as every other field, once left

    @on(Input.Changed, "#field-date-of-birth Input")
    def _birth_date_typed(self, event: Input.Changed) -> None:
        self._show_carer_type(event.value)

    def _show_carer_type(self, text: str) -> None:
        label = self.query_one("#carer-type", Static)
        today = self.app.today()
        try:
            born = parse_birth_date(text, today)
        except FieldError:
            label.update("")
            return
        kind = codes.label(codes.CARER_TYPE, carer_type(born, today))
        label.update(f"{kind}, aged {age_on(born, today)}")

    def action_add_role(self) -> None:
        """Add a caring role (new registrations; a record adds them itself)."""
        if self.carer_id is not None:
            self.notify("Add caring roles from the carer's record.")
            return
        from carerdesk.dialogs.role import RoleModal

        self.app.push_screen(RoleModal(), self._role_added)

    def _role_added(self, role: RoleEntry | None) -> None:
        if role is None:
            return
        self.roles.append(role)
        table = self.query_one("#roles", DataTable)
        table.display = True
        table.add_row(*role_row(role))
        self.query_one("#roles-hint", Label).update(
            f"{len(self.roles)} caring role(s). Ctrl+R adds another."
        )

    def _entry(self) -> CarerEntry | None:
        try:
            return check_carer(form_texts(self), self.app.today())
        except InvalidEntry as error:
            show_errors(self, error.errors)
            self.notify(error.message, severity="warning")
            return None

    def action_save(self) -> None:
        """Check every field, look for possible duplicates, then save as one transaction."""
        entry = self._entry()
        if entry is None:
            return
        from carerdesk.db.carers import possible_duplicates

        try:
            with self.app.unit_of_work(write=False) as session:
                found = possible_duplicates(
                    session, entry, by=self.app.user, exclude_id=self.carer_id
                )
        except CarerdeskError as error:
            self.notify(error.message, severity="error")
            return
        if found and self.carer_id is None:
            from carerdesk.dialogs.duplicates import DuplicateModal

            self.app.push_screen(
                DuplicateModal(found), lambda choice: self._after_duplicates(entry, choice)
            )
            return
        self._save(entry)

    def _after_duplicates(self, entry: CarerEntry, choice: str | None) -> None:
        if choice == "new":
            self._save(entry)
        elif choice:
            from carerdesk.screens.carer import CarerScreen

            self.app.switch_screen(CarerScreen(choice))

    def changes(self, entry: CarerEntry) -> dict[str, Any]:
        """The checked values of the fields whose text differs from what the form was opened
        with: all an edit saves (a field left as it was, or not on the form, is not sent)."""
        values, typed = entry_values(entry), form_texts(self)
        return {
            name: values[name] for name in typed if typed[name] != self.first_texts.get(name, "")
        }

    def _save(self, entry: CarerEntry) -> None:
        if self.carer_id is not None:
            changes = self.changes(entry)
            was = {name: self.opened.get(name) for name in changes}
            self._update(changes, was, self.version)
            return
        from carerdesk.db.carers import register_carer

        try:
            with self.app.unit_of_work() as session:
                carer = register_carer(
                    session, entry, self.roles, by=self.app.user, today=self.app.today()
                )
        except FieldError as error:
            show_errors(self, {error.field: error.message})
            self.notify(error.message, severity="warning")
            return
        except CarerdeskError as error:
            self.notify(error.message, severity="error")
            return
        from carerdesk.screens.carer import CarerScreen

        self.notify(f"Registered {carer.first_name} {carer.last_name} as {carer.reference}.")
        self.app.switch_screen(CarerScreen(carer.id))

    def _update(self, changes: dict[str, Any], was: dict[str, Any], version: int | None) -> None:
        """Save the changed fields over ``version``; when someone else changed one of them
        since, show both values and save what the person chooses."""
        from carerdesk.db.carers import update_carer

        assert self.carer_id is not None
        try:
            with self.app.unit_of_work() as session:
                carer = update_carer(
                    session, self.carer_id, changes, by=self.app.user, version=version, was=was
                )
                reference = carer.reference
        except EditConflict as conflict:
            self._ask(changes, was, conflict)
            return
        except FieldError as error:
            show_errors(self, {error.field: error.message})
            self.notify(error.message, severity="warning")
            return
        except CarerdeskError as error:
            self.notify(error.message, severity="error")
            return
        self.notify(f"Saved the changes to {reference}.")
        self.dismiss()

    def _ask(self, changes: dict[str, Any], was: dict[str, Any], conflict: EditConflict) -> None:
        from carerdesk.dialogs.conflict import THEIRS, ConflictModal

        rows = [
            (name, self.specs[name].label, shown_value(name, mine), shown_value(name, theirs))
            for name, (mine, theirs) in conflict.clashes.items()
        ]

        def chosen(keep: dict[str, str] | None) -> None:
            if keep is None:
                self.notify("Nothing was saved: your changes are still in the form.")
                return
            settled = {name: value for name, value in changes.items() if keep.get(name) != THEIRS}
            # Theirs is now what the form's save is measured against.
            now = {**was, **{name: theirs for name, (_, theirs) in conflict.clashes.items()}}
            self._update(settled, now, conflict.version)

        self.app.push_screen(ConflictModal(conflict.message, rows), chosen)

    def has_typed_work(self) -> bool:
        """Whether anything was typed or a caring role added since the form opened."""
        return bool(self.roles) or super().has_typed_work()

    def action_back(self) -> None:
        """Leave the form, asking first when anything typed would be lost."""
        self.leave_asking(self.dismiss)


def role_row(role: RoleEntry) -> tuple[str, str, str, str]:
    """A caring role as a table row."""
    lives = {True: "yes", False: "no", None: ""}[role.lives_with_carer]
    conditions = ", ".join(codes.label(codes.CONDITION, c) for c in role.conditions)
    return (
        codes.label(codes.RELATIONSHIP, role.relationship),
        codes.label(codes.CARED_FOR_AGE_BAND, role.cared_for_age_band),
        conditions,
        lives,
    )
