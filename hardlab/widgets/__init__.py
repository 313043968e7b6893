"""Notebook widgets: the live run panel and operator dialogs, in stock ipywidgets.

* `RunPanel` is a run listener that draws the run as it goes (header,
  progress, Stop button, modules with their cases and charts, the verdict).
* `WidgetOperator` answers `run_dialog_box` and blocking operator messages
  in widgets, blocking the plan's thread (never the kernel's) until the
  operator answers or the run stops.
* `Publisher` is the coalescing publisher behind the panel.
* `Station` (``hardlab.station(PATH)``) is the operator station: a kiosk
  panel that runs a plan run after run, honouring ``hardpy.toml [frontend]``;
  ``hardlab station PATH`` serves it with Voilà.

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

from hardlab._util import lazy_exports

if TYPE_CHECKING:
    from hardlab.widgets._dialogs import DialogView, MessageView, WidgetOperator
    from hardlab.widgets._panel import RunPanel
    from hardlab.widgets._publisher import Publisher
    from hardlab.widgets._sanitize import sanitize_html
    from hardlab.widgets._station import Station, station

__all__ = [
    "DialogView",
    "MessageView",
    "Publisher",
    "RunPanel",
    "Station",
    "WidgetOperator",
    "sanitize_html",
    "station",
]

_WHERE = {
    "DialogView": "hardlab.widgets._dialogs",
    "MessageView": "hardlab.widgets._dialogs",
    "Publisher": "hardlab.widgets._publisher",
    "RunPanel": "hardlab.widgets._panel",
    "WidgetOperator": "hardlab.widgets._dialogs",
    "sanitize_html": "hardlab.widgets._sanitize",
    "Station": "hardlab.widgets._station",
    "station": "hardlab.widgets._station",
}

_NOTEBOOK_PACKAGES = {"ipywidgets", "traitlets", "comm", "IPython"}


def _missing_extra(exc: ImportError) -> Exception | None:
    name = (exc.name or "").split(".")[0]
    if name in _NOTEBOOK_PACKAGES:
        from hardlab.errors import MissingExtraError

        return MissingExtraError("notebook", name)
    return None


__getattr__, __dir__ = lazy_exports(__name__, _WHERE, _missing_extra)
