"""``hardlab export`` and ``hardlab import``: stored runs to and from HardPy JSON reports.

Export writes what `JsonLoader` writes; import reads with `read_json_report`
and stores with `Store.save_report`, which keeps each report once.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from hardlab.cli._common import CliError, db_option, exists, open_store, safe_url, short_ids

if TYPE_CHECKING:
    from hardlab.model.report import ResultRunStore
    from hardlab.storage import Store

__all__ = ["EXPORT_FORMATS", "ImportSummary", "cmd_export", "cmd_import", "import_paths"]

EXPORT_FORMATS = ("hardpy-json",)
"""What ``hardlab export --format`` writes."""


# ---------------------------------------------------------------------- export


def hardpy_json(report: ResultRunStore, report_id: str) -> str:
    """The text `JsonLoader` writes for `report` under `report_id`."""
    # JsonLoader.load writes exactly this (and only to <dir>/<id>.json)
    return report.model_copy(update={"id": report_id}).model_dump_json(indent=2)


def cmd_export(args: argparse.Namespace) -> int:
    """``hardlab export RUN_ID``: the run's report as a HardPy JSON file, or on stdout."""
    with open_store(args.db) as store:
        if not exists(store):
            msg = (
                f"no run {args.run_id!r} in {safe_url(store.url)}: it has no runs yet "
                "(choose another store with --db; list runs with: hardlab runs)"
            )
            raise CliError(msg)
        run_id = str(store.run_row(args.run_id)["id"])
        report = store.get_report(run_id)
    body = hardpy_json(report, run_id)
    if args.output is None or args.output == "-":
        out = sys.stdout.buffer
        out.write(body.encode("utf-8"))
        if sys.stdout.isatty():
            out.write(b"\n")
        out.flush()
        return 0
    target = Path(args.output)
    if target.is_dir():
        target = target / f"{run_id}.json"
    _write_atomically(target, body)
    print(f"Exported run {run_id} to {target}", file=sys.stderr)
    return 0


def _write_atomically(path: Path, text: str) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                out.write(text)
            os.replace(temp, path)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise CliError(f"cannot write {path}: {exc.strerror or exc}") from exc


# ---------------------------------------------------------------------- import


@dataclass
class ImportSummary:
    """What an import did.

    Attributes:
        imported: Run ids of reports that were new to the store.
        present: Run ids of reports the store already had.
        skipped: ``(path, reason)`` of each file (or folder) not imported.
    """

    imported: list[str] = field(default_factory=list)
    present: list[str] = field(default_factory=list)
    skipped: list[tuple[Path, str]] = field(default_factory=list)


def _files(paths: Sequence[Path], summary: ImportSummary) -> Iterator[Path]:
    """The files to read: named files as they are, ``*.json`` under named folders."""
    seen: set[Path] = set()
    for path in paths:
        if path.is_dir():
            found = sorted(
                p for p in path.rglob("*") if p.suffix.lower() == ".json" and p.is_file()
            )
            if not found:
                summary.skipped.append((path, "a folder without .json files"))
        elif path.exists():
            found = [path]
        else:
            summary.skipped.append((path, "does not exist"))
            found = []
        for file in found:
            key = file.resolve()
            if key not in seen:
                seen.add(key)
                yield file


def import_paths(store: Store, paths: Sequence[Path]) -> ImportSummary:
    """Store every HardPy JSON report in `paths` (files, and folders searched for ``*.json``).

    Raises:
        StorageError: If the store cannot be written at all (a file the store
            refuses is skipped instead).
    """
    from hardlab.errors import ReportFormatError, StorageError
    from hardlab.exchange.json_loader import read_json_report

    summary = ImportSummary()
    for path in _files(paths, summary):
        try:
            json.loads(path.read_bytes())
            report = read_json_report(path)
        except OSError as exc:
            summary.skipped.append((path, f"cannot be read: {exc.strerror or exc}"))
            continue
        except ReportFormatError as exc:
            summary.skipped.append((path, str(exc).removeprefix(f"{path} is ")))
            continue
        except ValueError as exc:  # json.JSONDecodeError, UnicodeDecodeError
            summary.skipped.append((path, f"not JSON: {exc}"))
            continue
        try:
            run_id, new = store.save_report(report)
        except StorageError as exc:
            if exc.transient:
                raise
            summary.skipped.append((path, f"the store refused it: {exc}"))
            continue
        (summary.imported if new else summary.present).append(run_id)
    return summary


def cmd_import(args: argparse.Namespace) -> int:
    """``hardlab import PATH...``: HardPy JSON reports into the store; 1 if any was skipped."""
    with open_store(args.db) as store:
        summary = import_paths(store, [Path(p) for p in args.paths])
        where = safe_url(store.url)
        shorts = short_ids(store, summary.imported[:1]) if len(summary.imported) == 1 else {}
        option = db_option(store.url)
    for path, reason in summary.skipped:
        print(f"hardlab: skipped {path}: {reason}", file=sys.stderr)
    print(
        f"imported {len(summary.imported)}, already there {len(summary.present)}, "
        f"skipped {len(summary.skipped)} (store: {where})"
    )
    if shorts:
        print(f"see it with: hardlab show {next(iter(shorts.values()))}{option}")
    elif summary.imported:
        print(f"list them with: hardlab runs{option}")
    return 1 if summary.skipped else 0
