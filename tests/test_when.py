"""The --since/--until parser (hardlab._when): what it accepts, and clear errors for the rest."""

from __future__ import annotations

import argparse
from datetime import datetime, timedelta, timezone

import pytest

from hardlab._when import in_utc_range, parse_iso, parse_when


def test_ages_dates_and_words_are_aware_times() -> None:
    now = datetime.now(timezone.utc)
    assert abs(parse_when("2h") - (now - timedelta(hours=2))) < timedelta(seconds=5)
    assert parse_when("2026-11-21T08:00+02:00") == datetime(2026, 11, 21, 6, tzinfo=timezone.utc)
    assert parse_when("today").tzinfo is not None
    assert parse_iso("2026-11-21T08:00Z") == datetime(2026, 11, 21, 8, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("999999999d", "reaches back before the year 1"),
        ("99999999999999999999w", "reaches back before the year 1"),
        ("0001-01-01T00:00:00+14:00", "outside the years 1 to 9999 in UTC"),
        ("9999-12-31T23:59:59-14:00", "outside the years 1 to 9999 in UTC"),
        # only ASCII digits make an age: these are no age (nor a date)
        ("\u0663d", "expected a date or time"),
        ("\u0669" * 12 + "d", "expected a date or time"),
        ("\uff19" * 12 + "d", "expected a date or time"),
    ],
)
def test_times_out_of_range_are_argument_errors_not_overflow(text: str, expected: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError, match=expected):
        parse_when(text)


def test_in_utc_range_names_the_range() -> None:
    early = datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=14)))
    with pytest.raises(ValueError, match="outside the years 1 to 9999 in UTC"):
        in_utc_range(early)
    fine = datetime(1, 1, 2, tzinfo=timezone(timedelta(hours=14)))
    assert in_utc_range(fine) is fine
