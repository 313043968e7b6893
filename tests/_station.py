"""The operator station's test plan and helpers, shared by tests/operator_station."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hardlab.model import TestStatus

MakePlan = Callable[..., Path]

PLAN = {
    "test_1_power.py": """
        import hardpy
        import pytest

        pytestmark = pytest.mark.module_name("Power")

        def test_rail(hardpy_start_args):
            hardpy.set_stand_name(hardpy_start_args.get("stand", "bench A"))
            hardpy.set_stand_location("line 3")
            hardpy.set_stand_info({"fixture": "F-7"})
            hardpy.set_dut_serial_number(hardpy_start_args.get("serial", "SN-1"))
            hardpy.set_message("args " + repr(sorted(hardpy_start_args.items())), "args")
            hardpy.set_case_measurement(hardpy.NumericMeasurement(
                name="vcc", value=3.3, unit="V", lower_limit=3.2, upper_limit=3.4,
                operation="gele"))
            assert hardpy_start_args.get("verdict", "pass") == "pass", "asked to fail"

        @pytest.mark.fast
        def test_quick():
            pass
    """,
    "test_2_check.py": """
        import hardpy
        import pytest

        @pytest.mark.fast
        def test_led(hardpy_start_args):
            if hardpy_start_args.get("ask") == "yes":
                hardpy.run_dialog_box(hardpy.DialogBox("Is the LED on?", title_bar="LED"))
    """,
    "pytest.ini": "[pytest]\nmarkers = fast: quick cases\n",
    "fast.ini": "[pytest]\naddopts = -m fast\nmarkers = fast: quick cases\n",
}

OPERATOR_AND_SERIAL = """
[[hardlab.start_args]]
name = "operator"
label = { en = "Operator", de = "Bediener" }

[[hardlab.start_args]]
name = "serial"
label = "Serial number"
pattern = "SN-[0-9]{4}"
keep = false
"""
"""A translated label, and a pattern asked afresh for every run."""

ARGS = (
    OPERATOR_AND_SERIAL
    + """
[[hardlab.start_args]]
name = "current"
kind = "number"
required = false

[[hardlab.start_args]]
name = "mode"
kind = "choice"
choices = ["quick", "full"]
default = "full"
"""
)
"""The start arguments the station's tests ask: a translated label, a pattern, each kind."""

ALL_CASES = ["test_1_power::test_rail", "test_1_power::test_quick", "test_2_check::test_led"]


def toml(frontend: str = "", extra: str = "") -> str:
    return f'tests_name = "Board"\n{extra}\n[frontend]\n{frontend}\n'


def cases_run(station: Any) -> list[str]:
    assert station.result is not None
    return [
        f"{module_id}::{case_id}"
        for module_id, module in station.result.report.modules.items()
        for case_id, case in module.cases.items()
        if case.status != TestStatus.READY
    ]


def wait_until(condition: Callable[[], bool], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.02)
