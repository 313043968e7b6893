"""``hardlab.run()``: targets, options, results, reports on disk, HardPy example plans."""

from __future__ import annotations

import base64
import gc
import logging
import os
import signal
import sys
import threading
import tracemalloc
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import hardlab
from hardlab.errors import ConfigError, PlanError
from hardlab.events import CaseFinished, Event, RunFinished, RunStarted
from hardlab.exchange import read_json_report
from hardlab.model import ResultRunStore, TestStatus

MakePlan = Callable[..., Path]

SIMPLE = {
    "hardpy.toml": 'tests_name = "Simple plan"\n',
    "test_1.py": """
        import pytest
        import hardpy

        pytestmark = pytest.mark.module_name("First")

        @pytest.mark.case_name("Serial")
        def test_serial(hardpy_start_args):
            hardpy.set_dut_serial_number(hardpy_start_args.get("serial", "none"))

        def test_two():
            hardpy.set_message("two")
        """,
    "test_2.py": """
        def test_three():
            pass
        """,
}


class Recorder:
    def __init__(self) -> None:
        self.events: list[Event] = []
        self.progress: list[int] = []

    def handle(self, event: Event) -> None:
        self.events.append(event)
        if isinstance(event, CaseFinished):
            self.progress.append(event.run.progress)


def test_run_a_plan_folder(make_plan: MakePlan, tmp_path: Path) -> None:
    plan = make_plan(SIMPLE)
    recorder = Recorder()
    result = hardlab.run(
        plan,
        start_args={"serial": "SN-1"},
        report_dir=tmp_path / "reports",
        listeners=[recorder],
        quiet=True,
    )
    assert result.status == TestStatus.PASSED and result.passed
    assert result.exit_code == 0
    assert isinstance(result.run_id, uuid.UUID) and result.run_id.version == 7
    assert result.report.name == "Simple plan"
    assert result.report.dut.serial_number == "SN-1"
    assert result.counts() == {"passed": 3}
    assert "Simple plan" in repr(result) and "3 passed" in repr(result)
    # the report file is HardPy's JSON format, named after the run id
    assert result.report_path == tmp_path / "reports" / f"{result.run_id}.json"
    on_disk = read_json_report(result.report_path)
    assert on_disk.model_dump(exclude={"id"}) == result.report.model_dump(exclude={"id"})
    assert on_disk.id == str(result.run_id)
    # events: start first, finish last, one final CaseFinished per case, progress to 100
    assert isinstance(recorder.events[0], RunStarted)
    assert isinstance(recorder.events[-1], RunFinished)
    assert recorder.progress == [33, 66, 100]


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        pytest.param(lambda plan: plan / "test_1.py", {"test_serial", "test_two"}, id="file"),
        pytest.param(
            lambda plan: [plan / "test_1.py", plan / "test_2.py"],
            {"test_serial", "test_two", "test_three"},
            id="list",
        ),
        pytest.param(lambda plan: f"{plan / 'test_1.py'}::test_two", {"test_two"}, id="node id"),
    ],
)
def test_targets(make_plan: MakePlan, target: Callable[[Path], Any], expected: set[str]) -> None:
    plan = make_plan(SIMPLE)
    result = hardlab.run(target(plan), quiet=True)
    cases = {c for m in result.report.modules.values() for c in m.cases}
    assert cases == expected
    assert result.report.name == "Simple plan"  # hardpy.toml of the file's folder


def test_select_tests_name_and_pytest_args(make_plan: MakePlan) -> None:
    plan = make_plan(
        {
            "test_1.py": """
                def test_keep():
                    assert False

                def test_keep_too():
                    pass

                def test_drop():
                    pass
                """
        }
    )
    result = hardlab.run(plan, select="keep", tests_name="Custom", args=["-x"], quiet=True)
    assert result.report.name == "Custom"
    cases = result.report.modules["test_1"].cases
    assert list(cases) == ["test_keep", "test_keep_too"]
    assert result.status == TestStatus.FAILED and result.exit_code == 1
    # -x stopped pytest after the first failure: the next case never ran
    assert cases["test_keep_too"].status == TestStatus.READY


def test_quiet_takes_a_plan_whose_pytest_config_sets_report_options(
    make_plan: MakePlan, capfd: pytest.CaptureFixture[str]
) -> None:
    # `%hardpy run` and the station run quietly: a project's `-ra -v` in
    # addopts must neither break the run nor print pytest's report.
    plan = make_plan(
        {
            "pytest.ini": "[pytest]\naddopts = -ra -v --tb=short --durations=5\n",
            "test_1.py": "def test_one():\n    assert False\n",
        }
    )
    result = hardlab.run(plan, quiet=True, store=False)
    assert (result.status, result.exit_code) == (TestStatus.FAILED, 1)
    out, err = capfd.readouterr()
    assert "test_one" not in out + err
    assert "short test summary" not in out + err

    loud = hardlab.run(plan, store=False)
    assert loud.exit_code == 1
    assert "short test summary" in capfd.readouterr().out


def test_runs_in_the_plan_folder_and_restores_the_cwd(make_plan: MakePlan) -> None:
    png = base64.b64decode(
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
    )
    plan = make_plan(
        {
            "test_1.py": """
                import hardpy

                def test_relative_image():
                    dialog = hardpy.DialogBox(
                        "Look", image=hardpy.ImageComponent("assets/pixel.png")
                    )
                    assert hardpy.run_dialog_box(dialog) is True
                """
        }
    )
    (plan / "assets").mkdir()
    (plan / "assets" / "pixel.png").write_bytes(png)
    before = Path.cwd()
    result = hardlab.run(plan, answers=[True], quiet=True)
    assert result.passed, result.report.model_dump()
    assert Path.cwd() == before


def test_every_attempt_is_kept(make_plan: MakePlan) -> None:
    plan = make_plan(
        {
            "test_1.py": """
                import pytest
                import hardpy

                @pytest.mark.attempt(3)
                def test_flaky():
                    attempt = hardpy.get_current_attempt()
                    hardpy.set_message(f"try {attempt}")
                    hardpy.set_case_measurement(hardpy.NumericMeasurement(value=attempt, name="n"))
                    assert attempt == 3, f"not yet ({attempt})"
                """
        }
    )
    result = hardlab.run(plan, quiet=True, attempt_delay=0)
    assert result.passed
    attempts = [a for a in result.attempts if a.case_id == "test_flaky"]
    assert [(a.attempt, a.final, a.status) for a in attempts] == [
        (1, False, TestStatus.FAILED),
        (2, False, TestStatus.FAILED),
        (3, True, TestStatus.PASSED),
    ]
    assert [list(a.case.msg.values()) for a in attempts if a.case.msg] == [
        ["try 1"],
        ["try 2"],
        ["try 3"],
    ]
    assert [a.case.measurements[0].value for a in attempts] == [1, 2, 3]
    assert "not yet (1)" in (attempts[0].case.assertion_msg or "")
    assert all(a.duration_ms is not None and a.duration_ms >= 0 for a in attempts)
    # the report shows the last attempt only
    case = result.report.modules["test_1"].cases["test_flaky"]
    assert list((case.msg or {}).values()) == ["try 3"]


def test_plan_errors_are_clear(make_plan: MakePlan, tmp_path: Path) -> None:
    with pytest.raises(PlanError, match="does not exist"):
        hardlab.run(tmp_path / "nowhere")
    plan = make_plan({"test_1.py": "def test_one():\n    pass\n"})
    with pytest.raises(PlanError, match="exit code 4"):
        hardlab.run(plan, args=["--no-such-option"], quiet=True)
    (plan / "hardpy.toml").write_text("[frontend]\nport = 'eighty'\n")
    with pytest.raises((ConfigError, PlanError)):
        hardlab.run(plan, quiet=True)


def test_a_database_url_of_another_kind_stops_the_run_naming_hardpy_toml(
    make_plan: MakePlan, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("HARDLAB_DB_URL", raising=False)
    plan = make_plan(
        {
            "hardpy.toml": '[database]\nurl = "postgresq://localhost/runs"\n',
            "test_1.py": "def test_one():\n    pass\n",
        }
    )
    with pytest.raises(PlanError, match="exit code 4"):
        hardlab.run(plan, quiet=True, operator=None)
    printed = capsys.readouterr()
    assert (
        "[database] url in hardpy.toml is 'postgresq://localhost/runs'" in printed.err + printed.out
    )


def test_without_the_alias_import_hardpy_fails(make_plan: MakePlan) -> None:
    plan = make_plan({"test_1.py": "import hardpy\n\ndef test_one():\n    pass\n"})
    result = hardlab.run(plan, hardpy_alias=False, quiet=True)
    assert result.status == TestStatus.FAILED
    assert any("hardpy" in error for error in result.errors)
    assert hardlab.run(plan, quiet=True).passed


def test_edits_are_picked_up_between_runs(make_plan: MakePlan) -> None:
    plan = make_plan(
        {
            "helper.py": "LIMIT = 1\n",
            "test_1.py": """
                import helper

                def test_limit():
                    assert helper.LIMIT == 2
                """,
        }
    )
    assert not hardlab.run(plan, quiet=True).passed
    (plan / "helper.py").write_text("LIMIT = 2\n")
    assert hardlab.run(plan, quiet=True).passed
    assert "helper" not in sys.modules


# ---------------------------------------------------------------- HardPy's example plans

MINUTE_PARITY = {
    "hardpy.toml": """
        title = "HardPy TOML config"
        tests_name = "Minute Parity"

        [database]
        user = "dev"
        password = "dev"
        host = "localhost"
        port = 5984

        [frontend]
        host = "localhost"
        port = 8000
        language = "ru"
        """,
    "pytest.ini": "[pytest]\naddopts = --hardpy-pt\n",
    "driver_example.py": """
        import os
        from logging import getLogger


        class DriverExample:
            def __init__(self):
                self._log = getLogger(__name__)

            @property
            def current_minute(self):
                return int(os.environ["EXAMPLE_MINUTE"])

            def random_method(self):
                self._log.warning("Random method")
        """,
    "conftest.py": """
        import pytest
        from driver_example import DriverExample

        from hardpy import JsonLoader, get_current_report


        @pytest.fixture(scope="session")
        def driver_example():
            example = DriverExample()
            yield example
            example.random_method()


        def finish_executing():
            report = get_current_report()
            if report:
                loader = JsonLoader()
                loader.load(report)


        @pytest.fixture(scope="session", autouse=True)
        def fill_actions_after_test(post_run_functions: list):
            post_run_functions.append(finish_executing)
            yield
        """,
    "test_1.py": """
        from uuid import uuid4

        import pytest

        import hardpy

        pytestmark = pytest.mark.module_name("Testing preparation")


        @pytest.mark.case_name("Process info")
        def test_process_info():
            hardpy.set_process_name("Acceptance Test")
            hardpy.set_process_number(1)
            hardpy.set_process_info({"stage": "production", "version": "1.0"})


        @pytest.mark.case_name("Batch info")
        def test_batch_info():
            hardpy.set_batch_serial_number("batch_1")


        @pytest.mark.case_name("DUT info")
        def test_dut_info():
            serial_number = str(uuid4())[:6]
            hardpy.set_dut_serial_number(serial_number)
            hardpy.set_message(f"Serial number: {serial_number}")
            hardpy.set_dut_part_number("part_number_1")
            hardpy.set_dut_name("Test Device")
            hardpy.set_dut_type("PCBA")
            hardpy.set_dut_revision("REV1.0")
            hardpy.set_dut_info({"sw_version": "1.0.0"})


        @pytest.mark.case_name("Sub unit info")
        def test_sub_unit_info():
            hardpy.set_dut_sub_unit(
                hardpy.SubUnit(
                    serial_number=str(uuid4())[:6],
                    part_number="part_number_1",
                    type="PCBA",
                    revision="REV2.0",
                ),
            )


        @pytest.mark.case_name("Test stand info")
        def test_stand_info():
            hardpy.set_stand_name("Stand 1")
            hardpy.set_stand_location("Moon")
            hardpy.set_stand_number(2)
            hardpy.set_stand_revision("HW1.0")
            hardpy.set_stand_info({"some_info": "123", "release": "1.0.0"})
        """,
    "test_2.py": """
        import pytest
        from driver_example import DriverExample

        import hardpy

        pytestmark = pytest.mark.module_name("Main tests")


        @pytest.mark.case_name("Minute check")
        def test_minute_parity(driver_example: DriverExample):
            minute = driver_example.current_minute
            result = minute % 2
            hardpy.set_case_measurement(
                hardpy.NumericMeasurement(value=minute, name="Current minute"),
            )
            error_code = 1
            error_msg = f"The test failed because {minute} is odd! Try again!"
            assert result == 0, hardpy.ErrorCode(error_code, error_msg)
        """,
    "test_3.py": """
        import pytest

        import hardpy

        pytestmark = [
            pytest.mark.module_name("End of testing"),
            pytest.mark.dependency("test_2::test_minute_parity"),
        ]


        @pytest.mark.case_name("Final case")
        def test_one():
            for i in range(3, 0, -1):
                hardpy.set_message(f"Time left until testing ends {i} s", "updated_status")
            hardpy.set_message("Testing ended", "updated_status")
            assert True
        """,
}


@pytest.mark.parametrize("minute", [20, 21])
def test_hardpy_minute_parity_example_runs_unchanged(
    make_plan: MakePlan, monkeypatch: pytest.MonkeyPatch, minute: int
) -> None:
    plan = make_plan(MINUTE_PARITY)
    monkeypatch.setenv("EXAMPLE_MINUTE", str(minute))
    result = hardlab.run(plan, quiet=True)
    report = result.report
    assert report.name == "Minute Parity"
    assert report.process.name == "Acceptance Test" and report.process.info["stage"] == "production"
    assert report.batch_serial_number == "batch_1"
    assert report.dut.part_number == "part_number_1" and len(report.dut.sub_units) == 1
    assert report.test_stand.number == 2 and report.test_stand.location == "Moon"
    parity = report.modules["test_2"].cases["test_minute_parity"]
    final = report.modules["test_3"].cases["test_one"]
    assert final.msg in ({"updated_status": "Testing ended"}, None)
    if minute % 2 == 0:
        assert result.status == TestStatus.PASSED
        assert report.error_code is None and final.status == TestStatus.PASSED
    else:
        assert result.status == TestStatus.FAILED
        assert report.error_code == 1
        assert report.caused_dut_failure_id == "test_2::test_minute_parity"
        assert parity.assertion_msg is not None and "21 is odd" in parity.assertion_msg
        assert final.status == TestStatus.SKIPPED
    # the conftest's post-run function saved the report with HardPy's JsonLoader
    (saved,) = (plan / "reports").glob("*.json")
    assert ResultRunStore.model_validate_json(saved.read_text()).status == result.status


DIALOG_BOX = {
    "hardpy.toml": 'tests_name = "Dialog box"\n',
    "test_1_base_box.py": """
        import pytest

        from hardpy import DialogBox, ImageComponent, run_dialog_box

        pytestmark = pytest.mark.module_name("Base dialog box")


        @pytest.mark.case_name("Base dialog box")
        def test_base_dialog_box():
            dbx = DialogBox(title_bar="Operator check", dialog_text="Press the Confirm button")
            assert run_dialog_box(dbx) is True


        @pytest.mark.case_name("Base dialog box with image")
        def test_base_dialog_box_with_image():
            dbx = DialogBox(
                title_bar="Operator check",
                dialog_text="Press the Confirm button",
                image=ImageComponent(address="assets/test.png", width=100),
            )
            assert run_dialog_box(dbx) is True


        @pytest.mark.case_name("Base dialog box with pass_fail")
        def test_base_dialog_box_with_pass_fail():
            dbx = DialogBox(
                title_bar="Pass or fail", dialog_text="Press Pass or Fail button", pass_fail=True
            )
            response = run_dialog_box(dbx)
            assert response.result
            assert response.data is True
        """,
    "test_2_input_field.py": """
        import pytest

        from hardpy import DialogBox, NumericInputWidget, TextInputWidget, run_dialog_box, set_message

        pytestmark = pytest.mark.module_name("Input field dialog boxes")


        @pytest.mark.case_name("Text input")
        def test_text_input():
            dbx = DialogBox(
                dialog_text="Type 'ok' and press the Confirm button",
                title_bar="Example of text input",
                widget=TextInputWidget(),
            )
            response = run_dialog_box(dbx)
            set_message(f"Entered text {response}")
            assert response == "ok", "The entered text is not correct"


        @pytest.mark.case_name("Numeric input")
        def test_num_input():
            test_num = 123
            dbx = DialogBox(
                dialog_text=f"Enter the number {test_num} and press the Confirm button",
                title_bar="Example of entering a number",
                widget=NumericInputWidget(),
            )
            response = int(run_dialog_box(dbx))
            set_message(f"Entered number {response}")
            assert response == test_num, "The entered number is not correct"
        """,
    "test_3_choice_control.py": """
        import pytest

        from hardpy import CheckboxWidget, DialogBox, RadiobuttonWidget, run_dialog_box, set_message

        pytestmark = pytest.mark.module_name("Choice control dialog boxes")


        @pytest.mark.case_name("Test dialog box with radiobutton")
        def test_radiobutton():
            dbx = DialogBox(
                dialog_text='Select item "one" out of several and click Confirm.',
                title_bar="Radiobutton example",
                widget=RadiobuttonWidget(fields=["one", "two", "three"]),
            )
            response = run_dialog_box(dbx)
            set_message(f"Selected item {response}")
            assert response == "one", "The answer is not correct"


        @pytest.mark.case_name("Test dialog box with checkbox")
        def test_checkbox():
            dbx = DialogBox(
                dialog_text='Select items "one" and "two" and click the Confirm button',
                title_bar="Checkbox example",
                widget=CheckboxWidget(fields=["one", "two", "three"]),
            )
            response = run_dialog_box(dbx)
            set_message(f"Selected item {response}")
            assert set(response) == {"one", "two"}, "The answer is not correct"
        """,
    "test_4_multiple_steps.py": """
        import pytest

        from hardpy import DialogBox, ImageComponent, MultistepWidget, StepWidget, run_dialog_box

        pytestmark = pytest.mark.module_name("Multiple steps dialog box")


        @pytest.mark.case_name("Multistep")
        def test_multiple_steps():
            steps = [
                StepWidget("Step 1", text="Content for step"),
                StepWidget("Step 2", text="Content for step", image=ImageComponent("assets/test.png")),
                StepWidget("Step 3", text=None, image=ImageComponent("assets/test.png", width=50)),
            ]
            dbx = DialogBox(dialog_text="Follow the steps and click Confirm", widget=MultistepWidget(steps))
            assert run_dialog_box(dbx)
        """,
    "test_5_html.py": """
        import pytest

        from hardpy import DialogBox, HTMLComponent, run_dialog_box

        pytestmark = pytest.mark.module_name("Dialog box with HTML")


        @pytest.mark.case_name("Base dialog box with html code")
        def test_base_dialog_box_with_html_code():
            dbx = DialogBox(
                title_bar="Operator check",
                dialog_text="Press the Confirm button",
                html=HTMLComponent(html="<h1>Test HTML Page</h1>", is_raw_html=True, width=50),
            )
            assert run_dialog_box(dbx)


        @pytest.mark.case_name("Dialog box with html and pass/fail buttons")
        def test_dialog_box_with_html_and_pass_fail():
            dbx = DialogBox(
                title_bar="Equipment Verification",
                dialog_text="Check the equipment status and make your decision:",
                html=HTMLComponent(html="https://everypinio.github.io/hardpy/", is_raw_html=False),
                pass_fail=True,
                button_text=["PASS", "FAIL"],
            )
            result = run_dialog_box(dbx)
            assert not result.result
        """,
}


def test_hardpy_dialog_box_example_runs_unchanged(make_plan: MakePlan) -> None:
    plan = make_plan(DIALOG_BOX)
    (plan / "assets").mkdir()
    (plan / "assets" / "test.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 32)
    answers = hardlab.ScriptedOperator(
        by_case={"test_base_dialog_box_with_pass_fail": "pass"},
        by_title={
            "Example of text input": "ok",
            "Example of entering a number": 123,
            "Radiobutton example": "one",
            "Checkbox example": ["one", "two"],
            "Equipment Verification": "fail",
        },
        in_order=[True] * 4,
    )
    result = hardlab.run(plan, operator=answers, quiet=True)
    failed = {
        f"{m}::{c}": case.assertion_msg
        for m, module in result.report.modules.items()
        for c, case in module.cases.items()
        if case.status != TestStatus.PASSED
    }
    assert result.passed, failed
    assert len(answers.log) == 10
    messages = result.report.modules["test_2_input_field"].cases["test_num_input"].msg
    assert list((messages or {}).values()) == ["Entered number 123"]


# ---------------------------------------------------------------- many runs in one process


LEAK_PLAN = {
    "helper.py": "VALUE = 1\n",
    "conftest.py": """
                import logging
                import pytest
                import hardpy

                @pytest.fixture(scope="session", autouse=True)
                def stand(post_run_functions):
                    logging.getLogger("plan").warning("session start")
                    hardpy.set_stand_name("stand")
                    post_run_functions.append(lambda: None)
                """,
    "test_1.py": """
                import pytest
                import helper
                import hardpy

                @pytest.mark.parametrize("i", range(20))
                def test_case(i):
                    hardpy.set_message(f"case {i}")
                    hardpy.set_case_measurement(hardpy.NumericMeasurement(value=i * helper.VALUE))
                    hardpy.set_case_artifact({"blob": "x" * 1000})
                """,
}


def _snapshot() -> tuple[int, int, int, Any]:
    gc.collect()
    return (
        len(sys.modules),
        threading.active_count(),
        len(logging.getLogger().handlers),
        signal.getsignal(signal.SIGTERM),
    )


@pytest.mark.slow
def test_a_hundred_runs_leak_nothing(make_plan: MakePlan) -> None:
    # the run engine alone; the store's writer process is checked below
    plan = make_plan(LEAK_PLAN)

    def one_run() -> None:
        result = hardlab.run(plan, quiet=True, answers={}, store=False)
        assert result.passed

    for _ in range(5):  # warm-up: pytest's own lazy imports
        one_run()
    before = _snapshot()
    for _ in range(35):
        one_run()
    # Measured over the last 60 runs: one-off caches filled on the way (pytest
    # reading package metadata, say) are not growth; what grows per run is.
    # Traced from here only: what the 35 runs before left alive is in neither
    # snapshot, as it would cancel out between them (and tracing makes a run
    # about three times slower).
    gc.collect()
    tracemalloc.start()
    early, _ = tracemalloc.get_traced_memory()
    first = tracemalloc.take_snapshot()
    for _ in range(60):
        one_run()
    gc.collect()
    late, _ = tracemalloc.get_traced_memory()
    # A leak adds objects run after run; a cache that fills once (a dict that
    # grows past a size and is reallocated, pydantic-core's bounded string
    # cache) adds one block, or stops growing. Count places that gained at
    # least one object every other run.
    changes = tracemalloc.take_snapshot().compare_to(first, "lineno")
    growing = [stat for stat in changes if stat.count_diff >= 30]
    grown = sum(stat.size_diff for stat in growing)
    growth = "\n".join(str(stat) for stat in growing[:3])
    tracemalloc.stop()
    assert _snapshot() == before
    assert "helper" not in sys.modules and "test_1" not in sys.modules
    assert "hardpy" not in sys.modules
    # under 5 kB a run (the surrounding pytest keeps each run's log records)
    assert grown < 300_000, (
        f"memory grew by {grown / 1e3:.0f} kB over 60 runs "
        f"({(late - early) / 1e3:.0f} kB in all); most:\n{growth}"
    )
    assert os.getcwd() == str(Path.cwd())


def test_request_stop_from_a_listener_stops_at_the_next_case(make_plan: MakePlan) -> None:
    plan = make_plan(
        {
            "test_1.py": """
                def test_a():
                    pass

                def test_b():
                    pass

                def test_c():
                    pass
                """
        }
    )

    class StopAfterFirst:
        def handle(self, event: Event) -> None:
            if isinstance(event, CaseFinished) and event.attempt.case_id == "test_a":
                event.run.request_stop()

    result = hardlab.run(plan, listeners=[StopAfterFirst()], quiet=True)
    assert result.status == TestStatus.STOPPED
    assert result.exit_code == 2
    statuses = {c: case.status for c, case in result.report.modules["test_1"].cases.items()}
    assert statuses == {
        "test_a": TestStatus.PASSED,
        "test_b": TestStatus.STOPPED,
        "test_c": TestStatus.SKIPPED,
    }


@pytest.mark.slow
def test_stored_runs_leave_no_threads_or_processes(make_plan: MakePlan) -> None:
    plan = make_plan(LEAK_PLAN)
    results = [hardlab.run(plan, quiet=True, answers={}) for _ in range(2)]  # warm-up
    before = _snapshot()
    results += [hardlab.run(plan, quiet=True, answers={}) for _ in range(8)]
    assert _snapshot() == before
    assert all(result.passed and result.store_url for result in results)
    import multiprocessing

    assert multiprocessing.active_children() == []
    from hardlab.storage import Store

    with Store(results[0].store_url) as store:
        assert store.count_runs() == 10


def test_a_relative_store_path_is_the_callers(
    make_plan: MakePlan, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    plan = make_plan({"test_1.py": "def test_one():\n    pass\n"})
    here = tmp_path / "caller"
    here.mkdir()
    monkeypatch.chdir(here)
    result = hardlab.run(plan, store="runs.db", quiet=True)
    assert result.store_url == f"sqlite:///{here / 'runs.db'}"
    assert (here / "runs.db").exists()
    assert not (plan / "runs.db").exists()
