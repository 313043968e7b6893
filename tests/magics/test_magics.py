"""What ``%hardpy`` shows, checked without a kernel: the run table of ``%hardpy runs``."""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timezone
from pathlib import Path

import pytest

import hardlab
from hardlab.magics._magics import runs_table

pd = pytest.importorskip("pandas")

PLAN = {
    "test_a.py": """
        import hardpy

        def test_one():
            hardpy.set_dut_serial_number("SN-1")
    """,
}


@pytest.fixture
def kolkata() -> Iterator[None]:
    """Local time is UTC+05:30 for the test (a zone with no daylight saving)."""
    before = os.environ.get("TZ")
    os.environ["TZ"] = "Asia/Kolkata"
    time.tzset()
    try:
        yield
    finally:
        if before is None:
            del os.environ["TZ"]
        else:
            os.environ["TZ"] = before
        time.tzset()


def test_runs_table_reads_like_a_table_not_a_raw_frame(
    make_plan: Callable[..., Path], tmp_path: Path, kolkata: None
) -> None:
    store = tmp_path / "runs.db"
    plan = make_plan(PLAN)
    hardlab.run(plan, store=store, quiet=True)
    hardlab.run(plan, store=store, quiet=True)
    with hardlab.history(store) as history:
        frame = history.runs()
    assert len(frame) == 2 and frame["error_code"].isna().all()  # the raw frame has NaN
    table = runs_table(frame)
    assert list(table.columns) == [
        "started", "status", "plan", "serial number", "part number", "stand",
        "duration", "passed", "failed", "error code", "run id",
    ]  # fmt: skip
    assert list(table.index) == [1, 2]
    text = table.to_string()
    assert "NaN" not in text and "None" not in text and "NaT" not in text and "<NA>" not in text
    first = table.iloc[0]
    started = frame["started_at"].iloc[0].to_pydatetime()
    local = started.astimezone(timezone.utc).replace(tzinfo=None) + (
        datetime(2000, 1, 1, 5, 30) - datetime(2000, 1, 1)
    )
    assert first["started"] == local.strftime("%Y-%m-%d %H:%M:%S")  # local, to the second
    assert re.fullmatch(r"\d+\.\d\ds", first["duration"]), first["duration"]  # like 0.03s
    assert (first["status"], first["serial number"], first["passed"], first["failed"]) == (
        "passed", "SN-1", "1", "0",
    )  # fmt: skip
    assert first["error code"] == "" and first["part number"] == ""
    assert first["run id"] == frame["run_id"].iloc[0]


def test_runs_table_of_a_run_still_going_has_no_duration() -> None:
    frame = pd.DataFrame(
        {
            "started_at": pd.to_datetime(["2026-11-21T08:00:00.123456Z", None], utc=True),
            "status": ["run", "passed"],
            "duration_s": [float("nan"), 0.028808],
            "cases_passed": [pd.NA, 3],
        }
    ).astype({"cases_passed": "Int64"})
    table = runs_table(frame)
    assert list(table.columns) == ["started", "status", "duration", "passed"]
    assert table["duration"].tolist() == ["", "0.03s"]
    assert table["passed"].tolist() == ["", "3"]
    assert table["started"].iloc[1] == "" and ".123456" not in table["started"].iloc[0]
