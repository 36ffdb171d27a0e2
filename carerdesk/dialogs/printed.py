"""A card's PDF is written: open it in the viewer, or send it to the printer, from here."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label

from carerdesk.core.errors import CarerdeskError
from carerdesk.export import printer
from carerdesk.widgets.footer import SHOW_KEYS, DeskFooter

if TYPE_CHECKING:
    from carerdesk.widgets.desk import DeskApp


class PrintModal(ModalScreen[None]):
    """Offers what this computer has: P sends the PDF to the printer (CUPS ``lp``), O opens
    it in the PDF viewer; when it has neither, says so and where the file is."""

    CSS_PATH = "printed.tcss"
    BINDINGS = [
        SHOW_KEYS,
        Binding("p", "send_to_printer", "Print", tooltip="Send it to the printer"),
        Binding("o", "open_viewer", "Open", tooltip="Open it in the PDF viewer"),
        Binding("escape", "close", "Back", tooltip="Leave the file where it is"),
    ]

    app: DeskApp

    def __init__(self, what: str, path: Path) -> None:
        super().__init__()
        self.what = what
        self.path = path
        self.can_print = printer.printer_command(path) is not None
        self.can_open = printer.viewer_command(path) is not None

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(f"{self.what} is ready to print.", classes="modal-title")
            yield Label(f"The PDF: {self.path}", id="printed-path")
            offers = []
            if self.can_print:
                offers.append("P sends it to the printer")
            if self.can_open:
                offers.append("O opens it in the PDF viewer")
            yield Label(
                ", ".join(offers) + "; Esc leaves it there."
                if offers
                else "This computer has no printer command (CUPS lp) and no PDF viewer "
                "(xdg-open): open the file above from your files and print it from there. "
                "Esc goes back.",
                id="printed-offer",
            )
        yield DeskFooter()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Offer only what this computer has."""
        if action == "send_to_printer":
            return self.can_print
        if action == "open_viewer":
            return self.can_open
        return True

    def action_send_to_printer(self) -> None:
        """Send the PDF to the printer, away from the screen (a printer may be slow)."""
        path, what = self.path, self.what

        def in_thread() -> None:
            try:
                said = printer.send_to_printer(path)
            except CarerdeskError as error:
                self.app.call_from_thread(self.app.notify, error.message, severity="error")
                return
            self.app.call_from_thread(
                self.app.notify, f"{what} is sent to the printer. {said}".strip(), timeout=10
            )

        self.app.run_worker(in_thread, thread=True, group="print", description="print a file")
        self.dismiss(None)

    def action_open_viewer(self) -> None:
        """Open the PDF in the desktop's viewer."""
        try:
            printer.open_in_viewer(self.path)
        except CarerdeskError as error:
            self.notify(error.message, severity="error")
            return
        self.notify(f"{self.what} is open in the PDF viewer.")
        self.dismiss(None)

    def action_close(self) -> None:
        """Leave the file where it is."""
        self.dismiss(None)
