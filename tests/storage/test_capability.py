"""Capability statistics: the weekly statistics plus the edge days' rows give the raw answer.

Ranges that start or end inside a week read those days from the measurement
rows and combine them with the whole weeks' statistics (Chan's formula): the
answers equal those computed from the rows alone, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import math
import random
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from hardlab.storage import RunFilter, Store
from hardlab.storage._capability import WeekSplit, capability_select, daily_range, week_split
from hardlab.storage._rows import week_of, weekly_key

from .test_queries import DAY1, DAY2, _by_key, _case, _vout, at, fill, report


@pytest.fixture
def store(store_url: str):
    with Store(store_url) as opened:
        fill(opened)
        yield opened


def _numbers(store: Store, **filters: Any) -> dict[tuple[Any, ...], list[float]]:
    attempts = filters.pop("attempts", "final")
    rows = store.measurements(filters or None, attempts=attempts, numeric=True).dicts()
    groups: dict[tuple[Any, ...], list[float]] = {}
    for row in rows:
        key = (row["measurement"], row["unit"], row["spec_lower"], row["spec_upper"])
        groups.setdefault(key, []).append(row["value"])
    return groups


def _check(row: dict[str, Any], values: list[float], rel: float = 1e-9) -> None:
    n = len(values)
    mean = math.fsum(values) / n
    m2 = math.fsum((v - mean) ** 2 for v in values)
    assert row["n"] == n
    assert row["mean"] == pytest.approx(mean, rel=1e-12)
    assert row["m2"] == pytest.approx(m2, rel=rel, abs=1e-12)
    assert (row["min"], row["max"]) == (min(values), max(values))


@pytest.mark.parametrize("method", ["daily", "raw"])
@pytest.mark.parametrize("attempts", ["final", "all"])
def test_capability_statistics(store: Store, method: str, attempts: str) -> None:
    rows = store.capability(attempts=attempts, method=method).dicts()
    expected = _numbers(store, attempts=attempts)
    assert {(r["measurement"], r["unit"], r["lsl"], r["usl"]) for r in rows} == set(expected)
    assert expected["vout", "V", 4.9, 5.1] and expected["current", "A", None, 0.5]
    for row in rows:
        _check(row, expected[row["measurement"], row["unit"], row["lsl"], row["usl"]])
    vout = next(r for r in rows if r["measurement"] == "vout")
    # U2's first attempt (4.7, failed) is in "all" only; interrupted U6 counts (4.5)
    assert vout["n"] == (17 if attempts == "all" else 16)
    assert vout["n_fail"] == (6 if attempts == "all" else 5)  # 5.3 4.8 4.0 5.2 4.5 (+4.7)


def test_daily_and_raw_agree_per_group_and_window(store: Store) -> None:
    for kwargs in (
        {"by": ("part_number", "stand")},
        {"by": ("stand",), "run_filter": RunFilter(since=DAY2)},
        {"run_filter": RunFilter(part_number="PB-100", until=DAY2), "measurement": "vout"},
    ):
        daily = store.capability(method="daily", **kwargs).dicts()
        raw = store.capability(method="raw", **kwargs).dicts()
        assert len(daily) == len(raw) > 0
        for d, r in zip(daily, raw, strict=True):
            assert {k: v for k, v in d.items() if k not in ("mean", "m2")} == {
                k: v for k, v in r.items() if k not in ("mean", "m2")
            }
            assert d["mean"] == pytest.approx(r["mean"], rel=1e-12)
            assert d["m2"] == pytest.approx(r["m2"], rel=1e-9, abs=1e-12)
    by_stand = _by_key(store.capability(by=("stand",)).dicts(), "stand", "measurement")
    assert by_stand["B", "vout"]["n"] == 4  # U1b, U5, U6 (interrupted), U9


def test_which_filters_the_daily_statistics_answer() -> None:
    assert daily_range(None) == (None, None)
    assert daily_range(RunFilter(part_number="P", stand=["A", "B"])) == (None, None)
    assert daily_range({"since": "2026-11-02", "until": DAY2}) == ("2026-11-02", "2026-11-03")
    assert daily_range(RunFilter(since="2026-11-02T00:00+01:00")) is None  # not a UTC midnight
    assert daily_range(RunFilter(since=at(DAY1, 8))) is None
    for narrow in ({"serial_number": "U1"}, {"status": "passed"}, {"name": "x"},
                   {"run_ids": ["x"]}):  # fmt: skip
        assert daily_range(narrow) is None
    with pytest.raises(ValueError, match="method='raw'"):
        capability_select({"serial_number": "U1"}, method="daily")
    with pytest.raises(ValueError, match="attempts="):
        capability_select(attempts="some")


def test_raw_filters_narrow_the_measurements(store: Store) -> None:
    rows = store.capability({"serial_number": "U3"}, measurement="vout").dicts()
    _check(rows[0], [5.0, 4.8, 5.01])
    passed = store.capability({"status": "passed"}, measurement="current").dicts()
    assert passed[0]["n"] == 9


def test_capability_keeps_precision_far_from_zero(store_url: str) -> None:
    rng = random.Random(5)
    values = [1e9 + rng.gauss(0, 1e-3) for _ in range(24)]
    n = len(values)
    naive = math.fsum(v * v for v in values) - math.fsum(values) ** 2 / n
    exact = math.fsum((v - math.fsum(values) / n) ** 2 for v in values)
    assert abs(naive - exact) > exact / 2  # sums of squares cancel to noise here
    with Store(store_url) as store:
        for i, value in enumerate(values):
            rep = report(f"S{i}", "passed", at(DAY1 + timedelta(days=i % 4), 8 + i % 7))
            rail = rep.modules["test_board"].cases["test_rail"]
            rail.measurements[0].value = value
            rail.measurements[0].lower_limit = 1e9 - 0.01
            rail.measurements[0].upper_limit = 1e9 + 0.01
            store.save_report(rep)
        (raw,) = store.capability(measurement="vout", method="raw").dicts()
        _check(raw, values)  # deviations from a value near the mean: as exact as the data
        # The weekly rows keep a float64 mean, which at 1e9 resolves 1.2e-7:
        # the noise itself has about four significant digits there.
        (daily,) = store.capability(measurement="vout", method="daily").dicts()
        _check(daily, values, rel=1e-3)
        # a group the weekly statistics do not hold: the reference is a value of the name
        with store.engine.begin() as conn:
            conn.execute(text("DELETE FROM hardlab_measurement_weekly"))
        (fallback,) = store.capability(measurement="vout", method="raw").dicts()
        _check(fallback, values)


# ---------------------------------------------------------------- weeks and edge days


def test_weeks_start_on_monday_in_utc() -> None:
    assert week_of(date(1970, 1, 5)) == 4  # the first Monday after the epoch (a Thursday)
    assert week_of(date(1970, 1, 1)) == -3  # its week began on Monday 1969-12-29
    monday = (date(2026, 11, 2) - date(1970, 1, 1)).days
    assert week_of(DAY1) == week_of(date(2026, 11, 8)) == monday
    assert week_of(date(2026, 11, 9)) == monday + 7
    # Monday 01:00 at UTC+2 is still Sunday in UTC: the week before
    assert week_of(datetime(2026, 11, 9, 1, tzinfo=timezone(timedelta(hours=2)))) == monday
    assert week_of(datetime(2026, 11, 9, 1)) == monday + 7  # naive: UTC
    key = weekly_key(monday, "P", None, "v", "V", 4.9, None, True)
    assert -(2**63) <= key < 2**63 and key == weekly_key(
        monday, "P", None, "v", "V", 4.9, None, True
    )
    assert key != weekly_key(monday, None, "P", "v", "V", 4.9, None, True)  # NULL-safe
    assert key != weekly_key(monday + 7, "P", None, "v", "V", 4.9, None, True)


def test_a_range_splits_into_whole_weeks_and_edge_days() -> None:
    monday = (date(2026, 11, 2) - date(1970, 1, 1)).days
    assert week_split(None, None) == WeekSplit(None, None, [])
    assert week_split("2026-11-02", "2026-11-16") == WeekSplit(monday, monday + 14, [])
    assert week_split("2026-11-04", "2026-11-20") == WeekSplit(
        monday + 7,
        monday + 14,
        [(date(2026, 11, 4), date(2026, 11, 9)), (date(2026, 11, 16), date(2026, 11, 20))],
    )
    assert week_split("2026-11-04", None) == WeekSplit(
        monday + 7, None, [(date(2026, 11, 4), date(2026, 11, 9))]
    )
    assert week_split(None, "2026-11-04") == WeekSplit(
        None, monday, [(date(2026, 11, 2), date(2026, 11, 4))]
    )
    # no whole week inside: the rows answer it all
    assert week_split("2026-11-04", "2026-11-09") is None
    assert week_split("2026-11-04", "2026-11-15") is None
    assert week_split("2026-11-09", "2026-11-09") is None


START = datetime(2026, 10, 28, tzinfo=timezone.utc)  # a Wednesday
"""The first day of `_spread`'s history: six weeks that start and end inside a week."""


def _spread(store: Store) -> None:
    """About 150 runs over 40 days, 2 part numbers and 2 stands; retried cases, stopped runs."""
    rng = random.Random(11)
    for i in range(150):
        start = START + timedelta(minutes=rng.randrange(40 * 24 * 60))
        vout = 5.0 + rng.gauss(0, 0.06)
        status = "stopped" if i % 37 == 0 else "passed" if 4.9 <= vout <= 5.1 else "failed"
        retried = i % 2 == 1
        first_try = _case("Rail", False, [_vout(4.7 + i / 1000)], int(start.timestamp()))
        store.save_report(
            report(
                f"S{i}", status, start, part=("PB-100", "PB-200")[i % 2], stand="AB"[i % 3 % 2],
                vout=vout, current=rng.uniform(0.2, 0.6), rail_attempt=2 if retried else 1,
            ),
            attempts=[
                {"module_id": "test_board", "module_name": "Board", "case_id": "test_rail",
                 "attempt": 1, "final": False, "position": 0, "case": first_try}
            ] if retried else (),
        )  # fmt: skip


UNEVEN = (
    {},
    {"since": "2026-11-04"},  # a Wednesday: the rest of its week from the rows
    {"until": "2026-11-27"},  # a Friday
    {"since": "2026-11-04", "until": "2026-11-27"},
    {"since": "2026-11-02", "until": "2026-11-16"},  # whole weeks only
    {"since": "2026-11-10", "until": "2026-11-13"},  # shorter than a week
    {"since": "2026-11-08", "until": "2026-11-10"},  # across a Monday, no whole week
    {"since": "2026-11-05", "until": "2026-11-18", "part_number": "PB-200", "stand": "B"},
    {"since": "2026-11-01"},  # a Sunday, with the runs from the Wednesday before left out
    {"until": "2026-10-30"},  # inside the first week
)


@pytest.mark.parametrize("attempts", ["final", "all"])
def test_weekly_statistics_and_raw_rows_agree_on_uneven_ranges(
    store_url: str, attempts: str
) -> None:
    with Store(store_url) as store:
        _spread(store)
        for window in UNEVEN:
            for by in ((), ("part_number", "stand")):
                kwargs: dict[str, Any] = {"run_filter": window, "by": by, "attempts": attempts}
                weekly = store.capability(method="daily", **kwargs).dicts()
                raw = store.capability(method="raw", **kwargs).dicts()
                assert len(weekly) == len(raw) > 0, window
                for w, r in zip(weekly, raw, strict=True):
                    exact = {k: v for k, v in w.items() if k not in ("mean", "m2")}
                    assert exact == {k: v for k, v in r.items() if k not in ("mean", "m2")}
                    assert w["mean"] == pytest.approx(r["mean"], rel=1e-12), window
                    assert w["m2"] == pytest.approx(r["m2"], rel=1e-9, abs=1e-12), window
        # the answers rest on a few weekly rows, not on one per run
        with store.engine.connect() as conn:
            buckets = conn.execute(text("SELECT COUNT(*) FROM hardlab_measurement_weekly"))
            assert buckets.scalar_one() <= 7 * 4 * 2 * 2  # weeks x part/stand x 2 names x final
        (vout,) = store.capability(measurement="vout", attempts=attempts).dicts()
        assert vout["n"] == (225 if attempts == "all" else 150)


def test_the_weekly_part_reads_whole_weeks_and_the_rows_the_edges() -> None:
    def sql(**window: Any) -> str:
        return str(capability_select(window, method="daily").compile())

    assert "hardlab_measurement_weekly" in sql() and "UNION" not in sql()
    assert "UNION ALL" not in sql(since="2026-11-02", until="2026-11-16")
    edges = sql(since="2026-11-04", until="2026-11-20")
    assert edges.count("UNION ALL") == 2 and "hardlab_measurements" in edges
    # no whole week: the rows answer all of it (the weekly rows give only reference values)
    short = sql(since="2026-11-04", until="2026-11-06")
    assert "UNION ALL" not in short and "hardlab_measurement_weekly.m2" not in short
    assert daily_range({"since": "2026-11-04", "until": "2026-11-06"}) is not None


def test_the_edge_days_are_read_through_their_runs(tmp_path: Path) -> None:
    # SQLite would rather read every measurement in name order (its index
    # gives the groups' order) than the few runs a range of days picks
    with Store(f"sqlite:///{tmp_path / 'plan.db'}") as store:
        store.count_runs()
        statement = capability_select({"since": "2026-11-04", "until": "2026-11-20"})
        compiled = statement.compile(store.engine, compile_kwargs={"literal_binds": True})
        with store.engine.connect() as conn:
            plan = [row[-1] for row in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}")]
    assert any("USING INDEX ix_hardlab_runs_started" in step for step in plan), plan
    assert not any(step.startswith("SCAN hardlab_measurements") for step in plan), plan
