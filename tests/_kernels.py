"""Kernel interpreters for the supported ipykernel lines, built on demand and cached.

The newest line is the test venv's own ipykernel: its python is ``sys.executable``.
Each older line gets a small venv holding only that ipykernel (plus whatever pip
finds missing or incompatible for it) and a ``.pth`` file that appends the test
venv's site-packages after its own. Everything else -- hardlab (editable),
ipywidgets, jupyter-ui-poll, pytest, pydantic, ... -- is the test venv's, so
the kernels run the same code under test.

Venvs live in ``$HARDLAB_TEST_CACHE/kernels`` (default
``~/.cache/hardlab-tests/kernels``), one folder per line and key. The key hashes
the pinned requirement, the test interpreter and the name and version of every
distribution the test venv holds, so a changed venv gets a fresh kernel venv
instead of a stale one. A ``ready.json`` written last marks a finished build;
an exclusive lock serialises sessions that build at the same time.

Building needs PyPI (wheels only). Without it :class:`KernelBuildError` says so
with pip's output; the ``kernel_python`` fixture fails on it, or skips when
``HARDLAB_TEST_OFFLINE=1``.

The fixture is defined here and re-exported by the conftest of each test folder
that uses it (``from _kernels import kernel_python as kernel_python``).
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import sys
import sysconfig
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import pytest

#: Bump when the layout of a built venv changes, so old caches are not reused.
BUILD_FORMAT = 1

#: Set to ``1`` where PyPI is unreachable: kernels that need a build then skip.
OFFLINE_ENV = "HARDLAB_TEST_OFFLINE"

#: Cache root override (the default is ``~/.cache/hardlab-tests``).
CACHE_ENV = "HARDLAB_TEST_CACHE"

# Older lines under test, pinned to the release verified in jupyter-notes.md §2.
# The newest line is whatever the test venv has (the `test` extra asks for it).
PINNED: dict[str, str] = {
    "6.29": "ipykernel==6.29.5",
    "7.3": "ipykernel==7.3.0",
}

# Unused cache entries older than this are removed when a line is rebuilt.
_STALE_AFTER_S = 7 * 24 * 3600
_PIP_TIMEOUT_S = 600
_PROBE = (
    "import json, sys, ipykernel, IPython, comm, ipywidgets, jupyter_client, hardlab\n"
    "print(json.dumps({'ipykernel': ipykernel.__version__, 'ipykernel_file': ipykernel.__file__,"
    " 'ipython': IPython.__version__, 'comm': comm.__version__,"
    " 'ipywidgets': ipywidgets.__version__, 'jupyter_client': jupyter_client.__version__,"
    " 'hardlab_file': hardlab.__file__, 'python': sys.version}))"
)


class KernelBuildError(RuntimeError):
    """A kernel venv could not be built or does not import what the tests need."""


@dataclass(frozen=True)
class KernelPython:
    """One kernel interpreter under test.

    Attributes:
        line: The ipykernel line, e.g. ``"6.29"``.
        python: The interpreter to start the kernel with.
        ipykernel: The exact ipykernel version that interpreter imports.
        versions: What the probe reported (ipykernel, ipython, comm, ipywidgets, ...).
    """

    line: str
    python: Path
    ipykernel: str
    versions: dict[str, str]

    @property
    def id(self) -> str:
        """The test id, ``ipykernel-<line>``."""
        return f"ipykernel-{self.line}"

    @property
    def version(self) -> tuple[int, ...]:
        """The ipykernel version as a tuple of its numeric parts."""
        return _numeric(self.ipykernel)

    @property
    def awaits_comms(self) -> bool:
        """Whether a top-level ``await`` cell still receives comm messages (ipykernel >= 7.4).

        Older kernels need jupyter-ui-poll's async ``ui_events()`` instead
        (jupyter-notes.md §2.2).
        """
        return self.version >= (7, 4)


def wait_code(kernel: KernelPython, future: str = "answer", timeout: float = 60) -> str:
    """Cell code that awaits `future` while the kernel keeps handling widget messages.

    The strategy that works on the kernel's line (jupyter-notes.md §2.2): a
    top-level ``await`` on ipykernel >= 7.4, jupyter-ui-poll's async
    ``ui_events()`` before. The code expects ``asyncio`` imported and `future`
    created on the kernel's running loop; it gives up after `timeout` seconds
    (leaving `future` pending) so a broken kernel cannot hang the suite.
    """
    if kernel.awaits_comms:
        return (
            "try:\n"
            f"    await asyncio.wait_for(asyncio.shield({future}), {timeout})\n"
            "except asyncio.TimeoutError:\n"
            "    pass\n"
        )
    return (
        "from jupyter_ui_poll import ui_events\n"
        f"_deadline = asyncio.get_running_loop().time() + {timeout}\n"
        "async with ui_events() as _poll:\n"
        f"    while not {future}.done() and asyncio.get_running_loop().time() < _deadline:\n"
        "        await _poll(10)\n"
        "        await asyncio.sleep(0.02)\n"
    )


def _numeric(version: str) -> tuple[int, ...]:
    parts = []
    for piece in version.split("."):
        digits = "".join(ch for ch in piece if ch.isdigit())
        if not digits:
            break
        parts.append(int(digits))
        if digits != piece:
            break
    return tuple(parts)


def newest_line() -> str:
    """The ipykernel line of the test venv itself, e.g. ``"7.4"``."""
    major, minor = _numeric(metadata.version("ipykernel"))[:2]
    return f"{major}.{minor}"


def lines() -> list[str]:
    """Every line under test, oldest first: the pinned ones and the test venv's."""
    newest = newest_line()
    return sorted({*PINNED, newest}, key=_numeric)


def cache_root() -> Path:
    """Where built kernel venvs are kept."""
    override = os.environ.get(CACHE_ENV)
    if override:
        return Path(override).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "hardlab-tests"


def offline() -> bool:
    """Whether the run declared PyPI unreachable (``HARDLAB_TEST_OFFLINE=1``)."""
    return os.environ.get(OFFLINE_ENV, "").strip().lower() in {"1", "true", "yes"}


def get_kernel_python(line: str) -> KernelPython:
    """The interpreter for one ipykernel line, building its venv if needed.

    Args:
        line: ``"6.29"``, ``"7.3"``, or the test venv's own line (see :func:`lines`).

    Returns:
        The verified interpreter.

    Raises:
        KernelBuildError: The venv could not be built (no PyPI, no wheel, ...) or
            its interpreter does not import ipykernel at the pinned version and hardlab.
    """
    if line == newest_line():
        return _verified(line, Path(sys.executable), expected=metadata.version("ipykernel"))
    try:
        requirement = PINNED[line]
    except KeyError:
        raise KernelBuildError(
            f"no ipykernel line {line!r}; known lines are {', '.join(lines())}"
        ) from None
    return _cached_venv(line, requirement)


# ----------------------------------------------------------------------------- building


def _main_site_dirs() -> list[str]:
    paths = sysconfig.get_paths()
    return list(dict.fromkeys([paths["purelib"], paths["platlib"]]))


def _key(requirement: str) -> str:
    # Any change to the test venv (an upgrade, a new package) changes the key.
    installed = sorted(
        f"{dist.metadata['Name']}=={dist.version}"
        for dist in metadata.distributions(path=_main_site_dirs())
        if dist.metadata["Name"]
    )
    identity = {
        "format": BUILD_FORMAT,
        "requirement": requirement,
        "python": os.path.realpath(sys.executable),
        "version": sys.version,
        "site": _main_site_dirs(),
        "installed": installed,
    }
    blob = json.dumps(identity, sort_keys=True).encode()
    return hashlib.sha256(blob).hexdigest()[:16]


@contextmanager
def _locked(folder: Path) -> Iterator[None]:
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / ".lock").open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _venv_python(venv: Path) -> Path:
    return venv / "bin" / "python"


def _cached_venv(line: str, requirement: str) -> KernelPython:
    root = cache_root() / "kernels"
    venv = root / f"{line}-{_key(requirement)}"
    ready = venv / "ready.json"
    with _locked(root):
        if ready.is_file():
            try:
                found = _verified(
                    line, _venv_python(venv), expected=requirement.split("==")[1], inside=venv
                )
            except KernelBuildError:
                # A cache someone broke (deleted files, moved the base python): rebuild.
                pass
            else:
                ready.touch()
                return found
        if offline():
            raise KernelBuildError(
                f"ipykernel {line} needs a venv built from PyPI and {OFFLINE_ENV} is set; "
                f"nothing is cached at {venv}"
            )
        _prune(root, line, keep=venv)
        shutil.rmtree(venv, ignore_errors=True)
        _build(venv, requirement)
        found = _verified(
            line, _venv_python(venv), expected=requirement.split("==")[1], inside=venv
        )
        ready.write_text(json.dumps(found.versions, indent=2), encoding="utf-8")
        return found


def _prune(root: Path, line: str, keep: Path) -> None:
    now = time.time()
    for old in root.glob(f"{line}-*"):
        marker = old / "ready.json"
        stamp = marker.stat().st_mtime if marker.exists() else old.stat().st_mtime
        if old != keep and now - stamp > _STALE_AFTER_S:
            shutil.rmtree(old, ignore_errors=True)


def _run(command: list[str], what: str) -> None:
    try:
        done = subprocess.run(
            command,
            capture_output=True,
            text=True,
            timeout=_PIP_TIMEOUT_S,
            check=False,
            env={**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1", "PIP_NO_INPUT": "1"},
        )
    except subprocess.TimeoutExpired as exc:
        raise KernelBuildError(f"{what}: timed out after {exc.timeout:.0f} s") from exc
    if done.returncode != 0:
        raise KernelBuildError(
            f"{what} failed (exit {done.returncode}): {' '.join(command)}\n"
            f"{done.stdout[-4000:]}\n{done.stderr[-4000:]}\n"
            f"PyPI must be reachable to build kernel venvs; set {OFFLINE_ENV}=1 to skip "
            "the kernels that need one."
        )


def _build(venv: Path, requirement: str) -> None:
    # No pip of its own: the test venv's pip installs into it (`pip --python`).
    _run([sys.executable, "-m", "venv", "--without-pip", str(venv)], f"creating {venv}")
    python = _venv_python(venv)
    own_site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    # addsitedir (not a bare path line) so the test venv's own .pth files -- the
    # editable hardlab among them -- are processed too. It appends, so the
    # kernel venv's ipykernel shadows the test venv's.
    pth = "".join(f"import site; site.addsitedir({path!r})\n" for path in _main_site_dirs())
    (Path(own_site) / "zz_hardlab_tests_main_venv.pth").write_text(pth, encoding="utf-8")
    # pip sees the test venv's distributions through the .pth and installs only
    # what is missing or incompatible (it never touches the test venv: those
    # are "outside environment").
    _run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(python),
            "install",
            "--only-binary=:all:",
            "--progress-bar=off",
            requirement,
        ],
        f"installing {requirement} into {venv}",
    )


def _verified(
    line: str, python: Path, *, expected: str, inside: Path | None = None
) -> KernelPython:
    try:
        done = subprocess.run(
            [str(python), "-c", _PROBE],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
            env={key: value for key, value in os.environ.items() if key != "PYTHONPATH"},
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise KernelBuildError(f"{python} cannot run: {exc}") from exc
    if done.returncode != 0:
        raise KernelBuildError(
            f"{python} cannot import ipykernel and hardlab:\n{done.stderr[-3000:]}"
        )
    versions: dict[str, str] = json.loads(done.stdout.strip().splitlines()[-1])
    if versions["ipykernel"] != expected:
        raise KernelBuildError(
            f"{python} imports ipykernel {versions['ipykernel']} from "
            f"{versions['ipykernel_file']}, expected {expected}"
        )
    if inside is not None and not (
        Path(versions["ipykernel_file"]).resolve().is_relative_to(inside.resolve())
    ):
        raise KernelBuildError(
            f"{python} imports ipykernel from {versions['ipykernel_file']}, not from its own venv"
        )
    return KernelPython(
        line=line, python=python, ipykernel=versions["ipykernel"], versions=versions
    )


@pytest.fixture(scope="session", params=lines(), ids=lambda line: f"ipykernel-{line}")
def kernel_python(request: pytest.FixtureRequest) -> KernelPython:
    """The interpreter of one ipykernel line (``ipykernel-6.29``, ``-7.3``, ``-7.4``).

    Older lines are built once from PyPI and cached. A failed build fails the
    test, or skips it when ``HARDLAB_TEST_OFFLINE=1``.
    """
    try:
        return get_kernel_python(request.param)
    except KernelBuildError as exc:
        problem = f"ipykernel {request.param}: {exc}"
    # Outside the except block, so the report is not chained to the build error twice.
    if offline():
        pytest.skip(problem)
    pytest.fail(problem, pytrace=False)
