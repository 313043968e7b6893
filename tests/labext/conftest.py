"""jupyter_server's pytest fixtures (``jp_fetch``, ``jp_serverapp``, ...) for this folder only.

pytest refuses ``pytest_plugins`` outside the top-level conftest, and enabling
pytest-jupyter there would put its autouse fixtures (a fresh asyncio loop per
test, Jupyter environment variables) and its test-calling hooks on the whole
suite. Importing the fixtures here scopes them, and the hooks, to tests/labext.
"""

from __future__ import annotations

from typing import Any

import pytest
from pytest_jupyter.jupyter_server import *  # noqa: F403


@pytest.fixture
def jp_server_config() -> dict[str, Any]:
    """A server with hardlab's extension enabled (as the shipped config file does)."""
    return {"ServerApp": {"jpserver_extensions": {"hardlab.labext": True}}}
