"""``hardlab.start()``: run a plan in a background thread and keep a handle on it.

A notebook cell cannot wait for an operator's widget answer while it blocks
the kernel (jupyter-notes §2), so the notebook runs plans in a worker thread
and the cell either returns at once or awaits the handle. The worker thread
starts in a copy of the caller's `contextvars` context: a kernel keeps the
cell's output routing there, and the run binds its `RunState` there.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import dataclasses
import functools
import logging
import threading
import uuid
from collections.abc import Awaitable, Callable, Generator, Mapping, Sequence
from os import PathLike
from typing import TYPE_CHECKING, Any, Unpack, overload

from hardlab._util import uuid7
from hardlab.errors import RunNotFinishedError
from hardlab.events import RunListener
from hardlab.operators import AUTO, Operator
from hardlab.runner._run import (
    RunOptions,
    RunResult,
    Target,
    _targets,
    caller_cwd,
    check_capture,
    execute,
    gather_options,
    slot_runs,
    spec_for,
)
from hardlab.runtime import Capture, RunSpec, RunState

if TYPE_CHECKING:
    from hardlab.runner._slots import SlotRuns

__all__ = ["Awaiter", "RunHandle", "set_awaiter", "start"]

_log = logging.getLogger("hardlab")

DoneCallback = Callable[["RunHandle"], object]

Awaiter = Callable[["RunHandle"], Awaitable[None]]
"""How ``await handle`` waits: a coroutine function that returns once the run has ended."""

_AWAITER: Awaiter | None = None


def set_awaiter(awaiter: Awaiter | None) -> Awaiter | None:
    """Choose how ``await handle`` waits for a run; returns the previous choice.

    By default ``await handle`` waits on the running event loop
    (`RunHandle.finished`). That is enough where nothing else must happen
    on the awaiting thread meanwhile; in a Jupyter kernel older than
    ipykernel 7.4 it is not: a cell awaiting there receives no widget
    messages, so a widget dialog would never get its answer. hardlab's
    notebook parts (``%load_ext hardlab``, `hardlab.widgets`) install an
    awaiter that keeps such a kernel handling them and stops the run on a
    kernel interrupt.

    Args:
        awaiter: ``async def awaiter(handle)``, returning once ``handle.done()``
            (or raising); None for the default.
    """
    global _AWAITER
    previous, _AWAITER = _AWAITER, awaiter
    return previous


class RunHandle:
    """A plan running in a background thread: its live state, its result and a way to stop it.

    Made by `hardlab.start`. Every method may be called from any thread.

    Attributes:
        run_id: The run's id (known before the run is set up).
        name: The worker thread's name, ``hardlab-run-<last 8 hex digits of run_id>``.
        ready: Set once `run_state` is there, or once the run has ended
            without getting that far (then `run_state` stays None and
            `result` raises why).

    Example:
        ```python
        handle = hardlab.start("plans/board", capture="no")
        handle.ready.wait()
        handle.run_state.progress      # live
        result = handle.wait()         # or, in a notebook cell: await handle
        ```
    """

    def __init__(
        self,
        spec: Callable[[], RunSpec],
        run_id: uuid.UUID,
        on_run: Callable[[RunState], None] | None,
    ) -> None:
        self.run_id = run_id
        self.name = f"hardlab-run-{run_id.hex[-8:]}"
        self.ready = threading.Event()
        self._spec: Callable[[], RunSpec] | None = spec
        self._user_on_run = on_run
        self._lock = threading.Lock()
        self._state: RunState | None = None
        self._stop_requested = False
        self._finished = threading.Event()
        self._result: RunResult | None = None
        self._exception: BaseException | None = None
        self._callbacks: list[DoneCallback] = []
        self._wakers: list[Callable[[], None]] = []
        self._settled = False  # done callbacks have run; the thread is ending
        context = contextvars.copy_context()
        self._thread = threading.Thread(
            target=context.run, args=(self._work,), name=self.name, daemon=False
        )

    # ------------------------------------------------------------------ worker

    def _start(self) -> None:
        self._thread.start()

    def _work(self) -> None:
        try:
            assert self._spec is not None
            spec = dataclasses.replace(self._spec(), on_run=self._on_run)
            result = execute(spec)
        except BaseException as exc:  # noqa: BLE001 - handed to whoever asks for the result
            self._settle(None, exc)
        else:
            self._settle(result, None)

    def _on_run(self, state: RunState) -> None:
        with self._lock:
            self._state = state
            stop = self._stop_requested
        if stop:  # stopped before the run was set up: no case will run
            state.request_stop()
        self.ready.set()
        if self._user_on_run is not None:
            self._user_on_run(state)

    def _settle(self, result: RunResult | None, exception: BaseException | None) -> None:
        with self._lock:
            self._result = result
            self._exception = exception
            self._finished.set()
            callbacks, self._callbacks = self._callbacks, []
        self._spec = None  # let go of listeners and the operator
        self.ready.set()
        for callback in callbacks:
            self._call(callback)
        with self._lock:
            self._settled = True
            wakers, self._wakers = self._wakers, []
        for wake in wakers:  # last: an awaiting cell finds the thread ending
            wake()

    def _call(self, callback: DoneCallback) -> None:
        try:
            callback(self)
        except Exception:  # noqa: BLE001 - a callback's bug must not stop the others
            _log.exception("hardlab: done callback %r of %r failed", callback, self)

    # ------------------------------------------------------------------ state

    @property
    def run_state(self) -> RunState | None:
        """The live `RunState` once the run is set up (it stays after the end), else None."""
        return self._state

    @property
    def thread(self) -> threading.Thread:
        """The worker thread."""
        return self._thread

    def done(self) -> bool:
        """Whether the run has ended (with a result or an exception)."""
        return self._finished.is_set()

    @property
    def result(self) -> RunResult:
        """The run's `RunResult`.

        Raises:
            RunNotFinishedError: If the run is still going.
            Exception: Whatever the run raised (`PlanError`, `ConfigError`...).
        """
        if not self._finished.is_set():
            msg = (
                f"{self.name} is still going; wait for it first: handle.wait(), "
                "await handle, or check handle.done()"
            )
            raise RunNotFinishedError(msg)
        if self._exception is not None:
            raise self._exception
        assert self._result is not None
        return self._result

    def exception(self) -> BaseException | None:
        """The exception the run raised, or None if it produced a result.

        Raises:
            RunNotFinishedError: If the run is still going.
        """
        if not self._finished.is_set():
            msg = f"{self.name} is still going; it has neither a result nor an exception yet"
            raise RunNotFinishedError(msg)
        return self._exception

    # ------------------------------------------------------------------ waiting

    def wait(self, timeout: float | None = None) -> RunResult:
        """Block until the run has ended, join its thread and return its result.

        In a notebook, block a cell with ``await handle`` instead: a cell
        blocked here cannot receive an operator's widget answers. An
        interrupted wait (Ctrl-C) leaves the run going; `stop` stops it.

        Args:
            timeout: Seconds to wait at most; None for as long as it takes.

        Returns:
            The `RunResult`.

        Raises:
            TimeoutError: If the run is still going after `timeout` seconds.
            RunNotFinishedError: If called from the run's own thread before
                the run has ended (it would wait for itself for ever).
            Exception: Whatever the run raised.
        """
        if threading.current_thread() is self._thread:
            if not self._finished.is_set():
                msg = f"{self.name} cannot wait for itself (wait() was called inside the run)"
                raise RunNotFinishedError(msg)
            return self.result
        self._thread.join(timeout)
        if self._thread.is_alive():
            msg = f"{self.name} is still going after {timeout} s"
            raise TimeoutError(msg)
        return self.result

    def add_done_callback(self, fn: DoneCallback) -> None:
        """Call ``fn(handle)`` once, when the run has ended.

        It runs in the worker thread, or at once in the calling thread if
        the run has ended already. An exception it raises is logged (logger
        ``hardlab``) and otherwise ignored.
        """
        with self._lock:
            if not self._finished.is_set():
                self._callbacks.append(fn)
                return
        self._call(fn)

    def __await__(self) -> Generator[Any, None, RunResult]:
        """``await handle``: wait on the running event loop, then return the result.

        The run's thread wakes the loop with ``loop.call_soon_threadsafe``;
        the loop stays free meanwhile (ipykernel ≥ 7.4 handles widget
        messages while a cell awaits; on older kernels hardlab's notebook
        parts make it so, see `set_awaiter`). Await as often as you like.
        """
        return self._wait_async().__await__()

    async def _wait_async(self) -> RunResult:
        awaiter = _AWAITER
        if awaiter is not None and threading.current_thread() is not self._thread:
            await awaiter(self)
        else:
            await self.finished()
        if threading.current_thread() is not self._thread:
            self._thread.join()  # it has run its last callback and is returning
        return self.result

    async def finished(self) -> None:
        """Wait on the running event loop until the run has ended and its done callbacks ran.

        Unlike ``await handle`` it neither joins the thread nor returns or
        raises the run's outcome; the thread is ending when it returns.
        """
        loop = asyncio.get_running_loop()
        future: asyncio.Future[None] = loop.create_future()

        def wake() -> None:
            with contextlib.suppress(RuntimeError):  # the loop is closed: nobody waits
                loop.call_soon_threadsafe(_resolve, future)

        with self._lock:
            settled = self._settled
            if not settled:
                self._wakers.append(wake)
        if not settled:
            await future

    # ------------------------------------------------------------------ stopping

    def stop(self) -> None:
        """Stop the run cleanly, as HardPy's Stop button does; returns at once.

        The case that is running ends ``stopped``, later cases are
        ``skipped``, the run ends ``stopped`` and is reported and stored as
        such; `wait` then returns that result. What the running case is
        doing decides how soon it stops:

        * Python code (a loop, a computation): a `StopRun` is raised in it
          within milliseconds. Like Ctrl-C, it lands wherever the code is
          (hardlab's listeners and the operator are shielded from it).
        * A call into C code (``time.sleep``, a blocking driver read): the
          stop lands when that call returns to Python.
        * A dialog or blocking operator message: the operator gives up
          (`DialogCancelledError` in the test; see
          `hardlab.operators.wait_for_answer`), and the case ends stopped. The
          terminal operator cannot: it waits in ``readline`` until a line comes.
        * Between cases: no further case starts.

        Stopping before the run is set up is allowed: the run is set up and
        collected, no case runs, and the run ends ``stopped`` with its first
        case ``stopped`` and the others ``skipped``. Stopping a finished run
        does nothing.
        """
        with self._lock:
            state = self._state
            if state is None:
                self._stop_requested = True
        if state is not None and not self._finished.is_set():
            state.request_stop(interrupt=True)

    # ------------------------------------------------------------------ display

    def __repr__(self) -> str:
        return f"<RunHandle {self.name} {self._describe()}>"

    def _describe(self) -> str:
        if self._finished.is_set():
            if self._exception is not None:
                text = f"{type(self._exception).__name__}: {self._exception}"
                return "failed to run: " + (text if len(text) <= 80 else text[:79] + "…")
            assert self._result is not None
            counts = ", ".join(f"{n} {s}" for s, n in sorted(self._result.counts().items()))
            return f"finished {self._result.status.value} ({counts or 'no cases'})"
        state = self._state
        if state is None:
            return "starting, stop requested" if self._stop_requested else "starting"
        stopping = ", stopping" if state.stop.is_set() else ""
        current = state.current
        where = f" at {current}" if current is not None else ""
        return f"running {state.progress}%{where}{stopping}"


def _resolve(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


@overload
def start(
    target: Target = ".", *, slots: None = None, **options: Unpack[RunOptions]
) -> RunHandle: ...


@overload
def start(target: Target = ".", *, slots: int, **options: Unpack[RunOptions]) -> SlotRuns: ...


def start(
    target: Target = ".",
    *,
    args: Sequence[str] = (),
    select: str | None = None,
    start_args: Mapping[str, Any] | None = None,
    operator: Operator | None = AUTO,
    answers: Mapping[str, Any] | Sequence[Any] | str | PathLike[str] | None = None,
    report_dir: str | PathLike[str] | None = None,
    store: str | PathLike[str] | bool | None = None,
    listeners: Sequence[RunListener] = (),
    tests_name: str | None = None,
    config_dir: str | PathLike[str] | None = None,
    hardpy_alias: bool | None = None,
    quiet: bool = False,
    attempt_delay: float | None = None,
    chdir: bool = True,
    handle_sigterm: bool = True,
    run_id: uuid.UUID | None = None,
    on_run: Callable[[RunState], None] | None = None,
    capture: Capture | None = None,
    slots: int | None = None,
) -> RunHandle | SlotRuns:
    """Start running a test plan in a background thread and return a handle on it.

    Takes the arguments of `hardlab.run` and runs the plan the same way, in
    a new thread ``hardlab-run-<id>`` started in a copy of the caller's
    `contextvars` context (a kernel's output routing and any context
    variables of the caller reach the tests). The call returns as soon as
    the thread is started; the handle gives the live `RunState`, the
    result, and `RunHandle.stop`.

    In a notebook pass ``capture="no"`` so a test's prints reach the cell
    (pytest's default capture would take them, and prints of other threads
    with them, while the run goes).

    Things to know:

    * The working directory belongs to the process: while a run with
      ``chdir=True`` (the default) goes, the whole process, notebook
      included, is in the plan folder. A second ``chdir=True`` run waits
      until the first has finished (its handle says "starting" meanwhile).
      Relative paths given to hardlab are resolved where you gave them.
    * Runs at the same time with ``chdir=False`` share ``sys.modules``,
      ``sys.path`` and the ``hardpy`` alias; run plans one after the other
      unless you know they do not collide.
    * SIGTERM is not handled in a background thread (``handle_sigterm`` has
      no effect there); stop the run with `RunHandle.stop`.
    * The thread is not a daemon: the interpreter waits for a running run
      when it exits.

    With ``slots=N`` the plan runs on N slots at once, each in a process of
    its own (see `hardlab.run`); the call returns the running
    `hardlab.runner.SlotRuns`: ``await`` it (or ``wait()``) for the list of
    results, ``stop()`` to stop every slot.

    Returns:
        The `RunHandle` (with `slots`: the `SlotRuns`).

    Raises:
        PlanError: At once, if the target does not exist.
        ConfigError: At once, if `capture` is not one of pytest's. Other errors
            (pytest's usage errors, a bad ``hardpy.toml``) come out of
            `RunHandle.result`, `RunHandle.wait` and ``await handle``.
    """
    options = gather_options(locals())
    if slots is not None:
        return slot_runs(target, slots, options)
    check_capture(capture)
    base = caller_cwd()
    targets = _targets(target, base)  # a typo fails here, not in the thread
    run_id = options["run_id"] = run_id or uuid7()
    # The spec is made in the run's thread (an answers file is read there, and
    # its errors come out of the handle), with relative paths taken from here;
    # the handle puts its own on_run in the spec, which calls this one.
    spec = functools.partial(spec_for, targets, base=base, **options)
    handle = RunHandle(spec, run_id, on_run)
    handle._start()
    return handle
