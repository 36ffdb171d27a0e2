"""One labelled field of a form, checked by the register's rules as the person leaves it.

The control is an ``Input`` for text and dates, a ``Select`` for a code list and a
``SelectionList`` for a ``;`` list of codes. Whatever the control, ``text`` is what the rules
in ``core.entries`` read, so a form hands the same mapping of texts to ``check_carer`` as an
import row does. A refused value shows its message beside the field and is never cleared.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.widget import Widget
from textual.widgets import Input, Label, Select, SelectionList, Static
from textual.widgets._select import SelectCurrent, SelectOverlay

from carerdesk.core.entries import FieldSpec, check_field
from carerdesk.core.errors import FieldError
from carerdesk.widgets.ticks import TickList


class _ChoiceOverlay(SelectOverlay):
    """A list's open options, where typing jumps to the first option starting so (or, failing
    that, containing what was typed), never to the "Choose…" placeholder."""

    def _find_search_match(self, query: str) -> int | None:
        query = query.lower()
        first = 1 if isinstance(self.parent, ChoiceSelect) and self.parent.blank_first else 0
        found: tuple[int, int] | None = None  # (where the text is found, which option)
        for index, option in enumerate(self._options[first:], start=first):
            prompt = option.prompt
            text = prompt.plain if isinstance(prompt, Text) else str(prompt)
            at = text.lower().find(query)
            if at != -1 and (found is None or at < found[0]):
                found = (at, index)
        return None if found is None else found[1]


class ChoiceSelect(Select[str]):
    """A form's list of codes: blank until chosen, shown as "Choose…"."""

    def __init__(self, options: list[tuple[str, str]], value: Any) -> None:
        super().__init__(options, value=value, prompt="Choose…", compact=True)
        self.blank_first = True
        """The first option is the placeholder (a blank answer), which typing never picks."""

    def compose(self) -> ComposeResult:
        # Textual's own two parts, with the overlay that skips the placeholder.
        yield SelectCurrent(self.prompt)
        yield _ChoiceOverlay(type_to_search=True).data_bind(compact=Select.compact)


class FormScroll(VerticalScroll, can_focus=False):
    """A form's scrolling body. It is no Tab stop of its own (typing there went nowhere), and
    the form opens at its top: Textual centres the field focused as the form opens, which in
    a form taller than the screen scrolled its title and first label away."""

    def on_mount(self) -> None:
        # After the focus's own scrolling, which Textual runs once the form is laid out.
        self.call_after_refresh(lambda: self.call_later(self.scroll_home, animate=False))


class FormField(Vertical):
    """A label (``*`` when required), a control, and the field's message beneath."""

    DEFAULT_CSS = """
    FormField { height: auto; margin: 0 0 1 0; }
    FormField > Label { color: $text-muted; }
    FormField > Label { width: 100%; }  /* a long label wraps, its "*" never cut */
    FormField > .field-error { color: $text-error; height: auto; display: none; }
    FormField.-invalid > .field-error { display: block; }
    FormField.-invalid > Label { color: $text-error; text-style: bold; }
    FormField > SelectionList { height: auto; max-height: 6; }
    FormField > Input, FormField > Select > SelectCurrent, FormField > SelectionList {
        background: $panel;
    }
    FormField > Input:focus, FormField > Select:focus > SelectCurrent {
        background: $primary 25%;
    }
    """

    def __init__(
        self,
        name: str,
        spec: FieldSpec,
        specs: Mapping[str, FieldSpec],
        *,
        value: str = "",
        today: Callable[[], date],
        placeholder: str = "",
        password: bool = False,
        id: str | None = None,
    ) -> None:
        super().__init__(id=id or f"field-{name.replace('_', '-')}")
        self.field_name = name
        self.spec = spec
        self.specs = specs
        self.initial = value
        self.today = today
        self.placeholder = placeholder
        self.password = password
        self.message = ""
        """The refusal shown beside the field ("" when none)."""

    def compose(self) -> ComposeResult:
        mark = " *" if self.spec.required else ""
        yield Label(f"{self.spec.label}{mark}")
        yield self._control()
        yield Static("", classes="field-error")

    def _control(self) -> Widget:
        spec = self.spec
        if spec.choices is not None and spec.many:
            chosen = set(filter(None, self.initial.split(";")))
            return TickList(
                *[(label, code, code in chosen) for code, label in spec.choices.items()],
                compact=True,
            )
        if spec.choices is not None:
            options = [(label, code) for code, label in spec.choices.items()]
            start: Any = self.initial if self.initial in spec.choices else Select.NULL
            return ChoiceSelect(options, start)
        return Input(
            value=self.initial,
            placeholder=self.placeholder,
            password=self.password,
            compact=True,
        )

    @property
    def control(self) -> Widget:
        """The widget that takes the input."""
        return self.query_one("Input, Select, SelectionList")

    @property
    def text(self) -> str:
        """The field's value as text, as the rules read it."""
        control = self.control
        if isinstance(control, Input):
            return control.value
        if isinstance(control, Select):
            return "" if control.is_blank() else str(control.value)
        if isinstance(control, SelectionList):
            return ";".join(str(code) for code in control.selected)
        return ""

    @text.setter
    def text(self, value: str) -> None:
        control = self.control
        if isinstance(control, Input):
            control.value = value
        elif isinstance(control, Select):
            if value:
                control.value = value
            else:
                control.clear()
        elif isinstance(control, SelectionList):
            control.deselect_all()
            for code in filter(None, value.split(";")):
                control.select(code)

    def show_error(self, message: str | None) -> None:
        """Show ``message`` beside the field, or clear it."""
        if (message or "") == self.message:
            return  # unchanged: no redrawing of the whole form as the person moves on
        self.message = message or ""
        self.set_class(bool(message), "-invalid")
        self.query_one(".field-error", Static).update(self.message)

    def check(self) -> bool:
        """Check the field by the register's rules; show and return whether it is good."""
        try:
            check_field(self.specs, self.field_name, self.text, self.today())
        except FieldError as error:
            self.show_error(error.message)
            return False
        self.show_error(None)
        return True

    @on(Input.Blurred)
    def _left(self, event: Input.Blurred) -> None:
        # Checked as the person leaves the field; an empty optional field says nothing.
        self.check()

    @on(Select.Changed)
    @on(SelectionList.SelectedChanged)
    def _chosen(self) -> None:
        self.check()


def form_texts(root: Widget) -> dict[str, str]:
    """The text of every ``FormField`` under ``root``, by field name."""
    return {field.field_name: field.text for field in root.query(FormField)}


def show_errors(root: Widget, errors: Mapping[str, str]) -> FormField | None:
    """Show each message beside its field and put the cursor in the first bad one.

    Returns that field (None when no field of the form was refused)."""
    first: FormField | None = None
    for field in root.query(FormField):
        message = errors.get(field.field_name)
        field.show_error(message)
        if message and first is None:
            first = field
    if first is not None:
        first.control.focus()
        first.scroll_visible()
    return first
