"""What combines the store, StandCloud and the file formats: sync, history, a run's sinks.

This layer sits above `hardlab.storage` and `hardlab.cloud` (it uses both,
they know nothing of each other) and below the runner and the shells:

- `sync` drains the store's outbox (``hardlab sc-sync``, ``%hardpy sc-sync``);
  `after_run` sends a finished run's report and leaves the rest to
  `background_sync`; `outbox_target` says where autosync queues a report;
  `connection_problem` says why StandCloud cannot take reports now
  (``connection_only``). What an upload's answer means is
  `hardlab.cloud.UploadOutcome`'s to say, not this package's.
- `UploadSink` is a run's StandCloud sink (``connection_only`` before it
  starts, autosync when it ends); `JsonReportSink` writes ``--report-dir``
  files and `UnsavedReportSink` keeps a run the store could not take;
  `hardlab.runner` builds them into a run's sinks.
- `history` gives the store's runs, or StandCloud's through a local mirror
  (`StandCloudHistory`), as `hardlab.views.History`.

Importing this package imports nothing heavy; the names load on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hardlab._util import lazy_exports

if TYPE_CHECKING:
    from hardlab.services._files import JsonReportSink, UnsavedReportSink
    from hardlab.services._history import SCHEME, StandCloudHistory, history, summary_document
    from hardlab.services._sync import (
        LoaderFactory,
        SyncPolicy,
        SyncResult,
        after_run,
        background_sync,
        connection_problem,
        drain,
        outbox_target,
        stop_background_syncs,
        sync,
    )
    from hardlab.services._upload import UploadSink, unavailable

__all__ = [
    "SCHEME",
    "JsonReportSink",
    "LoaderFactory",
    "StandCloudHistory",
    "SyncPolicy",
    "SyncResult",
    "UnsavedReportSink",
    "UploadSink",
    "after_run",
    "background_sync",
    "connection_problem",
    "drain",
    "history",
    "outbox_target",
    "stop_background_syncs",
    "summary_document",
    "sync",
    "unavailable",
]

_WHERE = {
    "JsonReportSink": "hardlab.services._files",
    "UnsavedReportSink": "hardlab.services._files",
    "UploadSink": "hardlab.services._upload",
    "unavailable": "hardlab.services._upload",
    "SCHEME": "hardlab.services._history",
    "LoaderFactory": "hardlab.services._sync",
    "StandCloudHistory": "hardlab.services._history",
    "SyncPolicy": "hardlab.services._sync",
    "SyncResult": "hardlab.services._sync",
    "after_run": "hardlab.services._sync",
    "background_sync": "hardlab.services._sync",
    "connection_problem": "hardlab.services._sync",
    "drain": "hardlab.services._sync",
    "history": "hardlab.services._history",
    "outbox_target": "hardlab.services._sync",
    "stop_background_syncs": "hardlab.services._sync",
    "summary_document": "hardlab.services._history",
    "sync": "hardlab.services._sync",
}

__getattr__, __dir__ = lazy_exports(__name__, _WHERE)
