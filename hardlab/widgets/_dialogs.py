"""Operator dialogs as ipywidgets: the `WidgetOperator`.

`WidgetOperator` answers `run_dialog_box` and blocking operator messages in
a notebook. It shows each dialog in a widget area and blocks the *calling*
thread (the thread running the plan, never the kernel's) until the operator
answers or the run is stopped.

Widget callbacks may run on the kernel's main thread or, with JupyterLab's
comms over subshells, on another thread; so they only read the inputs, set
a warning text or the answer, and set an `threading.Event`. The answer is
built with `hardlab.operators.submitted`, from the answer table every other
operator uses, so the widget operator returns what HardPy's panel returns
and refuses what it refuses (empty input, unknown choices). Showing one
dialog at a time and waiting for it is `hardlab.operators.ViewOperator`'s;
this module only builds and shows the widgets.
"""

from __future__ import annotations

import html
import threading
from collections.abc import Callable
from typing import Any

import ipywidgets as widgets

from hardlab.model.dialog import (
    CheckboxWidget,
    NumericInputWidget,
    RadiobuttonWidget,
    TextInputWidget,
)
from hardlab.operators import (
    Answer,
    DialogRequest,
    MessageRequest,
    Refusal,
    ViewOperator,
    answer_kind,
    submitted,
)
from hardlab.widgets import _presenters as present
from hardlab.widgets._i18n import ENGLISH, Labels

__all__ = ["DialogView", "MessageView", "WidgetOperator"]

_FRAME = {"border": "1px solid #1565c0", "padding": "6px 10px", "margin": "4px 0"}
# Refusals of the answer table that the dialogs say in the operator's language
# (``dialog.<code>`` labels); others are shown in English, as the table words them.
_SAID = frozenset({"empty_text", "empty_number", "empty_choice", "empty_checkbox", "not_a_number"})


def _title_html(title: str, context: str = "") -> str:
    note = (
        f' <span style="color:#888;font-weight:normal;font-size:90%">{html.escape(context)}</span>'
        if context
        else ""
    )
    return (
        '<div style="border-bottom:1px solid #1565c0;margin-bottom:4px;font-weight:bold;'
        f'font-size:110%">{html.escape(title)}{note}</div>'
    )


def _warning_html(text: str) -> str:
    return f'<div style="color:#c62828">⚠ {html.escape(text)}</div>' if text else ""


class _View:
    """Widgets of one dialog, its answer and the event that says it is there."""

    def __init__(self) -> None:
        self.answered = threading.Event()
        self.answer: Answer | None = None
        self._owned: list[Any] = []
        self.widget: Any = None

    def _own(self, widget: Any) -> Any:
        self._owned.append(widget)
        return widget

    def close(self) -> None:
        """Close every widget of the dialog (their front-end views disappear)."""
        for widget in reversed(self._owned):
            widget.close()
        self._owned.clear()


class DialogView(_View):
    """One `DialogBox` as widgets.

    Attributes:
        widget: The dialog's `VBox`.
        input: The input widget: a `Text` (text and number), `RadioButtons`,
            a `VBox` of `Checkbox` widgets, or None.
        checkboxes: The `Checkbox` widgets of a checkbox dialog.
        confirm_button: The Confirm button (None in a pass/fail dialog).
        pass_button: The Pass button of a pass/fail dialog, else None.
        fail_button: The Fail button of a pass/fail dialog, else None.
        back_button: Back, in a multistep dialog, else None.
        next_button: Next, in a multistep dialog, else None.
        step: The step shown by a multistep dialog (0-based).
        warning: Where a refused input is explained.
        answer: The answer, once given.
        answered: Set when the answer is there.
    """

    def __init__(self, request: DialogRequest, labels: Labels = ENGLISH) -> None:
        super().__init__()
        self.request = request
        self.labels = labels
        dialog = request.dialog
        self.kind = dialog.widget.type
        self.input: Any = None
        self.checkboxes: list[Any] = []
        self.confirm_button: Any = None
        self.pass_button: Any = None
        self.fail_button: Any = None
        self.back_button: Any = None
        self.next_button: Any = None
        self.step = 0
        self._steps: list[dict[str, Any]] = []
        self._step_html: Any = None
        self._font_size = dialog.font_size
        H = widgets.HTML  # noqa: N806 - the widget class, named as ipywidgets names it

        context = f"{request.module_name} › {request.case_name}"
        children: list[Any] = [
            self._own(H(_title_html(request.title, context))),
            self._own(H(present.dialog_text_html(dialog.dialog_text, dialog.font_size))),
        ]
        if dialog.image is not None:
            children.append(self._own(H(present.image_html(dialog.image))))
        if dialog.html is not None:
            children.append(self._own(H(present.html_block(dialog.html))))
        if answer_kind(dialog).pages:
            children.extend(self._multistep(dialog.widget.info["steps"]))
        self._read: Callable[[], Any] = lambda: None
        build = _INPUTS.get(self.kind)
        self.input = build(self, dialog.widget) if build is not None else None
        if self.input is not None:
            children.append(self.input)
        self.warning = self._own(H(""))
        children.append(self.warning)
        children.append(self._buttons())
        self.widget = self._own(
            widgets.VBox(children, layout=widgets.Layout(**_FRAME)),
        )
        self.widget.add_class("hardlab-dialog")

    # ------------------------------------------------------------------ building

    def _text_input(self, widget: Any) -> Any:
        return self._typed_input("dialog.text_placeholder")

    def _number_input(self, widget: Any) -> Any:
        return self._typed_input("dialog.number_placeholder")

    def _typed_input(self, placeholder: str) -> Any:
        # continuous_update keeps the value current as the operator types,
        # so the Enter ("submit") message finds it up to date.
        text = self._own(
            widgets.Text(
                value="",
                placeholder=self.labels(placeholder),
                continuous_update=True,
                layout=widgets.Layout(width="60%"),
            )
        )
        text.on_msg(self._on_text_message)
        self._read = lambda: text.value
        return text

    def _radio_input(self, widget: Any) -> Any:
        radio = self._own(widgets.RadioButtons(options=list(widget.info["fields"]), value=None))
        self._read = lambda: radio.value
        return radio

    def _checkbox_input(self, widget: Any) -> Any:
        self.checkboxes = [
            self._own(widgets.Checkbox(value=False, description=str(field), indent=False))
            for field in widget.info["fields"]
        ]
        self._read = lambda: [str(box.description) for box in self.checkboxes if box.value]
        return self._own(widgets.VBox(self.checkboxes))

    def _multistep(self, steps: list[dict[str, Any]]) -> list[Any]:
        self._steps = [step.get("info", {}) for step in steps]
        self._step_html = self._own(widgets.HTML(self._render_step()))
        self.back_button = self._own(
            widgets.Button(description=self.labels("dialog.back"), icon="arrow-left")
        )
        self.next_button = self._own(
            widgets.Button(description=self.labels("dialog.next"), icon="arrow-right")
        )
        self.back_button.on_click(lambda _button: self.go(self.step - 1))
        self.next_button.on_click(lambda _button: self.go(self.step + 1))
        return [self._step_html, self._own(widgets.HBox([self.back_button, self.next_button]))]

    def _buttons(self) -> Any:
        dialog = self.request.dialog
        labels = [str(label) for label in (dialog.button_text or [])]
        if dialog.pass_fail:
            self.pass_button = self._own(
                widgets.Button(
                    description=labels[0] if labels else self.labels("dialog.pass"),
                    button_style="success",
                )
            )
            self.fail_button = self._own(
                widgets.Button(
                    description=labels[1] if len(labels) > 1 else self.labels("dialog.fail"),
                    button_style="danger",
                )
            )
            self.pass_button.on_click(lambda _button: self.submit(True))
            self.fail_button.on_click(lambda _button: self.submit(False))
            row = [self.pass_button, self.fail_button]
        else:
            self.confirm_button = self._own(
                widgets.Button(
                    description=labels[0] if labels else self.labels("dialog.confirm"),
                    button_style="primary",
                )
            )
            self.confirm_button.on_click(lambda _button: self.submit(None))
            row = [self.confirm_button]
        self._sync_steps()
        return self._own(widgets.HBox(row))

    # ------------------------------------------------------------------ paging

    def _render_step(self) -> str:
        total = len(self._steps)
        return present.step_html(
            self._steps[self.step], self.step, total, self._font_size, self.labels
        )

    def _sync_steps(self) -> None:
        if not self._steps:
            return
        last = self.step == len(self._steps) - 1
        if self.back_button is not None:
            self.back_button.disabled = self.step == 0
        if self.next_button is not None:
            self.next_button.disabled = last
        for button in (self.confirm_button, self.pass_button, self.fail_button):
            if button is not None:
                button.disabled = not last

    def go(self, step: int) -> None:
        """Show step `step` (0-based) of a multistep dialog; out-of-range steps are ignored."""
        if not self._steps or not 0 <= step < len(self._steps):
            return
        self.step = step
        self._step_html.value = self._render_step()
        self._sync_steps()

    # ------------------------------------------------------------------ answering

    def _on_text_message(self, _widget: Any, content: dict[str, Any], _buffers: Any) -> None:
        # ipywidgets 8 deprecates Text.on_submit; its front end still sends
        # {"event": "submit"} when the operator presses Enter.
        if content.get("event") == "submit" and not self.request.dialog.pass_fail:
            self.submit(None)

    def raw_input(self) -> Any:
        """What the operator has entered so far (None for a dialog without input)."""
        return self._read()

    def submit(self, verdict: bool | None) -> None:
        """Answer with the entered input: confirm (`verdict` None) or pass/fail.

        Refused input (empty, not a number, ...) shows a warning and the
        dialog stays open. Called by the buttons and by Enter.
        """
        if self.answered.is_set():
            return
        dialog = self.request.dialog
        if self._steps and self.step != len(self._steps) - 1:
            self.warning.value = _warning_html(self.labels("dialog.steps_first"))
            return
        raw = self.raw_input()
        answer = submitted(dialog, raw, verdict)
        if isinstance(answer, Refusal):
            if answer.code in _SAID:
                text = self.labels(f"dialog.{answer.code}", value=repr(raw))
            else:
                text = answer.reason[:1].upper() + answer.reason[1:]
            self.warning.value = _warning_html(text)
            return
        self.warning.value = ""
        self.answer = answer
        self.answered.set()


# The view of each dialog kind's input (the answer table reads and checks it);
# a kind without an entry shows no input, only its buttons.
_INPUTS: dict[str, Callable[[DialogView, Any], Any]] = {
    TextInputWidget.type: DialogView._text_input,
    NumericInputWidget.type: DialogView._number_input,
    RadiobuttonWidget.type: DialogView._radio_input,
    CheckboxWidget.type: DialogView._checkbox_input,
}


class MessageView(_View):
    """A blocking operator message as widgets: the message and an OK button.

    Attributes:
        widget: The message's `VBox`.
        ok_button: The button that closes it.
    """

    def __init__(self, request: MessageRequest, labels: Labels = ENGLISH) -> None:
        super().__init__()
        self.request = request
        self.labels = labels
        H = widgets.HTML  # noqa: N806 - the widget class, named as ipywidgets names it
        children: list[Any] = [
            self._own(H(_title_html(request.title or labels("dialog.message")))),
            self._own(H(present.dialog_text_html(request.msg, request.font_size))),
        ]
        if request.image is not None:
            children.append(self._own(H(present.image_html(request.image))))
        if request.html is not None:
            children.append(self._own(H(present.html_block(request.html))))
        self.ok_button = self._own(
            widgets.Button(description=labels("dialog.ok"), button_style="primary")
        )
        self.ok_button.on_click(lambda _button: self.submit())
        children.append(self.ok_button)
        self.widget = self._own(widgets.VBox(children, layout=widgets.Layout(**_FRAME)))
        self.widget.add_class("hardlab-message")

    def submit(self) -> None:
        """Close the message (the OK button)."""
        self.answered.set()


class WidgetOperator(ViewOperator[DialogView, MessageView]):
    """An `Operator` that asks in ipywidgets: dialog boxes and blocking messages.

    Each dialog replaces the children of `area` while it waits and is taken
    down when answered. `ask` and `acknowledge` block the calling thread, so
    run the plan in a worker thread (``hardlab.start``, ``%hardpy``): a cell
    that blocks the kernel's thread never receives the operator's click.

    Args:
        area: A `Box` (e.g. ``ipywidgets.VBox()``) to show dialogs in;
            default: a new `VBox` (display `area` yourself).
        before_show: Called before a dialog is shown, e.g. the panel's
            flush, so the operator sees the run as it is.
        poll: Seconds between checks of the run's stop request while waiting.
        labels: The language of the dialogs' own texts (buttons, hints).

    Attributes:
        area: Where dialogs appear.
        current: The dialog or message on show, or None.
        log: Every dialog answered, with its answer, in order.
        needs_kernel: True: the answers arrive as kernel messages, which the
            kernel's main thread handles; ``hardlab.run()`` refuses to block
            that thread with this operator (`KernelBlockedError`).

    Creating one makes ``await handle`` (`RunHandle`) keep the kernel
    handling widget messages on every supported ipykernel (see
    `hardlab.runner.set_awaiter`).

    Example:
        ```python
        area = ipywidgets.VBox()
        display(area)
        operator = WidgetOperator(area)
        handle = hardlab.start("plan/", operator=operator)
        result = await handle
        ```
    """

    needs_kernel = True

    def __init__(
        self,
        area: Any = None,
        *,
        before_show: Callable[[], None] | None = None,
        poll: float = 0.1,
        labels: Labels = ENGLISH,
    ) -> None:
        super().__init__(before_show=before_show, poll=poll)
        self.area: Any = area if area is not None else widgets.VBox()
        self.labels = labels
        from hardlab.widgets import kernel as _kernel

        _kernel.install()

    def __repr__(self) -> str:
        return f"<WidgetOperator showing={type(self.current).__name__ if self.current else None}>"

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.area)  # type: ignore[no-untyped-call]

    def dialog_view(self, request: DialogRequest) -> DialogView:
        """The widgets of a dialog, in the operator's language."""
        return DialogView(request, self.labels)

    def message_view(self, request: MessageRequest) -> MessageView:
        """The widgets of a blocking message, in the operator's language."""
        return MessageView(request, self.labels)

    def put_up(self, view: DialogView | MessageView) -> None:
        """Show `view` alone in the area."""
        self.area.children = (view.widget,)

    def take_down(self, view: DialogView | MessageView) -> None:
        """Empty the area if it still shows `view`."""
        if view.widget in tuple(self.area.children):
            self.area.children = ()
