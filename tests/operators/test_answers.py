"""The answer table: every dialog kind takes its good answer and refuses a bad one, in every operator."""

from __future__ import annotations

import inspect
import io
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

import hardlab
from hardlab.errors import DialogCancelledError, InvalidAnswerError
from hardlab.model import answer_value
from hardlab.model import dialog as dialog_module
from hardlab.model.dialog import (
    BaseWidget,
    CheckboxWidget,
    DialogBox,
    MultistepWidget,
    NumericInputWidget,
    RadiobuttonWidget,
    StepWidget,
    TextInputWidget,
)
from hardlab.operators import (
    ANSWER_KINDS,
    Answer,
    DialogRequest,
    MessageRequest,
    NoOperator,
    Refusal,
    ScriptedOperator,
    TerminalOperator,
    ViewOperator,
    accepts,
    answer_kind,
    submitted,
)

MakePlan = Callable[..., Path]


@dataclass(frozen=True)
class Case:
    """One dialog kind: a good answer, what goes on the wire, a bad answer and its refusal."""

    widget: Callable[[], Any]
    good: Any  # a scripted (Python) answer
    typed: str  # the same answer typed on a console ("" for a dialog without input)
    data: str  # the wire data both give
    returned: Any  # what run_dialog_box returns for it
    bad: Any
    bad_typed: str | None  # a refused typed line (None: the kind takes no input)
    reason: str  # the refusal of `bad`
    code: str  # the refusal's code
    typed_reason: str = ""  # the refusal of `bad_typed`, when it differs from `reason`
    extra: dict[str, Any] = field(default_factory=dict)


def confirmation(widget: Callable[[], Any], good: Any = True) -> Case:
    """A dialog that can only be confirmed: no input, confirmed on the wire, False refused."""
    return Case(
        widget,
        good,
        "",
        "",
        True,
        False,
        None,
        "a confirmation dialog can only be confirmed (True); to fail a check, make it a "
        "pass_fail dialog",
        "confirm_only",
    )


CASES = {
    "base": confirmation(BaseWidget),
    "step": confirmation(lambda: StepWidget("Look", "Look at the board")),
    "multistep": confirmation(
        lambda: MultistepWidget([StepWidget("One", "first"), StepWidget("Two", "second")]),
        good=None,
    ),
    "textinput": Case(
        TextInputWidget,
        "SN-0042",
        "SN-0042",
        "SN-0042",
        "SN-0042",
        "",
        "",
        "the operator panel refuses an empty text",
        "empty_text",
    ),
    "numericinput": Case(
        NumericInputWidget,
        -3.5,
        " -3.5 ",
        "-3.5",
        -3.5,
        "twelve",
        "twelve",
        "'twelve' is not a number",
        "not_a_number",
    ),
    "radiobutton": Case(
        lambda: RadiobuttonWidget(["red", "green"]),
        "green",
        "2",
        "green",
        "green",
        "pink",
        "pink",
        "'pink' is not one of ['red', 'green']",
        "not_a_choice",
    ),
    "checkbox": Case(
        lambda: CheckboxWidget(["USB", "UART", "SPI"]),
        ["USB", "SPI"],
        "1, SPI",
        '["USB", "SPI"]',
        ["USB", "SPI"],
        ["PCI"],
        "PCI, 4",
        "['PCI'] not among ['USB', 'UART', 'SPI']",
        "unknown_fields",
        typed_reason="['PCI', '4'] not among ['USB', 'UART', 'SPI']",
    ),
}


def dialog_of(kind: str, *, pass_fail: bool = False) -> DialogBox:
    return DialogBox("Answer me", title_bar="Q", widget=CASES[kind].widget(), pass_fail=pass_fail)


def request_of(dialog: DialogBox) -> DialogRequest:
    return DialogRequest(
        dialog=dialog,
        run_id="run-1",
        module_id="test_board",
        case_id="test_q",
        module_name="Board",
        case_name="Q case",
        attempt=1,
    )


def error_text(kind: str, reason: str) -> str:
    return f"dialog 'Q' ({kind}): {reason}"


KINDS = sorted(CASES)


def test_every_widget_of_the_model_has_a_row_and_every_row_a_case() -> None:
    types = {
        cls.type
        for _, cls in inspect.getmembers(dialog_module, inspect.isclass)
        if cls.__module__ == dialog_module.__name__ and isinstance(getattr(cls, "type", None), str)
    }
    assert types == set(ANSWER_KINDS) == set(CASES)
    for name, row in ANSWER_KINDS.items():
        assert row.type == name


def test_an_unknown_kind_is_answered_as_a_confirmation() -> None:
    assert answer_kind("gauge") is ANSWER_KINDS["base"]
    assert answer_kind(dialog_of("textinput")) is ANSWER_KINDS["textinput"]


# ------------------------------------------------------------ scripted operator


@pytest.mark.parametrize("kind", KINDS)
def test_the_scripted_operator_takes_the_good_answer(kind: str) -> None:
    case = CASES[kind]
    dialog = dialog_of(kind)
    answer = ScriptedOperator([case.good]).ask(request_of(dialog))
    assert answer == Answer("confirm", case.data)
    assert answer_value(dialog, answer.payload()) == case.returned


@pytest.mark.parametrize("kind", KINDS)
def test_the_scripted_operator_refuses_the_bad_answer(kind: str) -> None:
    case = CASES[kind]
    with pytest.raises(InvalidAnswerError) as refused:
        ScriptedOperator([case.bad]).ask(request_of(dialog_of(kind)))
    assert str(refused.value) == error_text(kind, case.reason)


@pytest.mark.parametrize(
    ("kind", "value", "reason"),
    [
        ("numericinput", None, "needs a number, got None"),
        ("numericinput", True, "needs a number, got True"),
        ("numericinput", float("nan"), "needs a finite number, got nan"),
        ("numericinput", "inf", "needs a finite number, got 'inf'"),
        ("numericinput", "", "'' is not a number"),
        ("radiobutton", None, "None is not one of ['red', 'green']"),
        ("checkbox", [], "the operator panel refuses an empty selection"),
        ("textinput", None, "the operator panel refuses an empty text"),
    ],
)
def test_more_refusals_keep_their_texts(kind: str, value: Any, reason: str) -> None:
    with pytest.raises(InvalidAnswerError) as refused:
        ScriptedOperator([value]).ask(request_of(dialog_of(kind)))
    assert str(refused.value) == error_text(kind, reason)


@pytest.mark.parametrize("kind", KINDS)
def test_a_pass_fail_dialog_takes_the_verdict_and_checks_the_input(kind: str) -> None:
    case = CASES[kind]
    dialog = dialog_of(kind, pass_fail=True)
    assert ScriptedOperator(["fail"]).ask(request_of(dialog)) == Answer("failed", "")
    if ANSWER_KINDS[kind].takes_input:
        answer = ScriptedOperator([("pass", case.good)]).ask(request_of(dialog))
        assert answer == Answer("passed", case.data)
        with pytest.raises(InvalidAnswerError) as refused:
            ScriptedOperator([(True, case.bad)]).ask(request_of(dialog))
        assert str(refused.value) == error_text(kind, case.reason)
    with pytest.raises(InvalidAnswerError) as refused:
        ScriptedOperator(["maybe"]).ask(request_of(dialog))
    assert str(refused.value) == error_text(
        kind, "'maybe' is not a verdict; use True/False or 'pass'/'fail'"
    )


# ------------------------------------------------------------ terminal operator


def terminal(lines: str) -> tuple[TerminalOperator, io.StringIO]:
    stdout = io.StringIO()
    return TerminalOperator(stdin=io.StringIO(lines), stdout=stdout), stdout


@pytest.mark.parametrize("kind", KINDS)
def test_the_terminal_operator_takes_the_good_answer(kind: str) -> None:
    case = CASES[kind]
    operator, stdout = terminal(
        "\n" * 3 if not ANSWER_KINDS[kind].takes_input else case.typed + "\n"
    )
    assert operator.ask(request_of(dialog_of(kind))) == Answer("confirm", case.data)
    prompt = ANSWER_KINDS[kind].prompt
    if prompt:
        assert f"└ {prompt}: " in stdout.getvalue()
    else:
        assert "press Enter to confirm" in stdout.getvalue()


@pytest.mark.parametrize("kind", [kind for kind in KINDS if CASES[kind].bad_typed is not None])
def test_the_terminal_operator_refuses_the_bad_answer_and_asks_again(kind: str) -> None:
    case = CASES[kind]
    operator, stdout = terminal(f"{case.bad_typed}\n{case.typed}\n")
    assert operator.ask(request_of(dialog_of(kind))) == Answer("confirm", case.data)
    assert f"│ ! {case.typed_reason or case.reason}; try again" in stdout.getvalue()


def test_the_terminal_shows_the_reason_even_when_the_title_has_a_colon() -> None:
    dialog = DialogBox("Volts?", title_bar="Step: 1", widget=NumericInputWidget())
    operator, stdout = terminal("x\n5\n")
    assert operator.ask(request_of(dialog)) == Answer("confirm", "5")
    assert "│ ! 'x' is not a number; try again" in stdout.getvalue()


def test_a_typed_verdict_uses_the_same_words_as_a_scripted_one() -> None:
    dialog = dialog_of("base", pass_fail=True)
    operator, _ = terminal("maybe\nNo\n")
    assert operator.ask(request_of(dialog)) == Answer("failed", "")
    assert ScriptedOperator(["No"]).ask(request_of(dialog)) == Answer("failed", "")


# ------------------------------------------------------------ forms (the widget view's check)


@pytest.mark.parametrize("kind", KINDS)
def test_a_form_answers_through_the_table(kind: str) -> None:
    case = CASES[kind]
    dialog = dialog_of(kind)
    raw = case.good if ANSWER_KINDS[kind].takes_input else None
    assert submitted(dialog, raw) == Answer("confirm", case.data)
    refusal = submitted(dialog, case.bad)
    assert refusal == Refusal(case.code, case.reason)
    assert str(refusal.error(dialog)) == error_text(kind, case.reason)


@pytest.mark.parametrize(
    ("kind", "raw", "code"),
    [
        ("textinput", "", "empty_text"),
        ("numericinput", "", "empty_number"),
        ("numericinput", "1e999", "not_a_number"),
        ("radiobutton", None, "empty_choice"),
        ("checkbox", [], "empty_checkbox"),
    ],
)
def test_an_empty_form_is_refused_with_a_code_the_view_translates(
    kind: str, raw: Any, code: str
) -> None:
    refusal = submitted(dialog_of(kind, pass_fail=True), raw, True)
    assert isinstance(refusal, Refusal)
    assert refusal.code == code


def test_a_pass_fail_form_gives_the_pressed_verdict() -> None:
    dialog = dialog_of("textinput", pass_fail=True)
    assert submitted(dialog, "scratch", False) == Answer("failed", "scratch")
    assert submitted(dialog, "fine", True) == Answer("passed", "fine")


@pytest.mark.parametrize(
    ("text", "ok"),
    [("3.3", True), ("-1e-3", True), (" 42 ", True), ("abc", False), ("inf", False),
     ("nan", False), ("", False)],
)  # fmt: skip
def test_accepts_says_what_a_number_field_takes(text: str, ok: bool) -> None:
    assert accepts("numericinput", text) is ok


# ------------------------------------------------------------ a view operator


class FormView:
    """A plain-Python view: the operator "types" by calling `fill`."""

    def __init__(self, request: DialogRequest) -> None:
        self.request = request
        self.answered = threading.Event()
        self.answer: Answer | None = None
        self.refusal: Refusal | None = None
        self.closed = False

    def fill(self, raw: Any, verdict: bool | None = None) -> None:
        result = submitted(self.request.dialog, raw, verdict)
        if isinstance(result, Refusal):
            self.refusal = result
            return
        self.answer = result
        self.answered.set()

    def close(self) -> None:
        self.closed = True


class MessageForm:
    def __init__(self, request: MessageRequest) -> None:
        self.request = request
        self.answered = threading.Event()
        self.closed = False

    def close(self) -> None:
        self.closed = True


class FormOperator(ViewOperator[FormView, MessageForm]):
    def __init__(self) -> None:
        super().__init__(poll=0.01)
        self.screen: list[FormView | MessageForm] = []

    def dialog_view(self, request: DialogRequest) -> FormView:
        return FormView(request)

    def message_view(self, request: MessageRequest) -> MessageForm:
        return MessageForm(request)

    def put_up(self, view: FormView | MessageForm) -> None:
        self.screen.append(view)

    def take_down(self, view: FormView | MessageForm) -> None:
        self.screen.remove(view)


def play(operator: FormOperator, request: DialogRequest) -> dict[str, Any]:
    got: dict[str, Any] = {}

    def ask() -> None:
        try:
            got["answer"] = operator.ask(request)
        except DialogCancelledError as exc:
            got["error"] = exc

    thread = threading.Thread(target=ask)
    thread.start()
    got["thread"] = thread
    return got


@pytest.mark.parametrize("kind", KINDS)
def test_a_view_operator_refuses_then_answers(kind: str) -> None:
    case = CASES[kind]
    operator = FormOperator()
    request = request_of(dialog_of(kind))
    got = play(operator, request)
    view = operator.wait_shown(5)
    assert isinstance(view, FormView)
    assert operator.screen == [view]
    view.fill(case.bad)
    assert view.refusal == Refusal(case.code, case.reason)
    assert not view.answered.is_set()
    view.fill(case.good if ANSWER_KINDS[kind].takes_input else None)
    got["thread"].join(5)
    assert got["answer"] == Answer("confirm", case.data)
    assert operator.screen == [] and view.closed
    assert operator.log == [(request, Answer("confirm", case.data))]
    assert operator.current is None


def test_a_view_operator_gives_up_when_the_run_stops() -> None:
    operator = FormOperator()
    request = request_of(dialog_of("textinput"))
    got = play(operator, request)
    view = operator.wait_shown(5)
    assert isinstance(view, FormView)
    request.stop.set()
    got["thread"].join(5)
    assert isinstance(got["error"], DialogCancelledError)
    assert "the run was stopped while it waited for the operator" in str(got["error"])
    assert operator.screen == [] and view.closed and operator.log == []


# ------------------------------------------------------------ nobody

ONE_DIALOG = """
import hardpy
from hardpy import DialogBox, NumericInputWidget, run_dialog_box


def test_volts():
    run_dialog_box(DialogBox("Supply voltage?", title_bar="Volts", widget=NumericInputWidget()))


def test_blocking():
    hardpy.set_operator_message("Connect the probe", block=True)
"""


def test_the_none_operator_fails_a_case_as_a_run_without_operator_does(
    make_plan: MakePlan,
) -> None:
    plan = make_plan({"test_one.py": ONE_DIALOG})
    nobody = hardlab.run(plan, operator=NoOperator(), quiet=True)
    none = hardlab.run(plan, operator=None, quiet=True)
    for case_id in ("test_volts", "test_blocking"):
        given = nobody.report.modules["test_one"].cases[case_id]
        left = none.report.modules["test_one"].cases[case_id]
        assert given.status.value == left.status.value == "failed"
        assert given.assertion_msg == left.assertion_msg
        assert "NoOperatorError" in (given.assertion_msg or "")
    volts = nobody.report.modules["test_one"].cases["test_volts"].assertion_msg or ""
    assert "run_dialog_box (test_one::test_volts: 'Volts') needs an operator" in volts


def test_the_none_operator_is_an_operator() -> None:
    assert isinstance(NoOperator(), hardlab.Operator)
    assert repr(NoOperator()) == "NoOperator()"
