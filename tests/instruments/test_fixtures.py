"""The ``instruments`` fixture's plugin registers in any session, also after pytester's."""

from __future__ import annotations

import sys

import pytest

import hardlab.instruments.fixtures as fixtures


def test_it_registers_when_sys_modules_no_longer_holds_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # pytester restores sys.modules after an in-process run: a later session
    # of the same process must still find the plugin
    monkeypatch.delitem(sys.modules, fixtures.__name__)
    manager = pytest.PytestPluginManager()
    before = manager.get_plugins()
    fixtures.register(manager)
    assert manager.get_plugin(fixtures.PLUGIN_NAME) is fixtures
    fixtures.register(manager)  # once
    assert manager.get_plugins() == {*before, fixtures}
