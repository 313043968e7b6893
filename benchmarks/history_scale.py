"""History at scale: first-pass yield and Cpk over 100,000 runs, in SQL and the HardPy way.

The script fills a fresh SQLite store (schema made by ``Store(url)``, so it
is hardlab's own) with synthetic production history: 100,000 runs of a
50-case plan (500,000 module rows, 5,000,000 case rows, 5,000,000 measurement rows), 4 part
numbers, 4 stands, 100 days; about 7 % of units fail first and are
retested, 1 % of runs are stopped by the operator. Rows go in through
``executemany`` with plain tuples (the per-week measurement statistics are
computed alongside, as the writer would have left them), each run with its
report document, as a real store keeps them (compressed, in
``hardlab_documents``).

It prints the store's size a run beside the HardPy JSON files' (target: the
store at most 3/4 of the files of the same runs).

Then it times, through ``hardlab.history()``:

* ``first_pass_yield(by=("part_number", "day"))``;
* ``capability()`` (Cp/Cpk of every measurement), and over a range from a
  Wednesday to a Wednesday (whole weeks from the weekly statistics, the 7
  edge days from the measurement rows);
* ``suggest_limits()`` (mean ± 3σ of every measurement) and the same for one
  part number;
* ``what_if()`` with new limits for two measurements (one tighter, one
  wider): every unit's first run judged again, with the units that flip;

target: under 1 s each. And the same two answers the HardPy way: pandas
over a folder of HardPy JSON report files (what HardPy's ``JsonLoader``
writes: the report's ``model_dump()``, indented by two) for every run of
every 10th unit (about 10,000 runs), read with ``json`` into frames; that
time is scaled to the full number of runs. Target: hardlab at least 20x
faster. (HardPy keeps no history database: loading 10,000 such files and
computing first-pass yield took 1.78 s on the machine the target was set
on, so about 18 s for 100,000 runs.)

Usage: python benchmarks/history_scale.py [--runs 100000] [--keep DIR] [--no-documents]
"""

from __future__ import annotations

import argparse
import json
import math
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import numpy as np

PARTS = ("PB-100", "PB-200", "PB-300", "PB-400")
STANDS = ("stand-1", "stand-2", "stand-3", "stand-4")
MODULES = 5
CASES = 50  # 10 per module, one numeric measurement each
DAYS = 100
START = datetime(2026, 1, 5, tzinfo=timezone.utc)
RUN_SECONDS = 60
BATCH = 2000  # runs per executemany batch

MODULE_IDS = [f"test_{m + 1}_block" for m in range(MODULES)]
CASE_IDS = [f"test_rail_{c:02d}" for c in range(CASES)]
CASE_NAMES = [f"Rail {c:02d}" for c in range(CASES)]
NAMES = [f"rail_{c:02d}" for c in range(CASES)]
NOMINAL = np.array([1.0 + 0.1 * c for c in range(CASES)])
LOWER = np.round(NOMINAL * 0.95, 6)
UPPER = np.round(NOMINAL * 1.05, 6)
SIGMA = NOMINAL * 0.008  # Cpk about 2


# ---------------------------------------------------------------- the history


@dataclass
class Plan:
    """Every run, sorted by start: the columns the rows are made from."""

    start_us: np.ndarray  # microseconds since the epoch
    part: np.ndarray
    stand: np.ndarray
    unit: np.ndarray
    status: np.ndarray  # 0 passed, 1 failed, 2 stopped
    failing_case: np.ndarray  # the case that fails a failed run, else -1
    ids: list[str]
    serials: list[str]


def plan_runs(n_runs: int, rng: np.random.Generator) -> Plan:
    """Units and their runs: a first run, then retests until one passes (at most 3 runs)."""
    starts, parts, stands, units, statuses, failing = [], [], [], [], [], []
    unit = 0
    span_us = DAYS * 86400 * 10**6
    base = int(START.timestamp() * 10**6)
    while len(starts) < n_runs:
        t = base + int(rng.integers(0, span_us))
        part, stand = int(rng.integers(len(PARTS))), int(rng.integers(len(STANDS)))
        for attempt in range(3):
            if len(starts) == n_runs:
                break
            stopped = rng.random() < 0.01
            fails = not stopped and attempt < 2 and rng.random() < (0.07 if attempt == 0 else 0.15)
            starts.append(t)
            parts.append(part)
            stands.append(stand)
            units.append(unit)
            statuses.append(2 if stopped else 1 if fails else 0)
            failing.append(int(rng.integers(CASES)) if fails else -1)
            if not (stopped or fails):
                break
            t += int(rng.integers(1, 6) * 3600 * 10**6)  # retested hours later
            stand = int(rng.integers(len(STANDS)))
        unit += 1
    order = np.argsort(np.array(starts), kind="stable")
    start_us = np.array(starts)[order]
    rand = rng.integers(0, 2**62, size=n_runs, dtype=np.int64)
    ids = [_uuid7(int(us) // 1000, int(r)) for us, r in zip(start_us, rand, strict=True)]
    unit_arr = np.array(units)[order]
    return Plan(
        start_us=start_us,
        part=np.array(parts)[order],
        stand=np.array(stands)[order],
        unit=unit_arr,
        status=np.array(statuses)[order],
        failing_case=np.array(failing)[order],
        ids=ids,
        serials=[f"SN{u:07d}" for u in unit_arr.tolist()],
    )


def _uuid7(unix_ms: int, rand: int) -> str:
    """A time-ordered UUID, as hardlab gives runs (so ids arrive in index order)."""
    value = (unix_ms & ((1 << 48) - 1)) << 80 | 0x7 << 76 | (rand >> 50) << 64
    value |= 0b10 << 62 | (rand & ((1 << 62) - 1))
    return str(uuid.UUID(int=value))


def _sql_time(us: int) -> str:
    """SQLAlchemy's SQLite storage format for a UTC timestamp."""
    moment = datetime(1970, 1, 1) + timedelta(microseconds=us)
    return moment.strftime("%Y-%m-%d %H:%M:%S.%f")


def _utc(us: int) -> datetime:
    """An aware UTC datetime of microseconds since the epoch."""
    return datetime(1970, 1, 1, tzinfo=timezone.utc) + timedelta(microseconds=us)


STATUS = ("passed", "failed", "stopped")


def document(plan: Plan, i: int, values: np.ndarray, results: np.ndarray) -> dict[str, Any]:
    """Run `i`'s report, field for field what ``ResultRunStore.model_dump()`` gives."""
    t = int(plan.start_us[i] // 10**6)
    status = STATUS[int(plan.status[i])]
    failing = int(plan.failing_case[i])
    modules: dict[str, Any] = {}
    for m, module_id in enumerate(MODULE_IDS):
        cases: dict[str, Any] = {}
        for c in range(m * 10, m * 10 + 10):
            ok = bool(results[c])
            cases[CASE_IDS[c]] = {
                "status": "passed" if ok else "failed", "stop_time": t + c + 1,
                "start_time": t + c, "name": CASE_NAMES[c], "group": "main",
                "assertion_msg": None if ok else "assert meas.result", "msg": None,
                "measurements": [{
                    "type": "numeric", "value": float(values[c]), "name": NAMES[c],
                    "unit": "V", "operation": "gele", "comparison_value": None,
                    "lower_limit": float(LOWER[c]), "upper_limit": float(UPPER[c]),
                    "result": ok,
                }],
                "chart": None, "attempt": 1, "artifact": {},
            }  # fmt: skip
        bad = failing // 10 == m
        modules[module_id] = {
            "status": "failed" if bad else "passed", "stop_time": t + m * 10 + 10,
            "start_time": t + m * 10, "name": f"Block {m + 1}", "group": "main",
            "cases": cases, "artifact": {},
        }  # fmt: skip
    stand = STANDS[int(plan.stand[i])]
    return {
        "status": status, "stop_time": t + RUN_SECONDS, "start_time": t, "name": "board test",
        "rev": "1", "id": plan.ids[i],
        "test_stand": {"hw_id": None, "name": stand, "revision": None, "timezone": "UTC",
                       "location": "line 1", "number": int(plan.stand[i]) + 1, "drivers": {},
                       "instruments": [], "info": {}},
        "dut": {"name": "power board", "type": None, "serial_number": plan.serials[i],
                "part_number": PARTS[int(plan.part[i])], "revision": "B", "sub_units": [],
                "info": {}},
        "process": {"name": "final test", "number": 1, "info": {}},
        "modules": modules, "user": "operator", "batch_serial_number": None,
        "caused_dut_failure_id": None,
        "error_code": failing % 5 + 1 if status == "failed" else None, "artifact": {},
    }  # fmt: skip


@dataclass
class Bucket:
    """Running statistics of one weekly bucket (merged batch by batch, Chan's formula)."""

    n: int = 0
    mean: float = 0.0
    m2: float = 0.0
    minimum: float = math.inf
    maximum: float = -math.inf
    n_pass: int = 0
    n_fail: int = 0

    def merge(self, values: np.ndarray, results: np.ndarray) -> None:
        n = len(values)
        mean = float(values.mean())
        m2 = float(((values - mean) ** 2).sum())
        total = self.n + n
        delta = mean - self.mean
        self.mean += delta * n / total
        self.m2 += m2 + delta * delta * self.n * n / total
        self.n = total
        self.minimum = min(self.minimum, float(values.min()))
        self.maximum = max(self.maximum, float(values.max()))
        passed = int(results.sum())
        self.n_pass += passed
        self.n_fail += n - passed


RUN_SQL = """INSERT INTO hardlab_runs (id, name, status, started_at, stopped_at, duration_s,
 dut_serial_number, dut_part_number, dut_name, dut_revision, user_name, stand_name,
 stand_location, stand_number, stand_timezone, process_name, process_number, error_code,
 exit_code, progress, cases_passed, cases_failed, cases_skipped, source, aggregated, host,
 writer_pid, heartbeat_at)
 VALUES (?, 'board test', ?, ?, ?, 60.0, ?, ?, 'power board', 'B', 'operator', ?, 'line 1', ?,
 'UTC', 'final test', 1, ?, ?, 100, ?, ?, 0, 'run', 1, 'bench', 1, ?)"""
DOC_SQL = "INSERT INTO hardlab_documents (run_id, document) VALUES (?, ?)"
CASE_SQL = """INSERT INTO hardlab_cases (id, run_id, module_id, case_id, attempt, final,
 position, module_name, case_name, "group", status, started_at, stopped_at, duration_ms,
 assertion_msg, messages, artifact, chart)
 VALUES (?, ?, ?, ?, 1, 1, ?, ?, ?, 'main', ?, ?, ?, 1000.0, ?, ?, ?, ?)"""
MODULE_SQL = """INSERT INTO hardlab_modules (run_id, module_id, position, name, "group", status,
 started_at, stopped_at, artifact) VALUES (?, ?, ?, ?, 'main', ?, ?, ?, ?)"""
MEAS_SQL = """INSERT INTO hardlab_measurements (id, run_id, case_row_id, final, position, kind,
 name, value_num, unit, operation, lower_limit, upper_limit, spec_lower, spec_upper, result)
 VALUES (?, ?, ?, 1, 0, 'numeric', ?, ?, 'V', 'gele', ?, ?, ?, ?, ?)"""
WEEKLY_SQL = """INSERT INTO hardlab_measurement_weekly (key, week, part_number, stand_name, name,
 unit, spec_lower, spec_upper, final, n, mean, m2, minimum, maximum, n_pass, n_fail)
 VALUES (?, ?, ?, ?, ?, 'V', ?, ?, 1, ?, ?, ?, ?, ?, ?, ?)"""


def batches(n_runs: int) -> Iterator[range]:
    for first in range(0, n_runs, BATCH):
        yield range(first, min(first + BATCH, n_runs))


def fill(
    path: Path, plan: Plan, report_dir: Path, report_every: int, documents: bool, seed: int
) -> int:
    """Write every row; return the number of HardPy JSON reports written."""
    from pydantic_core import to_json

    from hardlab.storage import Store
    from hardlab.storage._rows import weekly_key
    from hardlab.storage._types import RawJson, json_text, pack_json, sqlite_micros

    # a case's or module's message, artifact and chart, when it has none: as
    # the writer stores them
    empty = json_text(None)
    url = f"sqlite:///{path}"
    with Store(url) as store:
        store.count_runs()  # creates hardlab's schema
    rng = np.random.default_rng(seed + 1)
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("PRAGMA journal_mode=OFF")
    connection.execute("PRAGMA synchronous=OFF")
    connection.execute("PRAGMA cache_size=-1000000")
    # secondary indexes are built once at the end (the same indexes, built faster)
    indexes = connection.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
        "AND tbl_name IN ('hardlab_runs', 'hardlab_cases', 'hardlab_measurements')"
    ).fetchall()
    for name, _ in indexes:
        connection.execute(f"DROP INDEX {name}")
    buckets: dict[tuple[int, int, int, int], Bucket] = {}
    day_us = 86400 * 10**6
    case_row = 0
    reports = 0
    positions = list(range(CASES))
    modules = [MODULE_IDS[c // 10] for c in range(CASES)]
    module_names = [f"Block {c // 10 + 1}" for c in range(CASES)]
    connection.execute("BEGIN")
    for rows in batches(len(plan.ids)):
        size = len(rows)
        values = NOMINAL + SIGMA * rng.standard_normal((size, CASES))
        failing = plan.failing_case[rows.start : rows.stop]
        bad = failing >= 0
        values[bad, failing[bad]] = NOMINAL[failing[bad]] * 1.07
        results = (values >= LOWER) & (values <= UPPER)
        run_rows, module_rows, case_rows, meas_rows, doc_rows = [], [], [], [], []
        for j, i in enumerate(rows):
            run_id = plan.ids[i]
            start_us = int(plan.start_us[i])
            started = _sql_time(start_us)
            stopped = _sql_time(start_us + RUN_SECONDS * 10**6)
            status = STATUS[int(plan.status[i])]
            row_values = values[j].tolist()
            row_results = results[j].tolist()
            fails = CASES - sum(row_results)
            want_report = int(plan.unit[i]) % report_every == 0
            doc = document(plan, i, values[j], results[j]) if documents or want_report else None
            if want_report and doc is not None:
                # what HardPy's JsonLoader writes: the report's JSON, indented by two
                (report_dir / f"{run_id}.json").write_bytes(to_json(doc, indent=2))
                reports += 1
            run_rows.append((
                run_id, status, started, stopped, plan.serials[i], PARTS[int(plan.part[i])],
                STANDS[int(plan.stand[i])], int(plan.stand[i]) + 1,
                int(plan.failing_case[i]) % 5 + 1 if status == "failed" else None,
                1 if fails else 0, CASES - fails, fails, stopped,
            ))  # fmt: skip
            # the modules' rows, as the writer leaves them when a run ends
            t = int(plan.start_us[i] // 10**6)
            failing_module = int(plan.failing_case[i]) // 10
            module_rows.extend(
                (
                    run_id, module_id, m, f"Block {m + 1}",
                    "failed" if m == failing_module else "passed",
                    _sql_time((t + m * 10) * 10**6), _sql_time((t + m * 10 + 10) * 10**6),
                    empty,
                )
                for m, module_id in enumerate(MODULE_IDS)
            )  # fmt: skip
            if documents and doc is not None:
                # as the writer keeps it: the run's compact JSON, compressed
                doc_rows.append((run_id, pack_json(RawJson(to_json(doc).decode()))))
            # a case attempt's times as the writer keeps them (MicroTime: on SQLite,
            # integer microseconds since 1970)
            case_started = sqlite_micros(_utc(start_us))
            case_stopped = sqlite_micros(_utc(start_us + RUN_SECONDS * 10**6))
            for c, value, ok in zip(positions, row_values, row_results, strict=True):
                case_row += 1
                case_rows.append((
                    case_row, run_id, modules[c], CASE_IDS[c], c, module_names[c],
                    CASE_NAMES[c], "passed" if ok else "failed", case_started, case_stopped,
                    None if ok else "assert meas.result", empty, empty, empty,
                ))  # fmt: skip
                meas_rows.append((
                    case_row, run_id, case_row, NAMES[c], value, LOWER[c], UPPER[c], LOWER[c],
                    UPPER[c], ok,
                ))  # fmt: skip
        connection.executemany(RUN_SQL, run_rows)
        connection.executemany(MODULE_SQL, module_rows)
        connection.executemany(DOC_SQL, doc_rows)
        connection.executemany(CASE_SQL, case_rows)
        connection.executemany(MEAS_SQL, meas_rows)
        # the weekly statistics, per (week, part, stand) group of this batch: a
        # week is its Monday's day number (1970-01-01 was a Thursday)
        day = (plan.start_us[rows.start : rows.stop] // day_us).astype(np.int64)
        week = day - (day + 3) % 7
        group = (week * len(PARTS) + plan.part[rows.start : rows.stop]) * len(STANDS)
        group += plan.stand[rows.start : rows.stop]
        for g in np.unique(group):
            members = group == g
            part, stand = int(g // len(STANDS) % len(PARTS)), int(g % len(STANDS))
            key_week = int(g // len(STANDS) // len(PARTS))
            for c in range(CASES):
                bucket = buckets.setdefault((key_week, part, stand, c), Bucket())
                bucket.merge(values[members, c], results[members, c])
    connection.execute("COMMIT")
    # in the order the buckets began, as the writer's upserts come (their keys in no order)
    weekly_rows = []
    for (week_day, part, stand, c), b in buckets.items():
        lower, upper = float(LOWER[c]), float(UPPER[c])
        key = weekly_key(week_day, PARTS[part], STANDS[stand], NAMES[c], "V", lower, upper, True)
        weekly_rows.append((
            key, week_day, PARTS[part], STANDS[stand], NAMES[c], lower, upper, b.n, b.mean,
            b.m2, b.minimum, b.maximum, b.n_pass, b.n_fail,
        ))  # fmt: skip
    connection.execute("BEGIN")
    connection.executemany(WEEKLY_SQL, weekly_rows)
    for _, sql in indexes:
        connection.execute(sql)
    connection.execute("COMMIT")
    connection.execute("PRAGMA journal_mode=WAL")
    connection.close()
    return reports


def _statistics_bytes(db: Path) -> int | None:
    """Bytes of the weekly statistics table and its indexes (None without SQLite's dbstat)."""
    connection = sqlite3.connect(db)
    try:
        row = connection.execute(
            "SELECT SUM(pgsize) FROM dbstat WHERE name LIKE '%measurement_weekly%'"
        ).fetchone()
    except sqlite3.OperationalError:
        return None
    finally:
        connection.close()
    return int(row[0] or 0)


# ---------------------------------------------------------------- timing


def timed(function: Any, repeat: int = 3) -> tuple[float, float, Any]:
    """Seconds of the first call, the median of `repeat` more, and the result."""
    started = time.perf_counter()
    result = function()
    first = time.perf_counter() - started
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return first, statistics.median(times), result


def hardpy_load(folder: Path) -> tuple[Any, Any]:
    """Read every HardPy JSON report into a runs frame and a measurements frame."""
    import pandas as pd

    runs, meas = [], []
    for path in sorted(folder.iterdir()):
        with path.open(encoding="utf-8") as handle:
            doc = json.load(handle)
        dut = doc["dut"]
        runs.append((doc["id"], doc["status"], doc["start_time"], dut["part_number"],
                     dut["serial_number"], doc["test_stand"]["name"]))  # fmt: skip
        for module in doc["modules"].values():
            for case in module["cases"].values():
                meas.extend(
                    (m["name"], m["value"], m.get("unit"), m.get("operation"),
                     m.get("lower_limit"), m.get("upper_limit"), m.get("result"))
                    for m in case["measurements"]
                )  # fmt: skip
    runs_frame = pd.DataFrame(
        runs, columns=["id", "status", "start_time", "part_number", "serial_number", "stand"]
    )
    runs_frame["started_at"] = pd.to_datetime(runs_frame["start_time"], unit="s", utc=True)
    meas_frame = pd.DataFrame(
        meas, columns=["name", "value", "unit", "operation", "lower", "upper", "result"]
    )
    return runs_frame, meas_frame


def hardpy_fpy(runs: Any) -> Any:
    """First-pass yield per part number and day, with hardlab's counting rules, in pandas."""
    counted = runs[~runs["status"].isin(["stopped", "interrupted"])]
    counted = counted.sort_values(["started_at", "id"])
    first = counted.groupby(["part_number", "serial_number"], sort=False).first()
    first["day"] = first["started_at"].dt.floor("D")
    first["passed"] = first["status"] == "passed"
    return first.groupby(["part_number", "day"])["passed"].agg(["size", "mean"])


def hardpy_cpk(meas: Any) -> Any:
    """Cp and Cpk per measurement from its limits, in pandas."""
    import numpy as np

    stats = meas.groupby(["name", "unit", "lower", "upper"])["value"].agg(
        ["size", "mean", "std", "min", "max"]
    )
    lower = stats.index.get_level_values("lower").to_numpy()
    upper = stats.index.get_level_values("upper").to_numpy()
    sigma = stats["std"].to_numpy()
    stats["cp"] = (upper - lower) / (6 * sigma)
    stats["cpk"] = np.fmin(upper - stats["mean"], stats["mean"] - lower) / (3 * sigma)
    return stats


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=100_000, help="runs to generate (100000)")
    parser.add_argument("--keep", type=Path, help="keep the store and the reports in DIR")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--no-documents", action="store_true", help="leave the runs' report documents out"
    )
    args = parser.parse_args(argv)

    folder = Path(tempfile.mkdtemp(prefix="hardlab-history-")) if args.keep is None else args.keep
    folder.mkdir(parents=True, exist_ok=True)
    db = folder / "history.db"
    reports = folder / "reports"
    for stale in (db, db.with_suffix(".db-wal"), db.with_suffix(".db-shm")):
        stale.unlink(missing_ok=True)
    shutil.rmtree(reports, ignore_errors=True)
    reports.mkdir()
    try:
        return _run(args, db, reports)
    finally:
        if args.keep is None:
            shutil.rmtree(folder, ignore_errors=True)


def _run(args: argparse.Namespace, db: Path, reports: Path) -> int:
    import hardlab
    from hardlab.model.report import ResultRunStore

    rng = np.random.default_rng(args.seed)
    started = time.perf_counter()
    plan = plan_runs(args.runs, rng)
    # the synthetic report is exactly HardPy's schema, field for field
    sample = document(plan, 0, NOMINAL, np.ones(CASES, dtype=bool))
    assert ResultRunStore.model_validate(sample).model_dump(mode="json") == sample
    n_reports = fill(db, plan, reports, 10, not args.no_documents, args.seed)
    fill_s = time.perf_counter() - started
    size_mb = db.stat().st_size / 1e6
    print(f"hardlab history benchmark ({sys.platform}, Python {sys.version.split()[0]}, "
          f"SQLite {sqlite3.sqlite_version})")  # fmt: skip
    print(
        f"  store: {len(plan.ids):,} runs, {len(plan.ids) * CASES:,} case rows, "
        f"{len(plan.ids) * CASES:,} measurement rows, "
        f"{'with' if not args.no_documents else 'without'} report documents; "
        f"{size_mb:,.0f} MB, filled in {fill_s:.1f} s"
    )
    print(f"  HardPy JSON reports: {n_reports:,} files (every run of every 10th unit)")
    # the store against the same runs as HardPy JSON files (the files written
    # are a sample of the runs: their mean size stands for every run's)
    json_bytes = sum(path.stat().st_size for path in reports.iterdir())
    json_per_run = json_bytes / max(n_reports, 1)
    store_per_run = db.stat().st_size / len(plan.ids)
    ratio = store_per_run / json_per_run
    print(
        f"  size: store {store_per_run / 1000:,.1f} KB a run, HardPy JSON "
        f"{json_per_run / 1000:,.1f} KB a run; store/JSON {ratio:.2f} (target at most 0.75: "
        f"{'ok' if ratio <= 0.75 else 'MISSED'})"
    )
    weekly = _statistics_bytes(db)
    if weekly is not None:
        # a fixed cost (weeks x parts x stands x measurements rows, however
        # many runs): it weighs most at a small --runs
        per_run = weekly / len(plan.ids)
        print(
            f"        of which weekly statistics {per_run / 1000:,.2f} KB a run; "
            f"without them store/JSON {(store_per_run - per_run) / json_per_run:.2f}"
        )
    print()

    history = hardlab.history(f"sqlite:///{db}")
    fpy_first, fpy_warm, fpy = timed(lambda: history.first_pass_yield(by=("part_number", "day")))
    cpk_first, cpk_warm, cpk = timed(history.capability)
    # a range that starts and ends inside a week: whole weeks from the weekly
    # statistics, the edge days (7 of them here) from the measurement rows
    since, until = START + timedelta(days=9), START + timedelta(days=86)
    range_first, range_warm, _ = timed(lambda: history.capability(since=since, until=until))
    limits_first, limits_warm, suggestion = timed(history.suggest_limits)
    part_first, part_warm, _ = timed(lambda: history.suggest_limits(part_number=PARTS[0]))
    # tighter limits for rail_00 (some passing units fail), wider for rail_01 (some pass)
    new_limits = {
        NAMES[0]: (float(NOMINAL[0] - 2.5 * SIGMA[0]), float(NOMINAL[0] + 2.5 * SIGMA[0])),
        NAMES[1]: (float(LOWER[1] - 0.05), float(UPPER[1] + 0.05)),
    }
    what_first, what_warm, outcome = timed(lambda: history.what_if(new_limits))
    history.close()

    load_s_started = time.perf_counter()
    runs, meas = hardpy_load(reports)
    load_s = time.perf_counter() - load_s_started
    _, fpy_pandas_s, fpy_ref = timed(lambda: hardpy_fpy(runs), repeat=1)
    _, cpk_pandas_s, cpk_ref = timed(lambda: hardpy_cpk(meas), repeat=1)
    scale = len(plan.ids) / max(len(runs), 1)
    hardpy_fpy_s = (load_s + fpy_pandas_s) * scale
    hardpy_cpk_s = (load_s + cpk_pandas_s) * scale

    def line(label: str, first: float, warm: float, hardpy: float) -> None:
        ok = "ok" if warm < 1.0 and hardpy / warm >= 20 else "MISSED"
        print(
            f"  {label:<24} {first:7.3f} s {warm:7.3f} s   {hardpy:8.2f} s   "
            f"{hardpy / warm:6.0f}x   {ok}"
        )

    print(f"  {'question':<24} {'first':>9} {'again':>9}   {'HardPy way':>10}   {'ratio':>7}")
    line("first-pass yield/part/day", fpy_first, fpy_warm, hardpy_fpy_s)
    line("Cpk per measurement", cpk_first, cpk_warm, hardpy_cpk_s)
    for label, first, warm in (
        ("Cpk, Wed to Wed", range_first, range_warm),
        ("suggest_limits (all)", limits_first, limits_warm),
        (f"suggest_limits ({PARTS[0]})", part_first, part_warm),
        ("what_if (2 measurements)", what_first, what_warm),
    ):
        print(f"  {label:<24} {first:7.3f} s {warm:7.3f} s   {'':>10}   {'':>7}   "
              f"{'ok' if warm < 1.0 else 'MISSED'}")  # fmt: skip
    print()
    print(
        f"  HardPy way on {len(runs):,} runs: loading {load_s:.2f} s, first-pass yield "
        f"{fpy_pandas_s:.3f} s, Cpk {cpk_pandas_s:.3f} s; scaled by {scale:.2f} to "
        f"{len(plan.ids):,} runs"
    )
    print("  'first' includes opening the store; 'again' is the median of 3 more calls;")
    print("  targets: under 1 s each, and at least 20x the HardPy way.")
    print()
    overall = float(fpy["first_pass"].sum() / fpy["units"].sum())
    sampled = float(fpy_ref["mean"].mul(fpy_ref["size"]).sum() / fpy_ref["size"].sum())
    print(f"  check: first-pass yield {overall:.4f} (hardlab, all units), "
          f"{sampled:.4f} (pandas, the sampled units); "
          f"{len(fpy)} part-day rows")  # fmt: skip
    print(f"  check: median Cpk {cpk['cpk'].median():.3f} (hardlab, {int(cpk['n'].sum()):,} "
          f"values), {cpk_ref['cpk'].median():.3f} (pandas, {len(meas):,} values)")  # fmt: skip
    print(f"  check: suggest_limits proposes {len(suggestion.frame)} limits; what_if: "
          f"{outcome.first_pass_yield_before:.4f} -> {outcome.first_pass_yield_after:.4f} "
          f"first-pass yield, {len(outcome.newly_failing):,} units would fail, "
          f"{len(outcome.newly_passing):,} would pass")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
