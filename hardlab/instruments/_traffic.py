"""Where an exchange goes: the running case, the run, or the bench log.

This is the one module of `hardlab.instruments` that reads the run state, so
that the engine can move it without touching the rest of the package.

Each exchange becomes one compact entry::

    {"instrument": "dmm", "op": "query", "command": "MEAS:VOLT:DC?",
     "answer": "+3.300E+00", "t": 1764750000.123456, "ms": 0.061}

``t`` is the start (seconds since the epoch), ``ms`` the duration; binary
data is kept as ``<N bytes sha256:...>``; a failed exchange has ``error``.
During a case the entries go to the case's artifact ``scpi`` (so the HardPy
JSON export and StandCloud carry them); in a run but outside a case
(session fixtures) to the run's artifact ``scpi``; outside any run to the
process's bench log.

In a run, an exchange is first kept as a compact tuple in the run's
`_Pending` buffer, and becomes its entry when anyone reads the document: the
buffer is registered with `RunState.defer`, and every copy or reading of the
run's document (the case's end, a snapshot, the view's readers) settles it
first, so each reader sees exactly the entries it would see had they been
written in place. A session finds its buffer again by the run's `route`.
"""

from __future__ import annotations

import collections
import contextlib
import contextvars
import hashlib
import threading
import time
import weakref
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from hardlab.runtime import maybe_current_run

if TYPE_CHECKING:
    from hardlab.config import InstrumentConfig
    from hardlab.instruments._session import InstrumentSession

__all__ = [
    "ARTIFACT_KEY",
    "BENCH_LOG",
    "bench_entries",
    "clear_bench_log",
    "note_identity",
    "outside_case",
    "record",
    "run_instruments",
]

ARTIFACT_KEY = "scpi"
"""The artifact key under which a case (or the run) keeps its exchanges."""

BENCH_LOG_SIZE = 100_000
"""How many exchanges outside any run the bench log keeps (the oldest go first)."""

BENCH_LOG: collections.deque[dict[str, Any]] = collections.deque(maxlen=BENCH_LOG_SIZE)
_BENCH_LOCK = threading.Lock()

# Wall time of an exchange from the monotonic clock its duration is measured
# with: one clock read per exchange instead of two.
_OFFSET_NS = time.time_ns() - time.perf_counter_ns()


_OUTSIDE_CASE: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "hardlab_outside_case", default=False
)


@contextlib.contextmanager
def outside_case() -> Iterator[None]:
    """Inside the block, exchanges go to the run even while a case is running.

    The setup of a session- or module-scoped fixture happens during the
    first case that needs it, but its traffic belongs to the run.
    """
    # sessions remember where their traffic went by the run's route: make
    # them look again on the way in and on the way out
    run = maybe_current_run()
    token = _OUTSIDE_CASE.set(True)
    if run is not None:
        run.reroute()
    try:
        yield
    finally:
        _OUTSIDE_CASE.reset(token)
        if run is not None:
            run.reroute()


def _answer_text(answer: Any) -> str | None:
    if isinstance(answer, str):
        return answer
    if isinstance(answer, bytes):
        return f"<{len(answer)} bytes sha256:{hashlib.sha256(answer).hexdigest()}>"
    return None  # a write's byte count says nothing the command does not


def _entry(
    name: str,
    op: str,
    command: str,
    answer: str | None,
    start_ns: int,
    end_ns: int,
    error: str | None,
) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "instrument": name,
        "op": op,
        "command": command,
        "answer": answer,
        "t": (start_ns + _OFFSET_NS) / 1e9,
        "ms": (end_ns - start_ns) / 1e6,
    }
    if error is not None:
        entry["error"] = error
    return entry


# One exchange waiting in a run's buffer: the number of the list it goes to
# (`_Pending.logs`), then _entry's arguments. Only numbers and text, so the
# garbage collector stops tracking the tuple at its first pass.
_Item = tuple[int, str, str, str, "str | None", int, int, "str | None"]


class _Pending:
    """A run's exchanges not yet written as entries, in the order they were made.

    One buffer per run (not per session or per case), so that the entries of
    several instruments land in each list in the order of the exchanges.
    Writing the entries in a batch, when someone reads the run's document,
    costs less than writing each in place between two instrument calls,
    whose own work has pushed the entry's memory out of the caches.
    """

    __slots__ = ("__weakref__", "items", "logs")

    def __init__(self) -> None:
        self.items: list[_Item] = []
        self.logs: list[list[dict[str, Any]]] = []
        """The lists the exchanges go to, numbered in the order they were first aimed at."""

    def number(self, log: list[dict[str, Any]]) -> int:
        """The number of `log` (called with the run's lock held)."""
        for number in range(len(self.logs) - 1, -1, -1):
            if self.logs[number] is log:
                return number
        self.logs.append(log)
        return len(self.logs) - 1

    def flush(self) -> None:
        """Write the waiting exchanges into their lists (called with the run's lock held)."""
        items = self.items
        count = len(items)
        if not count:
            return
        # Exchanges appended meanwhile (list.append is atomic) come after
        # `count` and stay for the next flush; flushes are serialised by the
        # run's lock, so each list gets its entries in order.
        batch = items[:count]
        del items[:count]
        logs = self.logs
        offset = _OFFSET_NS
        # _entry, inlined: a case's end may write thousands of entries at once
        for number, name, op, command, answer, start_ns, end_ns, error in batch:
            entry = {
                "instrument": name,
                "op": op,
                "command": command,
                "answer": answer,
                "t": (start_ns + offset) / 1e9,
                "ms": (end_ns - start_ns) / 1e6,
            }
            if error is not None:
                entry["error"] = error
            logs[number].append(entry)


_BUFFERS: weakref.WeakKeyDictionary[Any, _Pending] = weakref.WeakKeyDictionary()
"""Each run's buffer, made (and registered with the run) on its first exchange."""
_BUFFERS_LOCK = threading.Lock()  # two runs of one process may start at once


def record(
    session: InstrumentSession,
    op: str,
    command: str,
    answer: Any,
    start_ns: int,
    duration_ns: int,
    error: str | None,
) -> None:
    """Keep one exchange with the running case, the run, or the bench log."""
    if answer.__class__ is not str:
        answer = _answer_text(answer)
    run = maybe_current_run()
    if run is None:
        entry = _entry(session.name, op, command, answer, start_ns, start_ns + duration_ns, error)
        with _BENCH_LOCK:
            BENCH_LOG.append(entry)
        return
    # the route first: if it changes while the place is looked up, the next
    # exchange looks again
    route = run.route
    ref = None if _OUTSIDE_CASE.get() else run.current
    # Kept without an event per exchange: the case's end (or the run's)
    # publishes the case with everything it gathered.
    with run.lock:
        with _BUFFERS_LOCK:
            pending = _BUFFERS.get(run)
            if pending is None:
                pending = _BUFFERS[run] = _Pending()
                run.defer(pending.flush)
        holder = run.document if ref is None else run.case(ref.module_id, ref.case_id)
        artifact = holder.artifact
        log = artifact.get(ARTIFACT_KEY)
        if not isinstance(log, list):
            log = artifact[ARTIFACT_KEY] = []
        number = pending.number(log)
        item = (number, session.name, op, command, answer, start_ns, start_ns + duration_ns, error)
        pending.items.append(item)
    first = session.target is None or session.target[3] is not run
    # one slot per session, replaced whole, read without a lock
    session.target = (route, pending.items, number, run)
    if first and session.identified:
        # the session's first exchange in this run: list it in the run's instruments
        note_identity(session)


def note_identity(session: InstrumentSession) -> None:
    """List the instrument in the current run's ``test_stand.instruments``, once per run."""
    run = maybe_current_run()
    if run is None or run.run_id in session.identity_runs:
        return
    session.identity_runs.add(run.run_id)
    from hardlab.api import set_instrument

    with contextlib.suppress(Exception):  # the run ended meanwhile: nothing to list it in
        set_instrument(session.identity())


def run_instruments() -> list[InstrumentConfig] | None:
    """The current run's ``[[hardlab.instruments]]``, or None outside a run."""
    run = maybe_current_run()
    return None if run is None else list(run.config.hardlab.instruments)


def bench_entries() -> list[dict[str, Any]]:
    """A copy of the bench log: the exchanges made outside any run, oldest first."""
    with _BENCH_LOCK:
        return list(BENCH_LOG)


def clear_bench_log() -> None:
    """Forget the exchanges of the bench log."""
    with _BENCH_LOCK:
        BENCH_LOG.clear()
