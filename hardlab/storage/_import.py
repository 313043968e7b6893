"""Importing a report once: the queries that find it already stored, and its earlier attempts.

`hardlab.storage.Store.import_report` uses these; the same run comes in under
several ids (a `JsonLoader` file, its CouchDB copy, HardPy's live runstore
document and its history copy), and is stored once.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy import select
from sqlalchemy.engine import Connection

from hardlab.storage._messages import Attempt, Finish, Upload
from hardlab.storage._orm import CaseRow, DocumentRow, RunRow

if TYPE_CHECKING:
    from hardlab.model.report import CaseRunStore, ResultRunStore
    from hardlab.storage._write import RunWriter

__all__ = [
    "EarlierAttempt",
    "as_uuid",
    "attempt_messages",
    "complete_partial",
    "is_stored",
    "same_report",
    "stored_status",
]


class EarlierAttempt(Protocol):
    """An earlier attempt of a case that an imported report carries beside it.

    `hardlab.exchange.CaseAttempt` is one (OpenHTF records keep the attempts
    of REPEAT phases).
    """

    @property
    def module_id(self) -> str:
        """The case's module."""

    @property
    def case_id(self) -> str:
        """The case."""

    @property
    def attempt(self) -> int:
        """Its number (1 for the first)."""

    @property
    def case(self) -> CaseRunStore:
        """The case as it was at the end of this attempt."""

    @property
    def started_ms(self) -> int | None:
        """When it started (Unix milliseconds), if known."""

    @property
    def stopped_ms(self) -> int | None:
        """When it stopped, if known."""


def as_uuid(text: object) -> str | None:
    """`text` as a UUID's canonical spelling, or None if it is no UUID."""
    try:
        return str(uuid.UUID(str(text)))
    except ValueError:
        return None


def is_stored(conn: Connection, run_id: str) -> bool:
    """Whether the store has a run under exactly `run_id`."""
    return conn.execute(select(RunRow.id).where(RunRow.id == run_id)).first() is not None


def stored_status(conn: Connection, run_id: str) -> str | None:
    """The status of the run stored under exactly `run_id`, or None if there is none."""
    status = conn.execute(select(RunRow.status).where(RunRow.id == run_id)).scalar()
    return None if status is None else str(status)


def complete_partial(
    conn: Connection,
    writer: RunWriter,
    run_id: str,
    report: ResultRunStore,
    upload: Mapping[str, str] | None,
) -> None:
    """Complete an ``interrupted`` run from its full report (the one its run kept as a file).

    The run's writer died before the end: the cases it wrote stay as they are
    (they carry their precise times), the cases it never wrote are stored
    from the report, and the run gets the report's final state, and its
    StandCloud upload if `upload` names one, as its writer would have given it.
    """
    document = report.model_dump(mode="json")
    stored = {
        (module_id, case_id, int(attempt))
        for module_id, case_id, attempt in conn.execute(
            select(CaseRow.module_id, CaseRow.case_id, CaseRow.attempt).where(
                CaseRow.run_id == run_id
            )
        )
    }
    missing = []
    position = 0
    for module_id, module in document["modules"].items():
        for case_id, case in module["cases"].items():
            attempt = int(case.get("attempt", 0))
            if (module_id, case_id, attempt) not in stored:
                missing.append(
                    Attempt(
                        run_id=run_id,
                        module_id=module_id,
                        module_name=module["name"],
                        case_id=case_id,
                        attempt=attempt,
                        final=True,
                        position=position,
                        case=case,
                    )
                )
            position += 1
    if missing:
        writer.attempts(missing)
    stop = document.get("stop_time")
    writer.finish(
        Finish(
            run_id=run_id,
            document=document,
            finished_ns=None if stop is None else int(stop) * 10**9,
            outbox=None if upload is None else Upload(**upload),
        )
    )


def same_report(conn: Connection, report: ResultRunStore) -> str | None:
    """The run already stored with `report`'s content under another id, if any.

    Reports are compared without their ``id`` and ``rev``: the same run comes
    as a `JsonLoader` file (a UUID id), a CouchDB document (``report_<stop
    time>_<serial>``), HardPy's live runstore document and its history copy.
    Two reports that both carry a UUID are two runs, however alike.
    """
    if report.start_time is None:
        return None
    start = datetime.fromtimestamp(report.start_time, tz=timezone.utc)
    # a hardlab run's row has its start to the microsecond, the report to the second
    statement = (
        select(RunRow.id, DocumentRow.document)
        .join(DocumentRow, DocumentRow.run_id == RunRow.id)
        .where(
            RunRow.started_at >= start - timedelta(seconds=1),
            RunRow.started_at < start + timedelta(seconds=2),
            RunRow.name == report.name[:255],
        )
    )
    rows = conn.execute(statement).all()
    if not rows:
        return None
    mine = report.model_dump(mode="json", exclude={"id", "rev"})
    incoming_uuid = as_uuid(report.id) is not None
    for run_id, document in rows:
        if not isinstance(document, Mapping):
            continue
        if incoming_uuid and as_uuid(document.get("id", document.get("_id"))) is not None:
            continue
        theirs = {k: v for k, v in document.items() if k not in ("id", "rev", "_id", "_rev")}
        if theirs == mine:
            return str(run_id)
    return None


def attempt_messages(
    report: ResultRunStore, attempts: Sequence[EarlierAttempt]
) -> list[dict[str, Any]]:
    """The writer's ``attempt`` messages for the earlier attempts of `report`'s cases.

    Attempts of cases the report does not have are left out.
    """
    positions: dict[tuple[str, str], int] = {}
    names: dict[str, str] = {}
    for module_id, module in report.modules.items():
        names[module_id] = module.name
        for case_id in module.cases:
            positions[(module_id, case_id)] = len(positions)
    messages = []
    for attempt in attempts:
        key = (attempt.module_id, attempt.case_id)
        if key not in positions:
            continue
        messages.append(
            {
                "module_id": attempt.module_id,
                "module_name": names[attempt.module_id],
                "case_id": attempt.case_id,
                "attempt": attempt.attempt,
                "final": False,
                "position": positions[key],
                "case": attempt.case.model_dump(mode="json"),
                "started_ns": None if attempt.started_ms is None else attempt.started_ms * 10**6,
                "finished_ns": None if attempt.stopped_ms is None else attempt.stopped_ms * 10**6,
            }
        )
    return messages
