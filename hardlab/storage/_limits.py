"""What-if queries: stored runs re-evaluated against new limits, in SQL.

`what_if_select` judges each unit's first counted run (the counting rules of
`hardlab.storage._queries`) as stored and as it would be with other limits
for some numeric measurements, and gives the units that flip and the totals:

* a run fails if a final numeric measurement with one of those names lies
  outside its new limits (bounds included);
* a failed run passes if each of its failed final cases failed on
  measurements only, and each such failing measurement has new limits that
  it meets (a case that failed without a failing measurement, or on a
  measurement whose limits stay, still fails);
* every other run keeps its verdict.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import (
    Integer,
    String,
    and_,
    case,
    false,
    func,
    literal,
    literal_column,
    null,
    or_,
    select,
    union_all,
)

from hardlab.storage._orm import CaseRow, MeasurementRow, RunRow
from hardlab.storage._queries import NOT_COUNTED, FilterLike, _cohort_split, _in_cohort

__all__ = ["Limits", "what_if_select"]

Limits = Mapping[str, tuple[float | None, float | None]]
"""``{measurement name: (low, high)}``; None leaves that side open."""


def _outside(limits: Limits) -> Any:
    """True for a numeric measurement row outside its new limits."""
    m = MeasurementRow
    tests = []
    for name, (low, high) in limits.items():
        sides = []
        if low is not None:
            sides.append(m.value_num < float(low))
        if high is not None:
            sides.append(m.value_num > float(high))
        if sides:
            tests.append(and_(m.name == name, or_(*sides)))
    return or_(*tests) if tests else false()


def what_if_select(run_filter: FilterLike, limits: Limits) -> Any:
    """The units whose first counted run `limits` would flip, and a row of totals.

    Columns: ``part_number``, ``serial_number``, ``stand``, ``run_id``,
    ``first_started``, ``first_status``, ``passed_before`` and
    ``passed_after`` (1 or 0), ``units`` (1). The last row holds the totals:
    every other column empty, ``passed_before`` and ``passed_after`` the
    units that pass first time before and after, ``units`` all units.

    Raises:
        ValueError: If `limits` is empty.
    """
    if not limits:
        msg = "what_if needs at least one measurement's limits: {name: (low, high)}"
        raise ValueError(msg)
    names = list(limits)
    m = MeasurementRow
    outside = _outside(limits)
    numeric = and_(m.kind == "numeric", m.value_num.is_not(None), m.final.is_(True))

    runs_filter, cohort = _cohort_split(run_filter)
    serial = func.nullif(RunRow.dut_serial_number, literal_column("''", String()))
    unit = func.coalesce(serial, literal_column("'#'", String()) + RunRow.id)
    order = (RunRow.started_at.asc().nulls_last(), RunRow.id)
    counted: Any = select(
        RunRow.id.label("run_id"),
        RunRow.dut_part_number.label("part_number"),
        serial.label("serial_number"),
        RunRow.stand_name.label("stand"),
        RunRow.started_at.label("first_started"),
        RunRow.status.label("first_status"),
        func.row_number()
        .over(partition_by=(RunRow.dut_part_number, unit), order_by=order)
        .label("nth"),
    ).where(RunRow.status.not_in(NOT_COUNTED))
    counted = runs_filter.apply(counted).subquery("counted")
    c = counted.c
    first_runs = _in_cohort(
        select(
            c.run_id, c.part_number, c.serial_number, c.stand, c.first_started, c.first_status
        ).where(c.nth == 1),
        c,
        cohort,
    )
    # used twice below: the database computes the units' first runs once
    firsts = first_runs.cte("firsts")
    f = firsts.c

    # runs that a measurement with new limits would fail: one range of the
    # (name, final, value) index per name and side, so only the values outside
    # are read, not every value of those names
    bounds = [
        (name, beyond)
        for name, (low, high) in limits.items()
        for beyond in (
            None if low is None else m.value_num < float(low),
            None if high is None else m.value_num > float(high),
        )
        if beyond is not None
    ]
    sides = [select(m.run_id.label("run_id")).where(m.name == n, numeric, b) for n, b in bounds]
    if not sides:  # no bound at all: nothing fails
        sides.append(select(m.run_id.label("run_id")).where(false()))
    every = (union_all(*sides) if len(sides) > 1 else sides[0]).subquery("outside")
    failing = select(every.c.run_id).group_by(every.c.run_id).subquery("failing")
    # failed first runs with a failed final case that the new limits do not rescue:
    # one without a failing measurement, or with one the new limits do not accept
    rescued = and_(m.name.in_(names), numeric, ~outside)
    # correlated counts: each reads the few measurements of one failed case through
    # the case_row_id index (a join lets SQLite build an index over the whole table)
    fails = (
        select(func.count())
        .where(m.case_row_id == CaseRow.id, m.result.is_(False))
        .scalar_subquery()
    )
    rescues = (
        select(func.count())
        .where(m.case_row_id == CaseRow.id, m.result.is_(False), rescued)
        .scalar_subquery()
    )
    failed_firsts = select(f.run_id).where(f.first_status.in_(("failed", "error")))
    stuck_cases = (
        select(CaseRow.run_id.label("run_id"))
        .where(
            CaseRow.run_id.in_(failed_firsts),
            CaseRow.final.is_(True),
            CaseRow.status.in_(("failed", "error")),
            or_(fails == 0, rescues < fails),
        )
        .subquery("stuck_cases")
    )
    stuck = select(stuck_cases.c.run_id).distinct().subquery("stuck")

    before = case((f.first_status == "passed", 1), else_=0)
    after = case(
        (failing.c.run_id.is_not(None), 0),
        (f.first_status == "passed", 1),
        (and_(f.first_status == "failed", stuck.c.run_id.is_(None)), 1),
        else_=0,
    )
    judged = (
        select(
            f.part_number,
            f.serial_number,
            f.stand,
            f.run_id,
            f.first_started,
            f.first_status,
            before.label("passed_before"),
            after.label("passed_after"),
        )
        .select_from(firsts)
        .outerjoin(failing, failing.c.run_id == f.run_id)
        .outerjoin(stuck, stuck.c.run_id == f.run_id)
        .cte("judged")
    )
    j = judged.c
    # only the units that flip cross into Python, and one row of totals: a
    # hundred thousand unit rows would cost more to ship than to judge
    flips = select(
        j.part_number,
        j.serial_number,
        j.stand,
        j.run_id,
        j.first_started,
        j.first_status,
        j.passed_before.cast(Integer).label("passed_before"),
        j.passed_after.cast(Integer).label("passed_after"),
        literal(1, Integer).label("units"),
    ).where(j.passed_before != j.passed_after)
    totals = select(
        null(), null(), null(), null(), null(), null(),
        func.coalesce(func.sum(j.passed_before), 0).cast(Integer),
        func.coalesce(func.sum(j.passed_after), 0).cast(Integer),
        func.count().cast(Integer),
    )  # fmt: skip
    return union_all(flips, totals)
