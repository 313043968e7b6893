"""``hardlab runs`` and ``hardlab show``: the stored history, on a terminal.

Both read through `Store` (``runs``, ``run_row``, ``get_report``,
``attempts``) as a Python user would; this module only lays the results out.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

from hardlab._format import STATUS_SYMBOL, failure_case_title, format_duration
from hardlab.cli._common import CliError, open_store, safe_url, short_ids
from hardlab.cli._text import Painter, local_time, wants_color
from hardlab.model.enums import TestStatus

if TYPE_CHECKING:
    from hardlab.model.report import ResultRunStore

_NAME_WIDTH = 32

__all__ = ["cmd_runs", "cmd_show", "runs_table", "show_lines", "visible"]

# ---------------------------------------------------------------------- runs


def cmd_runs(args: argparse.Namespace) -> int:
    """``hardlab runs``: the newest runs matching the filters, as a table or JSON lines."""
    from hardlab.storage import RunFilter

    run_filter = RunFilter(
        part_number=args.part,
        serial_number=args.serial,
        stand=args.stand,
        status=args.status,
        since=args.since,
        until=args.until,
        name=args.name,
    )
    filtered = run_filter != RunFilter()
    with open_store(args.db) as store:
        where = safe_url(store.url)
        rows: list[dict[str, Any]] = []
        if store.exists():
            rows = store.runs(run_filter, limit=args.limit or None).dicts()
        shorts = short_ids(store, [row["id"] for row in rows]) if rows and not args.json else {}
    if args.json:
        for row in rows:
            print(json.dumps(row, default=_json_value, ensure_ascii=False))
        return 0
    if not rows:
        if filtered:
            print(f"No runs in {where} match these filters.")
        else:
            print(f"No runs in {where} yet; record one with: hardlab run PLAN (or: hardlab demo)")
        return 0
    painter = Painter(wants_color(sys.stdout))
    for line in runs_table([visible(row) for row in rows], shorts, painter):
        print(line)
    if args.limit and len(rows) == args.limit:
        print(painter.dim(f"(the newest {args.limit}; --limit N shows more, --limit 0 all)"))
    return 0


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


# C0 controls but tab and line feed, DEL, C1 controls (0x9b is a one-byte CSI
# to some terminals), and the bidirectional overrides that reorder what is shown
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")

T = TypeVar("T")


def visible(value: T) -> T:
    r"""`value` with control characters in its text written out (``\x1b``), walked through.

    A stored run holds whatever its test wrote: an escape sequence in a
    message would otherwise clear the screen, retitle the window or hide
    lines when shown.
    """
    if isinstance(value, str):
        return _CONTROL.sub(_escape, value)  # type: ignore[return-value]
    if isinstance(value, Mapping):
        return {visible(key): visible(item) for key, item in value.items()}  # type: ignore[return-value]
    if isinstance(value, list):
        return [visible(item) for item in value]  # type: ignore[return-value]
    return value


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def runs_table(
    rows: Sequence[Mapping[str, Any]], shorts: Mapping[str, str], painter: Painter
) -> list[str]:
    """Runs (rows of `Store.runs`) as text columns: id, start, status, name, DUT, stand, ..."""
    header = ("ID", "STARTED", "STATUS", "NAME", "DUT", "STAND", "DURATION", "ERROR")
    table = [
        (
            shorts.get(row["id"], row["id"]),
            local_time(row["started_at"]),
            str(row["status"]),
            _clip(row["name"] or "", _NAME_WIDTH),
            _dut(row.get("dut_serial_number"), row.get("dut_part_number")),
            row.get("stand_name") or "",
            format_duration(row["duration_s"]),
            "" if row.get("error_code") is None else str(row["error_code"]),
        )
        for row in rows
    ]
    widths = [max(len(cells[i]) for cells in [header, *table]) for i in range(len(header))]
    # drop columns nobody filled in (no stand, no error codes)
    keep = [i for i in range(len(header)) if i < 3 or any(cells[i] for cells in table)]

    def line(cells: Sequence[str], status: bool) -> str:
        parts = []
        for i in keep:
            text = cells[i].ljust(widths[i]) if i != keep[-1] else cells[i]
            if status and i == 2:
                text = painter.run_status(cells[i], text)
            parts.append(text)
        return "  ".join(parts).rstrip()

    return [painter.bold(line(header, False)), *(line(cells, True) for cells in table)]


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _dut(serial: str | None, part: str | None) -> str:
    if serial and part:
        return f"{serial} ({part})"
    return serial or (f"({part})" if part else "")


# ---------------------------------------------------------------------- show


def cmd_show(args: argparse.Namespace) -> int:
    """``hardlab show RUN_ID``: one run's header, modules, cases and measurements."""
    with open_store(args.db) as store:
        if not store.exists():
            msg = (
                f"no run {args.run_id!r} in {safe_url(store.url)}: it has no runs yet "
                "(choose another store with --db; list runs with: hardlab runs)"
            )
            raise CliError(msg)
        row = store.run_row(args.run_id)
        report = store.get_report(row["id"])
        attempts = store.attempts(row["id"])
    # What a test stored reaches the terminal as text, never as its escape sequences.
    row, attempts = visible(row), [visible(attempt) for attempt in attempts]
    report = type(report).model_validate(visible(report.model_dump(by_alias=True)))
    painter = Painter(wants_color(sys.stdout))
    for line in show_lines(row, report, attempts, painter, all_attempts=args.attempts):
        print(line)
    return 0


def show_lines(
    row: Mapping[str, Any],
    report: ResultRunStore,
    attempts: Sequence[Mapping[str, Any]],
    painter: Painter,
    *,
    all_attempts: bool = False,
) -> list[str]:
    """A stored run as text (`row` from `Store.run_row`, `attempts` from `Store.attempts`)."""
    lines = _header(row, report, painter)
    lines.extend(painter.traffic_lines(report.artifact, "  "))  # outside any case
    finals: dict[tuple[str, str], Mapping[str, Any]] = {}
    earlier: dict[tuple[str, str], list[Mapping[str, Any]]] = {}
    for attempt in attempts:
        key = (attempt["module_id"], attempt["case_id"])
        if attempt["final"]:
            finals[key] = attempt
        else:
            earlier.setdefault(key, []).append(attempt)
    imported = row.get("source") == "import"
    for module_id, module in report.modules.items():
        lines.append("")
        lines.append(f"{painter.status(module.status)} {painter.bold(module.name or module_id)}")
        for case_id, case in module.cases.items():
            key = (module_id, case_id)
            if all_attempts:
                for old in sorted(earlier.get(key, []), key=lambda a: int(a["attempt"])):
                    lines.extend(_earlier_attempt(old, painter))
            retried = f" (attempt {case.attempt})" if case.attempt > 1 else ""
            line = f"  {painter.status(case.status)} {case.name or case_id}{painter.dim(retried)}"
            final = finals.get(key)
            duration_ms = final.get("duration_ms") if final else None
            if duration_ms is not None and not (imported and duration_ms == 0):
                line += "  " + painter.dim(format_duration(duration_ms / 1000))
            lines.append(line)
            lines.extend(painter.case_lines(case, detail=True, traffic=True))
    if not report.modules:
        lines.extend(["", painter.dim("(no cases)")])
    if all_attempts and not earlier:
        lines.extend(["", painter.dim("(no case needed more than one attempt)")])
    return lines


def _header(row: Mapping[str, Any], report: ResultRunStore, painter: Painter) -> list[str]:
    status = str(row["status"])
    label = {"run": "RUNNING"}.get(status, status.upper())
    title = f"{painter.bold(report.name or row['name'] or 'run')}  "
    badge = f" {label} " if painter.color else label
    lines = [title + painter.bold(painter.run_status(status, badge))]
    counts: dict[str, int] = {}
    for module in report.modules.values():
        for case in module.cases.values():
            counts[case.status.value] = counts.get(case.status.value, 0) + 1
    fields: list[tuple[str, str]] = [
        ("id", str(row["id"])),
        ("cases", ", ".join(f"{n} {s}" for s, n in counts.items()) or "none"),
        ("started", local_time(row.get("started_at"))),
    ]
    stopped = local_time(row.get("stopped_at"))
    if stopped and row.get("duration_s") is not None:
        stopped += f"  ({format_duration(row['duration_s'])})"
    fields.append(("stopped", stopped))
    dut = report.dut
    details = [
        f"part {dut.part_number}" if dut.part_number else "",
        dut.name or "",
        f"revision {dut.revision}" if dut.revision else "",
    ]
    fields.append(("DUT", _joined(dut.serial_number or "", details)))
    fields.append(("batch", report.batch_serial_number or ""))
    stand = report.test_stand
    place = [
        stand.location or "",
        f"number {stand.number}" if stand.number is not None else "",
    ]
    fields.append(("stand", _joined(stand.name or "", place)))
    process = report.process
    number = f"number {process.number}" if process.number is not None else ""
    fields.append(("process", _joined(process.name or "", [number])))
    fields.append(("user", report.user or ""))
    if report.error_code is not None:
        fields.append(("error code", str(report.error_code)))
    fields.append(("first failure", _failure_name(report)))
    if row.get("source") == "import":
        fields.append(("source", "imported from a report file"))
    width = max(len(name) for name, value in fields if value)
    lines.extend(f"  {painter.dim(name.ljust(width))}  {value}" for name, value in fields if value)
    if status == "interrupted":
        lines.append(
            painter.run_status(
                status,
                "  The run was interrupted: its process ended before the run finished. "
                "The case it was in shows as stopped, the cases after it as skipped.",
            )
        )
    elif status == "run":
        lines.append(painter.dim(f"  The run is still going ({row.get('progress', 0)}% done)."))
    elif status == "error":
        lines.append(
            painter.run_status(
                status, "  The plan could not run (it is not counted in yields); pytest said:"
            )
        )
        lines.extend(f"    {line}" for line in str(row.get("plan_error") or "").splitlines())
    return lines


def _joined(main: str, details: Sequence[str]) -> str:
    extra = ", ".join(d for d in details if d)
    if main and extra:
        return f"{main} ({extra})"
    return main or extra


def _failure_name(report: ResultRunStore) -> str:
    failure = report.caused_dut_failure_id
    title = failure_case_title(report)
    if not failure or not title:
        return ""
    return title if title == failure else f"{title}  ({failure})"


def _earlier_attempt(attempt: Mapping[str, Any], painter: Painter) -> list[str]:
    status = TestStatus(attempt["status"])
    head = painter.status(status, "↻" if status == TestStatus.FAILED else STATUS_SYMBOL[status])
    note = f"attempt {attempt['attempt']} {status.value}"
    if attempt.get("duration_ms") is not None:
        note += f"  {format_duration(attempt['duration_ms'] / 1000)}"
    line = f"  {head} {attempt['case_name']}  {painter.dim(note)}"
    from hardlab.exchange import stored_attempt_case

    try:
        case = stored_attempt_case(attempt)
    except ValueError as exc:
        return [line, painter.dim(f"      (its details cannot be read: {exc})")]
    return [line, *painter.case_lines(case, detail=True, traffic=True)]
