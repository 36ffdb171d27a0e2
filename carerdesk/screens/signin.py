"""The sign-in screen: the first screen, and the one a lock shows. Nothing personal on it.

On a register with no accounts yet it offers the first-run set-up instead. The PIN is checked
away from the UI thread (Argon2 is slow on purpose); a refusal says why beside the form.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Center, Vertical
from textual.screen import Screen
from textual.widgets import Header, Input, Label, Static

from carerdesk.core.errors import CarerdeskError
from carerdesk.widgets.footer import DeskFooter

if TYPE_CHECKING:
    from carerdesk.core.permissions import Actor
    from carerdesk.widgets.desk import DeskApp


class SignInScreen(Screen[None]):
    """Name and PIN. Enter in the name goes to the PIN; Enter in the PIN signs in."""

    BINDINGS = [Binding("escape", "clear", "Clear", tooltip="Clear the name and PIN")]

    AUTO_FOCUS = "#signin-name"

    app: DeskApp

    def __init__(self) -> None:
        super().__init__()
        self._typed = ("", "")
        """The name and PIN being checked, handed to the worker that checks them."""

    def compose(self) -> ComposeResult:
        yield Header()
        with Center(), Vertical(id="signin-box"):
            yield Label("carerdesk", id="signin-title")
            yield Static("Opening the register…", id="signin-message")
            yield Label("Your name", classes="signin-label")
            yield Input(placeholder="as your coordinator set it up", id="signin-name")
            yield Label("PIN", classes="signin-label")
            yield Input(password=True, placeholder="4 to 8 digits", id="signin-pin")
            yield Static("", id="signin-error")
            yield Static("", id="signin-demo")
        yield DeskFooter()

    def on_mount(self) -> None:
        self.watch(self.app, "ready", self._register_ready, init=True)

    def on_screen_resume(self) -> None:
        # Shown again by a lock: the PIN typed last time is gone, the name kept for a quick return.
        self.query_one("#signin-pin", Input).value = ""
        self.query_one("#signin-error", Static).update("")
        self.query_one("#signin-pin" if self._typed_name() else "#signin-name", Input).focus()
        self.show_notice()

    def show_notice(self) -> None:
        """Say what went wrong, if something unexpected just did (in plain words, with the
        code to quote: never a detail), and forget the PIN typed."""
        if code := self.app.failure_code:
            from carerdesk.failure import say

            self.query_one("#signin-pin", Input).value = ""
            self.query_one("#signin-error", Static).update(say(code))

    def show_not_opened(self, message: str) -> None:
        """The register could not be opened (damaged, or from a newer carerdesk): say why and
        what to do, and offer no sign-in."""
        self.query_one("#signin-title", Label).update("The register was not opened")
        self.query_one("#signin-message", Static).update(message + "\n\nCtrl+Q closes carerdesk.")
        for part in self.query(".signin-label, #signin-name, #signin-pin, #signin-error"):
            part.display = False

    def _typed_name(self) -> str:
        return self.query_one("#signin-name", Input).value.strip()

    def _register_ready(self, ready: bool) -> None:
        if not ready:
            return
        organisation = self.app.organisation
        if organisation is None:
            from carerdesk.screens.firstrun import FirstRunScreen

            self.app.push_screen(FirstRunScreen())
            return
        self.query_one("#signin-title", Label).update(organisation.name)
        self.query_one("#signin-message", Static).update(
            "Sign in to find and register carers. The screen locks itself when left."
        )
        if self.app.demo_pins:
            lines = [f"  {name:<20} {role:<12} {pin}" for name, role, pin in self.app.demo_pins]
            self.query_one("#signin-demo", Static).update(
                "Demo register: invented people only. Demo accounts and PINs:\n" + "\n".join(lines)
            )

    @on(Input.Submitted, "#signin-name")
    def _to_pin(self) -> None:
        self.query_one("#signin-pin", Input).focus()

    @on(Input.Submitted, "#signin-pin")
    def _submit(self) -> None:
        if not self.app.ready or self.app.organisation is None:
            self._refuse("The register is still opening: try again in a moment.")
            return
        name, pin = self._typed_name(), self.query_one("#signin-pin", Input).value
        if not name:
            self._refuse("Enter your name first.", "#signin-name")
            return
        if not pin:
            self._refuse("Enter your PIN.")
            return
        self.query_one("#signin-error", Static).update("Checking…")
        # The name and PIN reach the worker through the screen, never as its arguments:
        # Textual writes a worker's arguments into its description.
        self._typed = (name, pin)
        self._check()

    @work(thread=True, exclusive=True, group="sign-in", description="check a sign-in")
    def _check(self) -> None:
        from carerdesk.db.accounts import sign_in

        name, pin = self._typed
        self._typed = ("", "")
        try:
            with self.app.unit_of_work() as session:
                outcome = sign_in(session, name, pin)
            actor = outcome.accepted()
        except CarerdeskError as error:
            self.app.call_from_thread(self._refuse, error.message)
            return
        self.app.call_from_thread(self._accepted, actor)

    def _refuse(self, message: str, focus: str = "#signin-pin") -> None:
        self.query_one("#signin-error", Static).update(message)
        pin = self.query_one("#signin-pin", Input)
        pin.value = ""
        self.query_one(focus, Input).focus()

    def _accepted(self, actor: Actor) -> None:
        self.query_one("#signin-pin", Input).value = ""
        self.query_one("#signin-error", Static).update("")
        self.app.signed_in(actor)

    def action_clear(self) -> None:
        """Clear the name and PIN."""
        for box in self.query(Input):
            box.value = ""
        self.query_one("#signin-error", Static).update("")
        self.query_one("#signin-name", Input).focus()
