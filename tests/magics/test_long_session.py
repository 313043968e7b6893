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

# ipykernel gives each thread that writes to IOPub a socket of its own and closes
# those of ended threads in a sweep every 10 s; a run's threads end with it. Count the
# descriptors after that sweep, done here at once (as ipykernel's IOPub thread does it).
_iopub = getattr(getattr(get_ipython(), "kernel", None), "iopub_thread", None)

def _sweep():
    pipes = getattr(_iopub, "_event_pipes", None)
    if pipes is None:
        return
    with _iopub._event_pipe_gc_lock:
        for thread, socket in list(pipes.items()):
            if not thread.is_alive():
                socket.close()
                del pipes[thread]

def _level():
    gc.collect()
    _sweep()
    try:  # hand freed heap back to the system, so what is left in RSS is memory in use
        __import__("ctypes").CDLL("libc.so.6").malloc_trim(0)
    except OSError:
        pass
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
    # the process, after malloc_trim: what the allocator still holds is in use (a leak of
    # 0.4 MB a run, the size of a run's report and panel, would show as +72 MB)
    assert last["rss_mb"] - first["rss_mb"] < 64, (first, last)
