"""The results list: rows in columns, a cursor moved by keys, and a page that scrolls."""

from __future__ import annotations

from textual.app import App, ComposeResult

from carerdesk.widgets.result_list import ResultList
from carerdesk.widgets.search_box import SearchBox

ROWS = [(f"C{n:06d}", f"Person {n}") for n in range(1, 21)]


class ListApp(App[None]):
    CSS = "ResultList { height: 6; }"

    def __init__(self) -> None:
        super().__init__()
        self.chosen: list[int] = []

    def compose(self) -> ComposeResult:
        yield SearchBox(id="box")
        yield ResultList((("Ref", 8), ("Name", 12)), id="list")

    def on_mount(self) -> None:
        self.query_one(ResultList).show(ROWS, marked=frozenset({2}))

    def on_result_list_selected(self, event: ResultList.Selected) -> None:
        self.chosen.append(event.index)


def lines(app: App[None]) -> list[str]:
    """What the list shows, line by line."""
    widget = app.query_one(ResultList)
    return [widget.render_line(y).text.rstrip() for y in range(widget.size.height)]


async def test_header_rows_and_where_the_page_is() -> None:
    app = ListApp()
    async with app.run_test(size=(60, 12)) as pilot:
        await pilot.pause()
        shown = lines(app)
        assert shown[0].startswith(" Ref       Name") and shown[0].endswith("1-5 of 20")
        assert shown[1] == " C000001   Person 1"
        assert len(shown) == 6


async def test_keys_move_the_cursor_and_scroll() -> None:
    app = ListApp()
    async with app.run_test(size=(60, 12)) as pilot:
        await pilot.press("tab")  # from the box to the list
        for _ in range(7):
            await pilot.press("down")
        assert lines(app)[0].endswith("4-8 of 20")
        await pilot.press("enter")
        assert app.chosen == [7]
        await pilot.press("end")
        assert lines(app)[-1] == " C000020   Person 20"
        await pilot.press("home", "pagedown", "enter")
        assert app.chosen == [7, 5]


async def test_up_from_the_first_row_goes_back_to_the_box() -> None:
    app = ListApp()
    async with app.run_test(size=(60, 12)) as pilot:
        await pilot.press("tab", "down", "up", "up")
        assert app.focused is app.query_one(SearchBox)


async def test_a_click_moves_the_cursor_and_a_second_click_chooses() -> None:
    app = ListApp()
    async with app.run_test(size=(60, 12)) as pilot:
        await pilot.click(ResultList, offset=(3, 3))
        assert app.query_one(ResultList).cursor == 2 and app.chosen == []
        await pilot.click(ResultList, offset=(3, 3))
        assert app.chosen == [2]


async def test_new_rows_start_at_the_top_and_empty_shows_only_the_header() -> None:
    app = ListApp()
    async with app.run_test(size=(60, 12)) as pilot:
        await pilot.press("tab", "end")
        app.query_one(ResultList).show([])
        await pilot.pause()
        shown = lines(app)
        assert shown[0].rstrip() == " Ref       Name" and not any(shown[1:])


async def test_long_text_in_the_search_box_scrolls_to_the_cursor() -> None:
    app = ListApp()
    async with app.run_test(size=(30, 12)) as pilot:
        text = "abcdefghijklmnopqrstuvwxyz0123456789"
        for char in text:
            await pilot.press(char)
        box = app.query_one(SearchBox)
        assert box.value == text and box.scroll_x > 0
        assert "789" in box.render_line(0).text


async def test_where_the_page_is_never_covers_a_column_label() -> None:
    app = ListApp()
    async with app.run_test(size=(24, 12)) as pilot:
        await pilot.pause()
        assert lines(app)[0] == " Ref       Name"
