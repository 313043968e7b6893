"""A real plan run into a real SQLite store: what the report tests render."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

import hardlab
from hardlab.runner import RunResult

PLAN = {
    "hardpy.toml": """
        tests_name = "Power board"
    """,
    "test_board.py": """
        import pytest
        import hardlab as hardpy

        def test_identity():
            hardpy.set_dut_serial_number("SN-<b>1")
            hardpy.set_dut_part_number("PB-100")
            hardpy.set_dut_revision("C")
            hardpy.set_dut_sub_unit(hardpy.SubUnit(name="radio", serial_number="RM-77"))
            hardpy.set_stand_name("stand-A")
            hardpy.set_stand_location("Lab 1")
            hardpy.set_user_name("alice")
            hardpy.set_instrument(hardpy.Instrument(name="PSU", revision="1.2"))

        def test_rail():
            hardpy.set_case_measurement(hardpy.NumericMeasurement(
                value=3.31, name="v out", unit="V", operation=hardpy.ComparisonOperation.GELE,
                lower_limit=3.2, upper_limit=3.4))
            chart = hardpy.Chart(title="ramp", x_label="t", y_label="v")
            chart.add_series([0, 1, 2], [0.0, 1.6, 3.3], "ramp")
            hardpy.set_case_chart(chart)
            hardpy.set_message("rail settled")

        @pytest.mark.attempt(2)
        def test_load():
            hardpy.set_case_measurement(hardpy.NumericMeasurement(
                value=5.0, name="i out", unit="A", operation=hardpy.ComparisonOperation.LE,
                comparison_value=4.0))
            assert False, hardpy.ErrorCode(7, "load current high")
    """,
}


@pytest.fixture
def stored_run(make_plan: Callable[..., Path], tmp_path: Path) -> tuple[RunResult, str]:
    """A finished (failed) run of the plan above, stored in an SQLite file: (result, db)."""
    plan = make_plan(PLAN)
    db = f"sqlite:///{tmp_path / 'store.db'}"
    result = hardlab.run(plan, store=db, quiet=True, attempt_delay=0)
    assert result.store_url is not None
    return result, db
