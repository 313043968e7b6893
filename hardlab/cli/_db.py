"""``hardlab db upgrade`` and ``hardlab db info``: the store's schema, explicitly."""

from __future__ import annotations

import argparse

from hardlab.cli._common import open_store, safe_url, url_source

__all__ = ["cmd_db_flush", "cmd_db_info", "cmd_db_upgrade"]


def _head() -> str:
    # the revision this hardlab's migrations end at (what Store.upgrade() migrates to)
    from hardlab.storage import SCHEMA_HEAD

    return SCHEMA_HEAD


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    """``hardlab db upgrade``: migrate the store to this hardlab's schema (or create it)."""
    with open_store(args.db) as store:
        where = safe_url(store.url)
        before = store.revision() if store.exists() else None
        after = store.upgrade()
    if before is None:
        print(f"Created hardlab's schema (revision {after}) in {where}.")
    elif before == after:
        print(f"{where} is already at revision {after}, this hardlab's schema.")
    else:
        print(f"Upgraded {where} from revision {before} to {after}.")
    return 0


def cmd_db_info(args: argparse.Namespace) -> int:
    """``hardlab db info``: which store, its schema revision against this hardlab's, its runs."""
    from hardlab._version import __version__

    head = _head()
    with open_store(args.db) as store:
        where = safe_url(store.url)
        lines = [("store", where), ("chosen by", url_source(args.db)), ("database", store.dialect)]
        if not store.exists():
            lines.append(("schema", "none yet: the file does not exist (the first run creates it)"))
        else:
            revision = store.revision()
            if revision is None:
                lines.append(
                    ("schema", "none yet (the first run creates it, or: hardlab db upgrade)")
                )
            elif revision == head:
                lines.append(("schema", f"{revision} (up to date)"))
                lines.append(("runs", str(store.count_runs())))
            elif revision < head:
                upgrade = f"hardlab db upgrade --db {where}"
                lines.append(("schema", f"{revision}, older than hardlab's; upgrade: {upgrade}"))
            else:
                lines.append(("schema", f"{revision}, newer than this hardlab's; upgrade hardlab"))
        waiting = len(store.spooled_runs())
        if waiting:
            lines.append(
                ("spooled", f"{waiting} run(s) kept here for it; write them: hardlab db flush")
            )
    lines.append(("hardlab", f"{__version__} (schema {head})"))
    width = max(len(name) for name, _ in lines)
    for name, value in lines:
        print(f"{name.ljust(width)}  {value}")
    return 0


def cmd_db_flush(args: argparse.Namespace) -> int:
    """``hardlab db flush``: write the runs kept on this computer while the store was away.

    Returns 0 when nothing is left waiting for the store, 1 when some runs still are.
    """
    from hardlab.storage import SpoolResult

    with open_store(args.db) as store:
        where = safe_url(store.url)
        result: SpoolResult = store.flush_spool()
    for run_id in result.written:
        print(f"wrote run {run_id} to {where}")
    for path, why in result.kept:
        print(f"still kept in {path}: {why}")
    others = sorted({entry.store for entry in result.elsewhere})
    for other in others:
        count = sum(entry.store == other for entry in result.elsewhere)
        print(f"{count} run(s) kept for another store, {other}: hardlab db flush --db URL")
    if not result.written and not result.kept:
        print(f"no run is kept on this computer for {where}")
    return 1 if result.kept else 0
