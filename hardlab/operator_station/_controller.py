"""The operator station's controller: what the station does, in plain Python.

The station is a controller and a view. This controller holds everything the
station knows and decides, and imports no ipywidgets nor IPython (a test
checks it), so it is tested directly:

* the station's state as an explicit machine (`StationState`, `TRANSITIONS`):
  ready, collecting, run, stopping, and how the last run ended;
* the start arguments (``[[hardlab.start_args]]``), the test configuration
  and their checks before Start, in the station's language;
* the collection tree as data (shown before Start) and which cases are chosen
  (``manual_collect``);
* the history of this stand's runs, read from the store;
* the full-panel result and its auto-dismiss timer, on an injectable `Clock`
  so that tests need not sleep;
* sound cues, as events.

It tells whoever shows it what changed through `StationEvent`s (see
`StationController.subscribe`), from whichever thread the change happened
in: the kernel's (a click), the run's (its end), the timer's. Events are
never sent while the controller holds its lock, so a view may call back.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from hardlab._format import collection_error_brief
from hardlab.config import HardpyConfig, StartArgConfig, load_config
from hardlab.errors import PlanError, StartRefusedError
from hardlab.events import AlertRaised, Event, ReportUpdated, RunFinished, RunStarted
from hardlab.model.enums import TestStatus
from hardlab.operator_station._events import (
    ArgsReset,
    HistoryChanged,
    LanguageChanged,
    ModalState,
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
from hardlab.operators import accepts
from hardlab.widgets import HistoryRow, Labels, StatusBar, format_when

if TYPE_CHECKING:
    from hardlab.events import RunListener
    from hardlab.operators import Operator
    from hardlab.runner import RunHandle, RunResult
    from hardlab.runtime import RunState
    from hardlab.storage import Store

__all__ = [
    "TRANSITIONS",
    "CaseNode",
    "Clock",
    "ModuleNode",
    "StationController",
    "ThreadClock",
    "Timer",
]

_ENDS = frozenset(state for state in StationState if state.ended)
_IDLE = frozenset({StationState.READY, *_ENDS})

TRANSITIONS: Mapping[StationState, frozenset[StationState]] = {
    **{idle: frozenset({StationState.COLLECTING, StationState.RUNNING}) for idle in _IDLE},
    StationState.COLLECTING: frozenset({StationState.READY}),
    StationState.RUNNING: frozenset({StationState.STOPPING, *_ENDS}),
    StationState.STOPPING: _ENDS,
}
"""Each state and the states it may move to: a run or a collection starts from
a resting state; a collection ends ready; a run ends passed, failed, stopped
or in error, possibly after stopping."""


def _ended_as(handle: RunHandle) -> StationState:
    """How a finished run ended, as the station says it."""
    if handle.exception() is not None:
        return StationState.ERROR
    status = handle.result.status.value
    if status == TestStatus.PASSED.value:
        return StationState.PASSED
    if status == TestStatus.FAILED.value:
        return StationState.FAILED
    return StationState.STOPPED if status == TestStatus.STOPPED.value else StationState.ERROR


# ---------------------------------------------------------------------- timers


class Timer(Protocol):
    """A pending call that can be cancelled."""

    def cancel(self) -> None:
        """Do not make the call (nothing happens if it was made)."""


class Clock(Protocol):
    """Calls a function later: the station's timers (the result's auto-dismiss)."""

    def call_later(self, seconds: float, fn: Callable[[], None]) -> Timer:
        """Call `fn` once, in some thread, after `seconds`."""


class ThreadClock:
    """The real clock: each call waits in a daemon `threading.Timer`."""

    def call_later(self, seconds: float, fn: Callable[[], None]) -> Timer:
        """Call `fn` in a daemon thread after `seconds`."""
        timer = threading.Timer(seconds, fn)
        timer.daemon = True
        timer.start()
        return timer


# ---------------------------------------------------------------------- the collection tree


@dataclass(frozen=True)
class CaseNode:
    """A collected case: its ``module_id::case_id`` key and its name."""

    key: str
    name: str


@dataclass(frozen=True)
class ModuleNode:
    """A collected module: its id, its name and its cases, in plan order."""

    id: str
    name: str
    cases: tuple[CaseNode, ...]


def _tree_of(result: RunResult) -> tuple[ModuleNode, ...]:
    return tuple(
        ModuleNode(
            module_id,
            module.name or module_id,
            tuple(
                CaseNode(f"{module_id}::{case_id}", case.name or case_id)
                for case_id, case in module.cases.items()
            ),
        )
        for module_id, module in result.report.modules.items()
    )


def _collection_problem(error: str) -> str:
    """One line for the operator from a run's collection error (``nodeid: pytest's text``).

    The file and line and the error itself, not pytest's first traceback
    frame (which is pytest's own import machinery).
    """
    _nodeid, sep, text = error.partition(": ")
    lines = collection_error_brief(text if sep else error).splitlines()
    if len(lines) > 1:
        return f"{lines[0]}: {lines[-1].strip()}"
    return lines[0] if lines else error


# ---------------------------------------------------------------------- start arguments


def _arg_problem(spec: StartArgConfig, text: str) -> str | None:
    """The label key of what is wrong with a non-empty start argument, or None.

    The one place a start argument's value is checked (number, pattern).
    """
    if spec.kind == "number" and not accepts("numericinput", text):
        return "station.needs_number"
    if spec.kind == "text" and spec.pattern and not re.fullmatch(spec.pattern, text):
        return "station.bad_format"
    return None


def _blank(spec: StartArgConfig) -> str | None:
    """An input's empty value: no choice for a list, "" for text."""
    return None if spec.kind == "choice" else ""


# ---------------------------------------------------------------------- the run's state, read


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


def _run_times(run: RunState) -> tuple[str, str, str]:
    """The run's start, end (with the stand's time zone) and alert."""
    zone = run.view.read(lambda document: document.test_stand.timezone)
    return format_when(run.started_ns, zone), format_when(run.finished_ns, zone), run.alert


class _RunEvents:
    """Tells the station a run's event may change its status bar (any thread)."""

    def __init__(self, mark: Callable[[], None]) -> None:
        self._mark = mark
        self.plan_error: str | None = None  # the last run's: why its plan could not run

    def handle(self, event: Event) -> None:
        if isinstance(event, RunFinished):
            self.plan_error = event.plan_error
        if isinstance(event, (RunStarted, ReportUpdated, AlertRaised, RunFinished)):
            self._mark()


# ---------------------------------------------------------------------- the controller


class StationController:
    """What an operator station knows and does, without any widget.

    `hardlab.operator_station.Station` shows one; scripts and tests may drive
    one directly. Subscribe to its events, `attach` the operator that answers
    dialogs and the listeners that draw the run, then `open` it.

    Args:
        plan: The plan folder (with ``hardpy.toml``).
        language: The language to start in (default: ``[frontend] language``).
        store: Where runs are stored and the history is read (see `Station`);
            False to store nothing.
        stand: The stand whose runs the history lists (default: the stand the
            plan's last run here named).
        history_size: How many past runs the history lists.
        answers: Scripted answers instead of the operator (see `Station`).
        clock: Where the station's timers run (default: `ThreadClock`).

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
        clock: Clock | None = None,
    ) -> None:
        from hardlab.operators import ScriptedOperator, answers_from_env
        from hardlab.runner import caller_cwd

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
        self.store_url: str | None = None
        if store is not False:
            from hardlab.storage import resolve_url

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
        self.clock: Clock = clock if clock is not None else ThreadClock()

        self._lock = threading.RLock()
        self._subscribers: list[Callable[[StationEvent], None]] = []
        self._operator: Operator | None = None
        self._listeners: tuple[RunListener, ...] = ()
        self._run_events = _RunEvents(lambda: self._emit(StatusChanged()))
        self._state = StationState.READY
        self.result: RunResult | None = None
        self.error: BaseException | None = None
        self.runs = 0
        self.collected = threading.Event()
        self._handle: RunHandle | None = None
        self._collecting: RunHandle | None = None
        self._run: RunState | None = None
        self._alert = ""
        self._last_stand = ""
        self.arg_specs: dict[str, StartArgConfig] = {
            spec.name: spec for spec in self.config.hardlab.start_args
        }
        self._args: dict[str, str | None] = {
            name: (spec.default or None) if spec.kind == "choice" else spec.default
            for name, spec in self.arg_specs.items()
        }
        current = self.config.current_test_config
        known = {entry.name for entry in self.config.test_configs}
        self._test_config = current if current in known else None
        self._tree: tuple[ModuleNode, ...] = ()
        self._chosen: dict[str, bool] = {}
        self._node_ids: dict[str, str] = {}
        self._history_rows: list[HistoryRow] | None = None
        self._history_error = ""
        self._store: Store | None = None
        self._modal: ModalState | None = None
        self._modal_token = 0
        self._timer: Timer | None = None

    # ------------------------------------------------------------------ wiring

    def subscribe(self, fn: Callable[[StationEvent], None]) -> None:
        """Call ``fn(event)`` for every `StationEvent` from now on (in the thread it happens in)."""
        self._subscribers.append(fn)

    def _emit(self, event: StationEvent) -> None:
        for fn in list(self._subscribers):
            fn(event)

    def attach(self, *, operator: Operator | None, listeners: Sequence[RunListener] = ()) -> None:
        """Who answers the runs' dialogs (unless answers are scripted) and who else hears them."""
        self._operator = operator
        self._listeners = tuple(listeners)

    def open(self) -> None:
        """Begin as a new station does: collect the plan, read the history.

        The plan is collected in any case, so that the operator sees its
        cases before Start, as in HardPy. With ``manual_collect`` the station
        is collecting until the cases are there to choose from; otherwise it
        is ready at once and lists them when they come (Start waits the
        second it takes).
        """
        if self.frontend.manual_collect:
            self.collect()
        else:
            self.collected.set()
            self._collect(preview=True)
        if self.frontend.test_history:
            self.refresh_history()

    # ------------------------------------------------------------------ state

    @property
    def state(self) -> StationState:
        """Where the station is now."""
        return self._state

    def _move(self, to: StationState) -> None:
        """Move to `to` (under the lock); only along `TRANSITIONS`."""
        if to not in TRANSITIONS[self._state]:
            msg = f"the station cannot go from {self._state} to {to}"  # a bug of the station's
            raise RuntimeError(msg)
        self._state = to

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
    def collecting(self) -> bool:
        """Whether a collection (``manual_collect``) is going."""
        return self._collecting is not None

    @property
    def history_on(self) -> bool:
        """Whether the station lists its history (``test_history`` and a store)."""
        return self.frontend.test_history and self.store_url is not None

    # ------------------------------------------------------------------ inputs

    def arg_value(self, name: str) -> str | None:
        """The start argument `name` as the operator entered it (None: no choice made)."""
        return self._args[name]

    def set_arg(self, name: str, value: str | None) -> None:
        """The operator entered `value` for the start argument `name`."""
        if name not in self._args:
            msg = f"{name!r} is no start argument (known: {', '.join(self._args) or 'none'})"
            raise KeyError(msg)
        self._args[name] = value

    @property
    def test_config_name(self) -> str | None:
        """The chosen ``[[test_configs]]`` entry, or None."""
        return self._test_config

    def set_test_config(self, name: str | None) -> None:
        """Choose a ``[[test_configs]]`` entry (``manual_collect``: collect it again)."""
        self._test_config = name or None
        self._emit(StatusChanged(now=True))
        if self.frontend.manual_collect:
            self.collect()

    def set_language(self, language: str) -> None:
        """Say every text in `language` (one of `hardlab.widgets._i18n.LANGUAGES`)."""
        self.labels = Labels(language)
        self._emit(LanguageChanged(self.labels))

    def _config_args(self, problems: list[str]) -> list[str]:
        if not self.config.test_configs:
            return []
        name = self._test_config
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
        for name, spec in self.arg_specs.items():
            raw = self._args[name]
            text = "" if raw is None else str(raw).strip()
            label = spec.label_for(self.labels.language)
            if not text:
                if spec.required:
                    problems.append(self.labels("station.required", label=label))
                continue
            problem = _arg_problem(spec, text)
            if problem is not None:
                problems.append(self.labels(problem, label=label))
            else:
                values[name] = text
        return values

    # ------------------------------------------------------------------ the collection tree

    @property
    def tree(self) -> tuple[ModuleNode, ...]:
        """The collected modules and cases, in plan order (shown before Start)."""
        return self._tree

    def chosen(self, key: str) -> bool:
        """Whether the case ``module::case``, or any case of the module `key`, is chosen."""
        if key in self._chosen:
            return self._chosen[key]
        return any(self._chosen[case.key] for case in self._module(key).cases)

    def _module(self, module_id: str) -> ModuleNode:
        for module in self._tree:
            if module.id == module_id:
                return module
        known = ", ".join([m.id for m in self._tree] + list(self._chosen)) or "none collected"
        msg = f"{module_id!r} is no collected module or case (known: {known})"
        raise KeyError(msg)

    @property
    def selected(self) -> list[str]:
        """The chosen cases as ``module_id::case_id`` (``manual_collect``), in plan order."""
        return [key for key, chosen in self._chosen.items() if chosen]

    @property
    def case_count(self) -> int:
        """How many cases were collected."""
        return len(self._chosen)

    def choose(self, key: str, value: bool) -> None:
        """Choose (or leave out) the case ``module::case``, or every case of module `key`.

        Raises:
            KeyError: If `key` names no collected module or case.
        """
        keys = [key] if key in self._chosen else [case.key for case in self._module(key).cases]
        for case in keys:
            self._chosen[case] = value
        self._emit(SelectionChanged())

    def choose_every(self, value: bool) -> None:
        """Choose every case, or none."""
        self._chosen = dict.fromkeys(self._chosen, value)
        self._emit(SelectionChanged())

    def select(self, keys: Sequence[str]) -> None:
        """Choose exactly these tests: ``module`` or ``module::case`` keys.

        Raises:
            KeyError: If a key names no collected module or case.
        """
        chosen: set[str] = set()
        for key in keys:
            if key in self._chosen:
                chosen.add(key)
            else:
                chosen.update(case.key for case in self._module(key).cases)
        self._chosen = {key: key in chosen for key in self._chosen}
        self._emit(SelectionChanged())

    def collect(self) -> RunHandle | None:
        """Collect the plan (``--collect-only``): its cases, shown before Start or to choose from.

        Runs in the background; `collected` is set when it has ended. With
        test configurations and none chosen there is nothing to collect yet
        (None is returned), as in HardPy; nor while a run goes.
        """
        return self._collect(preview=False)

    def _collect(self, *, preview: bool) -> RunHandle | None:
        """Collect the plan; a `preview` only lists its cases and leaves the state as it is."""
        import hardlab

        problems: list[str] = []
        args = self._config_args(problems)
        if problems:
            self.collected.set()
            return None
        with self._lock:
            if self._collecting is not None:
                return self._collecting
            if StationState.COLLECTING not in TRANSITIONS[self._state]:
                return None  # a run is going; its end allows the next collection
            if not preview:
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
            if not preview:
                self._move(StationState.COLLECTING)
        if preview:
            handle.add_done_callback(lambda done: self._on_collected(done, preview=True))
        else:
            self._emit(StateChanged(StationState.COLLECTING))
            handle.add_done_callback(self._on_collected)
        return handle

    def _on_collected(self, handle: RunHandle, *, preview: bool = False) -> None:
        error = handle.exception()
        tree: tuple[ModuleNode, ...] = ()
        if error is None:
            result = handle.result
            errors = list(result.errors)
            tree = _tree_of(result)
            node_ids = dict(result.node_ids)
        else:
            # a plan pytest could not collect: its collection errors, if it had any
            errors = list(getattr(error, "errors", ())) or [f"{error}"]
            node_ids = self._node_ids
        with self._lock:
            previous = self._chosen
            self._tree = tree
            self._chosen = {
                case.key: previous.get(case.key, True) for module in tree for case in module.cases
            }
            self._node_ids = node_ids
            self._collecting = None
            if not preview:
                self._move(StationState.READY)
            self._alert = (
                self.labels("station.collect_failed", error=_collection_problem(errors[0]))
                if errors
                else ""
            )
        self._emit(TreeChanged())
        self._emit(StateChanged(StationState.READY) if not preview else StatusChanged(now=True))
        self.collected.set()

    # ------------------------------------------------------------------ running

    def _targets(self, problems: list[str]) -> list[Path | str]:
        if not self.frontend.manual_collect:
            return [self.plan]
        chosen = self.selected
        if not chosen:
            problems.append(self.labels("station.choose_tests"))
            return []
        if len(chosen) == len(self._chosen):
            return [self.plan]
        return [self._node_ids[key] for key in chosen if key in self._node_ids]

    def start(self) -> RunHandle:
        """Start a run, as the Start button does; returns at once with its `RunHandle`.

        The start arguments, the test configuration and (``manual_collect``)
        the chosen tests are checked first. A collection still going is
        waited for (it takes a moment); a run still going is refused.

        Raises:
            StartRefusedError: If an input is missing or wrong, no test
                configuration or no test is chosen, or a run is going.
        """
        import hardlab

        collecting = self._collecting
        if collecting is not None:
            # A second or so; it needs no kernel message. Its failure is its
            # own to report (the alert), not this start's.
            collecting.thread.join()
        problems: list[str] = []
        handle: RunHandle | None = None
        with self._lock:
            if self.running or StationState.RUNNING not in TRANSITIONS[self._state]:
                raise StartRefusedError(["a run is going; stop it or wait for its end first"])
            args = self._config_args(problems)
            values = self.start_arg_values(problems)
            targets = self._targets(problems)
            if not problems:
                self._run_events.plan_error = None
                operator = self._scripted if self._scripted is not None else self._operator
                handle = hardlab.start(
                    targets,
                    args=args,
                    start_args=values,
                    operator=operator,
                    listeners=[*self._listeners, self._run_events],
                    store=self.store_url if self.store_url is not None else False,
                    config_dir=self.plan,
                    quiet=True,
                    capture="sys",
                    on_run=self._on_run,
                )
                self._handle = handle
                self._move(StationState.RUNNING)
                self.result = None
                self.error = None
                self._alert = ""
                self._run = None
        self._emit(ProblemsShown(tuple(problems)))
        if handle is None:
            raise StartRefusedError(problems)
        self.dismiss()
        self._emit(StateChanged(StationState.RUNNING))
        handle.add_done_callback(self._on_done)
        return handle

    def _on_run(self, run: RunState) -> None:
        with self._lock:
            self._run = run
        self._emit(StatusChanged())

    def stop(self) -> None:
        """Stop the run going, as the Stop button does (its case ends stopped)."""
        with self._lock:
            handle = self._handle
            if handle is None or handle.done() or self._state is not StationState.RUNNING:
                return
            self._move(StationState.STOPPING)
        handle.stop()
        self._emit(StateChanged(StationState.STOPPING))

    def _on_done(self, handle: RunHandle) -> None:
        # Runs in the run's thread once it has ended.
        error = handle.exception()
        result = handle.result if error is None else None
        # a plan that could not run is no DUT's failure (its report says failed, as HardPy's)
        plan_error = self._run_events.plan_error if result is not None else None
        state = StationState.ERROR if plan_error is not None else _ended_as(handle)
        with self._lock:
            self._move(state)
            self.result = result
            self.error = error
            self.runs += 1
            self._handle = None
            if error is not None:
                self._alert = self.labels("station.cannot_start", error=f"{error}")
            elif plan_error is not None and result is not None:
                problem = result.errors[0] if result.errors else plan_error
                self._alert = self.labels(
                    "station.collect_failed", error=_collection_problem(problem)
                )
            if self._run is not None:
                name, _info = _stand_info(self._run)
                self._last_stand = name or self._last_stand
            cleared = tuple(name for name, spec in self.arg_specs.items() if not spec.keep)
            for name in cleared:
                self._args[name] = _blank(self.arg_specs[name])
        if cleared:
            self._emit(ArgsReset(cleared))
        self._emit(StateChanged(state))
        if self.frontend.sound_on and state is not StationState.ERROR:
            self._emit(SoundCue(state.value))
        if self.frontend.modal_result.enable:
            self._show_result(state, result, plan_error)
        if self.history_on:
            self.refresh_history()

    # ------------------------------------------------------------------ status bar

    def status_bar_state(self) -> StatusBar:
        """What the status bar shows now."""
        with self._lock:
            run = self._run
            status = self._state.value
            alert = self._alert
            stand = self._last_stand
            info = started = finished = ""
        if run is not None:
            stand, info = _stand_info(run)
            started, finished, run_alert = _run_times(run)
            alert = alert or run_alert
        return StatusBar(
            status=status,
            stand=stand,
            started=started,
            finished=finished,
            alert=alert,
            stand_info=info,
            config=self._test_config or "",
        )

    # ------------------------------------------------------------------ the result

    @property
    def modal(self) -> ModalState | None:
        """The full-panel result on show, or None."""
        return self._modal

    def _show_result(
        self, state: StationState, result: RunResult | None, plan_error: str | None = None
    ) -> None:
        modal = self.frontend.modal_result
        closes_in: int | None = None
        if state is StationState.PASSED and modal.auto_dismiss_pass:
            closes_in = max(0, int(modal.auto_dismiss_timeout))
        seconds = None
        with self._lock:
            run = self._run
            if run is not None and run.started_ns is not None and run.finished_ns is not None:
                seconds = (run.finished_ns - run.started_ns) / 1e9
            shown = ModalState(state.value, result, closes_in, seconds, plan_error)
            self._modal_token += 1
            token = self._modal_token
            self._modal = shown
            self._cancel_timer()
        self._emit(ResultShown(shown))
        if closes_in is not None:
            timer = self.clock.call_later(closes_in, lambda: self._auto_dismiss(token))
            with self._lock:
                if token == self._modal_token:
                    self._timer = timer
                    return
            timer.cancel()  # dismissed meanwhile

    def _auto_dismiss(self, token: int) -> None:
        with self._lock:
            if token != self._modal_token:
                return  # a newer result is on show
        self.dismiss()

    def _cancel_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def dismiss(self) -> None:
        """Close the full-panel result (its OK button, the space bar, or the auto-dismiss)."""
        with self._lock:
            shown = self._modal is not None
            self._modal = None
            self._modal_token += 1
            self._cancel_timer()
        if shown:
            self._emit(ResultDismissed())

    # ------------------------------------------------------------------ history

    @property
    def history_rows(self) -> list[HistoryRow] | None:
        """The history as last read (None: not read, or it could not be)."""
        return self._history_rows

    @property
    def history_error(self) -> str:
        """Why the history could not be read last time ("" if it could)."""
        return self._history_error

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
        """Read the last runs of this stand from the store; returns them."""
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
        self._emit(HistoryChanged())
        return rows

    # ------------------------------------------------------------------ closing

    def close(self) -> None:
        """Stop a run going, wait for it and a collection, cancel the timers, close the store."""
        self.stop()
        handle = self._handle
        if handle is not None:
            handle.wait(30)
        collecting = self._collecting
        if collecting is not None:
            collecting.wait(30)
        with self._lock:
            self._cancel_timer()
        if self._store is not None:
            self._store.close()
