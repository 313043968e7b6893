"""The constructors a plan calls: measurements, charts, sub-units, instruments, dialogs.

Whatever they are given, they build, or raise what HardPy raises there
(pydantic's ValidationError for the report models, its ValueError for an
empty or repeated choice list or a font size below 1) or an error of the
`hardlab.errors` tree (`WidgetInfoError`, `ImageError`). Never a TypeError,
an AttributeError or a RecursionError.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pydantic
import pytest
from _hostile import NoTextError, anything, numbers, texts
from hypothesis import given
from hypothesis import strategies as st

from hardlab.errors import HardlabError
from hardlab.model import (
    BaseWidget,
    Chart,
    ChartType,
    CheckboxWidget,
    ComparisonOperation,
    DialogBox,
    HTMLComponent,
    ImageComponent,
    Instrument,
    MultistepWidget,
    NumericInputWidget,
    NumericMeasurement,
    RadiobuttonWidget,
    StepWidget,
    StringMeasurement,
    SubUnit,
    TextInputWidget,
)

HARDPYS_VALUE_ERRORS = (
    "must have at least one field",
    "fields must be unique",
    "MultistepWidget must have at least one step",
    "MultistepWidget must have unique step titles",
    "The 'font_size' argument cannot be less than 1",
    "x_data and y_data must have the same length",
    "x_data and y_data must not be empty",
)


def build(constructor: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """The object, or None if the constructor refused the arguments as documented."""
    try:
        return constructor(*args, **kwargs)
    except (HardlabError, pydantic.ValidationError):
        return None
    except NoTextError:
        # pydantic, as in HardPy, reprs what it refuses: the object's own error
        # passes through, which is the plan's to fix (setters translate it)
        return None
    except ValueError as exc:
        if type(exc) is ValueError and str(exc).endswith(HARDPYS_VALUE_ERRORS):
            return None
        raise


some = st.one_of(st.none(), numbers, texts, anything)
operations = st.one_of(st.sampled_from([None, *ComparisonOperation]), some)


@given(value=some, name=some, unit=some, operation=operations, comparison=some, low=some,
       high=some, casesensitive=some)  # fmt: skip
def test_measurements(
    value: Any, name: Any, unit: Any, operation: Any, comparison: Any, low: Any, high: Any,
    casesensitive: Any,
) -> None:  # fmt: skip
    numeric = build(
        NumericMeasurement, value=value, name=name, unit=unit, operation=operation,
        comparison_value=comparison, lower_limit=low, upper_limit=high,
    )  # fmt: skip
    if numeric is not None and numeric.operation is not None:
        assert isinstance(numeric.result, bool)
    text = build(
        StringMeasurement, value=value, name=name, operation=operation,
        comparison_value=comparison, casesensitive=casesensitive,
    )  # fmt: skip
    if text is not None and text.operation is not None:
        assert isinstance(text.result, bool)


@given(
    kind=st.one_of(st.sampled_from(list(ChartType)), some),
    labels=st.lists(some, min_size=3, max_size=3),
    series=st.lists(st.tuples(st.lists(some, max_size=4), st.lists(some, max_size=4), some),
                    max_size=3),
)  # fmt: skip
def test_charts(kind: Any, labels: list[Any], series: list[tuple[Any, Any, Any]]) -> None:
    chart = build(Chart, type=kind, title=labels[0], x_label=labels[1], y_label=labels[2])
    if chart is None:
        return
    for xs, ys, marker in series:
        build(chart.add_series, xs, ys, marker)
    build(Chart, x_data=[xs for xs, _, _ in series], y_data=[ys for _, ys, _ in series],
          marker_name=[m for _, _, m in series])  # fmt: skip


@given(fields=st.dictionaries(st.sampled_from(["name", "type", "serial_number", "number",
                                               "comment", "info", "bogus"]), some))  # fmt: skip
def test_sub_units_and_instruments(fields: dict[str, Any]) -> None:
    build(SubUnit, **fields)
    build(Instrument, **fields)


@pytest.fixture(scope="module")
def png(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("image") / "dot.png"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 16)
    return path


@given(data=st.data())
def test_dialog_parts(png: Path, data: st.DataObject) -> None:
    draw = data.draw
    image = build(ImageComponent, draw(st.one_of(st.just(str(png)), some)), draw(some), draw(some))
    html = build(HTMLComponent, draw(some), draw(some), draw(some), draw(some))
    widgets = [
        BaseWidget(), TextInputWidget(), NumericInputWidget(),
        build(RadiobuttonWidget, draw(st.one_of(st.lists(texts, max_size=3), some))),
        build(CheckboxWidget, draw(st.one_of(st.lists(texts, max_size=3), some))),
    ]  # fmt: skip
    step = build(StepWidget, draw(some), draw(some), draw(st.sampled_from([None, image, "x"])),
                 draw(st.sampled_from([None, html, 3])))  # fmt: skip
    widgets.append(build(MultistepWidget, draw(st.sampled_from([[step], [step, step], step, []]))))
    dialog = build(
        DialogBox, draw(some), draw(some), draw(st.sampled_from([*widgets, "widget"])),
        draw(st.sampled_from([image, None, 1])), draw(st.sampled_from([html, None, "<b>"])),
        draw(some), draw(some), draw(st.one_of(st.lists(texts, max_size=2), some)),
    )  # fmt: skip
    if dialog is not None:
        dialog.to_dict()
    for widget in widgets:
        if widget is not None:
            widget.convert_data(draw(st.one_of(st.none(), texts)))
