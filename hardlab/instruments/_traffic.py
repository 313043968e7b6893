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
"""

from __future__ import annotations

import collections
import contextlib
import contextvars
import hashlib
import threading
import time
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
    token = _OUTSIDE_CASE.set(True)
    try:
        yield
    finally:
        _OUTSIDE_CASE.reset(token)


def _answer_text(answer: Any) -> str | None:
    if isinstance(answer, str):
        return answer
    if isinstance(answer, bytes):
        return f"<{len(answer)} bytes sha256:{hashlib.sha256(answer).hexdigest()}>"
    return None  # a write's byte count says nothing the command does not


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
    # The hot path of every exchange (see benchmarks/instruments.py): one dict,
    # one context lookup, and identity checks against the place the session's
    # last exchange went to; the lock and the model lookups only on a change.
    entry: dict[str, Any] = {
        "instrument": session.name,
        "op": op,
        "command": command,
        "answer": answer if answer.__class__ is str else _answer_text(answer),
        "t": (start_ns + _OFFSET_NS) / 1e9,
        "ms": duration_ns / 1e6,
    }
    if error is not None:
        entry["error"] = error
    run = maybe_current_run()
    if run is None:
        with _BENCH_LOCK:
            BENCH_LOG.append(entry)
        return
    ref = None if _OUTSIDE_CASE.get() else run.current
    target = session.target
    if target is not None:
        target_run, target_ref, holder, artifact, log = target
        if (
            target_run is run
            and target_ref is ref
            and holder.artifact is artifact  # a retry gives the case a new artifact
            and artifact.get(ARTIFACT_KEY) is log
        ):
            # The same place as the last exchange: a list.append is atomic, and
            # a snapshot that copies the list meanwhile sees it with or without
            # this entry, never broken; the run's lock is for creating the list.
            log.append(entry)
            return
        if target_run is run:
            _append_first(session, run, ref, entry)
            return
    # The session's first exchange in this run: list it in the run's instruments.
    _append_first(session, run, ref, entry)
    if session.identified:
        note_identity(session)


def _append_first(session: InstrumentSession, run: Any, ref: Any, entry: dict[str, Any]) -> None:
    # Written in place, without an event per exchange: the case's end (or the
    # run's) publishes the case with everything it gathered.
    with run.lock:
        holder = run.document if ref is None else run.case(ref.module_id, ref.case_id)
        artifact = holder.artifact
        log = artifact.get(ARTIFACT_KEY)
        if not isinstance(log, list):
            log = artifact[ARTIFACT_KEY] = []
        log.append(entry)
    # one slot per session, replaced whole, read without a lock
    session.target = (run, ref, holder, artifact, log)


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
