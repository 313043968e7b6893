"""``%%hardpy`` without a kernel: cleaning, defining, and pytest collecting a namespace."""

from __future__ import annotations

import sys
import textwrap
import threading
import types
from pathlib import Path
from typing import Any

import pytest

import hardlab
from hardlab.errors import PlanError
from hardlab.magics._cells import (
    CELL_MODULE,
    DEFAULT_MODULE_NAME,
    CellModule,
    clean_tests,
    define,
    name_module,
)
from hardlab.magics._magics import _CELL_ARGS


def notebook_module(name: str = "__main__") -> types.ModuleType:
    """A module standing in for the notebook's (IPython's ``user_module``)."""
    module = types.ModuleType(name)
    module.__dict__["__name__"] = name
    return module


class Shell:
    """The parts of IPython's shell `define` uses, built from IPython's own classes."""

    def __init__(self, module: types.ModuleType) -> None:
        from IPython.core.compilerop import CachingCompiler
        from IPython.core.inputtransformer2 import TransformerManager

        self.user_module = module
        self.user_ns = module.__dict__
        self.execution_count = 1
        self.compile = CachingCompiler()
        self.transform_cell = TransformerManager().transform_cell
        self.ast_seen: list[Any] = []

    def transform_ast(self, tree: Any) -> Any:
        self.ast_seen.append(tree)
        return tree


def test_clean_removes_the_notebooks_tests_and_pytestmark_only() -> None:
    module = notebook_module()
    ns = module.__dict__
    exec(
        "import pytest\nfrom os.path import join as test_join\n"
        "def test_a(): pass\n"
        "class TestB: pass\n"
        "def helper(): pass\n"
        "test_limits = {'3V3': 3.3}\n"
        "pytestmark = pytest.mark.module_name('x')\n",
        ns,
    )
    assert sorted(clean_tests(ns)) == ["TestB", "pytestmark", "test_a"]
    assert {"helper", "test_limits", "test_join"} <= set(ns)
    assert not {"test_a", "TestB", "pytestmark"} & set(ns)
    assert clean_tests(ns) == []


def test_define_runs_the_cell_with_asserts_rewritten() -> None:
    module = notebook_module()
    shell = Shell(module)
    # a pasted ">>>" session is cleaned up by IPython's transformers, as in any cell
    define(shell, ">>> x = 2\n>>> def test_cmp():\n...     assert x == 3\n")
    assert shell.ast_seen, "the shell's AST transformers ran"
    with pytest.raises(AssertionError) as caught:
        module.test_cmp()
    assert "assert 2 == 3" in str(caught.value)


def test_define_raises_what_the_cell_raises_with_its_lines() -> None:
    shell = Shell(notebook_module())
    with pytest.raises(SyntaxError):
        define(shell, "def test_(:\n")
    with pytest.raises(NameError) as caught:
        define(shell, "undefined_name\n")
    import traceback

    text = "".join(traceback.format_exception(caught.value))
    assert "undefined_name" in text  # the cell's line is in the traceback


def test_name_module_keeps_the_cells_own_name() -> None:
    ns: dict[str, Any] = {}
    name_module(ns, "Notebook")
    assert [mark.mark.args for mark in ns["pytestmark"]] == [("Notebook",)]
    ns = {"pytestmark": pytest.mark.skipif(False, reason="x")}
    name_module(ns, DEFAULT_MODULE_NAME)
    assert [mark.name for mark in ns["pytestmark"]] == ["skipif", "module_name"]
    ns = {"pytestmark": [pytest.mark.module_name("Mine")]}
    name_module(ns, DEFAULT_MODULE_NAME)
    assert [mark.mark.args for mark in ns["pytestmark"]] == [("Mine",)]


def test_register_and_release(tmp_path: Path) -> None:
    module = notebook_module()
    cell = CellModule(module, tmp_path)
    path = cell.register()
    try:
        assert path == tmp_path.resolve() / f"{CELL_MODULE}.py"
        assert path.read_text() == ""
        assert sys.modules[CELL_MODULE] is module
        assert module.__file__ == str(path)
        with pytest.raises(PlanError, match="still running"):
            CellModule.check_free()
        with pytest.raises(PlanError, match="still running"):
            CellModule(notebook_module(), tmp_path).register()
    finally:
        cell.release()
    assert not path.exists()
    assert CELL_MODULE not in sys.modules
    assert "__file__" not in module.__dict__
    CellModule.check_free()
    cell.release()  # twice is fine


def test_a_package_folder_registers_the_dotted_name_too(tmp_path: Path) -> None:
    package = tmp_path / "bench"
    package.mkdir()
    (package / "__init__.py").write_text("")
    module = notebook_module()
    module.__file__ = "kept.py"
    cell = CellModule(module, package)
    cell.register()
    try:
        assert sys.modules[f"bench.{CELL_MODULE}"] is module
    finally:
        cell.release()
    assert f"bench.{CELL_MODULE}" not in sys.modules
    assert module.__file__ == "kept.py"


def test_a_users_file_of_that_name_is_not_touched(tmp_path: Path) -> None:
    mine = tmp_path / f"{CELL_MODULE}.py"
    mine.write_text("VALUE = 1\n")
    with pytest.raises(PlanError, match="is in the way"):
        CellModule(notebook_module(), tmp_path).register()
    assert mine.read_text() == "VALUE = 1\n"
    CellModule.check_free()
    mine.write_text("")  # a leftover of a crashed kernel is reused
    cell = CellModule(notebook_module(), tmp_path)
    cell.register()
    cell.release()
    assert not mine.exists()


def test_pytest_runs_the_namespaces_tests_with_the_conftest_beside_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "conftest.py").write_text(
        textwrap.dedent(
            """
            import pytest

            @pytest.fixture
            def board():
                return {"3V3": 3.31}
            """
        )
    )
    # an ini file asking for importlib mode must not stop the namespace being found
    (tmp_path / "pytest.ini").write_text("[pytest]\naddopts = --import-mode=importlib\n")
    monkeypatch.chdir(tmp_path)
    module = notebook_module()
    shell = Shell(module)
    define(
        shell,
        "import hardlab\n"
        "def test_rail(board):\n"
        "    hardlab.set_case_measurement(hardlab.NumericMeasurement(name='3V3', value=board['3V3']))\n"
        "def test_cmp():\n"
        "    assert 1 + 1 == 3\n",
    )
    name_module(module.__dict__, "Bench checks")
    cell = CellModule(module, tmp_path)
    path = cell.register()
    try:
        result = hardlab.run([path], args=_CELL_ARGS, quiet=True, store=False, answers={})
    finally:
        cell.release()
    assert result.counts() == {"passed": 1, "failed": 1}
    module_report = result.report.modules[CELL_MODULE]
    assert module_report.name == "Bench checks"
    assert module_report.cases["test_rail"].measurements[0].value == 3.31
    assert module_report.cases["test_cmp"].assertion_msg.startswith("assert (1 + 1) == 3")
    assert not path.exists()
    assert not (tmp_path / ".pytest_cache").exists()
    assert threading.active_count() >= 1
