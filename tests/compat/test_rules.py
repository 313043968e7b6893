"""HardPy's rules for run names, the selected test configuration and case order, in real runs."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

import hardlab

MakePlan = Callable[..., Path]

TWO_FILES = {
    "test_a.py": "def test_in_a():\n    pass\n",
    "test_b.py": "def test_in_b():\n    pass\n",
    "only_a.ini": "[pytest]\npython_files = test_a.py\n",
}


def test_current_test_config_runs_that_configurations_files_only(make_plan: MakePlan) -> None:
    plan = make_plan(
        {
            **TWO_FILES,
            "hardpy.toml": """
                tests_name = "Board"
                current_test_config = "Config 1"
                [[test_configs]]
                name = "Config 1"
                file = "only_a.ini"
                [[test_configs]]
                name = "Config 2"
            """,
        }
    )
    result = hardlab.run(plan, store=False, quiet=True)
    assert list(result.report.modules) == ["test_a"]
    assert result.report.name == "Board Config 1"
    # the command line's choice wins over the file's, as HardPy's panel passes it
    other = hardlab.run(
        plan, store=False, quiet=True, args=["--hardpy-current-test-config", "Config 2"]
    )
    assert list(other.report.modules) == ["test_a", "test_b"]
    assert other.report.name == "Board Config 2"


def test_manual_collect_adds_manual_mode_to_the_name(make_plan: MakePlan) -> None:
    plan = make_plan(
        {
            "test_a.py": "def test_one():\n    pass\n",
            "hardpy.toml": 'tests_name = "Board"\n[frontend]\nmanual_collect = true\n',
        }
    )
    assert hardlab.run(plan, store=False, quiet=True).report.name == "Board Manual mode"


def test_without_tests_name_the_run_is_named_after_the_folder(make_plan: MakePlan) -> None:
    plan = make_plan({"test_a.py": "def test_one():\n    pass\n"}, name="power_board")
    assert hardlab.run(plan, store=False, quiet=True).report.name == "power_board"


def test_plain_pytest_names_the_run_after_the_rootdir(pytester: pytest.Pytester) -> None:
    pytester.makefile(".toml", hardpy='tests_name = "Board"\n')
    pytester.makepyfile(test_a="def test_one():\n    pass\n")
    reports = pytester.path / "_reports"
    pytester.runpytest(
        "--hardpy-pt", f"--hardlab-report-dir={reports}", "-p", "no:cacheprovider"
    ).assert_outcomes(passed=1)
    (report,) = reports.glob("*.json")
    assert json.loads(report.read_text())["name"] == pytester.path.name


def test_a_class_runs_before_module_functions_and_names_the_first_failure(
    make_plan: MakePlan,
) -> None:
    plan = make_plan(
        {
            "test_a.py": "def test_plain():\n    assert False\n",
            "test_b.py": """
                class TestBoard:
                    def test_method(self):
                        assert False

                    def test_second(self):
                        pass
            """,
        }
    )
    result = hardlab.run(plan, store=False, quiet=True)
    ran = [(attempt.module_id, attempt.case_id) for attempt in result.attempts]
    assert ran == [("test_b", "test_method"), ("test_b", "test_second"), ("test_a", "test_plain")]
    assert result.report.caused_dut_failure_id == "test_b::test_method"
