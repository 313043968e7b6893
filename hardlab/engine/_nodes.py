"""What the plugin reads from each collected test: ids, names and HardPy markers."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from hardlab._util import natural_key
from hardlab.model.enums import Group

__all__ = ["Dependency", "NodeInfo", "module_file_name", "parse_dependency"]

_CASE_DEP = re.compile(r"(\w+)::(\w+)")
_MODULE_DEP = re.compile(r"\w+")


@dataclass(frozen=True, slots=True)
class Dependency:
    """A ``dependency`` marker target: a module, or one case of a module."""

    module_id: str
    case_id: str | None

    def __str__(self) -> str:
        return self.module_id if self.case_id is None else f"{self.module_id}::{self.case_id}"


def parse_dependency(spec: object) -> Dependency | None:
    """Parse one ``dependency`` marker argument the way HardPy does.

    ``"mod::case"`` is searched for anywhere in the text (so ``[param]``
    suffixes are ignored), ``"mod"`` must be a bare word, ``""`` means none.

    Raises:
        ValueError: For anything else; HardPy aborts collection then.
    """
    text = str(spec)
    found = _CASE_DEP.search(text)
    if found:
        return Dependency(found.group(1), found.group(2))
    if _MODULE_DEP.fullmatch(text):
        return Dependency(text, None)
    if text == "":
        return None
    msg = f"Invalid dependency format: {text!r} (expected 'module' or 'module::case')"
    raise ValueError(msg)


def _module_node(item: pytest.Item) -> pytest.Module | None:
    return item.getparent(pytest.Module)


def module_file_name(item: pytest.Item) -> str:
    """The file name of the item's module (``test_2.py``)."""
    module = _module_node(item)
    return (module.path if module is not None else item.path).name


def sort_key(item: pytest.Item) -> tuple[tuple[int, int | str], ...]:
    """HardPy's run order: the natural order of each item's parent's name.

    The parent of a test function is its module (``test_2.py``), that of a
    method its class (``TestPower``), so, as under HardPy, a class's cases
    come before the plain functions of the modules (capitals sort first).
    The sort is stable: definition order is kept within one parent.
    """
    parent = item.parent
    return natural_key(parent.name if parent is not None else item.name)


def _group(value: object, where: str) -> Group:
    try:
        return Group(value if not isinstance(value, Group) else value.value)
    except ValueError:
        choices = ", ".join(repr(g.value) for g in Group)
        msg = f"{where}: invalid group {value!r}; use one of {choices} or hardlab.Group"
        raise ValueError(msg) from None


def _first_arg(marker: pytest.Mark, where: str) -> object:
    if not marker.args:
        msg = f"{where} marker needs an argument, as in @pytest.mark.{marker.name}(...)"
        raise ValueError(msg)
    return marker.args[0]


def _module_info(item: pytest.Item, module: pytest.Module | None) -> tuple[str, str, Group]:
    """Id, display name and group of the item's module (the test file)."""
    module_id = Path(module.path if module is not None else item.path).stem
    module_name = module_id
    module_group = Group.MAIN
    if module is not None:
        marker = module.get_closest_marker("module_name")
        if marker is not None:
            module_name = str(_first_arg(marker, f"{module_id}: module_name"))
        marker = module.get_closest_marker("module_group")
        if marker is not None:
            where = f"{module_id}: module_group"
            module_group = _group(_first_arg(marker, where), where)
    return module_id, module_name, module_group


@dataclass(frozen=True, slots=True)
class NodeInfo:
    """One collected case, as HardPy sees it.

    Attributes:
        nodeid: pytest's node id.
        module_id: The test file's stem (``test_2``), HardPy's module id.
        case_id: The test's name, with any ``[param]`` suffix.
        module_name: From ``module_name``, else the module id.
        case_name: From ``case_name``, else the case id.
        module_group: From ``module_group``, else main.
        case_group: From ``case_group``, else main.
        attempt: From ``attempt(n)`` on the function, else 1.
        critical: Whether ``critical`` marks the function, its class or its module.
        dependencies: Parsed ``dependency`` targets of the function, class and module.
    """

    nodeid: str
    module_id: str
    case_id: str
    module_name: str
    case_name: str
    module_group: Group
    case_group: Group
    attempt: int
    critical: bool
    dependencies: tuple[Dependency, ...]

    @classmethod
    def from_item(
        cls,
        item: pytest.Item,
        modules: dict[int, tuple[str, str, Group]] | None = None,
    ) -> NodeInfo:
        """Read ids and markers of `item`.

        Args:
            item: The collected test.
            modules: A cache of module ids, names and groups, shared across
                the items of one collection (they repeat for every case).

        Raises:
            ValueError: For a malformed marker (bad group, attempt or dependency).
        """
        module = _module_node(item)
        key = id(module) if module is not None else id(item)
        cached = modules.get(key) if modules is not None else None
        if cached is None:
            cached = _module_info(item, module)
            if modules is not None:
                modules[key] = cached
        module_id, module_name, module_group = cached
        case_id = item.name

        where = f"{module_id}::{case_id}"
        case_name = case_id
        marker = item.get_closest_marker("case_name")
        if marker is not None:
            case_name = str(_first_arg(marker, f"{where}: case_name"))
        case_group = Group.MAIN
        marker = item.get_closest_marker("case_group")
        if marker is not None:
            case_group = _group(_first_arg(marker, f"{where}: case_group"), f"{where}: case_group")

        attempt = 1
        own = [mark for mark in item.own_markers if mark.name == "attempt"]
        if own:
            value = _first_arg(own[0], f"{where}: attempt")
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                msg = f"{where}: attempt needs a positive integer, got {value!r}"
                raise ValueError(msg)
            attempt = value

        dependencies: list[Dependency] = []
        for mark in item.iter_markers("dependency"):
            for spec in mark.args:
                parsed = parse_dependency(spec)
                if parsed is not None and parsed not in dependencies:
                    dependencies.append(parsed)

        return cls(
            nodeid=item.nodeid,
            module_id=module_id,
            case_id=case_id,
            module_name=module_name,
            case_name=case_name,
            module_group=module_group,
            case_group=case_group,
            attempt=attempt,
            critical=item.get_closest_marker("critical") is not None,
            dependencies=tuple(dependencies),
        )
