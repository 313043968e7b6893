"""What a JSON document is: a HardPy report, HardPy's panel state, or an OpenHTF record."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from hardlab.errors import ReportFormatError
from hardlab.exchange._formats import DocumentFormat
from hardlab.exchange._openhtf import CaseAttempt, from_openhtf, is_openhtf_record
from hardlab.exchange.json_loader import validate_report
from hardlab.model.enums import TestStatus
from hardlab.model.report import ResultRunStore

__all__ = ["DocumentFormat", "ReadDocument", "read_report_document"]

_STATESTORE_KEYS = frozenset({"progress", "alert", "operator_data"})


@dataclass
class ReadDocument:
    """A document read for import: a report, or why there is none.

    Attributes:
        kind: ``hardpy`` (a HardPy report), ``openhtf`` (an OpenHTF record),
            or ``other``.
        report: The report, or None if the document is not imported.
        problem: Why it is not imported (None when `report` is set).
        run_id: The hardlab run id the document carries, if any.
        attempts: Earlier attempts of cases (from OpenHTF REPEAT phases).
        note: Something worth telling about how it was read.
        ignorable: Whether the document is known not to be a report (HardPy's
            panel state, a CouchDB design document, a run that never
            started), rather than a report that cannot be read.
    """

    kind: Literal["hardpy", "openhtf", "other"]
    report: ResultRunStore | None = None
    problem: str | None = None
    run_id: str | None = None
    attempts: list[CaseAttempt] = field(default_factory=list)
    note: str | None = None
    ignorable: bool = False


def read_report_document(data: Any, *, expect: DocumentFormat = "auto") -> ReadDocument:
    """Read a parsed JSON document as a report, or say why it is none.

    Recognises HardPy reports (files from `JsonLoader`, CouchDB documents
    from `CouchdbLoader`, HardPy's runstore and tempstore), HardPy's panel
    state (statestore documents, not reports), CouchDB design documents,
    and OpenHTF test records. A report of a run that never started (status
    ``ready``, HardPy's empty runstore) is not imported either.

    Args:
        data: The parsed document.
        expect: ``hardpy`` or ``openhtf`` to accept only that format.
    """
    if not isinstance(data, dict):
        return ReadDocument("other", problem=f"not a report: a JSON {type(data).__name__}")
    if str(data.get("_id", "")).startswith("_design/"):
        return ReadDocument(
            "other", problem="a CouchDB design document, not a report", ignorable=True
        )
    if is_openhtf_record(data):
        if expect == "hardpy":
            return ReadDocument(
                "openhtf", problem="an OpenHTF record, not a HardPy report (use --format openhtf)"
            )
        try:
            run = from_openhtf(data)
        except ReportFormatError as exc:
            return ReadDocument("openhtf", problem=str(exc))
        return ReadDocument(
            "openhtf",
            report=run.report,
            run_id=run.run_id,
            attempts=run.attempts,
            note=f"read from its OpenHTF fields: {run.note}" if run.note else None,
        )
    if expect == "openhtf":
        return ReadDocument(
            "other",
            problem="not an OpenHTF test record: it needs dut_id, start_time_millis, "
            "outcome and a list of phases",
        )
    if data.keys() >= _STATESTORE_KEYS:
        return ReadDocument(
            "other",
            problem="HardPy's panel state (a statestore document), not a report; "
            "the reports are in runstore and tempstore",
            ignorable=True,
        )
    try:
        report = validate_report(data)
    except ReportFormatError as exc:
        return ReadDocument("other", problem=str(exc))
    if report.status is TestStatus.READY:
        return ReadDocument(
            "hardpy",
            problem="a run that never started (status ready): nothing to import",
            ignorable=True,
        )
    return ReadDocument("hardpy", report=report)
