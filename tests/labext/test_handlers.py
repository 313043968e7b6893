"""The REST API under /hardlab/api, through a real jupyter_server (pytest-jupyter's fixtures).

The store is hardlab's default one (``$HARDLAB_HOME/hardlab.db``, per test),
filled with reports stored the way ``hardlab import`` stores them, or by a
real run of a plan.
"""

from __future__ import annotations

import asyncio
import json
import sys
import threading
import types
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from tornado.httpclient import HTTPClientError

import hardlab
from hardlab.exchange import JsonLoader
from hardlab.model.report import ResultRunStore
from hardlab.storage import Store, default_url

Fetch = Callable[..., Any]

START = datetime(2026, 11, 2, 8, tzinfo=timezone.utc)


def _case(name: str, ok: bool, t: int, **extra: Any) -> dict[str, Any]:
    return {
        "status": "passed" if ok else "failed", "name": name, "group": "main",
        "start_time": t, "stop_time": t + 2, "attempt": 1, **extra,
    }  # fmt: skip


def make_report(
    serial: str | None, status: str, start: datetime, *, part: str = "PB-100", stand: str = "A"
) -> ResultRunStore:
    """A two-module report with every kind of content the report view shows."""
    t = int(start.timestamp())
    ok = status == "passed"
    rail = {
        "type": "numeric", "name": "3V3", "value": 3.31 if ok else 3.61, "unit": "V",
        "operation": "gele", "lower_limit": 3.2, "upper_limit": 3.4, "result": ok,
    }  # fmt: skip
    echo = {
        "type": "string", "name": "echo", "value": "ok", "operation": "eq",
        "comparison_value": "ok", "result": True,
    }  # fmt: skip
    chart = {
        "type": "line", "title": "Ramp", "x_label": "t, s", "y_label": "V",
        "marker_name": ["ramp"], "x_data": [[0, 1, 2]], "y_data": [[0.0, 1.5, 3.3]],
    }  # fmt: skip
    power_case = _case(
        "3V3 rail",
        ok,
        t,
        measurements=[rail],
        chart=chart,
        msg={"note": "rail settled in 12 ms"},
        artifact={"scope": "shots/3v3.png"},
        assertion_msg=None if ok else "3V3 out of range",
    )
    return ResultRunStore.model_validate(
        {
            "_id": str(uuid.uuid4()), "_rev": "1", "name": "Board test", "status": status,
            "start_time": t, "stop_time": t + 10, "user": "ana",
            "test_stand": {"name": stand, "location": "Lab 2"},
            "dut": {"serial_number": serial, "part_number": part, "name": "Power board"},
            "process": {"name": "EOL"},
            "artifact": {"fixture": "F-7"},
            "modules": {
                "test_1_power": {
                    "status": status, "name": "Power", "group": "main",
                    "start_time": t, "stop_time": t + 4, "artifact": {"psu": "E36312A"},
                    "cases": {"test_3v3": power_case},
                },
                "test_2_uart": {
                    "status": "passed", "name": "UART", "group": "main",
                    "start_time": t + 4, "stop_time": t + 10,
                    "cases": {"test_echo": _case("Echo", True, t + 4, measurements=[echo])},
                },
            },
        }
    )  # fmt: skip


@pytest.fixture
def stored(hardlab_home: Path) -> list[str]:
    """Seven runs in the default store; their ids, oldest first."""
    ids = []
    with Store() as store:
        for index in range(7):
            report = make_report(
                f"SN-{index}",
                "failed" if index == 3 else "passed",
                START + timedelta(minutes=index),
                part="PB-100" if index % 2 == 0 else "PB-200",
                stand="A" if index < 4 else "B",
            )
            run_id, _ = store.save_report(report)
            ids.append(run_id)
    return ids


async def get_json(fetch: Fetch, *parts: str, **params: Any) -> Any:
    pairs = [
        (name, item)
        for name, value in params.items()
        for item in (value if isinstance(value, list) else [value])
    ]
    reply = await fetch("hardlab", "api", *parts, params=pairs)
    assert reply.headers["Content-Type"].startswith("application/json")
    return json.loads(reply.body)


async def error_of(fetch: Fetch, *parts: str, **params: Any) -> tuple[int, str]:
    with pytest.raises(HTTPClientError) as caught:
        await get_json(fetch, *parts, **params)
    body = json.loads(caught.value.response.body)
    return caught.value.code, body["message"]


# ---------------------------------------------------------------- the run list


async def test_runs_are_listed_newest_first_with_their_summary(
    jp_fetch: Fetch, stored: list[str]
) -> None:
    page = await get_json(jp_fetch, "runs")
    assert [run["id"] for run in page["runs"]] == stored[::-1]
    assert (page["total"], page["limit"], page["offset"], page["live"]) == (7, 50, 0, False)
    assert page["store"] == {"url": default_url(), "exists": True}
    newest = page["runs"][0]
    assert newest["status"] == "passed"
    assert (newest["serial_number"], newest["part_number"], newest["stand"]) == (
        "SN-6", "PB-100", "B",
    )  # fmt: skip
    assert newest["started_at"] == (START + timedelta(minutes=6)).isoformat()
    assert (newest["duration_s"], newest["duration_text"]) == (10.0, "10.0s")
    assert (newest["cases_passed"], newest["cases_failed"]) == (2, 0)
    assert page["runs"][3]["status"] == "failed"


async def test_pages_of_runs_add_up_to_the_list(jp_fetch: Fetch, stored: list[str]) -> None:
    seen = []
    for offset in (0, 3, 6):
        page = await get_json(jp_fetch, "runs", limit=3, offset=offset)
        assert page["total"] == 7
        seen += [run["id"] for run in page["runs"]]
    assert seen == stored[::-1]
    beyond = await get_json(jp_fetch, "runs", limit=3, offset=7)
    assert (beyond["runs"], beyond["total"]) == ([], 7)


async def test_runs_are_filtered_by_part_status_stand_and_time(
    jp_fetch: Fetch, stored: list[str]
) -> None:
    async def ids(**params: Any) -> list[str]:
        page = await get_json(jp_fetch, "runs", **params)
        assert page["total"] == len(page["runs"])
        return [run["id"] for run in page["runs"]]

    assert await ids(part_number="PB-200") == [stored[5], stored[3], stored[1]]
    assert await ids(status="failed") == [stored[3]]
    assert await ids(stand="B", part_number="PB-100") == [stored[6], stored[4]]
    assert await ids(stand=["A", "B"], status=["passed", "failed"]) == stored[::-1]
    # an empty filter field means "any"
    assert await ids(part_number="", stand="") == stored[::-1]
    assert await ids(serial_number="SN-2") == [stored[2]]
    since = (START + timedelta(minutes=5)).isoformat()
    assert await ids(since=since) == [stored[6], stored[5]]
    until = (START + timedelta(minutes=2)).strftime("%Y-%m-%dT%H:%M:%SZ")  # as browsers write it
    assert await ids(until=until) == [stored[1], stored[0]]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"limit": "0"}, "limit='0': give a whole number from 1 to 500"),
        ({"limit": "ten"}, "limit='ten': give a whole number from 1 to 500"),
        ({"limit": "501"}, "limit='501': give a whole number from 1 to 500"),
        ({"offset": "-1"}, "offset='-1': give a whole number of at least 0"),
        ({"limit": ["5", "6"]}, "limit was given 2 times; give it once"),
        ({"status": "bogus"}, "status='bogus': choose among passed, failed, skipped, error"),
        ({"since": "yesterday"}, "since='yesterday': give an ISO 8601 date or time"),
        ({"since": "2026-11-03", "until": "2026-11-02"}, "must be before until"),
        ({"part": "PB-100"}, "unknown parameter 'part'; the parameters are part_number,"),
        ({"offset": "99999999999999999999"}, "no store holds that many runs; give at most"),
        ({"since": "0001-01-01T00:00:00+14:00"}, "outside the years 1 to 9999 in UTC"),
        ({"until": "9999-12-31T23:59:59-14:00"}, "outside the years 1 to 9999 in UTC"),
    ],
)
async def test_bad_parameters_are_refused_with_the_fix(
    jp_fetch: Fetch, stored: list[str], params: dict[str, Any], expected: str
) -> None:
    code, message = await error_of(jp_fetch, "runs", **params)
    assert code == 400
    assert expected in message


async def test_an_empty_store_lists_nothing_and_is_not_created(
    jp_fetch: Fetch, hardlab_home: Path
) -> None:
    page = await get_json(jp_fetch, "runs")
    assert (page["runs"], page["total"]) == ([], 0)
    assert page["store"]["exists"] is False
    assert await get_json(jp_fetch, "filters") == {
        "part_number": [], "stand": [], "status": [],
        # what runs have: never a case's skipped, error or ready
        "statuses": ["passed", "failed", "run", "stopped", "interrupted"],
    }  # fmt: skip
    assert not (hardlab_home / "hardlab.db").exists()


async def test_filters_offer_the_stored_values(jp_fetch: Fetch, stored: list[str]) -> None:
    values = await get_json(jp_fetch, "filters")
    assert values["part_number"] == ["PB-100", "PB-200"]
    assert values["stand"] == ["A", "B"]
    assert values["status"] == ["failed", "passed"]
    assert values["statuses"] == ["passed", "failed", "run", "stopped", "interrupted"]
    code, message = await error_of(jp_fetch, "filters", stand="A")
    assert (code, message) == (400, "unknown parameter 'stand'; this endpoint takes none")


async def test_a_stored_run_with_a_case_status_is_still_offered(
    jp_fetch: Fetch, hardlab_home: Path
) -> None:
    # an imported HardPy report that never started: its run status is "ready"
    with Store() as store:
        store.save_report(make_report("SN-9", "ready", START))
    values = await get_json(jp_fetch, "filters")
    assert values["statuses"] == ["passed", "failed", "run", "ready", "stopped", "interrupted"]


# ---------------------------------------------------------------- one run


async def test_the_report_view_has_modules_cases_measurements_and_limits(
    jp_fetch: Fetch, stored: list[str]
) -> None:
    view = await get_json(jp_fetch, "runs", stored[3])
    assert view["run"]["id"] == stored[3]
    assert view["run"]["status"] == "failed"
    report = view["report"]
    assert (report["dut"]["serial_number"], report["test_stand"]["location"]) == ("SN-3", "Lab 2")
    assert (report["process"]["name"], report["user"]) == ("EOL", "ana")
    assert report["artifact"] == {"fixture": "F-7"}
    assert [module["id"] for module in report["modules"]] == ["test_1_power", "test_2_uart"]
    power = report["modules"][0]
    assert (power["name"], power["status"], power["artifact"]) == (
        "Power", "failed", {"psu": "E36312A"},
    )  # fmt: skip
    case = power["cases"][0]
    assert (case["id"], case["name"], case["status"]) == ("test_3v3", "3V3 rail", "failed")
    assert case["assertion_msg"] == "3V3 out of range"
    assert case["messages"] == {"note": "rail settled in 12 ms"}
    assert case["artifact"] == {"scope": "shots/3v3.png"}
    (rail,) = case["measurements"]
    assert (rail["name"], rail["value"], rail["unit"], rail["result"]) == ("3V3", 3.61, "V", False)
    assert (rail["value_text"], rail["limits_text"]) == ("3.61 V", "[3.2 .. 3.4]")
    assert (rail["lower_limit"], rail["upper_limit"]) == (3.2, 3.4)
    assert case["chart"]["title"] == "Ramp"
    assert case["chart"]["svg"].startswith("<svg")
    (echo,) = report["modules"][1]["cases"][0]["measurements"]
    assert (echo["type"], echo["value_text"], echo["limits_text"]) == ("string", "ok", "= ok")
    assert report["modules"][1]["cases"][0]["chart"] is None


FAILING_PLAN = {
    "test_3_functional.py": """
        import pytest
        import hardlab

        pytestmark = pytest.mark.module_name("Functional")

        @pytest.mark.case_name("Status LED")
        def test_led():
            current = hardlab.NumericMeasurement(
                name="LED current", value=31.5, unit="mA",
                operation=hardlab.ComparisonOperation.GELE, lower_limit=18, upper_limit=25)
            hardlab.set_case_measurement(current)
            assert current.result, "LED current out of range"
        """,
}


async def test_the_report_view_gives_operators_the_message_and_the_case_title(
    jp_fetch: Fetch, make_plan: Callable[..., Path], hardlab_home: Path
) -> None:
    result = await asyncio.to_thread(hardlab.run, make_plan(FAILING_PLAN), quiet=True, answers={})
    assert result.status.value == "failed"
    view = await get_json(jp_fetch, "runs", str(result.run_id))
    report = view["report"]
    (case,) = report["modules"][0]["cases"]
    # what operators read, worded as hardlab._format words it everywhere
    assert case["failure_text"] == "LED current out of range"
    assert case["title"] == "Functional › Status LED"
    assert report["caused_dut_failure"] == "Functional › Status LED"
    # pytest's crash text stays in the report, as HardPy stores it
    assert "where False = NumericMeasurement(" in case["assertion_msg"]
    assert report["caused_dut_failure_id"] == "test_3_functional::test_led"
    assert (view["run"]["plan_error"], view["run"]["plan_error_brief"]) == (None, None)


async def test_a_plan_that_could_not_run_says_why_in_brief(
    jp_fetch: Fetch, make_plan: Callable[..., Path], hardlab_home: Path
) -> None:
    plan = make_plan({"test_bad.py": "def test_a(:\n    pass\n"})
    result = await asyncio.to_thread(hardlab.run, plan, quiet=True, answers={})
    view = await get_json(jp_fetch, "runs", str(result.run_id))
    run = view["run"]
    assert run["status"] == "error"
    assert "importlib" in run["plan_error"]  # pytest's whole text, as stored
    brief = run["plan_error_brief"]
    assert brief.splitlines()[0].endswith("test_bad.py:1")
    assert brief.splitlines()[-1].strip() == "SyntaxError: invalid syntax"
    assert "importlib" not in brief


async def test_an_unknown_run_is_404_and_a_silly_id_400(jp_fetch: Fetch, stored: list[str]) -> None:
    code, message = await error_of(jp_fetch, "runs", "0190f0a0-dead-7000-8000-000000000000")
    assert code == 404
    assert "no run '0190f0a0-dead-7000-8000-000000000000' in sqlite:///" in message
    # a unique prefix is not a run id here: the panel always has full ids
    code, _ = await error_of(jp_fetch, "runs", stored[0][:8])
    assert code == 404
    code, message = await error_of(jp_fetch, "runs", "x" * 201)
    assert code == 400
    assert "is not a run id" in message
    code, message = await error_of(jp_fetch, "runs", stored[0], verbose="1")
    assert (code, message) == (400, "unknown parameter 'verbose'; this endpoint takes none")


async def test_export_is_the_hardpy_json_report_hardlab_export_writes(
    jp_fetch: Fetch, stored: list[str], tmp_path: Path
) -> None:
    reply = await jp_fetch("hardlab", "api", "runs", stored[2], "export")
    assert reply.headers["Content-Disposition"] == f'attachment; filename="{stored[2]}.json"'
    with Store() as store:
        JsonLoader(tmp_path).load(store.get_report(stored[2]), stored[2])
    written = (tmp_path / f"{stored[2]}.json").read_text(encoding="utf-8")
    assert reply.body.decode("utf-8") == written
    assert json.loads(reply.body)["id"] == stored[2]  # HardPy files spell it "id"
    code, message = await error_of(jp_fetch, "runs", stored[2], "export", format="csv")
    assert (code, message) == (400, "format='csv': choose among hardpy-json")


async def test_unit_report_is_the_page_hardlab_report_writes(
    jp_fetch: Fetch, stored: list[str]
) -> None:
    from hardlab.reports import run_report_html

    reply = await jp_fetch("hardlab", "api", "runs", stored[2], "report")
    assert reply.headers["Content-Type"] == "text/html; charset=UTF-8"
    page = reply.body.decode("utf-8")
    assert page == run_report_html(stored[2])
    assert "3V3" in page and "<svg" in page and "<script" not in page
    code, message = await error_of(jp_fetch, "runs", stored[2], "report", page="2")
    assert (code, message) == (400, "unknown parameter 'page'; this endpoint takes none")


# ---------------------------------------------------------------- access and failures


async def test_requests_without_the_token_are_refused(jp_fetch: Fetch, stored: list[str]) -> None:
    for parts in (
        ("runs",), ("filters",), ("runs", stored[0]), ("runs", stored[0], "export"),
        ("runs", stored[0], "report"),
    ):  # fmt: skip
        with pytest.raises(HTTPClientError) as caught:
            await jp_fetch("hardlab", "api", *parts, headers={"Authorization": ""})
        assert caught.value.code == 403, parts


@pytest.fixture
def broken_store(tmp_path: Path, jp_server_config: dict[str, Any]) -> Path:
    """A configured store that is not a database at all."""
    path = tmp_path / "not-a-database.db"
    path.write_bytes(b"this is not SQLite" * 100)
    jp_server_config["HardlabExtension"] = {"store_url": str(path)}
    return path


async def test_a_store_that_cannot_be_read_is_503_with_its_reason(
    broken_store: Path, jp_fetch: Fetch
) -> None:
    code, message = await error_of(jp_fetch, "runs")
    assert code == 503
    assert "opening the store failed on sqlite:///" in message
    assert "not-a-database.db: file is not a database" in message


@pytest.fixture
def configured_store(tmp_path: Path, jp_server_config: dict[str, Any]) -> str:
    url = f"sqlite:///{tmp_path / 'elsewhere.db'}"
    with Store(url) as store:
        store.save_report(make_report("ELSEWHERE-1", "passed", START))
    jp_server_config["HardlabExtension"] = {"store_url": url}
    return url


async def test_the_store_can_be_configured(
    configured_store: str, stored: list[str], jp_fetch: Fetch
) -> None:
    page = await get_json(jp_fetch, "runs")
    assert page["store"]["url"] == configured_store
    assert [run["serial_number"] for run in page["runs"]] == ["ELSEWHERE-1"]


@pytest.fixture
def root_toml(jp_root_dir: Path, tmp_path: Path, stored: list[str]) -> str:
    url = f"sqlite:///{tmp_path / 'from-toml.db'}"
    with Store(url) as store:
        store.save_report(make_report("TOML-1", "passed", START))
    (jp_root_dir / "hardpy.toml").write_text(f'[database]\nurl = "{url}"\n', encoding="utf-8")
    return url


async def test_the_root_folders_hardpy_toml_names_the_store(
    root_toml: str, jp_fetch: Fetch
) -> None:
    page = await get_json(jp_fetch, "runs")
    assert page["store"]["url"] == root_toml
    assert [run["serial_number"] for run in page["runs"]] == ["TOML-1"]


# ---------------------------------------------------------------- a run that is going on

LIVE_PLAN = {
    "test_1_power.py": """
        import hardlab

        def test_rail():
            hardlab.set_dut_serial_number("LIVE-1")
            hardlab.set_case_measurement(hardlab.NumericMeasurement(
                name="3V3", value=3.3, unit="V",
                operation=hardlab.ComparisonOperation.GELE, lower_limit=3.2, upper_limit=3.4))
        """,
    "test_2_wait.py": """
        import hardlab_live

        def test_wait():
            hardlab_live.started.set()
            assert hardlab_live.release.wait(60), "the test never released the run"
        """,
}


@pytest.fixture
def live(monkeypatch: pytest.MonkeyPatch) -> Iterator[types.ModuleType]:
    """A module the live plan imports: it says when it waits, and waits to be released."""
    module = types.ModuleType("hardlab_live")
    module.started = threading.Event()  # type: ignore[attr-defined]
    module.release = threading.Event()  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "hardlab_live", module)
    yield module
    module.release.set()  # type: ignore[attr-defined]


async def _until(check: Callable[[], Any], what: str, timeout: float = 60.0) -> Any:
    """Poll `check` (a coroutine function) until it returns something truthy."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        found = await check()
        if found:
            return found
        await asyncio.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


async def test_a_run_in_progress_is_live_and_its_report_grows(
    jp_fetch: Fetch, make_plan: Callable[..., Path], live: types.ModuleType
) -> None:
    plan = make_plan(LIVE_PLAN)
    handle = hardlab.start(plan, quiet=True, answers={})
    try:
        assert await asyncio.to_thread(live.started.wait, 60)

        async def running_page() -> Any:
            page = await get_json(jp_fetch, "runs")
            return page if page["runs"] and page["live"] else None

        page = await _until(running_page, "the run to be listed")
        (run,) = page["runs"]
        assert (run["status"], run["duration_s"]) == ("run", None)

        async def rail_stored() -> Any:
            view = await get_json(jp_fetch, "runs", run["id"])
            modules = {module["id"]: module for module in view["report"]["modules"]}
            power = modules.get("test_1_power")
            return view if power and power["cases"][0]["status"] == "passed" else None

        view = await _until(rail_stored, "the finished case to be stored")
        rail = view["report"]["modules"][0]["cases"][0]["measurements"][0]
        assert (rail["value_text"], rail["limits_text"]) == ("3.3 V", "[3.2 .. 3.4]")
        assert view["run"]["status"] == "run"
    finally:
        live.release.set()  # type: ignore[attr-defined]
        result = await asyncio.to_thread(handle.wait, 60)
    assert result.status.value == "passed"

    async def finished() -> Any:
        page = await get_json(jp_fetch, "runs")
        return page if not page["live"] else None

    page = await _until(finished, "the run to end in the store")
    assert page["runs"][0]["status"] == "passed"
    assert page["runs"][0]["serial_number"] == "LIVE-1"


@pytest.fixture
def bad_root_toml(jp_root_dir: Path) -> None:
    (jp_root_dir / "hardpy.toml").write_text("[database\nurl = 1\n", encoding="utf-8")


async def test_a_bad_hardpy_toml_in_the_root_folder_is_503_naming_it(
    bad_root_toml: None, jp_fetch: Fetch
) -> None:
    code, message = await error_of(jp_fetch, "runs")
    assert code == 503
    assert "hardpy.toml is not valid TOML" in message


async def test_jupyterlabs_cache_buster_is_not_a_parameter(
    jp_fetch: Fetch, stored: list[str]
) -> None:
    # ServerConnection.makeRequest appends "&<milliseconds>" to every GET
    for parts in (("runs",), ("filters",), ("runs", stored[0]), ("runs", stored[0], "export")):
        reply = await jp_fetch("hardlab", "api", *parts, params=[("1795277089739", "")])
        assert reply.code == 200, parts
    code, message = await error_of(jp_fetch, "runs", **{"1795277089739": "x"})
    assert code == 400
    assert message.startswith("unknown parameter '1795277089739'")


async def test_jupyters_token_query_authentication_is_not_a_filter(
    jp_fetch: Fetch, stored: list[str], jp_serverapp: Any
) -> None:
    # the link jupyter_server prints at start authenticates with ?token=...
    token = jp_serverapp.identity_provider.token
    for parts in (("runs",), ("filters",), ("runs", stored[0]), ("runs", stored[0], "export")):
        reply = await jp_fetch(
            "hardlab", "api", *parts, params=[("token", token)], headers={"Authorization": ""}
        )
        assert reply.code == 200, parts
    page = await get_json(jp_fetch, "runs", token=token, status="failed")
    assert [run["id"] for run in page["runs"]] == [stored[3]]
