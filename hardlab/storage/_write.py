"""How a run becomes rows: plain SQL over a DB-API connection, shared by every writer.

The store writer process writes an SQLite store through the standard
library's ``sqlite3`` and this module alone: importing SQLAlchemy costs the
writer a third of a second of CPU, taken from the test run on a two-core
stand. `Store` runs the same statements on its SQLAlchemy connection (for
PostgreSQL, imports, recovery), so there is one implementation of how run
messages become rows. Values are written as the ORM's column types write
them (SQLite: UTC timestamps as text, a case attempt's as integer
microseconds, JSON as text, SQL NULL for None;
PostgreSQL: ``timestamptz`` and ``jsonb``; the report document zlib-compressed
on both; converted by `hardlab.storage._types`),
so either side reads what the other wrote. What it knows of the tables
(columns, keys, JSON and timestamp columns, defaults) comes from
`hardlab.storage._schema`, generated from the ORM; the messages it writes
are `hardlab.storage._messages`'.

This module imports no SQLAlchemy.
"""

from __future__ import annotations

import functools
import operator
import os
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import datetime, timedelta, timezone
from typing import Any, NamedTuple, Protocol

from hardlab.storage._messages import (
    Attempt,
    Finish,
    Meta,
    Module,
    OperatorEvent,
    RunMessage,
    Start,
    from_mapping,
    with_run_id,
)
from hardlab.storage._rows import (
    BucketStats,
    case_counts,
    case_row,
    measurement_rows,
    module_row,
    operator_event_row,
    run_fields,
    week_of,
    weekly_key,
)
from hardlab.storage._schema import (
    CASES,
    COLUMNS,
    DEFAULTS,
    DOCUMENTS,
    GENERATED,
    JSON_COLUMNS,
    KEYS,
    MEASUREMENT_WEEKLY,
    MEASUREMENTS,
    MICRO_TIME_COLUMNS,
    MODULES,
    OPERATOR_EVENTS,
    OUTBOX,
    PACKED_COLUMNS,
    RUNS,
    TIME_COLUMNS,
)
from hardlab.storage._types import (
    RawJson,
    json_text,
    pack_json,
    read_time,
    sqlite_micros,
    sqlite_time_text,
    utc,
)

__all__ = [
    "PLAN_ERROR",
    "STALE_AFTER",
    "Executor",
    "OpenRun",
    "RunWriter",
    "pid_alive",
]

STALE_AFTER = timedelta(minutes=10)
"""A run whose writer has not been heard of for this long is considered dead."""

OPEN = "run"
"""The status of a run that is still going (or whose process died unnoticed)."""

PLAN_ERROR = "error"
"""The stored status of a run whose plan could not run (HardPy's report says ``failed``)."""

_CHUNK = 500
"""At most this many values in one ``IN (...)``: well under every database's parameter limit."""

_MEASUREMENT_COLUMNS = tuple(c for c in COLUMNS[MEASUREMENTS] if c not in GENERATED[MEASUREMENTS])
_measurement_values = operator.itemgetter(*_MEASUREMENT_COLUMNS)
_weekly_values = operator.itemgetter(*COLUMNS[MEASUREMENT_WEEKLY])


class Executor(Protocol):
    """The part of a DB-API cursor `RunWriter` uses (``sqlite3.Cursor`` is one)."""

    def execute(self, sql: str, parameters: Sequence[Any] = ..., /) -> Any:
        """Run one statement; the result has ``fetchone()`` and ``fetchall()``."""

    def executemany(self, sql: str, seq_of_parameters: Iterable[Sequence[Any]], /) -> Any:
        """Run one statement for each parameter row."""


class OpenRun(NamedTuple):
    """A run the store has as still going."""

    id: str
    host: str | None
    writer_pid: int | None
    heartbeat_at: datetime | None

    def dead(self, host: str, now: datetime, stale_after: timedelta = STALE_AFTER) -> bool:
        """Whether the run's writer is gone: its process on this computer, or silent too long."""
        stale = self.heartbeat_at is None or now - self.heartbeat_at > stale_after
        gone = self.host == host and self.writer_pid is not None and not pid_alive(self.writer_pid)
        return gone or stale


def pid_alive(pid: int) -> bool:
    """Whether a process with `pid` runs on this computer."""
    if pid <= 0:
        return False
    if sys.platform == "win32":  # pragma: no cover - Windows only
        import ctypes

        kernel32 = ctypes.windll.kernel32  # type: ignore[attr-defined,unused-ignore]
        handle = kernel32.OpenProcess(0x1000, False, pid)  # QUERY_LIMITED_INFORMATION
        if not handle:
            return False
        code = ctypes.c_ulong()
        kernel32.GetExitCodeProcess(handle, ctypes.byref(code))
        kernel32.CloseHandle(handle)
        return code.value == 259  # STILL_ACTIVE
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    return not _zombie(pid)


def _zombie(pid: int) -> bool:
    """Whether `pid` has exited and waits only to be reaped (Linux; elsewhere: no telling).

    A killed run's writer stays a zombie until its parent (or init) reaps
    it; signalling it still succeeds, yet it will never write again.
    """
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            fields = stat.read()
    except OSError:
        return False
    # "pid (name) state ...": the name may hold spaces and parentheses
    return fields[fields.rfind(b")") + 2 : fields.rfind(b")") + 3] in (b"Z", b"X")


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _hostname() -> str:
    import socket  # seldom needed: the run names its host; socket is slow to import

    return socket.gethostname()


def _pg_time(value: datetime | None) -> datetime | None:
    return None if value is None else utc(value)


def _stored_document(message: Start | Finish) -> Any:
    """A message's document for ``hardlab_documents``: its JSON text if it came as text.

    The column keeps it compressed (`pack_json`, applied as the row is written).
    """
    text = message.document_json
    return RawJson(text) if text is not None else message.document


def _q(name: str) -> str:
    return f'"{name}"'


class _Dialect(NamedTuple):
    name: str
    mark: str
    """The driver's placeholder: ``?`` (sqlite3) or ``%s`` (psycopg)."""

    def placeholder(self, table: str, column: str) -> str:
        if self.name == "postgresql" and column in JSON_COLUMNS[table]:
            return f"CAST({self.mark} AS JSONB)"
        return self.mark

    def marks(self, count: int) -> str:
        return ", ".join([self.mark] * count)


@functools.cache
def _dialect(name: str) -> _Dialect:
    if name == "sqlite":
        return _Dialect(name, "?")
    if name == "postgresql":
        return _Dialect(name, "%s")
    msg = f"hardlab stores runs in SQLite or PostgreSQL, not {name}"
    raise ValueError(msg)


@functools.lru_cache(maxsize=256)
def _upsert_sql(
    dialect: str,
    table: str,
    columns: tuple[str, ...],
    keys: tuple[str, ...],
    kept: frozenset[str] | None,
) -> str:
    """``INSERT ... ON CONFLICT (keys) DO UPDATE`` the columns neither in `keys` nor `kept`.

    `kept` None: ``DO NOTHING``.
    """
    d = _dialect(dialect)
    values = ", ".join(d.placeholder(table, c) for c in columns)
    sql = f"INSERT INTO {table} ({', '.join(map(_q, columns))}) VALUES ({values}) ON CONFLICT"
    changed = [c for c in columns if c not in keys and (kept is None or c not in kept)]
    if kept is None or not changed:
        return f"{sql} DO NOTHING"
    sets = ", ".join(f"{_q(c)} = excluded.{_q(c)}" for c in changed)
    return f"{sql} ({', '.join(map(_q, keys))}) DO UPDATE SET {sets}"


@functools.cache
def _merge_weekly_sql(dialect: str) -> str:
    """Add a bucket to the weekly statistics: Chan's formula when the bucket exists."""
    d = _dialect(dialect)
    smaller, larger = ("min", "max") if dialect == "sqlite" else ("least", "greatest")
    old = f"{MEASUREMENT_WEEKLY}."
    total = f'({old}"n" + excluded."n")'
    delta = f'(excluded."mean" - {old}"mean")'
    sets = {
        "n": f'{old}"n" + excluded."n"',
        "mean": f'({old}"mean" * {old}"n" + excluded."mean" * excluded."n") / {total}',
        "m2": (
            f'{old}"m2" + excluded."m2" + {delta} * {delta} * {old}"n" * excluded."n" / {total}'
        ),
        "minimum": f'{smaller}({old}"minimum", excluded."minimum")',
        "maximum": f'{larger}({old}"maximum", excluded."maximum")',
        "n_pass": f'{old}"n_pass" + excluded."n_pass"',
        "n_fail": f'{old}"n_fail" + excluded."n_fail"',
    }
    columns = COLUMNS[MEASUREMENT_WEEKLY]
    return (
        f"INSERT INTO {MEASUREMENT_WEEKLY} ({', '.join(map(_q, columns))}) "
        f"VALUES ({d.marks(len(columns))}) "
        f"ON CONFLICT ({', '.join(map(_q, KEYS[MEASUREMENT_WEEKLY]))}) DO UPDATE SET "
        + ", ".join(f"{_q(column)} = {value}" for column, value in sets.items())
    )


def _chunks(values: Sequence[Any], size: int = _CHUNK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


class RunWriter:
    """Writes run messages, final states and recoveries with plain SQL.

    It runs inside a transaction its caller opened and commits; every
    operation is idempotent, so a batch written twice leaves the same rows.

    Args:
        db: Where statements go: a DB-API cursor, or an adapter with the same
            ``execute``/``executemany``.
        dialect: ``sqlite`` or ``postgresql``.
    """

    def __init__(self, db: Executor, dialect: str) -> None:
        self.db = db
        self.dialect = dialect
        self._d = _dialect(dialect)
        self._time = sqlite_time_text if dialect == "sqlite" else _pg_time
        self._micro_time = sqlite_micros if dialect == "sqlite" else _pg_time
        self._lock = " FOR UPDATE" if dialect == "postgresql" else ""

    def __repr__(self) -> str:
        return f"RunWriter({self.dialect!r})"

    def _sql(self, text: str) -> str:
        """`text` with ``?`` placeholders in the driver's style."""
        return text if self._d.mark == "?" else text.replace("?", self._d.mark)

    def _value(self, table: str, column: str, value: Any) -> Any:
        if column in TIME_COLUMNS[table]:
            return self._time(value)
        if column in MICRO_TIME_COLUMNS[table]:
            return self._micro_time(value)
        if column in JSON_COLUMNS[table]:
            return json_text(value)
        if column in PACKED_COLUMNS[table]:
            return pack_json(value)
        return value

    def _upsert(
        self,
        table: str,
        rows: Sequence[Mapping[str, Any]],
        *,
        kept: frozenset[str] | None = frozenset(),
    ) -> None:
        """Insert `rows` (all with the same columns), updating those that exist (by `KEYS`).

        Columns in `kept` are written by the insert only; `kept` None leaves
        existing rows as they are. A new row gets the ORM's defaults
        (`DEFAULTS`) for the columns `rows` leave out; an existing one keeps
        what it has there.
        """
        if not rows:
            return
        defaults = DEFAULTS[table]
        if defaults:
            missing = {k: v for k, v in defaults.items() if k not in rows[0]}
            if missing:
                rows = [{**row, **missing} for row in rows]
                kept = None if kept is None else kept | frozenset(missing)
        columns = tuple(rows[0])
        # the values in column order, then the few that need converting (a
        # thousand cases a run: this is the writer's innermost loop)
        values = operator.itemgetter(*columns)
        converters: dict[str, Callable[[Any], Any]] = {
            **dict.fromkeys(TIME_COLUMNS[table], self._time),
            **dict.fromkeys(MICRO_TIME_COLUMNS[table], self._micro_time),
            **dict.fromkeys(JSON_COLUMNS[table], json_text),
            **dict.fromkeys(PACKED_COLUMNS[table], pack_json),
        }
        convert = [(i, converters[c]) for i, c in enumerate(columns) if c in converters]
        params: list[Sequence[Any]] = []
        for row in rows:
            row_values = list(values(row)) if len(columns) > 1 else [values(row)]
            for i, f in convert:
                row_values[i] = f(row_values[i])
            params.append(row_values)
        sql = _upsert_sql(self.dialect, table, columns, KEYS[table], kept)
        if len(params) == 1:
            self.db.execute(sql, params[0])
        else:
            self.db.executemany(sql, params)

    # ------------------------------------------------------------------ messages

    def apply(self, messages: Iterable[RunMessage | Mapping[str, Any]]) -> None:
        """Write run messages (`hardlab.storage._messages`), in order.

        Messages are what `hardlab.storage.StoreSink` sends as a run goes;
        consecutive attempts are written in bulk. A message may also be given
        as a dict of its fields with its ``op`` (`from_mapping`).

        Raises:
            ValueError: If a dict is not a run message.
        """
        pending: list[Attempt] = []
        for given in messages:
            message = from_mapping(given)
            if isinstance(message, Attempt):
                pending.append(message)
                continue
            if pending:
                self.attempts(pending)
                pending = []
            if isinstance(message, Start):
                self.start(message)
            elif isinstance(message, Meta):
                self.meta(message)
            elif isinstance(message, Module):
                self.module(message)
            elif isinstance(message, OperatorEvent):
                self.operator_event(message)
            else:
                self.finish(message)
        if pending:
            self.attempts(pending)

    def start(self, message: Start) -> None:
        """The run's row, as the run begins (status ``run``)."""
        fields = run_fields(message.document)
        if message.started_ns is not None:
            fields["started_at"] = datetime.fromtimestamp(message.started_ns / 1e9, tz=timezone.utc)
        row = {
            "id": message.run_id,
            **fields,
            "status": OPEN,
            "stopped_at": None,
            "duration_s": None,
            "source": "run",
            "host": message.host or _hostname(),
            "writer_pid": message.writer_pid or os.getpid(),
            "slot": message.slot,
            "heartbeat_at": _now(),
            "progress": 0,
        }
        self._upsert(RUNS, [row])
        self._document(message.run_id, _stored_document(message))

    def meta(self, message: Meta) -> None:
        """The run's DUT, stand, process and progress as they are now."""
        fields = run_fields(message.document)
        for key in ("name", "status", "started_at", "stopped_at", "duration_s"):
            fields.pop(key)
        fields["progress"] = message.progress
        fields["heartbeat_at"] = _now()
        sets = ", ".join(f"{_q(c)} = {self._d.mark}" for c in fields)
        self.db.execute(
            f"UPDATE {RUNS} SET {sets} WHERE id = {self._d.mark}",
            (*(self._value(RUNS, c, v) for c, v in fields.items()), message.run_id),
        )

    def module(self, message: Module) -> None:
        """A module's row, when it ends."""
        row = module_row(message.run_id, message.module_id, message.position, message.module)
        self._upsert(MODULES, [row])

    def operator_event(self, message: OperatorEvent) -> None:
        """A dialog or operator message; a dialog's answer replaces the row of its question."""
        row = operator_event_row(message.run_id, message.position, message.event)
        self._upsert(OPERATOR_EVENTS, [row])

    def attempts(self, messages: Sequence[Attempt]) -> None:
        """Case attempts with their measurements, a few statements for any number.

        An attempt sent twice in one batch is written as it was sent last.
        """
        latest: dict[tuple[str, str, str, int], Attempt] = {}
        for message in messages:
            key = (message.run_id, message.module_id, message.case_id, message.attempt)
            latest.pop(key, None)  # keep the order in which they came
            latest[key] = message
        rows = [
            case_row(
                m.run_id,
                m.module_id,
                m.module_name,
                m.case_id,
                m.case,
                attempt=m.attempt,
                final=m.final,
                position=m.position,
                started_ns=m.started_ns,
                finished_ns=m.finished_ns,
            )
            for m in latest.values()
        ]
        self._upsert(CASES, rows)
        ids = self._case_row_ids(list(latest))
        for chunk in _chunks(list(ids.values())):
            self.db.execute(
                f"DELETE FROM {MEASUREMENTS} WHERE case_row_id IN ({self._d.marks(len(chunk))})",
                tuple(chunk),
            )
        measurements: list[tuple[Any, ...]] = []
        for key, m in latest.items():
            rows_of_case = measurement_rows(
                m.run_id, ids[key], m.final, m.case.get("measurements") or []
            )
            measurements.extend(map(_measurement_values, rows_of_case))
        if measurements:
            columns = ", ".join(map(_q, _MEASUREMENT_COLUMNS))
            self.db.executemany(
                f"INSERT INTO {MEASUREMENTS} ({columns}) "
                f"VALUES ({self._d.marks(len(_MEASUREMENT_COLUMNS))})",
                measurements,
            )

    def _case_row_ids(
        self, keys: Sequence[tuple[str, str, str, int]]
    ) -> dict[tuple[str, str, str, int], int]:
        """The row ids of case attempts (the unique index answers by run and module)."""
        wanted = set(keys)
        by_module: dict[tuple[str, str], dict[str, None]] = {}
        for run_id, module_id, case_id, _ in keys:
            by_module.setdefault((run_id, module_id), {})[case_id] = None
        ids: dict[tuple[str, str, str, int], int] = {}
        for (run_id, module_id), case_ids in by_module.items():
            for chunk in _chunks(list(case_ids)):
                found = self.db.execute(
                    f"SELECT id, case_id, attempt FROM {CASES} WHERE run_id = {self._d.mark} "
                    f"AND module_id = {self._d.mark} "
                    f"AND case_id IN ({self._d.marks(len(chunk))})",
                    (run_id, module_id, *chunk),
                ).fetchall()
                for row_id, case_id, attempt in found:
                    key = (run_id, module_id, case_id, int(attempt))
                    if key in wanted:
                        ids[key] = int(row_id)
        return ids

    def finish(self, message: Finish) -> None:
        """The run's final state, its StandCloud upload if asked for, its weekly statistics."""
        run_id = message.run_id
        document = message.document
        fields = run_fields(document)
        if message.plan_error is not None:
            # its report says "failed", as HardPy's does; the row tells it apart
            # from a DUT that failed, and yields leave it out
            fields["status"] = PLAN_ERROR
        stored = self.db.execute(
            self._sql(f"SELECT started_at, aggregated FROM {RUNS} WHERE id = ?{self._lock}"),
            (run_id,),
        ).fetchone()
        if stored is not None and stored[0] is not None:
            fields["started_at"] = read_time(stored[0])  # the precise start written at "start"
        if message.finished_ns is not None:
            fields["stopped_at"] = datetime.fromtimestamp(
                message.finished_ns / 1e9, tz=timezone.utc
            )
        if fields["started_at"] is not None and fields["stopped_at"] is not None:
            fields["duration_s"] = (fields["stopped_at"] - fields["started_at"]).total_seconds()
        row = {
            "id": run_id,
            **fields,
            **case_counts(document),
            "exit_code": message.exit_code,
            "plan_error": message.plan_error,
            "progress": message.progress,
            "heartbeat_at": _now(),
        }
        if stored is None or not stored[1]:
            # counted with the row's final values, which then say so: the row (and
            # its document) is written once, not again to set the flag
            self._add_to_weekly(
                run_id, fields["started_at"], fields["dut_part_number"], fields["stand_name"]
            )
            row["aggregated"] = True
        # a run that ended before it started (its plan did not collect) has no row yet
        self._upsert(RUNS, [row])
        self._document(run_id, _stored_document(message))
        if message.outbox is not None:
            # owed to StandCloud in the same transaction as the final state
            self.queue_upload(run_id, message.outbox.address, message.outbox.api_mode)
        modules = [
            module_row(run_id, module_id, position, module)
            for position, (module_id, module) in enumerate((document.get("modules") or {}).items())
        ]
        self._upsert(MODULES, modules)

    def _document(self, run_id: str, document: Any) -> None:
        """Keep the run's report (compressed, beside its row: `hardlab_documents`)."""
        self._upsert(DOCUMENTS, [{"run_id": run_id, "document": document}])

    def queue_upload(self, run_id: str, address: str, api_mode: str) -> None:
        """Owe StandCloud the run's report (nothing happens if it is owed or delivered already).

        The one place an outbox row is written: the run's end (`finish`) and
        `hardlab.storage.Outbox.enqueue` both come here.
        """
        now = _now()
        row = {
            "run_id": run_id,
            "address": address,
            "api_mode": api_mode,
            "state": "pending",
            "queued_at": now,
            "next_attempt_at": now,
        }
        self._upsert(OUTBOX, [row], kept=None)

    # ------------------------------------------------------------------ whole reports

    def store_report(
        self,
        run_id: str,
        document: Mapping[str, Any],
        *,
        source: str,
        attempts: Sequence[Attempt | Mapping[str, Any]] = (),
    ) -> bool:
        """Store a finished report at once; False (and nothing written) if the run exists.

        `attempts` are earlier attempts (`Attempt` messages, or dicts of their
        fields; their run id is `run_id`) to keep beside the final ones the
        document shows.
        """
        exists = self.db.execute(
            self._sql(f"SELECT 1 FROM {RUNS} WHERE id = ?"), (run_id,)
        ).fetchone()
        if exists is not None:
            return False
        row = {
            "id": run_id,
            **run_fields(document),
            **case_counts(document),
            "source": source,
            "progress": 100,
            "aggregated": False,
        }
        self._upsert(RUNS, [row], kept=None)
        self._document(run_id, document)
        messages = [with_run_id(message, run_id) for message in attempts]
        modules = []
        position = 0
        for module_index, (module_id, module) in enumerate(document["modules"].items()):
            modules.append(module_row(run_id, module_id, module_index, module))
            for case_id, case in module["cases"].items():
                messages.append(
                    Attempt(
                        run_id=run_id,
                        module_id=module_id,
                        module_name=module["name"],
                        case_id=case_id,
                        attempt=int(case.get("attempt", 0)),
                        final=True,
                        position=position,
                        case=case,
                    )
                )
                position += 1
        self._upsert(MODULES, modules)
        if messages:
            self.attempts(messages)
        self.aggregate(run_id)
        return True

    # ------------------------------------------------------------------ liveness

    def heartbeat(self, run_id: str) -> None:
        """Record that the run's writer is alive."""
        self.db.execute(
            self._sql(f"UPDATE {RUNS} SET heartbeat_at = ? WHERE id = ?"),
            (self._time(_now()), run_id),
        )

    def open_runs(self) -> list[OpenRun]:
        """The runs stored as still going."""
        rows = self.db.execute(
            self._sql(f"SELECT id, host, writer_pid, heartbeat_at FROM {RUNS} WHERE status = ?"),
            (OPEN,),
        ).fetchall()
        return [
            OpenRun(str(run_id), host, None if pid is None else int(pid), read_time(beat))
            for run_id, host, pid, beat in rows
        ]

    def interrupt(self, run_id: str) -> None:
        """Mark an unfinished run ``interrupted`` (its finished cases stay as they are)."""
        row = self.db.execute(
            self._sql(f"SELECT status, heartbeat_at FROM {RUNS} WHERE id = ?{self._lock}"),
            (run_id,),
        ).fetchone()
        if row is None or row[0] != OPEN:
            return
        last = self.db.execute(
            self._sql(f"SELECT MAX(stopped_at) FROM {CASES} WHERE run_id = ?"), (run_id,)
        ).fetchone()
        times = [t for t in (read_time(last[0]), read_time(row[1])) if t is not None]
        stopped = max(times) if times else _now()
        self.db.execute(
            self._sql(f"UPDATE {RUNS} SET status = ?, stopped_at = ? WHERE id = ?"),
            ("interrupted", self._time(stopped), run_id),
        )
        self.aggregate(run_id)

    # ------------------------------------------------------------------ statistics

    def aggregate(self, run_id: str) -> None:
        """Add a run's numeric measurements to the weekly statistics, once."""
        run = self.db.execute(
            self._sql(
                f"SELECT aggregated, started_at, dut_part_number, stand_name FROM {RUNS} "
                f"WHERE id = ?{self._lock}"
            ),
            (run_id,),
        ).fetchone()
        if run is None or run[0]:
            return
        _, started, part_number, stand_name = run
        self._add_to_weekly(run_id, read_time(started), part_number, stand_name)
        self.db.execute(self._sql(f"UPDATE {RUNS} SET aggregated = ? WHERE id = ?"), (True, run_id))

    def _add_to_weekly(
        self,
        run_id: str,
        started: datetime | None,
        part_number: str | None,
        stand_name: str | None,
    ) -> None:
        """Merge the run's numeric measurements into the weekly statistics of its start's week."""
        week = week_of(started or _now())
        # through the run's case rows: measurements have no index on run_id
        rows = self.db.execute(
            self._sql(
                "SELECT name, unit, spec_lower, spec_upper, final, value_num, result "
                f"FROM {MEASUREMENTS} WHERE case_row_id IN "
                f"(SELECT id FROM {CASES} WHERE run_id = ?) "
                "AND kind = ? AND value_num IS NOT NULL"
            ),
            (run_id, "numeric"),
        ).fetchall()
        buckets: dict[tuple[Any, ...], BucketStats] = {}
        for name, unit, lower, upper, final, value, result in rows:
            identity = (week, part_number, stand_name, name, unit, lower, upper, bool(final))
            stats = buckets.get(identity)
            if stats is None:
                stats = buckets[identity] = BucketStats()
            # SQLite gives booleans back as 0 and 1
            stats.add(float(value or 0.0), None if result is None else bool(result))
        sql = _merge_weekly_sql(self.dialect)
        names = ("week", "part_number", "stand_name", "name", "unit", "spec_lower", "spec_upper")
        for identity, stats in buckets.items():
            row = {
                "key": weekly_key(*identity),
                **dict(zip((*names, "final"), identity, strict=True)),
                **{name: getattr(stats, name) for name in BucketStats.__slots__},
            }
            self.db.execute(sql, _weekly_values(row))
