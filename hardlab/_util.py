"""Small stdlib-only helpers shared by every layer."""

from __future__ import annotations

import json
import os
import platform
import re
import secrets
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib as _toml
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as _toml

__all__ = [
    "as_json_value",
    "data_dir",
    "lazy_exports",
    "local_timezone",
    "machine_id",
    "natural_key",
    "notebook_extra_missing",
    "toml_loads",
    "uuid7",
]


def toml_loads(text: str) -> dict[str, Any]:
    """Parse TOML text (tomllib, or tomli on Python 3.10).

    Raises:
        ValueError: If the text is not valid TOML.
    """
    return _toml.loads(text)


_DIGITS = re.compile(r"(\d+)")


def natural_key(text: str) -> tuple[tuple[int, int | str], ...]:
    """Sort key that orders embedded numbers by value: ``test_2`` < ``test_10``.

    HardPy orders modules with natsort; this is the same ordering for the
    file names a plan has (digits compared as integers, the rest as text).
    """
    parts: list[tuple[int, int | str]] = []
    for index, chunk in enumerate(_DIGITS.split(text)):
        if index % 2:
            parts.append((0, int(chunk)))
        elif chunk:
            parts.append((1, chunk))
    return tuple(parts)


def uuid7() -> uuid.UUID:
    """A time-ordered UUID (RFC 9562 version 7): unique and sortable by creation time."""
    unix_ms = time.time_ns() // 1_000_000
    rand = secrets.randbits(74)
    value = (unix_ms & ((1 << 48) - 1)) << 80
    value |= 0x7 << 76  # version
    value |= (rand >> 62) << 64  # 12 bits rand_a
    value |= 0b10 << 62  # variant
    value |= rand & ((1 << 62) - 1)  # 62 bits rand_b
    return uuid.UUID(int=value)


def as_json_value(value: Any) -> Any:
    """Return `value` if JSON can encode it, else its ``json.dumps(default=str)`` text.

    HardPy stores a value that JSON cannot encode (a datetime, a set, a custom
    object) as the string JSON produces with ``default=str``; reports stay
    serialisable and nothing the test wrote is dropped.
    """
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        return json.dumps(value, default=str)
    return value


@lru_cache(maxsize=1)
def machine_id() -> str:
    """A stable identifier of this computer (the test stand's ``hw_id``).

    Linux and BSD read the systemd/dbus machine id, macOS the platform UUID,
    Windows the cryptography MachineGuid; anything else falls back to the
    host name, as HardPy does.
    """
    for path in ("/etc/machine-id", "/var/lib/dbus/machine-id", "/etc/hostid"):
        try:
            with open(path, encoding="ascii") as handle:
                text = handle.read().strip()
        except OSError:
            continue
        if text:
            return text
    if sys.platform == "darwin":
        try:
            out = subprocess.run(
                ["ioreg", "-rd1", "-c", "IOPlatformExpertDevice"],
                capture_output=True,
                text=True,
                timeout=5,
                check=False,
            ).stdout
        except (OSError, subprocess.SubprocessError):
            out = ""
        found = re.search(r'"IOPlatformUUID"\s*=\s*"([^"]+)"', out)
        if found:
            return found.group(1)
    if sys.platform == "win32":
        try:
            import winreg

            key = winreg.OpenKey(  # type: ignore[attr-defined,unused-ignore]
                winreg.HKEY_LOCAL_MACHINE,  # type: ignore[attr-defined,unused-ignore]
                r"SOFTWARE\Microsoft\Cryptography",
            )
            guid, _ = winreg.QueryValueEx(key, "MachineGuid")  # type: ignore[attr-defined,unused-ignore]
            return str(guid)
        except OSError:
            pass
    return platform.node()


def local_timezone() -> str | None:
    """The IANA name of the local time zone (``Europe/Helsinki``), or None if unknown."""
    try:
        import tzlocal

        name: str | None = tzlocal.get_localzone_name()
    except Exception:  # noqa: BLE001 - tzlocal raises several kinds on odd systems
        name = os.environ.get("TZ")
    return name or None


def data_dir() -> Path:
    r"""Where hardlab keeps its own files (reports, the default database).

    ``$HARDLAB_HOME`` if set; otherwise ``$XDG_DATA_HOME/hardlab`` or
    ``~/.local/share/hardlab`` on Linux, ``~/Library/Application
    Support/hardlab`` on macOS and ``%LOCALAPPDATA%\\hardlab`` on Windows.
    """
    explicit = os.environ.get("HARDLAB_HOME")
    if explicit:
        return Path(explicit).expanduser()
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA") or str(Path.home() / "AppData" / "Local")
        return Path(base) / "hardlab"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Application Support" / "hardlab"
    xdg = os.environ.get("XDG_DATA_HOME")
    return (Path(xdg) if xdg else Path.home() / ".local" / "share") / "hardlab"


_NOTEBOOK_PACKAGES = frozenset({"ipywidgets", "traitlets", "comm", "IPython"})


def notebook_extra_missing(exc: ImportError) -> Exception | None:
    """`lazy_exports`' ``on_import_error`` for the packages the ``notebook`` extra makes work.

    Returns:
        `MissingExtraError` if `exc` is a missing ipywidgets, traitlets, comm
        or IPython (module or submodule); else None.
    """
    name = (exc.name or "").split(".")[0]
    if name in _NOTEBOOK_PACKAGES:
        from hardlab.errors import MissingExtraError

        return MissingExtraError("notebook", name)
    return None


def lazy_exports(
    package: str,
    where: Mapping[str, str],
    on_import_error: Callable[[ImportError], Exception | None] | None = None,
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """A package's ``__getattr__`` and ``__dir__`` that import its names on first use.

    pytest imports hardlab in every session (the plugin entry point lives
    in it), and notebooks import it before they need pandas or a database:
    so the packages import their heavy modules only when a name is asked for.

    Args:
        package: The package's ``__name__``.
        where: Each exported name and the module that defines it.
        on_import_error: Turns an ImportError of an optional dependency into
            a clearer error (or returns None to let it through).
    """
    import importlib

    def get_attribute(name: str) -> Any:
        module_name = where.get(name)
        if module_name is None:
            msg = f"module {package!r} has no attribute {name!r}"
            raise AttributeError(msg)
        try:
            module = importlib.import_module(module_name)
        except ImportError as exc:
            better = on_import_error(exc) if on_import_error is not None else None
            if better is not None:
                raise better from exc
            raise
        value = getattr(module, name)
        setattr(sys.modules[package], name, value)
        return value

    def list_names() -> list[str]:
        return sorted(set(vars(sys.modules[package])) | set(where))

    return get_attribute, list_names
