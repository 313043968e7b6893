"""Stopping a case's Python code at once, from another thread, without breaking the run.

``RunHandle.stop()`` (and anything else that calls
``RunState.request_stop(interrupt=True)``) must stop a test stuck in a long
Python loop, as SIGTERM does for HardPy's runner. The only way to do that
from another thread is CPython's ``PyThreadState_SetAsyncExc``: the exception
is raised in the target thread at its next check of pending calls (a
function call, a loop's jump back), wherever that thread is. Raised in the
wrong place (hardlab's bookkeeping, a listener writing to the store, pytest's
reporting) it would do harm, so a `StopGate` lets it in only while the thread
runs the case's own code:

* the window: the plugin opens it while fixtures set the case up and while
  its body runs, and closes it after; closing takes back an exception that
  was sent and has not landed yet;
* shields: inside the window, listeners and the operator are shielded; a stop
  that comes while one runs waits, and is raised when the shield ends
  (unless the shielded code ended with an exception, as an operator that
  gave up with `DialogCancelledError` does: the test then sees that error);
* once: a gate sends the exception once; the stop event does the rest (the
  next case does not start). Only if a test swallows it (``except
  Exception``: pytest's exit exception is one) and then calls hardlab
  again is it raised a second time.

An exception cannot be raised into C code: a test blocked in
``time.sleep`` or a driver's read is stopped when that call returns.
"""

from __future__ import annotations

import contextlib
import ctypes
import threading
from types import TracebackType
from typing import TYPE_CHECKING

import pytest

from hardlab.errors import DialogCancelledError

if TYPE_CHECKING:
    from hardlab.runtime import RunState

__all__ = ["STOP_MESSAGE", "StopGate", "StopRun", "cancelled_by_stop"]

STOP_MESSAGE = "Tests stopped by user"


class StopRun(pytest.exit.Exception):  # type: ignore[name-defined,misc]
    """Raised in the running test to stop the run (as SIGTERM does in HardPy)."""

    def __init__(self) -> None:
        super().__init__(STOP_MESSAGE, int(pytest.ExitCode.INTERRUPTED))


def cancelled_by_stop(run: RunState | None, exc: BaseException) -> bool:
    """Whether `exc` comes of a dialog the run's stop cancelled (then the case is stopped)."""
    if run is None or not run.stop.is_set():
        return False
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, DialogCancelledError):
            return True
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return False


def _set_async_exc(thread_id: int, exception: type[BaseException] | None) -> bool:
    """Raise `exception` in thread `thread_id` (None: take back a pending one)."""
    api = getattr(ctypes, "pythonapi", None)
    if api is None:  # pragma: no cover - not CPython
        return False
    function = api.PyThreadState_SetAsyncExc
    target = ctypes.c_ulong(thread_id)
    count = int(function(target, None if exception is None else ctypes.py_object(exception)))
    if count > 1:  # pragma: no cover - CPython's documented safety net
        function(target, None)
        return False
    return count == 1


class StopGate:
    """Decides when a stop may be raised asynchronously in the thread running the tests.

    Args:
        thread_id: ``threading.get_ident()`` of the thread that runs the tests.
        exception: The exception class to raise there (instantiated without
            arguments).
    """

    def __init__(self, thread_id: int, exception: type[BaseException]) -> None:
        self.thread_id = thread_id
        self.exception = exception
        self._lock = threading.Lock()
        self._open = False
        self._depth = 0
        self._pending = False  # sent, and maybe not landed yet
        self._deferred = False  # asked for while shielded
        self._fired = False  # the stop was sent (or raised) already
        self._shield = _Shield(self)

    def open(self) -> None:
        """The thread starts running the case's own code (its fixtures, its body)."""
        with self._lock:
            self._open = True

    def close(self) -> None:
        """The case's code is done; take back a stop that has not landed."""
        with self._lock:
            self._open = False
            self._deferred = False
            if self._pending:
                _set_async_exc(self.thread_id, None)
                self._pending = False

    def disable(self) -> None:
        """The run is over: nothing more is ever raised."""
        with self._lock:
            self._fired = True
            self._open = False
            self._deferred = False
            if self._pending:
                _set_async_exc(self.thread_id, None)
                self._pending = False

    def interrupt(self) -> bool:
        """Raise the stop in the thread now, or when its shield ends.

        Called from any thread. Returns whether the exception was sent (it
        lands within microseconds if the thread runs Python code).
        """
        with self._lock:
            if self._fired or not self._open:
                return False
            if self._depth:
                self._deferred = True
                return False
            if threading.get_ident() == self.thread_id:
                # the thread stops itself (a listener or the test calling
                # stop): plain raising is for its caller; leave it to the event
                return False
            self._fired = self._pending = _set_async_exc(self.thread_id, self.exception)
            return self._fired

    def shield(self) -> contextlib.AbstractContextManager[None]:
        """Code that must not be interrupted: a stop asked for meanwhile waits until it ends."""
        return self._shield


class _Shield:
    """`StopGate.shield`: one reusable context manager (it runs for every event)."""

    __slots__ = ("_gate",)

    def __init__(self, gate: StopGate) -> None:
        self._gate = gate

    def __enter__(self) -> None:
        gate = self._gate
        if threading.get_ident() != gate.thread_id:
            return
        with gate._lock:
            gate._depth += 1
            if gate._pending:  # sent just before the shield: it waits for the end now
                _set_async_exc(gate.thread_id, None)
                gate._pending = gate._fired = False
                gate._deferred = True

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        gate = self._gate
        if threading.get_ident() != gate.thread_id:
            return
        with gate._lock:
            gate._depth -= 1
            if gate._depth or not gate._deferred:
                return
            gate._deferred = False
            if gate._fired or not gate._open:
                return
            gate._fired = True
        # An exception ending the shield (the operator's DialogCancelledError)
        # already carries the stop to the test; otherwise raise it now.
        if kind is None:
            raise gate.exception
