"""``import hardpy`` inside a plan run by hardlab resolves to hardlab.

HardPy plans say ``import hardpy`` or ``from hardpy import ...``. While
hardlab runs a plan, an import hook serves a module called ``hardpy`` (and
every sub-module of HardPy a plan or a user imports, see `hardlab.compat`)
whose names are hardlab's. By default the hook is installed only when the real HardPy is not
installed; ``hardpy_alias=True`` (``--hardlab-hardpy-alias=always``)
installs it anyway and hides a real HardPy for the duration of the run.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import sys
import threading
import types
from collections.abc import Sequence
from typing import Any

from hardlab.compat import HARDPY_MODULES as _COMPAT_MODULES
from hardlab.compat import HARDPY_VERSION

__all__ = ["HARDPY_MODULES", "AliasHandle", "hardpy_installed", "install", "install_alias"]

# every HardPy module path and its names (hardlab.compat keeps the table)
HARDPY_MODULES = _COMPAT_MODULES


def _resolve(target: str) -> Any:
    module_name, _, attr = target.partition(":")
    return getattr(importlib.import_module(module_name), attr)


def _names(module: str) -> dict[str, str]:
    if module == "hardpy":
        import hardlab

        return {name: f"hardlab:{name}" for name in hardlab.__all__ if name != "__version__"}
    return HARDPY_MODULES[module]


class _AliasModule(types.ModuleType):
    """A ``hardpy`` module whose names are looked up in hardlab on first use."""

    def __init__(self, name: str, names: dict[str, str]) -> None:
        super().__init__(name, f"hardlab's stand-in for {name}")
        self.__hardlab_names__ = names
        self.__all__ = sorted(names)
        if name == "hardpy":
            # the HardPy release hardlab follows: tools that check HardPy's version
            self.__version__ = HARDPY_VERSION

    def __getattr__(self, attr: str) -> Any:
        names = self.__dict__.get("__hardlab_names__", {})
        if attr in names:
            value = _resolve(names[attr])
            setattr(self, attr, value)
            return value
        msg = (
            f"module {self.__name__!r} has no attribute {attr!r}: this is hardlab's stand-in "
            f"for HardPy, and hardlab does not provide {attr!r}"
        )
        raise AttributeError(msg)

    def __dir__(self) -> list[str]:
        return sorted(set(super().__dir__()) | set(self.__all__))


class _Finder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None,
        target: types.ModuleType | None = None,
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname not in HARDPY_MODULES:
            return None
        is_package = any(other.startswith(fullname + ".") for other in HARDPY_MODULES)
        return importlib.machinery.ModuleSpec(fullname, self, is_package=is_package)

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType:
        module = _AliasModule(spec.name, _names(spec.name))
        if spec.submodule_search_locations is not None:
            module.__path__ = []
        return module

    def exec_module(self, module: types.ModuleType) -> None:
        return None


def hardpy_installed() -> bool:
    """Whether the real HardPy can be imported (the alias hook left out).

    Asks every finder but the alias's, without changing ``sys.meta_path``
    and without taking the alias found in ``sys.modules`` for HardPy: a run
    in another thread may be importing ``hardpy`` through the alias meanwhile.
    """
    module = sys.modules.get("hardpy")
    if module is not None and not isinstance(module, _AliasModule):
        return True
    for finder in list(sys.meta_path):
        find = getattr(finder, "find_spec", None)
        if isinstance(finder, _Finder) or find is None:
            continue
        try:
            if find("hardpy", None) is not None:
                return True
        except (ImportError, ValueError):
            continue
    return False


_LOCK = threading.Lock()
_USERS = [0]
_SAVED: dict[str, types.ModuleType] = {}


class AliasHandle:
    """Undoes one `install`; the hook stays while another run still uses it."""

    def __init__(self, active: bool) -> None:
        self.active = active
        self._done = False

    def remove(self) -> None:
        """Uninstall the alias (once the last run using it has ended)."""
        if not self.active or self._done:
            return
        self._done = True
        with _LOCK:
            _USERS[0] -= 1
            if _USERS[0] > 0:
                return
            sys.meta_path[:] = [f for f in sys.meta_path if not isinstance(f, _Finder)]
            for name in list(sys.modules):
                is_hardpy = name == "hardpy" or name.startswith("hardpy.")
                if is_hardpy and isinstance(sys.modules[name], _AliasModule):
                    del sys.modules[name]
            sys.modules.update(_SAVED)
            _SAVED.clear()


def install(force: bool | None = None) -> AliasHandle:
    """Serve ``import hardpy`` from hardlab until the handle is removed.

    Args:
        force: True installs even when HardPy is installed (hiding it for the
            run); False never installs; None installs only when HardPy is absent.
    """
    if force is False or (force is None and hardpy_installed()):
        return AliasHandle(active=False)
    with _LOCK:
        if _USERS[0] == 0:
            for name in list(sys.modules):
                if name == "hardpy" or name.startswith("hardpy."):
                    module = sys.modules.pop(name)
                    if not isinstance(module, _AliasModule):
                        _SAVED[name] = module
            sys.meta_path.insert(0, _Finder())
        _USERS[0] += 1
    return AliasHandle(active=True)


install_alias = install
"""`install`, under the name `hardlab.engine` exports it by."""
