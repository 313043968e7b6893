"""The answer table: per dialog kind, how an answer is read, checked and put on the wire.

Every operator answers through this table, so they all return what HardPy's
panel returns and refuse what it refuses: the scripted operator (values
from Python or an answers file, via `to_answer`), the terminal operator
(typed text, via `AnswerKind.read`), the widget operator and any other form
(the raw value of an input, via `submitted`), and the station's numeric
start arguments (via `accepts`).

A row is keyed by the widget ``type`` HardPy writes in the dialog
(``base``, ``textinput``, ``numericinput``, ``radiobutton``, ``checkbox``,
``step``, ``multistep``); a type the table does not know is answered as
``base`` (the operator confirms).

Adding a dialog kind means three things: its widget model in
`hardlab.model.dialog` (its ``type``, ``info`` and ``convert_data``), one
row in `ANSWER_KINDS` here, and its view in `hardlab.widgets` (how the
notebook shows its input). The operators, the station and the terminal
follow from the row.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from hardlab.errors import InvalidAnswerError
from hardlab.model.dialog import DialogBox, PassFailDialog
from hardlab.operators._protocol import Answer

__all__ = [
    "ANSWER_KINDS",
    "AnswerKind",
    "Refusal",
    "accepts",
    "answer_kind",
    "describe",
    "input_data",
    "parse_verdict",
    "submitted",
    "to_answer",
]

PASS_WORDS = frozenset({"pass", "passed", "p", "ok", "yes", "y"})
"""What a typed or scripted verdict may say for "passed" (case-insensitive)."""
FAIL_WORDS = frozenset({"fail", "failed", "f", "no", "n"})
"""What a typed or scripted verdict may say for "failed" (case-insensitive)."""


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why an input was refused, as the operator panel would refuse it.

    Attributes:
        code: What kind of refusal: ``empty_text``, ``empty_number``,
            ``empty_choice``, ``empty_checkbox``, ``not_a_number``,
            ``not_a_choice``, ``unknown_fields`` or ``confirm_only``. A view
            may show its own words for a code (the widgets translate the
            ``empty_*`` and ``not_a_number`` ones).
        reason: The refusal in English, as `InvalidAnswerError` gives it
            after the dialog's description.
    """

    code: str
    reason: str

    def error(self, dialog: DialogBox) -> InvalidAnswerError:
        """The error an operator raises for this refusal of an answer to `dialog`."""
        return InvalidAnswerError(f"{describe(dialog)}: {self.reason}")


Check = Callable[[Any, Sequence[str]], "str | Refusal"]
Read = Callable[[str, Sequence[str]], Any]


@dataclass(frozen=True, slots=True)
class AnswerKind:
    """One row of the answer table: how the operator answers one kind of dialog widget.

    Attributes:
        type: The widget ``type`` HardPy writes (``textinput``, ...).
        check: Turns a value (a Python value, a widget's value, what `read`
            made of typed text) into the widget data of HardPy's wire
            answer, or a `Refusal`. Called with the value and the widget's
            fields (empty for widgets without fields).
        read: Turns one line typed on a console into the value `check`
            takes (a field's number becomes the field); None: the dialog
            takes no input, the operator only confirms.
        prompt: What a console asks for (``enter a number``).
        pages: Whether the dialog has steps to page through before it is
            answered.
    """

    type: str
    check: Check
    read: Read | None = None
    prompt: str = ""
    pages: bool = False

    @property
    def takes_input(self) -> bool:
        """Whether the operator enters something (False: the operator only confirms)."""
        return self.read is not None


# ---------------------------------------------------------------- the checks


def _confirm(value: Any, fields: Sequence[str]) -> str | Refusal:
    if value is False:
        return Refusal(
            "confirm_only",
            "a confirmation dialog can only be confirmed (True); to fail a check, make it a "
            "pass_fail dialog",
        )
    return ""


def _text(value: Any, fields: Sequence[str]) -> str | Refusal:
    text = "" if value is None else str(value)
    if not text:
        return Refusal("empty_text", "the operator panel refuses an empty text")
    return text


def _number(value: Any, fields: Sequence[str]) -> str | Refusal:
    if isinstance(value, bool) or value is None:
        code = "empty_number" if value is None else "not_a_number"
        return Refusal(code, f"needs a number, got {value!r}")
    if isinstance(value, (int, float)):
        if isinstance(value, float) and not math.isfinite(value):
            return Refusal("not_a_number", f"needs a finite number, got {value!r}")
        return repr(value)
    text = str(value).strip()
    try:
        number = float(text)
    except ValueError:
        code = "empty_number" if value == "" else "not_a_number"
        return Refusal(code, f"{value!r} is not a number")
    if not math.isfinite(number):  # a number field takes neither nan nor inf
        return Refusal("not_a_number", f"needs a finite number, got {value!r}")
    return text


def _choice(value: Any, fields: Sequence[str]) -> str | Refusal:
    if value not in fields:
        code = "empty_choice" if value in (None, "") else "not_a_choice"
        return Refusal(code, f"{value!r} is not one of {fields}")
    return str(value)


def _choices(value: Any, fields: Sequence[str]) -> str | Refusal:
    chosen = [value] if isinstance(value, str) else list(value or [])
    if not chosen:
        return Refusal("empty_checkbox", "the operator panel refuses an empty selection")
    unknown = [item for item in chosen if item not in fields]
    if unknown:
        return Refusal("unknown_fields", f"{unknown} not among {fields}")
    return json.dumps(chosen)


# ---------------------------------------------------------------- typed text


def _typed(text: str, fields: Sequence[str]) -> Any:
    return text


def _typed_number(text: str, fields: Sequence[str]) -> Any:
    return text.strip()


def _field(part: str, fields: Sequence[str]) -> str:
    """The field a typed number stands for (1-based), else the typed text."""
    return fields[int(part) - 1] if part.isdigit() and 0 < int(part) <= len(fields) else part


def _typed_choice(text: str, fields: Sequence[str]) -> Any:
    return _field(text.strip(), fields)


def _typed_choices(text: str, fields: Sequence[str]) -> Any:
    parts = (part.strip() for part in text.split(","))
    return [_field(part, fields) for part in parts if part]


ANSWER_KINDS: Mapping[str, AnswerKind] = MappingProxyType(
    {
        row.type: row
        for row in (
            AnswerKind("base", _confirm),
            AnswerKind("step", _confirm),
            AnswerKind("multistep", _confirm, pages=True),
            AnswerKind("textinput", _text, _typed, "enter text"),
            AnswerKind("numericinput", _number, _typed_number, "enter a number"),
            AnswerKind("radiobutton", _choice, _typed_choice, "choose one (number or text)"),
            AnswerKind(
                "checkbox",
                _choices,
                _typed_choices,
                "choose any (numbers or texts, separated by commas)",
            ),
        )
    }
)
"""The answer table: one `AnswerKind` per widget ``type``."""


def answer_kind(kind: DialogBox | str) -> AnswerKind:
    """The row of the answer table for a dialog (its widget's type) or a widget type.

    A type the table does not know is answered as ``base``: the operator confirms.
    """
    name = kind.widget.type if isinstance(kind, DialogBox) else kind
    return ANSWER_KINDS.get(name, ANSWER_KINDS["base"])


def fields_of(dialog: DialogBox) -> list[str]:
    """The fields the operator chooses among (empty for widgets without fields)."""
    return list(dialog.widget.info.get("fields", []))


def describe(dialog: DialogBox) -> str:
    """``dialog 'Title' (textinput)``: how errors name a dialog."""
    return f"dialog {dialog.title_bar or dialog.dialog_text!r} ({dialog.widget.type})"


def check_input(dialog: DialogBox, value: Any) -> str | Refusal:
    """The widget data for `value` in `dialog`'s widget, or why the panel would refuse it."""
    return answer_kind(dialog).check(value, fields_of(dialog))


def input_data(dialog: DialogBox, value: Any) -> str:
    """The panel's text for `value` in `dialog`'s widget, refusing what the panel refuses.

    Raises:
        InvalidAnswerError: If the panel would refuse `value` (the message
            names the dialog and says why).
    """
    data = check_input(dialog, value)
    if isinstance(data, Refusal):
        raise data.error(dialog)
    return data


def accepts(kind: str, value: Any, fields: Sequence[str] = ()) -> bool:
    """Whether an input of widget type `kind` takes `value` (e.g. a number field ``"3.3"``)."""
    return not isinstance(answer_kind(kind).check(value, fields), Refusal)


def parse_verdict(text: str) -> bool | None:
    """True for a typed "pass" word, False for a "fail" word, None for anything else."""
    word = text.strip().lower()
    if word in PASS_WORDS:
        return True
    if word in FAIL_WORDS:
        return False
    return None


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
    if not dialog.pass_fail:
        return Answer("confirm", input_data(dialog, value))
    data: Any = None
    verdict: Any = value
    if isinstance(value, PassFailDialog):
        verdict, data = value.result, value.data
    elif isinstance(value, (tuple, list)) and len(value) == 2:
        verdict, data = value
    passed = parse_verdict(verdict) if isinstance(verdict, str) else None
    if isinstance(verdict, bool):
        passed = verdict
    if passed is None:
        msg = f"{describe(dialog)}: {value!r} is not a verdict; use True/False or 'pass'/'fail'"
        raise InvalidAnswerError(msg)
    text = "" if data is None or data is True else input_data(dialog, data)
    return Answer("passed" if passed else "failed", text)


def submitted(dialog: DialogBox, raw: Any, verdict: bool | None = None) -> Answer | Refusal:
    """The answer a form submits: what its input holds and, for pass/fail, the button pressed.

    For views (the notebook's widgets, a web form) that show an input for
    the dialog's widget: `raw` is the input's value as it stands (None for
    a dialog without input, a list of ticked fields for a checkbox), and
    `verdict` is True for Pass, False for Fail and None for Confirm. Unlike
    `to_answer`, an input left empty is refused in a pass/fail dialog too,
    as the panel refuses it.

    Returns:
        The answer, or why the panel would refuse the input (the view
        shows it and keeps the dialog open).
    """
    data = check_input(dialog, raw)
    if isinstance(data, Refusal):
        return data
    if dialog.pass_fail:
        return Answer("passed" if verdict else "failed", data)
    return Answer("confirm", data)
