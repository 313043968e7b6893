"""``hardlab report`` and ``hardlab diff``: a stored run's unit report, and two runs compared.

Both call the public functions a Python user calls (`hardlab.reports`,
`hardlab.views.compare_reports`); this module parses and prints.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hardlab.cli._common import CliError, cwd_config, open_store, safe_url

__all__ = ["add_parsers", "cmd_diff", "cmd_report"]


def add_parsers(commands: Any, db_option: Callable[[argparse.ArgumentParser], None]) -> None:
    """Add ``report`` and ``diff`` to the ``hardlab`` command."""
    report = commands.add_parser(
        "report",
        help="write a stored run's unit report (one HTML file, or PDF)",
        description="Write a stored run's unit report: one self-contained HTML page (it "
        "prints on A4 or Letter), or a PDF with --format pdf (the 'report' extra). "
        "[hardlab.report] template in hardpy.toml replaces the page's template.",
    )
    report.add_argument("run_id", metavar="RUN_ID", help="the run's id or a unique prefix of it")
    report.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        help="write here (a folder gets report-RUN_ID.html; default: report-RUN_ID.html here)",
    )
    report.add_argument(
        "--format", choices=("html", "pdf"), default="html", help="html (default) or pdf"
    )
    db_option(report)

    diff = commands.add_parser(
        "diff",
        help="compare two stored runs: cases, measurements, deltas, verdicts",
        description="Compare RUN_B with the reference RUN_A (deltas are B - A), or RUN_A "
        "with the newest passing run of a golden unit (--golden SERIAL).",
    )
    diff.add_argument("run_a", metavar="RUN_A", help="the reference run (id or unique prefix)")
    diff.add_argument("run_b", metavar="RUN_B", nargs="?", help="the run to compare with it")
    diff.add_argument(
        "--golden",
        metavar="SERIAL",
        help="compare RUN_A with the newest passing run of this unit",
    )
    db_option(diff)


def _config_dir() -> str | None:
    return "." if cwd_config() is not None else None


def _check_store(db: str | None, run_id: str) -> None:
    with open_store(db) as store:
        if not store.exists():
            msg = (
                f"no run {run_id!r} in {safe_url(store.url)}: it has no runs yet "
                "(choose another store with --db; list runs with: hardlab runs)"
            )
            raise CliError(msg)


def cmd_report(args: argparse.Namespace) -> int:
    """``hardlab report RUN_ID``: write the report file and say where it went."""
    from hardlab.reports import write_run_report

    _check_store(args.db, args.run_id)
    path = write_run_report(
        args.run_id, args.output, format=args.format, db=args.db, config_dir=_config_dir()
    )
    print(f"Report: {Path(path)}")
    return 0


def cmd_diff(args: argparse.Namespace) -> int:
    """``hardlab diff RUN_A RUN_B``: print the comparison; exit 0 (same verdicts) or 1."""
    from hardlab.views import compare_reports, golden_run_id

    if (args.run_b is None) == (args.golden is None):
        msg = "give RUN_B, or --golden SERIAL to compare RUN_A with a golden unit"
        raise CliError(msg)
    _check_store(args.db, args.run_a)
    with open_store(args.db) as store:
        if args.golden is not None:
            base_id, new_id = golden_run_id(store, args.golden), args.run_a
        else:
            base_id, new_id = args.run_a, args.run_b
        base_row, new_row = store.run_row(base_id), store.run_row(new_id)
        base = store.get_report(base_row["id"])
        new = store.get_report(new_row["id"])
    comparison = compare_reports(base, new, base_label=base_row["id"], new_label=new_row["id"])
    print(comparison.text())
    return 0 if comparison.same else 1
