"""Initial schema: runs, modules, cases per attempt, measurements, daily statistics.

Revision ID: 20261121_0001
Revises:
Create Date: 2026-11-21
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "20261121_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "hardlab_measurement_daily",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("day", sa.String(length=10), nullable=False),
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
        sa.PrimaryKeyConstraint("key", name=op.f("pk_hardlab_measurement_daily")),
    )
    with op.batch_alter_table("hardlab_measurement_daily", schema=None) as batch_op:
        batch_op.create_index("ix_hardlab_measurement_daily_day", ["day"], unique=False)
        batch_op.create_index(
            "ix_hardlab_measurement_daily_name", ["name", "part_number", "day"], unique=False
        )

    op.create_table(
        "hardlab_runs",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("stopped_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("duration_s", sa.Double(), nullable=True),
        sa.Column("dut_serial_number", sa.String(length=255), nullable=True),
        sa.Column("dut_part_number", sa.String(length=255), nullable=True),
        sa.Column("dut_name", sa.String(length=255), nullable=True),
        sa.Column("dut_type", sa.String(length=255), nullable=True),
        sa.Column("dut_revision", sa.String(length=255), nullable=True),
        sa.Column("batch_serial_number", sa.String(length=255), nullable=True),
        sa.Column("user_name", sa.String(length=255), nullable=True),
        sa.Column("stand_name", sa.String(length=255), nullable=True),
        sa.Column("stand_hw_id", sa.String(length=255), nullable=True),
        sa.Column("stand_location", sa.String(length=255), nullable=True),
        sa.Column("stand_number", sa.Integer(), nullable=True),
        sa.Column("stand_revision", sa.String(length=255), nullable=True),
        sa.Column("stand_timezone", sa.String(length=255), nullable=True),
        sa.Column("process_name", sa.String(length=255), nullable=True),
        sa.Column("process_number", sa.Integer(), nullable=True),
        sa.Column("error_code", sa.Integer(), nullable=True),
        sa.Column("caused_dut_failure_id", sa.String(length=512), nullable=True),
        sa.Column("exit_code", sa.Integer(), nullable=True),
        sa.Column("progress", sa.Integer(), nullable=False),
        sa.Column("cases_passed", sa.Integer(), nullable=False),
        sa.Column("cases_failed", sa.Integer(), nullable=False),
        sa.Column("cases_skipped", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("aggregated", sa.Boolean(), nullable=False),
        sa.Column("host", sa.String(length=255), nullable=True),
        sa.Column("writer_pid", sa.Integer(), nullable=True),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "document",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hardlab_runs")),
    )
    with op.batch_alter_table("hardlab_runs", schema=None) as batch_op:
        batch_op.create_index("ix_hardlab_runs_name", ["name"], unique=False)
        batch_op.create_index(
            "ix_hardlab_runs_part_started", ["dut_part_number", "started_at"], unique=False
        )
        batch_op.create_index(
            "ix_hardlab_runs_serial",
            ["dut_serial_number", "dut_part_number", "started_at"],
            unique=False,
        )
        batch_op.create_index(
            "ix_hardlab_runs_stand_started", ["stand_name", "started_at"], unique=False
        )
        batch_op.create_index("ix_hardlab_runs_started", ["started_at"], unique=False)
        batch_op.create_index("ix_hardlab_runs_status", ["status"], unique=False)

    op.create_table(
        "hardlab_cases",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("run_id", sa.String(length=36), nullable=False),
        sa.Column("module_id", sa.String(length=255), nullable=False),
        sa.Column("case_id", sa.String(length=255), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("final", sa.Boolean(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("module_name", sa.String(length=255), nullable=False),
        sa.Column("case_name", sa.String(length=255), nullable=False),
        sa.Column("group", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("stopped_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("duration_ms", sa.Double(), nullable=True),
        sa.Column("assertion_msg", sa.Text(), nullable=True),
        sa.Column(
            "messages",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column(
            "artifact",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column(
            "chart",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.ForeignKeyConstraint(
            ["run_id"], ["hardlab_runs.id"], name="fk_hardlab_cases_run", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hardlab_cases")),
        sa.UniqueConstraint(
            "run_id", "module_id", "case_id", "attempt", name="uq_hardlab_cases_key"
        ),
    )
    with op.batch_alter_table("hardlab_cases", schema=None) as batch_op:
        batch_op.create_index("ix_hardlab_cases_case_status", ["case_id", "status"], unique=False)
        batch_op.create_index("ix_hardlab_cases_name", ["case_name"], unique=False)

    op.create_table(
        "hardlab_modules",
        sa.Column("run_id", sa.String(length=36), nullable=False),
        sa.Column("module_id", sa.String(length=255), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("group", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("stopped_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "artifact",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["hardlab_runs.id"],
            name=op.f("fk_hardlab_modules_run_id_hardlab_runs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("run_id", "module_id", name=op.f("pk_hardlab_modules")),
    )
    op.create_table(
        "hardlab_measurements",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("run_id", sa.String(length=36), nullable=False),
        sa.Column(
            "case_row_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("module_id", sa.String(length=255), nullable=False),
        sa.Column("case_id", sa.String(length=255), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("final", sa.Boolean(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=True),
        sa.Column("value_num", sa.Float(), nullable=True),
        sa.Column("value_str", sa.Text(), nullable=True),
        sa.Column("unit", sa.String(length=32), nullable=True),
        sa.Column("operation", sa.String(length=8), nullable=True),
        sa.Column("comparison_num", sa.Float(), nullable=True),
        sa.Column("comparison_str", sa.Text(), nullable=True),
        sa.Column("lower_limit", sa.Float(), nullable=True),
        sa.Column("upper_limit", sa.Float(), nullable=True),
        sa.Column("spec_lower", sa.Float(), nullable=True),
        sa.Column("spec_upper", sa.Float(), nullable=True),
        sa.Column("casesensitive", sa.Boolean(), nullable=True),
        sa.Column("result", sa.Boolean(), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_row_id"],
            ["hardlab_cases.id"],
            name=op.f("fk_hardlab_measurements_case_row_id_hardlab_cases"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["run_id"], ["hardlab_runs.id"], name="fk_hardlab_meas_run", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hardlab_measurements")),
    )
    with op.batch_alter_table("hardlab_measurements", schema=None) as batch_op:
        batch_op.create_index("ix_hardlab_measurements_case_row", ["case_row_id"], unique=False)
        batch_op.create_index("ix_hardlab_measurements_name", ["name", "final"], unique=False)
        batch_op.create_index("ix_hardlab_measurements_run", ["run_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("hardlab_measurements", schema=None) as batch_op:
        batch_op.drop_index("ix_hardlab_measurements_run")
        batch_op.drop_index("ix_hardlab_measurements_name")
        batch_op.drop_index("ix_hardlab_measurements_case_row")

    op.drop_table("hardlab_measurements")
    op.drop_table("hardlab_modules")
    with op.batch_alter_table("hardlab_cases", schema=None) as batch_op:
        batch_op.drop_index("ix_hardlab_cases_name")
        batch_op.drop_index("ix_hardlab_cases_case_status")

    op.drop_table("hardlab_cases")
    with op.batch_alter_table("hardlab_runs", schema=None) as batch_op:
        batch_op.drop_index("ix_hardlab_runs_status")
        batch_op.drop_index("ix_hardlab_runs_started")
        batch_op.drop_index("ix_hardlab_runs_stand_started")
        batch_op.drop_index("ix_hardlab_runs_serial")
        batch_op.drop_index("ix_hardlab_runs_part_started")
        batch_op.drop_index("ix_hardlab_runs_name")

    op.drop_table("hardlab_runs")
    with op.batch_alter_table("hardlab_measurement_daily", schema=None) as batch_op:
        batch_op.drop_index("ix_hardlab_measurement_daily_name")
        batch_op.drop_index("ix_hardlab_measurement_daily_day")

    op.drop_table("hardlab_measurement_daily")
