"""History queries: filters and selections over the store, built in SQL."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Any

from sqlalchemy import select

from hardlab.storage._orm import RunRow

__all__ = ["RunFilter", "as_utc", "runs_select"]


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
        status: Run status(es): ``passed``, ``failed``, ``stopped``, ``interrupted``, ``run``.
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
)
"""The run columns history views show (everything but the document and bookkeeping)."""


def runs_select(run_filter: RunFilter | None = None, *, limit: int | None = None) -> Any:
    """Runs matching `run_filter`, newest first."""
    statement: Any = select(*RUN_COLUMNS)
    if run_filter is not None:
        statement = run_filter.apply(statement)
    statement = statement.order_by(RunRow.started_at.desc(), RunRow.id.desc())
    if limit is not None:
        statement = statement.limit(limit)
    return statement
