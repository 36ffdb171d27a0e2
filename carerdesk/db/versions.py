"""The version check of a save: a form names the version it was opened with, and a save over
a change made since is refused, never silently undone (``models.Versioned``)."""

from __future__ import annotations

from carerdesk.core.errors import Stale
from carerdesk.db.models import Versioned


def check_version(record: Versioned, version: int | None, what: str) -> None:
    """Refuse the save when ``record`` changed since its form was opened at ``version``.

    None skips the check (a command, or an action that reads the record as it is now). The
    update itself then carries ``WHERE version = <as read>``, in the same transaction."""
    if version is not None and record.version != version:
        raise Stale(
            f"This {what} was changed at another desk since you opened it, so nothing was "
            "saved. Open it again to see the change, then make yours."
        )
