"""`SlotMirror`: a slot's run rebuilt in the parent from its messages, for views of one run."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from hardlab.events import (
    AlertRaised,
    CaseFinished,
    CaseStarted,
    CollectionFailed,
    Event,
    ModuleFinished,
    RunFinished,
    RunStarted,
)
from hardlab.model.enums import TestStatus
from hardlab.runner import ScriptedOperator, SlotEvent, SlotMirror, start_slots

pytestmark = pytest.mark.skipif(os.name != "posix", reason="slots run on POSIX")

PLAN = {
    "test_board.py": """
        import hardlab

        def test_serial(hardlab_slot):
            serial = hardlab.run_dialog_box(
                hardlab.DialogBox("Serial?", widget=hardlab.TextInputWidget())
            )
            hardlab.set_dut_serial_number(serial)
            hardlab.set_case_measurement(hardlab.NumericMeasurement(value=hardlab_slot, name="socket"))
            assert serial.endswith(str(hardlab_slot))

        def test_alert():
            hardlab.set_message("checked")
        """,
    "test_second.py": """
        def test_fails(hardlab_slot):
            assert hardlab_slot == 1, "socket 2 is bad"
        """,
}


class Recorder:
    def __init__(self) -> None:
        self.events: list[Event] = []
        self.lock = threading.Lock()

    def handle(self, event: Event) -> None:
        with self.lock:
            self.events.append(event)

    def kinds(self) -> list[type[Event]]:
        return [type(event) for event in self.events]


def test_the_mirror_follows_each_slot_to_its_result(make_plan: Callable[..., Path]) -> None:
    plan = make_plan(PLAN)
    recorders = {n: Recorder() for n in (1, 2)}
    mirrors = {n: SlotMirror(n, listeners=[recorders[n]]) for n in (1, 2)}
    operators = {n: ScriptedOperator({"test_serial": f"SN-{n}"}) for n in (1, 2)}
    runs = start_slots(
        plan,
        slots=2,
        operator=operators.__getitem__,
        store=False,
        quiet=True,
        on_event=lambda event: mirrors[event.slot].handle(event),
    )
    results = runs.wait(timeout=120)
    assert [r.status for r in results] == [TestStatus.PASSED, TestStatus.FAILED]
    for n, result in zip((1, 2), results, strict=True):
        recorder, mirror = recorders[n], mirrors[n]
        kinds = recorder.kinds()
        assert kinds[0] is RunStarted and kinds[-1] is RunFinished
        assert kinds.count(CaseStarted) == 3 and kinds.count(CaseFinished) == 3
        assert kinds.count(ModuleFinished) == 2
        views = {id(event.run) for event in recorder.events}
        assert len(views) == 1  # one view for the run's whole life, as in one process
        view = recorder.events[0].run
        assert view.run_id == result.run_id and view.start_args == {"slot": str(n)}
        final = recorder.events[-1]
        assert isinstance(final, RunFinished)
        assert final.status == result.status and final.exit_code == result.exit_code
        assert mirror.result is not None and mirror.result.run_id == result.run_id
        document = view.document()
        assert document.dut.serial_number == f"SN-{n}"
        case = view.case("test_board", "test_serial")
        assert case.status == TestStatus.PASSED
        assert [m.value for m in case.measurements] == [n]
        assert view.case("test_board", "test_alert").msg is not None
        assert view.finished_ns is not None and view.current is None
    second = recorders[2].events
    fails = [e for e in second if isinstance(e, CaseFinished) and e.attempt.case_id == "test_fails"]
    assert fails[0].attempt.status == TestStatus.FAILED
    assert "socket 2 is bad" in (fails[0].attempt.case.assertion_msg or "")
    module = recorders[2].events[-1].run.module("test_second", cases=False)
    assert module.status == TestStatus.FAILED
    assert recorders[1].events[-1].run.progress == 100


def _started(slot: int) -> SlotEvent:
    return SlotEvent(
        slot, "started", {"run_id": None, "name": "board", "cases": 0, "document": None}
    )


def test_a_stop_through_the_view_stops_the_slot_once() -> None:
    stopped: list[int] = []
    mirror = SlotMirror(3, on_stop=lambda: stopped.append(3))
    mirror.handle(_started(3))
    assert mirror.run is not None
    assert mirror.run.view.request_stop(interrupt=True) is False
    mirror.run.view.request_stop()
    assert stopped == [3] and mirror.run.view.stopping


def test_other_slots_messages_are_ignored_and_a_failed_slot_ends_its_run() -> None:
    recorder = Recorder()
    mirror = SlotMirror(1, listeners=[recorder])
    mirror.handle(_started(2))
    assert mirror.run is None and recorder.events == []
    mirror.handle(SlotEvent(1, "failed", {"error": "no tests in plans/x"}))
    assert recorder.kinds() == [RunStarted, CollectionFailed, RunFinished]
    failed = recorder.events[1]
    assert isinstance(failed, CollectionFailed) and failed.text == "no tests in plans/x"
    final = recorder.events[-1]
    assert isinstance(final, RunFinished)
    assert final.status == TestStatus.FAILED and final.plan_error == "no tests in plans/x"


def test_a_crashed_slot_ends_failed_with_the_reason_and_a_restart_is_a_new_run() -> None:
    recorder = Recorder()
    mirror = SlotMirror(1, listeners=[recorder])
    mirror.handle(_started(1))
    mirror.handle(SlotEvent(1, "alert", {"text": "supply tripped"}))
    mirror.handle(SlotEvent(1, "crashed", {"error": "slot 1: its process ended (signal 9)"}))
    assert recorder.kinds() == [RunStarted, AlertRaised, RunFinished]
    final = recorder.events[-1]
    assert isinstance(final, RunFinished)
    assert final.status == TestStatus.FAILED and final.exit_code == 3
    assert final.run.alert == "slot 1: its process ended (signal 9)"
    first = mirror.run
    mirror.handle(SlotEvent(1, "case", {}))  # after the end: nothing more happens to that run
    assert len(recorder.events) == 3
    mirror.handle(_started(1))
    assert mirror.run is not first and recorder.events[-1].run is not final.run
