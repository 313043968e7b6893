"""A stored run as the exports need it: its report, its times, every attempt of its cases.

Read through `RunSource`, which `hardlab.storage.Store` is: the exchange
formats stay free of the store's package, and any object with these three
methods (a test double, another store) can be exported from.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from hardlab.exchange._common import CaseAttempt
from hardlab.exchange._formats import ExportedRun
from hardlab.model.flat import measurement_from_row

if TYPE_CHECKING:
    from hardlab.model.report import CaseRunStore, ResultRunStore

__all__ = ["RunSource", "read_stored_run", "stored_attempt_case"]


class RunSource(Protocol):
    """Where stored runs are read from (`hardlab.storage.Store` is one)."""

    def run_row(self, run_id: str) -> dict[str, Any]:
        """The run's summary row: ``id``, ``started_at``, ``stopped_at``, ..."""

    def get_report(self, run_id: str) -> ResultRunStore:
        """The run's report."""

    def attempts(self, run_id: str) -> list[dict[str, Any]]:
        """Every stored attempt of every case of the run, with its measurements."""


def _millis(moment: datetime | None) -> int | None:
    return None if moment is None else round(moment.timestamp() * 1000)


def stored_attempt_case(attempt: Mapping[str, Any]) -> CaseRunStore:
    """A stored attempt (a row of `hardlab.storage.Store.attempts`) as a report case.

    Raises:
        ValueError: If the row does not make a valid case.
    """
    from hardlab.model.report import CaseRunStore

    return CaseRunStore.model_validate(
        {
            "status": attempt["status"],
            "name": attempt["case_name"],
            "group": attempt["group"],
            "start_time": None,
            "stop_time": None,
            "assertion_msg": attempt.get("assertion_msg"),
            "msg": attempt.get("messages"),
            "chart": attempt.get("chart"),
            "attempt": attempt["attempt"],
            "measurements": [measurement_from_row(m) for m in attempt.get("measurements", [])],
        }
    )


def _attempts(source: RunSource, run_id: str) -> list[CaseAttempt]:
    found = []
    for row in source.attempts(run_id):
        try:
            case = stored_attempt_case(row)
        except ValueError:
            continue  # a row the model cannot read; the report itself still exports
        found.append(
            CaseAttempt(
                module_id=row["module_id"],
                case_id=row["case_id"],
                attempt=int(row["attempt"]),
                case=case,
                final=bool(row["final"]),
                started_ms=_millis(row.get("started_at")),
                stopped_ms=_millis(row.get("stopped_at")),
            )
        )
    return found


def read_stored_run(source: RunSource, run_id: str, *, attempts: bool = True) -> ExportedRun:
    """A stored run, read for an export.

    Args:
        source: The store.
        run_id: The run's id, or a unique prefix of it.
        attempts: Read its attempts and times too (every format but the
            `ExportFormat.report_only` ones shows them).

    Raises:
        StorageError: If there is no such run.
    """
    row = source.run_row(run_id)
    full_id = str(row["id"])
    report = source.get_report(full_id)
    if not attempts:
        return ExportedRun(report, full_id)
    return ExportedRun(
        report,
        full_id,
        started_ms=_millis(row.get("started_at")),
        stopped_ms=_millis(row.get("stopped_at")),
        attempts=_attempts(source, full_id),
    )
