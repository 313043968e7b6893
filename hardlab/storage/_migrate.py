"""Schema migrations: Alembic, shipped in the package and configured in code.

The revision history lives in ``hardlab/storage/migrations/versions``. Its
version table is ``hardlab_alembic_version``, so a PostgreSQL database that
other applications migrate with Alembic too is not disturbed.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import inspect, text

if TYPE_CHECKING:
    from alembic.config import Config
    from sqlalchemy.engine import Connection

__all__ = [
    "SCHEMA_HEAD",
    "VERSION_TABLE",
    "alembic_config",
    "create_fresh",
    "current_revision",
    "upgrade",
]

from hardlab.storage._version import SCHEMA_HEAD, VERSION_TABLE

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic configuration for hardlab's migrations, bound to `connection`."""
    # alembic adds noticeable import time; only migrations need it
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("version_table", VERSION_TABLE)
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def current_revision(connection: Connection) -> str | None:
    """The revision the database is at, or None for a database without hardlab's tables."""
    if not inspect(connection).has_table(VERSION_TABLE):
        return None
    row = connection.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).first()
    return str(row[0]) if row else None


def create_fresh(connection: Connection) -> None:
    """Create hardlab's schema in an empty database, at `SCHEMA_HEAD`, without running migrations.

    The same tables the migrations build (a test checks it), in one step and
    without importing Alembic: this is what a new stand's first run does.
    """
    from sqlalchemy import Column, MetaData, PrimaryKeyConstraint, String, Table

    from hardlab.storage._orm import Base

    Base.metadata.create_all(connection)
    version = Table(
        VERSION_TABLE,
        MetaData(),
        Column("version_num", String(32), nullable=False),
        PrimaryKeyConstraint("version_num", name=f"{VERSION_TABLE}_pkc"),
    )
    version.create(connection)
    connection.execute(version.insert().values(version_num=SCHEMA_HEAD))


def upgrade(connection: Connection, revision: str = "head") -> None:
    """Migrate the database on `connection` to `revision`, inside its transaction."""
    from alembic import command

    command.upgrade(alembic_config(connection), revision)
