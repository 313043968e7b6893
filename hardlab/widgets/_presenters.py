"""What the notebook panel shows, as pure functions from the report model to text and HTML.

Nothing here imports ipywidgets: the panel (`hardlab.widgets.RunPanel`) and
the dialogs only put these strings into stock widgets, so everything a run
looks like in a notebook is tested without a kernel. Every piece of user
text (case names, messages, measurement names, assertion messages) is
HTML-escaped; the raw HTML a test passes to a dialog goes through
`sanitize_html`.

matplotlib is imported only when a chart is drawn; without it a chart is
shown as a one-line summary.
"""

from __future__ import annotations

import base64
import binascii
import html
import io
import mimetypes
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from hardlab._format import (
    STATUS_SYMBOL,
    failure_case_title,
    failure_text,
    format_duration,
    format_limits,
    format_measurement,
    plan_error_brief,
)
from hardlab._svg import icon_svg
from hardlab.model.dialog import HTMLComponent, ImageComponent
from hardlab.model.enums import ChartType, TestStatus
from hardlab.model.scpi import SCPI_KEY, scpi_entries
from hardlab.widgets._i18n import ENGLISH, Labels
from hardlab.widgets._sanitize import safe_url, sanitize_html

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from hardlab.events import RunView
    from hardlab.model.measurement import ChartRecord
    from hardlab.model.report import CaseRunStore, ModuleRunStore, ResultRunStore
    from hardlab.operators import MessageRequest

__all__ = [
    "IFRAME_SANDBOX",
    "STATUS_COLOR",
    "BannerState",
    "HeaderState",
    "ModuleState",
    "badge_text",
    "banner_html",
    "banner_state",
    "case_row_html",
    "case_rows_html",
    "chart_figure",
    "chart_html",
    "chart_image_uri",
    "chart_summary",
    "counts_text",
    "dialog_text_html",
    "header_html",
    "header_state",
    "html_block",
    "image_html",
    "image_mime",
    "message_html",
    "module_state",
    "module_title",
    "run_header",
    "status_counts",
    "step_html",
]

STATUS_COLOR: dict[TestStatus, str] = {
    TestStatus.PASSED: "#2e7d32",
    TestStatus.FAILED: "#c62828",
    TestStatus.ERROR: "#c62828",
    TestStatus.SKIPPED: "#9e7700",
    TestStatus.STOPPED: "#7b1fa2",
    TestStatus.RUN: "#1565c0",
    TestStatus.READY: "#757575",
}
"""CSS colour per status (the terminal's colours, readable on light and dark themes)."""

_MUTED = "#888"
_DONE = (TestStatus.PASSED, TestStatus.FAILED, TestStatus.ERROR, TestStatus.SKIPPED)
_BAD = (TestStatus.FAILED, TestStatus.ERROR, TestStatus.STOPPED)
_COUNT_ORDER = (
    TestStatus.PASSED,
    TestStatus.FAILED,
    TestStatus.ERROR,
    TestStatus.SKIPPED,
    TestStatus.STOPPED,
    TestStatus.RUN,
    TestStatus.READY,
)
_ASSERTION_LINES = 12


def _e(value: object) -> str:
    """`value` as HTML text."""
    return html.escape(str(value), quote=True)


def _badge(text: str, color: str) -> str:
    return (
        f'<span style="background:{color};color:#fff;border-radius:3px;padding:1px 6px;'
        f'font-weight:bold;font-size:90%">{_e(text)}</span>'
    )


# ---------------------------------------------------------------------- counts


def status_counts(cases: Iterable[CaseRunStore]) -> dict[TestStatus, int]:
    """How many of `cases` are in each status."""
    counts: dict[TestStatus, int] = {}
    for case in cases:
        counts[case.status] = counts.get(case.status, 0) + 1
    return counts


def counts_text(counts: Mapping[TestStatus, int], labels: Labels = ENGLISH) -> str:
    """``3 passed, 1 failed, 2 to go`` (statuses in a fixed order, zeros left out)."""
    parts = [
        labels(f"count.{status.value}", n=counts[status])
        for status in _COUNT_ORDER
        if counts.get(status)
    ]
    return ", ".join(parts) or labels("count.none")


def badge_text(status: TestStatus, labels: Labels = ENGLISH) -> str:
    """A status as its badge shows it: ``PASSED``, ``RUNNING`` (in `labels`' language)."""
    return labels(f"badge.{status.value}")


# ---------------------------------------------------------------------- header


@dataclass(frozen=True, slots=True)
class HeaderState:
    """The panel's header line.

    Attributes:
        name: The run's name.
        status: The run's status.
        badge: The status badge's text.
        color: The badge's colour.
        progress: Percentage of cases done.
        elapsed: How long the run has taken so far (``12.3s``), or "".
        dut: ``serial (part)`` of the device under test, or "".
        stand: The test stand's name, or "".
        current: The running case (``Module › Case``), or "".
        waiting: The title of the dialog waiting for the operator, or "".
        alert: The run's alert, or "".
    """

    name: str
    status: TestStatus
    badge: str
    color: str
    progress: int
    elapsed: str = ""
    dut: str = ""
    stand: str = ""
    current: str = ""
    waiting: str = ""
    alert: str = ""


def header_state(
    report: ResultRunStore,
    *,
    progress: int,
    alert: str = "",
    elapsed: float | None = None,
    current: str = "",
    waiting: str = "",
    labels: Labels = ENGLISH,
) -> HeaderState:
    """The header of a run whose report is `report` (badge in `labels`' language)."""
    dut = report.dut.serial_number or ""
    if report.dut.part_number:
        dut = f"{dut} ({report.dut.part_number})" if dut else f"({report.dut.part_number})"
    status = report.status
    return HeaderState(
        name=report.name or "run",
        status=status,
        badge=badge_text(status, labels),
        color=STATUS_COLOR[status],
        progress=max(0, min(100, progress)),
        elapsed=format_duration(elapsed),
        dut=dut,
        stand=report.test_stand.name or "",
        current=current,
        waiting=waiting,
        alert=alert,
    )


def run_header(run: RunView, *, now_ns: int | None = None, labels: Labels = ENGLISH) -> HeaderState:
    """The header of the live `run` (read while the run holds still)."""

    def read(report: ResultRunStore) -> HeaderState:
        current = ""
        if run.current is not None and report.status == TestStatus.RUN:
            module = report.modules.get(run.current.module_id)
            case = module.cases.get(run.current.case_id) if module is not None else None
            if module is not None and case is not None:
                again = f" ({labels('note.attempt', n=case.attempt)})" if case.attempt > 1 else ""
                current = f"{module.name} › {case.name}{again}"
        elapsed = None
        if run.started_ns is not None:
            end = run.finished_ns or (now_ns if now_ns is not None else time.time_ns())
            elapsed = max(0.0, (end - run.started_ns) / 1e9)
        waiting = run.dialog.title if run.dialog is not None else ""
        return header_state(
            report,
            progress=run.progress,
            alert=run.alert,
            elapsed=elapsed,
            current=current,
            waiting=waiting,
            labels=labels,
        )

    return run.read(read)


def header_html(state: HeaderState, labels: Labels = ENGLISH) -> str:
    """The header as HTML: name, badge, progress, time, DUT, stand, running case, alert."""
    facts = [f"{state.progress}%"]
    if state.elapsed:
        facts.append(state.elapsed)
    if state.dut:
        facts.append(_e(labels("header.dut", dut=state.dut)))
    if state.stand:
        facts.append(_e(labels("header.stand", stand=state.stand)))
    lines = [
        '<div class="hardlab-header">'
        f'<b style="font-size:115%">{_e(state.name)}</b> {_badge(state.badge, state.color)} '
        f'<span style="color:{_MUTED}">{" · ".join(facts)}</span>'
    ]
    if state.waiting:
        lines.append(
            f'<div style="color:{STATUS_COLOR[TestStatus.RUN]}">'
            f"{icon_svg('pause')} {_e(labels('header.waiting', title=state.waiting))}</div>"
        )
    elif state.current:
        lines.append(f'<div style="color:{_MUTED}">▶ {_e(state.current)}</div>')
    if state.alert:
        lines.append(f'<div style="color:#e65100">⚠ {_e(state.alert)}</div>')
    lines.append("</div>")
    return "".join(lines)


# ---------------------------------------------------------------------- modules


@dataclass(frozen=True, slots=True)
class ModuleState:
    """A module's line in the panel.

    Attributes:
        module_id: The module's id (test file stem).
        name: Its display name.
        status: Its status.
        counts: Its cases per status.
        done: Cases with a result.
        total: All its cases.
        expanded: Whether its cases should show: while it runs and when it
            failed or stopped; a module that passed, was skipped or has not
            started folds away.
    """

    module_id: str
    name: str
    status: TestStatus
    counts: dict[TestStatus, int]
    done: int
    total: int
    expanded: bool


def module_state(module_id: str, module: ModuleRunStore) -> ModuleState:
    """The state of `module` (read it under the run's lock if it is live)."""
    counts = status_counts(module.cases.values())
    done = sum(counts.get(status, 0) for status in (*_DONE, TestStatus.STOPPED))
    status = module.status
    expanded = status == TestStatus.RUN or status in _BAD
    return ModuleState(
        module_id=module_id,
        name=module.name or module_id,
        status=status,
        counts=counts,
        done=done,
        total=len(module.cases),
        expanded=expanded,
    )


def module_title(state: ModuleState, labels: Labels = ENGLISH) -> str:
    """A module's title (plain text, for an accordion): ``✓ Power  5/5 · 5 passed``."""
    return (
        f"{STATUS_SYMBOL[state.status]} {state.name}  "
        f"{state.done}/{state.total} · {counts_text(state.counts, labels)}"
    )


# ---------------------------------------------------------------------- cases


def _measurement_html(measurement: Any) -> str:
    text = _e(format_measurement(measurement))
    limits = format_limits(measurement)
    color = ""
    mark = ""
    if measurement.result is not None:
        status = TestStatus.PASSED if measurement.result else TestStatus.FAILED
        color = f"color:{STATUS_COLOR[status]};"
        mark = f" {STATUS_SYMBOL[status]}"
    suffix = f' <span style="color:{_MUTED}">{_e(limits)}</span>' if limits else ""
    return f'<div style="{color}">{text}{mark}{suffix}</div>'


_TRAFFIC_ROWS = 200
"""How many instrument exchanges a folded case shows (the rest: hardlab.history().scpi())."""


def traffic_html(artifact: Mapping[str, Any]) -> str:
    """A case's instrument exchanges (its artifact ``scpi``), folded: "" when it has none."""
    kept = scpi_entries(artifact.get(SCPI_KEY))
    if not kept:
        return ""
    names = ", ".join(sorted({str(entry["instrument"]) for entry in kept}))
    rows = []
    for entry in kept[:_TRAFFIC_ROWS]:
        answer = entry["answer"]
        said = f" → {answer}" if answer is not None else ""
        error = f"  ✗ {entry['error']}" if entry["error"] else ""
        rows.append(f"{entry['instrument']}  {entry['command']}{said}{error}")
    if len(kept) > _TRAFFIC_ROWS:
        rows.append(f"… {len(kept) - _TRAFFIC_ROWS} more: hardlab.history().scpi()")
    return (
        f'<details style="color:{_MUTED}"><summary>scpi: {len(kept)} × {_e(names)}</summary>'
        f'<pre style="margin:2px 0;white-space:pre-wrap;font-size:90%">'
        f"{_e(chr(10).join(rows))}</pre></details>"
    )


def case_row_html(
    case: CaseRunStore,
    *,
    duration: float | None = None,
    measurements: bool = True,
    labels: Labels = ENGLISH,
) -> str:
    """One case as HTML: status, name, attempt, time, messages, measurements, failure.

    Args:
        case: The case (read it under the run's lock if it is live).
        duration: The last attempt's duration in seconds, if known.
        measurements: Show the case's measurements (``[frontend]
            measurement_display``; the operator may not need the numbers).
        labels: The language of the notes.
    """
    status = case.status
    color = STATUS_COLOR[status]
    head = [
        f'<span style="color:{color};display:inline-block;width:1.3em;font-weight:bold">'
        f"{_e(STATUS_SYMBOL[status])}</span>{_e(case.name)}"
    ]
    notes = []
    if case.attempt > 1:
        notes.append(labels("note.attempt", n=case.attempt))
    if duration is not None:
        notes.append(format_duration(duration))
    if status in (TestStatus.RUN, *_BAD, TestStatus.SKIPPED):
        notes.append(labels(f"note.{status.value}"))
    if notes:
        head.append(f' <span style="color:{_MUTED}">{" · ".join(_e(n) for n in notes)}</span>')
    details: list[str] = [f"<div>{_e(text)}</div>" for text in (case.msg or {}).values()]
    if measurements:
        details.extend(_measurement_html(m) for m in case.measurements)
        details.append(traffic_html(case.artifact))
    if case.chart is not None:
        summary = chart_summary(case.chart, labels)
        details.append(f'<div style="color:{_MUTED}">{icon_svg("chart")} {_e(summary)}</div>')
    failure = failure_text(case) if status in _BAD else None
    if failure:
        # the assertion's message; pytest's crash text stays in the report
        lines = failure.splitlines()
        shown = "\n".join(lines[:_ASSERTION_LINES])
        if len(lines) > _ASSERTION_LINES:
            shown += "\n…"
        details.append(
            f'<pre style="color:{STATUS_COLOR[TestStatus.FAILED]};margin:2px 0;'
            f'white-space:pre-wrap;font-size:90%">{_e(shown)}</pre>'
        )
    elif case.assertion_msg and status == TestStatus.SKIPPED:
        first = case.assertion_msg.splitlines()[0] if case.assertion_msg.strip() else ""
        details.append(f'<div style="color:{_MUTED}">{_e(first)}</div>')
    body = (
        f'<div style="margin-left:1.3em;font-size:92%">{"".join(details)}</div>' if details else ""
    )
    return (
        f'<div class="hardlab-case hardlab-{status.value}" '
        f'style="border-left:3px solid {color};padding:1px 0 1px 6px;margin:1px 0">'
        f"{''.join(head)}{body}</div>"
    )


def case_rows_html(
    cases: Iterable[CaseRunStore],
    durations: Iterable[float | None] | None = None,
    *,
    measurements: bool = True,
    labels: Labels = ENGLISH,
) -> str:
    """Several case rows; `durations` pairs with `cases` when given."""
    if durations is None:
        return "".join(
            case_row_html(case, measurements=measurements, labels=labels) for case in cases
        )
    return "".join(
        case_row_html(case, duration=duration, measurements=measurements, labels=labels)
        for case, duration in zip(cases, durations, strict=True)
    )


# ---------------------------------------------------------------------- banner


@dataclass(frozen=True, slots=True)
class BannerState:
    """The verdict shown when a run ends.

    Attributes:
        text: ``PASSED``, ``FAILED`` or ``STOPPED``; ``NOT RUN`` for a plan that could not run.
        color: Its colour.
        detail: Counts and time (``5 passed, 1 failed in 12.3s``); for a
            plan that could not run, that no case was tested.
        extra: Further lines: DUT, error code, first failure.
        brief: Why the plan could not run (each problem's file, line and
            error, shown as it is laid out), or "".
    """

    text: str
    color: str
    detail: str
    extra: tuple[str, ...] = ()
    brief: str = ""


def banner_state(
    report: ResultRunStore,
    seconds: float | None = None,
    labels: Labels = ENGLISH,
    plan_error: str | None = None,
) -> BannerState:
    """The final verdict of `report`; `seconds` is how long the run took.

    A run whose plan could not run (`plan_error`, ``RunFinished.plan_error``)
    is no DUT's failure, though its report says ``failed`` (as HardPy's
    does): its verdict is ``NOT RUN`` (as ``hardlab run`` says it) with the
    brief reason (`hardlab._format.plan_error_brief`).
    """
    if plan_error is not None:
        return BannerState(
            text=labels("banner.not_run"),
            color=STATUS_COLOR[TestStatus.ERROR],
            detail=labels("banner.plan_error"),
            brief=plan_error_brief(plan_error),
        )
    counts: dict[TestStatus, int] = {}
    for module in report.modules.values():
        for status, number in status_counts(module.cases.values()).items():
            counts[status] = counts.get(status, 0) + number
    detail = counts_text(counts, labels)
    if seconds is not None:
        detail = labels("banner.detail", counts=detail, time=format_duration(seconds))
    extra = []
    if report.dut.serial_number:
        part = f" ({report.dut.part_number})" if report.dut.part_number else ""
        extra.append(labels("banner.dut", dut=f"{report.dut.serial_number}{part}"))
    if report.error_code is not None:
        extra.append(labels("banner.error_code", code=report.error_code))
    failure = failure_case_title(report)
    if failure:
        extra.append(labels("banner.first_failure", case=failure))
    return BannerState(
        text=badge_text(report.status, labels),
        color=STATUS_COLOR[report.status],
        detail=detail,
        extra=tuple(extra),
    )


def banner_html(state: BannerState) -> str:
    """The verdict as a coloured block."""
    extra = "".join(f"<div>{_e(line)}</div>" for line in state.extra)
    if state.brief:
        # laid out as pytest lays it out (a syntax error's caret points at its column)
        extra += (
            '<pre class="hardlab-banner-brief" style="color:inherit;background:none;'
            f'white-space:pre-wrap;margin:4px 0 0">{_e(state.brief)}</pre>'
        )
    return (
        f'<div class="hardlab-banner" style="background:{state.color};color:#fff;'
        f'padding:8px 12px;border-radius:4px;margin-top:4px">'
        f'<span style="font-size:160%;font-weight:bold;letter-spacing:1px">{_e(state.text)}</span>'
        f' <span style="margin-left:1em">{_e(state.detail)}</span>{extra}</div>'
    )


# ---------------------------------------------------------------------- dialog content

_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF8", "image/gif"),
    (b"BM", "image/bmp"),
    (b"II*\x00", "image/tiff"),
    (b"MM\x00*", "image/tiff"),
    (b"\x00\x00\x01\x00", "image/x-icon"),
)


def image_mime(data_base64: str, address: str = "") -> str:
    """The MIME type of a base64 image, from its first bytes, else from its file name."""
    head = b""
    prefix = data_base64[:64]
    prefix = prefix[: len(prefix) - len(prefix) % 4]
    try:
        head = base64.b64decode(prefix, validate=False)
    except (binascii.Error, ValueError):
        head = b""
    for magic, mime in _MAGIC:
        if head.startswith(magic):
            return mime
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if stripped.startswith((b"<svg", b"<?xml")):
        return "image/svg+xml"
    guessed, _ = mimetypes.guess_type(address)
    if guessed and guessed.startswith("image/"):
        return guessed
    return "image/png"


def _image_fields(image: ImageComponent | Mapping[str, Any]) -> dict[str, Any]:
    return image.to_dict() if isinstance(image, ImageComponent) else dict(image)


def _html_fields(component: HTMLComponent | Mapping[str, Any]) -> dict[str, Any]:
    return component.to_dict() if isinstance(component, HTMLComponent) else dict(component)


def image_html(image: ImageComponent | Mapping[str, Any]) -> str:
    """A dialog image (an `ImageComponent` or its dictionary) as an ``<img>`` with a data URL."""
    fields = _image_fields(image)
    data = str(fields.get("base64") or "")
    address = str(fields.get("address") or "")
    width = int(fields.get("width") or 100)
    border = int(fields.get("border") or 0)
    mime = image_mime(data, address)
    style = f"width:{width}%;max-width:100%;border:{border}px solid #555;box-sizing:border-box"
    return (
        f'<div class="hardlab-image"><img src="data:{mime};base64,{_e(data)}" '
        f'alt="{_e(address)}" style="{style}"></div>'
    )


IFRAME_SANDBOX = "allow-scripts allow-forms allow-popups"
"""What a URL shown in a dialog may do: no same origin, no top navigation, no downloads."""


def html_block(component: HTMLComponent | Mapping[str, Any], *, frame_height: int = 400) -> str:
    """Dialog HTML: sanitised raw HTML, or a URL in an ``<iframe>``."""
    fields = _html_fields(component)
    code = str(fields.get("code_or_url") or "")
    width = int(fields.get("width") or 100)
    border = int(fields.get("border") or 0)
    box = f"width:{width}%;max-width:100%;border:{border}px solid #555;box-sizing:border-box"
    if fields.get("is_raw_html", True):
        return f'<div class="hardlab-html" style="{box}">{sanitize_html(code)}</div>'
    if not safe_url(code):
        return f'<div style="color:{_MUTED}">[page not shown: {_e(code)}]</div>'
    # sandbox without allow-same-origin: the page runs in an opaque origin, so
    # even a page served by this Jupyter server cannot reach its API, cookies
    # or the notebook around it; scripts, forms and links that open a window
    # still work for documentation pages that need them.
    return (
        f'<iframe class="hardlab-html" src="{_e(code)}" '
        f'style="{box};height:{frame_height}px" sandbox="{IFRAME_SANDBOX}" '
        'referrerpolicy="no-referrer"></iframe>'
    )


def dialog_text_html(text: str, font_size: int = 14) -> str:
    """The text of a dialog or message, escaped, line breaks kept, in `font_size` pixels."""
    return f'<div style="font-size:{int(font_size)}px;white-space:pre-wrap">{_e(text)}</div>'


def step_html(
    info: Mapping[str, Any],
    index: int,
    total: int,
    font_size: int = 14,
    labels: Labels = ENGLISH,
) -> str:
    """Step `index` (0-based) of `total` of a multistep dialog: title, text, image, HTML."""
    step = labels("dialog.step", n=index + 1, total=total)
    parts = [
        f'<div style="color:{_MUTED}">{_e(step)}</div><div><b>{_e(info.get("title", ""))}</b></div>'
    ]
    if info.get("text") is not None:
        parts.append(dialog_text_html(str(info["text"]), font_size))
    if info.get("image"):
        parts.append(image_html(info["image"]))
    if info.get("html"):
        parts.append(html_block(info["html"]))
    return "".join(parts)


def message_html(request: MessageRequest) -> str:
    """An operator message: title, text, image and HTML in a framed box."""
    parts = []
    if request.title:
        parts.append(f"<div><b>{_e(request.title)}</b></div>")
    parts.append(dialog_text_html(request.msg, request.font_size))
    if request.image is not None:
        parts.append(image_html(request.image))
    if request.html is not None:
        parts.append(html_block(request.html))
    return (
        '<div class="hardlab-message" style="border:1px solid #0277bd;border-left-width:4px;'
        f'padding:4px 8px;margin:4px 0">{"".join(parts)}</div>'
    )


# ---------------------------------------------------------------------- charts


def chart_summary(chart: ChartRecord, labels: Labels = ENGLISH) -> str:
    """A chart as one line of text: ``Frequency response: 2 series, 200 points``."""
    points = sum(len(series) for series in chart.x_data)
    shape = labels("chart.shape", series=len(chart.x_data), points=points)
    return f"{chart.title or labels('chart.untitled')}: {shape}"


def chart_figure(chart: ChartRecord, *, size: tuple[float, float] = (6.4, 3.4)) -> Figure:
    """Draw `chart` as a matplotlib `Figure` (no pyplot, so it is safe in any thread).

    Every series is a line labelled with its marker name; the chart type's
    log axes are honoured.

    Raises:
        ImportError: If matplotlib is not installed.
    """
    from matplotlib.figure import Figure

    figure = Figure(figsize=size, layout="constrained")
    axes = figure.add_subplot()
    names = list(chart.marker_name) + [None] * (len(chart.x_data) - len(chart.marker_name))
    labelled = False
    for xs, ys, name in zip(chart.x_data, chart.y_data, names, strict=False):
        few = len(xs) <= 40
        axes.plot(xs, ys, marker="o" if few else None, markersize=3, linewidth=1.2, label=name)
        labelled = labelled or bool(name)
    if chart.type in (ChartType.LINE_LOG_X, ChartType.LOG_X_Y):
        axes.set_xscale("log")
    if chart.type in (ChartType.LINE_LOG_Y, ChartType.LOG_X_Y):
        axes.set_yscale("log")
    if chart.title:
        axes.set_title(chart.title)
    if chart.x_label:
        axes.set_xlabel(chart.x_label)
    if chart.y_label:
        axes.set_ylabel(chart.y_label)
    axes.grid(visible=True, which="both", alpha=0.3)
    if labelled:
        axes.legend(fontsize="small")
    return figure


def chart_image_uri(chart: ChartRecord, *, fmt: str = "png", dpi: int = 96) -> str:
    """`chart` drawn as a ``data:`` URL (``png`` or ``svg``) to embed in HTML.

    Raises:
        ImportError: If matplotlib is not installed.
    """
    figure = chart_figure(chart)
    buffer = io.BytesIO()
    figure.savefig(buffer, format=fmt, dpi=dpi)
    mime = "image/svg+xml" if fmt == "svg" else f"image/{fmt}"
    return f"data:{mime};base64,{base64.b64encode(buffer.getvalue()).decode('ascii')}"


def chart_html(
    chart: ChartRecord, *, caption: str = "", fmt: str = "png", labels: Labels = ENGLISH
) -> str:
    """`chart` as an embedded image with a caption; a text summary without matplotlib."""
    summary = chart_summary(chart, labels)
    label = f"{caption} — {summary}" if caption else summary
    try:
        uri = chart_image_uri(chart, fmt=fmt)
    except ImportError:
        hint = labels("chart.no_matplotlib")
        return f'<div style="color:{_MUTED}">{icon_svg("chart")} {_e(label)} ({_e(hint)})</div>'
    return (
        '<figure class="hardlab-chart" style="margin:4px 0">'
        f'<img src="{uri}" alt="{_e(label)}" style="max-width:100%">'
        f'<figcaption style="color:{_MUTED};font-size:90%">{_e(label)}</figcaption></figure>'
    )
