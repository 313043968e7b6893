"""Query parameters of the REST API, read and checked before anything touches the store.

Pure functions over ``{name: [values]}`` (what tornado's ``request.query_arguments``
holds, decoded), so every rule is tested without a server. A bad value is a
`ParameterError` whose message names the parameter, what was given and what
would be accepted; the handlers answer it with HTTP 400.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING

from hardlab._when import in_utc_range, parse_iso

if TYPE_CHECKING:
    from hardlab.exchange import ExportFormat
    from hardlab.storage import RunFilter

__all__ = [
    "DEFAULT_LIMIT",
    "MAX_LIMIT",
    "OFFSET_MAX",
    "RUN_ID_MAX",
    "RUN_OUTCOMES",
    "RUN_STATUSES",
    "ParameterError",
    "RunsQuery",
    "check_run_id",
    "parse_export_format",
    "parse_runs_query",
]

DEFAULT_LIMIT = 50
"""Runs per page when the request does not say."""
MAX_LIMIT = 500
"""The most runs one page may hold."""
OFFSET_MAX = 2**63 - 1
"""The largest offset: databases count rows in signed 64-bit integers."""
RUN_ID_MAX = 200
"""The longest run id accepted (ids are UUIDs, or a HardPy report's id when imported)."""

RUN_STATUSES = ("passed", "failed", "skipped", "error", "run", "ready", "stopped", "interrupted")
"""Every status a stored run can have: HardPy's (`TestStatus`), and hardlab's ``interrupted``.

Written out rather than taken from `TestStatus`, so that jupyter_server imports
this extension without the report model (tests/labext checks the two agree).
"""

RUN_OUTCOMES = ("passed", "failed", "stopped", "interrupted", "run")
"""The statuses hardlab's runs end with (or have while they go on), in the order filters offer them.

A run is never ``skipped``, ``error`` or ``ready`` (those are cases'); an
imported report may still carry one, and then the filter offers it too.
"""

_LIST_FILTERS = ("part_number", "serial_number", "stand", "status", "name")
_TIME_FILTERS = ("since", "until")
_PAGING = ("limit", "offset")
RUNS_PARAMETERS = (*_LIST_FILTERS, *_TIME_FILTERS, *_PAGING)


class ParameterError(ValueError):
    """A query parameter the API cannot use; its message says which and what to send."""


@dataclass(frozen=True)
class RunsQuery:
    """One page of runs: which runs, how many, from where.

    Attributes:
        run_filter: The runs wanted (None: all).
        limit: At most this many on the page.
        offset: Skip this many of the newest first.
    """

    run_filter: RunFilter | None
    limit: int
    offset: int


def _one(arguments: Mapping[str, Sequence[str]], name: str) -> str | None:
    values = arguments.get(name)
    if not values:
        return None
    if len(values) > 1:
        msg = f"{name} was given {len(values)} times; give it once"
        raise ParameterError(msg)
    return values[0]


def _whole(name: str, text: str | None, default: int, low: int, high: int | None) -> int:
    if text is None:
        return default
    try:
        value = int(text.strip())
    except ValueError:
        value = None
    if value is None or value < low or (high is not None and value > high):
        bounds = f"from {low} to {high}" if high is not None else f"of at least {low}"
        msg = f"{name}={text!r}: give a whole number {bounds}"
        raise ParameterError(msg)
    return value


def _when(name: str, text: str | None) -> datetime | None:
    if text is None or not text.strip():
        return None
    try:
        value = parse_iso(text)
    except ValueError:
        msg = (
            f"{name}={text!r}: give an ISO 8601 date or time, "
            "e.g. 2026-11-21 or 2026-11-21T08:00:00+02:00 (UTC when no offset is given)"
        )
        raise ParameterError(msg) from None
    try:
        return in_utc_range(
            value if value.tzinfo is not None else value.replace(tzinfo=timezone.utc)
        )
    except ValueError as exc:
        raise ParameterError(f"{name}={text!r}: {exc}; give a later or earlier time") from None


def _values(arguments: Mapping[str, Sequence[str]], name: str) -> list[str] | None:
    """Every non-empty value of a repeatable filter (``?stand=A&stand=B``); None if none."""
    values = [value.strip() for value in arguments.get(name, ()) if value.strip()]
    return values or None


def parse_runs_query(arguments: Mapping[str, Sequence[str]]) -> RunsQuery:
    """The page of runs asked for by ``GET /hardlab/api/runs``.

    Filters (``part_number``, ``serial_number``, ``stand``, ``status``,
    ``name``) may be repeated to accept any of several values; empty values
    are ignored (an empty filter field means "any"). ``since`` and ``until``
    bound the start time. ``limit`` (1 to `MAX_LIMIT`, default
    `DEFAULT_LIMIT`) and ``offset`` (default 0) choose the page.

    Raises:
        ParameterError: An unknown parameter, a status that does not exist,
            a time that is not ISO 8601, or a limit or offset out of range.
    """
    unknown = sorted(set(arguments) - set(RUNS_PARAMETERS))
    if unknown:
        msg = (
            f"unknown parameter {', '.join(map(repr, unknown))}; "
            f"the parameters are {', '.join(RUNS_PARAMETERS)}"
        )
        raise ParameterError(msg)
    limit = _whole("limit", _one(arguments, "limit"), DEFAULT_LIMIT, 1, MAX_LIMIT)
    offset = _whole("offset", _one(arguments, "offset"), 0, 0, None)
    if offset > OFFSET_MAX:
        msg = f"offset={offset}: no store holds that many runs; give at most {OFFSET_MAX}"
        raise ParameterError(msg)
    chosen = {name: _values(arguments, name) for name in _LIST_FILTERS}
    for status in chosen["status"] or ():
        if status not in RUN_STATUSES:
            msg = f"status={status!r}: choose among {', '.join(RUN_STATUSES)}"
            raise ParameterError(msg)
    since = _when("since", _one(arguments, "since"))
    until = _when("until", _one(arguments, "until"))
    if since is not None and until is not None and since >= until:
        msg = f"since ({since.isoformat()}) must be before until ({until.isoformat()})"
        raise ParameterError(msg)
    from hardlab.storage import RunFilter

    run_filter = RunFilter(
        part_number=chosen["part_number"],
        serial_number=chosen["serial_number"],
        stand=chosen["stand"],
        status=chosen["status"],
        name=chosen["name"],
        since=since,
        until=until,
    )
    if run_filter == RunFilter():
        return RunsQuery(run_filter=None, limit=limit, offset=offset)
    return RunsQuery(run_filter=run_filter, limit=limit, offset=offset)


def check_run_id(run_id: str) -> str:
    """`run_id` from a URL, checked: not empty, not absurdly long, no control characters.

    Raises:
        ParameterError: If it is not a plausible run id.
    """
    if not run_id or len(run_id) > RUN_ID_MAX or not run_id.isprintable():
        shown = run_id if len(run_id) <= 40 else run_id[:40] + "…"
        msg = (
            f"run id {shown!r} is not a run id: give the id a run list shows "
            f"(printable, 1 to {RUN_ID_MAX} characters)"
        )
        raise ParameterError(msg)
    return run_id


def parse_export_format(arguments: Mapping[str, Sequence[str]]) -> ExportFormat:
    """The ``format`` of ``GET /hardlab/api/runs/{id}/export`` (default ``hardpy-json``).

    The endpoint serves the formats of `hardlab.exchange.EXPORT_FORMATS`
    written from the report alone (`ExportFormat.report_only`): a download
    reads no more of the store than the report view does.

    Raises:
        ParameterError: An unknown parameter or format.
    """
    from hardlab.exchange import DEFAULT_EXPORT, EXPORT_FORMATS

    unknown = sorted(set(arguments) - {"format"})
    if unknown:
        msg = f"unknown parameter {', '.join(map(repr, unknown))}; the parameter is format"
        raise ParameterError(msg)
    served = {f.name: f for f in EXPORT_FORMATS if f.report_only}
    chosen = _one(arguments, "format") or DEFAULT_EXPORT.name
    if chosen not in served:
        msg = f"format={chosen!r}: choose among {', '.join(served)}"
        raise ParameterError(msg)
    return served[chosen]
