"""Running plans: ``run()``, ``start()`` in the background, results, operators, the plugin.

pytest imports this package in every session (the plugin entry point lives
in it), so names are imported on first use and importing it costs nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hardlab._util import lazy_exports

if TYPE_CHECKING:
    from hardlab.operators import ScriptedOperator, TerminalOperator, to_answer
    from hardlab.runner._background import RunHandle, set_awaiter, start
    from hardlab.runner._mirror import SlotMirror
    from hardlab.runner._result import RunResult
    from hardlab.runner._run import caller_cwd, run, start_slots
    from hardlab.runner._slots import SlotEvent, SlotRuns, slots_exit_code

__all__ = [
    "RunHandle",
    "RunResult",
    "ScriptedOperator",
    "SlotEvent",
    "SlotMirror",
    "SlotRuns",
    "TerminalOperator",
    "caller_cwd",
    "run",
    "set_awaiter",
    "slots_exit_code",
    "start",
    "start_slots",
    "to_answer",
]

_WHERE = {
    "RunHandle": "hardlab.runner._background",
    "set_awaiter": "hardlab.runner._background",
    "start": "hardlab.runner._background",
    "RunResult": "hardlab.runner._result",
    "run": "hardlab.runner._run",
    "caller_cwd": "hardlab.runner._run",
    "start_slots": "hardlab.runner._run",
    "SlotEvent": "hardlab.runner._slots",
    "SlotMirror": "hardlab.runner._mirror",
    "SlotRuns": "hardlab.runner._slots",
    "slots_exit_code": "hardlab.runner._slots",
    "ScriptedOperator": "hardlab.operators",
    "TerminalOperator": "hardlab.operators",
    "to_answer": "hardlab.operators",
}

__getattr__, __dir__ = lazy_exports(__name__, _WHERE)
