"""The ``%hardpy`` command line: parsed without IPython, so it is tested on its own."""

from __future__ import annotations

import argparse
import shlex
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, NoReturn

from hardlab.runner import options

__all__ = [
    "CellCommand",
    "LoginCommand",
    "MagicUsageError",
    "RunCommand",
    "RunsCommand",
    "SyncCommand",
    "parse_cell",
    "parse_line",
    "usage",
]

_PROG = "%hardpy"


class MagicUsageError(Exception):
    """A ``%hardpy`` line that cannot be parsed; the message says why and shows the usage.

    The magics turn it into IPython's ``UsageError`` (shown without a traceback).
    """


class _HelpRequestedError(Exception):
    """``-h``/``help`` was asked for; `text` is the help."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser that raises instead of printing and exiting."""

    def error(self, message: str) -> NoReturn:
        raise MagicUsageError(f"{message}\n\n{self.format_usage().strip()}")

    def exit(self, status: int = 0, message: str | None = None) -> NoReturn:
        raise _HelpRequestedError(self.format_help())

    def print_help(self, file: Any = None) -> None:
        raise _HelpRequestedError(self.format_help())


@dataclass(frozen=True)
class RunOptions:
    """What ``%hardpy run`` and ``%%hardpy`` share.

    Attributes:
        answers: A TOML/JSON file of scripted answers (instead of the widget dialogs).
        no_wait: Return a `RunHandle` at once instead of waiting.
        select: pytest's ``-k`` expression.
        start_args: ``--arg KEY=VALUE`` start arguments.
        name: The run's name.
        db: The store (URL or SQLite path); None for the default.
        no_store: Store nothing.
        report_dir: Write the run as a HardPy JSON report here.
        pytest_args: What came after ``--``.
    """

    answers: str | None = None
    no_wait: bool = False
    select: str | None = None
    start_args: dict[str, str] = field(default_factory=dict)
    name: str | None = None
    db: str | None = None
    no_store: bool = False
    report_dir: str | None = None
    pytest_args: tuple[str, ...] = ()

    @property
    def store(self) -> str | bool | None:
        """The ``store=`` argument of `hardlab.start`."""
        return False if self.no_store else self.db


@dataclass(frozen=True)
class RunCommand(RunOptions):
    """``%hardpy run PATH ...``; `slots`: ``--slots N`` (N boards at once, a panel each)."""

    path: str = "."
    slots: int | None = None


@dataclass(frozen=True)
class CellCommand(RunOptions):
    """``%%hardpy ...``: the options of a cell of tests."""


@dataclass(frozen=True)
class RunsCommand:
    """``%hardpy runs``: recent runs from the store."""

    limit: int = 20
    db: str | None = None
    filters: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class LoginCommand:
    """``%hardpy sc-login ADDRESS``."""

    address: str
    check: bool = False
    wait: float = 300.0
    api_mode: str = "hardpy"
    ca_bundle: str | None = None
    insecure: bool = False
    config_dir: str = "."


@dataclass(frozen=True)
class SyncCommand:
    """``%hardpy sc-sync [PATH]``."""

    path: str = "."
    wait: float = 0.0
    address: str | None = None
    db: str | None = None


@dataclass(frozen=True)
class InstrumentsCommand:
    """``%hardpy instruments [PATH] [--close]``."""

    path: str = "."
    close: bool = False


Command = RunCommand | RunsCommand | LoginCommand | SyncCommand | InstrumentsCommand


def _run_options(parser: argparse.ArgumentParser) -> None:
    options.ANSWERS.add_to(parser, notebook=True)
    parser.add_argument(
        "--no-wait",
        action="store_true",
        help="return a handle at once; the next cell does not wait (`await _` waits, "
        "`_.stop()` stops)",
    )
    options.SELECT.add_to(parser, notebook=True)
    # read after parsing: a bad pair says "--arg needs KEY=VALUE" without argparse's prefix
    options.START_ARG.add_to(parser, notebook=True, type=None)
    parser.add_argument("--name", help="the run's name (default: hardpy.toml's tests_name)")
    options.RUN_DB.add_to(parser, notebook=True)
    options.NO_STORE.add_to(parser, notebook=True)
    options.REPORT_DIR.add_to(parser, notebook=True)


def _parser() -> _Parser:
    parser = _Parser(
        prog=_PROG,
        description="Run hardware test plans from the notebook, look at past runs, "
        "log in to StandCloud. `%%hardpy [options]` runs the tests defined in its cell.",
        epilog="Arguments after `--` go to pytest as they are. "
        "Python values can be put in with {expression} or $name.",
        add_help=True,
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    run = commands.add_parser(
        "run",
        help="run a test plan; the cell waits until it has ended",
        description="Run the test plan in PATH (a folder, a test file or a node id) with a "
        "live panel; answer its dialogs in the panel. The cell waits until the run has "
        "ended (not in Voilà, nor with --no-wait); its RunResult is left in `_`.",
    )
    run.add_argument("path", metavar="PATH", help="the plan folder, a test file or a node id")
    _run_options(run)
    run.add_argument(
        "--slots",
        type=int,
        metavar="N",
        help="test N boards at once, one run and one panel per slot (docs/slots.md); "
        "the cell's result is the list of their RunResults",
    )

    runs = commands.add_parser(
        "runs",
        help="show the recent runs from the store",
        description="Show the newest runs in the store as a table; the full DataFrame "
        "(hardlab.history().runs()) is left in `_`.",
    )
    runs.add_argument("--limit", type=int, default=20, help="how many (default 20; 0: all)")
    options.DB.add_to(runs, notebook=True)
    for flag, key in (
        ("--serial", "serial_number"),
        ("--part", "part_number"),
        ("--stand", "stand"),
        ("--status", "status"),
        ("--name", "name"),
    ):
        runs.add_argument(flag, dest=key, help=f"only runs with this {key.replace('_', ' ')}")
    options.SINCE.add_to(runs, notebook=True)
    options.UNTIL.add_to(runs, notebook=True)

    login = commands.add_parser(
        "sc-login",
        help="log in to StandCloud (click the link it shows)",
        description="Log in to the StandCloud at ADDRESS: click the link, accept, and the "
        "cell returns once the login is done. With --check, only check the connection.",
    )
    options.ADDRESS.add_to(login, notebook=True)
    options.CHECK.add_to(login, notebook=True)
    options.LOGIN_WAIT.add_to(login, notebook=True)
    options.API_MODE.add_to(login, notebook=True)
    options.CA_BUNDLE.add_to(login, notebook=True)
    options.INSECURE.add_to(login, notebook=True)
    login.add_argument(
        "--config-dir",
        default=".",
        metavar="DIR",
        help="the folder whose hardpy.toml gives TLS settings for its address (default: .)",
    )

    sync = commands.add_parser(
        "sc-sync",
        help="upload the reports the store owes StandCloud",
        description="Upload the reports queued in the store's outbox. PATH is the plan folder "
        "whose hardpy.toml gives the address, the API key and the TLS settings.",
    )
    options.PLAN_PATH.add_to(sync, notebook=True)
    options.SYNC_WAIT.add_to(sync, notebook=True)
    options.SYNC_ADDRESS.add_to(sync, notebook=True)
    options.SYNC_DB.add_to(sync, notebook=True)

    instruments = commands.add_parser(
        "instruments",
        help="open the plan's instruments and show who answered; --close closes them",
        description="Open each instrument of [[hardlab.instruments]] in PATH's hardpy.toml "
        "and show its identity or its error; the sessions stay open for the next run. "
        "With --close, close every instrument session of this kernel instead.",
    )
    instruments.add_argument("path", nargs="?", default=".", help="plan folder (default: .)")
    instruments.add_argument(
        "--close", action="store_true", help="close this kernel's instrument sessions"
    )

    commands.add_parser("help", help="show this help")
    return parser


def _cell_parser() -> _Parser:
    parser = _Parser(
        prog="%%hardpy",
        description="Run the tests this cell defines (test_* functions, Test* classes) as a "
        "hardlab run, with fixtures from a conftest.py beside the notebook. The cell waits "
        "until the run has ended; its RunResult is left in `_`.",
        epilog="Arguments after `--` go to pytest as they are.",
    )
    _run_options(parser)
    return parser


def usage() -> str:
    """The help text of ``%hardpy``."""
    return _parser().format_help()


def _split(line: str) -> tuple[list[str], tuple[str, ...]]:
    try:
        tokens = shlex.split(line)
    except ValueError as exc:
        raise MagicUsageError(f"cannot read the arguments: {exc} in {line!r}") from None
    if "--" in tokens:
        index = tokens.index("--")
        return tokens[:index], tuple(tokens[index + 1 :])
    return tokens, ()


def _start_args(pairs: Sequence[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            msg = f"--arg needs KEY=VALUE, got {pair!r}"
            raise MagicUsageError(msg)
        found[key] = value
    return found


def _options(namespace: argparse.Namespace, pytest_args: tuple[str, ...]) -> dict[str, Any]:
    return {
        "answers": namespace.answers,
        "no_wait": namespace.no_wait,
        "select": namespace.select,
        "start_args": _start_args(namespace.start_args),
        "name": namespace.name,
        "db": namespace.db,
        "no_store": namespace.no_store,
        "report_dir": namespace.report_dir,
        "pytest_args": pytest_args,
    }


def parse_line(line: str) -> Command | str:
    """Parse a ``%hardpy`` line: a command, or the help text to show.

    Raises:
        MagicUsageError: If the line is not a valid command.
    """
    tokens, pytest_args = _split(line)
    if not tokens:
        return usage()
    try:
        namespace = _parser().parse_args(tokens)
    except _HelpRequestedError as shown:
        return shown.text
    command = namespace.command
    if pytest_args and command != "run":
        msg = f"`--` passes arguments to pytest; `%hardpy {command}` takes none"
        raise MagicUsageError(msg)
    if command == "run":
        if namespace.slots is not None and namespace.slots < 1:
            raise MagicUsageError(
                f"--slots needs the number of slots, 1 or more, not {namespace.slots}"
            )
        return RunCommand(
            path=namespace.path, slots=namespace.slots, **_options(namespace, pytest_args)
        )
    if command == "runs":
        if namespace.limit < 0:
            raise MagicUsageError(f"--limit must be 0 (all) or more, not {namespace.limit}")
        filters = {
            key: getattr(namespace, key)
            for key in ("serial_number", "part_number", "stand", "status", "name", "since", "until")
            if getattr(namespace, key) is not None
        }
        return RunsCommand(limit=namespace.limit, db=namespace.db, filters=filters)
    if command == "sc-login":
        if namespace.wait <= 0:
            raise MagicUsageError(f"--wait must be more than 0 seconds, not {namespace.wait}")
        return LoginCommand(
            address=namespace.address,
            check=namespace.check,
            wait=namespace.wait,
            api_mode=namespace.api_mode,
            ca_bundle=namespace.ca_bundle,
            insecure=namespace.insecure,
            config_dir=namespace.config_dir,
        )
    if command == "sc-sync":
        if namespace.wait < 0:
            raise MagicUsageError(f"--wait must be 0 or more seconds, not {namespace.wait}")
        return SyncCommand(
            path=namespace.path, wait=namespace.wait, address=namespace.address, db=namespace.db
        )
    if command == "instruments":
        return InstrumentsCommand(path=namespace.path, close=namespace.close)
    return usage()  # "help"


def parse_cell(line: str) -> CellCommand | str:
    """Parse the options of a ``%%hardpy`` cell: the command, or the help text to show.

    Raises:
        MagicUsageError: If the options are not valid.
    """
    tokens, pytest_args = _split(line)
    try:
        namespace = _cell_parser().parse_args(tokens)
    except _HelpRequestedError as shown:
        return shown.text
    return CellCommand(**_options(namespace, pytest_args))
