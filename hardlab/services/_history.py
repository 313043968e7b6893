"""``hardlab.history()``: the store's history, or StandCloud's, as pandas DataFrames.

A local store answers in SQL. StandCloud's runs are pulled once (``GET
test_run`` page by page, and each run's report) into a local SQLite mirror,
which then answers exactly as a store does: the same frames, dtypes and
analytics.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, cast
from urllib.parse import parse_qsl, urlsplit

if TYPE_CHECKING:
    from hardlab.cloud import StandCloudConnector, StandCloudReader
    from hardlab.model.report import ResultRunStore
    from hardlab.storage import Rows, Store
    from hardlab.views import History

__all__ = ["SCHEME", "StandCloudHistory", "history", "summary_document"]

SCHEME = "standcloud"
"""``hardlab.history("standcloud://ADDRESS")`` reads StandCloud instead of a store."""

Attempts = Literal["final", "all"]
CapabilityMethod = Literal["auto", "daily", "raw"]

_NAMESPACE = uuid.UUID("6f1c2a9e-84b3-4c57-9d0e-3a7b5e2c1f48")
_STATUS = {"pass": "passed", "fail": "failed", "stop": "stopped"}
_PULL_THREADS = 8


def history(
    url: str | os.PathLike[str] | StandCloudConnector | StandCloudReader | None = None,
    *,
    config_dir: str | os.PathLike[str] | None = None,
    cache: str | os.PathLike[str] | None = None,
    reports: bool = True,
) -> History:
    """Stored runs, cases and measurements, and their analytics, as pandas DataFrames.

    The runs come from a store (a database) or from StandCloud: give
    ``standcloud://ADDRESS`` (or a `hardlab.cloud.StandCloudConnector` or
    `StandCloudReader`) and StandCloud's ``test_run`` pages are pulled into
    the same frames as a local store gives. Opening is lazy: nothing is read
    before the first question.

    Args:
        url: The store: a database URL or an SQLite file path. Default:
            ``$HARDLAB_DB_URL``, else ``[database] url`` of the
            ``hardpy.toml`` in `config_dir`, else hardlab's own SQLite file
            (where `hardlab.run` stores runs by default).

            Or StandCloud: ``standcloud://host[:port][/integration][?filters]``.
            The query string holds the server's filters (``part_number``,
            ``serial_number``, ``status``, ``test_stand_name``, ...) and
            chooses which runs are pulled; ``standcloud://`` alone is the
            address in `config_dir`'s ``hardpy.toml``. Credentials and TLS
            settings come from that file's ``[stand_cloud]`` section (API key,
            ``ca_bundle``, ``verify``) when the address is its own, else from
            ``hardlab sc-login``. Or pass a connector or reader you made.
        config_dir: A plan folder whose ``hardpy.toml`` names the store, or
            the StandCloud address and credentials.
        cache: StandCloud only: an SQLite file that keeps the pulled runs, so
            the next pull fetches only new ones (default: a temporary file,
            removed on `History.close`). Use a file of its own, not your store.
            Runs are not fetched again: those pulled with ``reports=False``
            stay summaries in it.
        reports: StandCloud only: also fetch each run's report
            (``GET test_run/{id}``) for the case and measurement frames;
            False pulls the run summaries only (runs and yields, much faster).

    Returns:
        A `hardlab.views.History`; its docstring gives the counting rules
        of yields, retests, paretos and Cpk. For StandCloud its `source` is
        a `StandCloudHistory`: ``history.source.pull()`` fetches runs
        uploaded since.

    Raises:
        MissingExtraError: If pandas or matplotlib is not installed
            (``pip install "hardlab[analytics]"``), or httpx for StandCloud.
        ConfigError: If `url` is not a database URL or ``hardpy.toml`` is invalid.

    Example:
        ```python
        history = hardlab.history()
        history.runs(part_number="PB-100", since="2026-11-01")
        history.first_pass_yield(by=("part_number", "day"))

        cloud = hardlab.history("standcloud://standcloud.example.com?part_number=PB-100")
        cloud.first_pass_yield(by="day")
        ```
    """
    from hardlab.views import History

    config = None
    if config_dir is not None:
        from hardlab.config import load_config

        config = load_config(config_dir)
    cloud = _standcloud_source(url, config_dir, cache=cache, reports=reports)
    if cloud is not None:
        return History(cloud)
    if cache is not None:
        msg = "cache= is for StandCloud history (standcloud://ADDRESS); a store keeps its runs"
        raise TypeError(msg)
    from hardlab.storage import Store

    return History(Store(cast("str | os.PathLike[str] | None", url), config=config))


def _standcloud_source(
    url: object,
    config_dir: str | os.PathLike[str] | None,
    *,
    cache: str | os.PathLike[str] | None,
    reports: bool,
) -> StandCloudHistory | None:
    """The StandCloud source `url` names, or None when it names a store."""
    if isinstance(url, (os.PathLike, type(None))):
        return None
    if isinstance(url, str):
        if not url.startswith(f"{SCHEME}:"):
            return None
        return StandCloudHistory.from_url(url, config_dir, cache=cache, reports=reports)
    from hardlab.cloud import StandCloudConnector, StandCloudReader

    if isinstance(url, StandCloudReader):
        return StandCloudHistory(url, cache=cache, reports=reports)
    if isinstance(url, StandCloudConnector):
        return StandCloudHistory(StandCloudReader(url), cache=cache, reports=reports)
    msg = (
        f"history() takes a store URL or path, standcloud://ADDRESS, or a StandCloud "
        f"connector or reader, not {type(url).__name__}"
    )
    raise TypeError(msg)


def _epoch(value: Any) -> int | None:
    """Seconds since the epoch from StandCloud's ISO-8601 times (``...Z``)."""
    if value in (None, ""):
        return None
    if isinstance(value, (int, float)):
        return int(value)
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return int(moment.timestamp())


def summary_document(summary: Mapping[str, Any]) -> dict[str, Any]:
    """A report (schema v1, no modules) built from a ``test_run`` summary.

    What StandCloud's run list says: plan name, status (``pass`` becomes
    ``passed``), times, DUT serial and part number and info, stand name, id
    and info, and the artifact.
    """
    status = str(summary.get("status") or "").lower()
    return {
        "_id": str(summary.get("test_run_id") or ""),
        "_rev": "",
        "name": summary.get("test_plan_name") or "",
        "status": _STATUS.get(status, status or None),
        "start_time": _epoch(summary.get("start_time")),
        "stop_time": _epoch(summary.get("stop_time")),
        "test_stand": {
            "name": summary.get("test_stand_name"),
            "hw_id": summary.get("test_stand_hw_id"),
            "info": summary.get("test_stand_info") or {},
        },
        "dut": {
            "serial_number": summary.get("serial_number"),
            "part_number": summary.get("part_number"),
            "info": summary.get("dut_info") or {},
        },
        "process": {},
        "modules": {},
        "artifact": summary.get("test_run_artifact") or {},
    }


def _local_id(remote: str) -> str:
    """The mirror's run id: StandCloud's test run id when it is a UUID, else one made from it."""
    try:
        return str(uuid.UUID(remote))
    except ValueError:
        return str(uuid.uuid5(_NAMESPACE, remote))


class StandCloudHistory:
    """StandCloud's runs as a `hardlab.views.History` source: pulled into a local mirror.

    The first question pulls every run the `params` choose (``GET
    test_run``, page by page) and, with `reports`, each run's report (``GET
    test_run/{id}``, a few at a time). The runs are kept in an SQLite store
    (`cache`, or a temporary file), which then answers every question as a
    local store does, so the frames have the same columns and dtypes. A run
    whose report the server does not give is kept with what its summary says
    (no cases or measurements). `pull` fetches runs uploaded since.

    Get one with ``hardlab.history("standcloud://ADDRESS")``.

    Args:
        reader: Reads from the server (its connector's credentials apply).
        params: The server's filters (``part_number``, ``status``, ...).
        cache: The mirror's SQLite file (default: temporary).
        reports: Fetch each run's report too.
        page_size: Runs per ``test_run`` page.
        owns_connector: Close the reader's connector on `close`.
    """

    def __init__(
        self,
        reader: StandCloudReader,
        params: Mapping[str, Any] | None = None,
        *,
        cache: str | os.PathLike[str] | None = None,
        reports: bool = True,
        page_size: int = 100,
        owns_connector: bool = False,
    ) -> None:
        self.reader = reader
        self.params = dict(params or {})
        self.reports = reports
        self.page_size = page_size
        self._owns_connector = owns_connector
        self._folder: Path | None = None
        if cache is None:
            self._folder = Path(tempfile.mkdtemp(prefix="hardlab-standcloud-history-"))
            cache = self._folder / "mirror.db"
        self.cache = Path(cache)
        self._store: Store | None = None
        self._pulled = False

    @classmethod
    def from_url(
        cls,
        url: str,
        config_dir: str | os.PathLike[str] | None = None,
        *,
        cache: str | os.PathLike[str] | None = None,
        reports: bool = True,
    ) -> StandCloudHistory:
        """The source ``standcloud://host[:port][/integration][?filters]`` names.

        Raises:
            ConfigError: If the address is not ``host[:port]`` or ``hardpy.toml`` is invalid.
        """
        from hardlab.cloud import StandCloudConnector, StandCloudReader
        from hardlab.config import load_config
        from hardlab.errors import ConfigError

        parts = urlsplit(url)
        mode = parts.path.strip("/") or "hardpy"
        if mode not in ("hardpy", "integration"):
            msg = f"{url!r}: the path names the API, /hardpy (default) or /integration"
            raise ConfigError(msg)
        section = load_config(config_dir).stand_cloud
        connector = StandCloudConnector.from_config(
            section, address=parts.netloc or None, api_mode=mode
        )
        return cls(
            StandCloudReader(connector),
            dict(parse_qsl(parts.query)),
            cache=cache,
            reports=reports,
            owns_connector=True,
        )

    def __repr__(self) -> str:
        query = "&".join(f"{k}={v}" for k, v in self.params.items())
        where = f"{self.reader.connector.api_url}/test_run"
        return f"StandCloudHistory({where}{'?' if query else ''}{query})"

    @property
    def store(self) -> Store:
        """The local mirror (pulled first if it has not been)."""
        if not self._pulled:
            self.pull()
        return self._mirror()

    def _mirror(self) -> Store:
        if self._store is None:
            from hardlab.storage import Store

            self._store = Store(self.cache)
        return self._store

    def pull(self) -> int:
        """Fetch the runs the mirror does not have yet; how many were added.

        Raises:
            StandCloudError: If the server cannot be read (status and reason in the message).
        """
        store = self._mirror()
        known = set(_ids(store.runs()))
        fresh: list[tuple[str, Mapping[str, Any]]] = []
        for summary in self.reader.iter_test_runs(self.params, page_size=self.page_size):
            remote = str(summary.get("test_run_id") or "")
            if not remote:
                continue
            local = _local_id(remote)
            if local not in known:
                known.add(local)
                fresh.append((local, summary))
        added = 0
        with ThreadPoolExecutor(_PULL_THREADS, thread_name_prefix="hardlab-pull") as pool:
            for (local, _), report in zip(fresh, pool.map(self._report, fresh), strict=True):
                added += store.save_report(report, run_id=local, source="standcloud")[1]
        self._pulled = True
        return added

    def _report(self, item: tuple[str, Mapping[str, Any]]) -> Any:
        from pydantic import ValidationError

        from hardlab.model.report import ResultRunStore

        _, summary = item
        if self.reports:
            response = self.reader.test_run(str(summary["test_run_id"]))
            if response.status_code == 200:
                body = response.json()
                candidate = body.get("report") if isinstance(body, dict) else None
                for document in (candidate, body):
                    if isinstance(document, dict) and "modules" in document:
                        with contextlib.suppress(ValidationError):
                            return ResultRunStore.model_validate(document)
        return ResultRunStore.model_validate(summary_document(summary))

    def close(self) -> None:
        """Close the mirror (removing a temporary one) and the connections."""
        if self._store is not None:
            self._store.close()
            self._store = None
        if self._folder is not None:
            shutil.rmtree(self._folder, ignore_errors=True)
            self._folder = None
        if self._owns_connector:
            self.reader.connector.close()

    # ------------------------------------------------------------------ HistorySource

    def runs(
        self, run_filter: Mapping[str, Any] | None = None, *, limit: int | None = None
    ) -> Rows:
        """Runs, newest first (see `hardlab.storage.Store.runs`)."""
        return self.store.runs(run_filter, limit=limit)

    def cases(
        self,
        run_filter: Mapping[str, Any] | None = None,
        *,
        case: str | Sequence[str] | None = None,
        attempts: Attempts = "all",
        limit: int | None = None,
    ) -> Rows:
        """Case attempts (see `hardlab.storage.Store.cases`)."""
        return self.store.cases(run_filter, case=case, attempts=attempts, limit=limit)

    def measurements(
        self,
        run_filter: Mapping[str, Any] | None = None,
        *,
        measurement: str | Sequence[str] | None = None,
        case: str | Sequence[str] | None = None,
        attempts: Attempts = "all",
        numeric: bool = False,
        limit: int | None = None,
    ) -> Rows:
        """Measurements (see `hardlab.storage.Store.measurements`)."""
        return self.store.measurements(
            run_filter,
            measurement=measurement,
            case=case,
            attempts=attempts,
            numeric=numeric,
            limit=limit,
        )

    def get_report(self, run_id: str) -> ResultRunStore:
        """A pulled run's report (see `hardlab.storage.Store.get_report`)."""
        return self.store.get_report(run_id)

    def units(self, run_filter: Mapping[str, Any] | None = None) -> Rows:
        """Units and their retests (see `hardlab.storage.Store.units`)."""
        return self.store.units(run_filter)

    def yields(
        self,
        run_filter: Mapping[str, Any] | None = None,
        *,
        by: Sequence[str] = ("part_number", "stand", "day"),
        final: bool = True,
    ) -> Rows:
        """Yields per cohort group (see `hardlab.storage.Store.yields`)."""
        return self.store.yields(run_filter, by=by, final=final)

    def case_failures(self, run_filter: Mapping[str, Any] | None = None) -> Rows:
        """Failure pareto by case."""
        return self.store.case_failures(run_filter)

    def error_code_failures(self, run_filter: Mapping[str, Any] | None = None) -> Rows:
        """Failure pareto by error code."""
        return self.store.error_code_failures(run_filter)

    def capability(
        self,
        run_filter: Mapping[str, Any] | None = None,
        *,
        measurement: str | Sequence[str] | None = None,
        by: Sequence[str] = (),
        attempts: Attempts = "final",
        method: CapabilityMethod = "auto",
    ) -> Rows:
        """Capability statistics per measurement (see `hardlab.storage.Store.capability`)."""
        return self.store.capability(
            run_filter, measurement=measurement, by=by, attempts=attempts, method=method
        )

    def what_if(
        self,
        run_filter: Mapping[str, Any] | None,
        limits: Mapping[str, tuple[float | None, float | None]],
    ) -> Rows:
        """Units' first runs judged with new limits (see `hardlab.storage.Store.what_if`)."""
        return self.store.what_if(run_filter, limits)


def _ids(rows: Rows) -> Iterator[str]:
    where = rows.columns.index("id")
    return (str(record[where]) for record in rows.records)
