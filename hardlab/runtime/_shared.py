"""`shared`: one resource of a stand (a bench supply, a switch matrix) used by one slot at a time.

The slots of a stand are separate processes (``hardlab run PLAN --slots N``),
so the lock is the operating system's: an exclusive ``flock`` on a file
named after the resource in the stand's lock folder (``$HARDLAB_LOCK_DIR``,
else ``locks/`` in hardlab's data folder, `hardlab._util.data_dir`). The
kernel releases it when the process holding it ends, crashes included, so a
dead slot never leaves the others waiting.

Inside one process the lock is re-entrant for the thread that holds it (an
instrument declared ``shared = true`` takes it around each exchange, and a
test may hold it around several exchanges of its own), and threads of one
process queue on a thread lock before the file lock.

Each wait is kept in the current run's artifact under ``shared`` (see
`SHARED_KEY`), so the report, the store's document and StandCloud carry how
long the run waited for what.
"""

from __future__ import annotations

import contextlib
import os
import re
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hardlab.runtime._state import maybe_current_run

__all__ = ["LOCK_DIR_ENV", "SHARED_KEY", "SharedHold", "lock_dir", "shared"]

LOCK_DIR_ENV = "HARDLAB_LOCK_DIR"
"""Names the stand's lock folder: every slot that should share a resource must use the same one."""

SHARED_KEY = "shared"
"""The run artifact key of the waits: ``{name: {"uses", "wait_s", "max_wait_s", "held_s"}}``."""

_SAFE = re.compile(r"[^A-Za-z0-9_.-]")


def lock_dir() -> Path:
    """The stand's lock folder: ``$HARDLAB_LOCK_DIR``, else ``locks`` in hardlab's data folder."""
    explicit = os.environ.get(LOCK_DIR_ENV, "").strip()
    if explicit:
        return Path(explicit).expanduser()
    from hardlab._util import data_dir

    return data_dir() / "locks"


@dataclass
class SharedHold:
    """One holding of a shared resource, as `shared` yields it.

    Attributes:
        name: The resource's name.
        waited: Seconds this holding waited for the resource (0 when the
            thread held it already).
        acquired: ``time.time()`` when it was got.
    """

    name: str
    waited: float
    acquired: float


class _Resource:
    """The process's side of one resource: a thread lock, the open lock file, the depth."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.thread_lock = threading.RLock()
        self.depth = 0
        self.fd: int | None = None


_RESOURCES: dict[Path, _Resource] = {}
_RESOURCES_LOCK = threading.Lock()


def _resource(name: str) -> _Resource:
    if not name.strip():
        msg = f"hardlab.shared() needs a resource name, not {name!r}"
        raise ValueError(msg)
    folder = lock_dir()
    # the file name keeps the name readable; the hash keeps names that clean alike apart
    import hashlib

    digest = hashlib.sha256(name.encode("utf-8")).hexdigest()[:8]
    path = folder / f"{_SAFE.sub('_', name)[:60]}-{digest}.lock"
    with _RESOURCES_LOCK:
        entry = _RESOURCES.get(path)
        if entry is None:
            entry = _RESOURCES[path] = _Resource(path)
        return entry


def _lock_file(entry: _Resource) -> None:
    """Take the OS lock on the resource's file; blocks until no other process holds it."""
    if entry.fd is None:
        entry.path.parent.mkdir(parents=True, exist_ok=True)
        entry.fd = os.open(entry.path, os.O_RDWR | os.O_CREAT, 0o666)
    if sys.platform == "win32":  # pragma: no cover - Windows only
        import msvcrt

        while True:
            try:
                msvcrt.locking(entry.fd, msvcrt.LK_LOCK, 1)
                return
            except OSError:  # LK_LOCK gives up after 10 s: keep waiting
                continue
    import fcntl

    fcntl.flock(entry.fd, fcntl.LOCK_EX)


def _unlock_file(entry: _Resource) -> None:
    if entry.fd is None:  # pragma: no cover - locked files always have one
        return
    if sys.platform == "win32":  # pragma: no cover - Windows only
        import msvcrt

        os.lseek(entry.fd, 0, os.SEEK_SET)
        msvcrt.locking(entry.fd, msvcrt.LK_UNLCK, 1)
        return
    import fcntl

    fcntl.flock(entry.fd, fcntl.LOCK_UN)


def _note(name: str, waited: float, held: float) -> None:
    """Add one holding to the current run's artifact ``shared`` (nothing outside a run)."""
    run = maybe_current_run()
    if run is None:
        return
    with run.lock:
        artifact = run.document.artifact
        table = artifact.get(SHARED_KEY)
        if not isinstance(table, dict):
            table = artifact[SHARED_KEY] = {}
        row: dict[str, Any] = table.get(name) or {
            "uses": 0,
            "wait_s": 0.0,
            "max_wait_s": 0.0,
            "held_s": 0.0,
        }
        row["uses"] += 1
        row["wait_s"] = round(row["wait_s"] + waited, 6)
        row["max_wait_s"] = round(max(row["max_wait_s"], waited), 6)
        row["held_s"] = round(row["held_s"] + held, 6)
        table[name] = row


@contextlib.contextmanager
def shared(name: str) -> Iterator[SharedHold]:
    """Use the stand's resource `name` alone: other slots (processes) wait until the block ends.

    The lock is an OS file lock in the stand's lock folder (`lock_dir`), so
    it serialises every process on the machine that uses the same name and
    folder, and is released by the kernel when a holder dies. It is
    re-entrant in the thread that holds it. The time the block waited is
    added to the current run's artifact ``shared`` (`SHARED_KEY`): per name,
    ``uses``, ``wait_s`` (total), ``max_wait_s`` and ``held_s``.

    Instruments declared ``shared = true`` in ``[[hardlab.instruments]]``
    take it (named after the instrument) around each exchange; hold it
    yourself around several exchanges that must not be interleaved.

    Args:
        name: The resource (``"psu"``, ``"switch-matrix"``).

    Yields:
        A `SharedHold`: how long this block waited.

    Raises:
        ValueError: If `name` is empty.

    Example:
        ```python
        def test_rail(instruments, hardlab_slot):
            with hardlab.shared("matrix"):
                instruments["matrix"].write(f"ROUTE {hardlab_slot}")
                volts = float(instruments["dmm"].query("MEAS:VOLT:DC?"))
        ```
    """
    started = time.perf_counter()
    entry = _resource(name)
    entry.thread_lock.acquire()
    try:
        outermost = entry.depth == 0
        if outermost:
            _lock_file(entry)
        entry.depth += 1
        got = time.perf_counter()
        hold = SharedHold(name, got - started if outermost else 0.0, time.time())
        try:
            yield hold
        finally:
            entry.depth -= 1
            if outermost:
                _unlock_file(entry)
                _note(name, hold.waited, time.perf_counter() - got)
    finally:
        entry.thread_lock.release()
