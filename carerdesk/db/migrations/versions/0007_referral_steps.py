"""Referral steps

What the carer hopes for, when the service acknowledged, who confirmed consent as the
referral was sent, and every step of a referral with when and by whom.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23 22:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("referrals") as referrals:
        referrals.add_column(sa.Column("hopes", sa.Text(), nullable=True))
        referrals.add_column(sa.Column("acknowledged_on", sa.Date(), nullable=True))
        referrals.add_column(sa.Column("consent_confirmed_by", sa.String(100), nullable=True))
        referrals.add_column(sa.Column("consent_confirmed_on", sa.Date(), nullable=True))
    op.create_table(
        "referral_events",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("referral_id", sa.String(36), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("by", sa.String(100), nullable=False),
        sa.ForeignKeyConstraint(
            ["referral_id"], ["referrals.id"], name="fk_referral_events_referral_id_referrals"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_referral_events"),
    )
    op.create_index("ix_referral_events_referral_id", "referral_events", ["referral_id"])


def downgrade() -> None:
    op.drop_index("ix_referral_events_referral_id", "referral_events")
    op.drop_table("referral_events")
    with op.batch_alter_table("referrals") as referrals:
        referrals.drop_column("consent_confirmed_on")
        referrals.drop_column("consent_confirmed_by")
        referrals.drop_column("acknowledged_on")
        referrals.drop_column("hopes")
