"""The operator station: one widget to run a plan all day, run after run (``hardlab.station``).

Bring-up engineers write a plan in JupyterLab; on the line an operator runs
it from a kiosk: a Voilà page (``hardlab station PATH``) that shows this
widget. It is HardPy's operator panel made of stock ipywidgets, and it
honours the same ``hardpy.toml [frontend]`` options (hardpy-contract §6):

* a large Start/Stop button (the space bar presses it), the live run panel,
  and a status bar: stand name, status, start and finish time with the
  time zone, the alert, the stand's information;
* ``language`` (every text of the station, the panel and the dialogs, in
  HardPy's eight languages; the operator may switch), ``full_size_button``,
  ``sound_on`` (a completion sound by result), ``measurement_display``,
  ``manual_collect`` (the operator picks modules and cases; the plan is
  collected with pytest's ``--collect-only`` through hardlab's runner),
  ``modal_result`` (a full-panel PASS/FAIL/STOPPED that may dismiss itself
  after a pass), ``auto_scroll`` (to the running case) and ``test_history``
  (the last runs of this stand, from the store);
* ``[[test_configs]]`` / ``current_test_config``: the operator picks a
  configuration; its pytest ini file is used (``-c FILE``, as HardPy does);
* ``[[hardlab.start_args]]``: inputs asked before Start, passed to the run
  as ``hardpy_start_args``.

Nothing here waits in the kernel: Start starts the run in a background
thread (`hardlab.start`) and returns, so the station works in Voilà, which
cannot show a cell that is still running. Each run ends in a done callback
that shows the result, plays the sound and reads the history; the next run
starts from the same widgets, with no cell executed again.

The space bar and the auto-scroll are a few lines of JavaScript the station
displays once (in an ``Output`` widget); everything else is Python.
"""

from __future__ import annotations

import html
import math
import os
import re
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

import ipywidgets as widgets

from hardlab._format import format_duration
from hardlab.config import HardpyConfig, StartArgConfig, load_config
from hardlab.errors import PlanError, StartRefusedError
from hardlab.events import AlertRaised, Event, ReportUpdated, RunFinished, RunStarted
from hardlab.model.enums import TestStatus
from hardlab.widgets import _presenters as present
from hardlab.widgets._i18n import LANGUAGE_NAMES, Labels
from hardlab.widgets._panel import RunPanel
from hardlab.widgets._publisher import Publisher
from hardlab.widgets._sound import completion_sound

if TYPE_CHECKING:
    from hardlab.channel import Operator
    from hardlab.runner import RunHandle, RunResult
    from hardlab.runtime import RunState
    from hardlab.storage import Store

__all__ = ["HistoryRow", "Station", "StatusBar", "history_html", "station", "status_bar_html"]

READY = "ready"
COLLECTING = "collecting"
RUNNING = "run"
STOPPING = "stopping"
ERROR = "error"

_STATUS_COLOR = {
    READY: present.STATUS_COLOR[TestStatus.READY],
    COLLECTING: present.STATUS_COLOR[TestStatus.RUN],
    RUNNING: present.STATUS_COLOR[TestStatus.RUN],
    STOPPING: present.STATUS_COLOR[TestStatus.STOPPED],
    ERROR: present.STATUS_COLOR[TestStatus.ERROR],
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
.hardlab-station table.hardlab-history { border-collapse: collapse; }
.hardlab-station table.hardlab-history td, .hardlab-station table.hardlab-history th {
  padding: 2px 10px; border-bottom: 1px solid #ddd; text-align: left; }
</style>
"""

# The space bar presses the visible result's OK, else Start/Stop, unless the
# operator is typing or on another control (a focused button takes the key
# itself). The running case is scrolled into view when it changes.
_SCRIPT = """
(function () {
  if (window.__hardlabStation) { return; }
  window.__hardlabStation = true;
  const busy = (el) => el && (el.isContentEditable ||
    ["INPUT", "TEXTAREA", "SELECT", "BUTTON", "OPTION"].includes(el.tagName));
  const shown = (el) => el && el.offsetParent !== null && !el.disabled;
  document.addEventListener("keydown", (event) => {
    if (event.key !== " " || event.repeat || event.ctrlKey || event.altKey || event.metaKey) {
      return;
    }
    if (busy(event.target)) { return; }
    const station = document.querySelector(".hardlab-station");
    if (!station) { return; }
    if (station.querySelector(".hardlab-dialog, .widget-vbox.hardlab-message")) { return; }
    const ok = station.querySelector(".hardlab-modal-dismiss");
    const target = shown(ok) ? ok : station.querySelector(".hardlab-start");
    if (!shown(target)) { return; }
    event.preventDefault();
    target.click();
  }, true);
  let last = -1;
  setInterval(() => {
    const station = document.querySelector(".hardlab-station.hardlab-auto-scroll");
    if (!station) { last = -1; return; }
    const rows = Array.from(station.querySelectorAll(".hardlab-case"));
    const index = rows.findIndex((row) => row.classList.contains("hardlab-run"));
    if (index >= 0 && index !== last) {
      rows[index].scrollIntoView({ block: "center", behavior: "smooth" });
    }
    last = index;
  }, 400);
})();
"""


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _is_number(text: str) -> bool:
    try:
        return math.isfinite(float(text))
    except ValueError:
        return False


def format_when(ns: int | None, zone: str | None = None) -> str:
    """``2026-11-21 08:15:02 UTC+01:00 (Europe/Berlin)``: local time and zone; "" for None."""
    if ns is None:
        return ""
    moment = datetime.fromtimestamp(ns / 1e9, tz=timezone.utc).astimezone()
    offset = moment.strftime("%z")
    offset = f"UTC{offset[:3]}:{offset[3:]}" if offset else "UTC"
    text = f"{moment:%Y-%m-%d %H:%M:%S} {offset}"
    return f"{text} ({zone})" if zone else text


# ---------------------------------------------------------------------- pure views


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
    """

    run_id: str
    started: datetime | None
    dut: str
    status: str
    duration: float | None

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> HistoryRow:
        """From a `Store.runs` row."""
        started = row.get("started_at")
        if isinstance(started, datetime) and started.tzinfo is None:
            started = started.replace(tzinfo=timezone.utc)
        duration = row.get("duration_s")
        return cls(
            run_id=str(row.get("id", "")),
            started=started if isinstance(started, datetime) else None,
            dut=str(row.get("dut_serial_number") or ""),
            status=str(row.get("status") or ""),
            duration=float(duration) if duration is not None else None,
        )


def history_html(rows: Sequence[HistoryRow], labels: Labels) -> str:
    """The station's history table, newest first, in `labels`' language."""
    if not rows:
        return f'<div style="color:{_MUTED}">{_e(labels("station.history_empty"))}</div>'
    head = "".join(
        f"<th>{_e(labels(key))}</th>"
        for key in (
            "station.history_time",
            "station.history_dut",
            "station.history_result",
            "station.history_duration",
        )
    )
    body = []
    for row in rows:
        when = f"{row.started.astimezone():%Y-%m-%d %H:%M:%S}" if row.started else ""
        key = f"badge.{row.status}"
        try:
            word = labels(key)
        except KeyError:  # a status the panel has no badge for ("interrupted")
            word = row.status.upper()
        color = _STATUS_COLOR.get(row.status, _MUTED)
        body.append(
            f'<tr data-run="{_e(row.run_id)}"><td>{_e(when)}</td><td>{_e(row.dut)}</td>'
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
) -> str:
    """The full-panel result: the verdict, its counts and DUT, and when it closes by itself.

    `seconds` is how long the run took (as the panel's verdict says it).
    """
    color = _STATUS_COLOR.get(status, _MUTED)
    lines = []
    if result is not None:
        state = present.banner_state(result.report, seconds, labels)
        lines = [state.detail, *state.extra]
    if closes_in is not None:
        lines.append(labels("station.modal_closes", seconds=closes_in))
    details = "".join(f'<div style="margin-top:4px">{_e(line)}</div>' for line in lines)
    return (
        f'<div class="hardlab-modal-verdict" style="background:{color}">'
        f"{_e(labels(f'badge.{status}'))}</div>"
        f'<div style="text-align:center;font-size:120%;margin:10px 0">{details}</div>'
    )


def _stand_info(run: RunState) -> tuple[str, str]:
    """The stand's name and the rest of what the plan said about it (from a copy of it)."""
    stand = run.view.read(lambda document: document.test_stand.model_copy(deep=True))
    name = stand.name or ""
    parts = [
        text
        for text in (
            stand.location or "",
            f"#{stand.number}" if stand.number is not None else "",
            stand.revision or "",
        )
        if text
    ]
    parts.extend(f"{key}: {value}" for key, value in stand.info.items())
    return name, " · ".join(parts)


# ---------------------------------------------------------------------- the station


class _Listener:
    """Feeds the station's status bar from a run's events (any thread)."""

    def __init__(self, mark: Callable[[], None]) -> None:
        self._mark = mark

    def handle(self, event: Event) -> None:
        if isinstance(event, (RunStarted, ReportUpdated, AlertRaised, RunFinished)):
            self._mark()


class Station:
    """An operator station for a plan folder: a kiosk panel to run it run after run.

    Display it (it is a notebook cell's value, or ``display(station)``);
    ``hardlab station PATH`` serves it as a Voilà page. The operator fills
    in the start arguments, picks a test configuration and tests if the plan
    asks for that, and presses Start (or the space bar); dialogs appear over
    the panel; at the end the result shows, the sound plays and the history
    grows. Start again for the next unit.

    Everything the operator does is a method too, for scripts and tests:
    `start`, `stop`, `dismiss`, `select`, `collect`, `set_language`.

    Args:
        plan: The plan folder (with ``hardpy.toml``).
        language: The language to start in (default: ``[frontend] language``).
        store: Where runs are stored and the history is read: a database
            URL or an SQLite file; None for hardlab's default (``$HARDLAB_DB_URL``,
            ``[database] url``, else hardlab's own file, which every station
            on the machine shares); False to store nothing (no history).
        stand: The stand whose runs the history lists (default: the stand
            name the plan's last run here set with ``set_stand_name``; until
            then, every run of this plan).
        history_size: How many past runs the history shows.
        answers: Scripted answers instead of the operator (a mapping, list
            or TOML/JSON file, see `ScriptedOperator`). Default: the file
            ``$HARDLAB_ANSWERS`` names, if set (a notebook run headless),
            else the operator answers in the station.
        interval: Least seconds between two updates of the live panel.

    Attributes:
        widget: The station's `VBox`.
        panel: The live `RunPanel`.
        config: The plan's ``hardpy.toml``.
        labels: The texts of the current language.
        status: ``ready``, ``collecting``, ``run``, ``stopping``, or how the
            last run ended: ``passed``, ``failed``, ``stopped``, ``error``.
        result: The last run's `RunResult` (None before, or if it could not run).
        error: What the last run raised instead of a result, if anything.
        runs: How many runs have ended here.
        inputs: The start arguments' input widgets, by name.
        collected: Set whenever a collection (``manual_collect``) has ended.

    Raises:
        PlanError: If `plan` is not a folder.
        ConfigError: If its ``hardpy.toml`` is invalid, or `answers` cannot be read.
    """

    def __init__(
        self,
        plan: str | os.PathLike[str] = ".",
        *,
        language: str | None = None,
        store: str | os.PathLike[str] | bool | None = None,
        stand: str | None = None,
        history_size: int = 10,
        answers: Mapping[str, Any] | Sequence[Any] | str | os.PathLike[str] | None = None,
        interval: float = 0.1,
    ) -> None:
        from hardlab.runner._run import caller_cwd
        from hardlab.runner.operators import ScriptedOperator, answers_from_env

        base = caller_cwd()
        folder = (base / Path(plan).expanduser()).resolve()
        if not folder.is_dir():
            msg = (
                f"the station needs a plan folder (with hardpy.toml); "
                f"{os.fspath(plan)!r} is not one"
            )
            raise PlanError(msg)
        self.plan = folder
        self.config: HardpyConfig = load_config(folder)
        self.frontend = self.config.frontend
        self.labels = Labels(language or self.frontend.language)
        self.stand = stand
        self.history_size = history_size
        self._interval = interval
        self.store_url: str | None = None
        if store is not False:
            from hardlab.storage._url import resolve_url

            chosen = None if store is None or store is True else store
            if chosen is not None and "://" not in os.fspath(chosen):
                chosen = base / Path(chosen).expanduser()
            self.store_url = resolve_url(chosen, self.config)
        self._scripted: Operator | None
        if answers is None:
            self._scripted = answers_from_env(base)
        elif isinstance(answers, (str, os.PathLike)):
            self._scripted = ScriptedOperator.from_file(base / Path(answers).expanduser())
        else:
            self._scripted = ScriptedOperator(answers)

        self._lock = threading.RLock()
        self.status = READY
        self.result: RunResult | None = None
        self.error: BaseException | None = None
        self.runs = 0
        self.collected = threading.Event()
        self._handle: RunHandle | None = None
        self._collecting: RunHandle | None = None
        self._run: RunState | None = None
        self._alert = ""
        self._last_stand = ""
        self._node_ids: dict[str, str] = {}
        self._history_rows: list[HistoryRow] | None = None
        self._history_error = ""
        self._store: Store | None = None
        self._modal_state: tuple[str, RunResult | None, int | None, float | None] | None = None
        self._modal_token = 0
        self._timer: threading.Timer | None = None
        self._syncing = False
        self._publisher = Publisher(self._publish, interval=0.25, name="hardlab-station-status")
        self._listener = _Listener(lambda: self._publisher.mark("status"))

        self._build()
        self._publisher.start()
        if self.frontend.manual_collect:
            self.collect()
        else:
            self.collected.set()
        if self.frontend.test_history:
            self.refresh_history()

    # ------------------------------------------------------------------ building

    def _build(self) -> None:
        labels = self.labels
        front = self.frontend
        self.style = widgets.HTML(_CSS)
        self.script = widgets.Output()
        self.script.outputs = (
            {
                "output_type": "display_data",
                "data": {"application/javascript": _SCRIPT, "text/plain": ""},
                "metadata": {},
            },
        )
        name = self.config.tests_name or self.plan.name
        self.title = widgets.HTML(f'<b style="font-size:150%">{_e(name)}</b>')
        self.language = widgets.Dropdown(
            options=[(text, code) for code, text in LANGUAGE_NAMES.items()],
            value=labels.language,
            layout=widgets.Layout(width="150px"),
        )
        self.language.observe(self._on_language, names="value")
        self.test_config: Any = None
        toolbar: list[Any] = [self.title, widgets.HBox([], layout=widgets.Layout(flex="1"))]
        if self.config.test_configs:
            current = self.config.current_test_config
            known = {entry.name for entry in self.config.test_configs}
            self.test_config = widgets.Dropdown(
                options=[
                    (f"{e.name} — {e.description}" if e.description else e.name, e.name)
                    for e in self.config.test_configs
                ],
                value=current if current in known else None,
                description=labels("station.test_config"),
                style={"description_width": "initial"},
            )
            self.test_config.observe(self._on_config, names="value")
            toolbar.append(self.test_config)
        toolbar.append(self.language)
        self.toolbar = widgets.HBox(toolbar, layout=widgets.Layout(align_items="center"))

        self.inputs: dict[str, Any] = {}
        self._arg_specs: dict[str, StartArgConfig] = {}
        rows: list[Any] = []
        for spec in self.config.hardlab.start_args:
            self._arg_specs[spec.name] = spec
            self.inputs[spec.name] = self._input(spec)
            rows.append(self.inputs[spec.name])
        self.start_args_title = widgets.HTML(f"<b>{_e(labels('station.start_args'))}</b>")
        self.start_args = widgets.VBox(
            [self.start_args_title, *rows] if rows else [],
            layout=widgets.Layout(display="flex" if rows else "none"),
        )

        self.case_boxes: dict[str, Any] = {}
        self.module_boxes: dict[str, Any] = {}
        self._module_cases: dict[str, list[str]] = {}
        self.select_all = widgets.Button(description=labels("station.all"))
        self.select_none = widgets.Button(description=labels("station.none"))
        self.recollect = widgets.Button(description=labels("station.recollect"), icon="refresh")
        self.select_all.on_click(lambda _button: self._select_every(True))
        self.select_none.on_click(lambda _button: self._select_every(False))
        self.recollect.on_click(lambda _button: self.collect())
        self.selection_title = widgets.HTML("")
        self.selection_tree = widgets.VBox([])
        self.selection = widgets.VBox(
            [
                widgets.HBox(
                    [self.selection_title, self.select_all, self.select_none, self.recollect]
                ),
                self.selection_tree,
            ],
            layout=widgets.Layout(display="flex" if front.manual_collect else "none"),
        )
        self.selection.add_class("hardlab-selection")

        self.start_button = widgets.Button(
            description=labels("station.start"),
            icon="play",
            button_style="success",
            tooltip=labels("station.start_tip"),
        )
        self.start_button.add_class("hardlab-start")
        if front.full_size_button:
            self.start_button.layout = widgets.Layout(width="100%", height="180px")
            self.start_button.style.font_size = "64px"
        else:
            self.start_button.layout = widgets.Layout(width="280px", height="72px")
            self.start_button.style.font_size = "28px"
        self.start_button.style.font_weight = "bold"
        self.start_button.on_click(self._on_start_clicked)
        self.message = widgets.HTML("")
        self.status_bar = widgets.HTML("")

        self.panel = RunPanel(
            on_stop=self.stop,
            interval=self._interval,
            measurement_display=front.measurement_display,
            labels=labels,
        )
        self.panel.stop_button.layout.display = "none"  # the big button stops the run

        self.history_title = widgets.HTML(f"<b>{_e(labels('station.history'))}</b>")
        self.history = widgets.HTML("")
        self.history_box = widgets.VBox(
            [self.history_title, self.history],
            layout=widgets.Layout(display="flex" if self._history_on else "none"),
        )

        self.modal_html = widgets.HTML("")
        self.modal_button = widgets.Button(
            description=labels("station.modal_dismiss"), button_style="primary"
        )
        self.modal_button.add_class("hardlab-modal-dismiss")
        self.modal_button.on_click(lambda _button: self.dismiss())
        card = widgets.VBox([self.modal_html, self.modal_button])
        card.add_class("hardlab-modal-card")
        self.modal = widgets.VBox([card], layout=widgets.Layout(display="none"))
        self.modal.add_class("hardlab-modal")
        self.sound = widgets.Box([], layout=widgets.Layout(height="0px", overflow="hidden"))

        self.widget = widgets.VBox(
            [
                self.style,
                self.script,
                self.toolbar,
                self.start_args,
                self.selection,
                self.start_button,
                self.message,
                self.status_bar,
                self.panel.widget,
                self.history_box,
                self.modal,
                self.sound,
            ]
        )
        self.widget.add_class("hardlab-station")
        if front.full_size_button:
            self.widget.add_class("hardlab-full-size")
        if front.auto_scroll:
            self.widget.add_class("hardlab-auto-scroll")
        self._draw_status()

    def _input(self, spec: StartArgConfig) -> Any:
        label = spec.label_for(self.labels.language)
        common: dict[str, Any] = {
            "description": label,
            "style": {"description_width": "initial"},
            "layout": widgets.Layout(width="min(520px, 96%)"),
        }
        if spec.kind == "choice":
            return widgets.Dropdown(
                options=list(spec.choices), value=spec.default or None, **common
            )
        return widgets.Text(
            value=spec.default,
            placeholder=spec.placeholder,
            continuous_update=True,
            **common,
        )

    @property
    def _history_on(self) -> bool:
        return self.frontend.test_history and self.store_url is not None

    def __repr__(self) -> str:
        return f"<Station {self.plan.name!r} {self.status} runs={self.runs}>"

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget)  # type: ignore[no-untyped-call]

    # ------------------------------------------------------------------ state

    @property
    def handle(self) -> RunHandle | None:
        """The `RunHandle` of the run going now, or None."""
        return self._handle

    @property
    def running(self) -> bool:
        """Whether a run is going."""
        handle = self._handle
        return handle is not None and not handle.done()

    @property
    def selected(self) -> list[str]:
        """The chosen cases as ``module_id::case_id`` (``manual_collect``), in plan order."""
        return [key for key, box in self.case_boxes.items() if box.value]

    @property
    def test_config_name(self) -> str | None:
        """The chosen ``[[test_configs]]`` entry, or None."""
        if self.test_config is None:
            return None
        value = self.test_config.value
        return str(value) if value else None

    # ------------------------------------------------------------------ starting

    def _on_start_clicked(self, _button: Any) -> None:
        # A widget callback: never raise into the kernel's comm handler.
        if self.running:
            self.stop()
            return
        try:
            self.start()
        except StartRefusedError:
            pass  # `start` shows the problems
        except Exception as exc:  # noqa: BLE001 - shown to the operator instead
            self._refuse([self.labels("station.cannot_start", error=f"{exc}")])

    def _config_args(self, problems: list[str]) -> list[str]:
        if not self.config.test_configs:
            return []
        name = self.test_config_name
        if name is None:
            problems.append(self.labels("station.choose_config"))
            return []
        entry = self.config.test_config(name)
        args = ["--hardpy-current-test-config", name]
        if entry is not None and entry.file:
            args = ["-c", str((self.plan / entry.file).resolve()), *args]
        return args

    def start_arg_values(self, problems: list[str] | None = None) -> dict[str, str]:
        """The start arguments as the operator entered them (checked; problems appended)."""
        problems = problems if problems is not None else []
        values: dict[str, str] = {}
        for name, spec in self._arg_specs.items():
            raw = self.inputs[name].value
            text = "" if raw is None else str(raw).strip()
            label = spec.label_for(self.labels.language)
            if not text:
                if spec.required:
                    problems.append(self.labels("station.required", label=label))
                continue
            if spec.kind == "number" and not _is_number(text):
                problems.append(self.labels("station.needs_number", label=label))
            elif spec.kind == "text" and spec.pattern and not re.fullmatch(spec.pattern, text):
                problems.append(self.labels("station.bad_format", label=label))
            else:
                values[name] = text
        return values

    def _targets(self, problems: list[str]) -> list[Path | str]:
        if not self.frontend.manual_collect:
            return [self.plan]
        chosen = self.selected
        if not chosen:
            problems.append(self.labels("station.choose_tests"))
            return []
        if len(chosen) == len(self.case_boxes):
            return [self.plan]
        return [self._node_ids[key] for key in chosen if key in self._node_ids]

    def _refuse(self, problems: list[str]) -> None:
        self.message.value = "".join(
            f'<div style="color:#c62828;font-size:115%">⚠ {_e(text)}</div>' for text in problems
        )

    def start(self) -> RunHandle:
        """Start a run, as the Start button does; returns at once with its `RunHandle`.

        The start arguments, the test configuration and (``manual_collect``)
        the chosen tests are checked first. A collection still going is
        waited for (it takes a moment); a run still going is refused.

        Raises:
            StartRefusedError: If an input is missing or wrong, no test
                configuration or no test is chosen, or a run is going (the
                problems are shown in the station too).
        """
        import hardlab

        collecting = self._collecting
        if collecting is not None:
            collecting.wait()  # a second or so; it needs no kernel message
        problems: list[str] = []
        with self._lock:
            if self.running:
                raise StartRefusedError(["a run is going; stop it or wait for its end first"])
            args = self._config_args(problems)
            values = self.start_arg_values(problems)
            targets = self._targets(problems)
            if problems:
                self._refuse(problems)
                raise StartRefusedError(problems)
            self.message.value = ""
            self.dismiss()
            operator = self._scripted if self._scripted is not None else self.panel.operator
            handle = hardlab.start(
                targets,
                args=args,
                start_args=values,
                operator=operator,
                listeners=[self.panel, self._listener],
                store=self.store_url if self.store_url is not None else False,
                config_dir=self.plan,
                quiet=True,
                capture="sys",
                on_run=self._on_run,
            )
            self._handle = handle
            self.status = RUNNING
            self.result = None
            self.error = None
            self._alert = ""
            self._run = None
        self._sync_controls()
        self._publisher.mark("status")
        handle.add_done_callback(self._on_done)
        return handle

    def _on_run(self, run: RunState) -> None:
        with self._lock:
            self._run = run
        self._publisher.mark("status")

    def stop(self) -> None:
        """Stop the run going, as the Stop button does (its case ends stopped)."""
        with self._lock:
            handle = self._handle
            if handle is None or handle.done():
                return
            self.status = STOPPING
        handle.stop()
        self._sync_controls()
        self._publisher.mark("status")

    def _on_done(self, handle: RunHandle) -> None:
        # Runs in the run's thread once it has ended.
        result: RunResult | None = None
        error = handle.exception()
        if error is None:
            result = handle.result
            status = result.status.value
            if status not in (TestStatus.PASSED.value, TestStatus.FAILED.value):
                status = TestStatus.STOPPED.value if status == "stopped" else ERROR
        else:
            status = ERROR
        with self._lock:
            self.status = status
            self.result = result
            self.error = error
            self.runs += 1
            self._handle = None
            if error is not None:
                self._alert = self.labels("station.cannot_start", error=f"{error}")
            if self._run is not None:
                name, _info = _stand_info(self._run)
                self._last_stand = name or self._last_stand
        for name, spec in self._arg_specs.items():
            if not spec.keep:
                self.inputs[name].value = None if spec.kind == "choice" else ""
        self._sync_controls()
        self._publisher.mark("status")
        self._publisher.flush()
        if self.frontend.sound_on and status != ERROR:
            self.play(status)
        if self.frontend.modal_result.enable:
            self._show_modal(status, result)
        if self._history_on:
            self.refresh_history()

    # ------------------------------------------------------------------ controls

    def _sync_controls(self) -> None:
        labels = self.labels
        running = self.running
        collecting = self._collecting is not None
        with self.start_button.hold_sync():
            if running:
                stopping = self.status == STOPPING
                self.start_button.description = labels(
                    "button.stopping" if stopping else "button.stop"
                )
                self.start_button.icon = "stop"
                self.start_button.button_style = "danger"
                self.start_button.tooltip = labels("button.stop_tip")
                self.start_button.disabled = stopping
            else:
                self.start_button.description = labels("station.start")
                self.start_button.icon = "play"
                self.start_button.button_style = "success"
                self.start_button.tooltip = labels("station.start_tip")
                self.start_button.disabled = collecting
        locked = running or collecting
        for widget in (
            *self.inputs.values(),
            *self.case_boxes.values(),
            *self.module_boxes.values(),
            self.select_all,
            self.select_none,
            self.recollect,
        ):
            widget.disabled = locked
        if self.test_config is not None:
            self.test_config.disabled = locked

    # ------------------------------------------------------------------ status bar

    def status_bar_state(self) -> StatusBar:
        """What the status bar shows now."""
        with self._lock:
            run = self._run
            status = self.status
            alert = self._alert
            stand = self._last_stand
            info = ""
            started = finished = ""
        if run is not None:
            stand, info = _stand_info(run)
            zone = run.view.read(lambda document: document.test_stand.timezone)
            started = format_when(run.started_ns, zone)
            finished = format_when(run.finished_ns, zone)
            alert = alert or run.alert
        return StatusBar(
            status=status,
            stand=stand,
            started=started,
            finished=finished,
            alert=alert,
            stand_info=info,
            config=self.test_config_name or "",
        )

    def _publish(self, _keys: frozenset[Any]) -> None:
        self._draw_status()

    def _draw_status(self) -> None:
        self.status_bar.value = status_bar_html(self.status_bar_state(), self.labels)

    # ------------------------------------------------------------------ result

    def _show_modal(self, status: str, result: RunResult | None) -> None:
        modal = self.frontend.modal_result
        closes_in: int | None = None
        if status == TestStatus.PASSED.value and modal.auto_dismiss_pass:
            closes_in = max(0, int(modal.auto_dismiss_timeout))
        seconds = None
        with self._lock:
            run = self._run
        if run is not None and run.started_ns is not None and run.finished_ns is not None:
            seconds = (run.finished_ns - run.started_ns) / 1e9
        with self._lock:
            self._modal_token += 1
            token = self._modal_token
            self._modal_state = (status, result, closes_in, seconds)
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
        self.modal_html.value = modal_html(status, result, self.labels, closes_in, seconds)
        self.modal.layout.display = "flex"
        self.modal_button.focus()
        if closes_in is not None:
            timer = threading.Timer(closes_in, self._auto_dismiss, args=(token,))
            timer.daemon = True
            with self._lock:
                self._timer = timer
            timer.start()

    def _auto_dismiss(self, token: int) -> None:
        with self._lock:
            if token != self._modal_token:
                return  # a newer result is on show
        self.dismiss()

    @property
    def modal_shown(self) -> bool:
        """Whether the full-panel result is on show."""
        return bool(self.modal.layout.display != "none")

    def dismiss(self) -> None:
        """Close the full-panel result (its OK button, the space bar, or the auto-dismiss)."""
        with self._lock:
            self._modal_state = None
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
        if self.modal_shown:
            self.modal.layout.display = "none"
            self.start_button.focus()

    def play(self, status: str) -> None:
        """Play the completion sound for `status` (``passed``, ``failed``, ``stopped``)."""
        audio = widgets.Audio(
            value=completion_sound(status), format="wav", autoplay=True, loop=False, controls=False
        )
        audio.add_class(f"hardlab-sound-{status}")
        old = self.sound.children
        self.sound.children = (audio,)  # a new view starts playing at once
        for widget in old:
            widget.close()

    # ------------------------------------------------------------------ history

    def history_filter(self) -> dict[str, Any]:
        """Which stored runs the history lists: this plan's (any configuration), this stand's."""
        base = self.config.tests_name
        names = [base, *(f"{base} {entry.name}" for entry in self.config.test_configs)]
        if not base:
            names = [self.plan.name]
        found: dict[str, Any] = {"name": names}
        stand = self.stand or self._last_stand
        if stand:
            found["stand"] = stand
        return found

    def refresh_history(self) -> list[HistoryRow]:
        """Read the last runs of this stand from the store and show them; returns them."""
        if self.store_url is None:
            return []
        rows: list[HistoryRow] = []
        try:
            if self._store is None:
                from hardlab.storage import Store

                self._store = Store(self.store_url)
            found = self._store.runs(self.history_filter(), limit=self.history_size)
            rows = [HistoryRow.from_row(row) for row in found.dicts()]
        except Exception as exc:  # noqa: BLE001 - the station goes on without its history
            self._history_error = f"{type(exc).__name__}: {exc}"
            self._history_rows = None
        else:
            self._history_error = ""
            self._history_rows = rows
        self._draw_history()
        return rows

    def _draw_history(self) -> None:
        if self._history_error:
            text = self.labels("station.history_error", error=self._history_error)
            self.history.value = f'<div style="color:#c62828">{_e(text)}</div>'
        else:
            self.history.value = history_html(self._history_rows or [], self.labels)

    # ------------------------------------------------------------------ manual collect

    def collect(self) -> RunHandle | None:
        """Collect the plan (``--collect-only``) for the operator to choose tests from.

        Runs in the background; `collected` is set when it has ended. With
        test configurations and none chosen there is nothing to collect yet
        (None is returned), as in HardPy.
        """
        import hardlab

        problems: list[str] = []
        args = self._config_args(problems)
        if problems:
            self.collected.set()
            return None
        with self._lock:
            if self._collecting is not None:
                return self._collecting
            self.collected.clear()
            handle = hardlab.start(
                self.plan,
                args=[*args, "--collect-only"],
                operator=None,
                store=False,
                config_dir=self.plan,
                quiet=True,
                capture="sys",
            )
            self._collecting = handle
            self.status = COLLECTING
        self._sync_controls()
        self._publisher.mark("status")
        handle.add_done_callback(self._on_collected)
        return handle

    def _on_collected(self, handle: RunHandle) -> None:
        error = handle.exception()
        previous = {key: box.value for key, box in self.case_boxes.items()}
        if error is None:
            result = handle.result
            errors = list(result.errors)
            layout = [
                (
                    module_id,
                    module.name or module_id,
                    [(c, case.name or c) for c, case in module.cases.items()],
                )
                for module_id, module in result.report.modules.items()
            ]
            self._node_ids = dict(result.node_ids)
        else:
            errors = [f"{error}"]
            layout = []
        self._build_tree(layout, previous)
        with self._lock:
            self._collecting = None
            self.status = READY
            self._alert = (
                self.labels("station.collect_failed", error=errors[0].splitlines()[0])
                if errors
                else ""
            )
        self._sync_controls()
        self._publisher.mark("status")
        self.collected.set()

    def _build_tree(
        self,
        layout: list[tuple[str, str, list[tuple[str, str]]]],
        previous: Mapping[str, bool],
    ) -> None:
        old = [*self.case_boxes.values(), *self.module_boxes.values()]
        self.case_boxes = {}
        self.module_boxes = {}
        self._module_cases = {}
        rows: list[Any] = []
        for module_id, module_name, cases in layout:
            module_box = widgets.Checkbox(value=True, description=module_name, indent=False)
            module_box.add_class("hardlab-select-module")
            self.module_boxes[module_id] = module_box
            keys = []
            boxes = []
            for case_id, case_name in cases:
                key = f"{module_id}::{case_id}"
                box = widgets.Checkbox(
                    value=previous.get(key, True),
                    description=case_name,
                    indent=False,
                    layout=widgets.Layout(margin="0 0 0 2em"),
                )
                box.add_class("hardlab-select-case")
                box.observe(lambda _change, m=module_id: self._on_case(m), names="value")
                self.case_boxes[key] = box
                keys.append(key)
                boxes.append(box)
            self._module_cases[module_id] = keys
            module_box.observe(
                lambda change, m=module_id: self._on_module(m, bool(change["new"])), names="value"
            )
            rows.append(widgets.VBox([module_box, *boxes]))
            self._on_case(module_id)
        self.selection_tree.children = tuple(rows)
        for widget in old:
            widget.close()
        self._draw_selection_title()

    def _on_module(self, module_id: str, value: bool) -> None:
        if self._syncing:
            return
        self._syncing = True
        try:
            for key in self._module_cases.get(module_id, []):
                self.case_boxes[key].value = value
        finally:
            self._syncing = False
        self._draw_selection_title()

    def _on_case(self, module_id: str) -> None:
        if self._syncing:
            return
        keys = self._module_cases.get(module_id, [])
        chosen = any(self.case_boxes[key].value for key in keys)
        self._syncing = True
        try:
            self.module_boxes[module_id].value = chosen
        finally:
            self._syncing = False
        self._draw_selection_title()

    def _select_every(self, value: bool) -> None:
        self._syncing = True
        try:
            for box in (*self.module_boxes.values(), *self.case_boxes.values()):
                box.value = value
        finally:
            self._syncing = False
        self._draw_selection_title()

    def select(self, keys: Sequence[str]) -> None:
        """Choose the tests to run (``manual_collect``): ``module`` or ``module::case`` keys.

        Raises:
            KeyError: If a key names no collected module or case.
        """
        chosen: set[str] = set()
        for key in keys:
            if key in self.case_boxes:
                chosen.add(key)
            elif key in self._module_cases:
                chosen.update(self._module_cases[key])
            else:
                known = ", ".join([*self._module_cases, *self.case_boxes]) or "none collected"
                msg = f"{key!r} is no collected module or case (known: {known})"
                raise KeyError(msg)
        self._syncing = True
        try:
            for key, box in self.case_boxes.items():
                box.value = key in chosen
            for module_id, cases in self._module_cases.items():
                self.module_boxes[module_id].value = any(key in chosen for key in cases)
        finally:
            self._syncing = False
        self._draw_selection_title()

    def _draw_selection_title(self) -> None:
        total = len(self.case_boxes)
        text = self.labels("station.selected", selected=len(self.selected), total=total)
        self.selection_title.value = (
            f"<b>{_e(self.labels('station.tests'))}</b> "
            f'<span style="color:{_MUTED}">{_e(text)}</span>'
        )

    # ------------------------------------------------------------------ configuration and language

    def _on_config(self, _change: Mapping[str, Any]) -> None:
        self._draw_status()
        if self.frontend.manual_collect:
            self.collect()

    def _on_language(self, change: Mapping[str, Any]) -> None:
        if change["new"] != self.labels.language:
            self.set_language(str(change["new"]))

    def set_language(self, language: str) -> None:
        """Show every text in `language` (one of `hardlab.widgets._i18n.LANGUAGES`)."""
        labels = Labels(language)
        self.labels = labels
        if self.language.value != labels.language:
            self.language.value = labels.language
        self.panel.set_labels(labels)
        self._sync_controls()
        self.modal_button.description = labels("station.modal_dismiss")
        if self.test_config is not None:
            self.test_config.description = labels("station.test_config")
        for name, spec in self._arg_specs.items():
            self.inputs[name].description = spec.label_for(labels.language)
        self.start_args_title.value = f"<b>{_e(labels('station.start_args'))}</b>"
        self.select_all.description = labels("station.all")
        self.select_none.description = labels("station.none")
        self.recollect.description = labels("station.recollect")
        self._draw_selection_title()
        self.history_title.value = f"<b>{_e(labels('station.history'))}</b>"
        self._draw_history()
        state = self._modal_state
        if state is not None:
            status, result, closes_in, seconds = state
            self.modal_html.value = modal_html(status, result, labels, closes_in, seconds)
        self.message.value = ""
        self._draw_status()

    # ------------------------------------------------------------------ closing

    def close(self) -> None:
        """Stop the station's threads and close its widgets (a run going is stopped)."""
        self.stop()
        handle = self._handle
        if handle is not None:
            handle.wait(30)
        collecting = self._collecting
        if collecting is not None:
            collecting.wait(30)
        with self._lock:
            if self._timer is not None:
                self._timer.cancel()
        self._publisher.stop(flush=False)
        self.panel.close()
        if self._store is not None:
            self._store.close()
        for widget in (
            *self.inputs.values(),
            *self.case_boxes.values(),
            *self.module_boxes.values(),
            *self.sound.children,
        ):
            widget.close()
        self.widget.close()


def station(
    plan: str | os.PathLike[str] = ".",
    *,
    language: str | None = None,
    store: str | os.PathLike[str] | bool | None = None,
    stand: str | None = None,
    history_size: int = 10,
    answers: Mapping[str, Any] | Sequence[Any] | str | os.PathLike[str] | None = None,
) -> Station:
    """An operator station for the plan in `plan`: display it, or serve it with ``hardlab station``.

    A kiosk panel for production: a large Start/Stop button (or the space
    bar), the live run, the status bar, dialogs over the panel, the result,
    a sound and the stand's history, run after run, as ``hardpy.toml``'s
    ``[frontend]`` section asks. See `Station` for the arguments.

    Example:
        ```python
        import hardlab

        hardlab.station("plans/power_board")   # the cell's value: shown below it
        ```
    """
    return Station(
        plan,
        language=language,
        store=store,
        stand=stand,
        history_size=history_size,
        answers=answers,
    )
