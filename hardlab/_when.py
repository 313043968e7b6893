"""``--since``/``--until`` values of the front ends' run filters (CLI and magics alike)."""

from __future__ import annotations

import argparse
import re
from datetime import date, datetime, time, timedelta

_RELATIVE = re.compile(r"(\d+(?:\.\d+)?)\s*(s|m|h|d|w)")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_iso(text: str) -> datetime:
    """An ISO 8601 date or time, ``Z`` for UTC included; naive if `text` gives no offset.

    Raises:
        ValueError: If `text` is not ISO 8601.
    """
    iso = text.strip()
    # Python 3.10's fromisoformat does not take "Z" (browsers' Date.toISOString writes it).
    if iso.endswith(("Z", "z")):
        iso = iso[:-1] + "+00:00"
    return datetime.fromisoformat(iso)


def parse_when(text: str) -> datetime:
    """A ``--since``/``--until`` value as an aware datetime.

    Accepts ISO dates and times (``2026-11-21``, ``2026-11-21T08:00``,
    ``2026-11-21T08:00+02:00``; without an offset they are local time),
    ``today``, ``yesterday``, ``now``, and ages such as ``30m``, ``2h``,
    ``7d`` or ``2w`` (that long ago).

    Raises:
        argparse.ArgumentTypeError: If `text` is none of these.
    """
    value = text.strip().lower()
    now = datetime.now().astimezone()
    midnight = datetime.combine(date.today(), time()).astimezone()
    if value == "now":
        return now
    if value == "today":
        return midnight
    if value == "yesterday":
        return datetime.combine(date.today() - timedelta(days=1), time()).astimezone()
    relative = _RELATIVE.fullmatch(value)
    if relative:
        amount, unit = float(relative.group(1)), relative.group(2)
        return now - timedelta(**{_UNITS[unit]: amount})
    try:
        parsed = parse_iso(text)
    except ValueError:
        msg = (
            f"expected a date or time (2026-11-21, 2026-11-21T08:00), today, yesterday "
            f"or an age (30m, 2h, 7d, 2w), got {text!r}"
        )
        raise argparse.ArgumentTypeError(msg) from None
    return parsed if parsed.tzinfo is not None else parsed.astimezone()
