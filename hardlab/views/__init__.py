"""History as pandas DataFrames: runs, cases, measurements, yields, paretos, Cpk, trends.

`History` asks a source (a `hardlab.storage.Store`) for rows and turns them
into DataFrames with real dtypes; `attempts_frame` does the same for one
run's attempts in memory (`hardlab.RunResult.to_frame`). `compare_reports`
puts two runs side by side (a `Comparison`); `History.suggest_limits` and
`History.what_if` set limits from history. Get a `History`
with `hardlab.history()`.

Importing this package imports neither pandas nor matplotlib; the names are
loaded on first use (pandas and matplotlib come with ``hardlab[analytics]``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hardlab._util import lazy_exports

if TYPE_CHECKING:
    from hardlab.views._compare import (
        CaseChange,
        Comparison,
        MeasurementChange,
        compare_reports,
        golden_run_id,
    )
    from hardlab.views._frames import RowsLike, attempts_frame, rows_frame
    from hardlab.views._history import History, HistoryFilters, HistorySource
    from hardlab.views._limits import LimitSuggestion, WhatIf
    from hardlab.views._trend import TrendFigure

__all__ = [
    "CaseChange",
    "Comparison",
    "History",
    "HistoryFilters",
    "HistorySource",
    "LimitSuggestion",
    "MeasurementChange",
    "RowsLike",
    "TrendFigure",
    "WhatIf",
    "attempts_frame",
    "compare_reports",
    "golden_run_id",
    "rows_frame",
]

_WHERE = {
    "CaseChange": "hardlab.views._compare",
    "Comparison": "hardlab.views._compare",
    "LimitSuggestion": "hardlab.views._limits",
    "MeasurementChange": "hardlab.views._compare",
    "WhatIf": "hardlab.views._limits",
    "compare_reports": "hardlab.views._compare",
    "golden_run_id": "hardlab.views._compare",
    "History": "hardlab.views._history",
    "HistoryFilters": "hardlab.views._history",
    "HistorySource": "hardlab.views._history",
    "RowsLike": "hardlab.views._frames",
    "TrendFigure": "hardlab.views._trend",
    "attempts_frame": "hardlab.views._frames",
    "rows_frame": "hardlab.views._frames",
}


def _missing_extra(exc: ImportError) -> Exception | None:
    if exc.name in ("pandas", "matplotlib", "numpy"):
        from hardlab.errors import MissingExtraError

        return MissingExtraError("analytics", exc.name)
    return None


__getattr__, __dir__ = lazy_exports(__name__, _WHERE, _missing_extra)
