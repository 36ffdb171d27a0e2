"""Consent history

Each consent (to keep their details, to share them, to be contacted) kept as dated entries:
given or withdrawn, how, and who recorded it. Each carer's consent fields as they stand
become their first entries (how not known); the fields stay, as the latest state.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03 16:00:00
"""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

CHUNK = 5000


def upgrade() -> None:
    op.create_table(
        "consents",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("carer_id", sa.String(36), nullable=False),
        sa.Column("consent", sa.String(10), nullable=False),
        sa.Column("given", sa.Boolean(), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("how", sa.String(20), nullable=True),
        sa.Column("recorded_by", sa.String(100), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(100), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.String(100), nullable=True),
        sa.ForeignKeyConstraint(["carer_id"], ["carers.id"], name="fk_consents_carer_id_carers"),
        sa.PrimaryKeyConstraint("id", name="pk_consents"),
    )
    op.create_index("ix_consents_carer_id", "consents", ["carer_id"])
    _first_entries()


def _first_entries() -> None:
    """Each carer's consents as they stand, as entries dated the consent date (or, without
    one, the registration date), recorded by whoever took the consent."""
    carers = sa.table(
        "carers",
        sa.column("pk", sa.Integer()),
        sa.column("id", sa.String()),
        sa.column("registered_on", sa.Date()),
        sa.column("consent_store", sa.Boolean()),
        sa.column("consent_date", sa.Date()),
        sa.column("consent_by", sa.String()),
        sa.column("consent_share", sa.Boolean()),
        sa.column("consent_contact", sa.Boolean()),
        sa.column("created_at", sa.DateTime()),
        sa.column("created_by", sa.String()),
    )
    consents = sa.table(
        "consents",
        *(
            sa.column(name, kind)
            for name, kind in (
                ("id", sa.String()),
                ("carer_id", sa.String()),
                ("consent", sa.String()),
                ("given", sa.Boolean()),
                ("date", sa.Date()),
                ("how", sa.String()),
                ("recorded_by", sa.String()),
                ("created_at", sa.DateTime()),
                ("created_by", sa.String()),
                ("updated_at", sa.DateTime()),
                ("updated_by", sa.String()),
            )
        ),
    )
    bind = op.get_bind()
    last = -1
    while True:
        rows = bind.execute(
            sa.select(carers).where(carers.c.pk > last).order_by(carers.c.pk).limit(CHUNK)
        ).all()
        if not rows:
            return
        last = rows[-1].pk
        entries = []
        for row in rows:
            entered: datetime = row.created_at
            for consent, given in (
                ("store", row.consent_store),
                ("share", row.consent_share),
                ("contact", row.consent_contact),
            ):
                if given is None:
                    continue
                entries.append(
                    {
                        "id": str(uuid.uuid4()),
                        "carer_id": row.id,
                        "consent": consent,
                        "given": bool(given),
                        "date": row.consent_date or row.registered_on,
                        "how": None,
                        "recorded_by": row.consent_by,
                        "created_at": entered,
                        "created_by": row.created_by,
                        "updated_at": entered,
                        "updated_by": row.created_by,
                    }
                )
        if entries:
            bind.execute(sa.insert(consents), entries)


def downgrade() -> None:
    op.drop_index("ix_consents_carer_id", "consents")
    op.drop_table("consents")
