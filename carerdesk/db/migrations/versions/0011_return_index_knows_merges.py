"""The weekly return's index covers merges

The return leaves out records merged into another (the survivor counts for both): the index
it reads carers through gains ``merged_into``, so the counts still come from the index alone.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-23 23:50:00
"""

from __future__ import annotations

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_carers_registered", "carers")
    op.create_index(
        "ix_carers_registered",
        "carers",
        ["registered_on", "closed_on", "date_of_birth", "merged_into"],
    )


def downgrade() -> None:
    op.drop_index("ix_carers_registered", "carers")
    op.create_index(
        "ix_carers_registered", "carers", ["registered_on", "closed_on", "date_of_birth"]
    )
