"""The widget operator answers every dialog type inside real runs, clicked from another thread."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import hardlab
from hardlab.errors import DialogCancelledError
from hardlab.model import ResultRunStore, TestStatus
from hardlab.model.dialog import (
    DialogBox,
    MultistepWidget,
    RadiobuttonWidget,
    StepWidget,
    TextInputWidget,
)
from hardlab.operators import Answer, DialogRequest, MessageRequest
from hardlab.runner import RunResult
from hardlab.runtime import RunState
from hardlab.widgets import DialogView, MessageView, RunPanel, WidgetOperator

MakePlan = Callable[..., Path]

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082"
)

WIDGETS_PLAN = """
import hardpy
from hardpy import (
    CheckboxWidget, DialogBox, HTMLComponent, ImageComponent, MultistepWidget,
    NumericInputWidget, PassFailDialog, RadiobuttonWidget, StepWidget, TextInputWidget,
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
    show(run_dialog_box(DialogBox("Supply voltage?", widget=NumericInputWidget(), font_size=20)))


def test_radio():
    widget = RadiobuttonWidget(["red", "green", "blue"])
    show(run_dialog_box(DialogBox("LED colour?", title_bar="Colour", widget=widget)))


def test_checkbox():
    widget = CheckboxWidget(["USB", "UART", "SPI"])
    show(run_dialog_box(DialogBox("Working ports?", title_bar="Ports", widget=widget)))


def test_multistep():
    steps = [StepWidget("Unplug", "Unplug the board"), StepWidget("Replug", "Plug it back",
             html=HTMLComponent("<b>firmly</b><script>x()</script>"))]
    show(run_dialog_box(DialogBox("Reset the board", widget=MultistepWidget(steps))))


def test_image_and_html():
    dialog = DialogBox(
        "Compare with the photo",
        title_bar="Photo",
        image=ImageComponent("photo.png", width=40),
        html=HTMLComponent("<b onclick='x()'>Look</b> closely"),
        button_text=["Looks right"],
    )
    show(run_dialog_box(dialog))


def test_pass_fail():
    show(run_dialog_box(DialogBox("Is the LED on?", title_bar="LED check", pass_fail=True,
                                  button_text=["On", "Off"])))


def test_pass_fail_with_input():
    show(run_dialog_box(
        DialogBox("Any defect?", title_bar="Defect", widget=TextInputWidget(), pass_fail=True)
    ))


def test_message():
    hardpy.set_operator_message("Insert the <board>", title="Fixture", block=True)
    hardpy.set_message("acknowledged", "value")
    hardpy.set_message("str", "type")
"""

EXPECTED = {
    "test_base": ("True", "bool"),
    "test_text": ("'SN-0042'", "str"),
    "test_numeric": ("-35.0", "float"),
    "test_radio": ("'green'", "str"),
    "test_checkbox": ("['USB', 'SPI']", "list"),
    "test_multistep": ("True", "bool"),
    "test_image_and_html": ("True", "bool"),
    "test_pass_fail": ("PassFailDialog(result=True, data=True)", "PassFailDialog"),
    "test_pass_fail_with_input": (
        "PassFailDialog(result=False, data='scratch on U3')",
        "PassFailDialog",
    ),
    "test_message": ("acknowledged", "str"),
}


class Background:
    """`hardlab.run` in a worker thread, as the notebook runs it."""

    started: list[Background] = []

    def __init__(self, plan: Path, **kwargs: Any) -> None:
        self.result: RunResult | None = None
        self.error: BaseException | None = None
        self.state: RunState | None = None
        self.thread = threading.Thread(target=self._run, args=(plan,), kwargs=kwargs, daemon=True)
        self.thread.start()
        Background.started.append(self)

    def _run(self, plan: Path, **kwargs: Any) -> None:
        try:
            self.result = hardlab.run(plan, store=False, quiet=True, on_run=self._bind, **kwargs)
        except BaseException as exc:  # noqa: BLE001 - reported by join()
            self.error = exc

    def _bind(self, state: RunState) -> None:
        self.state = state

    def join(self, timeout: float = 30) -> RunResult:
        self.thread.join(timeout)
        assert not self.thread.is_alive(), "the run did not finish"
        if self.error is not None:
            raise self.error
        assert self.result is not None
        return self.result


@pytest.fixture(autouse=True)
def _stop_left_over_runs() -> Iterator[None]:
    """A failed test must not leave its run waiting for a click forever."""
    yield
    while Background.started:
        run = Background.started.pop()
        if run.thread.is_alive() and run.state is not None:
            run.state.request_stop()
        run.thread.join(10)


def values(report: ResultRunStore) -> dict[str, tuple[str, str]]:
    cases = report.modules["test_widgets"].cases
    return {
        case_id: ((c.msg or {}).get("value", ""), (c.msg or {}).get("type", ""))
        for case_id, c in cases.items()
    }


def refused(view: DialogView, text: str) -> None:
    time.sleep(0.05)  # the worker would take the answer at once
    assert not view.answered.is_set()
    assert text in view.warning.value and "⚠" in view.warning.value


def html_of(view: DialogView | MessageView) -> str:
    return "".join(
        getattr(child, "value", "")
        for child in view.widget.children
        if isinstance(getattr(child, "value", None), str)
    )


@pytest.fixture
def widgets_plan(make_plan: MakePlan) -> Path:
    folder = make_plan({"test_widgets.py": WIDGETS_PLAN})
    (folder / "photo.png").write_bytes(PNG)
    return folder


def test_every_dialog_type_answered_in_widgets(widgets_plan: Path, front: Any) -> None:
    panel = RunPanel()
    operator = panel.operator
    run = Background(widgets_plan, operator=operator, listeners=[panel])
    seen: list[str] = []
    view: DialogView | MessageView | None = None
    for _ in EXPECTED:
        view = operator.wait_shown(20, after=view)
        assert view is not None, f"no dialog after {seen}"
        assert panel.dialog_area.children == (view.widget,)
        if isinstance(view, MessageView):
            seen.append("message")
            assert "Insert the &lt;board&gt;" in html_of(view) and "Fixture" in html_of(view)
            front.click(view.ok_button)
            continue
        title = view.request.title
        seen.append(title)
        if title == "Fixture":
            assert view.input is None and view.confirm_button.description == "Confirm"
            assert "font-size:14px" in html_of(view) and "test_widgets › test_base" in html_of(view)
            front.click(view.confirm_button)
        elif title == "Serial":
            front.click(view.confirm_button)
            refused(view, "Enter a text first")
            front.update(view.input, value="SN-0042")
            front.enter(view.input)  # Enter confirms
        elif title == "test_numeric":  # no title bar: the case name
            assert "font-size:20px" in html_of(view)
            front.update(view.input, value="abc")
            front.click(view.confirm_button)
            refused(view, "is not a number")
            front.update(view.input, value="-3.5e1")
            front.click(view.confirm_button)
        elif title == "Colour":
            assert list(view.input.options) == ["red", "green", "blue"] and view.input.value is None
            front.click(view.confirm_button)
            refused(view, "Choose one of the options")
            front.update(view.input, index=1)
            front.click(view.confirm_button)
        elif title == "Ports":
            front.click(view.confirm_button)
            refused(view, "Tick at least one option")
            front.update(view.checkboxes[0], value=True)
            front.update(view.checkboxes[2], value=True)
            front.click(view.confirm_button)
        elif title == "test_multistep":
            assert view.step == 0 and view.back_button.disabled and view.confirm_button.disabled
            assert "Step 1 of 2" in html_of(view) and "Unplug the board" in html_of(view)
            view.confirm_button.click()  # a disabled button's click from code is still refused
            refused(view, "Go through every step")
            front.click(view.next_button)
            assert view.step == 1 and view.next_button.disabled and not view.confirm_button.disabled
            assert "Step 2 of 2" in html_of(view) and "<b>firmly</b>" in html_of(view)
            assert "script" not in html_of(view)
            front.click(view.back_button)
            assert view.step == 0 and view.confirm_button.disabled
            front.click(view.next_button)
            front.click(view.confirm_button)
        elif title == "Photo":
            page = html_of(view)
            assert '<img src="data:image/png;base64,' in page and "width:40%" in page
            assert "<b>Look</b> closely" in page and "onclick" not in page
            assert view.confirm_button.description == "Looks right"
            front.click(view.confirm_button)
        elif title == "LED check":
            assert view.confirm_button is None
            assert (view.pass_button.description, view.fail_button.description) == ("On", "Off")
            front.click(view.pass_button)
        elif title == "Defect":
            assert (view.pass_button.description, view.fail_button.description) == ("Pass", "Fail")
            front.update(view.input, value="scratch on U3")
            front.enter(view.input)  # Enter does not decide a pass/fail dialog
            time.sleep(0.05)
            assert not view.answered.is_set()
            front.update(view.input, value="")
            front.click(view.fail_button)
            refused(view, "Enter a text first")
            front.update(view.input, value="scratch on U3")
            front.click(view.fail_button)
        else:  # pragma: no cover - a dialog the plan does not have
            pytest.fail(f"unexpected dialog {title!r}")
    result = run.join()
    assert values(result.report) == EXPECTED
    assert result.passed, {
        k: c.assertion_msg for k, c in result.report.modules["test_widgets"].cases.items()
    }
    assert seen == [
        "Fixture", "Serial", "test_numeric", "Colour", "Ports", "test_multistep", "Photo",
        "LED check", "Defect", "message",
    ]  # fmt: skip
    assert [answer for _, answer in operator.log] == [
        Answer("confirm", ""),
        Answer("confirm", "SN-0042"),
        Answer("confirm", "-3.5e1"),
        Answer("confirm", "green"),
        Answer("confirm", '["USB", "SPI"]'),
        Answer("confirm", ""),
        Answer("confirm", ""),
        Answer("passed", ""),
        Answer("failed", "scratch on U3"),
    ]
    assert operator.current is None and panel.dialog_area.children == ()
    assert ">PASSED<" in panel.banner.value


def test_panel_is_flushed_before_a_dialog_shows(make_plan: MakePlan, front: Any) -> None:
    plan = make_plan(
        {
            "test_flush.py": """
                import hardpy
                from hardpy import DialogBox, run_dialog_box

                def test_a():
                    hardpy.set_dut_serial_number("SN-9")

                def test_b():
                    hardpy.set_operator_message("Keep hands clear", block=False)
                    hardpy.set_message("before the dialog")
                    assert run_dialog_box(DialogBox("Ready?", title_bar="Go")) is True
            """
        }
    )
    panel = RunPanel(interval=3600)  # the background thread publishes once, at the start
    run = Background(plan, operator=panel.operator, listeners=[panel])
    view = panel.operator.wait_shown(20)
    assert isinstance(view, DialogView)
    header = panel.header.value
    assert "waiting for the operator: Go" in header and "DUT SN-9" in header
    assert panel.progress.value == 50
    assert "Keep hands clear" in panel.message.value
    (block,) = panel._modules["test_flush"].blocks
    assert "before the dialog" in block.value and "✓</span>test_a" in block.value
    front.click(view.confirm_button)
    result = run.join()
    assert result.passed and ">PASSED<" in panel.banner.value
    assert "Keep hands clear" in panel.message.value  # until cleared or replaced, as in HardPy


def test_stop_button_cancels_an_open_dialog(make_plan: MakePlan, front: Any) -> None:
    plan = make_plan(
        {
            "test_stop.py": """
                from hardpy import DialogBox, TextInputWidget, run_dialog_box

                def test_wait():
                    run_dialog_box(DialogBox("Serial?", widget=TextInputWidget()))

                def test_never():
                    pass
            """
        }
    )
    panel = RunPanel()
    run = Background(plan, operator=panel.operator, listeners=[panel])
    view = panel.operator.wait_shown(20)
    assert view is not None
    started = time.monotonic()
    front.click(panel.stop_button)
    result = run.join()
    assert time.monotonic() - started < 5
    assert result.status == TestStatus.STOPPED
    cases = result.report.modules["test_stop"].cases
    assert cases["test_wait"].status == TestStatus.STOPPED
    assert panel.dialog_area.children == () and panel.operator.current is None
    assert ">STOPPED<" in panel.banner.value


# ---------------------------------------------------------------------- the operator alone


def request(dialog: DialogBox, stop: threading.Event | None = None) -> DialogRequest:
    return DialogRequest(
        dialog=dialog, run_id="r", module_id="test_m", case_id="test_c", module_name="M",
        case_name="C", attempt=1, stop=stop or threading.Event(),
    )  # fmt: skip


@pytest.fixture
def asking() -> Iterator[Callable[..., tuple[WidgetOperator, dict[str, Any], threading.Thread]]]:
    threads: list[threading.Thread] = []

    def ask(
        dialog_request: DialogRequest | MessageRequest, **kwargs: Any
    ) -> tuple[WidgetOperator, dict[str, Any], threading.Thread]:
        operator = WidgetOperator(**kwargs)
        outcome: dict[str, Any] = {}

        def work() -> None:
            try:
                if isinstance(dialog_request, DialogRequest):
                    outcome["answer"] = operator.ask(dialog_request)
                else:
                    operator.acknowledge(dialog_request)
                    outcome["answer"] = "ok"
            except BaseException as exc:  # noqa: BLE001 - checked by the test
                outcome["error"] = exc

        thread = threading.Thread(target=work, daemon=True)
        thread.start()
        threads.append(thread)
        return operator, outcome, thread

    yield ask
    for thread in threads:
        thread.join(5)


def test_stop_request_cancels_a_waiting_dialog(asking: Any) -> None:
    stop = threading.Event()
    operator, outcome, thread = asking(request(DialogBox("Wait"), stop), poll=0.02)
    view = operator.wait_shown(5)
    assert view is not None and operator.area.children == (view.widget,)
    stop.set()
    thread.join(2)
    assert not thread.is_alive()
    assert isinstance(outcome["error"], DialogCancelledError)
    assert "stopped" in str(outcome["error"]) and "'C' (test_m::test_c)" in str(outcome["error"])
    assert operator.area.children == () and operator.current is None
    assert view.widget.comm is None  # the dialog's widgets are closed


def test_blocking_message_waits_for_ok_and_can_be_cancelled(asking: Any, front: Any) -> None:
    stop = threading.Event()
    message = MessageRequest(
        msg="Power off", title=None, block=True, image=None, html=None, font_size=14, id="1",
        run_id="r", stop=stop,
    )  # fmt: skip
    operator, outcome, thread = asking(message, poll=0.02)
    view = operator.wait_shown(5)
    assert isinstance(view, MessageView) and "Message" in html_of(view)
    front.click(view.ok_button)
    thread.join(2)
    assert outcome == {"answer": "ok"}
    operator, outcome, thread = asking(message, poll=0.02)
    assert operator.wait_shown(5) is not None
    stop.set()
    thread.join(2)
    assert isinstance(outcome["error"], DialogCancelledError)


def test_before_show_runs_first(asking: Any) -> None:
    calls: list[str] = []
    operator, outcome, thread = asking(
        request(DialogBox("Go", widget=RadiobuttonWidget(["a", "b"]))),
        before_show=lambda: calls.append("flush"),
    )
    view = operator.wait_shown(5)
    assert calls == ["flush"] and isinstance(view, DialogView)
    view.input.value = "b"
    view.confirm_button.click()
    thread.join(2)
    assert outcome == {"answer": Answer("confirm", "b")}


def test_answers_after_the_first_are_ignored(asking: Any) -> None:
    operator, outcome, thread = asking(request(DialogBox("T", widget=TextInputWidget())))
    view = operator.wait_shown(5)
    assert isinstance(view, DialogView)
    view.input.value = "first"
    view.submit(None)
    view.input.value = "second"
    view.submit(None)
    thread.join(2)
    assert outcome == {"answer": Answer("confirm", "first")}


def test_multistep_paging_ignores_steps_out_of_range(asking: Any) -> None:
    steps = MultistepWidget(
        [StepWidget("One", "1"), StepWidget("Two", "2"), StepWidget("Three", "3")]
    )
    operator, outcome, thread = asking(request(DialogBox("Steps", widget=steps, pass_fail=True)))
    view = operator.wait_shown(5)
    assert isinstance(view, DialogView)
    assert view.pass_button.disabled and view.fail_button.disabled
    view.go(-1)
    view.go(5)
    assert view.step == 0
    view.go(2)
    assert view.next_button.disabled and not view.pass_button.disabled
    view.fail_button.click()
    thread.join(2)
    assert outcome == {"answer": Answer("failed", "")}


def test_operator_shows_its_area(monkeypatch: pytest.MonkeyPatch) -> None:
    import IPython.display

    shown: list[Any] = []
    monkeypatch.setattr(IPython.display, "display", lambda *objs, **kw: shown.extend(objs))
    operator = WidgetOperator()
    operator._ipython_display_()
    assert shown == [operator.area] and "WidgetOperator" in repr(operator)
    assert operator.wait_shown(0.01) is None
