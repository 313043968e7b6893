"""Fixtures of the magics' tests.

* ``kernel_python`` (from ``tests/_kernels.py``): one interpreter per ipykernel line.
* ``bench``: a kernel of that line (see ``tests/_magic_bench.py``), started once
  per line for the module's tests, which share its namespace.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from _kernels import KernelPython
from _kernels import kernel_python as kernel_python
from _magic_bench import Bench, start_bench


@pytest.fixture(scope="module")
def bench(kernel_python: KernelPython, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Bench]:
    """One kernel per ipykernel line for the module's tests (they share its namespace)."""
    folder = tmp_path_factory.mktemp(f"bench-{kernel_python.line}")
    bench = start_bench(folder, kernel_python)
    try:
        yield bench
    finally:
        bench.kernel.close()
