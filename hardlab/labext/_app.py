"""`HardlabExtension`: the jupyter_server extension behind JupyterLab's "Test runs" panel."""

from __future__ import annotations

import asyncio
import warnings
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

from jupyter_server.extension.application import ExtensionApp
from traitlets import Unicode

from hardlab.errors import ConfigError, HardlabError
from hardlab.labext._handlers import (
    ExportHandler,
    FiltersHandler,
    ReportHandler,
    RunsHandler,
    UnitReportHandler,
)
from hardlab.labext._history import HistoryHandler
from hardlab.storage import resolve_url

if TYPE_CHECKING:
    from hardlab.config import HardpyConfig
    from hardlab.storage import Store

__all__ = ["API_PREFIX", "HardlabExtension", "hide_password"]

API_PREFIX = "/hardlab/api"
"""Where the REST API lives, under the server's base URL."""

T = TypeVar("T")


def hide_password(url: str) -> str:
    """`url` with its password, if any, shown as ``***`` (as SQLAlchemy shows it)."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=f"{parts.username}:***@{host}"))


class HardlabExtension(ExtensionApp):
    """Serves the stored runs to JupyterLab: ``/hardlab/api/runs``, ``/filters``, ``/runs/{id}``.

    The store is the one hardlab's other entry points use: `store_url` if
    configured (``c.HardlabExtension.store_url`` in a Jupyter config file, or
    ``--HardlabExtension.store_url=...`` on the ``jupyter lab`` command line),
    else ``$HARDLAB_DB_URL``, else ``[database] url`` of a ``hardpy.toml`` in
    the server's root folder, else hardlab's default SQLite file (under
    ``$HARDLAB_HOME`` when set). It is opened on the first request, and read
    on one store thread, one request after another.

    The extension is enabled by ``jupyter_server_config.d/hardlab.json``,
    which the hardlab wheel installs; ``jupyter server extension list``
    shows it.
    """

    name = "hardlab"
    description = "hardlab's run history for JupyterLab's Test runs panel"
    load_other_extensions = True

    store_url = Unicode(
        None,
        allow_none=True,
        config=True,
        help="The run store to show: a database URL or an SQLite file path "
        "(default: $HARDLAB_DB_URL, hardpy.toml's [database] url in the root folder, "
        "else hardlab's default SQLite file).",
    )

    _url: str | None = None
    _store: Store | None = None
    _store_problem: HardlabError | None = None
    _executor: ThreadPoolExecutor | None = None

    def initialize_settings(self) -> None:
        """Decide which store the panel reads (no I/O, no database driver yet)."""
        root = Path(self.serverapp.root_dir) if self.serverapp is not None else Path.cwd()
        try:
            self._url = resolve_url(self.store_url, self._root_config(root))
        except ConfigError as exc:
            self._store_problem = exc
            self.log.error("hardlab: the Test runs panel has no store: %s", exc)
        else:
            self.log.info("hardlab: the Test runs panel reads %s", hide_password(self._url))
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="hardlab-store")

    def _root_config(self, root: Path) -> HardpyConfig | None:
        """The root folder's ``hardpy.toml``, if it has one; its warnings go to the log."""
        if not (root / "hardpy.toml").is_file():
            return None
        from hardlab.config import load_config

        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            config = load_config(root)
        for warning in caught:
            self.log.warning("hardlab: %s", warning.message)
        return config

    def initialize_handlers(self) -> None:
        """The REST API's routes."""
        self.handlers.extend(
            [
                (rf"{API_PREFIX}/runs", RunsHandler),
                (rf"{API_PREFIX}/filters", FiltersHandler),
                (rf"{API_PREFIX}/history", HistoryHandler),
                (rf"{API_PREFIX}/runs/([^/]+)", ReportHandler),
                (rf"{API_PREFIX}/runs/([^/]+)/export", ExportHandler),
                (rf"{API_PREFIX}/runs/([^/]+)/report", UnitReportHandler),
            ]
        )

    def store_info(self) -> dict[str, Any]:
        """The store's URL (password hidden) and whether it exists yet.

        An SQLite file that is not there yet does not exist (reading it would
        create it); a server database always does.

        Raises:
            HardlabError: The store could not be chosen (a bad ``hardpy.toml``).
        """
        if self._url is None:
            raise self._store_problem or ConfigError("the hardlab extension is not initialized")
        from sqlalchemy.engine import make_url
        from sqlalchemy.exc import ArgumentError

        try:
            url = make_url(self._url)
        except ArgumentError:
            # Store() says what is wrong with it, on the first read
            return {"url": hide_password(self._url), "exists": True}
        shown = url.render_as_string(hide_password=True)
        if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
            return {"url": shown, "exists": True}
        return {"url": shown, "exists": Path(str(url.database)).exists()}

    def _open(self) -> Store:
        """The store, made on first use (on the store thread)."""
        if self._store is None:
            from hardlab.storage import Store

            self._store = Store(self._url)
        return self._store

    async def read(self, work: Callable[[Store], T]) -> T:
        """`work(store)` on the store thread.

        Raises:
            HardlabError: The store could not be chosen or opened (a bad URL),
                or `work`'s own `StorageError` and the like.
        """
        if self._url is None or self._executor is None:
            raise self._store_problem or ConfigError("the hardlab extension is not initialized")
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, lambda: work(self._open()))

    async def stop_extension(self) -> None:
        """Release the store's connections when the server stops."""
        if self._executor is not None:
            self._executor.shutdown(wait=True)
            self._executor = None
        if self._store is not None:
            self._store.close()
            self._store = None
