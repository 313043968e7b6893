"""Reports into a store: from files and folders, or from HardPy's CouchDB databases.

Files and folders hold HardPy JSON reports, `JsonLoader` folders, HardPy's
``.hardpy`` JSON storage or OpenHTF records; a CouchDB server holds
`CouchdbLoader`'s database and HardPy's own runstore and tempstore. Each
document is read by `read_report_document` and handed to the store's
``import_report`` (`ReportTarget`; `hardlab.storage.Store` is one), which
stores each report once.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, cast

from hardlab.exchange._formats import DocumentFormat

if TYPE_CHECKING:
    from hardlab.exchange._common import CaseAttempt
    from hardlab.model.report import ResultRunStore

__all__ = [
    "HARDPY_DATABASES",
    "ImportSummary",
    "ReportTarget",
    "import_couchdb",
    "import_paths",
]

HARDPY_DATABASES = ("report", "runstore", "tempstore")
"""The CouchDB databases HardPy keeps reports in: `CouchdbLoader`'s default, its live
report and its history copies, and reports that StandCloud has not received yet."""


class ReportTarget(Protocol):
    """Where imported reports go (`hardlab.storage.Store` is one)."""

    def import_report(
        self,
        report: ResultRunStore,
        *,
        run_id: str | None = None,
        attempts: Sequence[CaseAttempt] = (),
    ) -> tuple[str, bool]:
        """Store `report` once; its run id, and whether it was new."""


@dataclass
class ImportSummary:
    """What an import did.

    Attributes:
        imported: Run ids of reports that were new to the store.
        present: Run ids of reports the store already had.
        skipped: ``(source, reason)`` of each file, folder or document that
            should have been a report and could not be imported.
        left_out: ``(source, reason)`` of what is known not to be a report
            (HardPy's panel state, CouchDB design documents, runs that never
            started).
        notes: ``(source, note)`` about reports imported with a caveat.
    """

    imported: list[str] = field(default_factory=list)
    present: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    left_out: list[tuple[str, str]] = field(default_factory=list)
    notes: list[tuple[str, str]] = field(default_factory=list)

    def extend(self, other: ImportSummary) -> None:
        """Add what `other` did to this summary."""
        self.imported.extend(other.imported)
        self.present.extend(other.present)
        self.skipped.extend(other.skipped)
        self.left_out.extend(other.left_out)
        self.notes.extend(other.notes)


class _UploadingTarget(Protocol):
    """A target that can also owe StandCloud what it stores (`hardlab.storage.Store`)."""

    def import_report(
        self,
        report: ResultRunStore,
        *,
        run_id: str | None = None,
        attempts: Sequence[CaseAttempt] = (),
        upload: Mapping[str, str] | None = None,
    ) -> tuple[str, bool]:
        """Store `report` once, owing StandCloud its upload; its run id, and whether new."""


UPLOAD_NOTE = ".standcloud"
"""The suffix of the note beside a report a run kept because its store failed
(`hardlab.services.UnsavedReportSink` writes ``<run id>.standcloud`` beside
``<run id>.json``): the StandCloud upload the run owed, as JSON
``{"address": ..., "api_mode": ...}``. The import queues it with the run."""


def _owed_upload(report_file: Path) -> dict[str, str] | None:
    """The StandCloud upload the note beside `report_file` names, if there is a valid one."""
    try:
        note = json.loads(report_file.with_suffix(UPLOAD_NOTE).read_bytes())
    except (OSError, ValueError):
        return None
    if not isinstance(note, dict) or not isinstance(note.get("address"), str):
        return None
    api_mode = note.get("api_mode", "hardpy")
    return {"address": note["address"], "api_mode": str(api_mode)}


def _is_statestore(folder: Path) -> bool:
    # HardPy's JSON storage: <storage_path>/storage/{statestore,runstore,tempstore}/
    return folder.name == "statestore" and folder.parent.name == "storage"


def _files(paths: Sequence[Path], summary: ImportSummary) -> Iterator[Path]:
    """The files to read: named files as they are, ``*.json`` under named folders.

    HardPy's statestore folders (the panel's state, never a report) are
    left out with one line each.
    """
    seen: set[Path] = set()
    for path in paths:
        if path.is_dir():
            found = []
            states = 0
            for folder, subfolders, names in os.walk(path):
                here = Path(folder)
                if _is_statestore(here):
                    summary.left_out.append(
                        (str(here), "HardPy's panel state (statestore), not reports")
                    )
                    states += 1
                    subfolders.clear()
                    continue
                subfolders.sort()
                found += [here / n for n in sorted(names) if n.lower().endswith(".json")]
            if not found and not states:
                summary.skipped.append((str(path), "a folder without .json files"))
        elif path.exists():
            found = [path]
        else:
            summary.skipped.append((str(path), "does not exist"))
            found = []
        for file in found:
            key = file.resolve()
            if key not in seen and file.is_file():
                seen.add(key)
                yield file


def _take(
    target: ReportTarget,
    summary: ImportSummary,
    label: str,
    data: object,
    expect: DocumentFormat,
    upload: Mapping[str, str] | None = None,
) -> None:
    """Read one parsed document and store it (owing StandCloud `upload`), or note why not."""
    from hardlab.errors import StorageError
    from hardlab.exchange._detect import read_report_document

    read = read_report_document(data, expect=expect)
    if read.report is None:
        where = summary.left_out if read.ignorable else summary.skipped
        where.append((label, read.problem or "not a report"))
        return
    try:
        if upload is None:
            run_id, new = target.import_report(
                read.report, run_id=read.run_id, attempts=read.attempts
            )
        else:
            run_id, new = cast("_UploadingTarget", target).import_report(
                read.report, run_id=read.run_id, attempts=read.attempts, upload=upload
            )
    except StorageError as exc:
        if exc.transient:
            raise
        summary.skipped.append((label, f"the store refused it: {exc}"))
        return
    (summary.imported if new else summary.present).append(run_id)
    if read.note:
        summary.notes.append((label, read.note))


def import_paths(
    target: ReportTarget, paths: Sequence[Path], *, expect: DocumentFormat = "auto"
) -> ImportSummary:
    """Store every report in `paths` (files, and folders searched for ``*.json``).

    Args:
        target: Where to (a `hardlab.storage.Store`).
        paths: Files and folders: HardPy JSON reports, `JsonLoader` folders,
            HardPy's ``.hardpy`` storage folder, OpenHTF JSON records.
        expect: ``hardpy`` or ``openhtf`` to take only that format.

    Raises:
        StorageError: If the store cannot be written at all (a report the
            store refuses is skipped instead).
    """
    summary = ImportSummary()
    for path in _files(paths, summary):
        try:
            data = json.loads(path.read_bytes())
        except OSError as exc:
            summary.skipped.append((str(path), f"cannot be read: {exc.strerror or exc}"))
            continue
        except ValueError as exc:  # json.JSONDecodeError, UnicodeDecodeError
            summary.skipped.append((str(path), f"not JSON: {exc}"))
            continue
        _take(target, summary, str(path), data, expect, _owed_upload(path))
    return summary


def import_couchdb(
    target: ReportTarget,
    url: str,
    databases: Sequence[str] = (),
    *,
    expect: DocumentFormat = "auto",
) -> ImportSummary:
    """Store every report in CouchDB databases.

    Args:
        target: Where to (a `hardlab.storage.Store`).
        url: The server, ``http://user:password@host:5984`` (a path names a
            database).
        databases: The databases to read; default: the one in `url`, else
            those of HardPy's `HARDPY_DATABASES` the server has.
        expect: ``hardpy`` or ``openhtf`` to take only that format.

    Raises:
        CouchdbError: If the server cannot be reached or refuses the credentials.
        StorageError: If the store cannot be written at all.
    """
    from hardlab.errors import CouchdbError

    # through the package: a missing httpx becomes MissingExtraError there
    from hardlab.exchange import CouchdbSource

    source = CouchdbSource(url)
    summary = ImportSummary()
    names = list(databases) or ([source.database] if source.database else [])
    if not names:
        present = set(source.databases())
        names = [name for name in HARDPY_DATABASES if name in present]
        if not names:
            summary.skipped.append(
                (
                    source.safe_url,
                    f"none of HardPy's databases ({', '.join(HARDPY_DATABASES)}) is there; "
                    "name the one to read with --couchdb-db NAME",
                )
            )
    for name in names:
        where = f"{source.safe_url}{name}"
        try:
            for doc in source.documents(name):
                _take(target, summary, f"{where}/{doc.get('_id')}", doc, expect)
        except CouchdbError as exc:
            summary.skipped.append((where, str(exc)))
    return summary
