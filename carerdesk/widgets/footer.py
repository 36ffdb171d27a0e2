"""The footer of every screen: F1 first, then the screen's own keys, as many as fit.

Textual's footer lists the focused widget's keys, then the screen's, then the application's,
so at 80 columns F1 (the key that lists every other key) fell off the right-hand end. This
footer shows F1 first whatever is focused; a screen shows only its few most important keys
(``show=True``), the rest are listed by F1 and the command palette.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

FIRST = "f1"
"""The key shown first on every footer: it lists every key of the screen."""

PADDING = 3
"""Columns a footer key takes beside its key and description (a space each side, one
between)."""


class DeskFooter(Footer):
    """A footer that shows F1 first, then each action's first key once."""

    def compose(self) -> ComposeResult:
        if not self._bindings_ready:
            return
        active = self.screen.active_bindings
        shown: dict[str, tuple[Binding, bool, str]] = {}
        for _node, binding, enabled, tooltip in active.values():
            if binding.show and binding.action not in shown:
                shown[binding.action] = (binding, enabled, tooltip)
        keys = sorted(shown.values(), key=lambda item: item[0].key != FIRST)
        # As many as fit whole, in order (the screen's own keys before Quit and Lock): a key
        # cut at the edge ("^l Loc") says less than one left to F1's list.
        room = self.app.size.width
        fitting = []
        for binding, enabled, tooltip in keys:
            width = len(self.app.get_key_display(binding)) + len(binding.description) + PADDING
            if width > room:
                break
            room -= width
            fitting.append((binding, enabled, tooltip))
        self.styles.grid_size_columns = len(fitting)
        for binding, enabled, tooltip in fitting:
            yield FooterKey(
                binding.key,
                self.app.get_key_display(binding),
                binding.description,
                binding.action,
                disabled=not enabled,
                tooltip=tooltip,
            ).data_bind(compact=Footer.compact)

    def on_resize(self) -> None:
        """Show as many keys as the new width holds."""
        self.refresh(recompose=True)


SHOW_KEYS = Binding(
    "f1", "app.toggle_keys", "Keys", tooltip="Show or hide every key of this screen"
)
"""F1 for a modal screen: a modal does not reach the application's own bindings."""
