"""Real Jupyter kernels for every supported ipykernel line.

Fixtures:

* ``kernel_python`` (session, parametrised ``ipykernel-6.29`` / ``ipykernel-7.3`` /
  ``ipykernel-<the test venv's line>``): a verified :class:`_kernels.KernelPython`.
  Older lines are venvs built once from PyPI and cached (see ``tests/_kernels.py``).
  A failed build fails the test, or skips it when ``HARDLAB_TEST_OFFLINE=1``.
* ``start_kernel``: a factory ``start_kernel(python=None, *, cwd=None, env=None)``
  returning started :class:`_kernel_client.KernelSession` objects, all closed at
  teardown even when the test fails. ``python`` defaults to the parametrised
  kernel when the test uses ``kernel_python``, else to this interpreter; ``cwd``
  defaults to ``tmp_path``.
* ``kernel``: ``start_kernel()`` once: a kernel of the parametrised line in ``tmp_path``.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

import pytest
from _kernel_client import KernelSession
from _kernels import kernel_python as kernel_python

StartKernel = Callable[..., KernelSession]


@pytest.fixture
def start_kernel(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[StartKernel]:
    """Start kernels for this test; every one is shut down at teardown."""
    sessions: list[KernelSession] = []
    default = (
        request.getfixturevalue("kernel_python").python
        if "kernel_python" in request.fixturenames
        else Path(sys.executable)
    )

    def start(
        python: str | os.PathLike[str] | None = None,
        *,
        cwd: str | os.PathLike[str] | None = None,
        env: Mapping[str, str] | None = None,
        startup_timeout: float = 60.0,
    ) -> KernelSession:
        session = KernelSession(
            python if python is not None else default,
            cwd=cwd if cwd is not None else tmp_path,
            env=env,
            startup_timeout=startup_timeout,
            log_path=tmp_path / f"kernel-{len(sessions)}.log",
        )
        sessions.append(session)
        return session.start()

    yield start
    for session in reversed(sessions):
        session.close()


@pytest.fixture
def kernel(start_kernel: StartKernel) -> KernelSession:
    """A running kernel (the parametrised line if the test asks for ``kernel_python``)."""
    return start_kernel()
