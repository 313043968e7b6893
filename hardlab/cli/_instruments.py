"""``hardlab instruments [PLAN]``: open each instrument of a plan and print who answered."""

from __future__ import annotations

import argparse
from typing import Any

__all__ = ["add_parser", "cmd_instruments"]


def add_parser(commands: Any) -> None:
    """Add ``hardlab instruments`` to the command parsers."""
    parser = commands.add_parser(
        "instruments",
        help="open the plan's instruments and print their identity or error",
        description="Open each instrument of [[hardlab.instruments]] in PLAN's hardpy.toml, "
        "ask it *IDN? and print what it said, or why it cannot be reached. Exits with 1 if "
        "any instrument failed.",
    )
    parser.add_argument("path", nargs="?", default=".", help="plan folder (default: .)")


def cmd_instruments(args: argparse.Namespace) -> int:
    """Run ``hardlab instruments``; the exit code is 1 if an instrument failed."""
    from hardlab.instruments import check, close

    found = check(args.path)
    if not found:
        print(f"{args.path}: hardpy.toml declares no [[hardlab.instruments]]")
        return 0
    for entry in found:
        print(entry.describe())
    close()
    return 0 if all(entry.ok for entry in found) else 1
