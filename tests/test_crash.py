"""A short run of ``make crash`` (``bench/crash.py``) inside the suite: a desk saving carers
and contacts killed with SIGKILL 10 times, an import of about 1,900 rows killed part way twice."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from bench.crash import run


@pytest.mark.crash
@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL and process groups are POSIX")
def test_no_confirmed_save_is_lost_and_an_import_is_all_or_nothing(tmp_path: Path) -> None:
    tally = run(tmp_path, kills=10, import_kills=2, seed=7, import_carers=300)  # ~1,900 rows

    assert tally.failures == []  # integrity check, audit chain, all-or-nothing, every time
    assert tally.kills == 10 and tally.import_kills == 2
    assert tally.confirmed > 0
    assert tally.lost == 0
