"""A referral's statuses: each step allowed, none skipped, closed ones fixed; the consent gate."""

from __future__ import annotations

import pytest

from carerdesk.core.errors import FieldError
from carerdesk.core.referrals import check_move, check_send


@pytest.mark.parametrize(
    ("current", "wanted"),
    [
        ("draft", "sent"),
        ("draft", "withdrawn"),
        ("sent", "acknowledged"),
        ("sent", "declined"),
        ("acknowledged", "completed"),
        ("acknowledged", "withdrawn"),
    ],
)
def test_each_step_forward_is_allowed(current: str, wanted: str) -> None:
    assert check_move(current, wanted) == wanted


@pytest.mark.parametrize(
    ("current", "wanted", "words"),
    [
        ("draft", "completed", "A draft referral can become sent or withdrawn, not that."),
        ("draft", "acknowledged", "can become sent or withdrawn"),
        ("acknowledged", "sent", "can become completed or declined or withdrawn"),
        ("completed", "withdrawn", "A completed referral is closed: it does not change."),
        ("declined", "sent", "is closed"),
        ("sent", "sent", "The referral is already sent."),
        ("sent", "lost", "Choose a status from the list."),
    ],
)
def test_no_step_is_skipped_and_closed_ones_stay_closed(
    current: str, wanted: str, words: str
) -> None:
    with pytest.raises(FieldError, match=words):
        check_move(current, wanted)


def test_sending_needs_consent_recorded_and_confirmed_now() -> None:
    check_send(True, confirmed=True)
    with pytest.raises(FieldError, match="have not consented to share"):
        check_send(None, confirmed=True)
    with pytest.raises(FieldError, match="have not consented to share"):
        check_send(False, confirmed=True)
    with pytest.raises(FieldError, match="Confirm that they agree, today"):
        check_send(True, confirmed=False)
