"""The issue-card form: the reason offered follows the type chosen and the carer's cards of
that type (only "New" for a first card of it; renewal or replacement after), so a type
changed after the reason was suggested never keeps the other type's reason."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from textual import on
from textual.widgets import Select

from carerdesk.core import codes
from carerdesk.core.entries import FieldSpec
from carerdesk.dialogs.form_modal import FormModal
from carerdesk.widgets.form_field import FormField


class IssueCardModal(FormModal):
    """A ``FormModal`` whose reason list is the one for the chosen type of card."""

    def __init__(
        self,
        title: str,
        specs: Mapping[str, FieldSpec],
        save: Callable[[dict[str, str]], str],
        *,
        reasons: Mapping[str, tuple[str, tuple[str, ...]]],
        first: str,
    ) -> None:
        """``reasons``: for each type offered, the reason suggested and the reasons allowed;
        ``first``: the type chosen when the form opens."""
        super().__init__(
            title, specs, save, values={"card_type": first, "issue_reason": reasons[first][0]}
        )
        self.reasons = reasons

    def on_mount(self) -> None:
        super().on_mount()
        self._offer(self.values["card_type"])

    @on(Select.Changed)
    def _type_chosen(self, event: Select.Changed) -> None:
        field = event.select.parent
        if isinstance(field, FormField) and field.field_name == "card_type":
            self._offer(field.text)

    def _offer(self, card_type: str) -> None:
        """Offer the reasons allowed for ``card_type``, the suggested one chosen."""
        if card_type not in self.reasons:
            return
        suggested, allowed = self.reasons[card_type]
        field = self.query_one("#field-issue-reason", FormField)
        control = field.control
        assert isinstance(control, Select)
        control.set_options([(codes.ISSUE_REASON[code], code) for code in allowed])
        control.value = suggested
