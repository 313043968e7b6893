"""Runs keep the stand slot they occupied (``hardlab run --slots``).

Revision ID: 20261203_0003
Revises: 20261122_0002
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "20261203_0003"
down_revision = "20261122_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("hardlab_runs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("slot", sa.Integer(), nullable=True))
        batch_op.create_index("ix_hardlab_runs_stand_slot", ["stand_name", "slot"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("hardlab_runs", schema=None) as batch_op:
        batch_op.drop_index("ix_hardlab_runs_stand_slot")
        batch_op.drop_column("slot")
