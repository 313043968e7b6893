"""HardPy's test API: the functions a test plan calls to fill in the report.

Every function keeps HardPy's name, signature, return value and errors, and
has the same effect on the report document (hardpy-contract §1). Unlike
HardPy, a setter only changes the in-memory report and publishes an event;
saving, uploading and drawing happen in listeners, off the test's path.

Where HardPy would store a value that later makes the report invalid (a
number as a part number, a dotted key in an info mapping), hardlab raises
`InvalidValueError` at the call instead, naming the field and what fits.
The same goes for what JSON and the store cannot hold: NaN and infinite
numbers (HardPy's JSON files would hold the non-JSON token ``NaN``), text
with lone surrogates (``errors="surrogateescape"`` decoding leaves them; UTF-8
cannot encode them), values that contain themselves, keys JSON cannot
write, and nesting deeper than 100 levels. `InvalidValueError` is a
`ValueError` and a `TypeError`, so code that caught HardPy's raw errors for
such values keeps working.
"""

from __future__ import annotations

import copy
import json
import math
import sys
import uuid
from collections.abc import Mapping
from typing import Any

from hardlab.config import HardpyConfig, load_config
from hardlab.errors import DuplicateParameterError, InvalidValueError, TestStandNumberError
from hardlab.events import CaseUpdated, ReportUpdated
from hardlab.model.dialog import DialogBox, HTMLComponent, ImageComponent
from hardlab.model.measurement import (
    Chart,
    ChartRecord,
    Instrument,
    NumericMeasurementRecord,
    StringMeasurementRecord,
    SubUnit,
)
from hardlab.model.report import CaseRunStore, ResultRunStore
from hardlab.operators import MessageRequest
from hardlab.runtime import CaseRef, RunState, current_run, last_run, maybe_current_run

__all__ = [
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
]


# ---------------------------------------------------------------------- helpers


_MAX_DEPTH = 100
"""The deepest nesting a value in the report may have.

The report's JSON reader stops at about 200 levels and the report itself
takes a few, so a value nested deeper could be written but never read back.
"""


def _checked_text(function: str, what: str, text: str) -> str:
    """`text`, if UTF-8 can encode it (it has no lone surrogates)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        msg = (
            f"{function}(): {what} holds {text[exc.start]!r} at position {exc.start}, a lone "
            "surrogate (left by decoding bytes with errors='surrogateescape') that UTF-8, "
            "JSON reports and the store cannot hold; decode with errors='replace' or "
            "errors='backslashreplace' instead"
        )
        raise InvalidValueError(msg) from None
    return text


def _check_storable(function: str, what: str, value: Any) -> None:
    """Refuse what the report's JSON cannot hold: NaN, ±inf, lone surrogates, deep nesting.

    `value` is made of JSON types (dict, list, str, int, float, bool, None);
    it is walked without recursion, so no depth makes it fail.
    """
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, float):
            if not math.isfinite(item):
                msg = (
                    f"{function}(): {what} holds {item!r}, which a JSON report cannot hold; "
                    "store None, or the reason as text, instead"
                )
                raise InvalidValueError(msg)
        elif isinstance(item, str):
            _checked_text(function, what, item)
        elif isinstance(item, (dict, list, tuple)):
            if depth >= _MAX_DEPTH:
                msg = (
                    f"{function}(): {what} is nested deeper than {_MAX_DEPTH} levels, "
                    "more than a stored report can be read back with; flatten it"
                )
                raise InvalidValueError(msg)
            if isinstance(item, dict):
                for key, child in item.items():
                    if isinstance(key, str):
                        _checked_text(function, f"{what} (a key)", key)
                    stack.append((child, depth + 1))
            else:
                stack.extend((child, depth + 1) for child in item)


def _json_value(function: str, what: str, value: Any) -> Any:
    """`value` as the report stores it: JSON types, or HardPy's text for anything else.

    HardPy stores a value that JSON cannot encode (a datetime, a set, a custom
    object) as the string ``json.dumps(value, default=str)``. Everything else
    goes through JSON once, as HardPy's document store does, so the report
    holds a copy the caller cannot change later (tuples become lists, number
    keys text).

    Raises:
        InvalidValueError: If the value cannot be stored at all (see the module).
    """
    if value is None or isinstance(value, (str, int, float)):
        _check_storable(function, what, value)
        return value
    try:
        try:
            text = json.dumps(value, ensure_ascii=False)
        except TypeError:
            text = json.dumps(json.dumps(value, default=_str_of, ensure_ascii=False))
    except RecursionError:
        msg = f"{function}(): {what} is nested too deeply to be stored; flatten it"
        raise InvalidValueError(msg) from None
    except (TypeError, ValueError) as exc:
        # a value that contains itself, keys that are not text, numbers or None,
        # an int too long for text
        msg = f"{function}(): {what} cannot be stored as JSON ({exc}); pass plain data"
        raise InvalidValueError(msg) from None
    try:
        stored = json.loads(text)
    except RecursionError:
        msg = f"{function}(): {what} is nested too deeply to be stored; flatten it"
        raise InvalidValueError(msg) from None
    _check_storable(function, what, stored)
    return stored


def _str_of(value: object) -> str:
    """HardPy's ``default=str``, with a failing ``__str__`` told as a refusal."""
    try:
        return str(value)
    except Exception as exc:  # noqa: BLE001 - a plan's object may fail any way
        msg = f"str() of a {type(value).__name__} raised {type(exc).__name__}: {exc}"
        raise ValueError(msg) from None


def _text(function: str, value: Any) -> str | None:
    """Accept text; numbers become their decimal text; anything else is refused."""
    if value is None or isinstance(value, str):
        return value if value is None else _checked_text(function, "the text", value)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    msg = (
        f"{function}() takes text, got {type(value).__name__} {_shown(value)}; "
        f"pass str(...) of it if that is what you mean"
    )
    raise InvalidValueError(msg)


def _set_once(function: str, param: str, section: str, attr: str, value: Any) -> None:
    run = current_run(function)
    with run.lock:
        target = getattr(run.document, section) if section else run.document
        # HardPy tests the previous value for truthiness: "" and 0 count as unset.
        if getattr(target, attr):
            raise DuplicateParameterError(param)
        setattr(target, attr, value)
    run.emit(ReportUpdated(run.view, section or attr))


def _shown(value: object) -> str:
    """`value`'s repr for a message, short, even when its ``__repr__`` fails."""
    try:
        text = repr(value)
    except Exception:  # noqa: BLE001 - a plan's object may fail any way
        return f"<a {type(value).__name__}>"
    return text if len(text) <= 80 else text[:79] + "…"


def _key_text(function: str, key: object) -> str:
    """A mapping key as the report's text key (HardPy takes ``str()`` of it)."""
    try:
        return str(key)
    except Exception as exc:  # noqa: BLE001 - a plan's object may fail any way
        msg = f"{function}(): a key has no text: str() of it raised {type(exc).__name__}: {exc}"
        raise InvalidValueError(msg) from None


def _assign(target: dict[str, Any], key: str, value: Any, function: str) -> None:
    """HardPy's dotted-key write: ``"a.b"`` creates ``{"a": {"b": value}}``."""
    key = _key_text(function, key)
    parts = key.split(".")
    node = target
    for part in parts[:-1]:
        child = node.get(part)
        if child is None:
            child = node[part] = {}
        elif not isinstance(child, dict):
            msg = (
                f"{function}(): key {key!r} needs {part!r} to be a mapping, but it already "
                f"holds {_shown(child)}; use another key"
            )
            raise InvalidValueError(msg)
        node = child
    _checked_text(function, "a key", parts[-1])
    # a copy (through JSON): changing the caller's object later must not change the report
    node[parts[-1]] = _json_value(function, f"the value of {key!r}", value)


def _check(function: str, value: object, expected: type | tuple[type, ...], wanted: str) -> None:
    """Refuse a value of the wrong type (callers without a type checker pass anything)."""
    if not isinstance(value, expected):
        msg = f"{function}() takes {wanted}, got {type(value).__name__} {_shown(value)}"
        raise InvalidValueError(msg)


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


_INT64 = range(-(2**63), 2**63)


def _check_int64(function: str, value: int) -> None:
    """Refuse an integer the store's 64-bit integer columns cannot hold."""
    if value not in _INT64:
        msg = (
            f"{function}() takes an integer from -2**63 to 2**63-1 (what databases store), "
            f"got one of {len(str(abs(value)))} digits"
        )
        raise InvalidValueError(msg)


def _check_float_range(function: str, what: str, value: object) -> None:
    """Refuse an integer beyond float range: numeric measurement columns are floats."""
    if _is_int(value) and abs(value) > sys.float_info.max:  # type: ignore[arg-type]
        msg = (
            f"{function}(): {what} is an integer beyond the range of floats (about 1.8e308), "
            "which the store and JSON readers cannot hold; store it as text"
        )
        raise InvalidValueError(msg)


def _merge(function: str, target: dict[str, Any], data: Mapping[str, Any]) -> None:
    """Write all of `data` into `target`, or (on a refused key) none of it."""
    _check(function, data, Mapping, "a mapping of keys to values")
    touched = {_key_text(function, key).split(".")[0] for key in data}
    staged = {key: copy.deepcopy(target[key]) for key in touched if key in target}
    for key, value in data.items():
        _assign(staged, key, value, function)
    target.update(staged)


def _merge_info(function: str, target: Any, data: Mapping[str, Any]) -> dict[str, Any]:
    """Merge into an ``info`` mapping, whose values the schema keeps scalar."""
    _check(function, data, Mapping, "a mapping of keys to values")
    merged = dict(target)
    for key, raw in data.items():
        key_text = _key_text(function, key)
        if "." in key_text:
            fixed = key_text.replace(".", "_")
            msg = (
                f"{function}(): key {key_text!r} contains '.', which HardPy turns into a "
                f"nested mapping that the report's info cannot hold; use {fixed!r}"
            )
            raise InvalidValueError(msg)
        _checked_text(function, "a key", key_text)
        value = _json_value(function, f"the value of {key_text!r}", raw)
        if not (value is None or isinstance(value, (str, int, float))):
            msg = (
                f"{function}(): {key_text!r} is {type(raw).__name__} {_shown(raw)}; info values "
                f"are text, numbers or None; use set_run_artifact() for structured data"
            )
            raise InvalidValueError(msg)
        merged[key_text] = value
    return merged


def _case_update(function: str) -> tuple[RunState, CaseRef, CaseRunStore]:
    run = current_run(function)
    ref, case = run.require_case(function)
    return run, ref, case


# ---------------------------------------------------------------------- run fields


def set_user_name(name: str) -> None:
    """Set the operator's name (``user``).

    Raises:
        DuplicateParameterError: If the name was already set in this run.
        NotInRunError: If called outside a run.
    """
    _set_once("set_user_name", "user_name", "", "user", _text("set_user_name", name))


def set_batch_serial_number(serial_number: str) -> None:
    """Set the serial number of the batch the DUT belongs to.

    Raises:
        DuplicateParameterError: If it was already set in this run.
        NotInRunError: If called outside a run.
    """
    value = _text("set_batch_serial_number", serial_number)
    _set_once("set_batch_serial_number", "batch_serial_number", "", "batch_serial_number", value)


def set_dut_serial_number(serial_number: str) -> None:
    """Set the DUT's serial number. Any value is stored as its ``str()``, as HardPy does.

    Raises:
        DuplicateParameterError: If it was already set in this run.
        NotInRunError: If called outside a run.
    """
    text = _key_text("set_dut_serial_number", serial_number)
    value = _checked_text("set_dut_serial_number", "the serial number", text)
    _set_once("set_dut_serial_number", "dut_serial_number", "dut", "serial_number", value)


def set_dut_part_number(part_number: str) -> None:
    """Set the DUT's part number.

    Raises:
        DuplicateParameterError: If it was already set in this run.
        NotInRunError: If called outside a run.
    """
    value = _text("set_dut_part_number", part_number)
    _set_once("set_dut_part_number", "dut_part_number", "dut", "part_number", value)


def set_dut_name(name: str) -> None:
    """Set the DUT's name.

    Raises:
        DuplicateParameterError: If it was already set in this run.
        NotInRunError: If called outside a run.
    """
    _set_once("set_dut_name", "dut_name", "dut", "name", _text("set_dut_name", name))


def set_dut_type(dut_type: str) -> None:
    """Set the DUT's type (``PCBA``, ``module``, ...).

    Raises:
        DuplicateParameterError: If it was already set in this run.
        NotInRunError: If called outside a run.
    """
    _set_once("set_dut_type", "dut_type", "dut", "type", _text("set_dut_type", dut_type))


def set_dut_revision(revision: str) -> None:
    """Set the DUT's hardware revision.

    Raises:
        DuplicateParameterError: If it was already set in this run.
        NotInRunError: If called outside a run.
    """
    value = _text("set_dut_revision", revision)
    _set_once("set_dut_revision", "dut_revision", "dut", "revision", value)


def set_dut_info(info: Mapping[str, str | int | float | None]) -> None:
    """Add entries to the DUT's ``info`` mapping (a key given again is overwritten).

    Raises:
        InvalidValueError: If a key contains ``.`` or a value is not text, a number or None.
        NotInRunError: If called outside a run.
    """
    run = current_run("set_dut_info")
    with run.lock:
        run.document.dut.info = _merge_info("set_dut_info", run.document.dut.info, info)
    run.emit(ReportUpdated(run.view, "dut"))


def set_dut_sub_unit(sub_unit: SubUnit) -> int:
    """Add a sub-unit to the DUT.

    Returns:
        The sub-unit's index in ``dut.sub_units``.

    Raises:
        InvalidValueError: If `sub_unit` is not a `SubUnit`.
        NotInRunError: If called outside a run.
    """
    _check("set_dut_sub_unit", sub_unit, SubUnit, "a hardlab.SubUnit")
    _check_storable("set_dut_sub_unit", "the sub-unit", sub_unit.model_dump())
    run = current_run("set_dut_sub_unit")
    with run.lock:
        run.document.dut.sub_units.append(sub_unit.model_copy(deep=True))
        index = len(run.document.dut.sub_units) - 1
    run.emit(ReportUpdated(run.view, "dut"))
    return index


def set_stand_name(name: str) -> None:
    """Set the test stand's name.

    Raises:
        DuplicateParameterError: If it was already set in this run.
        NotInRunError: If called outside a run.
    """
    _set_once("set_stand_name", "stand_name", "test_stand", "name", _text("set_stand_name", name))


def set_stand_revision(revision: str) -> None:
    """Set the test stand's revision.

    Raises:
        DuplicateParameterError: If it was already set in this run.
        NotInRunError: If called outside a run.
    """
    value = _text("set_stand_revision", revision)
    _set_once("set_stand_revision", "stand_revision", "test_stand", "revision", value)


def set_stand_location(location: str) -> None:
    """Set where the test stand is.

    Raises:
        DuplicateParameterError: If it was already set in this run.
        NotInRunError: If called outside a run.
    """
    value = _text("set_stand_location", location)
    _set_once("set_stand_location", "stand_location", "test_stand", "location", value)


def set_stand_number(number: int) -> None:
    """Set the test stand's number.

    Raises:
        TestStandNumberError: If `number` is not a non-negative integer.
        InvalidValueError: If it does not fit 64 bits (what databases store).
        DuplicateParameterError: If a (non-zero) number was already set in this run.
        NotInRunError: If called outside a run.
    """
    if not _is_int(number) or number < 0:
        raise TestStandNumberError
    _check_int64("set_stand_number", number)
    _set_once("set_stand_number", "stand_number", "test_stand", "number", number)


def set_stand_info(info: Mapping[str, str | int | float | None]) -> None:
    """Add entries to the test stand's ``info`` mapping.

    Raises:
        InvalidValueError: If a key contains ``.`` or a value is not text, a number or None.
        NotInRunError: If called outside a run.
    """
    run = current_run("set_stand_info")
    with run.lock:
        stand = run.document.test_stand
        stand.info = _merge_info("set_stand_info", stand.info, info)
    run.emit(ReportUpdated(run.view, "test_stand"))


def set_instrument(instrument: Instrument) -> int:
    """Add an instrument (power supply, scope, ...) to the test stand.

    Returns:
        The instrument's index in ``test_stand.instruments``.

    Raises:
        InvalidValueError: If `instrument` is not an `Instrument`.
        NotInRunError: If called outside a run.
    """
    _check("set_instrument", instrument, Instrument, "a hardlab.Instrument")
    _check_storable("set_instrument", "the instrument", instrument.model_dump())
    run = current_run("set_instrument")
    with run.lock:
        run.document.test_stand.instruments.append(instrument.model_copy(deep=True))
        index = len(run.document.test_stand.instruments) - 1
    run.emit(ReportUpdated(run.view, "test_stand"))
    return index


def set_driver_info(drivers: dict[str, Any]) -> None:
    """Add driver descriptions to ``test_stand.drivers`` (deprecated by HardPy; use instruments).

    Raises:
        InvalidValueError: If `drivers` is not a mapping.
        NotInRunError: If called outside a run.
    """
    run = current_run("set_driver_info")
    with run.lock:
        _merge("set_driver_info", run.document.test_stand.drivers, drivers)
    run.emit(ReportUpdated(run.view, "test_stand"))


def set_process_name(name: str) -> None:
    """Set the name of the production process step (``Acceptance test``, ...).

    Raises:
        DuplicateParameterError: If it was already set in this run.
        NotInRunError: If called outside a run.
    """
    value = _text("set_process_name", name)
    _set_once("set_process_name", "process_name", "process", "name", value)


def set_process_number(number: int) -> None:
    """Set the number of the production process step.

    Raises:
        InvalidValueError: If `number` is not an integer, or does not fit 64 bits.
        DuplicateParameterError: If a (non-zero) number was already set in this run.
        NotInRunError: If called outside a run.
    """
    if not _is_int(number):
        msg = f"set_process_number() takes an int, got {type(number).__name__} {_shown(number)}"
        raise InvalidValueError(msg)
    _check_int64("set_process_number", number)
    _set_once("set_process_number", "process_number", "process", "number", number)


def set_process_info(info: Mapping[str, str | int | float | None]) -> None:
    """Add entries to the process's ``info`` mapping.

    Raises:
        InvalidValueError: If a key contains ``.`` or a value is not text, a number or None.
        NotInRunError: If called outside a run.
    """
    run = current_run("set_process_info")
    with run.lock:
        process = run.document.process
        process.info = _merge_info("set_process_info", process.info, info)
    run.emit(ReportUpdated(run.view, "process"))


def set_run_artifact(data: dict[str, Any]) -> None:
    """Add entries to the run's ``artifact`` (kept in the report, not shown to operators).

    A key with dots (``"psu.voltage"``) is written as nested mappings, as in HardPy.

    Raises:
        InvalidValueError: If `data` is not a mapping, or a value cannot be stored.
        NotInRunError: If called outside a run.
    """
    run = current_run("set_run_artifact")
    with run.lock:
        _merge("set_run_artifact", run.document.artifact, data)
        run.reroute()
    run.emit(ReportUpdated(run.view, "artifact"))


# ---------------------------------------------------------------------- case fields


def set_message(msg: str, msg_key: str | None = None) -> None:
    """Add a message to the running case; a message with the same key is replaced.

    Args:
        msg: The message.
        msg_key: Its key; without one every call adds a new message.

    Raises:
        InvalidValueError: If `msg_key` is not text (or a number), or `msg`
            cannot be stored (NaN, lone surrogates, a value that contains itself).
        NotInRunError: If no test is running.
    """
    run, ref, case = _case_update("set_message")
    key = _text("set_message", msg_key) if msg_key is not None else str(uuid.uuid4())
    assert key is not None  # _text keeps only None as None
    value = _json_value("set_message", "the message", msg)
    with run.lock:
        if case.msg is None:
            case.msg = {}
        case.msg[key] = value
    run.emit(CaseUpdated(run.view, ref.module_id, ref.case_id, "msg"))


def set_case_artifact(data: dict[str, Any]) -> None:
    """Add entries to the running case's ``artifact``.

    Raises:
        InvalidValueError: If `data` is not a mapping, or a value cannot be stored.
        NotInRunError: If no test is running.
    """
    run, ref, case = _case_update("set_case_artifact")
    with run.lock:
        _merge("set_case_artifact", case.artifact, data)
        run.reroute()
    run.emit(CaseUpdated(run.view, ref.module_id, ref.case_id, "artifact"))


def set_module_artifact(data: dict[str, Any]) -> None:
    """Add entries to the ``artifact`` of the running case's module.

    Raises:
        InvalidValueError: If `data` is not a mapping, or a value cannot be stored.
        NotInRunError: If no test is running.
    """
    run, ref, _ = _case_update("set_module_artifact")
    with run.lock:
        _merge("set_module_artifact", run.module(ref.module_id).artifact, data)
    run.emit(ReportUpdated(run.view, "modules"))


def set_case_measurement(measurement: NumericMeasurementRecord | StringMeasurementRecord) -> int:
    """Add a measurement to the running case.

    The measurement's `result` does not fail the test; assert on it.

    Returns:
        The measurement's index in the case's ``measurements``.

    Raises:
        InvalidValueError: If `measurement` is not a numeric or string
            measurement, or holds NaN, an infinity, an integer beyond float
            range or a lone surrogate.
        NotInRunError: If no test is running.
    """
    _check(
        "set_case_measurement",
        measurement,
        (NumericMeasurementRecord, StringMeasurementRecord),
        "a hardlab.NumericMeasurement or hardlab.StringMeasurement",
    )
    # the fields are scalars: checking them directly is much cheaper than a dump
    for field, item in measurement.__dict__.items():
        _check_storable("set_case_measurement", f"the measurement's {field}", item)
        _check_float_range("set_case_measurement", f"the measurement's {field}", item)
    run, ref, case = _case_update("set_case_measurement")
    # A shallow copy keeps the user's later changes out of the report (the
    # fields are scalars); it is ten times cheaper than building a record.
    record = measurement.model_copy()
    with run.lock:
        case.measurements.append(record)
        index = len(case.measurements) - 1
    run.emit(CaseUpdated(run.view, ref.module_id, ref.case_id, "measurements"))
    return index


def set_case_chart(chart: Chart) -> None:
    """Attach a chart to the running case (one chart per case).

    Raises:
        ValueError: If the chart has no x or no y data.
        InvalidValueError: If the chart holds NaN, an infinity or a lone surrogate.
        DuplicateParameterError: If the case already has a chart.
        NotInRunError: If no test is running.
    """
    _check("set_case_chart", chart, ChartRecord, "a hardlab.Chart")
    _check_storable("set_case_chart", "the chart", chart.model_dump())
    if not chart.x_data or not chart.y_data:
        msg = "x_data and y_data must be set"
        raise ValueError(msg)
    run, ref, case = _case_update("set_case_chart")
    with run.lock:
        if case.chart is not None:
            raise DuplicateParameterError("chart")
        case.chart = ChartRecord.model_validate(chart.model_dump())
    run.emit(CaseUpdated(run.view, ref.module_id, ref.case_id, "chart"))


# ---------------------------------------------------------------------- operator


def run_dialog_box(dialog_box_data: DialogBox) -> Any:
    """Show a dialog box to the operator and wait for the answer.

    Returns:
        What the widget's ``convert_data`` makes of the input: True for a
        plain confirmation, the text, a float (or None), the chosen field,
        the list of checked fields; a `PassFailDialog` for a pass/fail dialog.

    Raises:
        ValueError: If the dialog text is empty.
        NotInRunError: If no test is running.
        NoOperatorError: If the run has no operator.
        DialogCancelledError: If the run is stopped while the dialog is open.
    """
    if not dialog_box_data.dialog_text:
        msg = "The 'dialog_text' argument cannot be empty."
        raise ValueError(msg)
    run = current_run("run_dialog_box")
    return run.ask(dialog_box_data)


def set_operator_message(
    msg: str,
    title: str | None = None,
    block: bool = True,
    image: ImageComponent | None = None,
    html: HTMLComponent | None = None,
    font_size: int = 14,
) -> None:
    """Show a message to the operator; with `block`, wait until it is closed.

    Works anywhere in a run: tests, fixtures, post-run functions. A
    non-blocking message stays until the next one or `clear_operator_message`.

    Raises:
        ValueError: If `msg` is empty or `font_size` < 1.
        InvalidValueError: If `msg` or `title` is not text (numbers are
            shown as their text) or `font_size` is not a number.
        NotInRunError: If called outside a run.
        NoOperatorError: If the message blocks and the run has no operator.
    """
    run = current_run("set_operator_message")
    run.clear_message()
    function = "set_operator_message"
    msg = _text(function, msg) or ""
    title = _text(function, title)
    size: object = font_size  # callers without a type checker pass anything
    if (
        not isinstance(size, (int, float))
        or isinstance(size, bool)
        or (isinstance(size, float) and not math.isfinite(size))
    ):
        message = f"{function}() takes a number as font_size, got {_shown(font_size)}"
        raise InvalidValueError(message)
    if font_size < 1:
        message = "The 'font_size' argument cannot be less than 1"
        raise ValueError(message)
    if not msg:
        message = "The 'msg' argument cannot be empty."
        raise ValueError(message)
    ref = run.current
    request = MessageRequest(
        msg=msg,
        title=title,
        block=block,
        image=image,
        html=html,
        font_size=font_size,
        id=str(uuid.uuid4()),
        run_id=str(run.run_id),
        module_id=ref.module_id if ref else None,
        case_id=ref.case_id if ref else None,
        stop=run.stop,
    )
    run.show_message(request)


def clear_operator_message() -> None:
    """Take down the operator message, if one is shown. Outside a run it does nothing."""
    run = maybe_current_run()
    if run is not None:
        run.clear_message()


# ---------------------------------------------------------------------- getters


def get_current_report() -> ResultRunStore | None:
    """A copy of the current run's report; after a run, the last run's; else None.

    Typical use is in a post-run function, to save or upload the report.
    """
    run = maybe_current_run() or last_run()
    if run is None:
        return None
    return run.snapshot()


def get_current_attempt() -> int:
    """The attempt number (1-based) of the running case.

    Raises:
        NotInRunError: If no test is running.
    """
    run = current_run("get_current_attempt")
    _, case = run.require_case("get_current_attempt")
    return case.attempt


def get_hardpy_config() -> HardpyConfig:
    """The plan's ``hardpy.toml``; extra tables are attributes (``config.extra_args``).

    Outside a run, the ``hardpy.toml`` of the working directory (or the defaults).
    """
    run = maybe_current_run()
    if run is not None:
        return run.config
    return load_config()


class ErrorCode:
    """An error code for the report, used as an assertion message.

    The first `ErrorCode` constructed in a run sets the report's
    ``error_code``; later ones are ignored, except that a retried case's
    attempts clear it until the run has a failed case. Construct it only
    inside the ``assert`` statement, so that it is only created on failure::

        assert voltage > 3.0, ErrorCode(3, "3V3 rail low")

    Outside a run it writes nothing.

    Args:
        code: The code, 0 or more.
        message: The assertion text; ``Error code = <code>`` if None.

    Raises:
        ValueError: If `code` is negative.
    """

    def __init__(self, code: int, message: str | None = None) -> None:
        if code < 0:
            msg = "error code must be greater than 0"
            raise ValueError(msg)
        self.code = code
        self.message = message
        run = maybe_current_run()
        if run is not None:
            with run.lock:
                if run.document.error_code is not None:
                    return
                run.document.error_code = code
            run.emit(ReportUpdated(run.view, "error_code"))

    def __str__(self) -> str:
        return self.message if self.message is not None else f"Error code = {self.code}"

    def __repr__(self) -> str:
        return str(self)
