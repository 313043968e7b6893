"""Sinks that keep finished runs as HardPy JSON report files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

from hardlab.events import Event, RunFinished, RunView, SinkOutcome
from hardlab.exchange.json_loader import JsonLoader

if TYPE_CHECKING:
    from hardlab.model.report import ResultRunStore
    from hardlab.storage import StoreSink

__all__ = ["JsonReportSink", "UnsavedReportSink"]


class JsonReportSink:
    """Writes each finished run as a HardPy JSON report, ``<folder>/<run id>.json``.

    Attributes:
        paths: The files written, in order.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.paths: list[Path] = []

    def __repr__(self) -> str:
        return f"JsonReportSink({str(self.folder)!r})"

    def open(self, run: RunView) -> str | None:
        """Nothing to check before the run: the folder is made when the report is written."""
        return None

    def handle(self, event: Event) -> None:
        """On `RunFinished`, write the report.

        Raises:
            OSError: If the report cannot be written (the run says so in its alert).
        """
        if not isinstance(event, RunFinished):
            return
        loader = JsonLoader(self.folder)
        report_id = str(event.run.run_id)
        if not loader.load(event.report, new_report_id=report_id):
            msg = f"could not write the report to {loader.path_for(report_id)}"
            raise OSError(msg)
        self.paths.append(loader.path_for(report_id))

    def close(self) -> SinkOutcome:
        """The last report written, if any."""
        return SinkOutcome(saved_to=str(self.paths[-1]) if self.paths else None)


class UnsavedReportSink:
    """Keeps a run its store could not take as a HardPy JSON file, and says where.

    Close it after the store's sink: it looks at whether the store confirmed the run.

    Args:
        store: The run's store sink.
        folder: Where such reports go (hardlab's ``unsaved`` data folder).
    """

    def __init__(self, store: StoreSink, folder: Path) -> None:
        self.store = store
        self.folder = folder
        self._run: RunView | None = None
        self._report: ResultRunStore | None = None

    def __repr__(self) -> str:
        return f"UnsavedReportSink({str(self.folder)!r})"

    def open(self, run: RunView) -> str | None:
        """Nothing to check before the run."""
        return None

    def handle(self, event: Event) -> None:
        """Keep the final report."""
        if isinstance(event, RunFinished):
            self._run = event.run
            self._report = event.report

    def close(self) -> SinkOutcome:
        """Save the report if the store did not confirm the run; say where it went.

        A run the store's writer kept in its spool (the store was unavailable at
        the run's end) is not saved again: the spool holds the whole run, it is
        written to the store when the store is back, and the store's notice says so.
        """
        run, report = self._run, self._report
        if run is None or report is None or self.store.saved or self.store.spooled:
            return SinkOutcome()
        loader = JsonLoader(self.folder)
        run_id = str(run.run_id)
        if loader.load(report, new_report_id=run_id):
            path = loader.path_for(run_id)
            owed = ""
            if self.store.outbox is not None:
                # `hardlab import` reads this note (hardlab.exchange's UPLOAD_NOTE)
                # and queues the upload the run owed with the run
                note = path.with_suffix(".standcloud")
                try:
                    note.write_text(json.dumps(self.store.outbox), encoding="utf-8")
                    owed = "; it is then queued for StandCloud"
                except OSError as exc:
                    owed = f"; it owes StandCloud an upload the import cannot know of: {exc}"
            text = (
                f"the run is not in the store; its report was saved to {path} "
                f"(bring it in later with: hardlab import {path}{owed})"
            )
            return SinkOutcome(notices=(text,), saved_to=str(path))
        text = (
            f"the run could not be stored nor saved under {loader.storage_dir}"  # pragma: no cover
        )
        return SinkOutcome(notices=(text,))  # pragma: no cover - the store and the disk both failed
