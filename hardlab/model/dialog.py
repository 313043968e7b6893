"""Operator dialog boxes: the widgets, images, HTML and the pass/fail answer.

A `DialogBox` describes what the operator sees; `run_dialog_box` shows it
through the run's operator and returns the answer converted by the widget's
`convert_data`, exactly as HardPy's panel answers arrive: a JSON string
``{"result": "confirm" | "passed" | "failed", "data": "<text>"}``.
"""

from __future__ import annotations

import base64
import copy
import json
import math
import os
import uuid
from ast import literal_eval
from dataclasses import dataclass
from enum import Enum
from typing import Any

from hardlab.errors import ImageError, WidgetInfoError

__all__ = [
    "BaseWidget",
    "CheckboxWidget",
    "DialogBox",
    "HTMLComponent",
    "IWidget",
    "ImageComponent",
    "MultistepWidget",
    "NumericInputWidget",
    "PassFailDialog",
    "RadiobuttonWidget",
    "StepWidget",
    "TextInputWidget",
    "WidgetType",
    "answer_value",
]


def _require(
    owner: str, name: str, value: object, kind: type | tuple[type, ...], wanted: str
) -> None:
    """Refuse an argument of the wrong type with HardPy's `WidgetInfoError`, not a TypeError."""
    if not isinstance(value, kind) or (isinstance(value, bool) and bool not in _kinds(kind)):
        msg = f"{owner}: {name} must be {wanted}, got {type(value).__name__} {_shown(value)}"
        raise WidgetInfoError(msg)


def _shown(value: object) -> str:
    """`value`'s repr for a message, short, even when its ``__repr__`` fails."""
    try:
        text = repr(value)
    except Exception:  # noqa: BLE001 - a plan's object may fail any way
        return f"<a {type(value).__name__}>"
    return text if len(text) <= 80 else text[:79] + "…"


def _kinds(kind: type | tuple[type, ...]) -> tuple[type, ...]:
    return kind if isinstance(kind, tuple) else (kind,)


def _require_size(owner: str, name: str, value: object) -> None:
    """A width, border or font size: a finite number (not a bool)."""
    _require(owner, name, value, (int, float), "a number")
    if isinstance(value, float) and not math.isfinite(value):
        msg = f"{owner}: {name} must be a finite number, got {value!r}"
        raise WidgetInfoError(msg)


class WidgetType(Enum):
    """The ``type`` a dialog widget is shown as (HardPy's names and values)."""

    BASE = "base"
    TEXT_INPUT = "textinput"
    NUMERIC_INPUT = "numericinput"
    RADIOBUTTON = "radiobutton"
    CHECKBOX = "checkbox"
    STEP = "step"
    MULTISTEP = "multistep"


class IWidget:
    """Common shape of dialog widgets: a ``type`` string and an ``info`` dict.

    Args:
        widget_type: Shown as this kind of widget; by default the class's own.
    """

    type: str = "base"

    def __init__(self, widget_type: WidgetType | None = None) -> None:
        if widget_type is not None:
            self.type = widget_type.value
        self.info: dict[str, Any] = {}

    def convert_data(self, input_data: str | None = None) -> Any:
        """Turn the operator's raw input into the value `run_dialog_box` returns.

        Args:
            input_data: The panel's answer text; None (or nothing) when the
                widget takes no input.
        """
        return True

    def to_dict(self) -> dict[str, Any]:
        """The widget as it appears in the dialog's dictionary."""
        return {"type": self.type, "info": copy.deepcopy(self.info)}

    def __repr__(self) -> str:
        return f"{type(self).__name__}(info={self.info!r})"


class BaseWidget(IWidget):
    """No input: the operator confirms. `run_dialog_box` returns True.

    Args:
        widget_type: Shown as this kind of widget (HardPy's parameter); `BASE` by default.
    """

    type = "base"

    def __init__(self, widget_type: WidgetType = WidgetType.BASE) -> None:
        super().__init__(widget_type)


class TextInputWidget(IWidget):
    """A text field. `run_dialog_box` returns the entered text."""

    type = "textinput"

    def __init__(self) -> None:
        super().__init__()

    def convert_data(self, input_data: str | None = None) -> Any:
        """Return the text as entered."""
        return input_data


class NumericInputWidget(IWidget):
    """A number field (dot decimal, negatives, e-notation). Returns a float, or None."""

    type = "numericinput"

    def __init__(self) -> None:
        super().__init__()

    def convert_data(self, input_data: str | None = None) -> Any:
        """Return the number as a float, or None if the text is not a number."""
        try:
            return float(input_data)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            return None


def _check_fields(kind: str, fields: list[str]) -> list[str]:
    _require(kind, "fields", fields, (list, tuple), "a list of texts")
    for field in fields:
        _require(kind, "each field", field, str, "text")
    if not fields:
        msg = f"{kind} must have at least one field"
        raise ValueError(msg)
    if len(fields) != len(set(fields)):
        msg = f"{kind} fields must be unique"
        raise ValueError(msg)
    return list(fields)


class RadiobuttonWidget(IWidget):
    """One choice among `fields`. Returns the chosen field.

    Raises:
        ValueError: If `fields` is empty or has duplicates.
    """

    type = "radiobutton"

    def __init__(self, fields: list[str]) -> None:
        super().__init__()
        self.info["fields"] = _check_fields("RadiobuttonWidget", fields)

    def convert_data(self, input_data: str | None = None) -> Any:
        """Return the chosen field."""
        return input_data


class CheckboxWidget(IWidget):
    """Any number of `fields`. Returns the list of checked fields, or None.

    Raises:
        ValueError: If `fields` is empty or has duplicates.
    """

    type = "checkbox"

    def __init__(self, fields: list[str]) -> None:
        super().__init__()
        self.info["fields"] = _check_fields("CheckboxWidget", fields)

    def convert_data(self, input_data: str | None = None) -> Any:
        """Return the checked fields from the panel's list literal, or None."""
        try:
            return literal_eval(input_data)  # type: ignore[arg-type]
        except (ValueError, SyntaxError, TypeError):
            return None


class ImageComponent:
    """An image shown in a dialog, read and base64-encoded when constructed.

    Args:
        address: Path of the image file.
        width: Width in percent of the dialog.
        border: Border width in pixels.

    Raises:
        ImageError: If the file cannot be read.
        WidgetInfoError: If `width` < 1 or `border` < 0.
    """

    def __init__(self, address: str, width: int = 100, border: int = 0) -> None:
        _require_size("ImageComponent", "width", width)
        _require_size("ImageComponent", "border", border)
        if not isinstance(address, (str, bytes, os.PathLike)):
            # an int would be taken as an open file descriptor
            raise ImageError("The image address is invalid")
        if width < 1:
            raise WidgetInfoError("Width must be positive")
        if border < 0:
            raise WidgetInfoError("Border must be non-negative")
        try:
            with open(address, "rb") as handle:
                data = handle.read()
        except (OSError, ValueError) as exc:  # ValueError: a NUL in the path
            raise ImageError("The image address is invalid") from exc
        self.address = address
        self.width = width
        self.border = border
        self.base64 = base64.b64encode(data).decode("ascii")

    def to_dict(self) -> dict[str, Any]:
        """``{address, width, base64, border}``, as HardPy writes it."""
        return {
            "address": self.address,
            "width": self.width,
            "base64": self.base64,
            "border": self.border,
        }

    def __repr__(self) -> str:
        return f"ImageComponent(address={self.address!r}, width={self.width}, border={self.border})"


class HTMLComponent:
    """HTML shown in a dialog: raw code, or a URL shown in a frame.

    Args:
        html: The HTML code, or a URL when `is_raw_html` is False.
        width: Width in percent of the dialog.
        border: Border width in pixels.
        is_raw_html: Whether `html` is code (True) or a URL (False).

    Raises:
        WidgetInfoError: If `html` is not text, `width` < 1, `border` < 0, or
            an argument has the wrong type.
    """

    def __init__(
        self, html: str, width: int = 100, border: int = 0, is_raw_html: bool = True
    ) -> None:
        _require("HTMLComponent", "html", html, str, "text (HTML code or a URL)")
        _require_size("HTMLComponent", "width", width)
        _require_size("HTMLComponent", "border", border)
        _require("HTMLComponent", "is_raw_html", is_raw_html, bool, "True or False")
        if width < 1:
            raise WidgetInfoError("Width must be positive")
        if border < 0:
            raise WidgetInfoError("Border must be non-negative")
        self.code_or_url = html
        self.width = width
        self.border = border
        self.is_raw_html = is_raw_html

    def to_dict(self) -> dict[str, Any]:
        """``{code_or_url, width, border, is_raw_html}``, as HardPy writes it."""
        return {
            "code_or_url": self.code_or_url,
            "width": self.width,
            "border": self.border,
            "is_raw_html": self.is_raw_html,
        }

    def __repr__(self) -> str:
        return f"HTMLComponent(html={self.code_or_url[:40]!r}, is_raw_html={self.is_raw_html})"


class StepWidget(IWidget):
    """One step of a `MultistepWidget`: a title with text, an image and/or HTML.

    Raises:
        WidgetInfoError: If `text`, `image` and `html` are all None, or an
            argument has the wrong type.
    """

    type = "step"

    def __init__(
        self,
        title: str,
        text: str | None,
        image: ImageComponent | None = None,
        html: HTMLComponent | None = None,
    ) -> None:
        super().__init__()
        _require("StepWidget", "title", title, str, "text")
        _require("StepWidget", "text", text, (str, type(None)), "text or None")
        _require("StepWidget", "image", image, (ImageComponent, type(None)), "an ImageComponent")
        _require("StepWidget", "html", html, (HTMLComponent, type(None)), "an HTMLComponent")
        if text is None and image is None and html is None:
            raise WidgetInfoError("Text, image or html must be provided")
        self.info["title"] = title
        if text is not None:
            self.info["text"] = text
        if image is not None:
            self.info["image"] = image.to_dict()
        if html is not None:
            self.info["html"] = html.to_dict()


class MultistepWidget(IWidget):
    """Steps the operator pages through before confirming. Returns True.

    Raises:
        ValueError: If `steps` is empty or two steps share a title.
    """

    type = "multistep"

    def __init__(self, steps: list[StepWidget]) -> None:
        super().__init__()
        _require("MultistepWidget", "steps", steps, (list, tuple), "a list of StepWidgets")
        for step in steps:
            _require("MultistepWidget", "each step", step, StepWidget, "a StepWidget")
        if not steps:
            msg = "MultistepWidget must have at least one step"
            raise ValueError(msg)
        titles = [step.info["title"] for step in steps]
        if len(titles) != len(set(titles)):
            msg = "MultistepWidget must have unique step titles"
            raise ValueError(msg)
        self.info["steps"] = [step.to_dict() for step in steps]


@dataclass
class PassFailDialog:
    """The answer of a pass/fail dialog: the operator's verdict and any widget data.

    ``bool(answer)`` is the verdict.
    """

    result: bool = False
    data: Any = None

    def __bool__(self) -> bool:
        return self.result


class DialogBox:
    """A dialog shown to the operator by `run_dialog_box`.

    Args:
        dialog_text: The question or instruction. Must not be empty.
        title_bar: The dialog's title; None shows the case name.
        widget: What the operator fills in; `BaseWidget` (just confirm) by default.
        image: An image under the text.
        html: HTML under the text.
        font_size: Text size in points, at least 1.
        pass_fail: Ask for a PASS/FAIL verdict; `run_dialog_box` then
            returns a `PassFailDialog`.
        button_text: Button labels: ``[confirm_or_pass, fail]``.

    Raises:
        ValueError: If `font_size` < 1.
        WidgetInfoError: If an argument has the wrong type (a `ValueError` too).
    """

    def __init__(
        self,
        dialog_text: str,
        title_bar: str | None = None,
        widget: IWidget | None = None,
        image: ImageComponent | None = None,
        html: HTMLComponent | None = None,
        font_size: int = 14,
        pass_fail: bool = False,
        button_text: list[str] | None = None,
    ) -> None:
        owner = "DialogBox"
        _require(owner, "dialog_text", dialog_text, str, "text")
        _require(owner, "title_bar", title_bar, (str, type(None)), "text or None")
        _require(owner, "widget", widget, (IWidget, type(None)), "a dialog widget or None")
        _require(owner, "image", image, (ImageComponent, type(None)), "an ImageComponent")
        _require(owner, "html", html, (HTMLComponent, type(None)), "an HTMLComponent")
        _require_size(owner, "font_size", font_size)
        _require(owner, "pass_fail", pass_fail, bool, "True or False")
        if button_text is not None:
            _require(owner, "button_text", button_text, (list, tuple), "a list of texts")
            for label in button_text:
                _require(owner, "each button_text label", label, str, "text")
        if font_size < 1:
            msg = "The 'font_size' argument cannot be less than 1"
            raise ValueError(msg)
        self.widget: IWidget = BaseWidget() if widget is None else widget
        self.image = image
        self.html = html
        self.dialog_text = dialog_text
        self.title_bar = title_bar
        self.visible = True
        self.id = str(uuid.uuid4())
        self.font_size = font_size
        self.pass_fail = pass_fail
        self.button_text = button_text

    def to_dict(self) -> dict[str, Any]:
        """The dialog as HardPy writes it to the case's ``dialog_box``."""
        return {
            "widget": self.widget.to_dict(),
            "image": self.image.to_dict() if self.image is not None else None,
            "html": self.html.to_dict() if self.html is not None else None,
            "dialog_text": self.dialog_text,
            "title_bar": self.title_bar,
            "visible": self.visible,
            "id": self.id,
            "font_size": self.font_size,
            "pass_fail": self.pass_fail,
            "button_text": copy.deepcopy(self.button_text),
        }

    def __repr__(self) -> str:
        return (
            f"DialogBox(dialog_text={self.dialog_text!r}, title_bar={self.title_bar!r}, "
            f"widget={self.widget!r}, pass_fail={self.pass_fail})"
        )


def answer_value(dialog: DialogBox, payload: str) -> Any:
    """Convert an operator answer in HardPy's wire format into `run_dialog_box`'s value.

    Args:
        dialog: The dialog that was answered.
        payload: ``{"result": ..., "data": ...}`` as JSON; any other text is
            taken as the widget data, as HardPy does.

    Returns:
        The widget's `convert_data` of the data, or a `PassFailDialog` for a
        pass/fail dialog.
    """
    try:
        parsed = json.loads(payload)
    except ValueError:
        parsed = None
    if isinstance(parsed, dict) and "result" in parsed:
        result, data = parsed.get("result"), parsed.get("data")
    else:
        result, data = "confirm", payload
    if dialog.pass_fail:
        converted = dialog.widget.convert_data(data) if data else True
        return PassFailDialog(result=result == "passed", data=converted)
    return dialog.widget.convert_data(data)
