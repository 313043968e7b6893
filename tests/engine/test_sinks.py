"""The engine feeds sinks through the Sink protocol: open before the first case, close after."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from hardlab.config import HardpyConfig
from hardlab.engine import HardlabPlugin, Outlet, QuietTerminal
from hardlab.events import Event, RunFinished, RunStarted, RunView, Sink, SinkOutcome
from hardlab.operators import AUTO
from hardlab.runner._run import isolated_imports
from hardlab.runtime import RunSpec

MakePlan = Callable[..., Path]

PLAN = {
    "test_sinkplan.py": """
        import hardlab

        def test_one():
            hardlab.set_message("one")

        def test_two():
            assert False, "two fails"
    """,
}


class Recorder:
    """A sink that writes down what the engine asked of it, and says what it was told to."""

    def __init__(self, refuse: str | None = None, outcome: SinkOutcome | None = None) -> None:
        self.refuse = refuse
        self.outcome = outcome or SinkOutcome()
        self.calls: list[str] = []
        self.opened_with: RunView | None = None

    def open(self, run: RunView) -> str | None:
        self.calls.append("open")
        self.opened_with = run
        return self.refuse

    def handle(self, event: Event) -> None:
        self.calls.append(type(event).__name__)

    def close(self) -> SinkOutcome:
        self.calls.append("close")
        return self.outcome


class Supplier:
    def __init__(self, *outlets: Outlet) -> None:
        self.outlets = outlets
        self.configs: list[HardpyConfig] = []

    def operator(self, answers: str | None, choice: str) -> None:
        return None

    def sinks(
        self, spec: RunSpec, config: HardpyConfig, alert: Callable[[str], None]
    ) -> Sequence[Outlet]:
        self.configs.append(config)
        return self.outlets


@contextlib.contextmanager
def inside(folder: Path) -> Iterator[None]:
    """In the plan folder, as hardlab.run() works (the suite's own ini stays out of it)."""
    before = Path.cwd()
    os.chdir(folder)
    try:
        with isolated_imports(lambda: [folder]):
            yield
    finally:
        os.chdir(before)


def run_plan(folder: Path, supplier: Supplier) -> tuple[HardlabPlugin, int]:
    plugin = HardlabPlugin(RunSpec(plan_dir=folder, operator=None), supplier=supplier)
    with inside(folder):
        code = pytest.main(
            [str(folder), "-p", "no:cacheprovider"],
            plugins=[plugin, QuietTerminal()],
        )
    return plugin, int(code)


def test_a_recorder_is_a_sink() -> None:
    assert isinstance(Recorder(), Sink)


def test_sinks_are_opened_fed_and_closed_once_in_order(make_plan: MakePlan) -> None:
    first = Recorder(outcome=SinkOutcome(saved_to="db://here"))
    second = Recorder(outcome=SinkOutcome(notices=("the disk is nearly full",), saved_to="/r.json"))
    supplier = Supplier(Outlet(first, "stored in"), Outlet(second))
    plugin, code = run_plan(make_plan(PLAN), supplier)
    assert code == pytest.ExitCode.TESTS_FAILED, (plugin.errors, plugin.run and plugin.run.alert)
    for sink in (first, second):
        assert sink.calls[0] == "open" and sink.calls[1] == "RunStarted"
        assert sink.calls.count("close") == 1
        assert sink.calls[-2:] == ["RunFinished", "close"]
    assert first.opened_with is not None and first.opened_with is second.opened_with
    # saved_to is reported under the outlet's label; an unlabelled one is not
    assert plugin.saved == {"stored in": "db://here"}
    assert plugin.errors == plugin.notices == ["the disk is nearly full"]
    assert plugin.run is not None and plugin.run.alert == "the disk is nearly full"


def test_a_sink_that_refuses_stops_the_run_before_the_first_case(make_plan: MakePlan) -> None:
    refusing = Recorder(refuse="the bench is not calibrated")
    later = Recorder()
    plugin, code = run_plan(make_plan(PLAN), Supplier(Outlet(refusing), Outlet(later)))
    assert code == pytest.ExitCode.INTERNAL_ERROR
    assert plugin.run is not None and plugin.run.alert == "the bench is not calibrated"
    assert plugin.run.started_ns is None
    assert "RunStarted" not in refusing.calls and "open" not in later.calls
    # a run that never started still ends its sinks, once
    assert refusing.calls.count("close") == 1 and later.calls.count("close") == 1
    assert all(
        case.status.value == "ready"
        for module in plugin.run.document.modules.values()
        for case in module.cases.values()
    )


def test_a_sink_that_fails_to_close_is_reported_and_the_others_still_close(
    make_plan: MakePlan,
) -> None:
    class Broken(Recorder):
        def close(self) -> SinkOutcome:
            super().close()
            raise OSError("the share went away")

    broken, after = Broken(), Recorder(outcome=SinkOutcome(saved_to="/x"))
    plugin, _ = run_plan(make_plan(PLAN), Supplier(Outlet(broken), Outlet(after, "report")))
    assert after.calls[-1] == "close" and plugin.saved == {"report": "/x"}
    assert any("failed to close: OSError: the share went away" in e for e in plugin.errors)


def test_the_supplier_gets_the_plans_config_with_the_command_lines_cloud_settings(
    make_plan: MakePlan,
) -> None:
    folder = make_plan({**PLAN, "hardpy.toml": 'tests_name = "sinks"\n'})
    supplier = Supplier()
    plugin = HardlabPlugin(RunSpec(plan_dir=folder, operator=AUTO), supplier=supplier)
    with inside(folder):
        pytest.main(
            [str(folder), "-p", "no:cacheprovider",
             "--sc-address", "sc.example.com", "--hardlab-no-store"],
            plugins=[plugin, QuietTerminal()],
        )  # fmt: skip
    (config,) = supplier.configs
    assert config.tests_name == "sinks" and config.stand_cloud.address == "sc.example.com"
    assert plugin.spec.store is False and plugin.spec.cloud.address == "sc.example.com"


def test_listeners_see_a_read_only_view_not_the_run(make_plan: MakePlan) -> None:
    seen: list[Any] = []

    class Watcher:
        def handle(self, event: Event) -> None:
            if isinstance(event, (RunStarted, RunFinished)):
                seen.append(event.run)

    plugin = HardlabPlugin(RunSpec(plan_dir=make_plan(PLAN), operator=None, listeners=(Watcher(),)))
    folder = plugin.spec.plan_dir
    assert folder is not None
    with inside(folder):
        pytest.main(
            [str(folder), "-p", "no:cacheprovider"],
            plugins=[plugin, QuietTerminal()],
        )
    assert plugin.run is not None
    assert seen == [plugin.run.view, plugin.run.view]
    assert not hasattr(seen[0], "lock") and not hasattr(seen[0], "document_")
