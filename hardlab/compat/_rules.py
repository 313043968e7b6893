"""HardPy's rules for what a run is called and which files it runs.

HardPy's panel launches pytest with ``--hardpy-tests-name`` set to
``tests_name``, then `` <current_test_config>`` when a configuration is
selected and `` Manual mode`` when ``[frontend] manual_collect`` is on; a
selected configuration with a ``file`` adds ``--config-file <file>`` (its own
pytest.ini, which names the files that configuration runs). Plain
``pytest --hardpy-pt`` names the run after the rootdir folder. hardlab's
entry points (``hardlab.run``, ``hardlab run``, ``%hardpy run``, the station)
play the panel's part.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from hardlab.config import HardpyConfig, load_config
from hardlab.errors import ConfigError

__all__ = ["config_file_args", "panel_tests_name", "run_name"]


def panel_tests_name(config: HardpyConfig) -> str:
    """The run name HardPy's panel passes: tests_name, the configuration, manual mode."""
    name = config.tests_name
    if config.current_test_config:
        name += f" {config.current_test_config}"
    if config.frontend.manual_collect:
        name += " Manual mode"
    return name


def run_name(config: HardpyConfig, rootdir: Path, *, option: str | None, launched: bool) -> str:
    """The run's ``name``, by HardPy's rules.

    Args:
        config: The plan's ``hardpy.toml`` (current_test_config already applied).
        rootdir: The folder HardPy falls back to (pytest's rootdir).
        option: ``--hardpy-tests-name`` (or hardlab's own name), if given.
        launched: Whether a hardlab entry point (the panel's part) started the run.
    """
    if option:
        return option
    name = panel_tests_name(config) if launched else ""
    return name or rootdir.name


def _has_option(args: Sequence[str], *names: str) -> bool:
    return any(arg in names or arg.startswith(tuple(f"{n}=" for n in names)) for arg in args)


def _option_value(args: Sequence[str], name: str) -> str | None:
    for index, arg in enumerate(args):
        if arg == name and index + 1 < len(args):
            return args[index + 1]
        if arg.startswith(f"{name}="):
            return arg.partition("=")[2]
    return None


def config_file_args(plan_dir: Path, args: Sequence[str]) -> list[str]:
    """What HardPy's panel adds to pytest's arguments for the selected configuration.

    ``--config-file <file>`` of the ``[[test_configs]]`` entry named by
    ``--hardpy-current-test-config`` in `args` or ``current_test_config`` in
    the plan's ``hardpy.toml``, unless `args` already choose an ini file.
    An unreadable ``hardpy.toml`` adds nothing (the run reports it).
    """
    if _has_option(args, "-c", "--config-file"):
        return []
    try:
        config = load_config(plan_dir)
    except ConfigError:
        return []
    name = _option_value(args, "--hardpy-current-test-config") or config.current_test_config
    entry = next((e for e in config.test_configs if e.name == name), None) if name else None
    if entry is None or not entry.file:
        return []
    return ["--config-file", str((plan_dir / entry.file).resolve())]
