"""What a type checker infers from `hardlab.run` and `hardlab.start` (checked by tests/test_quality.py).

Not a test module: mypy reads it. One board gives one result or handle;
``slots=N`` gives one per slot; a misspelt keyword is an error.
"""

from __future__ import annotations

from typing import assert_type

import hardlab
from hardlab.runner import RunHandle, RunResult, SlotRuns


def one_board() -> None:
    assert_type(hardlab.run("plan", quiet=True, store=False), RunResult)
    assert_type(hardlab.start("plan", select="power"), RunHandle)


def several_slots() -> None:
    assert_type(hardlab.run("plan", slots=2, quiet=True), list[RunResult])
    assert_type(hardlab.start("plan", slots=4, store="sqlite:///runs.db"), SlotRuns)


def misspelt() -> None:
    hardlab.run("plan", quite=True)  # type: ignore[call-overload]
