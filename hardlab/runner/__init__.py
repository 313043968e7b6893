"""Running plans: ``run()``, its result, operators and the pytest plugin.

Importing this package does not import pytest; ``run()`` does when called.
"""

from __future__ import annotations

from hardlab.runner._run import RunResult, run
from hardlab.runner.operators import ScriptedOperator, TerminalOperator, to_answer

__all__ = ["RunResult", "ScriptedOperator", "TerminalOperator", "run", "to_answer"]
