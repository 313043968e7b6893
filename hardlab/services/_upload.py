"""What a run does about StandCloud: refuse to start without it, queue and send the report.

`UploadSink` is the run's StandCloud sink (`hardlab.services.outbox_target`
tells the store's writer where to queue the report).

With ``[stand_cloud] autosync = true`` the store writer queues the report in
the outbox in the transaction that stores the run's final state (the sink
carries the address); after the run one pass of the sync worker sends it,
and a background worker retries whatever is still owed. A run without a
store uploads its report once, directly, and says so if that fails.
With ``connection_only = true`` a run does not start while StandCloud cannot
be reached or refuses the credentials.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hardlab.errors import ConfigError, HardlabError
from hardlab.events import Event, RunFinished, RunView, SinkOutcome

if TYPE_CHECKING:
    from hardlab.config import HardpyConfig, StandCloudConfig
    from hardlab.model.report import ResultRunStore
    from hardlab.services._sync import SyncResult
    from hardlab.storage import StoreSink

__all__ = ["UploadSink", "unavailable"]


def unavailable(config: HardpyConfig) -> str | None:
    """With ``connection_only``: why the run must not start (HardPy's alert), else None."""
    section = config.stand_cloud
    if not section.connection_only:
        return None
    from hardlab.services._sync import connection_problem

    try:
        problem = connection_problem(section)
    except HardlabError as exc:  # the standcloud extra is missing, say
        problem = str(exc)
    if problem is None:
        return None
    return (
        f"StandCloud service at the address {section.address} not available or HardPy user "
        f"is not authorized ({problem}); the run needs it (connection_only = true)"
    )


def _outcome_lines(run_id: str, result: SyncResult) -> list[str]:
    """What to tell the operator about this run's upload (nothing when it went up)."""
    short = run_id[:13]
    if run_id in result.rejected:
        return [
            f"StandCloud rejected the report ({result.rejected[run_id]}); it is parked in the "
            f"outbox: fix the plan, then `hardlab sc-retry {short}` (or `hardlab sc-drop {short}`)"
        ]
    if run_id in result.deferred or result.stopped:
        why = result.deferred.get(run_id) or result.stopped
        return [
            f"StandCloud: the report is queued and will be sent again ({why}); "
            "`hardlab sc-status` lists what is owed, `hardlab sc-sync` sends it now"
        ]
    return []


def _upload(
    section: StandCloudConfig, run_id: str, report: ResultRunStore, store: StoreSink | None
) -> list[str]:
    """Send the finished run's report (autosync); the lines to show when it did not go."""
    try:
        if store is not None and store.saved and store.outbox:
            from hardlab.services._sync import after_run as drain_after_run

            result = drain_after_run(store.url, section, run_id=run_id)
            return _outcome_lines(run_id, result)
        from hardlab.cloud import StandCloudLoader

        with StandCloudLoader(config=section) as loader:
            outcome = loader.deliver(report)
        if outcome.delivered:
            return []
        return [
            f"StandCloud: the report was not uploaded ({outcome}); "
            "without the store it is not queued for another try"
        ]
    except (HardlabError, ConfigError) as exc:
        return [f"StandCloud: the report was not uploaded ({exc})"]


class UploadSink:
    """The run's StandCloud sink (``[stand_cloud]`` of ``hardpy.toml``).

    With ``connection_only`` it refuses to open while StandCloud cannot be
    reached or refuses the credentials. With ``autosync`` it sends the
    finished run's report when it closes: the store's writer has queued it
    in the outbox (one pass of the sync worker sends it now, a background
    worker retries), or, for a run without a store, it is uploaded once,
    directly. Close it after the store's sink.

    Args:
        config: The plan's ``hardpy.toml``, as the run uses it.
        store: The run's store sink, if the run has a store.
    """

    def __init__(self, config: HardpyConfig, store: StoreSink | None = None) -> None:
        self.config = config
        self.store = store
        self._run: RunView | None = None
        self._report: ResultRunStore | None = None

    def __repr__(self) -> str:
        return f"UploadSink({self.config.stand_cloud.address!r})"

    def open(self, run: RunView) -> str | None:
        """With ``connection_only``: why the run must not start, else None."""
        self._run = run
        return unavailable(self.config)

    def handle(self, event: Event) -> None:
        """Keep the final report."""
        if isinstance(event, RunFinished):
            self._run = event.run
            self._report = event.report

    def close(self) -> SinkOutcome:
        """Send the report (autosync); what to tell the operator when it did not go."""
        run, report = self._run, self._report
        section = self.config.stand_cloud
        if not section.autosync or run is None or report is None or run.started_ns is None:
            return SinkOutcome()  # no autosync, or a run that never started
        lines = _upload(section, str(run.run_id), report, self.store)
        return SinkOutcome(notices=tuple(lines))
