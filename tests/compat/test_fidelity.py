"""HardPy's behaviour, side by side: plans run under hardlab export what HardPy exported.

The plans in ``tests/data/hardpy_plans`` were written by the project; each
was run under HardPy 0.25.2 (``pytest --hardpy-pt --hardpy-tests-name <tests_name>``,
JSON storage, no dialogs) and the report its ``JsonLoader`` wrote is kept in
``tests/data/hardpy_reports`` with times, ids and the machine's id and zone
replaced by their type. Here hardlab runs the same plans and its export is
compared field by field, key order included.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

import hardlab

DATA = Path(__file__).parents[1] / "data"
PLANS = sorted(path.name for path in (DATA / "hardpy_plans").iterdir() if path.is_dir())
TIMES = {"start_time", "stop_time"}
BY_TYPE = {"_id", "_rev", "id", "rev", "hw_id", "timezone"}


def normalise(node: Any, key: str | None = None) -> Any:
    """`node` with times, ids, the machine's id and its zone replaced by their type."""
    if isinstance(node, dict):
        return {k: normalise(v, k) for k, v in node.items()}
    if isinstance(node, list):
        return [normalise(v) for v in node]
    if key in TIMES | BY_TYPE and node is not None:
        return f"<{type(node).__name__}>"
    return node


def test_there_are_plans_and_a_reference_for_each() -> None:
    assert PLANS == ["attempts", "classes", "measurements"]
    assert sorted(p.stem for p in (DATA / "hardpy_reports").glob("*.json")) == PLANS


@pytest.mark.parametrize("plan", PLANS)
def test_export_matches_hardpy_field_by_field(
    plan: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / plan
    shutil.copytree(DATA / "hardpy_plans" / plan, folder)
    export = tmp_path / "export"
    monkeypatch.setenv("FIDELITY_EXPORT", str(export))
    hardlab.run(folder, store=False, quiet=True, attempt_delay=0, hardpy_alias=True)
    ours = normalise(json.loads((export / "report.json").read_text()))
    theirs = json.loads((DATA / "hardpy_reports" / f"{plan}.json").read_text())
    assert ours == theirs
    # the same keys in the same order, at every level
    assert json.dumps(ours) == json.dumps(theirs)


def test_int_limits_stay_ints_in_the_store_and_the_report_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from hardlab.storage import Store

    monkeypatch.setenv("FIDELITY_EXPORT", str(tmp_path / "export"))
    folder = tmp_path / "plan"
    shutil.copytree(DATA / "hardpy_plans" / "measurements", folder)
    db = tmp_path / "runs.db"
    result = hardlab.run(
        folder,
        store=str(db),
        report_dir=tmp_path / "reports",
        quiet=True,
        hardpy_alias=True,
    )
    with Store(str(db)) as store:
        stored = store.get_report(str(result.run_id))
    written = json.loads(Path(str(result.report_path)).read_text())
    for document in (json.loads(stored.model_dump_json()), written):
        count = document["modules"]["test_2_power"]["cases"]["test_rails"]["measurements"][1]
        assert count["comparison_value"] == 10 and type(count["comparison_value"]) is int
