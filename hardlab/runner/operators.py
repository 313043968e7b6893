"""Operators that answer dialog boxes: scripted (CI, headless) and terminal (console).

The notebook's widget operator lives in the notebook extra; anything that
implements `hardlab.channel.Operator` can be passed to ``hardlab.run``.
"""

from __future__ import annotations

import base64
import html as html_lib
import json
import math
import os
import re
import sys
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from os import PathLike
from pathlib import Path
from typing import Any, TextIO

from hardlab._util import toml_loads
from hardlab.channel import Answer, DialogRequest, MessageRequest
from hardlab.errors import ConfigError, InvalidAnswerError, NoAnswerError
from hardlab.model.dialog import (
    CheckboxWidget,
    DialogBox,
    HTMLComponent,
    ImageComponent,
    NumericInputWidget,
    PassFailDialog,
    RadiobuttonWidget,
    TextInputWidget,
)

__all__ = ["ANSWERS_ENV", "ScriptedOperator", "TerminalOperator", "answers_from_env", "to_answer"]

_PASS = {"pass", "passed", "p", "ok", "yes", "y"}
_FAIL = {"fail", "failed", "f", "no", "n"}


def _describe(dialog: DialogBox) -> str:
    return f"dialog {dialog.title_bar or dialog.dialog_text!r} ({dialog.widget.type})"


def _widget_data(dialog: DialogBox, value: Any) -> str:
    """The panel's text for `value` in `dialog`'s widget, refusing what the panel refuses."""
    widget = dialog.widget
    where = _describe(dialog)
    if isinstance(widget, TextInputWidget):
        text = "" if value is None else str(value)
        if not text:
            raise InvalidAnswerError(f"{where}: the operator panel refuses an empty text")
        return text
    if isinstance(widget, NumericInputWidget):
        if isinstance(value, bool) or value is None:
            raise InvalidAnswerError(f"{where}: needs a number, got {value!r}")
        if isinstance(value, (int, float)):
            if isinstance(value, float) and not math.isfinite(value):
                raise InvalidAnswerError(f"{where}: needs a finite number, got {value!r}")
            return repr(value)
        text = str(value).strip()
        try:
            number = float(text)
        except ValueError:
            raise InvalidAnswerError(f"{where}: {value!r} is not a number") from None
        if not math.isfinite(number):  # a number field takes neither nan nor inf
            raise InvalidAnswerError(f"{where}: needs a finite number, got {value!r}")
        return text
    if isinstance(widget, RadiobuttonWidget):
        fields = widget.info["fields"]
        if value not in fields:
            raise InvalidAnswerError(f"{where}: {value!r} is not one of {fields}")
        return str(value)
    if isinstance(widget, CheckboxWidget):
        fields = widget.info["fields"]
        chosen = [value] if isinstance(value, str) else list(value or [])
        if not chosen:
            raise InvalidAnswerError(f"{where}: the operator panel refuses an empty selection")
        unknown = [item for item in chosen if item not in fields]
        if unknown:
            raise InvalidAnswerError(f"{where}: {unknown} not among {fields}")
        return json.dumps(chosen)
    # base, step and multistep dialogs only confirm
    if value is False:
        raise InvalidAnswerError(
            f"{where}: a confirmation dialog can only be confirmed (True); to fail a "
            "check, make it a pass_fail dialog"
        )
    return ""


def to_answer(dialog: DialogBox, value: Any) -> Answer:
    """Turn a plain Python answer into the panel answer it stands for.

    * An `Answer` is used as is.
    * Pass/fail dialogs: True/False, ``"pass"``/``"fail"``, a `PassFailDialog`,
      or a ``(verdict, input)`` pair when the dialog also has an input widget.
    * Text: any text; number: an int, float or numeric text; radio button:
      one of the fields; checkbox: a list of fields; confirmation dialogs:
      True (or None).

    Raises:
        InvalidAnswerError: If the value does not fit the dialog, or is input
            the operator panel would refuse (empty text, an unknown choice).
    """
    if isinstance(value, Answer):
        return value
    if dialog.pass_fail:
        data: Any = None
        verdict: Any = value
        if isinstance(value, PassFailDialog):
            verdict, data = value.result, value.data
        elif isinstance(value, (tuple, list)) and len(value) == 2:
            verdict, data = value
        if isinstance(verdict, str):
            word = verdict.strip().lower()
            if word not in _PASS | _FAIL:
                raise InvalidAnswerError(
                    f"{_describe(dialog)}: {value!r} is not a verdict; use True/False or "
                    "'pass'/'fail'"
                )
            passed = word in _PASS
        elif isinstance(verdict, bool):
            passed = verdict
        else:
            raise InvalidAnswerError(
                f"{_describe(dialog)}: {value!r} is not a verdict; use True/False or 'pass'/'fail'"
            )
        text = "" if data is None or data is True else _widget_data(dialog, data)
        return Answer("passed" if passed else "failed", text)
    return Answer("confirm", _widget_data(dialog, value))


AnswerFunction = Callable[[DialogRequest], Any]


class ScriptedOperator:
    """Answers dialogs from answers given up front: for CI, headless notebooks, demos.

    An answer is looked up, in this order:

    1. `by_case`: by the asking case, as ``"module::case"``, ``"case"`` or
       the case's display name;
    2. `by_title`: by the dialog's title (its title bar, or the case name)
       or its text;
    3. `in_order`: the next unused answer of the list.

    A plain mapping given as `answers` is searched as `by_case` and then as
    `by_title`; a list is `in_order`; a function gets the `DialogRequest`
    and returns the answer. Values are converted by `to_answer` (so a
    number answers a numeric input, a list a checkbox, ``"pass"`` a
    pass/fail dialog). The same case key answers every dialog of that case;
    use titles or the ordered list when one case asks several questions.

    Blocking operator messages are acknowledged at once (set
    ``acknowledge_messages=False`` to treat one as an error). It never waits,
    so a stop of the run has nothing to interrupt (an answer function that
    waits should give up when ``request.stop`` is set).

    Attributes:
        log: Every dialog asked, with the answer given, in order.
        messages: Every blocking message acknowledged, in order.

    Example:
        ```python
        hardlab.run("plans/board", answers={
            "test_serial": "SN-0042",            # by case
            "LED check": "pass",                 # by title
        })
        ```
    """

    def __init__(
        self,
        answers: Mapping[str, Any] | Sequence[Any] | AnswerFunction | None = None,
        *,
        by_case: Mapping[str, Any] | None = None,
        by_title: Mapping[str, Any] | None = None,
        in_order: Iterable[Any] | None = None,
        acknowledge_messages: bool = True,
    ) -> None:
        self._function: AnswerFunction | None = None
        self._by_case: dict[str, Any] = dict(by_case or {})
        self._by_title: dict[str, Any] = dict(by_title or {})
        self._in_order: list[Any] = list(in_order or [])
        if callable(answers):
            self._function = answers
        elif isinstance(answers, Mapping):
            for key, value in answers.items():
                self._by_case.setdefault(key, value)
                self._by_title.setdefault(key, value)
        elif answers is not None and not isinstance(answers, (str, bytes)):
            self._in_order.extend(answers)
        elif answers is not None:
            msg = (
                "ScriptedOperator(answers=...) takes a mapping, a list or a function; "
                "for a file use ScriptedOperator.from_file(path)"
            )
            raise ConfigError(msg)
        self._next = 0
        self._lock = threading.Lock()
        self.acknowledge_messages = acknowledge_messages
        self.log: list[tuple[DialogRequest, Answer]] = []
        self.messages: list[MessageRequest] = []

    @classmethod
    def from_file(cls, path: str | PathLike[str]) -> ScriptedOperator:
        """Read answers from a TOML or JSON file.

        The file may have the tables ``by_case`` and ``by_title`` and the list
        ``in_order``; any other top-level key is an answer looked up by case,
        then by title.

        Example:
            ```toml
            in_order = ["SN-0042"]
            [by_case]
            "test_2_input::test_num_input" = 123
            [by_title]
            "LED check" = "pass"
            ```

        Raises:
            ConfigError: If the file cannot be read or parsed.
        """
        source = Path(path)
        try:
            text = source.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:  # not UTF-8: the decode error says where
            msg = f"answers file {source}: cannot be read ({getattr(exc, 'strerror', 0) or exc})"
            raise ConfigError(msg) from exc
        try:
            data = json.loads(text) if source.suffix.lower() == ".json" else toml_loads(text)
        except (ValueError, RecursionError) as exc:  # RecursionError: nested too deeply
            kind = "JSON" if source.suffix.lower() == ".json" else "TOML"
            msg = f"answers file {source} is not valid {kind}: {exc}"
            raise ConfigError(msg) from exc
        if isinstance(data, list):
            return cls(in_order=data)
        if not isinstance(data, dict):
            msg = f"answers file {source}: expected a table or a list at the top level"
            raise ConfigError(msg)
        data = dict(data)
        by_case = data.pop("by_case", {})
        by_title = data.pop("by_title", {})
        in_order = data.pop("in_order", [])
        for name, value in (("by_case", by_case), ("by_title", by_title)):
            if not isinstance(value, dict):
                msg = f"answers file {source}: {name} must be a table of answers"
                raise ConfigError(msg)
        if not isinstance(in_order, list):
            msg = f"answers file {source}: in_order must be a list of answers"
            raise ConfigError(msg)
        return cls(data or None, by_case=by_case, by_title=by_title, in_order=in_order)

    def __repr__(self) -> str:
        return (
            f"ScriptedOperator(by_case={len(self._by_case)}, by_title={len(self._by_title)}, "
            f"in_order={len(self._in_order) - self._next} left)"
        )

    def _lookup(self, request: DialogRequest) -> Any:
        if self._function is not None:
            return self._function(request)
        for key in (request.node, request.case_id, request.case_name):
            if key in self._by_case:
                return self._by_case[key]
        for key in (request.title, request.dialog.dialog_text):
            if key in self._by_title:
                return self._by_title[key]
        with self._lock:
            if self._next < len(self._in_order):
                value = self._in_order[self._next]
                self._next += 1
                return value
        msg = (
            f"no scripted answer for {_describe(request.dialog)} in {request.node} "
            f"(case {request.case_name!r}). Add one by case ({request.node!r}), by title "
            f"({request.title!r}) or to the ordered list."
        )
        raise NoAnswerError(msg)

    def ask(self, request: DialogRequest) -> Answer:
        """Answer `request` from the script.

        Raises:
            NoAnswerError: If the script has no answer for it.
            InvalidAnswerError: If the scripted answer does not fit the dialog.
        """
        answer = to_answer(request.dialog, self._lookup(request))
        self.log.append((request, answer))
        return answer

    def acknowledge(self, request: MessageRequest) -> None:
        """Acknowledge a blocking message at once.

        Raises:
            NoAnswerError: If ``acknowledge_messages`` is False.
        """
        if not self.acknowledge_messages:
            msg = f"blocking operator message {request.msg!r} and the script acknowledges none"
            raise NoAnswerError(msg)
        self.messages.append(request)


_TAG = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"\s+")


def summarize_image(image: ImageComponent) -> str:
    """A one-line description of a dialog image for text consoles."""
    size = len(base64.b64decode(image.base64))
    return f"[image: {image.address}, {size} bytes, {image.width}% wide]"


def summarize_html(component: HTMLComponent, limit: int = 160) -> str:
    """A one-line description of dialog HTML for text consoles."""
    if not component.is_raw_html:
        return f"[web page: {component.code_or_url}]"
    text = _SPACE.sub(" ", html_lib.unescape(_TAG.sub(" ", component.code_or_url))).strip()
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return f"[HTML: {text}]"


ANSWERS_ENV = "HARDLAB_ANSWERS"
"""Names a file of scripted answers for runs that were given no operator.

With it set, a run whose operator was left to hardlab (``hardlab.run``
without ``operator=`` or ``answers=``, ``pytest --hardlab``, and the
notebook's ``%hardpy`` magics, which otherwise answer in widgets) takes its
answers from that TOML or JSON file: how a notebook runs headless under
nbclient or in CI without changing a cell.
"""


def answers_from_env(base: Path | None = None) -> ScriptedOperator | None:
    """The scripted operator of the answers file ``$HARDLAB_ANSWERS`` names; None if unset.

    Args:
        base: The folder a relative path is taken from (default: the working directory).

    Raises:
        ConfigError: If the file cannot be read or parsed (the message names
            the variable).
    """
    value = os.environ.get(ANSWERS_ENV, "").strip()
    if not value:
        return None
    path = Path(value).expanduser()
    if base is not None:
        path = base / path
    try:
        return ScriptedOperator.from_file(path)
    except ConfigError as exc:
        msg = f"${ANSWERS_ENV}: {exc}; fix the file or unset the variable"
        raise ConfigError(msg) from exc


class TerminalOperator:
    """Asks the operator on a console: prompts for every widget type.

    Text and numbers are typed, radio buttons and checkboxes are chosen by
    number, multistep dialogs page through their steps, pass/fail dialogs
    take ``p`` or ``f``; images and HTML are shown as a path or summary.
    Empty input is refused as the panel refuses it; Enter confirms.

    It waits in ``readline``, which a stop of the run cannot interrupt: in a
    terminal, SIGTERM or Ctrl-C stop the run (the signal breaks into the
    read); a stop from another thread (`hardlab.RunHandle.stop`) takes
    effect once the operator has answered. Operators that wait on an event
    give up at once with `hardlab.channel.wait_for_answer`.

    Args:
        stdin: Where answers are read (default: ``sys.stdin`` at call time).
        stdout: Where prompts go (default: ``sys.stdout`` at call time).
    """

    needs_terminal = True
    """Tells the runner to suspend pytest's output capture while asking."""

    def __init__(self, stdin: TextIO | None = None, stdout: TextIO | None = None) -> None:
        self._stdin = stdin
        self._stdout = stdout

    def __repr__(self) -> str:
        return "TerminalOperator()"

    @property
    def _in(self) -> TextIO:
        return self._stdin or sys.stdin

    @property
    def _out(self) -> TextIO:
        return self._stdout or sys.stdout

    def _say(self, text: str = "") -> None:
        self._out.write(text + "\n")
        self._out.flush()

    def _read(self, prompt: str) -> str:
        self._out.write(prompt)
        self._out.flush()
        line = self._in.readline()
        if not line:
            msg = "the console closed its input while a dialog waited for the operator"
            raise NoAnswerError(msg)
        return line.rstrip("\r\n")

    def _header(self, title: str, text: str) -> None:
        bar = "─" * max(20, min(72, len(title) + 4))
        self._say()
        self._say(f"┌{bar}")
        self._say(f"│ {title}")
        self._say(f"├{bar}")
        for line in text.splitlines() or [""]:
            self._say(f"│ {line}")

    def _extras(self, image: ImageComponent | None, html: HTMLComponent | None) -> None:
        if image is not None:
            self._say(f"│ {summarize_image(image)}")
        if html is not None:
            self._say(f"│ {summarize_html(html)}")

    def _input(self, dialog: DialogBox) -> str:
        widget = dialog.widget
        while True:
            if isinstance(widget, RadiobuttonWidget):
                fields = widget.info["fields"]
                for number, field in enumerate(fields, 1):
                    self._say(f"│  {number}) {field}")
                raw = self._read("└ choose one (number or text): ").strip()
                value: Any = (
                    fields[int(raw) - 1] if raw.isdigit() and 0 < int(raw) <= len(fields) else raw
                )
            elif isinstance(widget, CheckboxWidget):
                fields = widget.info["fields"]
                for number, field in enumerate(fields, 1):
                    self._say(f"│  {number}) {field}")
                raw = self._read("└ choose any (numbers or texts, separated by commas): ")
                value = []
                for part in (p.strip() for p in raw.split(",")):
                    if part.isdigit() and 0 < int(part) <= len(fields):
                        value.append(fields[int(part) - 1])
                    elif part:
                        value.append(part)
            elif isinstance(widget, NumericInputWidget):
                value = self._read("└ enter a number: ").strip()
            elif isinstance(widget, TextInputWidget):
                value = self._read("└ enter text: ")
            else:
                return ""
            try:
                return _widget_data(dialog, value)
            except InvalidAnswerError as exc:
                self._say(f"│ ! {str(exc).split(': ', 1)[-1]}; try again")

    def ask(self, request: DialogRequest) -> Answer:
        """Prompt for `request` on the console and return the answer.

        Raises:
            NoAnswerError: If the console input ends.
        """
        dialog = request.dialog
        self._header(request.title, dialog.dialog_text)
        self._extras(dialog.image, dialog.html)
        if dialog.widget.type == "multistep":
            steps = dialog.widget.info["steps"]
            for number, step in enumerate(steps, 1):
                info = step["info"]
                self._say(f"│ Step {number}/{len(steps)}: {info['title']}")
                if "text" in info:
                    self._say(f"│   {info['text']}")
                if "image" in info:
                    self._say(f"│   [image: {info['image']['address']}]")
                if "html" in info:
                    html = info["html"]
                    component = HTMLComponent(
                        html["code_or_url"], html["width"], html["border"], html["is_raw_html"]
                    )
                    self._say(f"│   {summarize_html(component)}")
                if number < len(steps):
                    self._read("│   press Enter for the next step ")
        data = self._input(dialog)
        if dialog.pass_fail:
            labels = dialog.button_text or ["Pass", "Fail"]
            passed_label = labels[0] if labels else "Pass"
            failed_label = labels[1] if len(labels) > 1 else "Fail"
            while True:
                raw = self._read(f"└ [p] {passed_label} / [f] {failed_label}: ").strip().lower()
                if raw in _PASS or raw == passed_label.lower():
                    return Answer("passed", data)
                if raw in _FAIL or raw == failed_label.lower():
                    return Answer("failed", data)
                self._say("│ ! answer p or f")
        if dialog.widget.type in ("base", "step", "multistep"):
            label = (dialog.button_text or ["Confirm"])[0]
            self._read(f"└ press Enter to {label.lower()} ")
        return Answer("confirm", data)

    def acknowledge(self, request: MessageRequest) -> None:
        """Show a blocking message and wait for Enter.

        Raises:
            NoAnswerError: If the console input ends.
        """
        self._header(request.title or "Message", request.msg)
        self._extras(request.image, request.html)
        self._read("└ press Enter to continue ")
