"""What the store commands share: which store, how to name it, short run ids."""

from __future__ import annotations

import os
import shlex
from pathlib import Path
from typing import TYPE_CHECKING

from hardlab.errors import HardlabError

if TYPE_CHECKING:
    from hardlab.config import HardpyConfig
    from hardlab.storage import Store

__all__ = [
    "MIN_SHORT_ID",
    "RUN_STATUSES",
    "CliError",
    "check_store",
    "cwd_config",
    "db_option",
    "open_store",
    "safe_url",
    "short_ids",
    "url_source",
]

MIN_SHORT_ID = 13
"""Short run ids have at least this many characters, and more where needed to be unique.

A time-ordered id (UUID 7) starts with its millisecond timestamp, 13 characters
with the dash: shorter prefixes are shared by every run started in the same
minute or second, so a short id printed today would be ambiguous tomorrow.
"""

RUN_STATUSES = ("passed", "failed", "stopped", "interrupted", "error", "run")
"""The statuses a stored run can have (``run``: still going; ``error``: its plan could not run)."""


class CliError(HardlabError):
    """A command cannot do what it was asked; the message says why and what to do."""


def cwd_config() -> HardpyConfig | None:
    """The working directory's ``hardpy.toml`` (its ``[database] url`` picks the store), if any.

    Raises:
        ConfigError: If the file is invalid.
    """
    from hardlab.config import CONFIG_FILE

    if not Path(CONFIG_FILE).is_file():
        return None
    from hardlab.config import load_config

    return load_config()


def open_store(db: str | None) -> Store:
    """The store the commands use: `db`, else ``$HARDLAB_DB_URL``, ``hardpy.toml``, the default.

    Raises:
        ConfigError: If `db` is not a database URL or ``hardpy.toml`` is invalid.
        CliError: If the store named by `db` or ``$HARDLAB_DB_URL`` cannot be used
            (see `check_store`).
    """
    from hardlab.storage import DB_ENV, Store, resolve_url

    if db is not None:
        check_store(resolve_url(db), "--db")
    elif os.environ.get(DB_ENV):
        check_store(resolve_url(None), f"${DB_ENV}")
    return Store(db, config=cwd_config())


# the database driver each SQLAlchemy dialect name loads, and where it comes from
_DRIVERS = {
    "psycopg": ("psycopg", 'pip install "hardlab[postgres]"'),
    "psycopg2": ("psycopg2", "pip install psycopg2-binary"),
    "pg8000": ("pg8000", "pip install pg8000"),
}


def check_store(url: str, source: str, *, no_store: bool = False) -> None:
    """Refuse a store that cannot be used, before anything runs: one message, what to do.

    A run whose store cannot be used would still run and keep its report as
    a file; a bad ``--db`` is a mistake to fix first, not a test result. This
    looks, without connecting: an SQLite file's folder exists (hardlab's own
    data folder is created), PostgreSQL's driver is installed, the database
    is one hardlab stores in.

    Args:
        url: The resolved store URL (`hardlab.storage.resolve_url`).
        source: Where it came from, for the message (``--db``, ``$HARDLAB_DB_URL``).
        no_store: Whether the command takes ``--no-store`` (say so as the way out).

    Raises:
        CliError: If the store cannot be used; the URL is shown with its password hidden.
    """
    from hardlab.storage import default_url

    scheme, sep, rest = url.partition("://")
    if not sep:
        return  # not a URL at all: Store says so
    backend, _, driver = scheme.partition("+")
    problem = ""
    if backend == "sqlite":
        path, _, _ = rest.removeprefix("/").partition("?")
        folder = Path(path).parent
        default_folder = Path(default_url().removeprefix("sqlite:///")).parent
        if path and path != ":memory:" and not folder.is_dir() and folder != default_folder:
            what = "is not a folder" if folder.exists() else "does not exist"
            # not created: a mistyped folder would hide the runs where nobody looks
            problem = f"the folder {folder} {what}; create it first (mkdir -p {folder})"
    elif backend in ("postgresql", "postgres"):
        import importlib

        module, install = _DRIVERS.get(driver or "psycopg2", (driver, f"pip install {driver}"))
        try:
            importlib.import_module(module)
        except ImportError:
            problem = f"PostgreSQL's driver {module} is not installed; install it: {install}"
    else:
        problem = "hardlab stores runs in SQLite or PostgreSQL only"
    if problem:
        way_out = "; or run without storing the run: --no-store" if no_store else ""
        msg = f"cannot use the store {safe_url(url)} ({source}): {problem}{way_out}"
        raise CliError(msg)


def url_source(db: str | None) -> str:
    """Where the store's URL came from, for ``hardlab db info``."""
    from hardlab.storage import DB_ENV

    if db is not None:
        return "--db"
    if os.environ.get(DB_ENV):
        return f"${DB_ENV}"
    config = cwd_config()
    if config is not None and config.database.url:
        return "hardpy.toml [database] url"
    return "the default (hardlab's data folder)"


def safe_url(url: str) -> str:
    """`url` with its password hidden (as SQLAlchemy shows it: ``user:***@host``)."""
    # plain text work: `hardlab run` prints the URL and need not import SQLAlchemy for it
    scheme, sep, rest = url.partition("://")
    if not sep:
        return url
    netloc, slash, path = rest.partition("/")
    userinfo, at, host = netloc.rpartition("@")
    if not at or ":" not in userinfo:
        return url
    user = userinfo.split(":", 1)[0]
    return f"{scheme}://{user}:***@{host}{slash}{path}"


def short_ids(store: Store, ids: list[str]) -> dict[str, str]:
    """The shortest prefix (at least `MIN_SHORT_ID` characters) naming each run uniquely.

    A run id is accepted wherever a unique prefix of it is, as git accepts
    short hashes. Time-ordered ids of runs started within a minute share
    their first eight characters, so the prefix grows until it differs from
    both neighbours of the id in the store (`Store.short_ids`).
    """
    return store.short_ids(ids, min_length=MIN_SHORT_ID)


def db_option(url: str) -> str:
    """`` --db URL`` when commands run here would not find the store at `url` by themselves."""
    from hardlab.storage import resolve_url

    if resolve_url(None, cwd_config()) == url:
        return ""
    return f" --db {shlex.quote(safe_url(url))}"
