"""ScriptedOperator, TerminalOperator and to_answer, on real dialogs and requests."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from hardlab.errors import ConfigError, InvalidAnswerError, NoAnswerError, OperatorError
from hardlab.model import answer_value
from hardlab.model.dialog import (
    BaseWidget,
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
)
from hardlab.operators import (
    Answer,
    DialogRequest,
    MessageRequest,
    Operator,
    ScriptedOperator,
    TerminalOperator,
    to_answer,
)

# A 1x1 transparent PNG.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082"
)


def make_request(
    dialog: DialogBox,
    *,
    module_id: str = "test_board",
    case_id: str = "test_serial",
    case_name: str = "Serial number",
    module_name: str = "Board",
    attempt: int = 1,
) -> DialogRequest:
    return DialogRequest(
        dialog=dialog,
        run_id="run-1",
        module_id=module_id,
        case_id=case_id,
        module_name=module_name,
        case_name=case_name,
        attempt=attempt,
    )


def make_message(
    msg: str = "Connect the probe", title: str | None = "Setup", **kw: Any
) -> MessageRequest:
    return MessageRequest(
        msg=msg,
        title=title,
        block=kw.pop("block", True),
        image=kw.pop("image", None),
        html=kw.pop("html", None),
        font_size=kw.pop("font_size", 14),
        id=kw.pop("id", "msg-1"),
        run_id="run-1",
        module_id=kw.pop("module_id", "test_board"),
        case_id=kw.pop("case_id", "test_serial"),
    )


def text_dialog(title: str | None = "Serial", text: str = "Enter the serial number") -> DialogBox:
    return DialogBox(text, title_bar=title, widget=TextInputWidget())


def value_of(dialog: DialogBox, value: Any) -> Any:
    """What run_dialog_box would return for `value` answered through the panel's format."""
    return answer_value(dialog, to_answer(dialog, value).payload())


@pytest.fixture
def png(tmp_path: Path) -> Path:
    path = tmp_path / "board photo.png"
    path.write_bytes(PNG)
    return path


# ====================================================================== lookup order


class TestLookupOrder:
    def test_operators_satisfy_the_protocol(self) -> None:
        assert isinstance(ScriptedOperator(), Operator)
        assert isinstance(TerminalOperator(io.StringIO(), io.StringIO()), Operator)

    def test_by_case_node_beats_case_id_beats_case_name(self) -> None:
        request = make_request(text_dialog())
        operator = ScriptedOperator(
            by_case={
                "test_board::test_serial": "by-node",
                "test_serial": "by-id",
                "Serial number": "by-name",
            }
        )
        assert operator.ask(request) == Answer("confirm", "by-node")

        operator = ScriptedOperator(by_case={"test_serial": "by-id", "Serial number": "by-name"})
        assert operator.ask(request) == Answer("confirm", "by-id")

        operator = ScriptedOperator(by_case={"Serial number": "by-name"})
        assert operator.ask(request) == Answer("confirm", "by-name")

    def test_by_case_beats_by_title_beats_in_order(self) -> None:
        request = make_request(text_dialog())
        operator = ScriptedOperator(
            by_case={"test_serial": "case"}, by_title={"Serial": "title"}, in_order=["order"]
        )
        assert operator.ask(request).data == "case"

        operator = ScriptedOperator(by_title={"Serial": "title"}, in_order=["order"])
        assert operator.ask(request).data == "title"

        operator = ScriptedOperator(in_order=["order"])
        assert operator.ask(request).data == "order"

    def test_by_case_of_another_case_does_not_answer(self) -> None:
        request = make_request(text_dialog())
        operator = ScriptedOperator(
            by_case={"test_other": "wrong", "test_board::test_other": "wrong"}, in_order=["right"]
        )
        assert operator.ask(request).data == "right"

    def test_by_title_uses_the_title_bar(self) -> None:
        operator = ScriptedOperator(by_title={"Serial": "SN-1"})
        assert operator.ask(make_request(text_dialog(title="Serial"))).data == "SN-1"

    def test_by_title_falls_back_to_the_case_name(self) -> None:
        operator = ScriptedOperator(by_title={"Serial number": "SN-2"})
        assert operator.ask(make_request(text_dialog(title=None))).data == "SN-2"

    def test_title_bar_hides_the_case_name_for_by_title(self) -> None:
        # With a title bar, the panel shows the title, not the case name.
        operator = ScriptedOperator(by_title={"Serial number": "SN-2"})
        with pytest.raises(NoAnswerError):
            operator.ask(make_request(text_dialog(title="Other title")))

    def test_by_title_matches_the_dialog_text(self) -> None:
        operator = ScriptedOperator(by_title={"Enter the serial number": "SN-3"})
        assert operator.ask(make_request(text_dialog(title="Serial"))).data == "SN-3"

    def test_title_beats_dialog_text(self) -> None:
        operator = ScriptedOperator(
            by_title={"Enter the serial number": "by-text", "Serial": "by-title"}
        )
        assert operator.ask(make_request(text_dialog(title="Serial"))).data == "by-title"

    def test_in_order_answers_in_turn_then_runs_out(self) -> None:
        operator = ScriptedOperator(in_order=["one", "two"])
        request = make_request(text_dialog())
        assert [operator.ask(request).data, operator.ask(request).data] == ["one", "two"]
        with pytest.raises(NoAnswerError):
            operator.ask(request)

    def test_same_case_key_answers_every_dialog_of_the_case(self) -> None:
        operator = ScriptedOperator(by_case={"test_serial": "again"})
        request = make_request(text_dialog())
        assert operator.ask(request).data == "again"
        assert operator.ask(request).data == "again"

    def test_mapping_answers_are_searched_by_case(self) -> None:
        operator = ScriptedOperator({"test_board::test_serial": "SN-case"})
        assert operator.ask(make_request(text_dialog())).data == "SN-case"

    def test_mapping_answers_are_searched_by_title(self) -> None:
        operator = ScriptedOperator({"Serial": "SN-title"})
        assert operator.ask(make_request(text_dialog())).data == "SN-title"

    def test_mapping_answers_search_case_before_title(self) -> None:
        operator = ScriptedOperator({"Serial": "SN-title", "test_serial": "SN-case"})
        assert operator.ask(make_request(text_dialog())).data == "SN-case"

    def test_explicit_tables_win_over_the_mapping(self) -> None:
        operator = ScriptedOperator({"test_serial": "mapping"}, by_case={"test_serial": "table"})
        assert operator.ask(make_request(text_dialog())).data == "table"

    def test_list_answers_are_in_order(self) -> None:
        operator = ScriptedOperator(["first", "second"])
        request = make_request(text_dialog())
        assert operator.ask(request).data == "first"
        assert operator.ask(request).data == "second"
        with pytest.raises(NoAnswerError):
            operator.ask(request)

    def test_function_gets_the_request(self) -> None:
        seen: list[DialogRequest] = []

        def answer(request: DialogRequest) -> Any:
            seen.append(request)
            return f"{request.node}/{request.title}/{request.attempt}"

        operator = ScriptedOperator(answer)
        request = make_request(text_dialog(), attempt=2)
        assert operator.ask(request).data == "test_board::test_serial/Serial/2"
        assert seen == [request]

    def test_function_answers_are_converted(self) -> None:
        dialog = DialogBox("Volts?", widget=NumericInputWidget())
        operator = ScriptedOperator(lambda request: 3.25)
        assert operator.ask(make_request(dialog)) == Answer("confirm", "3.25")

    def test_text_answers_argument_is_refused(self) -> None:
        with pytest.raises(ConfigError, match="from_file"):
            ScriptedOperator("answers.toml")  # type: ignore[arg-type]

    def test_no_answer_error_names_the_case_and_title(self) -> None:
        operator = ScriptedOperator(by_case={"test_other": "x"})
        with pytest.raises(NoAnswerError) as info:
            operator.ask(make_request(text_dialog(title="Serial")))
        text = str(info.value)
        assert "test_board::test_serial" in text
        assert "Serial number" in text  # the case's display name
        assert "'Serial'" in text  # the title to key the answer by
        assert isinstance(info.value, OperatorError)

    def test_no_answer_error_names_the_case_name_as_title_without_title_bar(self) -> None:
        with pytest.raises(NoAnswerError, match="Serial number"):
            ScriptedOperator().ask(make_request(text_dialog(title=None)))


# ====================================================================== log and messages


class TestRecords:
    def test_log_records_requests_and_answers_in_order(self) -> None:
        operator = ScriptedOperator(in_order=["a", "b"])
        first = make_request(text_dialog(title="One"))
        second = make_request(text_dialog(title="Two"), case_id="test_other")
        operator.ask(first)
        operator.ask(second)
        assert operator.log == [(first, Answer("confirm", "a")), (second, Answer("confirm", "b"))]

    def test_failed_lookups_are_not_logged(self) -> None:
        operator = ScriptedOperator()
        with pytest.raises(NoAnswerError):
            operator.ask(make_request(text_dialog()))
        assert operator.log == []

    def test_messages_are_acknowledged_and_recorded(self) -> None:
        operator = ScriptedOperator()
        first, second = make_message("one", id="m1"), make_message("two", title=None, id="m2")
        assert operator.acknowledge(first) is None
        operator.acknowledge(second)
        assert operator.messages == [first, second]

    def test_acknowledge_messages_false_raises(self) -> None:
        operator = ScriptedOperator(acknowledge_messages=False)
        with pytest.raises(NoAnswerError, match="Connect the probe"):
            operator.acknowledge(make_message())
        assert operator.messages == []


# ====================================================================== from_file


class TestFromFile:
    def test_toml_tables_list_and_shorthand(self, tmp_path: Path) -> None:
        path = tmp_path / "answers.toml"
        path.write_text(
            """
            "Shorthand title" = "short"
            in_order = ["o1", "o2"]

            [by_case]
            "test_board::test_serial" = "SN-0042"
            test_volts = 3.3

            [by_title]
            "LED check" = "pass"
            """.replace("\n            ", "\n"),
            encoding="utf-8",
        )
        operator = ScriptedOperator.from_file(path)
        assert operator.ask(make_request(text_dialog())).data == "SN-0042"
        volts = DialogBox("Volts?", widget=NumericInputWidget())
        assert operator.ask(make_request(volts, case_id="test_volts")).data == "3.3"
        led = DialogBox("LED on?", title_bar="LED check", pass_fail=True)
        assert operator.ask(make_request(led, case_id="test_led")) == Answer("passed", "")
        short = text_dialog(title="Shorthand title")
        assert operator.ask(make_request(short, case_id="x")).data == "short"
        other = make_request(text_dialog(title="Unknown"), case_id="y")
        assert [operator.ask(other).data, operator.ask(other).data] == ["o1", "o2"]

    def test_toml_shorthand_key_is_also_a_case(self, tmp_path: Path) -> None:
        path = tmp_path / "answers.toml"
        path.write_text('test_serial = "by-case"\n', encoding="utf-8")
        operator = ScriptedOperator.from_file(str(path))
        assert operator.ask(make_request(text_dialog())).data == "by-case"

    def test_json_tables_list_and_shorthand(self, tmp_path: Path) -> None:
        path = tmp_path / "answers.json"
        path.write_text(
            json.dumps(
                {
                    "by_case": {"test_serial": "SN-7"},
                    "by_title": {"Colours": ["red", "blue"]},
                    "in_order": [12],
                    "Pick one": "green",
                }
            ),
            encoding="utf-8",
        )
        operator = ScriptedOperator.from_file(path)
        assert operator.ask(make_request(text_dialog())).data == "SN-7"
        boxes = DialogBox("Which?", title_bar="Colours", widget=CheckboxWidget(["red", "blue"]))
        assert json.loads(operator.ask(make_request(boxes, case_id="a")).data) == ["red", "blue"]
        radio = DialogBox("?", title_bar="Pick one", widget=RadiobuttonWidget(["green", "red"]))
        assert operator.ask(make_request(radio, case_id="b")).data == "green"
        number = DialogBox("N?", title_bar="n", widget=NumericInputWidget())
        assert operator.ask(make_request(number, case_id="c")).data == "12"

    def test_json_top_level_list_is_in_order(self, tmp_path: Path) -> None:
        path = tmp_path / "answers.json"
        path.write_text('["first", "second"]', encoding="utf-8")
        operator = ScriptedOperator.from_file(path)
        request = make_request(text_dialog())
        assert [operator.ask(request).data, operator.ask(request).data] == ["first", "second"]

    def test_json_suffix_is_case_insensitive(self, tmp_path: Path) -> None:
        path = tmp_path / "ANSWERS.JSON"
        path.write_text('{"test_serial": "x"}', encoding="utf-8")
        assert ScriptedOperator.from_file(path).ask(make_request(text_dialog())).data == "x"

    def test_missing_file(self, tmp_path: Path) -> None:
        path = tmp_path / "nope.toml"
        with pytest.raises(ConfigError, match=r"nope\.toml"):
            ScriptedOperator.from_file(path)

    def test_a_folder_is_unreadable(self, tmp_path: Path) -> None:
        with pytest.raises(ConfigError):
            ScriptedOperator.from_file(tmp_path)

    def test_invalid_toml(self, tmp_path: Path) -> None:
        path = tmp_path / "answers.toml"
        path.write_text("this is = = not toml\n", encoding="utf-8")
        with pytest.raises(ConfigError, match="TOML"):
            ScriptedOperator.from_file(path)

    def test_invalid_json(self, tmp_path: Path) -> None:
        path = tmp_path / "answers.json"
        path.write_text("{'single': quotes}", encoding="utf-8")
        with pytest.raises(ConfigError, match="JSON"):
            ScriptedOperator.from_file(path)

    @pytest.mark.parametrize(
        "content",
        [
            '{"by_case": ["not", "a", "table"]}',
            '{"by_title": "nope"}',
            '{"in_order": {"not": "a list"}}',
            "42",
            '"text"',
        ],
    )
    def test_wrong_shapes(self, tmp_path: Path, content: str) -> None:
        path = tmp_path / "answers.json"
        path.write_text(content, encoding="utf-8")
        with pytest.raises(ConfigError, match=r"answers file"):
            ScriptedOperator.from_file(path)

    def test_toml_in_order_must_be_a_list(self, tmp_path: Path) -> None:
        path = tmp_path / "answers.toml"
        path.write_text('in_order = "x"\n', encoding="utf-8")
        with pytest.raises(ConfigError, match="in_order"):
            ScriptedOperator.from_file(path)


# ====================================================================== value conversion


class TestToAnswer:
    def test_answer_is_used_as_is(self) -> None:
        answer = Answer("failed", "raw")
        assert to_answer(text_dialog(), answer) is answer

    @pytest.mark.parametrize(
        ("value", "data"), [("SN-0042", "SN-0042"), ("  spaced ", "  spaced "), (42, "42")]
    )
    def test_text(self, value: Any, data: str) -> None:
        dialog = text_dialog()
        assert to_answer(dialog, value) == Answer("confirm", data)
        assert value_of(dialog, value) == data

    def test_text_that_looks_like_a_number_stays_text(self) -> None:
        assert value_of(text_dialog(), "0042") == "0042"

    def test_text_with_unicode_and_quotes(self) -> None:
        text = 'Ünïcode "quoted" {json}'
        assert value_of(text_dialog(), text) == text

    @pytest.mark.parametrize("value", ["", None])
    def test_empty_text_is_refused(self, value: Any) -> None:
        with pytest.raises(InvalidAnswerError, match="empty"):
            to_answer(text_dialog(), value)

    @pytest.mark.parametrize(
        ("value", "expected"),
        [(12, 12.0), (3.25, 3.25), (-1.5, -1.5), ("42", 42.0), (" 1e3 ", 1000.0), ("-0.5", -0.5)],
    )
    def test_numeric(self, value: Any, expected: float) -> None:
        dialog = DialogBox("Volts?", widget=NumericInputWidget())
        result = value_of(dialog, value)
        assert isinstance(result, float)
        assert result == expected

    @pytest.mark.parametrize(
        "value",
        ["abc", "", "1,5", None, True, False, float("nan"), float("inf"), "nan", "inf", "-inf"],
        ids=[
            "word",
            "empty",
            "comma-decimal",
            "None",
            "True",
            "False",
            "float-nan",
            "float-inf",
            "text-nan",
            "text-inf",
            "text-minus-inf",
        ],
    )
    def test_numeric_refuses_non_numbers(self, value: Any) -> None:
        dialog = DialogBox("Volts?", widget=NumericInputWidget())
        with pytest.raises(InvalidAnswerError):
            to_answer(dialog, value)

    def test_radio_must_be_a_field(self) -> None:
        dialog = DialogBox("Colour?", widget=RadiobuttonWidget(["red", "green"]))
        assert to_answer(dialog, "green") == Answer("confirm", "green")
        assert value_of(dialog, "green") == "green"
        for wrong in ("blue", "", None, ["green"], 1):
            with pytest.raises(InvalidAnswerError):
                to_answer(dialog, wrong)

    def test_radio_error_names_the_options(self) -> None:
        dialog = DialogBox("Colour?", widget=RadiobuttonWidget(["red", "green"]))
        with pytest.raises(InvalidAnswerError, match="red"):
            to_answer(dialog, "blue")

    def test_checkbox_list_subset(self) -> None:
        dialog = DialogBox("Which?", widget=CheckboxWidget(["a", "b", "c"]))
        answer = to_answer(dialog, ["a", "c"])
        assert answer.result == "confirm"
        assert json.loads(answer.data) == ["a", "c"]
        result = value_of(dialog, ["a", "c"])
        assert isinstance(result, list)
        assert result == ["a", "c"]

    def test_checkbox_tuple_and_single_field(self) -> None:
        dialog = DialogBox("Which?", widget=CheckboxWidget(["a", "b", "c"]))
        assert value_of(dialog, ("b",)) == ["b"]
        assert value_of(dialog, "b") == ["b"]

    def test_checkbox_unicode_fields_round_trip(self) -> None:
        dialog = DialogBox("Which?", widget=CheckboxWidget(["Ω ohm", 'say "hi"']))
        assert value_of(dialog, ["Ω ohm", 'say "hi"']) == ["Ω ohm", 'say "hi"']

    @pytest.mark.parametrize("value", [[], None, (), ["a", "z"], ["z"]])
    def test_checkbox_refuses_empty_and_unknown(self, value: Any) -> None:
        dialog = DialogBox("Which?", widget=CheckboxWidget(["a", "b", "c"]))
        with pytest.raises(InvalidAnswerError):
            to_answer(dialog, value)

    @pytest.mark.parametrize(
        "widget",
        [
            BaseWidget(),
            MultistepWidget([StepWidget("One", "first"), StepWidget("Two", "second")]),
            StepWidget("Only", "one step"),
        ],
    )
    def test_confirmation_dialogs(self, widget: Any) -> None:
        dialog = DialogBox("Press OK", widget=widget)
        assert to_answer(dialog, True) == Answer("confirm", "")
        assert to_answer(dialog, None) == Answer("confirm", "")
        assert value_of(dialog, True) is True
        with pytest.raises(InvalidAnswerError, match="pass_fail"):
            to_answer(dialog, False)

    @pytest.mark.parametrize(
        ("value", "result"),
        [
            (True, "passed"),
            (False, "failed"),
            ("pass", "passed"),
            ("PASSED", "passed"),
            ("FAIL", "failed"),
            (" fail ", "failed"),
            ("y", "passed"),
            ("n", "failed"),
            (PassFailDialog(result=True), "passed"),
            (PassFailDialog(result=False), "failed"),
        ],
    )
    def test_pass_fail_verdicts(self, value: Any, result: str) -> None:
        dialog = DialogBox("LED on?", pass_fail=True)
        assert to_answer(dialog, value) == Answer(result, "")  # type: ignore[arg-type]
        returned = value_of(dialog, value)
        assert returned == PassFailDialog(result=result == "passed", data=True)
        assert bool(returned) is (result == "passed")

    @pytest.mark.parametrize("value", ["maybe", 1, 0, None, "", ("pass", "x", "y")])
    def test_pass_fail_refuses_non_verdicts(self, value: Any) -> None:
        dialog = DialogBox("LED on?", pass_fail=True)
        with pytest.raises(InvalidAnswerError, match="verdict"):
            to_answer(dialog, value)

    def test_pass_fail_with_text_input(self) -> None:
        dialog = DialogBox("Defect?", widget=TextInputWidget(), pass_fail=True)
        assert to_answer(dialog, ("fail", "scratch")) == Answer("failed", "scratch")
        assert value_of(dialog, ("fail", "scratch")) == PassFailDialog(False, "scratch")
        assert value_of(dialog, [True, "none"]) == PassFailDialog(True, "none")
        assert value_of(dialog, PassFailDialog(True, "ok")) == PassFailDialog(True, "ok")

    def test_pass_fail_without_input_data_returns_true(self) -> None:
        dialog = DialogBox("Defect?", widget=TextInputWidget(), pass_fail=True)
        assert value_of(dialog, "pass") == PassFailDialog(True, True)
        assert value_of(dialog, (True, None)) == PassFailDialog(True, True)

    def test_pass_fail_with_numeric_input(self) -> None:
        dialog = DialogBox("Volts?", widget=NumericInputWidget(), pass_fail=True)
        result = value_of(dialog, ("pass", 4.5))
        assert result == PassFailDialog(True, 4.5)
        assert isinstance(result.data, float)

    def test_pass_fail_with_checkbox_input(self) -> None:
        dialog = DialogBox("Which?", widget=CheckboxWidget(["a", "b"]), pass_fail=True)
        assert value_of(dialog, (False, ["b"])) == PassFailDialog(False, ["b"])

    def test_pass_fail_data_is_checked_against_the_widget(self) -> None:
        dialog = DialogBox("Volts?", widget=NumericInputWidget(), pass_fail=True)
        with pytest.raises(InvalidAnswerError):
            to_answer(dialog, ("pass", "abc"))

    def test_payload_is_hardpy_wire_format(self) -> None:
        answer = to_answer(DialogBox("LED?", pass_fail=True), "fail")
        assert json.loads(answer.payload()) == {"result": "failed", "data": ""}

    def test_error_names_the_dialog(self) -> None:
        dialog = DialogBox("Volts?", title_bar="Supply voltage", widget=NumericInputWidget())
        with pytest.raises(InvalidAnswerError, match="Supply voltage"):
            to_answer(dialog, "abc")


# ====================================================================== terminal operator


def terminal(lines: str) -> tuple[TerminalOperator, io.StringIO, io.StringIO]:
    stdin, stdout = io.StringIO(lines), io.StringIO()
    return TerminalOperator(stdin=stdin, stdout=stdout), stdin, stdout


class TestTerminalOperator:
    def test_base_dialog_confirms_with_enter(self) -> None:
        operator, stdin, stdout = terminal("\n")
        dialog = DialogBox("Put the board in the fixture", title_bar="Fixture")
        answer = operator.ask(make_request(dialog))
        assert answer == Answer("confirm", "")
        assert answer_value(dialog, answer.payload()) is True
        out = stdout.getvalue()
        assert "Fixture" in out
        assert "Put the board in the fixture" in out
        assert "press Enter to confirm" in out
        assert stdin.read() == ""

    def test_base_dialog_with_custom_button_text(self) -> None:
        operator, _, stdout = terminal("\n")
        operator.ask(make_request(DialogBox("Ready?", button_text=["Go"])))
        assert "press Enter to go" in stdout.getvalue()

    def test_title_falls_back_to_case_name(self) -> None:
        operator, _, stdout = terminal("\n")
        operator.ask(make_request(DialogBox("Ready?"), case_name="Fixture check"))
        assert "Fixture check" in stdout.getvalue()

    def test_multiline_text_is_shown(self) -> None:
        operator, _, stdout = terminal("\n")
        operator.ask(make_request(DialogBox("line one\nline two")))
        out = stdout.getvalue()
        assert "line one" in out
        assert "line two" in out

    def test_text(self) -> None:
        operator, _, stdout = terminal("SN-0042\n")
        dialog = text_dialog()
        answer = operator.ask(make_request(dialog))
        assert answer == Answer("confirm", "SN-0042")
        assert answer_value(dialog, answer.payload()) == "SN-0042"
        assert "enter text" in stdout.getvalue()

    def test_text_windows_line_ending(self) -> None:
        operator, _, _ = terminal("SN-1\r\n")
        assert operator.ask(make_request(text_dialog())).data == "SN-1"

    def test_empty_text_is_refused_then_accepted(self) -> None:
        operator, stdin, stdout = terminal("\nSN-9\n")
        assert operator.ask(make_request(text_dialog())) == Answer("confirm", "SN-9")
        out = stdout.getvalue()
        assert "empty" in out
        assert "try again" in out
        assert out.count("enter text") == 2
        assert stdin.read() == ""

    def test_numeric_reprompts_after_an_invalid_entry(self) -> None:
        operator, _, stdout = terminal("twelve\n12.5\n")
        dialog = DialogBox("Volts?", widget=NumericInputWidget())
        answer = operator.ask(make_request(dialog))
        assert answer == Answer("confirm", "12.5")
        value = answer_value(dialog, answer.payload())
        assert isinstance(value, float)
        assert value == 12.5
        out = stdout.getvalue()
        assert "'twelve' is not a number; try again" in out
        assert out.count("enter a number") == 2

    def test_numeric_e_notation_and_negative(self) -> None:
        operator, _, _ = terminal("-1e-3\n")
        dialog = DialogBox("Current?", widget=NumericInputWidget())
        assert answer_value(dialog, operator.ask(make_request(dialog)).payload()) == -0.001

    def test_radio_by_number(self) -> None:
        operator, _, stdout = terminal("2\n")
        dialog = DialogBox("Colour?", widget=RadiobuttonWidget(["red", "green", "blue"]))
        assert operator.ask(make_request(dialog)) == Answer("confirm", "green")
        out = stdout.getvalue()
        for line in ("1) red", "2) green", "3) blue"):
            assert line in out

    def test_radio_by_text(self) -> None:
        operator, _, _ = terminal("blue\n")
        dialog = DialogBox("Colour?", widget=RadiobuttonWidget(["red", "green", "blue"]))
        assert operator.ask(make_request(dialog)) == Answer("confirm", "blue")

    def test_radio_refuses_unknown_then_out_of_range_then_accepts(self) -> None:
        operator, _, stdout = terminal("purple\n9\n\n1\n")
        dialog = DialogBox("Colour?", widget=RadiobuttonWidget(["red", "green", "blue"]))
        assert operator.ask(make_request(dialog)) == Answer("confirm", "red")
        assert stdout.getvalue().count("try again") == 3

    def test_checkbox_by_numbers(self) -> None:
        operator, _, stdout = terminal("1,3\n")
        dialog = DialogBox("Which?", widget=CheckboxWidget(["USB", "UART", "SPI"]))
        answer = operator.ask(make_request(dialog))
        assert answer.result == "confirm"
        value = answer_value(dialog, answer.payload())
        assert value == ["USB", "SPI"]
        assert "2) UART" in stdout.getvalue()

    def test_checkbox_by_text_with_spaces(self) -> None:
        operator, _, _ = terminal(" UART , 3 \n")
        dialog = DialogBox("Which?", widget=CheckboxWidget(["USB", "UART", "SPI"]))
        assert answer_value(dialog, operator.ask(make_request(dialog)).payload()) == [
            "UART",
            "SPI",
        ]

    def test_empty_checkbox_is_refused_then_accepted(self) -> None:
        operator, _, stdout = terminal("\n2\n")
        dialog = DialogBox("Which?", widget=CheckboxWidget(["USB", "UART"]))
        answer = operator.ask(make_request(dialog))
        assert answer_value(dialog, answer.payload()) == ["UART"]
        assert "empty selection; try again" in stdout.getvalue()

    def test_multistep_enter_per_step(self) -> None:
        steps = [
            StepWidget("Unplug", "Unplug the board"),
            StepWidget("Flip", "Flip the switch"),
            StepWidget("Replug", "Plug it back"),
        ]
        dialog = DialogBox("Reset the board", widget=MultistepWidget(steps))
        operator, stdin, stdout = terminal("\n\n\n")
        answer = operator.ask(make_request(dialog))
        assert answer == Answer("confirm", "")
        assert answer_value(dialog, answer.payload()) is True
        assert stdin.read() == ""
        out = stdout.getvalue()
        for number, (title, text) in enumerate(
            [
                ("Unplug", "Unplug the board"),
                ("Flip", "Flip the switch"),
                ("Replug", "Plug it back"),
            ],
            1,
        ):
            assert f"Step {number}/3: {title}" in out
            assert text in out
        # the steps are shown one at a time
        assert out.index("Step 2/3") > out.index("press Enter for the next step")

    def test_multistep_needs_an_enter_per_step(self) -> None:
        steps = [StepWidget("One", "first"), StepWidget("Two", "second")]
        dialog = DialogBox("Steps", widget=MultistepWidget(steps))
        operator, _, _ = terminal("\n")
        with pytest.raises(NoAnswerError):
            operator.ask(make_request(dialog))

    def test_multistep_with_image_and_html(self, png: Path) -> None:
        steps = [
            StepWidget("Look", None, image=ImageComponent(str(png))),
            StepWidget("Read", None, html=HTMLComponent("<b>Bold</b> words")),
        ]
        operator, _, stdout = terminal("\n\n")
        operator.ask(make_request(DialogBox("Steps", widget=MultistepWidget(steps))))
        out = stdout.getvalue()
        assert str(png) in out
        assert "Bold words" in out
        assert "<b>" not in out

    def test_pass_fail_with_custom_button_text(self) -> None:
        dialog = DialogBox(
            "Is the LED on?", title_bar="LED", pass_fail=True, button_text=["Yes, on", "No, off"]
        )
        operator, _, stdout = terminal("p\n")
        answer = operator.ask(make_request(dialog))
        assert answer == Answer("passed", "")
        assert answer_value(dialog, answer.payload()) == PassFailDialog(True, True)
        assert "[p] Yes, on / [f] No, off" in stdout.getvalue()

        operator, _, _ = terminal("f\n")
        assert operator.ask(make_request(dialog)) == Answer("failed", "")

    def test_pass_fail_by_label_text(self) -> None:
        dialog = DialogBox("LED?", pass_fail=True, button_text=["Good", "Bad"])
        operator, _, _ = terminal("bad\n")
        assert operator.ask(make_request(dialog)).result == "failed"
        operator, _, _ = terminal("Good\n")
        assert operator.ask(make_request(dialog)).result == "passed"

    def test_pass_fail_default_labels_and_reprompt(self) -> None:
        dialog = DialogBox("LED?", pass_fail=True)
        operator, _, stdout = terminal("what\n\nFAIL\n")
        assert operator.ask(make_request(dialog)) == Answer("failed", "")
        out = stdout.getvalue()
        assert "[p] Pass / [f] Fail" in out
        assert out.count("answer p or f") == 2

    def test_pass_fail_with_text_input(self) -> None:
        dialog = DialogBox("Defect?", widget=TextInputWidget(), pass_fail=True)
        operator, stdin, _ = terminal("scratch\nf\n")
        answer = operator.ask(make_request(dialog))
        assert answer == Answer("failed", "scratch")
        assert answer_value(dialog, answer.payload()) == PassFailDialog(False, "scratch")
        assert stdin.read() == ""

    def test_image_is_shown_as_a_summary_with_its_path(self, png: Path) -> None:
        operator, _, stdout = terminal("\n")
        image = ImageComponent(str(png), width=50)
        operator.ask(make_request(DialogBox("Compare with the photo", image=image)))
        lines = [line for line in stdout.getvalue().splitlines() if "[image:" in line]
        assert len(lines) == 1
        assert str(png) in lines[0]
        assert "50%" in lines[0]
        assert image.base64 not in stdout.getvalue()

    def test_image_summary_gives_the_file_size(self, png: Path) -> None:
        operator, _, stdout = terminal("\n")
        operator.ask(make_request(DialogBox("Photo", image=ImageComponent(str(png)))))
        (line,) = [line for line in stdout.getvalue().splitlines() if "[image:" in line]
        assert f", {len(PNG)} bytes," in line

    def test_raw_html_is_shown_as_stripped_text(self) -> None:
        operator, _, stdout = terminal("\n")
        html = HTMLComponent("<h1>Wiring</h1>\n<p>Red &amp; black to <i>J3</i></p>")
        operator.ask(make_request(DialogBox("See below", html=html)))
        out = stdout.getvalue()
        assert "Wiring Red & black to J3" in out
        assert "<h1>" not in out
        assert "&amp;" not in out

    def test_long_raw_html_is_shortened(self) -> None:
        operator, _, stdout = terminal("\n")
        html = HTMLComponent("<p>" + "word " * 200 + "</p>")
        operator.ask(make_request(DialogBox("See below", html=html)))
        (line,) = [line for line in stdout.getvalue().splitlines() if "[HTML:" in line]
        assert len(line) < 200
        assert "…" in line

    def test_url_html_is_shown_as_a_web_page(self) -> None:
        operator, _, stdout = terminal("\n")
        html = HTMLComponent("https://example.com/manual", is_raw_html=False)
        operator.ask(make_request(DialogBox("See the manual", html=html)))
        out = stdout.getvalue()
        assert "web page" in out
        assert "https://example.com/manual" in out

    @pytest.mark.parametrize(
        "dialog",
        [
            DialogBox("Ready?"),
            text_dialog(),
            DialogBox("N?", widget=NumericInputWidget()),
            DialogBox("C?", widget=RadiobuttonWidget(["a"])),
            DialogBox("C?", widget=CheckboxWidget(["a"])),
            DialogBox("LED?", pass_fail=True),
        ],
        ids=["base", "text", "numeric", "radio", "checkbox", "pass_fail"],
    )
    def test_eof_raises_no_answer_error(self, dialog: DialogBox) -> None:
        operator, _, _ = terminal("")
        with pytest.raises(NoAnswerError, match="closed its input"):
            operator.ask(make_request(dialog))

    def test_eof_after_invalid_entries_raises(self) -> None:
        operator, _, _ = terminal("abc\n")
        with pytest.raises(NoAnswerError):
            operator.ask(make_request(DialogBox("N?", widget=NumericInputWidget())))

    def test_acknowledge_prints_the_message_and_waits_for_enter(self) -> None:
        operator, stdin, stdout = terminal("\nleft over\n")
        assert operator.acknowledge(make_message("Connect the probe", title="Setup")) is None
        out = stdout.getvalue()
        assert "Setup" in out
        assert "Connect the probe" in out
        assert "press Enter to continue" in out
        assert stdin.read() == "left over\n"  # exactly one line consumed

    def test_acknowledge_without_title(self, png: Path) -> None:
        operator, _, stdout = terminal("\n")
        message = make_message(
            "Look", title=None, image=ImageComponent(str(png)), html=HTMLComponent("<b>Hi</b>")
        )
        operator.acknowledge(message)
        out = stdout.getvalue()
        assert "Message" in out
        assert str(png) in out
        assert "Hi" in out

    def test_acknowledge_eof_raises(self) -> None:
        operator, _, _ = terminal("")
        with pytest.raises(NoAnswerError):
            operator.acknowledge(make_message())

    def test_defaults_to_sys_streams(self, monkeypatch: pytest.MonkeyPatch) -> None:
        stdin, stdout = io.StringIO("SN-5\n"), io.StringIO()
        monkeypatch.setattr("sys.stdin", stdin)
        monkeypatch.setattr("sys.stdout", stdout)
        assert TerminalOperator().ask(make_request(text_dialog())).data == "SN-5"
        assert "enter text" in stdout.getvalue()
