"""The public namespace: complete, sorted, and HardPy's signatures (hardpy-contract §1)."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import pytest

import hardlab

# HardPy's public names (hardpy.__all__), every one of them, plus CouchdbReader
# (which HardPy exports from hardpy.pytest_hardpy.result only).
HARDPY_NAMES = {
    "BaseWidget", "Chart", "ChartType", "CheckboxWidget", "ComparisonOperation",
    "CouchdbConfig", "CouchdbLoader", "CouchdbReader", "DialogBox",
    "DuplicateParameterError", "ErrorCode", "Group", "HTMLComponent", "HardpyConfig",
    "ImageComponent", "Instrument", "JsonLoader", "MultistepWidget", "NumericInputWidget",
    "NumericMeasurement", "PassFailDialog", "RadiobuttonWidget", "StandCloudConnector",
    "StandCloudError", "StandCloudLoader", "StandCloudReader", "StepWidget",
    "StringMeasurement", "SubUnit", "TestStandNumberError", "TextInputWidget",
    "clear_operator_message", "get_current_attempt", "get_current_report", "get_hardpy_config",
    "run_dialog_box", "set_batch_serial_number", "set_case_artifact", "set_case_chart",
    "set_case_measurement", "set_driver_info", "set_dut_info", "set_dut_name",
    "set_dut_part_number", "set_dut_revision", "set_dut_serial_number", "set_dut_sub_unit",
    "set_dut_type", "set_instrument", "set_message", "set_module_artifact",
    "set_operator_message", "set_process_info", "set_process_name", "set_process_number",
    "set_run_artifact", "set_stand_info", "set_stand_location", "set_stand_name",
    "set_stand_number", "set_stand_revision", "set_user_name",
}  # fmt: skip

# HardPy's parameters, in order, with their defaults (hardpy-contract §1).
SIGNATURES: dict[str, list[tuple[str, object]]] = {
    "set_user_name": [("name", None)],
    "set_batch_serial_number": [("serial_number", None)],
    "set_dut_serial_number": [("serial_number", None)],
    "set_dut_part_number": [("part_number", None)],
    "set_dut_name": [("name", None)],
    "set_dut_type": [("dut_type", None)],
    "set_dut_revision": [("revision", None)],
    "set_dut_info": [("info", None)],
    "set_dut_sub_unit": [("sub_unit", None)],
    "set_stand_name": [("name", None)],
    "set_stand_revision": [("revision", None)],
    "set_stand_location": [("location", None)],
    "set_stand_number": [("number", None)],
    "set_stand_info": [("info", None)],
    "set_instrument": [("instrument", None)],
    "set_driver_info": [("drivers", None)],
    "set_process_name": [("name", None)],
    "set_process_number": [("number", None)],
    "set_process_info": [("info", None)],
    "set_message": [("msg", None), ("msg_key", "None")],
    "set_case_artifact": [("data", None)],
    "set_module_artifact": [("data", None)],
    "set_run_artifact": [("data", None)],
    "set_case_measurement": [("measurement", None)],
    "set_case_chart": [("chart", None)],
    "run_dialog_box": [("dialog_box_data", None)],
    "set_operator_message": [
        ("msg", None), ("title", "None"), ("block", "True"), ("image", "None"),
        ("html", "None"), ("font_size", "14"),
    ],
    "clear_operator_message": [],
    "get_current_report": [],
    "get_current_attempt": [],
    "get_hardpy_config": [],
    "ErrorCode": [("code", None), ("message", "None")],
    "DialogBox": [
        ("dialog_text", None), ("title_bar", "None"), ("widget", "None"), ("image", "None"),
        ("html", "None"), ("font_size", "14"), ("pass_fail", "False"), ("button_text", "None"),
    ],
    "ImageComponent": [("address", None), ("width", "100"), ("border", "0")],
    "HTMLComponent": [("html", None), ("width", "100"), ("border", "0"), ("is_raw_html", "True")],
    "StepWidget": [("title", None), ("text", None), ("image", "None"), ("html", "None")],
    "MultistepWidget": [("steps", None)],
    "RadiobuttonWidget": [("fields", None)],
    "CheckboxWidget": [("fields", None)],
    "TextInputWidget": [],
    "NumericInputWidget": [],
    "BaseWidget": [("widget_type", "<WidgetType.BASE: 'base'>")],
    "JsonLoader": [("storage_dir", "None")],
    "PassFailDialog": [("result", "False"), ("data", "None")],
    "DuplicateParameterError": [("param_name", None)],
    "TestStandNumberError": [],
    "StandCloudConnector": [("addr", "'standcloud.everypin.io'"), ("api_mode", "<StandCloudAPIMode.HARDPY: 'hardpy'>"),
                            ("api_version", "1"), ("api_key", "None")],
    "StandCloudLoader": [("address", "None")],
    "StandCloudReader": [("sc_connector", None)],
    "StandCloudError": [("msg", None)],
    "CouchdbConfig": [("db_name", "'report'"), ("user", "'dev'"), ("password", "'dev'"),
                      ("host", "'localhost'"), ("port", "5984"), ("connection_str", "None")],
    "CouchdbLoader": [("config", None)],
    "CouchdbReader": [("config", None)],
}  # fmt: skip


def _params(obj: object) -> list[tuple[str, object]]:
    signature = inspect.signature(obj)  # type: ignore[arg-type]
    return [
        (p.name, None if p.default is inspect.Parameter.empty else repr(p.default))
        for p in signature.parameters.values()
    ]


def test_all_is_sorted_and_complete() -> None:
    assert hardlab.__all__ == sorted(hardlab.__all__)
    for name in hardlab.__all__:
        assert getattr(hardlab, name) is not None, name
    public = {
        name
        for name in dir(hardlab)
        if not name.startswith("_") and not inspect.ismodule(getattr(hardlab, name))
    }
    assert public - {"annotations", "TYPE_CHECKING"} <= set(hardlab.__all__)


def test_type_checking_imports_match_all() -> None:
    tree = ast.parse(Path(hardlab.__file__).read_text())
    imported: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and getattr(node.test, "id", "") == "TYPE_CHECKING":
            for stmt in node.body:
                assert isinstance(stmt, ast.ImportFrom)
                imported.update(alias.name for alias in stmt.names)
    assert imported == set(hardlab.__all__) - {"__version__"}


def test_every_hardpy_name_is_here() -> None:
    assert set(hardlab.__all__) >= HARDPY_NAMES


@pytest.mark.parametrize("name", sorted(SIGNATURES))
def test_hardpy_signatures(name: str) -> None:
    # HardPy's parameters, in order, then only hardlab's keyword-only options with defaults
    obj = getattr(hardlab, name)
    expected = SIGNATURES[name]
    assert _params(obj)[: len(expected)] == expected
    extra = list(inspect.signature(obj).parameters.values())[len(expected) :]
    for parameter in extra:
        assert parameter.kind is inspect.Parameter.KEYWORD_ONLY, (name, parameter.name)
        assert parameter.default is not inspect.Parameter.empty, (name, parameter.name)


def test_couchdb_method_signatures() -> None:
    assert _params(hardlab.CouchdbLoader.load) == [("self", None), ("report", None)]
    reader = hardlab.CouchdbReader
    assert _params(reader.get_report_total_count) == [("self", None)]
    for name in ("get_report_count_in_timeframe", "get_report_infos_in_timeframe"):
        assert _params(getattr(reader, name)) == [
            ("self", None), ("start_time", None), ("end_time", None),
        ], name  # fmt: skip
    assert _params(reader.get_report_status) == [("self", None), ("report_name", None)]
    assert _params(reader.get_report_infos) == [("self", None)]
    assert "connection_string" in dir(hardlab.CouchdbConfig)


def test_standcloud_method_signatures() -> None:
    assert _params(hardlab.StandCloudLoader.load) == [
        ("self", None), ("report", None), ("timeout", "20"),
    ]  # fmt: skip
    assert _params(hardlab.StandCloudReader.test_run) == [
        ("self", None), ("run_id", "None"), ("params", "None"),
    ]  # fmt: skip
    assert _params(hardlab.StandCloudReader.tested_dut) == [("self", None), ("params", "None")]
    assert _params(hardlab.StandCloudConnector.wait_verification) == [
        ("self", None), ("response", None), ("waiting_time_m", "5"),
    ]  # fmt: skip


def test_json_loader_load_signature() -> None:
    assert _params(hardlab.JsonLoader.load) == [
        ("self", None),
        ("report", None),
        ("new_report_id", "None"),
    ]


def test_version() -> None:
    from importlib.metadata import version

    assert hardlab.__version__ == version("hardlab")


def test_unknown_name() -> None:
    with pytest.raises(AttributeError, match="no attribute 'set_nothing'"):
        _ = hardlab.set_nothing  # type: ignore[attr-defined]
