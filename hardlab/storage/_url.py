"""Which database a run goes to: resolved without importing SQLAlchemy."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import TYPE_CHECKING

from hardlab._util import data_dir
from hardlab.errors import ConfigError

if TYPE_CHECKING:
    from hardlab.config import HardpyConfig

__all__ = ["DB_ENV", "check_url", "default_url", "resolve_url"]

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


BACKENDS = ("sqlite", "postgresql")
"""The databases hardlab stores runs in (a URL's scheme before any ``+driver``)."""


def check_url(
    resolved: str, url: str | os.PathLike[str] | None = None, config: HardpyConfig | None = None
) -> None:
    """Check that `resolved` (what `resolve_url` gave for `url` and `config`) names a usable kind.

    Done before a run starts, so that a misspelt scheme is reported with the
    place the URL came from (the ``store`` given, ``$HARDLAB_DB_URL``, or
    ``[database] url`` in hardpy.toml) instead of when the store opens.

    Raises:
        ConfigError: If the URL is neither SQLite nor PostgreSQL.
    """
    backend = resolved.partition("://")[0].partition("+")[0]
    if backend in BACKENDS:
        return
    if url is not None:
        origin = "the store given"
    elif os.environ.get(DB_ENV):
        origin = f"${DB_ENV}"
    elif config is not None and config.database.url is not None:
        origin = "[database] url in hardpy.toml"
    else:  # pragma: no cover - the default is SQLite
        origin = "the store"
    shown = re.sub(r"://([^:/@]*):[^@/]*@", r"://\1:***@", resolved)  # no password in a message
    msg = (
        f"{origin} is {shown!r}: hardlab stores runs in SQLite or PostgreSQL, not "
        f"{backend or 'this'}. Write sqlite:///PATH/TO/runs.db (or just a file path) or "
        "postgresql://USER@HOST/DATABASE there."
    )
    raise ConfigError(msg)
