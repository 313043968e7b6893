"""Every public setter of hardlab.api, fed hostile values inside a live run.

Whatever a plan passes, the call either stores the value or raises a
documented error (the `hardlab.errors` tree, or HardPy's own ValueError where
HardPy raises one), and the report stays one that serialises to strict JSON
and validates back to the same report.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import suppress
from typing import Any

from _hostile import anything, assert_report_is_sound, call, live_case, mappings, numbers, texts
from hypothesis import given
from hypothesis import strategies as st

from hardlab import api
from hardlab.model import (
    Chart,
    Instrument,
    NumericMeasurement,
    StringMeasurement,
    SubUnit,
)

TEXT_SETTERS = [
    api.set_user_name, api.set_batch_serial_number, api.set_dut_serial_number,
    api.set_dut_part_number, api.set_dut_name, api.set_dut_type, api.set_dut_revision,
    api.set_stand_name, api.set_stand_revision, api.set_stand_location, api.set_process_name,
]  # fmt: skip
MAPPING_SETTERS = [
    api.set_dut_info, api.set_stand_info, api.set_process_info, api.set_driver_info,
    api.set_run_artifact, api.set_case_artifact, api.set_module_artifact,
]  # fmt: skip


@given(st.data())
def test_text_and_number_setters(data: st.DataObject) -> None:
    with live_case() as run:
        for setter in TEXT_SETTERS:
            value = data.draw(st.one_of(texts, anything), label=setter.__name__)
            call(setter, value)
        for setter in (api.set_stand_number, api.set_process_number):
            call(setter, data.draw(st.one_of(numbers, anything), label=setter.__name__))
        assert_report_is_sound(run)


@given(st.data())
def test_mapping_setters(data: st.DataObject) -> None:
    with live_case() as run:
        for setter in MAPPING_SETTERS:
            for _ in range(2):
                call(setter, data.draw(mappings, label=setter.__name__))
        assert_report_is_sound(run)


@given(msg=anything, key=st.one_of(st.none(), texts, anything))
def test_set_message(msg: Any, key: Any) -> None:
    with live_case() as run:
        stored = call(api.set_message, msg, key)
        report = assert_report_is_sound(run)
        messages = report.modules["test_module"].cases["test_case"].msg
        assert (messages is not None and len(messages) == 1) == stored


def _maybe(builder: Callable[..., Any], **kwargs: Any) -> Any:
    """The model, or None where its constructor refuses the values (tests/properties/test_models)."""
    try:
        return builder(**kwargs)
    except ValueError:
        return None


@given(
    value=st.one_of(numbers, texts, anything),
    name=st.one_of(st.none(), texts),
    unit=st.one_of(st.none(), texts),
    operation=st.sampled_from([None, "eq", "ne", "gt", "le", "gtlt", "lege"]),
    comparison=st.one_of(st.none(), numbers, texts),
    low=st.one_of(st.none(), numbers),
    high=st.one_of(st.none(), numbers),
)
def test_set_case_measurement(
    value: Any, name: Any, unit: Any, operation: Any, comparison: Any, low: Any, high: Any
) -> None:
    numeric = _maybe(
        NumericMeasurement, value=value, name=name, unit=unit, operation=operation,
        comparison_value=comparison, lower_limit=low, upper_limit=high,
    )  # fmt: skip
    text = _maybe(
        StringMeasurement, value=value, name=name,
        operation=operation if operation in (None, "eq", "ne") else None,
        comparison_value=comparison,
    )  # fmt: skip
    with live_case() as run:
        for measurement in (numeric, text, value):
            if measurement is not None:
                call(api.set_case_measurement, measurement)
        assert_report_is_sound(run)


@given(
    title=st.one_of(st.none(), texts),
    series=st.lists(st.tuples(st.lists(numbers, max_size=5), st.one_of(st.none(), texts))),
)
def test_set_case_chart(title: Any, series: list[tuple[list[Any], Any]]) -> None:
    chart = _maybe(Chart, title=title, x_label=title)
    with live_case() as run:
        if chart is not None:
            for values, marker in series:
                with suppress(ValueError):
                    chart.add_series(values, values[::-1], marker)
            call(api.set_case_chart, chart)
        call(api.set_case_chart, series)
        assert_report_is_sound(run)


@given(fields=st.dictionaries(st.sampled_from(["name", "serial_number", "number"]), anything),
       info=mappings)  # fmt: skip
def test_sub_units_and_instruments(fields: dict[str, Any], info: Any) -> None:
    with live_case() as run:
        for model in (SubUnit, Instrument):
            built = _maybe(model, **{k: v for k, v in fields.items() if k in model.model_fields},
                           info=info)  # fmt: skip
            setter = api.set_dut_sub_unit if model is SubUnit else api.set_instrument
            call(setter, built if built is not None else fields)
        assert_report_is_sound(run)


@given(msg=st.one_of(texts, anything), title=st.one_of(st.none(), texts, anything),
       font_size=st.one_of(numbers, anything))  # fmt: skip
def test_set_operator_message_without_blocking(msg: Any, title: Any, font_size: Any) -> None:
    with live_case() as run:
        call(api.set_operator_message, msg, title, block=False, font_size=font_size)
        api.clear_operator_message()
        assert_report_is_sound(run)
