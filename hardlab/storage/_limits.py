"""What-if queries: stored runs re-evaluated against new limits, in SQL.

`what_if_select` gives each unit's first counted run (the counting rules of
`hardlab.storage._queries`) with its verdict as stored and as it would be
with other limits for some numeric measurements:

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

from sqlalchemy import Integer, String, and_, case, false, func, literal_column, or_, select

from hardlab.storage._orm import CaseRow, MeasurementRow, RunRow
from hardlab.storage._queries import NOT_COUNTED, FilterLike, _cohort_split, _values, as_utc

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
    """Each unit's first counted run, its stored verdict and its verdict under `limits`.

    Columns: ``part_number``, ``serial_number``, ``stand``, ``run_id``,
    ``first_started``, ``first_status``, ``passed_before`` and
    ``passed_after`` (1 or 0).

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

    # runs that a measurement with new limits would fail
    failing = (
        select(m.run_id.label("run_id"))
        .where(m.name.in_(names), numeric, outside)
        .group_by(m.run_id)
        .subquery("failing")
    )
    # failed final cases that new limits do not rescue
    rescued = and_(m.name.in_(names), numeric, ~outside)
    per_case = (
        select(
            CaseRow.run_id.label("run_id"),
            func.count(m.id).label("n_fail"),
            func.sum(case((rescued, 1), else_=0)).label("n_rescued"),
        )
        .select_from(CaseRow)
        .outerjoin(m, and_(m.case_row_id == CaseRow.id, m.result.is_(False)))
        .where(CaseRow.final.is_(True), CaseRow.status.in_(("failed", "error")))
        .group_by(CaseRow.id, CaseRow.run_id)
        .subquery("per_case")
    )
    stuck = (
        select(per_case.c.run_id)
        .where(or_(per_case.c.n_fail == 0, per_case.c.n_rescued < per_case.c.n_fail))
        .group_by(per_case.c.run_id)
        .subquery("stuck")
    )

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
    before = case((c.first_status == "passed", 1), else_=0)
    after = case(
        (failing.c.run_id.is_not(None), 0),
        (c.first_status == "passed", 1),
        (and_(c.first_status == "failed", stuck.c.run_id.is_(None)), 1),
        else_=0,
    )
    statement: Any = (
        select(
            c.part_number,
            c.serial_number,
            c.stand,
            c.run_id,
            c.first_started,
            c.first_status,
            before.cast(Integer).label("passed_before"),
            after.cast(Integer).label("passed_after"),
        )
        .select_from(counted)
        .outerjoin(failing, failing.c.run_id == c.run_id)
        .outerjoin(stuck, stuck.c.run_id == c.run_id)
        .where(c.nth == 1)
    )
    stands = _values(cohort.stand)
    if stands is not None:
        statement = statement.where(c.stand.in_(stands))
    since, until = as_utc(cohort.since), as_utc(cohort.until)
    if since is not None:
        statement = statement.where(c.first_started >= since)
    if until is not None:
        statement = statement.where(c.first_started < until)
    return statement.order_by(c.part_number, c.serial_number)
