"""A version on each record a person edits

Carers, caring roles, contacts, cards, referrals and staff accounts each count their changes:
a save names the version its form was opened with, and a save over someone else's change is
caught (and shown) rather than silently undoing it.

Revision ID: 0013
Revises: 0011
Create Date: 2026-12-03 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0011"
branch_labels = None
depends_on = None

TABLES = ("carers", "caring_roles", "contacts", "cards", "referrals", "users")


def upgrade() -> None:
    for table in TABLES:
        # SQLite adds a NOT NULL column with a default in place: no table is copied.
        op.add_column(table, sa.Column("version", sa.Integer(), nullable=False, server_default="1"))


def downgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("version")
