"""Erasure and retention review

``carers.erased_on`` marks an erased record (only the coded values the weekly return counts
are left); ``carers.kept_on`` and ``kept_reason`` remember a coordinator's choice to keep a
record at a retention review. ``erased_figures`` says which figures of a week already
returned an erasure moved, so that the returns screen can say why they moved.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03 16:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # SQLite adds nullable columns in place: the carers table (and its full-text triggers)
    # is not copied.
    op.add_column("carers", sa.Column("erased_on", sa.Date(), nullable=True))
    op.add_column("carers", sa.Column("kept_on", sa.Date(), nullable=True))
    op.add_column("carers", sa.Column("kept_reason", sa.String(200), nullable=True))
    op.create_table(
        "erased_figures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("week", sa.String(8), nullable=False),
        sa.Column("erased_at", sa.DateTime(), nullable=False),
        sa.Column("measure", sa.String(40), nullable=False),
        sa.Column("breakdown", sa.String(40), nullable=False),
        sa.Column("category", sa.String(100), nullable=False),
        sa.Column("change", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_erased_figures"),
    )
    op.create_index("ix_erased_figures_week", "erased_figures", ["week"])


def downgrade() -> None:
    op.drop_index("ix_erased_figures_week", "erased_figures")
    op.drop_table("erased_figures")
    # SQLite (3.35 and later) drops a column in place: the full-text triggers stay.
    for name in ("kept_reason", "kept_on", "erased_on"):
        op.drop_column("carers", name)
