"""JUnit XML in the shape CI systems read, and CSV with one row per measurement."""

from __future__ import annotations

import csv
import io
import re
import xml.etree.ElementTree as ET
from typing import Any

from _reports import START, report_doc, sample_report

from hardlab.exchange import CSV_COLUMNS, CaseAttempt, to_csv, to_junit
from hardlab.model import ResultRunStore
from hardlab.model.measurement import NumericMeasurementRecord

TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$")  # the JUnit schema's pattern
DECIMAL = re.compile(r"^\d+\.\d{3}$")
OUTCOMES = {"failure", "error", "skipped"}


def _check_junit_shape(root: ET.Element) -> None:
    """The common JUnit schema (Ant's JUnit task; what Jenkins and GitLab read)."""
    assert root.tag == "testsuites"
    totals = dict.fromkeys(("tests", "failures", "errors", "skipped"), 0)
    for suite in root:
        assert suite.tag == "testsuite"
        for name in ("name", "timestamp", "hostname", "tests", "failures", "errors", "time"):
            assert name in suite.attrib, name
        assert TIMESTAMP.match(suite.attrib["timestamp"]), suite.attrib["timestamp"]
        assert DECIMAL.match(suite.attrib["time"])
        children = [child.tag for child in suite]
        assert children[0] == "properties"
        assert set(children[1:]) <= {"testcase", "system-out", "system-err"}
        counts = dict.fromkeys(totals, 0)
        properties = suite.find("properties")
        assert properties is not None
        for prop in properties:
            assert prop.tag == "property"
            assert set(prop.attrib) == {"name", "value"}
        for case in suite.iter("testcase"):
            assert {"name", "classname", "time"} <= set(case.attrib)
            assert DECIMAL.match(case.attrib["time"])
            tags = [child.tag for child in case]
            order = {"properties": 0, "failure": 1, "error": 1, "skipped": 1, "system-out": 2}
            assert [order[tag] for tag in tags] == sorted(order[tag] for tag in tags), tags
            outcome = [tag for tag in tags if tag in OUTCOMES]
            assert len(outcome) <= 1
            counts["tests"] += 1
            if outcome:
                element = case.find(outcome[0])
                assert element is not None
                assert "message" in element.attrib
                if outcome[0] != "skipped":
                    assert "type" in element.attrib
                counts[
                    {"failure": "failures", "error": "errors", "skipped": "skipped"}[outcome[0]]
                ] += 1
        for name, count in counts.items():
            assert int(suite.attrib[name]) == count, name
            totals[name] += count
    for name, count in totals.items():
        assert int(root.attrib[name]) == count, name


def _properties(element: ET.Element) -> dict[str, str]:
    found = element.find("properties")
    assert found is not None
    return {prop.attrib["name"]: prop.attrib["value"] for prop in found}


def test_junit_shape_counts_and_properties() -> None:
    text = to_junit(sample_report(), run_id="run-1", started_ms=START * 1000 + 125)
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n')
    root = ET.fromstring(text.encode("utf-8"))
    _check_junit_shape(root)
    assert root.attrib["name"] == "Power board"
    assert (root.attrib["tests"], root.attrib["failures"], root.attrib["skipped"]) == (
        "4",
        "1",
        "1",
    )
    assert root.attrib["timestamp"] == "2026-01-01T00:00:00"
    assert root.attrib["time"] == "41.875"
    checks, power = root.findall("testsuite")
    assert checks.attrib["name"] == "Checks" and checks.attrib["package"] == "test_1_checks"
    suite_props = _properties(power)
    assert suite_props["run_id"] == "run-1"
    assert suite_props["dut.serial_number"] == "SN-0042"
    assert suite_props["dut.info.sw_version"] == "1.4.2"
    assert suite_props["error_code"] == "12"
    assert power.attrib["hostname"] == "Stand 1"

    vout, load = power.findall("testcase")
    assert (vout.attrib["classname"], vout.attrib["name"]) == ("test_2_power", "Output voltage")
    assert vout.attrib["time"] == "37.000"
    props = _properties(vout)
    assert props["case_id"] == "test_vout"
    assert props["attempt"] == "2"
    assert props["Vout"] == "3.6"
    assert props["Vout.unit"] == "V"
    assert props["Vout.limits"] == "3.2 <= x <= 3.4"
    assert props["Vout.result"] == "failed"
    failure = vout.find("failure")
    assert failure is not None
    assert failure.attrib == {
        "message": "AssertionError: Vout out of range",
        "type": "AssertionError",
    }
    assert failure.text == "AssertionError: Vout out of range\nassert False"
    out = vout.find("system-out")
    assert out is not None and "Vout 3.6 V  [3.2 .. 3.4] ✗" in (out.text or "")
    skipped = load.find("skipped")
    assert skipped is not None
    assert skipped.attrib["message"] == "Skipped: Test test_2_power.py::test_load is skipped"

    numeric, strings = checks.findall("testcase")
    names = _properties(strings)
    # unnamed measurements get a name; a repeated name is made unique
    assert {"fw", "mode", "mode_2", "measurement_3", "spec", "measurement_5"} <= set(names)
    assert names["mode.limits"] == "'x' matches /(?i)^FAST$/"
    assert names["mode_2.limits"] == "'x' does not match /^x\\.y\\+$/"
    assert "spec.limits" not in names  # limits without a check are not a check
    assert _properties(numeric)["ltgt.limits"] == "x < 1 or 8 < x"
    messages = numeric.find("system-out")
    assert messages is not None and "first message\nsecond message" in (messages.text or "")


def test_junit_errors_for_stops_and_unrun_cases() -> None:
    doc = report_doc(status="stopped")
    cases = doc["modules"]["test_2_power"]["cases"]
    cases["test_vout"]["status"] = "stopped"
    cases["test_load"]["status"] = "ready"
    cases["test_vout"]["assertion_msg"] = "KeyboardInterrupt\x1b[31m red \x00"
    root = ET.fromstring(to_junit(ResultRunStore.model_validate(doc)).encode())
    _check_junit_shape(root)
    assert (root.attrib["errors"], root.attrib["skipped"]) == ("1", "1")
    vout, load = root.findall("testsuite")[1].findall("testcase")
    error = vout.find("error")
    assert error is not None
    assert error.attrib["message"].startswith("stopped")
    assert error.text == "KeyboardInterrupt#x1B[31m red #x00"  # XML 1.0 cannot hold them
    not_run = load.find("skipped")
    assert not_run is not None and not_run.attrib["message"].startswith("not run")


def test_junit_case_times_and_attempts_from_the_store() -> None:
    report = sample_report()
    vout = report.modules["test_2_power"].cases["test_vout"]
    attempts = [
        CaseAttempt("test_2_power", "test_vout", 1, vout.model_copy(update={"attempt": 1})),
        CaseAttempt(
            "test_2_power", "test_vout", 2, vout, final=True, started_ms=5_000, stopped_ms=5_250
        ),
    ]
    root = ET.fromstring(to_junit(report, attempts=attempts).encode())
    case = root.findall("testsuite")[1].findall("testcase")[0]
    assert case.attrib["time"] == "0.250"
    out = case.find("system-out")
    assert out is not None and "attempt 1: failed" in (out.text or "")


def test_csv_one_row_per_measurement() -> None:
    report = sample_report()
    text = to_csv(report, run_id="run-1")
    assert text.endswith("\r\n")
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    assert tuple(rows[0]) == CSV_COLUMNS
    total = sum(len(c.measurements) for m in report.modules.values() for c in m.cases.values())
    assert len(rows) == total == 21
    assert {row["run_id"] for row in rows} == {"run-1"}
    assert {row["started_at"] for row in rows} == {"2026-01-01T00:00:00.000+00:00"}
    by_name = {(row["case_id"], row["name"], row["position"]): row for row in rows}
    gele = by_name[("test_numeric", "gele", "7")]
    assert (gele["value"], gele["unit"], gele["operation"]) == ("3.3", "V", "gele")
    assert (gele["lower_limit"], gele["upper_limit"], gele["result"]) == ("3.2", "3.4", "true")
    assert gele["limits"] == "[3.2 .. 3.4]"
    assert gele["serial_number"] == "SN-0042" and gele["module_name"] == "Checks"
    lt = by_name[("test_numeric", "lt", "4")]
    assert float(lt["value"]) == -1e-06
    mode = by_name[("test_strings", "mode", "1")]
    assert (mode["type"], mode["casesensitive"], mode["comparison_value"]) == (
        "string",
        "false",
        "FAST",
    )
    unnamed = by_name[("test_strings", "", "3")]
    assert (unnamed["value"], unnamed["result"], unnamed["operation"]) == ("7", "", "")
    vout = by_name[("test_vout", "Vout", "0")]
    assert (vout["case_status"], vout["attempt"], vout["final"]) == ("failed", "2", "true")


def test_csv_with_earlier_attempts() -> None:
    report = sample_report()
    vout = report.modules["test_2_power"].cases["test_vout"]
    first = vout.model_copy(
        update={
            "attempt": 1,
            "measurements": [NumericMeasurementRecord(name="Vout", value=3.7, result=False)],
        }
    )
    text = to_csv(report, attempts=[CaseAttempt("test_2_power", "test_vout", 1, first)])
    rows = [row for row in csv.DictReader(io.StringIO(text)) if row["case_id"] == "test_vout"]
    assert [(r["attempt"], r["final"], r["value"]) for r in rows] == [
        ("1", "false", "3.7"),
        ("2", "true", "3.6"),
    ]


def test_csv_text_that_a_spreadsheet_would_run_gets_a_leading_quote() -> None:
    # OWASP's CSV injection advice: = + - @ tab and CR start a formula
    hostile = ['=HYPERLINK("http://x")', "+1+1", "-2+3", "@SUM(A1)", "\tx", "\rx"]
    measurements: list[dict[str, Any]] = [
        {"type": "string", "name": text, "value": text} for text in hostile
    ]
    measurements.append({"type": "numeric", "name": "offset", "value": -0.5, "lower_limit": -1})
    report = ResultRunStore.model_validate(
        {
            "_id": "r", "_rev": "1", "name": "=cmd|' /C calc'!A0", "status": "passed",
            "start_time": 0, "stop_time": 1,
            "dut": {"serial_number": "@SN", "part_number": "PN-1"}, "test_stand": {},
            "process": {},
            "modules": {"m": {
                "status": "passed", "name": "M", "group": "main", "start_time": 0,
                "stop_time": 1, "cases": {"c": {
                    "status": "passed", "name": "-C", "group": "main", "start_time": 0,
                    "stop_time": 1, "attempt": 1, "measurements": measurements,
                }},
            }},
        }
    )  # fmt: skip
    rows = list(csv.DictReader(io.StringIO(to_csv(report), newline="")))
    for row, text in zip(rows, hostile, strict=False):
        assert row["name"] == row["value"] == "'" + text
    assert rows[0]["run_name"] == "'=cmd|' /C calc'!A0"
    assert (rows[0]["serial_number"], rows[0]["case_name"]) == ("'@SN", "'-C")
    number = rows[-1]
    assert (number["value"], number["lower_limit"]) == ("-0.5", "-1")  # numbers stay numbers
    assert number["name"] == "offset" and rows[0]["part_number"] == "PN-1"
