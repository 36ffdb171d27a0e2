"""Cards and referrals

The last two record kinds of the register (spec/data.md): carer cards and passports, with a
unique number, and referrals to partner services.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 18:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def _stamps() -> list[sa.Column[object]]:
    return [
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(100), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.String(100), nullable=True),
    ]


def upgrade() -> None:
    op.create_table(
        "cards",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("card_number", sa.String(30), nullable=False),
        sa.Column("carer_id", sa.String(36), nullable=False),
        sa.Column("card_type", sa.String(30), nullable=False),
        sa.Column("issue_reason", sa.String(20), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("expires_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        *_stamps(),
        sa.ForeignKeyConstraint(["carer_id"], ["carers.id"], name="fk_cards_carer_id_carers"),
        sa.PrimaryKeyConstraint("id", name="pk_cards"),
        sa.UniqueConstraint("card_number", name="uq_cards_card_number"),
    )
    op.create_index("ix_cards_carer_id", "cards", ["carer_id"])
    op.create_table(
        "referrals",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("carer_id", sa.String(36), nullable=False),
        sa.Column("destination", sa.String(40), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("urgency", sa.String(10), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("made_on", sa.Date(), nullable=True),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("outcome", sa.Text(), nullable=True),
        *_stamps(),
        sa.ForeignKeyConstraint(["carer_id"], ["carers.id"], name="fk_referrals_carer_id_carers"),
        sa.PrimaryKeyConstraint("id", name="pk_referrals"),
    )
    op.create_index("ix_referrals_carer_id", "referrals", ["carer_id"])


def downgrade() -> None:
    op.drop_table("referrals")
    op.drop_table("cards")
