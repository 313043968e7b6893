"""Capability statistics in SQL: from the weekly statistics and the raw measurement rows.

``hardlab_measurement_weekly`` keeps running statistics (n, mean, M2,
range, pass/fail) per numeric measurement, UTC week (Monday first), part
number, stand and limits. A question over a time range reads the weeks the
range covers whole from there, and the days at its start and end that do
not fill a week from the measurement rows; Chan's parallel formula combines
both exactly, so the answer equals the one computed from the rows alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date, time, timedelta, timezone
from typing import Any, NamedTuple

from sqlalchemy import Float, and_, case, cast, func, select, union_all
from sqlalchemy.orm import aliased
from sqlalchemy.sql.elements import Label

from hardlab.storage._orm import CaseRow, MeasurementRow, MeasurementWeekly, RunRow
from hardlab.storage._queries import (
    CAPABILITY_BY,
    Attempts,
    CapabilityMethod,
    FilterLike,
    RunFilter,
    _check_attempts,
    _check_by,
    _count,
    _values,
    as_filter,
    as_utc,
)
from hardlab.storage._rows import week_of

__all__ = ["WeekSplit", "capability_select", "daily_range", "week_split"]

_EPOCH = date(1970, 1, 1)

_STATS = ("n", "mean", "m2", "min", "max", "n_pass", "n_fail")
"""The statistics columns of every part a capability answer is combined from."""

_FEW_DAYS = timedelta(days=14)
"""A time range at most this long picks few runs: their measurements are found through them."""


def daily_range(run_filter: FilterLike) -> tuple[str | None, str | None] | None:
    """The UTC day range `run_filter` covers, if the statistics can answer it.

    They can when the filter narrows by part number, stand and whole UTC
    days only (``YYYY-MM-DD``, the end excluded; None: open); otherwise None.
    """
    run_filter = as_filter(run_filter)
    if run_filter is None:
        return None, None
    if any(
        value is not None
        for value in (run_filter.serial_number, run_filter.status, run_filter.name,
                      run_filter.run_ids)
    ):  # fmt: skip
        return None
    days: list[str | None] = []
    for bound in (as_utc(run_filter.since), as_utc(run_filter.until)):
        if bound is not None and bound.timetz() != time(tzinfo=timezone.utc):
            return None
        days.append(None if bound is None else bound.strftime("%Y-%m-%d"))
    return days[0], days[1]


class WeekSplit(NamedTuple):
    """A day range as whole weeks (from the weekly statistics) and edge days (from the rows)."""

    first_week: int | None
    """The first whole week's Monday (days since 1970-01-01); None: from the first week."""
    end_week: int | None
    """The Monday after the last whole week; None: to the last week."""
    edges: list[tuple[date, date]]
    """Day ranges ``(since, until)`` (the end excluded) that the measurement rows answer."""


def week_split(since: str | None, until: str | None) -> WeekSplit | None:
    """Split the UTC day range ``[since, until)`` at week boundaries (weeks start on Monday).

    None when the range holds no whole week: the rows answer all of it.
    """
    start = None if since is None else date.fromisoformat(since)
    stop = None if until is None else date.fromisoformat(until)
    first = end = None
    edges: list[tuple[date, date]] = []
    if start is not None:
        day = (start - _EPOCH).days
        first = week_of(start)
        if first != day:  # starts inside a week: the rest of it from the rows
            first += 7
    if stop is not None:
        end = week_of(stop)
    if first is not None and end is not None and first >= end:
        return None
    if start is not None and first is not None and (start - _EPOCH).days != first:
        edges.append((start, _EPOCH + timedelta(days=first)))
    if stop is not None and end is not None and (stop - _EPOCH).days != end:
        edges.append((_EPOCH + timedelta(days=end), stop))
    return WeekSplit(first, end, edges)


def capability_select(
    run_filter: FilterLike = None,
    *,
    measurement: str | Sequence[str] | None = None,
    by: Sequence[str] = (),
    attempts: Attempts = "final",
    method: CapabilityMethod = "auto",
) -> Any:
    """Count, mean, sum of squared deviations, range and pass/fail per numeric measurement.

    Groups are the measurement name, unit and specification limits (plus the
    `by` names). ``daily`` (the name kept from when the statistics were per
    day) reads the weekly statistics of ``hardlab_measurement_weekly`` for
    the UTC weeks (Monday first) the filter covers whole, and the
    measurement rows of the days at the range's start and end that do not
    fill a week, and combines them with Chan's formula: a few rows per
    measurement and week however many measurements there are, and the same
    answer as ``raw``. ``raw`` aggregates the measurement rows (their
    deviations from a reference value of the group near its values, so
    values far from zero keep their precision). ``auto`` takes ``daily`` when the filter allows (see
    `daily_range`).

    Columns: the `by` names, ``measurement``, ``unit``, ``lsl``, ``usl``,
    ``n``, ``mean``, ``m2``, ``min``, ``max``, ``n_pass``, ``n_fail``.

    Raises:
        ValueError: For an unknown `by`, `attempts` or `method`, or
            ``method="daily"`` with a filter the statistics cannot answer.
    """
    chosen = _check_by(by, CAPABILITY_BY)
    _check_attempts(attempts)
    if method not in ("auto", "daily", "raw"):
        msg = f"method={method!r}: use 'auto', 'daily' or 'raw'"
        raise ValueError(msg)
    days = daily_range(run_filter)
    if method == "daily" and days is None:
        msg = (
            "the weekly statistics answer filters on part number, stand and whole UTC days "
            "only; use method='raw' (or 'auto')"
        )
        raise ValueError(msg)
    names = _values(measurement)
    split = None if days is None else week_split(*days)
    if method == "raw" or split is None:
        return _ordered(_capability_raw(run_filter, names, chosen, attempts))
    return _ordered(_capability_weekly(as_filter(run_filter), split, names, chosen, attempts))


def _ordered(statement: Any) -> Any:
    """The answer in group order (NULLs first), the statistics after the group columns."""
    group = [c for c in statement.selected_columns if c.name not in _STATS]
    return statement.order_by(*(c.asc().nulls_first() for c in group))


def _capability_weekly(
    run_filter: RunFilter | None,
    split: WeekSplit,
    names: list[str] | None,
    by: tuple[str, ...],
    attempts: str,
) -> Any:
    w = MeasurementWeekly
    by_columns = {"part_number": w.part_number, "stand": w.stand_name}
    weeks: Any = select(
        *(by_columns[name].label(name) for name in by),
        w.name.label("measurement"),
        w.unit.label("unit"),
        w.spec_lower.label("lsl"),
        w.spec_upper.label("usl"),
        w.n.label("n"),
        w.mean.label("mean"),
        w.m2.label("m2"),
        w.minimum.label("min"),
        w.maximum.label("max"),
        w.n_pass.label("n_pass"),
        w.n_fail.label("n_fail"),
    )
    if attempts == "final":
        weeks = weeks.where(w.final.is_(True))
    if names is not None:
        weeks = weeks.where(w.name.in_(names))
    if run_filter is not None:
        for column, wanted in (
            (w.part_number, _values(run_filter.part_number)),
            (w.stand_name, _values(run_filter.stand)),
        ):
            if wanted is not None:
                weeks = weeks.where(column.in_(wanted))
    if split.first_week is not None:
        weeks = weeks.where(w.week >= split.first_week)
    if split.end_week is not None:
        weeks = weeks.where(w.week < split.end_week)
    parts: list[Any] = [weeks]
    for since, until in split.edges:
        assert run_filter is not None  # an edge comes from a bound of the filter
        edge = replace(run_filter, since=since, until=until)
        parts.append(_capability_raw(edge, names, by, attempts))
    combined: Any = union_all(*parts) if len(parts) > 1 else weeks
    inner = combined.subquery("parts")
    p = inner.c
    group = [p[name] for name in (*by, "measurement", "unit", "lsl", "usl")]
    buckets = select(
        *group,
        *(p[name] for name in _STATS),
        # a reference inside the group: deviations from it are small, so the
        # combination below does not cancel for values far from zero
        func.min(p.mean).over(partition_by=group).label("ref"),
    ).subquery("buckets")
    b = buckets.c
    keys = [b[column.name] for column in group]
    n = func.sum(b.n)
    deviation = b.mean - b.ref
    shifted = func.sum(b.n * deviation)
    # Chan: M2 = sum(M2_i) + sum(n_i (mean_i - mean)^2), with mean_i - mean = dev_i - shifted / N
    m2 = func.sum(b.m2) + func.sum(b.n * deviation * deviation) - shifted * shifted / cast(n, Float)
    return select(
        *keys,
        _count(n).label("n"),
        (func.min(b.ref) + shifted / cast(n, Float)).label("mean"),
        cast(m2, Float).label("m2"),
        func.min(b["min"]).label("min"),
        func.max(b["max"]).label("max"),
        _count(func.sum(b.n_pass)).label("n_pass"),
        _count(func.sum(b.n_fail)).label("n_fail"),
    ).group_by(*keys)


def _few_runs(run_filter: RunFilter) -> bool:
    """Whether `run_filter` picks few runs: some units, some runs, or a short time range.

    The measurements of few runs are best found through them (the runs'
    start index, their case rows, the measurements' ``case_row_id`` index);
    SQLite would otherwise read every measurement in name order.
    """
    if run_filter.serial_number is not None or run_filter.run_ids is not None:
        return True
    since, until = as_utc(run_filter.since), as_utc(run_filter.until)
    return since is not None and until is not None and until - since <= _FEW_DAYS


# A reference value per group (measurement name, unit, limits) for the sums
# below: the weekly statistics' smallest mean of the group, else the first
# value of that name. Any value that is the same for the whole group gives
# the exact answer (the sums are of deviations from it, with the correction
# term); one near the values keeps their precision. Taken from these, not
# from a window over the rows (avg() OVER the group), which sorts every row
# and took twice as long as the rest of the question.
_W = MeasurementWeekly
_REFS = (
    select(_W.name, _W.unit, _W.spec_lower, _W.spec_upper, func.min(_W.mean).label("ref"))
    .group_by(_W.name, _W.unit, _W.spec_lower, _W.spec_upper)
    .subquery("refs")
)


def _same_group(refs: Any, m: Any) -> Any:
    return and_(
        refs.name.is_not_distinct_from(m.name),
        refs.unit.is_not_distinct_from(m.unit),
        refs.spec_lower.is_not_distinct_from(m.spec_lower),
        refs.spec_upper.is_not_distinct_from(m.spec_upper),
    )


def _center(m: Any) -> Label[Any]:
    other = aliased(MeasurementRow, name="other")
    first = (
        select(other.value_num)
        .where(other.name.is_not_distinct_from(m.name), other.value_num.is_not(None))
        .limit(1)
        .scalar_subquery()
    )
    # COALESCE stops at the first value that is not NULL: the lookup only for
    # a group the weekly statistics do not hold yet
    return func.coalesce(_REFS.c.ref, first, 0.0).label("center")


def _capability_raw(
    run_filter: FilterLike, names: list[str] | None, by: tuple[str, ...], attempts: str
) -> Any:
    m = MeasurementRow
    by_columns = {"part_number": RunRow.dut_part_number, "stand": RunRow.stand_name}
    keys: list[Label[Any]] = [
        *(by_columns[name].label(name) for name in by),
        m.name.label("measurement"),
        m.unit.label("unit"),
        m.spec_lower.label("lsl"),
        m.spec_upper.label("usl"),
    ]
    rows: Any = (
        select(*keys, m.value_num.label("value"), m.result.label("result"), _center(m))
        .select_from(m)
        .outerjoin(_REFS, _same_group(_REFS.c, m))
        .where(m.kind == "numeric", m.value_num.is_not(None))
    )
    if attempts == "final":
        rows = rows.where(m.final.is_(True))
    if names is not None:
        rows = rows.where(m.name.in_(names))
    # the runs the weekly statistics hold: those that ended
    counted = RunRow.aggregated.is_(True)
    run_filter = as_filter(run_filter)
    if run_filter is not None and _few_runs(run_filter):
        # the case rows lead from the runs to their measurements (which have
        # no index on run_id); not correlated: the runs are picked first
        picked = run_filter.apply(
            select(CaseRow.id).join(RunRow, RunRow.id == CaseRow.run_id).where(counted)
        ).correlate(None)
        rows = rows.where(m.case_row_id.in_(picked))
        if by:  # the runs' part numbers or stands
            rows = rows.join(RunRow, RunRow.id == m.run_id)
    else:
        rows = rows.join(RunRow, RunRow.id == m.run_id).where(counted)
        if run_filter is not None:
            rows = run_filter.apply(
                rows.join(CaseRow, and_(CaseRow.id == m.case_row_id, CaseRow.run_id == RunRow.id))
            )
    inner = rows.subquery("values")
    r = inner.c
    group = [r[key.name] for key in keys]
    n = func.count(r.value)
    deviation = r.value - r.center
    shifted = func.sum(deviation)
    # shifted sums with the correction term: exact for any center the group shares
    m2 = func.sum(deviation * deviation) - shifted * shifted / cast(n, Float)
    return select(
        *group,
        _count(n).label("n"),
        (func.min(r.center) + shifted / cast(n, Float)).label("mean"),
        cast(m2, Float).label("m2"),
        func.min(r.value).label("min"),
        func.max(r.value).label("max"),
        _count(func.sum(case((r.result.is_(True), 1), else_=0))).label("n_pass"),
        _count(func.sum(case((r.result.is_(False), 1), else_=0))).label("n_fail"),
    ).group_by(*group)
