"""Reads counted, lockouts that grow, coordinators' recovery codes

``read_counts`` keeps how many carers' records each person read an hour (searches' results
and records opened), so a person reading far more than a desk does in a day is slowed and
the coordinator told. ``users.lockouts`` counts the lockouts in a row (each twice as long as
the one before); ``users.recovery_hash`` is the Argon2 hash of a coordinator's recovery code.
An index on the trail's action finds the few ``reading in bulk`` entries among the searches.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "read_counts",
        sa.Column("user_name", sa.String(60), nullable=False),
        sa.Column("hour", sa.DateTime(), nullable=False),
        sa.Column("records", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("user_name", "hour", name="pk_read_counts"),
    )
    op.create_index("ix_audit_action_at", "audit", ["action", "at"])
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("lockouts", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("recovery_hash", sa.String(200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_column("recovery_hash")
        batch.drop_column("lockouts")
    op.drop_index("ix_audit_action_at", "audit")
    op.drop_table("read_counts")
