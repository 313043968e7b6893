"""Between the report document and table rows: plain dicts both ways, no database here."""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterable, Mapping
from datetime import date, datetime, timezone
from typing import Any

from hardlab.model.flat import measurement_from_row

__all__ = [
    "BucketStats",
    "case_row",
    "measurement_rows",
    "module_row",
    "operator_event_row",
    "rebuild_document",
    "run_fields",
    "spec_limits",
    "week_of",
    "weekly_key",
]

_FINAL = {"passed", "failed", "skipped"}


def _ts(seconds: float | int | None) -> datetime | None:
    if seconds is None:
        return None
    return datetime.fromtimestamp(seconds, tz=timezone.utc)


def _ns(value: int | None) -> datetime | None:
    return None if value is None else datetime.fromtimestamp(value / 1e9, tz=timezone.utc)


def _text(value: Any) -> str | None:
    return None if value is None else str(value)[:255]


def run_fields(document: Mapping[str, Any]) -> dict[str, Any]:
    """The run row's columns that come from the report document."""
    dut = document.get("dut") or {}
    stand = document.get("test_stand") or {}
    process = document.get("process") or {}
    started = _ts(document.get("start_time"))
    stopped = _ts(document.get("stop_time"))
    return {
        "name": str(document.get("name") or "")[:255],
        "status": str(document.get("status") or "ready"),
        "started_at": started,
        "stopped_at": stopped,
        "duration_s": (stopped - started).total_seconds() if started and stopped else None,
        "dut_serial_number": _text(dut.get("serial_number")),
        "dut_part_number": _text(dut.get("part_number")),
        "dut_name": _text(dut.get("name")),
        "dut_type": _text(dut.get("type")),
        "dut_revision": _text(dut.get("revision")),
        "batch_serial_number": _text(document.get("batch_serial_number")),
        "user_name": _text(document.get("user")),
        "stand_name": _text(stand.get("name")),
        "stand_hw_id": _text(stand.get("hw_id")),
        "stand_location": _text(stand.get("location")),
        "stand_number": stand.get("number"),
        "stand_revision": _text(stand.get("revision")),
        "stand_timezone": _text(stand.get("timezone")),
        "process_name": _text(process.get("name")),
        "process_number": process.get("number"),
        "error_code": document.get("error_code"),
        "caused_dut_failure_id": document.get("caused_dut_failure_id"),
    }


_OPERATOR_TEXT = ("kind", "module_id", "case_id", "widget", "state", "result", "user_name")
"""The operator event's short text columns (255 characters at most, as in the ORM)."""


def operator_event_row(run_id: str, position: int, event: Mapping[str, Any]) -> dict[str, Any]:
    """The ``hardlab_operator_events`` row of an `OperatorEvent` message's event."""
    row: dict[str, Any] = {"run_id": run_id, "position": position}
    for key in _OPERATOR_TEXT:
        row[key] = _text(event.get(key))
    attempt = event.get("attempt")
    row["attempt"] = None if attempt is None else int(attempt)
    row["title"] = None if event.get("title") is None else str(event["title"])
    row["text"] = str(event.get("text") or "")
    row["answer"] = None if event.get("answer") is None else str(event["answer"])
    for flag in ("pass_fail", "block"):
        row[flag] = None if event.get(flag) is None else bool(event[flag])
    row["kind"] = row["kind"] or "message"
    row["state"] = row["state"] or "shown"
    row["asked_at"] = _ns(event.get("asked_at_ns")) or datetime.now(timezone.utc)
    row["answered_at"] = _ns(event.get("answered_at_ns"))
    return row


def case_counts(document: Mapping[str, Any]) -> dict[str, int]:
    """``cases_passed``, ``cases_failed``, ``cases_skipped`` of a report."""
    counts = {"cases_passed": 0, "cases_failed": 0, "cases_skipped": 0}
    for module in (document.get("modules") or {}).values():
        for case in (module.get("cases") or {}).values():
            key = f"cases_{case.get('status')}"
            if key in counts:
                counts[key] += 1
    return counts


def module_row(
    run_id: str, module_id: str, position: int, module: Mapping[str, Any]
) -> dict[str, Any]:
    """A ``hardlab_modules`` row."""
    return {
        "run_id": run_id,
        "module_id": module_id,
        "position": position,
        "name": str(module.get("name") or module_id),
        "group": str(module.get("group") or "main"),
        "status": str(module.get("status") or "ready"),
        "started_at": _ts(module.get("start_time")),
        "stopped_at": _ts(module.get("stop_time")),
        "artifact": module.get("artifact") or None,
    }


def case_row(
    run_id: str,
    module_id: str,
    module_name: str,
    case_id: str,
    case: Mapping[str, Any],
    *,
    attempt: int,
    final: bool,
    position: int,
    started_ns: int | None = None,
    finished_ns: int | None = None,
) -> dict[str, Any]:
    """A ``hardlab_cases`` row for one attempt (`case` is the case as a JSON-style dict)."""
    started = _ns(started_ns) or _ts(case.get("start_time"))
    stopped = _ns(finished_ns) or _ts(case.get("stop_time"))
    duration = None
    if started_ns is not None and finished_ns is not None:
        duration = (finished_ns - started_ns) / 1e6
    elif started is not None and stopped is not None:
        duration = (stopped - started).total_seconds() * 1000
    return {
        "run_id": run_id,
        "module_id": module_id,
        "case_id": case_id,
        "attempt": attempt,
        "final": final,
        "position": position,
        "module_name": module_name,
        "case_name": str(case.get("name") or case_id),
        "group": str(case.get("group") or "main"),
        "status": str(case.get("status") or "ready"),
        "started_at": started,
        "stopped_at": stopped,
        "duration_ms": duration,
        "assertion_msg": case.get("assertion_msg"),
        "messages": case.get("msg") or None,
        "artifact": case.get("artifact") or None,
        "chart": case.get("chart") or None,
    }


def spec_limits(measurement: Mapping[str, Any]) -> tuple[float | None, float | None]:
    """The lower and upper specification limits a measurement's check implies.

    Range operations give both limits, ``ge``/``gt`` a lower one, ``le``/``lt``
    an upper one; equality checks and measurements without an operation give
    none (Cp/Cpk need at least one limit).
    """
    op = measurement.get("operation")
    lower, upper, value = (
        measurement.get("lower_limit"),
        measurement.get("upper_limit"),
        measurement.get("comparison_value"),
    )
    if op in ("gtlt", "gele", "gelt", "gtle"):
        return _num(lower), _num(upper)
    if op in ("gt", "ge"):
        return _num(value), None
    if op in ("lt", "le"):
        return None, _num(value)
    return None, None


def _num(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    try:
        number = float(value)
    except OverflowError:  # an int beyond float range (HardPy takes any int)
        return None
    return number if math.isfinite(number) else None


def _whole_text(value: Any) -> str | None:
    """An int no float column holds, as its decimal text (kept losslessly beside it)."""
    if isinstance(value, int) and not isinstance(value, bool) and _num(value) is None:
        try:
            return str(value)
        except ValueError:  # beyond sys.get_int_max_str_digits(): the document keeps it
            return None
    return None


def measurement_rows(
    run_id: str,
    case_row_id: int,
    final: bool,
    measurements: Iterable[Mapping[str, Any]],
) -> list[dict[str, Any]]:
    """``hardlab_measurements`` rows of one case attempt (its case row: `case_row_id`)."""
    rows = []
    for position, meas in enumerate(measurements):
        numeric = meas.get("type", "numeric") == "numeric"
        comparison = meas.get("comparison_value")
        lower, upper = spec_limits(meas) if numeric else (None, None)
        rows.append(
            {
                "run_id": run_id,
                "case_row_id": case_row_id,
                "final": final,
                "position": position,
                "kind": "numeric" if numeric else "string",
                "name": _text(meas.get("name")),
                "value_num": _num(meas.get("value")) if numeric else None,
                # a numeric value beyond float range keeps its digits here
                "value_str": _whole_text(meas.get("value")) if numeric else str(meas.get("value")),
                "unit": (str(meas["unit"])[:32] if meas.get("unit") is not None else None),
                "operation": meas.get("operation"),
                "comparison_num": _num(comparison) if numeric else None,
                "comparison_str": (
                    _whole_text(comparison)
                    if numeric
                    else None
                    if comparison is None
                    else str(comparison)
                ),
                "lower_limit": _num(meas.get("lower_limit")),
                "upper_limit": _num(meas.get("upper_limit")),
                "spec_lower": lower,
                "spec_upper": upper,
                "casesensitive": None if numeric else bool(meas.get("casesensitive", True)),
                "result": meas.get("result"),
            }
        )
    return rows


_EPOCH_DAY = date(1970, 1, 1)


def week_of(moment: datetime | date) -> int:
    """The UTC week (Monday first) of `moment`: its Monday as days since 1970-01-01.

    A naive datetime is taken as UTC.
    """
    if isinstance(moment, datetime):
        if moment.tzinfo is not None:
            moment = moment.astimezone(timezone.utc)
        moment = moment.date()
    return (moment - _EPOCH_DAY).days - moment.weekday()


def weekly_key(
    week: int,
    part_number: str | None,
    stand_name: str | None,
    name: str | None,
    unit: str | None,
    spec_lower: float | None,
    spec_upper: float | None,
    final: bool,
) -> int:
    """A NULL-safe digest of a statistics bucket's identity, as a signed 64-bit integer.

    Signed, so it fits PostgreSQL's ``bigint`` and SQLite's rowid; 64 bits
    make a collision unlikely among billions of buckets.
    """
    raw = json.dumps([week, part_number, stand_name, name, unit, spec_lower, spec_upper, final])
    digest = hashlib.blake2b(raw.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


class BucketStats:
    """Running statistics of one bucket (Welford), mergeable with another (Chan)."""

    __slots__ = ("m2", "maximum", "mean", "minimum", "n", "n_fail", "n_pass")

    def __init__(self) -> None:
        self.n = 0
        self.mean = 0.0
        self.m2 = 0.0
        self.minimum = math.inf
        self.maximum = -math.inf
        self.n_pass = 0
        self.n_fail = 0

    def add(self, value: float, result: bool | None) -> None:
        """Take one value in."""
        self.n += 1
        delta = value - self.mean
        self.mean += delta / self.n
        self.m2 += delta * (value - self.mean)
        self.minimum = min(self.minimum, value)
        self.maximum = max(self.maximum, value)
        if result is True:
            self.n_pass += 1
        elif result is False:
            self.n_fail += 1

    def merge(self, other: BucketStats) -> None:
        """Take another bucket's values in (Chan's parallel formula: exact, no cancellation)."""
        if other.n == 0:
            return
        total = self.n + other.n
        delta = other.mean - self.mean
        self.mean += delta * other.n / total
        self.m2 += other.m2 + delta * delta * self.n * other.n / total
        self.n = total
        self.minimum = min(self.minimum, other.minimum)
        self.maximum = max(self.maximum, other.maximum)
        self.n_pass += other.n_pass
        self.n_fail += other.n_fail


def rebuild_document(
    skeleton: Mapping[str, Any] | None,
    run: Mapping[str, Any],
    modules: Iterable[Mapping[str, Any]],
    cases: Iterable[Mapping[str, Any]],
    measurements: Iterable[Mapping[str, Any]],
) -> dict[str, Any]:
    """The report of a run that never finished, from what was stored.

    Starts from the document stored when the run began (every module and
    case, ``ready``), puts in each case's latest stored attempt, and applies
    HardPy's stop rule: the first unfinished case (and module) becomes
    ``stopped``, later unfinished ones ``skipped``; the run is ``stopped``.
    """
    doc: dict[str, Any] = json.loads(json.dumps(skeleton)) if skeleton else {}
    doc.setdefault("modules", {})
    doc["status"] = "stopped"
    by_case: dict[int, list[dict[str, Any]]] = {}
    for meas in measurements:
        by_case.setdefault(int(meas["case_row_id"]), []).append(dict(meas))
    for module in modules:
        entry = doc["modules"].setdefault(
            module["module_id"],
            {"name": module["name"], "group": module["group"], "cases": {}, "artifact": {}},
        )
        entry.update(
            status=module["status"],
            start_time=_epoch(module.get("started_at")),
            stop_time=_epoch(module.get("stopped_at")),
        )
        if module.get("artifact"):
            entry["artifact"] = module["artifact"]
    latest: dict[tuple[str, str], Mapping[str, Any]] = {}
    for case in cases:
        key = (case["module_id"], case["case_id"])
        if key not in latest or case["attempt"] >= latest[key]["attempt"]:
            latest[key] = case
    for (module_id, case_id), case in latest.items():
        module = doc["modules"].setdefault(
            module_id,
            {
                "name": case["module_name"],
                "group": "main",
                "status": "ready",
                "start_time": None,
                "stop_time": None,
                "cases": {},
                "artifact": {},
            },
        )
        module["cases"][case_id] = {
            "status": case["status"],
            "name": case["case_name"],
            "group": case["group"],
            "start_time": _epoch(case.get("started_at")),
            "stop_time": _epoch(case.get("stopped_at")),
            "assertion_msg": case.get("assertion_msg"),
            "msg": case.get("messages"),
            "measurements": [
                measurement_from_row(m, whole_as_int=True)
                for m in sorted(by_case.get(int(case["id"]), []), key=lambda m: m["position"])
            ],
            "chart": case.get("chart"),
            "attempt": case["attempt"],
            "artifact": case.get("artifact") or {},
        }
    stopped_case = stopped_module = False
    stop = _epoch(run.get("stopped_at")) or _epoch(run.get("heartbeat_at"))
    for module in doc["modules"].values():
        for case in module.get("cases", {}).values():
            if case.get("status") in _FINAL:
                continue
            case["status"] = "skipped" if stopped_case else "stopped"
            if not stopped_case:
                case["stop_time"] = case.get("stop_time") or stop
            stopped_case = True
        if module.get("status") not in _FINAL:
            module["status"] = "skipped" if stopped_module else "stopped"
            stopped_module = True
    doc["stop_time"] = doc.get("stop_time") or stop
    for dotted, value in run_fields_overlay(run).items():
        section, _, field = dotted.partition(".")
        if field:
            doc.setdefault(section, {})[field] = value
        else:
            doc[section] = value
    return doc


def run_fields_overlay(run: Mapping[str, Any]) -> dict[str, Any]:
    """Document fields to take from a run row (which the run updated as it went)."""
    return {
        "dut.serial_number": run.get("dut_serial_number"),
        "dut.part_number": run.get("dut_part_number"),
        "dut.name": run.get("dut_name"),
        "dut.type": run.get("dut_type"),
        "dut.revision": run.get("dut_revision"),
        "test_stand.name": run.get("stand_name"),
        "test_stand.location": run.get("stand_location"),
        "test_stand.number": run.get("stand_number"),
        "test_stand.revision": run.get("stand_revision"),
        "process.name": run.get("process_name"),
        "process.number": run.get("process_number"),
        "batch_serial_number": run.get("batch_serial_number"),
        "user": run.get("user_name"),
        "error_code": run.get("error_code"),
        "caused_dut_failure_id": run.get("caused_dut_failure_id"),
    }


def _epoch(value: datetime | None) -> int | None:
    return None if value is None else int(value.timestamp())
