"""The registration form: a new carer with their caring roles, or a carer's details edited.

Fields are grouped, required ones marked ``*``, each checked as the person leaves it, and the
carer type shows as soon as a date of birth is typed. Before a new carer is saved the
register is asked for anyone who may be the same person. A refused save keeps every keystroke.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Header, Input, Label, Static

from carerdesk.core import codes
from carerdesk.core.entries import (
    CARER_FIELDS,
    CarerEntry,
    FieldSpec,
    RoleEntry,
    carer_type,
    check_carer,
    field_text,
)
from carerdesk.core.errors import CarerdeskError, FieldError, InvalidEntry
from carerdesk.core.validate import age_on, format_phone, parse_birth_date
from carerdesk.widgets.footer import DeskFooter
from carerdesk.widgets.form_field import FormField, form_texts, show_errors

if TYPE_CHECKING:
    from carerdesk.db.models import Carer
    from carerdesk.widgets.desk import DeskApp

SECTIONS: list[tuple[str, list[tuple[str, ...]]]] = [
    (
        "Who they are",
        [("first_name", "last_name"), ("preferred_name", "date_of_birth"), ("gender", "ethnicity")],
    ),
    (
        "How to reach them",
        [
            ("phone", "mobile"),
            ("email", "preferred_contact"),
            ("address_line_1", "address_line_2"),
            ("town", "postcode"),
            ("ward",),
        ],
    ),
    ("Consent", [("consent_store", "consent_share", "consent_contact")]),
    (
        "Their caring",
        [("hours_caring", "parent_carer"), ("employment", "carers_allowance"), ("gp_practice",)],
    ),
    ("Registration", [("registered_on", "registered_at", "how_heard")]),
    ("Notes", [("notes",)]),
]


EVENT_SECTIONS: list[tuple[str, list[tuple[str, ...]]]] = [
    ("Who they are", [("first_name", "last_name"), ("preferred_name", "date_of_birth")]),
    ("How to reach them", [("mobile", "email"), ("phone", "postcode")]),
    ("Consent", [("consent_store", "consent_share", "consent_contact")]),
    ("Registration", [("registered_on", "registered_at")]),
]
"""The short form at an event: who they are, a way to reach them, consent; the rest is
asked when they first come to the centre."""


def carer_texts(carer: Carer) -> dict[str, str]:
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


class RegisterScreen(Screen[None]):
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

    def _load(self) -> dict[str, str]:
        from carerdesk.db.ops import get_carer, ward_list

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
            carer = get_carer(session, self.carer_id)
            self.reference = carer.reference
            return carer_texts(carer)

    def compose(self) -> ComposeResult:
        texts = self._load()
        self.first_texts = texts
        yield Header()
        title = f"Edit {self.reference}" if self.carer_id else "Register a new carer"
        with VerticalScroll(id="form"):
            yield Label(f"{title}  (* needed)", id="form-title")
            short = self.app.event is not None and self.carer_id is None
            for heading, rows in EVENT_SECTIONS if short else SECTIONS:
                if heading == "Registration" and self.carer_id:
                    rows = [("registered_on", "registered_at", "how_heard")]
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
                if heading == "Who they are":
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
        first.focus()
        first.cursor_position = len(first.value)

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
        from carerdesk.db.ops import possible_duplicates

        try:
            with self.app.unit_of_work(write=False) as session:
                found = possible_duplicates(session, entry, exclude_id=self.carer_id)
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

    def _save(self, entry: CarerEntry) -> None:
        from carerdesk.db.ops import register_carer, update_carer

        try:
            with self.app.unit_of_work() as session:
                if self.carer_id is None:
                    carer = register_carer(
                        session, entry, self.roles, by=self.app.user, today=self.app.today()
                    )
                else:
                    carer = update_carer(session, self.carer_id, entry, by=self.app.user)
        except FieldError as error:
            show_errors(self, {error.field: error.message})
            self.notify(error.message, severity="warning")
            return
        except CarerdeskError as error:
            self.notify(error.message, severity="error")
            return
        from carerdesk.screens.carer import CarerScreen

        if self.carer_id is None:
            self.notify(f"Registered {carer.first_name} {carer.last_name} as {carer.reference}.")
            self.app.switch_screen(CarerScreen(carer.id))
        else:
            self.notify(f"Saved the changes to {carer.reference}.")
            self.dismiss()

    def action_back(self) -> None:
        """Leave the form, asking first when anything typed would be lost."""
        if form_texts(self) == {**self._blank(), **self.first_texts} and not self.roles:
            self.dismiss()
            return
        from carerdesk.dialogs.confirm import ConfirmModal

        def leave(answer: bool | None) -> None:
            if answer:
                self.dismiss()

        self.app.push_screen(
            ConfirmModal("Leave without saving? What you typed here will be lost.", "Leave"),
            leave,
        )

    def _blank(self) -> dict[str, str]:
        return dict.fromkeys(form_texts(self), "")


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
