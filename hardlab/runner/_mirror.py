"""A slot's run mirrored in the parent: a `RunState` rebuilt from its `SlotEvent` messages.

A slot runs in a process of its own (`hardlab.runner._slots`), so its
`RunState` and its events stay there. A view written for one run in this
process (`hardlab.widgets.RunPanel`, any `RunListener`) reads a `RunView`
and gets `hardlab.events` events; `SlotMirror` gives it both: it rebuilds
the slot's report from the ``started`` message (the report as it began),
applies each ``case`` message (the case as the attempt left it,
measurements included) and the final ``result`` (the report as it ended),
and hands its listeners the same events the run had in its own process.

A Stop from the view (`RunView.request_stop`, a panel's Stop button)
stops the slot (`SlotRuns.stop`), since the mirrored run cannot stop itself.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from hardlab.events import (
    AlertRaised,
    CaseFinished,
    CaseStarted,
    CollectionFailed,
    ModuleFinished,
    RunFinished,
    RunListener,
    RunStarted,
)
from hardlab.model.enums import TestStatus
from hardlab.model.report import ResultRunStore
from hardlab.runner._slots import CRASH_EXIT_CODE, SlotEvent
from hardlab.runner._wire import attempt_from_json, result_from_json
from hardlab.runtime import CaseRef, RunState

__all__ = ["SlotMirror"]

_ENDED = frozenset(
    {TestStatus.PASSED, TestStatus.FAILED, TestStatus.SKIPPED, TestStatus.ERROR, TestStatus.STOPPED}
)


class _MirroredRun(RunState):
    """A `RunState` whose stop is the slot's: asking it to stop stops the slot's process."""

    def __init__(self, stop_slot: Callable[[], None] | None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._stop_slot = stop_slot

    def request_stop(self, *, interrupt: bool = False) -> bool:
        """Stop the slot (its run ends ``stopped``, as a stopped single run)."""
        first = not self.stop.is_set()
        self.stop.set()
        if first and self._stop_slot is not None:
            self._stop_slot()
        return False


def _module_status(statuses: set[TestStatus]) -> TestStatus:
    # the engine's rule (hardlab.engine): any failure fails the module
    if TestStatus.FAILED in statuses or TestStatus.ERROR in statuses:
        return TestStatus.FAILED
    if TestStatus.SKIPPED in statuses:
        return TestStatus.SKIPPED
    return TestStatus.PASSED


class SlotMirror:
    """One slot's run as a `RunView` with events, rebuilt from that slot's `SlotEvent` messages.

    Give it the slot's events (``on_event=mirror.handle``, or a function that
    hands each slot's events to its mirror); its listeners get `RunStarted`,
    `CaseStarted`, `CaseFinished`, `ModuleFinished`, `AlertRaised`,
    `CollectionFailed` and `RunFinished`, with a view of the mirrored run,
    in the slot's reader thread. A slot started again (a station's Start)
    begins a new mirrored run, as a panel showing run after run expects.

    Args:
        slot: The slot it mirrors (events of other slots are ignored).
        listeners: What sees the mirrored run (e.g. a `RunPanel`).
        on_stop: What a stop asked through the view calls
            (``lambda: runs.stop(slot)``); settable later as `on_stop`.

    Attributes:
        run: The mirrored run of the slot's last start, or None before it.
        result: The slot's `RunResult` once it ended, else None.
    """

    def __init__(
        self,
        slot: int,
        *,
        listeners: Sequence[RunListener] = (),
        on_stop: Callable[[], None] | None = None,
    ) -> None:
        self.slot = slot
        self.listeners = list(listeners)
        self.on_stop = on_stop
        self.run: RunState | None = None
        self.result: Any = None
        self._lock = threading.Lock()
        self._ended = False

    def __repr__(self) -> str:
        return f"<SlotMirror slot {self.slot} run={self.run!r}>"

    def _stop(self) -> None:
        if self.on_stop is not None:
            self.on_stop()

    def _new_run(self, name: str, run_id: str | None, document: Any) -> RunState:
        run = _MirroredRun(
            self._stop,
            name=name,
            listeners=self.listeners,
            run_id=uuid.UUID(run_id) if run_id else None,
            start_args={"slot": str(self.slot)},
        )
        if document is not None:
            run.document = ResultRunStore.model_validate(document)
        run.document.name = name or run.document.name
        run.started_ns = time.time_ns()
        run.document.status = TestStatus.RUN
        self.run = run
        self.result = None
        self._ended = False
        return run

    def handle(self, event: SlotEvent) -> None:
        """Apply one message of the slot to the mirrored run and tell the listeners."""
        if event.slot != self.slot:
            return
        with self._lock:  # one slot's messages come from one thread; a station may add its own
            self._apply(event.op, event.data)

    def _apply(self, op: str, data: Mapping[str, Any]) -> None:
        if op == "started":
            name = str(data.get("name") or "")
            begun = self._new_run(name, data.get("run_id"), data.get("document"))
            begun.emit(RunStarted(begun.view))
            return
        if op == "failed":
            self._failed(str(data.get("error") or "the slot could not run the plan"))
            return
        run = self.run
        if run is None or self._ended:
            return
        if op == "case_start":
            self._case_start(run, data)
        elif op == "case":
            self._case(run, data)
        elif op == "alert":
            text = str(data.get("text") or "")
            with run.lock:
                run.alert = text
            run.emit(AlertRaised(run.view, text))
        elif op == "result":
            self.result = result_from_json(data["result"])
            self._finish(run, self.result.report, self.result.exit_code, None)
        elif op == "crashed":
            text = str(data.get("error") or "the slot's process ended")
            with run.lock:
                run.alert = text
                report = run.document.model_copy(deep=True)
            report.status = TestStatus.FAILED
            self._finish(run, report, CRASH_EXIT_CODE, text)

    def _case_start(self, run: RunState, data: Mapping[str, Any]) -> None:
        module_id, case_id = str(data["module_id"]), str(data["case_id"])
        with run.lock:
            module = run.document.modules.get(module_id)
            if module is None or case_id not in module.cases:
                return
            module.status = TestStatus.RUN
            module.cases[case_id].status = TestStatus.RUN
            run.current = CaseRef(module_id, case_id)
        run.emit(CaseStarted(run.view, module_id, case_id, int(data.get("attempt", 1))))

    def _case(self, run: RunState, data: Mapping[str, Any]) -> None:
        attempt = attempt_from_json(data)
        finished_module = False
        with run.lock:
            module = run.document.modules.get(attempt.module_id)
            if module is None:
                return
            module.cases[attempt.case_id] = attempt.case.model_copy(deep=True)
            if attempt.final:
                statuses = {case.status for case in module.cases.values()}
                if statuses <= _ENDED:
                    module.status = _module_status(statuses)
                    finished_module = True
            run.progress = int(data.get("progress", run.progress))
            run.current = None
        run.emit(CaseFinished(run.view, attempt))
        if finished_module:
            run.emit(ModuleFinished(run.view, attempt.module_id))

    def _finish(
        self, run: RunState, report: ResultRunStore, exit_code: int, error: str | None
    ) -> None:
        with run.lock:
            run.document = report
            run.current = None
            run.finished_ns = time.time_ns()
            if report.status == TestStatus.PASSED:
                run.progress = 100
        self._ended = True
        run.emit(RunFinished(run.view, report.status, report, exit_code, error))

    def _failed(self, error: str) -> None:
        """The slot could not run the plan: a run that shows why and ends ``failed``."""
        run = self.run if self.run is not None and not self._ended else None
        if run is None:
            run = self._new_run("", None, None)
            run.emit(RunStarted(run.view))
        run.emit(CollectionFailed(run.view, "", error))
        with run.lock:
            report = run.document.model_copy(deep=True)
        report.status = TestStatus.FAILED
        self._finish(run, report, 4, error)
