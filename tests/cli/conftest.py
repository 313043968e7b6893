"""Running the ``hardlab`` console script in a subprocess, with an isolated home."""

from __future__ import annotations

import os
import subprocess
import sys
import time
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


def spawn_on_pty(
    args: list[str], env: dict[str, str], cwd: Path, *, interactive: bool = False
) -> tuple[subprocess.Popen[bytes], int]:
    """Start `hardlab` writing to a new pseudo-terminal (reading it too if `interactive`).

    Returns the process and the terminal's master end.
    """
    import pty  # noqa: F401 - POSIX only; fails clearly elsewhere

    master, slave = os.openpty()
    try:
        process = subprocess.Popen(
            [str(HARDLAB), *args],
            stdin=slave if interactive else subprocess.DEVNULL,
            stdout=slave,
            stderr=slave,
            cwd=cwd,
            env=env,
            close_fds=True,
            start_new_session=True,
        )
    finally:
        os.close(slave)
    return process, master


def pty_run(args: list[str], env: dict[str, str], cwd: Path) -> list[tuple[float, str]]:
    """Run `hardlab` on a real pseudo-terminal; what it wrote, chunk by chunk, with times.

    It must exit with 0 (the assertion shows what it wrote).
    """
    import select

    process, master = spawn_on_pty(args, env, cwd)
    chunks: list[tuple[float, bytes]] = []
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 1.0)
            if not ready:
                if process.poll() is not None:
                    break
                continue
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: the process closed the terminal
                break
            if not chunk:
                break
            chunks.append((time.monotonic(), chunk))
        assert process.wait(timeout=30) == 0, b"".join(c for _, c in chunks).decode()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)
        os.close(master)
    # decode as one text, then cut back at the chunks' ends (a character may straddle two)
    out: list[tuple[float, str]] = []
    data = b""
    for when, chunk in chunks:
        data += chunk
        try:
            out.append((when, data.decode("utf-8")))
        except UnicodeDecodeError:
            continue
        data = b""
    return out
