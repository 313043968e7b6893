"""Crash safety and concurrency of the store, with real processes."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from _store_sql import query

from hardlab.model import TestStatus
from hardlab.storage import RunFilter, Store
from hardlab.storage._store import pid_alive

pytestmark = [pytest.mark.slow, pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")]

CASES = 30

# Each case writes "<case> started" to a journal and fsyncs it, so the test
# knows, after the kill, which cases had certainly finished: all those before
# the last one that started.
PLAN = {
    "conftest.py": """
        import os
        import pathlib

        import pytest

        JOURNAL = pathlib.Path(__file__).with_name("journal.txt")


        @pytest.fixture(autouse=True)
        def journal(request):
            with open(JOURNAL, "a") as out:
                out.write(request.node.name + "\\n")
                out.flush()
                os.fsync(out.fileno())
        """,
    "test_1.py": f"""
        import random
        import time

        import pytest
        import hardpy


        @pytest.mark.parametrize("i", range({CASES}))
        def test_case(i):
            if i == 0:
                hardpy.set_dut_serial_number("KILL-ME")
                hardpy.set_dut_part_number("PN-K")
            hardpy.set_message(f"case {{i}}")
            hardpy.set_case_measurement(hardpy.NumericMeasurement(name="i", value=i))
            time.sleep(random.uniform(0.03, 0.07))
        """,
}


def _finished_cases(journal: Path) -> list[str]:
    started = journal.read_text().split() if journal.exists() else []
    return started[:-1]  # the last one to start may not have finished


def _wait_until(predicate: Callable[[], bool], timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_sigkill_mid_run_keeps_every_finished_case(
    store_url: str, make_plan: Callable[..., Path], seed: int
) -> None:
    plan = make_plan(PLAN)
    rng = random.Random(seed)
    process = subprocess.Popen(
        [sys.executable, "-m", "pytest", "-q", "--hardlab", f"--hardlab-db={store_url}"],
        cwd=plan,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    journal = plan / "journal.txt"
    # kill somewhere between the first case and the end of the plan (30 cases
    # of at least 30 ms: the run lasts 0.9 s at the very least)
    assert _wait_until(lambda: journal.exists(), timeout=60), "the plan never started"
    time.sleep(rng.uniform(0.02, 0.7))
    assert process.poll() is None, "the run ended before the kill; the test needs a longer plan"
    process.send_signal(signal.SIGKILL)
    process.wait()
    finished = _finished_cases(journal)
    with Store(store_url) as store:
        # The writer outlives the run's process (it may even still be starting):
        # it commits everything it was sent, then marks the run interrupted.
        assert _wait_until(lambda: [r["status"] for r in store.runs().dicts()] == ["interrupted"])
        (run,) = store.runs().dicts()
        run_id = run["id"]
        stored = {a["case_id"] for a in store.attempts(run_id)}
        missing = set(finished) - stored
        assert not missing, f"finished cases lost: {sorted(missing)} (stored {len(stored)})"
        report = store.get_report(run_id)
        statuses = [case.status for case in report.modules["test_1"].cases.values()]
        assert statuses.count(TestStatus.STOPPED) == (1 if len(stored) < CASES else 0)
        assert report.status == TestStatus.STOPPED


def test_a_run_whose_writer_dies_too_is_interrupted_on_the_next_open(
    store_url: str, make_plan: Callable[..., Path]
) -> None:
    plan = make_plan(PLAN)
    with Store(store_url) as store:
        # the schema made beforehand: a writer that creates it (SQLAlchemy's import
        # and DDL) may, on a loaded machine, start after this short plan has ended
        store.upgrade()
    process = subprocess.Popen(
        [sys.executable, "-m", "pytest", "-q", "--hardlab", f"--hardlab-db={store_url}"],
        cwd=plan,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    journal = plan / "journal.txt"
    assert _wait_until(lambda: len(_finished_cases(journal)) >= 3, timeout=60)
    with Store(store_url) as store:
        assert _wait_until(lambda: bool(store.runs().records))
        writer = store.run_row(store.runs().dicts()[0]["id"])["writer_pid"]
    # a power cut, as far as the run and its writer are concerned
    os.kill(writer, signal.SIGKILL)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert _wait_until(lambda: not pid_alive(writer), timeout=10)
    with Store(store_url) as store:  # opening it is what notices
        (run,) = store.runs().dicts()
        assert run["status"] == "interrupted"
        assert store.run_row(run["id"])["aggregated"] is True


WRITER = """
import sys
import uuid

from hardlab.storage import Store

url, worker, runs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
store = Store(url)
start = 1_795_000_000
for n in range(runs):
    run_id = str(uuid.uuid4())
    doc = {
        "id": run_id, "rev": run_id, "name": "concurrency", "status": "passed",
        "start_time": start + n, "stop_time": start + n + 1,
        "test_stand": {"name": f"stand {worker}"}, "dut": {"serial_number": f"{worker}-{n}", "part_number": "PN"},
        "process": {}, "modules": {"test_m": {"status": "passed", "name": "m", "group": "main",
        "start_time": start + n, "stop_time": start + n + 1, "cases": {
            f"test_{i}": {"status": "passed", "name": f"c{i}", "group": "main", "start_time": start + n,
                           "stop_time": start + n + 1, "attempt": 1,
                           "measurements": [{"type": "numeric", "name": "v", "value": i, "operation": "le",
                                             "comparison_value": 10, "result": True}]}
            for i in range(4)}}},
    }
    messages = [{"op": "start", "run_id": run_id, "document": doc}]
    for i in range(4):
        messages.append({"op": "attempt", "run_id": run_id, "module_id": "test_m", "module_name": "m",
                         "case_id": f"test_{i}", "attempt": 1, "final": True, "position": i,
                         "case": doc["modules"]["test_m"]["cases"][f"test_{i}"]})
    store.apply(messages[:3])
    store.apply(messages[3:])
    store.apply([{"op": "finish", "run_id": run_id, "document": doc, "exit_code": 0}])
store.close()
"""


def test_eight_writers_store_a_thousand_runs(store_url: str, tmp_path: Path) -> None:
    script = tmp_path / "writer.py"
    script.write_text(WRITER)
    with Store(store_url) as store:
        store.count_runs()  # one process creates the schema; the writers then race on rows
    processes = [
        subprocess.Popen(
            [sys.executable, str(script), store_url, str(worker), "125"],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        for worker in range(8)
    ]
    outputs: list[Any] = []
    deadline = time.monotonic() + 240
    for process in processes:
        out, _ = process.communicate(timeout=max(1.0, deadline - time.monotonic()))
        outputs.append((process.returncode, out.decode()[-2000:]))
    assert all(code == 0 for code, _ in outputs), outputs
    with Store(store_url) as store:
        assert store.count_runs() == 1000
        rows = store.runs(RunFilter(status="passed")).dicts()
        assert len(rows) == 1000
        assert all(row["cases_passed"] == 4 for row in rows)
        from sqlalchemy import text

        counts = query(
            store,
            text(
                "SELECT (SELECT COUNT(*) FROM hardlab_cases), (SELECT COUNT(*) FROM hardlab_measurements),"
                " (SELECT SUM(n) FROM hardlab_measurement_weekly)"
            ),
        ).records[0]
        assert tuple(int(c) for c in counts) == (4000, 4000, 4000)
