"""How column values are stored, once, for the ORM and for the writer process alike.

`hardlab.storage._orm.UTCDateTime` (SQLAlchemy) and `hardlab.storage._write`
(plain DB-API, in the writer process) both convert timestamps with these
functions, so either side reads what the other wrote.

The report document is kept once per run, as zlib-compressed JSON
(`pack_json`, `unpack_json`): a 50-case report of 20 KB takes under 2 KB.

This module imports nothing but the standard library.
"""

from __future__ import annotations

import json
import zlib
from datetime import datetime, timedelta, timezone
from typing import Any

__all__ = [
    "RawJson",
    "bind_time",
    "json_text",
    "pack_json",
    "read_time",
    "sqlite_micros",
    "sqlite_time_text",
    "unpack_json",
    "unpack_text",
    "utc",
]


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


_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_MICROSECOND = timedelta(microseconds=1)


def sqlite_micros(value: datetime | None) -> int | None:
    """A `MicroTime` column's value on SQLite: UTC microseconds since 1970, an integer.

    8 bytes where the text `sqlite_time_text` gives takes 26: case attempts
    (two times each, a thousand a run) keep their times so.
    """
    return None if value is None else (utc(value) - _EPOCH) // _MICROSECOND


def read_time(value: Any) -> datetime | None:
    """A timestamp column's value as an aware UTC datetime.

    SQLite gives text (`sqlite_time_text`) or, for a `MicroTime` column, an
    integer (`sqlite_micros`); PostgreSQL gives a datetime.
    """
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return _EPOCH + timedelta(microseconds=value)
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment


class RawJson(str):
    """JSON text to store as it is (the run serialised it already)."""

    __slots__ = ()


def json_text(value: Any) -> str | None:
    """A JSON column's value as the text SQLAlchemy's ``JSON`` type stores (None: SQL NULL)."""
    if isinstance(value, RawJson):
        return str(value)
    # None stays SQL NULL, as the ORM's JSON columns keep it (none_as_null): a
    # case without messages, artifact or chart takes no bytes for them
    return None if value is None else json.dumps(value)


# What every HardPy report says, in the order its model_dump() says it: zlib
# starts from this text, so a report's keys cost a few bits from the first
# occurrence on. Never change it: stored documents name it by its checksum
# (the zlib header's DICTID), and an unknown one is refused (`unpack_json`).
_DICTIONARY = json.dumps(
    {
        "status": "passed",
        "stop_time": 1767578954,
        "start_time": 1767578894,
        "name": "",
        "rev": "",
        "id": "",
        "test_stand": {
            "hw_id": None,
            "name": "",
            "revision": None,
            "timezone": "UTC",
            "location": "",
            "number": None,
            "drivers": {},
            "instruments": [],
            "info": {},
        },
        "dut": {
            "name": "",
            "type": None,
            "serial_number": "",
            "part_number": "",
            "revision": "",
            "sub_units": [],
            "info": {},
        },
        "process": {"name": "", "number": None, "info": {}},
        "modules": {
            "test_": {
                "status": "failed",
                "stop_time": 1767578954,
                "start_time": 1767578894,
                "name": "",
                "group": "main",
                "cases": {
                    "test_": {
                        "status": "passed",
                        "stop_time": 1767578954,
                        "start_time": 1767578894,
                        "name": "",
                        "group": "main",
                        "assertion_msg": None,
                        "msg": None,
                        "measurements": [
                            {
                                "type": "numeric",
                                "value": 1.0,
                                "name": "",
                                "unit": "V",
                                "operation": "gele",
                                "comparison_value": None,
                                "lower_limit": 1.0,
                                "upper_limit": 1.0,
                                "result": True,
                            },
                            {
                                "type": "string",
                                "value": "",
                                "name": None,
                                "operation": "eq",
                                "comparison_value": "",
                                "casesensitive": True,
                                "result": False,
                            },
                        ],
                        "chart": None,
                        "attempt": 1,
                        "artifact": {},
                    }
                },
                "artifact": {},
            }
        },
        "user": None,
        "batch_serial_number": None,
        "caused_dut_failure_id": None,
        "error_code": None,
        "artifact": {},
    },
    separators=(",", ":"),
).encode()
_DICTIONARY_ID = zlib.adler32(_DICTIONARY)


def pack_json(value: Any) -> bytes | None:
    """A document as the ``document`` column keeps it: its JSON, zlib-compressed.

    `RawJson` text is kept as the run serialised it; anything else is
    serialised compactly. None stays None (SQL NULL).
    """
    if value is None:
        return None
    text = str(value) if isinstance(value, RawJson) else json.dumps(value, separators=(",", ":"))
    packer = zlib.compressobj(9, zdict=_DICTIONARY)
    # surrogatepass: JSON may carry a lone surrogate escaped, json.dumps keeps it escaped;
    # raw text from the run never has one, but must not be lost if it did
    return packer.compress(text.encode("utf-8", "surrogatepass")) + packer.flush()


def unpack_json(value: bytes | bytearray | memoryview | None) -> Any:
    """The document `pack_json` packed (None for None).

    Raises:
        ValueError: If `value` is not a document `pack_json` made.
    """
    return None if value is None else json.loads(unpack_text(value))


def unpack_text(value: bytes | bytearray | memoryview) -> str:
    """The JSON text `pack_json` packed, as it was given.

    Raises:
        ValueError: If `value` is not a document `pack_json` made.
    """
    data = bytes(value)
    try:
        if len(data) >= 6 and data[1] & 0x20:  # FDICT: compressed against a preset dictionary
            if int.from_bytes(data[2:6], "big") != _DICTIONARY_ID:
                msg = "a stored document was compressed with an unknown dictionary"
                raise ValueError(msg)
            unpacker = zlib.decompressobj(zdict=_DICTIONARY)
            text = unpacker.decompress(data) + unpacker.flush()
        else:
            text = zlib.decompress(data)
    except zlib.error as exc:
        msg = f"a stored document is not compressed JSON: {exc}"
        raise ValueError(msg) from exc
    return text.decode("utf-8", "surrogatepass")
