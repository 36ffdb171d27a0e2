"""The age bands: one declaration, read by the Python rule and the return's cut-off dates."""

from __future__ import annotations

from datetime import date

import pytest

from carerdesk.core import ages, codes, referrals
from carerdesk.core.returns import OUTCOMES, layout


def test_every_carer_type_has_a_band_in_code_list_order() -> None:
    assert [code for code, _ in ages.AGE_BANDS] == list(codes.CARER_TYPE)
    starts = [age for _, age in ages.AGE_BANDS]
    assert starts == sorted(starts) and starts[0] == 0


def test_a_changed_band_moves_the_python_rule_and_the_cut_offs_alike(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    born, day = date(2000, 6, 1), date(2026, 6, 1)  # 26 today
    assert ages.carer_type(born, day) == "adult_carer"
    assert dict(ages.born_by(day))["adult_carer"] == date(2000, 6, 1)
    bands = (("young_carer", 0), ("young_adult_carer", 18), ("adult_carer", 27),
             ("older_carer", 65))  # fmt: skip
    monkeypatch.setattr(ages, "AGE_BANDS", bands)
    assert ages.carer_type(born, day) == "young_adult_carer"
    assert dict(ages.born_by(day))["adult_carer"] == date(1999, 6, 1)


def test_the_closing_statuses_are_declared_once() -> None:
    assert referrals.CLOSED == ("completed", "declined", "withdrawn")
    assert referrals.OPEN == ("draft", "sent", "acknowledged")
    assert OUTCOMES is referrals.CLOSED
    assert ("referrals_closed", "outcome", referrals.CLOSED) in layout([])
