"""``hardlab.run(..., args=["--collect-only"])``: the plan's cases, none run, and their node ids."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import hardlab
from hardlab.model import TestStatus

PLAN = {
    "test_1_a.py": """
        import pytest

        def test_one():
            raise AssertionError("must not run while collecting")

        @pytest.mark.parametrize("rail", ["3V3", "5V"])
        def test_rail(rail):
            pass
    """,
    "sub/test_2_b.py": """
        def test_two():
            pass
    """,
}


def test_collect_only_lists_every_case_and_runs_none(make_plan: Callable[..., Path]) -> None:
    plan = make_plan(PLAN)
    result = hardlab.run(plan, args=["--collect-only"], store=False, operator=None, quiet=True)
    assert result.status == TestStatus.READY and result.exit_code == 0
    assert {m: list(module.cases) for m, module in result.report.modules.items()} == {
        "test_1_a": ["test_one", "test_rail[3V3]", "test_rail[5V]"],
        "test_2_b": ["test_two"],
    }
    assert result.attempts == ()
    assert result.node_ids == {
        "test_1_a::test_one": f"{plan}/test_1_a.py::test_one",
        "test_1_a::test_rail[3V3]": f"{plan}/test_1_a.py::test_rail[3V3]",
        "test_1_a::test_rail[5V]": f"{plan}/test_1_a.py::test_rail[5V]",
        "test_2_b::test_two": f"{plan}/sub/test_2_b.py::test_two",
    }


def test_a_node_id_runs_just_its_case(make_plan: Callable[..., Path]) -> None:
    plan = make_plan(PLAN)
    collected = hardlab.run(plan, args=["--collect-only"], store=False, operator=None, quiet=True)
    chosen = [
        collected.node_ids["test_1_a::test_rail[5V]"],
        collected.node_ids["test_2_b::test_two"],
    ]
    result = hardlab.run(chosen, config_dir=plan, store=False, operator=None, quiet=True)
    assert result.status == TestStatus.PASSED
    assert {m: list(module.cases) for m, module in result.report.modules.items()} == {
        "test_1_a": ["test_rail[5V]"],
        "test_2_b": ["test_two"],
    }
