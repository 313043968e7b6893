"""Sample HardPy reports for the exchange tests: every check HardPy has, and its odd corners."""

from __future__ import annotations

import copy
from typing import Any

from hardlab.model import ResultRunStore

START = 1767225600  # 2026-01-01T00:00:00Z

OPERATIONS: list[dict[str, Any]] = [
    {"name": "eq", "value": 5, "operation": "eq", "comparison_value": 5, "result": True},
    {"name": "ne", "value": 5, "operation": "ne", "comparison_value": 4, "result": True},
    {"name": "gt", "value": 5, "operation": "gt", "comparison_value": 5, "result": False},
    {"name": "ge", "value": 5.5, "operation": "ge", "comparison_value": 5, "result": True},
    {"name": "lt", "value": -1e-06, "operation": "lt", "comparison_value": 0, "result": True},
    {"name": "le", "value": 2, "operation": "le", "comparison_value": 2.5, "result": True},
    {"name": "gtlt", "value": 3, "operation": "gtlt", "lower_limit": 1, "upper_limit": 3,
     "result": False},
    {"name": "gele", "value": 3.3, "unit": "V", "operation": "gele", "lower_limit": 3.2,
     "upper_limit": 3.4, "result": True},
    {"name": "gelt", "value": 1, "operation": "gelt", "lower_limit": 1, "upper_limit": 2,
     "result": True},
    {"name": "gtle", "value": 2, "operation": "gtle", "lower_limit": 1, "upper_limit": 2,
     "result": True},
    {"name": "ltgt", "value": 9, "unit": "%", "operation": "ltgt", "lower_limit": 1,
     "upper_limit": 8, "result": True},
    {"name": "lege", "value": 1, "operation": "lege", "lower_limit": 1, "upper_limit": 8,
     "result": True},
    {"name": "legt", "value": 5, "operation": "legt", "lower_limit": 1, "upper_limit": 8,
     "result": False},
    {"name": "ltge", "value": 8, "operation": "ltge", "lower_limit": 1, "upper_limit": 8,
     "result": True},
]  # fmt: skip


def report_doc(**overrides: Any) -> dict[str, Any]:
    """A failed run: a passing module with every numeric check, a failing retried case, a skip."""
    numeric = [{"type": "numeric", **m} for m in OPERATIONS]
    doc: dict[str, Any] = {
        "_id": "localhost_8000",
        "_rev": "3-abc",
        "name": "Power board",
        "status": "failed",
        "start_time": START,
        "stop_time": START + 42,
        "user": "alice",
        "batch_serial_number": "B-7",
        "caused_dut_failure_id": "test_2_power::test_vout",
        "error_code": 12,
        "artifact": {"fixture": "F-1"},
        "test_stand": {
            "hw_id": "c0ffee",
            "name": "Stand 1",
            "revision": "HW1",
            "timezone": "Europe/Berlin",
            "location": "Lab 2",
            "number": 4,
            "instruments": [{"name": "PSU", "number": 1, "info": {"fw": "2.1"}}],
            "info": {"room": 12},
        },
        "dut": {
            "name": "Power board",
            "type": "PCBA",
            "serial_number": "SN-0042",
            "part_number": "PB-1",
            "revision": "B",
            "sub_units": [{"name": "MCU", "serial_number": "M-1"}],
            "info": {"sw_version": "1.4.2"},
        },
        "process": {"name": "EOL", "number": 2, "info": {"line": "A"}},
        "modules": {
            "test_1_checks": {
                "status": "passed",
                "name": "Checks",
                "group": "setup",
                "start_time": START,
                "stop_time": START + 2,
                "artifact": {"m": 1},
                "cases": {
                    "test_numeric": {
                        "status": "passed",
                        "name": "Every numeric check",
                        "group": "setup",
                        "start_time": START,
                        "stop_time": START + 1,
                        "attempt": 1,
                        "msg": {"a": "first message", "b": "second message"},
                        "measurements": numeric,
                        "artifact": {"raw": [1, 2, 3]},
                    },
                    "test_strings": {
                        "status": "passed",
                        "name": "Strings and names",
                        "group": "main",
                        "start_time": START + 1,
                        "stop_time": START + 2,
                        "attempt": 1,
                        "measurements": [
                            {"type": "string", "name": "fw", "value": "1.4.2",
                             "operation": "eq", "comparison_value": "1.4.2", "result": True},
                            {"type": "string", "name": "mode", "value": "Fast",
                             "casesensitive": False, "operation": "eq",
                             "comparison_value": "FAST", "result": True},
                            {"type": "string", "name": "mode", "value": "x.y*",
                             "operation": "ne", "comparison_value": "x.y+", "result": True},
                            {"type": "numeric", "value": 7},
                            {"type": "numeric", "name": "spec", "value": 1.5,
                             "lower_limit": 1, "upper_limit": 2},
                            {"type": "string", "value": "free text"},
                        ],
                        "chart": {"type": "line", "title": "ramp", "x_data": [[0, 1]],
                                  "y_data": [[0.0, 3.3]], "marker_name": ["3V3"]},
                    },
                },
            },
            "test_2_power": {
                "status": "failed",
                "name": "Power",
                "group": "main",
                "start_time": START + 2,
                "stop_time": START + 40,
                "cases": {
                    "test_vout": {
                        "status": "failed",
                        "name": "Output voltage",
                        "group": "main",
                        "start_time": START + 3,
                        "stop_time": START + 40,
                        "attempt": 2,
                        "assertion_msg": "AssertionError: Vout out of range\nassert False",
                        "measurements": [
                            {"type": "numeric", "name": "Vout", "value": 3.6, "unit": "V",
                             "operation": "gele", "lower_limit": 3.2, "upper_limit": 3.4,
                             "result": False},
                        ],
                    },
                    "test_load": {
                        "status": "skipped",
                        "name": "Load",
                        "group": "teardown",
                        "start_time": None,
                        "stop_time": None,
                        "attempt": 0,
                        "assertion_msg": "Skipped: Test test_2_power.py::test_load is skipped",
                    },
                },
            },
        },
    }  # fmt: skip
    doc.update(overrides)
    return copy.deepcopy(doc)


def sample_report(**overrides: Any) -> ResultRunStore:
    """`report_doc` as a report model."""
    return ResultRunStore.model_validate(report_doc(**overrides))
