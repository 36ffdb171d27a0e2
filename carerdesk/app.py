"""The front-desk application.

Start-up is kept fast: the first screen appears before SQLAlchemy and the register are loaded,
which happens in a worker thread; the home screen runs any search typed meanwhile as soon as
the register is open. Screens reach the register through ``unit_of_work``, one transaction per
user action.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual import work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.reactive import reactive
from textual.screen import Screen
from textual.theme import Theme

if TYPE_CHECKING:
    from sqlalchemy import Engine
    from sqlalchemy.orm import Session

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
DESK_USER = "Front desk"
"""Who the records name until staff sign in (a later change adds sign-in)."""


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
    ]
    BINDINGS = [
        Binding("f1", "toggle_keys", "Keys", tooltip="Show or hide every key of this screen"),
        Binding("ctrl+t", "next_theme", "Theme", tooltip="Light, dark or high contrast"),
        Binding("ctrl+q", "quit", "Quit", tooltip="Close carerdesk", priority=True),
    ]

    ready: reactive[bool] = reactive(False)
    """True once the register is open."""

    def __init__(
        self,
        database_url: str,
        *,
        theme: str = "carerdesk-dark",
        now: Callable[[], datetime] = london_now,
    ) -> None:
        super().__init__()
        self.database_url = database_url
        self.now = now
        self.user = DESK_USER
        self.engine: Engine | None = None
        self.organisation = ""
        for custom in THEMES:
            self.register_theme(custom)
        self.theme = theme if theme in THEME_NAMES else THEME_NAMES[0]

    def today(self) -> date:
        """Today's date at the desk."""
        return self.now().date()

    def get_default_screen(self) -> Screen[Any]:
        """The home screen is the first and bottom screen."""
        from carerdesk.screens.home import HomeScreen

        return HomeScreen()

    def on_mount(self) -> None:
        # Opened after the first frame: the import of SQLAlchemy in the worker would otherwise
        # hold the interpreter while the home screen is being drawn.
        self.call_after_refresh(self.open_register)

    @work(thread=True, group="open-register")
    def open_register(self) -> None:
        """Open the register (creating or upgrading it) away from the UI thread."""
        from carerdesk.db.engine import make_engine
        from carerdesk.db.migrate import upgrade
        from carerdesk.db.models import Setting

        try:
            engine = make_engine(self.database_url)
            upgrade(engine)
            with self._session(engine, write=False) as session:
                name = session.get(Setting, "organisation_name")
        except Exception:
            self.call_from_thread(
                self.notify,
                "The register could not be opened. Check the file or database named in "
                "the settings, then start carerdesk again.",
                title="Register not opened",
                severity="error",
                timeout=30,
            )
            return
        self.call_from_thread(self._opened, engine, name.value if name else "")

    def _opened(self, engine: Engine, organisation: str) -> None:
        self.engine = engine
        self.organisation = organisation
        self.sub_title = organisation
        self.ready = True

    @staticmethod
    def _session(engine: Engine, *, write: bool) -> AbstractContextManager[Session]:
        from carerdesk.db.engine import unit_of_work

        return unit_of_work(engine, write=write)

    def unit_of_work(self, *, write: bool = True) -> AbstractContextManager[Session]:
        """One user action's transaction on the register."""
        assert self.engine is not None, "the register is not open yet"
        return self._session(self.engine, write=write)

    def action_toggle_keys(self) -> None:
        """Show or hide the panel listing every key of the screen."""
        if self.screen.query("HelpPanel"):
            self.action_hide_help_panel()
        else:
            self.action_show_help_panel()

    def action_next_theme(self) -> None:
        """Switch to the next of the light, dark and high-contrast themes."""
        index = THEME_NAMES.index(self.theme) if self.theme in THEME_NAMES else -1
        self.theme = THEME_NAMES[(index + 1) % len(THEME_NAMES)]
        self.notify(f"Theme: {self.theme.removeprefix('carerdesk-').replace('-', ' ')}")

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        """The command palette lists every key of the screen as well as the usual commands."""
        seen: set[str] = set()
        for _key, active in screen.active_bindings.items():
            binding = active.binding
            if not binding.description or binding.action in seen or not active.enabled:
                continue
            seen.add(binding.action)
            help_text = binding.tooltip or f"Key: {binding.key_display or binding.key}"
            yield SystemCommand(
                binding.description,
                help_text,
                lambda node=active.node, action=binding.action: self.run_action(action, node),
            )
        for name in THEME_NAMES:
            label = name.removeprefix("carerdesk-").replace("-", " ")
            yield SystemCommand(
                f"Theme: {label}", "Change how the screen looks", lambda n=name: self._set(n)
            )
        yield from super().get_system_commands(screen)

    def _set(self, theme: str) -> None:
        self.theme = theme
