"""Alembic environment: runs on the connection carerdesk hands it (see ``db/migrate.py``)."""

from __future__ import annotations

from typing import Any

from alembic import context

from carerdesk.db.models import Base

# The SQLite full-text index and its shadow tables are made by a migration, not by the models:
# autogenerate must not try to drop them.
FTS_PREFIX = "carers_fts"


def include_name(name: str | None, type_: str, parent_names: Any) -> bool:
    return not (type_ == "table" and name is not None and name.startswith(FTS_PREFIX))


connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=True,
    include_name=include_name,
)
with context.begin_transaction():
    context.run_migrations()
