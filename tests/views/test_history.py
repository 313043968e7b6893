"""`hardlab.history()`: DataFrames with real dtypes, analytics checked against pandas and numpy."""

from __future__ import annotations

import math
import random
import subprocess
import sys
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

import hardlab
from hardlab.model.report import ResultRunStore
from hardlab.storage import Store
from hardlab.views import History, attempts_frame

DAY1 = datetime(2026, 11, 2, tzinfo=timezone.utc)
UTC = "datetime64[ns, UTC]"
STATUSES = {"passed", "failed", "skipped", "error", "run", "ready", "stopped", "interrupted"}
NOT_COUNTED = ["stopped", "interrupted", "run", "ready"]


def report(
    serial: str | None,
    start: datetime,
    *,
    part: str,
    stand: str,
    vout: float,
    limits: tuple[float, float] = (4.9, 5.1),
    current: float = 0.3,
    status: str | None = None,
    error_code: int | None = None,
) -> ResultRunStore:
    """A run with a ``test_rail`` case (vout, range check) and a ``test_load`` case (current, le)."""
    t = int(start.timestamp())
    lower, upper = limits
    rail_ok, load_ok = lower <= vout <= upper, current <= 0.5

    def case(name: str, ok: bool, measurement: dict[str, Any]) -> dict[str, Any]:
        return {
            "status": "passed" if ok else "failed", "name": name, "group": "main",
            "start_time": t, "stop_time": t + 1, "attempt": 1, "measurements": [measurement],
        }  # fmt: skip

    rail = {"type": "numeric", "name": "vout", "value": vout, "unit": "V", "operation": "gele",
            "lower_limit": lower, "upper_limit": upper, "result": rail_ok}  # fmt: skip
    load = {"type": "numeric", "name": "current", "value": current, "unit": "A",
            "operation": "le", "comparison_value": 0.5, "result": load_ok}  # fmt: skip
    status = status or ("passed" if rail_ok and load_ok else "failed")
    return ResultRunStore.model_validate(
        {
            "_id": str(uuid.uuid4()), "_rev": "1", "name": "board test", "status": status,
            "start_time": t, "stop_time": t + 4, "error_code": error_code,
            "test_stand": {"name": stand}, "dut": {"serial_number": serial, "part_number": part},
            "process": {},
            "modules": {"test_board": {
                "status": status, "name": "Board", "group": "main", "start_time": t,
                "stop_time": t + 4,
                "cases": {"test_rail": case("Rail", rail_ok, rail),
                          "test_load": case("Load", load_ok, load)},
            }},
        }
    )  # fmt: skip


def fill(store: Store, seed: int = 11) -> None:
    """40 units over 4 days, 2 parts, 2 stands; some retested, some aborted; limits change."""
    rng = random.Random(seed)
    for k in range(40):
        part = "PB-200" if k % 3 == 0 else "PB-100"
        stand = "A" if k % 2 else "B"
        serial = None if k % 13 == 5 else f"SN{k:03d}"
        start = DAY1 + timedelta(hours=2.3 * k)
        tries = 1 + (k % 4 == 1) + (k % 7 == 3)
        for attempt in range(tries):
            at = start + timedelta(minutes=25 * attempt, hours=10 * (attempt == 2))
            limits = (4.9, 5.1) if at < DAY1 + timedelta(days=2) else (4.85, 5.15)
            last = attempt == tries - 1
            good = last and k % 9 != 4
            vout = 5 + rng.gauss(0, 0.03) if good else 5.2 + rng.random() / 10
            current = 0.6 if not good and k % 5 == 0 else rng.uniform(0.2, 0.45)
            status = "stopped" if k % 11 == 2 and attempt == 0 else None
            code = None if good or k % 10 == 7 else k % 3 + 1
            rep = report(serial, at, part=part, stand=stand, vout=vout, limits=limits,
                         current=current, status=status, error_code=code)  # fmt: skip
            store.save_report(rep)


@pytest.fixture
def history(store_url: str):
    with Store(store_url) as store:
        fill(store)
        yield History(store)


def _counted_units(runs: pd.DataFrame) -> pd.DataFrame:
    """The counting rules, written in pandas over the runs frame."""
    counted = runs[~runs["status"].isin(NOT_COUNTED)].copy()
    counted["unit"] = counted["serial_number"].fillna("run " + counted["run_id"])
    counted = counted.sort_values(["started_at", "run_id"])
    counted["passed"] = counted["status"].astype(str) == "passed"
    units = counted.groupby(["part_number", "unit"]).agg(
        stand=("stand", "first"),
        started=("started_at", "first"),
        first_pass=("passed", "first"),
        final_pass=("passed", "last"),
        runs=("run_id", "size"),
    )
    units["day"] = units["started"].dt.floor("D")
    return units.reset_index()


# ---------------------------------------------------------------- frames and dtypes


def test_frames_have_real_dtypes(history: History) -> None:
    runs = history.runs()
    assert len(runs) == 40 + 10 + 6  # units, second tries (k % 4 == 1), third (k % 7 == 3)
    assert str(runs["started_at"].dtype) == UTC and str(runs["stopped_at"].dtype) == UTC
    assert isinstance(runs["status"].dtype, pd.CategoricalDtype)
    assert set(runs["status"].cat.categories) >= STATUSES
    assert runs["duration_s"].dtype == "float64"
    assert runs["error_code"].dtype == "Int64" and runs["cases_failed"].dtype == "Int64"
    assert {"run_id", "serial_number", "part_number", "stand"} <= set(runs.columns)
    assert runs["started_at"].is_monotonic_decreasing

    cases = history.cases()
    assert len(cases) == 2 * len(runs)
    assert cases["attempt"].dtype == "Int64" and cases["final"].dtype == "bool"
    assert isinstance(cases["status"].dtype, pd.CategoricalDtype)
    assert isinstance(cases["run_status"].dtype, pd.CategoricalDtype)
    assert str(cases["started_at"].dtype) == UTC and cases["duration_ms"].dtype == "float64"

    meas = history.measurements()
    assert meas["value"].dtype == "float64" and meas["result"].dtype == "boolean"
    assert str(meas["run_started_at"].dtype) == UTC
    assert meas["spec_lower"].dtype == "float64" and meas["spec_upper"].dtype == "float64"
    assert set(meas["measurement"]) == {"vout", "current"}

    empty = history.runs(part_number="none")
    assert empty.empty and str(empty["started_at"].dtype) == UTC
    assert isinstance(empty["status"].dtype, pd.CategoricalDtype)


def test_filters_run_in_sql(history: History) -> None:
    runs = history.runs()
    picked = history.runs(part_number="PB-200", stand=["A"], status="passed")
    expected = runs[
        (runs["part_number"] == "PB-200") & (runs["stand"] == "A") & (runs["status"] == "passed")
    ]
    assert sorted(picked["run_id"]) == sorted(expected["run_id"]) and len(picked) > 0
    since, until = DAY1 + timedelta(days=1), "2026-11-04"
    window = history.cases(since=since, until=until, attempts="final")
    assert window["run_started_at"].between(since, pd.Timestamp(until, tz="UTC")).all()
    assert len(history.runs(serial_number="SN004")) == 1
    assert len(history.runs(name="board test")) == len(runs)
    assert history.runs(limit=3)["started_at"].tolist() == runs["started_at"][:3].tolist()
    vout = history.measurements(measurement="vout", case="Rail", serial_number="SN001")
    assert len(vout) == 2 and set(vout["case_id"]) == {"test_rail"}
    with pytest.raises(TypeError, match="unknown filter 'part'"):
        history.runs(part="PB-100")


# ---------------------------------------------------------------- yields


def test_yields_follow_the_counting_rules(history: History) -> None:
    units = _counted_units(history.runs())
    expected = units.groupby(["part_number", "stand", "day"]).agg(
        units=("unit", "size"),
        first_pass=("first_pass", "sum"),
        final_pass=("final_pass", "sum"),
        runs=("runs", "sum"),
    )
    frame = history.yields()
    assert list(frame.columns) == [
        "part_number", "stand", "day", "units", "first_pass", "final_pass", "runs", "retests",
        "first_pass_yield", "final_yield",
    ]  # fmt: skip
    assert str(frame["day"].dtype) == UTC and frame["units"].dtype == "Int64"
    assert frame["first_pass_yield"].dtype == "float64"
    got = frame.set_index(["part_number", "stand", "day"])
    assert got.index.tolist() == expected.index.tolist()
    for column in ("units", "first_pass", "final_pass", "runs"):
        assert got[column].tolist() == expected[column].tolist(), column
    assert (got["retests"] == got["runs"] - got["units"]).all()
    assert np.allclose(got["first_pass_yield"], expected["first_pass"] / expected["units"])
    assert np.allclose(got["final_yield"], expected["final_pass"] / expected["units"])
    # the scenario has what the rules are about
    assert 0 < frame["first_pass"].sum() < frame["final_pass"].sum() < frame["units"].sum()


def test_first_pass_and_final_yield(history: History) -> None:
    units = _counted_units(history.runs())
    per_part = units.groupby("part_number")[["first_pass", "final_pass"]].mean()
    fpy = history.first_pass_yield(by=("part_number",))
    assert list(fpy.columns) == ["part_number", "units", "first_pass", "first_pass_yield"]
    assert np.allclose(fpy["first_pass_yield"], per_part["first_pass"])
    final = history.final_yield(by="part_number")
    assert list(final.columns) == ["part_number", "units", "final_pass", "final_yield"]
    assert np.allclose(final["final_yield"], per_part["final_pass"])
    overall = history.first_pass_yield(by=())
    assert len(overall) == 1 and overall["units"][0] == len(units)
    # a cohort filter gives the matching row of the grouped answer
    day2 = DAY1 + timedelta(days=1)
    row = history.first_pass_yield(by=("stand", "day")).set_index(["stand", "day"]).loc[("A", day2)]
    only = history.first_pass_yield(by=(), stand="A", since=day2, until=day2 + timedelta(days=1))
    assert only["first_pass_yield"][0] == row["first_pass_yield"]
    with pytest.raises(ValueError, match="choose distinct names"):
        history.yields(by=("shift",))


def test_retests(history: History) -> None:
    units = _counted_units(history.runs())
    expected = units[units["unit"].str.startswith("SN")].set_index("unit")["runs"] - 1
    frame = history.retests()
    assert frame["retests"].dtype == "Int64" and str(frame["first_started"].dtype) == UTC
    assert isinstance(frame["final_status"].dtype, pd.CategoricalDtype)
    assert frame["retests"].is_monotonic_decreasing
    assert frame.set_index("serial_number")["retests"].sort_index().tolist() == (
        expected.sort_index().tolist()
    )
    assert frame["retests"].max() == 2


# ---------------------------------------------------------------- paretos


def test_failure_pareto_by_case(history: History) -> None:
    cases = history.cases(attempts="final")
    counted = cases[~cases["run_status"].isin(NOT_COUNTED)]
    failed = counted[counted["status"] == "failed"]
    expected = failed.groupby("case_id").size()
    frame = history.failure_pareto()
    assert frame.set_index("case_id")["failures"].to_dict() == expected.to_dict()
    assert frame["failures"].is_monotonic_decreasing
    share = frame.set_index("case_id")["share"]
    assert np.allclose(share[expected.index], expected / expected.sum())
    assert frame["cumulative_share"].iloc[-1] == pytest.approx(1.0)
    assert frame["failures"].dtype == "Int64" and frame["share"].dtype == "float64"


def test_failure_pareto_by_error_code(history: History) -> None:
    runs = history.runs()
    failed = runs[runs["status"] == "failed"]
    expected = failed.groupby("error_code", dropna=False).size()
    frame = history.failure_pareto(by="error_code")
    assert frame["error_code"].dtype == "Int64"
    assert dict(zip(frame["error_code"].fillna(0), frame["failures"], strict=True)) == {
        (0 if pd.isna(code) else code): n for code, n in expected.items()
    }
    assert frame["failures"].is_monotonic_decreasing
    with pytest.raises(ValueError, match="'case' or 'error_code'"):
        history.failure_pareto(by="stand")


# ---------------------------------------------------------------- capability


def _reference(meas: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """Cp/Cpk written out in pandas over the measurement rows."""
    keys = [*by, "measurement", "unit", "spec_lower", "spec_upper"]
    grouped = meas.groupby(keys, dropna=False)["value"]
    ref = grouped.agg(["size", "mean", "std", "min", "max"]).reset_index()
    sigma = ref["std"].where(ref["std"] > 0)
    ref["cp"] = (ref["spec_upper"] - ref["spec_lower"]) / (6 * sigma)
    upper = (ref["spec_upper"] - ref["mean"]) / (3 * sigma)
    lower = (ref["mean"] - ref["spec_lower"]) / (3 * sigma)
    ref["cpk"] = np.fmin(upper, lower)
    return ref.rename(columns={"spec_lower": "lsl", "spec_upper": "usl", "size": "n"})


@pytest.mark.parametrize("method", ["daily", "raw"])
def test_capability_matches_numpy(history: History, method: str) -> None:
    meas = history.measurements(attempts="final", numeric=True)
    for by in ([], ["part_number", "stand"]):
        frame = history.capability(by=by, method=method)
        assert list(frame.columns) == [
            *by, "measurement", "unit", "lsl", "usl", "n", "mean", "std", "min", "max", "cp",
            "cpk", "n_pass", "n_fail",
        ]  # fmt: skip
        assert frame["cpk"].dtype == "float64" and frame["n"].dtype == "Int64"
        ref = _reference(meas, by)
        keys = [*by, "measurement", "lsl", "usl"]
        got = frame.sort_values(keys).reset_index(drop=True)
        ref = ref.sort_values(keys).reset_index(drop=True)
        assert got[keys].astype(str).values.tolist() == ref[keys].astype(str).values.tolist()
        assert got["n"].tolist() == ref["n"].tolist()
        for column in ("mean", "std", "min", "max", "cp", "cpk"):
            assert np.allclose(got[column], ref[column], rtol=1e-9, equal_nan=True), column
    # both limits give Cp; an upper limit alone gives Cpk only; the limit change splits vout
    vout = frame[frame["measurement"] == "vout"]
    assert vout["cp"].notna().any() and frame[frame["measurement"] == "current"]["cp"].isna().all()
    assert set(history.capability(measurement="vout")["lsl"]) == {4.9, 4.85}


def test_capability_by_hand(store_url: str) -> None:
    with Store(store_url) as store:
        for i, (vout, current) in enumerate([(4.95, 0.2), (5.0, 0.3), (5.05, 0.4), (5.0, 0.3)]):
            store.save_report(
                report(f"H{i}", DAY1 + timedelta(hours=i), part="P", stand="S", vout=vout,
                       current=current)
            )  # fmt: skip
        frame = History(store).capability().set_index("measurement")
    sigma = math.sqrt(0.005 / 3)  # deviations 0.05, 0, 0.05, 0 (and 0.1, 0, 0.1, 0 for current)
    vout, current = frame.loc["vout"], frame.loc["current"]
    assert (vout["n"], vout["lsl"], vout["usl"], vout["n_pass"]) == (4, 4.9, 5.1, 4)
    assert vout["mean"] == pytest.approx(5.0) and vout["std"] == pytest.approx(sigma)
    assert vout["cp"] == pytest.approx(0.2 / (6 * sigma))
    assert vout["cpk"] == pytest.approx(0.1 / (3 * sigma))
    assert pd.isna(current["lsl"]) and current["usl"] == 0.5
    assert current["std"] == pytest.approx(2 * sigma) and pd.isna(current["cp"])
    assert current["cpk"] == pytest.approx((0.5 - 0.3) / (3 * 2 * sigma))


def test_capability_without_spread(store_url: str) -> None:
    with Store(store_url) as store:
        for i in range(3):
            store.save_report(report(f"C{i}", DAY1, part="P", stand="S", vout=5.0, current=0.1))
        store.save_report(report("one", DAY1, part="Q", stand="S", vout=5.0))
        history = History(store)
        for method in ("daily", "raw"):
            frame = history.capability(by=["part_number"], method=method)
            constant = frame[(frame["part_number"] == "P") & (frame["measurement"] == "current")]
            assert constant["std"].tolist() == [0.0]  # 0.1 three times: no residue
            assert constant[["cp", "cpk"]].isna().all(axis=None)
            single = frame[frame["part_number"] == "Q"]
            assert single["n"].tolist() == [1, 1] and single["std"].isna().all()


def test_cpk_far_from_zero(store_url: str) -> None:
    rng = random.Random(2)
    values = [1e9 + rng.gauss(0, 1e-3) for _ in range(30)]
    with Store(store_url) as store:
        for i, value in enumerate(values):
            rep = report(f"F{i}", DAY1 + timedelta(hours=7 * i), part="P", stand="S", vout=5.0)
            meas = rep.modules["test_board"].cases["test_rail"].measurements[0]
            meas.value, meas.lower_limit, meas.upper_limit = value, 1e9 - 0.005, 1e9 + 0.005
            store.save_report(rep)
        history = History(store)
        sigma = float(np.std(np.array(values) - 1e9, ddof=1))
        mean = 1e9 + float(np.mean(np.array(values) - 1e9))
        cpk = min(1e9 + 0.005 - mean, mean - (1e9 - 0.005)) / (3 * sigma)
        for method, rel in (("raw", 1e-6), ("daily", 1e-3)):
            (row,) = history.capability(measurement="vout", method=method).to_dict("records")
            assert row["std"] == pytest.approx(sigma, rel=rel)
            assert row["cp"] == pytest.approx(0.01 / (6 * sigma), rel=rel)
            assert row["cpk"] == pytest.approx(cpk, rel=rel)


# ---------------------------------------------------------------- trend


def test_trend_plots_values_limits_and_failures(history: History) -> None:
    meas = history.measurements(measurement="vout", attempts="final")
    figure = history.trend("vout")
    assert isinstance(figure, Figure)
    (axes,) = figure.axes
    assert axes.get_title() == "vout" and axes.get_ylabel() == "vout [V]"
    lines = {line.get_label(): line for line in axes.get_lines()}
    assert set(lines) == {"value", "upper limit", "lower limit"}
    assert list(lines["value"].get_ydata()) == meas["value"].tolist()
    assert lines["upper limit"].get_drawstyle() == "steps-post"
    assert list(lines["upper limit"].get_ydata()) == meas["spec_upper"].tolist()
    assert set(lines["lower limit"].get_ydata()) == {4.9, 4.85}  # the limit change shows
    (failed,) = axes.collections
    assert len(failed.get_offsets()) == int((~meas["result"]).sum()) > 0
    assert figure._repr_png_().startswith(b"\x89PNG\r\n\x1a\n")
    assert "matplotlib.pyplot" not in sys.modules

    nothing = history.trend("vout", part_number="none")
    assert isinstance(nothing, Figure)
    assert "no numeric values" in nothing.axes[0].texts[0].get_text()


# ---------------------------------------------------------------- entry points


PLAN = {
    "test_1_board.py": """
        import hardpy
        import pytest

        def test_identify():
            hardpy.set_dut_serial_number("E2E-1")
            hardpy.set_dut_part_number("PB-300")
            hardpy.set_stand_name("bench")

        @pytest.mark.attempt(2)
        def test_rail():
            value = 4.0 if hardpy.get_current_attempt() == 1 else 5.0
            meas = hardpy.NumericMeasurement(
                value=value, name="vout", unit="V", operation="gele",
                lower_limit=4.9, upper_limit=5.1,
            )
            hardpy.set_case_measurement(meas)
            assert meas.result

        def test_label():
            hardpy.set_case_measurement(hardpy.StringMeasurement(
                value="PB-300", name="label", operation="eq", comparison_value="PB-300"))
    """
}


def test_run_to_frame_and_history_agree(store_url: str, make_plan) -> None:
    result = hardlab.run(make_plan(PLAN), store=store_url, quiet=True, attempt_delay=0)
    assert result.passed and result.store_url
    frame = result.to_frame()
    assert frame[["case_id", "attempt", "final"]].values.tolist() == [
        ["test_identify", 1, True],
        ["test_rail", 1, False],
        ["test_rail", 2, True],
        ["test_label", 1, True],
    ]
    assert pd.isna(frame["measurement"][0])
    assert frame["measurement"].tolist()[1:] == ["vout", "vout", "label"]
    assert set(frame["run_id"]) == {str(result.run_id)}
    assert frame["value"].tolist()[1:3] == [4.0, 5.0] and pd.isna(frame["value"][3])
    assert frame["value_str"].tolist()[3] == "PB-300" and frame["result"].tolist()[1:] == [
        False, True, True,
    ]  # fmt: skip
    assert frame["value"].dtype == "float64" and frame["attempt"].dtype == "Int64"
    assert isinstance(frame["status"].dtype, pd.CategoricalDtype)
    assert frame["status"].astype(str).tolist() == ["passed", "failed", "passed", "passed"]
    assert str(frame["started_at"].dtype) == UTC and frame["started_at"].notna().all()
    assert frame["duration_ms"].dtype == "float64" and (frame["duration_ms"] >= 0).all()
    assert frame["result"].dtype == "boolean" and frame["final"].dtype == "bool"

    with hardlab.history(store_url) as history:
        meas = history.measurements(serial_number="E2E-1")
        mine = frame.dropna(subset=["measurement"])
        columns = ["case_id", "attempt", "final", "measurement", "value", "unit", "result"]
        assert (
            meas[columns].astype(str).values.tolist() == mine[columns].astype(str).values.tolist()
        )
        cases = history.cases(serial_number="E2E-1")
        assert cases[["case_id", "attempt"]].values.tolist() == (
            frame.drop_duplicates(["case_id", "attempt"])[["case_id", "attempt"]].values.tolist()
        )
        fpy = history.first_pass_yield(by=("part_number", "stand"))
        assert fpy.values.tolist() == [["PB-300", "bench", 1, 1, 1.0]]
        every = history.capability(attempts="all", measurement="vout")
        assert every["n"].tolist() == [2] and every["n_fail"].tolist() == [1]


def test_attempts_frame_without_run_id() -> None:
    frame = attempts_frame([])
    assert frame.empty and "run_id" not in frame.columns
    assert str(frame["started_at"].dtype) == UTC and frame["value"].dtype == "float64"


def test_history_reads_the_store_named_in_hardpy_toml(
    store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("HARDLAB_DB_URL", raising=False)
    with Store(store_url) as store:
        store.save_report(report("T1", DAY1, part="P", stand="S", vout=5.0))
    folder = tmp_path / "plan"
    folder.mkdir()
    (folder / "hardpy.toml").write_text(f'[database]\nurl = "{store_url}"\n')
    with hardlab.history(config_dir=folder) as history:
        assert history.runs()["serial_number"].tolist() == ["T1"]
        assert history.source.url == Store(store_url).url  # type: ignore[attr-defined]
    with hardlab.history() as default:  # hardlab's own file, empty
        assert default.runs().empty


def test_history_is_imported_lazily() -> None:
    code = (
        "import sys, hardlab; hardlab.history; import hardlab.views; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('pandas', 'matplotlib', 'sqlalchemy')))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_a_plan_that_could_not_run_is_kept_apart_and_not_counted(
    store_url: str, make_plan: Any
) -> None:
    plan = make_plan(
        {
            "test_board.py": """
                import hardpy

                def test_identify():
                    hardpy.set_dut_serial_number("SN-1")
                    hardpy.set_dut_part_number("PB-1")
            """,
        }
    )
    assert hardlab.run(plan, store=store_url, quiet=True).passed
    # nothing selected, then a file with a syntax error: neither plan ran
    nothing = hardlab.run(plan, store=store_url, quiet=True, select="no_such_case")
    (plan / "test_broken.py").write_text("def test_x(:\n    pass\n", encoding="utf-8")
    broken = hardlab.run(plan, store=store_url, quiet=True)
    with Store(store_url) as store:
        for result, why in ((nothing, "No tests collected"), (broken, "SyntaxError")):
            row = store.run_row(str(result.run_id))
            assert row["status"] == "error", row
            assert why in row["plan_error"], row["plan_error"]
            # the report (and HardPy's JSON export) says what HardPy's says: failed
            assert store.get_report(str(result.run_id)).status.value == "failed"
            assert result.status.value == "failed"
    with hardlab.history(store_url) as history:
        assert sorted(history.runs()["status"].astype(str)) == ["error", "error", "passed"]
        yields = history.first_pass_yield(by=("part_number",))
        # the two runs without a DUT are no units of their own, and no failures
        assert yields.values.tolist() == [["PB-1", 1, 1, 1.0]]
