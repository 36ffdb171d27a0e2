"""Small helpers for driving the screens as a person would."""

from __future__ import annotations

from rich.text import Text
from textual.pilot import Pilot
from textual.widgets import DataTable

from carerdesk.widgets.result_list import ResultList


async def settle(pilot: Pilot[None]) -> None:
    """Let the register open and every search finish, then let the screen redraw."""
    from textual.worker import WorkerCancelled

    for _ in range(3):
        while True:
            try:
                await pilot.app.workers.wait_for_complete()
                break
            except WorkerCancelled:  # a search replaced by the next keystroke's: wait again
                await pilot.pause()
        await pilot.pause()


async def type_text(pilot: Pilot[None], text: str) -> None:
    """Type ``text`` key by key."""
    for char in text:
        await pilot.press("space" if char == " " else char)


async def open_record(pilot: Pilot[None], text: str) -> None:
    """Search for ``text`` and open the first carer found, as a person would."""
    await settle(pilot)
    await type_text(pilot, text)
    await settle(pilot)
    await pilot.press("enter")
    await settle(pilot)


def table_text(pilot: Pilot[None], selector: str) -> list[str]:
    """Each row of a table as one string of its cells, as a person reads it."""
    widget = pilot.app.screen.query_one(selector)
    if isinstance(widget, ResultList):
        return widget.row_texts()
    assert isinstance(widget, DataTable)
    table: DataTable[object] = widget
    return [
        " | ".join(str(cell) for cell in table.get_row_at(index))
        for index in range(table.row_count)
    ]


def shown(pilot: Pilot[None], selector: str) -> str:
    """The text a widget shows, as plain text (markup and tables rendered)."""
    from io import StringIO

    from rich.console import Console
    from textual.content import Content
    from textual.widgets import Static

    widget = pilot.app.screen.query_one(selector)
    console = Console(width=max(widget.size.width, 40), file=StringIO(), record=True)
    content = widget.content if isinstance(widget, Static) else ""
    if not content:
        content = widget.render()
    if isinstance(content, Content):
        return content.plain
    console.print(Text.from_markup(content) if isinstance(content, str) else content)
    return console.export_text()


def screen_text(pilot: Pilot[None]) -> str:
    """Everything on the screen now, line by line as plain text (notifications included)."""
    strips = pilot.app.screen._compositor.render_strips()
    return "\n".join(strip.text.rstrip() for strip in strips)


def footer_line(pilot: Pilot[None]) -> str:
    """The footer as the person sees it: the screen's bottom line, cut at its width."""
    return screen_text(pilot).splitlines()[-1]


def keys_offered(pilot: Pilot[None]) -> set[str]:
    """The keys the screen offers now: those of the footer, F1's list and the palette."""
    return {active.binding.key for active in pilot.app.screen.active_bindings.values()}


async def type_at_full_speed(pilot: Pilot[None], keys: list[str]) -> None:
    """Send ``keys`` as a terminal does when they come faster than the screen handles them:
    all at once, with no pause for the application between them (``pilot.press`` waits
    after each key, so it never shows a key reaching the wrong field); then wait until
    every key has been handled."""
    from textual import events
    from textual.keys import _character_to_key

    from carerdesk.app import CarerdeskApp

    app = pilot.app
    assert isinstance(app, CarerdeskApp)
    assert app._driver is not None
    expected = app.keys_typed + len(keys)
    for key in keys:
        char = key if len(key) == 1 else None
        name = _character_to_key(key) if char is not None and not key.isalnum() else key
        event = events.Key(name, char)
        event.set_sender(app)
        app._driver.send_message(event)
    import asyncio
    import time

    started = time.monotonic()
    while app.keys_typed < expected or app.keys_waiting:
        assert time.monotonic() - started < 120, "the keys typed were not all handled"
        await asyncio.sleep(0.005)
    await settle(pilot)
