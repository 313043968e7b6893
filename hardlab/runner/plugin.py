"""hardlab's pytest entry point: options and markers; inert until enabled.

pytest loads this module in every session of an environment where hardlab
is installed, so it imports nothing of hardlab at module level and does
nothing unless the session asks for hardlab: ``--hardlab``, HardPy's
``--hardpy-pt``, ``hardlab = true`` in the ini file, or a runner
(``hardlab.run``, ``hardlab run``, ``%hardpy``) that registers its own
plugin instance.

HardPy's options are registered here too, so ``pytest.ini`` files written for
HardPy keep working, unless the real HardPy is installed and loads its own
plugin, which registers them itself.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import os

import pytest

__all__ = ["MARKERS", "SESSION_PLUGIN_NAME"]

SESSION_PLUGIN_NAME = "hardlab-session"
HARDPY_PLUGIN_NAME = "pytest_hardpy"

MARKERS = (
    "case_name(name): the case's display name in the report (HardPy)",
    "module_name(name): the module's display name, set with pytestmark (HardPy)",
    "case_group(group): setup, main or teardown (HardPy)",
    "module_group(group): setup, main or teardown, set with pytestmark (HardPy)",
    "dependency(target): skip unless 'module' or 'module::case' passed (HardPy)",
    "attempt(n): run a failing case up to n times in all (HardPy)",
    "critical: skip everything after this case (or module) if it fails (HardPy)",
)


def _hardpy_plugin_loads(pluginmanager: pytest.PytestPluginManager) -> bool:
    """Whether the real HardPy's pytest plugin is (or will be) registered in this session."""
    if pluginmanager.has_plugin(HARDPY_PLUGIN_NAME):
        return True
    if pluginmanager.is_blocked(HARDPY_PLUGIN_NAME):
        return False
    if os.environ.get("PYTEST_DISABLE_PLUGIN_AUTOLOAD"):
        return False
    if importlib.util.find_spec("hardpy") is None:
        return False  # cheap: no HardPy package, so no HardPy plugin
    try:
        entry_points = importlib.metadata.entry_points(group="pytest11")
    except Exception:  # noqa: BLE001 - broken metadata must not break every pytest session
        return False
    return any(ep.name == HARDPY_PLUGIN_NAME for ep in entry_points)


def pytest_addoption(parser: pytest.Parser, pluginmanager: pytest.PytestPluginManager) -> None:
    """Register hardlab's options, and HardPy's unless HardPy's plugin does."""
    group = parser.getgroup("hardlab", "hardlab: HardPy-style hardware test plans")
    group.addoption(
        "--hardlab",
        action="store_true",
        dest="hardlab",
        default=False,
        help="run this session as a hardlab run (same as HardPy's --hardpy-pt)",
    )
    group.addoption(
        "--hardlab-answers",
        dest="hardlab_answers",
        metavar="FILE",
        help="answer operator dialogs from this TOML or JSON file (for CI)",
    )
    group.addoption(
        "--hardlab-operator",
        dest="hardlab_operator",
        choices=("auto", "terminal", "none"),
        default=None,
        help="who answers dialogs without --hardlab-answers: the terminal, nobody, "
        "or auto (the terminal when stdin is one; default)",
    )
    group.addoption(
        "--hardlab-report-dir",
        dest="hardlab_report_dir",
        metavar="DIR",
        help="write each finished run as a HardPy JSON report into DIR",
    )
    group.addoption(
        "--hardlab-db",
        dest="hardlab_db",
        metavar="URL",
        help="store the run in this database: an SQLite file path or a SQLAlchemy URL "
        "(default: $HARDLAB_DB_URL, hardpy.toml's [database] url, or hardlab's own SQLite file)",
    )
    group.addoption(
        "--hardlab-no-store",
        dest="hardlab_no_store",
        action="store_true",
        default=False,
        help="do not store the run in a database",
    )
    group.addoption(
        "--hardlab-hardpy-alias",
        dest="hardlab_hardpy_alias",
        choices=("auto", "always", "never"),
        default="auto",
        help="serve 'import hardpy' from hardlab: when HardPy is not installed (auto), "
        "always, or never",
    )
    group.addoption(
        "--hardlab-attempt-delay",
        dest="hardlab_attempt_delay",
        type=float,
        metavar="SECONDS",
        help="pause between attempts of an attempt(n) case (HardPy: 1 second)",
    )
    parser.addini("hardlab", type="bool", default=False, help="run sessions as hardlab runs")

    if _hardpy_plugin_loads(pluginmanager):
        return
    hardpy = parser.getgroup("hardpy", "HardPy's options (accepted by hardlab)")
    hardpy.addoption("--hardpy-pt", action="store_true", default=False, help="enable the plugin")
    hardpy.addoption("--hardpy-db-url", help="CouchDB URL (ignored by hardlab)")
    hardpy.addoption(
        "--hardpy-tests-name", help="the run's name (default: hardpy.toml's tests_name)"
    )
    hardpy.addoption(
        "--hardpy-clear-database", action="store_true", default=False, help="(ignored by hardlab)"
    )
    hardpy.addoption("--hardpy-sp", help="deprecated and unused")
    hardpy.addoption("--hardpy-sh", help="deprecated and unused")
    hardpy.addoption("--hardpy-config-file", metavar="DIR", help="the folder holding hardpy.toml")
    hardpy.addoption(
        "--hardpy-start-arg",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a start argument for the hardpy_start_args fixture (repeatable)",
    )
    hardpy.addoption("--hardpy-current-test-config", help="the [[test_configs]] entry to use")
    hardpy.addoption("--sc-address", help="StandCloud address (default: hardpy.toml's)")
    hardpy.addoption(
        "--sc-connection-only", action="store_true", default=False, help="require StandCloud"
    )
    hardpy.addoption(
        "--sc-autosync", action="store_true", default=False, help="upload reports automatically"
    )


def _enabled(config: pytest.Config) -> bool:
    namespace = config.known_args_namespace
    if getattr(namespace, "hardlab", False):
        return True
    if getattr(namespace, "hardpy_pt", False) and not _hardpy_plugin_loads(config.pluginmanager):
        return True
    try:
        return bool(config.getini("hardlab"))
    except ValueError:
        return False


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(
    early_config: pytest.Config, parser: pytest.Parser, args: list[str]
) -> None:
    """Start a run before conftests load, so ``import hardpy`` in them already works."""
    pm = early_config.pluginmanager
    if any(getattr(p, "__hardlab_session__", False) for p in pm.get_plugins()):
        return  # a runner registered its own session plugin
    if not _enabled(early_config):
        return
    from hardlab.engine import HardlabPlugin
    from hardlab.runner._alias import install_alias
    from hardlab.runner._launch import SUPPLIES
    from hardlab.runtime import RunSpec

    choice = getattr(early_config.known_args_namespace, "hardlab_hardpy_alias", "auto")
    force = {"always": True, "never": False}.get(choice)
    plugin = HardlabPlugin(
        RunSpec(hardpy_alias=force), supplier=SUPPLIES, alias=install_alias(force)
    )
    pm.register(plugin, SESSION_PLUGIN_NAME)
    plugin.adopt(early_config)  # registered during this hook, its own copy is not called


def pytest_configure(config: pytest.Config) -> None:
    """Declare HardPy's markers (``--strict-markers`` accepts them even when inert).

    In a hardlab run, also register the ``instruments`` fixture.
    """
    for line in MARKERS:
        config.addinivalue_line("markers", line)
    if any(getattr(p, "__hardlab_session__", False) for p in config.pluginmanager.get_plugins()):
        # a hardlab run: its plan gets the `instruments` fixture (imported only here)
        from hardlab.instruments import fixtures

        fixtures.register(config.pluginmanager)
