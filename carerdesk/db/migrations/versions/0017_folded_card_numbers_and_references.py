"""Folded keys for card numbers and references

An imported card keeps its number as it came (spaces, dashes, another scheme) and an
imported reference its capitals; each is found however typed through a folded key beside
it (``core.keys``): ``cards.number_key`` (letters and digits in capitals, one card whatever
its marks: a unique index) and ``carers.reference_key`` (the reference in capitals). Both
are filled in for the records already there.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-04 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from carerdesk.core.keys import card_key

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

BATCH = 5000


def _number_keys() -> None:
    connection = op.get_bind()
    rows = connection.execute(sa.text("SELECT id, card_number FROM cards")).all()
    update = sa.text("UPDATE cards SET number_key = :key WHERE id = :id")
    for start in range(0, len(rows), BATCH):
        batch = rows[start : start + BATCH]
        connection.execute(update, [{"key": card_key(number), "id": id_} for id_, number in batch])


def upgrade() -> None:
    # SQLite adds nullable columns in place: the carers table (and its full-text triggers)
    # is not copied.
    op.add_column("carers", sa.Column("reference_key", sa.String(20), nullable=True))
    op.add_column("cards", sa.Column("number_key", sa.String(30), nullable=True))
    # A reference is ASCII letters, digits, '-' and '/', so SQL's upper() is
    # core.keys.reference_key; one statement for the whole register (the full-text trigger
    # fires only on a change of search_text).
    op.execute("UPDATE carers SET reference_key = upper(trim(reference))")
    _number_keys()
    op.create_index("ix_carers_reference_key", "carers", ["reference_key"])
    op.create_index("ix_cards_number_key", "cards", ["number_key"], unique=True)


def downgrade() -> None:
    op.drop_index("ix_cards_number_key", "cards")
    op.drop_index("ix_carers_reference_key", "carers")
    # SQLite (3.35 and later) drops a column in place: the full-text triggers stay.
    op.drop_column("cards", "number_key")
    op.drop_column("carers", "reference_key")
