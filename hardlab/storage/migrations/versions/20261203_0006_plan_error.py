"""Runs whose plan could not run: why (collection errors, nothing selected).

Revision ID: 20261203_0006
Revises: 20261203_0005
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "20261203_0006"
down_revision = "20261203_0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("hardlab_runs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("plan_error", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("hardlab_runs", schema=None) as batch_op:
        batch_op.drop_column("plan_error")
