"""The code stays typed (mypy strict on hardlab/ and what users infer from it) and ruff-clean."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
OVERLOADS = "tests/runner/typing_run_overloads.py"
BIN = Path(sys.executable).parent

pytestmark = pytest.mark.slow


def _tool(name: str) -> str:
    found = shutil.which(name, path=str(BIN)) or shutil.which(name)
    if found is None:
        pytest.fail(
            f"{name} is not installed; it comes with the test extra: pip install -e '.[test]'"
        )
    return found


def _run(*command: str) -> None:
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    assert done.returncode == 0, f"{' '.join(command)}:\n{done.stdout}\n{done.stderr}"


def test_ruff_check() -> None:
    _run(_tool("ruff"), "check", "hardlab", "tests", "benchmarks")


def test_ruff_format() -> None:
    _run(_tool("ruff"), "format", "--check", "hardlab", "tests", "benchmarks")


def test_mypy_strict() -> None:
    _run(_tool("mypy"))


def test_mypy_infers_what_run_and_start_give() -> None:
    # one board, or slots=N: what a user's type checker makes of the overloads
    # of hardlab.run and hardlab.start (the strict settings of pyproject.toml)
    _run(_tool("mypy"), OVERLOADS)
