"""Schema revisions and quick looks at SQLite stores, without SQLAlchemy.

The revision this hardlab writes, what to say about other ones, and where
an SQLite URL's file is.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["SCHEMA_HEAD", "VERSION_TABLE", "check_sqlite", "revision_problem", "sqlite_file"]

VERSION_TABLE = "hardlab_alembic_version"
"""Alembic's version table, named so another application's Alembic is not disturbed."""

SCHEMA_HEAD = "20261203_0008"
"""The newest revision; a test checks it against the revision files."""


def revision_problem(revision: str | None, where: str) -> tuple[str, str] | None:
    """Why a database at `revision` cannot be used, as (kind, message), or None if it can.

    `kind` is ``old`` (the fix is ``hardlab db upgrade``) or ``new`` (the fix is
    a newer hardlab). A database without hardlab's schema (None) is fine: the
    schema is created on first use.
    """
    if revision is None or revision == SCHEMA_HEAD:
        return None
    if revision > SCHEMA_HEAD:
        return "new", (
            f"the store at {where} has schema {revision}, newer than this hardlab ({SCHEMA_HEAD}); "
            "upgrade hardlab (pip install -U hardlab)"
        )
    return "old", (
        f"the store at {where} has schema {revision}; this hardlab needs {SCHEMA_HEAD}. "
        f"Upgrade it with: hardlab db upgrade --db {where}"
    )


def sqlite_file(url: str, *, options: bool = True) -> Path | None:
    """The file of an ``sqlite:///`` URL (None for other databases and in-memory ones).

    Args:
        url: The store's URL.
        options: Whether a URL with options (``?...``) counts; they are dropped.
    """
    prefix = "sqlite:///"
    if not url.startswith(prefix):
        return None
    path, _, query = url[len(prefix) :].partition("?")
    if query and not options:
        return None
    return Path(path) if path and path != ":memory:" else None


def check_sqlite(path: Path, where: str) -> str | None:
    """A quick look (stdlib sqlite3, a few milliseconds) at whether an SQLite store is usable.

    Returns why not, or None. A missing file is usable (it is created).
    """
    if not path.exists():
        return None
    import sqlite3  # seldom needed by the run: its writer has usually checked the store first

    try:
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)
    except sqlite3.Error as exc:
        return f"the store at {where} cannot be opened: {exc}"
    try:
        try:
            row = connection.execute(f"SELECT version_num FROM {VERSION_TABLE}").fetchone()
        except sqlite3.OperationalError as exc:
            if "no such table" in str(exc):
                return None
            return f"the store at {where} cannot be read: {exc}"
        except sqlite3.DatabaseError as exc:
            return f"the store at {where} is not an SQLite database: {exc}"
    finally:
        connection.close()
    problem = revision_problem(row[0] if row else None, where)
    return problem[1] if problem else None
