"""The spool: runs the store could not take in time, kept on this computer until it can.

When the database is unreachable (a PostgreSQL server restarting, a network
share gone, a full disk, a read-only file) at the end of a run, the writer
keeps what it could not commit as its run messages (`hardlab.storage._messages`),
one file a run in hardlab's ``unsaved`` folder: ``<run id>.spool.jsonl``. The
first line names the store (its password hidden); the others are the
messages, in the order they were sent. Every message is idempotent, so
writing a spool file completes the run whatever part of it the store already
has. The next writer that opens the same store writes them (`flush`), and so
does ``hardlab db flush``.

This module imports no SQLAlchemy: the writer process uses it.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from hardlab._util import data_dir
from hardlab.errors import HardlabError
from hardlab.storage._messages import Finish, RunMessage, Start, decode, encode

__all__ = [
    "SUFFIX",
    "SpoolResult",
    "flush",
    "spool_dir",
    "spooled",
    "spooled_runs",
    "store_key",
    "write",
]

SUFFIX = ".spool.jsonl"
_CLAIMED = ".writing"
"""Added to a spool file's name while a writer writes it, so that no other one does too."""
_PASSWORD = re.compile(r"(//[^/:@]*):[^/@]*@")


def spool_dir() -> Path:
    """Where spooled runs are kept: hardlab's ``unsaved`` folder (beside unsaved reports)."""
    return data_dir() / "unsaved"


def store_key(url: str) -> str:
    """The store's URL as a spool file names it: without its password."""
    return _PASSWORD.sub(r"\1:***@", url)


class _Target(Protocol):
    def apply(self, messages: Sequence[RunMessage]) -> None: ...

    def interrupt(self, run_id: str) -> None: ...


def write(
    url: str, run_id: str, messages: Sequence[RunMessage], folder: Path | None = None
) -> Path:
    """Keep `messages` of run `run_id` for the store at `url`; return the file.

    Written beside, then renamed, so that a spool file is whole or absent; readable
    by its owner only (a run's report may say more than the stand should show).

    Raises:
        OSError: If the file cannot be written.
    """
    folder = spool_dir() if folder is None else folder
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{run_id}{SUFFIX}"
    partial = path.with_name(f"{path.name}.{os.getpid()}.part")
    header = {"spool": 1, "store": store_key(url), "run_id": run_id, "kept_at": time.time()}
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(json.dumps(header).encode() + b"\n")
            for message in messages:
                out.write(encode(message))
            out.flush()
            os.fsync(out.fileno())
        os.replace(partial, path)
    except BaseException:
        with contextlib.suppress(OSError):
            partial.unlink()
        raise
    return path


@dataclass(frozen=True)
class Spooled:
    """A spooled run, as its file's first line says."""

    path: Path
    store: str
    run_id: str


def _header(path: Path) -> Spooled | None:
    try:
        with path.open("rb") as lines:
            header: Any = json.loads(lines.readline())
    except (OSError, ValueError):
        return None
    if not isinstance(header, dict) or header.get("spool") != 1:
        return None
    return Spooled(path, str(header.get("store")), str(header.get("run_id")))


def spooled(folder: Path | None = None) -> list[Spooled]:
    """Every spooled run in `folder` (default: `spool_dir`), oldest first."""
    folder = spool_dir() if folder is None else folder
    try:
        paths = sorted(folder.glob(f"*{SUFFIX}"), key=lambda p: p.stat().st_mtime)
    except OSError:
        return []
    return [entry for entry in map(_header, paths) if entry is not None]


def spooled_runs(url: str, folder: Path | None = None) -> set[str]:
    """The ids of the runs spooled for the store at `url`."""
    key = store_key(url)
    return {entry.run_id for entry in spooled(folder) if entry.store == key}


@dataclass
class SpoolResult:
    """What `Store.flush_spool` (and a writer opening the store) did with the spool.

    Attributes:
        written: The ids of the runs now in the store (their spool files are gone).
        kept: The spool files still waiting for this store, each with why.
        elsewhere: Spool files waiting for other stores (named without password).
    """

    written: list[str] = field(default_factory=list)
    kept: list[tuple[Path, str]] = field(default_factory=list)
    elsewhere: list[Spooled] = field(default_factory=list)


_ABANDONED_S = 600.0
"""A claim this old belongs to a writer that died while it wrote the file (it takes seconds)."""


def _release_abandoned(folder: Path) -> None:
    """Put back the spool files whose writer died while writing them, for the next to write."""
    with contextlib.suppress(OSError):
        for claimed in folder.glob(f"*{SUFFIX}{_CLAIMED}"):
            with contextlib.suppress(OSError):
                if time.time() - claimed.stat().st_mtime > _ABANDONED_S:
                    os.rename(claimed, claimed.with_name(claimed.name[: -len(_CLAIMED)]))


def _messages(path: Path) -> list[RunMessage]:
    with path.open("rb") as lines:
        lines.readline()
        return [decode(line) for line in lines if line.strip()]


def flush(target: _Target, url: str, folder: Path | None = None) -> SpoolResult:
    """Write the runs spooled for the store at `url` into `target`, that store.

    A spool file is claimed (renamed) while it is written, so two writers
    opening the store at once do not both write it; it is deleted once the
    store has it, and put back if the store fails again.
    """
    result = SpoolResult()
    key = store_key(url)
    _release_abandoned(spool_dir() if folder is None else folder)
    for entry in spooled(folder):
        if entry.store != key:
            result.elsewhere.append(entry)
            continue
        claimed = entry.path.with_name(entry.path.name + _CLAIMED)
        try:
            os.rename(entry.path, claimed)
            os.utime(claimed)  # when it was claimed: see _release_abandoned
        except OSError:
            continue  # another writer has it
        try:
            messages = _messages(claimed)
            target.apply(messages)
            if not any(isinstance(m, Finish) for m in messages):
                # the run died while the store was away: what it finished is there now
                run_id = next((m.run_id for m in messages if isinstance(m, Start)), entry.run_id)
                target.interrupt(run_id)
        except (HardlabError, OSError, ValueError) as exc:
            with contextlib.suppress(OSError):
                os.rename(claimed, entry.path)
            result.kept.append((entry.path, str(exc)))
            continue
        with contextlib.suppress(OSError):
            claimed.unlink()
        result.written.append(entry.run_id)
    return result
