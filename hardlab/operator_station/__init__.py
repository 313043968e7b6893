"""The operator station (``hardlab.station``): a controller and a thin ipywidgets view.

Bring-up engineers write a plan in JupyterLab; on the line an operator runs
it from a kiosk: a Voilà page (``hardlab station PATH``) that shows the
station. It is HardPy's operator panel made of stock ipywidgets, and it
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

Nothing waits in the kernel: Start starts the run in a background thread
(`hardlab.start`) and returns, so the station works in Voilà, which cannot
show a cell that is still running. Each run ends in a done callback that
shows the result, plays the sound and reads the history; the next run
starts from the same widgets, with no cell executed again.

Two parts: `StationController` holds the state machine (`StationState`),
the start-argument checks, the collection tree, the history and the
timers, in plain Python (no ipywidgets); `Station` is the ipywidgets view
of one, drawn with the renderers beside the run panel's presenters
(`hardlab.widgets`). The package is not called ``station`` because
``hardlab.station`` is the public function that makes a `Station`: a
subpackage of that name would replace it once imported.

Importing this package imports no ipywidgets; `Station` and `station` load
it on first use (the ``notebook`` extra).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hardlab._util import lazy_exports, notebook_extra_missing

if TYPE_CHECKING:
    from hardlab.operator_station._controller import (
        Clock,
        StationController,
        ThreadClock,
        Timer,
    )
    from hardlab.operator_station._events import StationEvent, StationState
    from hardlab.operator_station._slots import SlotStation
    from hardlab.operator_station._view import Station, station

__all__ = [
    "Clock",
    "SlotStation",
    "Station",
    "StationController",
    "StationEvent",
    "StationState",
    "ThreadClock",
    "Timer",
    "station",
]

_WHERE = {
    "Clock": "hardlab.operator_station._controller",
    "StationController": "hardlab.operator_station._controller",
    "ThreadClock": "hardlab.operator_station._controller",
    "Timer": "hardlab.operator_station._controller",
    "StationEvent": "hardlab.operator_station._events",
    "StationState": "hardlab.operator_station._events",
    "SlotStation": "hardlab.operator_station._slots",
    "Station": "hardlab.operator_station._view",
    "station": "hardlab.operator_station._view",
}

__getattr__, __dir__ = lazy_exports(__name__, _WHERE, notebook_extra_missing)
