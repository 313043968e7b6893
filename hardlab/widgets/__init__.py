"""Notebook widgets: the live run panel and operator dialogs, in stock ipywidgets.

* `RunPanel` is a run listener that draws the run as it goes (header,
  progress, Stop button, modules with their cases and charts, the verdict).
* `WidgetOperator` answers `run_dialog_box` and blocking operator messages
  in widgets, blocking the plan's thread (never the kernel's) until the
  operator answers or the run stops.
* `Publisher` is the coalescing publisher behind the panel.
* `Station` (``hardlab.station(PATH)``) is the operator station: a kiosk
  panel that runs a plan run after run, honouring ``hardpy.toml [frontend]``;
  ``hardlab station PATH`` serves it with Voilà. It lives in the shell
  package `hardlab.operator_station` (a controller and a view); the names
  here load it on first use, as they always did. Its HTML renderers
  (`status_bar_html`, `history_html`, `modal_html`, ...) are here, beside the
  panel's presenters, with the texts (`Labels`) and sounds
  (`completion_sound`) it uses.

Importing this package imports no ipywidgets; the names load on first use
and need the ``notebook`` extra (``pip install "hardlab[notebook]"``).
The display logic lives in `hardlab.widgets._presenters` as pure functions.

Example:
    ```python
    from hardlab.widgets import RunPanel

    panel = RunPanel()
    display(panel)
    hardlab.run("plan/", listeners=[panel], operator=panel.operator)  # in a worker thread
    ```
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hardlab._util import lazy_exports, notebook_extra_missing

if TYPE_CHECKING:
    from hardlab.widgets._dialogs import DialogView, MessageView, WidgetOperator
    from hardlab.widgets._i18n import Labels
    from hardlab.widgets._panel import RunPanel
    from hardlab.widgets._publisher import Publisher
    from hardlab.widgets._sanitize import sanitize_html
    from hardlab.widgets._slots import SlotPanels
    from hardlab.widgets._sound import completion_sound
    from hardlab.widgets._station_html import (
        HistoryRow,
        StatusBar,
        format_when,
        heading_html,
        history_html,
        language_options,
        modal_html,
        plan_html,
        problems_html,
        station_css,
        status_bar_html,
    )

__all__ = [
    "DialogView",
    "HistoryRow",
    "Labels",
    "MessageView",
    "Publisher",
    "RunPanel",
    "SlotPanels",
    "Station",
    "StatusBar",
    "WidgetOperator",
    "completion_sound",
    "format_when",
    "heading_html",
    "history_html",
    "language_options",
    "modal_html",
    "plan_html",
    "problems_html",
    "sanitize_html",
    "station",
    "station_css",
    "status_bar_html",
]

_WHERE = {
    "DialogView": "hardlab.widgets._dialogs",
    "MessageView": "hardlab.widgets._dialogs",
    "Publisher": "hardlab.widgets._publisher",
    "RunPanel": "hardlab.widgets._panel",
    "SlotPanels": "hardlab.widgets._slots",
    "WidgetOperator": "hardlab.widgets._dialogs",
    "sanitize_html": "hardlab.widgets._sanitize",
    "Labels": "hardlab.widgets._i18n",
    "completion_sound": "hardlab.widgets._sound",
    "HistoryRow": "hardlab.widgets._station_html",
    "StatusBar": "hardlab.widgets._station_html",
    "format_when": "hardlab.widgets._station_html",
    "heading_html": "hardlab.widgets._station_html",
    "history_html": "hardlab.widgets._station_html",
    "language_options": "hardlab.widgets._station_html",
    "modal_html": "hardlab.widgets._station_html",
    "plan_html": "hardlab.widgets._station_html",
    "problems_html": "hardlab.widgets._station_html",
    "station_css": "hardlab.widgets._station_html",
    "status_bar_html": "hardlab.widgets._station_html",
    # The station is a shell above this package; these names keep their old
    # import path and load it on first use (no import of it here).
    "Station": "hardlab.operator_station",
    "station": "hardlab.operator_station",
}

__getattr__, __dir__ = lazy_exports(__name__, _WHERE, notebook_extra_missing)
