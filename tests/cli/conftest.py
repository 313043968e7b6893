"""Running the ``hardlab`` console script in a subprocess, with an isolated home."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

HARDLAB = Path(sys.executable).parent / ("hardlab.exe" if sys.platform == "win32" else "hardlab")
TIMEOUT = 120

Cli = Callable[..., "subprocess.CompletedProcess[str]"]


@pytest.fixture
def env(hardlab_home: Path) -> dict[str, str]:
    """The environment of a `hardlab` subprocess: isolated home, no pytest leftovers."""
    environ = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PYTEST_", "HARDPY_", "HARDLAB_"))
    }
    environ["HARDLAB_HOME"] = str(hardlab_home)
    environ["HARDLAB_SIM_SEED"] = "1"
    environ["NO_COLOR"] = "1"
    environ["PYTHONIOENCODING"] = "utf-8"
    environ["TZ"] = "UTC"
    return environ


@pytest.fixture
def cli(env: dict[str, str], tmp_path: Path) -> Cli:
    """``cli("run", "plan", ...)``: run the console script with stdin not a terminal."""

    def run(
        *args: str | Path, cwd: Path | None = None, **more_env: str
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(HARDLAB), *map(str, args)],
            capture_output=True,
            text=True,
            encoding="utf-8",
            stdin=subprocess.DEVNULL,
            cwd=cwd or tmp_path,
            env={**env, **more_env},
            timeout=TIMEOUT,
            check=False,
        )

    return run
