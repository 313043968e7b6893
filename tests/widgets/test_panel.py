"""The run panel: fed by real runs and by event bursts, checked through its widgets."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import hardlab
from hardlab.events import (
    CaseStarted,
    CaseUpdated,
    CollectionFailed,
    ModuleFinished,
    RunFinished,
    RunStarted,
)
from hardlab.model import CaseRunStore, Group, ModuleRunStore, TestStatus
from hardlab.model.measurement import NumericMeasurementRecord
from hardlab.operators import MessageRequest
from hardlab.runtime import CaseRef, RunState
from hardlab.widgets import RunPanel
from hardlab.widgets._presenters import STATUS_COLOR

MakePlan = Callable[..., Path]

PLAN = {
    "test_1_power.py": """
        import hardpy
        from hardpy import Chart, ChartType, NumericMeasurement

        def test_voltage():
            hardpy.set_dut_serial_number("SN-<7>")
            hardpy.set_case_measurement(NumericMeasurement(
                value=3.3, unit="V", name="vcc", lower_limit=3.2, upper_limit=3.4,
                operation="gele"))

        def test_sweep():
            chart = Chart(type=ChartType.LINE_LOG_X, title="Response", x_label="Hz")
            chart.add_series([1, 10, 100], [0.0, -3.0, -20.0], "gain")
            hardpy.set_case_chart(chart)
    """,
    "test_2_func.py": """
        import time

        import pytest

        def test_led():
            time.sleep(0.3)  # the panel publishes while this module runs
            assert 1 == 2, "LED <off>"

        @pytest.mark.skip(reason="no fixture")
        def test_skipped():
            pass
    """,
}


def rows(block: Any) -> int:
    return int(block.value.count('class="hardlab-case'))


def test_panel_shows_a_real_run(make_plan: MakePlan, record: Any) -> None:
    panel = RunPanel()
    result = hardlab.run(make_plan(PLAN), listeners=[panel], store=False, quiet=True)
    assert result.status == TestStatus.FAILED
    assert panel.publisher.error is None and not panel.publisher.running
    assert panel.final is not None and panel.final.report.status == TestStatus.FAILED
    banner = panel.banner.value
    assert ">FAILED<" in banner and f"background:{STATUS_COLOR[TestStatus.FAILED]}" in banner
    assert "2 passed, 1 failed, 1 skipped in" in banner and "DUT SN-&lt;7&gt;" in banner
    assert "first failure: test_2_func › test_led" in banner  # module › case names
    assert (panel.progress.value, panel.progress.description) == (100, "100%")
    assert panel.progress.bar_style == "danger"
    assert panel.stop_button.disabled and panel.stop_button.layout.display == "none"
    assert ">FAILED<" in panel.header.value and "DUT SN-&lt;7&gt;" in panel.header.value
    power, func = (panel.modules.children[n] for n in range(2))
    assert power.titles == ("✓ test_1_power  2/2 · 2 passed",)
    assert func.titles == ("✗ test_2_func  2/2 · 1 failed, 1 skipped",)
    assert (power.selected_index, func.selected_index) == (None, 0)  # passed folds, failed opens
    (block,) = panel._modules["test_1_power"].blocks
    power.selected_index = 0  # what the operator's click does
    assert rows(block) == 2 and "vcc 3.3 V ✓" in block.value and "[3.2 .. 3.4]" in block.value
    assert panel._modules["test_1_power"].stale == set()
    (failed,) = panel._modules["test_2_func"].blocks
    assert "LED &lt;off&gt;" in failed.value and "no fixture" in failed.value
    charts = panel._modules["test_1_power"].charts.children
    assert len(charts) == 1 and '<img src="data:image/png;base64,' in charts[0].value
    assert "test_sweep — Response: 1 series, 3 points" in charts[0].value
    assert panel._modules["test_2_func"].charts.children == ()
    assert panel.errors.value == "" and panel.message.value == ""


def test_panel_can_show_one_run_after_another(make_plan: MakePlan, record: Any) -> None:
    plan = make_plan(PLAN)
    panel = RunPanel()
    hardlab.run(plan, listeners=[panel], store=False, quiet=True)
    first = panel.modules.children
    second = hardlab.run(plan, listeners=[panel], store=False, quiet=True, select="power")
    assert second.status == TestStatus.PASSED
    assert panel.run is not None and panel.run.run_id == second.run_id
    assert len(panel.modules.children) == 1 and panel.modules.children[0] is not first[0]
    assert ">PASSED<" in panel.banner.value


def test_a_plan_that_could_not_run_is_not_run_with_the_reason_in_brief(
    make_plan: MakePlan, record: Any
) -> None:
    # not a DUT's failure (the report says failed, as HardPy's): NOT RUN, as `hardlab run` says
    broken = make_plan({"test_bad.py": "def test_x(:\n    pass\n"}, name="broken")
    panel = RunPanel()
    result = hardlab.run(broken, listeners=[panel], store=False, quiet=True)
    assert result.status == TestStatus.FAILED
    banner = panel.banner.value
    assert ">NOT RUN<" in banner and ">FAILED<" not in banner, banner
    assert f"background:{STATUS_COLOR[TestStatus.ERROR]}" in banner
    assert "the plan could not run; no case was tested" in banner
    # hardlab._format.plan_error_brief: the file and line, the error; not pytest's frames
    assert "test_bad.py:1" in banner and "SyntaxError: invalid syntax" in banner, banner
    assert "importlib" not in banner and "_pytest" not in banner, banner
    plan = make_plan(PLAN)
    hardlab.run(plan, listeners=[panel], store=False, quiet=True, select="no_such_case")
    banner = panel.banner.value
    assert ">NOT RUN<" in banner, banner
    assert "the selection left none of the plan&#x27;s 4 cases" in banner, banner


def big_run(cases: int) -> RunState:
    run = RunState(name="big")
    with run.lock:
        run.document.modules["m"] = ModuleRunStore(
            status=TestStatus.RUN, name="Big", group=Group.MAIN, start_time=None, stop_time=None,
            cases={
                f"test_{n}": CaseRunStore(
                    status=TestStatus.READY, name=f"case {n}", group=Group.MAIN,
                    start_time=None, stop_time=None,
                )
                for n in range(cases)
            },
        )  # fmt: skip
    return run


def finish(run: RunState, panel: RunPanel, status: TestStatus = TestStatus.PASSED) -> None:
    with run.lock:
        run.document.status = status
        run.document.modules["m"].status = status
        run.finished_ns = time.time_ns()
    panel.handle(RunFinished(run, status, run.snapshot(), 0))


def started_panel(run: RunState) -> RunPanel:
    """A panel following `run` (publishing only when flushed), once the run has started."""
    panel = RunPanel(interval=60)
    run.listeners.append(panel)
    run.mark_started()
    run.emit(RunStarted(run))
    panel.flush()
    return panel


def test_a_burst_of_events_is_published_at_ten_hertz_at_most(record: Any) -> None:
    cases = 200
    run = big_run(cases)
    panel = RunPanel(interval=0.1)
    run.listeners.append(panel)
    run.mark_started()
    run.emit(RunStarted(run))
    record.clear()
    started = time.monotonic()
    for n in range(10_000):
        case_id = f"test_{n % cases}"
        with run.lock:
            case = run.case("m", case_id)
            case.status = TestStatus.RUN
            case.msg = {"step": f"update {n}"}
            run.progress = n * 100 // 10_000
        run.emit(CaseUpdated(run, "m", case_id, "msg"))
        if n % 1000 == 0:
            time.sleep(0.05)  # spread the burst over about half a second
    elapsed = time.monotonic() - started
    with run.lock:
        for case in run.document.modules["m"].cases.values():
            case.status = TestStatus.PASSED
        run.progress = 100
    finish(run, panel)
    publishes = elapsed / 0.1 + 1  # the background thread: at most one per interval
    allowed = publishes + 1  # and the trailing flush at the end of the run
    for widget in (panel.header, panel.progress, *panel._modules["m"].blocks):
        assert 1 <= len(record.updates(widget)) <= allowed, widget
    assert panel.publisher.count <= allowed
    assert len(record.updates()) <= allowed * (3 + len(panel._modules["m"].blocks)) + 10
    # the module passed; the run's end leaves it open, its rows drawn exactly
    assert panel._modules["m"].accordion.selected_index == 0
    blocks = panel._modules["m"].blocks
    assert len(blocks) == 2 and all(rows(block) == 100 for block in blocks)
    text = "".join(block.value for block in blocks)
    for n in range(10_000 - cases, 10_000):
        assert f"update {n}<" in text
    assert "update 9799<" not in text
    assert (panel.progress.value, panel.progress.bar_style) == (100, "success")
    assert ">PASSED<" in panel.banner.value


def test_the_runs_end_keeps_open_sections_open_and_hides_stop(record: Any) -> None:
    run = big_run(3)
    with run.lock:
        case = run.case("m", "test_1")
        case.status = TestStatus.PASSED
        case.measurements.append(NumericMeasurementRecord(value=3.3, unit="V", name="vcc"))
    panel = started_panel(run)
    view = panel._modules["m"]
    assert view.accordion.selected_index == 0  # a running module opens
    assert panel.stop_button.layout.display is None and not panel.stop_button.disabled
    with run.lock:
        for case in run.document.modules["m"].cases.values():
            case.status = TestStatus.PASSED
    finish(run, panel)
    # what the operator was watching stays: the section, its measurements
    assert view.accordion.selected_index == 0
    assert "vcc 3.3 V" in view.blocks[0].value and rows(view.blocks[0]) == 3
    assert view.accordion.titles == ("✓ Big  3/3 · 3 passed",)
    # a finished run has nothing to stop: the button is gone, not greyed
    assert panel.stop_button.layout.display == "none"
    # the next run shows it again
    second = big_run(1)
    second.listeners.append(panel)
    second.mark_started()
    second.emit(RunStarted(second))
    panel.flush()
    assert panel.stop_button.layout.display is None and not panel.stop_button.disabled
    finish(second, panel)


def test_a_passed_section_folds_when_the_run_moves_on(record: Any) -> None:
    run = big_run(3)
    with run.lock:
        run.document.modules["next"] = run.document.modules["m"].model_copy(
            update={"status": TestStatus.READY, "name": "Next"}, deep=True
        )
    panel = started_panel(run)
    view, following = panel._modules["m"], panel._modules["next"]
    assert (view.accordion.selected_index, following.accordion.selected_index) == (0, None)
    with run.lock:
        run.document.modules["m"].status = TestStatus.PASSED
    run.emit(ModuleFinished(run, "m"))
    panel.flush()
    assert view.accordion.selected_index == 0  # its own end folds nothing
    with run.lock:
        run.document.modules["next"].status = TestStatus.RUN
        run.case("next", "test_0").status = TestStatus.RUN
    run.emit(CaseStarted(run, "next", "test_0", 1))
    panel.flush()
    # the run moved on: the passed section folds, the running one opens
    assert (view.accordion.selected_index, following.accordion.selected_index) == (None, 0)
    with run.lock:
        run.case("m", "test_2").msg = {"note": "late <note>"}
    run.emit(CaseUpdated(run, "m", "test_2", "msg"))
    panel.flush()
    finish(run, panel)
    (block,) = view.blocks
    # A closed section is drawn when it is opened, not while it is closed.
    assert "late &lt;note&gt;" not in block.value and view.stale == {0}
    sent = panel.publisher.sent
    view.accordion.selected_index = 0  # what the operator's click does
    assert "late &lt;note&gt;" in block.value and rows(block) == 3
    assert view.stale == set() and panel.publisher.sent == sent + 1
    view.accordion.selected_index = None
    view.accordion.selected_index = 0  # nothing left to draw: no message
    assert panel.publisher.sent == sent + 1


def test_one_case_change_resends_only_its_block(record: Any) -> None:
    run = big_run(1000)
    panel = started_panel(run)
    view = panel._modules["m"]
    assert len(view.blocks) == 10
    record.clear()
    with run.lock:
        run.case("m", "test_777").msg = {"note": "changed"}
    run.emit(CaseUpdated(run, "m", "test_777", "msg"))
    panel.flush()
    changed = [n for n, block in enumerate(view.blocks) if record.updates(block)]
    assert changed == [777 // 100]
    (state,) = record.updates(view.blocks[7])
    assert len(state["value"]) < 100 * 600  # one block of 100 rows, not the table
    finish(run, panel)


def test_sections_are_created_with_their_rows(record: Any) -> None:
    # A section's first state travels with its creation (comm_open), not in
    # updates after it: a 1,000-case plan would otherwise start with a burst.
    run = big_run(120)
    with run.lock:
        run.case("m", "test_5").msg = {"note": "ready <5>"}
    panel = started_panel(run)
    view = panel._modules["m"]
    assert len(view.blocks) == 2 and [rows(block) for block in view.blocks] == [100, 20]
    assert "ready &lt;5&gt;" in view.blocks[0].value
    assert view.accordion.titles == ("… Big  0/120 · 120 to go",)
    for widget in (*view.blocks, view.accordion):
        assert record.updates(widget) == [], widget
    opened = {
        comm_id: data["state"] for msg_type, comm_id, data in record.sent if msg_type == "comm_open"
    }
    assert opened[view.blocks[1].model_id]["value"] == view.blocks[1].value
    assert len(record.updates(panel.modules)) == 1  # the sections join the panel at once
    finish(run, panel)


def test_the_panel_reports_every_message_it_sends(make_plan: MakePlan, record: Any) -> None:
    panel = RunPanel()
    record.clear()
    hardlab.run(make_plan(PLAN), listeners=[panel], store=False, quiet=True)
    assert panel.publisher.sent == len(record.updates()) > 0


def test_a_busy_panel_keeps_to_its_budget(record: Any) -> None:
    run = big_run(200)
    panel = RunPanel(interval=0.001, budget=50, rows_per_block=10)
    run.listeners.append(panel)
    run.mark_started()
    run.emit(RunStarted(run))
    record.clear()
    started = time.monotonic()
    for n in range(4000):  # every case of 20 blocks changes: many widgets per publish
        case_id = f"test_{n % 200}"
        with run.lock:
            run.case("m", case_id).msg = {"step": f"update {n}"}
            run.progress = n * 100 // 4000
        run.emit(CaseUpdated(run, "m", case_id, "msg"))
        if n % 400 == 0:
            time.sleep(0.05)
    panel.publisher.stop(flush=False)
    elapsed = time.monotonic() - started
    sent = len(record.updates())
    # Each publish waits for the budget the one before it spent, so all but
    # the last fit in 50 a second; the last has at most 24 (header,
    # progress, Stop, title, 20 blocks).
    assert sent <= 50 * elapsed + 24, (sent, elapsed)
    finish(run, panel)


def test_operator_messages_show_and_clear(record: Any) -> None:
    run = big_run(1)
    panel = RunPanel(interval=60)
    run.listeners.append(panel)
    message = MessageRequest(
        msg="Keep <hands> clear", title="Safety", block=False, image=None, html=None,
        font_size=14, id="1", run_id=str(run.run_id),
    )  # fmt: skip
    run.show_message(message)
    panel.flush()
    assert (
        "Keep &lt;hands&gt; clear" in panel.message.value and "<b>Safety</b>" in panel.message.value
    )
    run.clear_message()
    panel.flush()
    assert panel.message.value == ""


def test_collection_errors_are_shown(record: Any) -> None:
    run = big_run(1)
    panel = RunPanel()
    panel.handle(CollectionFailed(run, "test_bad.py", "SyntaxError: <oops>"))
    panel.flush()
    assert "cannot collect test_bad.py" in panel.errors.value
    assert "SyntaxError: &lt;oops&gt;" in panel.errors.value


def test_stop_button_calls_on_stop(record: Any, front: Any) -> None:
    calls: list[str] = []
    run = big_run(1)
    panel = RunPanel(on_stop=lambda: calls.append("stop"), interval=60)
    panel.handle(RunStarted(run))
    panel.flush()
    assert not panel.stop_button.disabled
    front.click(panel.stop_button)
    assert calls == ["stop"] and not run.stop.is_set()
    assert panel.stop_button.disabled and panel.stop_button.description == "Stopping…"
    finish(run, panel, TestStatus.STOPPED)
    assert panel.stop_button.description == "Stop" and panel.stop_button.disabled
    assert ">STOPPED<" in panel.banner.value
    # stopped is purple in the bar too, as in the badge and the station (not orange)
    assert panel.progress.style.bar_color == STATUS_COLOR[TestStatus.STOPPED] == "#7b1fa2"
    assert panel.progress.bar_style == ""
    assert f"background:{STATUS_COLOR[TestStatus.STOPPED]}" in panel.banner.value


def test_stop_button_stops_the_panels_run_by_default(record: Any) -> None:
    run = big_run(1)
    panel = RunPanel(interval=60)
    panel.handle(RunStarted(run))
    panel.flush()
    panel.stop_button.click()
    assert run.stop.is_set()
    finish(run, panel, TestStatus.STOPPED)


def test_header_names_the_running_case(record: Any) -> None:
    run = big_run(3)
    panel = RunPanel(interval=60)
    run.listeners.append(panel)
    run.mark_started()
    run.emit(RunStarted(run))
    run.current = CaseRef("m", "test_1")
    with run.lock:
        run.document.modules["m"].status = TestStatus.RUN
        run.case("m", "test_1").status = TestStatus.RUN
    run.emit(CaseUpdated(run, "m", "test_1", "msg"))
    panel.flush()
    assert "▶ Big › case 1" in panel.header.value and ">RUNNING<" in panel.header.value
    assert panel._modules["m"].accordion.selected_index == 0  # a running module opens
    finish(run, panel)


def test_displaying_the_panel_displays_its_box(
    monkeypatch: pytest.MonkeyPatch, record: Any
) -> None:
    import IPython.display

    shown: list[Any] = []
    monkeypatch.setattr(IPython.display, "display", lambda *objs, **kw: shown.extend(objs))
    panel = RunPanel()
    panel._ipython_display_()
    assert shown == [panel.widget]
    assert "RunPanel" in repr(panel)
    panel.close()


def test_bad_block_size_is_refused() -> None:
    with pytest.raises(ValueError, match="rows_per_block"):
        RunPanel(rows_per_block=0)
