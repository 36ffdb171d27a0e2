"""Merges of duplicate records

A merged-away record points at the record it was merged into (its reference still finds
that one), and the pairs a coordinator has said are two people are remembered, so they are
not offered again.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-23 23:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("carers") as carers:
        carers.add_column(sa.Column("merged_into", sa.String(36), nullable=True))
    op.create_table(
        "not_duplicates",
        sa.Column("first_id", sa.String(36), nullable=False),
        sa.Column("second_id", sa.String(36), nullable=False),
        sa.Column("decided_by", sa.String(100), nullable=False),
        sa.Column("decided_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("first_id", "second_id", name="pk_not_duplicates"),
    )


def downgrade() -> None:
    op.drop_table("not_duplicates")
    with op.batch_alter_table("carers") as carers:
        carers.drop_column("merged_into")
