"""The station's kernels: every page of a ``hardlab station`` server shares ONE kernel.

Voilà starts a kernel per page and shuts it down when the page goes away.
For an operator station that orphans runs: a reload during a dialog shows a
fresh READY page while the old kernel's run goes on holding the DUT, and two
tabs run two DUTs on one stand. `StationKernelManager` (Voilà's
``multi_kernel_manager_class``, set by ``hardlab station``) instead starts
the station's kernel once and hands it to every page: the page's notebook
runs again in it, `hardlab.station` returns the station already open there
(``HARDLAB_STATION_SHARED``), and the page shows its widgets as they are —
the run in progress, its open dialog (answerable from this page), its result.
A page closing leaves the kernel running; it stops with the server.

Imported only by Voilà's process (it imports jupyter_server).
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from jupyter_core.utils import ensure_async
from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager

__all__ = ["SHARED_ENV", "StationKernelManager"]

SHARED_ENV = "HARDLAB_STATION_SHARED"
"""Set to ``1`` in the station's kernel: `hardlab.station` shares one station per arguments
there (the same name as ``hardlab.operator_station``'s, which this module does not import
to keep Voilà's process free of widgets)."""


class StationKernelManager(AsyncMappingKernelManager):
    """A kernel manager whose every page gets the same, long-lived kernel."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)  # type: ignore[no-untyped-call]
        self._station_kernel: str | None = None
        self._starting = asyncio.Lock()

    async def _alive(self, kernel_id: str) -> bool:
        if kernel_id not in self:
            return False
        return bool(await ensure_async(self.get_kernel(kernel_id).is_alive()))

    async def start_kernel(self, **kwargs: Any) -> str:  # type: ignore[override]
        """The station's kernel; started on the first page (again if it died)."""
        async with self._starting:
            old = self._station_kernel
            if old is not None and await self._alive(old):
                return old
            if old is not None and old in self:
                # It died (it crashed, or was killed): only its entry is left to remove.
                with contextlib.suppress(Exception):
                    await super().shutdown_kernel(old, now=True)  # type: ignore[no-untyped-call]
            env = dict(kwargs.pop("env", None) or {})
            env[SHARED_ENV] = "1"
            kernel_id: str = await super().start_kernel(env=env, **kwargs)
            self._station_kernel = kernel_id
            return kernel_id

    async def shutdown_kernel(  # type: ignore[override]
        self, kernel_id: str, now: bool = False, restart: bool = False
    ) -> None:
        """Shut a kernel down, except the station's when a page asks (Voilà does on unload).

        The server's own shutdown goes through ``shutdown_all``, which stops
        the station's kernel too.
        """
        if kernel_id == self._station_kernel:
            self.log.info("hardlab station: a page closed; its kernel goes on for the others")
            return
        await super().shutdown_kernel(kernel_id, now=now, restart=restart)  # type: ignore[no-untyped-call]
