"""``%%hardpy``: the tests a cell defines, collected by pytest as a module (ipytest's technique).

pytest collects files, and the cell's tests live in the notebook's
namespace. So, for one run, the namespace's module (``__main__``) is
registered in ``sys.modules`` under the name of an empty file written
beside the notebook, with its ``__file__`` pointing there: pytest "imports"
that file and gets the live namespace back, and a ``conftest.py`` beside
the notebook is found as for any test file there. The file exists only
while the run is set up and collected.

Before the cell's code runs, the tests earlier ``%%hardpy`` cells defined
(``test*`` functions and ``Test*`` classes of the notebook) and its
``pytestmark`` are removed, so a renamed or deleted test does not run
again. The cell's code runs with pytest's assertion rewriting, so a failed
``assert`` says what it compared.
"""

from __future__ import annotations

import ast
import inspect
import sys
import threading
from collections.abc import MutableMapping
from pathlib import Path
from types import ModuleType
from typing import Any

from hardlab.errors import PlanError

__all__ = [
    "CELL_MODULE",
    "DEFAULT_MODULE_NAME",
    "CellModule",
    "clean_tests",
    "define",
    "name_module",
]

CELL_MODULE = "hardlab_cells"
"""The module id of cell tests (the stem of the file written beside the notebook)."""

DEFAULT_MODULE_NAME = "Notebook cells"
"""The module's display name when the cell sets no ``module_name`` mark."""

_MISSING = object()
_BUSY = (
    "the tests of another %%hardpy cell are still running in this notebook; wait for them "
    "(`await _`, or `await handle`) or stop them (`_.stop()`) first"
)


def clean_tests(namespace: MutableMapping[str, Any]) -> list[str]:
    """Remove earlier cells' tests and ``pytestmark`` from the notebook's namespace.

    Only functions and classes named ``test*``/``Test*`` that were defined in
    the notebook go; imported ones, and variables such as ``test_limits = {...}``,
    stay.

    Returns:
        The names removed.
    """
    own = namespace.get("__name__", "__main__")
    removed = [
        name
        for name, value in list(namespace.items())
        if name.startswith(("test", "Test"))
        and (inspect.isfunction(value) or inspect.isclass(value))
        and getattr(value, "__module__", None) == own
    ]
    for name in removed:
        del namespace[name]
    if namespace.pop("pytestmark", _MISSING) is not _MISSING:
        removed.append("pytestmark")
    return removed


def define(shell: Any, body: str) -> None:
    """Run a cell's code in the notebook's namespace, asserts rewritten as pytest does.

    The code goes through IPython's transformers (magics, ``!`` commands)
    and the shell's AST transformers, and is registered under a cell file
    name so tracebacks show its lines.

    Raises:
        SyntaxError: If the cell's code is not valid Python.
        Exception: Whatever the cell's code raised.
    """
    from _pytest.assertion.rewrite import rewrite_asserts

    source = shell.transform_cell(body)
    filename = shell.compile.cache(source, shell.execution_count)
    tree = ast.parse(source, filename=filename)
    tree = shell.transform_ast(tree)
    rewrite_asserts(tree, source.encode("utf-8"))
    ast.fix_missing_locations(tree)
    exec(compile(tree, filename, "exec", dont_inherit=True), shell.user_ns)


def name_module(namespace: MutableMapping[str, Any], name: str) -> None:
    """Give the cell tests' module the display name `name`, unless the cell set one.

    Adds a ``module_name`` mark to ``pytestmark`` (made a list if needed).
    """
    import pytest

    marks = namespace.get("pytestmark")
    listed = [] if marks is None else list(marks) if isinstance(marks, (list, tuple)) else [marks]
    if any(getattr(mark, "name", None) == "module_name" for mark in listed):
        return
    namespace["pytestmark"] = [*listed, pytest.mark.module_name(name)]


def _dotted(path: Path) -> str:
    """The name pytest imports `path` under (its package, if its folder is one)."""
    names = [path.stem]
    folder = path.parent
    while (folder / "__init__.py").is_file():
        names.insert(0, folder.name)
        folder = folder.parent
    return ".".join(names)


class CellModule:
    """The notebook's module registered as a test file for one run.

    Args:
        module: The notebook's module (IPython's ``shell.user_module``).
        folder: Where the notebook is (the kernel's working directory).
        name: The module id, and the file's stem.

    Attributes:
        path: The file pytest is given.
    """

    _active: CellModule | None = None
    _active_lock = threading.Lock()

    def __init__(self, module: ModuleType, folder: Path, name: str = CELL_MODULE) -> None:
        self.module = module
        self.name = name
        self.path = folder.resolve() / f"{name}.py"
        self._names: list[str] = []
        self._file: object = _MISSING
        self._patched = False
        self._wrote = False

    def __repr__(self) -> str:
        return f"<CellModule {self.path}>"

    @classmethod
    def check_free(cls) -> None:
        """Refuse to start while another cell's tests are running in this process.

        Raises:
            PlanError: If they are (the namespace holds their tests).
        """
        with cls._active_lock:
            if cls._active is not None:
                raise PlanError(_BUSY)

    def register(self) -> Path:
        """Write the file and register the module under its names; returns the file.

        Raises:
            PlanError: If cell tests of this kernel are running already, or a
                file of that name that is not hardlab's is in the way.
        """
        with CellModule._active_lock:
            if CellModule._active is not None:
                raise PlanError(_BUSY)
            if self.path.exists() and self.path.read_bytes().strip():
                msg = (
                    f"{self.path} is in the way: %%hardpy writes an empty {self.path.name} "
                    "beside the notebook while its tests run; rename that file"
                )
                raise PlanError(msg)
            CellModule._active = self
        try:
            self.path.write_text("", encoding="utf-8")
            self._wrote = True
            self._file = self.module.__dict__.get("__file__", _MISSING)
            self._patched = True
            self.module.__file__ = str(self.path)
            self._names = list(dict.fromkeys([self.name, _dotted(self.path)]))
            for name in self._names:
                sys.modules[name] = self.module
        except BaseException:
            self.release()
            raise
        return self.path

    def release(self) -> None:
        """Undo `register`: the file, the module names and ``__file__`` (any thread, idempotent)."""
        for name in self._names:
            if sys.modules.get(name) is self.module:
                del sys.modules[name]
        self._names = []
        if self._patched:
            self._patched = False
            if self._file is _MISSING:
                self.module.__dict__.pop("__file__", None)
            else:
                self.module.__dict__["__file__"] = self._file
            self._file = _MISSING
        if self._wrote:
            self._wrote = False
            try:
                if not self.path.read_bytes().strip():
                    self.path.unlink()
            except OSError:
                pass  # already gone, or the folder went read-only: nothing to clean
        with CellModule._active_lock:
            if CellModule._active is self:
                CellModule._active = None
