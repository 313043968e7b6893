"""``hardlab.run/start(slots=N)`` and ``hardlab.runner.start_slots``: real slot processes."""

from __future__ import annotations

import asyncio
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

import hardlab
from hardlab.errors import ConfigError
from hardlab.model.enums import TestStatus
from hardlab.runner import ScriptedOperator, SlotEvent, start_slots

pytestmark = pytest.mark.skipif(os.name != "posix", reason="slots run on POSIX")

PLAN = {
    "test_board.py": """
        import hardlab

        def test_serial(hardlab_slot):
            serial = hardlab.run_dialog_box(
                hardlab.DialogBox("Serial?", widget=hardlab.TextInputWidget())
            )
            hardlab.set_dut_serial_number(serial)
            assert serial.endswith(str(hardlab_slot))

        def test_message():
            hardlab.set_operator_message("Insert the board", title="Fixture", block=True)
        """
}


@pytest.fixture
def plan(make_plan: Callable[..., Path]) -> Path:
    return make_plan(PLAN)


def test_one_operator_answers_every_slot_and_knows_which_asks(plan: Path) -> None:
    operator = ScriptedOperator(lambda request: f"SN-{request.title[6]}")
    results = hardlab.run(plan, slots=2, operator=operator, store=False, quiet=True)
    assert [(r.slot, r.status) for r in results] == [(1, "passed"), (2, "passed")]
    assert [r.report.dut.serial_number for r in results] == ["SN-1", "SN-2"]
    titles = sorted(request.title for request, _ in operator.log)
    assert titles == ["[slot 1] test_serial", "[slot 2] test_serial"]
    assert sorted(m.title or "" for m in operator.messages) == [
        "[slot 1] Fixture",
        "[slot 2] Fixture",
    ]
    assert len({r.run_id for r in results}) == 2


def test_an_operator_per_slot_and_the_events(plan: Path) -> None:
    events: list[SlotEvent] = []
    lock = threading.Lock()

    def seen(event: SlotEvent) -> None:
        with lock:
            events.append(event)

    operators = {n: ScriptedOperator({"test_serial": f"X-{n}"}) for n in (1, 2)}
    runs = start_slots(
        plan, slots=2, operator=operators.__getitem__, store=False, quiet=True, on_event=seen
    )
    results = runs.wait()
    assert runs.done and [r.passed for r in results] == [True, True]
    for n in (1, 2):
        ops = [e.op for e in events if e.slot == n]
        assert ops[0] == "started" and ops[-1] == "result"
        assert {"case_start", "case", "dialog", "message", "finished"} <= set(ops)
        assert [request.title for request, _ in operators[n].log] == ["test_serial"]
    case = next(e for e in events if e.op == "case" and e.slot == 2)
    assert case.data["case"]["status"] == "passed"


def test_start_with_slots_is_awaitable(plan: Path) -> None:
    answers = {"by_case": {"test_serial": "S-1"}, "slot": {"2": {"test_serial": "S-2"}}}
    runs = hardlab.start(plan, slots=2, answers=answers, store=False, quiet=True)
    results = asyncio.run(_wait(runs))
    assert [r.report.dut.serial_number for r in results] == ["S-1", "S-2"]


async def _wait(runs: object) -> list[hardlab.RunResult]:
    return await runs  # type: ignore[misc,no-any-return]


def test_stop_one_slot(make_plan: Callable[..., Path]) -> None:
    plan = make_plan(
        {
            "test_long.py": """
            import time

            def test_long(hardlab_slot):
                for _ in range(40 if hardlab_slot == 1 else 400):
                    time.sleep(0.05)
            """
        }
    )
    started: set[int] = set()
    runs = start_slots(
        plan,
        slots=2,
        operator=None,
        store=False,
        quiet=True,
        on_event=lambda e: started.add(e.slot) if e.op == "case_start" else None,
    )
    deadline = time.monotonic() + 60
    while len(started) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    runs.stop(slot=2)
    results = runs.wait(timeout=120)
    assert [r.status for r in results] == [TestStatus.PASSED, TestStatus.STOPPED]
    assert hardlab.runner.slots_exit_code(results) == 2


def test_one_slot_of_the_stand_alone(plan: Path) -> None:
    runs = start_slots(
        plan, slots=4, numbers=[3], answers={"test_serial": "A-3"}, store=False, quiet=True
    )
    results = runs.wait()
    assert [(r.slot, r.passed) for r in results] == [(3, True)]
    with pytest.raises(ConfigError, match=r"slots 1\.\.4"):
        start_slots(plan, slots=4, numbers=[5], store=False)


def test_what_cannot_cross_processes_is_refused(plan: Path) -> None:
    with pytest.raises(ConfigError, match="own process"):
        hardlab.run(plan, slots=2, listeners=[lambda event: None], store=False)
    with pytest.raises(ConfigError, match="number of slots"):
        start_slots(plan, slots=0, store=False)
