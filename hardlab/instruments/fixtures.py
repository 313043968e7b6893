"""The ``instruments`` fixture, registered by hardlab's pytest session plugin.

This module is itself the pytest plugin (`register` adds it to a session).
"""

from __future__ import annotations

import sys
from collections.abc import Generator
from typing import Any

import pytest

from hardlab.instruments._registry import Instruments, configure
from hardlab.instruments._traffic import outside_case, run_instruments

__all__ = ["PLUGIN_NAME", "instruments", "register"]

PLUGIN_NAME = "hardlab-instruments"


@pytest.fixture(scope="session")
def instruments() -> Instruments:
    """The plan's instruments by name (``instruments["dmm"].query(...)``), open on first use.

    Sessions are the process's: a notebook's next run reuses them.
    """
    return Instruments(configure(run_instruments() or []))


@pytest.hookimpl(wrapper=True)
def pytest_fixture_setup(
    fixturedef: Any, request: pytest.FixtureRequest
) -> Generator[None, Any, Any]:
    """A session- or module-wide fixture's setup traffic belongs to the run, not the case."""
    if fixturedef.scope == "function":
        return (yield)
    with outside_case():
        return (yield)


def register(pluginmanager: pytest.PytestPluginManager) -> None:
    """Register the fixture in a session (once)."""
    if pluginmanager.get_plugin(PLUGIN_NAME) is None:
        pluginmanager.register(_THIS, PLUGIN_NAME)


# This module itself, kept at import: pytester restores `sys.modules` after an
# in-process run, so a later session may no longer find it there by name.
_THIS = sys.modules[__name__]
