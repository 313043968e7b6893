"""History queries in SQL: units, yields, paretos, rows, on SQLite and PostgreSQL.

The history below is small enough to count by hand; the expected numbers
come with the reasoning that gives them.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from hardlab.model.report import ResultRunStore
from hardlab.storage import RunFilter, Store

DAY1 = datetime(2026, 11, 2, tzinfo=timezone.utc)
DAY2 = DAY1 + timedelta(days=1)


def _vout(value: float, lower: float = 4.9, upper: float = 5.1) -> dict[str, Any]:
    return {
        "type": "numeric", "name": "vout", "value": value, "unit": "V", "operation": "gele",
        "lower_limit": lower, "upper_limit": upper, "result": lower <= value <= upper,
    }  # fmt: skip


def _current(value: float) -> dict[str, Any]:
    return {
        "type": "numeric", "name": "current", "value": value, "unit": "A", "operation": "le",
        "comparison_value": 0.5, "result": value <= 0.5,
    }  # fmt: skip


def _echo(text: str) -> dict[str, Any]:
    return {
        "type": "string", "name": "echo", "value": text, "operation": "eq",
        "comparison_value": "ok", "result": text == "ok",
    }  # fmt: skip


def _case(name: str, ok: bool, measurements: list[dict[str, Any]], t: int, attempt: int = 1):
    return {
        "status": "passed" if ok else "failed", "name": name, "group": "main",
        "start_time": t, "stop_time": t + 1, "attempt": attempt, "measurements": measurements,
    }  # fmt: skip


def report(
    serial: str | None,
    status: str,
    start: datetime,
    *,
    part: str = "PB-100",
    stand: str = "A",
    vout: float = 5.0,
    current: float = 0.3,
    echo: str = "ok",
    error_code: int | None = None,
    name: str = "board test",
    rail_attempt: int = 1,
) -> ResultRunStore:
    """A two-case report: ``test_rail`` measures vout, ``test_uart`` current and an echo."""
    t = int(start.timestamp())
    rail_ok = 4.9 <= vout <= 5.1
    uart_ok = echo == "ok" and current <= 0.5
    return ResultRunStore.model_validate(
        {
            "_id": str(uuid.uuid4()), "_rev": "1", "name": name, "status": status,
            "start_time": t, "stop_time": t + 10, "error_code": error_code,
            "test_stand": {"name": stand}, "dut": {"serial_number": serial, "part_number": part},
            "process": {},
            "modules": {
                "test_board": {
                    "status": status, "name": "Board", "group": "main",
                    "start_time": t, "stop_time": t + 10,
                    "cases": {
                        "test_rail": _case("Rail", rail_ok, [_vout(vout)], t, rail_attempt),
                        "test_uart": _case(
                            "UART", uart_ok, [_current(current), _echo(echo)], t + 2
                        ),
                    },
                }
            },
        }
    )  # fmt: skip


def at(day: datetime, hour: int, minute: int = 0) -> datetime:
    return day + timedelta(hours=hour, minutes=minute)


def fill(store: Store) -> dict[str, str]:
    """The scenario; returns run ids by label.

    PB-100, day 1, stand A (cohort A/day1):
      U1 fails on A (rail, code 3), passes an hour later on stand B.
      U2 passes (its rail case passed on a second attempt; the first failed).
      U3 fails (uart, code 5), fails again (rail, code 3), passes on day 2.
      U4 is stopped (rail failed, code 9: not counted), then passes.
      a board without serial number passes (a unit of its own).
    PB-100, day 1, stand B: U5 fails (rail, code 3); U6's only run is interrupted.
    PB-100, day 2: U7 passes on A; U8 fails on A (uart, no code), then passes;
      U9 passes on B.
    PB-200, day 1, stand A: U1 (another part: another unit) passes.
    """
    ids: dict[str, str] = {}

    def save(label: str, rep: ResultRunStore, **kwargs: Any) -> None:
        ids[label], _ = store.save_report(rep, **kwargs)

    save("U1a", report("U1", "failed", at(DAY1, 8), vout=5.3, error_code=3))
    save("U1b", report("U1", "passed", at(DAY1, 9), stand="B", vout=5.02))
    first_try = _case("Rail", False, [_vout(4.7)], int(at(DAY1, 8, 10).timestamp()))
    save(
        "U2",
        report("U2", "passed", at(DAY1, 8, 10), vout=4.98, rail_attempt=2),
        attempts=[
            {"module_id": "test_board", "module_name": "Board", "case_id": "test_rail",
             "attempt": 1, "final": False, "position": 0, "case": first_try}
        ],
    )  # fmt: skip
    save("U3a", report("U3", "failed", at(DAY1, 8, 20), echo="ko", error_code=5))
    save("U3b", report("U3", "failed", at(DAY1, 10), vout=4.8, error_code=3))
    save("U3c", report("U3", "passed", at(DAY2, 9), vout=5.01))
    save("U4a", report("U4", "stopped", at(DAY1, 8, 30), vout=4.0, error_code=9))
    save("U4b", report("U4", "passed", at(DAY1, 8, 40), vout=5.05))
    save("anon", report(None, "passed", at(DAY1, 8, 50), vout=4.95))
    save("U5", report("U5", "failed", at(DAY1, 11), stand="B", vout=5.2, error_code=3))
    save("U6", report("U6", "run", at(DAY1, 11, 10), stand="B", vout=4.5))
    store.interrupt(ids["U6"])
    save("U7", report("U7", "passed", at(DAY2, 8), vout=5.0))
    save("U8a", report("U8", "failed", at(DAY2, 8, 30), current=0.7))
    save("U8b", report("U8", "passed", at(DAY2, 9), vout=4.99))
    save("U9", report("U9", "passed", at(DAY2, 10), stand="B", vout=5.04))
    save("U1'", report("U1", "passed", at(DAY1, 12), part="PB-200", vout=5.0))
    return ids


@pytest.fixture
def store(store_url: str):
    with Store(store_url) as opened:
        fill(opened)
        yield opened


def _by_key(rows: list[dict[str, Any]], *keys: str) -> dict[tuple[Any, ...], dict[str, Any]]:
    return {tuple(row[k] for k in keys): row for row in rows}


# ---------------------------------------------------------------- units and yields


def test_units_follow_the_counting_rules(store: Store) -> None:
    units = _by_key(store.units().dicts(), "part_number", "serial_number")
    # U6 has no counted run; the board without serial number is not listed
    assert set(units) == {("PB-100", f"U{i}") for i in (1, 2, 3, 4, 5, 7, 8, 9)} | {
        ("PB-200", "U1")
    }
    u3 = units["PB-100", "U3"]
    assert (u3["runs"], u3["retests"]) == (3, 2)
    assert (u3["first_status"], u3["final_status"]) == ("failed", "passed")
    assert (u3["stand"], u3["day"]) == ("A", "2026-11-02")
    assert u3["first_started"] == at(DAY1, 8, 20) and u3["last_started"] == at(DAY2, 9)
    u1 = units["PB-100", "U1"]
    assert (u1["stand"], u1["runs"], u1["final_status"]) == ("A", 2, "passed")  # cohort: stand A
    u4 = units["PB-100", "U4"]  # the stopped run does not count
    assert (u4["runs"], u4["retests"], u4["first_status"]) == (1, 0, "passed")
    assert units["PB-200", "U1"]["runs"] == 1
    # most retested first
    assert [row["serial_number"] for row in store.units().dicts()][:2] == ["U3", "U1"]


EXPECTED_YIELDS = {
    # (part, stand, day): (units, first_pass, final_pass, runs, retests)
    ("PB-100", "A", "2026-11-02"): (5, 3, 5, 8, 3),  # U1 U2 U3 U4 anon
    ("PB-100", "B", "2026-11-02"): (1, 0, 0, 1, 0),  # U5
    ("PB-100", "A", "2026-11-03"): (2, 1, 2, 3, 1),  # U7 U8
    ("PB-100", "B", "2026-11-03"): (1, 1, 1, 1, 0),  # U9
    ("PB-200", "A", "2026-11-02"): (1, 1, 1, 1, 0),  # U1 of PB-200
}


def test_yields_per_part_stand_and_day(store: Store) -> None:
    rows = store.yields().dicts()
    assert [(r["part_number"], r["stand"], r["day"]) for r in rows] == sorted(EXPECTED_YIELDS)
    for row in rows:
        key = (row["part_number"], row["stand"], row["day"])
        units, first, final, runs, retests = EXPECTED_YIELDS[key]
        assert (row["units"], row["first_pass"], row["final_pass"]) == (units, first, final)
        assert (row["runs"], row["retests"]) == (runs, retests)
        assert row["first_pass_yield"] == pytest.approx(first / units)
        assert row["final_yield"] == pytest.approx(final / units)
        assert all(type(row[k]) is int for k in ("units", "first_pass", "runs", "retests"))


def test_first_pass_only_yields_agree(store: Store) -> None:
    for by in (("part_number", "stand", "day"), ("day",), ()):
        full = store.yields(by=by).dicts()
        fast = store.yields(by=by, final=False)
        assert fast.columns == (*by, "units", "first_pass", "first_pass_yield")
        assert fast.dicts() == [{k: row[k] for k in fast.columns} for row in full]
    cohort = {"stand": "A", "since": DAY1, "until": DAY2}
    assert store.yields(cohort, final=False).dicts()[0]["units"] == 5


def test_yields_other_groupings(store: Store) -> None:
    total = store.yields(by=()).dicts()
    assert len(total) == 1
    assert (total[0]["units"], total[0]["first_pass"], total[0]["final_pass"]) == (10, 6, 9)
    per_part = _by_key(store.yields(by=("part_number",)).dicts(), "part_number")
    assert per_part["PB-100",]["units"] == 9 and per_part["PB-100",]["first_pass"] == 5
    per_day = store.yields(by="day").dicts()
    assert [(r["day"], r["units"]) for r in per_day] == [("2026-11-02", 7), ("2026-11-03", 3)]
    with pytest.raises(ValueError, match="choose distinct names"):
        store.yields(by=("week",))


def test_stand_and_time_filters_choose_cohorts(store: Store) -> None:
    grouped = _by_key(store.yields(by=("stand", "day")).dicts(), "stand", "day")
    for (stand, day), row in grouped.items():
        start = datetime.fromisoformat(day).replace(tzinfo=timezone.utc)
        only = store.yields(
            RunFilter(stand=stand, since=start, until=start + timedelta(days=1)), by=()
        ).dicts()
        assert only == [{k: v for k, v in row.items() if k not in ("stand", "day")}]
    # U1 retested on B and U3 retested on day 2 stay in their cohorts
    on_b = store.units(RunFilter(stand="B")).dicts()
    assert {r["serial_number"] for r in on_b} == {"U5", "U9"}
    day2 = store.units({"since": DAY2}).dicts()
    assert {r["serial_number"] for r in day2} == {"U7", "U8", "U9"}


def test_run_filters_choose_the_counted_runs(store: Store) -> None:
    u3 = store.yields(RunFilter(serial_number="U3"), by=()).dicts()
    assert (u3[0]["units"], u3[0]["first_pass"], u3[0]["runs"]) == (1, 0, 3)
    assert store.yields(RunFilter(name="another plan")).dicts() == []
    pb200 = store.yields({"part_number": "PB-200"}, by=("part_number",)).dicts()
    assert [(r["part_number"], r["units"]) for r in pb200] == [("PB-200", 1)]


# ---------------------------------------------------------------- paretos


def test_failure_pareto_by_case(store: Store) -> None:
    rows = store.case_failures().dicts()
    # final attempts failed in counted runs: rail in U1a, U3b, U5; uart in U3a, U8a
    # (U2's failed first attempt, the stopped U4a and the interrupted U6 do not count)
    assert [(r["case_id"], r["failures"]) for r in rows] == [("test_rail", 3), ("test_uart", 2)]
    rail, uart = rows
    assert (rail["module_id"], rail["module_name"], rail["case_name"]) == (
        "test_board", "Board", "Rail",
    )  # fmt: skip
    assert (rail["share"], rail["cumulative_share"]) == (pytest.approx(0.6), pytest.approx(0.6))
    assert (uart["share"], uart["cumulative_share"]) == (pytest.approx(0.4), pytest.approx(1.0))
    only_b = store.case_failures(RunFilter(stand="B")).dicts()
    assert [(r["case_id"], r["failures"]) for r in only_b] == [("test_rail", 1)]


def test_failure_pareto_by_error_code(store: Store) -> None:
    rows = store.error_code_failures().dicts()
    assert [(r["error_code"], r["failures"]) for r in rows] == [(3, 3), (None, 1), (5, 1)]
    assert [r["cumulative_share"] for r in rows] == pytest.approx([0.6, 0.8, 1.0])
    assert store.error_code_failures(RunFilter(part_number="PB-200")).dicts() == []


# ---------------------------------------------------------------- rows and filters


def test_cases_and_measurements(store: Store) -> None:
    cases = store.cases(RunFilter(serial_number="U2")).dicts()
    assert [(c["case_id"], c["attempt"], c["final"], c["status"]) for c in cases] == [
        ("test_rail", 1, False, "failed"),
        ("test_rail", 2, True, "passed"),
        ("test_uart", 1, True, "passed"),
    ]
    assert cases[0]["part_number"] == "PB-100" and cases[0]["run_status"] == "passed"
    finals = store.cases(RunFilter(serial_number="U2"), case="Rail", attempts="final").dicts()
    assert [(c["case_id"], c["attempt"]) for c in finals] == [("test_rail", 2)]
    echo = store.measurements({"serial_number": "U3"}, measurement="echo").dicts()
    assert [(m["value_str"], m["result"], m["value"]) for m in echo] == [
        ("ko", False, None), ("ok", True, None), ("ok", True, None),
    ]  # fmt: skip
    assert [m["run_started_at"] for m in echo] == [at(DAY1, 8, 20), at(DAY1, 10), at(DAY2, 9)]
    numeric = store.measurements({"serial_number": "U3"}, case="test_uart", numeric=True)
    assert {m["measurement"] for m in numeric.dicts()} == {"current"}
    assert len(store.measurements(limit=5).records) == 5
    vout = store.measurements({"serial_number": "U1", "part_number": "PB-100"}, measurement="vout")
    assert [(m["spec_lower"], m["spec_upper"]) for m in vout.dicts()] == [(4.9, 5.1)] * 2


def test_filters_as_mappings(store: Store) -> None:
    assert len(store.runs({"part_number": "PB-200"}).records) == 1
    assert len(store.runs({"status": ["stopped", "interrupted"]}).records) == 2
    assert len(store.runs(RunFilter(until=DAY2)).records) == 11
    with pytest.raises(TypeError, match="unknown run filter 'serial'"):
        store.runs({"serial": "U1"})


def test_an_empty_store_answers_with_nothing(store_url: str) -> None:
    with Store(store_url) as store:
        (total,) = store.yields(by=()).dicts()  # one row over nothing, and no division by zero
        assert (total["units"], total["first_pass_yield"], total["final_yield"]) == (0, None, None)
        assert store.yields().records == [] and store.units().records == []
        assert store.case_failures().records == [] and store.error_code_failures().records == []
        for method in ("daily", "raw"):
            assert store.capability(method=method).records == []
