"""Binder's build, started with the session; the binder tests run last.

The build (a fresh venv, pip, the extension's webpack build in the wheel's)
takes a minute and a half and needs none of the other tests: it starts in the
background as soon as the session knows it will run a binder test, and the
binder tests are moved to the end of the session, so that it overlaps the
rest of the suite instead of adding to it. ``pytest tests/binder`` alone
waits for it in the first test, as before.

The build does what repo2docker does with binder/: a copy of the files a clone
has, ``pip install -r binder/requirements.txt``, then ``binder/postBuild``
with the venv first on PATH. Its output goes to ``build.log`` beside the venv;
a failed build fails the binder tests with that log's tail. The folder is
removed when the session ends.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
_HERE = Path(__file__).parent

# pip, then npm in the wheel's build: each may take this long on a cold cache
BUILD_TIMEOUT_S = 2 * 1800


def _is_binder(item: pytest.Item) -> bool:
    return _HERE in Path(str(item.path)).parents


def _clone_files() -> list[str]:
    """The files a clone of the working tree has: tracked, and new ones not ignored."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout
    return [name for name in listed.decode().split("\0") if name]


class BinderBuild:
    """The venv built from binder/ alone, in a background process."""

    def __init__(self) -> None:
        self.work: Path | None = None
        self.process: subprocess.Popen[bytes] | None = None
        self.skip_reason = ""
        self._env: dict[str, str] = {}

    @property
    def repo(self) -> Path:
        """The copy of the repository the build installed from."""
        assert self.work is not None
        return self.work / "repo"

    @property
    def log(self) -> Path:
        """The build's stdout and stderr."""
        assert self.work is not None
        return self.work / "build.log"

    def start(self) -> None:
        """Copy the clone's files and start the build; nothing if it has started."""
        if self.work is not None or self.skip_reason:
            return
        try:
            names = _clone_files()
        except (OSError, subprocess.CalledProcessError) as exc:
            self.skip_reason = f"needs a git checkout to know what a clone holds ({exc})"
            return
        self.work = Path(tempfile.mkdtemp(prefix="hardlab-binder-"))
        for name in names:
            source = ROOT / name
            if source.is_file():  # a tracked file deleted in the working tree is not there
                (self.repo / name).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, self.repo / name)
        self._env = self._venv_env(self.work)
        script = (
            '"$1" -m venv "$VIRTUAL_ENV"\n'
            "python -m pip install -r binder/requirements.txt\n"
            "binder/postBuild\n"
        )
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                ["bash", "-euxo", "pipefail", "-c", script, "build", sys.executable],
                cwd=self.repo,
                env=self._env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # stopped as a group, pip's and npm's children too
            )

    @staticmethod
    def _venv_env(work: Path) -> dict[str, str]:
        """The environment of a shell in the venv, with no trace of this machine's Jupyter."""
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("PYTHON", "VIRTUAL_ENV", "JUPYTER", "CONDA"))
        }
        venv = work / "venv"
        env.update(
            PATH=f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}",
            VIRTUAL_ENV=str(venv),
            # Only the venv's Jupyter: no kernels or settings of this machine's user.
            JUPYTER_DATA_DIR=str(work / "jupyter-data"),
            JUPYTER_CONFIG_DIR=str(work / "jupyter-config"),
            HARDLAB_HOME=str(work / "hardlab-home"),
        )
        pip_cache = subprocess.run(
            [sys.executable, "-m", "pip", "cache", "dir"],
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()
        if pip_cache:  # the test machine's cache: a second build downloads nothing
            env["PIP_CACHE_DIR"] = pip_cache
        return env

    def wait(self) -> tuple[Path, dict[str, str]]:
        """The repository copy and the venv's environment once the build succeeded."""
        self.start()
        if self.skip_reason:
            pytest.skip(self.skip_reason)
        assert self.process is not None
        postbuild = self.repo / "binder" / "postBuild"
        assert os.access(postbuild, os.X_OK), "repo2docker runs binder/postBuild as a program"
        try:
            code = self.process.wait(timeout=BUILD_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self.stop()
            code = None
        if code != 0:
            tail = self.log.read_text(encoding="utf-8", errors="replace")[-20000:]
            pytest.fail(f"binder's build failed (exit {code}):\n{tail}", pytrace=False)
        return self.repo, dict(self._env)

    def stop(self) -> None:
        """End the build if it still runs and remove its folder."""
        process, self.process = self.process, None
        if process is not None and process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        work, self.work = self.work, None
        if work is not None:
            shutil.rmtree(work, ignore_errors=True)


_BUILD = BinderBuild()


@pytest.hookimpl(trylast=True)  # after deselection and pytest's own reordering
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    ours = [item for item in items if _is_binder(item)]
    if ours:
        items[:] = [item for item in items if not _is_binder(item)] + ours


def pytest_collection_finish(session: pytest.Session) -> None:
    if not session.config.option.collectonly and any(_is_binder(i) for i in session.items):
        _BUILD.start()


def pytest_sessionfinish() -> None:
    _BUILD.stop()


@pytest.fixture(scope="session")
def binder() -> tuple[Path, dict[str, str]]:
    """A repository copy and the environment of a venv built from its binder/ alone."""
    return _BUILD.wait()
