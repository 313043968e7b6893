"""History as pandas DataFrames: runs, cases, measurements, yields, paretos, Cpk, trends.

`History` asks a source (a `hardlab.storage.Store`) for rows and turns them
into DataFrames with real dtypes; `attempts_frame` does the same for one
run's attempts in memory (`hardlab.RunResult.to_frame`). Get a `History`
with `hardlab.history()`.

Importing this package imports neither pandas nor matplotlib; the names are
loaded on first use (pandas and matplotlib come with ``hardlab[analytics]``).
"""

from __future__ import annotations

import importlib as _importlib
from typing import TYPE_CHECKING
from typing import Any as _Any

if TYPE_CHECKING:
    from hardlab.views._frames import RowsLike, attempts_frame, rows_frame
    from hardlab.views._history import History, HistoryFilters, HistorySource
    from hardlab.views._trend import TrendFigure

__all__ = [
    "History",
    "HistoryFilters",
    "HistorySource",
    "RowsLike",
    "TrendFigure",
    "attempts_frame",
    "rows_frame",
]

_WHERE = {
    "History": "hardlab.views._history",
    "HistoryFilters": "hardlab.views._history",
    "HistorySource": "hardlab.views._history",
    "RowsLike": "hardlab.views._frames",
    "TrendFigure": "hardlab.views._trend",
    "attempts_frame": "hardlab.views._frames",
    "rows_frame": "hardlab.views._frames",
}


def __getattr__(name: str) -> _Any:
    module = _WHERE.get(name)
    if module is None:
        msg = f"module 'hardlab.views' has no attribute {name!r}"
        raise AttributeError(msg)
    try:
        loaded = _importlib.import_module(module)
    except ImportError as exc:
        if exc.name in ("pandas", "matplotlib", "numpy"):
            from hardlab.errors import MissingExtraError

            raise MissingExtraError("analytics", exc.name) from exc
        raise
    value = getattr(loaded, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
