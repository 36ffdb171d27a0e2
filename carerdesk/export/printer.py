"""Handing a written PDF to this computer: its PDF viewer, or its printer.

The viewer is the desktop's own (``xdg-open`` on Linux, ``open`` on a Mac); the printer is
CUPS's ``lp``, to the default printer, or to the one named in ``CARERDESK_PRINTER``
(``lp -d NAME``). Either may be missing (a server, a terminal over SSH): then the desk says
so and where the file is, and the person prints it from there.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from carerdesk.core.errors import CarerdeskError

PRINTER_VARIABLE = "CARERDESK_PRINTER"


def viewer_command(path: Path) -> list[str] | None:
    """The command that opens ``path`` in the desktop's viewer, or None when there is none."""
    name = "open" if sys.platform == "darwin" else "xdg-open"
    found = shutil.which(name)
    return [found, str(path)] if found else None


def printer_command(path: Path) -> list[str] | None:
    """The command that sends ``path`` to the printer, or None when CUPS's ``lp`` is absent."""
    found = shutil.which("lp")
    if found is None:
        return None
    printer = os.environ.get(PRINTER_VARIABLE, "").strip()
    return [found, *(["-d", printer] if printer else []), "--", str(path)]


def open_in_viewer(path: Path) -> None:
    """Open ``path`` in the viewer, without waiting for the viewer to close."""
    command = viewer_command(path)
    if command is None:
        raise CarerdeskError("There is no PDF viewer on this computer (xdg-open).")
    try:
        subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
    except OSError as error:
        raise CarerdeskError("The PDF viewer could not be started.") from error


def send_to_printer(path: Path) -> str:
    """Send ``path`` to the printer and return what the print system said (its request id);
    a refusal says what to do."""
    command = printer_command(path)
    if command is None:
        raise CarerdeskError("There is no printer command on this computer (CUPS lp).")
    try:
        done = subprocess.run(
            command, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        raise CarerdeskError(
            "The printer did not answer. Check it is on, or open the PDF and print it from there."
        ) from error
    if done.returncode != 0:
        raise CarerdeskError(
            "The printer refused the card: check a default printer is set up (lpstat -d), "
            "or open the PDF and print it from there."
        )
    return done.stdout.strip()
