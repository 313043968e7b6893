"""The StandCloud commands: sc-login, sc-logout, sc-sync, sc-status, sc-retry, sc-drop.

Each calls the public function a Python user would (`hardlab.cloud.LoginSettings`,
`hardlab.sync`, ``Store.outbox``) and prints the outcome.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime, timezone
from typing import Any

from hardlab.cli._common import CliError, open_store, safe_url, short_ids

__all__ = [
    "add_parsers",
    "cmd_sc_drop",
    "cmd_sc_login",
    "cmd_sc_logout",
    "cmd_sc_retry",
    "cmd_sc_status",
    "cmd_sc_sync",
]


def _tls_options(command: argparse.ArgumentParser) -> None:
    from hardlab.runner import options

    options.CA_BUNDLE.add_to(command)
    options.INSECURE.add_to(command)


def add_parsers(commands: Any, db_option: Any) -> None:
    """Add the StandCloud commands to the ``hardlab`` parser."""
    from hardlab.runner import options

    login = commands.add_parser(
        "sc-login",
        help="log in to StandCloud (device login: open the link it prints)",
        description="Log in to the StandCloud at ADDRESS: open the printed link (or scan the "
        "QR code) and accept; the token is kept in the OS keyring, or in a file only you "
        "can read. With --check, only check the connection and the credentials.",
    )
    options.ADDRESS.add_to(login)
    options.CHECK.add_to(login)
    login.add_argument("--no-qr", action="store_true", help="print the link without a QR code")
    options.LOGIN_WAIT.add_to(login)
    options.API_MODE.add_to(login)
    _tls_options(login)

    logout = commands.add_parser(
        "sc-logout",
        help="forget the StandCloud login of an address",
        description="Delete the stored StandCloud login (token) of ADDRESS.",
    )
    options.ADDRESS.add_to(logout)

    sync = commands.add_parser(
        "sc-sync",
        help="upload the reports the store owes StandCloud",
        description="Upload the reports queued in the store's outbox (autosync queues every "
        "finished run). PATH is the plan folder whose hardpy.toml gives the address, the API "
        "key and the TLS settings. Exits with 1 if reports are still owed or were rejected.",
    )
    options.PLAN_PATH.add_to(sync)
    options.SYNC_WAIT.add_to(sync)
    options.SYNC_ADDRESS.add_to(sync)
    options.SYNC_DB.add_to(sync)

    status = commands.add_parser(
        "sc-status",
        help="list the reports owed to StandCloud (pending and parked)",
        description="Count the outbox's reports by state and list the pending and parked ones "
        "(parked: rejected by StandCloud, with its reason).",
    )
    status.add_argument("--all", action="store_true", help="list delivered reports too")
    status.add_argument(
        "--limit",
        type=int,
        default=50,
        metavar="N",
        help="list at most N reports, oldest first (default 50; 0: all)",
    )
    status.add_argument("--json", action="store_true", help="one JSON object per report and line")
    db_option(status)

    retry = commands.add_parser(
        "sc-retry",
        help="send parked (or waiting) reports again at the next sync",
        description="Make the given reports (default: every parked one) due now; run "
        "hardlab sc-sync to send them.",
    )
    retry.add_argument("run_ids", nargs="*", metavar="RUN_ID", help="runs (ids or prefixes)")
    db_option(retry)

    drop = commands.add_parser(
        "sc-drop",
        help="stop owing StandCloud some reports (the runs stay stored)",
        description="Remove reports from the outbox: the given runs, or with --parked every "
        "parked one. The runs stay in the store.",
    )
    drop.add_argument("run_ids", nargs="*", metavar="RUN_ID", help="runs (ids or prefixes)")
    drop.add_argument("--parked", action="store_true", help="drop every parked report")
    db_option(drop)


def cmd_sc_login(args: argparse.Namespace) -> int:
    """``hardlab sc-login ADDRESS [--check]``."""
    from hardlab.cloud import LoginSettings
    from hardlab.errors import StandCloudError

    settings = LoginSettings.resolve(
        args.address, api_mode=args.api_mode, insecure=args.insecure, ca_bundle=args.ca_bundle
    )
    if args.check:
        problem = settings.check()
        # HardPy's words (`hardpy sc-login --check`)
        if problem is None:
            print("StandCloud connection success")
            return 0
        print(f"StandCloud connection failed: {problem}")
        return 1
    pending = settings.start()
    if pending is None:
        print(settings.refreshed_message)
        return 0
    print(pending.instructions())
    if not args.no_qr and sys.stdout.isatty():
        print(pending.qr_text())
    print("Waiting for the login to be accepted...", flush=True)
    try:
        pending.finish(args.wait)
    except StandCloudError as exc:
        raise CliError(f"the login to {settings.address} failed: {exc}") from None
    print(pending.done_message)
    return 0


def cmd_sc_logout(args: argparse.Namespace) -> int:
    """``hardlab sc-logout ADDRESS``."""
    from hardlab.cloud import logout, normalize_address

    address = normalize_address(args.address)
    if logout(address):
        print(f"Logged out from StandCloud at {address}.")
        return 0
    print(f"There was no StandCloud login for {address}.")
    return 1


def cmd_sc_sync(args: argparse.Namespace) -> int:
    """``hardlab sc-sync [PATH]``: drain the outbox."""
    import hardlab

    # the plan's hardpy.toml may name the store ([database] url), as for its runs
    result = hardlab.sync(
        args.path,
        store=args.db,
        address=args.address,
        wait=args.wait > 0,
        timeout=args.wait or None,
    )
    print(result.describe())
    return 0 if result.ok else 1


def _ago(when: datetime | None, now: datetime) -> str:
    if when is None:
        return "-"
    seconds = (when - now).total_seconds()
    if abs(seconds) < 1:
        return "now"
    text = f"{abs(seconds):.0f} s" if abs(seconds) < 120 else f"{abs(seconds) / 60:.0f} min"
    return f"in {text}" if seconds > 0 else f"{text} ago"


def cmd_sc_status(args: argparse.Namespace) -> int:
    """``hardlab sc-status``: the outbox by state, and its pending and parked reports."""
    states = ("pending", "parked", "delivered") if args.all else ("pending", "parked")
    with open_store(args.db) as store:
        counts = store.outbox.counts()
        entries = store.outbox.entries(states, limit=args.limit or None)
        shorts = short_ids(store, [entry.run_id for entry in entries]) if entries else {}
        where = safe_url(store.url)
    if args.json:
        for entry in entries:
            record = {
                key: (value.isoformat() if isinstance(value, datetime) else value)
                for key, value in entry.__dict__.items()
                if key != "document"
            }
            print(json.dumps(record))
        return 0
    print(
        f"StandCloud outbox of {where}: {counts['pending']} pending, {counts['parked']} parked, "
        f"{counts['delivered']} delivered"
    )
    now = datetime.now(timezone.utc)
    for entry in entries:
        what = " ".join(
            part
            for part in (
                entry.name or "",
                entry.dut_part_number or "",
                entry.dut_serial_number or "",
            )
            if part
        )
        if entry.state == "pending":
            when = f"next try {_ago(entry.next_attempt_at, now)}"
        elif entry.state == "delivered":
            when = f"delivered {_ago(entry.delivered_at, now)}"
        else:
            when = "parked"
        print(
            f"  {shorts.get(entry.run_id, entry.run_id)}  {entry.state:<9} {entry.address}  "
            f"{what}  attempts {entry.attempts}, {when}"
        )
        if entry.last_error and entry.state != "delivered":
            print(f"      {entry.last_error}")
    listed = sum(counts[state] for state in states)
    if len(entries) < listed:
        print(f"  ... and {listed - len(entries)} more (--limit 0 lists them all)")
    if counts["parked"]:
        print("Send parked reports again with: hardlab sc-retry; remove them with: hardlab sc-drop")
    return 0


def cmd_sc_retry(args: argparse.Namespace) -> int:
    """``hardlab sc-retry [RUN_ID ...]``."""
    with open_store(args.db) as store:
        changed = store.outbox.retry(args.run_ids or None)
    print(f"{changed} report(s) will be sent at the next sync (hardlab sc-sync).")
    return 0


def cmd_sc_drop(args: argparse.Namespace) -> int:
    """``hardlab sc-drop RUN_ID ... | --parked``."""
    if not args.run_ids and not args.parked:
        raise CliError("name the runs to drop, or give --parked to drop every parked report")
    with open_store(args.db) as store:
        removed = store.outbox.drop(args.run_ids, parked=args.parked)
    print(f"Dropped {removed} report(s) from the StandCloud outbox; the runs stay stored.")
    return 0
