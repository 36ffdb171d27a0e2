"""What carerdesk does with an error it did not expect: a short code, a log entry, a plain word.

The screen faces the public, so a failure is never shown as a traceback: a person sees what
happened in plain words and a short code to quote (``say``), and the traceback goes to a log
file only this machine's user can read (``record``), under that code. The log holds the
exception's type and frames, never local values, and never an exception's message unless it is
one of carerdesk's own (``CarerdeskError``, written for a volunteer to read): a library's
message may quote what was being written (SQLAlchemy puts a statement's parameters in its
messages), a PIN or a carer's name among them.

Used by the application and the command line alike, so nothing here imports Textual.
"""

from __future__ import annotations

import os
import secrets
import traceback
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from carerdesk.core.errors import CarerdeskError
from carerdesk.settings import log_dir

LOG_NAME = "failures.log"
CODE_LETTERS = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
"""Letters and digits a person reads out without doubt (no I, L, O, 0 or 1)."""
MESSAGE_WITHHELD = "(message not logged: it may hold personal details)"


@dataclass(frozen=True)
class Failure:
    """One unexpected error: the code a person quotes, and whether its log entry was written."""

    code: str
    logged: bool


def new_code() -> str:
    """A short code to quote, such as ``K7P-2QX``."""
    letters = "".join(secrets.choice(CODE_LETTERS) for _ in range(6))
    return f"{letters[:3]}-{letters[3:]}"


def log_path() -> Path:
    """The failure log of this machine."""
    return log_dir() / LOG_NAME


def record(error: BaseException, *, now: datetime | None = None) -> Failure:
    """Write ``error`` to the failure log under a new code, and return the code.

    Never raises: a log that cannot be written (a full disk) still gives a code to quote.
    """
    code = new_code()
    when = (now or datetime.now(UTC)).astimezone(UTC)
    try:
        entry = describe(error, code, when)
    except Exception:  # a broken error object must not stop the failure being reported
        entry = f"=== {code} {when:%Y-%m-%dT%H:%M:%SZ} (the error could not be described)\n"
    try:
        _append(entry)
    except OSError:
        return Failure(code, logged=False)
    return Failure(code, logged=True)


def describe(error: BaseException, code: str, when: datetime) -> str:
    """The log entry of ``error``: its code, time (UTC), and each exception of its chain with
    its type and frames, the message only when carerdesk wrote it."""
    lines = [f"=== {code} {when.astimezone(UTC):%Y-%m-%dT%H:%M:%SZ} {_type_name(error)}"]
    chain = _chain(error)
    for index, exception in enumerate(chain):
        if index:
            lines.append(
                "The above was the direct cause of the following:"
                if exception.__cause__ is chain[index - 1]
                else "While handling the above, another error occurred:"
            )
        lines.append("Traceback (most recent call last):")
        # extract_tb keeps no local values (capture_locals is off), only files, lines, names.
        frames = traceback.extract_tb(exception.__traceback__)
        lines.extend(line.rstrip("\n") for line in frames.format())
        lines.append(f"{_type_name(exception)}: {_message(exception)}")
    return "\n".join(lines) + "\n\n"


def say(code: str) -> str:
    """What a person at the desk is told: what happened, that saved work is safe, what to do."""
    return (
        "Sorry: something went wrong that carerdesk did not expect, so what you were doing "
        "was not finished. Everything saved before it is safe; only that last action may not "
        "have been saved, so check it and try it again. The screen was locked: sign in to "
        f"carry on. If it happens again, tell your coordinator and quote the code {code}."
    )


def say_on_return(code: str) -> str:
    """What the person who signs in next is told (in a notification)."""
    return (
        "Before the screen locked, something went wrong that carerdesk did not expect, so the "
        "last action was not finished. Everything saved before it is safe: check that last "
        f"action and try it again. If it happens again, quote the code {code}."
    )


def say_in_one_line(code: str) -> str:
    """The same for the command line: one line on standard error."""
    return (
        "carerdesk stopped: something went wrong that it did not expect. Nothing saved before "
        f"it was lost; check the last change and try again. If it happens again, quote {code}."
    )


def _chain(error: BaseException) -> list[BaseException]:
    """``error`` and the exceptions it was raised from or while handling, first to last."""
    chain: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and all(current is not seen for seen in chain):
        chain.append(current)
        current = current.__cause__ or (
            None if current.__suppress_context__ else current.__context__
        )
    return chain[::-1]


def _type_name(error: BaseException) -> str:
    kind = type(error)
    return (
        kind.__qualname__
        if kind.__module__ == "builtins"
        else f"{kind.__module__}.{kind.__qualname__}"
    )


def _message(error: BaseException) -> str:
    if isinstance(error, CarerdeskError):
        return error.message
    return MESSAGE_WITHHELD


def _append(entry: str) -> None:
    """Append to the log, the folder readable by this machine's user alone (0700, file 0600)."""
    folder = log_dir()
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(folder, 0o700)
    descriptor = os.open(folder / LOG_NAME, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.fchmod(descriptor, 0o600)
        os.write(descriptor, entry.encode("utf-8", "replace"))
    finally:
        os.close(descriptor)
