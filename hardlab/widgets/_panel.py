"""The live run panel: a `RunListener` that draws a run in stock ipywidgets.

The panel shows a header (name, status, progress, time, DUT, stand, the
running case, the alert), a progress bar with a Stop button, the operator
message, a dialog area, one collapsible section per module with its case
rows and charts, and a final verdict banner.

Events never touch widgets: they mark what changed, and one publisher
thread (`Publisher`) updates the widgets at most ten times a second, under
``hold_sync``, plus a flush before each dialog and at the end of the run.
Case rows are grouped into blocks of `rows_per_block` cases, one HTML
widget per block, so a change to one case re-sends only its block, however
large the plan. A closed section is not redrawn: its blocks are drawn when
it opens (the panel opens a running or failing module itself, the operator
any other), so the end of a run sends the titles of the modules that
passed, not all their rows. Sections are created with their content (their widgets'
first state travels with their creation, not in updates after it), and
each publish reports its messages to the publisher, which keeps the panel
to `budget` messages a second.
"""

from __future__ import annotations

import html
import threading
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any

import ipywidgets as widgets

from hardlab.events import (
    AlertRaised,
    CaseFinished,
    CaseStarted,
    CaseUpdated,
    CollectionFailed,
    DialogClosed,
    DialogOpened,
    Event,
    ModuleFinished,
    OperatorMessageChanged,
    ReportUpdated,
    RunFinished,
    RunStarted,
    RunView,
)
from hardlab.model.enums import TestStatus
from hardlab.model.report import ResultRunStore
from hardlab.widgets import _presenters as present
from hardlab.widgets._dialogs import WidgetOperator
from hardlab.widgets._i18n import ENGLISH, Labels
from hardlab.widgets._publisher import Publisher

__all__ = ["RunPanel"]

_HEADER = "header"
_STRUCTURE = "structure"
_MESSAGE = "message"
_ERRORS = "errors"
_FINAL = "final"
_BAR_STYLE = {
    TestStatus.PASSED: "success",
    TestStatus.FAILED: "danger",
    TestStatus.ERROR: "danger",
    TestStatus.STOPPED: "",  # no stock style is its purple: `bar_color` sets it
}
_BAR_COLOR = {TestStatus.STOPPED: present.STATUS_COLOR[TestStatus.STOPPED]}


@dataclass
class _ModuleView:
    """The widgets of one module: an accordion around case blocks and charts."""

    module_id: str
    case_ids: list[str]
    case_index: dict[str, int]
    blocks: list[Any]
    charts: Any
    accordion: Any
    expanded: bool | None = None
    chart_widgets: dict[str, Any] = field(default_factory=dict)
    stale: set[int] = field(default_factory=set)
    """Blocks that changed while the section was closed: drawn when it opens."""


def close_widgets(*roots: Any) -> None:
    """Close widgets with their children, layouts and styles (`Widget.close` leaves those).

    Each stock widget has a layout and often a style model of its own: a
    closed panel that leaves them open keeps two models a widget in the kernel.
    """
    seen: set[int] = set()
    stack = list(roots)
    while stack:
        widget = stack.pop()
        if widget is None or id(widget) in seen or not hasattr(widget, "close"):
            continue
        seen.add(id(widget))
        stack.extend(getattr(widget, "children", None) or ())
        stack.extend((getattr(widget, "layout", None), getattr(widget, "style", None)))
        widget.close()


def _set(widget: Any, **traits: Any) -> int:
    """Set `traits` of `widget` in one message; returns the messages sent (0: nothing changed)."""
    changed = {name: value for name, value in traits.items() if getattr(widget, name) != value}
    if not changed:
        return 0
    with widget.hold_sync():
        for name, value in changed.items():
            setattr(widget, name, value)
    return 1


class RunPanel:
    """A live view of a run in a notebook, built from stock ipywidgets.

    Pass it to a run as a listener and display it::

        panel = RunPanel(on_stop=handle.stop)
        display(panel)
        hardlab.run(plan, listeners=[panel], operator=panel.operator)

    Args:
        on_stop: What the Stop button calls (e.g. ``RunHandle.stop``); by
            default the button asks the panel's run to stop (which ends
            waiting dialogs and starts no further case).
        interval: Least seconds between two widget updates (0.1: ten a second).
        budget: Widget messages a second the panel keeps to on average
            (each update may touch several widgets: header, progress, the
            running case's rows, its module's title); a busy run then
            updates less often. None: only `interval` limits.
        rows_per_block: Cases per HTML widget in a module's section.
        charts: Draw case charts (with matplotlib) when their case finishes.
        chart_format: ``png`` or ``svg``.
        measurement_display: Show each case's measurements (``hardpy.toml``
            ``[frontend] measurement_display``).
        labels: The language of every text (`set_labels` changes it later).

    Attributes:
        widget: The panel's `VBox`; display it (or the panel).
        dialog_area: Where a `WidgetOperator` shows dialogs.
        publisher: The coalescing publisher (for tests: ``publisher.count``).
        final: The `RunFinished` event, once the run ended.
    """

    def __init__(
        self,
        *,
        on_stop: Callable[[], None] | None = None,
        interval: float = 0.1,
        budget: float | None = 20.0,
        rows_per_block: int = 100,
        charts: bool = True,
        chart_format: str = "png",
        measurement_display: bool = True,
        labels: Labels = ENGLISH,
    ) -> None:
        if rows_per_block < 1:
            msg = f"rows_per_block must be at least 1, not {rows_per_block}"
            raise ValueError(msg)
        self.on_stop = on_stop
        self.rows_per_block = rows_per_block
        self.charts = charts
        self.chart_format = chart_format
        self.measurement_display = measurement_display
        self.labels = labels
        self.final: RunFinished | None = None
        self._run: RunView | None = None
        self._lock = threading.Lock()
        self._durations: dict[tuple[str, str], float | None] = {}
        self._pending_charts: dict[tuple[str, str], tuple[Any, str]] = {}
        self._message: Any = None
        self._errors: list[tuple[str, str]] = []
        self._modules: dict[str, _ModuleView] = {}
        self._operator: WidgetOperator | None = None
        self._reset = False
        self._stopping = False
        self._drawing_thread: int | None = None  # the thread inside _publish
        self.publisher = Publisher(self._publish, interval=interval, budget=budget)

        self.header = widgets.HTML(self._idle_header())
        self.progress = widgets.IntProgress(
            value=0,
            min=0,
            max=100,
            description="0%",
            bar_style="info",
            layout=widgets.Layout(width="100%", flex="1 1 auto"),
        )
        self.stop_button = widgets.Button(
            description=labels("button.stop"),
            icon="stop",
            button_style="danger",
            disabled=True,
            tooltip=labels("button.stop_tip"),
        )
        self.stop_button.on_click(self._on_stop_clicked)
        self.errors = widgets.HTML("")
        self.message = widgets.HTML("")
        self.dialog_area = widgets.VBox([])
        self.modules = widgets.VBox([])
        self.banner = widgets.HTML("")
        self.widget = widgets.VBox(
            [
                self.header,
                widgets.HBox([self.progress, self.stop_button]),
                self.errors,
                self.message,
                self.dialog_area,
                self.modules,
                self.banner,
            ]
        )
        self.widget.add_class("hardlab-panel")

    def __repr__(self) -> str:
        run = f" run={self._run.run_id}" if self._run is not None else ""
        return f"<RunPanel{run} modules={len(self._modules)} {self.publisher!r}>"

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget)  # type: ignore[no-untyped-call]

    @property
    def operator(self) -> WidgetOperator:
        """A `WidgetOperator` showing dialogs in this panel (the same one every time)."""
        if self._operator is None:
            self._operator = WidgetOperator(
                self.dialog_area, before_show=self.flush, labels=self.labels
            )
        return self._operator

    def _idle_header(self) -> str:
        return present.header_html(
            present.HeaderState(
                name="hardlab",
                status=TestStatus.READY,
                badge=present.badge_text(TestStatus.READY, self.labels),
                color=present.STATUS_COLOR[TestStatus.READY],
                progress=0,
            ),
            self.labels,
        )

    def set_labels(self, labels: Labels) -> None:
        """Show every text in `labels`' language from now on; what is drawn is redrawn.

        Dialogs shown after the change use it too (a dialog already open keeps its texts).
        """
        with self._lock:
            self.labels = labels
            run = self._run
            views = list(self._modules.values())
        if self._operator is not None:
            self._operator.labels = labels
        text = labels("button.stopping") if self._stopping else labels("button.stop")
        _set(self.stop_button, description=text, tooltip=labels("button.stop_tip"))
        if run is None:
            _set(self.header, value=self._idle_header())
            return
        keys: list[Hashable] = [_HEADER, _FINAL, _ERRORS]
        for view in views:
            keys.append(("module", view.module_id))
            keys.extend(("block", view.module_id, n) for n in range(len(view.blocks)))
        self.publisher.mark(*keys)
        if not self.publisher.running:
            self.flush()

    @property
    def run(self) -> RunView | None:
        """The run the panel shows (the last one it got an event of)."""
        return self._run

    # ------------------------------------------------------------------ control

    def _on_stop_clicked(self, _button: Any) -> None:
        # May run on any thread: only ask for the stop and grey the button.
        if self.on_stop is not None:
            self.on_stop()
        elif self._run is not None:
            self._run.request_stop()
        self._stopping = True
        _set(self.stop_button, disabled=True, description=self.labels("button.stopping"))

    def _on_section_toggled(self, view: _ModuleView, selected: int | None) -> None:
        # The operator opened a section (any thread; the kernel's for a click):
        # draw the blocks it missed while closed. A section the publish opens
        # itself gets them in that same publish.
        if selected is None or threading.get_ident() == self._drawing_thread:
            return
        # Every block, not only those noted stale: a block whose last change
        # crossed a fold on its way (the kernel and the browser each move a
        # section) would otherwise stay old. Unchanged blocks send nothing.
        with self._lock:
            keys = [("block", view.module_id, n) for n in range(len(view.blocks))]
        self.publisher.mark(*keys)
        if not self.publisher.running:
            self.flush()

    def flush(self) -> None:
        """Bring the widgets up to date now (the publisher's trailing flush)."""
        self.publisher.flush()

    def snapshot_html(self) -> str:
        """The panel as it shows now, as static HTML: what is left of it once it is closed.

        A notebook that runs many plans keeps a static picture of older panels
        instead of their live widgets (each panel holds dozens of widget models
        in the kernel until it is closed).
        """
        import html

        self.flush()
        parts = [self.header.value, self.errors.value, self.message.value]
        with self._lock:
            views = list(self._modules.values())
        for view in views:
            titles = tuple(getattr(view.accordion, "titles", ()) or ())
            title = titles[0] if titles and titles[0] else view.module_id
            body = "".join(str(getattr(block, "value", "")) for block in view.blocks)
            parts.append(f"<details><summary>{html.escape(str(title))}</summary>{body}</details>")
        parts.append(self.banner.value)
        return '<div class="hardlab-panel-snapshot">' + "".join(parts) + "</div>"

    def close(self) -> None:
        """Stop the publisher thread and close the panel's widgets."""
        self.publisher.stop(flush=False)
        if self._operator is not None and self._operator.current is not None:
            self._operator.current.close()
        self._clear_modules()
        close_widgets(
            self.header,
            self.progress,
            self.stop_button,
            self.errors,
            self.message,
            self.dialog_area,
            self.modules,
            self.banner,
            self.widget,
        )

    # ------------------------------------------------------------------ events

    def handle(self, event: Event) -> None:
        """Note what `event` changed; the publisher draws it (a `RunListener`)."""
        mark = self.publisher.mark
        if event.run is not self._run:
            self._adopt(event.run)
        if isinstance(event, (CaseStarted, CaseUpdated)):
            block = self._block_key(event.module_id, event.case_id)
            mark(_HEADER, ("module", event.module_id), block)
        elif isinstance(event, CaseFinished):
            record = event.attempt
            key = (record.module_id, record.case_id)
            with self._lock:
                duration = record.duration_ms
                self._durations[key] = duration / 1000 if duration is not None else None
                if self.charts and record.final and record.case.chart is not None:
                    self._pending_charts[key] = (record.case.chart, record.case.name)
            mark(_HEADER, ("module", record.module_id), self._block_key(*key))
            if key in self._pending_charts:
                mark(("chart", *key))
        elif isinstance(event, ModuleFinished):
            mark(("module", event.module_id))
        elif isinstance(event, (ReportUpdated, AlertRaised, DialogClosed)):
            mark(_HEADER)
        elif isinstance(event, DialogOpened):
            mark(_HEADER)
            self.flush()  # the operator sees the run as it is while answering
        elif isinstance(event, OperatorMessageChanged):
            with self._lock:
                self._message = event.message
            mark(_MESSAGE)
        elif isinstance(event, CollectionFailed):
            with self._lock:
                self._errors.append((event.nodeid, event.text))
            mark(_ERRORS)
        elif isinstance(event, RunStarted):
            mark(_STRUCTURE, _HEADER)
            self.publisher.set_idle_keys({_HEADER})  # the clock ticks while nothing happens
            self.publisher.start()
        elif isinstance(event, RunFinished):
            self._finish(event)

    def _adopt(self, run: RunView) -> None:
        """Start showing `run` (a panel can show several runs, one after another)."""
        with self._lock:
            self._reset = self._run is not None
            self._run = run
            self._stopping = False
            self.final = None
            self._durations.clear()
            self._pending_charts.clear()
            self._errors.clear()
            self._message = None
        self.publisher.mark(_STRUCTURE, _HEADER, _MESSAGE, _ERRORS, _FINAL)

    def _finish(self, event: RunFinished) -> None:
        with self._lock:
            self.final = event
        self.publisher.set_idle_keys(())
        # The stop rule may change unfinished cases without a case event:
        # redraw every module once.
        keys: list[Hashable] = [_HEADER, _FINAL, _MESSAGE]
        for view in list(self._modules.values()):
            keys.append(("module", view.module_id))
            keys.extend(("block", view.module_id, n) for n in range(len(view.blocks)))
        keys.append(_STRUCTURE)
        self.publisher.mark(*keys)
        self.publisher.stop(flush=True)

    def _block_key(self, module_id: str, case_id: str) -> Hashable:
        view = self._modules.get(module_id)
        if view is None:
            return _STRUCTURE  # drawn with the structure
        index = view.case_index.get(case_id)
        if index is None:
            return _STRUCTURE
        return ("block", module_id, index // self.rows_per_block)

    # ------------------------------------------------------------------ drawing

    def _publish(self, keys: frozenset[Hashable]) -> int:
        """Update the widgets for `keys`; returns the widget messages that sent.

        Runs in the publisher, one call at a time.
        """
        run = self._run
        labels = self.labels
        with self._lock:
            reset, self._reset = self._reset, False
            final = self.final
            message = self._message
            errors = list(self._errors)
            durations = dict(self._durations)
            charts = {
                key: self._pending_charts.pop(key)
                for key in list(self._pending_charts)
                if ("chart", *key) in keys
            }
        sent = 0
        if reset:
            sent += self._clear_modules()
        if run is not None and _STRUCTURE in keys:
            more, built = self._build_structure(run, durations, labels)
            keys = keys | more
            sent += built
        header: present.HeaderState | None = None
        titles: dict[str, tuple[str, bool]] = {}
        moving_on = False  # a section opens in this publish: the run left the others
        blocks: dict[tuple[str, int], str] = {}
        if run is not None:
            # Everything read from the live document is read while the run
            # holds still and turned into strings there; widgets are set after.
            def read(document: ResultRunStore) -> None:
                nonlocal header, moving_on
                if _HEADER in keys or _FINAL in keys:
                    header = present.run_header(run, labels=labels)
                wanted: set[tuple[str, int]] = set()
                for key in keys:
                    if not isinstance(key, tuple):
                        continue
                    if key[0] == "module" and key[1] in document.modules:
                        state = present.module_state(key[1], document.modules[key[1]])
                        titles[key[1]] = (present.module_title(state, labels), state.expanded)
                        view = self._modules.get(key[1])
                        if view is not None and state.expanded and not view.expanded:
                            with self._lock:  # this publish opens it: draw what it missed
                                wanted.update((key[1], n) for n in view.stale)
                    elif key[0] == "block" and key[1] in self._modules:
                        wanted.add((key[1], key[2]))
                moving_on = any(
                    unfolds and not self._modules[module_id].expanded
                    for module_id, (_, unfolds) in titles.items()
                    if module_id in self._modules
                )
                left = [m for m, v in self._modules.items() if v.expanded and m not in titles]
                for module_id in left if moving_on else ():  # do the sections it left fold?
                    state = present.module_state(module_id, document.modules[module_id])
                    titles[module_id] = (present.module_title(state, labels), state.expanded)
                for module_id, index in wanted:
                    view = self._modules[module_id]
                    blocks[(module_id, index)] = self._rows_html(
                        document.modules[module_id],
                        module_id,
                        self._chunk(view.case_ids, index),
                        durations,
                        labels,
                    )

            run.read(read)
        self._drawing_thread = threading.get_ident()
        try:
            if header is not None:
                sent += self._draw_header(header, labels)
            for module_id, (title, unfolds) in titles.items():
                view = self._modules[module_id]
                # A section that passed folds when the run moves on to the next
                # one, not at its own end: the run's end folds nothing, and
                # what the operator was watching (rows, measurements, charts)
                # stays open.
                stays = bool(view.expanded) and (not moving_on or final is not None)
                expanded = unfolds or stays
                if expanded != view.expanded:
                    view.expanded = expanded
                    selected = 0 if expanded else None
                    sent += _set(view.accordion, titles=(title,), selected_index=selected)
                else:
                    sent += _set(view.accordion, titles=(title,))
            for (module_id, index), text in blocks.items():
                view = self._modules[module_id]
                if index >= len(view.blocks):
                    continue
                with self._lock:
                    closed = view.accordion.selected_index is None
                    if closed:
                        view.stale.add(index)
                    else:
                        view.stale.discard(index)
                if not closed:
                    sent += _set(view.blocks[index], value=text)
        finally:
            self._drawing_thread = None
        for (module_id, case_id), (chart, name) in charts.items():
            sent += self._draw_chart(module_id, case_id, chart, name, labels)
        if _MESSAGE in keys:
            shown = message is not None and not message.block  # the operator shows blocking ones
            sent += _set(self.message, value=present.message_html(message) if shown else "")
        if _ERRORS in keys:
            sent += _set(self.errors, value=self._errors_html(errors, labels))
        if _FINAL in keys or _HEADER in keys:
            sent += self._draw_controls(final, labels)
        if final is not None and _FINAL in keys:
            sent += self._reconcile_folds()
        return sent

    def _reconcile_folds(self) -> int:
        """Send each closed section's fold state once more, at the run's end.

        A section closed here whose opening in the browser crossed the
        kernel's fold (the browser's echo arrives after it) would stay open
        there, showing rows this side no longer draws; closed, the operator
        opens it and gets them.
        """
        sent = 0
        for view in list(self._modules.values()):
            if view.accordion.selected_index is None:
                view.accordion.send_state("selected_index")
                sent += 1
        return sent

    def _chunk(self, case_ids: list[str], index: int) -> list[str]:
        """The case ids of block `index`."""
        start = index * self.rows_per_block
        return case_ids[start : start + self.rows_per_block]

    def _build_structure(
        self, run: RunView, durations: dict[tuple[str, str], float | None], labels: Labels
    ) -> tuple[set[Hashable], int]:
        """Create sections for modules not shown yet, drawn as they are now.

        Returns:
            The keys still to draw (of modules that gained cases) and the
            widget messages sent.
        """
        added: list[tuple[str, list[str], tuple[str, bool, list[str]] | None]] = []

        def read(document: ResultRunStore) -> None:
            for module_id, module in document.modules.items():
                case_ids = list(module.cases)
                view = self._modules.get(module_id)
                if view is not None and view.case_ids == case_ids:
                    continue
                drawn = None
                if view is None:
                    state = present.module_state(module_id, module)
                    count = max(1, -(-len(case_ids) // self.rows_per_block))
                    texts = [
                        self._rows_html(
                            module, module_id, self._chunk(case_ids, n), durations, labels
                        )
                        for n in range(count)
                    ]
                    drawn = (present.module_title(state, labels), state.expanded, texts)
                added.append((module_id, case_ids, drawn))

        run.read(read)
        keys: set[Hashable] = set()
        new: list[Any] = []
        sent = 0
        for module_id, case_ids, drawn in added:
            view = self._modules.get(module_id)
            index = {case_id: n for n, case_id in enumerate(case_ids)}
            if view is None and drawn is not None:
                # Created with their content: the first state goes with comm_open.
                title, expanded, texts = drawn
                blocks = [widgets.HTML(text) for text in texts]
                charts = widgets.VBox([])
                accordion = widgets.Accordion(
                    children=[widgets.VBox([*blocks, charts])],
                    titles=(title,),
                    selected_index=0 if expanded else None,
                )
                view = _ModuleView(
                    module_id, case_ids, index, blocks, charts, accordion, expanded=expanded
                )
                accordion.observe(
                    lambda change, view=view: self._on_section_toggled(view, change["new"]),
                    names="selected_index",
                )
                self._modules[module_id] = view
                new.append(accordion)
            elif view is not None:  # cases were added to a shown module
                count = max(1, -(-len(case_ids) // self.rows_per_block))
                view.case_ids = case_ids
                view.case_index = index
                while len(view.blocks) < count:
                    view.blocks.append(widgets.HTML(""))
                view.accordion.children[0].children = (*view.blocks, view.charts)
                sent += 1
                keys.add(("module", module_id))
                keys.update(("block", module_id, n) for n in range(len(view.blocks)))
        if new:
            self.modules.children = (*self.modules.children, *new)
            sent += 1
        return keys, sent

    def _clear_modules(self) -> int:
        old = list(self._modules.values())
        self._modules = {}
        sent = 0
        if self.modules.children:
            self.modules.children = ()
            sent += 1
        sent += _set(self.banner, value="")
        for view in old:
            close_widgets(*view.blocks, *view.chart_widgets.values(), view.charts, view.accordion)
        return sent

    def _rows_html(
        self,
        module: Any,
        module_id: str,
        case_ids: list[str],
        durations: dict[tuple[str, str], float | None],
        labels: Labels,
    ) -> str:
        """The rows of `case_ids` of `module` (read under the run's lock)."""
        shown = [case_id for case_id in case_ids if case_id in module.cases]
        return present.case_rows_html(
            [module.cases[case_id] for case_id in shown],
            [durations.get((module_id, case_id)) for case_id in shown],
            measurements=self.measurement_display,
            labels=labels,
        )

    def _draw_header(self, state: present.HeaderState, labels: Labels) -> int:
        sent = _set(self.header, value=present.header_html(state, labels))
        sent += _set(self.progress.style, bar_color=_BAR_COLOR.get(state.status))
        return sent + _set(
            self.progress,
            value=state.progress,
            description=f"{state.progress}%",
            bar_style=_BAR_STYLE.get(state.status, "info"),
        )

    def _draw_controls(self, final: RunFinished | None, labels: Labels) -> int:
        if final is None:
            running = self._run is not None and not self._run.stopping
            if running and not self._stopping:
                sent = _set(self.stop_button.layout, display=None)
                return sent + _set(self.stop_button, disabled=False)
            return 0
        self._stopping = False
        # An ended run has nothing to stop: the button goes, not just greys out.
        sent = _set(self.stop_button.layout, display="none")
        sent += _set(self.stop_button, disabled=True, description=labels("button.stop"))
        run = final.run
        seconds = None
        if run.started_ns is not None and run.finished_ns is not None:
            seconds = (run.finished_ns - run.started_ns) / 1e9
        state = present.banner_state(final.report, seconds, labels, final.plan_error)
        return sent + _set(self.banner, value=present.banner_html(state))

    def _draw_chart(
        self, module_id: str, case_id: str, chart: Any, name: str, labels: Labels
    ) -> int:
        view = self._modules.get(module_id)
        if view is None:
            return 0
        text = present.chart_html(chart, caption=name, fmt=self.chart_format, labels=labels)
        existing = view.chart_widgets.get(case_id)
        if existing is not None:
            return _set(existing, value=text)
        chart_widget = widgets.HTML(text)
        view.chart_widgets[case_id] = chart_widget
        view.charts.children = (*view.charts.children, chart_widget)
        return 1

    @staticmethod
    def _errors_html(errors: list[tuple[str, str]], labels: Labels) -> str:
        if not errors:
            return ""
        parts = []
        for nodeid, text in errors:
            lines = text.splitlines()[-15:]
            what = labels("panel.cannot_collect", what=nodeid or labels("panel.the_plan"))
            parts.append(
                f"<div><b>{html.escape(what)}</b>"
                f'<pre style="white-space:pre-wrap;font-size:90%">'
                f"{html.escape(chr(10).join(lines))}</pre></div>"
            )
        return f'<div style="color:#c62828">{"".join(parts)}</div>'
