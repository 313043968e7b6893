"""Where an exchange goes: the running case, the run, or the bench log.

This is the one module of `hardlab.instruments` that reads the run state, so
that the engine can move it without touching the rest of the package.

Each exchange becomes one row of an exchange table (`hardlab.model.scpi`)::

    ("dmm", "query", "MEAS:VOLT:DC?", "+3.300E+00", 1764750000.123456, 0.061, None)

the instrument, the operation, the command, the answer, the start (seconds
since the epoch), the duration in milliseconds and the error (None unless
the exchange failed); binary data is kept as ``<N bytes sha256:...>``.
During a case the rows go to the case's artifact ``scpi`` (so the HardPy
JSON export and StandCloud carry them); in a run but outside a case
(session fixtures) to the run's artifact ``scpi``; outside any run to the
process's bench log.

A row is appended where it belongs at once, without the run's lock (a list
append is atomic): a session remembers the rows list its last exchange went
to together with the run's `route`, and looks again, under the lock, only
when the route changed (a case started or ended, an attempt started over,
an artifact was set).
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

from hardlab.model.scpi import SCPI_COLUMNS, SCPI_KEY, scpi_table
from hardlab.runtime import maybe_current_run

if TYPE_CHECKING:
    from hardlab.config import InstrumentConfig
    from hardlab.instruments._session import InstrumentSession

__all__ = [
    "ARTIFACT_KEY",
    "BENCH_LOG",
    "OFFSET_NS",
    "Row",
    "bench_entries",
    "clear_bench_log",
    "note_identity",
    "outside_case",
    "record",
    "run_instruments",
]

ARTIFACT_KEY = SCPI_KEY
"""The artifact key under which a case (or the run) keeps its exchanges."""

Row = tuple[str, str, str, "str | None", float, float, "str | None"]
"""One exchange: instrument, op, command, answer, time (s), ms, error (`SCPI_COLUMNS`)."""

BENCH_LOG_SIZE = 100_000
"""How many exchanges outside any run the bench log keeps (the oldest go first)."""

BENCH_LOG: collections.deque[Row] = collections.deque(maxlen=BENCH_LOG_SIZE)
_BENCH_LOCK = threading.Lock()

OFFSET_NS = time.time_ns() - time.perf_counter_ns()
"""Wall time minus the monotonic clock an exchange's duration is measured with:
the start's wall time without a third clock read."""


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


def _row(
    name: str,
    op: str,
    command: str,
    answer: str | None,
    start_ns: int,
    end_ns: int,
    error: str | None,
) -> Row:
    """An exchange's row, from its start and end on ``time.perf_counter_ns``."""
    return (
        name,
        op,
        command,
        answer,
        (start_ns + OFFSET_NS) / 1e9,
        (end_ns - start_ns) / 1e6,
        error,
    )


def _rows(artifact: dict[str, Any]) -> list[Any]:
    """The rows of the artifact's exchange table, which is made if it has none."""
    table = artifact.get(ARTIFACT_KEY)
    if isinstance(table, dict):
        rows = table.get("rows")
        if isinstance(rows, list) and table.get("columns") == list(SCPI_COLUMNS):
            return rows
    # none yet, or the plan put a value of its own here: the table replaces it
    table = artifact[ARTIFACT_KEY] = scpi_table()
    rows_: list[Any] = table["rows"]
    return rows_


def record(
    session: InstrumentSession,
    op: str,
    command: str,
    answer: Any,
    start_ns: int,
    end_ns: int,
    error: str | None,
) -> None:
    """Keep one exchange with the running case, the run, or the bench log."""
    if answer.__class__ is not str:
        answer = _answer_text(answer)
    kept = _row(session.name, op, command, answer, start_ns, end_ns, error)
    run = maybe_current_run()
    if run is None:
        with _BENCH_LOCK:
            BENCH_LOG.append(kept)
        return
    # the route first: if it changes while the place is looked up, the next
    # exchange looks again
    route = run.route
    ref = None if _OUTSIDE_CASE.get() else run.current
    # Kept without an event per exchange: the case's end (or the run's)
    # publishes the case with everything it gathered.
    with run.lock:
        holder = run.document if ref is None else run.case(ref.module_id, ref.case_id)
        rows = _rows(holder.artifact)
        rows.append(kept)
    first = session.target is None or session.target[2] is not run
    # one slot per session, replaced whole, read without a lock
    session.target = (route, rows, run)
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
    """The exchanges made outside any run, oldest first, keyed by `SCPI_COLUMNS`."""
    with _BENCH_LOCK:
        rows = list(BENCH_LOG)
    return [dict(zip(SCPI_COLUMNS, kept, strict=True)) for kept in rows]


def clear_bench_log() -> None:
    """Forget the exchanges of the bench log."""
    with _BENCH_LOCK:
        BENCH_LOG.clear()
