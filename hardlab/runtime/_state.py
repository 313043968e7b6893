"""The live state of a run, its read-only view, and how the setter API finds it.

The pytest plugin creates one `RunState` per run and makes it current for the
thread running the plan (a `ContextVar`); it also marks which case is running.
Setters find the run through `current_run()`, change the in-memory document
under the run's lock and publish an event. Nothing here does I/O.

A setter called from a thread the test started itself does not see the
ContextVar (threads start with an empty context). If exactly one run is
active in the process, that run is used, which is what HardPy's
process-wide singletons did; with several runs at once hardlab refuses to
guess and raises `NotInRunError`. Start such threads with
``contextvars.copy_context().run`` to bind them to their run explicitly.
"""

from __future__ import annotations

import contextlib
import contextvars
import copy
import threading
import time
import uuid
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from hardlab._util import local_timezone, machine_id
from hardlab.config import HardpyConfig
from hardlab.errors import DialogCancelledError, HardlabWarning, NotInRunError
from hardlab.events import (
    AlertRaised,
    DialogClosed,
    DialogOpened,
    Event,
    OperatorMessageChanged,
    RunListener,
)
from hardlab.model.dialog import DialogBox, answer_value
from hardlab.model.enums import TestStatus
from hardlab.model.report import (
    CaseRunStore,
    CaseStateStore,
    Dut,
    ModuleRunStore,
    ModuleStateStore,
    OperatorData,
    Process,
    ResultRunStore,
    ResultStateStore,
    TestStand,
)
from hardlab.operators import Answer, DialogRequest, MessageRequest, NoOperator, Operator

__all__ = [
    "CURRENT_RUN",
    "CaseRef",
    "RunState",
    "StateView",
    "activate",
    "current_run",
    "deactivate",
    "last_run",
]

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class CaseRef:
    """Which case is running: HardPy's module id and case id."""

    module_id: str
    case_id: str

    def __str__(self) -> str:
        return f"{self.module_id}::{self.case_id}"


class RunState:
    """Everything about one run while it is going: the report and what lies beside it.

    Attributes:
        run_id: The run's unique id (a time-ordered UUID).
        config: The plan's ``hardpy.toml``.
        document: The live report. Change it only under `lock`.
        lock: Guards `document` and the fields below.
        current: The running case, or None between cases. Setting it
            changes `route`.
        route: A token that changes whenever the place a case's traffic is
            kept may have changed (a case starts or ends, an attempt starts
            over, an artifact is set); see `reroute`.
        progress: Percentage of cases done (HardPy's integer progress).
        alert: The last alert text ("" when none).
        message: The operator message on show, or None.
        dialog: The dialog waiting for the operator, or None.
        stop: Set when a stop is requested; dialogs waiting for input give up.
        view: The run's read-only view (`hardlab.events.RunView`), the one
            its events carry.
        uninterruptible: Returns a context manager around code that an
            asynchronous stop (`request_stop` with ``interrupt=True``) must
            not break into: listeners and the operator. The runner sets it.
        interrupter: Raises the stop in the running case's code at once, if
            it safely can, and says whether it did. The runner sets it.
        start_args: The run's start arguments (``hardpy_start_args``).
        started_ns: ``time.time_ns()`` when the run started, or None.
        finished_ns: ``time.time_ns()`` when it finished, or None.
    """

    def __init__(
        self,
        *,
        config: HardpyConfig | None = None,
        name: str = "",
        operator: Operator | None = None,
        listeners: Sequence[RunListener] = (),
        start_args: dict[str, str] | None = None,
        run_id: uuid.UUID | None = None,
    ) -> None:
        from hardlab._util import uuid7

        self.run_id: uuid.UUID = run_id or uuid7()
        self.config = config or HardpyConfig()
        doc_id = self.config.get_doc_id()
        self.document = ResultRunStore(
            _rev=doc_id,
            _id=doc_id,
            name=name,
            status=TestStatus.READY,
            start_time=None,
            stop_time=None,
            test_stand=TestStand(hw_id=machine_id(), timezone=local_timezone()),
            dut=Dut(),
            process=Process(),
        )
        self.lock = threading.RLock()
        self.operator = operator
        self.listeners: list[RunListener] = list(listeners)
        self.start_args: dict[str, str] = dict(start_args or {})
        self._current: CaseRef | None = None
        self.route = object()
        self.progress = 0
        self.alert = ""
        self.message: MessageRequest | None = None
        self.dialog: DialogRequest | None = None
        self.stop = threading.Event()
        self.started_ns: int | None = None
        self.finished_ns: int | None = None
        self.operator_guard: Callable[[], contextlib.AbstractContextManager[Any]] = (
            contextlib.nullcontext
        )
        self.uninterruptible: Callable[[], contextlib.AbstractContextManager[Any]] = (
            contextlib.nullcontext
        )
        self.interrupter: Callable[[], bool] | None = None
        self._broken_listeners: set[int] = set()
        self.view = StateView(self)

    def __repr__(self) -> str:
        return (
            f"<RunState {self.run_id} {self.document.name!r} status={self.document.status.value}>"
        )

    @property
    def current(self) -> CaseRef | None:
        """The running case, or None between cases."""
        return self._current

    @current.setter
    def current(self, ref: CaseRef | None) -> None:
        self._current = ref
        self.route = object()

    def reroute(self) -> None:
        """Say that where the running case keeps what it gathers may have changed.

        Code that writes into the live report on a hot path (an instrument's
        every exchange) remembers where it wrote together with `route`, and
        looks again only when `route` changed: when a case starts or ends
        (setting `current` calls this), an attempt starts over with a fresh
        artifact, or an artifact is set.
        """
        self.route = object()

    # ------------------------------------------------------------------ events

    def emit(self, event: Event) -> None:
        """Give `event` to every listener; a listener that raises is reported once."""
        # A stop raised asynchronously inside a listener would look like the
        # listener's own failure and cut it off from the run (the store!).
        with self.uninterruptible():
            for listener in self.listeners:
                if id(listener) in self._broken_listeners:
                    continue
                try:
                    listener.handle(event)
                except Exception as exc:  # noqa: BLE001 - a listener must not break the run
                    self._broken_listeners.add(id(listener))
                    text = (
                        f"listener {listener!r} failed on {type(event).__name__} and gets no "
                        f"more events of this run: {type(exc).__name__}: {exc}"
                    )
                    warnings.warn(text, HardlabWarning, stacklevel=2)
                    self.set_alert(text)

    def set_alert(self, text: str) -> None:
        """Show `text` as the run's alert (HardPy's panel alert line)."""
        with self.lock:
            self.alert = text
        self.emit(AlertRaised(self.view, text))

    # ------------------------------------------------------------------ lookups

    def case(self, module_id: str, case_id: str) -> CaseRunStore:
        """The live case `module_id::case_id`."""
        return self.document.modules[module_id].cases[case_id]

    def case_copy(self, module_id: str, case_id: str) -> CaseRunStore:
        """A copy of the live case that later changes to the case do not reach.

        Setters only ever replace a case's containers when an attempt starts
        over, or add to them while it runs; so copying the containers one
        level deep (and the user's nested artifacts fully) is enough, and far
        cheaper than a deep copy of the model.
        """
        with self.lock:
            case = self.case(module_id, case_id)
            return case.model_copy(
                update={
                    "msg": dict(case.msg) if case.msg is not None else None,
                    "measurements": list(case.measurements),
                    "artifact": copy.deepcopy(case.artifact) if case.artifact else {},
                }
            )

    def module(self, module_id: str) -> ModuleRunStore:
        """The live module `module_id`."""
        return self.document.modules[module_id]

    def require_case(self, function: str) -> tuple[CaseRef, CaseRunStore]:
        """The running case, for a function that needs one.

        Raises:
            NotInRunError: If no case is running (HardPy's message, plus the fix).
        """
        ref = self.current
        if ref is None:
            text = f"Function {function} can't be called outside of the test."
            self.set_alert(text)
            raise NotInRunError(
                f"{text} Call it from a test function or a function-scoped fixture."
            )
        return ref, self.case(ref.module_id, ref.case_id)

    # ------------------------------------------------------------------ snapshots

    def snapshot(self) -> ResultRunStore:
        """A validated copy of the report, safe to keep and change."""
        with self.lock:
            data = self.document.model_dump_json()
        return ResultRunStore.model_validate_json(data)

    def state_snapshot(self) -> ResultStateStore:
        """The run as HardPy's UI-state document: no artifacts, with panel state."""
        with self.lock:
            data = self.document.model_dump(exclude={"artifact"})
            dialog = self.dialog
            message = self.message
            data["progress"] = self.progress
            data["alert"] = self.alert
        data["operator_msg"] = message.to_dict() if message is not None else {}
        data["operator_data"] = OperatorData(dialog="")
        for module_id, module in data["modules"].items():
            module.pop("artifact", None)
            for case_id, case in module["cases"].items():
                case.pop("artifact", None)
                waiting = (
                    dialog is not None
                    and dialog.module_id == module_id
                    and dialog.case_id == case_id
                )
                case["dialog_box"] = dialog.dialog.to_dict() if waiting and dialog else {}
            module["cases"] = {
                k: CaseStateStore.model_validate(v) for k, v in module["cases"].items()
            }
        data["modules"] = {
            k: ModuleStateStore.model_validate(v) for k, v in data["modules"].items()
        }
        return ResultStateStore.model_validate(data)

    # ------------------------------------------------------------------ operator

    def _operator(self, what: str) -> Operator:
        if self.operator is None:
            raise NoOperator.error(what)
        return self.operator

    def ask(self, dialog: DialogBox, function: str = "run_dialog_box") -> Any:
        """Show `dialog` to the operator of the running case and return the converted answer.

        Raises:
            NotInRunError: If no case is running.
            NoOperatorError: If the run has no operator.
            OperatorError: If the operator cannot answer.
        """
        ref, case = self.require_case(function)
        what = f"{function} ({ref}: {dialog.title_bar or case.name!r})"
        if self.stop.is_set():
            raise DialogCancelledError(f"{what}: the run is stopping; the dialog is not shown")
        operator = self._operator(what)
        request = DialogRequest(
            dialog=dialog,
            run_id=str(self.run_id),
            module_id=ref.module_id,
            case_id=ref.case_id,
            module_name=self.module(ref.module_id).name,
            case_name=case.name,
            attempt=case.attempt,
            stop=self.stop,
        )
        # The operator gives up on a stop itself (DialogCancelledError), so the
        # test learns why; nothing is raised into it while the dialog is open.
        with self.uninterruptible():
            with self.lock:
                self.dialog = request
            self.emit(DialogOpened(self.view, request))
            payload: str | None = None
            try:
                with self.operator_guard():
                    answer: object = operator.ask(request)
                if not isinstance(answer, Answer):
                    msg = (
                        f"{operator!r}.ask() returned {answer!r}; an Operator must return an Answer"
                    )
                    raise TypeError(msg)
                payload = answer.payload()
            finally:
                with self.lock:
                    self.dialog = None
                self.emit(DialogClosed(self.view, request, payload))
        return answer_value(dialog, payload)

    def show_message(self, request: MessageRequest) -> None:
        """Show an operator message; for a blocking one, wait until it is closed.

        Raises:
            NoOperatorError: If the message blocks and the run has no operator.
            OperatorError: If the operator cannot show it.
        """
        with self.uninterruptible():
            with self.lock:
                self.message = request
            self.emit(OperatorMessageChanged(self.view, request))
            if not request.block:
                return
            try:
                if self.stop.is_set():
                    msg = f"operator message {request.msg!r}: the run is stopping; it is not shown"
                    raise DialogCancelledError(msg)
                operator = self._operator("A blocking set_operator_message")
                with self.operator_guard():
                    operator.acknowledge(request)
            finally:
                self.clear_message()

    def clear_message(self) -> None:
        """Take down the operator message, if one is shown."""
        with self.lock:
            had = self.message is not None
            self.message = None
        if had:
            self.emit(OperatorMessageChanged(self.view, None))

    def request_stop(self, *, interrupt: bool = False) -> bool:
        """Ask the run to stop: open dialogs give up, no further case starts.

        Args:
            interrupt: Also stop the running case's Python code at once
                (when the runner supports it), instead of letting it finish.

        Returns:
            Whether the running case's code was interrupted.
        """
        self.stop.set()
        interrupter = self.interrupter
        return bool(interrupt and interrupter is not None and interrupter())

    # ------------------------------------------------------------------ timing

    def mark_started(self) -> None:
        """Record the run's start (HardPy's ``start()``)."""
        with self.lock:
            self.started_ns = time.time_ns()
            self.document.start_time = self.started_ns // 1_000_000_000
            self.document.status = TestStatus.RUN
            self.progress = 0
            self.alert = ""


class StateView:
    """The read-only view of a `RunState` its events carry (implements `hardlab.events.RunView`).

    Made once per run (`RunState.view`); every reader takes the run's lock
    itself and returns a copy, so listeners never lock the run.
    """

    __slots__ = ("_run",)

    def __init__(self, run: RunState) -> None:
        self._run = run

    def __repr__(self) -> str:
        return f"<RunView of {self._run!r}>"

    @property
    def run_id(self) -> uuid.UUID:
        """The run's unique id."""
        return self._run.run_id

    @property
    def name(self) -> str:
        """The run's name."""
        return self._run.document.name

    @property
    def config(self) -> HardpyConfig:
        """The plan's ``hardpy.toml``."""
        return self._run.config

    @property
    def start_args(self) -> dict[str, str]:
        """A copy of the run's start arguments."""
        return dict(self._run.start_args)

    @property
    def started_ns(self) -> int | None:
        """When the run started, or None."""
        return self._run.started_ns

    @property
    def finished_ns(self) -> int | None:
        """When the run finished, or None."""
        return self._run.finished_ns

    @property
    def progress(self) -> int:
        """Percentage of cases done."""
        return self._run.progress

    @property
    def alert(self) -> str:
        """The last alert text."""
        return self._run.alert

    @property
    def current(self) -> CaseRef | None:
        """The running case, or None."""
        return self._run.current

    @property
    def dialog(self) -> DialogRequest | None:
        """The dialog waiting for the operator, or None."""
        return self._run.dialog

    @property
    def message(self) -> MessageRequest | None:
        """The operator message on show, or None."""
        return self._run.message

    @property
    def stopping(self) -> bool:
        """Whether a stop was requested."""
        return self._run.stop.is_set()

    def request_stop(self, *, interrupt: bool = False) -> bool:
        """Ask the run to stop (see `RunState.request_stop`)."""
        return self._run.request_stop(interrupt=interrupt)

    def document(self) -> ResultRunStore:
        """A validated copy of the report."""
        return self._run.snapshot()

    def document_json(self, *, include: Any = None, exclude: Any = None) -> str:
        """The report as JSON."""
        with self._run.lock:
            return self._run.document.model_dump_json(include=include, exclude=exclude)

    def case(self, module_id: str, case_id: str) -> CaseRunStore:
        """A copy of a case."""
        return self._run.case_copy(module_id, case_id)

    def module(self, module_id: str, *, cases: bool = True) -> ModuleRunStore:
        """A copy of a module, with or without its cases."""
        run = self._run
        with run.lock:
            module = run.module(module_id)
            if not cases:
                return module.model_copy(update={"cases": {}})
            copied = {case_id: run.case_copy(module_id, case_id) for case_id in module.cases}
            return module.model_copy(update={"cases": copied})

    def module_json(self, module_id: str, *, exclude: Any = None) -> str:
        """A module as JSON."""
        with self._run.lock:
            return self._run.module(module_id).model_dump_json(exclude=exclude)

    def read(self, reader: Callable[[ResultRunStore], T]) -> T:
        """``reader(report)`` on the live report under the run's lock."""
        with self._run.lock:
            return reader(self._run.document)


# ---------------------------------------------------------------------- registry

_CURRENT: contextvars.ContextVar[RunState | None] = contextvars.ContextVar(
    "hardlab_run", default=None
)
CURRENT_RUN = _CURRENT
"""The run bound to this thread's context, or None: what `maybe_current_run` reads first.

For a hot path that cannot afford the call; when it gives None, call
`maybe_current_run`, which also finds the one run of a process from a
thread bound to none.
"""
_ACTIVE: list[RunState] = []
_LAST: list[RunState] = []
_REGISTRY_LOCK = threading.Lock()


def activate(run: RunState) -> contextvars.Token[RunState | None]:
    """Make `run` current for this thread's context and register it as active."""
    with _REGISTRY_LOCK:
        _ACTIVE.append(run)
    return _CURRENT.set(run)


def deactivate(run: RunState, token: contextvars.Token[RunState | None] | None) -> None:
    """Undo `activate`; `run` becomes the process's last finished run."""
    if token is not None:
        with contextlib.suppress(ValueError):  # reset from another context: leave it
            _CURRENT.reset(token)
    with _REGISTRY_LOCK:
        with contextlib.suppress(ValueError):
            _ACTIVE.remove(run)
        _LAST[:] = [run]


def current_run(function: str) -> RunState:
    """The run a setter called `function` belongs to.

    Raises:
        NotInRunError: If no run is active, or several are and this thread is
            bound to none of them.
    """
    run = _CURRENT.get()
    if run is not None:
        return run
    with _REGISTRY_LOCK:
        active = list(_ACTIVE)
    if len(active) == 1:
        return active[0]
    if not active:
        msg = (
            f"Function {function} can't be called outside of the test: no hardlab run is "
            "going. Call it from a test, fixture or post-run function of a plan run by "
            "hardlab.run(), `hardlab run`, %hardpy or pytest --hardlab."
        )
    else:
        msg = (
            f"Function {function} was called from a thread that belongs to none of the "
            f"{len(active)} runs going in this process. Start the thread with "
            "contextvars.copy_context().run(...) from inside the test."
        )
    raise NotInRunError(msg)


def maybe_current_run() -> RunState | None:
    """The current run, if any (same rules as `current_run`, without raising)."""
    run = _CURRENT.get()
    if run is not None:
        return run
    with _REGISTRY_LOCK:
        return _ACTIVE[0] if len(_ACTIVE) == 1 else None


def last_run() -> RunState | None:
    """The run that finished last in this process, if any."""
    with _REGISTRY_LOCK:
        return _LAST[0] if _LAST else None


@contextlib.contextmanager
def running(run: RunState) -> Iterator[RunState]:
    """Make `run` current inside the block (for tests and tools that drive a run by hand)."""
    token = activate(run)
    try:
        yield run
    finally:
        deactivate(run, token)
