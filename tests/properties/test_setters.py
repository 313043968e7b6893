"""Every public setter of hardlab.api, fed hostile values inside a live run.

Whatever a plan passes, the call either stores the value or raises a
documented error (the `hardlab.errors` tree, or HardPy's own ValueError where
HardPy raises one), and the report stays one that serialises to strict JSON
and validates back to the same report.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from typing import Any

from _hostile import anything, mappings, numbers, texts
from hypothesis import given
from hypothesis import strategies as st

from hardlab import api
from hardlab._context import CaseRef, RunState, running
from hardlab.errors import HardlabError
from hardlab.model import (
    CaseRunStore,
    Chart,
    Group,
    Instrument,
    ModuleRunStore,
    NumericMeasurement,
    ResultRunStore,
    StringMeasurement,
    SubUnit,
    TestStatus,
)

HARDPYS_OWN = {
    "x_data and y_data must be set",  # set_case_chart of an empty chart
    "The 'msg' argument cannot be empty.",  # set_operator_message("")
    "The 'font_size' argument cannot be less than 1",
}
"""HardPy's plain ValueErrors, which hardlab keeps (hardpy-contract §1)."""


@contextmanager
def live_case() -> Iterator[RunState]:
    """A current run with its case ``test_module::test_case`` running."""
    run = RunState(name="properties")
    with run.lock:
        module = run.document.modules["test_module"] = ModuleRunStore(
            status=TestStatus.RUN, name="test_module", group=Group.MAIN,
            start_time=None, stop_time=None,
        )  # fmt: skip
        module.cases["test_case"] = CaseRunStore(
            status=TestStatus.RUN, name="test_case", group=Group.MAIN,
            start_time=None, stop_time=None, attempt=1,
        )  # fmt: skip
    with running(run):
        run.current = CaseRef("test_module", "test_case")
        yield run


def _no_constants(token: str) -> None:
    raise AssertionError(f"the report's JSON holds {token}")


def assert_report_is_sound(run: RunState) -> ResultRunStore:
    """The report serialises to strict JSON and validates back to itself."""
    report = run.snapshot()
    text = report.model_dump_json()
    json.loads(text, parse_constant=_no_constants)
    text.encode("utf-8")
    assert ResultRunStore.model_validate_json(text) == report
    return report


def call(setter: Callable[..., Any], *args: Any, **kwargs: Any) -> bool:
    """Call a setter; True if it took the value, False if it refused it as documented."""
    try:
        setter(*args, **kwargs)
    except HardlabError:
        return False
    except ValueError as exc:
        if type(exc) is ValueError and str(exc) in HARDPYS_OWN:
            return False
        raise
    return True


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
