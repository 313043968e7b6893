"""Shared fixtures: an isolated hardlab home, live runs for setter tests, plan folders."""

from __future__ import annotations

import json
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from hardlab._context import CaseRef, RunState, running
from hardlab.model import CaseRunStore, Group, ModuleRunStore, TestStatus


@pytest.fixture(autouse=True)
def hardlab_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """hardlab's data folder, per test, so no test writes into the real home."""
    home = tmp_path_factory.mktemp("hardlab_home")
    monkeypatch.setenv("HARDLAB_HOME", str(home))
    monkeypatch.delenv("HARDPY_SC_API_KEY", raising=False)
    return home


def _add_case(run: RunState, module_id: str, case_id: str) -> None:
    with run.lock:
        module = run.document.modules.get(module_id)
        if module is None:
            module = run.document.modules[module_id] = ModuleRunStore(
                status=TestStatus.RUN,
                name=module_id,
                group=Group.MAIN,
                start_time=None,
                stop_time=None,
            )
        module.cases[case_id] = CaseRunStore(
            status=TestStatus.RUN,
            name=case_id,
            group=Group.MAIN,
            start_time=None,
            stop_time=None,
            attempt=1,
        )


@pytest.fixture
def live_run() -> Iterator[RunState]:
    """A run that is current for this thread, with no case running (fixtures, post-run)."""
    run = RunState(name="unit")
    _add_case(run, "test_module", "test_case")
    with running(run):
        yield run


@pytest.fixture
def in_case(live_run: RunState) -> RunState:
    """A current run whose case ``test_module::test_case`` is running."""
    live_run.current = CaseRef("test_module", "test_case")
    return live_run


@pytest.fixture
def make_plan(tmp_path: Path) -> Callable[..., Path]:
    """Write a plan folder: ``make_plan({"test_1.py": "...", "hardpy.toml": "..."})``.

    Text is dedented. Returns the folder (``tmp_path/plan`` unless `name` is given).
    """

    def make(files: dict[str, str], name: str = "plan") -> Path:
        folder = tmp_path / name
        folder.mkdir(parents=True, exist_ok=True)
        for relative, text in files.items():
            path = folder / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return folder

    return make


def _read_report(folder: Path) -> dict[str, Any]:
    files = sorted(folder.glob("*.json"))
    assert len(files) == 1, f"expected one report in {folder}, found {[f.name for f in files]}"
    data: dict[str, Any] = json.loads(files[0].read_text(encoding="utf-8"))
    return data


@pytest.fixture
def read_report() -> Callable[[Path], dict[str, Any]]:
    """``read_report(folder)``: the one HardPy JSON report in `folder`, as a dict."""
    return _read_report
