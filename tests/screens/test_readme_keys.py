"""The README's key table, checked against the application: for each row, the screen it
names is driven with Pilot, the key pressed, and what the row says happens is looked for.

A row added to the table without a check here fails the first test, so the table cannot
drift from the application. One application walks every row (they are quick, the start is
not); each check starts at the home screen with an empty search box and leaves it there.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select
from textual.command import CommandPalette
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import DataTable, Input, Select, SelectionList

from carerdesk.app import CarerdeskApp
from carerdesk.core.entries import check_carer, check_contact
from carerdesk.db import carers, events
from carerdesk.db.engine import unit_of_work
from carerdesk.db.models import WeeklyReturn
from carerdesk.dialogs.access import SubjectAccessModal
from carerdesk.dialogs.card_preview import CardPreviewModal
from carerdesk.dialogs.close import CloseModal
from carerdesk.dialogs.confirm import ConfirmModal
from carerdesk.dialogs.contact import ContactModal
from carerdesk.dialogs.erase import EraseModal, KeepModal
from carerdesk.dialogs.export import ExportModal
from carerdesk.dialogs.form_modal import FormModal
from carerdesk.dialogs.printed import PrintModal
from carerdesk.dialogs.role import RoleModal
from carerdesk.screens.audit import AuditScreen
from carerdesk.screens.carer import CarerScreen
from carerdesk.screens.event_import import CompareModal, EventImportScreen, PassphraseModal
from carerdesk.screens.followups import FollowUpsScreen
from carerdesk.screens.home import HomeScreen
from carerdesk.screens.import_files import ImportModal
from carerdesk.screens.merge import DuplicatesScreen, MergeScreen
from carerdesk.screens.register import RegisterScreen
from carerdesk.screens.retention import RetentionScreen
from carerdesk.screens.returns import ReturnsScreen
from carerdesk.screens.services import ServicesScreen
from carerdesk.screens.signin import SignInScreen
from carerdesk.screens.users import UsersScreen
from carerdesk.widgets.form_field import FormField
from tests.conftest import STAFF, TODAY
from tests.screens.helpers import (
    footer_line,
    keys_offered,
    screen_text,
    settle,
    shown,
    table_text,
    type_text,
)

README = Path(__file__).parents[2] / "README.md"
PASSPHRASE = "purple kettle harbour"

Check = Callable[["Walk"], Awaitable[None]]
CHECKS: dict[tuple[str, str], Check] = {}


def key_table() -> list[tuple[str, str, str]]:
    """The rows of the README's table of keys: where, key, what it does."""
    lines = README.read_text(encoding="utf-8").splitlines()
    start = lines.index("| where | key | does |")
    rows = []
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        where, key, does = (cell.strip() for cell in line.strip("|").split(" | "))
        rows.append((where, key, does))
    return rows


def row(where: str, key: str) -> Callable[[Check], Check]:
    """Register the check of the table's row ``where | key``."""

    def register(check: Check) -> Check:
        CHECKS[(where, key)] = check
        return check

    return register


class Walk:
    """The application being walked, with what the checks share."""

    def __init__(self, pilot: Pilot[None], app: CarerdeskApp, tmp_path: Path, engine: Engine):
        self.pilot = pilot
        self.app = app
        self.tmp_path = tmp_path
        self.engine = engine

    @property
    def screen(self) -> Screen[Any]:
        return self.app.screen

    async def press(self, *keys: str) -> None:
        for key in keys:
            await self.pilot.press(key)
            await settle(self.pilot)

    async def type(self, text: str) -> None:
        await type_text(self.pilot, text)
        await settle(self.pilot)

    def text(self) -> str:
        """Everything on the screen, its lines joined."""
        return " ".join(screen_text(self.pilot).split())

    async def opens(self, key: str, kind: type[Screen[Any]], says: str = "") -> None:
        """Press ``key``: a ``kind`` of screen or dialog opens, saying ``says``. The notes
        of earlier rows go first: one still showing could cover what the new screen says."""
        self.app.clear_notifications()
        await self.press(key)
        assert isinstance(self.screen, kind), f"{key} opened {type(self.screen).__name__}"
        for _ in range(40):  # a dialog may still be filling in its parts on a busy machine
            if not says or says in self.text():
                break
            await self.pilot.pause(0.05)
        if says:
            assert says in self.text(), f"{key}: {says!r} not on the screen"

    async def back_to(self, kind: type[Screen[Any]]) -> None:
        """Esc until ``kind`` is shown, saying yes when a form asks before it is left."""
        for _ in range(8):
            if isinstance(self.screen, kind):
                return
            await self.press("y" if isinstance(self.screen, ConfirmModal) else "escape")
        assert isinstance(self.screen, kind), f"could not get back to {kind.__name__}"

    async def home(self) -> None:
        await self.back_to(HomeScreen)
        await self.press("escape")  # the search box cleared

    async def search(self, text: str) -> None:
        await self.home()
        await self.type(text)

    async def record(self, text: str) -> None:
        """Open the first carer found for ``text``."""
        await self.search(text)
        await self.opens("enter", CarerScreen)

    def field(self, name: str) -> FormField:
        return self.screen.query_one(f"#field-{name}", FormField)


# --- home ------------------------------------------------------------------------------


@row("home", "↓, Enter")
async def _choose_and_open(walk: Walk) -> None:
    await walk.search("obrien")  # Siân and her duplicate
    home = walk.screen
    assert isinstance(home, HomeScreen) and len(home.hits) == 2
    await walk.press("down", "down")
    await walk.opens("enter", CarerScreen, home.hits[1].reference)


@row("home", "F2")
async def _register(walk: Walk) -> None:
    await walk.search("ada quill")
    await walk.opens("f2", RegisterScreen, "Register a new carer")
    assert (walk.field("first-name").text, walk.field("last-name").text) == ("Ada", "Quill")


@row("home", "F3")
async def _log_contact(walk: Walk) -> None:
    await walk.search("amir")
    await walk.press("down")  # the result chosen (with several found, F3 asks which)
    await walk.opens("f3", ContactModal, "Amir Patel")


@row("home", "F4")
async def _anonymous(walk: Walk) -> None:
    await walk.home()
    await walk.opens("f4", ContactModal, "Anonymous")


@row("home", "Esc")
async def _clear(walk: Walk) -> None:
    await walk.search("sian")
    await walk.press("escape")
    assert walk.screen.query_one("#carer-search", Input).value == ""


@row("home", "F5")
async def _returns(walk: Walk) -> None:
    await walk.home()
    await walk.opens("f5", ReturnsScreen)


@row("home", "F10")
async def _follow_ups(walk: Walk) -> None:
    await walk.home()
    await walk.opens("f10", FollowUpsScreen)


@row("follow-ups", "S")
async def _services(walk: Walk) -> None:
    await walk.home()
    await walk.opens("f10", FollowUpsScreen)
    await walk.opens("s", ServicesScreen)


@row("services", "A, E or Enter, D")
async def _service_keys(walk: Walk) -> None:
    await _services(walk)
    await walk.opens("a", FormModal, "Add a service")
    await walk.back_to(ServicesScreen)
    first = table_text(walk.pilot, "#services")[0].split(" | ")[0]
    for key in ("e", "enter"):
        await walk.opens(key, FormModal, first)
        await walk.back_to(ServicesScreen)
    await walk.press("d", "y")  # retiring asks first
    assert f"{first} (retired" in table_text(walk.pilot, "#services")[0]
    await walk.press("d")  # brought back
    assert table_text(walk.pilot, "#services")[0].split(" | ")[0] == first


@row("home", "F6, F9")
async def _import_export(walk: Walk) -> None:
    await walk.home()
    await walk.opens("f6", ImportModal)
    await walk.home()
    await walk.opens("f9", ExportModal)


@row("home", "F7, F8")
async def _accounts_audit(walk: Walk) -> None:
    await walk.home()
    await walk.opens("f7", UsersScreen)
    await walk.home()
    await walk.opens("f8", AuditScreen)


def _old_record(walk: Walk, first: str) -> None:
    """A carer registered in 2018 whose record closed in 2019: due for review."""
    from datetime import date

    from carerdesk.core.entries import check_carer
    from carerdesk.db import carers

    with unit_of_work(walk.engine) as session:
        values = {"first_name": first, "last_name": "Oldfield", "date_of_birth": "01/01/1960",
                  "registered_on": "01/11/2018", "consent_store": "yes"}  # fmt: skip
        made = carers.register_carer(session, check_carer(values, TODAY), by=STAFF)
        carers.close_carer(session, made.id, on=date(2019, 11, 1), reason="moved_away", by=STAFF)


@row("home", "F11")
async def _retention(walk: Walk) -> None:
    await walk.home()
    await walk.opens("f11", RetentionScreen, "Retention review")


@row("retention review", "Space; Z; K; T")
async def _retention_keys(walk: Walk) -> None:
    _old_record(walk, "Quentin")
    _old_record(walk, "Rosalind")
    await _retention(walk)
    names = [row.split(" | ")[2] for row in table_text(walk.pilot, "#retention")]
    assert names == ["Quentin Oldfield", "Rosalind Oldfield"]
    await walk.opens("k", KeepModal, "Keep Quentin Oldfield")
    await walk.type("legal hold")
    await walk.press("enter")
    await walk.press("t")
    assert "legal hold" in table_text(walk.pilot, "#retention")[0]
    await walk.press("t", "space")
    assert table_text(walk.pilot, "#retention")[0].startswith("[x]")
    await walk.opens("z", EraseModal, "Type erase 1 to confirm")
    await walk.type("erase 1")
    await walk.press("ctrl+s")
    assert table_text(walk.pilot, "#retention") == []


@row("home", "F12")
async def _duplicates(walk: Walk) -> None:
    await walk.home()
    await walk.opens("f12", DuplicatesScreen)


@row("duplicates", "Enter; N")
async def _duplicate_keys(walk: Walk) -> None:
    await _duplicates(walk)
    await walk.opens("enter", MergeScreen)
    await walk.back_to(DuplicatesScreen)
    pairs = table_text(walk.pilot, "#pairs")
    amir = next(index for index, pair in enumerate(pairs) if "Amir" in pair)
    walk.screen.query_one("#pairs", DataTable).move_cursor(row=amir)
    await walk.opens("n", ConfirmModal, "Two people")
    await walk.press("y")
    assert not any("Amir" in pair for pair in table_text(walk.pilot, "#pairs"))


@row("event import (F6, an `.event` file)", "Enter; Space; Ctrl+S")
async def _event_import(walk: Walk) -> None:
    await walk.home()
    await walk.opens("f6", ImportModal)
    await walk.type(str(_stall(walk.tmp_path)))
    await walk.opens("enter", PassphraseModal)
    await walk.type(PASSPHRASE)
    await walk.opens("enter", EventImportScreen)
    rows = table_text(walk.pilot, "#incoming")
    maybe = next(index for index, text in enumerate(rows) if "maybe" in text)
    walk.screen.query_one("#incoming", DataTable).move_cursor(row=maybe)
    await walk.opens("enter", CompareModal, "Amir Patel")  # side by side
    await walk.back_to(EventImportScreen)
    before = table_text(walk.pilot, "#incoming")[0]
    walk.screen.query_one("#incoming", DataTable).move_cursor(row=0)
    await walk.press("space")
    assert table_text(walk.pilot, "#incoming")[0] != before  # join or new, switched
    await walk.press("space")
    await walk.opens("ctrl+s", ConfirmModal)
    await walk.press("y")
    assert all("imported before" in text for text in table_text(walk.pilot, "#incoming"))


@row("merge", "← →; S; Ctrl+S")
async def _merge(walk: Walk) -> None:
    await _duplicates(walk)
    pairs = table_text(walk.pilot, "#pairs")
    sian = next(index for index, pair in enumerate(pairs) if "Sian O'Brien" in pair)
    walk.screen.query_one("#pairs", DataTable).move_cursor(row=sian)
    await walk.opens("enter", MergeScreen)
    rows = table_text(walk.pilot, "#merge-fields")
    first_name = next(i for i, r in enumerate(rows) if r.startswith("First name"))
    walk.screen.query_one("#merge-fields", DataTable).move_cursor(row=first_name)
    await walk.press("right")
    assert table_text(walk.pilot, "#merge-fields")[first_name].endswith("▶ Sian")
    await walk.press("left")
    assert "▶ Siân" in table_text(walk.pilot, "#merge-fields")[first_name]
    title = shown(walk.pilot, "#merge-title")
    await walk.press("s")
    assert shown(walk.pilot, "#merge-title") != title  # the other record stays
    await walk.press("s")
    await walk.opens("ctrl+s", ConfirmModal, "Merge")
    await walk.press("y")
    assert isinstance(walk.screen, CarerScreen)


@row("accounts", "A, R, P, D")
async def _account_keys(walk: Walk) -> None:
    await walk.home()
    await walk.opens("f7", UsersScreen)
    for key, says in (("a", "Add a staff account"), ("r", "Change the role"), ("p", "new PIN")):
        await walk.opens(key, FormModal, says)
        await walk.back_to(UsersScreen)
    await walk.opens("d", ConfirmModal, "Deactivate")
    await walk.press("n")


@row("import", "Enter in the path; Ctrl+S")
async def _import_keys(walk: Walk) -> None:
    files = walk.tmp_path / "files"
    files.mkdir()
    (files / "carers.csv").write_text(
        "Reference,First name,Last name,Date of birth,Registered on,Consent store\r\n"
        "C000050,Ola,Quist,14/03/1989,02/11/2026,Yes\r\n",
        encoding="utf-8",
    )
    await walk.home()
    await walk.opens("f6", ImportModal)
    await walk.type(str(files))
    await walk.press("enter")
    assert "Checked: carers: 1 new" in " ".join(shown(walk.pilot, "#import-status").split())
    await walk.press("ctrl+s")
    assert "Imported: carers: 1 new" in " ".join(shown(walk.pilot, "#import-status").split())


@row("import", "Ctrl+O")
async def _import_problems_saved(walk: Walk) -> None:
    carers = walk.tmp_path / "move" / "carers.csv"
    carers.parent.mkdir()
    carers.write_text(
        "Reference,First name,Last name,Date of birth,Registered on,Consent store\r\n"
        "C000060,Ada,Quist,31/02/1989,02/11/2026,Yes\r\n",
        encoding="utf-8",
    )
    await walk.home()
    await walk.opens("f6", ImportModal)
    await walk.type(str(carers))
    await walk.press("enter")
    await walk.press("ctrl+o")
    assert (walk.tmp_path / "move" / "carers-problems.xlsx").exists()
    assert "Saved carers-problems.xlsx beside the file" in walk.text()


@row("mapping (F6, another system's file)", "Enter, Del, V, A; P; Ctrl+S")
async def _mapping_keys(walk: Walk) -> None:
    from carerdesk.dialogs.coded_values import CodedValuesModal
    from carerdesk.dialogs.pick import PickModal
    from carerdesk.screens.mapping import MappingScreen

    members = walk.tmp_path / "members.csv"
    members.write_text(
        "Client ID,Name,DOB,Sex,Date Registered,Remarks\r\n"
        "HX-201,Ola Quist,14/03/1989,F,02/11/2026,Mornings\r\n",
        encoding="utf-8",
    )
    await walk.home()
    await walk.opens("f6", ImportModal)
    await walk.type(str(members))
    await walk.opens("enter", MappingScreen, "Full name")
    await walk.press("down", "down", "down")  # Sex
    await walk.opens("v", CodedValuesModal, "F ")
    await walk.opens("escape", MappingScreen)
    await walk.press("down", "down")  # Remarks
    await walk.opens("enter", PickModal, "Remarks")
    await walk.type("notes")
    await walk.press("enter")
    assert table_text(walk.pilot, "#mapping-columns")[5].endswith("Notes")
    await walk.press("delete")
    assert table_text(walk.pilot, "#mapping-columns")[5].endswith("left out")
    await walk.opens("a", PickModal, "every row")
    await walk.type("consent keep")
    await walk.opens("enter", PickModal, "for every row")
    await walk.press("enter")  # yes
    await walk.press("p")
    assert "Consent to keep their details | yes" in table_text(walk.pilot, "#preview-rows")
    await walk.opens("ctrl+s", ImportModal, "Checked: carers: 1 new")
    assert (walk.tmp_path / "members.csv.mapping.toml").exists()


@row("audit trail", "Enter in a filter box; F5")
async def _audit_keys(walk: Walk) -> None:
    await walk.home()
    await walk.opens("f8", AuditScreen)
    await walk.type("sam")
    await walk.press("enter")
    rows = table_text(walk.pilot, "#trail")
    assert rows and all("Sam Staff" in text for text in rows)
    await walk.press("f5")
    assert "The audit trail is sound" in walk.text()


@row("weekly return", "Enter in the week box; PgUp, PgDn")
async def _return_weeks(walk: Walk) -> None:
    await walk.home()
    await walk.opens("f5", ReturnsScreen)
    box = walk.screen.query_one("#return-week", Input)
    box.value = ""
    await walk.type("2026-W45")
    await walk.press("enter")
    assert "2026-W45" in shown(walk.pilot, "#return-dates")  # that week shown
    await walk.press("pageup")
    assert box.value == "2026-W44"
    await walk.press("pagedown")
    assert box.value == "2026-W45"


@row("weekly return", "Ctrl+S")
async def _make_return(walk: Walk) -> None:
    await _return_weeks(walk)  # the week 2026-W45 shown
    await walk.press("ctrl+s")
    assert _returns_made(walk.engine, "2026-W45") == 1
    _late_contact(walk.engine)
    await walk.press("enter")  # the week counted again: its figures moved
    await walk.press("ctrl+s")
    assert _returns_made(walk.engine, "2026-W45") == 1  # the moved figures are shown first
    await walk.press("ctrl+s")
    assert _returns_made(walk.engine, "2026-W45") == 2  # then the amended return is made


# --- record ----------------------------------------------------------------------------


@row("record", "C or F3")
async def _record_contact(walk: Walk) -> None:
    await walk.record("amir")
    for key in ("c", "f3"):
        await walk.opens(key, ContactModal, "Amir Patel")
        await walk.back_to(CarerScreen)


@row("record", "E")
async def _edit(walk: Walk) -> None:
    await walk.record("amir")
    await walk.opens("e", RegisterScreen)
    assert walk.field("first-name").text == "Amir"


@row("record", "R; Enter on a role")
async def _roles(walk: Walk) -> None:
    await walk.record("amir")
    await walk.opens("r", RoleModal)
    await walk.back_to(CarerScreen)
    walk.screen.query_one("#roles").focus()
    await walk.opens("enter", RoleModal, "Parent")


@row("record", "X, O")
async def _close_reopen(walk: Walk) -> None:
    await walk.record("amir")
    await walk.opens("x", CloseModal)
    walk.screen.query_one("#field-closed-reason Select").focus()
    await walk.press("enter")
    await walk.type("no longer")
    await walk.press("enter", "ctrl+s")
    assert "CLOSED on 23/11/2026" in shown(walk.pilot, "#summary")
    await walk.press("o")
    assert "Active" in shown(walk.pilot, "#summary")


@row("record", "Z")
async def _erase(walk: Walk) -> None:
    await walk.record("amir")
    await walk.opens("z", EraseModal, "Erase the record of Amir Patel")
    assert "Type C0" in walk.text()
    await walk.type("C999999")
    await walk.press("ctrl+s")  # the wrong reference: nothing is erased
    assert "to confirm" in shown(walk.pilot, "#erase-error")
    await walk.back_to(CarerScreen)
    assert "Amir Patel" in shown(walk.pilot, "#summary")


@row("record", "I; Enter or V, P, K on a card; M")
async def _cards(walk: Walk) -> None:
    await walk.record("amir")
    await walk.opens("i", FormModal, "Issue a card to Amir Patel")
    await walk.press("ctrl+s")
    (card,) = table_text(walk.pilot, "#cards")
    number = card.split(" | ")[1]
    pdf = walk.tmp_path / "data" / "cards" / f"{number}.pdf"
    pdf.unlink()
    walk.screen.query_one("#cards").focus()
    for key in ("enter", "v"):  # the card as it prints
        await walk.opens(key, CardPreviewModal, number)
        await walk.back_to(CarerScreen)
    await walk.opens("p", PrintModal, number)  # the printer or the viewer offered
    await walk.back_to(CarerScreen)
    assert pdf.exists()
    await walk.opens("k", FormModal, f"Cancel card {number}")
    await walk.back_to(CarerScreen)
    await walk.opens("m", FormModal, "mergency contact")


@row("record", "F; Enter, W on a referral")
async def _referrals(walk: Walk) -> None:
    await walk.record("amir")
    await walk.opens("f", FormModal)
    await walk.press("enter")  # the service: open the list, type its start, take it
    await walk.type("benefits")
    await walk.press("enter", "tab")
    await walk.type("Help with a claim")
    await walk.press("ctrl+s")
    assert table_text(walk.pilot, "#referrals")[0].startswith("Benefits advice | Draft")
    walk.screen.query_one("#referrals").focus()
    await walk.opens("enter", FormModal, "They agree, today")  # sending asks their consent
    await walk.back_to(CarerScreen)
    forms = walk.tmp_path / "data" / "referrals"
    await walk.press("w")
    assert any(forms.glob("*.pdf")) and any(forms.glob("*.txt"))


@row("record", "A")
async def _subject_access(walk: Walk) -> None:
    await walk.record("amir")
    await walk.opens("a", SubjectAccessModal, "everything held about Amir Patel")
    await walk.press("ctrl+s")  # into the folder offered
    said = "".join(shown(walk.pilot, "#access-status").split())
    assert "Writtento" in said and ".json" in said and ".pdf" in said
    await walk.back_to(CarerScreen)


@row("record", "N")
async def _consent(walk: Walk) -> None:
    await walk.record("amir")
    await walk.opens("n", FormModal, "Consent of Amir Patel")
    for start in ("news", "given"):  # which consent, given or withdrawn: each list's option
        await walk.press("enter")
        await walk.type(start)
        await walk.press("enter", "tab")
    await walk.press("tab", "enter")  # the date stays today's; how they told us
    await walk.type("phone")
    await walk.press("enter", "ctrl+s")
    assert isinstance(walk.screen, CarerScreen)
    newest = shown(walk.pilot, "#consents").splitlines()[0]
    assert newest.split()[:6] == ["23/11/2026", "News", "and", "offers", "Given", "Phone"]


# --- forms -----------------------------------------------------------------------------


async def _form(walk: Walk) -> None:
    await walk.home()
    await walk.opens("f2", RegisterScreen)


@row("forms", "Tab, Shift+Tab")
async def _tab(walk: Walk) -> None:
    await _form(walk)
    first = walk.app.focused
    await walk.press("tab")
    assert walk.app.focused is not first
    await walk.press("shift+tab")
    assert walk.app.focused is first


@row("forms", "Enter on a list")
async def _lists(walk: Walk) -> None:
    await _form(walk)
    gender = walk.field("gender")
    gender.query_one(Select).focus()
    await walk.press("enter")
    assert gender.query_one(Select).expanded
    await walk.press("m", "enter")
    assert gender.text == "male"


@row("forms", "Space")
async def _tick(walk: Walk) -> None:
    await walk.home()
    await walk.opens("f4", ContactModal)
    support = walk.field("support")
    support.query_one(SelectionList).focus()
    await walk.press("space")
    assert support.text


@row("forms", "Ctrl+S")
async def _save(walk: Walk) -> None:
    await _form(walk)
    await walk.press("ctrl+s")
    assert "needed" in walk.text()  # checked: the fields still needed say so
    assert isinstance(walk.screen, RegisterScreen)
    walk.field("first-name").query_one(Input).focus()
    await walk.type("Ada")
    await walk.opens("escape", ConfirmModal)  # typed work: asks first
    await walk.press("y")
    assert isinstance(walk.screen, HomeScreen)


# --- everywhere ------------------------------------------------------------------------


@row("everywhere", "F1")
async def _keys(walk: Walk) -> None:
    await walk.home()
    await walk.press("f1")
    assert walk.screen.query("KeysPanel")
    assert "F5 Returns" in walk.text() and "F5" not in footer_line(walk.pilot)
    await walk.press("f1")
    assert not walk.screen.query("KeysPanel")


@row("everywhere", "Ctrl+P")
async def _palette(walk: Walk) -> None:
    await walk.record("amir")
    await walk.opens("ctrl+p", CommandPalette)
    await walk.type("audit")
    await walk.opens("enter", AuditScreen)  # a desk action, from a record


@row("everywhere", "Ctrl+T")
async def _themes(walk: Walk) -> None:
    await walk.home()
    seen = []
    for _ in range(3):
        await walk.press("ctrl+t")
        seen.append(walk.app.theme)
    assert sorted(seen) == ["carerdesk-dark", "carerdesk-high-contrast", "carerdesk-light"]


@row("everywhere", "Ctrl+L")
async def _lock(walk: Walk) -> None:
    await walk.record("amir")
    await walk.opens("ctrl+l", SignInScreen)
    assert "Amir" not in walk.text()
    await walk.type("Casey Coordinator")
    await walk.press("enter")
    await walk.type("2580")
    await walk.press("enter")
    assert isinstance(walk.screen, CarerScreen)  # back where they were


@row("everywhere", "Ctrl+Q")
async def _quit(walk: Walk) -> None:
    await walk.home()
    await walk.pilot.press("ctrl+q")
    await walk.pilot.pause()
    assert walk.app._exit, "carerdesk did not close"


# --- the register the walk needs -------------------------------------------------------


def _register_duplicates(engine: Engine) -> None:
    """Siân registered again (her accent lost), and Amir twice."""
    with unit_of_work(engine) as session:
        for first, last, born, mobile in (
            ("Sian", "O'Brien", "01/02/1970", "07700 900101"),
            ("Amir", "Patel", "12/08/1951", "07700 900888"),
        ):
            values = {"first_name": first, "last_name": last, "date_of_birth": born,
                      "mobile": mobile, "registered_on": "20/11/2026",
                      "consent_store": "yes"}  # fmt: skip
            carers.register_carer(session, check_carer(values, TODAY), by=STAFF, today=TODAY)


def _late_contact(engine: Engine) -> None:
    """A contact in the week 2026-W45, logged after its return was made."""
    from carerdesk.db.models import Carer

    with unit_of_work(engine) as session:
        thi = session.scalar(select(Carer.id).where(Carer.reference == "C000002"))
        assert thi is not None
        contact = check_contact(
            {"contact_on": "04/11/2026", "channel": "phone", "support": "information_advice"},
            TODAY,
        )
        carers.log_contact(session, thi, contact, by=STAFF)


def _returns_made(engine: Engine, week: str) -> int:
    with unit_of_work(engine, write=False) as session:
        count = session.scalar(
            select(func.count()).select_from(WeeklyReturn).where(WeeklyReturn.week == week)
        )
    return int(count or 0)


def _stall(tmp_path: Path) -> Path:
    """An event's file where Sian O'Brien, Amir Patel (unsure: no phone) and Ola registered."""
    path = tmp_path / "stall.event"
    events.start_event(
        path, PASSPHRASE, name="Carers Week stall", venue="St Ann's", day="23/11/2026",
        volunteer="Robin Volunteer", pin="2468",
    )  # fmt: skip
    engine = events.open_event(path, PASSPHRASE)
    with unit_of_work(engine) as session:
        for first, last, born, mobile in (
            ("Sian", "O'Brien", "01/02/1970", "07700 900101"),
            ("Amir", "Patel", "12/08/1951", ""),
            ("Ola", "Brown", "03/03/1990", "07700 900777"),
        ):
            values = {"first_name": first, "last_name": last, "date_of_birth": born,
                      "mobile": mobile, "registered_on": "23/11/2026",
                      "registered_at": "event", "consent_store": "yes"}  # fmt: skip
            carers.register_carer(session, check_carer(values, TODAY), by=STAFF)
    engine.dispose()
    return path


# --- the tests -------------------------------------------------------------------------


def test_every_row_of_the_readme_key_table_has_a_check() -> None:
    rows = {(where, key) for where, key, _ in key_table()}
    assert len(rows) > 30
    unchecked = sorted(rows - CHECKS.keys())
    assert not unchecked, f"README rows with no check here (add one): {unchecked}"
    gone = sorted(CHECKS.keys() - rows)
    assert not gone, f"checks of rows no longer in the README (remove them): {gone}"


async def test_each_key_in_the_readme_does_what_its_row_says(
    make_app: Callable[..., CarerdeskApp], engine: Engine, tmp_path: Path
) -> None:
    _register_duplicates(engine)
    app = make_app(user="Casey Coordinator")
    failed = []
    async with app.run_test(size=(100, 34), notifications=True) as pilot:
        walk = Walk(pilot, app, tmp_path, engine)
        await settle(pilot)
        for where, key, does in key_table():
            check = CHECKS.get((where, key))
            if check is None:
                continue  # the test above names it
            try:
                await check(walk)
            except Exception as error:  # every row is tried, each failure named
                failed.append(f"{where} | {key} | {does}: {type(error).__name__}: {error}")
    assert not failed, "\n".join(failed)


@pytest.mark.parametrize("user", ["Sam Staff", "Robin Volunteer"])
async def test_the_coordinators_keys_in_the_readme_are_only_the_coordinators(
    make_app: Callable[..., CarerdeskApp], user: str
) -> None:
    coordinators = {
        key.lower()
        for where, keys, does in key_table()
        if where == "home" and does.endswith("(coordinator)")
        for key in keys.split(", ")
    }
    assert coordinators == {"f5", "f6", "f7", "f8", "f9", "f11", "f12"}
    app = make_app(user=user)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert not coordinators & keys_offered(pilot)
        for key in sorted(coordinators):
            await pilot.press(key)
            await settle(pilot)
            assert isinstance(app.screen, HomeScreen)
