"""``hardlab export`` and ``hardlab import``: stored runs out as report files, reports in.

Export writes a stored run as HardPy's JSON report (what `JsonLoader`
writes), an OpenHTF test record, JUnit XML or CSV (`hardlab.exchange`).

Import brings reports into the store from files and folders (HardPy JSON
reports, `JsonLoader` folders, HardPy's ``.hardpy`` JSON storage, OpenHTF
records) or from a CouchDB server (`CouchdbLoader`'s database and HardPy's
own runstore and tempstore). Each report is stored once: a report already
in the store, under its run id or with the same content under another id
(the same run saved by `JsonLoader` and by `CouchdbLoader`, HardPy's live
runstore document and its history copy), is counted as already there.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import uuid
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hardlab.cli._common import CliError, db_option, exists, open_store, safe_url, short_ids

if TYPE_CHECKING:
    from hardlab.exchange import CaseAttempt, DocumentFormat, ReadDocument
    from hardlab.model.report import ResultRunStore
    from hardlab.storage import Store

__all__ = [
    "EXPORT_FORMATS",
    "IMPORT_FORMATS",
    "ImportSummary",
    "cmd_export",
    "cmd_import",
    "import_couchdb",
    "import_paths",
    "store_document",
]

EXPORT_FORMATS = ("hardpy-json", "openhtf", "junit", "csv")
"""What ``hardlab export --format`` writes."""

IMPORT_FORMATS = ("auto", "hardpy", "openhtf")
"""What ``hardlab import --format`` reads (``auto``: each file as what it is)."""

_SUFFIX = {"hardpy-json": ".json", "openhtf": ".openhtf.json", "junit": ".xml", "csv": ".csv"}

HARDPY_DATABASES = ("report", "runstore", "tempstore")
"""The CouchDB databases HardPy keeps reports in: `CouchdbLoader`'s default, its live
report and its history copies, and reports that StandCloud has not received yet."""


# ---------------------------------------------------------------------- export


def hardpy_json(report: ResultRunStore, report_id: str) -> str:
    """The text `JsonLoader` writes for `report` under `report_id`."""
    # JsonLoader.load writes exactly this (and only to <dir>/<id>.json)
    return report.model_copy(update={"id": report_id}).model_dump_json(indent=2)


def _millis(moment: datetime | None) -> int | None:
    return None if moment is None else round(moment.timestamp() * 1000)


def stored_attempts(store: Store, run_id: str) -> list[CaseAttempt]:
    """A stored run's case attempts, with their times in milliseconds, for the exports."""
    from hardlab.cli._history import _attempt_case
    from hardlab.exchange import CaseAttempt

    found = []
    for row in store.attempts(run_id):
        try:
            case = _attempt_case(row)
        except ValueError:
            continue  # a row the model cannot read; the report itself still exports
        found.append(
            CaseAttempt(
                module_id=row["module_id"],
                case_id=row["case_id"],
                attempt=int(row["attempt"]),
                case=case,
                final=bool(row["final"]),
                started_ms=_millis(row.get("started_at")),
                stopped_ms=_millis(row.get("stopped_at")),
            )
        )
    return found


def export_text(
    store: Store,
    run_id: str,
    export_format: str,
    *,
    hardpy_copy: bool = True,
    all_attempts: bool = False,
) -> str:
    """A stored run in `export_format` (one of `EXPORT_FORMATS`).

    Raises:
        StorageError: If there is no such run.
    """
    from hardlab import exchange

    row = store.run_row(run_id)
    full_id = str(row["id"])
    report = store.get_report(full_id)
    if export_format == "hardpy-json":
        return hardpy_json(report, full_id)
    attempts = stored_attempts(store, full_id)
    started, stopped = _millis(row.get("started_at")), _millis(row.get("stopped_at"))
    if export_format == "openhtf":
        record = exchange.to_openhtf(
            report,
            run_id=full_id,
            started_ms=started,
            stopped_ms=stopped,
            attempts=attempts,
            embed_report=hardpy_copy,
        )
        return json.dumps(record, indent=2, ensure_ascii=False)
    if export_format == "junit":
        return exchange.to_junit(
            report, run_id=full_id, started_ms=started, stopped_ms=stopped, attempts=attempts
        )
    if export_format == "csv":
        if not all_attempts:
            attempts = [a for a in attempts if a.final]
        return exchange.to_csv(report, run_id=full_id, started_ms=started, attempts=attempts)
    msg = f"unknown export format {export_format!r}; choose from {', '.join(EXPORT_FORMATS)}"
    raise CliError(msg)


def cmd_export(args: argparse.Namespace) -> int:
    """``hardlab export RUN_ID --format F``: the run as a report file, or on stdout."""
    if not args.hardpy_copy and args.format != "openhtf":
        raise CliError("--no-hardpy-copy is an option of --format openhtf")
    if args.attempts and args.format != "csv":
        raise CliError("--attempts is an option of --format csv")
    with open_store(args.db) as store:
        if not exists(store):
            msg = (
                f"no run {args.run_id!r} in {safe_url(store.url)}: it has no runs yet "
                "(choose another store with --db; list runs with: hardlab runs)"
            )
            raise CliError(msg)
        run_id = str(store.run_row(args.run_id)["id"])
        body = export_text(
            store,
            run_id,
            args.format,
            hardpy_copy=args.hardpy_copy,
            all_attempts=args.attempts,
        )
    if args.output is None or args.output == "-":
        out = sys.stdout.buffer
        out.write(body.encode("utf-8"))
        if sys.stdout.isatty() and not body.endswith("\n"):
            out.write(b"\n")
        out.flush()
        return 0
    target = Path(args.output)
    # "out/" names a folder even before it exists
    if target.is_dir() or args.output.endswith(("/", os.sep)):
        target = target / f"{run_id}{_SUFFIX[args.format]}"
    _write_atomically(target, body)
    print(f"Exported run {run_id} to {target}", file=sys.stderr)
    return 0


def _write_atomically(path: Path, text: str) -> None:
    from hardlab.exchange.json_loader import write_atomically

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(path, text)
    except OSError as exc:
        raise CliError(f"cannot write {path}: {exc.strerror or exc}") from exc


# ---------------------------------------------------------------------- import


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


def _uuid(text: object) -> str | None:
    try:
        return str(uuid.UUID(str(text)))
    except ValueError:
        return None


def _same_report(store: Store, report: ResultRunStore) -> str | None:
    """The run already stored with `report`'s content under another id, if any.

    Reports are compared without their ``id`` and ``rev``: the same run comes
    as a `JsonLoader` file (a UUID id), a CouchDB document (``report_<stop
    time>_<serial>``), HardPy's live runstore document and its history copy.
    Two reports that both carry a UUID are two runs, however alike.
    """
    if report.start_time is None:
        return None
    from sqlalchemy import select

    from hardlab.storage._orm import RunRow

    start = datetime.fromtimestamp(report.start_time, tz=timezone.utc)
    # a hardlab run's row has its start to the microsecond, the report to the second
    statement = select(RunRow.id, RunRow.document).where(
        RunRow.started_at >= start - timedelta(seconds=1),
        RunRow.started_at < start + timedelta(seconds=2),
        RunRow.name == report.name[:255],
    )
    rows = store.execute(statement, "looking for the same report")
    if not rows.records:
        return None
    mine = report.model_dump(mode="json", exclude={"id", "rev"})
    incoming_uuid = _uuid(report.id) is not None
    for run_id, document in rows.records:
        if not isinstance(document, Mapping):
            continue
        if incoming_uuid and _uuid(document.get("id", document.get("_id"))) is not None:
            continue
        theirs = {k: v for k, v in document.items() if k not in ("id", "rev", "_id", "_rev")}
        if theirs == mine:
            return str(run_id)
    return None


def _attempt_messages(report: ResultRunStore, read: ReadDocument) -> list[dict[str, Any]]:
    positions: dict[tuple[str, str], int] = {}
    names: dict[str, str] = {}
    for module_id, module in report.modules.items():
        names[module_id] = module.name
        for case_id in module.cases:
            positions[(module_id, case_id)] = len(positions)
    messages = []
    for attempt in read.attempts:
        key = (attempt.module_id, attempt.case_id)
        if key not in positions:
            continue
        messages.append(
            {
                "module_id": attempt.module_id,
                "module_name": names[attempt.module_id],
                "case_id": attempt.case_id,
                "attempt": attempt.attempt,
                "final": False,
                "position": positions[key],
                "case": attempt.case.model_dump(mode="json"),
                "started_ns": None if attempt.started_ms is None else attempt.started_ms * 10**6,
                "finished_ns": None if attempt.stopped_ms is None else attempt.stopped_ms * 10**6,
            }
        )
    return messages


def store_document(store: Store, read: ReadDocument) -> tuple[str, bool]:
    """Store a report read by `read_report_document`, once.

    Returns:
        The run id, and whether it was new (False: the store had it already,
        under this id or with the same content under another).

    Raises:
        StorageError: If the store refuses it.
    """
    from hardlab.storage import report_run_id

    report = read.report
    if report is None:
        msg = f"nothing to store: {read.problem}"
        raise ValueError(msg)
    run_id = _uuid(read.run_id) or report_run_id(report)
    from sqlalchemy import select

    from hardlab.storage._orm import RunRow

    # a read first: most reports of a repeated import are there under their id
    if store.execute(select(RunRow.id).where(RunRow.id == run_id), "looking a run up").records:
        return run_id, False
    same = _same_report(store, report)
    if same is not None:
        return same, False
    return store.save_report(
        report, run_id=run_id, source="import", attempts=_attempt_messages(report, read)
    )


def _take(
    store: Store, summary: ImportSummary, label: str, data: object, expect: DocumentFormat
) -> None:
    """Read one parsed document and store it, or note why not."""
    from hardlab.errors import StorageError
    from hardlab.exchange import read_report_document

    read = read_report_document(data, expect=expect)
    if read.report is None:
        target = summary.left_out if read.ignorable else summary.skipped
        target.append((label, read.problem or "not a report"))
        return
    try:
        run_id, new = store_document(store, read)
    except StorageError as exc:
        if exc.transient:
            raise
        summary.skipped.append((label, f"the store refused it: {exc}"))
        return
    (summary.imported if new else summary.present).append(run_id)
    if read.note:
        summary.notes.append((label, read.note))


def import_paths(
    store: Store, paths: Sequence[Path], *, expect: DocumentFormat = "auto"
) -> ImportSummary:
    """Store every report in `paths` (files, and folders searched for ``*.json``).

    Args:
        store: Where to.
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
        _take(store, summary, str(path), data, expect)
    return summary


def import_couchdb(
    store: Store,
    url: str,
    databases: Sequence[str] = (),
    *,
    expect: DocumentFormat = "auto",
) -> ImportSummary:
    """Store every report in CouchDB databases.

    Args:
        store: Where to.
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
                _take(store, summary, f"{where}/{doc.get('_id')}", doc, expect)
        except CouchdbError as exc:
            summary.skipped.append((where, str(exc)))
    return summary


def cmd_import(args: argparse.Namespace) -> int:
    """``hardlab import``: reports from files, folders or CouchDB; 1 if any was skipped."""
    if not args.paths and not args.couchdb:
        raise CliError("name report files or folders, or a CouchDB server with --couchdb URL")
    if args.couchdb_db and not args.couchdb:
        raise CliError("--couchdb-db names a database on the --couchdb server; give --couchdb URL")
    with open_store(args.db) as store:
        summary = ImportSummary()
        if args.paths:
            summary = import_paths(store, [Path(p) for p in args.paths], expect=args.format)
        if args.couchdb:
            more = import_couchdb(store, args.couchdb, args.couchdb_db or (), expect=args.format)
            for name in ("imported", "present", "skipped", "left_out", "notes"):
                getattr(summary, name).extend(getattr(more, name))
        where = safe_url(store.url)
        shorts = short_ids(store, summary.imported[:1]) if len(summary.imported) == 1 else {}
        option = db_option(store.url)
    for label, reason in summary.left_out:
        print(f"hardlab: left out {label}: {reason}", file=sys.stderr)
    for label, reason in summary.skipped:
        print(f"hardlab: skipped {label}: {reason}", file=sys.stderr)
    for label, note in summary.notes:
        print(f"hardlab: note: {label}: {note}", file=sys.stderr)
    left_out = f", left out {len(summary.left_out)}" if summary.left_out else ""
    print(
        f"imported {len(summary.imported)}, already there {len(summary.present)}, "
        f"skipped {len(summary.skipped)}{left_out} (store: {where})"
    )
    if shorts:
        print(f"see it with: hardlab show {next(iter(shorts.values()))}{option}")
    elif summary.imported:
        print(f"list them with: hardlab runs{option}")
    return 1 if summary.skipped else 0
