from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from hardlab.model import (
    CaseRunStore,
    ComparisonOperation,
    Group,
    NumericMeasurementRecord,
    ResultRunStore,
    ResultStateStore,
    StringMeasurementRecord,
    TestStatus,
)


def _example(id_key: str = "_id", rev_key: str = "_rev") -> dict[str, Any]:
    """The runstore example of the contract, §3.4."""
    return {
        id_key: "localhost_8000",
        rev_key: "12-abc",
        "name": "tests",
        "status": "failed",
        "start_time": 1695817263,
        "stop_time": 1695817266,
        "user": None,
        "batch_serial_number": "0613",
        "caused_dut_failure_id": "test_2::test_minute_parity",
        "error_code": 1,
        "artifact": {},
        "test_stand": {
            "hw_id": "840982098ca2459a7b22cc608eff65d4",
            "name": "Stand 1",
            "revision": "HW1.0",
            "timezone": "Europe/Helsinki",
            "location": "Moon",
            "number": 2,
            "drivers": {},
            "instruments": [{"name": "PSU", "part_number": "EPS_08", "number": 1, "info": {}}],
            "info": {},
        },
        "dut": {
            "name": "Test Device",
            "type": "PCBA",
            "serial_number": "a1b2c3",
            "part_number": "part_number_1",
            "revision": "REV1.0",
            "sub_units": [],
            "info": {"sw_version": "1.0.0"},
        },
        "process": {"name": "Acceptance Test", "number": 1, "info": {}},
        "modules": {
            "test_2": {
                "status": "failed",
                "name": "Main tests",
                "group": "main",
                "start_time": 1695817264,
                "stop_time": 1695817265,
                "artifact": {},
                "cases": {
                    "test_minute_parity": {
                        "status": "failed",
                        "name": "Minute check",
                        "group": "main",
                        "start_time": 1695817264,
                        "stop_time": 1695817264,
                        "assertion_msg": (
                            "AssertionError: The test failed because 21 is odd!\nassert 1 == 0"
                        ),
                        "msg": {"3f2a9b1c": "Current minute 21"},
                        "attempt": 1,
                        "measurements": [
                            {"type": "numeric", "value": 21, "name": "Current minute"}
                        ],
                        "chart": None,
                        "artifact": {},
                    }
                },
            }
        },
    }


def _with_defaults(doc: dict[str, Any]) -> dict[str, Any]:
    """The example as `model_dump(mode="json")` gives it: plain id/rev, schema defaults filled."""
    filled = copy.deepcopy(doc)
    filled["id"] = filled.pop("_id", filled.get("id"))
    filled["rev"] = filled.pop("_rev", filled.get("rev"))
    filled["test_stand"]["instruments"][0].update(revision=None, serial_number=None, comment=None)
    case = filled["modules"]["test_2"]["cases"]["test_minute_parity"]
    case["measurements"][0].update(
        unit=None,
        operation=None,
        comparison_value=None,
        lower_limit=None,
        upper_limit=None,
        result=None,
    )
    return filled


def _case(doc: dict[str, Any]) -> dict[str, Any]:
    case: dict[str, Any] = doc["modules"]["test_2"]["cases"]["test_minute_parity"]
    return case


@pytest.fixture
def json_file(tmp_path: Path) -> Path:
    path = tmp_path / "0190c2b4-0000-7000-8000-000000000000.json"
    path.write_text(json.dumps(_example("id", "rev"), indent=2), encoding="utf-8")
    return path


def test_json_file_with_plain_ids_validates(json_file: Path) -> None:
    report = ResultRunStore.model_validate_json(json_file.read_bytes())
    assert report.id == "localhost_8000"
    assert report.rev == "12-abc"
    assert report.status is TestStatus.FAILED
    assert report.dut.serial_number == "a1b2c3"
    assert report.test_stand.instruments[0].part_number == "EPS_08"
    case = report.modules["test_2"].cases["test_minute_parity"]
    assert case.attempt == 1
    assert case.group is Group.MAIN
    assert case.msg == {"3f2a9b1c": "Current minute 21"}


def test_couchdb_doc_with_underscore_ids_validates() -> None:
    report = ResultRunStore.model_validate(_example())
    assert report.id == "localhost_8000"
    assert report.rev == "12-abc"


def test_both_spellings_give_the_same_report(json_file: Path) -> None:
    from_file = ResultRunStore.model_validate(json.loads(json_file.read_text(encoding="utf-8")))
    from_couch = ResultRunStore.model_validate(_example())
    assert from_file == from_couch


def test_ids_are_required() -> None:
    doc = _example()
    del doc["_rev"]
    with pytest.raises(ValidationError):
        ResultRunStore.model_validate(doc)
    doc = _example()
    del doc["_id"]
    with pytest.raises(ValidationError):
        ResultRunStore.model_validate(doc)


def test_dump_uses_plain_id_and_rev() -> None:
    dumped = ResultRunStore.model_validate(_example()).model_dump(mode="json")
    assert dumped["id"] == "localhost_8000"
    assert dumped["rev"] == "12-abc"
    assert "_id" not in dumped
    assert "_rev" not in dumped


def test_dump_by_alias_gives_couchdb_ids() -> None:
    dumped = ResultRunStore.model_validate(_example()).model_dump(mode="json", by_alias=True)
    assert dumped["_id"] == "localhost_8000"
    assert dumped["_rev"] == "12-abc"
    assert "id" not in dumped


@pytest.mark.parametrize("spelling", [("_id", "_rev"), ("id", "rev")], ids=["couchdb", "json"])
def test_dump_equals_input_with_defaults(spelling: tuple[str, str]) -> None:
    doc = _example(*spelling)
    dumped = ResultRunStore.model_validate(doc).model_dump(mode="json")
    assert dumped == _with_defaults(doc)


def test_dump_validate_dump_round_trip() -> None:
    first = ResultRunStore.model_validate(_example()).model_dump(mode="json")
    second = ResultRunStore.model_validate(first).model_dump(mode="json")
    assert first == second
    via_json = ResultRunStore.model_validate_json(json.dumps(first)).model_dump(mode="json")
    assert via_json == first


def test_python_dump_is_json_serialisable() -> None:
    dumped = ResultRunStore.model_validate(_example()).model_dump()
    assert json.loads(json.dumps(dumped)) == _with_defaults(_example())


def test_schema_version_is_a_classvar() -> None:
    assert ResultRunStore.__version__ == 1
    assert "__version__" not in ResultRunStore.model_validate(_example()).model_dump()


def test_defaults_of_a_minimal_report() -> None:
    report = ResultRunStore.model_validate(
        {
            "_id": "x",
            "_rev": "x",
            "name": "plan",
            "status": "ready",
            "start_time": None,
            "stop_time": None,
            "test_stand": {},
            "dut": {},
            "process": {},
        }
    )
    dumped = report.model_dump(mode="json")
    assert dumped["modules"] == {}
    assert dumped["artifact"] == {}
    assert dumped["user"] is None
    assert dumped["batch_serial_number"] is None
    assert dumped["caused_dut_failure_id"] is None
    assert dumped["error_code"] is None
    assert dumped["dut"] == {
        "name": None,
        "type": None,
        "serial_number": None,
        "part_number": None,
        "revision": None,
        "sub_units": [],
        "info": {},
    }
    assert dumped["test_stand"] == {
        "hw_id": None,
        "name": None,
        "revision": None,
        "timezone": None,
        "location": None,
        "number": None,
        "drivers": {},
        "instruments": [],
        "info": {},
    }
    assert dumped["process"] == {"name": None, "number": None, "info": {}}


def test_case_defaults() -> None:
    case = CaseRunStore.model_validate(
        {"status": "ready", "name": "c", "group": "main", "start_time": None, "stop_time": None}
    )
    assert case.model_dump(mode="json") == {
        "status": "ready",
        "name": "c",
        "group": "main",
        "start_time": None,
        "stop_time": None,
        "assertion_msg": None,
        "msg": None,
        "measurements": [],
        "chart": None,
        "attempt": 0,
        "artifact": {},
    }


@pytest.mark.parametrize("key", ["test_stand", "dut", "process", "name", "status"])
def test_required_top_level_keys(key: str) -> None:
    doc = _example()
    del doc[key]
    with pytest.raises(ValidationError):
        ResultRunStore.model_validate(doc)


@pytest.mark.parametrize("key", ["start_time", "stop_time"])
def test_time_keys_are_required_but_nullable(key: str) -> None:
    doc = _example()
    doc[key] = None
    assert getattr(ResultRunStore.model_validate(doc), key) is None
    del doc[key]
    with pytest.raises(ValidationError):
        ResultRunStore.model_validate(doc)


# ------------------------------------------------------------------ extra keys


def _put(doc: dict[str, Any], where: str, key: str, value: Any) -> None:
    targets = {
        "top": doc,
        "dut": doc["dut"],
        "test_stand": doc["test_stand"],
        "process": doc["process"],
        "instrument": doc["test_stand"]["instruments"][0],
        "module": doc["modules"]["test_2"],
        "case": _case(doc),
        "measurement": _case(doc)["measurements"][0],
    }
    targets[where][key] = value


@pytest.mark.parametrize(
    "where",
    ["top", "dut", "test_stand", "process", "instrument", "module", "case", "measurement"],
)
def test_extra_keys_are_rejected(where: str) -> None:
    doc = _example()
    _put(doc, where, "surprise", 1)
    with pytest.raises(ValidationError, match="Extra inputs are not permitted"):
        ResultRunStore.model_validate(doc)


@pytest.mark.parametrize(
    ("where", "key", "value"),
    [
        ("top", "progress", 100),
        ("top", "alert", ""),
        ("top", "operator_msg", {}),
        ("top", "operator_data", {"dialog": None}),
        ("case", "dialog_box", {}),
    ],
)
def test_statestore_fields_are_not_allowed_in_runstore(where: str, key: str, value: Any) -> None:
    doc = _example()
    _put(doc, where, key, value)
    with pytest.raises(ValidationError):
        ResultRunStore.model_validate(doc)


def test_extra_key_in_sub_unit_is_rejected() -> None:
    doc = _example()
    doc["dut"]["sub_units"] = [{"name": "PSU board", "colour": "green"}]
    with pytest.raises(ValidationError):
        ResultRunStore.model_validate(doc)


def test_extra_key_in_chart_is_rejected() -> None:
    doc = _example()
    _case(doc)["chart"] = {
        "type": "line",
        "x_data": [[1]],
        "y_data": [[2]],
        "marker_name": ["m"],
        "legend": True,
    }
    with pytest.raises(ValidationError):
        ResultRunStore.model_validate(doc)


# -------------------------------------------------------------------- times


@pytest.mark.parametrize("value", [1695817263.5, "soon", [1], {"t": 1}])
@pytest.mark.parametrize("where", ["top", "module", "case"])
def test_times_must_be_integers(where: str, value: Any) -> None:
    doc = _example()
    _put(doc, where, "start_time", value)
    with pytest.raises(ValidationError):
        ResultRunStore.model_validate(doc)


def test_times_dump_as_ints() -> None:
    dumped = ResultRunStore.model_validate(_example()).model_dump(mode="json")
    assert type(dumped["start_time"]) is int
    assert type(dumped["modules"]["test_2"]["stop_time"]) is int
    assert type(_case(dumped)["start_time"]) is int


# ----------------------------------------------------------------- statuses


@pytest.mark.parametrize("status", [s.value for s in TestStatus])
def test_statuses_dump_lowercase(status: str) -> None:
    doc = _example()
    doc["status"] = status
    doc["modules"]["test_2"]["status"] = status
    _case(doc)["status"] = status
    dumped = ResultRunStore.model_validate(doc).model_dump(mode="json")
    assert dumped["status"] == status
    assert dumped["modules"]["test_2"]["status"] == status
    assert _case(dumped)["status"] == status
    assert status == status.lower()


def test_status_values() -> None:
    assert {s.value for s in TestStatus} == {
        "passed",
        "failed",
        "skipped",
        "error",
        "run",
        "ready",
        "stopped",
    }
    assert {g.value for g in Group} == {"setup", "main", "teardown"}


@pytest.mark.parametrize("status", ["FAILED", "Passed", "done"])
def test_unknown_or_uppercase_status_is_rejected(status: str) -> None:
    doc = _example()
    doc["status"] = status
    with pytest.raises(ValidationError):
        ResultRunStore.model_validate(doc)


@pytest.mark.parametrize("group", ["setup", "main", "teardown"])
def test_group_round_trips(group: str) -> None:
    doc = _example()
    doc["modules"]["test_2"]["group"] = group
    _case(doc)["group"] = group
    dumped = ResultRunStore.model_validate(doc).model_dump(mode="json")
    assert dumped["modules"]["test_2"]["group"] == group
    assert _case(dumped)["group"] == group


def test_unknown_group_is_rejected() -> None:
    doc = _example()
    doc["modules"]["test_2"]["group"] = "middle"
    with pytest.raises(ValidationError):
        ResultRunStore.model_validate(doc)


# ------------------------------------------------------------- measurements


def _with_measurements(measurements: list[dict[str, Any]]) -> ResultRunStore:
    doc = _example()
    _case(doc)["measurements"] = measurements
    return ResultRunStore.model_validate(doc)


def test_measurements_discriminated_by_type() -> None:
    report = _with_measurements(
        [
            {"type": "numeric", "value": 3.3, "unit": "V"},
            {"type": "string", "value": "1.4.2", "name": "fw"},
        ]
    )
    numeric, string = report.modules["test_2"].cases["test_minute_parity"].measurements
    assert isinstance(numeric, NumericMeasurementRecord)
    assert isinstance(string, StringMeasurementRecord)
    assert numeric.value == 3.3
    assert string.value == "1.4.2"


@pytest.mark.parametrize("value", ["21", "3.3", "1e3", "0"])
def test_numeric_looking_string_measurement_stays_a_string(value: str) -> None:
    report = _with_measurements([{"type": "string", "value": value}])
    (meas,) = report.modules["test_2"].cases["test_minute_parity"].measurements
    assert isinstance(meas, StringMeasurementRecord)
    assert meas.value == value
    dumped = _case(report.model_dump(mode="json"))["measurements"][0]
    assert dumped["type"] == "string"
    assert dumped["value"] == value


def test_string_measurement_dump_round_trip() -> None:
    items = [
        {
            "type": "string",
            "value": "OK",
            "name": "status",
            "casesensitive": False,
            "operation": "eq",
            "comparison_value": "ok",
            "result": True,
        },
        {
            "type": "numeric",
            "value": 5,
            "name": "n",
            "unit": "pcs",
            "operation": "gele",
            "comparison_value": None,
            "lower_limit": 1,
            "upper_limit": 9,
            "result": True,
        },
    ]
    report = _with_measurements(copy.deepcopy(items))
    assert _case(report.model_dump(mode="json"))["measurements"] == items


def test_numeric_measurement_with_string_value_is_rejected() -> None:
    with pytest.raises(ValidationError):
        _with_measurements([{"type": "numeric", "value": "abc"}])


def test_unknown_measurement_type_is_rejected() -> None:
    with pytest.raises(ValidationError):
        _with_measurements([{"type": "boolean", "value": True}])


def test_numeric_only_key_on_string_measurement_is_rejected() -> None:
    with pytest.raises(ValidationError):
        _with_measurements([{"type": "string", "value": "x", "unit": "V"}])


def test_stored_result_is_not_recomputed() -> None:
    report = _with_measurements(
        [
            {
                "type": "numeric",
                "value": 21,
                "operation": "gele",
                "lower_limit": 0,
                "upper_limit": 10,
                "result": True,
            },
            # an operation without its inputs is stored as is
            {"type": "numeric", "value": 1, "operation": "eq"},
            {"type": "string", "value": "a", "operation": "gt", "comparison_value": "b"},
        ]
    )
    first, second, third = report.modules["test_2"].cases["test_minute_parity"].measurements
    assert first.result is True
    assert second.result is None
    assert second.operation is ComparisonOperation.EQ
    assert third.result is None


def test_operation_dumps_lowercase() -> None:
    report = _with_measurements(
        [{"type": "numeric", "value": 2, "operation": "ltgt", "lower_limit": 1, "upper_limit": 3}]
    )
    assert _case(report.model_dump(mode="json"))["measurements"][0]["operation"] == "ltgt"


def test_chart_in_report_round_trips() -> None:
    doc = _example()
    chart = {
        "type": "line_log_x",
        "title": "ramp",
        "x_label": "ms",
        "y_label": "V",
        "marker_name": ["3V3", None],
        "x_data": [[0, 1, 2], [0, 1]],
        "y_data": [[0.0, 2.1, 3.3], [0, 5]],
    }
    _case(doc)["chart"] = copy.deepcopy(chart)
    dumped = ResultRunStore.model_validate(doc).model_dump(mode="json")
    assert _case(dumped)["chart"] == chart


# --------------------------------------------------------------- statestore


def _state_example() -> dict[str, Any]:
    doc = _example()
    del doc["artifact"]
    del doc["modules"]["test_2"]["artifact"]
    case = _case(doc)
    del case["artifact"]
    case["dialog_box"] = {}
    doc.update(
        progress=100,
        alert="",
        operator_msg={},
        operator_data={"dialog": None},
    )
    return doc


def test_statestore_validates() -> None:
    state = ResultStateStore.model_validate(_state_example())
    assert state.progress == 100
    assert state.alert == ""
    assert state.operator_data.dialog is None
    dumped = state.model_dump(mode="json")
    assert ResultStateStore.model_validate(dumped).model_dump(mode="json") == dumped
    assert dumped["id"] == "localhost_8000"


@pytest.mark.parametrize("key", ["progress", "alert", "operator_data"])
def test_statestore_requires_panel_fields(key: str) -> None:
    doc = _state_example()
    del doc[key]
    with pytest.raises(ValidationError):
        ResultStateStore.model_validate(doc)


def test_statestore_operator_msg_defaults_to_empty() -> None:
    doc = _state_example()
    del doc["operator_msg"]
    assert ResultStateStore.model_validate(doc).operator_msg == {}


def test_statestore_operator_data_dialog_defaults_to_none() -> None:
    doc = _state_example()
    doc["operator_data"] = {}
    assert ResultStateStore.model_validate(doc).operator_data.dialog is None


@pytest.mark.parametrize(
    ("path", "key"),
    [((), "artifact"), (("modules", "test_2"), "artifact"), ("case", "artifact")],
    ids=["top", "module", "case"],
)
def test_statestore_rejects_artifacts(path: Any, key: str) -> None:
    doc = _state_example()
    target = _case(doc) if path == "case" else doc
    if path and path != "case":
        for part in path:
            target = target[part]
    target[key] = {}
    with pytest.raises(ValidationError):
        ResultStateStore.model_validate(doc)


def test_statestore_rejects_extra_operator_data_keys() -> None:
    doc = _state_example()
    doc["operator_data"] = {"dialog": "x", "other": 1}
    with pytest.raises(ValidationError):
        ResultStateStore.model_validate(doc)


def test_runstore_is_not_a_statestore() -> None:
    with pytest.raises(ValidationError):
        ResultStateStore.model_validate(_example())
