"""Widget tests without a kernel: widgets get a comm that records what it would send."""

from __future__ import annotations

import pytest

pytest.importorskip("ipywidgets")

from _comm import front, record  # noqa: F401 - the fixtures, shared with tests/operator_station
