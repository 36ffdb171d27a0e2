"""Errors a person sees.

Each carries a message a volunteer understands: what happened and what to do next. Operations
raise them; screens show them beside a field, as a notification or as a modal; the command line
prints them on standard error and exits 1. None of them ever holds a personal detail or SQL.
"""

from __future__ import annotations


class CarerdeskError(Exception):
    """Something the user can act on. ``str(error)`` is the message to show."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class FieldError(CarerdeskError):
    """One field's value is refused; ``field`` names the field so a form can show it beside it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class InvalidEntry(CarerdeskError):
    """A whole entry was refused: ``errors`` maps each bad field to its message."""

    def __init__(self, errors: dict[str, str]) -> None:
        count = len(errors)
        noun = "field needs" if count == 1 else "fields need"
        super().__init__(f"{count} {noun} attention before this can be saved.")
        self.errors = errors


class NotFound(CarerdeskError):
    """A record asked for by reference or id does not exist."""


class NotAllowed(CarerdeskError):
    """The action is refused by a rule (a closed carer, a permission)."""


class DatabaseBusy(CarerdeskError):
    """Another desk held the register for too long; trying again usually works."""

    def __init__(self) -> None:
        super().__init__("The register is busy at another desk. Please try again in a moment.")


class RegisterUnavailable(CarerdeskError):
    """The register could not be read or written (a disk or database fault, not a person's
    mistake). Nothing of the action was saved."""

    def __init__(self) -> None:
        super().__init__(
            "The register could not be read or written, so nothing was changed. Try again; "
            "if it happens again, tell your coordinator."
        )


class RegisterReadOnly(CarerdeskError):
    """The register's file, or its folder, may not be written: nothing was saved."""

    def __init__(self, where: str = "") -> None:
        named = f" {where}" if where else ""
        super().__init__(
            f"The register{named} cannot be written: the file or its folder is read-only, so "
            "nothing was saved (everything saved before is still there). Ask whoever looks "
            "after this computer to let you write to it, then try again."
        )


class DiskFull(CarerdeskError):
    """The disk holding the register is full: nothing of the action was saved."""

    def __init__(self) -> None:
        super().__init__(
            "The disk is full, so nothing was saved (everything saved before is still there). "
            "Free some space on this computer, or tell your coordinator, then try again."
        )


class Stale(CarerdeskError):
    """A save over a change made at another desk since the form was opened: nothing was
    saved, and what the person typed is still theirs to save again."""


class EditConflict(Stale):
    """Fields the person changed were changed by someone else too since the form was opened.

    ``clashes`` maps each such field to (the value typed here, the value stored now);
    ``version`` is the record's version now, for the save that settles them. The message
    names the fields by label, never their values."""

    def __init__(self, labels: list[str], clashes: dict[str, tuple[object, object]], version: int):
        fields = ", ".join(labels)
        super().__init__(
            f"Someone else changed {fields} since you opened this form, so nothing was saved "
            "yet: choose which value to keep."
        )
        self.clashes = clashes
        self.version = version


class NoEmergencyContact(NotAllowed):
    """An emergency card prints the carer's emergency contacts: there are none yet."""

    def __init__(self) -> None:
        super().__init__(
            "An emergency card prints the carer's emergency contacts, and none is recorded: "
            "add at least one first (M on their record)."
        )
