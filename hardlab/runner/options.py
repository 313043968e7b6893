"""The options ``hardlab`` and ``%hardpy`` share, declared once: both shells build from these.

Each `Option` is one command-line option as `argparse` takes it: its flags,
where its value goes, its metavar, how its text is read, its help. The
terminal command (`hardlab.cli`) and the notebook magic (`hardlab.magics`)
add the same `Option` to their parsers with `Option.add_to`; where the
notebook words a help text for its own readers, the option carries that
wording too (`Option.notebook_help`), so the two never drift apart.

Standard library only: the magics parse lines without importing the runner.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from hardlab._when import parse_when

__all__ = [
    "ADDRESS",
    "ANSWERS",
    "API_MODE",
    "CA_BUNDLE",
    "CHECK",
    "DB",
    "DB_HELP",
    "INSECURE",
    "LOGIN_WAIT",
    "NO_STORE",
    "PLAN_PATH",
    "REPORT_DIR",
    "RUN_DB",
    "SELECT",
    "SINCE",
    "START_ARG",
    "SYNC_ADDRESS",
    "SYNC_DB",
    "SYNC_WAIT",
    "UNTIL",
    "WHEN_HELP",
    "Option",
    "key_value",
]


def key_value(text: str) -> tuple[str, str]:
    """``KEY=VALUE`` as ``(KEY, VALUE)`` (the value may hold ``=``; the key is not empty).

    Raises:
        argparse.ArgumentTypeError: If `text` is not ``KEY=VALUE``.
    """
    key, sep, value = text.partition("=")
    if not sep or not key:
        msg = f"expected KEY=VALUE, got {text!r}"
        raise argparse.ArgumentTypeError(msg)
    return key, value


@dataclass(frozen=True)
class Option:
    """One command-line option of both shells, as `argparse.ArgumentParser.add_argument` takes it.

    Attributes:
        flags: ``--name`` and its short forms, or the name of a positional.
        help: Its help text (in ``hardlab``, and in ``%hardpy`` unless
            `notebook_help` words it otherwise).
        notebook_help: Its help text in ``%hardpy``, where it differs.
        dest: The attribute its value is kept in (default: argparse's).
        metavar: How the help shows its value.
        action: argparse's action (``store_true``, ``append``, ...).
        type: Reads the text (its `argparse.ArgumentTypeError` is the message).
        default: The value when it is not given (``append``: a tuple, a new
            list each parse).
        choices: The values it accepts.
        nargs: How many values (positionals: ``?`` for an optional one).
    """

    flags: tuple[str, ...]
    help: str
    notebook_help: str | None = None
    dest: str | None = None
    metavar: str | None = None
    action: str | None = None
    type: Callable[[str], Any] | None = None
    default: Any = None
    choices: tuple[str, ...] | None = None
    nargs: str | None = None

    def add_to(
        self, parser: argparse._ActionsContainer, *, notebook: bool = False, **changes: Any
    ) -> argparse.Action:
        """Add this option to `parser` (or to an argument group of it).

        Args:
            parser: The parser, a subcommand's parser, or a (mutually
                exclusive) group.
            notebook: Use the ``%hardpy`` wording of the help.
            changes: argparse keywords that differ for this one parser (a
                check the shell does after parsing: ``type=None``).

        Returns:
            The argparse action.
        """
        text = self.notebook_help if notebook and self.notebook_help else self.help
        default = list(self.default) if self.action == "append" else self.default
        given: dict[str, Any] = {
            "help": text,
            "dest": self.dest,
            "metavar": self.metavar,
            "action": self.action,
            "type": self.type,
            "default": default,
            "choices": self.choices,
            "nargs": self.nargs,
        }
        given.update(changes)
        return parser.add_argument(
            *self.flags, **{key: value for key, value in given.items() if value is not None}
        )


DB_HELP = (
    "the store: a SQLite file path or a database URL (default: $HARDLAB_DB_URL, "
    "hardpy.toml's [database] url, else hardlab.db in hardlab's data folder)"
)
"""What ``--db`` names and where the store is when it is not given."""

WHEN_HELP = "a date or time (2026-11-21, 2026-11-21T08:00; local), today, or an age: 2h, 7d"
"""What ``--since`` and ``--until`` accept (`hardlab._when.parse_when`)."""

# ---------------------------------------------------------------- a run

SELECT = Option(
    ("-k",),
    "only cases matching this -k expression",
    notebook_help="run only the cases EXPR selects",
    dest="select",
    metavar="EXPR",
)
START_ARG = Option(
    ("--arg", "-a"),
    "start argument for hardpy_start_args (repeatable)",
    notebook_help="a start argument for the hardpy_start_args fixture (repeatable)",
    dest="start_args",
    action="append",
    type=key_value,
    default=(),
    metavar="KEY=VALUE",
)
ANSWERS = Option(
    ("--answers",),
    "answer dialogs from this TOML/JSON file (CI)",
    notebook_help="answer the dialogs from this TOML/JSON file instead of in the notebook "
    "(default: the file $HARDLAB_ANSWERS names, if set)",
    metavar="FILE",
)
RUN_DB = Option(
    ("--db",),
    f"store the run in {DB_HELP}",
    notebook_help="store the run here: an SQLite file or a database URL",
    metavar="URL",
)
NO_STORE = Option(("--no-store",), "do not store the run", action="store_true")
REPORT_DIR = Option(
    ("--report-dir",), "also write the run as a HardPy JSON report into DIR", metavar="DIR"
)

# ---------------------------------------------------------------- the store

DB = Option(("--db",), DB_HELP, notebook_help="the store (default: hardlab's)", metavar="URL")
SINCE = Option(
    ("--since",), f"started at or after WHEN: {WHEN_HELP}", type=parse_when, metavar="WHEN"
)
UNTIL = Option(("--until",), "started before WHEN", type=parse_when, metavar="WHEN")

# ---------------------------------------------------------------- StandCloud

ADDRESS = Option(("address",), "host[:port] of the StandCloud server", metavar="ADDRESS")
CHECK = Option(("--check",), "only check the connection", action="store_true")
LOGIN_WAIT = Option(
    ("--wait",),
    "how long to wait for the login to be accepted (default 300)",
    type=float,
    default=300.0,
    metavar="SECONDS",
)
API_MODE = Option(
    ("--api-mode",),
    "the API the login is for (default: hardpy)",
    notebook_help="the API",
    choices=("hardpy", "integration"),
    default="hardpy",
)
CA_BUNDLE = Option(
    ("--ca-bundle",),
    "trust the certificate authorities in this file (a private server); "
    "default: hardpy.toml's [stand_cloud] ca_bundle, else the system's",
    notebook_help="trust the authorities in this file",
    metavar="PEM",
)
INSECURE = Option(
    ("--insecure",),
    "do not check the server's TLS certificate (a test server only)",
    notebook_help="do not check the server's certificate",
    action="store_true",
)
PLAN_PATH = Option(("path",), "plan folder (default: .)", nargs="?", default=".")
SYNC_WAIT = Option(
    ("--wait",),
    "also wait up to SECONDS for reports whose retry is due later",
    type=float,
    default=0.0,
    metavar="SECONDS",
)
SYNC_ADDRESS = Option(("--address",), "only reports queued for this address", metavar="ADDR")
SYNC_DB = Option(
    ("--db",),
    DB_HELP,
    notebook_help="the store (default: the plan's or hardlab's)",
    metavar="URL",
)
