"""The report formats hardlab writes and reads: one registry every shell takes them from.

``hardlab export --format``, the JupyterLab extension's download and
``hardlab import --format`` list their choices from here, and write a run
through `ExportFormat.write`; adding a format is one `ExportFormat` in
`EXPORT_FORMATS` (and, to read it, one reader in `read_report_document`).

This module imports no pydantic: the writers are imported when called, so
jupyter_server can read the registry while it loads the extension.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from hardlab.exchange._common import CaseAttempt
    from hardlab.model.report import ResultRunStore

__all__ = [
    "DEFAULT_EXPORT",
    "EXPORT_FORMATS",
    "IMPORT_FORMATS",
    "DocumentFormat",
    "ExportFormat",
    "ExportedRun",
    "ImportFormat",
    "export_format",
    "hardpy_json",
]


@dataclass(frozen=True)
class ExportedRun:
    """What an export writes: a run's report, with what the store knows beside it.

    Attributes:
        report: The report (HardPy's schema v1).
        run_id: The run's id.
        started_ms: When it started (Unix milliseconds), if known: the
            report's own times are whole seconds.
        stopped_ms: When it stopped, if known.
        attempts: Every stored attempt of its cases (`CaseAttempt`), the
            final ones included; none for a report without a store.
    """

    report: ResultRunStore
    run_id: str
    started_ms: int | None = None
    stopped_ms: int | None = None
    attempts: Sequence[CaseAttempt] = ()


def hardpy_json(report: ResultRunStore, run_id: str) -> str:
    """The text HardPy's ``JsonLoader`` writes for `report` under `run_id`.

    The report's ``model_dump`` with its ``id`` set to `run_id`, indented by
    two: what `hardlab.exchange.JsonLoader` writes to ``<dir>/<run_id>.json``.
    """
    # pydantic-core writes the JSON (a dozen times faster than json.dump with
    # indent for a 1,000-case report); the content is HardPy's.
    return report.model_copy(update={"id": run_id}).model_dump_json(indent=2)


def _hardpy_json(run: ExportedRun, options: frozenset[str]) -> str:
    return hardpy_json(run.report, run.run_id)


def _openhtf(run: ExportedRun, options: frozenset[str]) -> str:
    from hardlab.exchange._openhtf import to_openhtf

    record = to_openhtf(
        run.report,
        run_id=run.run_id,
        started_ms=run.started_ms,
        stopped_ms=run.stopped_ms,
        attempts=run.attempts,
        embed_report="hardpy_copy" in options,
    )
    return json.dumps(record, indent=2, ensure_ascii=False)


def _junit(run: ExportedRun, options: frozenset[str]) -> str:
    from hardlab.exchange._junit import to_junit

    return to_junit(
        run.report,
        run_id=run.run_id,
        started_ms=run.started_ms,
        stopped_ms=run.stopped_ms,
        attempts=run.attempts,
    )


def _csv(run: ExportedRun, options: frozenset[str]) -> str:
    from hardlab.exchange._csv import to_csv

    attempts = run.attempts
    if "attempts" not in options:
        attempts = [a for a in attempts if a.final]
    return to_csv(run.report, run_id=run.run_id, started_ms=run.started_ms, attempts=attempts)


@dataclass(frozen=True)
class ExportFormat:
    """A format a stored run can be written in.

    Attributes:
        name: What ``--format`` and ``?format=`` take.
        title: Its name in prose (``HardPy JSON``).
        suffix: The file name's ending (``<run id><suffix>``).
        media_type: The MIME type of the text, as served over HTTP.
        description: One line for help texts.
        options: The options this format takes (`write`'s `options`):
            ``hardpy_copy`` (OpenHTF: embed the HardPy report, on by default
            in ``hardlab export``), ``attempts`` (CSV: earlier attempts too).
        report_only: Whether the report alone is enough: the format shows
            no earlier attempts nor times finer than the report's seconds.
    """

    name: str
    title: str
    suffix: str
    media_type: str
    description: str
    writer: Callable[[ExportedRun, frozenset[str]], str] = field(repr=False)
    options: frozenset[str] = frozenset()
    report_only: bool = False

    def write(self, run: ExportedRun, options: frozenset[str] | set[str] = frozenset()) -> str:
        """The run as this format's text.

        Args:
            run: The run.
            options: Which of this format's `options` are on.

        Raises:
            ValueError: If an option is not one of this format's.
        """
        unknown = set(options) - self.options
        if unknown:
            msg = f"{', '.join(sorted(unknown))}: not an option of the {self.name} format"
            raise ValueError(msg)
        return self.writer(run, frozenset(options))


EXPORT_FORMATS = (
    ExportFormat(
        "hardpy-json",
        "HardPy JSON",
        ".json",
        "application/json",
        "HardPy's JSON report, as JsonLoader writes it",
        _hardpy_json,
        report_only=True,
    ),
    ExportFormat(
        "openhtf",
        "OpenHTF",
        ".openhtf.json",
        "application/json",
        "an OpenHTF test record (JSON, as OpenHTF's OutputToJSON writes; TofuPilot imports it)",
        _openhtf,
        options=frozenset({"hardpy_copy"}),
    ),
    ExportFormat(
        "junit",
        "JUnit",
        ".xml",
        "application/xml",
        "JUnit XML for CI, measurements as properties",
        _junit,
    ),
    ExportFormat(
        "csv",
        "CSV",
        ".csv",
        "text/csv",
        "one row per measurement",
        _csv,
        options=frozenset({"attempts"}),
    ),
)
"""Every format a stored run can be exported in, HardPy's first."""

DEFAULT_EXPORT = EXPORT_FORMATS[0]
"""HardPy's JSON report: what a download gives unless asked otherwise."""

DocumentFormat = Literal["auto", "hardpy", "openhtf"]
"""What to read a document as: ``auto`` tells HardPy reports and OpenHTF records apart."""


@dataclass(frozen=True)
class ImportFormat:
    """A way to read documents for import (`read_report_document`'s ``expect``).

    Attributes:
        name: What ``hardlab import --format`` takes.
        description: One line for help texts.
    """

    name: DocumentFormat
    description: str


IMPORT_FORMATS = (
    ImportFormat("auto", "each as what it is"),
    ImportFormat("hardpy", "HardPy reports only"),
    ImportFormat("openhtf", "OpenHTF records only"),
)
"""How ``hardlab import --format`` reads documents, the default (``auto``) first."""


def export_format(name: str) -> ExportFormat:
    """The export format called `name`.

    Raises:
        ValueError: If there is none; the message lists the formats.
    """
    for found in EXPORT_FORMATS:
        if found.name == name:
            return found
    names = ", ".join(f.name for f in EXPORT_FORMATS)
    msg = f"unknown export format {name!r}; choose from {names}"
    raise ValueError(msg)
