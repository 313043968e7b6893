"""The architecture holds: imports point down the layers, and the core stays light."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import hardlab

PACKAGE = Path(hardlab.__file__).parent

# The target map's layers (issue 12); a module may import its own layer or lower ones.
# hardlab.widgets shares the shells' layer while it imports hardlab.magics.
LAYERS = {
    "hardlab.errors": 0,
    "hardlab._util": 0,
    "hardlab._version": 0,
    "hardlab._when": 0,
    "hardlab._svg": 1,  # case charts as inline SVG: panels and reports draw with it
    "hardlab.model": 1,
    "hardlab.config": 1,
    "hardlab._format": 1,
    "hardlab.sim": 1,
    "hardlab.api": 2,
    "hardlab._context": 2,
    "hardlab.events": 2,
    "hardlab.operators": 2,
    "hardlab.exchange": 6,
    "hardlab.storage": 6,
    "hardlab.cloud": 6,
    "hardlab.views": 6,
    "hardlab.testing": 6,
    "hardlab.services": 7,
    "hardlab.reports": 7,  # the unit report: renders a run, reads stored ones
    "hardlab.runner": 8,
    "hardlab.cli": 10,
    "hardlab.magics": 10,
    "hardlab.widgets": 10,
    "hardlab.labext": 10,
    "hardlab.operator_station": 11,  # the station's shell: above the widgets it shows
}
SIBLINGS_L3 = {"hardlab.exchange", "hardlab.storage", "hardlab.cloud", "hardlab.views"}
CORE = {"hardlab.model", "hardlab.api", "hardlab._context", "hardlab.config", "hardlab.events",
        "hardlab.operators", "hardlab.errors", "hardlab._util"}  # fmt: skip
HEAVY = {"pytest", "_pytest", "sqlalchemy", "alembic", "httpx", "authlib", "ipywidgets",
         "IPython", "pandas"}  # fmt: skip


def _component(module: str) -> str | None:
    for prefix in sorted(LAYERS, key=len, reverse=True):
        if module == prefix or module.startswith(prefix + "."):
            return prefix
    return None


def _modules() -> list[tuple[str, Path]]:
    found = []
    for path in PACKAGE.rglob("*.py"):
        relative = path.relative_to(PACKAGE.parent).with_suffix("")
        if "_demo_plan" in relative.parts:
            continue
        name = ".".join(relative.parts).removesuffix(".__init__")
        found.append((name, path))
    return found


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


@pytest.mark.parametrize(("module", "path"), _modules(), ids=lambda v: str(v))
def test_imports_point_down(module: str, path: Path) -> None:
    if module == "hardlab":
        return  # the root re-exports every layer, lazily
    own = _component(module)
    assert own is not None, f"{module} belongs to no layer; add it to LAYERS"
    for imported in _imports(path):
        other = _component(imported)
        if other is None or other == own:
            continue
        assert LAYERS[other] <= LAYERS[own], f"{module} (L{LAYERS[own]}) imports {imported}"
        if own in SIBLINGS_L3:
            assert other not in SIBLINGS_L3, f"{module} imports its sibling {imported}"
        if own in CORE:
            top = imported.split(".")[0]
            assert top not in HEAVY, f"{module} imports {imported}"
    if own in CORE:
        heavy = {name.split(".")[0] for name in _imports(path)} & HEAVY
        assert not heavy, f"core module {module} imports {heavy}"


def _loaded_after(statement: str) -> set[str]:
    code = f"import sys; {statement}; print(' '.join(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return {name.split(".")[0] for name in out.stdout.split()}


def test_import_hardlab_is_light() -> None:
    loaded = _loaded_after("import hardlab")
    assert not loaded & {"sqlalchemy", "httpx", "ipywidgets", "IPython", "pandas", "authlib"}
    assert "pydantic" not in loaded and "pytest" not in loaded


def test_the_pytest_entry_point_is_light() -> None:
    # pytest imports it in every session of every project where hardlab is installed
    loaded = _loaded_after("import hardlab.runner.plugin")
    assert "pydantic" not in loaded


def test_the_api_needs_no_pytest() -> None:
    loaded = _loaded_after("import hardlab.api, hardlab.model, hardlab.config")
    assert "pytest" not in loaded and "_pytest" not in loaded
