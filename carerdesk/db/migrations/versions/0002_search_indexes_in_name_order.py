"""Search indexes in name order

Search reads a page of names in index order instead of sorting every match: a surname then a
first name, a first name then a surname, and the postcode as written. They replace the
single-column indexes of the folded names. Plain index operations, not a batch, so SQLite
never copies the carers table (which would drop the full-text triggers).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 13:21:43.279060
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_carers_first_folded", table_name="carers")
    op.drop_index("ix_carers_last_folded", table_name="carers")
    op.create_index("ix_carers_first_last", "carers", ["first_folded", "last_folded"])
    op.create_index("ix_carers_last_first", "carers", ["last_folded", "first_folded"])
    op.create_index("ix_carers_postcode", "carers", ["postcode"])


def downgrade() -> None:
    op.drop_index("ix_carers_postcode", table_name="carers")
    op.drop_index("ix_carers_last_first", table_name="carers")
    op.drop_index("ix_carers_first_last", table_name="carers")
    op.create_index("ix_carers_last_folded", "carers", ["last_folded"])
    op.create_index("ix_carers_first_folded", "carers", ["first_folded"])
