"""The run engine: the pytest hooks that apply HardPy's rules to a run.

It keeps the run's `RunState`, publishes its events, and feeds the run's
sinks, which it knows only through `hardlab.events.Sink`: the launch
(`hardlab.runner`) builds them and hands them in through a `Supplier`.
Nothing here imports storage, StandCloud, exchange formats or services.

pytest is imported with the plugin, so names are imported on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hardlab._util import lazy_exports

if TYPE_CHECKING:
    from hardlab.engine._interrupt import STOP_MESSAGE, StopRun
    from hardlab.engine._nodes import NodeInfo
    from hardlab.engine._plugin import Alias, HardlabPlugin, QuietTerminal
    from hardlab.engine._supply import REPORT, STORED_IN, Outlet, Supplier

__all__ = [
    "REPORT",
    "STOP_MESSAGE",
    "STORED_IN",
    "Alias",
    "HardlabPlugin",
    "NodeInfo",
    "Outlet",
    "QuietTerminal",
    "StopRun",
    "Supplier",
]

_WHERE = {
    "Alias": "hardlab.engine._plugin",
    "NodeInfo": "hardlab.engine._nodes",
    "STOP_MESSAGE": "hardlab.engine._interrupt",
    "StopRun": "hardlab.engine._interrupt",
    "HardlabPlugin": "hardlab.engine._plugin",
    "QuietTerminal": "hardlab.engine._plugin",
    "REPORT": "hardlab.engine._supply",
    "STORED_IN": "hardlab.engine._supply",
    "Outlet": "hardlab.engine._supply",
    "Supplier": "hardlab.engine._supply",
}

__getattr__, __dir__ = lazy_exports(__name__, _WHERE)
