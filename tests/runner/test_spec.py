"""hardlab.run()'s and hardlab.start()'s parameters map onto one RunSpec."""

from __future__ import annotations

import uuid
from pathlib import Path

from hardlab.operators import ScriptedOperator
from hardlab.runner._run import spec_for


def test_run_parameters_map_onto_one_spec(tmp_path: Path) -> None:
    plan = tmp_path / "plan"
    plan.mkdir()
    (plan / "test_a.py").write_text("def test_a():\n    pass\n")
    run_id = uuid.uuid4()
    spec = spec_for(
        "plan/test_a.py::test_a",
        base=tmp_path,
        args=["-x"],
        start_args={"n": 3},
        answers={"anything": True},
        report_dir="reports",
        store="runs.db",
        run_id=run_id,
        capture="no",
    )
    assert spec.targets == (f"{plan.resolve()}/test_a.py::test_a",)
    assert spec.plan_dir == plan.resolve()
    assert spec.start_args == {"n": "3"} and spec.pytest_args == ("-x",)
    assert isinstance(spec.operator, ScriptedOperator)
    assert spec.report_dir == (tmp_path / "reports").resolve()
    assert spec.store is not None and spec.store is not False
    assert spec.store.startswith("sqlite") and spec.store.endswith("runs.db")
    assert (spec.run_id, spec.capture, spec.chdir) == (run_id, "no", True)
    assert spec_for(plan, base=tmp_path, store=False).store is False
    assert spec_for(plan, base=tmp_path, store=True).store is None
