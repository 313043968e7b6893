"""``hardlab.start()``: runs in a background thread, their handles, and stopping them."""

from __future__ import annotations

import asyncio
import contextvars
import inspect
import io
import logging
import os
import sys
import threading
import time
import types
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import hardlab
from hardlab.errors import ConfigError, PlanError, RunNotFinishedError
from hardlab.events import Event, RunFinished
from hardlab.model import TestStatus
from hardlab.operators import Answer, DialogRequest, MessageRequest, wait_for_answer
from hardlab.runtime import current_run, maybe_current_run

MakePlan = Callable[..., Path]

QUIET: dict[str, Any] = {"quiet": True, "store": False, "answers": {}}

THREE = {
    "test_1.py": """
        def test_a():
            pass

        def test_b():
            pass
        """,
    "test_2.py": """
        def test_c():
            pass
        """,
}


@pytest.fixture
def probe(monkeypatch: pytest.MonkeyPatch) -> types.ModuleType:
    """A module the plans import to talk to the test that runs them (not a plan file)."""
    module = types.ModuleType("hardlab_probe")
    module.started = threading.Event()  # type: ignore[attr-defined]
    module.release = threading.Event()  # type: ignore[attr-defined]
    module.seen = []  # type: ignore[attr-defined]
    module.VAR = contextvars.ContextVar("hardlab_probe_var")  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "hardlab_probe", module)
    return module


@pytest.fixture(autouse=True)
def no_run_threads_left() -> Iterator[None]:
    yield
    left = [t.name for t in threading.enumerate() if t.name.startswith("hardlab-run-")]
    assert left == [], f"worker threads left running: {left}"


def _statuses(result: hardlab.RunResult) -> dict[str, str]:
    return {
        f"{m}::{c}": case.status.value
        for m, module in result.report.modules.items()
        for c, case in module.cases.items()
    }


# ---------------------------------------------------------------- results


def test_start_and_wait_give_what_run_gives(make_plan: MakePlan) -> None:
    plan = make_plan(THREE)
    direct = hardlab.run(plan, **QUIET)
    handle = hardlab.start(plan, **QUIET)
    assert handle.name == f"hardlab-run-{handle.run_id.hex[-8:]}"
    assert handle.thread.name == handle.name and not handle.thread.daemon
    result = handle.wait(timeout=30)
    assert not handle.thread.is_alive()
    assert handle.done() and handle.ready.is_set() and handle.exception() is None
    assert handle.result is result and handle.wait() is result
    assert result.run_id == handle.run_id == handle.run_state.run_id  # type: ignore[union-attr]
    assert result.status == direct.status == TestStatus.PASSED
    assert result.exit_code == direct.exit_code == 0
    assert _statuses(result) == _statuses(direct)
    assert result.report.name == direct.report.name
    assert [(a.module_id, a.case_id, a.final) for a in result.attempts] == [
        (a.module_id, a.case_id, a.final) for a in direct.attempts
    ]
    assert repr(handle) == f"<RunHandle {handle.name} finished passed (3 passed)>"


def test_start_takes_every_argument_of_run() -> None:
    run_parameters = inspect.signature(hardlab.run).parameters
    start_parameters = inspect.signature(hardlab.start).parameters
    assert list(start_parameters) == list(run_parameters)
    for name, parameter in run_parameters.items():
        assert start_parameters[name].default == parameter.default, name
        assert start_parameters[name].kind == parameter.kind, name


def test_await_a_handle(make_plan: MakePlan, probe: types.ModuleType) -> None:
    plan = make_plan(
        {
            "test_1.py": """
                import hardlab_probe as probe

                def test_waits():
                    assert probe.release.wait(10)
                """
        }
    )
    ticks: list[int] = []

    async def main() -> tuple[hardlab.RunResult, hardlab.RunResult]:
        handle = hardlab.start(plan, **QUIET)

        async def ticker() -> None:
            for tick in range(3):
                ticks.append(tick)
                await asyncio.sleep(0.01)
            probe.release.set()  # the loop ran while the cell awaited the run

        task = asyncio.create_task(ticker())
        first = await handle
        second = await handle  # awaiting again is fine, and immediate
        await task
        return first, second

    first, second = asyncio.run(main())
    assert first is second and first.passed
    assert ticks == [0, 1, 2]


def test_result_before_the_end_and_a_timeout(make_plan: MakePlan, probe: types.ModuleType) -> None:
    plan = make_plan(
        {
            "test_1.py": """
                import hardlab_probe as probe

                def test_waits():
                    probe.started.set()
                    assert probe.release.wait(10)
                """
        }
    )
    handle = hardlab.start(plan, **QUIET)
    assert probe.started.wait(30)
    assert handle.ready.is_set() and handle.run_state is not None
    assert repr(handle) == f"<RunHandle {handle.name} running 0% at test_1::test_waits>"
    with pytest.raises(RunNotFinishedError, match="still going"):
        _ = handle.result
    with pytest.raises(RunNotFinishedError):
        handle.exception()
    with pytest.raises(TimeoutError, match=r"still going after 0\.05 s"):
        handle.wait(timeout=0.05)
    probe.release.set()
    assert handle.wait(timeout=30).passed
    handle.stop()  # a finished run: nothing happens
    assert handle.result.passed


def test_a_failing_run_raises_from_the_handle(make_plan: MakePlan) -> None:
    plan = make_plan(THREE)
    handle = hardlab.start(plan, args=["--no-such-option"], **QUIET)
    with pytest.raises(PlanError, match="could not run the plan"):
        handle.wait(timeout=30)
    assert isinstance(handle.exception(), PlanError)
    with pytest.raises(PlanError):
        _ = handle.result
    with pytest.raises(PlanError):
        asyncio.run(_await(handle))
    assert handle.ready.is_set() and handle.run_state is None  # it never got that far
    assert repr(handle).startswith(f"<RunHandle {handle.name} failed to run: PlanError: pytest")


async def _await(handle: hardlab.RunHandle) -> hardlab.RunResult:
    return await handle


def test_bad_arguments_fail_at_once(make_plan: MakePlan, tmp_path: Path) -> None:
    plan = make_plan(THREE)
    with pytest.raises(PlanError, match="does not exist"):
        hardlab.start(tmp_path / "no-such-plan", **QUIET)
    with pytest.raises(ConfigError, match="capture='all'"):
        hardlab.start(plan, capture="all", **QUIET)  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="capture='all'"):
        hardlab.run(plan, capture="all", **QUIET)  # type: ignore[arg-type]


def test_done_callbacks_run_once(make_plan: MakePlan, caplog: pytest.LogCaptureFixture) -> None:
    plan = make_plan(THREE)
    calls: list[tuple[str, str, bool]] = []

    def record(tag: str) -> Callable[[hardlab.RunHandle], None]:
        def callback(handle: hardlab.RunHandle) -> None:
            calls.append((tag, threading.current_thread().name, handle.done()))

        return callback

    def broken(handle: hardlab.RunHandle) -> None:
        raise RuntimeError("callback bug")

    handle = hardlab.start(plan, **QUIET)
    handle.add_done_callback(record("before"))
    handle.add_done_callback(broken)
    handle.add_done_callback(record("also before"))
    with caplog.at_level(logging.ERROR, logger="hardlab"):
        handle.wait(timeout=30)
    handle.add_done_callback(record("after"))
    handle.wait()
    here = threading.current_thread().name
    assert calls in (
        # registered before the end: in the worker thread (or here, had it ended already)
        [("before", name, True), ("also before", name, True), ("after", here, True)]
        for name in (handle.name, here)
    )
    assert "callback bug" in caplog.text


# ---------------------------------------------------------------- stopping


LOOPING = {
    "conftest.py": """
        import pytest
        import hardlab_probe as probe

        @pytest.fixture
        def busy_fixture():
            probe.started.set()
            while True:
                pass
        """,
    "test_1.py": """
        def test_first():
            pass
        """,
    "test_2.py": """
        import pytest
        import hardlab_probe as probe

        WHERE = "{where}"

        @pytest.mark.attempt(2)
        def test_loops(request):
            if WHERE == "fixture":
                request.getfixturevalue("busy_fixture")
            if WHERE == "second attempt" and not probe.seen:
                probe.seen.append("first attempt")
                assert False, "fails once"
            probe.started.set()
            count = 0
            while True:
                count += 1

        def test_never():
            probe.seen.append("test_never ran")
        """,
    "test_3.py": """
        def test_later():
            pass
        """,
}

STOPPED = {
    "test_1::test_first": "passed",
    "test_2::test_loops": "stopped",
    "test_2::test_never": "skipped",
    "test_3::test_later": "skipped",
}


@pytest.mark.parametrize("where", ["body", "fixture", "second attempt"])
def test_stop_a_case_busy_in_python(
    make_plan: MakePlan, probe: types.ModuleType, where: str
) -> None:
    files = dict(LOOPING)
    files["test_2.py"] = files["test_2.py"].replace("{where}", where)
    plan = make_plan(files)
    before = threading.active_count()
    handle = hardlab.start(plan, attempt_delay=0, **QUIET)
    assert probe.started.wait(30)
    assert "running" in repr(handle) and "test_2::test_loops" in repr(handle)
    began = time.monotonic()
    handle.stop()
    result = handle.wait(timeout=10)
    assert time.monotonic() - began < 2
    assert not handle.thread.is_alive() and threading.active_count() == before
    assert result.status == TestStatus.STOPPED and result.exit_code == 2
    assert _statuses(result) == STOPPED
    assert "test_never ran" not in probe.seen
    assert handle.run_state is not None and handle.run_state.stop.is_set()
    assert repr(handle).endswith("finished stopped (1 passed, 2 skipped, 1 stopped)>")


def test_stop_lands_when_c_code_returns(make_plan: MakePlan, probe: types.ModuleType) -> None:
    plan = make_plan(
        {
            "test_1.py": """
                import time
                import hardlab_probe as probe

                def test_sleeps():
                    probe.started.set()
                    time.sleep(0.5)
                    probe.seen.append("went on after the sleep")

                def test_later():
                    pass
                """
        }
    )
    handle = hardlab.start(plan, **QUIET)
    assert probe.started.wait(30)
    began = time.monotonic()
    handle.stop()
    result = handle.wait(timeout=10)
    # the sleep is not cut short; the stop is raised as soon as it returns
    assert 0.3 < time.monotonic() - began < 2
    assert probe.seen == []
    assert _statuses(result) == {"test_1::test_sleeps": "stopped", "test_1::test_later": "skipped"}


class WaitingOperator:
    """Answers only when told to, waiting as a widget operator does."""

    def __init__(self) -> None:
        self.asked = threading.Event()
        self.answered = threading.Event()

    def ask(self, request: DialogRequest) -> Answer:
        self.asked.set()
        wait_for_answer(self.answered, request)
        return Answer()

    def acknowledge(self, request: MessageRequest) -> None:
        self.asked.set()
        wait_for_answer(self.answered, request)


@pytest.mark.parametrize("call", ["run_dialog_box(hardlab.DialogBox('Serial?'))",
                                  "set_operator_message('Connect the probe', block=True)"])  # fmt: skip
def test_stop_while_the_operator_is_asked(
    make_plan: MakePlan, probe: types.ModuleType, call: str
) -> None:
    plan = make_plan(
        {
            "test_1.py": f"""
                import hardlab
                import hardlab_probe as probe
                from hardlab.errors import DialogCancelledError

                def test_first():
                    pass

                def test_asks():
                    try:
                        hardlab.{call}
                    except DialogCancelledError as exc:
                        probe.seen.append(type(exc).__name__)
                        raise

                def test_later():
                    pass
                """
        }
    )
    operator = WaitingOperator()
    handle = hardlab.start(plan, operator=operator, quiet=True, store=False)
    assert operator.asked.wait(30)
    state = handle.run_state
    assert state is not None and (state.dialog is not None or state.message is not None)
    began = time.monotonic()
    handle.stop()
    result = handle.wait(timeout=10)
    assert time.monotonic() - began < 2
    assert probe.seen == ["DialogCancelledError"]  # the test saw why
    assert result.status == TestStatus.STOPPED
    assert _statuses(result) == {
        "test_1::test_first": "passed",
        "test_1::test_asks": "stopped",
        "test_1::test_later": "skipped",
    }
    assert state.dialog is None and state.message is None


def test_stop_waits_for_listeners(make_plan: MakePlan, probe: types.ModuleType) -> None:
    # A stop raised inside a listener would pass for the listener's own
    # failure and cut it off from the run; it waits for the listener instead.
    plan = make_plan(
        {
            "test_1.py": """
                import hardlab
                import hardlab_probe as probe

                def test_chatty():
                    probe.started.set()
                    while True:
                        hardlab.set_message("tick", "tick")
                """
        }
    )

    class SlowListener:
        def __init__(self) -> None:
            self.events: list[Event] = []

        def handle(self, event: Event) -> None:
            self.events.append(event)
            end = time.perf_counter() + 0.002
            while time.perf_counter() < end:  # Python code, where a stop could land
                pass

    listener = SlowListener()
    handle = hardlab.start(plan, listeners=[listener], **QUIET)
    assert probe.started.wait(30)
    time.sleep(0.05)
    handle.stop()
    result = handle.wait(timeout=10)
    assert result.status == TestStatus.STOPPED
    assert isinstance(listener.events[-1], RunFinished)  # it was never cut off
    assert "listener" not in (handle.run_state.alert if handle.run_state else "")


def test_stop_before_the_run_is_set_up(make_plan: MakePlan, probe: types.ModuleType) -> None:
    plan = make_plan(
        {
            "test_1.py": """
                import hardlab_probe as probe

                def test_a():
                    probe.seen.append("test_a ran")

                def test_b():
                    pass
                """
        }
    )
    handle = hardlab.start(plan, **QUIET)
    handle.stop()
    result = handle.wait(timeout=30)
    # the run is collected and recorded, and no case runs
    assert probe.seen == []
    assert result.status == TestStatus.STOPPED
    assert _statuses(result) == {"test_1::test_a": "stopped", "test_1::test_b": "skipped"}


# ---------------------------------------------------------------- the thread


def test_the_callers_context_reaches_the_tests(
    make_plan: MakePlan, probe: types.ModuleType
) -> None:
    plan = make_plan(
        {
            "test_1.py": """
                import hardlab
                import hardlab_probe as probe
                from hardlab.runtime._state import _CURRENT

                def test_sees_the_context():
                    hardlab.set_message(probe.VAR.get("unset"), "var")
                    probe.seen.append(_CURRENT.get())
                """
        }
    )
    token = probe.VAR.set("set by the caller")
    try:
        handle = hardlab.start(plan, **QUIET)
        result = handle.wait(timeout=30)
    finally:
        probe.VAR.reset(token)
    assert result.report.modules["test_1"].cases["test_sees_the_context"].msg == {
        "var": "set by the caller"
    }
    # the run was bound to the worker's context, and never to the caller's
    assert probe.seen == [handle.run_state]
    assert maybe_current_run() is None
    with pytest.raises(hardlab.errors.NotInRunError):
        current_run("set_message")


class RoutedStdout(io.TextIOBase):
    """``sys.stdout`` as ipykernel's: each context's writes go where that context says."""

    def __init__(self, route: contextvars.ContextVar[io.StringIO]) -> None:
        self.route = route
        self.unrouted = io.StringIO()

    def write(self, text: str) -> int:
        return self.route.get(self.unrouted).write(text)

    def writable(self) -> bool:
        return True


@pytest.mark.parametrize(("capture", "shown"), [("no", True), ("sys", False)])
def test_prints_reach_the_callers_output_with_capture_no(
    make_plan: MakePlan,
    probe: types.ModuleType,
    monkeypatch: pytest.MonkeyPatch,
    capture: Any,
    shown: bool,
) -> None:
    plan = make_plan(
        {
            "test_1.py": """
                def test_prints():
                    print("printed by the test")
                """
        }
    )
    stdout = RoutedStdout(probe.VAR)
    monkeypatch.setattr(sys, "stdout", stdout)
    cell = io.StringIO()
    token = probe.VAR.set(cell)
    try:
        result = hardlab.start(plan, capture=capture, **QUIET).wait(timeout=30)
    finally:
        probe.VAR.reset(token)
    assert result.passed
    assert ("printed by the test" in cell.getvalue()) is shown
    assert "printed by the test" not in stdout.unrouted.getvalue()


def test_one_run_at_a_time_moves_the_working_directory(
    make_plan: MakePlan, probe: types.ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = make_plan(
        {
            "test_1.py": """
                import hardlab_probe as probe

                def test_holds():
                    probe.started.set()
                    assert probe.release.wait(10)
                """
        },
        name="first",
    )
    make_plan({"test_2.py": "def test_two():\n    pass\n"}, name="second")
    monkeypatch.chdir(tmp_path)
    one = hardlab.start("first", **QUIET)
    assert probe.started.wait(30)
    assert Path.cwd() == first  # the whole process is in the plan folder
    # relative paths are still the caller's: this is tmp_path/second
    two = hardlab.start("second", report_dir="reports", **QUIET)
    assert not two.ready.wait(0.3)  # it waits for the first run's folder
    assert repr(two) == f"<RunHandle {two.name} starting>"
    probe.release.set()
    assert one.wait(timeout=30).passed
    result = two.wait(timeout=30)
    assert result.passed and result.report_path is not None
    assert result.report_path.parent == tmp_path / "reports"
    assert Path.cwd() == tmp_path


def _snapshot() -> tuple[int, list[str]]:
    return threading.active_count(), sorted(sys.modules)


def test_runs_one_after_another_leave_nothing(make_plan: MakePlan) -> None:
    plan = make_plan(
        {
            "helper.py": "VALUE = 1\n",
            "test_1.py": """
                import helper

                def test_one():
                    assert helper.VALUE == 1
                """,
        }
    )
    cwd = os.getcwd()
    hardlab.start(plan, **QUIET).wait(timeout=30)  # warm-up: pytest's lazy imports
    before = _snapshot()
    results = [hardlab.start(plan, **QUIET).wait(timeout=30) for _ in range(2)]
    assert all(result.passed for result in results)
    assert _snapshot() == before
    assert "helper" not in sys.modules and "test_1" not in sys.modules
    assert os.getcwd() == cwd
