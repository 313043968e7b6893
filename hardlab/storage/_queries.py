"""History queries: filters and selections over the store, built in SQL.

Every question `hardlab.views.History` asks is one SELECT built here, so
filtering, window functions and aggregation all run in the database (SQLite
3.25+ or PostgreSQL), and only the answer crosses into Python.

The counting rules of the analytics (documented for users on
`hardlab.views.History`):

* A *unit* is a part number and a serial number; a run without a serial
  number is a unit of its own.
* Runs that were aborted (``stopped``, ``interrupted``), whose plan could
  not run (``error``: a collection error, a selection that left no case) or
  have not ended (``run``, ``ready``) are not counted; every other run is,
  and only ``passed`` counts as a pass.
* A unit's cohort is the part number, stand and UTC day of its first counted
  run. First-pass yield = units whose first counted run passed / units;
  final yield = units whose latest counted run passed / units; retests =
  counted runs - 1.
* Capability statistics use the numeric measurements of runs that have ended
  (aborted runs included: their finished cases measured real parts).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields, replace
from datetime import date, datetime, timezone
from typing import Any, Literal

from sqlalchemy import (
    BigInteger,
    Float,
    String,
    case,
    cast,
    func,
    literal_column,
    or_,
    select,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from hardlab.storage._orm import CaseRow, MeasurementRow, RunRow, UTCDateTime
from hardlab.storage._write import PLAN_ERROR

__all__ = [
    "ABORTED",
    "CAPABILITY_BY",
    "NOT_COUNTED",
    "RUN_VALUE_COLUMNS",
    "YIELD_BY",
    "Attempts",
    "CapabilityMethod",
    "FilterLike",
    "RunFilter",
    "as_filter",
    "as_utc",
    "case_pareto_select",
    "cases_select",
    "error_code_pareto_select",
    "measurements_select",
    "run_values_select",
    "runs_count_select",
    "runs_select",
    "units_select",
    "utc_day",
    "yields_select",
]

ABORTED = ("stopped", "interrupted")
"""Run statuses of runs that were cut short: never counted in yields."""
NOT_COUNTED = (*ABORTED, PLAN_ERROR, "run", "ready")
"""Run statuses left out of yields, retests and failure paretos (aborted, not run, not ended)."""
_PASSED = "passed"
_FAILED = ("failed", "error")

YIELD_BY = ("part_number", "stand", "day")
"""What yields can be grouped by (a unit's cohort)."""
YIELD_GROUPS = (*YIELD_BY, "slot")
"""What yields may be grouped by: `YIELD_BY` (the default) and the stand slot."""
CAPABILITY_BY = ("part_number", "stand")
"""What capability statistics can be grouped by, besides the measurement itself."""

Attempts = Literal["final", "all"]
"""Which case attempts a question uses: the final ones (what reports show) or every one."""
CapabilityMethod = Literal["auto", "daily", "raw"]
"""Where capability statistics come from: the statistics, the raw rows, or the best one.

``daily`` (its name from when the statistics were per day) reads the weekly
statistics and the measurement rows of a range's edge days
(`hardlab.storage._capability.capability_select`).
"""


def as_utc(value: datetime | date | str | None) -> datetime | None:
    """A filter bound as an aware UTC datetime (naive values are taken as UTC).

    Accepts datetimes, dates (midnight UTC) and ISO-8601 text (``2026-11-21``,
    ``2026-11-21T08:00+02:00``).
    """
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day)
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc)


def _values(value: str | Sequence[str] | None) -> list[str] | None:
    if value is None:
        return None
    return [value] if isinstance(value, str) else list(value)


@dataclass(frozen=True)
class RunFilter:
    """Which runs a history question is about; every field narrows it, in SQL.

    Attributes:
        part_number: DUT part number(s).
        serial_number: DUT serial number(s).
        stand: Test stand name(s).
        status: Run status(es): ``passed``, ``failed``, ``stopped``, ``interrupted``, ``error``,
            ``run``.
        since: Runs started at or after this time (datetime, date or ISO text; UTC if naive).
        until: Runs started before this time.
        name: Test (plan) name(s).
        run_ids: Exactly these runs.
    """

    part_number: str | Sequence[str] | None = None
    serial_number: str | Sequence[str] | None = None
    stand: str | Sequence[str] | None = None
    status: str | Sequence[str] | None = None
    since: datetime | date | str | None = None
    until: datetime | date | str | None = None
    name: str | Sequence[str] | None = None
    run_ids: Sequence[str] | None = None

    def apply(self, statement: Any) -> Any:
        """`statement` (which must select from ``hardlab_runs``) narrowed to these runs."""
        for column, wanted in (
            (RunRow.dut_part_number, _values(self.part_number)),
            (RunRow.dut_serial_number, _values(self.serial_number)),
            (RunRow.stand_name, _values(self.stand)),
            (RunRow.status, _values(self.status)),
            (RunRow.name, _values(self.name)),
            (RunRow.id, list(self.run_ids) if self.run_ids is not None else None),
        ):
            if wanted is not None:
                statement = statement.where(column.in_(wanted))
        since, until = as_utc(self.since), as_utc(self.until)
        if since is not None:
            statement = statement.where(RunRow.started_at >= since)
        if until is not None:
            statement = statement.where(RunRow.started_at < until)
        return statement


FilterLike = RunFilter | Mapping[str, Any] | None
"""A `RunFilter`, or its fields as a mapping (what `hardlab.views` passes), or None for all."""

_FILTER_FIELDS = frozenset(f.name for f in fields(RunFilter))


def as_filter(value: FilterLike) -> RunFilter | None:
    """`value` as a `RunFilter` (None stays None).

    Raises:
        TypeError: If a mapping has a key that is not a `RunFilter` field.
    """
    if value is None or isinstance(value, RunFilter):
        return value
    unknown = sorted(set(value) - _FILTER_FIELDS)
    if unknown:
        msg = (
            f"unknown run filter {', '.join(map(repr, unknown))}; "
            f"filters are {', '.join(sorted(_FILTER_FIELDS))}"
        )
        raise TypeError(msg)
    return RunFilter(**value)


RUN_COLUMNS = (
    RunRow.id,
    RunRow.name,
    RunRow.status,
    RunRow.started_at,
    RunRow.stopped_at,
    RunRow.duration_s,
    RunRow.dut_serial_number,
    RunRow.dut_part_number,
    RunRow.dut_name,
    RunRow.dut_revision,
    RunRow.batch_serial_number,
    RunRow.user_name,
    RunRow.stand_name,
    RunRow.stand_location,
    RunRow.process_name,
    RunRow.error_code,
    RunRow.caused_dut_failure_id,
    RunRow.cases_passed,
    RunRow.cases_failed,
    RunRow.cases_skipped,
    RunRow.source,
    RunRow.slot,
)
"""The run columns history views show (everything but the document and bookkeeping)."""


def _run_context() -> tuple[Any, ...]:
    """The run columns that go with every case and measurement row."""
    return (
        RunRow.started_at.label("run_started_at"),
        RunRow.dut_part_number.label("part_number"),
        RunRow.dut_serial_number.label("serial_number"),
        RunRow.stand_name.label("stand"),
        RunRow.status.label("run_status"),
    )


def runs_select(run_filter: FilterLike = None, *, limit: int | None = None, offset: int = 0) -> Any:
    """Runs matching `run_filter`, newest first; `offset` skips that many (for pages)."""
    statement: Any = select(*RUN_COLUMNS)
    run_filter = as_filter(run_filter)
    if run_filter is not None:
        statement = run_filter.apply(statement)
    statement = statement.order_by(RunRow.started_at.desc(), RunRow.id.desc())
    if limit is not None:
        statement = statement.limit(limit)
    if offset:
        statement = statement.offset(offset)
    return statement


def runs_count_select(run_filter: FilterLike = None) -> Any:
    """How many runs match `run_filter`."""
    statement: Any = select(func.count()).select_from(RunRow)
    run_filter = as_filter(run_filter)
    return statement if run_filter is None else run_filter.apply(statement)


RUN_VALUE_COLUMNS = {
    "part_number": RunRow.dut_part_number,
    "serial_number": RunRow.dut_serial_number,
    "stand": RunRow.stand_name,
    "status": RunRow.status,
    "name": RunRow.name,
}
"""The run fields whose distinct values `run_values_select` lists (the filters' names)."""


def run_values_select(field: str, run_filter: FilterLike = None) -> Any:
    """The distinct non-empty values of one run field among the matching runs, sorted.

    Raises:
        ValueError: If `field` is not one of `RUN_VALUE_COLUMNS`.
    """
    column = RUN_VALUE_COLUMNS.get(field)
    if column is None:
        msg = f"field={field!r}: choose one of {', '.join(RUN_VALUE_COLUMNS)}"
        raise ValueError(msg)
    statement: Any = select(column).distinct().where(column.is_not(None), column != "")
    run_filter = as_filter(run_filter)
    if run_filter is not None:
        statement = run_filter.apply(statement)
    return statement.order_by(column)


# ---------------------------------------------------------------- helpers


class utc_day(FunctionElement[str]):  # noqa: N801 - reads as the SQL function it stands for
    """The UTC calendar day (``YYYY-MM-DD``) of a timestamp column, on either database.

    SQLite keeps timestamps as UTC text (``2026-11-21 08:00:00.000000``), so
    the day is its first ten characters; PostgreSQL formats the
    ``timestamptz`` in UTC.
    """

    type = String()
    name = "utc_day"
    inherit_cache = True


@compiles(utc_day)
def _utc_day_sqlite(element: utc_day, compiler: Any, **kw: Any) -> str:
    return f"substr({compiler.process(element.clauses, **kw)}, 1, 10)"


@compiles(utc_day, "postgresql")
def _utc_day_postgresql(element: utc_day, compiler: Any, **kw: Any) -> str:
    return f"to_char(({compiler.process(element.clauses, **kw)}) AT TIME ZONE 'UTC', 'YYYY-MM-DD')"


def _ratio(numerator: Any, denominator: Any) -> Any:
    """The quotient as a float; NULL for 0 / 0 (which PostgreSQL refuses to divide)."""
    return cast(numerator, Float) / func.nullif(denominator, 0)


def _count(expression: Any) -> Any:
    """An integer SUM/COUNT (PostgreSQL's SUM of bigint is numeric, read as Decimal)."""
    return cast(expression, BigInteger)


def _check_by(by: Sequence[str], allowed: Sequence[str]) -> tuple[str, ...]:
    chosen = (by,) if isinstance(by, str) else tuple(by)
    unknown = [name for name in chosen if name not in allowed]
    if unknown or len(set(chosen)) != len(chosen):
        msg = f"by={chosen!r}: choose distinct names among {', '.join(allowed)}"
        raise ValueError(msg)
    return chosen


def _check_attempts(attempts: str) -> None:
    if attempts not in ("final", "all"):
        msg = f"attempts={attempts!r}: use 'final' or 'all'"
        raise ValueError(msg)


# ---------------------------------------------------------------- cases, measurements


def cases_select(
    run_filter: FilterLike = None,
    *,
    case: str | Sequence[str] | None = None,
    attempts: Attempts = "all",
    limit: int | None = None,
) -> Any:
    """Case attempts of the runs matching `run_filter`, in run and plan order.

    Args:
        run_filter: Which runs.
        case: Only these cases (case ids or case names).
        attempts: ``final`` for the attempts the reports show, ``all`` for every one.
        limit: At most this many rows.
    """
    _check_attempts(attempts)
    statement: Any = (
        select(
            CaseRow.run_id,
            *_run_context(),
            CaseRow.module_id,
            CaseRow.module_name,
            CaseRow.case_id,
            CaseRow.case_name,
            CaseRow.group,
            CaseRow.position,
            CaseRow.attempt,
            CaseRow.final,
            CaseRow.status,
            CaseRow.started_at,
            CaseRow.stopped_at,
            CaseRow.duration_ms,
            CaseRow.assertion_msg,
        )
        .select_from(CaseRow)
        .join(RunRow, RunRow.id == CaseRow.run_id)
    )
    run_filter = as_filter(run_filter)
    if run_filter is not None:
        statement = run_filter.apply(statement)
    wanted = _values(case)
    if wanted is not None:
        statement = statement.where(or_(CaseRow.case_id.in_(wanted), CaseRow.case_name.in_(wanted)))
    if attempts == "final":
        statement = statement.where(CaseRow.final.is_(True))
    statement = statement.order_by(RunRow.started_at, RunRow.id, CaseRow.position, CaseRow.attempt)
    return statement if limit is None else statement.limit(limit)


def measurements_select(
    run_filter: FilterLike = None,
    *,
    measurement: str | Sequence[str] | None = None,
    case: str | Sequence[str] | None = None,
    attempts: Attempts = "all",
    numeric: bool = False,
    limit: int | None = None,
) -> Any:
    """Measurements of the runs matching `run_filter`, in run and plan order.

    Args:
        run_filter: Which runs.
        measurement: Only measurements with these names.
        case: Only measurements of these cases (case ids or case names).
        attempts: ``final`` for the attempts the reports show, ``all`` for every one.
        numeric: Only numeric measurements that have a value.
        limit: At most this many rows.
    """
    _check_attempts(attempts)
    m = MeasurementRow
    statement: Any = (
        select(
            m.run_id,
            *_run_context(),
            CaseRow.module_id,
            CaseRow.case_id,
            CaseRow.case_name,
            CaseRow.attempt,
            m.final,
            CaseRow.status.label("case_status"),
            m.position,
            m.kind,
            m.name.label("measurement"),
            m.value_num.label("value"),
            m.value_str,
            m.unit,
            m.operation,
            m.comparison_num.label("comparison_value"),
            m.comparison_str,
            m.lower_limit,
            m.upper_limit,
            m.spec_lower,
            m.spec_upper,
            m.result,
        )
        .select_from(m)
        # runs through their case rows: measurements have no index on run_id,
        # so a query for a few runs reads runs, then cases, then measurements
        .join(CaseRow, CaseRow.id == m.case_row_id)
        .join(RunRow, RunRow.id == CaseRow.run_id)
    )
    run_filter = as_filter(run_filter)
    if run_filter is not None:
        statement = run_filter.apply(statement)
    names = _values(measurement)
    if names is not None:
        statement = statement.where(m.name.in_(names))
    cases = _values(case)
    if cases is not None:
        statement = statement.where(or_(CaseRow.case_id.in_(cases), CaseRow.case_name.in_(cases)))
    if attempts == "final":
        statement = statement.where(m.final.is_(True))
    if numeric:
        statement = statement.where(m.kind == "numeric", m.value_num.is_not(None))
    statement = statement.order_by(
        RunRow.started_at, RunRow.id, CaseRow.position, CaseRow.attempt, m.position
    )
    return statement if limit is None else statement.limit(limit)


# ---------------------------------------------------------------- units and yields


def _cohort_split(run_filter: FilterLike) -> tuple[RunFilter, RunFilter]:
    """The filter's run part (part, serial, status, name, ids) and cohort part (stand, time)."""
    full = as_filter(run_filter) or RunFilter()
    runs = replace(full, stand=None, since=None, until=None)
    cohort = RunFilter(stand=full.stand, since=full.since, until=full.until)
    return runs, cohort


def _units(run_filter: FilterLike, *, whole_history: bool, with_slot: bool = False) -> Any:
    """One row per unit, from its first counted run; with `whole_history`, also its last.

    With `with_slot`, the stand slot of the unit's first counted run comes too
    (``slot``), so yields can be grouped by the fixture's sockets.

    The first-pass-only form needs one running row number per unit, which
    the database computes while it reads; the whole history needs the unit's
    every run at once (count, last status, last start).
    """
    runs_filter, cohort = _cohort_split(run_filter)
    # Constants are written into the SQL, not bound: SQLite shares one sort
    # between window functions only if their definitions are identical, and
    # each bound parameter would make a definition of its own.
    serial = func.nullif(RunRow.dut_serial_number, literal_column("''", String()))
    # a run without serial number is a unit of its own ('#' + its id)
    unit = func.coalesce(serial, literal_column("'#'", String()) + RunRow.id)
    partition = (RunRow.dut_part_number, unit)
    order = (RunRow.started_at.asc().nulls_last(), RunRow.id)

    def whole(function: Any) -> Any:  # the frame is the unit's every counted run
        return function.over(partition_by=partition, order_by=order, rows=(None, None))

    columns: list[Any] = [
        RunRow.dut_part_number.label("part_number"),
        serial.label("serial_number"),
        RunRow.stand_name.label("stand"),
        RunRow.started_at.label("first_started"),
        RunRow.status.label("first_status"),
    ]
    if with_slot:
        columns.append(RunRow.slot.label("slot"))
    if whole_history:
        columns += [
            whole(func.row_number()).label("nth"),
            whole(func.count()).label("runs"),
            whole(func.last_value(RunRow.status, type_=String())).label("final_status"),
            whole(func.last_value(RunRow.started_at, type_=UTCDateTime())).label("last_started"),
        ]
    else:
        columns.append(func.row_number().over(partition_by=partition, order_by=order).label("nth"))
    counted: Any = select(*columns).where(RunRow.status.not_in(NOT_COUNTED))
    counted = runs_filter.apply(counted).subquery("counted")
    c = counted.c
    chosen = [
        c.part_number,
        c.serial_number,
        c.stand,
        utc_day(c.first_started).label("day"),
        c.first_started,
        c.first_status,
    ]
    if with_slot:
        chosen.append(c.slot)
    if whole_history:
        chosen[5:5] = [c.last_started]
        chosen += [
            c.final_status,
            _count(c.runs).label("runs"),
            _count(c.runs - 1).label("retests"),
        ]
    return _in_cohort(select(*chosen).where(c.nth == 1), c, cohort)


def _in_cohort(statement: Any, c: Any, cohort: RunFilter) -> Any:
    """`statement` kept to the units of `cohort`'s stands whose first run is in its time window.

    `c` is the columns of a subquery with ``stand`` and ``first_started``.
    """
    stands = _values(cohort.stand)
    if stands is not None:
        statement = statement.where(c.stand.in_(stands))
    since, until = as_utc(cohort.since), as_utc(cohort.until)
    if since is not None:
        statement = statement.where(c.first_started >= since)
    if until is not None:
        statement = statement.where(c.first_started < until)
    return statement


def units_select(run_filter: FilterLike = None, *, with_serial_only: bool = False) -> Any:
    """One row per unit: its cohort, first and latest counted run, and retest count.

    The part number, serial number, status, name and run id filters choose
    which runs count; the stand and time filters choose units by cohort (the
    stand and start time of their first counted run), so that a filtered
    answer equals the matching group of an unfiltered one.

    Columns: ``part_number``, ``serial_number``, ``stand``, ``day``,
    ``first_started``, ``last_started``, ``first_status``, ``final_status``,
    ``runs``, ``retests``.
    """
    statement = _units(run_filter, whole_history=True)
    if with_serial_only:
        statement = statement.where(statement.selected_columns.serial_number.is_not(None))
    return statement


def yields_select(
    run_filter: FilterLike = None, *, by: Sequence[str] = YIELD_BY, final: bool = True
) -> Any:
    """First-pass and final yield per cohort group (see `units_select` for the filters).

    Columns: the `by` names, ``units``, ``first_pass``, ``final_pass``,
    ``runs``, ``retests``, ``first_pass_yield``, ``final_yield``; without
    `final`, only ``units``, ``first_pass`` and ``first_pass_yield``, which
    the database answers faster (it needs no unit's whole history).

    ``slot`` in `by` groups by the stand slot of each unit's first counted
    run (``hardlab run --slots``; None for one-board stands): a bad socket
    in the fixture shows up as the slot with the low yield.

    Raises:
        ValueError: If `by` names something other than ``part_number``,
            ``stand``, ``day`` and ``slot``.
    """
    chosen = _check_by(by, YIELD_GROUPS)
    with_slot = "slot" in chosen
    units = _units(run_filter, whole_history=final, with_slot=with_slot).subquery("units")
    u = units.c
    groups = [u[name] for name in chosen]
    first = func.sum(case((u.first_status == _PASSED, 1), else_=0))
    total = func.count()
    columns = [
        *groups,
        _count(total).label("units"),
        _count(first).label("first_pass"),
    ]
    if final:
        passed_last = func.sum(case((u.final_status == _PASSED, 1), else_=0))
        columns += [
            _count(passed_last).label("final_pass"),
            _count(func.sum(u.runs)).label("runs"),
            _count(func.sum(u.retests)).label("retests"),
            _ratio(first, total).label("first_pass_yield"),
            _ratio(passed_last, total).label("final_yield"),
        ]
    else:
        columns.append(_ratio(first, total).label("first_pass_yield"))
    return select(*columns).group_by(*groups).order_by(*(g.asc().nulls_first() for g in groups))


# ---------------------------------------------------------------- failure paretos


def _pareto(inner: Any, key: Sequence[Any], extra: Sequence[Any] = ()) -> Any:
    """`inner`'s rows (with ``failures``), most failures first, with share and running share."""
    order = (inner.c.failures.desc(), *(k.asc().nulls_first() for k in key))
    total = func.sum(inner.c.failures).over()
    running = func.sum(inner.c.failures).over(order_by=order, rows=(None, 0))
    return select(
        *key,
        *extra,
        _count(inner.c.failures).label("failures"),
        _ratio(inner.c.failures, total).label("share"),
        _ratio(running, total).label("cumulative_share"),
    ).order_by(*order)


def case_pareto_select(run_filter: FilterLike = None) -> Any:
    """Cases by how many counted runs their final attempt failed in, most first.

    Only failed case rows are read (and their runs), so the answer does not
    grow with the number of passed cases.

    Columns: ``module_id``, ``case_id``, ``module_name``, ``case_name``,
    ``failures``, ``share`` (of all case failures) and ``cumulative_share``.
    """
    grouped: Any = (
        select(
            CaseRow.module_id,
            CaseRow.case_id,
            func.max(CaseRow.module_name).label("module_name"),
            func.max(CaseRow.case_name).label("case_name"),
            func.count().label("failures"),
        )
        .select_from(CaseRow)
        .join(RunRow, RunRow.id == CaseRow.run_id)
        .where(
            CaseRow.final.is_(True),
            CaseRow.status.in_(_FAILED),
            RunRow.status.not_in(NOT_COUNTED),
        )
        .group_by(CaseRow.module_id, CaseRow.case_id)
    )
    run_filter = as_filter(run_filter)
    if run_filter is not None:
        grouped = run_filter.apply(grouped)
    inner = grouped.subquery("case_failures")
    c = inner.c
    return _pareto(inner, (c.module_id, c.case_id), (c.module_name, c.case_name))


def error_code_pareto_select(run_filter: FilterLike = None) -> Any:
    """Failed counted runs per error code (None: failed without one), most first.

    Columns: ``error_code``, ``failures``, ``share``, ``cumulative_share``.
    """
    grouped: Any = (
        select(RunRow.error_code, func.count().label("failures"))
        .where(RunRow.status.in_(_FAILED), RunRow.status.not_in(NOT_COUNTED))
        .group_by(RunRow.error_code)
    )
    run_filter = as_filter(run_filter)
    if run_filter is not None:
        grouped = run_filter.apply(grouped)
    inner = grouped.subquery("code_failures")
    return _pareto(inner, (inner.c.error_code,))
