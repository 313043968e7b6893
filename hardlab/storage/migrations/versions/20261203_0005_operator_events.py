"""Operator events: the dialogs asked of the operator (with answers) and the messages shown.

Revision ID: 20261203_0005
Revises: 20261203_0004
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "20261203_0005"
down_revision = "20261203_0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "hardlab_operator_events",
        sa.Column("run_id", sa.String(length=36), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("module_id", sa.String(length=255), nullable=True),
        sa.Column("case_id", sa.String(length=255), nullable=True),
        sa.Column("attempt", sa.Integer(), nullable=True),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("widget", sa.String(length=32), nullable=True),
        sa.Column("pass_fail", sa.Boolean(), nullable=True),
        sa.Column("block", sa.Boolean(), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("result", sa.String(length=16), nullable=True),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("user_name", sa.String(length=255), nullable=True),
        sa.Column("asked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["hardlab_runs.id"],
            name=op.f("fk_hardlab_operator_events_run_id_hardlab_runs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("run_id", "position", name=op.f("pk_hardlab_operator_events")),
    )


def downgrade() -> None:
    op.drop_table("hardlab_operator_events")
