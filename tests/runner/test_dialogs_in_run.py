"""Dialogs and operator messages end to end through ``hardlab.run``."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import hardlab
from hardlab.model import ResultRunStore
from hardlab.operators import DialogRequest, MessageRequest, ScriptedOperator

MakePlan = Callable[..., Path]

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082"
)

WIDGETS_PLAN = '''
"""Every widget, written against HardPy's names."""

import hardpy
from hardpy import (
    CheckboxWidget,
    DialogBox,
    HTMLComponent,
    ImageComponent,
    MultistepWidget,
    NumericInputWidget,
    PassFailDialog,
    RadiobuttonWidget,
    StepWidget,
    TextInputWidget,
    run_dialog_box,
)


def show(value):
    hardpy.set_message(repr(value), "value")
    hardpy.set_message(type(value).__name__, "type")


def test_base():
    show(run_dialog_box(DialogBox("Put the board in the fixture", title_bar="Fixture")))


def test_text():
    show(run_dialog_box(DialogBox("Serial number?", title_bar="Serial", widget=TextInputWidget())))


def test_numeric():
    value = run_dialog_box(DialogBox("Supply voltage?", widget=NumericInputWidget()))
    assert isinstance(value, float)
    show(value)


def test_radio():
    widget = RadiobuttonWidget(["red", "green", "blue"])
    show(run_dialog_box(DialogBox("LED colour?", title_bar="Colour", widget=widget)))


def test_checkbox():
    widget = CheckboxWidget(["USB", "UART", "SPI"])
    value = run_dialog_box(DialogBox("Working ports?", title_bar="Ports", widget=widget))
    assert isinstance(value, list)
    show(value)


def test_multistep():
    steps = [StepWidget("Unplug", "Unplug the board"), StepWidget("Replug", "Plug it back")]
    show(run_dialog_box(DialogBox("Reset the board", widget=MultistepWidget(steps))))


def test_image_and_html():
    dialog = DialogBox(
        "Compare with the photo",
        title_bar="Photo",
        image=ImageComponent("photo.png"),
        html=HTMLComponent("<b>Look</b> closely"),
    )
    show(run_dialog_box(dialog))


def test_pass_fail():
    value = run_dialog_box(
        DialogBox("Is the LED on?", title_bar="LED check", pass_fail=True,
                  button_text=["On", "Off"])
    )
    assert isinstance(value, PassFailDialog)
    show(value)
    assert value.result, "LED off"


def test_pass_fail_with_input():
    value = run_dialog_box(
        DialogBox("Any defect?", title_bar="Defect", widget=TextInputWidget(), pass_fail=True)
    )
    show(value)
'''


def case_messages(report: ResultRunStore, module_id: str, case_id: str) -> dict[str, str]:
    case = report.modules[module_id].cases[case_id]
    return dict(case.msg or {})


def case_value(report: ResultRunStore, module_id: str, case_id: str) -> str:
    return case_messages(report, module_id, case_id)["value"]


@pytest.fixture
def widgets_plan(make_plan: MakePlan) -> Path:
    folder = make_plan({"test_widgets.py": WIDGETS_PLAN})
    (folder / "photo.png").write_bytes(PNG)
    return folder


WIDGET_ANSWERS: dict[str, Any] = {
    "test_base": True,
    "test_widgets::test_text": "SN-0042",  # by module::case
    "test_numeric": 12,  # by case
    "Colour": "green",  # by title
    "Working ports?": ["USB", "SPI"],  # by dialog text
    "test_multistep": True,
    "Photo": True,
    "LED check": "pass",
    "Defect": ("fail", "scratch on U3"),
}

EXPECTED_VALUES = {
    "test_base": ("True", "bool"),
    "test_text": ("'SN-0042'", "str"),
    "test_numeric": ("12.0", "float"),
    "test_radio": ("'green'", "str"),
    "test_checkbox": ("['USB', 'SPI']", "list"),
    "test_multistep": ("True", "bool"),
    "test_image_and_html": ("True", "bool"),
    "test_pass_fail": ("PassFailDialog(result=True, data=True)", "PassFailDialog"),
    "test_pass_fail_with_input": (
        "PassFailDialog(result=False, data='scratch on U3')",
        "PassFailDialog",
    ),
}


def test_every_widget_gets_hardpy_values(widgets_plan: Path, tmp_path: Path) -> None:
    result = hardlab.run(
        widgets_plan, answers=WIDGET_ANSWERS, quiet=True, report_dir=tmp_path / "reports"
    )
    failures = {
        case_id: case.assertion_msg
        for case_id, case in result.report.modules["test_widgets"].cases.items()
        if case.status.value != "passed"
    }
    assert failures == {}
    assert result.passed
    assert result.exit_code == 0
    for case_id, (value, kind) in EXPECTED_VALUES.items():
        messages = case_messages(result.report, "test_widgets", case_id)
        assert (messages["value"], messages["type"]) == (value, kind), case_id
    assert result.report_path is not None
    assert result.report_path.is_file()


def test_scripted_operator_logs_every_dialog(widgets_plan: Path, tmp_path: Path) -> None:
    operator = ScriptedOperator(WIDGET_ANSWERS)
    result = hardlab.run(widgets_plan, operator=operator, quiet=True)
    assert result.passed
    asked = [(request.node, request.title, answer.result) for request, answer in operator.log]
    assert asked == [
        ("test_widgets::test_base", "Fixture", "confirm"),
        ("test_widgets::test_text", "Serial", "confirm"),
        ("test_widgets::test_numeric", "test_numeric", "confirm"),
        ("test_widgets::test_radio", "Colour", "confirm"),
        ("test_widgets::test_checkbox", "Ports", "confirm"),
        ("test_widgets::test_multistep", "test_multistep", "confirm"),
        ("test_widgets::test_image_and_html", "Photo", "confirm"),
        ("test_widgets::test_pass_fail", "LED check", "passed"),
        ("test_widgets::test_pass_fail_with_input", "Defect", "failed"),
    ]
    first: DialogRequest = operator.log[0][0]
    assert first.module_id == "test_widgets"
    assert first.case_name == "test_base"
    assert first.attempt == 1
    assert first.run_id == str(result.run_id)


def test_in_order_answers(widgets_plan: Path) -> None:
    answers = [
        True,
        "SN-1",
        "-3.5e1",
        "blue",
        ["UART"],
        True,
        True,
        False,
        ("pass", "none"),
    ]
    result = hardlab.run(widgets_plan, answers=answers, quiet=True)
    statuses = {k: c.status.value for k, c in result.report.modules["test_widgets"].cases.items()}
    assert statuses.pop("test_pass_fail") == "failed"  # the operator said the LED is off
    assert set(statuses.values()) == {"passed"}
    values = {case: case_value(result.report, "test_widgets", case) for case in EXPECTED_VALUES}
    assert values["test_text"] == "'SN-1'"
    assert values["test_numeric"] == "-35.0"
    assert values["test_radio"] == "'blue'"
    assert values["test_checkbox"] == "['UART']"
    assert values["test_pass_fail"] == "PassFailDialog(result=False, data=True)"
    assert values["test_pass_fail_with_input"] == "PassFailDialog(result=True, data='none')"
    assert "LED off" in (
        result.report.modules["test_widgets"].cases["test_pass_fail"].assertion_msg or ""
    )


@pytest.mark.parametrize("suffix", [".toml", ".json"])
def test_answers_file(widgets_plan: Path, tmp_path: Path, suffix: str) -> None:
    data = {
        "by_case": {"test_text": "SN-FILE", "test_numeric": 7.25},
        "by_title": {"Colour": "red", "Ports": ["SPI"], "LED check": "pass", "Defect": "pass"},
        "in_order": [True, True, True],  # base, multistep, image
    }
    path = tmp_path / f"answers{suffix}"
    if suffix == ".json":
        path.write_text(json.dumps(data), encoding="utf-8")
    else:
        path.write_text(
            "in_order = [true, true, true]\n"
            "[by_case]\n"
            'test_text = "SN-FILE"\n'
            "test_numeric = 7.25\n"
            "[by_title]\n"
            'Colour = "red"\n'
            'Ports = ["SPI"]\n'
            '"LED check" = "pass"\n'
            'Defect = "pass"\n',
            encoding="utf-8",
        )
    result = hardlab.run(widgets_plan, answers=path, quiet=True)
    assert result.passed, result.report.model_dump_json(indent=1)
    assert case_value(result.report, "test_widgets", "test_text") == "'SN-FILE'"
    assert case_value(result.report, "test_widgets", "test_numeric") == "7.25"
    assert case_value(result.report, "test_widgets", "test_checkbox") == "['SPI']"
    assert case_value(result.report, "test_widgets", "test_pass_fail_with_input") == (
        "PassFailDialog(result=True, data=True)"
    )


def test_answers_file_that_is_invalid_is_a_config_error(widgets_plan: Path, tmp_path: Path) -> None:
    path = tmp_path / "answers.toml"
    path.write_text("not = = toml", encoding="utf-8")
    with pytest.raises(hardlab.errors.ConfigError):
        hardlab.run(widgets_plan, answers=path, quiet=True)


ONE_DIALOG_PLAN = """
import pytest

import hardpy
from hardpy import DialogBox, NumericInputWidget, run_dialog_box


@pytest.mark.case_name("Supply voltage")
def test_volts():
    value = run_dialog_box(
        DialogBox("Supply voltage?", title_bar="Volts", widget=NumericInputWidget())
    )
    hardpy.set_message(repr(value), "value")


def test_after():
    hardpy.set_message("ran", "after")
"""


def test_dialog_without_operator_fails_its_case(make_plan: MakePlan) -> None:
    plan = make_plan({"test_one.py": ONE_DIALOG_PLAN})
    result = hardlab.run(plan, operator=None, quiet=True)
    assert result.status.value == "failed"
    assert result.exit_code == 1
    cases = result.report.modules["test_one"].cases
    failed = cases["test_volts"]
    assert failed.status.value == "failed"
    message = failed.assertion_msg or ""
    assert "NoOperatorError" in message
    assert "answers" in message
    assert "Volts" in message  # names the dialog
    assert failed.msg is None
    # the run goes on
    assert cases["test_after"].status.value == "passed"
    assert result.report.caused_dut_failure_id == "test_one::test_volts"


def test_dialog_without_answer_fails_naming_the_case(make_plan: MakePlan) -> None:
    plan = make_plan({"test_one.py": ONE_DIALOG_PLAN})
    result = hardlab.run(plan, answers={"Something else": 1}, quiet=True)
    message = result.report.modules["test_one"].cases["test_volts"].assertion_msg or ""
    assert "NoAnswerError" in message
    assert "test_one::test_volts" in message
    assert "Supply voltage" in message
    assert "Volts" in message


def test_answer_that_does_not_fit_fails_the_case(make_plan: MakePlan) -> None:
    plan = make_plan({"test_one.py": ONE_DIALOG_PLAN})
    result = hardlab.run(plan, answers={"Volts": "twelve"}, quiet=True)
    case = result.report.modules["test_one"].cases["test_volts"]
    assert case.status.value == "failed"
    assert "InvalidAnswerError" in (case.assertion_msg or "")
    assert "twelve" in (case.assertion_msg or "")


def test_a_custom_operator_object(make_plan: MakePlan) -> None:
    class Operator:
        def __init__(self) -> None:
            self.asked: list[str] = []

        def ask(self, request: DialogRequest) -> hardlab.operators.Answer:
            self.asked.append(request.title)
            return hardlab.operators.Answer("confirm", "230")

        def acknowledge(self, request: MessageRequest) -> None:
            raise AssertionError("no messages expected")

    plan = make_plan({"test_one.py": ONE_DIALOG_PLAN})
    operator = Operator()
    result = hardlab.run(plan, operator=operator, quiet=True)
    assert result.passed
    assert operator.asked == ["Volts"]
    assert case_value(result.report, "test_one", "test_volts") == "230.0"


MESSAGES_PLAN = """
import hardpy
from hardpy import set_operator_message


def test_blocking():
    set_operator_message("Connect the probe to TP1", title="Setup")
    hardpy.set_message("after the message", "after")


def test_not_blocking():
    set_operator_message("Measuring...", title="Wait", block=False)
    hardpy.clear_operator_message()
    hardpy.set_message("done", "after")
"""


def test_blocking_message_is_acknowledged_by_a_scripted_operator(make_plan: MakePlan) -> None:
    plan = make_plan({"test_msg.py": MESSAGES_PLAN})
    operator = ScriptedOperator()
    result = hardlab.run(plan, operator=operator, quiet=True)
    assert result.passed
    assert [(m.msg, m.title, m.block) for m in operator.messages] == [
        ("Connect the probe to TP1", "Setup", True)
    ]
    message = operator.messages[0]
    assert message.case_id == "test_blocking"
    assert message.module_id == "test_msg"
    assert message.run_id == str(result.run_id)
    assert case_messages(result.report, "test_msg", "test_blocking") == {
        "after": "after the message"
    }


def test_blocking_message_with_answers_mapping(make_plan: MakePlan) -> None:
    plan = make_plan({"test_msg.py": MESSAGES_PLAN})
    result = hardlab.run(plan, answers={}, quiet=True)
    assert result.passed


def test_blocking_message_without_operator_fails(make_plan: MakePlan) -> None:
    plan = make_plan({"test_msg.py": MESSAGES_PLAN})
    result = hardlab.run(plan, operator=None, quiet=True)
    cases = result.report.modules["test_msg"].cases
    assert cases["test_blocking"].status.value == "failed"
    message = cases["test_blocking"].assertion_msg or ""
    assert "NoOperatorError" in message
    assert "set_operator_message" in message
    assert "answers" in message
    # a message that does not block needs nobody
    assert cases["test_not_blocking"].status.value == "passed"


def test_blocking_message_refused_by_the_script_fails(make_plan: MakePlan) -> None:
    plan = make_plan({"test_msg.py": MESSAGES_PLAN})
    operator = ScriptedOperator(acknowledge_messages=False)
    result = hardlab.run(plan, operator=operator, quiet=True)
    case = result.report.modules["test_msg"].cases["test_blocking"]
    assert case.status.value == "failed"
    assert "NoAnswerError" in (case.assertion_msg or "")
    assert operator.messages == []


def test_blocking_message_in_a_fixture(make_plan: MakePlan) -> None:
    plan = make_plan(
        {
            "conftest.py": """
                import pytest
                import hardpy


                @pytest.fixture(scope="session", autouse=True)
                def greet():
                    hardpy.set_operator_message("Start of shift", title="Hello")
            """,
            "test_a.py": """
                def test_a():
                    pass
            """,
        }
    )
    operator = ScriptedOperator()
    result = hardlab.run(plan, operator=operator, quiet=True)
    assert result.passed
    assert [m.msg for m in operator.messages] == ["Start of shift"]


def test_hardpy_alias_import_styles(make_plan: MakePlan) -> None:
    plan = make_plan(
        {
            "test_alias.py": """
                import hardpy
                from hardpy import DialogBox, TextInputWidget, run_dialog_box


                def test_alias():
                    assert hardpy.DialogBox is DialogBox
                    value = run_dialog_box(
                        DialogBox("Operator name?", title_bar="Name", widget=TextInputWidget())
                    )
                    hardpy.set_message(value, "name")
                    also = hardpy.run_dialog_box(hardpy.DialogBox("Again?", title_bar="Again"))
                    assert also is True
            """
        }
    )
    result = hardlab.run(plan, answers={"Name": "Alice", "Again": True}, quiet=True)
    assert result.passed, result.report.modules["test_alias"].cases["test_alias"].assertion_msg
    assert case_messages(result.report, "test_alias", "test_alias") == {"name": "Alice"}
