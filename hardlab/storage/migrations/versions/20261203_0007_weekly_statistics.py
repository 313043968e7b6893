"""A smaller store: measurement statistics per week, not per day, keyed by a 64-bit integer.

``hardlab_measurement_daily`` held about one row per stored measurement on a
bench testing a few boards a day (one row per day, part number, stand and
measurement). ``hardlab_measurement_weekly`` keeps the same running
statistics per UTC week (Monday first), keyed by a signed 64-bit digest
that is SQLite's rowid (no separate key index), the week as its Monday's
day number, and no secondary index (a capability question reads every
bucket it needs in one scan). Questions whose range starts or ends inside
a week take those days from the measurement rows.

The upgrade combines each week's daily rows with Chan's formula (exact; the
statistics of deleted runs stay, as they did per day). The downgrade
rebuilds the daily rows from the measurement rows of the runs counted
(``aggregated``): the statistics of runs deleted since are not rebuilt.

Revision ID: 20261203_0007
Revises: 20261203_0006
Create Date: 2026-12-03
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from datetime import date, datetime, timezone
from typing import Any

import sqlalchemy as sa
from alembic import op

from hardlab.storage._rows import BucketStats, week_of, weekly_key
from hardlab.storage._types import read_time

revision = "20261203_0007"
down_revision = "20261203_0006"
branch_labels = None
depends_on = None

_PAGE = 5000
"""Rows moved per round trip."""

_IDENTITY = ("part_number", "stand_name", "name", "unit", "spec_lower", "spec_upper", "final")
_STATS = ("n", "mean", "m2", "minimum", "maximum", "n_pass", "n_fail")


def _stats(values: tuple[Any, ...]) -> BucketStats:
    stats = BucketStats()
    for name, value in zip(_STATS, values, strict=True):
        setattr(stats, name, value)
    return stats


def _daily_rows() -> Iterator[Any]:
    """Every daily row (a page at a time, by key)."""
    bind = op.get_bind()
    columns = ", ".join(f'"{c}"' for c in ("key", "day", *_IDENTITY, *_STATS))
    select = sa.text(
        f"SELECT {columns} FROM hardlab_measurement_daily WHERE key > :after "
        "ORDER BY key LIMIT :page"
    )
    after = ""
    while True:
        rows = bind.execute(select, {"after": after, "page": _PAGE}).all()
        if not rows:
            return
        yield from rows
        after = rows[-1][0]


def _insert(table: str, rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    columns = list(rows[0])
    names = ", ".join(f'"{c}"' for c in columns)
    marks = ", ".join(f":{c}" for c in columns)
    statement = sa.text(f"INSERT INTO {table} ({names}) VALUES ({marks})")
    bind = op.get_bind()
    for start in range(0, len(rows), _PAGE):
        bind.execute(statement, rows[start : start + _PAGE])


def _bucket_rows(
    buckets: dict[tuple[Any, ...], BucketStats], first: str, key: Any
) -> list[dict[str, Any]]:
    return [
        {
            "key": key(*identity),
            **dict(zip((first, *_IDENTITY), identity, strict=True)),
            **{name: getattr(stats, name) for name in _STATS},
        }
        for identity, stats in buckets.items()
    ]


def _bucket_columns() -> list[sa.Column[Any]]:
    """The columns the daily and the weekly statistics share: what a bucket is of, and its stats."""
    return [
        sa.Column("part_number", sa.String(length=255), nullable=True),
        sa.Column("stand_name", sa.String(length=255), nullable=True),
        sa.Column("name", sa.String(length=255), nullable=True),
        sa.Column("unit", sa.String(length=32), nullable=True),
        sa.Column("spec_lower", sa.Float(), nullable=True),
        sa.Column("spec_upper", sa.Float(), nullable=True),
        sa.Column("final", sa.Boolean(), nullable=False),
        sa.Column("n", sa.BigInteger(), nullable=False),
        sa.Column("mean", sa.Float(), nullable=False),
        sa.Column("m2", sa.Float(), nullable=False),
        sa.Column("minimum", sa.Float(), nullable=False),
        sa.Column("maximum", sa.Float(), nullable=False),
        sa.Column("n_pass", sa.BigInteger(), nullable=False),
        sa.Column("n_fail", sa.BigInteger(), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "hardlab_measurement_weekly",
        sa.Column(
            "key",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=False,
            nullable=False,
        ),
        sa.Column("week", sa.Integer(), nullable=False),
        *_bucket_columns(),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_hardlab_measurement_weekly")),
    )
    weeks: dict[tuple[Any, ...], BucketStats] = {}
    for row in _daily_rows():
        _, day, *identity = row[: 2 + len(_IDENTITY)]
        identity[-1] = bool(identity[-1])  # SQLite gives booleans back as 0 and 1
        week = week_of(date.fromisoformat(day))
        bucket = weeks.setdefault((week, *identity), BucketStats())
        bucket.merge(_stats(tuple(row[2 + len(_IDENTITY) :])))
    _insert("hardlab_measurement_weekly", _bucket_rows(weeks, "week", weekly_key))
    op.drop_table("hardlab_measurement_daily")


def _daily_key(day: str, *identity: Any) -> str:
    """The key the daily statistics had (a digest of the identifying columns)."""
    return hashlib.sha256(json.dumps([day, *identity]).encode()).hexdigest()[:64]


def downgrade() -> None:
    op.create_table(
        "hardlab_measurement_daily",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("day", sa.String(length=10), nullable=False),
        *_bucket_columns(),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_hardlab_measurement_daily")),
    )
    with op.batch_alter_table("hardlab_measurement_daily", schema=None) as batch_op:
        batch_op.create_index("ix_hardlab_measurement_daily_day", ["day"], unique=False)
        batch_op.create_index(
            "ix_hardlab_measurement_daily_name", ["name", "part_number", "day"], unique=False
        )
    # the days come from the measurement rows of the counted runs, as the
    # writer made them (a run counts on the UTC day of its start)
    select = sa.text(
        "SELECT r.started_at, r.dut_part_number, r.stand_name, m.name, m.unit, m.spec_lower, "
        "m.spec_upper, m.final, m.value_num, m.result FROM hardlab_measurements m "
        "JOIN hardlab_runs r ON r.id = m.run_id WHERE r.aggregated = :yes "
        "AND m.kind = 'numeric' AND m.value_num IS NOT NULL"
    )
    today = datetime.now(timezone.utc)
    days: dict[tuple[Any, ...], BucketStats] = {}
    result = op.get_bind().execute(
        select, {"yes": True}, execution_options={"stream_results": True}
    )
    for started, part, stand, name, unit, lower, upper, final, value, passed in result:
        day = (read_time(started) or today).astimezone(timezone.utc).strftime("%Y-%m-%d")
        identity = (day, part, stand, name, unit, lower, upper, bool(final))
        bucket = days.setdefault(identity, BucketStats())
        bucket.add(float(value), None if passed is None else bool(passed))
    _insert("hardlab_measurement_daily", _bucket_rows(days, "day", _daily_key))
    op.drop_table("hardlab_measurement_weekly")
