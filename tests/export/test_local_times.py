"""The weekly return's workbook says when it was made at the desk's local time."""

from __future__ import annotations

import io
from datetime import datetime

from openpyxl import load_workbook
from sqlalchemy import Engine

from carerdesk.core.permissions import SYSTEM
from carerdesk.core.weeks import Week
from carerdesk.db import returns
from carerdesk.db.engine import unit_of_work
from carerdesk.export.weekly import Cover, xlsx_bytes
from tests.conftest import COORDINATOR


def test_a_return_made_on_a_summer_evening_said_it_was_made_an_hour_earlier_in_utc(
    engine: Engine,
) -> None:
    week = Week(2026, 26)
    with unit_of_work(engine, write=False) as session:
        figures = returns.week_figures(session, week, COORDINATOR)
        days = returns.contacts_by_day(session, week, by=SYSTEM)
    made = datetime(2026, 6, 29, 23, 15)  # stored in UTC: 00:15 on 30 June at the desk
    cover = Cover("Harrow Carers", week, made, "Casey Coordinator", False)
    book = load_workbook(io.BytesIO(xlsx_bytes(cover, figures, days)))
    rows = {row[0].value: row[1].value for row in book["cover"].iter_rows() if len(row) > 1}
    assert rows["Made"] == "30/06/2026 00:15"
