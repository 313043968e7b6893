"""A run while it goes: what it was asked to do (`RunSpec`) and its live state (`RunState`).

The engine makes one `RunState` per run and makes it current for the thread
running the plan; HardPy's setters find it through `current_run`. Listeners
never get the state itself: events carry its read-only view
(`RunState.view`, a `hardlab.events.RunView`).
"""

from __future__ import annotations

from hardlab.runtime._shared import LOCK_DIR_ENV, SHARED_KEY, SharedHold, lock_dir, shared
from hardlab.runtime._spec import Capture, CloudPolicy, RunSpec
from hardlab.runtime._state import (
    CURRENT_RUN,
    CaseRef,
    RunState,
    StateView,
    activate,
    current_run,
    deactivate,
    last_run,
    maybe_current_run,
    running,
)

__all__ = [
    "CURRENT_RUN",
    "LOCK_DIR_ENV",
    "SHARED_KEY",
    "Capture",
    "CaseRef",
    "CloudPolicy",
    "RunSpec",
    "RunState",
    "SharedHold",
    "StateView",
    "activate",
    "current_run",
    "deactivate",
    "last_run",
    "lock_dir",
    "maybe_current_run",
    "running",
    "shared",
]
