"""OpenHTF test records: hardlab reports out as OpenHTF's JSON, OpenHTF records in as reports.

A record is what OpenHTF's ``OutputToJSON`` callback writes (and what
TofuPilot and other OpenHTF tooling import). The mapping:

========================  ==================================================
HardPy report             OpenHTF record
========================  ==================================================
dut.serial_number         ``dut_id`` (``UNKNOWN_DUT`` when unset, as OpenHTF)
test_stand.name (hw_id)   ``station_id``
start/stop                ``start_time_millis`` / ``end_time_millis``
status                    ``outcome``: PASS, FAIL, ABORTED (stopped), ERROR
name, dut.part_number     ``metadata.test_name``, ``metadata.part_number``
module                    a subtest (``subtests``, each phase's ``subtest_name``)
case                      a phase: ``name`` is the case's name, ``outcome``
                          PASS/FAIL/SKIP/ERROR, a failure's message in
                          ``result.phase_result`` as OpenHTF records exceptions
earlier attempts          phases of the same name before it, ``result`` REPEAT
measurement               ``measurements[name]``: ``measured_value``, ``units``,
                          ``outcome`` (PASS/FAIL) and ``validators``
comparison + limits       validator strings in OpenHTF's notation
                          (``3.0 <= x <= 3.6``, ``x == 5``, ``'x' matches /^ok$/``);
                          the strict and outside-range checks HardPy has and
                          OpenHTF's built-ins lack read ``3.0 < x < 3.6``,
                          ``x < 1 or 2 < x``, ``'x' does not match /^ok$/``
case messages             ``log_records`` (INFO, logger ``hardlab.<module>.<case>``)
error_code                ``outcome_details[0].code``
========================  ==================================================

What OpenHTF has no field for (ids, groups, artifacts, charts, stand and DUT
details, limits without a check) travels in ``metadata.hardlab.report``, a
copy of the HardPy report. `from_openhtf` uses that copy when the record's
own fields still say what the copy says, so hardlab → OpenHTF → hardlab loses
nothing; a record written by OpenHTF itself, or edited since, is read from
its OpenHTF fields alone.
"""

from __future__ import annotations

import json
import math
import re
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import ValidationError

from hardlab.exchange._common import CaseAttempt, final_times, measurement_keys, ms
from hardlab.model.enums import ComparisonOperation, Group, TestStatus
from hardlab.model.measurement import (
    MeasurementRecord,
    NumericMeasurementRecord,
    StringMeasurementRecord,
)
from hardlab.model.report import CaseRunStore, ModuleRunStore, ResultRunStore

__all__ = [
    "OPENHTF_FORMAT",
    "CaseAttempt",
    "OpenhtfRun",
    "from_openhtf",
    "is_openhtf_record",
    "parse_validator",
    "to_openhtf",
    "validator_text",
]

OPENHTF_FORMAT = 1
"""Version of the ``metadata.hardlab`` block hardlab writes."""

UNKNOWN_DUT = "UNKNOWN_DUT"
"""OpenHTF's ``dut_id`` when a test never learnt one."""

_RUN_OUTCOME = {
    TestStatus.PASSED: "PASS",
    TestStatus.SKIPPED: "PASS",
    TestStatus.FAILED: "FAIL",
    TestStatus.ERROR: "ERROR",
    TestStatus.STOPPED: "ABORTED",
    TestStatus.RUN: "ABORTED",
    TestStatus.READY: "ABORTED",
}
_RUN_STATUS = {
    "PASS": TestStatus.PASSED,
    "FAIL": TestStatus.FAILED,
    "ERROR": TestStatus.FAILED,
    "TIMEOUT": TestStatus.FAILED,
    "ABORTED": TestStatus.STOPPED,
}
_PHASE_OUTCOME = {
    TestStatus.PASSED: "PASS",
    TestStatus.FAILED: "FAIL",
    TestStatus.SKIPPED: "SKIP",
    TestStatus.ERROR: "ERROR",
    TestStatus.STOPPED: "ERROR",
    TestStatus.RUN: "ERROR",
    TestStatus.READY: "SKIP",
}
_CASE_STATUS = {
    "PASS": TestStatus.PASSED,
    "FAIL": TestStatus.FAILED,
    "SKIP": TestStatus.SKIPPED,
    "ERROR": TestStatus.FAILED,  # HardPy reports errors as failures too
}
_SUBTEST_OUTCOME = {
    TestStatus.PASSED: "PASS",
    TestStatus.SKIPPED: "PASS",
    TestStatus.FAILED: "FAIL",
    TestStatus.ERROR: "FAIL",
}

# UNECE Recommendation 20 names and codes of units HardPy plans commonly use,
# keyed by the unit as written, as OpenHTF's `openhtf.util.units` has them.
_UNITS: dict[str, tuple[str, str]] = {
    "V": ("volt", "VLT"),
    "mV": ("millivolt", "2Z"),
    "µV": ("microvolt", "D82"),
    "kV": ("kilovolt", "KVT"),
    "A": ("ampere", "AMP"),
    "mA": ("milliampere", "4K"),
    "µA": ("microampere", "B84"),
    "Ω": ("ohm", "OHM"),  # Greek capital omega, as keyboards write it
    "kΩ": ("kiloohm", "B49"),
    "MΩ": ("megaohm", "B75"),
    "\u2126": ("ohm", "OHM"),  # the ohm sign, as OpenHTF writes it
    "k\u2126": ("kiloohm", "B49"),
    "M\u2126": ("megaohm", "B75"),
    "Hz": ("hertz", "HTZ"),
    "kHz": ("kilohertz", "KHZ"),
    "MHz": ("megahertz", "MHZ"),
    "W": ("watt", "WTT"),
    "mW": ("milliwatt", "C31"),
    "s": ("second [unit of time]", "SEC"),
    "ms": ("millisecond", "C26"),
    "µs": ("microsecond", "B98"),
    "ns": ("nanosecond", "C47"),
    "°C": ("degree Celsius", "CEL"),
    "K": ("kelvin", "KEL"),
    "%": ("percent", "P1"),
    "dB": ("decibel", "2N"),
    "dBm": ("Decibel-milliwatts", "DBM"),
    "F": ("farad", "FAR"),
    "H": ("henry", "81"),
    "m": ("metre", "MTR"),
    "g": ("gram", "GRM"),
    "N": ("newton", "NEW"),
    "Pa": ("pascal", "PAL"),
    "J": ("joule", "JOU"),
}

_NUMBER = r"(?:[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?|[-+]?inf|nan)"


# ---------------------------------------------------------------------- validators


def _number_text(value: float | int) -> str:
    # OpenHTF writes limits with str.format: 3.0, 5, 1e-06
    return f"{value}"


def _number(text: str) -> int | float:
    try:
        return int(text)
    except ValueError:
        return float(text)


def validator_text(measurement: MeasurementRecord) -> str | None:
    """The OpenHTF validator string for a measurement's check, or None if it has none."""
    op = measurement.operation
    if op is None:
        return None
    if isinstance(measurement, StringMeasurementRecord):
        pattern = "^" + re.escape(str(measurement.comparison_value)) + "$"
        if not measurement.casesensitive:
            pattern = "(?i)" + pattern
        if op is ComparisonOperation.EQ:
            return f"'x' matches /{pattern}/"
        if op is ComparisonOperation.NE:
            return f"'x' does not match /{pattern}/"
        return None
    c = measurement.comparison_value
    lo, hi = measurement.lower_limit, measurement.upper_limit
    single = {
        ComparisonOperation.EQ: "x == {c}",
        ComparisonOperation.NE: "x != {c}",
        ComparisonOperation.GT: "{c} < x",
        ComparisonOperation.GE: "{c} <= x",
        ComparisonOperation.LT: "x < {c}",
        ComparisonOperation.LE: "x <= {c}",
    }
    if op in single:
        return None if c is None else single[op].format(c=_number_text(c))
    if lo is None or hi is None:
        return None
    ranged = {
        ComparisonOperation.GTLT: "{lo} < x < {hi}",
        ComparisonOperation.GELE: "{lo} <= x <= {hi}",
        ComparisonOperation.GELT: "{lo} <= x < {hi}",
        ComparisonOperation.GTLE: "{lo} < x <= {hi}",
        ComparisonOperation.LTGT: "x < {lo} or {hi} < x",
        ComparisonOperation.LEGE: "x <= {lo} or {hi} <= x",
        ComparisonOperation.LEGT: "x <= {lo} or {hi} < x",
        ComparisonOperation.LTGE: "x < {lo} or {hi} <= x",
    }
    if lo == hi and op is ComparisonOperation.GELE:
        return f"x == {_number_text(lo)}"  # OpenHTF writes a one-point range so
    return ranged[op].format(lo=_number_text(lo), hi=_number_text(hi))


@dataclass(frozen=True)
class _Check:
    """A HardPy check read from a validator string."""

    operation: ComparisonOperation
    comparison_value: Any = None
    lower_limit: int | float | None = None
    upper_limit: int | float | None = None
    casesensitive: bool = True
    kind: Literal["numeric", "string"] = "numeric"


_RANGE = re.compile(
    rf"^(?:(?P<lo>{_NUMBER}) (?P<lo_op><=|<) )?(?:Marginal:(?:{_NUMBER}) <= )?x"
    rf"(?: <= Marginal:(?:{_NUMBER}))?(?: (?P<hi_op><=|<) (?P<hi>{_NUMBER}))?$"
)
_OUTSIDE = re.compile(
    rf"^x (?P<lo_op><=|<) (?P<lo>{_NUMBER}) or (?P<hi>{_NUMBER}) (?P<hi_op><=|<) x$"
)
_EQUAL = re.compile(rf"^x (?P<op>==|!=) (?P<c>{_NUMBER})$")
_GREATER = re.compile(rf"^x (?P<op>>=|>) (?P<c>{_NUMBER})$")
_MATCHES = re.compile(r"^'x' (?P<neg>does not match|matches) /(?P<regex>.*)/$", re.DOTALL)
_EQUALS_TO = re.compile(r"^'x' is equal to '(?P<c>.*)'$", re.DOTALL)
_PERCENT = re.compile(
    rf"^'x' is within (?P<p>{_NUMBER})% of (?P<e>{_NUMBER})\.(?: Marginal: .*)?$", re.DOTALL
)
_IN_RANGE = {
    ("<=", "<="): ComparisonOperation.GELE,
    ("<", "<"): ComparisonOperation.GTLT,
    ("<=", "<"): ComparisonOperation.GELT,
    ("<", "<="): ComparisonOperation.GTLE,
}
_OUT_OF_RANGE = {
    ("<", "<"): ComparisonOperation.LTGT,
    ("<=", "<="): ComparisonOperation.LEGE,
    ("<=", "<"): ComparisonOperation.LEGT,
    ("<", "<="): ComparisonOperation.LTGE,
}


def _literal(regex: str) -> tuple[str, bool] | None:
    """The text a ``^escaped$`` regex matches exactly, and whether case matters; else None."""
    casesensitive = True
    if regex.startswith("(?i)"):
        regex, casesensitive = regex[4:], False
    if not (regex.startswith("^") and regex.endswith("$")):
        return None
    inner = regex[1:-1]
    text = re.sub(r"\\(.)", r"\1", inner, flags=re.DOTALL)
    return (text, casesensitive) if re.escape(text) == inner else None


def parse_validator(text: str) -> _Check | None:
    """The HardPy check an OpenHTF validator string states, or None if HardPy has none.

    Reads OpenHTF's built-in validators (``in_range``, ``equals``,
    ``matches_regex`` of a literal, ``within_percent``) and the strings
    `validator_text` writes. Marginal bounds are dropped (HardPy has none).
    """
    text = text.strip()
    if match := _EQUAL.match(text):
        op = ComparisonOperation.EQ if match["op"] == "==" else ComparisonOperation.NE
        return _Check(op, comparison_value=_number(match["c"]))
    if match := _GREATER.match(text):
        op = ComparisonOperation.GE if match["op"] == ">=" else ComparisonOperation.GT
        return _Check(op, comparison_value=_number(match["c"]))
    if match := _RANGE.match(text):
        lo, hi = match["lo"], match["hi"]
        if lo is not None and hi is not None:
            return _Check(
                _IN_RANGE[(match["lo_op"], match["hi_op"])],
                lower_limit=_number(lo),
                upper_limit=_number(hi),
            )
        if lo is not None:
            op = ComparisonOperation.GE if match["lo_op"] == "<=" else ComparisonOperation.GT
            return _Check(op, comparison_value=_number(lo))
        if hi is not None:
            op = ComparisonOperation.LE if match["hi_op"] == "<=" else ComparisonOperation.LT
            return _Check(op, comparison_value=_number(hi))
        return None
    if match := _OUTSIDE.match(text):
        return _Check(
            _OUT_OF_RANGE[(match["lo_op"], match["hi_op"])],
            lower_limit=_number(match["lo"]),
            upper_limit=_number(match["hi"]),
        )
    if match := _MATCHES.match(text):
        literal = _literal(match["regex"])
        if literal is None:
            return None
        op = ComparisonOperation.NE if match["neg"] != "matches" else ComparisonOperation.EQ
        return _Check(op, comparison_value=literal[0], casesensitive=literal[1], kind="string")
    if match := _EQUALS_TO.match(text):
        return _Check(ComparisonOperation.EQ, comparison_value=match["c"], kind="string")
    if match := _PERCENT.match(text):
        expected, percent = _number(match["e"]), _number(match["p"])
        margin = abs(expected) * percent / 100
        return _Check(
            ComparisonOperation.GELE, lower_limit=expected - margin, upper_limit=expected + margin
        )
    return None


# ---------------------------------------------------------------------- export


def _descriptor_id(module_id: str, case_id: str) -> int:
    # OpenHTF puts the phase descriptor's id() here: stable per phase, shared by its repeats
    return zlib.crc32(f"{module_id}::{case_id}".encode())


def _measurement_record(key: str, meas: MeasurementRecord) -> dict[str, Any]:
    record: dict[str, Any] = {
        "name": key,
        # nothing checked is a pass, as OpenHTF grades a set value without validators
        "outcome": "FAIL" if meas.result is False else "PASS",
    }
    validator = validator_text(meas)
    if validator is not None:
        record["validators"] = [validator]
    if isinstance(meas, NumericMeasurementRecord) and meas.unit:
        name, code = _UNITS.get(meas.unit, (meas.unit, None))
        record["units"] = {"name": name, "code": code, "suffix": meas.unit}
    value: Any = meas.value
    if isinstance(value, float) and not math.isfinite(value):
        value = str(value)  # OpenHTF's JSON output writes NaN and infinities as text
    record["measured_value"] = value
    return record


_MESSAGE_PREFIX = re.compile(r"^(?P<type>[A-Za-z_][\w.]*): (?P<text>.*)$", re.DOTALL)


def _phase_result(case: CaseRunStore) -> dict[str, Any]:
    if case.status is TestStatus.SKIPPED:
        return {"phase_result": "SKIP"}
    if case.status is TestStatus.PASSED or not case.assertion_msg:
        return {"phase_result": "CONTINUE"}
    # OpenHTF records a phase's exception as its type, message and traceback
    match = _MESSAGE_PREFIX.match(case.assertion_msg)
    kind, text = (match["type"], match["text"]) if match else ("AssertionError", case.assertion_msg)
    return {"phase_result": {"exc_type": f"<class '{kind}'>", "exc_val": text, "exc_tb": ""}}


_OPTIONS = {
    "name": None,
    "timeout_s": None,
    "run_if": None,
    "requires_state": False,
    "force_repeat": False,
    "repeat_on_measurement_fail": False,
    "repeat_on_timeout": False,
    "repeat_limit": None,
    "run_under_pdb": False,
    "phase_name_case": "KEEP",
    "stop_on_measurement_fail": False,
}


def _phase(
    module_id: str,
    module: ModuleRunStore,
    case_id: str,
    case: CaseRunStore,
    *,
    started_ms: int | None,
    stopped_ms: int | None,
    repeat: bool,
) -> dict[str, Any]:
    measurements = list(case.measurements)
    keys = measurement_keys(measurements)
    result = {"phase_result": "REPEAT"} if repeat else _phase_result(case)
    start = started_ms if started_ms is not None else ms(case.start_time)
    stop = stopped_ms if stopped_ms is not None else ms(case.stop_time)
    return {
        "measurements": {
            key: _measurement_record(key, meas)
            for key, meas in zip(keys, measurements, strict=True)
        },
        "options": dict(_OPTIONS),
        "diagnosers": [],
        "subtest_name": module.name,
        "start_time_millis": start if start is not None else 0,
        "end_time_millis": stop,
        "attachments": {},
        "diagnosis_results": [],
        "failure_diagnosis_results": [],
        "result": result,
        "outcome": _PHASE_OUTCOME[case.status],
        "marginal": False if case.status is TestStatus.PASSED else None,
        "descriptor_id": _descriptor_id(module_id, case_id),
        "name": case.name,
        # a phase's code: its function's name is HardPy's case id
        "codeinfo": {"name": case_id, "docstring": None, "sourcecode": ""},
    }


def to_openhtf(
    report: ResultRunStore,
    *,
    run_id: str | None = None,
    started_ms: int | None = None,
    stopped_ms: int | None = None,
    attempts: Iterable[CaseAttempt] = (),
    embed_report: bool = True,
) -> dict[str, Any]:
    """A report as an OpenHTF test record (the JSON object OpenHTF's ``OutputToJSON`` writes).

    Args:
        report: The report.
        run_id: hardlab's run id, kept in ``metadata.hardlab.run_id`` so the
            record imports as the same run.
        started_ms: The run's start in Unix milliseconds (default: the report's
            start time, which has whole seconds).
        stopped_ms: Its end, likewise.
        attempts: Stored attempts of the report's cases: earlier ones become
            REPEAT phases before the final phase; the final ones give the
            phases their times to the millisecond.
        embed_report: Keep a copy of the HardPy report in ``metadata.hardlab``
            (what OpenHTF cannot say: ids, groups, artifacts, charts, DUT and
            stand details), so `from_openhtf` gets the report back whole.

    Returns:
        The record, ready for `json.dumps`.
    """
    finals, earlier = final_times(attempts)
    phases: list[dict[str, Any]] = []
    subtests: list[dict[str, Any]] = []
    logs: list[dict[str, Any]] = []
    for module_id, module in report.modules.items():
        for case_id, case in module.cases.items():
            for attempt in earlier.get((module_id, case_id), []):
                if attempt.attempt >= case.attempt > 0:
                    continue  # only attempts before the one the report shows
                phases.append(
                    _phase(
                        module_id,
                        module,
                        case_id,
                        attempt.case,
                        started_ms=attempt.started_ms,
                        stopped_ms=attempt.stopped_ms,
                        repeat=True,
                    )
                )
            timed = finals.get((module_id, case_id))
            phase = _phase(
                module_id,
                module,
                case_id,
                case,
                started_ms=timed.started_ms if timed else None,
                stopped_ms=timed.stopped_ms if timed else None,
                repeat=False,
            )
            phases.append(phase)
            logs.extend(
                {
                    "level": 20,  # logging.INFO
                    "logger_name": f"hardlab.{module_id}.{case_id}",
                    "source": "hardlab",
                    "lineno": 0,
                    "timestamp_millis": phase["end_time_millis"] or phase["start_time_millis"],
                    "message": str(text),
                }
                for text in (case.msg or {}).values()
            )
        subtests.append(
            {
                "name": module.name,
                "start_time_millis": ms(module.start_time) or 0,
                "end_time_millis": ms(module.stop_time),
                "outcome": _SUBTEST_OUTCOME.get(module.status, "STOP"),
                "marginal": None,
            }
        )
    details = []
    if report.status is not TestStatus.PASSED and report.caused_dut_failure_id:
        module_id, _, case_id = report.caused_dut_failure_id.partition("::")
        failed = report.modules.get(module_id)
        failed_case = failed.cases.get(case_id) if failed else None
        details.append(
            {
                "code": report.error_code
                if report.error_code is not None
                else report.caused_dut_failure_id,
                "description": (failed_case.assertion_msg if failed_case else None) or "",
            }
        )
    elif report.error_code is not None:
        details.append({"code": report.error_code, "description": ""})
    metadata: dict[str, Any] = {"test_name": report.name}
    if report.dut.part_number:
        metadata["part_number"] = report.dut.part_number
    hardlab: dict[str, Any] = {"format": OPENHTF_FORMAT}
    if run_id is not None:
        hardlab["run_id"] = run_id
    if embed_report:
        hardlab["report"] = report.model_dump(mode="json")
    metadata["hardlab"] = hardlab
    start = started_ms if started_ms is not None else ms(report.start_time)
    stop = stopped_ms if stopped_ms is not None else ms(report.stop_time)
    return {
        "dut_id": report.dut.serial_number or UNKNOWN_DUT,
        "start_time_millis": start if start is not None else 0,
        "end_time_millis": stop,
        "outcome": _RUN_OUTCOME[report.status],
        "outcome_details": details,
        "marginal": None,
        "metadata": metadata,
        "phases": phases,
        "subtests": subtests,
        "branches": [],
        "diagnosers": [],
        "diagnoses": [],
        "log_records": logs,
        "station_id": report.test_stand.name or report.test_stand.hw_id or "",
        "code_info": {"name": "", "docstring": None, "sourcecode": ""},
    }


# ---------------------------------------------------------------------- import


def is_openhtf_record(data: object) -> bool:
    """Whether `data` (a parsed JSON object) looks like an OpenHTF test record."""
    return (
        isinstance(data, dict)
        and isinstance(data.get("phases"), list)
        and "outcome" in data
        and "start_time_millis" in data
        and "dut_id" in data
    )


@dataclass
class OpenhtfRun:
    """A report read from an OpenHTF record.

    Attributes:
        report: The report (HardPy schema v1).
        run_id: The hardlab run id the record carries, if it carries one.
        attempts: Earlier attempts of cases (REPEAT phases), oldest first.
        from_copy: Whether the report is hardlab's embedded copy (True) or
            was read from the OpenHTF fields (False).
        note: Why the embedded copy was not used, when there was one.
    """

    report: ResultRunStore
    run_id: str | None = None
    attempts: list[CaseAttempt] = field(default_factory=list)
    from_copy: bool = False
    note: str | None = None


class _RecordError(ValueError):
    """The record's structure is not an OpenHTF test record's."""


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def _seconds(millis: object) -> int | None:
    if isinstance(millis, bool) or not isinstance(millis, (int, float)) or millis <= 0:
        return None
    return int(millis // 1000)


def _measurement_from(key: str, record: Mapping[str, Any]) -> MeasurementRecord | None:
    """A HardPy measurement from an OpenHTF one, or None if it has no value."""
    if "measured_value" not in record:
        return None  # UNSET: HardPy keeps no measurement without a value
    value = record["measured_value"]
    name = _text(record.get("name")) or key
    outcome = record.get("outcome")
    validators = [str(v) for v in record.get("validators") or []]
    checks = [check for check in map(parse_validator, validators) if check is not None]
    result: bool | None = None
    if validators:
        result = True if outcome == "PASS" else False if outcome == "FAIL" else None
    numeric = isinstance(value, (int, float)) and not isinstance(value, bool)
    if isinstance(value, str) and value in ("NaN", "Infinity", "-Infinity", "nan", "inf", "-inf"):
        numeric, value = True, float(value.replace("Infinity", "inf"))
    if numeric:
        units = record.get("units")
        unit = None
        if isinstance(units, Mapping):
            unit = _text(units.get("suffix")) or _text(units.get("name"))
        check = next((c for c in checks if c.kind == "numeric"), None)
        return NumericMeasurementRecord(
            value=value,
            name=name,
            unit=unit if unit and unit != "None" else None,
            operation=check.operation if check else None,
            comparison_value=check.comparison_value if check else None,
            lower_limit=check.lower_limit if check else None,
            upper_limit=check.upper_limit if check else None,
            result=result,
        )
    if not isinstance(value, str):
        value = str(value) if isinstance(value, bool) else json.dumps(value)
    check = next((c for c in checks if c.kind == "string"), None)
    return StringMeasurementRecord(
        value=value,
        name=name,
        casesensitive=check.casesensitive if check else True,
        operation=check.operation if check else None,
        comparison_value=str(check.comparison_value) if check else None,
        result=result,
    )


def _assertion_msg(phase: Mapping[str, Any]) -> str | None:
    result = phase.get("result")
    outcome = result.get("phase_result") if isinstance(result, Mapping) else None
    if not isinstance(outcome, Mapping):
        return None
    kind = str(outcome.get("exc_type") or "")
    match = re.fullmatch(r"<class '(?:[\w.]*\.)?(?P<name>[\w]+)'>", kind)
    name = match["name"] if match else kind
    text = str(outcome.get("exc_val") or "")
    if name and text:
        return f"{name}: {text}"
    return name or text or None


def _is_repeat(phase: Mapping[str, Any]) -> bool:
    result = phase.get("result")
    return isinstance(result, Mapping) and result.get("phase_result") == "REPEAT"


def _case_from(phase: Mapping[str, Any], attempt: int) -> CaseRunStore:
    measurements = phase.get("measurements") or {}
    if not isinstance(measurements, Mapping):
        raise _RecordError("a phase's measurements are not an object")
    converted = []
    for key, record in measurements.items():
        if isinstance(record, Mapping):
            meas = _measurement_from(str(key), record)
            if meas is not None:
                converted.append(meas)
    status = _CASE_STATUS.get(str(phase.get("outcome")), TestStatus.FAILED)
    return CaseRunStore(
        status=status,
        name=str(phase.get("name") or "phase"),
        group=Group.MAIN,
        start_time=_seconds(phase.get("start_time_millis")),
        stop_time=_seconds(phase.get("end_time_millis")),
        assertion_msg=_assertion_msg(phase) if status is not TestStatus.PASSED else None,
        measurements=converted,
        attempt=attempt,
    )


def _module_status(cases: Iterable[CaseRunStore]) -> TestStatus:
    statuses = {case.status for case in cases}
    if TestStatus.FAILED in statuses or TestStatus.ERROR in statuses:
        return TestStatus.FAILED
    if TestStatus.SKIPPED in statuses:
        return TestStatus.SKIPPED
    return TestStatus.PASSED


def _from_fields(
    record: Mapping[str, Any],
) -> tuple[ResultRunStore, list[CaseAttempt], list[tuple[str, str]]]:
    """The report a record's OpenHTF fields describe (no hardlab copy used).

    Returns:
        The report, the earlier attempts, and the (module id, case id) of
        each final phase in record order.
    """
    raw_metadata = record.get("metadata")
    metadata: Mapping[str, Any] = raw_metadata if isinstance(raw_metadata, Mapping) else {}
    test_name = _text(metadata.get("test_name")) or "openhtf"
    phases = [p for p in record.get("phases") or [] if isinstance(p, Mapping)]
    if phases and phases[0].get("name") == "trigger_phase" and not phases[0].get("measurements"):
        phases = phases[1:]  # OpenHTF's start trigger that read the DUT id
    modules: dict[str, dict[str, CaseRunStore]] = {}
    attempts: list[CaseAttempt] = []
    pending: list[Mapping[str, Any]] = []  # REPEAT phases waiting for their final phase
    order: list[tuple[str, str]] = []
    for phase in phases:
        module_id = _text(phase.get("subtest_name")) or test_name
        cases = modules.setdefault(module_id, {})
        if _is_repeat(phase):
            pending.append(phase)
            continue
        name = str(phase.get("name") or "phase")
        case_id, n = name, 2
        while case_id in cases:
            case_id, n = f"{name} ({n})", n + 1
        earlier = [p for p in pending if p.get("name") == phase.get("name")]
        pending = [p for p in pending if p.get("name") != phase.get("name")]
        for number, repeat in enumerate(earlier, start=1):
            attempts.append(
                CaseAttempt(
                    module_id,
                    case_id,
                    number,
                    _case_from(repeat, number),
                    started_ms=_int(repeat.get("start_time_millis")),
                    stopped_ms=_int(repeat.get("end_time_millis")),
                )
            )
        cases[case_id] = _case_from(phase, len(earlier) + 1)
        order.append((module_id, case_id))
    subtest_times = {
        str(s.get("name")): s for s in record.get("subtests") or [] if isinstance(s, Mapping)
    }
    module_models: dict[str, ModuleRunStore] = {}
    for module_id, cases in modules.items():
        if not cases:
            continue
        starts = [c.start_time for c in cases.values() if c.start_time is not None]
        stops = [c.stop_time for c in cases.values() if c.stop_time is not None]
        subtest = subtest_times.get(module_id, {})
        module_models[module_id] = ModuleRunStore(
            status=_module_status(cases.values()),
            name=module_id,
            group=Group.MAIN,
            start_time=_seconds(subtest.get("start_time_millis")) or min(starts, default=None),
            stop_time=_seconds(subtest.get("end_time_millis")) or max(stops, default=None),
            cases=cases,
        )
    caused = next(
        (
            f"{module_id}::{case_id}"
            for module_id, module in module_models.items()
            for case_id, case in module.cases.items()
            if case.status is TestStatus.FAILED
        ),
        None,
    )
    error_code = next(
        (
            d.get("code")
            for d in record.get("outcome_details") or []
            if isinstance(d, Mapping)
            and isinstance(d.get("code"), int)
            and not isinstance(d.get("code"), bool)
        ),
        None,
    )
    dut_id = _text(record.get("dut_id"))
    status = _RUN_STATUS.get(str(record.get("outcome")), TestStatus.FAILED)
    start_ms = record.get("start_time_millis")
    doc_id = f"openhtf_{_int(start_ms) or 0}_{dut_id or UNKNOWN_DUT}"
    report = ResultRunStore.model_validate(
        {
            "_id": doc_id,
            "_rev": doc_id,
            "name": test_name,
            "status": status,
            "start_time": _seconds(start_ms),
            "stop_time": _seconds(record.get("end_time_millis")),
            "caused_dut_failure_id": caused if status is not TestStatus.PASSED else None,
            "error_code": error_code,
            "test_stand": {"name": _text(record.get("station_id")) or None},
            "dut": {
                "serial_number": dut_id if dut_id and dut_id != UNKNOWN_DUT else None,
                "part_number": _text(metadata.get("part_number")),
            },
            "process": {},
            "modules": module_models,
        }
    )
    return report, attempts, order


def _int(value: object) -> int | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return int(value)


def _projection(record: Mapping[str, Any]) -> list[Any]:
    """What a record's OpenHTF fields say about the run, to compare two records by."""
    phases = [p for p in record.get("phases") or [] if isinstance(p, Mapping)]
    final = [p for p in phases if not _is_repeat(p)]
    return [
        record.get("dut_id"),
        record.get("outcome"),
        [
            (
                p.get("subtest_name"),
                p.get("name"),
                p.get("outcome"),
                {
                    key: (m.get("measured_value"), m.get("outcome"), m.get("validators"))
                    for key, m in (p.get("measurements") or {}).items()
                    if isinstance(m, Mapping)
                },
            )
            for p in final
        ],
    ]


def from_openhtf(record: Mapping[str, Any]) -> OpenhtfRun:
    """The report an OpenHTF test record describes.

    A record hardlab wrote carries a copy of the HardPy report; it is used
    when the record's OpenHTF fields (DUT, outcome, phases, measurements,
    validators) still say what the copy says. Otherwise the report is built
    from the OpenHTF fields: subtests become modules (phases outside any
    subtest go into a module named after the test), phases become cases,
    REPEAT phases earlier attempts, validators checks and limits (those
    HardPy cannot state, such as a general regex, keep the measurement's
    verdict but not the rule), unset measurements are left out and
    OpenHTF's start trigger phase is dropped.

    Raises:
        ReportFormatError: If `record` is not an OpenHTF test record.
    """
    from hardlab.errors import ReportFormatError

    if not is_openhtf_record(record):
        msg = (
            "not an OpenHTF test record: it needs dut_id, start_time_millis, outcome "
            "and a list of phases"
        )
        raise ReportFormatError(msg)
    try:
        report, attempts, order = _from_fields(record)
    except (_RecordError, ValidationError, TypeError, ValueError) as exc:
        raise ReportFormatError(f"an OpenHTF record hardlab cannot read: {exc}") from None
    metadata = record.get("metadata")
    hardlab = metadata.get("hardlab") if isinstance(metadata, Mapping) else None
    run = OpenhtfRun(report=report, attempts=attempts)
    if not isinstance(hardlab, Mapping):
        return run
    if isinstance(hardlab.get("run_id"), str):
        run.run_id = hardlab["run_id"]
    copy = hardlab.get("report")
    if copy is None:
        return run
    try:
        embedded = ResultRunStore.model_validate(copy)
    except ValidationError as exc:
        errors = exc.error_count()
        run.note = f"its metadata.hardlab.report is not a HardPy report ({errors} errors)"
        return run
    if _projection(record) != _projection(to_openhtf(embedded, embed_report=False)):
        run.note = (
            "its OpenHTF fields were changed after hardlab wrote it, so they were read "
            "instead of hardlab's copy of the report"
        )
        return run
    run.report, run.from_copy = embedded, True
    # the same phases in the same order: give the earlier attempts the copy's ids
    copy_order = [
        (module_id, case_id)
        for module_id, module in embedded.modules.items()
        for case_id in module.cases
    ]
    if len(copy_order) != len(order):
        run.attempts = []
        return run
    ids = dict(zip(order, copy_order, strict=True))
    run.attempts = []
    for attempt in attempts:
        module_id, case_id = ids[(attempt.module_id, attempt.case_id)]
        original = embedded.modules[module_id].cases[case_id]
        run.attempts.append(
            CaseAttempt(
                module_id,
                case_id,
                attempt.attempt,
                attempt.case.model_copy(update={"group": original.group}),
                started_ms=attempt.started_ms,
                stopped_ms=attempt.stopped_ms,
            )
        )
    return run
