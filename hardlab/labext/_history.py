"""``GET /hardlab/api/history``: first-pass yield by day and a measurement's trend.

The Test runs panel's history view draws what this answers. The numbers are
the store's own history questions, the ones `hardlab.history()` asks
(`Store.yields` for `History.first_pass_yield`, `Store.measurements` for
`History.trend`, `Store.capability` for `History.capability`), so the panel
and a notebook's DataFrames never disagree.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from jupyter_server.auth.decorator import authorized
from tornado import web

from hardlab.labext._handlers import _StoreHandler
from hardlab.labext._params import ParameterError, _one, _values, _when, _whole

if TYPE_CHECKING:
    from hardlab.storage import RunFilter, Store

__all__ = [
    "DEFAULT_POINTS",
    "HISTORY_PARAMETERS",
    "MAX_POINTS",
    "HistoryHandler",
    "HistoryQuery",
    "history_view",
    "parse_history_query",
]

DEFAULT_POINTS = 500
"""Trend values answered when the request does not say (the newest ones)."""
MAX_POINTS = 5000
"""The most trend values one answer may hold."""

_FILTERS = ("part_number", "stand", "name")
HISTORY_PARAMETERS = (*_FILTERS, "since", "until", "measurement", "points")

JSON = dict[str, Any]


@dataclass(frozen=True)
class HistoryQuery:
    """What the history view asks: which runs, which measurement, how many values.

    Attributes:
        run_filter: The runs (their part number, stand, plan name and start time).
        measurement: The measurement whose trend is wanted (None: no trend).
        points: At most this many trend values, the newest.
    """

    run_filter: RunFilter
    measurement: str | None
    points: int


def parse_history_query(arguments: Mapping[str, Sequence[str]]) -> HistoryQuery:
    """The history asked for by ``GET /hardlab/api/history``.

    ``part_number``, ``stand`` and ``name`` (repeatable) and ``since`` /
    ``until`` (ISO 8601) choose the runs, as on the run list;
    ``measurement`` names the trend's measurement; ``points`` (1 to
    `MAX_POINTS`, default `DEFAULT_POINTS`) bounds its values.

    Raises:
        ParameterError: An unknown parameter, a time that is not ISO 8601,
            ``since`` not before ``until``, or ``points`` out of range.
    """
    unknown = sorted(set(arguments) - set(HISTORY_PARAMETERS))
    if unknown:
        msg = (
            f"unknown parameter {', '.join(map(repr, unknown))}; "
            f"the parameters are {', '.join(HISTORY_PARAMETERS)}"
        )
        raise ParameterError(msg)
    since = _when("since", _one(arguments, "since"))
    until = _when("until", _one(arguments, "until"))
    if since is not None and until is not None and since >= until:
        msg = f"since ({since.isoformat()}) must be before until ({until.isoformat()})"
        raise ParameterError(msg)
    points = _whole("points", _one(arguments, "points"), DEFAULT_POINTS, 1, MAX_POINTS)
    measurement = (_one(arguments, "measurement") or "").strip() or None
    from hardlab.storage import RunFilter

    run_filter = RunFilter(
        part_number=_values(arguments, "part_number"),
        stand=_values(arguments, "stand"),
        name=_values(arguments, "name"),
        since=since,
        until=until,
    )
    return HistoryQuery(run_filter=run_filter, measurement=measurement, points=points)


def _number(value: Any) -> float | None:
    return None if value is None else float(value)


def _iso(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return str(value.astimezone(timezone.utc).isoformat())
    return str(value)


def history_view(store: Store, query: HistoryQuery) -> JSON:
    """The history view's numbers, read from `store` (call it on the store thread).

    Returns:
        ``yield``: per UTC day (``YYYY-MM-DD``) the units first tested that
        day, how many passed first time and the first-pass yield (0 to 1),
        oldest first, as `History.first_pass_yield(by="day")` counts them
        (aborted and unfinished runs do not count). ``measurements``: the
        numeric measurements of these runs (``name``, ``unit``, ``n``),
        for choosing a trend. ``trend``: None without a ``measurement``,
        else its ``name``, ``unit``, ``total`` (final values stored),
        ``points`` (the newest `HistoryQuery.points`, oldest first: the run's
        id, start, serial number, ``value``, ``result``, and the ``lower``
        and ``upper`` limits in force, as `History.trend` draws them).
    """
    days = store.yields(query.run_filter, by=("day",), final=False).dicts()
    by_day = [
        {
            "day": str(row["day"])[:10],
            "units": int(row["units"]),
            "first_pass": int(row["first_pass"]),
            "first_pass_yield": _number(row["first_pass_yield"]),
        }
        for row in days
        if row["day"] is not None
    ]
    names: dict[str, JSON] = {}
    for row in store.capability(query.run_filter).dicts():
        name = row["measurement"]
        if name is None:
            continue
        entry = names.setdefault(name, {"name": name, "unit": row["unit"], "n": 0})
        entry["n"] += int(row["n"] or 0)
        if entry["unit"] != row["unit"]:
            entry["unit"] = entry["unit"] or row["unit"]
    trend: JSON | None = None
    if query.measurement is not None:
        rows = store.measurements(
            query.run_filter, measurement=query.measurement, attempts="final", numeric=True
        ).dicts()
        shown = rows[-query.points :]
        units = {row["unit"] for row in rows if row["unit"]}
        trend = {
            "name": query.measurement,
            "unit": units.pop() if len(units) == 1 else None,
            "total": len(rows),
            "points": [
                {
                    "run_id": str(row["run_id"]),
                    "started_at": _iso(row["run_started_at"]),
                    "serial_number": row.get("serial_number"),
                    "value": _number(row["value"]),
                    "result": row["result"],
                    "lower": _number(row["spec_lower"]),
                    "upper": _number(row["spec_upper"]),
                }
                for row in shown
            ],
        }
    return {
        "yield": by_day,
        "measurements": sorted(names.values(), key=lambda entry: entry["name"]),
        "trend": trend,
    }


class HistoryHandler(_StoreHandler):
    """``GET /hardlab/api/history``: first-pass yield by day and a measurement's trend.

    Query and answer: see `parse_history_query` and `history_view`; the
    answer also has ``store`` (as the run list's).
    """

    @web.authenticated
    @authorized
    async def get(self) -> None:
        try:
            query = parse_history_query(self.arguments())
        except ParameterError as exc:
            raise self.bad_request(exc) from exc
        store_info = self.store_info()
        if not store_info["exists"]:
            # reading an SQLite store that is not there would create it
            empty_trend: JSON | None = None
            if query.measurement is not None:
                empty_trend = {"name": query.measurement, "unit": None, "total": 0, "points": []}
            view: JSON = {"yield": [], "measurements": [], "trend": empty_trend}
        else:
            view = await self.read(lambda store: history_view(store, query))
        self.reply({**view, "store": store_info})
