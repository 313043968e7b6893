from __future__ import annotations

import base64
import json
import struct
import uuid
import zlib
from pathlib import Path
from typing import Any

import pytest

from hardlab.errors import HardpyError, ImageError, WidgetInfoError
from hardlab.model import (
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
    answer_value,
)


def _png_bytes() -> bytes:
    def chunk(tag: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(tag + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)  # 1x1 RGB
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


@pytest.fixture
def png(tmp_path: Path) -> Path:
    path = tmp_path / "pinout.png"
    path.write_bytes(_png_bytes())
    return path


def _payload(result: str = "confirm", data: str = "") -> str:
    return json.dumps({"result": result, "data": data})


# ------------------------------------------------------------------ widgets


@pytest.mark.parametrize(
    ("widget", "type_", "info"),
    [
        (BaseWidget(), "base", {}),
        (TextInputWidget(), "textinput", {}),
        (NumericInputWidget(), "numericinput", {}),
        (RadiobuttonWidget(["a", "b"]), "radiobutton", {"fields": ["a", "b"]}),
        (CheckboxWidget(["x", "y", "z"]), "checkbox", {"fields": ["x", "y", "z"]}),
        (
            StepWidget("Step 1", "Plug the cable"),
            "step",
            {"title": "Step 1", "text": "Plug the cable"},
        ),
    ],
    ids=["base", "textinput", "numericinput", "radiobutton", "checkbox", "step"],
)
def test_widget_type_and_info(widget: Any, type_: str, info: dict[str, Any]) -> None:
    assert widget.type == type_
    assert widget.info == info
    assert widget.to_dict() == {"type": type_, "info": info}


def test_base_widget_convert_data_is_true() -> None:
    widget = BaseWidget()
    assert widget.convert_data("") is True
    assert widget.convert_data("anything") is True


def test_text_input_convert_data_returns_text() -> None:
    widget = TextInputWidget()
    assert widget.convert_data("Привет, world") == "Привет, world"
    assert widget.convert_data("12") == "12"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("3.5", 3.5),
        ("-2", -2.0),
        ("1e-3", 0.001),
        ("  7 ", 7.0),
        ("0", 0.0),
    ],
)
def test_numeric_input_convert_data_returns_float(text: str, expected: float) -> None:
    value = NumericInputWidget().convert_data(text)
    assert isinstance(value, float)
    assert value == expected


@pytest.mark.parametrize("text", ["abc", "", "1,5", "3.3V"])
def test_numeric_input_convert_data_returns_none_for_garbage(text: str) -> None:
    assert NumericInputWidget().convert_data(text) is None


def test_radiobutton_convert_data_returns_field() -> None:
    assert RadiobuttonWidget(["red", "green"]).convert_data("green") == "green"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('["a", "b"]', ["a", "b"]),
        ('["a"]', ["a"]),
        ("[]", []),
    ],
)
def test_checkbox_convert_data_parses_list_literal(text: str, expected: list[str]) -> None:
    assert CheckboxWidget(["a", "b"]).convert_data(text) == expected


@pytest.mark.parametrize("text", ["not a list", "[1,", "", "a, b", "__import__('os')"])
def test_checkbox_convert_data_returns_none_for_garbage(text: str) -> None:
    assert CheckboxWidget(["a", "b"]).convert_data(text) is None


@pytest.mark.parametrize("cls", [RadiobuttonWidget, CheckboxWidget])
def test_choice_widgets_reject_empty_fields(cls: type[Any]) -> None:
    with pytest.raises(ValueError):
        cls([])


@pytest.mark.parametrize("cls", [RadiobuttonWidget, CheckboxWidget])
def test_choice_widgets_reject_duplicate_fields(cls: type[Any]) -> None:
    with pytest.raises(ValueError):
        cls(["a", "b", "a"])


def test_choice_widget_copies_fields() -> None:
    fields = ["a", "b"]
    widget = CheckboxWidget(fields)
    fields.append("c")
    assert widget.info == {"fields": ["a", "b"]}


# ------------------------------------------------------------------- steps


def test_step_widget_requires_content() -> None:
    with pytest.raises(WidgetInfoError):
        StepWidget("Step 1", None)
    with pytest.raises(WidgetInfoError):
        StepWidget("Step 1", None, image=None, html=None)


def test_widget_info_error_is_a_hardpy_error() -> None:
    with pytest.raises(HardpyError, match=r"^HardPy error: "):
        StepWidget("Step 1", None)


def test_step_widget_with_image_and_html(png: Path) -> None:
    image = ImageComponent(str(png), width=50)
    html = HTMLComponent("<b>hi</b>")
    step = StepWidget("Wiring", None, image=image, html=html)
    assert step.type == "step"
    assert step.info == {"title": "Wiring", "image": image.to_dict(), "html": html.to_dict()}
    assert step.convert_data("") is True


def test_step_widget_with_only_html() -> None:
    html = HTMLComponent("https://example.com", is_raw_html=False)
    step = StepWidget("Docs", None, html=html)
    assert step.info == {"title": "Docs", "html": html.to_dict()}


def test_multistep_widget_info_shape(png: Path) -> None:
    image = ImageComponent(str(png))
    steps = [StepWidget("One", "first"), StepWidget("Two", "second", image=image)]
    widget = MultistepWidget(steps)
    assert widget.type == "multistep"
    assert widget.info == {
        "steps": [
            {"type": "step", "info": {"title": "One", "text": "first"}},
            {"type": "step", "info": {"title": "Two", "text": "second", "image": image.to_dict()}},
        ]
    }
    assert widget.convert_data("whatever") is True


def test_multistep_widget_rejects_empty_steps() -> None:
    with pytest.raises(ValueError):
        MultistepWidget([])


def test_multistep_widget_rejects_duplicate_titles() -> None:
    with pytest.raises(ValueError):
        MultistepWidget(
            [StepWidget("Same", "a"), StepWidget("Other", "b"), StepWidget("Same", "c")]
        )


# ---------------------------------------------------------------- image, html


def test_image_component_reads_and_encodes_file(png: Path) -> None:
    image = ImageComponent(str(png), width=40, border=2)
    assert base64.b64decode(image.base64) == png.read_bytes()
    assert image.to_dict() == {
        "address": str(png),
        "width": 40,
        "base64": image.base64,
        "border": 2,
    }


def test_image_component_defaults(png: Path) -> None:
    data = ImageComponent(str(png)).to_dict()
    assert data["width"] == 100
    assert data["border"] == 0
    assert set(data) == {"address", "width", "base64", "border"}


def test_image_is_read_at_construction(png: Path) -> None:
    original = png.read_bytes()
    image = ImageComponent(str(png))
    png.write_bytes(b"changed")
    assert base64.b64decode(image.base64) == original


def test_image_component_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ImageError, match="The image address is invalid"):
        ImageComponent(str(tmp_path / "missing.png"))


def test_image_component_directory_is_invalid(tmp_path: Path) -> None:
    with pytest.raises(ImageError, match="The image address is invalid"):
        ImageComponent(str(tmp_path))


@pytest.mark.parametrize(("width", "border"), [(0, 0), (-5, 0), (10, -1)])
def test_image_component_bad_width_or_border(png: Path, width: int, border: int) -> None:
    with pytest.raises(WidgetInfoError):
        ImageComponent(str(png), width=width, border=border)


def test_image_component_minimal_valid_sizes(png: Path) -> None:
    data = ImageComponent(str(png), width=1, border=0).to_dict()
    assert (data["width"], data["border"]) == (1, 0)


def test_html_component_to_dict() -> None:
    assert HTMLComponent("<p>x</p>").to_dict() == {
        "code_or_url": "<p>x</p>",
        "width": 100,
        "border": 0,
        "is_raw_html": True,
    }
    assert HTMLComponent(
        "https://example.com", width=60, border=1, is_raw_html=False
    ).to_dict() == {
        "code_or_url": "https://example.com",
        "width": 60,
        "border": 1,
        "is_raw_html": False,
    }


@pytest.mark.parametrize(("width", "border"), [(0, 0), (-1, 0), (50, -3)])
def test_html_component_bad_width_or_border(width: int, border: int) -> None:
    with pytest.raises(WidgetInfoError):
        HTMLComponent("<p/>", width=width, border=border)


# ------------------------------------------------------------------- dialog


def test_dialog_box_defaults() -> None:
    dialog = DialogBox("Press the button")
    assert isinstance(dialog.widget, BaseWidget)
    data = dialog.to_dict()
    assert data["widget"] == {"type": "base", "info": {}}
    assert data["image"] is None
    assert data["html"] is None
    assert data["dialog_text"] == "Press the button"
    assert data["title_bar"] is None
    assert data["visible"] is True
    assert data["font_size"] == 14
    assert data["pass_fail"] is False
    assert data["button_text"] is None
    assert uuid.UUID(data["id"]).version == 4


def test_dialog_box_to_dict_keys_exact(png: Path) -> None:
    image = ImageComponent(str(png))
    html = HTMLComponent("<i>x</i>")
    widget = RadiobuttonWidget(["A", "B"])
    dialog = DialogBox(
        dialog_text="Choose",
        title_bar="Select",
        widget=widget,
        image=image,
        html=html,
        font_size=20,
        pass_fail=True,
        button_text=["Good", "Bad"],
    )
    data = dialog.to_dict()
    assert set(data) == {
        "widget",
        "image",
        "html",
        "dialog_text",
        "title_bar",
        "visible",
        "id",
        "font_size",
        "pass_fail",
        "button_text",
    }
    assert data["widget"] == {"type": "radiobutton", "info": {"fields": ["A", "B"]}}
    assert data["image"] == image.to_dict()
    assert data["html"] == html.to_dict()
    assert data["title_bar"] == "Select"
    assert data["font_size"] == 20
    assert data["pass_fail"] is True
    assert data["button_text"] == ["Good", "Bad"]
    json.dumps(data)  # it must be JSON-serialisable as stored


def test_dialog_box_to_dict_is_a_deep_copy() -> None:
    buttons = ["Yes", "No"]
    dialog = DialogBox("Q", widget=CheckboxWidget(["a"]), button_text=buttons)
    data = dialog.to_dict()
    data["widget"]["info"]["fields"].append("b")
    data["button_text"].append("Maybe")
    again = dialog.to_dict()
    assert again["widget"]["info"]["fields"] == ["a"]
    assert again["button_text"] == ["Yes", "No"]


def test_dialog_box_ids_are_unique() -> None:
    assert DialogBox("a").to_dict()["id"] != DialogBox("a").to_dict()["id"]


def test_dialog_box_id_is_stable_per_instance() -> None:
    dialog = DialogBox("a")
    assert dialog.to_dict()["id"] == dialog.to_dict()["id"]


@pytest.mark.parametrize("size", [0, -1])
def test_dialog_box_font_size_must_be_positive(size: int) -> None:
    with pytest.raises(ValueError):
        DialogBox("text", font_size=size)


def test_dialog_box_font_size_one_is_allowed() -> None:
    assert DialogBox("text", font_size=1).to_dict()["font_size"] == 1


# ------------------------------------------------------------- answer_value


@pytest.mark.parametrize(
    ("widget", "data", "expected"),
    [
        (BaseWidget(), "", True),
        (TextInputWidget(), "hello world", "hello world"),
        (NumericInputWidget(), "3.25", 3.25),
        (NumericInputWidget(), "-1e2", -100.0),
        (NumericInputWidget(), "twelve", None),
        (RadiobuttonWidget(["A", "B"]), "B", "B"),
        (CheckboxWidget(["A", "B", "C"]), '["A", "C"]', ["A", "C"]),
        (CheckboxWidget(["A", "B"]), "garbage", None),
        (StepWidget("s", "t"), "", True),
        (MultistepWidget([StepWidget("s1", "t"), StepWidget("s2", "t")]), "", True),
    ],
    ids=[
        "base",
        "text",
        "numeric",
        "numeric_exp",
        "numeric_garbage",
        "radio",
        "checkbox",
        "checkbox_garbage",
        "step",
        "multistep",
    ],
)
def test_answer_value_per_widget(widget: Any, data: str, expected: Any) -> None:
    dialog = DialogBox("Q", widget=widget)
    assert answer_value(dialog, _payload("confirm", data)) == expected


def test_answer_value_numeric_is_float() -> None:
    value = answer_value(DialogBox("Q", widget=NumericInputWidget()), _payload("confirm", "5"))
    assert isinstance(value, float)
    assert value == 5.0


def test_answer_value_checkbox_data_encoded_as_json_list() -> None:
    dialog = DialogBox("Q", widget=CheckboxWidget(["one", "two"]))
    payload = json.dumps({"result": "confirm", "data": json.dumps(["one", "two"])})
    assert answer_value(dialog, payload) == ["one", "two"]


@pytest.mark.parametrize(
    ("result", "expected"),
    [("passed", True), ("failed", False), ("confirm", False)],
)
def test_answer_value_pass_fail_without_data(result: str, expected: bool) -> None:
    dialog = DialogBox("Is the LED on?", pass_fail=True)
    answer = answer_value(dialog, _payload(result, ""))
    assert isinstance(answer, PassFailDialog)
    assert answer.result is expected
    assert answer.data is True
    assert bool(answer) is expected


@pytest.mark.parametrize(
    ("widget", "data", "expected_data"),
    [
        (TextInputWidget(), "note", "note"),
        (NumericInputWidget(), "4.5", 4.5),
        (NumericInputWidget(), "oops", None),
        (RadiobuttonWidget(["x", "y"]), "x", "x"),
        (CheckboxWidget(["x", "y"]), '["y"]', ["y"]),
        (BaseWidget(), "ignored", True),
    ],
    ids=["text", "numeric", "numeric_garbage", "radio", "checkbox", "base"],
)
def test_answer_value_pass_fail_with_widget_data(
    widget: Any, data: str, expected_data: Any
) -> None:
    dialog = DialogBox("Q", widget=widget, pass_fail=True)
    passed = answer_value(dialog, _payload("passed", data))
    assert passed == PassFailDialog(result=True, data=expected_data)
    failed = answer_value(dialog, _payload("failed", data))
    assert failed == PassFailDialog(result=False, data=expected_data)
    assert not failed


def test_answer_value_non_json_payload_is_the_data() -> None:
    assert answer_value(DialogBox("Q", widget=TextInputWidget()), "plain text") == "plain text"
    assert answer_value(DialogBox("Q", widget=NumericInputWidget()), "2.5") == 2.5
    assert answer_value(DialogBox("Q", widget=NumericInputWidget()), "nope") is None
    assert answer_value(DialogBox("Q", widget=CheckboxWidget(["a", "b"])), '["a", "b"]') == [
        "a",
        "b",
    ]
    assert answer_value(DialogBox("Q", widget=RadiobuttonWidget(["a", "b"])), "b") == "b"
    assert answer_value(DialogBox("Q"), "{not json") is True


def test_answer_value_non_json_payload_in_pass_fail_dialog() -> None:
    dialog = DialogBox("Q", widget=TextInputWidget(), pass_fail=True)
    answer = answer_value(dialog, "raw answer")
    assert isinstance(answer, PassFailDialog)
    assert answer.result is False
    assert answer.data == "raw answer"


# -------------------------------------------------------------- PassFailDialog


def test_pass_fail_dialog_defaults_and_bool() -> None:
    empty = PassFailDialog()
    assert empty.result is False
    assert empty.data is None
    assert not empty
    assert PassFailDialog(result=True)
    assert PassFailDialog(True, None)
    assert not PassFailDialog(result=False, data="some data")
    assert PassFailDialog(result=True, data=0)


def test_pass_fail_dialog_equality() -> None:
    assert PassFailDialog(True, "x") == PassFailDialog(result=True, data="x")
    assert PassFailDialog(True, "x") != PassFailDialog(False, "x")


# ---------------------------------------------------------------- wrong types


@pytest.mark.parametrize(
    "build",
    [
        lambda: DialogBox(None),  # type: ignore[arg-type]
        lambda: DialogBox(["Confirm"]),  # type: ignore[arg-type]
        lambda: DialogBox("Confirm", title_bar=3),  # type: ignore[arg-type]
        lambda: DialogBox("Confirm", widget="textinput"),  # type: ignore[arg-type]
        lambda: DialogBox("Confirm", image="board.png"),  # type: ignore[arg-type]
        lambda: DialogBox("Confirm", html="<b>x</b>"),  # type: ignore[arg-type]
        lambda: DialogBox("Confirm", font_size="14"),  # type: ignore[arg-type]
        lambda: DialogBox("Confirm", font_size=None),  # type: ignore[arg-type]
        lambda: DialogBox("Confirm", font_size=float("nan")),
        lambda: DialogBox("Confirm", pass_fail="yes"),  # type: ignore[arg-type]
        lambda: DialogBox("Confirm", button_text="Pass"),  # type: ignore[arg-type]
        lambda: DialogBox("Confirm", button_text=["Pass", 1]),  # type: ignore[list-item]
        lambda: HTMLComponent(None),  # type: ignore[arg-type]
        lambda: HTMLComponent(b"<b>x</b>"),  # type: ignore[arg-type]
        lambda: HTMLComponent("<b>x</b>", width="100"),  # type: ignore[arg-type]
        lambda: HTMLComponent("<b>x</b>", border=None),  # type: ignore[arg-type]
        lambda: HTMLComponent("<b>x</b>", is_raw_html="no"),  # type: ignore[arg-type]
        lambda: RadiobuttonWidget("ab"),  # type: ignore[arg-type]
        lambda: RadiobuttonWidget([["a"], ["b"]]),  # type: ignore[list-item]
        lambda: CheckboxWidget([1, 2]),  # type: ignore[list-item]
        lambda: StepWidget(None, "text"),  # type: ignore[arg-type]
        lambda: StepWidget("Step", 3),  # type: ignore[arg-type]
        lambda: MultistepWidget("steps"),  # type: ignore[arg-type]
        lambda: MultistepWidget([StepWidget("a", "x"), "b"]),  # type: ignore[list-item]
    ],
)
def test_wrong_types_raise_hardpys_widget_info_error(build: Any) -> None:
    with pytest.raises(WidgetInfoError):
        build()


@pytest.mark.parametrize("address", [None, 3, "bad\x00path", b"\xff"])
def test_an_image_address_that_is_no_path_is_an_image_error(address: Any) -> None:
    with pytest.raises(ImageError):
        ImageComponent(address)
