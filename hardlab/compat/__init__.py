"""HardPy's module layout under hardlab: every importable HardPy path and name.

`HARDPY_MODULES` maps each module of HardPy 0.25.2 that plans and users
import (``hardpy.pytest_hardpy.utils.const``, ``hardpy.common.config``, ...)
to the hardlab objects that answer for its public names; the ``import
hardpy`` alias serves them. `HARDPY_VERSION` is the HardPy release hardlab
is compatible with (what ``hardpy.__version__`` reports under the alias).
"""

from __future__ import annotations

from hardlab.compat._modules import HARDPY_MODULES
from hardlab.compat._rules import config_file_args, panel_tests_name, run_name

__all__ = ["HARDPY_MODULES", "HARDPY_VERSION", "config_file_args", "panel_tests_name", "run_name"]

HARDPY_VERSION = "0.25.2"
"""The HardPy release whose behaviour, modules and names hardlab follows."""
