"""The station's kernel manager: every page of a ``hardlab station`` server gets one kernel.

Real ipykernel processes, started by jupyter_server's kernel manager as Voilà starts them.
"""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import pytest

pytest.importorskip("jupyter_server")

from hardlab.cli._station_kernels import SHARED_ENV, StationKernelManager
from hardlab.operator_station._view import SHARED_ENV as VIEW_SHARED_ENV

pytestmark = pytest.mark.slow


async def _environ(manager: StationKernelManager, kernel_id: str, name: str) -> str:
    """The value of environment variable `name` in the kernel, asked through a client."""
    client = manager.get_kernel(kernel_id).client()
    client.start_channels()
    try:
        await client.wait_for_ready(timeout=60)
        seen: list[str] = []

        def hook(message: dict[str, object]) -> None:
            content = message["content"]
            if message["msg_type"] == "stream" and isinstance(content, dict):
                seen.append(str(content["text"]))

        code = f"import os; print(os.environ.get({name!r}, '-'))"
        await client.execute_interactive(code, output_hook=hook, timeout=60)
        return "".join(seen).strip()
    finally:
        client.stop_channels()


async def _scenario(tmp_path: Path) -> None:
    manager = StationKernelManager(connection_dir=str(tmp_path))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    try:
        first = await manager.start_kernel(kernel_name="python3", path=str(tmp_path), env=env)
        again = await manager.start_kernel(kernel_name="python3", path=str(tmp_path), env=env)
        assert again == first and manager.list_kernel_ids() == [first]  # a reload, a second tab
        assert await _environ(manager, first, SHARED_ENV) == "1"

        await manager.shutdown_kernel(first)  # Voilà's page-unload beacon
        assert manager.list_kernel_ids() == [first]
        assert await manager.get_kernel(first).is_alive()

        await manager.get_kernel(first).shutdown_kernel(now=True)  # the kernel died
        replaced = await manager.start_kernel(kernel_name="python3", path=str(tmp_path), env=env)
        assert replaced != first and await manager.get_kernel(replaced).is_alive()
        assert manager.list_kernel_ids() == [replaced]
    finally:
        await manager._async_shutdown_all(now=True)  # what Voilà does when it stops
    assert manager.list_kernel_ids() == []


def test_every_page_gets_the_one_station_kernel_until_the_server_stops(tmp_path: Path) -> None:
    assert SHARED_ENV == VIEW_SHARED_ENV  # the kernel manager's flag is the one station() reads
    asyncio.run(_scenario(tmp_path))
