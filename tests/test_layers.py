"""The architecture holds: the import contracts are kept, and the core stays light.

The contracts live in one place, ``[tool.importlinter]`` in pyproject.toml:
import-linter checks them (layers, independent siblings, private modules
private), and the layer table below is read from the same contract, so the
AST checks here and ``lint-imports`` cannot disagree. docs/architecture.md
describes the layers.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

import hardlab

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

PACKAGE = Path(hardlab.__file__).parent
ROOT = PACKAGE.parent
CONFIG = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]


def _contract(kind: str) -> dict[str, object]:
    found = [c for c in CONFIG["contracts"] if c["type"] == kind]
    assert len(found) == 1, f"pyproject.toml should hold one {kind} contract, found {len(found)}"
    return found[0]


def _layer_table() -> tuple[dict[str, int], list[set[str]]]:
    """Each top-level name's layer (0 = lowest), and the groups of independent siblings."""
    contract = _contract("layers")
    (container,) = contract["containers"]  # type: ignore[misc]
    layers: dict[str, int] = {}
    independent: list[set[str]] = []
    for level, line in enumerate(reversed(contract["layers"])):  # type: ignore[arg-type]
        names = {f"{container}.{n.strip()}" for n in re.split(r"[|:]", line)}
        for name in names:
            layers[name] = level
        if "|" in line:
            independent.append(names)
    return layers, independent


LAYERS, INDEPENDENT = _layer_table()
# The part every run and every `import hardlab` loads: no heavy dependency in it.
CORE = {"hardlab.model", "hardlab.api", "hardlab.runtime", "hardlab.config", "hardlab.events",
        "hardlab.operators", "hardlab.errors", "hardlab._util"}  # fmt: skip
HEAVY = {"pytest", "_pytest", "sqlalchemy", "alembic", "httpx", "authlib", "ipywidgets",
         "IPython", "pandas"}  # fmt: skip


def _component(module: str) -> str | None:
    for prefix in sorted(LAYERS, key=len, reverse=True):
        if module == prefix or module.startswith(prefix + "."):
            return prefix
    return None


def _modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        relative = path.relative_to(PACKAGE.parent).with_suffix("")
        if "_demo_plan" in relative.parts or "labextension" in relative.parts:
            continue
        found[".".join(relative.parts).removesuffix(".__init__")] = path
    return found


MODULES = _modules()


def _type_checking(node: ast.If) -> bool:
    return "TYPE_CHECKING" in ast.unparse(node.test)


def _imports(module: str, path: Path, *, runtime_only: bool = False) -> set[str]:
    """What `module` imports, at any depth (inside functions too).

    With `runtime_only`, imports under ``if TYPE_CHECKING:`` are left out, and
    ``from pkg import name`` counts ``pkg.name`` when that is a module.
    """
    names: set[str] = set()
    package = path.name == "__init__.py"

    def visit(node: ast.AST) -> None:
        if runtime_only and isinstance(node, ast.If) and _type_checking(node):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = module.split(".") if package else module.split(".")[:-1]
                base = ".".join(parts[: len(parts) - node.level + 1])
                source = f"{base}.{node.module}" if node.module else base
            else:
                source = node.module or ""
            names.add(source)
            if runtime_only:
                names.update(f"{source}.{alias.name}" for alias in node.names)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(ast.parse(path.read_text()))
    return names


def test_import_linter_contracts_are_kept() -> None:
    lint = Path(sys.executable).with_name("lint-imports")
    command = [str(lint)] if lint.exists() else [sys.executable, "-m", "importlinter.cli"]
    done = subprocess.run(
        [*command, "--no-cache"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-2000:]
    assert "BROKEN" not in done.stdout


@pytest.mark.parametrize(("module", "path"), sorted(MODULES.items()), ids=lambda v: str(v))
def test_imports_point_down(module: str, path: Path) -> None:
    if module == "hardlab":
        return  # the root re-exports every layer, lazily
    own = _component(module)
    assert own is not None, (
        f"{module} belongs to no layer; add it to the layers contract in pyproject.toml"
    )
    for imported in _imports(module, path):
        other = _component(imported)
        if other is None or other == own:
            continue
        assert LAYERS[other] <= LAYERS[own], f"{module} (layer {LAYERS[own]}) imports {imported}"
        for group in INDEPENDENT:
            if own in group:
                assert other not in group, f"{module} imports its independent sibling {imported}"
        if own in CORE:
            assert imported.split(".")[0] not in HEAVY, f"{module} imports {imported}"
    if own in CORE:
        heavy = {name.split(".")[0] for name in _imports(module, path)} & HEAVY
        assert not heavy, f"core module {module} imports {heavy}"


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in graph[node]:
            if other not in index:
                connect(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                other = stack.pop()
                on_stack.discard(other)
                component.append(other)
                if other == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            connect(node)
    return found


def test_no_import_circles_between_files() -> None:
    # Every import counts, the ones inside functions too (they run, later);
    # a module's own parent packages do not (importing a module imports them).
    graph = {
        module: {
            name
            for name in _imports(module, path, runtime_only=True)
            if name in MODULES and name != module and not module.startswith(name + ".")
        }
        for module, path in MODULES.items()
    }
    assert _cycles(graph) == []


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
