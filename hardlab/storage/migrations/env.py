"""Alembic environment for hardlab's schema (run only through hardlab.storage._migrate)."""

from __future__ import annotations

from alembic import context

from hardlab.storage._migrate import VERSION_TABLE
from hardlab.storage._orm import Base

connection = context.config.attributes.get("connection")
if connection is None:
    msg = "hardlab migrations run on a connection given by hardlab (hardlab db upgrade)"
    raise RuntimeError(msg)

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    version_table=VERSION_TABLE,
    # SQLite alters tables by copying them; Alembic's batch mode does that.
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
    transaction_per_migration=False,
)

with context.begin_transaction():
    context.run_migrations()
