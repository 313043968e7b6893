"""What the operator station shows, as pure functions from its state to HTML.

The station (`hardlab.operator_station`) is a controller and a thin
ipywidgets view; the view only puts these strings into stock widgets, as the
run panel does with `hardlab.widgets._presenters`. Nothing here imports
ipywidgets, and every piece of user text (stand, DUT, alert, names) is
HTML-escaped.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from hardlab._format import format_duration
from hardlab.model.enums import TestStatus
from hardlab.widgets import _presenters as present
from hardlab.widgets._i18n import LANGUAGE_NAMES, Labels

if TYPE_CHECKING:
    from hardlab.runner import RunResult

__all__ = [
    "HistoryRow",
    "StatusBar",
    "format_when",
    "heading_html",
    "history_html",
    "language_options",
    "modal_html",
    "plan_html",
    "problems_html",
    "station_css",
    "status_bar_html",
]

# The station's own states beside the report's statuses (the badge colours).
_STATUS_COLOR = {
    "ready": present.STATUS_COLOR[TestStatus.READY],
    "collecting": present.STATUS_COLOR[TestStatus.RUN],
    "run": present.STATUS_COLOR[TestStatus.RUN],
    "stopping": present.STATUS_COLOR[TestStatus.STOPPED],
    "error": present.STATUS_COLOR[TestStatus.ERROR],
    **{status.value: color for status, color in present.STATUS_COLOR.items()},
}
_MUTED = "#888"

_CSS = """
<style>
.hardlab-station { font-size: 15px; }
.hardlab-station .hardlab-start { font-weight: bold; }
.hardlab-station .hardlab-status-bar { border-top: 1px solid #bbb; border-bottom: 1px solid #bbb;
  padding: 4px 6px; margin: 4px 0; display: flex; flex-wrap: wrap; gap: 4px 18px; }
.hardlab-station .hardlab-status-bar b { color: #666; font-weight: normal; margin-right: 4px; }
.hardlab-station .widget-vbox.hardlab-dialog, .hardlab-station .widget-vbox.hardlab-message {
  position: fixed; top: 12vh; left: 50%; transform: translateX(-50%); z-index: 1500;
  width: min(760px, 92vw); max-height: 76vh; overflow: auto; font-size: 125%;
  background: var(--jp-layout-color1, #fff);
  box-shadow: 0 0 0 100vmax rgba(0, 0, 0, 0.35), 0 8px 28px rgba(0, 0, 0, 0.4); }
.hardlab-station .hardlab-modal { position: fixed; inset: 0; z-index: 2000;
  background: rgba(0, 0, 0, 0.55); align-items: center; justify-content: center; }
.hardlab-station .hardlab-modal-card { background: var(--jp-layout-color1, #fff);
  border-radius: 8px; padding: 18px 28px; min-width: min(560px, 90vw); align-items: center; }
.hardlab-station .hardlab-modal-verdict { font-size: 72px; line-height: 1.25; font-weight: bold;
  letter-spacing: 3px; color: #fff; border-radius: 6px; padding: 8px 40px; text-align: center; }
.hardlab-station .hardlab-modal-dismiss { font-size: 22px; height: 48px; min-width: 160px; }
.hardlab-station .hardlab-plan-module { margin-top: 6px; font-weight: bold; }
.hardlab-station .hardlab-plan-case { margin-left: 2em; padding: 1px 0; }
.hardlab-station table.hardlab-history { border-collapse: collapse; }
.hardlab-station table.hardlab-history td, .hardlab-station table.hardlab-history th {
  padding: 2px 10px; border-bottom: 1px solid #ddd; text-align: left; }
</style>
"""


def station_css() -> str:
    """The station's stylesheet (an ``HTML`` widget's value): the classes the renderers emit."""
    return _CSS


def language_options() -> list[tuple[str, str]]:
    """The languages the operator may switch to, as (name, code) pairs for a dropdown."""
    return [(name, code) for code, name in LANGUAGE_NAMES.items()]


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def format_when(ns: int | None, zone: str | None = None) -> str:
    """``2026-11-21 08:15:02 UTC+01:00 (Europe/Berlin)``: local time and zone; "" for None."""
    if ns is None:
        return ""
    moment = datetime.fromtimestamp(ns / 1e9, tz=timezone.utc).astimezone()
    offset = moment.strftime("%z")
    offset = f"UTC{offset[:3]}:{offset[3:]}" if offset else "UTC"
    text = f"{moment:%Y-%m-%d %H:%M:%S} {offset}"
    return f"{text} ({zone})" if zone else text


def heading_html(text: str, note: str = "", *, large: bool = False) -> str:
    """A section's bold title (`large`: the station's name), with a muted `note` after it."""
    title = f'<b style="font-size:150%">{_e(text)}</b>' if large else f"<b>{_e(text)}</b>"
    return f'{title} <span style="color:{_MUTED}">{_e(note)}</span>' if note else title


def problems_html(problems: Sequence[str]) -> str:
    """Why the station cannot start, one warning a line ("" for none)."""
    return "".join(
        f'<div style="color:#c62828;font-size:115%">⚠ {_e(text)}</div>' for text in problems
    )


def plan_html(modules: Sequence[tuple[str, Sequence[str]]], labels: Labels) -> str:
    """The plan's modules and cases before its first run: (module name, case names) in order.

    What the operator will run, as HardPy's panel lists it before Start; ""
    while nothing is collected.
    """
    if not modules:
        return ""
    rows = [heading_html(labels("station.tests"))]
    for module, cases in modules:
        rows.append(
            f'<div class="hardlab-plan-module">{_e(module)} '
            f'<span style="color:{_MUTED};font-weight:normal">{len(cases)}</span></div>'
        )
        rows.extend(f'<div class="hardlab-plan-case">{_e(case)}</div>' for case in cases)
    return f'<div class="hardlab-plan">{"".join(rows)}</div>'


@dataclass(frozen=True)
class StatusBar:
    """What the station's status bar shows.

    Attributes:
        status: ``ready``, ``collecting``, ``run``, ``stopping``, ``passed``,
            ``failed``, ``stopped`` or ``error``.
        stand: The test stand's name ("" when the plan has not set one).
        started: The run's start, with the time zone ("" before a run).
        finished: Its end ("" while it goes).
        alert: The run's alert, or why the station could not do what it was asked.
        stand_info: The stand's location, number, revision and info as text.
        config: The chosen test configuration ("" when the plan has none).
    """

    status: str
    stand: str = ""
    started: str = ""
    finished: str = ""
    alert: str = ""
    stand_info: str = ""
    config: str = ""


def status_bar_html(bar: StatusBar, labels: Labels) -> str:
    """The status bar as HTML, in `labels`' language."""
    color = _STATUS_COLOR.get(bar.status, _MUTED)
    badge = (
        f'<span style="background:{color};color:#fff;border-radius:3px;padding:1px 8px;'
        f'font-weight:bold">{_e(labels(f"badge.{bar.status}"))}</span>'
    )
    items = [(labels("station.stand"), _e(bar.stand or "—")), (labels("station.status"), badge)]
    if bar.config:
        items.append((labels("station.test_config"), _e(bar.config)))
    if bar.started:
        items.append((labels("station.started"), _e(bar.started)))
    if bar.finished:
        items.append((labels("station.finished"), _e(bar.finished)))
    if bar.stand_info:
        items.append((labels("station.stand_info"), _e(bar.stand_info)))
    if bar.alert:
        items.append(
            (labels("station.alert"), f'<span style="color:#e65100">⚠ {_e(bar.alert)}</span>')
        )
    cells = "".join(
        f'<span class="hardlab-status-item"><b>{_e(name)}</b>{value}</span>'
        for name, value in items
    )
    return f'<div class="hardlab-status-bar">{cells}</div>'


@dataclass(frozen=True)
class HistoryRow:
    """One past run in the station's history.

    Attributes:
        run_id: The run's id.
        started: When it started (aware datetime), or None.
        dut: The DUT's serial number ("" if none).
        status: Its status (``passed``, ``failed``, ``stopped``, ``interrupted``, ...).
        duration: Seconds it took, or None.
        slot: The stand slot it ran in, or None (a one-board stand).
    """

    run_id: str
    started: datetime | None
    dut: str
    status: str
    duration: float | None
    slot: int | None = None

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> HistoryRow:
        """From a `Store.runs` row."""
        started = row.get("started_at")
        if isinstance(started, datetime) and started.tzinfo is None:
            started = started.replace(tzinfo=timezone.utc)
        duration = row.get("duration_s")
        slot = row.get("slot")
        return cls(
            run_id=str(row.get("id", "")),
            started=started if isinstance(started, datetime) else None,
            dut=str(row.get("dut_serial_number") or ""),
            status=str(row.get("status") or ""),
            duration=float(duration) if duration is not None else None,
            slot=int(slot) if slot is not None else None,
        )


def history_html(rows: Sequence[HistoryRow], labels: Labels, error: str = "") -> str:
    """The station's history table, newest first, in `labels`' language.

    `error` is why the history could not be read; it is shown instead of the rows.
    A column names each run's stand slot when any row has one.
    """
    if error:
        text = labels("station.history_error", error=error)
        return f'<div style="color:#c62828">{_e(text)}</div>'
    if not rows:
        return f'<div style="color:{_MUTED}">{_e(labels("station.history_empty"))}</div>'
    slots = any(row.slot is not None for row in rows)
    keys = ["station.history_time", "station.history_dut"]
    keys += ["station.history_result", "station.history_duration"]
    if slots:
        keys.insert(1, "slots.column")
    head = "".join(f"<th>{_e(labels(key))}</th>" for key in keys)
    body = []
    for row in rows:
        when = f"{row.started.astimezone():%Y-%m-%d %H:%M:%S}" if row.started else ""
        key = f"badge.{row.status}"
        try:
            word = labels(key)
        except KeyError:  # a status the panel has no badge for ("interrupted")
            word = row.status.upper()
        color = _STATUS_COLOR.get(row.status, _MUTED)
        slot = f"<td>{'' if row.slot is None else row.slot}</td>" if slots else ""
        body.append(
            f'<tr data-run="{_e(row.run_id)}"><td>{_e(when)}</td>{slot}<td>{_e(row.dut)}</td>'
            f'<td style="color:{color};font-weight:bold">{_e(word)}</td>'
            f"<td>{_e(format_duration(row.duration))}</td></tr>"
        )
    return f'<table class="hardlab-history"><tr>{head}</tr>{"".join(body)}</table>'


def modal_html(
    status: str,
    result: RunResult | None,
    labels: Labels,
    closes_in: int | None,
    seconds: float | None = None,
    plan_error: str | None = None,
) -> str:
    """The full-panel result: the verdict, its counts and DUT, and when it closes by itself.

    `seconds` is how long the run took (as the panel's verdict says it). A
    run whose plan could not run (`plan_error`) says ``NOT RUN`` and why, in
    brief, as the panel's verdict does.
    """
    color = _STATUS_COLOR.get(status, _MUTED)
    verdict = labels(f"badge.{status}")
    lines = []
    brief = ""
    if result is not None:
        state = present.banner_state(result.report, seconds, labels, plan_error)
        lines = [state.detail, *state.extra]
        if plan_error is not None:
            verdict, brief = state.text, state.brief
    if closes_in is not None:
        lines.append(labels("station.modal_closes", seconds=closes_in))
    details = "".join(f'<div style="margin-top:4px">{_e(line)}</div>' for line in lines)
    if brief:
        details += (
            '<pre class="hardlab-modal-brief" style="text-align:left;white-space:pre-wrap;'
            f'font-size:80%;margin:8px auto;max-width:60em">{_e(brief)}</pre>'
        )
    return (
        f'<div class="hardlab-modal-verdict" style="background:{color}">{_e(verdict)}</div>'
        f'<div style="text-align:center;font-size:120%;margin:10px 0">{details}</div>'
    )
