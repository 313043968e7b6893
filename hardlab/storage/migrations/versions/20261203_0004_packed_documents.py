"""A smaller store: report documents compressed in their own table; no run_id index on measurements.

Each run's report document moves from ``hardlab_runs.document`` (JSON,
``jsonb`` on PostgreSQL) to ``hardlab_documents``, zlib-compressed
(`hardlab.storage._types.pack_json`): a 50-case report of 20 KB takes under
2 KB, and run rows stay small. The document's content is unchanged (what
``hardlab export`` writes stays the same byte for byte).
``hardlab_measurements.run_id`` loses its index and its foreign key: a run's
measurements are found, and deleted, through its case rows; the name index
takes the value too (what_if reads only the values outside new limits).

SQLite gives the space back to new runs; ``VACUUM`` gives it back to the disk.

Revision ID: 20261203_0004
Revises: 20261203_0003
Create Date: 2026-12-03
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from hardlab.storage._types import pack_json, unpack_json

revision = "20261203_0004"
down_revision = "20261203_0003"
branch_labels = None
depends_on = None

_PAGE = 500
"""Documents moved per round trip: a page of 50-case reports is about 10 MB of JSON."""


def _check_sqlite() -> None:
    if op.get_bind().dialect.name == "sqlite" and sqlite3.sqlite_version_info < (3, 35):
        msg = (
            f"this migration needs SQLite 3.35 or newer (ALTER TABLE ... DROP COLUMN); "
            f"Python here has SQLite {sqlite3.sqlite_version}"
        )
        raise RuntimeError(msg)


def _pages(select: sa.TextClause) -> Any:
    """The rows of `select` (``id``, a value; ``:after`` and ``:page`` bound), a page at a time."""
    bind = op.get_bind()
    after = ""
    while True:
        rows = bind.execute(select, {"after": after, "page": _PAGE}).all()
        if not rows:
            return
        yield rows
        after = rows[-1][0]


def upgrade() -> None:
    _check_sqlite()
    with op.batch_alter_table("hardlab_measurements", schema=None) as batch_op:
        batch_op.drop_index("ix_hardlab_measurements_run")
        batch_op.drop_constraint("fk_hardlab_meas_run", type_="foreignkey")
        batch_op.drop_index("ix_hardlab_measurements_name")
        batch_op.create_index(
            "ix_hardlab_measurements_name", ["name", "final", "value_num"], unique=False
        )

    op.create_table(
        "hardlab_documents",
        sa.Column("run_id", sa.String(length=36), nullable=False),
        sa.Column("document", sa.LargeBinary(), nullable=True),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["hardlab_runs.id"],
            name=op.f("fk_hardlab_documents_run_id_hardlab_runs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("run_id", name=op.f("pk_hardlab_documents")),
    )
    bind = op.get_bind()
    text = "document::text" if bind.dialect.name == "postgresql" else "document"
    select = sa.text(
        f"SELECT id, {text} FROM hardlab_runs WHERE document IS NOT NULL AND id > :after "
        "ORDER BY id LIMIT :page"
    )
    insert = sa.text("INSERT INTO hardlab_documents (run_id, document) VALUES (:id, :document)")
    for rows in _pages(select):
        # JSON null (how the JSON column kept a missing document) becomes SQL NULL
        bind.execute(
            insert,
            [
                {"id": run_id, "document": None if value is None else pack_json(json.loads(value))}
                for run_id, value in rows
            ],
        )
    # plain ALTER TABLE: a batch copy of hardlab_runs would drop the table its
    # children's foreign keys cascade from
    op.execute("ALTER TABLE hardlab_runs DROP COLUMN document")


def downgrade() -> None:
    _check_sqlite()
    document = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
    op.add_column("hardlab_runs", sa.Column("document", document, nullable=True))
    bind = op.get_bind()
    value = "CAST(:document AS JSONB)" if bind.dialect.name == "postgresql" else ":document"
    update = sa.text(f"UPDATE hardlab_runs SET document = {value} WHERE id = :id")
    select = sa.text(
        "SELECT run_id, document FROM hardlab_documents WHERE run_id > :after "
        "ORDER BY run_id LIMIT :page"
    )
    for rows in _pages(select):
        bind.execute(
            update,
            [{"id": run_id, "document": json.dumps(unpack_json(doc))} for run_id, doc in rows],
        )
    op.drop_table("hardlab_documents")

    with op.batch_alter_table("hardlab_measurements", schema=None) as batch_op:
        batch_op.create_foreign_key(
            "fk_hardlab_meas_run", "hardlab_runs", ["run_id"], ["id"], ondelete="CASCADE"
        )
        batch_op.create_index("ix_hardlab_measurements_run", ["run_id"], unique=False)
        batch_op.drop_index("ix_hardlab_measurements_name")
        batch_op.create_index("ix_hardlab_measurements_name", ["name", "final"], unique=False)
