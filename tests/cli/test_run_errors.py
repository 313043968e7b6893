"""What ``hardlab run`` tells an operator when a plan fails or cannot be collected."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

MakePlan = Callable[..., Path]
Cli = Callable[..., "subprocess.CompletedProcess[str]"]

FAILING = {
    "test_3_functional.py": """
        import pytest
        import hardpy

        pytestmark = pytest.mark.module_name("Functional")

        @pytest.mark.case_name("Status LED")
        def test_led():
            current = hardpy.NumericMeasurement(
                value=5, name="LED current", unit="mA",
                operation=hardpy.ComparisonOperation.GELE, lower_limit=1, upper_limit=3,
            )
            hardpy.set_case_measurement(current)
            assert current.result, "LED current out of range"
    """,
}

BROKEN = {
    "test_ok.py": "def test_ok():\n    pass\n",
    "test_broken.py": "def test_x(:\n    pass\n",
}


def test_a_failure_shows_its_message_and_the_case_by_name(
    cli: Cli, make_plan: MakePlan, tmp_path: Path
) -> None:
    plan = make_plan(FAILING)
    result = cli("run", plan, "--no-store", "--report-dir", tmp_path / "reports")
    assert result.returncode == 1, result.stderr
    out = result.stdout
    assert "LED current out of range" in out
    assert "where False" not in out and "NumericMeasurement(" not in out
    assert "first failure: Functional › Status LED" in out
    # the report keeps pytest's crash text, as HardPy stores it
    (report,) = (tmp_path / "reports").glob("*.json")
    assert "where False = NumericMeasurement(" in report.read_text(encoding="utf-8")
    # -v shows pytest's text in the terminal too
    verbose = cli("run", plan, "--no-store", "-v")
    assert "where False = NumericMeasurement(" in verbose.stdout


def test_a_collection_error_is_shown_once_and_short(cli: Cli, make_plan: MakePlan) -> None:
    plan = make_plan(BROKEN)
    result = cli("run", plan, "--no-store")
    both = result.stdout + result.stderr
    assert result.returncode == 2, both
    assert both.count("SyntaxError: invalid syntax") == 1, both
    assert "test_broken.py:1" in both
    assert "importlib" not in both and "rewrite.py" not in both, both
    # the whole text, on request
    verbose = cli("run", plan, "--no-store", "-v")
    assert "rewrite.py" in verbose.stdout + verbose.stderr
