"""The ``hardlab`` command: run plans, look up stored runs, move reports in and out.

Each command parses its arguments and calls the same public functions a
Python user calls (`hardlab.run`, `ScriptedOperator`, `Store`, ...). This
module is the parser and the dispatcher; the store commands live in
``_history`` (runs, show), ``_exchange`` (import, export) and ``_db``.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hardlab._version import __version__

if TYPE_CHECKING:
    from hardlab.config import HardpyConfig

__all__ = ["main"]

DEMO_ANSWERS = {"LED check": "pass"}
"""The demo's scripted operator: the status LED is seen on."""


def _parser() -> argparse.ArgumentParser:
    from hardlab.cli._station import slot_count
    from hardlab.runner import options

    parser = argparse.ArgumentParser(
        prog="hardlab",
        description="Run HardPy-style hardware test plans from a terminal, a stand or CI; "
        "look up the runs it stored, and bring reports in and out.",
    )
    parser.add_argument("--version", action="version", version=f"hardlab {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    run = commands.add_parser(
        "run",
        help="run a test plan with a live view; exits with pytest's code",
        description="Run the test plan in PATH (a folder with hardpy.toml, or test files). "
        "Dialogs are asked on this terminal, or answered from --answers. "
        "Arguments after -- go to pytest.",
    )
    run.add_argument(
        "path", nargs="*", default=["."], help="plan folder or test files (default: .)"
    )
    options.SELECT.add_to(run)
    options.START_ARG.add_to(run)
    options.ANSWERS.add_to(run)
    run.add_argument(
        "--no-operator",
        action="store_true",
        help="nobody answers dialogs; a dialog fails its case (default without a terminal)",
    )
    _store_options(run)
    options.REPORT_DIR.add_to(run)
    run.add_argument("--tests-name", metavar="NAME", help="the run's name (default: hardpy.toml's)")
    run.add_argument(
        "--hardpy-alias",
        choices=("auto", "always", "never"),
        default="auto",
        help="serve 'import hardpy' from hardlab (default: when HardPy is absent)",
    )
    run.add_argument(
        "--attempt-delay",
        type=float,
        metavar="SECONDS",
        help="pause between attempts of attempt(n) cases (default 1)",
    )
    run.add_argument(
        "--pytest-output",
        action="store_true",
        help="show pytest's own output instead of the live view",
    )
    run.add_argument(
        "-q", "--quiet", action="store_true", help="show only failures and the summary"
    )
    run.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        help="show pytest's whole text for collection errors and failures",
    )
    run.add_argument(
        "--slots",
        type=slot_count,
        metavar="N",
        help="test N boards at once, one run per slot (see docs/slots.md); "
        "exits 0 only when every slot passed",
    )

    init = commands.add_parser(
        "init",
        help="create a starter plan",
        description="Write a starter test plan into PATH.",
    )
    init.add_argument("path", nargs="?", default="tests", help="folder to create (default: tests)")
    init.add_argument(
        "--tests-name", metavar="NAME", help="the plan's name (default: the folder's)"
    )
    init.add_argument("--force", action="store_true", help="overwrite existing files")
    init.add_argument("--sc-address", metavar="ADDR", help="StandCloud address for [stand_cloud]")
    init.add_argument("--sc-api-key", metavar="KEY", help="StandCloud API key for [stand_cloud]")
    init.add_argument("--sc-autosync", action="store_true", help="upload every report")
    init.add_argument(
        "--sc-connection-only",
        action="store_true",
        help="refuse to run when StandCloud is unreachable",
    )

    demo = commands.add_parser(
        "demo",
        help="run the demo plan on a simulated board",
        description="Run hardlab's demo plan on a simulated board; say where the report went.",
    )
    demo.add_argument(
        "--interactive", action="store_true", help="answer the demo's dialog yourself"
    )
    demo.add_argument("--seed", type=int, help="make the simulated board repeatable")
    demo.add_argument("--fast", action="store_true", help="no simulated instrument latency")
    _store_options(demo)
    options.REPORT_DIR.add_to(demo)
    _history_parsers(commands)
    from hardlab.cli._station import add_parser as station_parser

    station_parser(commands, options.DB_HELP)
    from hardlab.cli._standcloud import add_parsers as standcloud_parsers

    standcloud_parsers(commands, _db_option)
    from hardlab.cli._instruments import add_parser as instruments_parser

    instruments_parser(commands)

    from hardlab.cli._report import add_parsers as report_parsers

    report_parsers(commands, _db_option)
    return parser


def _store_options(command: argparse.ArgumentParser) -> None:
    from hardlab.runner import options

    where = command.add_mutually_exclusive_group()
    options.RUN_DB.add_to(where)
    options.NO_STORE.add_to(where)


def _db_option(command: argparse.ArgumentParser) -> None:
    from hardlab.runner import options

    options.DB.add_to(command)


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        msg = f"expected a whole number (0 for all), got {text!r}"
        raise argparse.ArgumentTypeError(msg)
    return value


def _history_parsers(commands: Any) -> None:
    from hardlab.cli._common import RUN_STATUSES
    from hardlab.runner import options

    runs = commands.add_parser(
        "runs",
        help="list stored runs, newest first",
        description="List the runs in the store, newest first. Filters given more than "
        "once match any of their values; different filters must all match.",
    )
    runs.add_argument("--part", action="append", metavar="P", help="DUT part number")
    runs.add_argument("--serial", action="append", metavar="S", help="DUT serial number")
    runs.add_argument("--stand", action="append", metavar="NAME", help="test stand name")
    runs.add_argument(
        "--status", action="append", choices=RUN_STATUSES, help="run status (run: still going)"
    )
    runs.add_argument("--name", action="append", metavar="TEST", help="test (plan) name")
    options.SINCE.add_to(runs)
    options.UNTIL.add_to(runs)
    runs.add_argument(
        "--limit",
        type=_count,
        default=20,
        metavar="N",
        help="show the newest N runs (default 20; 0 for all)",
    )
    runs.add_argument("--json", action="store_true", help="one JSON object per run and line")
    _db_option(runs)

    show = commands.add_parser(
        "show",
        help="show a stored run: cases, measurements, failures",
        description="Show a stored run: its header, modules, cases, messages and measurements.",
    )
    show.add_argument("run_id", metavar="RUN_ID", help="the run's id or a unique prefix of it")
    show.add_argument(
        "--attempts", action="store_true", help="list every attempt of retried cases too"
    )
    _db_option(show)

    from hardlab.exchange import EXPORT_FORMATS, IMPORT_FORMATS

    titles = ", ".join(f.title for f in EXPORT_FORMATS)
    *suffixes, last = (f.suffix for f in EXPORT_FORMATS)
    export = commands.add_parser(
        "export",
        help=f"write a stored run as a report file ({titles})",
        description="Write a stored run's report to FILE or to standard output.",
    )
    export.add_argument("run_id", metavar="RUN_ID", help="the run's id or a unique prefix of it")
    export.add_argument(
        "--format",
        choices=[f.name for f in EXPORT_FORMATS],
        default=EXPORT_FORMATS[0].name,
        help=f"default {EXPORT_FORMATS[0].name}; "
        + "; ".join(f"{f.name}: {f.description}" for f in EXPORT_FORMATS),
    )
    export.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        help="write here (a folder, or a name ending in /: FOLDER/RUN_ID"
        f"{', '.join(suffixes)} or {last}; default: standard output)",
    )
    export.add_argument(
        "--no-hardpy-copy",
        dest="hardpy_copy",
        action="store_false",
        help="openhtf: leave out the copy of the HardPy report in metadata.hardlab "
        "(smaller; importing the record back then reads its OpenHTF fields only)",
    )
    export.add_argument(
        "--attempts",
        action="store_true",
        help="csv: add the measurements of earlier attempts of retried cases",
    )
    _db_option(export)

    import_ = commands.add_parser(
        "import",
        help="bring reports into the store: HardPy JSON and CouchDB, OpenHTF",
        description="Store reports from files and folders (HardPy JSON reports, JsonLoader "
        "folders, HardPy's .hardpy storage folder, OpenHTF JSON records) or from CouchDB "
        "(--couchdb). A report already in the store, under its id or with the same content, "
        "is not added again. Exits with 1 if a report was skipped.",
    )
    import_.add_argument(
        "paths", nargs="*", metavar="PATH", help="report file or folder (searched for *.json)"
    )
    import_.add_argument(
        "--format",
        choices=[f.name for f in IMPORT_FORMATS],
        default=IMPORT_FORMATS[0].name,
        help="what the reports are (default "
        + "; ".join(f"{f.name}: {f.description}" for f in IMPORT_FORMATS)
        + ")",
    )
    import_.add_argument(
        "--couchdb",
        metavar="URL",
        help="also read a CouchDB server, http://user:password@host:5984 (a path names "
        "the database: .../report)",
    )
    import_.add_argument(
        "--couchdb-db",
        action="append",
        metavar="NAME",
        help="a database on the --couchdb server (repeatable; default: the one in the URL, "
        "else HardPy's report, runstore and tempstore, those that exist)",
    )
    _db_option(import_)

    db = commands.add_parser(
        "db",
        help="the store's schema and spool: info, upgrade, flush",
        description="Look at the store, or migrate it to this hardlab's schema.",
    )
    db_commands = db.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    upgrade = db_commands.add_parser(
        "upgrade",
        help="migrate the store to this hardlab's schema",
        description="Migrate the store to this hardlab's schema (create it if empty).",
    )
    _db_option(upgrade)
    info = db_commands.add_parser(
        "info",
        help="which store, its schema and its runs",
        description="Show the store's URL (password hidden), its schema revision against "
        "this hardlab's, and how many runs it holds.",
    )
    _db_option(info)
    flush = db_commands.add_parser(
        "flush",
        help="write the runs kept on this computer while the store was unavailable",
        description="Write the runs this computer kept (in hardlab's unsaved folder) because "
        "the store was unreachable, full or read-only when they ended. The next run that "
        "uses the store does it too.",
    )
    _db_option(flush)


def _store_choice(args: argparse.Namespace) -> str | bool | None:
    if args.no_store:
        return False
    from hardlab.cli._common import check_store
    from hardlab.storage import DB_ENV, resolve_url

    if args.db is None:
        if os.environ.get(DB_ENV):
            check_store(resolve_url(None), f"${DB_ENV}", no_store=True)
        else:
            config = _plan_config(getattr(args, "path", None))
            if config is not None and config.database.url:
                url = resolve_url(None, config)
                check_store(url, "hardpy.toml [database] url", no_store=True)
        return None
    # a relative file path means one here, not in the plan folder the run changes into
    url = resolve_url(args.db)
    check_store(url, "--db", no_store=True)
    return url


def _plan_config(paths: list[str] | None) -> HardpyConfig | None:
    """The plan's hardpy.toml, to look at its store before the run; None if unreadable.

    A hardpy.toml the run cannot read is reported by the run itself, with the
    rest of its problems.
    """
    if not paths:
        return None
    from hardlab.config import load_config
    from hardlab.errors import ConfigError

    first = Path(paths[0].partition("::")[0])
    try:
        return load_config(first if first.is_dir() else first.parent)
    except ConfigError:
        return None


def _print_stored(run_id: str, url: str | None) -> None:
    """Say where the run was stored and how to look at it again."""
    if url is None:
        return
    from hardlab.cli._common import MIN_SHORT_ID, db_option, safe_url

    # a run id starts with its start time in milliseconds (MIN_SHORT_ID characters),
    # unique without asking the store
    short = run_id[:MIN_SHORT_ID]
    print(
        f"Stored run {run_id} in {safe_url(url)}; see it with: hardlab show {short}{db_option(url)}"
    )


def _capture_off(pytest_args: list[str]) -> bool:
    """Whether pytest's arguments turn its output capture off (``-s``, ``--capture=no``)."""
    for index, arg in enumerate(pytest_args):
        if arg in ("-s", "--capture=no", "--capture=tee-sys"):
            return True
        following = pytest_args[index + 1 : index + 2]
        if arg == "--capture" and following and following[0] in ("no", "tee-sys"):
            return True
    return False


def _cmd_run(args: argparse.Namespace, extra: list[str]) -> int:
    import hardlab

    if args.slots is not None:
        from hardlab.cli._slots import cmd_run_slots

        return cmd_run_slots(args, extra, _store_choice(args))
    from hardlab.cli._view import TerminalView
    from hardlab.operators import ScriptedOperator, TerminalOperator

    store = _store_choice(args)  # a store the run cannot use stops it before it starts
    operator: Any
    if args.answers:
        operator = ScriptedOperator.from_file(args.answers)
    elif args.no_operator or not sys.stdin.isatty():
        operator = None
    else:
        operator = TerminalOperator(stdin=sys.stdin, stdout=sys.stdout)
    # With pytest's capture off the tests write to this terminal too: a line
    # redrawn in place would run into their output, so the view prints lines only.
    live = False if _capture_off(extra) else None
    view = (
        None
        if args.pytest_output
        else TerminalView(verbose=not args.quiet, live=live, full_errors=args.verbose)
    )
    try:
        result = hardlab.run(
            args.path,
            args=extra,
            select=args.select,
            start_args=dict(args.start_args),
            operator=operator,
            report_dir=args.report_dir,
            store=store,
            listeners=[view] if view else [],
            tests_name=args.tests_name,
            hardpy_alias={"auto": None, "always": True, "never": False}[args.hardpy_alias],
            quiet=view is not None,
            attempt_delay=args.attempt_delay,
        )
    finally:  # the status line's redraws stop and the line is cleared, whatever happened
        if view is not None:
            view.close()
    shown = view.shown_errors if view is not None else []
    for error in result.errors:
        if error not in shown:  # a collection error the live view printed already
            print(f"hardlab: {error}", file=sys.stderr)
    _print_stored(str(result.run_id), result.store_url)
    if result.report_path is not None:
        print(f"Report: {result.report_path}")
    return result.exit_code


def _cmd_demo(args: argparse.Namespace) -> int:
    import hardlab
    from hardlab.cli._view import TerminalView
    from hardlab.operators import ScriptedOperator, TerminalOperator
    from hardlab.sim import DEMO_PLAN

    plan = DEMO_PLAN
    store = _store_choice(args)
    operator: Any = (
        TerminalOperator(stdin=sys.stdin, stdout=sys.stdout)
        if args.interactive
        else ScriptedOperator(DEMO_ANSWERS)
    )
    start_args = {"latency": "0" if args.fast else "0.05"}
    if args.seed is not None:
        start_args["seed"] = str(args.seed)
    print("hardlab demo: a test plan on a simulated board (see `hardlab demo --help`).")
    if not args.interactive:
        print("The operator's answers are scripted; use --interactive to give them yourself.")
    view = TerminalView()
    try:
        result = hardlab.run(
            plan,
            start_args=start_args,
            operator=operator,
            report_dir=args.report_dir,
            store=store,
            listeners=[view],
            quiet=True,
            attempt_delay=0.2,
        )
    finally:
        view.close()
    for error in result.errors:
        print(f"hardlab: {error}", file=sys.stderr)
    _print_stored(str(result.run_id), result.store_url)
    if result.report_path is not None:
        print(f"Report: {result.report_path}")
    print(f"Plan:   {plan}  (copy it to start your own: hardlab init, or cp -r)")
    # The demo's job is to show a run; a failing simulated board is a valid outcome.
    return 0 if result.status.value in ("passed", "failed") else result.exit_code


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``hardlab`` command.

    Returns:
        The process exit code (pytest's code for ``hardlab run``).
    """
    raw = list(sys.argv[1:] if argv is None else argv)
    extra: list[str] = []
    if "--" in raw:
        cut = raw.index("--")
        raw, extra = raw[:cut], raw[cut + 1 :]
    parser = _parser()
    args = parser.parse_args(raw)
    from hardlab.errors import HardlabError

    try:
        if args.command == "run":
            return _cmd_run(args, extra)
        if args.command == "init":
            from hardlab.cli._init import init_plan

            written = init_plan(
                Path(args.path),
                tests_name=args.tests_name,
                force=args.force,
                sc_address=args.sc_address,
                sc_api_key=args.sc_api_key,
                sc_autosync=args.sc_autosync,
                sc_connection_only=args.sc_connection_only,
            )
            for path in written:
                print(f"wrote {path}")
            if args.sc_api_key:
                print(f"{written[0]} holds the API key: only you can read it (mode 0600)")
            print(
                f"hardlab plan {Path(args.path).resolve().name} initialized; run it with: "
                f"hardlab run {args.path}"
            )
            return 0
        if args.command == "demo":
            return _cmd_demo(args)
        if args.command == "instruments":
            from hardlab.cli._instruments import cmd_instruments

            return cmd_instruments(args)
        if args.command == "station":
            from hardlab.cli._station import cmd_station

            return cmd_station(args)
        if args.command in ("runs", "show"):
            from hardlab.cli import _history

            return _history.cmd_runs(args) if args.command == "runs" else _history.cmd_show(args)
        if args.command in ("report", "diff"):
            from hardlab.cli import _report

            return _report.cmd_report(args) if args.command == "report" else _report.cmd_diff(args)
        if args.command in ("import", "export"):
            from hardlab.cli import _exchange

            if args.command == "import":
                return _exchange.cmd_import(args)
            return _exchange.cmd_export(args)
        if args.command and args.command.startswith("sc-"):
            from hardlab.cli import _standcloud

            command = getattr(_standcloud, "cmd_" + args.command.replace("-", "_"))
            return int(command(args))
        if args.command == "db":
            from hardlab.cli import _db

            if args.db_command == "upgrade":
                return _db.cmd_db_upgrade(args)
            if args.db_command == "flush":
                return _db.cmd_db_flush(args)
            return _db.cmd_db_info(args)
    except HardlabError as exc:
        print(f"hardlab: error: {exc}", file=sys.stderr)
        return 4
    except KeyboardInterrupt:
        print("hardlab: interrupted", file=sys.stderr)
        return 2
    except BrokenPipeError:  # `hardlab runs | head`: the reader has gone
        # https://docs.python.org/3/library/signal.html#note-on-sigpipe
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
    parser.print_help(sys.stderr)
    return 2
