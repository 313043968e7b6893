"""A smaller store: report documents zlib-compressed; measurements without a run_id index.

Each run's report document moves from a JSON column (``jsonb`` on
PostgreSQL) to zlib-compressed JSON in a binary column of the same name
(`hardlab.storage._types.pack_json`): a 50-case report of 20 KB takes under
2 KB. The document's content is unchanged (what ``hardlab export`` writes
stays the same byte for byte). ``hardlab_measurements.run_id`` loses its
index and its foreign key: a run's measurements are found, and deleted,
through its case rows.

SQLite gives the space back to new runs; ``VACUUM`` gives it back to the disk.

Revision ID: 20261203_0004
Revises: 20261122_0002
Create Date: 2026-12-03
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from hardlab.storage._types import pack_json, unpack_json

revision = "20261203_0004"
down_revision = "20261122_0002"
branch_labels = None
depends_on = None

_PAGE = 500
"""Documents converted per round trip: a page of 50-case reports is about 10 MB of JSON."""


def _check_sqlite() -> None:
    if op.get_bind().dialect.name == "sqlite" and sqlite3.sqlite_version_info < (3, 35):
        msg = (
            f"this migration needs SQLite 3.35 or newer (ALTER TABLE ... DROP COLUMN); "
            f"Python here has SQLite {sqlite3.sqlite_version}"
        )
        raise RuntimeError(msg)


def _convert(
    source: str, target: str, read: str, change: Callable[[Any], Any], write: str = ":value"
) -> None:
    """Fill runs' `target` (set to `write`) from `source` (read as `read`), a page at a time."""
    bind = op.get_bind()
    select = sa.text(
        f"SELECT id, {read} FROM hardlab_runs WHERE {source} IS NOT NULL AND id > :after "
        "ORDER BY id LIMIT :page"
    )
    update = sa.text(f"UPDATE hardlab_runs SET {target} = {write} WHERE id = :id")
    after = ""
    while True:
        rows = bind.execute(select, {"after": after, "page": _PAGE}).all()
        if not rows:
            return
        bind.execute(update, [{"id": run_id, "value": change(value)} for run_id, value in rows])
        after = rows[-1][0]


def _packed(text: Any) -> bytes | None:
    # JSON null (how the JSON column kept a missing document) becomes SQL NULL
    return pack_json(json.loads(text)) if text is not None else None


def _unpacked(value: Any) -> str:
    return json.dumps(unpack_json(value))


def upgrade() -> None:
    _check_sqlite()
    with op.batch_alter_table("hardlab_measurements", schema=None) as batch_op:
        batch_op.drop_index("ix_hardlab_measurements_run")
        batch_op.drop_constraint("fk_hardlab_meas_run", type_="foreignkey")

    op.add_column("hardlab_runs", sa.Column("document_packed", sa.LargeBinary(), nullable=True))
    postgres = op.get_bind().dialect.name == "postgresql"
    _convert("document", "document_packed", "document::text" if postgres else "document", _packed)
    # plain ALTER TABLE: a batch copy of hardlab_runs would drop the table its
    # children's foreign keys cascade from
    op.execute("ALTER TABLE hardlab_runs DROP COLUMN document")
    op.execute("ALTER TABLE hardlab_runs RENAME COLUMN document_packed TO document")


def downgrade() -> None:
    _check_sqlite()
    document = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
    op.add_column("hardlab_runs", sa.Column("document_json", document, nullable=True))
    postgres = op.get_bind().dialect.name == "postgresql"
    write = "CAST(:value AS JSONB)" if postgres else ":value"
    _convert("document", "document_json", "document", _unpacked, write)
    op.execute("ALTER TABLE hardlab_runs DROP COLUMN document")
    op.execute("ALTER TABLE hardlab_runs RENAME COLUMN document_json TO document")

    with op.batch_alter_table("hardlab_measurements", schema=None) as batch_op:
        batch_op.create_foreign_key(
            "fk_hardlab_meas_run", "hardlab_runs", ["run_id"], ["id"], ondelete="CASCADE"
        )
        batch_op.create_index("ix_hardlab_measurements_run", ["run_id"], unique=False)
