"""Outbox: finished runs' reports waiting for StandCloud.

Revision ID: 20261122_0002
Revises: 20261121_0001
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "20261122_0002"
down_revision = "20261121_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "hardlab_outbox",
        sa.Column("run_id", sa.String(length=36), nullable=False),
        sa.Column("address", sa.String(length=255), nullable=False),
        sa.Column("api_mode", sa.String(length=16), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("queued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_status", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("remote_id", sa.String(length=255), nullable=True),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["hardlab_runs.id"],
            name=op.f("fk_hardlab_outbox_run_id_hardlab_runs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("run_id", name=op.f("pk_hardlab_outbox")),
    )
    with op.batch_alter_table("hardlab_outbox", schema=None) as batch_op:
        batch_op.create_index("ix_hardlab_outbox_address", ["address", "state"], unique=False)
        batch_op.create_index("ix_hardlab_outbox_due", ["state", "next_attempt_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("hardlab_outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_hardlab_outbox_due")
        batch_op.drop_index("ix_hardlab_outbox_address")
    op.drop_table("hardlab_outbox")
