"""Running plans: ``run()``, its result, operators and the pytest plugin.

pytest imports this package in every session (the plugin entry point lives
in it), so names are imported on first use and importing it costs nothing.
"""

from __future__ import annotations

import importlib as _importlib
from typing import TYPE_CHECKING
from typing import Any as _Any

if TYPE_CHECKING:
    from hardlab.runner._run import RunResult, run
    from hardlab.runner.operators import ScriptedOperator, TerminalOperator, to_answer

__all__ = ["RunResult", "ScriptedOperator", "TerminalOperator", "run", "to_answer"]

_WHERE = {
    "RunResult": "hardlab.runner._run",
    "run": "hardlab.runner._run",
    "ScriptedOperator": "hardlab.runner.operators",
    "TerminalOperator": "hardlab.runner.operators",
    "to_answer": "hardlab.runner.operators",
}


def __getattr__(name: str) -> _Any:
    module = _WHERE.get(name)
    if module is None:
        msg = f"module 'hardlab.runner' has no attribute {name!r}"
        raise AttributeError(msg)
    value = getattr(_importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
