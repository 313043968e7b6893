"""A run's read-only view: facts and copies that later changes to the run do not reach."""

from __future__ import annotations

import dataclasses

import pytest

from hardlab.events import CaseUpdated, RunView
from hardlab.model import CaseRunStore, Group, ModuleRunStore, TestStatus
from hardlab.operators import AUTO
from hardlab.runtime import CaseRef, RunSpec, RunState


def make_run() -> RunState:
    run = RunState(name="view", start_args={"dut": "7"})
    case = CaseRunStore(
        status=TestStatus.RUN, name="Case", group=Group.MAIN, start_time=None, stop_time=None
    )
    module = ModuleRunStore(
        status=TestStatus.RUN, name="Module", group=Group.MAIN, start_time=None, stop_time=None
    )
    module.cases["test_c"] = case
    run.document.modules["test_m"] = module
    return run


def test_the_view_is_one_object_per_run_and_a_run_view() -> None:
    run = make_run()
    assert run.view is run.view and isinstance(run.view, RunView)
    assert CaseUpdated(run, "test_m", "test_c", "msg").run is run.view


def test_the_views_facts_follow_the_run() -> None:
    run = make_run()
    view = run.view
    assert (view.run_id, view.name, view.progress, view.alert) == (run.run_id, "view", 0, "")
    run.progress, run.current = 50, CaseRef("test_m", "test_c")
    run.set_alert("look")
    assert (view.progress, view.alert, view.current) == (50, "look", CaseRef("test_m", "test_c"))
    assert not view.stopping
    view.request_stop()
    assert view.stopping and run.stop.is_set()


def test_what_the_view_returns_is_a_copy() -> None:
    run = make_run()
    view = run.view
    args = view.start_args
    args["dut"] = "8"
    case = view.case("test_m", "test_c")
    case.measurements.append("x")  # type: ignore[arg-type]
    case.name = "renamed"
    module = view.module("test_m")
    module.cases["test_c"].name = "renamed too"
    document = view.document()
    document.modules.clear()
    assert run.start_args == {"dut": "7"}
    live = run.case("test_m", "test_c")
    assert live.name == "Case" and live.measurements == []
    assert list(run.document.modules) == ["test_m"]
    assert view.module("test_m", cases=False).cases == {}
    assert '"name":"Module"' in view.module_json("test_m", exclude={"cases"})
    assert view.document_json(include={"name"}) == '{"name":"view"}'
    assert view.read(lambda report: sorted(report.modules["test_m"].cases)) == ["test_c"]
    with pytest.raises(KeyError):
        view.case("test_m", "nope")


def test_a_spec_is_frozen() -> None:
    spec = RunSpec()
    with pytest.raises(dataclasses.FrozenInstanceError):
        spec.quiet = True  # type: ignore[misc]
    assert spec.slot is None and spec.operator is AUTO and spec.store is None


def test_the_route_changes_whenever_a_case_starts_or_ends_or_is_rerouted() -> None:
    run = make_run()
    seen = [run.route]
    run.current = CaseRef("test_m", "test_c")
    seen.append(run.route)
    run.reroute()
    seen.append(run.route)
    run.current = None
    seen.append(run.route)
    assert len({id(route) for route in seen}) == len(seen)
    assert run.current is None
