"""Weekly returns

Each return made to the commissioner, remembered with its figures and a checksum, and the
date indexes the week's counts read (spec/weekly-return.md).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 21:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "weekly_returns",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("week", sa.String(8), nullable=False),
        sa.Column("made_at", sa.DateTime(), nullable=False),
        sa.Column("made_by", sa.String(100), nullable=False),
        sa.Column("figures", sa.Text(), nullable=False),
        sa.Column("checksum", sa.String(64), nullable=False),
        sa.Column("amends", sa.String(36), nullable=True),
        sa.Column("suppress_under", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_weekly_returns"),
    )
    op.create_index("ix_weekly_returns_week", "weekly_returns", ["week"])
    op.create_index("ix_carers_closed_on", "carers", ["closed_on"])
    op.create_index("ix_cards_issued_on", "cards", ["issued_on"])
    op.create_index("ix_referrals_made_on", "referrals", ["made_on"])
    op.create_index("ix_referrals_closed_on", "referrals", ["closed_on"])


def downgrade() -> None:
    op.drop_index("ix_referrals_closed_on", "referrals")
    op.drop_index("ix_referrals_made_on", "referrals")
    op.drop_index("ix_cards_issued_on", "cards")
    op.drop_index("ix_carers_closed_on", "carers")
    op.drop_index("ix_weekly_returns_week", "weekly_returns")
    op.drop_table("weekly_returns")
