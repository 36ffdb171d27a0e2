"""Create or upgrade a register's tables with Alembic, from the first table on."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, inspect, text

from carerdesk.core.errors import CarerdeskError

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).with_name("migrations")
HEAD = "0017"
"""The newest migration, known without importing Alembic (a test checks it is Alembic's head).

Opening an up-to-date register then costs one query, not Alembic's import."""


class NewerRegister(CarerdeskError):
    """The register is at a migration this version of carerdesk does not know."""

    def __init__(self) -> None:
        super().__init__(
            "This register was made by a newer version of carerdesk, so this version did not "
            "open it (nothing in it was changed). Install the newer version on this computer, "
            "or use the computer where it was last opened."
        )


def _config() -> Config:
    # Alembic is imported only when a migration may run, to keep start-up fast.
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def head_revision() -> str:
    """The newest migration this version of carerdesk knows."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(_config()).get_current_head()
    assert head is not None
    return head


def is_known(revision: str) -> bool:
    """Whether ``revision`` is one of this version's migrations (a newer carerdesk's is not)."""
    if revision == HEAD:
        return True
    from alembic.script import ScriptDirectory
    from alembic.util import CommandError

    try:
        return ScriptDirectory.from_config(_config()).get_revision(revision) is not None
    except CommandError:
        return False


def current_revision(engine: Engine) -> str | None:
    """The migration a register is at, or None for an empty database."""
    with engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return None
        return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


def upgrade(engine: Engine) -> bool:
    """Bring the register to the newest migration; True when anything was done."""
    current = current_revision(engine)
    if current == HEAD:
        return False
    if current is not None and not is_known(current):
        raise NewerRegister()
    from alembic import command

    config = _config()
    with engine.execution_options(write=True).begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
    return True
