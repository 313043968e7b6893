"""The JSON the REST API answers with: run summaries and read-only report views.

Pure functions from what `Store` returns to plain JSON values. Texts that
every hardlab front end shows alike (measurement values with units, limits,
durations) are formatted here with `hardlab._format`, so the JupyterLab panel
reads the same as ``hardlab show`` and the notebook panel.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any

from hardlab._format import (
    case_title,
    failure_case_title,
    failure_text,
    format_duration,
    format_limits,
    format_value,
    plan_error_brief,
)
from hardlab.model.measurement import NumericMeasurementRecord, StringMeasurementRecord
from hardlab.model.report import CaseRunStore, ModuleRunStore, ResultRunStore

__all__ = ["report_view", "run_summary"]

JSON = dict[str, Any]


def _iso(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc).isoformat()
    return str(value)


def _epoch_iso(seconds: int | None) -> str | None:
    return None if seconds is None else datetime.fromtimestamp(seconds, timezone.utc).isoformat()


def _duration(start: int | None, stop: int | None) -> float | None:
    return None if start is None or stop is None else float(stop - start)


def run_summary(row: Mapping[str, Any]) -> JSON:
    """One row of ``Store.runs()`` as the run list shows it.

    Times are ISO 8601 in UTC; ``duration_s`` is None while the run goes on.
    """
    duration = row.get("duration_s")
    return {
        "id": str(row["id"]),
        "name": row.get("name"),
        "status": row.get("status"),
        "started_at": _iso(row.get("started_at")),
        "stopped_at": _iso(row.get("stopped_at")),
        "duration_s": duration,
        "duration_text": format_duration(duration),
        "serial_number": row.get("dut_serial_number"),
        "part_number": row.get("dut_part_number"),
        "dut_name": row.get("dut_name"),
        "stand": row.get("stand_name"),
        "stand_location": row.get("stand_location"),
        "user": row.get("user_name"),
        "process": row.get("process_name"),
        "batch_serial_number": row.get("batch_serial_number"),
        "error_code": row.get("error_code"),
        "cases_passed": row.get("cases_passed"),
        "cases_failed": row.get("cases_failed"),
        "cases_skipped": row.get("cases_skipped"),
        "source": row.get("source"),
    }


def _measurement(record: NumericMeasurementRecord | StringMeasurementRecord) -> JSON:
    if isinstance(record, NumericMeasurementRecord):
        unit, lower, upper = record.unit, record.lower_limit, record.upper_limit
    else:
        unit = lower = upper = None
    return {
        "name": record.name,
        "type": record.type.value,
        "value": record.value,
        "unit": unit,
        "value_text": format_value(record.value, unit),
        "limits_text": format_limits(record),
        "operation": record.operation.value if record.operation is not None else None,
        "comparison_value": record.comparison_value,
        "lower_limit": lower,
        "upper_limit": upper,
        "result": record.result,
    }


def _chart(case: CaseRunStore) -> JSON | None:
    if case.chart is None:
        return None
    # The notebook panel's renderer: one look for charts in every front end.
    from hardlab._svg import chart_svg

    chart = case.chart
    return {
        "title": chart.title,
        "x_label": chart.x_label,
        "y_label": chart.y_label,
        "series": len(chart.y_data),
        "svg": chart_svg(chart),
    }


def _case(case_id: str, case: CaseRunStore, module_name: str) -> JSON:
    duration = _duration(case.start_time, case.stop_time)
    return {
        "id": case_id,
        "name": case.name,
        "title": case_title(module_name, case.name or case_id),
        "status": case.status.value,
        "group": case.group.value,
        "attempt": case.attempt,
        "started_at": _epoch_iso(case.start_time),
        "duration_s": duration,
        "duration_text": format_duration(duration),
        # what operators read (the assertion's message); pytest's crash text stays beside it
        "failure_text": failure_text(case),
        "assertion_msg": case.assertion_msg,
        "messages": case.msg or {},
        "measurements": [_measurement(record) for record in case.measurements],
        "chart": _chart(case),
        "artifact": case.artifact,
    }


def _module(module_id: str, module: ModuleRunStore) -> JSON:
    duration = _duration(module.start_time, module.stop_time)
    return {
        "id": module_id,
        "name": module.name,
        "status": module.status.value,
        "group": module.group.value,
        "duration_s": duration,
        "duration_text": format_duration(duration),
        "artifact": module.artifact,
        "cases": [
            _case(case_id, case, module.name or module_id) for case_id, case in module.cases.items()
        ],
    }


def report_view(
    run: Mapping[str, Any], report: ResultRunStore, plan_error: str | None = None
) -> JSON:
    """A run's report as the read-only report view shows it.

    Args:
        run: The run's row from ``Store.runs()`` (its summary).
        report: The run's report document (``Store.get_report``).
        plan_error: Why the run's plan could not run (``Store.run_row``'s
            ``plan_error``; the run's status is ``error`` then), or None.

    Returns:
        ``{"run": <run_summary>, "report": {...}}``: the report's DUT, stand,
        process and artifacts as stored, and its modules and cases in plan
        order with their measurements (values, units and limits, also as
        text), messages, artifacts and charts. The texts meant for operators
        come with it, as every hardlab front end words them
        (`hardlab._format`): each case's ``title`` (``Module › Case``) and
        ``failure_text`` (the assertion's message; ``assertion_msg`` keeps
        pytest's crash text), the first failing case's title
        (``caused_dut_failure``), and the run's ``plan_error`` with its
        ``plan_error_brief`` (each problem's file, line and error).
    """
    summary = run_summary(run)
    summary["plan_error"] = plan_error
    summary["plan_error_brief"] = plan_error_brief(plan_error) if plan_error else None
    return {
        "run": summary,
        "report": {
            "name": report.name,
            "status": report.status.value,
            "started_at": _epoch_iso(report.start_time),
            "stopped_at": _epoch_iso(report.stop_time),
            "user": report.user,
            "batch_serial_number": report.batch_serial_number,
            "error_code": report.error_code,
            "caused_dut_failure_id": report.caused_dut_failure_id,
            "caused_dut_failure": failure_case_title(report),
            "dut": report.dut.model_dump(mode="json"),
            "test_stand": report.test_stand.model_dump(mode="json"),
            "process": report.process.model_dump(mode="json"),
            "artifact": report.artifact,
            "modules": [_module(module_id, module) for module_id, module in report.modules.items()],
        },
    }
