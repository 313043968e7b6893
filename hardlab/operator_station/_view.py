"""The operator station's view: stock ipywidgets showing a `StationController`.

The view builds the station's widgets, forwards what the operator does to
the controller (clicks, inputs, choices) and redraws what the controller's
events say changed; the HTML comes from the station's renderers beside the
run panel's presenters. It decides nothing itself.

The space bar and the auto-scroll are a few lines of JavaScript the station
displays once (in an ``Output`` widget); everything else is Python.
"""

from __future__ import annotations

import contextlib
import html
import os
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import ipywidgets as widgets

from hardlab.config import StartArgConfig
from hardlab.errors import StartRefusedError
from hardlab.operator_station._controller import StationController
from hardlab.operator_station._events import (
    ArgsReset,
    HistoryChanged,
    LanguageChanged,
    ProblemsShown,
    ResultDismissed,
    ResultShown,
    SelectionChanged,
    SoundCue,
    StateChanged,
    StationEvent,
    StationState,
    StatusChanged,
    TreeChanged,
)
from hardlab.widgets import (
    Labels,
    Publisher,
    RunPanel,
    StatusBar,
    completion_sound,
    heading_html,
    history_html,
    language_options,
    modal_html,
    plan_html,
    problems_html,
    station_css,
    status_bar_html,
)

if TYPE_CHECKING:
    from pathlib import Path

    from hardlab.config import FrontendConfig, HardpyConfig
    from hardlab.operator_station._events import ModalState
    from hardlab.operator_station._slots import SlotStation
    from hardlab.runner import RunHandle, RunResult
    from hardlab.widgets import HistoryRow

__all__ = ["SHARED_ENV", "Station", "station"]

SHARED_ENV = "HARDLAB_STATION_SHARED"
"""Set to ``1`` in a kernel that several pages share (``hardlab station`` sets it):
there `station` returns the station already open for the same arguments."""

_shared: dict[str, Station | SlotStation] = {}
_shared_lock = threading.Lock()

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


class Station:
    """An operator station for a plan folder: a kiosk panel to run it run after run.

    Display it (it is a notebook cell's value, or ``display(station)``);
    ``hardlab station PATH`` serves it as a Voilà page. The operator fills
    in the start arguments, picks a test configuration and tests if the plan
    asks for that, and presses Start (or the space bar); dialogs appear over
    the panel; at the end the result shows, the sound plays and the history
    grows. Start again for the next unit.

    Everything the operator does is a method too, for scripts and tests:
    `start`, `stop`, `dismiss`, `select`, `collect`, `set_language`. What the
    station knows and decides is its `controller` (a `StationController`);
    this class only shows it.

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
        controller: The `StationController` this view shows.
        inputs: The start arguments' input widgets, by name.

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
        self.controller = StationController(
            plan,
            language=language,
            store=store,
            stand=stand,
            history_size=history_size,
            answers=answers,
        )
        self._interval = interval
        # per thread: the station redraws from a run's thread while the kernel's
        # thread (a cell, the browser) may be setting an input at the same moment
        self._sync = threading.local()
        self._publisher = Publisher(self._publish, interval=0.25, name="hardlab-station-status")
        self._build()
        self.controller.subscribe(self._on_event)
        self.controller.attach(operator=self.panel.operator, listeners=[self.panel])
        self._publisher.start()
        self.controller.open()

    # ------------------------------------------------------------------ what the controller knows

    @property
    def plan(self) -> Path:
        """The plan folder."""
        return self.controller.plan

    @property
    def config(self) -> HardpyConfig:
        """The plan's ``hardpy.toml``."""
        return self.controller.config

    @property
    def frontend(self) -> FrontendConfig:
        """Its ``[frontend]`` section."""
        return self.controller.frontend

    @property
    def labels(self) -> Labels:
        """The texts of the current language."""
        return self.controller.labels

    @property
    def stand(self) -> str | None:
        """The stand whose runs the history lists, if given."""
        return self.controller.stand

    @property
    def history_size(self) -> int:
        """How many past runs the history shows."""
        return self.controller.history_size

    @property
    def store_url(self) -> str | None:
        """Where runs are stored (None: nowhere)."""
        return self.controller.store_url

    @property
    def status(self) -> str:
        """``ready``, ``collecting``, ``run``, ``stopping``, or how the last run ended.

        That is ``passed``, ``failed``, ``stopped`` or ``error``.
        """
        return self.controller.state.value

    @property
    def result(self) -> RunResult | None:
        """The last run's `RunResult` (None before, or if it could not run)."""
        return self.controller.result

    @property
    def error(self) -> BaseException | None:
        """What the last run raised instead of a result, if anything."""
        return self.controller.error

    @property
    def runs(self) -> int:
        """How many runs have ended here."""
        return self.controller.runs

    @property
    def collected(self) -> threading.Event:
        """A `threading.Event`, set whenever a collection (``manual_collect``) has ended."""
        return self.controller.collected

    @property
    def handle(self) -> RunHandle | None:
        """The `RunHandle` of the run going now, or None."""
        return self.controller.handle

    @property
    def running(self) -> bool:
        """Whether a run is going."""
        return self.controller.running

    @property
    def selected(self) -> list[str]:
        """The chosen cases as ``module_id::case_id`` (``manual_collect``), in plan order."""
        return self.controller.selected

    @property
    def test_config_name(self) -> str | None:
        """The chosen ``[[test_configs]]`` entry, or None."""
        return self.controller.test_config_name

    @property
    def modal_shown(self) -> bool:
        """Whether the full-panel result is on show."""
        return bool(self.modal.layout.display != "none")

    # ------------------------------------------------------------------ what the operator does

    def start(self) -> RunHandle:
        """Start a run, as the Start button does; returns at once with its `RunHandle`.

        See `StationController.start`.

        Raises:
            StartRefusedError: If an input is missing or wrong, no test
                configuration or no test is chosen, or a run is going (the
                problems are shown in the station too).
        """
        return self.controller.start()

    def stop(self) -> None:
        """Stop the run going, as the Stop button does (its case ends stopped)."""
        self.controller.stop()

    def dismiss(self) -> None:
        """Close the full-panel result (its OK button, the space bar, or the auto-dismiss)."""
        self.controller.dismiss()

    def select(self, keys: Sequence[str]) -> None:
        """Choose the tests to run (``manual_collect``): ``module`` or ``module::case`` keys.

        Raises:
            KeyError: If a key names no collected module or case.
        """
        self.controller.select(keys)

    def collect(self) -> RunHandle | None:
        """Collect the plan (``--collect-only``) for the operator to choose tests from.

        See `StationController.collect`.
        """
        return self.controller.collect()

    def set_language(self, language: str) -> None:
        """Show every text in `language` (one of `hardlab.widgets._i18n.LANGUAGES`)."""
        self.controller.set_language(language)

    def start_arg_values(self, problems: list[str] | None = None) -> dict[str, str]:
        """The start arguments as the operator entered them (checked; problems appended)."""
        return self.controller.start_arg_values(problems)

    def history_filter(self) -> dict[str, Any]:
        """Which stored runs the history lists: this plan's (any configuration), this stand's."""
        return self.controller.history_filter()

    def refresh_history(self) -> list[HistoryRow]:
        """Read the last runs of this stand from the store and show them; returns them."""
        return self.controller.refresh_history()

    def status_bar_state(self) -> StatusBar:
        """What the status bar shows now."""
        return self.controller.status_bar_state()

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

    # ------------------------------------------------------------------ building

    def _build(self) -> None:
        labels = self.labels
        front = self.frontend
        config = self.config
        self.style = widgets.HTML(station_css())
        self.script = widgets.Output()
        self.script.outputs = (
            {
                "output_type": "display_data",
                "data": {"application/javascript": _SCRIPT, "text/plain": ""},
                "metadata": {},
            },
        )
        self.title = widgets.HTML(heading_html(config.tests_name or self.plan.name, large=True))
        self.language = widgets.Dropdown(
            options=language_options(),
            value=labels.language,
            layout=widgets.Layout(width="150px"),
        )
        self.language.observe(self._on_language, names="value")
        self.test_config: Any = None
        toolbar: list[Any] = [self.title, widgets.HBox([], layout=widgets.Layout(flex="1"))]
        if config.test_configs:
            self.test_config = widgets.Dropdown(
                options=[
                    (f"{e.name} — {e.description}" if e.description else e.name, e.name)
                    for e in config.test_configs
                ],
                value=self.controller.test_config_name,
                description=labels("station.test_config"),
                style={"description_width": "initial"},
            )
            self.test_config.observe(self._on_config, names="value")
            toolbar.append(self.test_config)
        toolbar.append(self.language)
        self.toolbar = widgets.HBox(toolbar, layout=widgets.Layout(align_items="center"))

        self.inputs: dict[str, Any] = {
            name: self._input(spec) for name, spec in self.controller.arg_specs.items()
        }
        rows = list(self.inputs.values())
        self.start_args_title = widgets.HTML(heading_html(labels("station.start_args")))
        self.start_args = widgets.VBox(
            [self.start_args_title, *rows] if rows else [],
            layout=widgets.Layout(display="flex" if rows else "none"),
        )

        self.case_boxes: dict[str, Any] = {}
        self.module_boxes: dict[str, Any] = {}
        self.select_all = widgets.Button(description=labels("station.all"))
        self.select_none = widgets.Button(description=labels("station.none"))
        self.recollect = widgets.Button(description=labels("station.recollect"), icon="refresh")
        self.select_all.on_click(lambda _button: self.controller.choose_every(True))
        self.select_none.on_click(lambda _button: self.controller.choose_every(False))
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
        # Until its first run the panel would show an empty bar and a second
        # READY; the plan's cases show instead (with manual_collect, as choices).
        self.panel.widget.layout.display = "none"
        self.plan_view = widgets.HTML("")
        self.plan_view.add_class("hardlab-plan-view")

        self.history_title = widgets.HTML(heading_html(labels("station.history")))
        self.history = widgets.HTML("")
        # the unit report of a run in the history, as a link that holds the page
        self.report_choice = widgets.Dropdown(options=[], layout=widgets.Layout(width="auto"))
        self.report_button = widgets.Button(description=labels("station.report"), icon="file")
        self.report_button.on_click(lambda _button: self.show_report())
        self.report_link = widgets.HTML("")
        self.history_box = widgets.VBox(
            [
                self.history_title,
                self.history,
                widgets.HBox([self.report_choice, self.report_button]),
                self.report_link,
            ],
            layout=widgets.Layout(display="flex" if self.controller.history_on else "none"),
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
                self.plan_view,
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
        common: dict[str, Any] = {
            "description": spec.label_for(self.labels.language),
            "style": {"description_width": "initial"},
            "layout": widgets.Layout(width="min(520px, 96%)"),
        }
        value = self.controller.arg_value(spec.name)
        if spec.kind == "choice":
            box: Any = widgets.Dropdown(options=list(spec.choices), value=value, **common)
        else:
            box = widgets.Text(
                value=value or "", placeholder=spec.placeholder, continuous_update=True, **common
            )
        box.observe(lambda change, n=spec.name: self._on_input(n, change["new"]), names="value")
        return box

    def __repr__(self) -> str:
        return f"<Station {self.plan.name!r} {self.status} runs={self.runs}>"

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget)  # type: ignore[no-untyped-call]

    # ------------------------------------------------------------------ the operator's input

    def _on_start_clicked(self, _button: Any) -> None:
        # A widget callback: never raise into the kernel's comm handler.
        if self.running:
            self.stop()
            return
        try:
            self.start()
        except StartRefusedError:
            pass  # the controller had the problems shown
        except Exception as exc:  # noqa: BLE001 - shown to the operator instead
            self.message.value = problems_html(
                [self.labels("station.cannot_start", error=f"{exc}")]
            )

    def _on_input(self, name: str, value: Any) -> None:
        if not self._syncing():
            self.controller.set_arg(name, None if value is None else str(value))

    def _on_config(self, change: Mapping[str, Any]) -> None:
        value = change["new"]
        self.controller.set_test_config(str(value) if value else None)

    def _on_language(self, change: Mapping[str, Any]) -> None:
        if change["new"] != self.labels.language:
            self.set_language(str(change["new"]))

    def _on_box(self, key: str, value: bool) -> None:
        if not self._syncing():
            self.controller.choose(key, value)

    # ------------------------------------------------------------------ the controller's events

    def _on_event(self, event: StationEvent) -> None:
        shows: dict[type[Any], Callable[[Any], None]] = {
            StateChanged: self._show_state,
            StatusChanged: self._show_status,
            ProblemsShown: self._show_problems,
            ArgsReset: self._show_args,
            TreeChanged: self._show_tree,
            SelectionChanged: self._show_selection,
            SoundCue: self._show_sound,
            ResultShown: self._show_result,
            ResultDismissed: self._hide_result,
            HistoryChanged: self._show_history,
            LanguageChanged: self._show_language,
        }
        shows[type(event)](event)

    def _show_state(self, event: StateChanged) -> None:
        self._sync_panel()
        self._sync_controls()
        self._publisher.mark("status")
        if event.state.ended:
            self._publisher.flush()  # the result shows before the sound and the modal

    def _show_status(self, event: StatusChanged) -> None:
        self._sync_panel()
        self._publisher.mark("status")
        if event.now:
            self._publisher.flush()

    def _show_problems(self, event: ProblemsShown) -> None:
        self.message.value = problems_html(event.problems)

    def _show_args(self, event: ArgsReset) -> None:
        with self._quiet():
            for name in event.names:
                self.inputs[name].value = self.controller.arg_value(name)

    def _show_tree(self, _event: TreeChanged) -> None:
        old = [*self.case_boxes.values(), *self.module_boxes.values()]
        self.case_boxes = {}
        self.module_boxes = {}
        rows: list[Any] = []
        with self._quiet():
            for module in self.controller.tree:
                module_box = self._box(module.id, module.name, "hardlab-select-module")
                boxes = [
                    self._box(case.key, case.name, "hardlab-select-case", indent=True)
                    for case in module.cases
                ]
                self.module_boxes[module.id] = module_box
                pairs = zip(module.cases, boxes, strict=True)
                self.case_boxes.update((case.key, box) for case, box in pairs)
                rows.append(widgets.VBox([module_box, *boxes]))
        self.selection_tree.children = tuple(rows)
        for widget in old:
            widget.close()
        self._draw_selection_title()
        self._draw_plan()

    def _box(self, key: str, name: str, kind: str, *, indent: bool = False) -> Any:
        box = widgets.Checkbox(
            value=self.controller.chosen(key),
            description=name,
            indent=False,
            layout=widgets.Layout(margin="0 0 0 2em") if indent else widgets.Layout(),
        )
        box.add_class(kind)
        box.observe(lambda change, k=key: self._on_box(k, bool(change["new"])), names="value")
        return box

    def _show_selection(self, _event: SelectionChanged) -> None:
        with self._quiet():
            for key, box in (*self.case_boxes.items(), *self.module_boxes.items()):
                box.value = self.controller.chosen(key)
        self._draw_selection_title()

    def _show_sound(self, event: SoundCue) -> None:
        self.play(event.status)

    def _show_result(self, event: ResultShown) -> None:
        self._draw_modal(event.modal, self.labels)
        self.modal.layout.display = "flex"
        self.modal_button.focus()

    def _hide_result(self, _event: ResultDismissed) -> None:
        if self.modal_shown:
            self.modal.layout.display = "none"
            self.start_button.focus()

    def _show_history(self, _event: HistoryChanged) -> None:
        self._draw_history()

    def _show_language(self, event: LanguageChanged) -> None:
        labels = event.labels
        if self.language.value != labels.language:
            self.language.value = labels.language
        self.panel.set_labels(labels)
        self._sync_controls()
        self.modal_button.description = labels("station.modal_dismiss")
        if self.test_config is not None:
            self.test_config.description = labels("station.test_config")
        for name, spec in self.controller.arg_specs.items():
            self.inputs[name].description = spec.label_for(labels.language)
        self.start_args_title.value = heading_html(labels("station.start_args"))
        self.select_all.description = labels("station.all")
        self.select_none.description = labels("station.none")
        self.recollect.description = labels("station.recollect")
        self._draw_selection_title()
        self._draw_plan()
        self.history_title.value = heading_html(labels("station.history"))
        self.report_button.description = labels("station.report")
        self._draw_history()
        shown = self.controller.modal
        if shown is not None:
            self._draw_modal(shown, labels)
        self.message.value = ""
        self._draw_status()

    # ------------------------------------------------------------------ drawing

    @contextlib.contextmanager
    def _quiet(self) -> Iterator[None]:
        """While the view sets widgets from the controller, their observers stay silent.

        Only for this thread's changes: an input set meanwhile by another thread
        (a cell, the browser's message) is the operator's and reaches the controller.
        """
        depth = getattr(self._sync, "depth", 0)
        self._sync.depth = depth + 1
        try:
            yield
        finally:
            self._sync.depth = depth

    def _syncing(self) -> bool:
        """Whether this thread is setting widgets from the controller (see `_quiet`)."""
        return bool(getattr(self._sync, "depth", 0))

    def _choices(self) -> tuple[Any, ...]:
        """The operator's inputs and test checkboxes: locked during a run, closed with the view."""
        return (*self.inputs.values(), *self.case_boxes.values(), *self.module_boxes.values())

    def _sync_controls(self) -> None:
        labels = self.labels
        state = self.controller.state
        with self.start_button.hold_sync():
            if state.busy:
                stopping = state is StationState.STOPPING
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
                self.start_button.disabled = state is StationState.COLLECTING
        locked = state.busy or state is StationState.COLLECTING
        for widget in (*self._choices(), self.select_all, self.select_none, self.recollect):
            widget.disabled = locked
        if self.test_config is not None:
            self.test_config.disabled = locked

    def _draw_modal(self, shown: ModalState, labels: Labels) -> None:
        self.modal_html.value = modal_html(
            shown.status, shown.result, labels, shown.closes_in, shown.seconds, shown.plan_error
        )

    def _sync_panel(self) -> None:
        """The run panel once it has a run to show; before that, the plan's cases."""
        if self.panel.run is not None and self.panel.widget.layout.display == "none":
            self.panel.widget.layout.display = "flex"
            self.plan_view.layout.display = "none"

    def _draw_plan(self) -> None:
        if self.frontend.manual_collect:
            return  # the cases are listed to choose from
        tree = [(m.name, [c.name for c in m.cases]) for m in self.controller.tree]
        self.plan_view.value = plan_html(tree, self.labels)

    def _publish(self, _keys: frozenset[Any]) -> None:
        self._draw_status()

    def _draw_status(self) -> None:
        self.status_bar.value = status_bar_html(self.status_bar_state(), self.labels)

    def _draw_history(self) -> None:
        controller = self.controller
        self.history.value = history_html(
            controller.history_rows or [], self.labels, controller.history_error
        )
        self.report_choice.options = [
            (f"{row.started.astimezone():%H:%M:%S} · {row.dut} · {row.status}"
             if row.started else row.run_id, row.run_id)
            for row in controller.history_rows or []
        ]  # fmt: skip

    def show_report(self, run_id: str | None = None) -> str:
        """Offer the unit report of a stored run (default: the one chosen under the history).

        The report (`hardlab.reports`) is put in a link that holds the whole
        page, so the operator's browser opens or saves it without another request.

        Returns:
            The report page ("" when no run is chosen).
        """
        chosen = run_id or self.report_choice.value
        if not chosen:
            return ""
        import base64

        from hardlab.reports import run_report_html

        page = run_report_html(str(chosen), self.store_url)
        data = base64.b64encode(page.encode("utf-8")).decode("ascii")
        self.report_link.value = (
            f'<a download="report-{chosen}.html" target="_blank" '
            f'href="data:text/html;charset=utf-8;base64,{data}">'
            f"{html.escape(self.labels('station.report'))}: {html.escape(str(chosen))}</a>"
        )
        return page

    def _draw_selection_title(self) -> None:
        text = self.labels(
            "station.selected", selected=len(self.selected), total=self.controller.case_count
        )
        self.selection_title.value = heading_html(self.labels("station.tests"), text)

    # ------------------------------------------------------------------ closing

    def close(self) -> None:
        """Stop the station's threads and close its widgets (a run going is stopped)."""
        with _shared_lock:
            for key in [key for key, shared in _shared.items() if shared is self]:
                del _shared[key]
        self.controller.close()
        self._publisher.stop(flush=False)
        self.panel.close()
        for widget in (*self._choices(), *self.sound.children):
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
    slots: int | None = None,
) -> Station | SlotStation:
    """An operator station for the plan in `plan`: display it, or serve it with ``hardlab station``.

    A kiosk panel for production: a large Start/Stop button (or the space
    bar), the live run, the status bar, dialogs over the panel, the result,
    a sound and the stand's history, run after run, as ``hardpy.toml``'s
    ``[frontend]`` section asks. See `Station` for the arguments.

    In the kernel of a ``hardlab station`` server (``$HARDLAB_STATION_SHARED``
    is ``1``), which every page of the server shares, the same arguments
    give the same station: a page opened later shows the run in progress.

    Example:
        ```python
        import hardlab

        hardlab.station("plans/power_board")   # the cell's value: shown below it
        ```

    With `slots` (or ``[frontend] slots`` in ``hardpy.toml``) it is a
    `hardlab.operator_station.SlotStation`: a panel per slot (docs/slots.md).
    """
    from hardlab.operator_station._slots import SlotStation, slot_count

    count = slot_count(plan, slots)
    options: dict[str, Any] = {
        "language": language,
        "store": store,
        "stand": stand,
        "history_size": history_size,
        "answers": answers,
    }

    def make() -> Station | SlotStation:
        if count is None:
            return Station(plan, **options)
        return SlotStation(plan, slots=count, language=language, store=store, answers=answers)

    if os.environ.get(SHARED_ENV) != "1":
        return make()
    # The kernel of a `hardlab station` server, which every page shares: a
    # page opening (a reload, a second tab) shows the station already there,
    # so the stand keeps one run, which the new page shows and answers.
    # (Not keyed by the working directory: a run changes it while it goes.)
    key = repr((os.fspath(plan), count, sorted(options.items())))
    with _shared_lock:
        shared = _shared.get(key)
        if shared is None:
            shared = _shared[key] = make()
    return shared
