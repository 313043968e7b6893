"""The stored tables as the writer process needs them: plain constants, no SQLAlchemy.

Generated from `hardlab.storage._orm` by ``python -m hardlab.storage._schemagen``;
do not edit (tests/storage/test_schema.py checks it matches the ORM).
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "CASES",
    "COLUMNS",
    "DEFAULTS",
    "DOCUMENTS",
    "GENERATED",
    "JSON_COLUMNS",
    "KEYS",
    "MEASUREMENTS",
    "MEASUREMENT_WEEKLY",
    "MICRO_TIME_COLUMNS",
    "MODULES",
    "OPERATOR_EVENTS",
    "OUTBOX",
    "PACKED_COLUMNS",
    "RUNS",
    "TIME_COLUMNS",
]

CASES = "hardlab_cases"
DOCUMENTS = "hardlab_documents"
MEASUREMENT_WEEKLY = "hardlab_measurement_weekly"
MEASUREMENTS = "hardlab_measurements"
MODULES = "hardlab_modules"
OPERATOR_EVENTS = "hardlab_operator_events"
OUTBOX = "hardlab_outbox"
RUNS = "hardlab_runs"

COLUMNS: dict[str, tuple[str, ...]] = {
    CASES: (
        "id",
        "run_id",
        "module_id",
        "case_id",
        "attempt",
        "final",
        "position",
        "module_name",
        "case_name",
        "group",
        "status",
        "started_at",
        "stopped_at",
        "duration_ms",
        "assertion_msg",
        "messages",
        "artifact",
        "chart",
    ),
    DOCUMENTS: (
        "run_id",
        "document",
    ),
    MEASUREMENT_WEEKLY: (
        "key",
        "week",
        "part_number",
        "stand_name",
        "name",
        "unit",
        "spec_lower",
        "spec_upper",
        "final",
        "n",
        "mean",
        "m2",
        "minimum",
        "maximum",
        "n_pass",
        "n_fail",
    ),
    MEASUREMENTS: (
        "id",
        "run_id",
        "case_row_id",
        "final",
        "position",
        "kind",
        "name",
        "value_num",
        "value_str",
        "unit",
        "operation",
        "comparison_num",
        "comparison_str",
        "lower_limit",
        "upper_limit",
        "spec_lower",
        "spec_upper",
        "casesensitive",
        "result",
    ),
    MODULES: (
        "run_id",
        "module_id",
        "position",
        "name",
        "group",
        "status",
        "started_at",
        "stopped_at",
        "artifact",
    ),
    OPERATOR_EVENTS: (
        "run_id",
        "position",
        "kind",
        "module_id",
        "case_id",
        "attempt",
        "title",
        "text",
        "widget",
        "pass_fail",
        "block",
        "state",
        "result",
        "answer",
        "user_name",
        "asked_at",
        "answered_at",
    ),
    OUTBOX: (
        "run_id",
        "address",
        "api_mode",
        "state",
        "queued_at",
        "attempts",
        "next_attempt_at",
        "claimed_until",
        "last_attempt_at",
        "last_status",
        "last_error",
        "delivered_at",
        "remote_id",
    ),
    RUNS: (
        "id",
        "name",
        "status",
        "started_at",
        "stopped_at",
        "duration_s",
        "dut_serial_number",
        "dut_part_number",
        "dut_name",
        "dut_type",
        "dut_revision",
        "batch_serial_number",
        "user_name",
        "stand_name",
        "stand_hw_id",
        "stand_location",
        "stand_number",
        "stand_revision",
        "stand_timezone",
        "process_name",
        "process_number",
        "error_code",
        "caused_dut_failure_id",
        "exit_code",
        "plan_error",
        "progress",
        "cases_passed",
        "cases_failed",
        "cases_skipped",
        "slot",
        "source",
        "aggregated",
        "host",
        "writer_pid",
        "heartbeat_at",
    ),
}
"""Every column of each table, in the ORM's order."""

GENERATED: dict[str, frozenset[str]] = {
    CASES: frozenset({"id"}),
    DOCUMENTS: frozenset(),
    MEASUREMENT_WEEKLY: frozenset(),
    MEASUREMENTS: frozenset({"id"}),
    MODULES: frozenset(),
    OPERATOR_EVENTS: frozenset(),
    OUTBOX: frozenset(),
    RUNS: frozenset(),
}
"""The columns the database fills in (autoincrement ids): left out of inserts."""

KEYS: dict[str, tuple[str, ...]] = {
    CASES: (
        "run_id",
        "module_id",
        "case_id",
        "attempt",
    ),
    DOCUMENTS: ("run_id",),
    MEASUREMENT_WEEKLY: ("key",),
    MEASUREMENTS: ("id",),
    MODULES: (
        "run_id",
        "module_id",
    ),
    OPERATOR_EVENTS: (
        "run_id",
        "position",
    ),
    OUTBOX: ("run_id",),
    RUNS: ("id",),
}
"""What identifies a row for an upsert: the primary key, or the unique key
of a table whose primary key is generated."""

JSON_COLUMNS: dict[str, frozenset[str]] = {
    CASES: frozenset(
        {
            "artifact",
            "chart",
            "messages",
        }
    ),
    DOCUMENTS: frozenset(),
    MEASUREMENT_WEEKLY: frozenset(),
    MEASUREMENTS: frozenset(),
    MODULES: frozenset({"artifact"}),
    OPERATOR_EVENTS: frozenset(),
    OUTBOX: frozenset(),
    RUNS: frozenset(),
}
"""Columns of type JSON (``jsonb`` on PostgreSQL)."""

PACKED_COLUMNS: dict[str, frozenset[str]] = {
    CASES: frozenset(),
    DOCUMENTS: frozenset({"document"}),
    MEASUREMENT_WEEKLY: frozenset(),
    MEASUREMENTS: frozenset(),
    MODULES: frozenset(),
    OPERATOR_EVENTS: frozenset(),
    OUTBOX: frozenset(),
    RUNS: frozenset(),
}
"""Columns of type `PackedJSON` (compressed JSON, see `hardlab.storage._types`)."""

TIME_COLUMNS: dict[str, frozenset[str]] = {
    CASES: frozenset(),
    DOCUMENTS: frozenset(),
    MEASUREMENT_WEEKLY: frozenset(),
    MEASUREMENTS: frozenset(),
    MODULES: frozenset(
        {
            "started_at",
            "stopped_at",
        }
    ),
    OPERATOR_EVENTS: frozenset(
        {
            "answered_at",
            "asked_at",
        }
    ),
    OUTBOX: frozenset(
        {
            "claimed_until",
            "delivered_at",
            "last_attempt_at",
            "next_attempt_at",
            "queued_at",
        }
    ),
    RUNS: frozenset(
        {
            "heartbeat_at",
            "started_at",
            "stopped_at",
        }
    ),
}
"""Columns of type `UTCDateTime` (see `hardlab.storage._types`)."""

MICRO_TIME_COLUMNS: dict[str, frozenset[str]] = {
    CASES: frozenset(
        {
            "started_at",
            "stopped_at",
        }
    ),
    DOCUMENTS: frozenset(),
    MEASUREMENT_WEEKLY: frozenset(),
    MEASUREMENTS: frozenset(),
    MODULES: frozenset(),
    OPERATOR_EVENTS: frozenset(),
    OUTBOX: frozenset(),
    RUNS: frozenset(),
}
"""Columns of type `MicroTime` (integer microseconds on SQLite, see
`hardlab.storage._types`)."""

DEFAULTS: dict[str, dict[str, Any]] = {
    CASES: {},
    DOCUMENTS: {},
    MEASUREMENT_WEEKLY: {},
    MEASUREMENTS: {},
    MODULES: {},
    OPERATOR_EVENTS: {},
    OUTBOX: {
        "attempts": 0,
    },
    RUNS: {
        "progress": 0,
        "cases_passed": 0,
        "cases_failed": 0,
        "cases_skipped": 0,
        "source": "run",
        "aggregated": False,
    },
}
"""What a new row holds where the insert says nothing (the ORM's defaults)."""
