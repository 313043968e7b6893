"""A long session (issue 14): a kernel that runs ``%hardpy run`` 200 times does not grow.

Threads, file descriptors, widget models and memory after 200 runs of a
one-case plan are checked against their level after the first 20. The runs
are not stored, to keep the test short (the store's writer is a process of
its own per run; the stands test and benchmark load it).
"""

from __future__ import annotations

import json

import pytest
from _kernels import get_kernel_python, newest_line
from _magic_bench import start_bench, write

pytestmark = pytest.mark.slow

LEVEL = """
import gc, json, os, sys, threading, time
import ipywidgets

def _level():
    gc.collect()
    pages = int(open("/proc/self/statm").read().split()[1])
    instances = getattr(ipywidgets.Widget, "_active_widgets", None)
    if instances is None:
        from ipywidgets.widgets import widget as _widget
        instances = _widget._instances
    return {
        "threads": threading.active_count(),
        "tasks": len(os.listdir("/proc/self/task")),
        # the fewest of a few looks: a run's last pipes and sockets close just after it
        "fds": min(time.sleep(0.2) or len(os.listdir("/proc/self/fd")) for _ in range(5)),
        "widgets": len(instances),
        "rss_mb": pages * os.sysconf("SC_PAGE_SIZE") / 2**20,
        "objects": len(gc.get_objects()),
        "blocks": sys.getallocatedblocks(),
    }
"""

RUNS = """
for _i in range({n}):
    %hardpy run tiny --no-store
assert _.passed, _.status
print(json.dumps(_level()))
"""


def test_200_runs_in_one_kernel_do_not_grow(tmp_path_factory: pytest.TempPathFactory) -> None:
    folder = tmp_path_factory.mktemp("long-session")
    bench = start_bench(folder, get_kernel_python(newest_line()))
    try:
        write(folder / "tiny", {"hardpy.toml": 'tests_name = "Tiny"\n',
                                "test_tiny.py": "def test_one():\n    pass\n"})  # fmt: skip
        kernel = bench.kernel
        kernel.run(LEVEL)
        first = json.loads(kernel.run(RUNS.format(n=20), timeout=300).stdout.splitlines()[-1])
        last = json.loads(kernel.run(RUNS.format(n=180), timeout=900).stdout.splitlines()[-1])
        # the panels of older runs became static pictures; the newest stay live
        shown = kernel.run(
            "from hardlab.magics import _magics\nprint(len(_magics._panels), _magics.LIVE_PANELS)"
        ).stdout.split()
        assert shown[0] == shown[1], shown
    finally:
        bench.kernel.close()
    _no_growth(first, last)


def _no_growth(first: dict[str, float], last: dict[str, float]) -> None:
    """`last` (after 200 runs) against `first` (after 20): a leak a run would show by far."""
    assert last["threads"] <= first["threads"] + 1, (first, last)
    assert last["tasks"] <= first["tasks"] + 1, (first, last)
    assert last["fds"] <= first["fds"] + 20, (first, last)  # a leaked fd a run: +180
    assert last["widgets"] <= first["widgets"], (first, last)
    # the Python heap: live objects and allocated blocks
    assert last["objects"] <= first["objects"] * 1.01, (first, last)
    assert last["blocks"] <= first["blocks"] * 1.02, (first, last)
    # the process: the allocator keeps freed memory (20-50 MB seen); not a leak a run
    assert last["rss_mb"] - first["rss_mb"] < 64, (first, last)
