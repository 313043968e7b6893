"""Listeners that keep finished runs: HardPy JSON report files."""

from __future__ import annotations

from pathlib import Path

from hardlab.events import Event, RunFinished
from hardlab.exchange.json_loader import JsonLoader

__all__ = ["JsonReportSink"]


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

    def handle(self, event: Event) -> None:
        """On `RunFinished`, write the report."""
        if not isinstance(event, RunFinished):
            return
        loader = JsonLoader(self.folder)
        report_id = str(event.run.run_id)
        if not loader.load(event.report, new_report_id=report_id):
            msg = f"could not write the report to {loader.path_for(report_id)}"
            raise OSError(msg)
        self.paths.append(loader.path_for(report_id))
