"""The tables: runs, modules, cases (one row per attempt), measurements, operator events, and more.

Besides those: weekly statistics, the StandCloud outbox, and every dialog and
operator message of a run (``hardlab_operator_events``).

Every run keeps its whole report document (HardPy's schema v1) once, as
zlib-compressed JSON (`PackedJSON`) in ``hardlab_documents``, and the fields
people filter and aggregate on are columns of ``hardlab_runs``. Cases are stored per
attempt, so retries are never lost. ``hardlab_measurement_weekly`` keeps
running statistics per measurement, week, part number and stand (updated in
the transaction that stores a run's end), so Cpk over years of history
reads a few thousand rows instead of millions.

After changing a table, developers write its migration (they ship in the
package) and regenerate what the writer process knows of the tables
(`hardlab.storage._schema`; a test fails until it matches)::

    alembic -c hardlab/storage/alembic.ini revision --autogenerate -m "..."
    python -m hardlab.storage._schemagen

Users run ``hardlab db upgrade``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.dialects.sqlite import DATETIME as SQLITE_DATETIME
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from hardlab.storage._types import bind_time, pack_json, read_time, sqlite_micros, unpack_json

__all__ = [
    "Base",
    "CaseRow",
    "DocumentRow",
    "MeasurementRow",
    "MeasurementWeekly",
    "MicroTime",
    "ModuleRow",
    "OperatorEventRow",
    "OutboxRow",
    "PackedJSON",
    "RunRow",
    "UTCDateTime",
]


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC timestamp on every database.

    PostgreSQL keeps ``timestamptz``; SQLite, which has no timestamp type,
    gets UTC wall time as text, and the time zone is put back on reading
    (`hardlab.storage._types`, which the writer process uses too).
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return bind_time(value, dialect.name)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return read_time(value)


class _SqliteMicros(SQLITE_DATETIME):
    """SQLite's ``DATETIME`` column as `MicroTime` fills it: the integer goes in and out as is."""

    def bind_processor(self, dialect: Dialect) -> None:
        return None

    def result_processor(self, dialect: Dialect, coltype: object) -> None:
        return None


class MicroTime(TypeDecorator[datetime]):
    """A timezone-aware UTC timestamp, kept small on SQLite: a case attempt's start and stop.

    PostgreSQL keeps ``timestamptz``, as `UTCDateTime`. SQLite keeps UTC
    microseconds since 1970 as an integer (`hardlab.storage._types.sqlite_micros`):
    8 bytes instead of 26 characters of text, 1.8 KB of a 50-case run. The
    column is declared ``DATETIME`` all the same (SQLite stores the integer
    as one), and the time zone is put back on reading.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> Any:
        if dialect.name == "sqlite":
            return _SqliteMicros()  # type: ignore[no-untyped-call]  # SQLAlchemy untyped
        return dialect.type_descriptor(DateTime(timezone=True))

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if dialect.name == "sqlite":
            return sqlite_micros(value)
        return bind_time(value, dialect.name)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        return read_time(value)


class PackedJSON(TypeDecorator[Any]):
    """A JSON document kept zlib-compressed (``bytea`` / ``BLOB``): a run's report.

    A report is written once and read whole (never queried inside), so it is
    kept small rather than queryable: a 50-case report of 20 KB takes under
    2 KB. The writer process packs it with the same function
    (`hardlab.storage._types.pack_json`).
    """

    impl = LargeBinary
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> bytes | None:
        return pack_json(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> Any:
        return unpack_json(value)


# None is SQL NULL, not JSON null: nothing stored for what a case or module lacks
JSONDocument = JSON(none_as_null=True).with_variant(JSONB(none_as_null=True), "postgresql")
BigId = BigInteger().with_variant(Integer(), "sqlite")  # SQLite rowids are INTEGER


class Base(DeclarativeBase):
    """Declarative base: stable constraint names and the shared column types."""

    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(column_0_label)s",
            "uq": "uq_%(table_name)s_%(column_0_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )
    type_annotation_map = {
        datetime: UTCDateTime(),
        dict[str, Any]: JSONDocument,
        str: String(255),
    }


class RunRow(Base):
    """One run: who, what, where, when and how it ended (its report: `DocumentRow`)."""

    __tablename__ = "hardlab_runs"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str]
    status: Mapped[str] = mapped_column(String(16))
    """HardPy's run status; ``interrupted`` for a run whose process died; ``error`` for a run
    whose plan could not run (its report, as HardPy's, says ``failed``)."""
    started_at: Mapped[datetime | None]
    stopped_at: Mapped[datetime | None]
    duration_s: Mapped[float | None]
    dut_serial_number: Mapped[str | None]
    dut_part_number: Mapped[str | None]
    dut_name: Mapped[str | None]
    dut_type: Mapped[str | None]
    dut_revision: Mapped[str | None]
    batch_serial_number: Mapped[str | None]
    user_name: Mapped[str | None]
    stand_name: Mapped[str | None]
    stand_hw_id: Mapped[str | None]
    stand_location: Mapped[str | None]
    stand_number: Mapped[int | None]
    stand_revision: Mapped[str | None]
    stand_timezone: Mapped[str | None]
    process_name: Mapped[str | None]
    process_number: Mapped[int | None]
    error_code: Mapped[int | None]
    caused_dut_failure_id: Mapped[str | None] = mapped_column(String(512))
    exit_code: Mapped[int | None]
    plan_error: Mapped[str | None] = mapped_column(Text)
    """Why the plan could not run (pytest's collection errors, nothing selected); else None."""
    progress: Mapped[int] = mapped_column(default=0)
    cases_passed: Mapped[int] = mapped_column(default=0)
    cases_failed: Mapped[int] = mapped_column(default=0)
    cases_skipped: Mapped[int] = mapped_column(default=0)
    slot: Mapped[int | None]
    """The stand slot the run occupied (``hardlab run --slots``), None for a one-board stand."""
    source: Mapped[str] = mapped_column(String(16), default="run")
    """``run`` for runs hardlab ran, ``import`` for reports brought in from files."""
    aggregated: Mapped[bool] = mapped_column(default=False)
    """Whether the run's measurements are in ``hardlab_measurement_weekly`` (done once it ends)."""
    host: Mapped[str | None]
    writer_pid: Mapped[int | None]
    heartbeat_at: Mapped[datetime | None]

    __table_args__ = (
        Index("ix_hardlab_runs_part_started", "dut_part_number", "started_at"),
        Index("ix_hardlab_runs_serial", "dut_serial_number", "dut_part_number", "started_at"),
        Index("ix_hardlab_runs_stand_started", "stand_name", "started_at"),
        Index("ix_hardlab_runs_started", "started_at"),
        Index("ix_hardlab_runs_status", "status"),
        Index("ix_hardlab_runs_name", "name"),
        Index("ix_hardlab_runs_stand_slot", "stand_name", "slot"),
    )


class DocumentRow(Base):
    """A run's report (HardPy schema v1) as the run left it, compressed (`PackedJSON`).

    Kept beside the run's row rather than in it: run rows stay a few hundred
    bytes, so questions over every run (first-pass yield) read a few
    megabytes, and two compressed reports share a page.
    """

    __tablename__ = "hardlab_documents"

    run_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("hardlab_runs.id", ondelete="CASCADE"), primary_key=True
    )
    document: Mapped[dict[str, Any] | None] = mapped_column(PackedJSON())


class ModuleRow(Base):
    """One module (test file) of a run."""

    __tablename__ = "hardlab_modules"

    run_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("hardlab_runs.id", ondelete="CASCADE"), primary_key=True
    )
    module_id: Mapped[str] = mapped_column(primary_key=True)
    position: Mapped[int]
    name: Mapped[str]
    group: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    started_at: Mapped[datetime | None]
    stopped_at: Mapped[datetime | None]
    artifact: Mapped[dict[str, Any] | None]


class CaseRow(Base):
    """One attempt of one case; ``final`` marks the attempt the report shows."""

    __tablename__ = "hardlab_cases"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    run_id: Mapped[str] = mapped_column(String(36))
    module_id: Mapped[str]
    case_id: Mapped[str]
    attempt: Mapped[int]
    final: Mapped[bool]
    position: Mapped[int]
    module_name: Mapped[str]
    case_name: Mapped[str]
    group: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    started_at: Mapped[datetime | None] = mapped_column(MicroTime())
    stopped_at: Mapped[datetime | None] = mapped_column(MicroTime())
    duration_ms: Mapped[float | None]
    assertion_msg: Mapped[str | None] = mapped_column(Text)
    messages: Mapped[dict[str, Any] | None]
    artifact: Mapped[dict[str, Any] | None]
    chart: Mapped[dict[str, Any] | None]

    __table_args__ = (
        ForeignKeyConstraint(
            ["run_id"], ["hardlab_runs.id"], ondelete="CASCADE", name="fk_hardlab_cases_run"
        ),
        UniqueConstraint("run_id", "module_id", "case_id", "attempt", name="uq_hardlab_cases_key"),
        Index("ix_hardlab_cases_case_status", "case_id", "status"),
        Index("ix_hardlab_cases_name", "case_name"),
    )


class MeasurementRow(Base):
    """One measurement of one case attempt; numeric and string values in their own columns."""

    __tablename__ = "hardlab_measurements"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    run_id: Mapped[str] = mapped_column(String(36))
    case_row_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("hardlab_cases.id", ondelete="CASCADE")
    )
    """The case attempt measured: its row has the module, case and attempt."""
    final: Mapped[bool]
    position: Mapped[int]
    kind: Mapped[str] = mapped_column(String(8))
    """``numeric`` or ``string``."""
    name: Mapped[str | None]
    value_num: Mapped[float | None] = mapped_column(Float)
    value_str: Mapped[str | None] = mapped_column(Text)
    unit: Mapped[str | None] = mapped_column(String(32))
    operation: Mapped[str | None] = mapped_column(String(8))
    comparison_num: Mapped[float | None] = mapped_column(Float)
    comparison_str: Mapped[str | None] = mapped_column(Text)
    lower_limit: Mapped[float | None] = mapped_column(Float)
    upper_limit: Mapped[float | None] = mapped_column(Float)
    spec_lower: Mapped[float | None] = mapped_column(Float)
    """The lower specification limit the operation implies (for Cp/Cpk), or None."""
    spec_upper: Mapped[float | None] = mapped_column(Float)
    """The upper specification limit the operation implies (for Cp/Cpk), or None."""
    casesensitive: Mapped[bool | None]
    result: Mapped[bool | None]

    # ``run_id`` and ``final`` repeat the case row's, for questions over every
    # measurement (Cpk, what_if) that then need no case row; the module, case
    # and attempt are read from the case row (``case_row_id``). ``run_id`` has
    # neither an index nor a foreign key of its own (a run's measurements are
    # found, and deleted, through its case rows), which saves a tenth of the store
    __table_args__ = (
        # with the value: what_if reads only the values outside new limits
        Index("ix_hardlab_measurements_name", "name", "final", "value_num"),
        Index("ix_hardlab_measurements_case_row", "case_row_id"),
    )


class MeasurementWeekly(Base):
    """Running statistics of one numeric measurement per week, part number, stand and limits.

    Weeks are UTC and start on Monday; a run counts in the week of its
    start. ``mean`` and ``m2`` (sum of squared deviations) combine exactly
    across rows (Chan's parallel formula), without the cancellation that
    sums of squares suffer for values far from zero. A week rather than a
    day: a bench testing a few boards a day would otherwise keep about one
    row per measurement it stored; questions on ranges that start or end
    inside a week take those days from the measurement rows.
    """

    __tablename__ = "hardlab_measurement_weekly"

    key: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=False)
    """A signed 64-bit digest of the other identifying columns (`hardlab.storage._rows.weekly_key`).

    An integer key is SQLite's rowid: no separate index for the primary key.
    """
    week: Mapped[int]
    """The week's Monday as days since 1970-01-01 (UTC; `hardlab.storage._rows.week_of`)."""
    part_number: Mapped[str | None]
    stand_name: Mapped[str | None]
    name: Mapped[str | None]
    unit: Mapped[str | None] = mapped_column(String(32))
    spec_lower: Mapped[float | None] = mapped_column(Float)
    spec_upper: Mapped[float | None] = mapped_column(Float)
    final: Mapped[bool]
    n: Mapped[int] = mapped_column(BigInteger)
    mean: Mapped[float] = mapped_column(Float)
    m2: Mapped[float] = mapped_column(Float)
    minimum: Mapped[float] = mapped_column(Float)
    maximum: Mapped[float] = mapped_column(Float)
    n_pass: Mapped[int] = mapped_column(BigInteger)
    n_fail: Mapped[int] = mapped_column(BigInteger)


class OutboxRow(Base):
    """A finished run's report waiting for StandCloud (or delivered, or parked with the reason).

    Queued in the transaction that stores the run's final state, so a run is
    never stored without its upload being owed; the report itself is the
    run's ``document``. ``state`` is ``pending`` (to be sent when
    ``next_attempt_at`` comes), ``parked`` (StandCloud rejected it; the
    reason is in ``last_error``) or ``delivered``.
    """

    __tablename__ = "hardlab_outbox"

    run_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("hardlab_runs.id", ondelete="CASCADE"), primary_key=True
    )
    address: Mapped[str]
    api_mode: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(16))
    queued_at: Mapped[datetime]
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime]
    claimed_until: Mapped[datetime | None]
    """A drainer is sending it until then; others leave it alone."""
    last_attempt_at: Mapped[datetime | None]
    last_status: Mapped[int | None]
    """The HTTP status of the last answer (None: no answer, e.g. a lost connection)."""
    last_error: Mapped[str | None] = mapped_column(Text)
    delivered_at: Mapped[datetime | None]
    remote_id: Mapped[str | None]
    """StandCloud's id for the run, when it said."""

    __table_args__ = (
        Index("ix_hardlab_outbox_due", "state", "next_attempt_at"),
        Index("ix_hardlab_outbox_address", "address", "state"),
    )


class OperatorEventRow(Base):
    """A dialog asked of the operator (with the answer) or an operator message shown.

    A hardlab extra: HardPy's report keeps neither, so the HardPy JSON export
    does not carry them; the unit report shows them. A dialog's row is
    written when it opens and completed when it closes, so a run killed
    while the operator thinks still shows the question.
    """

    __tablename__ = "hardlab_operator_events"

    run_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("hardlab_runs.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(primary_key=True)
    """Order within the run (from 0)."""
    kind: Mapped[str] = mapped_column(String(16))
    """``dialog`` or ``message``."""
    module_id: Mapped[str | None]
    case_id: Mapped[str | None]
    attempt: Mapped[int | None]
    title: Mapped[str | None] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    widget: Mapped[str | None] = mapped_column(String(32))
    """A dialog's widget type (HardPy's names: ``base``, ``textinput``, ``radiobutton``, ...)."""
    pass_fail: Mapped[bool | None]
    """Whether a dialog asked for a PASS/FAIL verdict."""
    block: Mapped[bool | None]
    """Whether a message waited for the operator to close it."""
    state: Mapped[str] = mapped_column(String(16))
    """A dialog: ``asked`` (waiting), ``answered``, ``cancelled``; a message: ``shown``, ``closed``.
    """
    result: Mapped[str | None] = mapped_column(String(16))
    """A dialog's answer: ``confirm``, ``passed`` or ``failed``."""
    answer: Mapped[str | None] = mapped_column(Text)
    """What the operator entered (the widget's data as text), if anything."""
    user_name: Mapped[str | None]
    """The run's user (the operator) when it was asked or shown."""
    asked_at: Mapped[datetime]
    answered_at: Mapped[datetime | None]
    """When a dialog was answered or cancelled, or a blocking message closed."""
