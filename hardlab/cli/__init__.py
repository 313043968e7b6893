"""The ``hardlab`` command: run plans on a stand, start new ones, try the demo.

Each command parses its arguments and calls the same public functions a
Python user calls (`hardlab.run`, `ScriptedOperator`, ...).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from hardlab._version import __version__

__all__ = ["main"]

DEMO_ANSWERS = {"LED check": "pass"}
"""The demo's scripted operator: the status LED is seen on."""


def _key_value(text: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not key:
        msg = f"expected KEY=VALUE, got {text!r}"
        raise argparse.ArgumentTypeError(msg)
    return key, value


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="hardlab",
        description="Run HardPy-style hardware test plans from a terminal, a stand or CI.",
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
    run.add_argument(
        "-k", dest="select", metavar="EXPR", help="only cases matching this -k expression"
    )
    run.add_argument(
        "--arg",
        "-a",
        dest="start_args",
        action="append",
        type=_key_value,
        default=[],
        metavar="KEY=VALUE",
        help="start argument for hardpy_start_args (repeatable)",
    )
    run.add_argument(
        "--answers", metavar="FILE", help="answer dialogs from this TOML/JSON file (CI)"
    )
    run.add_argument(
        "--no-operator",
        action="store_true",
        help="nobody answers dialogs; a dialog fails its case (default without a terminal)",
    )
    run.add_argument(
        "--report-dir",
        metavar="DIR",
        help="where the HardPy JSON report goes (default: hardlab's data folder, reports/)",
    )
    run.add_argument("--no-report", action="store_true", help="write no report file")
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
    demo.add_argument("--report-dir", metavar="DIR", help="where the report goes")
    demo.add_argument("--fast", action="store_true", help="no simulated instrument latency")
    return parser


def _default_report_dir() -> Path:
    from hardlab.config import data_dir

    return data_dir() / "reports"


def _cmd_run(args: argparse.Namespace, extra: list[str]) -> int:
    import hardlab
    from hardlab.cli._view import TerminalView
    from hardlab.runner.operators import ScriptedOperator, TerminalOperator

    operator: Any
    if args.answers:
        operator = ScriptedOperator.from_file(args.answers)
    elif args.no_operator or not sys.stdin.isatty():
        operator = None
    else:
        operator = TerminalOperator(stdin=sys.stdin, stdout=sys.stdout)
    report_dir = None if args.no_report else (args.report_dir or _default_report_dir())
    view = None if args.pytest_output else TerminalView(verbose=not args.quiet)
    result = hardlab.run(
        args.path,
        args=extra,
        select=args.select,
        start_args=dict(args.start_args),
        operator=operator,
        report_dir=report_dir,
        listeners=[view] if view else [],
        tests_name=args.tests_name,
        hardpy_alias={"auto": None, "always": True, "never": False}[args.hardpy_alias],
        quiet=view is not None,
        attempt_delay=args.attempt_delay,
    )
    if view is not None:
        view.close()
    for error in result.errors:
        print(f"hardlab: {error}", file=sys.stderr)
    if result.report_path is not None:
        print(f"Report: {result.report_path}")
    return result.exit_code


def _cmd_demo(args: argparse.Namespace) -> int:
    import hardlab
    from hardlab.cli._view import TerminalView
    from hardlab.runner.operators import ScriptedOperator, TerminalOperator

    plan = Path(__file__).resolve().parent.parent / "_demo_plan"
    report_dir = Path(args.report_dir) if args.report_dir else _default_report_dir()
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
    result = hardlab.run(
        plan,
        start_args=start_args,
        operator=operator,
        report_dir=report_dir,
        listeners=[view],
        quiet=True,
        attempt_delay=0.2,
    )
    view.close()
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
            print(
                f"hardlab plan {Path(args.path).resolve().name} initialized; run it with: "
                f"hardlab run {args.path}"
            )
            return 0
        if args.command == "demo":
            return _cmd_demo(args)
    except HardlabError as exc:
        print(f"hardlab: error: {exc}", file=sys.stderr)
        return 4
    except KeyboardInterrupt:
        print("hardlab: interrupted", file=sys.stderr)
        return 2
    parser.print_help(sys.stderr)
    return 2
