"""A long shift (issue 14): a station that tests 200 units does not grow.

Threads, file descriptors, widget models and memory after 200 runs of a
one-case plan are checked against their level after the first 20. The runs
are not stored, to keep the test short (``tests/storage/test_stands.py``
loads the store).
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import os
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("ipywidgets")

from _station import MakePlan

from hardlab.widgets import Station

pytestmark = pytest.mark.slow


def _level() -> dict[str, float]:
    from ipywidgets.widgets import widget

    gc.collect()
    # hand freed heap back to the system, so what is left in RSS is memory in use
    with contextlib.suppress(OSError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    with open("/proc/self/statm", encoding="ascii") as statm:
        pages = int(statm.read().split()[1])
    return {
        "threads": threading.active_count(),
        "tasks": len(os.listdir("/proc/self/task")),
        "fds": len(os.listdir("/proc/self/fd")),
        "widgets": len(widget._instances),
        "rss_mb": pages * os.sysconf("SC_PAGE_SIZE") / 2**20,
        "objects": len(gc.get_objects()),
        "blocks": sys.getallocatedblocks(),
    }


def test_a_station_that_tests_200_units_does_not_grow(
    make_plan: MakePlan, record: Any, front: Any, tmp_path: Path
) -> None:
    plan = make_plan(
        {"hardpy.toml": 'tests_name = "Tiny"\n', "test_tiny.py": "def test_one():\n    pass\n"}
    )
    station = Station(plan, store=False)
    try:

        def units(count: int) -> dict[str, float]:
            for _ in range(count):
                front.click(station.start_button)
                handle = station.handle
                assert handle is not None
                assert handle.wait(60).passed
                record.clear()  # the test's own record of the messages, not the station's
            return _level()

        first = units(20)
        last = units(180)
        assert station.runs == 200
    finally:
        station.close()
    _no_growth(first, last)


def _no_growth(first: dict[str, float], last: dict[str, float]) -> None:
    """`last` (after 200 runs) against `first` (after 20): a leak a run would show by far."""
    assert last["threads"] <= first["threads"] + 1, (first, last)
    assert last["tasks"] <= first["tasks"] + 1, (first, last)
    assert last["fds"] <= first["fds"] + 10, (first, last)  # a leaked fd a run: +180
    assert last["widgets"] <= first["widgets"], (first, last)
    # the Python heap: live objects and allocated blocks
    assert last["objects"] <= first["objects"] * 1.01, (first, last)
    assert last["blocks"] <= first["blocks"] * 1.02, (first, last)
    # the process, after malloc_trim: what the allocator still holds is in use
    assert last["rss_mb"] - first["rss_mb"] < 64, (first, last)
