"""Card endings and emergency contacts

When and why a card stopped (replaced by a new one of its type, or cancelled), the carer's
emergency contacts and whether a contingency plan is held: what the emergency card prints.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 21:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cards") as cards:
        cards.add_column(sa.Column("ended_on", sa.Date(), nullable=True))
        cards.add_column(sa.Column("cancel_reason", sa.String(200), nullable=True))
    op.create_index("ix_cards_expires_on", "cards", ["expires_on"])
    with op.batch_alter_table("carers") as carers:
        carers.add_column(sa.Column("contingency_plan", sa.Boolean(), nullable=True))
    op.create_table(
        "emergency_contacts",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("carer_id", sa.String(36), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("relationship", sa.String(60), nullable=True),
        sa.Column("phone", sa.String(20), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(100), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.String(100), nullable=True),
        sa.ForeignKeyConstraint(
            ["carer_id"], ["carers.id"], name="fk_emergency_contacts_carer_id_carers"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_emergency_contacts"),
    )
    op.create_index("ix_emergency_contacts_carer_id", "emergency_contacts", ["carer_id"])


def downgrade() -> None:
    op.drop_index("ix_emergency_contacts_carer_id", "emergency_contacts")
    op.drop_table("emergency_contacts")
    with op.batch_alter_table("carers") as carers:
        carers.drop_column("contingency_plan")
    op.drop_index("ix_cards_expires_on", "cards")
    with op.batch_alter_table("cards") as cards:
        cards.drop_column("cancel_reason")
        cards.drop_column("ended_on")
