"""``hardlab export`` and ``hardlab import``: stored runs out as report files, reports in.

Export writes a stored run in one of `hardlab.exchange.EXPORT_FORMATS`
(HardPy's JSON report, an OpenHTF test record, JUnit XML, CSV).

Import brings reports into the store from files and folders (HardPy JSON
reports, `JsonLoader` folders, HardPy's ``.hardpy`` JSON storage, OpenHTF
records) or from a CouchDB server (`CouchdbLoader`'s database and HardPy's
own runstore and tempstore) through `hardlab.exchange.import_paths` and
`import_couchdb`; the store keeps each report once
(`hardlab.storage.Store.import_report`).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from hardlab.cli._common import CliError, db_option, open_store, safe_url, short_ids

__all__ = ["cmd_export", "cmd_import"]


def _options_of(option: str) -> str:
    from hardlab.exchange import EXPORT_FORMATS

    return ", ".join(f.name for f in EXPORT_FORMATS if option in f.options)


def cmd_export(args: argparse.Namespace) -> int:
    """``hardlab export RUN_ID [--format F]``: the run as a report file, or on stdout.

    The file is the format's text and a newline at its end (HardPy JSON: what
    `JsonLoader` writes, then one). The format defaults to HardPy JSON.
    """
    from hardlab.exchange import export_format, read_stored_run

    chosen = export_format(args.format)
    # --no-hardpy-copy turns off what OpenHTF exports do by default
    if not args.hardpy_copy and "hardpy_copy" not in chosen.options:
        raise CliError(f"--no-hardpy-copy is an option of --format {_options_of('hardpy_copy')}")
    if args.attempts and "attempts" not in chosen.options:
        raise CliError(f"--attempts is an option of --format {_options_of('attempts')}")
    options = {"hardpy_copy"} if args.hardpy_copy and "hardpy_copy" in chosen.options else set()
    if args.attempts:
        options.add("attempts")
    with open_store(args.db) as store:
        if not store.exists():
            msg = (
                f"no run {args.run_id!r} in {safe_url(store.url)}: it has no runs yet "
                "(choose another store with --db; list runs with: hardlab runs)"
            )
            raise CliError(msg)
        run = read_stored_run(store, args.run_id, attempts=not chosen.report_only)
    body = chosen.write(run, options)
    # A text file ends with a newline (cat, diff, `>>` and shells expect it). The
    # formats' text stays what they define, HardPy JSON byte for byte what
    # JsonLoader writes; the newline is only at the end of the file, where JSON
    # readers skip it.
    if not body.endswith("\n"):
        body += "\n"
    if args.output is None or args.output == "-":
        out = sys.stdout.buffer
        out.write(body.encode("utf-8"))
        out.flush()
        return 0
    target = Path(args.output)
    # "out/" names a folder even before it exists
    if target.is_dir() or args.output.endswith(("/", os.sep)):
        target = target / f"{run.run_id}{chosen.suffix}"
    _write_atomically(target, body)
    print(f"Exported run {run.run_id} to {target}", file=sys.stderr)
    return 0


def _write_atomically(path: Path, text: str) -> None:
    from hardlab.exchange.json_loader import write_atomically

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(path, text)
    except OSError as exc:
        raise CliError(f"cannot write {path}: {exc.strerror or exc}") from exc


def cmd_import(args: argparse.Namespace) -> int:
    """``hardlab import``: reports from files, folders or CouchDB; 1 if any was skipped."""
    if not args.paths and not args.couchdb:
        raise CliError("name report files or folders, or a CouchDB server with --couchdb URL")
    if args.couchdb_db and not args.couchdb:
        raise CliError("--couchdb-db names a database on the --couchdb server; give --couchdb URL")
    from hardlab.exchange import ImportSummary, import_couchdb, import_paths

    with open_store(args.db) as store:
        summary = ImportSummary()
        if args.paths:
            summary = import_paths(store, [Path(p) for p in args.paths], expect=args.format)
        if args.couchdb:
            summary.extend(
                import_couchdb(store, args.couchdb, args.couchdb_db or (), expect=args.format)
            )
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
