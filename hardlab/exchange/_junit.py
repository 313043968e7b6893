"""JUnit XML: a run as CI systems show test results, measurements as properties.

The layout is the common one (Ant's JUnit task, pytest's ``xunit1`` family,
read by Jenkins, GitLab, GitHub Actions reporters, Azure DevOps):

- ``<testsuites>``: the run; totals of tests, failures, errors, skipped, time.
- ``<testsuite>``: one per module (test file), with the run's DUT, stand and
  process as ``<properties>``.
- ``<testcase classname="<module id>" name="<case name>">``: one per case, with
  ``<properties>`` for the case (its id, attempts) and each measurement
  (``<name>`` = value, ``<name>.unit``, ``<name>.limits`` in OpenHTF's
  notation, ``<name>.result``), then ``<failure>``, ``<error>`` or
  ``<skipped>``, then ``<system-out>`` with the measurements as text and
  the case's messages.

Failed cases are ``<failure>``; HardPy's ``error`` status and cases that a
stop interrupted are ``<error>``; skipped cases, and cases that never ran
because the run ended early, are ``<skipped>``.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from datetime import datetime, timezone

from hardlab._format import format_limits, format_measurement
from hardlab.exchange._common import CaseAttempt, final_times, measurement_keys, ms
from hardlab.exchange._openhtf import validator_text
from hardlab.model.enums import TestStatus
from hardlab.model.measurement import NumericMeasurementRecord
from hardlab.model.report import CaseRunStore, ResultRunStore

__all__ = ["to_junit"]

# XML 1.0 cannot carry these characters at all, escaped or not.
_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_EXCEPTION = re.compile(r"^(?P<type>[A-Za-z_][\w.]*): ")


def _clean(text: object) -> str:
    """`text` as XML 1.0 can hold it: forbidden control characters written as ``#x1B``."""
    return _INVALID_XML.sub(lambda m: f"#x{ord(m.group()):02X}", str(text))


def _timestamp(millis: int | None) -> str | None:
    """ISO 8601 in UTC without an offset, the pattern the JUnit schema's timestamp takes."""
    if millis is None:
        return None
    moment = datetime.fromtimestamp(millis / 1000, tz=timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S")


def _seconds(start_ms: int | None, stop_ms: int | None) -> str:
    if start_ms is None or stop_ms is None or stop_ms < start_ms:
        return "0.000"
    return f"{(stop_ms - start_ms) / 1000:.3f}"


def _property(parent: ET.Element, name: str, value: object) -> None:
    ET.SubElement(parent, "property", name=_clean(name), value=_clean(value))


def _value(value: object) -> str:
    return repr(value) if isinstance(value, float) else str(value)


def _outcome(case: CaseRunStore) -> tuple[str, str, str] | None:
    """``(element, message, text)`` for a case that did not pass, else None."""
    message = case.assertion_msg or ""
    first = message.strip().splitlines()[0] if message.strip() else ""
    if case.status is TestStatus.FAILED:
        return "failure", first or "failed", message
    if case.status is TestStatus.ERROR:
        return "error", first or "error", message
    if case.status is TestStatus.STOPPED:
        return "error", "stopped: the run was stopped during this case", message
    if case.status is TestStatus.SKIPPED:
        return "skipped", first or "skipped", ""
    if case.status in (TestStatus.READY, TestStatus.RUN):
        return "skipped", "not run: the run ended before this case", ""
    return None


def _run_properties(report: ResultRunStore, run_id: str | None) -> list[tuple[str, object]]:
    dut, stand, process = report.dut, report.test_stand, report.process
    pairs: list[tuple[str, object]] = [
        ("run_id", run_id),
        ("status", report.status.value),
        ("dut.serial_number", dut.serial_number),
        ("dut.part_number", dut.part_number),
        ("dut.name", dut.name),
        ("dut.type", dut.type),
        ("dut.revision", dut.revision),
        ("batch_serial_number", report.batch_serial_number),
        ("user", report.user),
        ("test_stand.name", stand.name),
        ("test_stand.hw_id", stand.hw_id),
        ("test_stand.location", stand.location),
        ("test_stand.number", stand.number),
        ("process.name", process.name),
        ("process.number", process.number),
        ("error_code", report.error_code),
        ("caused_dut_failure_id", report.caused_dut_failure_id),
    ]
    pairs += [(f"dut.info.{k}", v) for k, v in dut.info.items()]
    return [(name, value) for name, value in pairs if value is not None]


def _testcase(
    module_id: str,
    case_id: str,
    case: CaseRunStore,
    final: CaseAttempt | None,
    earlier: list[CaseAttempt],
) -> tuple[ET.Element, str | None]:
    start = final.started_ms if final and final.started_ms is not None else None
    stop = final.stopped_ms if final and final.stopped_ms is not None else None
    if start is None and case.start_time is not None:
        start = case.start_time * 1000
    if stop is None and case.stop_time is not None:
        stop = case.stop_time * 1000
    element = ET.Element(
        "testcase",
        classname=_clean(module_id),
        name=_clean(case.name),
        time=_seconds(start, stop),
    )
    properties = ET.SubElement(element, "properties")
    _property(properties, "case_id", case_id)
    if case.attempt > 1 or earlier:
        _property(properties, "attempt", case.attempt)
    lines = []
    for key, meas in zip(measurement_keys(case.measurements), case.measurements, strict=True):
        _property(properties, key, _value(meas.value))
        if isinstance(meas, NumericMeasurementRecord) and meas.unit:
            _property(properties, f"{key}.unit", meas.unit)
        check = validator_text(meas)
        if check is not None:
            _property(properties, f"{key}.limits", check)
        if meas.result is not None:
            _property(properties, f"{key}.result", "passed" if meas.result else "failed")
        verdict = " ✓" if meas.result is True else " ✗" if meas.result is False else ""
        limits = format_limits(meas)
        lines.append(f"{format_measurement(meas)}{'  ' + limits if limits else ''}{verdict}")
    lines += [f"attempt {a.attempt}: {a.case.status.value}" for a in earlier]
    lines += [str(text) for text in (case.msg or {}).values()]
    outcome = _outcome(case)
    if outcome is not None:
        tag, message, text = outcome
        child = ET.SubElement(element, tag, message=_clean(message))
        if tag != "skipped":
            kind = _EXCEPTION.match(text)
            child.set("type", kind["type"] if kind else tag)
            child.text = _clean(text) if text else None
    if lines:
        ET.SubElement(element, "system-out").text = _clean("\n".join(lines))
    return element, outcome[0] if outcome else None


def to_junit(
    report: ResultRunStore,
    *,
    run_id: str | None = None,
    started_ms: int | None = None,
    stopped_ms: int | None = None,
    attempts: Iterable[CaseAttempt] = (),
) -> str:
    """A report as a JUnit XML document (see this module's docstring for the layout).

    Args:
        report: The report.
        run_id: hardlab's run id, kept as a property.
        started_ms: The run's start in Unix milliseconds (default: the report's).
        stopped_ms: Its end, likewise.
        attempts: Stored attempts: the final ones give cases their times to
            the millisecond, earlier ones are listed in the case's output.

    Returns:
        The XML text, with its declaration, UTF-8.
    """
    finals, earlier = final_times(attempts)
    start = started_ms if started_ms is not None else ms(report.start_time)
    stop = stopped_ms if stopped_ms is not None else ms(report.stop_time)
    root = ET.Element("testsuites", name=_clean(report.name or "hardlab"))
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    run_properties = _run_properties(report, run_id)
    hostname = report.test_stand.name or report.test_stand.hw_id or ""
    for index, (module_id, module) in enumerate(report.modules.items()):
        suite = ET.SubElement(root, "testsuite", name=_clean(module.name))
        counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
        properties = ET.SubElement(suite, "properties")
        _property(properties, "module_id", module_id)
        for name, value in run_properties:
            _property(properties, name, value)
        for case_id, case in module.cases.items():
            key = (module_id, case_id)
            element, kind = _testcase(
                module_id, case_id, case, finals.get(key), earlier.get(key, [])
            )
            suite.append(element)
            counts["tests"] += 1
            if kind == "failure":
                counts["failures"] += 1
            elif kind == "error":
                counts["errors"] += 1
            elif kind == "skipped":
                counts["skipped"] += 1
        module_start = ms(module.start_time)
        for name, count in counts.items():
            suite.set(name, str(count))
            totals[name] += count
        suite.set("time", _seconds(module_start, ms(module.stop_time)))
        timestamp = _timestamp(module_start if module_start is not None else start)
        if timestamp:
            suite.set("timestamp", timestamp)
        suite.set("hostname", _clean(hostname))
        suite.set("id", str(index))
        suite.set("package", _clean(module_id))
    for name, count in totals.items():
        root.set(name, str(count))
    root.set("time", _seconds(start, stop))
    timestamp = _timestamp(start)
    if timestamp:
        root.set("timestamp", timestamp)
    ET.indent(root)
    body = ET.tostring(root, encoding="unicode")
    return f'<?xml version="1.0" encoding="UTF-8"?>\n{body}\n'
