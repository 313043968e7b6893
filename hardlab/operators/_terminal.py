"""The terminal operator: prompts for every dialog kind on a console."""

from __future__ import annotations

import base64
import html as html_lib
import re
import sys
from typing import TextIO

from hardlab.errors import NoAnswerError
from hardlab.model.dialog import DialogBox, HTMLComponent, ImageComponent
from hardlab.operators._answers import Refusal, answer_kind, check_input, fields_of, parse_verdict
from hardlab.operators._protocol import Answer, DialogRequest, MessageRequest

__all__ = ["TerminalOperator", "summarize_html", "summarize_image"]

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
    give up at once with `hardlab.operators.wait_for_answer`.

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
        kind = answer_kind(dialog)
        if kind.read is None:
            return ""
        fields = fields_of(dialog)
        while True:
            for number, field in enumerate(fields, 1):
                self._say(f"│  {number}) {field}")
            data = check_input(dialog, kind.read(self._read(f"└ {kind.prompt}: "), fields))
            if not isinstance(data, Refusal):
                return data
            self._say(f"│ ! {data.reason}; try again")

    def ask(self, request: DialogRequest) -> Answer:
        """Prompt for `request` on the console and return the answer.

        Raises:
            NoAnswerError: If the console input ends.
        """
        dialog = request.dialog
        self._header(request.title, dialog.dialog_text)
        self._extras(dialog.image, dialog.html)
        kind = answer_kind(dialog)
        if kind.pages:
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
                verdict = parse_verdict(raw)
                if verdict is True or raw == passed_label.lower():
                    return Answer("passed", data)
                if verdict is False or raw == failed_label.lower():
                    return Answer("failed", data)
                self._say("│ ! answer p or f")
        if not kind.takes_input:
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
