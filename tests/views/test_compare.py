"""Two runs side by side: `compare_reports`, `History.compare`, `RunResult.compare`, ``hardlab diff``."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from hardlab.cli import main
from hardlab.errors import StorageError
from hardlab.model.report import ResultRunStore
from hardlab.storage import Store
from hardlab.views import Comparison, History, compare_reports

DAY1 = datetime(2026, 11, 2, tzinfo=timezone.utc)


def run(serial: str, hours: int, vout: float, *, extra_case: bool = False,
        fw: str = "1.0") -> ResultRunStore:  # fmt: skip
    t = int((DAY1 + timedelta(hours=hours)).timestamp())
    ok = 4.9 <= vout <= 5.1
    cases: dict[str, Any] = {
        "test_rail": {
            "status": "passed" if ok else "failed", "name": "Rail", "group": "main",
            "start_time": t, "stop_time": t + 1, "attempt": 1,
            "measurements": [
                {"type": "numeric", "name": "vout", "value": vout, "unit": "V",
                 "operation": "gele", "lower_limit": 4.9, "upper_limit": 5.1, "result": ok},
                {"type": "string", "name": "fw", "value": fw, "operation": "eq",
                 "comparison_value": "1.0", "result": fw == "1.0"},
            ],
        },
    }  # fmt: skip
    if extra_case:
        cases["test_extra"] = {"status": "passed", "name": "Extra", "group": "main",
                               "start_time": t, "stop_time": t + 1, "attempt": 1}  # fmt: skip
    else:
        cases["test_old"] = {"status": "passed", "name": "Old", "group": "main",
                             "start_time": t, "stop_time": t + 1, "attempt": 1}  # fmt: skip
    status = "passed" if ok and fw == "1.0" else "failed"
    return ResultRunStore.model_validate(
        {"_id": str(uuid.uuid4()), "_rev": "1", "name": "board", "status": status,
         "start_time": t, "stop_time": t + 2, "test_stand": {"name": "A"},
         "dut": {"serial_number": serial, "part_number": "PB-100"}, "process": {},
         "modules": {"test_board": {"status": status, "name": "Board", "group": "main",
                                    "start_time": t, "stop_time": t + 2, "cases": cases}}}
    )  # fmt: skip


def test_deltas_verdicts_added_and_removed() -> None:
    base, new = run("G1", 0, 5.0), run("SN2", 1, 5.2, extra_case=True, fw="1.1")
    comparison = compare_reports(base, new, base_label="a", new_label="b")
    assert isinstance(comparison, Comparison)
    assert comparison.added == ["test_board::test_extra"]
    assert comparison.removed == ["test_board::test_old"]
    assert [(c.case, c.status_base, c.status_new) for c in comparison.changed] == [
        ("test_board::test_rail", "passed", "failed")
    ]
    vout, fw = comparison.measurements
    assert vout.delta == pytest.approx(0.2) and vout.relative == pytest.approx(0.04)
    assert (vout.verdict_base, vout.verdict_new, vout.verdict_changed) == (True, False, True)
    assert fw.delta is None and fw.verdict_changed
    assert not comparison.same
    text = comparison.text()
    for line in ("base a: passed (DUT G1)", "new  b: failed (DUT SN2)", "Cases added:",
                 "  test_board::test_extra", "Cases removed:",
                 "test_board::test_rail: passed -> failed", "5 V -> 5.2 V  Δ +0.2 (+4.00%)",
                 "verdict pass -> fail", "1.0 -> 1.1"):  # fmt: skip
        assert line in text, line
    frame = comparison.frame()
    assert list(frame.columns) == ["case", "measurement", "unit", "base", "new", "delta",
                                   "relative_delta", "verdict_base", "verdict_new",
                                   "verdict_changed"]  # fmt: skip
    assert frame["delta"].dtype == "float64" and str(frame["verdict_new"].dtype) == "boolean"
    assert frame.loc[0, "relative_delta"] == pytest.approx(0.04)
    cases = comparison.cases_frame().set_index("case")["change"].to_dict()
    assert cases == {"test_board::test_rail": "changed", "test_board::test_old": "removed",
                     "test_board::test_extra": "added"}  # fmt: skip


def test_same_verdicts_only_values_moved() -> None:
    comparison = compare_reports(run("A", 0, 5.0), run("B", 1, 5.01))
    assert comparison.same and "Same cases, statuses and verdicts." in comparison.text()
    assert comparison.measurements[0].delta == pytest.approx(0.01)
    assert compare_reports(run("A", 0, 0.0), run("B", 1, 0.0)).measurements[0].relative is None


@pytest.fixture
def store(store_url: str) -> Any:
    with Store(store_url) as opened:
        yield opened


def _save(store: Store, report: ResultRunStore) -> str:
    return str(store.save_report(report)[0])


def test_history_compare_and_golden(store: Store) -> None:
    old_golden = _save(store, run("GOLD", 0, 5.0))
    golden = _save(store, run("GOLD", 5, 5.01))
    _save(store, run("GOLD", 6, 5.3))  # newest, but failed: not the reference
    unit = _save(store, run("SN7", 7, 5.05))
    history = History(store)
    assert history.golden_run("GOLD") == golden != old_golden
    by_id = history.compare(golden, unit)
    assert (by_id.base, by_id.new) == (golden, unit)
    assert by_id.measurements[0].delta == pytest.approx(0.04)
    by_golden = history.compare(unit, golden="GOLD")
    assert (by_golden.base, by_golden.new) == (golden, unit)
    with pytest.raises(StorageError, match="no passing run of unit 'NOPE'"):
        history.compare(unit, golden="NOPE")
    with pytest.raises(StorageError, match="no run 'zzz'"):
        history.compare(unit, "zzz")
    with pytest.raises(TypeError):
        history.compare(unit)


def test_hardlab_diff(store: Store, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    golden = _save(store, run("GOLD", 0, 5.0))
    unit = _save(store, run("SN7", 1, 5.2))
    same = _save(store, run("SN8", 2, 5.0))
    db = store.url
    assert main(["diff", golden, unit, "--db", db]) == 1  # verdicts changed
    out = capsys.readouterr().out
    assert f"base {golden}: passed" in out and "verdict pass -> fail" in out
    assert main(["diff", same[:20], "--golden", "GOLD", "--db", db]) == 0
    out = capsys.readouterr().out
    assert f"base {golden}" in out and f"new  {same}" in out and "Same cases" in out
    for argv, message in (
        (["diff", "nosuch", unit], "no run 'nosuch'"),
        (["diff", unit, "--golden", "NOPE"], "no passing run of unit 'NOPE'"),
        (["diff", unit], "give RUN_B, or --golden SERIAL"),
    ):
        assert main([*argv, "--db", db]) == 4
        err = capsys.readouterr().err
        assert message in err and err.count("\n") == 1, err


def test_run_result_compare(make_plan: Any, tmp_path: Path) -> None:
    import hardlab

    plan = make_plan({"test_a.py": """
        import hardlab as hardpy

        def test_v():
            hardpy.set_case_measurement(hardpy.NumericMeasurement(value=1.5, name="v"))
    """})  # fmt: skip
    first = hardlab.run(plan, store=False, quiet=True)
    second = hardlab.run(plan, store=False, quiet=True)
    comparison = second.compare(first)
    assert (comparison.base, comparison.new) == (str(first.run_id), str(second.run_id))
    assert comparison.same and comparison.measurements[0].delta == 0
    assert second.compare(first.report).base == "base"
