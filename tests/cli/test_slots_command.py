"""``hardlab run PLAN --slots N``: real processes, a real SQLite store, real signals."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.cli.conftest import HARDLAB, TIMEOUT, Cli

pytestmark = pytest.mark.skipif(os.name != "posix", reason="slots run on POSIX")

PLAN = {
    "hardpy.toml": 'tests_name = "fixture"\n',
    "test_board.py": """
        import hardlab

        def test_identify(hardpy_start_args, hardlab_slot):
            assert hardpy_start_args["slot"] == str(hardlab_slot)
            hardlab.set_dut_part_number("PB-1")
            hardlab.set_dut_serial_number(f"SN-{hardlab_slot}")

        def test_trim():
            value = hardlab.run_dialog_box(
                hardlab.DialogBox("Trim value?", widget=hardlab.NumericInputWidget())
            )
            assert value > 0
        """,
}

ANSWERS = """
[by_case]
test_trim = 3
[slot.2.by_case]
test_trim = -1
"""


def _rows(db: Path) -> list[tuple[object, ...]]:
    with sqlite3.connect(db) as connection:
        return connection.execute(
            "SELECT slot, status, dut_serial_number FROM hardlab_runs ORDER BY slot"
        ).fetchall()


@pytest.fixture
def plan(make_plan: Callable[..., Path]) -> Path:
    return make_plan(PLAN)


def test_two_slots_pass_each_with_its_own_row(cli: Cli, plan: Path, tmp_path: Path) -> None:
    db = tmp_path / "runs.db"
    answers = tmp_path / "answers.toml"
    answers.write_text("[by_case]\ntest_trim = 3\n")
    done = cli("run", plan, "--slots", "2", "--answers", answers, "--db", db)
    assert done.returncode == 0, done.stdout + done.stderr
    for slot in (1, 2):
        assert f"[slot {slot}] ✓ test_identify passed" in done.stdout
        assert f"[slot {slot}] PASSED (2 passed)" in done.stdout
    assert _rows(db) == [(1, "passed", "SN-1"), (2, "passed", "SN-2")]


def test_answers_per_slot_and_the_exit_code(cli: Cli, plan: Path, tmp_path: Path) -> None:
    db = tmp_path / "runs.db"
    answers = tmp_path / "answers.toml"
    answers.write_text(ANSWERS)
    reports = tmp_path / "reports"
    done = cli(
        "run", plan, "--slots", "2", "--answers", answers, "--db", db, "--report-dir", reports
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert "[slot 2] ✗ test_trim failed" in done.stdout
    assert "[slot 1] PASSED" in done.stdout
    assert "[slot 2] FAILED" in done.stdout
    assert _rows(db) == [(1, "passed", "SN-1"), (2, "failed", "SN-2")]
    assert len(list(reports.glob("*.json"))) == 2  # a report per slot


def test_one_slot_crashing_does_not_stop_the_others(
    cli: Cli, make_plan: Callable[..., Path], tmp_path: Path
) -> None:
    plan = make_plan(
        {
            "test_crash.py": """
            import os, signal, time, hardlab

            def test_work(hardlab_slot):
                hardlab.set_dut_serial_number(f"SN-{hardlab_slot}")
                if hardlab_slot == 2:
                    os.kill(os.getpid(), signal.SIGKILL)
                time.sleep(0.5)
            """
        }
    )
    db = tmp_path / "runs.db"
    done = cli("run", plan, "--slots", "3", "--no-operator", "--db", db)
    assert done.returncode == 3, done.stdout + done.stderr
    assert "[slot 2] error: slot 2: its process ended (signal 9)" in done.stdout
    assert "[slot 1] PASSED" in done.stdout and "[slot 3] PASSED" in done.stdout
    # the dead slot's writer (its own process) commits what it had and marks the
    # run interrupted as it sees its input end: moments after the parent exits
    deadline = time.monotonic() + 60
    while True:
        rows = {slot: status for slot, status, _ in _rows(db)}
        if rows.get(2) == "interrupted" or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert rows == {1: "passed", 2: "interrupted", 3: "passed"}, done.stdout


def test_ctrl_c_stops_every_slot_cleanly(
    env: dict[str, str], make_plan: Callable[..., Path], tmp_path: Path
) -> None:
    plan = make_plan(
        {
            "test_long.py": """
            import time, hardlab

            def test_first(hardlab_slot):
                hardlab.set_dut_serial_number(f"SN-{hardlab_slot}")

            def test_long():
                for _ in range(600):
                    time.sleep(0.05)

            def test_after():
                pass
            """
        }
    )
    db = tmp_path / "runs.db"
    process = subprocess.Popen(
        [str(HARDLAB), "run", str(plan), "--slots", "2", "--no-operator", "--db", str(db)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        encoding="utf-8",
        env=env,
        cwd=tmp_path,
    )
    assert process.stdout is not None
    seen: list[str] = []
    deadline = time.monotonic() + TIMEOUT
    while sum("✓ test_first passed" in line for line in seen) < 2:
        line = process.stdout.readline()
        assert line and time.monotonic() < deadline, "".join(seen)
        seen.append(line)
    time.sleep(0.5)  # both slots are in test_long now
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=TIMEOUT)
    text = "".join(seen) + out
    assert process.returncode == 2, text + err
    assert "stopping every slot" in err
    assert "[slot 1] STOPPED" in text and "[slot 2] STOPPED" in text
    rows = _rows(db)
    assert [(slot, status) for slot, status, _ in rows] == [(1, "stopped"), (2, "stopped")]
    with sqlite3.connect(db) as connection:
        finals = connection.execute(
            "SELECT COUNT(*) FROM hardlab_cases WHERE case_id = 'test_first' AND status = 'passed'"
        ).fetchone()
    assert finals == (2,)  # nothing lost: what each slot did before the stop is stored


def test_slots_must_be_a_positive_number(cli: Cli, plan: Path) -> None:
    done = cli("run", plan, "--slots", "0")
    assert done.returncode == 2
    assert "number of slots" in done.stderr
