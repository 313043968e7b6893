"""The outbox: reports owed to StandCloud, claimed by drainers, settled with the server's answer.

`Outbox` is the table's whole interface (`Store.outbox`): the runner's
sync worker claims due entries (a lease, so two drainers never send the
same report at once), uploads them, and records each answer; the CLI lists,
retries and drops entries. Entries are written in one place,
`hardlab.storage._write.RunWriter.queue_upload`: for a run by the store
writer in the transaction that stores the run's final state (`Store.apply`),
for stored runs by `Outbox.enqueue`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any, Literal

from sqlalchemy import and_, bindparam, delete, func, or_, select, update

from hardlab.storage._orm import DocumentRow, OutboxRow, RunRow

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from hardlab.storage._store import Store

__all__ = ["STATES", "Outbox", "OutboxEntry", "OutboxResult"]

STATES = ("pending", "parked", "delivered")
"""An entry's states: waiting to be sent, rejected by the server (kept with its reason), done."""

Outcome = Literal["delivered", "retry", "parked", "released"]


def _now() -> datetime:
    return datetime.now(timezone.utc)


@dataclass(frozen=True)
class OutboxEntry:
    """One report owed to StandCloud, with the run it belongs to.

    Attributes:
        document: The report (HardPy's schema v1); only claimed entries carry it.
    """

    run_id: str
    address: str
    api_mode: str
    state: str
    queued_at: datetime
    attempts: int
    next_attempt_at: datetime
    last_attempt_at: datetime | None
    last_status: int | None
    last_error: str | None
    delivered_at: datetime | None
    remote_id: str | None
    name: str | None = None
    dut_serial_number: str | None = None
    dut_part_number: str | None = None
    started_at: datetime | None = None
    document: dict[str, Any] | None = None


@dataclass(frozen=True)
class OutboxResult:
    """What became of one claimed entry.

    Attributes:
        outcome: ``delivered``; ``retry`` at `next_attempt_at`; ``parked``
            (rejected, with the reason in `error`); ``released`` (not tried:
            given back as it was).
    """

    run_id: str
    outcome: Outcome
    status: int | None = None
    error: str | None = None
    next_attempt_at: datetime | None = None
    remote_id: str | None = None


_ENTRY_COLUMNS = (
    OutboxRow.run_id,
    OutboxRow.address,
    OutboxRow.api_mode,
    OutboxRow.state,
    OutboxRow.queued_at,
    OutboxRow.attempts,
    OutboxRow.next_attempt_at,
    OutboxRow.last_attempt_at,
    OutboxRow.last_status,
    OutboxRow.last_error,
    OutboxRow.delivered_at,
    OutboxRow.remote_id,
    RunRow.name,
    RunRow.dut_serial_number,
    RunRow.dut_part_number,
    RunRow.started_at,
)


def _entry(row: Any, document: dict[str, Any] | None = None) -> OutboxEntry:
    names = [column.key for column in _ENTRY_COLUMNS]
    values = dict(zip(names, tuple(row)[: len(names)], strict=True))
    return OutboxEntry(**values, document=document)


class Outbox:
    """The outbox of a `Store` (``store.outbox``)."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def __repr__(self) -> str:
        return f"<Outbox of {self.store!r}>"

    def enqueue(
        self, run_ids: Iterable[str], *, address: str, api_mode: str = "hardpy"
    ) -> list[str]:
        """Owe StandCloud the reports of stored, finished runs (imports, older runs).

        Returns:
            The full ids of the runs newly queued (runs already queued are left as they are).

        Raises:
            StorageError: If a run is not in the store or has not finished.
        """
        from hardlab.errors import StorageError

        added = []
        with self.store._write("queueing reports for StandCloud") as conn:
            for run_id in run_ids:
                full = self.store._full_id(conn, run_id)
                status = conn.execute(select(RunRow.status).where(RunRow.id == full)).scalar()
                if status in ("run", "interrupted"):
                    msg = f"run {full} has not finished ({status}); only finished runs are uploaded"
                    raise StorageError(msg)
                exists = conn.execute(
                    select(OutboxRow.run_id).where(OutboxRow.run_id == full)
                ).first()
                if exists is None:
                    self.store._runs(conn).queue_upload(full, address, api_mode)
                    added.append(full)
        return added

    def claim(
        self,
        *,
        limit: int = 100,
        lease: timedelta = timedelta(minutes=2),
        address: str | None = None,
        now: datetime | None = None,
        due_by: datetime | None = None,
        run_ids: Sequence[str] | None = None,
    ) -> list[OutboxEntry]:
        """Take up to `limit` due entries for sending, with their reports.

        Each is leased for `lease`: other drainers skip it until it is
        settled with `record` or the lease runs out (a drainer that died).

        Args:
            limit: At most this many.
            lease: How long the claim holds.
            address: Only entries for this address.
            now: The current time (tests).
            due_by: Only entries due at this time or before (default: `now`);
                a pass that must not pick up its own retries gives its start.
            run_ids: Only these runs' entries (full ids).
        """
        now = now or _now()
        due_by = due_by or now
        with self.store._write("claiming reports for StandCloud") as conn:
            due = (
                select(OutboxRow.run_id)
                .where(
                    OutboxRow.state == "pending",
                    OutboxRow.next_attempt_at <= due_by,
                    or_(OutboxRow.claimed_until.is_(None), OutboxRow.claimed_until < now),
                )
                .order_by(OutboxRow.next_attempt_at, OutboxRow.queued_at)
                .limit(limit)
            )
            if address is not None:
                due = due.where(OutboxRow.address == address)
            if run_ids is not None:
                due = due.where(OutboxRow.run_id.in_(list(run_ids)))
            if self.store.dialect == "postgresql":
                due = due.with_for_update(skip_locked=True)  # SQLite's writer lock does this
            ids = list(conn.execute(due).scalars())
            if not ids:
                return []
            conn.execute(
                update(OutboxRow).where(OutboxRow.run_id.in_(ids)).values(claimed_until=now + lease)
            )
            rows = conn.execute(
                select(*_ENTRY_COLUMNS, DocumentRow.document)
                .join(RunRow, RunRow.id == OutboxRow.run_id)
                .outerjoin(DocumentRow, DocumentRow.run_id == OutboxRow.run_id)
                .where(OutboxRow.run_id.in_(ids))
            ).all()
        order = {run_id: index for index, run_id in enumerate(ids)}
        entries = [_entry(row, row.document) for row in rows]
        return sorted(entries, key=lambda entry: order[entry.run_id])

    def record(self, results: Sequence[OutboxResult], *, now: datetime | None = None) -> None:
        """Settle claimed entries with what the server said, in one transaction."""
        if not results:
            return
        now = now or _now()
        table: Any = OutboxRow.__table__
        key = table.c.run_id == bindparam("b_run_id")
        tried = {
            "attempts": table.c.attempts + 1,
            "last_attempt_at": now,
            "last_status": bindparam("b_status"),
            "last_error": bindparam("b_error"),
            "claimed_until": None,
        }
        statements: dict[str, Any] = {
            "delivered": update(table)
            .where(key)
            .values(
                **tried,
                state="delivered",
                delivered_at=now,
                remote_id=bindparam("b_remote"),
            ),
            "retry": update(table).where(key).values(**tried, next_attempt_at=bindparam("b_next")),
            "parked": update(table).where(key).values(**tried, state="parked"),
            "released": update(table).where(key).values(claimed_until=None),
        }
        groups: dict[str, list[dict[str, Any]]] = {}
        for result in results:
            groups.setdefault(result.outcome, []).append(
                {
                    "b_run_id": result.run_id,
                    "b_status": result.status,
                    "b_error": result.error,
                    "b_remote": result.remote_id,
                    "b_next": result.next_attempt_at or now,
                }
            )
        with self.store._write("recording StandCloud uploads") as conn:
            for outcome, params in groups.items():
                statement = statements[outcome]
                wanted = set(statement.compile().params)
                conn.execute(
                    statement, [{k: v for k, v in p.items() if k in wanted} for p in params]
                )

    def entries(
        self,
        states: Sequence[str] = ("pending", "parked"),
        *,
        address: str | None = None,
        run_ids: Sequence[str] | None = None,
        limit: int | None = None,
    ) -> list[OutboxEntry]:
        """Entries in `states` (oldest first), without their reports."""
        statement = (
            select(*_ENTRY_COLUMNS)
            .join(RunRow, RunRow.id == OutboxRow.run_id)
            .where(OutboxRow.state.in_(list(states)))
            .order_by(OutboxRow.queued_at, OutboxRow.run_id)
        )
        if address is not None:
            statement = statement.where(OutboxRow.address == address)
        if run_ids is not None:
            statement = statement.where(OutboxRow.run_id.in_(list(run_ids)))
        if limit is not None:
            statement = statement.limit(limit)
        with self.store._read("listing the StandCloud outbox") as conn:
            return [_entry(row) for row in conn.execute(statement)]

    def counts(
        self, *, address: str | None = None, run_ids: Sequence[str] | None = None
    ) -> dict[str, int]:
        """How many entries are in each state (of `address`, of `run_ids`, or all)."""
        statement = select(OutboxRow.state, func.count()).group_by(OutboxRow.state)
        if address is not None:
            statement = statement.where(OutboxRow.address == address)
        if run_ids is not None:
            statement = statement.where(OutboxRow.run_id.in_(list(run_ids)))
        with self.store._read("counting the StandCloud outbox") as conn:
            found = {str(state): int(n) for state, n in conn.execute(statement)}
        return {state: found.get(state, 0) for state in STATES}

    def next_due(
        self, *, address: str | None = None, run_ids: Sequence[str] | None = None
    ) -> datetime | None:
        """When the next pending entry is due (now or earlier: due already), or None."""
        statement = select(func.min(OutboxRow.next_attempt_at)).where(OutboxRow.state == "pending")
        if address is not None:
            statement = statement.where(OutboxRow.address == address)
        if run_ids is not None:
            statement = statement.where(OutboxRow.run_id.in_(list(run_ids)))
        with self.store._read("reading the StandCloud outbox") as conn:
            value = conn.execute(statement).scalar()
        if value is not None and value.tzinfo is None:  # SQLite's func.min bypasses the type
            value = datetime.fromisoformat(str(value)).replace(tzinfo=timezone.utc)
        return value

    def _resolve(self, conn: Connection, run_ids: Sequence[str]) -> list[str]:
        return [self.store._full_id(conn, run_id) for run_id in run_ids]

    def retry(self, run_ids: Sequence[str] | None = None, *, now: datetime | None = None) -> int:
        """Make parked (and waiting) entries due now; all parked ones without `run_ids`.

        Returns:
            How many entries were changed.
        """
        now = now or _now()
        with self.store._write("retrying StandCloud uploads") as conn:
            statement = update(OutboxRow).values(
                state="pending", next_attempt_at=now, claimed_until=None
            )
            if run_ids is None:
                statement = statement.where(OutboxRow.state == "parked")
            else:
                ids = self._resolve(conn, run_ids)
                statement = statement.where(
                    and_(OutboxRow.run_id.in_(ids), OutboxRow.state != "delivered")
                )
            return int(conn.execute(statement).rowcount)

    def drop(self, run_ids: Sequence[str] | None = None, *, parked: bool = False) -> int:
        """Stop owing StandCloud these reports (the runs stay in the store).

        Args:
            run_ids: The runs (ids or unique prefixes).
            parked: Drop every parked entry instead.

        Returns:
            How many entries were removed.
        """
        with self.store._write("dropping StandCloud uploads") as conn:
            statement = delete(OutboxRow).where(OutboxRow.state != "delivered")
            if parked:
                statement = statement.where(OutboxRow.state == "parked")
            elif run_ids:
                statement = statement.where(OutboxRow.run_id.in_(self._resolve(conn, run_ids)))
            else:
                return 0
            return int(conn.execute(statement).rowcount)
