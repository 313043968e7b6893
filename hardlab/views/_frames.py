"""Rows to DataFrames with real dtypes: UTC timestamps, categorical statuses, floats, Int64."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, Protocol

import pandas as pd

if TYPE_CHECKING:
    from hardlab.events import CaseAttempt

__all__ = ["STATUSES", "RowsLike", "attempts_frame", "rows_frame", "status_dtype"]

STATUSES = ("passed", "failed", "skipped", "error", "run", "ready", "stopped", "interrupted")
"""Every status a run, case or attempt can have (HardPy's, plus ``interrupted`` for runs)."""

_TIMES = frozenset({"started_at", "stopped_at", "run_started_at", "first_started", "last_started"})
_DAYS = frozenset({"day"})
_STATUSES = frozenset({"status", "run_status", "case_status", "first_status", "final_status"})
_FLOATS = frozenset(
    {
        "duration_s", "duration_ms", "value", "comparison_value", "lower_limit", "upper_limit",
        "spec_lower", "spec_upper", "lsl", "usl", "mean", "m2", "std", "min", "max", "cp",
        "cpk", "first_pass_yield", "final_yield", "share", "cumulative_share",
    }
)  # fmt: skip
_INTS = frozenset(
    {
        "error_code", "attempt", "position", "cases_passed", "cases_failed", "cases_skipped",
        "units", "first_pass", "final_pass", "runs", "retests", "failures", "n", "n_pass",
        "n_fail", "stand_number", "process_number", "exit_code", "progress", "slot",
    }
)  # fmt: skip
_BOOLS = frozenset({"final"})
_NULLABLE_BOOLS = frozenset({"result", "casesensitive"})
_CATEGORIES = frozenset({"kind", "group", "source", "operation"})
# pandas 3 has a string dtype of its own and infers it; pandas 2 keeps text as object
_TEXT_IS_STR = int(pd.__version__.split(".", 1)[0]) >= 3


class RowsLike(Protocol):
    """Query results as `hardlab.storage.Store` returns them: column names and value tuples."""

    @property
    def columns(self) -> tuple[str, ...]:
        """The column names."""
        ...

    @property
    def records(self) -> Sequence[tuple[Any, ...]]:
        """The rows."""
        ...


def status_dtype(observed: Iterable[Any] = ()) -> pd.CategoricalDtype:
    """The categorical dtype of status columns: every known status, in a fixed order.

    Statuses a newer store may hold that this version does not know are
    added after the known ones, so no value is lost.
    """
    extra = sorted({str(v) for v in observed if isinstance(v, str)} - set(STATUSES))
    return pd.CategoricalDtype([*STATUSES, *extra])


def _times(series: pd.Series[Any]) -> pd.Series[Any]:
    converted: pd.Series[Any] = pd.to_datetime(series, utc=True)
    return converted.astype("datetime64[ns, UTC]")


def typed(frame: pd.DataFrame) -> pd.DataFrame:
    """`frame` with each known column converted to its dtype (in place, and returned)."""
    for column in frame.columns:
        series = frame[column]
        if column in _TIMES or column in _DAYS:
            frame[column] = _times(series)
        elif column in _STATUSES:
            frame[column] = series.astype(status_dtype(series.unique()))
        elif column in _FLOATS:
            frame[column] = pd.to_numeric(series.astype(object), errors="coerce").astype("float64")
        elif column in _INTS:
            frame[column] = series.astype(object).astype("Int64")
        elif column in _BOOLS:
            frame[column] = series.astype(object).astype("boolean").fillna(False).astype(bool)
        elif column in _NULLABLE_BOOLS:
            frame[column] = series.astype(object).astype("boolean")
        elif column in _CATEGORIES:
            frame[column] = series.astype("category")
        elif _TEXT_IS_STR and series.dtype == object:
            frame[column] = series.astype("str")
    return frame


def rows_frame(rows: RowsLike, rename: dict[str, str] | None = None) -> pd.DataFrame:
    """`rows` as a DataFrame with real dtypes (see `History` for the columns).

    Times become ``datetime64[ns, UTC]``, statuses a categorical of every
    known status, values ``float64``, counts and codes nullable ``Int64``,
    pass/fail results nullable ``boolean``.
    """
    frame = pd.DataFrame.from_records(list(rows.records), columns=list(rows.columns))
    if rename:
        frame = frame.rename(columns=rename)
    return typed(frame)


def _from_ns(value: int | None) -> datetime | None:
    return None if value is None else datetime.fromtimestamp(value / 1e9, tz=timezone.utc)


def _from_s(value: int | None) -> datetime | None:
    return None if value is None else datetime.fromtimestamp(value, tz=timezone.utc)


ATTEMPT_COLUMNS = (
    "run_id", "module_id", "module_name", "case_id", "case_name", "attempt", "final", "status",
    "started_at", "stopped_at", "duration_ms", "assertion_msg", "measurement", "kind", "value",
    "value_str", "unit", "operation", "comparison_value", "comparison_str", "lower_limit",
    "upper_limit", "result",
)  # fmt: skip
"""The columns of `attempts_frame`, in order."""


def attempts_frame(attempts: Iterable[CaseAttempt], run_id: str | None = None) -> pd.DataFrame:
    """One run's case attempts and their measurements, one row per attempt and measurement.

    A case attempt without measurements gets one row whose measurement
    columns are missing. Numeric values are in ``value``; string
    measurements keep theirs in ``value_str``.

    Args:
        attempts: The attempts, as `hardlab.RunResult.attempts` holds them.
        run_id: Put this in a ``run_id`` column (handy to concatenate runs).

    Returns:
        A DataFrame with the columns of `ATTEMPT_COLUMNS`.
    """
    records: list[tuple[Any, ...]] = []
    for item in attempts:
        case = item.case
        started = _from_ns(item.started_ns) or _from_s(case.start_time)
        stopped = _from_ns(item.finished_ns) or _from_s(case.stop_time)
        duration = item.duration_ms
        if duration is None and started is not None and stopped is not None:
            duration = (stopped - started).total_seconds() * 1000
        head = (
            run_id, item.module_id, item.module_name, item.case_id, case.name, item.attempt,
            item.final, case.status.value, started, stopped, duration, case.assertion_msg,
        )  # fmt: skip
        if not case.measurements:
            records.append((*head, *([None] * (len(ATTEMPT_COLUMNS) - len(head)))))
        for meas in case.measurements:
            numeric = meas.type.value == "numeric"
            comparison = meas.comparison_value
            records.append(
                (
                    *head,
                    meas.name,
                    meas.type.value,
                    meas.value if numeric else None,
                    None if numeric else meas.value,
                    getattr(meas, "unit", None),
                    None if meas.operation is None else meas.operation.value,
                    comparison if numeric else None,
                    None if numeric or comparison is None else str(comparison),
                    getattr(meas, "lower_limit", None),
                    getattr(meas, "upper_limit", None),
                    meas.result,
                )
            )
    frame = pd.DataFrame.from_records(records, columns=list(ATTEMPT_COLUMNS))
    if run_id is None:
        frame = frame.drop(columns="run_id")
    return typed(frame)
