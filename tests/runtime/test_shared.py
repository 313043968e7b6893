"""`hardlab.shared`: one resource used by one process at a time, across real processes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

import hardlab
from hardlab.runtime import SHARED_KEY, lock_dir

# Holds the resource `name` for `hold` seconds once it has it (a negative hold:
# until a line comes on stdin); says so on stdout.
HOLDER = """
import sys, time, hardlab
name, hold = sys.argv[1], float(sys.argv[2])
with hardlab.shared(name) as h:
    print(f"got {h.waited:.3f}", flush=True)
    if hold < 0:
        sys.stdin.readline()
    else:
        time.sleep(hold)
print("released", flush=True)
"""


def _holder(name: str, hold: float) -> subprocess.Popen[str]:
    process = subprocess.Popen(
        [sys.executable, "-c", HOLDER, name, str(hold)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=os.environ.copy(),
    )
    assert process.stdout is not None
    assert process.stdout.readline().startswith("got")  # it holds the resource now
    return process


def _release_when(holder: subprocess.Popen[str], asking: Path) -> threading.Thread:
    """Release `holder`'s resource 0.5 s after `asking` appears (the run is about to ask)."""

    def release() -> None:
        deadline = time.monotonic() + 120
        while not asking.exists() and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(0.5)
        assert holder.stdin is not None
        holder.stdin.write("\n")
        holder.stdin.flush()

    thread = threading.Thread(target=release, daemon=True)
    thread.start()
    return thread


@pytest.fixture(autouse=True)
def locks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "locks"
    monkeypatch.setenv("HARDLAB_LOCK_DIR", str(folder))
    monkeypatch.setenv("PYTHONPATH", str(Path(hardlab.__file__).parent.parent))
    return folder


def test_lock_dir_follows_the_variable(locks: Path) -> None:
    assert lock_dir() == locks


def test_a_second_process_waits_until_the_first_releases() -> None:
    holder = _holder("psu", 1.5)
    try:
        started = time.perf_counter()
        with hardlab.shared("psu") as hold:
            waited = time.perf_counter() - started
        assert waited >= 0.5
        assert 0.5 <= hold.waited <= waited
    finally:
        holder.wait(10)
    assert holder.returncode == 0


def test_other_names_do_not_wait() -> None:
    holder = _holder("psu", 2.0)
    try:
        with hardlab.shared("dmm") as hold:
            assert hold.waited < 0.2
    finally:
        holder.kill()
        holder.wait(10)


def test_a_killed_holder_releases_at_once() -> None:
    holder = _holder("psu", 60.0)
    holder.send_signal(signal.SIGKILL)
    holder.wait(10)
    started = time.perf_counter()
    with hardlab.shared("psu"):
        assert time.perf_counter() - started < 1.0


def test_reentrant_in_one_thread() -> None:
    with hardlab.shared("psu"), hardlab.shared("psu") as inner:
        assert inner.waited == 0.0


def test_empty_name_is_refused() -> None:
    with pytest.raises(ValueError, match="resource name"), hardlab.shared(" "):
        pass


def test_the_wait_is_kept_in_the_run(
    make_plan: Callable[..., Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    asking = tmp_path / "asking"
    monkeypatch.setenv("ASKING", str(asking))
    plan = make_plan(
        {
            "test_wait.py": """
            import os, pathlib
            import hardlab

            def test_wait():
                pathlib.Path(os.environ["ASKING"]).touch()
                with hardlab.shared("matrix"):
                    pass
                with hardlab.shared("matrix"):
                    pass
            """
        }
    )
    holder = _holder("matrix", -1)
    _release_when(holder, asking)
    try:
        result = hardlab.run(plan, store=False, operator=None, quiet=True)
    finally:
        holder.wait(10)
    assert result.passed
    row = result.report.artifact[SHARED_KEY]["matrix"]
    assert row["uses"] == 2
    assert row["wait_s"] >= 0.2
    assert row["max_wait_s"] <= row["wait_s"]
    assert row["held_s"] >= 0.0


def test_shared_instrument_takes_the_lock(
    make_plan: Callable[..., Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("pyvisa_sim")
    asking = tmp_path / "asking"
    monkeypatch.setenv("ASKING", str(asking))
    import hardlab.instruments as hi

    plan = make_plan(
        {
            "hardpy.toml": f"""
            [[hardlab.instruments]]
            name = "psu"
            resource = "USB0::0x1AB1::0x0E11::HLPSU0001::INSTR"
            backend = "{hi.BENCH_YAML}@sim"
            read_termination = "\\n"
            write_termination = "\\n"
            shared = true
            """,
            "test_psu.py": """
            import os, pathlib

            def test_psu(instruments):
                pathlib.Path(os.environ["ASKING"]).touch()
                instruments["psu"].write("VOLT 3.3")
                assert instruments["psu"].query("VOLT?") == "3.300"
            """,
        }
    )
    hi.close()
    holder = _holder("psu", -1)
    _release_when(holder, asking)
    try:
        result = hardlab.run(plan, store=False, operator=None, quiet=True)
    finally:
        hi.close()
        holder.wait(10)
    assert result.passed, result.errors
    row = result.report.artifact[SHARED_KEY]["psu"]
    assert row["uses"] == 3  # *IDN? as it opens, the write, the query
    assert row["wait_s"] >= 0.2
