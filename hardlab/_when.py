"""``--since``/``--until`` values of the front ends' run filters (CLI and magics alike)."""

from __future__ import annotations

import argparse
import re
from datetime import date, datetime, time, timedelta, timezone

# ASCII digits only: "\d" would also take Arabic-Indic and other digits.
_RELATIVE = re.compile(r"([0-9]+(?:\.[0-9]+)?)\s*(s|m|h|d|w)", re.ASCII)
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


def in_utc_range(moment: datetime) -> datetime:
    """`moment` (aware), if it can be told in UTC, as the store compares in UTC.

    ``0001-01-01T00:00+14:00`` is a valid ISO time that falls before year 1
    in UTC, and ``9999-12-31T23:59-14:00`` after year 9999: Python cannot
    represent either in UTC.

    Raises:
        ValueError: If it cannot (the message says the range).
    """
    try:
        moment.astimezone(timezone.utc)
    except OverflowError:
        msg = f"{moment.isoformat()} is outside the years 1 to 9999 in UTC"
        raise ValueError(msg) from None
    return moment


def parse_when(text: str) -> datetime:
    """A ``--since``/``--until`` value as an aware datetime.

    Accepts ISO dates and times (``2026-11-21``, ``2026-11-21T08:00``,
    ``2026-11-21T08:00+02:00``; without an offset they are local time),
    ``today``, ``yesterday``, ``now``, and ages such as ``30m``, ``2h``,
    ``7d`` or ``2w`` (that long ago, in ASCII digits). The result can be
    told in UTC (it lies within the years 1 to 9999 there).

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
        try:
            return in_utc_range(now - timedelta(**{_UNITS[unit]: amount}))
        except (OverflowError, ValueError):
            msg = f"{text!r} reaches back before the year 1; give a shorter age or a date"
            raise argparse.ArgumentTypeError(msg) from None
    try:
        parsed = parse_iso(text)
    except ValueError:
        msg = (
            f"expected a date or time (2026-11-21, 2026-11-21T08:00), today, yesterday "
            f"or an age (30m, 2h, 7d, 2w), got {text!r}"
        )
        raise argparse.ArgumentTypeError(msg) from None
    try:
        return in_utc_range(parsed if parsed.tzinfo is not None else parsed.astimezone())
    except (OverflowError, ValueError) as exc:
        # astimezone() of a naive time at the ends of the calendar overflows too
        msg = f"{text!r}: {exc}" if isinstance(exc, ValueError) else f"{text!r} is out of range"
        raise argparse.ArgumentTypeError(
            f"{msg}; give a date between the years 1 and 9999"
        ) from None
