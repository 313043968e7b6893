"""Lay a run's report out as one self-contained HTML page, and print it to PDF."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from hardlab._format import (
    failure_case_title,
    failure_text,
    format_duration,
    format_limits,
    format_value,
)
from hardlab._svg import chart_svg
from hardlab._version import __version__
from hardlab.errors import HardlabError, MissingExtraError
from hardlab.model.measurement import NumericMeasurementRecord

if TYPE_CHECKING:
    from hardlab.config import HardpyConfig
    from hardlab.model.report import CaseRunStore, ResultRunStore

__all__ = [
    "REPORT_FORMATS",
    "TEMPLATE",
    "embed_html",
    "render_html",
    "render_pdf",
    "run_report_html",
    "write_run_report",
]

TEMPLATE = "report.html.j2"
"""The name of hardlab's own report template (a replacement may extend it)."""
REPORT_FORMATS = ("html", "pdf")
"""What `write_run_report` writes."""

ReportFormat = Literal["html", "pdf"]


def _when(seconds: int | None, zone: str | None) -> str:
    """A report time (Unix seconds) in the stand's time zone, with the zone's name and offset."""
    if seconds is None:
        return ""
    moment = datetime.fromtimestamp(seconds, timezone.utc)
    name = "UTC"
    if zone:
        try:
            from zoneinfo import ZoneInfo

            moment = moment.astimezone(ZoneInfo(zone))
            name = zone
        except (ValueError, KeyError, OSError):  # an unknown zone name: stay in UTC
            pass
    offset = moment.utcoffset() or timedelta(0)
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    hours, rest = divmod(abs(minutes), 60)
    return f"{moment:%Y-%m-%d %H:%M:%S} {name} (UTC{sign}{hours:02d}:{rest:02d})"


def _verdict(result: bool | None) -> str:
    return {True: "pass", False: "fail"}.get(result, "") if result is not None else ""


def _info(values: Mapping[str, Any] | None) -> list[tuple[str, str]]:
    return [(str(key), str(value)) for key, value in (values or {}).items()]


def _attempt_history(attempts: Iterable[Any] | None) -> dict[tuple[str, str], list[str]]:
    """``{(module, case): [status of attempt 1, 2, ...]}`` from store rows or run attempts."""
    found: dict[tuple[str, str], list[tuple[int, str]]] = {}
    for item in attempts or ():
        if isinstance(item, Mapping):
            key = (str(item["module_id"]), str(item["case_id"]))
            number, status = int(item["attempt"]), str(item["status"])
        else:  # hardlab.events.CaseAttempt
            key = (item.module_id, item.case_id)
            number, status = int(item.attempt), str(item.case.status.value)
        if number > 0:
            found.setdefault(key, []).append((number, status))
    return {key: [status for _, status in sorted(values)] for key, values in found.items()}


def _case(module_id: str, case_id: str, case: CaseRunStore, history: list[str]) -> dict[str, Any]:
    from markupsafe import Markup

    measurements = []
    for measurement in case.measurements:
        unit = measurement.unit if isinstance(measurement, NumericMeasurementRecord) else None
        measurements.append(
            {
                "name": measurement.name or "",
                "value": format_value(measurement.value, unit),
                "limits": format_limits(measurement),
                "verdict": _verdict(measurement.result),
            }
        )
    chart = None
    if case.chart is not None and case.chart.x_data:
        # chart_svg escapes every label itself: the SVG is trusted markup
        chart = Markup(chart_svg(case.chart))
    duration = None
    if case.start_time is not None and case.stop_time is not None:
        duration = format_duration(case.stop_time - case.start_time)
    return {
        "id": f"{module_id}::{case_id}",
        "name": case.name or case_id,
        "status": case.status.value,
        "attempt": case.attempt,
        "earlier": history[:-1] if len(history) > 1 else [],
        "duration": duration or "",
        "assertion": case.assertion_msg or "",
        "failure": failure_text(case) or "",
        "messages": [str(text) for text in (case.msg or {}).values()],
        "measurements": measurements,
        "chart": chart,
        "artifact": _info(case.artifact),
    }


def _moment(value: Any, zone: str | None) -> str:
    """A stored time (a datetime, or ``time_ns()``) as `_when` writes it."""
    if value is None:
        return ""
    seconds = value.timestamp() if isinstance(value, datetime) else int(value) / 1e9
    return _when(int(seconds), zone)


def _operator_event(event: Mapping[str, Any], zone: str | None) -> dict[str, Any]:
    """A dialog or operator message (a row of `hardlab.storage.Store.operator_events`)."""
    state = str(event.get("state") or "")
    kind = str(event.get("kind") or "message")
    answer = "" if event.get("answer") is None else str(event["answer"])
    if kind == "dialog":
        result = str(event.get("result") or "")
        if state == "cancelled":
            reply = "no answer: cancelled"
        elif state == "asked":
            reply = "no answer"
        elif event.get("pass_fail"):
            reply = f"{result}: {answer}" if answer else result
        else:
            reply = answer or result
    else:
        reply = "closed by the operator" if state == "closed" else ""
    widget = str(event.get("widget") or "")
    if event.get("pass_fail"):
        widget = f"{widget}, pass/fail" if widget and widget != "base" else "pass/fail"
    return {
        "kind": kind,
        "module_id": event.get("module_id") or "",
        "case_id": event.get("case_id") or "",
        "attempt": event.get("attempt") or "",
        "title": event.get("title") or "",
        "text": str(event.get("text") or ""),
        "widget": widget,
        "blocking": bool(event.get("block")),
        "reply": reply,
        "user": event.get("user_name") or "",
        "asked": _moment(event.get("asked_at", event.get("asked_at_ns")), zone),
        "answered": _moment(event.get("answered_at", event.get("answered_at_ns")), zone),
    }


def report_context(
    report: ResultRunStore,
    attempts: Iterable[Any] | None = None,
    *,
    run_id: str | None = None,
    title: str | None = None,
    operator_events: Iterable[Mapping[str, Any]] | None = None,
) -> dict[str, Any]:
    """What the templates see: the report laid out as plain values (see ``report.html.j2``)."""
    history = _attempt_history(attempts)
    stand, dut = report.test_stand, report.dut
    zone = stand.timezone
    # dialogs and messages go with the case that asked them; the rest with the run
    by_case: dict[str, list[dict[str, Any]]] = {}
    operator: list[dict[str, Any]] = []
    for event in operator_events or ():
        laid = _operator_event(event, zone)
        case_key = f"{laid['module_id']}::{laid['case_id']}"
        (by_case.setdefault(case_key, []) if laid["case_id"] else operator).append(laid)
    modules: list[dict[str, Any]] = []
    for module_id, module in report.modules.items():
        cases = [
            _case(module_id, case_id, case, history.get((module_id, case_id), []))
            for case_id, case in module.cases.items()
        ]
        for case in cases:
            case["operator"] = by_case.pop(case["id"], [])
        modules.append(
            {"id": module_id, "name": module.name or module_id, "status": module.status.value,
             "cases": cases, "artifact": _info(module.artifact)}
        )  # fmt: skip
    duration = None
    if report.start_time is not None and report.stop_time is not None:
        duration = format_duration(report.stop_time - report.start_time)
    counts: dict[str, int] = {}
    for laid_out in modules:
        for case in laid_out["cases"]:
            counts[case["status"]] = counts.get(case["status"], 0) + 1
    return {
        "title": title or report.name or "Test report",
        "status": report.status.value,
        "run_id": run_id or "",
        "dut": {
            "serial_number": dut.serial_number or "",
            "part_number": dut.part_number or "",
            "revision": dut.revision or "",
            "name": dut.name or "",
            "type": dut.type or "",
            "batch": report.batch_serial_number or "",
            "sub_units": [u.model_dump() for u in dut.sub_units],
            "info": _info(dut.info),
        },
        "stand": {
            "name": stand.name or "",
            "location": stand.location or "",
            "number": "" if stand.number is None else str(stand.number),
            "revision": stand.revision or "",
            "hw_id": stand.hw_id or "",
            "timezone": zone or "",
            "instruments": [i.model_dump() for i in stand.instruments],
            "drivers": _info(stand.drivers),
            "info": _info(stand.info),
        },
        "process": {
            "name": report.process.name or "",
            "number": "" if report.process.number is None else str(report.process.number),
            "info": _info(report.process.info),
        },
        "user": report.user or "",
        "started": _when(report.start_time, zone),
        "stopped": _when(report.stop_time, zone),
        "duration": duration or "",
        "error_code": "" if report.error_code is None else str(report.error_code),
        "caused_by": report.caused_dut_failure_id or "",
        "caused_by_name": failure_case_title(report) or "",
        "artifact": _info(report.artifact),
        "modules": modules,
        # cases the report does not list (none, unless the document was edited) keep theirs
        "operator": operator + [event for events in by_case.values() for event in events],
        "counts": sorted(counts.items()),
        "hardlab_version": __version__,
    }


def _environment(template: str | os.PathLike[str] | None) -> tuple[Any, str]:
    try:
        import jinja2
    except ImportError as exc:
        raise MissingExtraError("report", "jinja2") from exc
    loaders: list[Any] = []
    name = TEMPLATE
    if template is not None:
        path = Path(template).expanduser()
        if not path.is_file():
            msg = f"report template {str(path)!r} does not exist ([hardlab.report] template)"
            raise HardlabError(msg)
        loaders.append(jinja2.FileSystemLoader(str(path.parent)))
        name = path.name
    loaders.append(jinja2.PackageLoader("hardlab.reports", "templates"))
    environment = jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return environment, name


def render_html(
    report: ResultRunStore,
    attempts: Iterable[Any] | None = None,
    *,
    run_id: str | None = None,
    title: str | None = None,
    template: str | os.PathLike[str] | None = None,
    operator_events: Iterable[Mapping[str, Any]] | None = None,
) -> str:
    """A run's report as one self-contained HTML page.

    Args:
        report: The run's report (HardPy's schema v1).
        attempts: Every attempt of every case (`hardlab.storage.Store.attempts`
            rows or `hardlab.RunResult.attempts`): retried cases then list
            the outcome of each earlier attempt.
        run_id: The run's id (the store's; HardPy's report ``_id`` names the stand).
        title: The page's heading (default: the report's test name).
        template: A Jinja2 template file that replaces hardlab's own; it
            may ``{% extends "report.html.j2" %}`` and override its blocks.
        operator_events: The dialogs asked (with their answers) and the
            operator messages shown (`hardlab.storage.Store.operator_events`
            rows): each is shown with its case, or with the run.

    Raises:
        MissingExtraError: If Jinja2 is not installed (``hardlab[report]``).
        HardlabError: If `template` does not exist or does not render.
    """
    environment, name = _environment(template)
    import jinja2

    try:
        return str(
            environment.get_template(name).render(
                report_context(
                    report,
                    attempts,
                    run_id=run_id,
                    title=title,
                    operator_events=operator_events,
                )
            )
        )
    except jinja2.TemplateError as exc:
        msg = f"report template {name!r}: {exc}"
        raise HardlabError(msg) from exc


def embed_html(page: str, *, height: int = 640) -> str:
    """A report page to show inside another page (a notebook output): a sandboxed iframe.

    The page's style sheet styles ``body`` and ``@page``; inside the iframe
    it cannot restyle the notebook around it.
    """
    import html

    return (
        f'<iframe title="hardlab unit report" sandbox="" srcdoc="{html.escape(page, quote=True)}" '
        f'style="width:100%;height:{int(height)}px;border:1px solid #d0d7de"></iframe>'
    )


def render_pdf(html: str) -> bytes:
    """Print a report page to PDF with WeasyPrint (its print CSS: A4, or Letter if set).

    Raises:
        MissingExtraError: If WeasyPrint is not installed (``hardlab[report]``).
        HardlabError: If WeasyPrint cannot load its system libraries (Pango).
    """
    try:
        import weasyprint  # type: ignore[import-untyped]
    except ImportError as exc:
        raise MissingExtraError("report", "weasyprint") from exc
    except OSError as exc:  # WeasyPrint loads Pango with ctypes at import
        msg = f"WeasyPrint cannot load its system libraries (Pango): {exc}"
        raise HardlabError(msg) from exc
    document: bytes = weasyprint.HTML(string=html).write_pdf()
    return document


def _template_of(
    template: str | os.PathLike[str] | None, config: HardpyConfig | None
) -> str | os.PathLike[str] | None:
    if template is not None:
        return template
    return config.hardlab.report.template if config is not None else None


def _stored(
    run_id: str, db: str | os.PathLike[str] | None, config: HardpyConfig | None
) -> tuple[str, ResultRunStore, list[dict[str, Any]], list[dict[str, Any]]]:
    from hardlab.errors import StorageError
    from hardlab.storage import Store

    with Store(db, config=config) as store:
        if not store.exists():
            msg = f"no run {run_id!r} in {store!r}: it has no runs yet"
            raise StorageError(msg)
        full = str(store.run_row(run_id)["id"])
        return full, store.get_report(full), store.attempts(full), store.operator_events(full)


def run_report_html(
    run_id: str,
    db: str | os.PathLike[str] | None = None,
    *,
    config_dir: str | os.PathLike[str] | None = None,
    template: str | os.PathLike[str] | None = None,
) -> str:
    """The report page of a stored run.

    Args:
        run_id: The run's id, or a unique prefix of it.
        db: The store (a database URL or SQLite path; default as `hardlab.history`).
        config_dir: A plan folder whose ``hardpy.toml`` names the store and
            the ``[hardlab.report]`` template.
        template: A template file that replaces hardlab's own (and the configured one).

    Raises:
        StorageError: If the store has no such run (or the id is ambiguous).
    """
    from hardlab.config import load_config

    config = load_config(config_dir) if config_dir is not None else None
    full, report, attempts, events = _stored(run_id, db, config)
    return render_html(
        report,
        attempts,
        run_id=full,
        template=_template_of(template, config),
        operator_events=events,
    )


def write_run_report(
    run_id: str,
    output: str | os.PathLike[str] | None = None,
    *,
    format: ReportFormat = "html",
    db: str | os.PathLike[str] | None = None,
    config_dir: str | os.PathLike[str] | None = None,
    template: str | os.PathLike[str] | None = None,
) -> Path:
    """Write a stored run's report page (or PDF) to a file; where it went.

    Args:
        run_id: The run's id, or a unique prefix of it.
        output: The file (default: ``report-RUN_ID.html`` or ``.pdf`` here);
            an existing folder gets that name inside it.
        format: ``html`` or ``pdf``.
        db: The store.
        config_dir: The plan folder of ``hardpy.toml`` (its store and template).
        template: A template file that replaces hardlab's own.

    Raises:
        StorageError: If the store has no such run.
        MissingExtraError: If the ``report`` extra is not installed.
        ValueError: For another `format`.
    """
    if format not in REPORT_FORMATS:
        msg = f"format={format!r}: use {' or '.join(map(repr, REPORT_FORMATS))}"
        raise ValueError(msg)
    from hardlab.config import load_config

    config = load_config(config_dir) if config_dir is not None else None
    full, report, attempts, events = _stored(run_id, db, config)
    page = render_html(
        report,
        attempts,
        run_id=full,
        template=_template_of(template, config),
        operator_events=events,
    )
    name = f"report-{full}.{format}"
    path = Path(output) if output is not None else Path(name)
    if path.is_dir():
        path = path / name
    # render the PDF first: a missing extra leaves no empty file behind
    content = render_pdf(page) if format == "pdf" else page.encode("utf-8")
    path.write_bytes(content)
    return path
