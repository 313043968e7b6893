"""Live panels for a stand's slots: one `RunPanel` per slot, in tabs or a grid.

Each slot runs in a process of its own (`hardlab.runner.start_slots`); its
messages reach this process as `SlotEvent` objects. `SlotPanels` hands each
slot's messages to that slot's `hardlab.runner.SlotMirror`, which rebuilds the
run for an unchanged `RunPanel`; each panel shows its slot's dialogs
(``operator=panels.operator``). The tab (or grid cell) of a slot is titled
with the slot and its run's state.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import ipywidgets as widgets

from hardlab.events import Event, RunFinished, RunStarted
from hardlab.widgets._i18n import ENGLISH, Labels
from hardlab.widgets._panel import RunPanel, close_widgets

if TYPE_CHECKING:
    from hardlab.runner import SlotEvent, SlotMirror, SlotRuns
    from hardlab.widgets._dialogs import WidgetOperator

__all__ = ["SlotPanels"]

_LAYOUTS = ("tabs", "grid")


class _Title:
    """A listener that keeps a slot's tab title up to date with its run."""

    def __init__(self, owner: SlotPanels, slot: int) -> None:
        self._owner = owner
        self._slot = slot

    def handle(self, event: Event) -> None:
        if isinstance(event, RunStarted):
            self._owner.set_title(self._slot, "…")
        elif isinstance(event, RunFinished):
            badge = self._owner.labels(f"badge.{event.status.value}")
            self._owner.set_title(self._slot, badge.lower())


class SlotPanels:
    """One live `RunPanel` per slot of a stand, fed by the slots' messages.

    ::

        panels = SlotPanels(4)
        display(panels)
        runs = hardlab.runner.start_slots(
            plan, slots=4, operator=panels.operator, on_event=panels.handle
        )
        panels.attach(runs)

    Args:
        slots: How many slots (1 or more); they are numbered 1..`slots`.
        layout: ``tabs`` (one tab per slot) or ``grid`` (side by side).
        columns: Panels per row of the grid.
        labels: The language of the panels' texts.
        **panel_options: Passed to each `RunPanel` (``charts=``, ``interval=``, ...).

    Attributes:
        panels: Each slot's `RunPanel`, by slot number.
        mirrors: Each slot's `hardlab.runner.SlotMirror`, by slot number.
        widget: The tabs or the grid; display it (or the object).

    Raises:
        ValueError: If `slots` is less than 1 or `layout` is unknown.
    """

    def __init__(
        self,
        slots: int,
        *,
        layout: str = "tabs",
        columns: int = 2,
        labels: Labels = ENGLISH,
        **panel_options: Any,
    ) -> None:
        from hardlab.runner import SlotMirror

        if isinstance(slots, bool) or slots < 1:
            msg = f"slots={slots!r}: give the number of slots, 1 or more"
            raise ValueError(msg)
        if layout not in _LAYOUTS:
            msg = f"layout={layout!r}: choose one of {', '.join(_LAYOUTS)}"
            raise ValueError(msg)
        self.slots = slots
        self.layout = layout
        self.labels = labels
        self.panels: dict[int, RunPanel] = {}
        self.mirrors: dict[int, SlotMirror] = {}
        self._states: dict[int, str] = {}
        for number in range(1, slots + 1):
            panel = RunPanel(labels=labels, **panel_options)
            self.panels[number] = panel
            self.mirrors[number] = SlotMirror(number, listeners=[panel, _Title(self, number)])
        children = [self.panels[number].widget for number in range(1, slots + 1)]
        self.widget: Any
        if layout == "tabs":
            self.widget = widgets.Tab(children=children, titles=self._titles())
        else:
            self._cells = [
                widgets.VBox([widgets.HTML(self._cell_title(number)), child])
                for number, child in zip(range(1, slots + 1), children, strict=True)
            ]
            self.widget = widgets.GridBox(
                self._cells,
                layout=widgets.Layout(grid_template_columns=f"repeat({max(1, columns)}, 1fr)"),
            )
        self.widget.add_class("hardlab-slots")

    def __repr__(self) -> str:
        return f"<SlotPanels {self.slots} slots ({self.layout})>"

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget)  # type: ignore[no-untyped-call]

    def _title(self, number: int) -> str:
        state = self._states.get(number)
        name = self.labels("slots.slot", n=number)
        return name + (f" · {state}" if state else "")

    def _titles(self) -> tuple[str, ...]:
        return tuple(self._title(number) for number in range(1, self.slots + 1))

    def _cell_title(self, number: int) -> str:
        import html

        return f"<b>{html.escape(self._title(number))}</b>"

    def set_title(self, slot: int, state: str) -> None:
        """Show `state` beside slot `slot`'s name (its tab's title, its grid cell's heading)."""
        self._states[slot] = state
        if self.layout == "tabs":
            self.widget.titles = self._titles()
        else:
            self._cells[slot - 1].children[0].value = self._cell_title(slot)

    @property
    def final(self) -> list[RunFinished] | None:
        """Each slot's `RunFinished` once every slot has ended, by slot; else None."""
        finals = [panel.final for panel in self.panels.values()]
        if any(final is None for final in finals):
            return None
        return [final for final in finals if final is not None]

    def titles(self) -> tuple[str, ...]:
        """Each slot's title as shown, by slot."""
        return self._titles()

    def handle(self, event: SlotEvent) -> None:
        """Give a slot's message to its panel (``on_event=panels.handle``)."""
        mirror = self.mirrors.get(event.slot)
        if mirror is not None:
            mirror.handle(event)

    def operator(self, slot: int) -> WidgetOperator | None:
        """Slot `slot`'s operator: its panel's dialogs (``operator=panels.operator``)."""
        panel = self.panels.get(slot)
        return panel.operator if panel is not None else None

    def attach(self, runs: SlotRuns, slots: Sequence[int] | None = None) -> None:
        """Make each panel's Stop button stop its slot of `runs` (or only `slots` of them)."""
        for number in self.panels if slots is None else slots:

            def stop(number: int = number) -> None:
                runs.stop(number)

            self.mirrors[number].on_stop = stop

    def snapshot_html(self) -> str:
        """Every slot's panel as static HTML, one after another."""
        parts = [
            f"<div><b>{self._title(number)}</b>{panel.snapshot_html()}</div>"
            for number, panel in self.panels.items()
        ]
        return "".join(parts)

    def close(self) -> None:
        """Close every panel and the tabs or grid."""
        for panel in self.panels.values():
            panel.close()
        close_widgets(self.widget, *getattr(self, "_cells", ()))
