"""Services a run uses beside the engine: StandCloud upload and the report-file sinks.

They sit above storage, StandCloud and exchange and combine them: the
launch (`hardlab.runner`) builds them into a run's sinks. Names are imported
on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hardlab._util import lazy_exports

if TYPE_CHECKING:
    from hardlab.services._files import JsonReportSink, UnsavedReportSink
    from hardlab.services._upload import UploadSink, outbox_target, unavailable

__all__ = ["JsonReportSink", "UnsavedReportSink", "UploadSink", "outbox_target", "unavailable"]

_WHERE = {
    "JsonReportSink": "hardlab.services._files",
    "UnsavedReportSink": "hardlab.services._files",
    "UploadSink": "hardlab.services._upload",
    "outbox_target": "hardlab.services._upload",
    "unavailable": "hardlab.services._upload",
}

__getattr__, __dir__ = lazy_exports(__name__, _WHERE)
