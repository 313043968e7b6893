"""Limits from history: proposals from stored values, and runs re-evaluated with new limits."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone
from typing import Any

import numpy as np
import pytest

from hardlab.model.report import ResultRunStore
from hardlab.storage import Store
from hardlab.views import History, LimitSuggestion, WhatIf

DAY1 = datetime(2026, 11, 2, tzinfo=timezone.utc)


def board(serial: str, start: datetime, vout: float, *, part: str = "PB-100",
          stand: str = "A", load_ok: bool = True, limits: tuple[float, float] = (4.9, 5.1),
          assertion_only: bool = False) -> ResultRunStore:  # fmt: skip
    """A run: ``test_rail`` (vout in limits), ``test_load`` (fails on its own if not load_ok)."""
    t = int(start.timestamp())
    rail_ok = limits[0] <= vout <= limits[1]
    rail = {"type": "numeric", "name": "vout", "value": vout, "unit": "V", "operation": "gele",
            "lower_limit": limits[0], "upper_limit": limits[1], "result": rail_ok}  # fmt: skip
    load_measure: list[dict[str, Any]] = [] if assertion_only else [
        {"type": "numeric", "name": "current", "value": 0.3 if load_ok else 0.7, "unit": "A",
         "operation": "le", "comparison_value": 0.5, "result": load_ok}
    ]  # fmt: skip
    rail_status = "passed" if rail_ok else "failed"
    load_status = "passed" if load_ok else "failed"
    status = "passed" if rail_ok and load_ok else "failed"

    def case(name: str, case_status: str, measurements: list[dict[str, Any]]) -> dict[str, Any]:
        return {"status": case_status, "name": name, "group": "main", "start_time": t,
                "stop_time": t + 1, "attempt": 1, "measurements": measurements}  # fmt: skip

    return ResultRunStore.model_validate(
        {
            "_id": str(uuid.uuid4()), "_rev": "1", "name": "board test", "status": status,
            "start_time": t, "stop_time": t + 2,
            "test_stand": {"name": stand}, "dut": {"serial_number": serial, "part_number": part},
            "process": {},
            "modules": {"test_board": {
                "status": status, "name": "Board", "group": "main", "start_time": t,
                "stop_time": t + 2,
                "cases": {"test_rail": case("Rail", rail_status, [rail]),
                          "test_load": case("Load", load_status, load_measure)},
            }},
        }
    )  # fmt: skip


VOUTS = [5.0, 5.02, 4.98, 5.05, 4.95, 5.12, 5.15, 4.99, 5.01, 5.03, 5.0, 4.97]


@pytest.fixture
def history(store_url: str) -> Any:
    with Store(store_url) as store:
        for k, vout in enumerate(VOUTS):
            start = DAY1 + timedelta(hours=k)
            # SN011 fails its load case with a failing measurement, SN010 without one
            store.save_report(board(f"SN{k:03d}", start, vout, load_ok=k < 10,
                                    assertion_only=k == 10))  # fmt: skip
        # a retest of SN005 that passes: first-pass counts SN005's first run only
        store.save_report(board("SN005", DAY1 + timedelta(days=1), 5.0))
        # another part number, far away: filters keep it out
        store.save_report(board("X1", DAY1, 12.0, part="PB-900", limits=(11, 13)))
        yield History(store)


def test_k_sigma_around_the_mean(history: History) -> None:
    suggestion = history.suggest_limits("vout", part_number="PB-100")
    assert isinstance(suggestion, LimitSuggestion)
    values = np.array([*VOUTS, 5.0])
    mean, std = values.mean(), values.std(ddof=1)
    row = suggestion.frame.set_index("measurement").loc["vout"]
    assert row["n"] == len(values) and row["unit"] == "V"
    assert row["mean"] == pytest.approx(mean) and row["std"] == pytest.approx(std)
    assert (row["lsl"], row["usl"]) == (4.9, 5.1)
    low, high = suggestion.limits["vout"]
    assert low == pytest.approx(mean - 3 * std) and high == pytest.approx(mean + 3 * std)
    assert row["cpk_proposed"] == pytest.approx(1.0)
    assert row["n_fail"] == 2
    data = suggestion.data()
    assert sorted(data["value"]) == pytest.approx(sorted(values))
    assert "vout" in suggestion.text() and "resting on 13 stored values" in suggestion._repr_html_()


def test_target_cpk_and_guard_band(history: History) -> None:
    plain = history.suggest_limits("vout", cpk=1.33, part_number="PB-100")
    row = plain.frame.iloc[0]
    assert row["cpk_proposed"] == pytest.approx(1.33)
    assert row["high"] - row["mean"] == pytest.approx(3 * 1.33 * row["std"])
    guarded = history.suggest_limits("vout", k=4, guard_band=0.25, part_number="PB-100")
    g = guarded.frame.iloc[0]
    assert g["high"] - g["mean"] == pytest.approx(4 * 1.25 * g["std"])
    with pytest.raises(ValueError, match="not both"):
        history.suggest_limits(k=3, cpk=1.0)
    with pytest.raises(ValueError, match="positive"):
        history.suggest_limits(cpk=0)


def test_every_measurement_and_the_filters(history: History) -> None:
    everything = history.suggest_limits()
    assert set(everything.frame["measurement"]) == {"vout", "current"}
    vout_all = everything.frame.set_index("measurement").loc["vout"]
    assert vout_all["n"] == len(VOUTS) + 2  # PB-900's value too
    other = history.suggest_limits("vout", part_number="PB-900")
    assert other.frame.iloc[0]["n"] == 1 and np.isnan(other.frame.iloc[0]["std"])
    assert other.limits["vout"] == (None, None)


def test_what_if_wider_limits(history: History) -> None:
    outcome = history.what_if({"vout": (4.8, 5.2)}, part_number="PB-100")
    assert isinstance(outcome, WhatIf)
    # 12 units; before: SN005, SN006 fail the rail, SN010, SN011 fail the load
    assert outcome.units == 12
    assert outcome.first_pass_yield_before == pytest.approx(8 / 12)
    # the rail failures pass with wider limits; the load failures stay
    assert outcome.first_pass_yield_after == pytest.approx(10 / 12)
    assert list(outcome.newly_passing["serial_number"]) == ["SN005", "SN006"]
    assert outcome.newly_failing.empty
    summary = outcome.summary().iloc[0]
    assert (summary["units"], summary["first_pass_before"], summary["first_pass_after"]) == (
        12, 8, 10)  # fmt: skip
    assert "66.67% -> 83.33%" in outcome.text() and "SN005, SN006" in outcome.text()


def test_what_if_tighter_limits(history: History) -> None:
    outcome = history.what_if({"vout": (4.97, 5.02)}, part_number="PB-100")
    failing = set(outcome.newly_failing["serial_number"])
    # passing units outside [4.97, 5.02]: 5.05 (SN003), 4.95 (SN004), 5.03 (SN009)
    assert failing == {"SN003", "SN004", "SN009"}
    assert outcome.newly_passing.empty
    # the bounds are included: 4.97 (SN011 fails its load anyway) and 5.02 (SN001) pass
    assert "SN001" not in failing


def test_what_if_does_not_rescue_other_failures(history: History) -> None:
    # new limits for the load current rescue SN011 (failed on the measurement), not
    # SN010 (failed on an assertion without a failing measurement)
    outcome = history.what_if({"current": (None, 1.0)}, part_number="PB-100")
    assert list(outcome.newly_passing["serial_number"]) == ["SN011"]
    with pytest.raises(ValueError, match="at least one"):
        history.what_if({})
