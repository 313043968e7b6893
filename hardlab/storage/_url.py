"""Which database a run goes to: resolved without importing SQLAlchemy."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from hardlab._util import data_dir

if TYPE_CHECKING:
    from hardlab.config import HardpyConfig

__all__ = ["DB_ENV", "default_url", "resolve_url"]

DB_ENV = "HARDLAB_DB_URL"
"""Environment variable naming the store's URL."""


def default_url() -> str:
    """The embedded default: ``hardlab.db`` in hardlab's data folder (see `data_dir`)."""
    return f"sqlite:///{data_dir() / 'hardlab.db'}"


def resolve_url(
    url: str | os.PathLike[str] | None = None, config: HardpyConfig | None = None
) -> str:
    """The URL to use: `url`, else ``$HARDLAB_DB_URL``, else ``[database] url``, else the default.

    A plain file path means an SQLite file (relative paths are made
    absolute); ``postgresql://`` and ``postgres://`` mean PostgreSQL
    through psycopg 3.
    """
    chosen = url if url is not None else os.environ.get(DB_ENV) or None
    if chosen is None and config is not None:
        chosen = config.database.url
    if chosen is None:
        return default_url()
    text = os.fspath(chosen)
    if "://" not in text:
        return f"sqlite:///{Path(text).expanduser().resolve()}"
    scheme, _, rest = text.partition("://")
    if scheme in ("postgresql", "postgres"):
        return f"postgresql+psycopg://{rest}"
    return text
