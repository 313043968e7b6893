"""``GET /hardlab/api/history`` through a real jupyter_server: the numbers `hardlab.history()` gives."""

from __future__ import annotations

import json
import math
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from tornado.httpclient import HTTPClientError

import hardlab
from hardlab.labext._history import parse_history_query
from hardlab.labext._params import ParameterError
from hardlab.model.report import ResultRunStore
from hardlab.storage import Store, default_url

Fetch = Callable[..., Any]

DAY1 = datetime(2026, 11, 2, 8, tzinfo=timezone.utc)
DAY2 = DAY1 + timedelta(days=1)


def report(
    serial: str, status: str, start: datetime, value: float, *, upper: float = 3.4,
    part: str = "PB-100",
) -> ResultRunStore:  # fmt: skip
    """A one-case run measuring the 3V3 rail (limits 3.2 .. `upper`)."""
    t = int(start.timestamp())
    ok = status == "passed"
    rail = {
        "type": "numeric", "name": "3V3", "value": value, "unit": "V", "operation": "gele",
        "lower_limit": 3.2, "upper_limit": upper, "result": ok,
    }  # fmt: skip
    case = {
        "status": status, "name": "3V3 rail", "group": "main", "start_time": t,
        "stop_time": t + 2, "attempt": 1, "measurements": [rail],
    }  # fmt: skip
    return ResultRunStore.model_validate(
        {
            "_id": str(uuid.uuid4()), "_rev": "1", "name": "Board test", "status": status,
            "start_time": t, "stop_time": t + 2,
            "test_stand": {"name": "A"}, "dut": {"serial_number": serial, "part_number": part},
            "process": {"name": "EOL"},
            "modules": {
                "test_power": {
                    "status": status, "name": "Power", "group": "main", "start_time": t,
                    "stop_time": t + 2, "cases": {"test_3v3": case},
                },
            },
        }
    )  # fmt: skip


@pytest.fixture
def stored(hardlab_home: Path) -> None:
    """Two days of runs: a retest, a failure, a stopped run, a limit that changed."""
    runs = [
        report("SN-1", "passed", DAY1, 3.30),
        report("SN-2", "failed", DAY1 + timedelta(minutes=1), 3.55),
        report("SN-2", "passed", DAY1 + timedelta(minutes=2), 3.31),  # its retest
        report("SN-3", "passed", DAY2, 3.45, upper=3.5),  # the upper limit was raised
        report("SN-4", "stopped", DAY2 + timedelta(minutes=1), 3.33, upper=3.5),
        report("OTHER-1", "failed", DAY2 + timedelta(minutes=2), 3.0, part="PB-200"),
    ]
    with Store() as store:
        for run in runs:
            store.save_report(run)


async def get_json(fetch: Fetch, **params: Any) -> Any:
    pairs = [
        (name, item)
        for name, value in params.items()
        for item in (value if isinstance(value, list) else [value])
    ]
    reply = await fetch("hardlab", "api", "history", params=pairs)
    assert reply.headers["Content-Type"].startswith("application/json")
    return json.loads(reply.body)


async def test_first_pass_yield_by_day_is_history_s(jp_fetch: Fetch, stored: None) -> None:
    view = await get_json(jp_fetch, part_number="PB-100")
    assert view["yield"] == [
        # SN-1 passed, SN-2 failed first (its retest does not count)
        {"day": "2026-11-02", "units": 2, "first_pass": 1, "first_pass_yield": 0.5},
        # SN-4 was stopped: aborted runs do not count
        {"day": "2026-11-03", "units": 1, "first_pass": 1, "first_pass_yield": 1.0},
    ]
    with hardlab.history(default_url()) as history:
        frame = history.first_pass_yield(by="day", part_number="PB-100")
    assert [row["first_pass_yield"] for row in view["yield"]] == list(frame["first_pass_yield"])
    assert [row["units"] for row in view["yield"]] == list(frame["units"])
    everything = await get_json(jp_fetch)
    assert [row["units"] for row in everything["yield"]] == [2, 2]  # OTHER-1 counts here
    assert everything["store"]["exists"] is True and everything["trend"] is None


async def test_measurements_are_offered_and_their_trend_has_the_limits(
    jp_fetch: Fetch, stored: None
) -> None:
    view = await get_json(jp_fetch, part_number="PB-100", measurement="3V3")
    assert view["measurements"] == [{"name": "3V3", "unit": "V", "n": 5}]
    trend = view["trend"]
    assert (trend["name"], trend["unit"], trend["total"]) == ("3V3", "V", 5)
    points = trend["points"]
    assert [p["value"] for p in points] == [3.30, 3.55, 3.31, 3.45, 3.33]  # oldest first
    assert [p["result"] for p in points] == [True, False, True, True, False]
    assert [p["upper"] for p in points] == [3.4, 3.4, 3.4, 3.5, 3.5]  # the limit in force
    assert {p["lower"] for p in points} == {3.2}
    assert points[0]["serial_number"] == "SN-1"
    assert datetime.fromisoformat(points[0]["started_at"]) == DAY1
    with hardlab.history(default_url()) as history:
        frame = history.measurements(
            measurement="3V3", attempts="final", numeric=True, part_number="PB-100"
        )
    assert [p["value"] for p in points] == list(frame["value"])
    assert [p["run_id"] for p in points] == list(frame["run_id"])
    newest = (await get_json(jp_fetch, measurement="3V3", points=2, part_number="PB-100"))["trend"]
    assert newest["total"] == 5 and [p["value"] for p in newest["points"]] == [3.45, 3.33]
    since = await get_json(jp_fetch, measurement="3V3", since="2026-11-03")
    assert [p["value"] for p in since["trend"]["points"]] == [3.45, 3.33, 3.0]
    assert [row["day"] for row in since["yield"]] == ["2026-11-03"]
    unknown = (await get_json(jp_fetch, measurement="nope"))["trend"]
    assert (unknown["total"], unknown["points"]) == (0, [])
    assert not math.isnan(view["yield"][0]["first_pass_yield"])


async def test_bad_history_parameters_are_400_with_the_fix(jp_fetch: Fetch, stored: None) -> None:
    for params, expected in (
        ({"serial": "x"}, "unknown parameter 'serial'; the parameters are part_number"),
        ({"points": "0"}, "points='0': give a whole number from 1 to 5000"),
        ({"since": "yesterday"}, "since='yesterday': give an ISO 8601 date"),
    ):
        with pytest.raises(HTTPClientError) as caught:
            await get_json(jp_fetch, **params)
        assert caught.value.code == 400
        assert expected in json.loads(caught.value.response.body)["message"]


async def test_an_empty_store_has_no_history_and_is_not_created(
    jp_fetch: Fetch, hardlab_home: Path
) -> None:
    view = await get_json(jp_fetch, measurement="3V3")
    assert (view["yield"], view["measurements"]) == ([], [])
    assert view["trend"] == {"name": "3V3", "unit": None, "total": 0, "points": []}
    assert not (hardlab_home / "hardlab.db").exists()


def test_the_query_is_read_without_a_server() -> None:
    query = parse_history_query({"stand": ["A", " "], "measurement": [" 3V3 "], "points": ["9"]})
    assert (query.measurement, query.points) == ("3V3", 9)
    assert query.run_filter.stand == ["A"] and query.run_filter.part_number is None
    with pytest.raises(ParameterError, match="must be before"):
        parse_history_query({"since": ["2026-11-03"], "until": ["2026-11-02"]})


async def test_the_history_needs_the_token(jp_fetch: Fetch, stored: None) -> None:
    with pytest.raises(HTTPClientError) as caught:
        await jp_fetch("hardlab", "api", "history", headers={"Authorization": ""})
    assert caught.value.code == 403


@pytest.fixture
def broken_store(tmp_path: Path, jp_server_config: dict[str, Any]) -> Path:
    """A configured store that is not a database at all."""
    path = tmp_path / "not-a-database.db"
    path.write_bytes(b"this is not SQLite" * 100)
    jp_server_config["HardlabExtension"] = {"store_url": str(path)}
    return path


async def test_a_store_that_cannot_be_read_is_503(broken_store: Path, jp_fetch: Fetch) -> None:
    with pytest.raises(HTTPClientError) as caught:
        await get_json(jp_fetch, measurement="3V3")
    assert caught.value.code == 503
    assert (
        "not-a-database.db: file is not a database"
        in json.loads(caught.value.response.body)["message"]
    )
