"""Records imported into a carer already in the register

An event's carer found to be someone the register knows is joined to that record; the event's
id is kept here, so importing the same event file again adds nothing.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-23 23:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "imported_records",
        sa.Column("source_id", sa.String(36), nullable=False),
        sa.Column("carer_id", sa.String(36), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("by", sa.String(100), nullable=False),
        sa.ForeignKeyConstraint(
            ["carer_id"], ["carers.id"], name="fk_imported_records_carer_id_carers"
        ),
        sa.PrimaryKeyConstraint("source_id", name="pk_imported_records"),
    )
    op.create_index("ix_imported_records_carer_id", "imported_records", ["carer_id"])


def downgrade() -> None:
    op.drop_index("ix_imported_records_carer_id", "imported_records")
    op.drop_table("imported_records")
