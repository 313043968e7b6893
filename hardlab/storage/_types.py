"""How column values are stored, once, for the ORM and for the writer process alike.

`hardlab.storage._orm.UTCDateTime` (SQLAlchemy) and `hardlab.storage._write`
(plain DB-API, in the writer process) both convert timestamps with these
functions, so either side reads what the other wrote.

This module imports nothing but the standard library.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

__all__ = ["RawJson", "bind_time", "json_text", "read_time", "sqlite_time_text", "utc"]


def utc(value: datetime) -> datetime:
    """`value` in UTC.

    Raises:
        ValueError: If `value` is naive: hardlab stores times with a time zone.
    """
    if value.tzinfo is None:
        msg = f"naive datetime {value!r}: hardlab stores times with a time zone"
        raise ValueError(msg)
    return value.astimezone(timezone.utc)


def bind_time(value: datetime | None, dialect: str) -> datetime | None:
    """A timestamp as the driver takes it: aware UTC, or UTC wall time on SQLite.

    PostgreSQL keeps ``timestamptz``; SQLite has no timestamp type and keeps
    the UTC wall time.
    """
    if value is None:
        return None
    value = utc(value)
    return value.replace(tzinfo=None) if dialect == "sqlite" else value


def sqlite_time_text(value: datetime | None) -> str | None:
    """`bind_time` on SQLite, as the text SQLAlchemy's SQLite ``DATETIME`` stores."""
    wall = bind_time(value, "sqlite")
    return None if wall is None else wall.isoformat(" ", "microseconds")


def read_time(value: Any) -> datetime | None:
    """A timestamp column's value as an aware UTC datetime (SQLite gives text, PostgreSQL not)."""
    if value is None:
        return None
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment


class RawJson(str):
    """JSON text to store as it is (the run serialised it already)."""

    __slots__ = ()


def json_text(value: Any) -> str:
    """A JSON column's value as the text SQLAlchemy's ``JSON`` type stores."""
    if isinstance(value, RawJson):
        return str(value)
    # None becomes JSON null, as SQLAlchemy's JSON type stores it (none_as_null is off)
    return "null" if value is None else json.dumps(value)
