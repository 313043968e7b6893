"""The `Store` facade: one object for every run ever recorded, on SQLite or PostgreSQL."""

from __future__ import annotations

import contextlib
import os
import socket
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    Engine,
    create_engine,
    delete,
    event,
    inspect,
    select,
    text,
)
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import (
    ArgumentError,
    DBAPIError,
    InterfaceError,
    OperationalError,
    SQLAlchemyError,
)

from hardlab.errors import ReportFormatError, SchemaOutOfDateError, StorageError
from hardlab.storage import _migrate
from hardlab.storage._capability import capability_select
from hardlab.storage._messages import RunMessage
from hardlab.storage._orm import (
    CaseRow,
    DocumentRow,
    MeasurementRow,
    ModuleRow,
    OperatorEventRow,
    RunRow,
)
from hardlab.storage._outbox import Outbox
from hardlab.storage._queries import (
    YIELD_BY,
    Attempts,
    CapabilityMethod,
    FilterLike,
    case_pareto_select,
    cases_select,
    error_code_pareto_select,
    measurements_select,
    run_values_select,
    runs_count_select,
    runs_select,
    units_select,
    yields_select,
)
from hardlab.storage._rows import (
    rebuild_document,
)
from hardlab.storage._spool import SpoolResult, spooled_runs
from hardlab.storage._spool import flush as flush_spool
from hardlab.storage._url import resolve_url
from hardlab.storage._version import revision_problem
from hardlab.storage._write import OPEN, STALE_AFTER, RunWriter, pid_alive

if TYPE_CHECKING:
    # pydantic is left out of the writer process, which never needs it
    from hardlab.config import HardpyConfig
    from hardlab.model.report import ResultRunStore
    from hardlab.storage._import import EarlierAttempt

__all__ = ["STALE_AFTER", "Rows", "Store", "pid_alive"]

_OPEN = OPEN


@dataclass(frozen=True)
class Rows:
    """Query results: column names and rows of plain values."""

    columns: tuple[str, ...]
    records: list[tuple[Any, ...]]

    def dicts(self) -> list[dict[str, Any]]:
        """The rows as dicts."""
        return [dict(zip(self.columns, record, strict=True)) for record in self.records]


def _now() -> datetime:
    return datetime.now(timezone.utc)


@contextlib.contextmanager
def _translate(what: str, url: str) -> Iterator[None]:
    """Turn database errors into `StorageError` that says what was being done, and where.

    Errors the database may get over by itself (a lock held too long, a
    dropped connection) are marked ``transient``; the writer retries those.
    """
    try:
        yield
    except (SchemaOutOfDateError, StorageError):
        raise
    except SQLAlchemyError as exc:
        detail = str(exc.orig) if isinstance(exc, DBAPIError) else str(exc)
        msg = f"{what} failed on {_safe(url)}: {detail.strip().splitlines()[0]}"
        error = StorageError(msg)
        error.transient = isinstance(exc, (OperationalError, InterfaceError))
        raise error from exc


class _DriverSql:
    """`hardlab.storage._write.Executor` on a SQLAlchemy connection: the driver's SQL as is.

    Errors still come as SQLAlchemy's (which `_translate` turns into
    `StorageError`), and a lost PostgreSQL connection is noticed by the pool.
    """

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def execute(self, sql: str, parameters: Sequence[Any] = (), /) -> Any:
        return self._conn.exec_driver_sql(sql, tuple(parameters))

    def executemany(self, sql: str, seq_of_parameters: Iterable[Sequence[Any]], /) -> Any:
        return self._conn.exec_driver_sql(sql, [tuple(p) for p in seq_of_parameters])


def _safe(url: str) -> str:
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return url


def _common_prefix(one: str, other: str) -> int:
    length = 0
    for a, b in zip(one, other, strict=False):
        if a != b:
            break
        length += 1
    return length


class Store:
    """Every run in one SQL database: written as runs go, read as history.

    Building a `Store` does no I/O; the engine is made, the schema checked
    (and created in a new database) and dead runs marked ``interrupted`` on
    first use. Use it as a context manager, or call `close`.

    Args:
        url: Database URL or SQLite file path; see `resolve_url` for the default.
        config: A ``hardpy.toml`` whose ``[database] url`` applies when `url` is None.
        engine: An engine to use instead of making one from the URL.

    Example:
        ```python
        with Store() as store:
            report = store.get_report(run_id)
        ```
    """

    def __init__(
        self,
        url: str | os.PathLike[str] | None = None,
        *,
        config: HardpyConfig | None = None,
        engine: Engine | None = None,
    ) -> None:
        if engine is not None:
            self.url = engine.url.render_as_string(hide_password=False)
        else:
            self.url = resolve_url(url, config)
            try:
                make_url(self.url)
            except ArgumentError as exc:
                from hardlab.errors import ConfigError

                msg = (
                    f"store URL {self.url!r} is not a database URL; use a file path, "
                    "sqlite:///path/to/file.db or postgresql://user@host/db"
                )
                raise ConfigError(msg) from exc
        self._engine = engine
        self._writer: Engine | None = None
        self._checked = False

    def __repr__(self) -> str:
        return f"Store({_safe(self.url)!r})"

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Release the database connections."""
        if self._engine is not None:
            self._engine.dispose()
        self._engine = None
        self._writer = None
        self._checked = False

    @property
    def outbox(self) -> Outbox:
        """The reports this store owes StandCloud (see `hardlab.storage.Outbox`)."""
        return Outbox(self)

    # ------------------------------------------------------------------ engine

    @property
    def dialect(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return make_url(self.url).get_backend_name()

    def exists(self) -> bool:
        """False for an SQLite store whose file is not there yet (reading it would create it).

        A server database (PostgreSQL) always exists; this does no I/O there.
        """
        url = make_url(self.url)
        if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
            return True
        return Path(str(url.database)).exists()

    @property
    def engine(self) -> Engine:
        """The SQLAlchemy engine (made on first use)."""
        if self._engine is None:
            self._engine = self._make_engine()
        return self._engine

    def _make_engine(self) -> Engine:
        url = make_url(self.url)
        backend = url.get_backend_name()
        if backend == "sqlite":
            database = url.database
            if database and database != ":memory:":
                Path(database).parent.mkdir(parents=True, exist_ok=True)
            engine = create_engine(url, connect_args={"timeout": 60})

            @event.listens_for(engine, "connect")
            def _sqlite_connect(dbapi_connection: Any, record: Any) -> None:
                # Let SQLAlchemy, not the driver, decide where transactions begin
                # (pysqlite's own handling breaks BEGIN IMMEDIATE).
                dbapi_connection.isolation_level = None
                cursor = dbapi_connection.cursor()
                cursor.execute("PRAGMA journal_mode=WAL")
                cursor.execute("PRAGMA synchronous=NORMAL")
                cursor.execute("PRAGMA foreign_keys=ON")
                cursor.execute("PRAGMA busy_timeout=60000")
                cursor.close()

            @event.listens_for(engine, "begin")
            def _sqlite_begin(connection: Connection) -> None:
                # Writers take the write lock up front: a deferred transaction
                # that reads first and writes later can deadlock against
                # another writer, which SQLite reports as "database is locked".
                immediate = connection.get_execution_options().get("hardlab_write")
                connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

            return engine
        if backend == "postgresql":
            try:
                engine = create_engine(url, pool_pre_ping=True)
            except ImportError as exc:  # pragma: no cover - depends on the installation
                from hardlab.errors import MissingExtraError

                raise MissingExtraError("postgres", "psycopg") from exc

            @event.listens_for(engine, "connect")
            def _pg_connect(dbapi_connection: Any, record: Any) -> None:
                with dbapi_connection.cursor() as cursor:
                    cursor.execute("SET TIME ZONE 'UTC'")
                dbapi_connection.commit()

            return engine
        msg = f"hardlab stores runs in SQLite or PostgreSQL, not {backend} ({_safe(self.url)})"
        raise StorageError(msg)

    @contextlib.contextmanager
    def _write(self, what: str) -> Iterator[Connection]:
        """A write transaction (SQLite: BEGIN IMMEDIATE; PostgreSQL: as usual)."""
        self._prepare()
        if self._writer is None:
            self._writer = self.engine.execution_options(hardlab_write=True)
        with _translate(what, self.url), self._writer.begin() as connection:
            yield connection

    @contextlib.contextmanager
    def _read(self, what: str) -> Iterator[Connection]:
        self._prepare()
        with _translate(what, self.url), self.engine.connect() as connection:
            yield connection

    # ------------------------------------------------------------------ schema

    def _prepare(self) -> None:
        if self._checked:
            return
        self._checked = True
        try:
            self._ensure_schema()
            self.recover()
        except BaseException:
            self._checked = False
            raise

    def _ensure_schema(self) -> None:
        writer = self.engine.execution_options(hardlab_write=True)
        with _translate("opening the store", self.url):
            with self.engine.connect() as connection:
                revision = _migrate.current_revision(connection)
            if revision == _migrate.SCHEMA_HEAD:
                return
            if revision is not None:
                raise self._out_of_date(revision)
            with writer.begin() as connection:
                if self.dialect == "postgresql":
                    # several stands may create the schema at once: one does, the others wait
                    connection.execute(text("SELECT pg_advisory_xact_lock(4242424242)"))
                revision = _migrate.current_revision(connection)
                if revision is None:
                    if inspect(connection).has_table(RunRow.__tablename__):
                        # tables without a version: let the migrations sort it out
                        _migrate.upgrade(connection)
                    else:
                        _migrate.create_fresh(connection)
                elif revision != _migrate.SCHEMA_HEAD:
                    raise self._out_of_date(revision)

    def _out_of_date(self, revision: str) -> Exception:
        problem = revision_problem(revision, _safe(self.url))
        if problem is None:  # pragma: no cover - only called for other revisions
            return StorageError(f"unexpected schema revision {revision}")
        kind, message = problem
        return SchemaOutOfDateError(message) if kind == "old" else StorageError(message)

    def revision(self) -> str | None:
        """The schema revision of the database (None for an empty one)."""
        with _translate("reading the schema revision", self.url), self.engine.connect() as conn:
            return _migrate.current_revision(conn)

    def upgrade(self) -> str:
        """Migrate the database to this hardlab's schema (creating it if empty).

        Returns:
            The revision the database is at now.

        Raises:
            StorageError: If the migration fails (nothing is changed then).
        """
        writer = self.engine.execution_options(hardlab_write=True)
        with _translate("upgrading the store", self.url), writer.begin() as connection:
            if self.dialect == "postgresql":
                connection.execute(text("SELECT pg_advisory_xact_lock(4242424242)"))
            _migrate.upgrade(connection)
        self._checked = False
        return _migrate.SCHEMA_HEAD

    # ------------------------------------------------------------------ liveness

    def recover(self, *, stale_after: timedelta = STALE_AFTER) -> list[str]:
        """Mark runs whose process died as ``interrupted``; return their ids.

        A run is dead when its writer ran on this computer and that process is
        gone, or when its writer has not written for `stale_after`.
        """
        now = _now()
        with _translate("checking for interrupted runs", self.url), self.engine.connect() as conn:
            open_runs = self._runs(conn).open_runs()
        host = socket.gethostname()
        # a run kept in this computer's spool is not dead: the rest of it is coming
        waiting = spooled_runs(self.url) if open_runs else set()
        dead = [
            run.id
            for run in open_runs
            if run.dead(host, now, stale_after) and run.id not in waiting
        ]
        for run_id in dead:
            self.interrupt(run_id)
        return dead

    def interrupt(self, run_id: str) -> None:
        """Mark an unfinished run ``interrupted`` (its finished cases stay as they are)."""
        with self._write("marking a run interrupted") as conn:
            self._runs(conn).interrupt(run_id)

    def heartbeat(self, run_id: str) -> None:
        """Record that the run's writer is alive."""
        with self._write("recording a heartbeat") as conn:
            self._runs(conn).heartbeat(run_id)

    # ------------------------------------------------------------------ writing

    def _runs(self, conn: Connection) -> RunWriter:
        """The run writer (`hardlab.storage._write`) on `conn`'s driver connection."""
        return RunWriter(_DriverSql(conn), self.dialect)

    def apply(self, messages: Iterable[RunMessage | Mapping[str, Any]]) -> None:
        """Write a batch of run messages in one transaction.

        Messages are what `hardlab.storage.StoreSink` sends as a run goes:
        ``start``, ``meta``, ``attempt``, ``module`` and ``finish``
        (`hardlab.storage._messages`, or dicts of their fields with their
        ``op``); each is idempotent, so a batch written twice leaves the same rows.

        Raises:
            ValueError: If a dict is not a run message.
        """
        with self._write("writing a run") as conn:
            self._runs(conn).apply(messages)

    def flush_spool(self, folder: Path | None = None) -> SpoolResult:
        """Write the runs this computer kept for the store while it was unavailable.

        A run whose store was unreachable, full or read-only at its end is kept
        in hardlab's ``unsaved`` folder (`folder`) as the messages its writer
        could not commit; every writer that opens the store writes them, and so
        does this (``hardlab db flush``). Each is written whole or kept.

        Returns:
            The runs written, those still kept for this store (and why), and
            those kept for other stores.
        """
        return flush_spool(self, self.url, folder)

    def spooled_runs(self, folder: Path | None = None) -> set[str]:
        """The ids of the runs this computer keeps for the store (see `flush_spool`)."""
        return spooled_runs(self.url, folder)

    def save_report(
        self,
        report: ResultRunStore,
        *,
        run_id: str | None = None,
        source: str = "import",
        attempts: Sequence[Mapping[str, Any]] = (),
    ) -> tuple[str, bool]:
        """Store a whole report at once (imports, and runs without a live writer).

        Args:
            report: The report.
            run_id: Its id; default: the report's ``id`` if that is a UUID,
                else a digest of its content, so the same report is stored once.
            source: ``import`` or ``run``.
            attempts: Earlier attempts to store beside the final ones, as
                ``attempt`` messages.

        Returns:
            The run id, and whether the report was new (False: it was already there).
        """
        from hardlab.storage._sink import report_run_id

        document = report.model_dump(mode="json")
        run_id = run_id or report_run_id(report)
        with self._write("storing a report") as conn:
            new = self._runs(conn).store_report(run_id, document, source=source, attempts=attempts)
        return run_id, new

    def import_report(
        self,
        report: ResultRunStore,
        *,
        run_id: str | None = None,
        attempts: Sequence[EarlierAttempt] = (),
        upload: Mapping[str, str] | None = None,
    ) -> tuple[str, bool]:
        """Store a report from elsewhere once, however often it is imported.

        A report is already there when the store has a run under its id, or
        a run with the same content under another id: the same run comes as
        a `JsonLoader` file (a UUID id), a CouchDB document (``report_<stop
        time>_<serial>``), HardPy's live runstore document and its history
        copy. Reports are then compared without their ``id`` and ``rev``; two
        reports that both carry a UUID are two runs, however alike.

        Args:
            report: The report.
            run_id: The hardlab run id the document carries, if any; used when
                it is a UUID, else the report's own UUID, else a digest of
                its content (`report_run_id`).
            attempts: Earlier attempts of its cases (`hardlab.exchange.CaseAttempt`,
                as an OpenHTF record's REPEAT phases give them), stored beside
                the final ones the report shows.
            upload: ``{"address": host[:port], "api_mode": "hardpy"}``: owe
                StandCloud the report once it is stored (what a run whose store
                failed meant to do); None: do not.

        A run stored ``interrupted`` under the report's id (its writer died;
        its run kept the full report as a file) is completed from the report:
        the cases it lacks are stored, it gets the report's final state, and
        the report is new.

        Returns:
            The run id, and whether the report was new (False: the store had
            it, under this id or with the same content under another).

        Raises:
            StorageError: If the store cannot be read or refuses the report.
        """
        from hardlab.storage._import import (
            as_uuid,
            attempt_messages,
            complete_partial,
            same_report,
            stored_status,
        )
        from hardlab.storage._sink import report_run_id

        full_id = as_uuid(run_id) or report_run_id(report)
        # reads first: most reports of a repeated import are there, and a read
        # takes no write lock
        with self._read("looking for the same report") as conn:
            status = stored_status(conn, full_id)
            same = None if status is not None else same_report(conn, report)
        if status == OPEN and report.status not in ("run", "ready"):
            # a writer that died and was not yet noticed
            self.recover()
        if status in ("interrupted", OPEN) and report.status not in ("run", "ready"):
            with self._write("completing an interrupted run") as conn:
                # checked again under the write lock: two imports complete it once
                if stored_status(conn, full_id) == "interrupted":
                    complete_partial(conn, self._runs(conn), full_id, report, upload)
                    return full_id, True
            return full_id, False
        if status is not None:
            return full_id, False
        if same is not None:
            return same, False
        with self._write("storing a report") as conn:
            writer = self._runs(conn)
            document = report.model_dump(mode="json")
            messages = attempt_messages(report, attempts)
            new = writer.store_report(full_id, document, source="import", attempts=messages)
            if new and upload is not None:
                # owed to StandCloud in the same transaction as the run
                writer.queue_upload(full_id, upload["address"], upload.get("api_mode", "hardpy"))
        return full_id, new

    def delete_run(self, run_id: str) -> bool:
        """Delete a run and everything it recorded; True if it existed.

        Its measurements stay counted in the weekly statistics (a deletion
        does not rewrite history aggregates).
        """
        with self._write("deleting a run") as conn:
            # through the case rows: measurements have no index on run_id
            cases = select(CaseRow.id).where(CaseRow.run_id == run_id)
            conn.execute(delete(MeasurementRow).where(MeasurementRow.case_row_id.in_(cases)))
            conn.execute(delete(CaseRow).where(CaseRow.run_id == run_id))
            conn.execute(delete(ModuleRow).where(ModuleRow.run_id == run_id))
            conn.execute(delete(DocumentRow).where(DocumentRow.run_id == run_id))
            conn.execute(delete(OperatorEventRow).where(OperatorEventRow.run_id == run_id))
            result = conn.execute(delete(RunRow).where(RunRow.id == run_id))
            return bool(result.rowcount)

    # ------------------------------------------------------------------ reading

    def run_row(self, run_id: str) -> dict[str, Any]:
        """The run's row as a dict (without its document).

        Raises:
            StorageError: If there is no such run.
        """
        with self._read("reading a run") as conn:
            full = self._full_id(conn, run_id)
            row = conn.execute(select(RunRow.__table__).where(RunRow.id == full)).one()
        return dict(row._mapping)

    def _full_id(self, conn: Connection, run_id: str) -> str:
        """Accept a unique prefix of a run id, as git accepts short hashes.

        An ambiguous prefix is refused with the runs it matches (the first
        ten, by id: time order), so the right one can be picked from the message.
        """
        shown = 10
        rows = conn.execute(
            select(RunRow.id, RunRow.name, RunRow.dut_serial_number, RunRow.status)
            .where(RunRow.id.startswith(run_id, autoescape=True))
            .order_by(RunRow.id)
            .limit(shown + 1)
        ).all()
        if not rows:
            msg = f"no run {run_id!r} in {_safe(self.url)} (list runs with: hardlab runs)"
            raise StorageError(msg)
        if len(rows) > 1:
            # repr: a stored name is whatever the test wrote, escape sequences included
            lines = [
                f"  {row.id}  {row.status}  {row.name!r}"
                + (f"  {row.dut_serial_number!r}" if row.dut_serial_number else "")
                for row in rows[:shown]
            ]
            if len(rows) > shown:
                lines.append("  ... and more (list them with: hardlab runs)")
            msg = (
                f"run id {run_id!r} is ambiguous in {_safe(self.url)}; give more characters. "
                "It matches:\n" + "\n".join(lines)
            )
            raise StorageError(msg)
        return str(rows[0].id)

    def short_ids(self, run_ids: Sequence[str], *, min_length: int = 1) -> dict[str, str]:
        """The shortest prefix of each run id that names it alone in this store.

        A run id is accepted wherever a unique prefix of it is (as git accepts
        short hashes). The prefix grows until it differs from both neighbours
        of the id in the store, and never ends in ``-``.

        Args:
            run_ids: The runs (ids not in the store come back whole).
            min_length: Prefixes have at least this many characters.

        Returns:
            ``{run id: its prefix}`` for every id in `run_ids`.
        """
        if not run_ids:
            return {}
        from sqlalchemy import func

        outer = RunRow.__table__.alias("outer_run")
        before = select(func.max(RunRow.id)).where(RunRow.id < outer.c.id).scalar_subquery()
        after = select(func.min(RunRow.id)).where(RunRow.id > outer.c.id).scalar_subquery()
        rows = self._execute(
            select(outer.c.id, before, after).where(outer.c.id.in_(list(run_ids))),
            "shortening run ids",
        )
        shortest = {}
        for run_id, *neighbours in rows.records:
            common = max(
                (_common_prefix(run_id, other) for other in neighbours if other), default=0
            )
            length = max(min_length, common + 1)
            if run_id[length - 1 : length] == "-":
                length += 1
            shortest[run_id] = run_id[:length]
        return {run_id: shortest.get(run_id, run_id) for run_id in run_ids}

    def get_report(self, run_id: str) -> ResultRunStore:
        """The run's report (HardPy's schema v1); an unfinished run's is rebuilt from its rows.

        Raises:
            StorageError: If there is no such run.
            ReportFormatError: If the stored document does not validate.
        """
        with self._read("reading a report") as conn:
            full = self._full_id(conn, run_id)
            run = dict(
                conn.execute(select(RunRow.__table__).where(RunRow.id == full)).one()._mapping
            )
            document = conn.execute(
                select(DocumentRow.document).where(DocumentRow.run_id == full)
            ).scalar()
            if run["status"] in (_OPEN, "interrupted"):
                modules = [
                    dict(m._mapping)
                    for m in conn.execute(
                        select(ModuleRow.__table__).where(ModuleRow.run_id == full)
                    )
                ]
                cases = [
                    dict(c._mapping)
                    for c in conn.execute(
                        select(CaseRow.__table__)
                        .where(CaseRow.run_id == full)
                        .order_by(CaseRow.position)
                    )
                ]
                measurements = [
                    dict(m._mapping)
                    for m in conn.execute(
                        select(MeasurementRow.__table__).where(
                            MeasurementRow.case_row_id.in_(
                                select(CaseRow.id).where(CaseRow.run_id == full)
                            )
                        )
                    )
                ]
                document = rebuild_document(document, run, modules, cases, measurements)
        from hardlab.model.report import ResultRunStore

        try:
            return ResultRunStore.model_validate(document)
        except ValueError as exc:
            raise ReportFormatError(f"run {full}: stored report does not validate: {exc}") from exc

    def attempts(self, run_id: str) -> list[dict[str, Any]]:
        """Every stored attempt of every case of a run, in order, with its measurements."""
        with self._read("reading attempts") as conn:
            full = self._full_id(conn, run_id)
            cases = conn.execute(
                select(CaseRow.__table__)
                .where(CaseRow.run_id == full)
                .order_by(CaseRow.position, CaseRow.attempt)
            ).all()
            measurements = conn.execute(
                select(MeasurementRow.__table__)
                .where(
                    MeasurementRow.case_row_id.in_(select(CaseRow.id).where(CaseRow.run_id == full))
                )
                .order_by(MeasurementRow.case_row_id, MeasurementRow.position)
            ).all()
        by_case: dict[int, list[dict[str, Any]]] = {}
        for meas in measurements:
            by_case.setdefault(meas.case_row_id, []).append(dict(meas._mapping))
        result = []
        for case in cases:
            values = dict(case._mapping)
            # a measurement row names its case attempt by row id alone; its
            # dict names it as it always did
            named = {"module_id": case.module_id, "case_id": case.case_id, "attempt": case.attempt}
            values["measurements"] = [{**meas, **named} for meas in by_case.get(case.id, [])]
            result.append(values)
        return result

    def operator_events(self, run_id: str) -> list[dict[str, Any]]:
        """The dialogs asked during a run (with their answers) and its operator messages, in order.

        Each is a row of ``hardlab_operator_events`` as a dict: ``kind``
        (``dialog`` or ``message``), ``title``, ``text``, ``widget``,
        ``state``, ``result``, ``answer``, ``user_name``, ``asked_at``,
        ``answered_at``, the case that asked, ... (a hardlab extra: HardPy's
        report has no place for them).
        """
        with self._read("reading operator events") as conn:
            full = self._full_id(conn, run_id)
            rows = conn.execute(
                select(OperatorEventRow.__table__)
                .where(OperatorEventRow.run_id == full)
                .order_by(OperatorEventRow.position)
            ).all()
        return [dict(row._mapping) for row in rows]

    def count_runs(self, run_filter: FilterLike = None) -> int:
        """How many runs the store holds (those matching `run_filter`, if given)."""
        with self._read("counting runs") as conn:
            return int(conn.execute(runs_count_select(run_filter)).scalar_one())

    def runs(
        self, run_filter: FilterLike = None, *, limit: int | None = None, offset: int = 0
    ) -> Rows:
        """Runs matching `run_filter`, newest first (no documents).

        Args:
            run_filter: Which runs.
            limit: At most this many.
            offset: Skip this many of the newest first (one page after another:
                ``offset=0, limit=50``, then ``offset=50``, ...).
        """
        return self._execute(runs_select(run_filter, limit=limit, offset=offset), "listing runs")

    def run_values(self, field: str, run_filter: FilterLike = None) -> list[str]:
        """The distinct values of a run field among the matching runs, sorted (for filter menus).

        Args:
            field: ``part_number``, ``serial_number``, ``stand``, ``status`` or ``name``.
            run_filter: Which runs.

        Raises:
            ValueError: If `field` is not one of those.
        """
        rows = self._execute(run_values_select(field, run_filter), f"listing {field} values")
        return [str(record[0]) for record in rows.records]

    # History questions: each is one SELECT from `hardlab.storage._queries`
    # (whose docstrings give the columns and counting rules); `hardlab.views`
    # turns the rows into DataFrames.

    def cases(
        self,
        run_filter: FilterLike = None,
        *,
        case: str | Sequence[str] | None = None,
        attempts: Attempts = "all",
        limit: int | None = None,
    ) -> Rows:
        """Case attempts of the matching runs, in run and plan order (see `cases_select`)."""
        statement = cases_select(run_filter, case=case, attempts=attempts, limit=limit)
        return self._execute(statement, "listing cases")

    def measurements(
        self,
        run_filter: FilterLike = None,
        *,
        measurement: str | Sequence[str] | None = None,
        case: str | Sequence[str] | None = None,
        attempts: Attempts = "all",
        numeric: bool = False,
        limit: int | None = None,
    ) -> Rows:
        """Measurements of the matching runs, in run and plan order (see `measurements_select`)."""
        statement = measurements_select(
            run_filter,
            measurement=measurement,
            case=case,
            attempts=attempts,
            numeric=numeric,
            limit=limit,
        )
        return self._execute(statement, "listing measurements")

    def units(self, run_filter: FilterLike = None) -> Rows:
        """Units with a serial number: cohort, first and final status, retests (`units_select`)."""
        statement = units_select(run_filter, with_serial_only=True)
        c = statement.selected_columns
        statement = statement.order_by(c.retests.desc(), c.part_number, c.serial_number)
        return self._execute(statement, "counting retests")

    def yields(
        self, run_filter: FilterLike = None, *, by: Sequence[str] = YIELD_BY, final: bool = True
    ) -> Rows:
        """First-pass (and with `final`, final) yield per cohort group (see `yields_select`)."""
        return self._execute(yields_select(run_filter, by=by, final=final), "computing yields")

    def case_failures(self, run_filter: FilterLike = None) -> Rows:
        """Failure pareto by case (see `case_pareto_select`)."""
        return self._execute(case_pareto_select(run_filter), "counting case failures")

    def error_code_failures(self, run_filter: FilterLike = None) -> Rows:
        """Failure pareto by error code (see `error_code_pareto_select`)."""
        return self._execute(error_code_pareto_select(run_filter), "counting error codes")

    def capability(
        self,
        run_filter: FilterLike = None,
        *,
        measurement: str | Sequence[str] | None = None,
        by: Sequence[str] = (),
        attempts: Attempts = "final",
        method: CapabilityMethod = "auto",
    ) -> Rows:
        """n, mean, M2, range, pass/fail per numeric measurement (see `capability_select`)."""
        statement = capability_select(
            run_filter, measurement=measurement, by=by, attempts=attempts, method=method
        )
        return self._execute(statement, "computing capability statistics")

    def what_if(
        self, run_filter: FilterLike, limits: Mapping[str, tuple[float | None, float | None]]
    ) -> Rows:
        """Units whose first run new limits flip, then a row of totals (`what_if_select`)."""
        from hardlab.storage._limits import what_if_select

        return self._execute(what_if_select(run_filter, limits), "re-evaluating runs")

    def _execute(self, statement: Any, what: str = "a query") -> Rows:
        """Run a SQLAlchemy SELECT and return its `Rows` (the named queries above use it)."""
        with self._read(what) as conn:
            result = conn.execute(statement)
            return Rows(tuple(result.keys()), [tuple(row) for row in result])
