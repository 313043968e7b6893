"""A smaller store: measurement rows no longer repeat their case attempt; compact case times.

``hardlab_measurements.module_id``, ``case_id`` and ``attempt`` said again
what the case row the measurement points to (``case_row_id``) says: about
27 bytes of every measurement row, 1.4 KB of a 50-case run. Queries read
them from the case row. ``run_id`` and ``final`` stay: questions over every
measurement (Cpk, what_if) need no case row.

On SQLite, a case attempt's start and stop become integer microseconds since
1970 (UTC) instead of 26 characters of text (``MicroTime``): 1.8 KB of a
50-case run. PostgreSQL keeps ``timestamptz``.

A case's or module's missing messages, artifact and chart were JSON ``null``
(4 bytes each, 0.4 KB of a 50-case run); they become SQL NULL, as hardlab
now writes them (both read as None).

The way down fills the three columns again from the case rows.
SQLite gives the space back to new runs; ``VACUUM`` gives it back to the disk.

Revision ID: 20261203_0008
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlite3

import sqlalchemy as sa
from alembic import op

revision = "20261203_0008"
down_revision = "20261203_0007"
branch_labels = None
depends_on = None

_DROPPED = ("module_id", "case_id", "attempt")
"""The columns that repeated the case row's, in the order they had."""

_CASE_TIMES = ("started_at", "stopped_at")
"""``hardlab_cases``' `MicroTime` columns."""

_NULLABLE_JSON = {
    "hardlab_cases": ("messages", "artifact", "chart"),
    "hardlab_modules": ("artifact",),
}
"""JSON columns whose JSON null becomes SQL NULL (the way down leaves SQL NULL: both read None)."""


def _check_sqlite() -> None:
    if op.get_bind().dialect.name == "sqlite" and sqlite3.sqlite_version_info < (3, 35):
        msg = (
            f"this migration needs SQLite 3.35 or newer (ALTER TABLE ... DROP COLUMN); "
            f"Python here has SQLite {sqlite3.sqlite_version}"
        )
        raise RuntimeError(msg)


def _micros(column: str) -> str:
    """SQLite: the text time in `column` (``YYYY-MM-DD HH:MM:SS.ffffff``, UTC) in microseconds."""
    # the whole seconds apart (strftime would round a fraction of .9999995 up),
    # the fraction padded, so that a time written without one reads as .000000
    return (
        f"CAST(strftime('%s', substr({column}, 1, 19)) AS INTEGER) * 1000000 "
        f"+ CAST(substr({column} || '000000', 21, 6) AS INTEGER)"
    )


def _text(column: str) -> str:
    """SQLite: the microseconds in `column` as the text SQLAlchemy's ``DATETIME`` keeps."""
    fraction = f"(({column} % 1000000) + 1000000) % 1000000"  # also before 1970
    seconds = f"({column} - {fraction}) / 1000000"
    return (
        f"strftime('%Y-%m-%d %H:%M:%S', {seconds}, 'unixepoch') || '.' "
        f"|| printf('%06d', {fraction})"
    )


def upgrade() -> None:
    _check_sqlite()
    if op.get_bind().dialect.name == "sqlite":
        for column in _CASE_TIMES:
            op.execute(
                f"UPDATE hardlab_cases SET {column} = {_micros(column)} "
                f"WHERE typeof({column}) = 'text' "
                f"AND strftime('%s', substr({column}, 1, 19)) IS NOT NULL"
            )
    # plain ALTER TABLE on both databases: none of the columns is indexed or a
    # key, so SQLite drops them in place, without a batch copy of the table
    for column in _DROPPED:
        op.execute(f"ALTER TABLE hardlab_measurements DROP COLUMN {column}")
    for table, columns in _NULLABLE_JSON.items():
        for column in columns:
            # JSON null is the text 'null' in SQLite, jsonb 'null' in PostgreSQL
            op.execute(f"UPDATE {table} SET {column} = NULL WHERE {column} = 'null'")


def downgrade() -> None:
    _check_sqlite()
    if op.get_bind().dialect.name == "sqlite":
        for column in _CASE_TIMES:
            op.execute(
                f"UPDATE hardlab_cases SET {column} = {_text(column)} "
                f"WHERE typeof({column}) = 'integer'"
            )
    op.add_column("hardlab_measurements", sa.Column("module_id", sa.String(255), nullable=True))
    op.add_column("hardlab_measurements", sa.Column("case_id", sa.String(255), nullable=True))
    op.add_column("hardlab_measurements", sa.Column("attempt", sa.Integer(), nullable=True))
    # from the case row each measurement points to; a row whose case row is
    # gone (SQLite enforces foreign keys only when asked) gets empty values
    # rather than blocking the way down
    fill = ", ".join(
        f"{column} = COALESCE((SELECT c.{column} FROM hardlab_cases c "
        f"WHERE c.id = hardlab_measurements.case_row_id), {empty})"
        for column, empty in (("module_id", "''"), ("case_id", "''"), ("attempt", "0"))
    )
    op.execute(f"UPDATE hardlab_measurements SET {fill}")
    with op.batch_alter_table("hardlab_measurements", schema=None) as batch_op:
        batch_op.alter_column("module_id", existing_type=sa.String(255), nullable=False)
        batch_op.alter_column("case_id", existing_type=sa.String(255), nullable=False)
        batch_op.alter_column("attempt", existing_type=sa.Integer(), nullable=False)
