"""CSV: one row per measurement, with its run, module and case, for spreadsheets and SPC tools."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import datetime, timezone
from typing import Any

from hardlab._format import format_limits
from hardlab.exchange._common import CaseAttempt, final_times, ms
from hardlab.model.measurement import NumericMeasurementRecord, StringMeasurementRecord
from hardlab.model.report import CaseRunStore, ResultRunStore

__all__ = ["CSV_COLUMNS", "FORMULA_START", "to_csv"]

CSV_COLUMNS = (
    "run_id",
    "run_name",
    "run_status",
    "started_at",
    "serial_number",
    "part_number",
    "stand_name",
    "module_id",
    "module_name",
    "case_id",
    "case_name",
    "case_status",
    "attempt",
    "final",
    "position",
    "name",
    "type",
    "value",
    "unit",
    "operation",
    "comparison_value",
    "lower_limit",
    "upper_limit",
    "casesensitive",
    "limits",
    "result",
)
"""The header of `to_csv`'s output, in order."""


def _iso(millis: int | None) -> str:
    if millis is None:
        return ""
    return datetime.fromtimestamp(millis / 1000, tz=timezone.utc).isoformat(timespec="milliseconds")


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
"""A text cell starting with one of these gets a leading ``'`` (see `to_csv`)."""


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)  # every digit, so numbers read back exactly
    if isinstance(value, str) and value.startswith(FORMULA_START):
        # OWASP's advice against CSV injection: a spreadsheet would run
        # "=HYPERLINK(...)" or "@SUM(...)" typed in by a test as a formula.
        return "'" + value
    return value


def to_csv(
    report: ResultRunStore,
    *,
    run_id: str | None = None,
    started_ms: int | None = None,
    attempts: Iterable[CaseAttempt] = (),
) -> str:
    """A report's measurements as CSV text: a header (`CSV_COLUMNS`), then one row each.

    Rows follow the report's order; ``started_at`` is the run's start in UTC
    (ISO 8601), booleans are ``true``/``false``, absent values are empty,
    floats keep every digit. ``result`` is the measurement's own verdict
    (empty when nothing was checked). Cases without measurements have no rows.

    A text cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a
    carriage return is written with a leading ``'``, as OWASP advises against
    CSV (formula) injection: a spreadsheet shows it as text instead of
    running it. Numbers are written as they are (``-0.5`` stays a number);
    a string measurement ``-0.5`` reads ``'-0.5``.

    Args:
        report: The report.
        run_id: hardlab's run id, for the first column.
        started_ms: The run's start in Unix milliseconds (default: the report's).
        attempts: Stored attempts; earlier attempts' measurements are added
            before the final ones, with ``final`` false.
    """
    _, earlier = final_times(attempts)
    start = started_ms if started_ms is not None else ms(report.start_time)
    run = {
        "run_id": run_id or "",
        "run_name": report.name,
        "run_status": report.status.value,
        "started_at": _iso(start),
        "serial_number": report.dut.serial_number,
        "part_number": report.dut.part_number,
        "stand_name": report.test_stand.name,
    }
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    for module_id, module in report.modules.items():
        for case_id, case in module.cases.items():
            versions: list[tuple[CaseRunStore, bool]] = [
                (attempt.case, False) for attempt in earlier.get((module_id, case_id), [])
            ]
            versions.append((case, True))
            for version, final in versions:
                for position, meas in enumerate(version.measurements):
                    number = meas if isinstance(meas, NumericMeasurementRecord) else None
                    text = meas if isinstance(meas, StringMeasurementRecord) else None
                    row = {
                        **run,
                        "module_id": module_id,
                        "module_name": module.name,
                        "case_id": case_id,
                        "case_name": version.name,
                        "case_status": version.status.value,
                        "attempt": version.attempt,
                        "final": final,
                        "position": position,
                        "name": meas.name,
                        "type": meas.type.value,
                        "value": meas.value,
                        "unit": number.unit if number else None,
                        "operation": meas.operation.value if meas.operation else None,
                        "comparison_value": meas.comparison_value,
                        "lower_limit": number.lower_limit if number else None,
                        "upper_limit": number.upper_limit if number else None,
                        "casesensitive": text.casesensitive if text else None,
                        "limits": format_limits(meas),
                        "result": meas.result,
                    }
                    writer.writerow({key: _cell(value) for key, value in row.items()})
    return out.getvalue()
