"""The instrument exchanges an artifact keeps under ``scpi``: a table, and how to read it.

A case (or the run, for traffic outside a case) keeps its exchanges as one
table in its artifact, rows in the order they were made::

    "scpi": {
        "columns": ["instrument", "op", "command", "answer", "time", "ms", "error"],
        "rows": [["dmm", "query", "MEAS:VOLT:DC?", "+3.300E+00", 1764750000.123456, 0.061, null]]
    }

``time`` is the exchange's start in seconds since the epoch, ``ms`` its
duration, ``answer`` the text read (None for a write; binary data as
``<N bytes sha256:...>``), ``error`` None unless the exchange failed. A
table, not an object per exchange: it is a third smaller in JSON (no key
names repeated), and a row costs an instrument call less to keep. Earlier
hardlab versions kept a list of objects (``{"instrument": ..., "t": ...,
"ms": ...}``); `scpi_entries` reads both.

Pure Python: the store's writer process and the text views read it without
pydantic.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["SCPI_COLUMNS", "SCPI_KEY", "scpi_entries", "scpi_table"]

SCPI_KEY = "scpi"
"""The artifact key under which a case (or the run) keeps its exchanges."""

SCPI_COLUMNS = ("instrument", "op", "command", "answer", "time", "ms", "error")
"""The columns of a row, in order."""


def scpi_table() -> dict[str, Any]:
    """A new, empty exchange table (``columns`` and ``rows``)."""
    return {"columns": list(SCPI_COLUMNS), "rows": []}


def scpi_entries(value: Any) -> list[dict[str, Any]]:
    """The exchanges of an artifact's ``scpi`` value, one dict per exchange keyed by `SCPI_COLUMNS`.

    Reads the table (with its own ``columns``, in any order) and the list of
    objects of earlier versions (whose ``t`` is ``time``). Anything else, and
    a row that is not a list of the table's width, gives nothing: an
    artifact is the plan's to fill, and a plan may have put its own value
    under this key.
    """
    if isinstance(value, Mapping):
        columns = value.get("columns")
        rows = value.get("rows")
        if not isinstance(columns, list | tuple) or not isinstance(rows, list | tuple):
            return []
        names = [str(column) for column in columns]
        width = len(names)
        entries = []
        for row in rows:
            if isinstance(row, list | tuple) and len(row) == width:
                entry = dict.fromkeys(SCPI_COLUMNS)
                entry.update(zip(names, row, strict=True))
                entries.append(entry)
        return entries
    if isinstance(value, list | tuple):
        entries = []
        for item in value:
            if isinstance(item, Mapping):
                entry = {column: item.get(column) for column in SCPI_COLUMNS}
                if entry["time"] is None:
                    entry["time"] = item.get("t")
                entries.append(entry)
        return entries
    return []
