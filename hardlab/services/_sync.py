"""The StandCloud sync worker: drains the store's outbox, after each run and in the background.

Each report is sent once per attempt with its run id as the idempotency
key, over a few kept-alive HTTPS connections at once. What the answer means
is `hardlab.cloud`'s to say (`hardlab.cloud.UploadOutcome`); what the worker
does about it is decided here:

* delivered or duplicate (201, or 409 for a key stored before): delivered;
* retry, unauthorized (408, 429, 5xx, timeouts, reset connections, 401 after
  the login was refreshed): tried again later, after an exponential backoff
  with jitter (at least the server's ``Retry-After``);
* unreachable (the server is not there): tried again later, and the pass stops;
* rejected (any other 4xx): parked with the server's reason, shown by
  ``hardlab sc-status`` until ``hardlab sc-retry`` or ``hardlab sc-drop``;
* blocked (no credentials, a certificate that is not trusted): nothing is
  counted against the reports; the drain stops and says why.
"""

from __future__ import annotations

import atexit
import random
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

from hardlab.errors import ConfigError, StandCloudError

if TYPE_CHECKING:
    import os

    from hardlab.cloud import StandCloudLoader
    from hardlab.config import HardpyConfig, StandCloudConfig
    from hardlab.storage import OutboxEntry, OutboxResult, Store

__all__ = [
    "SyncPolicy",
    "SyncResult",
    "after_run",
    "background_sync",
    "connection_problem",
    "drain",
    "outbox_target",
    "stop_background_syncs",
    "sync",
]


@dataclass(frozen=True)
class SyncPolicy:
    """How the sync worker sends and retries.

    Attributes:
        base_delay: Seconds before the first retry; each failure doubles it.
        max_delay: The longest wait between two attempts of a report.
        jitter: The share of each delay drawn at random, so stands that
            failed together do not retry together.
        concurrency: Reports in flight at once (each on its own kept-alive connection).
        batch: Reports claimed from the store at a time.
        lease: Seconds a claimed report is left alone by other drainers.
        timeout: Seconds to wait for StandCloud to answer one upload.
        max_retry_after: The longest ``Retry-After`` honoured; a server asking
            for longer is asked again after this long.
    """

    base_delay: float = 30.0
    max_delay: float = 3600.0
    jitter: float = 0.5
    concurrency: int = 8
    batch: int = 200
    lease: float = 300.0
    timeout: float = 20.0
    max_retry_after: float = 3600.0

    def delay(self, attempts: int, retry_after: float | None = None, rng: Any = random) -> float:
        """The wait before attempt ``attempts + 1`` (`attempts` failed so far)."""
        wait = min(self.max_delay, self.base_delay * 2.0 ** max(0, attempts - 1))
        wait = wait * (1.0 - self.jitter) + wait * self.jitter * rng.random()
        if retry_after is not None:
            # the server's word wins over our own backoff, even above max_delay
            wait = max(wait, min(retry_after, self.max_retry_after))
        return float(wait)


@dataclass
class SyncResult:
    """What one drain did.

    Attributes:
        delivered: Reports StandCloud stored now.
        duplicates: Of those, reports it had stored before (a lost answer, re-sent).
        retrying: Reports that failed for now and wait for their next attempt.
        parked: Reports StandCloud rejected (see ``hardlab sc-status``).
        pending: Reports still owed when the drain ended.
        stopped: Why the drain stopped early (no login, untrusted certificate, server down).
        errors: One line per report that was not delivered, with the reason.
        rejected: The run ids StandCloud rejected now, with its reason (parked).
        deferred: The run ids that failed for now, with the reason (retried later).
    """

    delivered: int = 0
    duplicates: int = 0
    retrying: int = 0
    parked: int = 0
    pending: int = 0
    stopped: str | None = None
    errors: list[str] = field(default_factory=list)
    rejected: dict[str, str] = field(default_factory=dict)
    deferred: dict[str, str] = field(default_factory=dict)

    def __str__(self) -> str:
        parts = []
        if self.delivered:
            again = f" ({self.duplicates} already there)" if self.duplicates else ""
            parts.append(f"Reports uploaded to StandCloud: {self.delivered}{again}")
        elif not self.pending and not self.parked and not self.stopped:
            parts.append("All reports are synchronized with StandCloud")
        if self.parked:
            parts.append(f"{self.parked} rejected (parked; see hardlab sc-status)")
        if self.pending:
            parts.append(f"{self.pending} still waiting")
        if self.stopped:
            parts.append(f"stopped: {self.stopped}")
        return "; ".join(parts)

    @property
    def ok(self) -> bool:
        """Whether nothing is left owed and nothing was rejected."""
        return not self.pending and not self.parked and not self.stopped

    def describe(self, limit: int = 20) -> str:
        """The summary line, then up to `limit` lines of reports not delivered, with the reason.

        What ``hardlab sc-sync`` and ``%hardpy sc-sync`` print.
        """
        lines = [str(self), *(f"  {line}" for line in self.errors[:limit])]
        if len(self.errors) > limit:
            lines.append(f"  ... and {len(self.errors) - limit} more (hardlab sc-status)")
        return "\n".join(lines)


LoaderFactory = Callable[[str, str], "StandCloudLoader"]
"""Makes the loader for an (address, api mode); `drain` closes what it makes."""


def _upload_batch(
    entries: Sequence[OutboxEntry],
    loader_for: Callable[[OutboxEntry], StandCloudLoader],
    policy: SyncPolicy,
    result: SyncResult,
    rng: random.Random,
    fatal: threading.Event,
    halt: threading.Event,
    settle: Callable[[Sequence[OutboxResult]], None],
) -> list[OutboxResult]:
    """Send a claimed batch; each report's outcome is settled (`settle`) as soon as it is known.

    A drainer killed mid-batch has thus recorded every answer it heard: its
    successor re-sends only the reports that were in flight (at most
    ``policy.concurrency``), not the whole batch.
    """
    from hardlab.cloud import UploadKind
    from hardlab.storage import OutboxResult

    now = datetime.now(timezone.utc)
    stop = threading.Event()
    lock = threading.Lock()
    unsettled: list[OutboxResult] = []
    settling = threading.Lock()

    def settled(outcome: OutboxResult) -> OutboxResult:
        # group commit: whoever holds `settling` writes every outcome waiting,
        # so each is stored before its send returns, in few transactions
        with lock:
            unsettled.append(outcome)
        with settling:
            with lock:
                waiting = unsettled[:]
                unsettled.clear()
            if waiting:
                settle(waiting)
        return outcome

    def later(entry: OutboxEntry, wait: float | None = None) -> datetime:
        with lock:
            return now + timedelta(seconds=policy.delay(entry.attempts + 1, wait, rng))

    def send(entry: OutboxEntry) -> OutboxResult:
        # not sent (the pass stopped, or the drain was asked to end): given back untouched
        if stop.is_set() or halt.is_set() or entry.document is None:
            return OutboxResult(entry.run_id, "released")
        outcome = loader_for(entry).send(entry.document, key=entry.run_id, timeout=policy.timeout)
        if outcome.delivered:
            with lock:
                result.delivered += 1
                result.duplicates += outcome.kind is UploadKind.DUPLICATE
            return OutboxResult(
                entry.run_id, "delivered", status=outcome.status, remote_id=outcome.remote_id
            )
        if outcome.kind is UploadKind.REJECTED:
            return OutboxResult(entry.run_id, "parked", status=outcome.status, error=str(outcome))
        if outcome.kind in (UploadKind.BLOCKED, UploadKind.UNREACHABLE):
            # no credentials, an untrusted certificate, a server that is not there:
            # the reports are not at fault; the drain stops here
            with lock:
                if result.stopped is None:
                    result.stopped = outcome.reason
            stop.set()
            if outcome.kind is UploadKind.BLOCKED:
                fatal.set()
                return OutboxResult(entry.run_id, "released")
        return OutboxResult(
            entry.run_id,
            "retry",
            status=outcome.status,
            error=str(outcome),
            next_attempt_at=later(entry, outcome.retry_after),
        )

    def send_and_settle(entry: OutboxEntry) -> OutboxResult:
        return settled(send(entry))

    if policy.concurrency <= 1 or len(entries) == 1:
        outcomes = [send_and_settle(entry) for entry in entries]
    else:
        with ThreadPoolExecutor(policy.concurrency, thread_name_prefix="hardlab-sync") as pool:
            outcomes = list(pool.map(send_and_settle, entries))
    for outcome in outcomes:
        if outcome.outcome == "retry":
            result.retrying += 1
            result.errors.append(f"{outcome.run_id}: {outcome.error}")
            result.deferred[outcome.run_id] = str(outcome.error)
        elif outcome.outcome == "parked":
            result.parked += 1
            result.errors.append(f"{outcome.run_id}: rejected ({outcome.error})")
            result.rejected[outcome.run_id] = str(outcome.error)
    return outcomes


def drain(
    store: Store,
    loader_factory: LoaderFactory,
    *,
    policy: SyncPolicy | None = None,
    address: str | None = None,
    wait: bool = False,
    timeout: float | None = None,
    stop: threading.Event | None = None,
    seed: int | None = None,
    run_ids: Sequence[str] | None = None,
) -> SyncResult:
    """Send what the outbox owes StandCloud.

    Args:
        store: The store whose outbox is drained.
        loader_factory: Makes the loader (connection and credentials) for an
            address and API mode.
        policy: Retries, concurrency and timeouts.
        address: Only this address's reports (default: all).
        wait: Also wait for reports whose next attempt is due later, until
            none is owed or `timeout` passes; without it, one pass over what
            is due now.
        timeout: Seconds `wait` may take.
        stop: Ends the drain between batches when set.
        seed: Makes the backoff jitter repeatable.
        run_ids: Only these runs' reports.

    Returns:
        What was delivered, retried and parked, and what is still owed.

    Raises:
        StorageError: If the store cannot be read or written.
    """
    policy = policy or SyncPolicy()
    rng = random.Random(seed)
    stop = stop or threading.Event()
    result = SyncResult()
    loaders: dict[tuple[str, str], StandCloudLoader] = {}
    deadline = None if timeout is None else time.monotonic() + timeout

    def loader_for(entry: OutboxEntry) -> StandCloudLoader:
        key = (entry.address, entry.api_mode)
        with lock:
            if key not in loaders:
                loaders[key] = loader_factory(*key)
            return loaders[key]

    lock = threading.Lock()
    fatal = threading.Event()
    lease = timedelta(seconds=policy.lease)
    # one pass sends what was due when it began, not the retries it schedules itself
    began = None if wait else datetime.now(timezone.utc)
    try:
        while not stop.is_set():
            entries = store.outbox.claim(
                limit=policy.batch, lease=lease, address=address, due_by=began, run_ids=run_ids
            )
            if entries:
                _upload_batch(
                    entries, loader_for, policy, result, rng, fatal, stop, store.outbox.record
                )
                if fatal.is_set() or (result.stopped is not None and not wait):
                    break  # no credentials or an untrusted server: waiting will not help
                continue
            if not wait:
                break
            due = store.outbox.next_due(address=address, run_ids=run_ids)
            if due is None:
                break
            pause = (due - datetime.now(timezone.utc)).total_seconds()
            if deadline is not None:
                remaining = deadline - time.monotonic()
                if remaining <= 0 or pause > remaining:
                    break
            if pause > 0:
                result.stopped = None  # the server may be back by then
                if stop.wait(pause):
                    break
    finally:
        for loader in loaders.values():
            loader.close()
    result.pending = store.outbox.counts(address=address, run_ids=run_ids)["pending"]
    if not result.pending and not fatal.is_set():
        # a connection that failed on the way (then worked) did not stop anything
        result.stopped = None
    return result


def _loader_factory(
    config: StandCloudConfig, policy: SyncPolicy
) -> Callable[[str, str], StandCloudLoader]:
    def make(address: str, api_mode: str) -> StandCloudLoader:
        from hardlab.cloud import StandCloudConnector, StandCloudLoader

        connector = StandCloudConnector.from_config(
            config,
            address=address,
            api_mode=api_mode,
            timeout=policy.timeout,
            max_connections=max(1, policy.concurrency),
        )
        return StandCloudLoader(connector=connector)

    return make


def _open(store: Store | str | os.PathLike[str] | None, config: HardpyConfig) -> tuple[Store, bool]:
    from hardlab.storage import Store

    if isinstance(store, Store):
        return store, False
    return Store(store, config=config), True


def sync(
    config_dir: str | os.PathLike[str] | None = None,
    *,
    store: Store | str | os.PathLike[str] | None = None,
    address: str | None = None,
    wait: bool = False,
    timeout: float | None = None,
    policy: SyncPolicy | None = None,
) -> SyncResult:
    """Upload the reports the store owes StandCloud (``hardlab sc-sync``, ``%hardpy sc-sync``).

    Args:
        config_dir: The plan folder whose ``hardpy.toml`` gives the address,
            the API key and the TLS settings (default: the working directory).
        store: The store, its URL or SQLite path (default: the plan's, else hardlab's own).
        address: Only the reports queued for this address (default: every address;
            the API key applies to the configured one, logins to the others).
        wait: Wait for reports whose retry is due later, up to `timeout` seconds.
        timeout: The longest `wait`.
        policy: Retries, concurrency, timeouts.

    Returns:
        What was delivered, retried, parked and is still owed.

    Raises:
        ConfigError: If ``hardpy.toml`` is invalid.
        StorageError: If the store cannot be used.

    Example:
        ```python
        result = hardlab.sync("plans/power_board")
        print(result)
        ```
    """
    from hardlab.cloud import normalize_address
    from hardlab.config import load_config

    config = load_config(config_dir)
    policy = policy or SyncPolicy()
    opened, own = _open(store, config)
    try:
        return drain(
            opened,
            _loader_factory(config.stand_cloud, policy),
            policy=policy,
            address=normalize_address(address) if address else None,
            wait=wait,
            timeout=timeout,
        )
    finally:
        if own:
            opened.close()


def outbox_target(config: StandCloudConfig) -> dict[str, str] | None:
    """Where the store writer queues a finished run's report (autosync), or None without autosync.

    The store sink hands it to the writer, which queues the report in the
    transaction that stores the run's final state; `after_run` then sends it.

    Args:
        config: ``[stand_cloud]`` of the run's ``hardpy.toml``.

    Returns:
        ``{"address": host[:port], "api_mode": "hardpy"}``, or None.

    Raises:
        ConfigError: If ``[stand_cloud] address`` is not ``host[:port]``.
    """
    if not config.autosync:
        return None
    from hardlab.cloud import normalize_address

    return {"address": normalize_address(config.address), "api_mode": "hardpy"}


def connection_problem(config: StandCloudConfig, timeout: float = 10.0) -> str | None:
    """Why StandCloud cannot take reports now (unreachable, no credentials), or None."""
    from hardlab.cloud import StandCloudConnector

    try:
        connector = StandCloudConnector.from_config(config, timeout=timeout)
    except ConfigError as exc:
        return str(exc)
    try:
        connector.healthcheck()
    except StandCloudError as exc:
        return str(exc)
    finally:
        connector.close()
    return None


# ------------------------------------------------------------------ background


class _Background:
    """Drains one store's outbox for one address every `period` seconds, in a daemon thread."""

    def __init__(self, url: str, config: StandCloudConfig, period: float, policy: SyncPolicy):
        self.url = url
        self.config = config
        self.period = period
        self.policy = policy
        self.stop = threading.Event()
        self.wake = threading.Event()
        self.last: SyncResult | None = None
        self.thread = threading.Thread(target=self._loop, name="hardlab-autosync", daemon=True)

    def _loop(self) -> None:
        from hardlab.cloud import normalize_address
        from hardlab.errors import HardlabError
        from hardlab.storage import Store

        address = normalize_address(self.config.address)
        while not self.stop.is_set():
            pause = self.period
            try:
                with Store(self.url) as store:
                    self.last = drain(
                        store,
                        _loader_factory(self.config, self.policy),
                        policy=self.policy,
                        address=address,
                        stop=self.stop,
                    )
                    due = store.outbox.next_due(address=address)
                if due is not None:
                    until = (due - datetime.now(timezone.utc)).total_seconds()
                    pause = min(pause, max(until, self.policy.base_delay / 2, 1.0))
            except HardlabError as exc:  # the store or the config: try again next period
                self.last = SyncResult(stopped=str(exc))
            self.wake.wait(pause)
            self.wake.clear()


_BACKGROUND: dict[tuple[str, str], _Background] = {}
_BACKGROUND_LOCK = threading.Lock()
_AT_EXIT: list[bool] = []  # filled once the exit handler is registered
_EXIT_WAIT_S = 2.0


def background_sync(
    url: str,
    config: StandCloudConfig,
    *,
    period: float | None = None,
    policy: SyncPolicy | None = None,
) -> None:
    """Keep draining `url`'s outbox for `config`'s address in this process (one thread each).

    The worker wakes every ``autosync_timeout`` minutes (or `period`
    seconds), sooner when a retry falls due; calling again wakes it now.
    """
    from hardlab.cloud import normalize_address

    key = (url, normalize_address(config.address))
    with _BACKGROUND_LOCK:
        if not _AT_EXIT:
            # a process that ends (hardlab run) lets its workers give back what they
            # claimed but did not send, so the next sync need not wait for the lease
            atexit.register(stop_background_syncs, _EXIT_WAIT_S)
            _AT_EXIT.append(True)
        worker = _BACKGROUND.get(key)
        if worker is None or not worker.thread.is_alive():
            seconds = period if period is not None else max(1, config.autosync_timeout) * 60.0
            worker = _Background(url, config.model_copy(), seconds, policy or SyncPolicy())
            _BACKGROUND[key] = worker
            worker.thread.start()
        else:
            worker.wake.set()


def stop_background_syncs(timeout: float = 30.0) -> None:
    """Stop every background sync worker of this process (and wait for them)."""
    with _BACKGROUND_LOCK:
        workers = list(_BACKGROUND.values())
        _BACKGROUND.clear()
    for worker in workers:
        worker.stop.set()
        worker.wake.set()
    for worker in workers:
        worker.thread.join(timeout)


def after_run(
    url: str,
    config: StandCloudConfig,
    policy: SyncPolicy | None = None,
    *,
    run_id: str | None = None,
) -> SyncResult:
    """Send a finished run's report now; leave the rest of the outbox to the background worker.

    Only the run's own report is sent before the run ends (so a long backlog
    or a slow server never holds the operator up); if other reports are owed
    to the same address, the process's background worker is started (or
    woken) to send them.

    Args:
        url: The store's URL.
        config: ``[stand_cloud]`` of the run's ``hardpy.toml``.
        policy: Retries, concurrency and timeouts.
        run_id: The run; None sends everything due for the address now.

    Returns:
        What the pass did for the run (its `str` is the line the run shows).
    """
    from hardlab.cloud import normalize_address
    from hardlab.storage import Store

    policy = policy or SyncPolicy()
    address = normalize_address(config.address)
    only = [run_id] if run_id is not None else None
    with Store(url) as store:
        result = drain(
            store, _loader_factory(config, policy), policy=policy, address=address, run_ids=only
        )
        owed = store.outbox.counts(address=address)["pending"]
    if owed:
        background_sync(url, config, policy=policy)
    return result
