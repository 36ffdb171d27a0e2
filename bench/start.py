"""One start of an application, headless, timed from the outside.

``python -m bench.start bare`` runs a bare Textual app with one input and exits once it is
drawn; ``python -m bench.start carerdesk DB`` runs carerdesk on the register ``DB`` and exits
once the home screen is interactive with the register open (after a few searches, so the
peak memory includes them). Prints a JSON line: peak memory (MB) and in-process times.
"""

from __future__ import annotations

import json
import resource
import sys
import time

STARTED = time.perf_counter()


def _peak_mb() -> float:
    # VmHWM, not getrusage: ru_maxrss survives exec, so a child of a large benchmark process
    # would report its parent's peak.
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def bare() -> None:
    from textual.app import App, ComposeResult
    from textual.widgets import Footer, Header, Input

    class Bare(App[None]):
        def compose(self) -> ComposeResult:
            yield Header()
            yield Input(placeholder="search")
            yield Footer()

        def on_mount(self) -> None:
            self.call_after_refresh(self.exit)

    Bare().run(headless=True, size=(80, 24))
    print(json.dumps({"ready_s": time.perf_counter() - STARTED, "peak_mb": _peak_mb()}))


def carerdesk(db: str) -> None:
    from carerdesk.app import CarerdeskApp

    times: dict[str, float] = {}

    class Timed(CarerdeskApp):
        def on_mount(self) -> None:
            # Scheduled before the app's own after-first-frame work (opening the register).
            self.call_after_refresh(self._bench_drawn)
            super().on_mount()
            self.watch(self, "ready", self._bench_ready)

        def _bench_drawn(self) -> None:
            times["first_screen_s"] = time.perf_counter() - STARTED

        def _bench_ready(self, ready: bool) -> None:
            if ready:
                times["ready_s"] = time.perf_counter() - STARTED
                self.call_after_refresh(self._bench_search)

        def _bench_search(self) -> None:
            # Open the register as a desk would: a few searches, then stop.
            from carerdesk.core.permissions import Actor, Role
            from carerdesk.db.search import find_carers

            desk = Actor("Bench Desk", Role.STAFF)
            for query in ("a", "sm", "pat", "jones", "HA1", "C000123"):
                with self.unit_of_work() as session:
                    # The benchmark's own searches have read past the bulk-read limit as this
                    # desk: measure the start, not the deliberate wait that would follow.
                    find_carers(session, query, by=desk, pause=lambda seconds: None)
            self.exit()

    # The URL by hand: importing carerdesk.db.engine here would import SQLAlchemy up front.
    Timed(f"sqlite:///{db}").run(headless=True, size=(80, 24))
    print(json.dumps({**times, "peak_mb": _peak_mb()}))


if __name__ == "__main__":
    if sys.argv[1] == "bare":
        bare()
    else:
        carerdesk(sys.argv[2])
