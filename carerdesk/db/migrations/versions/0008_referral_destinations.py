"""The organisation's own list of referral destinations

Each service it refers to, with its name, its contact details (until now the settings
``referral_to_<code>``, moved here) and the weekly return's category it counts under. The
list starts as the code list of spec/data.md, each counting as itself.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23 22:40:00
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

# The code list as it stood when the table was made (a migration does not follow later
# changes to carerdesk.core.codes).
START = (
    ("council_carers_assessment", "Council carer's assessment"),
    ("young_carers_assessment", "Young carer's assessment"),
    ("benefits_advice", "Benefits advice"),
    ("counselling", "Counselling"),
    ("breaks_respite", "Breaks and respite"),
    ("gp_carer_registration", "GP carer registration"),
    ("mental_health_carers_support", "Mental health carers support"),
    ("dementia_support", "Dementia support"),
    ("employment_support", "Employment support"),
    ("other", "Other"),
)


def upgrade() -> None:
    table = op.create_table(
        "referral_destinations",
        sa.Column("code", sa.String(40), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("contact", sa.Text(), nullable=True),
        sa.Column("counts_as", sa.String(40), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("retired_on", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(100), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.String(100), nullable=True),
        sa.PrimaryKeyConstraint("code", name="pk_referral_destinations"),
    )
    bind = op.get_bind()
    settings = sa.table("settings", sa.column("key", sa.String), sa.column("value", sa.Text))
    keys = [f"referral_to_{code}" for code, _ in START]
    found = bind.execute(
        sa.select(settings.c.key, settings.c.value).where(settings.c.key.in_(keys))
    )
    contacts = {key: value for key, value in found}
    now = datetime.now(UTC).replace(tzinfo=None)
    op.bulk_insert(
        table,
        [
            {
                "code": code,
                "name": name,
                "contact": contacts.get(f"referral_to_{code}") or None,
                "counts_as": code,
                "position": position,
                "created_at": now,
                "updated_at": now,
            }
            for position, (code, name) in enumerate(START, 1)
        ],
    )
    op.execute(settings.delete().where(settings.c.key.in_(keys)))


def downgrade() -> None:
    bind = op.get_bind()
    destinations = sa.table(
        "referral_destinations", sa.column("code", sa.String), sa.column("contact", sa.Text)
    )
    settings = sa.table("settings", sa.column("key", sa.String), sa.column("value", sa.Text))
    starting = {code for code, _ in START}
    rows = bind.execute(sa.select(destinations.c.code, destinations.c.contact)).all()
    kept = [
        {"key": f"referral_to_{code}", "value": contact}
        for code, contact in rows
        if code in starting and contact
    ]
    if kept:
        op.bulk_insert(settings, kept)
    op.drop_table("referral_destinations")
