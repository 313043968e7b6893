"""Stopping a run with SIGTERM or Ctrl-C: exactly one case ``stopped`` (hardpy-contract §2.11)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals"),
]

PLAN = {
    "test_1.py": """
        def test_a():
            pass

        def test_b():
            pass
        """,
    "test_2.py": """
        import pathlib
        import time

        def test_waits():
            pathlib.Path(__file__).with_name("started").write_text("yes")
            time.sleep(60)

        def test_never():
            pass
        """,
    "test_3.py": """
        def test_later():
            pass
        """,
}

HARDLAB = str(Path(sys.executable).parent / "hardlab")


def _wait_for(path: Path, process: subprocess.Popen[bytes], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        if process.poll() is not None:
            out = process.stdout.read().decode() if process.stdout else ""
            pytest.fail(f"the run ended before the marker appeared:\n{out}")
        if time.monotonic() > deadline:
            process.kill()
            pytest.fail("the run did not reach the waiting case")
        time.sleep(0.05)


def _check_stopped(report: dict[str, Any]) -> None:
    statuses = {
        f"{m}::{c}": case["status"]
        for m, module in report["modules"].items()
        for c, case in module["cases"].items()
    }
    assert report["status"] == "stopped"
    assert statuses == {
        "test_1::test_a": "passed",
        "test_1::test_b": "passed",
        "test_2::test_waits": "stopped",
        "test_2::test_never": "skipped",
        "test_3::test_later": "skipped",
    }
    stopped = report["modules"]["test_2"]["cases"]["test_waits"]
    assert stopped["start_time"] is not None and stopped["stop_time"] is not None
    modules = {m: module["status"] for m, module in report["modules"].items()}
    assert modules == {"test_1": "passed", "test_2": "stopped", "test_3": "skipped"}


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "Ctrl-C"])
@pytest.mark.parametrize("entry", ["pytest", "hardlab run"])
def test_stop_marks_exactly_one_case_stopped(
    make_plan: Callable[..., Path], tmp_path: Path, sig: signal.Signals, entry: str
) -> None:
    plan = make_plan(PLAN)
    reports = tmp_path / "reports"
    if entry == "pytest":
        command = [sys.executable, "-m", "pytest", "--hardlab", f"--hardlab-report-dir={reports}"]
    else:
        command = [HARDLAB, "run", ".", "--report-dir", str(reports)]
    process = subprocess.Popen(
        command,
        cwd=plan,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    _wait_for(plan / "started", process)
    process.send_signal(sig)
    out, _ = process.communicate(timeout=30)
    assert process.returncode == pytest.ExitCode.INTERRUPTED, out.decode()
    (report_file,) = reports.glob("*.json")
    _check_stopped(json.loads(report_file.read_text()))


def test_stop_while_a_dialog_waits_for_the_operator(
    make_plan: Callable[..., Path], tmp_path: Path
) -> None:
    plan = make_plan(
        {
            **PLAN,
            "test_2.py": """
                import pathlib
                import hardlab

                def test_waits():
                    pathlib.Path(__file__).with_name("started").write_text("yes")
                    hardlab.run_dialog_box(
                        hardlab.DialogBox("Type the serial", widget=hardlab.TextInputWidget())
                    )

                def test_never():
                    pass
                """,
        }
    )
    reports = tmp_path / "reports"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "pytest",
            "--hardlab",
            "--hardlab-operator=terminal",
            f"--hardlab-report-dir={reports}",
        ],
        cwd=plan,
        stdin=subprocess.PIPE,  # the terminal operator waits on it; nothing is typed
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    _wait_for(plan / "started", process)
    time.sleep(0.3)  # let the prompt block in readline
    process.send_signal(signal.SIGTERM)
    out, _ = process.communicate(timeout=30)
    assert process.returncode == pytest.ExitCode.INTERRUPTED, out.decode()
    assert "Type the serial" in out.decode()
    (report_file,) = reports.glob("*.json")
    _check_stopped(json.loads(report_file.read_text()))
