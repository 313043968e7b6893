"""The ``hardpy`` alias while another run uses it (runs in threads share ``sys.modules``)."""

from __future__ import annotations

import importlib
import sys

from hardlab.runner import _alias


def test_the_alias_in_use_is_not_taken_for_hardpy_nor_unhooked_meanwhile() -> None:
    if _alias.hardpy_installed():
        return  # the real HardPy is installed here: the alias is never used
    handle = _alias.install()
    try:
        hardpy = importlib.import_module("hardpy")  # a run imports it through the alias
        hooks = list(sys.meta_path)
        # A second run starting now must see no real HardPy (it would then skip
        # the alias and lose `hardpy` when the first run ends) ...
        assert not _alias.hardpy_installed()
        # ... and must not take the hook away while the first run imports.
        assert sys.meta_path == hooks and sys.modules["hardpy"] is hardpy
    finally:
        handle.remove()
    assert "hardpy" not in sys.modules
