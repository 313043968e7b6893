"""The HardPy-compatible setter API (hardlab.api): effects on the live report, errors, events."""

from __future__ import annotations

import contextvars
import json
import math
import threading
import uuid
import warnings
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

import hardlab
import hardlab.runtime._state as context_module
from hardlab import api
from hardlab.api import (
    ErrorCode,
    clear_operator_message,
    get_current_attempt,
    get_current_report,
    get_hardpy_config,
    run_dialog_box,
    set_batch_serial_number,
    set_case_artifact,
    set_case_chart,
    set_case_measurement,
    set_driver_info,
    set_dut_info,
    set_dut_name,
    set_dut_part_number,
    set_dut_revision,
    set_dut_serial_number,
    set_dut_sub_unit,
    set_dut_type,
    set_instrument,
    set_message,
    set_module_artifact,
    set_operator_message,
    set_process_info,
    set_process_name,
    set_process_number,
    set_run_artifact,
    set_stand_info,
    set_stand_location,
    set_stand_name,
    set_stand_number,
    set_stand_revision,
    set_user_name,
)
from hardlab.config import HardpyConfig
from hardlab.errors import (
    DuplicateParameterError,
    HardlabWarning,
    HardpyError,
    InvalidValueError,
    NoAnswerError,
    NoOperatorError,
    NotInRunError,
    TestStandNumberError,
)
from hardlab.events import (
    AlertRaised,
    CaseUpdated,
    DialogClosed,
    DialogOpened,
    Event,
    OperatorMessageChanged,
    ReportUpdated,
)
from hardlab.model import (
    BaseWidget,
    Chart,
    ChartRecord,
    ChartType,
    CheckboxWidget,
    ComparisonOperation,
    DialogBox,
    HTMLComponent,
    Instrument,
    NumericInputWidget,
    NumericMeasurement,
    NumericMeasurementRecord,
    PassFailDialog,
    RadiobuttonWidget,
    ResultRunStore,
    StringMeasurement,
    StringMeasurementRecord,
    SubUnit,
    TextInputWidget,
)
from hardlab.operators import Answer, DialogRequest, MessageRequest, ScriptedOperator
from hardlab.runtime import CaseRef, RunState, activate, deactivate, running

# ---------------------------------------------------------------------- helpers


class Recorder:
    """A run listener that keeps every event."""

    def __init__(self) -> None:
        self.events: list[Event] = []

    def handle(self, event: Event) -> None:
        self.events.append(event)

    def of(self, kind: type[Event]) -> list[Any]:
        return [event for event in self.events if isinstance(event, kind)]


class Broken:
    """A run listener that fails on every event."""

    def __init__(self) -> None:
        self.calls = 0

    def handle(self, event: Event) -> None:
        self.calls += 1
        raise RuntimeError("listener exploded")

    def __repr__(self) -> str:
        return "Broken()"


@pytest.fixture
def recorder(live_run: RunState) -> Recorder:
    rec = Recorder()
    live_run.listeners.append(rec)
    return rec


def case_of(run: RunState) -> Any:
    return run.case("test_module", "test_case")


def chart_with_data() -> Chart:
    chart = Chart(title="response", x_label="Hz", y_label="dB")
    chart.add_series([1, 2, 3], [4.0, 5.0, 6.0], "gain")
    return chart


def ask(run: RunState, dialog: DialogBox, answers: Any) -> Any:
    run.operator = ScriptedOperator(answers)
    return run_dialog_box(dialog)


# ---------------------------------------------------------------------- exports


EXPECTED_ALL = {
    "ErrorCode",
    "clear_operator_message",
    "get_current_attempt",
    "get_current_report",
    "get_hardpy_config",
    "run_dialog_box",
    "set_batch_serial_number",
    "set_case_artifact",
    "set_case_chart",
    "set_case_measurement",
    "set_driver_info",
    "set_dut_info",
    "set_dut_name",
    "set_dut_part_number",
    "set_dut_revision",
    "set_dut_serial_number",
    "set_dut_sub_unit",
    "set_dut_type",
    "set_instrument",
    "set_message",
    "set_module_artifact",
    "set_operator_message",
    "set_process_info",
    "set_process_name",
    "set_process_number",
    "set_run_artifact",
    "set_stand_info",
    "set_stand_location",
    "set_stand_name",
    "set_stand_number",
    "set_stand_revision",
    "set_user_name",
}


def test_all_has_hardpys_functions_and_error_code() -> None:
    assert set(api.__all__) == EXPECTED_ALL
    assert len(api.__all__) == len(EXPECTED_ALL)


@pytest.mark.parametrize("name", sorted(EXPECTED_ALL))
def test_api_names_are_reexported_at_top_level(name: str) -> None:
    assert getattr(hardlab, name) is getattr(api, name)


# ---------------------------------------------------------------------- write-once text fields

# (function, HardPy's parameter name, where the value lands)
ONCE_SETTERS: list[tuple[Callable[[Any], None], str, Callable[[ResultRunStore], Any]]] = [
    (set_user_name, "user_name", lambda doc: doc.user),
    (set_batch_serial_number, "batch_serial_number", lambda doc: doc.batch_serial_number),
    (set_dut_serial_number, "dut_serial_number", lambda doc: doc.dut.serial_number),
    (set_dut_part_number, "dut_part_number", lambda doc: doc.dut.part_number),
    (set_dut_name, "dut_name", lambda doc: doc.dut.name),
    (set_dut_type, "dut_type", lambda doc: doc.dut.type),
    (set_dut_revision, "dut_revision", lambda doc: doc.dut.revision),
    (set_stand_name, "stand_name", lambda doc: doc.test_stand.name),
    (set_stand_revision, "stand_revision", lambda doc: doc.test_stand.revision),
    (set_stand_location, "stand_location", lambda doc: doc.test_stand.location),
    (set_process_name, "process_name", lambda doc: doc.process.name),
]
ONCE_IDS = [entry[1] for entry in ONCE_SETTERS]

# setter -> the ReportUpdated field it announces
REPORT_FIELD = {
    "user_name": "user",
    "batch_serial_number": "batch_serial_number",
    "dut_serial_number": "dut",
    "dut_part_number": "dut",
    "dut_name": "dut",
    "dut_type": "dut",
    "dut_revision": "dut",
    "stand_name": "test_stand",
    "stand_revision": "test_stand",
    "stand_location": "test_stand",
    "stand_number": "test_stand",
    "process_name": "process",
    "process_number": "process",
}


@pytest.mark.parametrize(("setter", "param", "read"), ONCE_SETTERS, ids=ONCE_IDS)
def test_text_setter_writes_the_field_and_returns_none(
    live_run: RunState, setter: Callable[[Any], None], param: str, read: Callable[..., Any]
) -> None:
    assert read(live_run.document) is None
    assert setter("VALUE-1") is None
    assert read(live_run.document) == "VALUE-1"


@pytest.mark.parametrize(("setter", "param", "read"), ONCE_SETTERS, ids=ONCE_IDS)
def test_text_setter_twice_raises_duplicate_with_hardpy_name(
    live_run: RunState, setter: Callable[[Any], None], param: str, read: Callable[..., Any]
) -> None:
    setter("first")
    with pytest.raises(DuplicateParameterError) as info:
        setter("second")
    assert info.value.param_name == param
    assert str(info.value) == f"HardPy error: Parameter {param} is already defined"
    assert isinstance(info.value, HardpyError)
    assert read(live_run.document) == "first"


@pytest.mark.parametrize(("setter", "param", "read"), ONCE_SETTERS, ids=ONCE_IDS)
def test_text_setter_same_value_twice_is_still_a_duplicate(
    live_run: RunState, setter: Callable[[Any], None], param: str, read: Callable[..., Any]
) -> None:
    setter("same")
    with pytest.raises(DuplicateParameterError, match=param):
        setter("same")


@pytest.mark.parametrize(("setter", "param", "read"), ONCE_SETTERS, ids=ONCE_IDS)
def test_text_setter_empty_string_counts_as_unset(
    live_run: RunState, setter: Callable[[Any], None], param: str, read: Callable[..., Any]
) -> None:
    setter("")
    assert read(live_run.document) == ""
    setter("x")
    assert read(live_run.document) == "x"


@pytest.mark.parametrize(("setter", "param", "read"), ONCE_SETTERS, ids=ONCE_IDS)
def test_text_setter_stores_numbers_as_text(
    live_run: RunState, setter: Callable[[Any], None], param: str, read: Callable[..., Any]
) -> None:
    setter(123)
    assert read(live_run.document) == "123"


@pytest.mark.parametrize(("setter", "param", "read"), ONCE_SETTERS, ids=ONCE_IDS)
def test_text_setter_emits_report_updated(
    live_run: RunState,
    recorder: Recorder,
    setter: Callable[[Any], None],
    param: str,
    read: Callable[..., Any],
) -> None:
    setter("v")
    updates = recorder.of(ReportUpdated)
    assert [event.field for event in updates] == [REPORT_FIELD[param]]
    assert updates[0].run is live_run.view


@pytest.mark.parametrize(("setter", "param", "read"), ONCE_SETTERS, ids=ONCE_IDS)
def test_failed_duplicate_emits_nothing(
    live_run: RunState,
    recorder: Recorder,
    setter: Callable[[Any], None],
    param: str,
    read: Callable[..., Any],
) -> None:
    setter("v")
    recorder.events.clear()
    with pytest.raises(DuplicateParameterError):
        setter("w")
    assert recorder.events == []


def test_dut_name_empty_then_value_does_not_raise(live_run: RunState) -> None:
    set_dut_name("")
    set_dut_name("x")
    assert live_run.document.dut.name == "x"
    with pytest.raises(DuplicateParameterError, match="dut_name"):
        set_dut_name("y")


def test_set_dut_part_number_number_becomes_text(live_run: RunState) -> None:
    set_dut_part_number(123)
    assert live_run.document.dut.part_number == "123"


def test_set_dut_part_number_float_becomes_text(live_run: RunState) -> None:
    set_dut_part_number(1.5)
    assert live_run.document.dut.part_number == "1.5"


@pytest.mark.parametrize("bad", [object(), [1, 2], {"a": 1}, b"raw", True])
def test_set_dut_part_number_refuses_non_text(live_run: RunState, bad: object) -> None:
    with pytest.raises(InvalidValueError) as info:
        set_dut_part_number(bad)  # type: ignore[arg-type]
    assert isinstance(info.value, ValueError)
    assert "set_dut_part_number" in str(info.value)
    assert live_run.document.dut.part_number is None


@pytest.mark.parametrize(("setter", "param", "read"), ONCE_SETTERS[:2], ids=ONCE_IDS[:2])
def test_text_setter_refuses_objects(
    live_run: RunState, setter: Callable[[Any], None], param: str, read: Callable[..., Any]
) -> None:
    with pytest.raises(InvalidValueError):
        setter(object())
    assert read(live_run.document) is None


def test_set_dut_serial_number_none_stores_text_none(live_run: RunState) -> None:
    set_dut_serial_number(None)  # type: ignore[arg-type]
    assert live_run.document.dut.serial_number == "None"
    # "None" is truthy text, so a second call is a duplicate
    with pytest.raises(DuplicateParameterError, match="dut_serial_number"):
        set_dut_serial_number("SN-1")


def test_set_dut_serial_number_stores_str_of_anything(live_run: RunState) -> None:
    set_dut_serial_number(42)  # type: ignore[arg-type]
    assert live_run.document.dut.serial_number == "42"


# ---------------------------------------------------------------------- stand / process numbers


def test_set_stand_number_writes_int(live_run: RunState, recorder: Recorder) -> None:
    assert set_stand_number(7) is None
    assert live_run.document.test_stand.number == 7
    assert [event.field for event in recorder.of(ReportUpdated)] == ["test_stand"]


def test_set_stand_number_zero_then_one_does_not_raise(live_run: RunState) -> None:
    set_stand_number(0)
    assert live_run.document.test_stand.number == 0
    set_stand_number(1)
    assert live_run.document.test_stand.number == 1


def test_set_stand_number_twice_raises_duplicate(live_run: RunState) -> None:
    set_stand_number(3)
    with pytest.raises(DuplicateParameterError) as info:
        set_stand_number(4)
    assert str(info.value) == "HardPy error: Parameter stand_number is already defined"
    assert info.value.param_name == "stand_number"
    assert live_run.document.test_stand.number == 3


@pytest.mark.parametrize("bad", [-1, "3", 1.0, 2.5, None])
def test_set_stand_number_bad_value(live_run: RunState, bad: object) -> None:
    with pytest.raises(TestStandNumberError) as info:
        set_stand_number(bad)  # type: ignore[arg-type]
    assert str(info.value) == "HardPy error: The test stand number is in the incorrect format."
    assert live_run.document.test_stand.number is None


def test_set_stand_number_format_checked_before_duplicate(live_run: RunState) -> None:
    set_stand_number(3)
    with pytest.raises(TestStandNumberError):
        set_stand_number(-1)
    with pytest.raises(TestStandNumberError):
        set_stand_number("4")  # type: ignore[arg-type]
    assert live_run.document.test_stand.number == 3


def test_set_process_number(live_run: RunState, recorder: Recorder) -> None:
    assert set_process_number(12) is None
    assert live_run.document.process.number == 12
    assert [event.field for event in recorder.of(ReportUpdated)] == ["process"]
    with pytest.raises(DuplicateParameterError) as info:
        set_process_number(13)
    assert str(info.value) == "HardPy error: Parameter process_number is already defined"
    assert live_run.document.process.number == 12


def test_set_process_number_zero_counts_as_unset(live_run: RunState) -> None:
    set_process_number(0)
    set_process_number(5)
    assert live_run.document.process.number == 5


@pytest.mark.parametrize("bad", ["1", 1.5, None, object()])
def test_set_process_number_refuses_non_int(live_run: RunState, bad: object) -> None:
    with pytest.raises(InvalidValueError, match="set_process_number"):
        set_process_number(bad)  # type: ignore[arg-type]
    assert live_run.document.process.number is None


# ---------------------------------------------------------------------- info mappings

INFO_SETTERS: list[tuple[Callable[[Any], None], Callable[[ResultRunStore], Any], str]] = [
    (set_dut_info, lambda doc: doc.dut.info, "dut"),
    (set_stand_info, lambda doc: doc.test_stand.info, "test_stand"),
    (set_process_info, lambda doc: doc.process.info, "process"),
]
INFO_IDS = ["dut_info", "stand_info", "process_info"]


@pytest.mark.parametrize(("setter", "read", "field"), INFO_SETTERS, ids=INFO_IDS)
def test_info_setter_merges_per_key(
    live_run: RunState,
    recorder: Recorder,
    setter: Callable[[Any], None],
    read: Callable[..., Any],
    field: str,
) -> None:
    assert setter({"a": 1, "b": "x"}) is None
    assert dict(read(live_run.document)) == {"a": 1, "b": "x"}
    setter({"b": "y", "c": None, "d": 2.5})
    assert dict(read(live_run.document)) == {"a": 1, "b": "y", "c": None, "d": 2.5}
    assert [event.field for event in recorder.of(ReportUpdated)] == [field, field]


@pytest.mark.parametrize(("setter", "read", "field"), INFO_SETTERS, ids=INFO_IDS)
def test_info_setter_refuses_dotted_key(
    live_run: RunState, setter: Callable[[Any], None], read: Callable[..., Any], field: str
) -> None:
    setter({"keep": 1})
    with pytest.raises(InvalidValueError, match=r"'\.'"):
        setter({"ok": 2, "a.b": 1})
    # nothing of the refused call is written
    assert dict(read(live_run.document)) == {"keep": 1}


@pytest.mark.parametrize(("setter", "read", "field"), INFO_SETTERS, ids=INFO_IDS)
@pytest.mark.parametrize("bad", [[1, 2], {"nested": 1}, (1, 2)])
def test_info_setter_refuses_non_scalar_value(
    live_run: RunState,
    setter: Callable[[Any], None],
    read: Callable[..., Any],
    field: str,
    bad: object,
) -> None:
    with pytest.raises(InvalidValueError):
        setter({"k": bad})
    assert dict(read(live_run.document)) == {}


@pytest.mark.parametrize(("setter", "read", "field"), INFO_SETTERS, ids=INFO_IDS)
@pytest.mark.parametrize("bad", ["text", ["a", "b"], 5])
def test_info_setter_refuses_non_mapping(
    live_run: RunState,
    setter: Callable[[Any], None],
    read: Callable[..., Any],
    field: str,
    bad: object,
) -> None:
    with pytest.raises(InvalidValueError):
        setter(bad)
    assert dict(read(live_run.document)) == {}


def test_info_value_not_json_serialisable_is_stored_as_json_text(live_run: RunState) -> None:
    when = datetime(2024, 1, 2, 3, 4, 5)
    set_dut_info({"made": when})
    assert live_run.document.dut.info["made"] == json.dumps(when, default=str)


# ---------------------------------------------------------------------- sub-units, instruments


def test_set_dut_sub_unit_appends_and_returns_index(live_run: RunState, recorder: Recorder) -> None:
    first = SubUnit(name="PSU board", serial_number="S1", info={"rev": 2})
    second = SubUnit(name="CPU board")
    assert set_dut_sub_unit(first) == 0
    assert set_dut_sub_unit(second) == 1
    units = live_run.document.dut.sub_units
    assert units == [first, second]
    assert units[0].model_dump(exclude_none=True) == {
        "name": "PSU board",
        "serial_number": "S1",
        "info": {"rev": 2},
    }
    assert [event.field for event in recorder.of(ReportUpdated)] == ["dut", "dut"]


def test_set_dut_sub_unit_stores_a_copy(live_run: RunState) -> None:
    unit = SubUnit(name="before")
    set_dut_sub_unit(unit)
    unit.name = "after"
    assert live_run.document.dut.sub_units[0].name == "before"
    assert live_run.document.dut.sub_units[0] is not unit


def test_set_dut_sub_unit_refuses_non_sub_unit(live_run: RunState) -> None:
    with pytest.raises(InvalidValueError):
        set_dut_sub_unit({"name": "board"})  # type: ignore[arg-type]
    assert live_run.document.dut.sub_units == []


def test_set_instrument_appends_and_returns_index(live_run: RunState, recorder: Recorder) -> None:
    psu = Instrument(name="PSU", number=1, serial_number="P-1", info={"channels": 2})
    scope = Instrument(name="Scope", comment="borrowed")
    assert set_instrument(psu) == 0
    assert set_instrument(scope) == 1
    assert live_run.document.test_stand.instruments == [psu, scope]
    assert live_run.document.test_stand.instruments[1].model_dump(exclude_none=True) == {
        "name": "Scope",
        "comment": "borrowed",
        "info": {},
    }
    assert [event.field for event in recorder.of(ReportUpdated)] == ["test_stand", "test_stand"]


def test_set_instrument_stores_a_copy(live_run: RunState) -> None:
    psu = Instrument(name="PSU")
    set_instrument(psu)
    psu.name = "changed"
    assert live_run.document.test_stand.instruments[0].name == "PSU"


def test_set_instrument_refuses_non_instrument(live_run: RunState) -> None:
    with pytest.raises(InvalidValueError):
        set_instrument(SubUnit(name="not an instrument"))  # type: ignore[arg-type]
    assert live_run.document.test_stand.instruments == []


def test_set_driver_info_merges(live_run: RunState, recorder: Recorder) -> None:
    assert set_driver_info({"psu": {"port": "COM1"}}) is None
    set_driver_info({"scope": "USB0", "psu": {"port": "COM2", "baud": 9600}})
    assert live_run.document.test_stand.drivers == {
        "psu": {"port": "COM2", "baud": 9600},
        "scope": "USB0",
    }
    assert [event.field for event in recorder.of(ReportUpdated)] == ["test_stand", "test_stand"]


def test_set_driver_info_dotted_key_nests(live_run: RunState) -> None:
    set_driver_info({"psu.port": "COM1"})
    set_driver_info({"psu.baud": 9600})
    assert live_run.document.test_stand.drivers == {"psu": {"port": "COM1", "baud": 9600}}


def test_set_driver_info_refuses_non_mapping(live_run: RunState) -> None:
    with pytest.raises(InvalidValueError):
        set_driver_info(["psu"])  # type: ignore[arg-type]
    assert live_run.document.test_stand.drivers == {}


# ---------------------------------------------------------------------- artifacts


def test_set_run_artifact_merges_and_nests(live_run: RunState, recorder: Recorder) -> None:
    assert set_run_artifact({"a.b": 1, "plain": "x"}) is None
    assert live_run.document.artifact == {"a": {"b": 1}, "plain": "x"}
    set_run_artifact({"a.c": 2, "plain": "y"})
    assert live_run.document.artifact == {"a": {"b": 1, "c": 2}, "plain": "y"}
    set_run_artifact({"deep.er.key": [1, 2]})
    assert live_run.document.artifact["deep"] == {"er": {"key": [1, 2]}}
    assert [event.field for event in recorder.of(ReportUpdated)] == ["artifact"] * 3


def test_set_run_artifact_keeps_structured_values(live_run: RunState) -> None:
    set_run_artifact({"cfg": {"x": [1, 2], "y": None}})
    assert live_run.document.artifact == {"cfg": {"x": [1, 2], "y": None}}


def test_set_run_artifact_datetime_stored_as_json_text(live_run: RunState) -> None:
    when = datetime(2024, 5, 6, 7, 8, 9)
    set_run_artifact({"when": when})
    stored = live_run.document.artifact["when"]
    assert stored == json.dumps(when, default=str)
    assert stored == '"2024-05-06 07:08:09"'


def test_set_run_artifact_non_serialisable_container_stored_as_json_text(
    live_run: RunState,
) -> None:
    value = {"t": datetime(2024, 1, 1), "n": 1}
    set_run_artifact({"mixed": value, "ids": {3}})
    assert live_run.document.artifact["mixed"] == json.dumps(value, default=str)
    assert live_run.document.artifact["ids"] == json.dumps({3}, default=str)


def test_set_run_artifact_works_without_a_case(live_run: RunState) -> None:
    assert live_run.current is None
    set_run_artifact({"k": 1})
    assert live_run.document.artifact == {"k": 1}


@pytest.mark.parametrize("bad", ["text", [("a", 1)], 3, None])
def test_set_run_artifact_refuses_non_mapping(live_run: RunState, bad: object) -> None:
    with pytest.raises(InvalidValueError):
        set_run_artifact(bad)  # type: ignore[arg-type]
    assert live_run.document.artifact == {}


def test_artifact_dotted_key_over_a_value_raises(live_run: RunState) -> None:
    set_run_artifact({"a": 1})
    with pytest.raises(InvalidValueError, match="'a'"):
        set_run_artifact({"a.b": 2})
    assert live_run.document.artifact == {"a": 1}


def test_refused_artifact_call_writes_nothing(live_run: RunState, recorder: Recorder) -> None:
    # like the info setters, a call that is refused leaves the report as it was
    set_run_artifact({"a": 1})
    recorder.events.clear()
    with pytest.raises(InvalidValueError):
        set_run_artifact({"x": 1, "a.b": 2})
    assert live_run.document.artifact == {"a": 1}
    assert recorder.events == []


def test_non_text_keys_are_stored_as_text(live_run: RunState) -> None:
    set_dut_info({1: "x"})  # type: ignore[dict-item]
    set_run_artifact({2: "y"})  # type: ignore[dict-item]
    assert dict(live_run.document.dut.info) == {"1": "x"}
    assert live_run.document.artifact == {"2": "y"}


def test_set_case_artifact_merges_and_nests(in_case: RunState, recorder: Recorder) -> None:
    assert set_case_artifact({"a.b": 1, "x": "y"}) is None
    set_case_artifact({"a.c": 2, "x": "z"})
    assert case_of(in_case).artifact == {"a": {"b": 1, "c": 2}, "x": "z"}
    updates = recorder.of(CaseUpdated)
    assert [(e.module_id, e.case_id, e.field) for e in updates] == [
        ("test_module", "test_case", "artifact"),
        ("test_module", "test_case", "artifact"),
    ]
    # run- and module-level artifacts are untouched
    assert in_case.document.artifact == {}
    assert in_case.module("test_module").artifact == {}


def test_set_case_artifact_non_serialisable_value(in_case: RunState) -> None:
    when = datetime(2023, 12, 31, 23, 59)
    set_case_artifact({"when": when})
    assert case_of(in_case).artifact["when"] == json.dumps(when, default=str)


def test_set_case_artifact_refuses_non_mapping(in_case: RunState) -> None:
    with pytest.raises(InvalidValueError):
        set_case_artifact([1, 2])  # type: ignore[arg-type]
    assert case_of(in_case).artifact == {}


def test_set_module_artifact_merges_and_nests(in_case: RunState, recorder: Recorder) -> None:
    assert set_module_artifact({"fw.version": "1.2"}) is None
    set_module_artifact({"fw.build": 7, "k": True})
    assert in_case.module("test_module").artifact == {
        "fw": {"version": "1.2", "build": 7},
        "k": True,
    }
    assert case_of(in_case).artifact == {}
    assert [event.field for event in recorder.of(ReportUpdated)] == ["modules", "modules"]


def test_set_module_artifact_refuses_non_mapping(in_case: RunState) -> None:
    with pytest.raises(InvalidValueError):
        set_module_artifact("nope")  # type: ignore[arg-type]
    assert in_case.module("test_module").artifact == {}


# ---------------------------------------------------------------------- messages


def test_set_message_with_key_replaces(in_case: RunState, recorder: Recorder) -> None:
    assert set_message("one", "status") is None
    set_message("two", "status")
    assert case_of(in_case).msg == {"status": "two"}
    assert [e.field for e in recorder.of(CaseUpdated)] == ["msg", "msg"]


def test_set_message_without_key_appends_under_uuids(in_case: RunState) -> None:
    set_message("same")
    set_message("same")
    set_message("keyed", "k")
    msgs = case_of(in_case).msg
    assert len(msgs) == 3
    assert msgs["k"] == "keyed"
    generated = [key for key in msgs if key != "k"]
    assert len(generated) == 2
    for key in generated:
        assert str(uuid.UUID(key)) == key
        assert msgs[key] == "same"


def test_set_message_needs_a_case(live_run: RunState) -> None:
    with pytest.raises(NotInRunError):
        set_message("hi")
    assert case_of(live_run).msg is None


# ---------------------------------------------------------------------- measurements


def test_set_case_measurement_returns_indexes(in_case: RunState, recorder: Recorder) -> None:
    first = NumericMeasurement(name="3V3", value=3.31, unit="V")
    second = StringMeasurement(name="fw", value="1.2")
    assert set_case_measurement(first) == 0
    assert set_case_measurement(second) == 1
    stored = case_of(in_case).measurements
    assert len(stored) == 2
    assert isinstance(stored[0], NumericMeasurementRecord)
    assert isinstance(stored[1], StringMeasurementRecord)
    assert [e.field for e in recorder.of(CaseUpdated)] == ["measurements", "measurements"]


def test_set_case_measurement_keeps_result_and_fields(in_case: RunState) -> None:
    meas = NumericMeasurement(
        name="3V3 rail",
        value=3.31,
        unit="V",
        operation=ComparisonOperation.GELE,
        lower_limit=3.2,
        upper_limit=3.4,
    )
    assert meas.result is True
    set_case_measurement(meas)
    stored = case_of(in_case).measurements[0]
    assert stored.model_dump(mode="json", exclude_none=True) == {
        "type": "numeric",
        "name": "3V3 rail",
        "value": 3.31,
        "unit": "V",
        "operation": "gele",
        "lower_limit": 3.2,
        "upper_limit": 3.4,
        "result": True,
    }


def test_set_case_measurement_failed_result_is_kept(in_case: RunState) -> None:
    meas = StringMeasurement(value="ABC", operation=ComparisonOperation.EQ, comparison_value="abd")
    assert meas.result is False
    set_case_measurement(meas)
    stored = case_of(in_case).measurements[0]
    assert stored.result is False
    assert stored.model_dump(mode="json", exclude_none=True) == {
        "type": "string",
        "value": "ABC",
        "casesensitive": True,
        "operation": "eq",
        "comparison_value": "abd",
        "result": False,
    }


def test_set_case_measurement_without_operation_has_no_result(in_case: RunState) -> None:
    set_case_measurement(NumericMeasurement(value=1, lower_limit=0, upper_limit=2))
    stored = case_of(in_case).measurements[0]
    assert stored.result is None
    assert stored.lower_limit == 0
    assert stored.upper_limit == 2


def test_set_case_measurement_stores_a_copy(in_case: RunState) -> None:
    meas = NumericMeasurement(name="v", value=1.0, unit="V")
    set_case_measurement(meas)
    meas.value = 99.0
    meas.name = "changed"
    meas.result = False
    stored = case_of(in_case).measurements[0]
    assert stored is not meas
    assert stored.value == 1.0
    assert stored.name == "v"
    assert stored.result is None


@pytest.mark.parametrize("bad", [{"value": 1}, 3.3, "3.3", SubUnit()])
def test_set_case_measurement_refuses_non_measurement(in_case: RunState, bad: object) -> None:
    with pytest.raises(InvalidValueError):
        set_case_measurement(bad)  # type: ignore[arg-type]
    assert case_of(in_case).measurements == []


def test_report_with_measurements_validates(in_case: RunState) -> None:
    set_case_measurement(
        NumericMeasurement(value=2, operation=ComparisonOperation.GT, comparison_value=1)
    )
    set_case_measurement(StringMeasurement(value="x"))
    report = get_current_report()
    assert report is not None
    stored = report.modules["test_module"].cases["test_case"].measurements
    assert stored[0].result is True
    assert isinstance(stored[1], StringMeasurementRecord)


# ---------------------------------------------------------------------- chart


def test_set_case_chart_stores_chart(in_case: RunState, recorder: Recorder) -> None:
    chart = chart_with_data()
    assert set_case_chart(chart) is None
    stored = case_of(in_case).chart
    assert isinstance(stored, ChartRecord)
    assert stored.model_dump(mode="json") == {
        "type": "line",
        "title": "response",
        "x_label": "Hz",
        "y_label": "dB",
        "marker_name": ["gain"],
        "x_data": [[1, 2, 3]],
        "y_data": [[4.0, 5.0, 6.0]],
    }
    assert [e.field for e in recorder.of(CaseUpdated)] == ["chart"]


def test_set_case_chart_stores_a_copy(in_case: RunState) -> None:
    chart = chart_with_data()
    set_case_chart(chart)
    chart.add_series([10], [20], "later")
    chart.x_data[0].append(4)
    chart.title = "changed"
    stored = case_of(in_case).chart
    assert stored is not None
    assert stored.x_data == [[1, 2, 3]]
    assert stored.marker_name == ["gain"]
    assert stored.title == "response"


def test_set_case_chart_keeps_type(in_case: RunState) -> None:
    chart = Chart(type=ChartType.LOG_X_Y)
    chart.add_series([1, 10], [1, 100])
    set_case_chart(chart)
    stored = case_of(in_case).chart
    assert stored is not None
    assert stored.type == ChartType.LOG_X_Y
    assert stored.marker_name == [None]


def test_set_case_chart_without_data_raises(in_case: RunState) -> None:
    with pytest.raises(ValueError, match=r"^x_data and y_data must be set$"):
        set_case_chart(Chart())
    assert case_of(in_case).chart is None


def test_set_case_chart_without_y_data_raises(in_case: RunState) -> None:
    record = ChartRecord(x_data=[[1, 2]], y_data=[], marker_name=["m"])
    with pytest.raises(ValueError, match=r"^x_data and y_data must be set$"):
        set_case_chart(record)  # type: ignore[arg-type]
    assert case_of(in_case).chart is None


def test_set_case_chart_twice_raises_duplicate(in_case: RunState, recorder: Recorder) -> None:
    set_case_chart(chart_with_data())
    other = Chart(title="second")
    other.add_series([0], [0])
    with pytest.raises(DuplicateParameterError) as info:
        set_case_chart(other)
    assert info.value.param_name == "chart"
    assert str(info.value) == "HardPy error: Parameter chart is already defined"
    stored = case_of(in_case).chart
    assert stored is not None
    assert stored.title == "response"
    assert [e.field for e in recorder.of(CaseUpdated)] == ["chart"]


def test_set_case_chart_refuses_non_chart(in_case: RunState) -> None:
    with pytest.raises(InvalidValueError):
        set_case_chart({"x_data": [[1]], "y_data": [[1]]})  # type: ignore[arg-type]


# ---------------------------------------------------------------------- ErrorCode


def test_error_code_writes_first_code(live_run: RunState, recorder: Recorder) -> None:
    ErrorCode(3, "3V3 low")
    assert live_run.document.error_code == 3
    ErrorCode(5)
    assert live_run.document.error_code == 3
    assert [e.field for e in recorder.of(ReportUpdated)] == ["error_code"]


def test_error_code_zero_is_allowed_and_wins(live_run: RunState) -> None:
    code = ErrorCode(0)
    assert code.code == 0
    assert live_run.document.error_code == 0
    ErrorCode(1)
    assert live_run.document.error_code == 0


def test_error_code_negative_raises(live_run: RunState) -> None:
    with pytest.raises(ValueError, match=r"^error code must be greater than 0$"):
        ErrorCode(-1)
    assert live_run.document.error_code is None


def test_error_code_str_and_repr() -> None:
    with_message = ErrorCode(3, "rail low")
    assert str(with_message) == "rail low"
    assert repr(with_message) == "rail low"
    assert with_message.code == 3
    assert with_message.message == "rail low"
    bare = ErrorCode(4)
    assert str(bare) == "Error code = 4"
    assert repr(bare) == "Error code = 4"


def test_error_code_as_assert_message(live_run: RunState) -> None:
    voltage = 2.9
    with pytest.raises(AssertionError, match="rail low"):
        assert voltage > 3.0, ErrorCode(7, "rail low")
    assert live_run.document.error_code == 7


def test_error_code_outside_a_run_writes_nothing() -> None:
    run = RunState(name="finished")
    with running(run):
        pass
    code = ErrorCode(9, "late")
    assert str(code) == "late"
    assert run.document.error_code is None


def test_error_code_in_case_works_too(in_case: RunState) -> None:
    ErrorCode(2)
    assert in_case.document.error_code == 2


# ---------------------------------------------------------------------- getters


def test_get_current_attempt(in_case: RunState) -> None:
    assert get_current_attempt() == 1
    case_of(in_case).attempt = 3
    assert get_current_attempt() == 3


def test_get_hardpy_config_in_run_is_run_config(live_run: RunState) -> None:
    assert get_hardpy_config() is live_run.config


def test_get_hardpy_config_in_run_ignores_cwd(
    live_run: RunState, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "hardpy.toml").write_text('tests_name = "from cwd"\n', encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert get_hardpy_config() is live_run.config
    assert get_hardpy_config().tests_name != "from cwd"


def test_get_hardpy_config_outside_run_reads_cwd(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "hardpy.toml").write_text(
        'tests_name = "Power board"\n\n[extra_args]\npsu_port = "/dev/ttyUSB0"\nretries = 3\n',
        encoding="utf-8",
    )
    monkeypatch.chdir(tmp_path)
    config = get_hardpy_config()
    assert isinstance(config, HardpyConfig)
    assert config.tests_name == "Power board"
    assert config.extra_args == {"psu_port": "/dev/ttyUSB0", "retries": 3}  # type: ignore[attr-defined]
    assert config.extra_args["psu_port"] == "/dev/ttyUSB0"  # type: ignore[attr-defined]


def test_get_hardpy_config_outside_run_without_file_gives_defaults(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    config = get_hardpy_config()
    assert config == HardpyConfig()


def test_get_current_report_in_run_is_validated_copy(in_case: RunState) -> None:
    set_dut_serial_number("SN-1")
    set_case_artifact({"k": [1]})
    set_message("hello", "m")
    report = get_current_report()
    assert isinstance(report, ResultRunStore)
    assert report is not in_case.document
    assert report.dut.serial_number == "SN-1"
    assert report.modules["test_module"].cases["test_case"].msg == {"m": "hello"}
    assert report == ResultRunStore.model_validate(in_case.document.model_dump())
    # mutating the copy leaves the run alone
    report.dut.serial_number = "changed"
    report.modules["test_module"].cases["test_case"].artifact["k"].append(2)
    report.modules["test_module"].cases["test_case"].msg["m"] = "changed"
    report.artifact["new"] = 1
    assert in_case.document.dut.serial_number == "SN-1"
    assert case_of(in_case).artifact == {"k": [1]}
    assert case_of(in_case).msg == {"m": "hello"}
    assert in_case.document.artifact == {}


def test_get_current_report_is_independent_of_later_writes(live_run: RunState) -> None:
    report = get_current_report()
    assert report is not None
    set_dut_name("later")
    assert report.dut.name is None
    fresh = get_current_report()
    assert fresh is not None
    assert fresh.dut.name == "later"


def test_get_current_report_outside_run_is_last_runs_report() -> None:
    run = RunState(name="previous")
    with running(run):
        set_dut_serial_number("SN-LAST")
    report = get_current_report()
    assert report is not None
    assert report.name == "previous"
    assert report.dut.serial_number == "SN-LAST"
    report.dut.serial_number = "x"
    assert run.document.dut.serial_number == "SN-LAST"


def test_get_current_report_without_any_run_is_none(monkeypatch: pytest.MonkeyPatch) -> None:
    # a process where no run has finished yet
    monkeypatch.setattr(context_module, "_LAST", [])
    assert get_current_report() is None


# ---------------------------------------------------------------------- dialogs


def test_run_dialog_box_empty_text_raises(in_case: RunState) -> None:
    in_case.operator = ScriptedOperator(["unused"])
    with pytest.raises(ValueError, match=r"^The 'dialog_text' argument cannot be empty\.$"):
        run_dialog_box(DialogBox(""))


@pytest.mark.parametrize(
    ("widget", "answer", "expected"),
    [
        (None, True, True),
        (BaseWidget(), None, True),
        (TextInputWidget(), "SN-0042", "SN-0042"),
        (NumericInputWidget(), 3.5, 3.5),
        (NumericInputWidget(), "-1e3", -1000.0),
        (RadiobuttonWidget(["a", "b"]), "b", "b"),
        (CheckboxWidget(["a", "b", "c"]), ["a", "c"], ["a", "c"]),
    ],
    ids=["default", "base", "text", "number", "numeric-text", "radio", "checkbox"],
)
def test_run_dialog_box_returns_converted_answer(
    in_case: RunState, widget: Any, answer: Any, expected: Any
) -> None:
    result = ask(in_case, DialogBox("Question?", widget=widget), {"test_case": answer})
    assert result == expected
    assert type(result) is type(expected)


def test_run_dialog_box_pass_fail(in_case: RunState) -> None:
    in_case.operator = ScriptedOperator(in_order=["pass", ("fail", "scratched")])
    passed = run_dialog_box(DialogBox("LED on?", pass_fail=True))
    assert passed == PassFailDialog(result=True, data=True)
    assert bool(passed) is True
    failed = run_dialog_box(DialogBox("Why?", widget=TextInputWidget(), pass_fail=True))
    assert failed == PassFailDialog(result=False, data="scratched")
    assert bool(failed) is False


def test_run_dialog_box_answer_by_title(in_case: RunState) -> None:
    result = ask(
        in_case,
        DialogBox("Enter the serial", title_bar="Serial", widget=TextInputWidget()),
        {"Serial": "SN-9"},
    )
    assert result == "SN-9"


def test_run_dialog_box_without_operator_raises(in_case: RunState, recorder: Recorder) -> None:
    assert in_case.operator is None
    with pytest.raises(NoOperatorError) as info:
        run_dialog_box(DialogBox("Question?"))
    text = str(info.value)
    assert "answers" in text
    assert "operator" in text
    assert in_case.dialog is None
    assert recorder.of(DialogOpened) == []


def test_run_dialog_box_events_bracket_the_dialog(in_case: RunState, recorder: Recorder) -> None:
    seen: list[tuple[int, bool]] = []
    dialog = DialogBox("Serial?", widget=TextInputWidget())

    def answer(request: DialogRequest) -> str:
        # while the operator is asked, the run shows the dialog
        seen.append((len(recorder.of(DialogOpened)), in_case.dialog is request))
        state = in_case.state_snapshot()
        assert state.modules["test_module"].cases["test_case"].dialog_box["dialog_text"] == (
            "Serial?"
        )
        return "SN-1"

    in_case.operator = ScriptedOperator(answer)
    assert run_dialog_box(dialog) == "SN-1"
    assert seen == [(1, True)]
    kinds = [type(e) for e in recorder.events if isinstance(e, (DialogOpened, DialogClosed))]
    assert kinds == [DialogOpened, DialogClosed]
    opened = recorder.of(DialogOpened)[0]
    closed = recorder.of(DialogClosed)[0]
    assert opened.request is closed.request
    assert opened.request.dialog is dialog
    assert opened.request.module_id == "test_module"
    assert opened.request.case_id == "test_case"
    assert opened.request.attempt == 1
    assert opened.request.run_id == str(in_case.run_id)
    assert closed.payload == Answer("confirm", "SN-1").payload()
    assert json.loads(closed.payload) == {"result": "confirm", "data": "SN-1"}
    assert in_case.dialog is None
    state = in_case.state_snapshot()
    assert state.modules["test_module"].cases["test_case"].dialog_box == {}


def test_run_dialog_box_operator_failure_still_closes(
    in_case: RunState, recorder: Recorder
) -> None:
    in_case.operator = ScriptedOperator({"another_case": "x"})
    with pytest.raises(NoAnswerError):
        run_dialog_box(DialogBox("Serial?", widget=TextInputWidget()))
    kinds = [type(e) for e in recorder.events if isinstance(e, (DialogOpened, DialogClosed))]
    assert kinds == [DialogOpened, DialogClosed]
    assert recorder.of(DialogClosed)[0].payload is None
    assert in_case.dialog is None


def test_run_dialog_box_logs_in_scripted_operator(in_case: RunState) -> None:
    operator = ScriptedOperator({"test_module::test_case": 12})
    in_case.operator = operator
    assert run_dialog_box(DialogBox("How many?", widget=NumericInputWidget())) == 12.0
    assert len(operator.log) == 1
    request, answer = operator.log[0]
    assert request.node == "test_module::test_case"
    assert answer == Answer("confirm", "12")


# ---------------------------------------------------------------------- operator messages


def test_non_blocking_message_stays_until_cleared(live_run: RunState, recorder: Recorder) -> None:
    assert set_operator_message("Insert the board", title="Setup", block=False) is None
    message = live_run.message
    assert isinstance(message, MessageRequest)
    assert message.msg == "Insert the board"
    assert message.title == "Setup"
    assert message.block is False
    assert message.font_size == 14
    assert message.run_id == str(live_run.run_id)
    assert message.module_id is None
    assert message.case_id is None
    assert str(uuid.UUID(message.id)) == message.id
    assert live_run.state_snapshot().operator_msg == message.to_dict()
    assert message.to_dict()["visible"] is True
    clear_operator_message()
    assert live_run.message is None
    assert live_run.state_snapshot().operator_msg == {}
    changes = [e.message for e in recorder.of(OperatorMessageChanged)]
    assert changes == [message, None]


def test_next_message_replaces_previous(live_run: RunState, recorder: Recorder) -> None:
    set_operator_message("first", block=False)
    first = live_run.message
    set_operator_message("second", block=False, font_size=20)
    second = live_run.message
    assert second is not None
    assert second.msg == "second"
    assert second.font_size == 20
    assert first is not None
    assert second.id != first.id
    changes = [e.message for e in recorder.of(OperatorMessageChanged)]
    assert changes == [first, None, second]


def test_message_in_case_names_the_case(in_case: RunState) -> None:
    html = HTMLComponent("<b>careful</b>")
    set_operator_message("Hot!", block=False, html=html)
    message = in_case.message
    assert message is not None
    assert message.module_id == "test_module"
    assert message.case_id == "test_case"
    assert message.html is html
    assert message.to_dict()["html"] == html.to_dict()
    assert message.to_dict()["image"] is None


def test_blocking_message_goes_to_operator_and_clears(
    live_run: RunState, recorder: Recorder
) -> None:
    seen: list[MessageRequest | None] = []

    class Acknowledger(ScriptedOperator):
        def acknowledge(self, request: MessageRequest) -> None:
            seen.append(live_run.message)
            super().acknowledge(request)

    operator = Acknowledger()
    live_run.operator = operator
    set_operator_message("Press the button", title="Action")
    assert len(operator.messages) == 1
    request = operator.messages[0]
    assert request.msg == "Press the button"
    assert request.title == "Action"
    assert request.block is True
    assert seen == [request]
    assert live_run.message is None
    changes = [e.message for e in recorder.of(OperatorMessageChanged)]
    assert changes == [request, None]


def test_blocking_message_without_operator_raises_and_clears(
    live_run: RunState, recorder: Recorder
) -> None:
    with pytest.raises(NoOperatorError, match="operator"):
        set_operator_message("Press the button")
    assert live_run.message is None
    changes = [e.message for e in recorder.of(OperatorMessageChanged)]
    assert len(changes) == 2
    assert changes[1] is None


def test_blocking_message_operator_refuses_and_clears(live_run: RunState) -> None:
    live_run.operator = ScriptedOperator(acknowledge_messages=False)
    with pytest.raises(NoAnswerError):
        set_operator_message("Press the button")
    assert live_run.message is None


@pytest.mark.parametrize("size", [0, -3])
def test_message_font_size_below_one_raises(live_run: RunState, size: int) -> None:
    with pytest.raises(ValueError, match="font_size"):
        set_operator_message("text", block=False, font_size=size)
    assert live_run.message is None


def test_message_empty_raises(live_run: RunState) -> None:
    with pytest.raises(ValueError, match="msg"):
        set_operator_message("", block=False)
    assert live_run.message is None


def test_invalid_message_clears_the_previous_one(live_run: RunState) -> None:
    set_operator_message("shown", block=False)
    assert live_run.message is not None
    with pytest.raises(ValueError):
        set_operator_message("", block=False)
    assert live_run.message is None
    set_operator_message("shown again", block=False)
    with pytest.raises(ValueError):
        set_operator_message("x", block=False, font_size=0)
    assert live_run.message is None


def test_clear_operator_message_without_message_emits_nothing(
    live_run: RunState, recorder: Recorder
) -> None:
    clear_operator_message()
    assert live_run.message is None
    assert recorder.of(OperatorMessageChanged) == []


def test_clear_operator_message_outside_run_does_nothing() -> None:
    run = RunState(name="finished")
    with running(run):
        set_operator_message("left open", block=False)
    assert clear_operator_message() is None
    # the finished run is not touched
    assert run.message is not None
    assert run.message.msg == "left open"


# ---------------------------------------------------------------------- outside a run / a case

# every function that needs a run, with valid arguments
RUN_CALLS: dict[str, Callable[[], object]] = {
    "set_user_name": lambda: set_user_name("u"),
    "set_batch_serial_number": lambda: set_batch_serial_number("b"),
    "set_dut_serial_number": lambda: set_dut_serial_number("s"),
    "set_dut_part_number": lambda: set_dut_part_number("p"),
    "set_dut_name": lambda: set_dut_name("n"),
    "set_dut_type": lambda: set_dut_type("t"),
    "set_dut_revision": lambda: set_dut_revision("r"),
    "set_dut_info": lambda: set_dut_info({"k": 1}),
    "set_dut_sub_unit": lambda: set_dut_sub_unit(SubUnit(name="s")),
    "set_stand_name": lambda: set_stand_name("n"),
    "set_stand_revision": lambda: set_stand_revision("r"),
    "set_stand_location": lambda: set_stand_location("l"),
    "set_stand_number": lambda: set_stand_number(1),
    "set_stand_info": lambda: set_stand_info({"k": 1}),
    "set_instrument": lambda: set_instrument(Instrument(name="i")),
    "set_driver_info": lambda: set_driver_info({"d": 1}),
    "set_process_name": lambda: set_process_name("p"),
    "set_process_number": lambda: set_process_number(1),
    "set_process_info": lambda: set_process_info({"k": 1}),
    "set_run_artifact": lambda: set_run_artifact({"k": 1}),
    "set_operator_message": lambda: set_operator_message("m", block=False),
}
CASE_CALLS: dict[str, Callable[[], object]] = {
    "set_message": lambda: set_message("m"),
    "set_case_artifact": lambda: set_case_artifact({"k": 1}),
    "set_module_artifact": lambda: set_module_artifact({"k": 1}),
    "set_case_measurement": lambda: set_case_measurement(NumericMeasurement(value=1)),
    "set_case_chart": lambda: set_case_chart(chart_with_data()),
    "run_dialog_box": lambda: run_dialog_box(DialogBox("Question?")),
    "get_current_attempt": get_current_attempt,
}


def test_every_function_is_covered_by_the_outside_tables() -> None:
    no_run_needed = {
        "ErrorCode",
        "clear_operator_message",
        "get_current_report",
        "get_hardpy_config",
    }
    assert set(RUN_CALLS) | set(CASE_CALLS) | no_run_needed == EXPECTED_ALL


@pytest.mark.parametrize("name", sorted(RUN_CALLS) + sorted(CASE_CALLS))
def test_outside_a_run_raises_not_in_run(name: str) -> None:
    call = {**RUN_CALLS, **CASE_CALLS}[name]
    with pytest.raises(NotInRunError) as info:
        call()
    assert isinstance(info.value, RuntimeError)
    assert str(info.value).startswith(f"Function {name} can't be called outside of the test")


@pytest.mark.parametrize("name", sorted(RUN_CALLS))
def test_run_level_functions_work_without_a_case(live_run: RunState, name: str) -> None:
    assert live_run.current is None
    RUN_CALLS[name]()
    assert live_run.alert == ""


@pytest.mark.parametrize("name", sorted(CASE_CALLS))
def test_case_functions_work_in_a_case(in_case: RunState, name: str) -> None:
    in_case.operator = ScriptedOperator({"test_case": True})
    CASE_CALLS[name]()
    assert in_case.alert == ""


@pytest.mark.parametrize("name", sorted(CASE_CALLS))
def test_case_functions_without_running_case_raise_and_alert(
    live_run: RunState, recorder: Recorder, name: str
) -> None:
    live_run.operator = ScriptedOperator({"test_case": True})
    before = live_run.document.model_dump()
    text = f"Function {name} can't be called outside of the test."
    with pytest.raises(NotInRunError) as info:
        CASE_CALLS[name]()
    assert isinstance(info.value, RuntimeError)
    assert str(info.value).startswith(text)
    assert live_run.alert == text
    assert [e.text for e in recorder.of(AlertRaised)] == [text]
    assert recorder.of(CaseUpdated) == []
    assert recorder.of(DialogOpened) == []
    assert live_run.document.model_dump() == before


def test_error_code_and_getters_outside_a_run_do_not_raise(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert str(ErrorCode(1)) == "Error code = 1"
    assert clear_operator_message() is None
    assert isinstance(get_hardpy_config(), HardpyConfig)
    get_current_report()  # None or the last run's report, never an error


def test_setters_do_no_io(
    in_case: RunState, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, hardlab_home: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    in_case.operator = ScriptedOperator({"test_case": "x"})
    for call in (*RUN_CALLS.values(), *CASE_CALLS.values()):
        call()
    ErrorCode(1)
    clear_operator_message()
    get_current_report()
    assert list(tmp_path.iterdir()) == []
    assert list(hardlab_home.iterdir()) == []


# ---------------------------------------------------------------------- listeners


def test_listener_that_raises_is_reported_once_and_skipped(live_run: RunState) -> None:
    broken = Broken()
    rec = Recorder()
    live_run.listeners[:] = [broken, rec]
    with pytest.warns(HardlabWarning, match="listener exploded") as caught:
        set_dut_name("board")
    assert len([w for w in caught if issubclass(w.category, HardlabWarning)]) == 1
    assert live_run.document.dut.name == "board"
    assert broken.calls == 1
    # the run's alert tells the operator; the healthy listener still got everything
    assert "listener exploded" in live_run.alert
    assert [type(e) for e in rec.events] == [AlertRaised, ReportUpdated]
    assert rec.of(ReportUpdated)[0].field == "dut"

    with warnings.catch_warnings(record=True) as later:
        warnings.simplefilter("always")
        set_dut_type("PCBA")
        set_run_artifact({"k": 1})
    assert [w for w in later if issubclass(w.category, HardlabWarning)] == []
    assert broken.calls == 1
    assert live_run.document.dut.type == "PCBA"
    assert [e.field for e in rec.of(ReportUpdated)] == ["dut", "dut", "artifact"]


def test_listener_failure_in_case_setter(in_case: RunState) -> None:
    broken = Broken()
    in_case.listeners.append(broken)
    with pytest.warns(HardlabWarning):
        idx = set_case_measurement(NumericMeasurement(value=1))
    assert idx == 0
    assert len(case_of(in_case).measurements) == 1
    with warnings.catch_warnings(record=True) as later:
        warnings.simplefilter("always")
        set_message("still works")
    assert later == []
    assert broken.calls == 1


def test_listener_of_other_run_is_not_affected(live_run: RunState) -> None:
    broken = Broken()
    live_run.listeners.append(broken)
    with pytest.warns(HardlabWarning):
        set_user_name("me")
    other = RunState(name="other", listeners=[broken])
    rec = Recorder()
    other.listeners.append(rec)
    with pytest.warns(HardlabWarning):
        other.set_alert("hello")
    assert broken.calls == 2


def test_case_updated_events_carry_case_and_field(in_case: RunState, recorder: Recorder) -> None:
    set_message("m")
    set_case_artifact({"a": 1})
    set_case_measurement(NumericMeasurement(value=1))
    set_case_chart(chart_with_data())
    updates = recorder.of(CaseUpdated)
    assert [(e.module_id, e.case_id, e.field) for e in updates] == [
        ("test_module", "test_case", "msg"),
        ("test_module", "test_case", "artifact"),
        ("test_module", "test_case", "measurements"),
        ("test_module", "test_case", "chart"),
    ]
    assert all(e.run is in_case.view for e in updates)
    assert recorder.of(ReportUpdated) == []


def test_report_updated_fields_of_run_setters(live_run: RunState, recorder: Recorder) -> None:
    set_user_name("u")
    set_batch_serial_number("b")
    set_dut_serial_number("s")
    set_dut_info({"k": 1})
    set_dut_sub_unit(SubUnit())
    set_stand_number(2)
    set_stand_info({"k": 1})
    set_instrument(Instrument())
    set_driver_info({"d": 1})
    set_process_name("p")
    set_process_info({"k": 1})
    set_run_artifact({"k": 1})
    ErrorCode(1)
    assert [e.field for e in recorder.of(ReportUpdated)] == [
        "user",
        "batch_serial_number",
        "dut",
        "dut",
        "dut",
        "test_stand",
        "test_stand",
        "test_stand",
        "test_stand",
        "process",
        "process",
        "artifact",
        "error_code",
    ]
    assert recorder.of(CaseUpdated) == []


def test_invalid_value_emits_nothing(in_case: RunState, recorder: Recorder) -> None:
    for call in (
        lambda: set_dut_part_number(object()),  # type: ignore[arg-type]
        lambda: set_process_number("1"),  # type: ignore[arg-type]
        lambda: set_dut_info({"a.b": 1}),
        lambda: set_stand_info({"k": [1]}),
        lambda: set_run_artifact("x"),  # type: ignore[arg-type]
        lambda: set_case_artifact("x"),  # type: ignore[arg-type]
        lambda: set_case_measurement({"value": 1}),  # type: ignore[arg-type]
    ):
        with pytest.raises(InvalidValueError):
            call()
    assert recorder.events == []


# ---------------------------------------------------------------------- threads


def run_in_thread(target: Callable[[], object]) -> list[BaseException | object]:
    """Run `target` in a plain thread; return [result] or [exception]."""
    outcome: list[BaseException | object] = []

    def body() -> None:
        try:
            outcome.append(target())
        except BaseException as exc:  # noqa: BLE001 - handed back to the test
            outcome.append(exc)

    thread = threading.Thread(target=body)
    thread.start()
    thread.join(10)
    assert not thread.is_alive()
    return outcome


def test_plain_thread_uses_the_single_active_run(in_case: RunState) -> None:
    outcome = run_in_thread(lambda: set_dut_serial_number("from thread"))
    assert outcome == [None]
    assert in_case.document.dut.serial_number == "from thread"
    outcome = run_in_thread(lambda: set_message("thread msg", "t"))
    assert outcome == [None]
    assert case_of(in_case).msg == {"t": "thread msg"}
    outcome = run_in_thread(lambda: ErrorCode(4))
    assert in_case.document.error_code == 4


@pytest.fixture
def second_run(live_run: RunState) -> Iterator[RunState]:
    """Another run active in the process, made current in its own thread."""
    other = RunState(name="other")
    ready = threading.Event()
    release = threading.Event()

    def hold() -> None:
        token = activate(other)
        ready.set()
        release.wait(10)
        deactivate(other, token)

    thread = threading.Thread(target=hold)
    thread.start()
    assert ready.wait(10)
    try:
        yield other
    finally:
        release.set()
        thread.join(10)


def test_plain_thread_with_two_runs_raises(live_run: RunState, second_run: RunState) -> None:
    outcome = run_in_thread(lambda: set_dut_name("ambiguous"))
    assert len(outcome) == 1
    error = outcome[0]
    assert isinstance(error, NotInRunError)
    assert "copy_context" in str(error)
    assert "set_dut_name" in str(error)
    assert live_run.document.dut.name is None
    assert second_run.document.dut.name is None


def test_own_thread_keeps_its_run_with_two_runs(live_run: RunState, second_run: RunState) -> None:
    set_dut_name("main")
    assert live_run.document.dut.name == "main"
    assert second_run.document.dut.name is None


def test_copy_context_thread_binds_to_its_run(live_run: RunState, second_run: RunState) -> None:
    ctx = contextvars.copy_context()
    outcome: list[object] = []
    thread = threading.Thread(target=lambda: outcome.append(ctx.run(set_dut_name, "bound")))
    thread.start()
    thread.join(10)
    assert outcome == [None]
    assert live_run.document.dut.name == "bound"
    assert second_run.document.dut.name is None


def test_plain_thread_with_two_runs_error_code_and_clear_do_nothing(
    live_run: RunState, second_run: RunState
) -> None:
    set_operator_message("shown", block=False)
    outcome = run_in_thread(lambda: (ErrorCode(3), clear_operator_message()))
    assert len(outcome) == 1
    assert not isinstance(outcome[0], BaseException)
    assert live_run.document.error_code is None
    assert second_run.document.error_code is None
    assert live_run.message is not None


def test_single_run_again_after_second_run_ends(live_run: RunState) -> None:
    other = RunState(name="other")
    token_box: list[Any] = []
    run_in_thread(lambda: token_box.append(activate(other)))
    try:
        outcome = run_in_thread(lambda: set_dut_type("x"))
        assert isinstance(outcome[0], NotInRunError)
    finally:
        deactivate(other, None)
    outcome = run_in_thread(lambda: set_dut_type("x"))
    assert outcome == [None]
    assert live_run.document.dut.type == "x"


# ---------------------------------------------------------------------- case ref


def test_case_functions_follow_the_current_case(live_run: RunState) -> None:
    from hardlab.model import CaseRunStore, Group, TestStatus

    live_run.document.modules["test_module"].cases["other_case"] = CaseRunStore(
        status=TestStatus.RUN,
        name="other_case",
        group=Group.MAIN,
        start_time=None,
        stop_time=None,
        attempt=2,
    )
    live_run.current = CaseRef("test_module", "other_case")
    set_message("for other", "k")
    assert get_current_attempt() == 2
    assert live_run.case("test_module", "other_case").msg == {"k": "for other"}
    assert case_of(live_run).msg is None


def test_no_dialog_once_the_run_is_stopping(in_case: RunState) -> None:
    from hardlab.errors import DialogCancelledError
    from hardlab.operators import ScriptedOperator

    operator = ScriptedOperator(in_order=[True])
    in_case.operator = operator
    in_case.request_stop()
    with pytest.raises(DialogCancelledError, match="stopping"):
        hardlab.api.run_dialog_box(hardlab.DialogBox("Confirm"))
    with pytest.raises(DialogCancelledError, match="stopping"):
        hardlab.api.set_operator_message("Unplug the board")
    assert operator.log == [] and operator.messages == []
    assert in_case.message is None


# ---------------------------------------------------------------------- what JSON cannot hold

SURROGATE = b"caf\xe9".decode("utf-8", "surrogateescape")  # 'caf\udce9'


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_a_non_finite_measurement_is_refused_at_the_call(in_case: RunState, bad: float) -> None:
    # HardPy's JSON would hold the token NaN; the report must stay valid JSON
    for measurement in (
        NumericMeasurement(value=bad, name="rail"),
        NumericMeasurement(value=1.0, operation=ComparisonOperation.GT, comparison_value=bad),
        NumericMeasurement(
            value=1.0, operation=ComparisonOperation.GTLT, lower_limit=0.0, upper_limit=bad
        ),
    ):
        with pytest.raises(InvalidValueError, match="a JSON report cannot hold"):
            set_case_measurement(measurement)
    assert case_of(in_case).measurements == []
    in_case.snapshot()  # the report still serialises


@pytest.mark.parametrize("bad", [math.nan, math.inf])
def test_non_finite_numbers_are_refused_in_charts_info_and_artifacts(
    in_case: RunState, bad: float
) -> None:
    chart = Chart()
    chart.add_series([1.0, 2.0], [1.0, bad])
    calls: list[Callable[[], Any]] = [
        lambda: set_case_chart(chart),
        lambda: set_dut_info({"gain": bad}),
        lambda: set_stand_info({"gain": bad}),
        lambda: set_process_info({"gain": bad}),
        lambda: set_case_artifact({"scope": {"samples": [1.0, bad]}}),
        lambda: set_module_artifact({"gain": bad}),
        lambda: set_run_artifact({"gain": (bad,)}),
        lambda: set_driver_info({"psu": {"v": bad}}),
        lambda: set_message(bad),
        lambda: set_instrument(Instrument(name="psu", info={"v": bad})),
        lambda: set_dut_sub_unit(SubUnit(name="board", info={"v": bad})),
    ]
    for call in calls:
        with pytest.raises(InvalidValueError, match="a JSON report cannot hold"):
            call()
    in_case.snapshot()


def test_surrogateescape_text_is_refused_in_every_setter(in_case: RunState) -> None:
    text_setters = [
        set_user_name, set_batch_serial_number, set_dut_serial_number, set_dut_part_number,
        set_dut_name, set_dut_type, set_dut_revision, set_stand_name, set_stand_revision,
        set_stand_location, set_process_name,
    ]  # fmt: skip
    for setter in text_setters:
        with pytest.raises(InvalidValueError, match="errors='replace'"):
            setter(SURROGATE)
    calls: list[Callable[[], Any]] = [
        lambda: set_message(SURROGATE),
        lambda: set_message("ok", SURROGATE),
        lambda: set_message({"nested": [SURROGATE]}),
        lambda: set_dut_info({"fw": SURROGATE}),
        lambda: set_dut_info({SURROGATE: "1.0"}),
        lambda: set_case_artifact({"a": {SURROGATE: 1}}),
        lambda: set_run_artifact({SURROGATE: 1}),
        lambda: set_case_measurement(StringMeasurement(value=SURROGATE)),
        lambda: set_case_measurement(NumericMeasurement(value=1, unit=SURROGATE)),
        lambda: set_instrument(Instrument(name=SURROGATE)),
    ]
    for call in calls:
        with pytest.raises(InvalidValueError, match="lone surrogate"):
            call()
    chart = Chart(title=SURROGATE)
    chart.add_series([1], [2])
    with pytest.raises(InvalidValueError, match="lone surrogate"):
        set_case_chart(chart)
    report = in_case.snapshot()
    assert report.dut.serial_number is None and case_of(in_case).msg is None


def test_values_json_cannot_write_are_invalid_values_not_raw_errors(in_case: RunState) -> None:
    circular: dict[str, Any] = {}
    circular["self"] = circular
    looped: list[Any] = []
    looped.append(looped)
    deep: list[Any] = []
    for _ in range(100_000):
        deep = [deep]
    calls: list[Callable[[], Any]] = [
        lambda: set_case_artifact({"loop": circular}),
        lambda: set_run_artifact({"loop": looped}),
        lambda: set_message(circular),
        lambda: set_case_artifact({"pairs": {(1, 2): "x"}}),
        lambda: set_message({(1, 2): "x"}),
        lambda: set_message("ok", ["unhashable"]),
        lambda: set_message("ok", {"a": 1}),
        lambda: set_case_artifact({"deep": deep}),
        lambda: set_module_artifact({"deep": deep}),
    ]
    for call in calls:
        with pytest.raises(InvalidValueError):
            call()
    assert case_of(in_case).artifact == {} and case_of(in_case).msg is None
    in_case.snapshot()


def test_nesting_a_stored_report_can_read_back_is_kept_deeper_is_refused(
    in_case: RunState,
) -> None:
    def nested(depth: int) -> Any:
        value: Any = "leaf"
        for _ in range(depth):
            value = [value]
        return value

    set_case_artifact({"ok": nested(100)})
    with pytest.raises(InvalidValueError, match="deeper than 100 levels"):
        set_case_artifact({"too_deep": nested(101)})
    report = ResultRunStore.model_validate_json(in_case.snapshot().model_dump_json())
    assert report.modules["test_module"].cases["test_case"].artifact == {"ok": nested(100)}


def test_stored_values_are_what_json_reads_back(in_case: RunState) -> None:
    # HardPy's documents go through JSON: tuples are lists, number keys text
    set_case_artifact({"pair": (1, 2), "by_channel": {1: "on"}})
    set_message(("a", 1), 7)
    case = case_of(in_case)
    assert case.artifact == {"pair": [1, 2], "by_channel": {"1": "on"}}
    assert case.msg == {"7": ["a", 1]}


class _NoText:
    def __str__(self) -> str:
        raise RuntimeError("no text")

    __repr__ = __str__


def test_objects_without_text_and_wrong_font_sizes_are_invalid_values(in_case: RunState) -> None:
    calls: list[Callable[[], Any]] = [
        lambda: set_user_name(_NoText()),  # type: ignore[arg-type]
        lambda: set_dut_serial_number(_NoText()),  # type: ignore[arg-type]
        lambda: set_run_artifact({_NoText(): 1}),  # type: ignore[dict-item]
        lambda: set_case_artifact({"a": {"b": _NoText()}}),
        lambda: set_message(_NoText()),
        lambda: set_operator_message("Unplug", block=False, font_size="14"),  # type: ignore[arg-type]
        lambda: set_operator_message("Unplug", block=False, font_size=math.nan),  # type: ignore[arg-type]
        lambda: set_operator_message(["Unplug"], block=False),  # type: ignore[arg-type]
        lambda: set_operator_message(SURROGATE, block=False),
    ]
    for call in calls:
        with pytest.raises(InvalidValueError):
            call()
    in_case.snapshot()


def test_integers_the_store_cannot_hold_are_refused_at_the_call(in_case: RunState) -> None:
    # the writer crashed on these, losing the whole run (issue 14)
    with pytest.raises(InvalidValueError, match="2\\*\\*63-1"):
        set_stand_number(2**63)
    with pytest.raises(InvalidValueError, match="2\\*\\*63-1"):
        set_process_number(-(2**64))
    for measurement in (
        NumericMeasurement(value=10**400),
        NumericMeasurement(value=1, operation=ComparisonOperation.LT, comparison_value=10**309),
    ):
        with pytest.raises(InvalidValueError, match="beyond the range of floats"):
            set_case_measurement(measurement)
    set_stand_number(2**63 - 1)
    set_case_measurement(NumericMeasurement(value=2**64))  # a float column holds it
    assert in_case.snapshot().test_stand.number == 2**63 - 1
