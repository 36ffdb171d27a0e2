"""A card as it will print, on the screen: its front, and Space turns it over to its back."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from carerdesk.export.cards import CardPrint, back_lines, inked, qr_text
from carerdesk.widgets.footer import SHOW_KEYS, DeskFooter

if TYPE_CHECKING:
    from carerdesk.widgets.desk import DeskApp


def front(card: CardPrint) -> Group:
    """The front as the PDF lays it out: the organisation's band, the type, the holder, the
    number and expiry, the QR code of the number beside them."""
    band = Table.grid(expand=True)
    band.add_column(ratio=1, no_wrap=True, overflow="ellipsis")
    band.add_column(justify="right", no_wrap=True)
    band.add_row(Text(inked(card.organisation), style="bold"), Text(inked(card.organisation_phone)))
    details = Text.assemble(
        (inked(card.title), "bold"),
        "\n\nHolder\n",
        (inked(card.holder), "bold"),
        "\n\nCard number\n",
        (card.card_number, "bold"),
        f"\nExpires {card.expires_on:%d/%m/%Y}",
    )
    body = Table.grid(expand=True)
    body.add_column(ratio=1)
    body.add_column(no_wrap=True)
    body.add_row(details, Text("\n".join(qr_text(card.card_number)[:-1])))
    return Group(band, body)


def back(card: CardPrint) -> Text:
    """The back's lines as the PDF prints them, headings in bold."""
    return Text("\n").join(
        Text(inked(text), style="bold" if style else "") for style, text in back_lines(card)
    )


class CardPreviewModal(ModalScreen[str | None]):
    """Dismisses with ``"print"`` for P (the record prints it), None for Esc."""

    CSS_PATH = "card_preview.tcss"
    BINDINGS = [
        SHOW_KEYS,
        Binding("space,b", "turn_over", "Turn over", tooltip="Show the other side"),
        Binding("p", "print", "Print", tooltip="Print this card"),
        Binding("escape", "close", "Back", tooltip="Back to the record"),
    ]

    app: DeskApp

    def __init__(self, card: CardPrint) -> None:
        super().__init__()
        self.card = card
        self.showing_back = False

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(
                f"{self.card.title} {self.card.card_number}, as it prints", classes="modal-title"
            )
            yield Static(id="card-side")
            yield Label("Space turns it over · P prints · Esc goes back", classes="hint")
        yield DeskFooter()

    def on_mount(self) -> None:
        self._show()

    def _show(self) -> None:
        side = self.query_one("#card-side", Static)
        side.update(back(self.card) if self.showing_back else front(self.card))
        side.border_title = "Back" if self.showing_back else "Front"
        side.set_class(self.showing_back, "-back")

    def action_turn_over(self) -> None:
        """Show the other side of the card."""
        self.showing_back = not self.showing_back
        self._show()

    def action_print(self) -> None:
        """Print this card (the record writes its PDF and offers the printer)."""
        self.dismiss("print")

    def action_close(self) -> None:
        """Back to the record."""
        self.dismiss(None)
