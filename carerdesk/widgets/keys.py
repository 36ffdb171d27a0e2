"""The keys of a screen as F1 and the command palette list them: carerdesk's own keys of the
screen first, then the keys that work everywhere, then Textual's own (moving about a list,
editing in a box) last.

Textual's key panel lists the focused widget's keys first, so on the home screen, with the
cursor in the search box, twenty ways to move the cursor came before F2. A key is carerdesk's
own when a carerdesk class declares it (in ``BINDINGS``); everything else a Textual widget
brings with it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import ActiveBinding, Binding
from textual.command import Hit, Hits
from textual.containers import VerticalScroll
from textual.system_commands import SystemCommandsProvider
from textual.widgets import Static

if TYPE_CHECKING:
    from textual.dom import DOMNode
    from textual.screen import Screen

PALETTE = "command_palette"
PALETTE_HELP = ("Command palette", "Every action by name")
"""Textual adds Ctrl+P with the description "palette": it is said in carerdesk's words."""
EVERYWHERE_ORDER = {"toggle_keys": 0, PALETTE: 1, "next_theme": 2, "lock": 3, "quit": 4}
"""The keys that work everywhere in the README's order."""
WIDE = 44
"""The panel's width from which each key's tooltip is shown beside its name."""


@dataclass
class Key:
    """One action and the keys that do it."""

    keys: list[str]
    description: str
    tooltip: str
    action: str
    node: DOMNode
    enabled: bool = True


@dataclass
class ScreenKeys:
    """A screen's keys in three groups, in the order F1 lists them."""

    screen: list[Key] = field(default_factory=list)
    """carerdesk's own keys of this screen (and of its focused list or form)."""
    everywhere: list[Key] = field(default_factory=list)
    """The keys that work on every screen: F1, Ctrl+P, Ctrl+T, Ctrl+L, Ctrl+Q."""
    moving: list[Key] = field(default_factory=list)
    """Textual's own keys of the focused widget: moving about, editing a box."""

    def groups(self) -> list[tuple[str, list[Key]]]:
        """The groups with a title each, as F1 shows them."""
        return [
            ("This screen", self.screen),
            ("Everywhere", self.everywhere),
            ("Moving and typing", self.moving),
        ]


def own_actions(node: DOMNode) -> frozenset[str]:
    """The actions carerdesk's own classes bind on ``node`` (not those Textual's add)."""
    actions: set[str] = set()
    for cls in type(node).__mro__:
        if not cls.__module__.startswith("carerdesk."):
            continue
        for binding in cls.__dict__.get("BINDINGS", ()):
            actions.add(binding.action if isinstance(binding, Binding) else binding[1])
    return frozenset(actions)


def screen_keys(screen: Screen[object]) -> ScreenKeys:
    """The keys that do something on ``screen`` now, grouped and each action once."""
    app = screen.app
    found = ScreenKeys()
    by_action: dict[tuple[int, str], Key] = {}
    own: dict[int, frozenset[str]] = {}

    def add(group: list[Key], node: DOMNode, binding: Binding, enabled: bool) -> None:
        description, tooltip = binding.description, binding.tooltip
        if binding.action == PALETTE:
            description, tooltip = PALETTE_HELP
        if not description:
            return
        shown = app.get_key_display(binding)
        if (key := by_action.get((id(node), binding.action))) is not None:
            if shown not in key.keys:
                key.keys.append(shown)
            return
        key = Key([shown], description, tooltip, binding.action, node, enabled)
        by_action[(id(node), binding.action)] = key
        group.append(key)

    active = list(screen.active_bindings.values())
    if screen.is_modal:
        # A dialog stops the application's keys, except those that come first (Ctrl+L ...).
        taken = {binding.key for _, binding, _, _ in active}
        for _key, binding in app._bindings:
            if binding.priority and binding.key not in taken:
                state = app._check_action_state(binding.action, app)
                if state is not False:
                    active.append(ActiveBinding(app, binding, bool(state), binding.tooltip))
    for node, binding, enabled, _tooltip in active:
        if binding.system:
            continue
        if id(node) not in own:
            own[id(node)] = own_actions(node)
        if binding.action == PALETTE:
            add(found.everywhere, node, binding, enabled)
        elif binding.action not in own[id(node)]:
            add(found.moving, node, binding, enabled)
        elif node is app or binding.action.startswith("app."):
            add(found.everywhere, node, binding, enabled)
        else:
            add(found.screen, node, binding, enabled)
    found.everywhere.sort(key=lambda key: EVERYWHERE_ORDER.get(key.action.removeprefix("app."), 9))
    return found


class KeysPanel(VerticalScroll, can_focus=False):
    """F1's list of every key of the screen, beside it: carerdesk's own keys first."""

    DEFAULT_CSS = """
    KeysPanel {
        split: right;
        width: 33%;
        min-width: 30;
        max-width: 60;
        height: 1fr;
        border-left: vkey $foreground 30%;
        padding: 0 1;
    }
    KeysPanel > .keys-panel--key {
        color: $text-accent;
        text-style: bold;
    }
    KeysPanel > .keys-panel--title {
        color: $text-primary;
        text-style: bold underline;
    }
    KeysPanel > .keys-panel--tooltip {
        color: $text-muted;
    }
    KeysPanel > Static {
        width: 1fr;
    }
    """

    COMPONENT_CLASSES = {"keys-panel--key", "keys-panel--title", "keys-panel--tooltip"}

    def compose(self) -> ComposeResult:
        yield Static(id="keys-list")

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, lambda _: self.show_keys())
        self.show_keys()

    def on_resize(self) -> None:
        self.show_keys()

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def show_keys(self) -> None:
        """List the keys of the screen as they are now."""
        if self.is_attached:
            self.query_one("#keys-list", Static).update(self._table())

    def _table(self) -> Group:
        key_style = self.get_component_rich_style("keys-panel--key")
        title_style = self.get_component_rich_style("keys-panel--title")
        tooltip_style = self.get_component_rich_style("keys-panel--tooltip")
        parts: list[Text | Table] = []
        # At 80 columns the panel has room for a name a key: its tooltip only when wider.
        wide = self.size.width >= WIDE
        for title, keys in screen_keys(self.screen).groups():
            if not keys:
                continue
            # A table a group: the long keys of moving and typing (shift+ctrl+←) do not
            # widen the key column of the screen's own.
            table = Table.grid(padding=(0, 1))
            table.add_column(justify="right", no_wrap=True)
            table.add_column(ratio=1)
            for key in keys:
                what = Text(key.description)
                if key.tooltip and wide:
                    what.append(f" {key.tooltip}", style=tooltip_style)
                if not key.enabled:
                    what.stylize("dim")
                table.add_row(Text(" ".join(key.keys), style=key_style), what)
            if parts:
                parts.append(Text(""))
            parts += [Text(title, style=title_style), table]
        return Group(*parts)


class DeskCommands(SystemCommandsProvider):
    """The command palette's commands (``CarerdeskApp.get_system_commands``), found by their
    name or by what their help says: "weekly" finds the return."""

    async def search(self, query: str) -> Hits:
        """The commands whose name or help matches ``query``, best first."""
        matcher = self.matcher(query)
        for name, help_text, callback, *_ in self.app.get_system_commands(self.screen):
            score = max(matcher.match(name), matcher.match(help_text) * 0.9)
            if score > 0:
                yield Hit(score, matcher.highlight(name), callback, help=help_text)
