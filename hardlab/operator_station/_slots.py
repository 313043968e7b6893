"""The station of a stand with several slots: a panel per slot, each with its own Start and Stop.

``hardlab station PATH --slots N`` (or ``[frontend] slots = N`` in
``hardpy.toml``) shows a `SlotStation`: Start all / Stop all above, then
one card per slot with its serial-number entry, its Start and Stop buttons,
its result, and its live run (`hardlab.widgets.RunPanel`, fed by the
slot's `hardlab.runner.SlotMirror`), where that slot's dialogs are asked.

Each Start is one slot of the stand started alone
(``hardlab.runner.start_slots(..., numbers=[k])``): its own process, run,
report and store row with its slot number, so the operator loads and
starts each socket when its board is in. The serial number typed on the
card reaches the plan as the start argument ``serial_number``
(``hardpy_start_args``), beside ``slot``.
"""

from __future__ import annotations

import contextlib
import html
import os
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import ipywidgets as widgets

from hardlab.config import load_config
from hardlab.errors import ConfigError, HardlabError, PlanError
from hardlab.widgets import HistoryRow, Labels, RunPanel, history_html

if TYPE_CHECKING:
    from hardlab.runner import RunResult, SlotEvent, SlotMirror, SlotRuns

__all__ = ["SERIAL_ARG", "SlotStation", "slot_count"]

SERIAL_ARG = "serial_number"
"""The start argument that carries the serial number typed on a slot's card."""

_RESULT_COLOR = {"passed": "#2e7d32", "failed": "#c62828", "stopped": "#6a1b9a"}


class _Card:
    """One slot's widgets and its current run."""

    def __init__(self, number: int, panel: RunPanel, mirror: SlotMirror, labels: Labels) -> None:
        self.number = number
        self.panel = panel
        self.mirror = mirror
        self.runs: SlotRuns | None = None
        self.result: RunResult | None = None
        self.active = False  # from Start until its result (its process may linger a moment)
        self.serial_used = ""
        title = html.escape(labels("slots.slot", n=number))
        self.title = widgets.HTML(f"<h3 style='margin:0'>{title}</h3>")
        self.serial = widgets.Text(
            placeholder=labels("slots.serial"), description="", layout=widgets.Layout(width="14em")
        )
        self.start = widgets.Button(
            description=labels("station.start"), icon="play", button_style="success"
        )
        self.stop = widgets.Button(
            description=labels("button.stop"), icon="stop", button_style="danger", disabled=True
        )
        self.outcome = widgets.HTML("")
        self.widget = widgets.VBox(
            [
                self.title,
                widgets.HBox([self.serial, self.start, self.stop]),
                self.outcome,
                panel.widget,
            ],
            layout=widgets.Layout(border="1px solid #ccc", padding="6px"),
        )
        self.widget.add_class("hardlab-slot")
        self.widget.add_class(f"hardlab-slot-{number}")
        for widget, name in (
            (self.serial, "serial"),
            (self.start, "start"),
            (self.stop, "stop"),
            (self.outcome, "result"),
        ):
            widget.add_class(f"hardlab-slot-{name}")

    @property
    def running(self) -> bool:
        return self.active


class SlotStation:
    """An operator station for a stand with several slots (see the module's text).

    Args:
        plan: The plan folder (with ``hardpy.toml``).
        slots: How many slots (default: ``[frontend] slots``).
        language: The language of the panels and dialogs (default:
            ``[frontend] language``).
        store: Where runs are stored (as for `hardlab.run`); False: nowhere.
        answers: Scripted answers instead of the operator (a file or data,
            with per-slot sections), as for `hardlab.run`.
        columns: Slot cards per row.
        history_size: How many past runs the history lists (shown with
            ``[frontend] test_history = true`` and a store).

    Attributes:
        cards: Each slot's card (`serial`, `start`, `stop`, `outcome`,
            `panel`), by slot number.
        start_all_button: Starts every slot that is not running.
        stop_all_button: Stops every running slot.
        history: The last runs of the plan on this stand, every slot's,
            newest first, read again after each slot's result.
        widget: The station; display it (or the object).

    Raises:
        PlanError: If `plan` is not a folder.
        ConfigError: If there is no slot count, or ``hardpy.toml`` is invalid.
    """

    def __init__(
        self,
        plan: str | os.PathLike[str] = ".",
        *,
        slots: int | None = None,
        language: str | None = None,
        store: str | os.PathLike[str] | bool | None = None,
        answers: Mapping[str, Any] | Sequence[Any] | str | os.PathLike[str] | None = None,
        columns: int = 2,
        history_size: int = 10,
    ) -> None:
        from hardlab.runner import SlotMirror, caller_cwd

        base = caller_cwd()
        folder = (base / Path(plan).expanduser()).resolve()
        if not folder.is_dir():
            msg = f"the station needs a plan folder (with hardpy.toml); {os.fspath(plan)!r} isn't"
            raise PlanError(msg)
        config = load_config(folder)
        count = slots if slots is not None else config.frontend.slots
        if count is None or isinstance(count, bool) or count < 1:
            msg = f"slots={count!r}: give the number of slots, 1 or more"
            raise ConfigError(msg)
        self.plan = folder
        self.slots = count
        self.store = store
        self.answers = answers
        self.labels = Labels(language or config.frontend.language)
        self.tests_name = config.tests_name or None
        self.history_size = history_size
        self.store_url: str | None = None
        if store is not False and config.frontend.test_history:
            from hardlab.storage import resolve_url

            chosen = None if store is None or store is True else store
            if chosen is not None and "://" not in os.fspath(chosen):
                chosen = base / Path(chosen).expanduser()
            self.store_url = resolve_url(chosen, config)
        self._store: Any = None
        self._history_lock = threading.Lock()
        self._run_name = config.tests_name or folder.name
        self._lock = threading.Lock()
        self.cards: dict[int, _Card] = {}
        for number in range(1, count + 1):
            panel = RunPanel(
                labels=self.labels, measurement_display=config.frontend.measurement_display
            )
            mirror = SlotMirror(number, listeners=[panel])
            card = _Card(number, panel, mirror, self.labels)
            card.start.on_click(lambda _b, n=number: self._start_clicked(n))
            card.stop.on_click(lambda _b, n=number: self.stop(n))
            self.cards[number] = card
        self.start_all_button = widgets.Button(
            description=self.labels("slots.start_all"), icon="play", button_style="success"
        )
        self.stop_all_button = widgets.Button(
            description=self.labels("slots.stop_all"),
            icon="stop",
            button_style="danger",
            disabled=True,
        )
        self.start_all_button.add_class("hardlab-start-all")
        self.stop_all_button.add_class("hardlab-stop-all")
        self.start_all_button.on_click(lambda _b: self._start_all_clicked())
        self.stop_all_button.on_click(lambda _b: self.stop_all())
        self.problems = widgets.HTML("")
        self.history = widgets.HTML("")
        self.history.add_class("hardlab-slot-history")
        title = html.escape(
            self.labels("slots.title", name=config.tests_name or folder.name, n=count)
        )
        self.widget = widgets.VBox(
            [
                widgets.HTML(f"<h2 style='margin:0'>{title}</h2>"),
                widgets.HBox([self.start_all_button, self.stop_all_button]),
                self.problems,
                widgets.GridBox(
                    [card.widget for card in self.cards.values()],
                    layout=widgets.Layout(
                        grid_template_columns=f"repeat({max(1, columns)}, 1fr)", grid_gap="8px"
                    ),
                ),
                self.history,
            ]
        )
        self.widget.add_class("hardlab-slot-station")
        self.refresh_history()

    def __repr__(self) -> str:
        running = [n for n, card in self.cards.items() if card.running]
        return f"<SlotStation {self.plan.name} {self.slots} slots, running {running}>"

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget)  # type: ignore[no-untyped-call]

    # ------------------------------------------------------------------ control

    def start(self, slot: int, serial_number: str | None = None) -> SlotRuns:
        """Start slot `slot` alone, with the serial number on its card (or `serial_number`).

        Raises:
            ConfigError: If `slot` is not one of the stand's.
            RuntimeError: If that slot is running.
        """
        from hardlab.runner import start_slots

        card = self.cards.get(slot)
        if card is None:
            msg = f"slot {slot!r}: choose among the stand's slots 1..{self.slots}"
            raise ConfigError(msg)
        with self._lock:
            if card.running:
                msg = f"slot {slot} is running"
                raise RuntimeError(msg)
            serial = (card.serial.value if serial_number is None else serial_number).strip()
            choice: dict[str, Any]
            if self.answers is not None:
                choice = {"answers": self.answers}
            else:
                choice = {"operator": lambda n: self.cards[n].panel.operator}
            card.result = None
            card.serial_used = serial
            card.outcome.value = ""
            runs = start_slots(
                self.plan,
                slots=self.slots,
                numbers=[slot],
                start_args={SERIAL_ARG: serial} if serial else None,
                store=self.store,
                tests_name=self.tests_name,
                quiet=True,
                on_event=self._event,
                **choice,
            )
            card.runs = runs
            card.active = True
            card.mirror.on_stop = lambda: runs.stop(slot)
        self._controls()
        return runs

    def stop(self, slot: int) -> None:
        """Stop slot `slot`'s run cleanly (it ends ``stopped``); nothing if it is not running."""
        card = self.cards.get(slot)
        if card is not None and card.runs is not None:
            card.runs.stop(slot)
            card.stop.disabled = True

    def start_all(self) -> list[int]:
        """Start every slot that is not running; the slots started."""
        started = []
        for number, card in self.cards.items():
            if not card.running:
                self.start(number)
                started.append(number)
        return started

    def stop_all(self) -> None:
        """Stop every running slot."""
        for number in self.cards:
            self.stop(number)

    def wait(self, timeout: float | None = None) -> dict[int, RunResult]:
        """Wait until no slot runs; the last result of each slot that ran, by slot.

        Raises:
            TimeoutError: If `timeout` seconds passed first.
        """
        import time

        deadline = None if timeout is None else time.monotonic() + timeout
        for card in self.cards.values():
            if card.runs is None:
                continue
            left = None if deadline is None else max(0.0, deadline - time.monotonic())
            with contextlib.suppress(HardlabError):  # could not run the plan: its card says why
                card.runs.wait(left)
        return {n: card.result for n, card in self.cards.items() if card.result is not None}

    def close(self) -> None:
        """Stop every slot, close the widgets and the store."""
        self.stop_all()
        with self._history_lock:
            if self._store is not None:
                self._store.close()
                self._store = None
        for card in self.cards.values():
            card.panel.close()
        # the panels closed their own; these are the station's (with layouts and styles)
        stack: list[Any] = [self.widget]
        while stack:
            widget = stack.pop()
            if widget is None or not hasattr(widget, "close"):
                continue
            stack.extend(getattr(widget, "children", None) or ())
            stack.extend((getattr(widget, "layout", None), getattr(widget, "style", None)))
            widget.close()

    # ------------------------------------------------------------------ history

    def refresh_history(self) -> list[HistoryRow]:
        """Read the plan's last runs on this stand from the store and show them; returns them.

        Nothing without ``[frontend] test_history = true`` or a store. A
        store that cannot be read shows why, and the station goes on.
        """
        if self.store_url is None:
            return []
        rows: list[HistoryRow] = []
        error = ""
        with self._history_lock:
            try:
                if self._store is None:
                    from hardlab.storage import Store

                    self._store = Store(self.store_url)
                found = self._store.runs({"name": [self._run_name]}, limit=self.history_size)
                rows = [HistoryRow.from_row(row) for row in found.dicts()]
            except Exception as exc:  # noqa: BLE001 - the station goes on without its history
                error = f"{type(exc).__name__}: {exc}"
        title = html.escape(self.labels("station.history"))
        self.history.value = f"<h3 style='margin:8px 0 2px'>{title}</h3>" + history_html(
            rows, self.labels, error
        )
        return rows

    # ------------------------------------------------------------------ events

    def _start_clicked(self, slot: int) -> None:
        try:
            self.start(slot)
        except (HardlabError, RuntimeError) as exc:
            self._problem(str(exc))

    def _start_all_clicked(self) -> None:
        try:
            self.start_all()
        except (HardlabError, RuntimeError) as exc:
            self._problem(str(exc))

    def _problem(self, text: str) -> None:
        self.problems.value = f"<div style='color:#c62828'>{html.escape(text)}</div>"

    def _event(self, event: SlotEvent) -> None:
        card = self.cards.get(event.slot)
        if card is None:
            return
        card.mirror.handle(event)
        if event.op in ("result", "crashed", "failed"):
            card.active = False
        if event.op == "result":
            card.result = card.mirror.result
            self._outcome(card)
            self.refresh_history()
        elif event.op in ("crashed", "failed"):
            text = str(event.data.get("error") or event.op)
            failed = html.escape(self.labels("badge.failed"))
            card.outcome.value = (
                f"<b style='color:#c62828'>{failed}</b> <small>{html.escape(text)}</small>"
            )
        if event.op in ("started", "result", "crashed", "failed"):
            self._controls()

    def _outcome(self, card: _Card) -> None:
        result = card.result
        if result is None:
            return
        status = result.status.value
        color = _RESULT_COLOR.get(status, "#555")
        serial = result.report.dut.serial_number or card.serial_used
        badge = self.labels(f"badge.{status}")  # every status has its badge
        parts = [f"<b style='color:{color};font-size:130%'>{html.escape(badge)}</b>"]
        if serial:
            parts.append(html.escape(str(serial)))
        took = self.labels("slots.outcome", seconds=f"{result.duration:.1f}", run=result.run_id)
        parts.append(f"<small>{html.escape(took)}</small>")
        card.outcome.value = " ".join(parts)

    def _controls(self) -> None:
        """Enable each card's Start or Stop, and Start all / Stop all, as the slots stand."""
        any_running = False
        all_running = True
        for card in self.cards.values():
            running = card.running
            card.start.disabled = running
            card.serial.disabled = running
            card.stop.disabled = not running
            any_running = any_running or running
            all_running = all_running and running
        self.start_all_button.disabled = all_running
        self.stop_all_button.disabled = not any_running


def slot_count(plan: str | os.PathLike[str], slots: int | None) -> int | None:
    """The slots a station for `plan` shows: `slots`, else ``[frontend] slots``, else None."""
    from hardlab.runner import caller_cwd

    if slots is not None:
        return slots
    folder = (caller_cwd() / Path(plan).expanduser()).resolve()
    return load_config(folder).frontend.slots if folder.is_dir() else None
