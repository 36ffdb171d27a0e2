"""The front-desk application.

Start-up is kept fast: the first screen appears before SQLAlchemy and the register are loaded,
which happens in a worker thread. Screens reach the register through ``unit_of_work``, one
transaction per user action.

The machine is shared and its screen faces the public, so the first screen is the sign-in
screen (or, on a new register, the first-run set-up). Each person who signs in works in their
own Textual mode, a stack of screens of their own. Locking (Ctrl+L, or no key or click for
the idle time) switches to the sign-in screen, which shows nothing personal; the same person
signing in again gets their stack back exactly as it was, half-typed forms included, and
another person gets theirs, so the first person's unsaved work waits for them as a draft.

An error nobody expected (in a screen's handler, a worker or a timer) never reaches Textual's
own crash screen, which prints a traceback with the values of local variables (the PIN just
typed among them) on a screen that faces the public. It is written to the failure log
(``carerdesk.failure``, without local values or messages) under a short code; the screen is
locked, and the sign-in screen says in plain words what happened and the code to quote.
"""

from __future__ import annotations

import sys
import time
from collections import deque
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual import events, work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.message import Message
from textual.message_pump import MessagePump
from textual.reactive import reactive
from textual.screen import Screen
from textual.theme import Theme
from textual.widget import Widget
from textual.worker import WorkerFailed

from carerdesk.core.errors import NotAllowed
from carerdesk.core.permissions import Actor, Can
from carerdesk.failure import record, say, say_in_one_line, say_on_return
from carerdesk.settings import save_theme

if TYPE_CHECKING:
    from sqlalchemy import Engine
    from sqlalchemy.orm import Session
    from textual.command import Provider

    from carerdesk.db.accounts import Organisation
    from carerdesk.db.backups import BackupPlan
    from carerdesk.db.events import EventInfo
    from carerdesk.widgets.desk import Desk
    from carerdesk.widgets.keys import Key

THEMES = (
    Theme(
        name="carerdesk-dark",
        primary="#4EA8DE",
        secondary="#80BFFF",
        accent="#FFB454",
        warning="#FFB454",
        error="#FF6B6B",
        success="#7BD88F",
        background="#15191E",
        surface="#1E242B",
        panel="#28303A",
        dark=True,
    ),
    Theme(
        name="carerdesk-light",
        primary="#0B5CAD",
        secondary="#1F6FB2",
        accent="#9A4D00",
        warning="#8A5A00",
        error="#B00020",
        success="#1B6E2E",
        background="#F7F7F5",
        surface="#FFFFFF",
        panel="#E6E9EE",
        foreground="#111111",
        dark=False,
    ),
    Theme(
        name="carerdesk-high-contrast",
        primary="#FFFF00",
        secondary="#00FFFF",
        accent="#FFFF00",
        warning="#FFFF00",
        error="#FF4040",
        success="#00FF00",
        background="#000000",
        surface="#000000",
        panel="#1A1A1A",
        foreground="#FFFFFF",
        dark=True,
    ),
)
THEME_NAMES = tuple(theme.name for theme in THEMES)
SIGN_IN_MODE = "sign-in"
"""The mode of the sign-in (lock) screen, the one the application starts in."""


def _desk_commands() -> type[Provider]:
    """The command palette's commands, imported when it first opens (start-up stays quick)."""
    from carerdesk.widgets.keys import DeskCommands

    return DeskCommands


DESK_WIDE = {
    "register": "RegisterScreen",
    "anonymous": "ContactModal",
    "follow_ups": "FollowUpsScreen",
    "returns": "ReturnsScreen",
    "import_files": "ImportModal",
    "export": "ExportModal",
    "accounts": "UsersScreen",
    "audit": "AuditScreen",
    "duplicates": "DuplicatesScreen",
    "retention": "RetentionScreen",
}
"""The home screen's actions that the command palette offers on every screen, to whoever's
role may use them (the home screen's key, its name and its right say what each is), and the
screen each opens: not offered on that screen itself, where it would open a second copy."""


def _sign_in_screen() -> Screen[Any]:
    from carerdesk.screens.signin import SignInScreen

    return SignInScreen()


IDLE_CHECK_S = 1.0
ACTIVITY = (
    events.Key,
    events.MouseDown,
    events.MouseScrollDown,
    events.MouseScrollUp,
    events.Paste,
)


QUIT_ANYWAY = "Quit anyway"
KEY_LOST_S = 30.0
"""The longest a key on its way holds back the keys typed after it, should it be lost in a way
not seen (a key whose widget closes with the key in its queue is seen at once)."""

FAILURES_BEFORE_STOPPING = 5
"""More unexpected errors than this within ``FAILURE_WINDOW_S`` (a screen that fails each time
it is drawn, say) close carerdesk rather than lock the screen again and again."""
FAILURE_WINDOW_S = 10.0
RECOVERABLE_CALLERS = frozenset({"_tick", "_flush_next_callbacks", "_compose", "_refresh_layout"})
"""Textual's functions that report an error and carry on (a timer, a callback, a screen's
layout); an error reported from anywhere else (the application's own loop, drawing the
screen) leaves Textual unable to go on, and carerdesk closes with a plain message."""

_textual_dispatch = MessagePump._dispatch_message


async def _dispatch_failing_safe(pump: MessagePump, message: Message) -> None:
    """Textual's dispatch of one message, with an unexpected error handed to carerdesk.

    Textual's message loop stops for good after an error in a handler (its own crash screen
    then closes the application), so the error is taken here, before it reaches the loop: the
    screen that raised it stays alive for its owner to return to.
    """
    try:
        await _textual_dispatch(pump, message)
    except Exception as error:
        try:
            app = pump.app
        except Exception:
            raise error from None
        if not isinstance(app, CarerdeskApp):
            raise
        app.failed(error)
        if isinstance(message, events.Key):
            app.key_failed(message)
        return
    if isinstance(message, events.Key) and isinstance(pump, Widget):
        try:
            app = pump.app
        except Exception:
            return
        if isinstance(app, CarerdeskApp):
            app.key_passed(pump, message)


def _keep_message_loops_alive() -> None:
    """Route every message loop's unexpected errors to ``CarerdeskApp.failed`` (once)."""
    if MessagePump._dispatch_message is not _dispatch_failing_safe:
        MessagePump._dispatch_message = _dispatch_failing_safe  # type: ignore[method-assign,assignment]


def london_now() -> datetime:
    """The current date and time at the desk (Europe/London)."""
    from zoneinfo import ZoneInfo

    return datetime.now(ZoneInfo("Europe/London"))


class CarerdeskApp(App[None]):
    """The carers centre's front desk."""

    TITLE = "carerdesk"
    # Absolute, so that a subclass in another folder (benchmarks, tests) finds it too. The home
    # screen's styles are loaded here as well: Textual reads a screen's CSS_PATH when it is
    # pushed, and the home screen is the default screen, never pushed.
    CSS_PATH = [
        Path(__file__).with_name("app.tcss"),
        Path(__file__).parent / "screens" / "home.tcss",
        Path(__file__).parent / "screens" / "signin.tcss",
    ]
    BINDINGS = [
        Binding("ctrl+l", "lock", "Lock", tooltip="Lock the screen now", priority=True),
        Binding("f1", "toggle_keys", "Keys", tooltip="Show or hide every key of this screen"),
        Binding(
            "ctrl+t", "next_theme", "Theme", show=False, tooltip="Light, dark or high contrast"
        ),
        Binding("ctrl+q", "quit", "Quit", tooltip="Close carerdesk", priority=True),
    ]

    COMMANDS = {_desk_commands}
    MODES = {SIGN_IN_MODE: _sign_in_screen}
    DEFAULT_MODE = SIGN_IN_MODE

    ready: reactive[bool] = reactive(False)
    """True once the register is open."""

    def __init__(
        self,
        database_url: str,
        *,
        theme: str = "carerdesk-dark",
        now: Callable[[], datetime] = london_now,
        actor: Actor | None = None,
        key: str | None = None,
        event: bool = False,
        backups: BackupPlan | None = None,
    ) -> None:
        """``actor``: someone already signed in (the command line checked their PIN);
        ``key``: the passphrase of an encrypted register (asked before the application
        starts); ``event``: the register is an event's file; ``backups``: where the day's
        backup goes, made when the register first opens each day."""
        super().__init__()
        self.database_url = database_url
        self.key = key
        self.event_file = event
        self.backups = backups
        self.not_opened = ""
        """Why the register was not opened (damaged, from a newer carerdesk), in plain words."""
        self.event: EventInfo | None = None
        """The event, when the register open is an event's file."""
        self.now = now
        self.actor: Actor | None = None
        self.first_actor = actor
        self.engine: Engine | None = None
        self.organisation: Organisation | None = None
        self.demo_pins: list[tuple[str, str, str]] = []
        self.idle_limit_s = 300.0
        self.idle_clock: Callable[[], float] = time.monotonic
        self.last_activity = self.idle_clock()
        self.user_modes: set[str] = set()
        self.people: dict[str, str] = {}
        """Each person's mode, with their name (whose waiting drafts the quit question names)."""
        self.failure_code = ""
        """The code of the last unexpected error, until someone signs in: the sign-in screen
        says what happened (never a detail), and whoever signs in next is told again."""
        self._failed_at: list[float] = []
        self._stopping = False
        self._key_on_its_way: events.Key | None = None
        self._key_at: MessagePump = self
        """Where the key on its way was last handed (a widget, or the application)."""
        self._key_sent_at = 0.0
        self._keys_held: deque[events.Key] = deque()
        self.keys_typed = 0
        """How many keys have reached the application (a test waits for those it typed)."""
        _keep_message_loops_alive()
        for custom in THEMES:
            self.register_theme(custom)
        self.theme = theme if theme in THEME_NAMES else THEME_NAMES[0]

    def today(self) -> date:
        """Today's date at the desk."""
        return self.now().date()

    @property
    def user(self) -> Actor:
        """The person signed in: every write names them."""
        assert self.actor is not None, "nobody is signed in"
        return self.actor

    def working(self, group: str) -> bool:
        """Whether a worker of ``group`` (an import, an export, a return) is still running."""
        return any(worker.group == group and worker.is_running for worker in self.workers)

    def allowed(self, action: Can) -> bool:
        """Whether the person signed in may do ``action``; if not, say why (before any typing).

        The operations check again when saving: this only spares a person a form they could
        not save.
        """
        try:
            self.user.require(action)
        except NotAllowed as refusal:
            self.notify(refusal.message, title="Not allowed", severity="warning", timeout=8)
            return False
        return True

    def on_mount(self) -> None:
        # Opened after the first frame: the import of SQLAlchemy in the worker would otherwise
        # hold the interpreter while the first screen is being drawn.
        self.call_after_refresh(self.open_register)
        self.set_interval(IDLE_CHECK_S, self.lock_when_idle, name="idle-lock")

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, ACTIVITY):
            self.last_activity = self.idle_clock()
        if isinstance(event, events.Key):
            await self._route_key(event)
            return
        await super().on_event(event)

    async def _route_key(self, key: events.Key) -> None:
        """Hand keys on one at a time: each only once the one before has been handled.

        Textual hands a key to the focused field and goes straight on to the next key, while
        the field's handling of the first (Tab, Enter on a list, Esc) may move the focus
        later. A key typed right after Tab would then reach the field being left (part of a
        date in the preferred name; a letter after Enter on a list lost in the closed list).
        """
        if key.is_forwarded:  # back from the field, unhandled there: the screen's bindings
            await super().on_event(key)
            if key is self._key_on_its_way:
                self._key_handled()
            return
        if key is not self._key_on_its_way:  # typed now (a held key comes back on its way)
            self.keys_typed += 1
            if self._key_on_its_way is not None:
                self._keys_held.append(key)
                self._go_on_if_lost()
                return
        self._key_on_its_way, self._key_sent_at = key, time.monotonic()
        target = self._key_at = self.focused or self.screen
        await super().on_event(key)
        if not key.is_forwarded:  # taken here by a binding of the application
            self._key_handled()
        elif not target.is_running or not target.check_message_enabled(key):
            self._key_handled()  # refused by a closing or disabled widget: nothing to wait for

    def _go_on_if_lost(self) -> None:
        """Stop waiting for a key lost on its way: its widget closed with the key unhandled."""
        if self._key_on_its_way is None:
            return
        if not self._key_at.is_running or time.monotonic() - self._key_sent_at > KEY_LOST_S:
            self._key_handled()

    @property
    def keys_waiting(self) -> bool:
        """Whether a key typed is still on its way or waiting for the one before."""
        return self._key_on_its_way is not None or bool(self._keys_held)

    def key_failed(self, key: events.Key) -> None:
        """Handling ``key`` failed (the screen is locked for it): the next key may go."""
        if key is self._key_on_its_way:
            self._key_handled()

    def key_passed(self, widget: Widget, key: events.Key) -> None:
        """``widget`` has handled ``key``: when the key goes no further, the next may go."""
        if key is not self._key_on_its_way:
            return
        parent = widget.parent
        # Textual stops a key at the screen (the application sent it) but still hands it on.
        bubbling = parent is not None and (not key._stop_propagation or parent is key._sender)
        if not bubbling:
            self._key_handled()
        elif parent is not None:
            self._key_at = parent

    def _key_handled(self) -> None:
        self._key_on_its_way = None
        if self._keys_held:
            # Posted behind whatever the handled key set in motion (a focus moved later).
            self._key_on_its_way, self._key_sent_at = self._keys_held.popleft(), time.monotonic()
            self._key_at = self
            self.post_message(self._key_on_its_way)

    def lock_when_idle(self) -> None:
        """Lock the screen when nobody has pressed a key or clicked for the idle time."""
        self._go_on_if_lost()
        if self.actor is not None and self.idle_clock() - self.last_activity >= self.idle_limit_s:
            self.action_lock()

    def action_lock(self) -> None:
        """Show the sign-in screen; whoever was working keeps everything as it was."""
        if self.actor is None:
            return
        self.actor = None
        self.sub_title = ""
        # A message such as "Registered ... as C000123" must not stay on the public screen.
        self.clear_notifications()
        self.switch_mode(SIGN_IN_MODE)

    def signed_in(self, actor: Actor) -> None:
        """Start or resume ``actor``'s work: their own screens, as they left them."""
        from carerdesk.screens.home import HomeScreen

        self.actor = actor
        self.last_activity = self.idle_clock()
        self.sub_title = f"{self.organisation.name if self.organisation else ''} · {actor.name}"
        mode = f"user:{actor.user_id or actor.name}"
        self.people[mode] = actor.name
        if mode not in self.user_modes:
            self.user_modes.add(mode)
            self.add_mode(mode, HomeScreen)
        self.switch_mode(mode)
        if code := self.failure_code:
            # The person back at the desk learns what happened, and the code to quote.
            self.failure_code = ""
            self.notify(
                say_on_return(code), title="Something went wrong", severity="error", timeout=30
            )

    def drafts(self) -> dict[str, list[str]]:
        """Each person's forms holding typed work, in every mode: their own screens, and the
        drafts waiting behind a lock for the others."""
        from carerdesk.dialogs.confirm import KeepsTypedWork

        found: dict[str, list[str]] = {}
        # Textual keeps each mode's screens here; it offers no public view of a mode not shown.
        for mode, stack in self._screen_stacks.items():
            for screen in stack:
                if isinstance(screen, KeepsTypedWork) and screen.has_typed_work():
                    found.setdefault(self.people.get(mode, "Someone"), []).append(screen.draft)
        return found

    async def action_quit(self) -> None:
        """Close carerdesk; when any form holds typed work, first say whose and ask."""
        drafts = self.drafts()
        if not drafts:
            self.exit()
            return
        from carerdesk.dialogs.confirm import ConfirmModal

        if isinstance(self.screen, ConfirmModal) and self.screen.yes == QUIT_ANYWAY:
            return  # asked already

        def answered(quit_anyway: bool | None) -> None:
            if quit_anyway:
                self.exit()

        # A line each, so that the question fits the dialog.
        said = "".join(
            f"{person} has {' and '.join(forms)} half filled.\n" for person, forms in drafts.items()
        )
        question = f"{said}Quit anyway? What was typed will be lost."
        self.push_screen(ConfirmModal(question, yes=QUIT_ANYWAY), answered)

    def failed(self, error: BaseException, *, fatal: bool = False) -> None:
        """An error nobody expected: log it under a code, lock the screen, and say so plainly.

        ``fatal``: Textual cannot go on, so carerdesk closes with one plain line instead.
        """
        if self._stopping:
            return  # closing already: the failure that closes it is logged and said
        failure = record(error)
        now = time.monotonic()
        self._failed_at = [at for at in self._failed_at if now - at < FAILURE_WINDOW_S]
        self._failed_at.append(now)
        if fatal or len(self._failed_at) > FAILURES_BEFORE_STOPPING or not self.is_running:
            self._stop(failure.code)
            return
        try:
            self.call_later(self._fail_safe, failure.code)
        except Exception:
            self._stop(failure.code)

    def _fail_safe(self, code: str) -> None:
        from carerdesk.screens.signin import SignInScreen

        self.failure_code = code
        try:
            if self.actor is not None:
                self.action_lock()
            elif self.current_mode != SIGN_IN_MODE:
                self.switch_mode(SIGN_IN_MODE)
            if isinstance(self.screen, SignInScreen):
                self.screen.show_notice()
            else:  # the first-run set-up, pushed over the sign-in screen
                self.notify(say(code), severity="error", timeout=30)
        except Exception as error:
            self._stop(record(error).code)

    def _stop(self, code: str) -> None:
        """Close carerdesk with one plain line, never a traceback."""
        from rich.text import Text

        self._stopping = True
        self._return_code = 1
        self.panic(Text(say_in_one_line(code)))

    def _handle_exception(self, error: Exception) -> None:
        """Textual's report of an unhandled error (a worker's, a timer's, or its own): never its
        crash screen, which shows local values."""
        cause = error.error if isinstance(error, WorkerFailed) else error
        caller = sys._getframe(1).f_code.co_name
        recoverable = isinstance(error, WorkerFailed) or caller in RECOVERABLE_CALLERS
        self.failed(cause, fatal=not recoverable)

    @work(thread=True, group="open-register", description="open the register")
    def open_register(self) -> None:
        """Open the register (creating or upgrading it) away from the UI thread."""
        from carerdesk.core.errors import CarerdeskError
        from carerdesk.db import accounts
        from carerdesk.db.backups import open_checked

        try:
            opened = open_checked(
                self.database_url,
                key=self.key,
                plan=self.backups,
                now=self.now(),
                one_file=self.event_file,
            )
            engine = opened.engine
            with self._session(engine, write=False) as session:
                organisation = accounts.organisation(session)
                idle = accounts.idle_minutes(session)
                demo_pins = accounts.demo_pins(session)
                event = None
                if self.event_file:
                    from carerdesk.db import events

                    event = events.event_info(session)
        except CarerdeskError as error:
            # Damaged, or made by a newer carerdesk: said in plain words, nothing opened.
            self.call_from_thread(self._not_opened, error.message)
            return
        except Exception as error:
            # Expected enough to be said plainly here, but logged too: a code finds the cause.
            code = record(error).code
            self.call_from_thread(
                self.notify,
                "The register could not be opened. Check the file or database named in "
                f"the settings, then start carerdesk again. (Code {code}.)",
                title="Register not opened",
                severity="error",
                timeout=30,
            )
            return
        self.call_from_thread(self._opened, engine, organisation, idle, demo_pins, event)
        if opened.warning:
            self.call_from_thread(
                self.notify, opened.warning, title="No backup today", severity="warning", timeout=30
            )

    def _not_opened(self, message: str) -> None:
        """The register was not opened: the sign-in screen says why instead of asking for a
        name and PIN."""
        from carerdesk.screens.signin import SignInScreen

        self.not_opened = message
        if isinstance(self.screen, SignInScreen):
            self.screen.show_not_opened(message)

    def _opened(
        self,
        engine: Engine,
        organisation: Organisation | None,
        idle_minutes: int,
        demo_pins: list[tuple[str, str, str]],
        event: EventInfo | None = None,
    ) -> None:
        self.engine = engine
        self.event = event
        self.organisation = organisation
        self.idle_limit_s = idle_minutes * 60.0
        self.demo_pins = demo_pins
        self.ready = True
        if self.first_actor is not None:
            self.signed_in(self.first_actor)
            self.first_actor = None

    def set_up_done(self, organisation: Organisation, actor: Actor) -> None:
        """The first-run set-up is saved: its coordinator is signed in."""
        self.organisation = organisation
        self.signed_in(actor)

    @staticmethod
    def _session(engine: Engine, *, write: bool) -> AbstractContextManager[Session]:
        from carerdesk.db.engine import unit_of_work

        return unit_of_work(engine, write=write)

    def unit_of_work(self, *, write: bool = True) -> AbstractContextManager[Session]:
        """One user action's transaction on the register."""
        assert self.engine is not None, "the register is not open yet"
        return self._session(self.engine, write=write)

    def action_toggle_keys(self) -> None:
        """Show or hide the panel listing every key of the screen: carerdesk's own keys of the
        screen first, then those that work everywhere, then moving and typing."""
        from carerdesk.widgets.keys import KeysPanel

        if panels := self.screen.query(KeysPanel):
            panels.remove()
        else:
            self.screen.mount(KeysPanel())

    def action_next_theme(self) -> None:
        """Switch to the next of the light, dark and high-contrast themes."""
        index = THEME_NAMES.index(self.theme) if self.theme in THEME_NAMES else -1
        self.theme = THEME_NAMES[(index + 1) % len(THEME_NAMES)]
        shown = self.theme.removeprefix("carerdesk-").replace("-", " ")
        try:
            # This machine's choice: a person who needs high contrast should not choose it
            # again each time carerdesk opens.
            save_theme(self.theme)
        except OSError:
            self.notify(f"Theme: {shown} (not remembered: the settings file cannot be written)")
            return
        self.notify(f"Theme: {shown}")

    def get_key_display(self, binding: Binding) -> str:
        """Function keys as printed on the keyboard: F1, not f1."""
        display = super().get_key_display(binding)
        if display[:1] == "f" and display[1:].isdigit():
            return display.upper()
        return display

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        """Every action by name: the screen's own, the desk's (the weekly return, accounts ...
        from any screen), and those that work everywhere; never one the role may not use."""
        from carerdesk.widgets.keys import PALETTE, screen_keys

        keys = screen_keys(screen)
        offered = set()
        for key in keys.screen:
            if key.enabled:
                offered.add(key.description)
                yield self._command(key, screen)
        for key in self._desk_wide(screen):
            if key.description not in offered:
                yield self._command(key, screen, " on the home screen")
        for key in keys.everywhere:
            if key.enabled and key.action != PALETTE:
                yield self._command(key, screen)
        for name in THEME_NAMES:
            label = name.removeprefix("carerdesk-").replace("-", " ")
            yield SystemCommand(
                f"Theme: {label}", "Change how the screen looks", lambda n=name: self._set(n)
            )
        # Of Textual's own, only making the focused panel fill the screen: its Keys, Quit and
        # Theme are carerdesk's above, and its screenshot would write carers' details to a file.
        for command in super().get_system_commands(screen):
            if command.title in ("Maximize", "Minimize"):
                yield command

    def _command(self, key: Key, screen: Screen[object], where: str = "") -> SystemCommand:
        keys = ", ".join(key.keys)
        help_text = f"{key.tooltip or key.description} ({keys}{where})"
        return SystemCommand(
            key.description,
            help_text,
            lambda: self.run_action(key.action, key.node, namespaces={"screen": screen}),
        )

    def _desk_wide(self, screen: Screen[object]) -> list[Key]:
        """The home screen's desk-wide actions the person signed in may use, to offer on any
        screen but a dialog (a dialog is answered first)."""
        from carerdesk.screens.home import HomeScreen
        from carerdesk.widgets.keys import Key

        home = next((s for s in self.screen_stack if isinstance(s, HomeScreen)), None)
        if self.actor is None or home is None or screen.is_modal:
            return []
        found = []
        for _key, binding in home._bindings:
            opens = DESK_WIDE.get(binding.action)
            if opens and opens != type(screen).__name__ and home.check_action(binding.action, ()):
                shown = self.get_key_display(binding)
                found.append(
                    Key([shown], binding.description, binding.tooltip, binding.action, home)
                )
        return found

    def _set(self, theme: str) -> None:
        self.theme = theme


if TYPE_CHECKING:
    # The type checker confirms that the application is the desk the screens expect.
    _DESK: type[Desk] = CarerdeskApp
