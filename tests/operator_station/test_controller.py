"""The station's controller without any widget: real runs of small plans, a clock that needs no sleep.

What the view would show is read from the events the controller sends and
from its state; answers come from scripted operators; the history from a
real SQLite file.
"""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from _station import ALL_CASES, ARGS, PLAN, MakePlan, cases_run, toml, wait_until

from hardlab.errors import StartRefusedError
from hardlab.model import TestStatus
from hardlab.operator_station import StationController, StationState
from hardlab.operator_station._controller import TRANSITIONS
from hardlab.operator_station._events import (
    ArgsReset,
    HistoryChanged,
    LanguageChanged,
    ProblemsShown,
    ResultDismissed,
    ResultShown,
    SelectionChanged,
    SoundCue,
    StateChanged,
    StationEvent,
    StatusChanged,
    TreeChanged,
)
from hardlab.operators import Answer, DialogRequest, MessageRequest, wait_for_answer


@dataclass
class Call:
    when: float
    fn: Callable[[], None]
    cancelled: bool = False
    made: bool = False

    def cancel(self) -> None:
        self.cancelled = True


class FakeClock:
    """The station's `Clock` on a time that moves only when the test says so."""

    def __init__(self) -> None:
        self.now = 0.0
        self.calls: list[Call] = []

    def call_later(self, seconds: float, fn: Callable[[], None]) -> Call:
        call = Call(self.now + seconds, fn)
        self.calls.append(call)
        return call

    @property
    def pending(self) -> list[Call]:
        return [call for call in self.calls if not call.cancelled and not call.made]

    def advance(self, seconds: float) -> None:
        self.now += seconds
        for call in self.pending:
            if call.when <= self.now:
                call.made = True
                call.fn()


class Recorded:
    """A controller and every event it sent."""

    def __init__(self, controller: StationController) -> None:
        self.controller = controller
        self.events: list[StationEvent] = []
        self.lock = threading.Lock()
        controller.subscribe(self._add)

    def _add(self, event: StationEvent) -> None:
        with self.lock:
            self.events.append(event)

    def of(self, kind: type[Any]) -> list[Any]:
        with self.lock:
            return [event for event in self.events if isinstance(event, kind)]

    def states(self) -> list[StationState]:
        return [event.state for event in self.of(StateChanged)]


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def make_controller(
    make_plan: MakePlan, tmp_path: Path, clock: FakeClock
) -> Iterator[Callable[..., Recorded]]:
    made: list[StationController] = []

    def make(frontend: str = "", extra: str = "", name: str = "plan", **options: Any) -> Recorded:
        plan = make_plan({**PLAN, "hardpy.toml": toml(frontend, extra)}, name=name)
        options.setdefault("store", tmp_path / "runs.db")
        options.setdefault("clock", clock)
        controller = StationController(plan, **options)
        made.append(controller)
        recorded = Recorded(controller)
        controller.open()
        return recorded

    yield make
    for controller in made:
        controller.close()


ASK = '[[hardlab.start_args]]\nname = "ask"\ndefault = "yes"\n'
FAIL = '[[hardlab.start_args]]\nname = "verdict"\ndefault = "fail"\n'


# ---------------------------------------------------------------------- no widgets


def test_the_controller_imports_no_widgets() -> None:
    code = (
        "import sys\n"
        "import hardlab.operator_station._controller, hardlab.operator_station._events\n"
        "from hardlab.operator_station import StationController, StationState\n"
        "loaded = {name.split('.')[0] for name in sys.modules}\n"
        "heavy = loaded & {'ipywidgets', 'IPython', 'traitlets', 'comm', 'ipykernel'}\n"
        "assert not heavy, heavy\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


# ---------------------------------------------------------------------- the state machine


def test_the_transitions_are_explicit() -> None:
    assert set(TRANSITIONS) == set(StationState)
    ends = {StationState.PASSED, StationState.FAILED, StationState.STOPPED, StationState.ERROR}
    assert {state for state in StationState if state.ended} == ends
    for resting in (StationState.READY, *ends):
        assert TRANSITIONS[resting] == {StationState.COLLECTING, StationState.RUNNING}
    assert TRANSITIONS[StationState.COLLECTING] == {StationState.READY}
    assert TRANSITIONS[StationState.RUNNING] == {StationState.STOPPING, *ends}
    assert TRANSITIONS[StationState.STOPPING] == ends
    assert StationState.RUNNING.busy and StationState.STOPPING.busy
    assert not StationState.COLLECTING.busy and not StationState.PASSED.busy
    assert str(StationState.RUNNING) == "run" and StationState.READY == "ready"


def test_a_run_goes_from_ready_to_passed_and_again(
    make_controller: Callable[..., Recorded],
) -> None:
    recorded = make_controller("sound_on = true")
    controller = recorded.controller
    assert controller.state is StationState.READY and controller.collected.is_set()
    handle = controller.start()
    assert controller.handle is handle
    result = handle.wait(60)
    assert result.status == TestStatus.PASSED and controller.state is StationState.PASSED
    assert controller.result is result and controller.error is None and controller.runs == 1
    assert controller.handle is None and not controller.running
    assert recorded.states() == [StationState.RUNNING, StationState.PASSED]
    assert [event.problems for event in recorded.of(ProblemsShown)] == [()]
    assert [event.status for event in recorded.of(SoundCue)] == ["passed"]
    assert recorded.of(StatusChanged)  # the run's events reach the status bar
    bar = controller.status_bar_state()
    assert (bar.status, bar.stand, bar.config) == ("passed", "bench A", "")
    assert bar.stand_info == "line 3 · fixture: F-7" and bar.started and bar.finished
    controller.start().wait(60)
    assert controller.runs == 2 and recorded.states()[-2:] == [
        StationState.RUNNING,
        StationState.PASSED,
    ]


def test_a_failed_run_and_one_that_cannot_start(make_controller: Callable[..., Recorded]) -> None:
    failed = make_controller("sound_on = true", extra=FAIL)
    failed.controller.start().wait(60)
    assert failed.controller.state is StationState.FAILED
    assert [event.status for event in failed.of(SoundCue)] == ["failed"]
    broken = make_controller(
        "sound_on = true",
        extra='[[test_configs]]\nname = "broken"\nfile = "missing.ini"\n',
        name="broken",
    )
    broken.controller.set_test_config("broken")
    handle = broken.controller.start()
    with pytest.raises(Exception):  # noqa: B017 - whatever pytest says of the missing file
        handle.wait(60)
    assert broken.controller.state is StationState.ERROR and broken.controller.error is not None
    assert broken.of(SoundCue) == []  # no sound for a run that never ran
    assert "The run could not start" in broken.controller.status_bar_state().alert


class WaitingOperator:
    """Answers no dialog: waits until the run is stopped (as an operator who walked away)."""

    def __init__(self) -> None:
        self.asked = threading.Event()

    def ask(self, request: DialogRequest) -> Answer:
        self.asked.set()
        wait_for_answer(threading.Event(), request)
        raise AssertionError("unreachable: the run was stopped")  # pragma: no cover

    def acknowledge(self, request: MessageRequest) -> None:  # pragma: no cover
        self.asked.set()
        wait_for_answer(threading.Event(), request)


def test_stop_goes_through_stopping(make_controller: Callable[..., Recorded]) -> None:
    recorded = make_controller(extra=ASK)
    controller = recorded.controller
    operator = WaitingOperator()
    controller.attach(operator=operator)
    handle = controller.start()
    assert operator.asked.wait(30)
    with pytest.raises(StartRefusedError, match="a run is going"):
        controller.start()
    assert controller.collect() is None  # no collection while a run goes
    controller.stop()
    assert handle.wait(60).status == TestStatus.STOPPED
    assert recorded.states() == [
        StationState.RUNNING,
        StationState.STOPPING,
        StationState.STOPPED,
    ]
    controller.stop()  # nothing to stop: nothing happens
    assert controller.state is StationState.STOPPED


# ---------------------------------------------------------------------- start arguments


def test_start_arguments_are_checked_before_a_run(
    make_controller: Callable[..., Recorded],
) -> None:
    recorded = make_controller(extra=ARGS)
    controller = recorded.controller
    assert list(controller.arg_specs) == ["operator", "serial", "current", "mode"]
    assert controller.arg_value("mode") == "full" and controller.arg_value("serial") == ""
    with pytest.raises(StartRefusedError) as refused:
        controller.start()
    assert refused.value.problems == ["Operator: enter a value.", "Serial number: enter a value."]
    assert recorded.of(ProblemsShown)[-1].problems == tuple(refused.value.problems)
    assert controller.state is StationState.READY and recorded.states() == []
    controller.set_arg("operator", "Ada")
    controller.set_arg("serial", "SN-12")
    for number in ("abc", "nan", "inf"):
        controller.set_arg("current", number)
        problems: list[str] = []
        controller.start_arg_values(problems)
        assert problems == [
            "Serial number: the value does not have the expected format.",
            "current: enter a number.",
        ]
    controller.set_arg("serial", " SN-1234 ")
    controller.set_arg("current", "-0.5e1")
    assert controller.start_arg_values() == {
        "operator": "Ada", "serial": "SN-1234", "current": "-0.5e1", "mode": "full",
    }  # fmt: skip
    with pytest.raises(KeyError, match="'nope' is no start argument"):
        controller.set_arg("nope", "x")
    controller.start().wait(60)
    assert controller.result is not None
    assert controller.result.report.dut.serial_number == "SN-1234"
    # keep = false: the serial number is asked afresh; the operator's name stays
    assert [event.names for event in recorded.of(ArgsReset)] == [("serial",)]
    assert controller.arg_value("serial") == "" and controller.arg_value("operator") == "Ada"


def test_problems_speak_the_language(make_controller: Callable[..., Recorded]) -> None:
    recorded = make_controller('language = "de"', extra=ARGS)
    controller = recorded.controller
    with pytest.raises(StartRefusedError, match="Bediener: bitte einen Wert eingeben"):
        controller.start()
    controller.set_language("fr")
    (changed,) = recorded.of(LanguageChanged)
    assert changed.labels.language == "fr" and controller.labels.language == "fr"


def test_a_test_config_is_chosen_and_used(make_controller: Callable[..., Recorded]) -> None:
    configs = (
        '[[test_configs]]\nname = "full"\n\n[[test_configs]]\nname = "fast"\nfile = "fast.ini"\n'
    )
    recorded = make_controller(extra=configs)
    controller = recorded.controller
    assert controller.test_config_name is None
    with pytest.raises(StartRefusedError, match="Choose a test configuration first"):
        controller.start()
    controller.set_test_config("fast")
    assert recorded.of(StatusChanged)[-1] == StatusChanged(now=True)
    assert controller.status_bar_state().config == "fast"
    controller.start().wait(60)
    assert cases_run(controller) == ["test_1_power::test_quick", "test_2_check::test_led"]


# ---------------------------------------------------------------------- the collection tree


def test_the_collection_tree_is_data(make_controller: Callable[..., Recorded]) -> None:
    recorded = make_controller("manual_collect = true")
    controller = recorded.controller
    assert controller.collected.wait(60)
    wait_until(lambda: controller.state is StationState.READY)
    assert recorded.states() == [StationState.COLLECTING, StationState.READY]
    assert len(recorded.of(TreeChanged)) == 1
    assert [(m.id, m.name, [c.name for c in m.cases]) for m in controller.tree] == [
        ("test_1_power", "Power", ["test_rail", "test_quick"]),
        ("test_2_check", "test_2_check", ["test_led"]),
    ]
    assert controller.selected == ALL_CASES and controller.case_count == 3
    controller.choose("test_1_power", False)
    assert controller.selected == ["test_2_check::test_led"]
    assert not controller.chosen("test_1_power") and controller.chosen("test_2_check")
    controller.choose("test_1_power::test_quick", True)
    assert controller.chosen("test_1_power") and not controller.chosen("test_1_power::test_rail")
    controller.choose_every(False)
    assert controller.selected == []
    with pytest.raises(StartRefusedError, match="Choose at least one test"):
        controller.start()
    controller.select(["test_1_power", "test_2_check::test_led"])
    assert controller.selected == ALL_CASES
    with pytest.raises(KeyError, match="'nope' is no collected module or case"):
        controller.select(["nope"])
    with pytest.raises(KeyError):
        controller.choose("nope", True)
    assert len(recorded.of(SelectionChanged)) == 4
    controller.select(["test_2_check"])
    controller.start().wait(60)
    assert cases_run(controller) == ["test_2_check::test_led"]

    (controller.plan / "test_3_new.py").write_text("def test_new():\n    pass\n")
    assert controller.collect() is not None
    wait_until(lambda: controller.collected.is_set() and controller.case_count == 4)
    assert controller.selected == ["test_2_check::test_led", "test_3_new::test_new"]  # kept


def test_without_manual_collect_the_cases_are_listed_and_the_station_is_ready_at_once(
    make_controller: Callable[..., Recorded],
) -> None:
    recorded = make_controller()
    controller = recorded.controller
    assert controller.collected.is_set() and controller.state is StationState.READY
    wait_until(lambda: controller.tree != ())  # listed before Start, as HardPy does
    assert [(m.name, [c.name for c in m.cases]) for m in controller.tree] == [
        ("Power", ["test_rail", "test_quick"]),
        ("test_2_check", ["test_led"]),
    ]
    assert recorded.states() == [] and len(recorded.of(TreeChanged)) == 1  # no COLLECTING
    assert controller.start().wait(60).status == TestStatus.PASSED
    assert recorded.states() == [StationState.RUNNING, StationState.PASSED]


def test_a_start_during_the_listing_waits_for_it_and_runs_every_case(
    make_controller: Callable[..., Recorded],
) -> None:
    controller = make_controller().controller
    result = controller.start().wait(60)  # at once: the listing is still going
    assert result.status == TestStatus.PASSED and controller.tree != ()
    assert cases_run(controller) == ALL_CASES


# ---------------------------------------------------------------------- the result and its timer


def test_a_passed_result_closes_itself_on_the_clock(
    make_controller: Callable[..., Recorded], clock: FakeClock
) -> None:
    recorded = make_controller(
        "[frontend.modal_result]\nenable = true\nauto_dismiss_pass = true\nauto_dismiss_timeout = 5"
    )
    controller = recorded.controller
    controller.start().wait(60)
    (shown,) = recorded.of(ResultShown)
    assert shown.modal == controller.modal
    assert (shown.modal.status, shown.modal.closes_in) == ("passed", 5)
    assert shown.modal.result is controller.result and shown.modal.seconds is not None
    (call,) = clock.pending
    assert call.when == 5
    clock.advance(4.9)
    assert controller.modal is not None and recorded.of(ResultDismissed) == []
    clock.advance(0.1)
    assert controller.modal is None and len(recorded.of(ResultDismissed)) == 1
    assert clock.pending == []


def test_a_new_result_or_a_dismissal_cancels_the_timer(
    make_controller: Callable[..., Recorded], clock: FakeClock
) -> None:
    recorded = make_controller(
        "[frontend.modal_result]\nenable = true\nauto_dismiss_pass = true\nauto_dismiss_timeout = 5"
    )
    controller = recorded.controller
    controller.start().wait(60)
    first = clock.pending[0]
    controller.start().wait(60)  # starting dismisses the old result, the new one shows
    assert first.cancelled and len(recorded.of(ResultShown)) == 2
    assert len(recorded.of(ResultDismissed)) == 1
    controller.dismiss()
    assert clock.pending == [] and controller.modal is None
    controller.dismiss()  # nothing on show: no event
    assert len(recorded.of(ResultDismissed)) == 2
    clock.advance(10)
    assert len(recorded.of(ResultDismissed)) == 2


def test_a_failed_result_stays(make_controller: Callable[..., Recorded], clock: FakeClock) -> None:
    recorded = make_controller("[frontend.modal_result]\nenable = true", extra=FAIL)
    recorded.controller.start().wait(60)
    (shown,) = recorded.of(ResultShown)
    assert (shown.modal.status, shown.modal.closes_in) == ("failed", None)
    assert clock.pending == []


def test_no_result_without_modal_result(make_controller: Callable[..., Recorded]) -> None:
    recorded = make_controller()
    recorded.controller.start().wait(60)
    assert recorded.of(ResultShown) == [] and recorded.controller.modal is None


# ---------------------------------------------------------------------- history


def test_history_lists_this_stands_runs(make_controller: Callable[..., Recorded]) -> None:
    recorded = make_controller("test_history = true", history_size=3)
    controller = recorded.controller
    assert controller.history_on and controller.history_rows == []
    assert len(recorded.of(HistoryChanged)) == 1
    assert controller.history_filter() == {"name": ["Board"]}  # no stand known yet
    for _ in range(4):
        controller.start().wait(60)
    assert controller.history_filter() == {"name": ["Board"], "stand": "bench A"}
    rows = controller.history_rows
    assert rows is not None and len(rows) == 3  # history_size
    assert {(row.status, row.dut) for row in rows} == {("passed", "SN-1")}
    assert len(recorded.of(HistoryChanged)) == 5 and controller.history_error == ""


def test_a_history_that_cannot_be_read_says_why(
    make_controller: Callable[..., Recorded], tmp_path: Path
) -> None:
    bad = tmp_path / "bad.db"
    bad.write_bytes(b"not a database " * 100)
    recorded = make_controller("test_history = true", store=bad)
    controller = recorded.controller
    assert controller.history_rows is None and controller.history_error


def test_no_history_without_a_store(make_controller: Callable[..., Recorded]) -> None:
    recorded = make_controller("test_history = true", store=False)
    controller = recorded.controller
    assert not controller.history_on and controller.refresh_history() == []
    assert recorded.of(HistoryChanged) == []


# ---------------------------------------------------------------------- a plan that cannot run


def test_a_plan_that_cannot_be_collected_says_why_before_start(
    make_plan: MakePlan, tmp_path: Path, clock: FakeClock
) -> None:
    plan = make_plan(
        {**PLAN, "hardpy.toml": toml(), "test_9_broken.py": "def test_x(:\n    pass\n"},
        name="broken",
    )
    controller = StationController(plan, store=tmp_path / "runs.db", clock=clock)
    try:
        controller.open()
        wait_until(lambda: controller.status_bar_state().alert != "")
        alert = controller.status_bar_state().alert
        # the file, the line and the error: not pytest's own first traceback frame
        assert "test_9_broken.py:1" in alert and "SyntaxError: invalid syntax" in alert, alert
        assert "_pytest" not in alert and "importtestmodule" not in alert, alert
    finally:
        controller.close()


def test_a_plan_that_cannot_run_ends_not_run_after_start(
    make_plan: MakePlan, tmp_path: Path, clock: FakeClock
) -> None:
    from hardlab.widgets._station_html import modal_html

    broken = {"test_9_broken.py": "def test_x(:\n    pass\n"}
    frontend = "sound_on = true\n[frontend.modal_result]\nenable = true"
    plan = make_plan({**PLAN, "hardpy.toml": toml(frontend), **broken}, name="broken")
    controller = StationController(plan, store=tmp_path / "runs.db", clock=clock)
    recorded = Recorded(controller)
    try:
        controller.open()
        controller.start().wait(60)
        # no DUT failed: the station says why the plan did not run, as `hardlab run` does
        assert controller.state is StationState.ERROR
        assert controller.result is not None and controller.error is None
        assert recorded.of(SoundCue) == []
        alert = controller.status_bar_state().alert
        assert "test_9_broken.py:1" in alert and "SyntaxError: invalid syntax" in alert, alert
        (shown,) = recorded.of(ResultShown)
        assert shown.modal.status == "error" and shown.modal.plan_error is not None
        modal = modal_html(
            shown.modal.status, shown.modal.result, controller.labels, None,
            shown.modal.seconds, shown.modal.plan_error,
        )  # fmt: skip
        assert ">NOT RUN<" in modal and "FAILED" not in modal, modal
        assert "test_9_broken.py:1" in modal and "importlib" not in modal, modal
    finally:
        controller.close()
