"""The station's tests: the controller's need no ipywidgets; the view's get a recording comm."""

from __future__ import annotations

import importlib.util

if importlib.util.find_spec("comm") is not None:
    from _comm import front, record  # noqa: F401 - the fixtures, shared with tests/widgets
