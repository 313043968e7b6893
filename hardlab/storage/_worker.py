"""The store writer process: ``python -m hardlab.storage._worker``.

The store's URL comes in ``$HARDLAB_WRITER_STORE`` (or as the argument).
Reads run messages (`hardlab.storage._messages`, one a line) on stdin and
commits them: a message after a quiet moment at once, messages in quick
succession in batches of what arrives within 50 ms (a run's end is committed
at once), so a fast plan costs few transactions and a slow one commits every
case as it ends. Replies on stdout: ``ready``, ``error``, ``done``. If stdin
ends before the run's ``finish`` (the run's process died), it commits what it
has and marks the run ``interrupted``.

A store that becomes unavailable (`StorageError.transient`: a database
restarting, a file gone or read-only, a full disk) is tried again with
backoff while the run goes on; what it has not taken some seconds after the
run's end is kept in the spool (`hardlab.storage._spool`), which the next
writer for the store writes once it has opened it.

An SQLite store is written through the standard library's ``sqlite3`` and
`hardlab.storage._write` only: the writer shares a two-core stand with the
run, and SQLAlchemy's import alone would cost it a third of a second of CPU.
`Store` (with SQLAlchemy) comes in only when the file is new or its schema
is not this hardlab's (to create it, or to say which command upgrades it),
and for other databases.

The writer reads its input in bulk, once a batch's moment has passed: it
waits for the first message of a batch, then for the moment to pass or the
run to hang up, but not for each message, so a run that sends a message a
case does not wake it, and give it the core the run needs, a thousand times.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import select
import signal
import sqlite3
import sys
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Protocol

from hardlab.errors import HardlabError, StorageError
from hardlab.storage._messages import (
    STORE_URL_ENV,
    Done,
    Failed,
    Finish,
    Ready,
    Reply,
    RunMessage,
    Start,
    decode,
    encode_reply,
)
from hardlab.storage._spool import flush as flush_spool
from hardlab.storage._spool import spooled_runs, store_key
from hardlab.storage._spool import write as write_spool
from hardlab.storage._version import SCHEMA_HEAD, VERSION_TABLE, sqlite_file
from hardlab.storage._write import RunWriter

HEARTBEAT_S = 30.0
BATCH_WINDOW_S = 0.05
BATCH_MAX = 2000
RETRIES = (0.2, 0.5, 1.0, 2.0, 5.0)
"""Seconds between tries while the store is unavailable (the last one repeats)."""
GRACE_S = 10.0
"""How long the writer goes on trying once the run has ended, before it spools the rest."""
GRACE_ENV = "HARDLAB_STORE_GRACE_S"
"""Overrides `GRACE_S` (seconds)."""


def _reply(reply: Reply) -> None:
    # The run may be gone (killed): its end of the pipe is closed then, and
    # the writer must go on committing what it received rather than fail.
    try:
        sys.stdout.buffer.write(encode_reply(reply))
        sys.stdout.flush()
    except (BrokenPipeError, OSError, ValueError):
        pass


class PipeInbox:
    """The run's messages, read from a pipe in bulk (POSIX).

    Args:
        fd: The pipe's read end (made non-blocking).
    """

    def __init__(self, fd: int) -> None:
        os.set_blocking(fd, False)
        self._fd = fd
        self._poll = select.poll()
        self._partial = b""
        self._eof = False

    def ended(self) -> bool:
        """Whether the run has hung up and everything it sent has been taken."""
        return self._eof

    def wait(self, timeout: float, *, hangup_only: bool = False) -> None:
        """Wait until messages are there or the run hangs up (`hangup_only`: the latter only)."""
        if self._eof:
            return
        # With no events asked for, poll still reports a hang-up: the run's end
        # (it closes the pipe right after ``finish``) or its death.
        self._poll.register(self._fd, 0 if hangup_only else select.POLLIN)
        self._poll.poll(max(0, round(timeout * 1000)))

    def take(self) -> list[bytes]:
        """Every complete message that has arrived, without waiting."""
        chunks = [self._partial]
        while True:
            try:
                data = os.read(self._fd, 1 << 20)
            except BlockingIOError:
                break
            if not data:
                self._eof = True
                break
            chunks.append(data)
        *lines, self._partial = b"".join(chunks).split(b"\n")
        if self._eof:
            # a message without its newline was cut short by the run's death
            self._partial = b""
        return [line for line in lines if line.strip()]


class ThreadInbox:  # pragma: no cover - Windows, whose pipes cannot be polled
    """The run's messages, read line by line on a thread."""

    def __init__(self) -> None:
        self._lines: list[bytes] = []
        self._ended = False
        self._changed = threading.Condition()
        self._eof = False
        threading.Thread(target=self._read, name="hardlab-writer-input", daemon=True).start()

    def _read(self) -> None:
        for raw in sys.stdin.buffer:
            if raw.endswith(b"\n") and raw.strip():
                with self._changed:
                    self._lines.append(raw)
                    self._changed.notify_all()
        with self._changed:
            self._ended = True
            self._changed.notify_all()

    def ended(self) -> bool:
        """Whether the run has hung up and everything it sent has been taken."""
        return self._eof

    def wait(self, timeout: float, *, hangup_only: bool = False) -> None:
        """Wait until messages are there or the run hangs up (`hangup_only`: the latter only)."""
        with self._changed:
            self._changed.wait_for(
                lambda: self._ended or (not hangup_only and bool(self._lines)), timeout
            )

    def take(self) -> list[bytes]:
        """Every complete message that has arrived, without waiting."""
        with self._changed:
            lines, self._lines = self._lines, []
            self._eof = self._ended
        return lines


def _parse(lines: list[bytes]) -> list[RunMessage]:
    messages = []
    for line in lines:
        try:
            messages.append(decode(line))
        except ValueError as exc:
            # a message the run's death (or an interrupt) cut into the next one
            _reply(Failed(f"dropped a garbled run message: {exc}", fatal=False))
    return messages


class Target(Protocol):
    """What the writer writes to: `SqliteTarget`, or a `hardlab.storage.Store`."""

    def apply(self, messages: Sequence[RunMessage | Mapping[str, Any]]) -> None:
        """Write a batch of run messages in one transaction."""

    def heartbeat(self, run_id: str) -> None:
        """Record that the run's writer is alive."""

    def interrupt(self, run_id: str) -> None:
        """Mark an unfinished run ``interrupted``."""

    def close(self) -> None:
        """Let the database go."""


class SqliteTarget:
    """An SQLite store, through ``sqlite3``: the same pragmas and transactions as `Store`'s.

    Args:
        path: The database file.
        url: Its URL, for `Store` and for messages.
    """

    def __init__(self, path: Path, url: str) -> None:
        self.path = path
        self.url = url
        self._connection: sqlite3.Connection | None = None
        self._identity: tuple[int, int] | None = None

    def __repr__(self) -> str:
        return f"SqliteTarget({self.url!r})"

    def open(self) -> None:
        """Check the schema (with `Store` when it is not this hardlab's) and recover dead runs.

        Raises:
            StorageError: If the store cannot be used; the message says why and what to do.
        """
        if not self._at_head():
            # a new file, an older or newer schema, or no SQLite database at all:
            # Store creates the schema, or raises the error that names the fix
            from hardlab.storage._store import Store

            with Store(self.url) as store:
                store._prepare()
        else:
            self._recover()

    def _at_head(self) -> bool:
        if not self.path.is_file():
            return False
        try:
            row = self._db.execute(f"SELECT version_num FROM {VERSION_TABLE}").fetchone()
        except sqlite3.Error:
            self.close()
            return False
        return row is not None and row[0] == SCHEMA_HEAD

    @property
    def _db(self) -> sqlite3.Connection:
        if self._connection is None:
            try:
                # mode=rw: a file that went away (a network share unmounted) is an
                # error to retry, never a new empty store in its place
                connection = sqlite3.connect(
                    f"{self.path.absolute().as_uri()}?mode=rw",
                    uri=True,
                    timeout=60,
                    isolation_level=None,
                )
            except sqlite3.Error as exc:
                raise self._error("opening the store", exc) from exc
            try:
                for pragma in (
                    "journal_mode=WAL",
                    "synchronous=NORMAL",
                    "foreign_keys=ON",
                    "busy_timeout=60000",
                ):
                    connection.execute(f"PRAGMA {pragma}")
                status = os.stat(self.path)
            except (sqlite3.Error, OSError) as exc:
                connection.close()
                if isinstance(exc, OSError):
                    raise self._gone(exc) from exc
                raise self._error("opening the store", exc) from exc
            self._identity = (status.st_dev, status.st_ino)
            self._connection = connection
        return self._connection

    def _error(self, what: str, exc: sqlite3.Error) -> StorageError:
        detail = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        error = StorageError(f"{what} failed on {self.url}: {detail}{_fix(detail, self.path)}")
        error.transient = isinstance(exc, sqlite3.OperationalError)
        if error.transient:
            # the next try opens the file afresh (a share back, a disk with room again)
            self.close()
        return error

    def _gone(self, exc: OSError) -> StorageError:
        error = StorageError(
            f"the store {self.url} is unreachable: its file {self.path} is gone "
            f"({exc.strerror or exc}); bring its folder (or network share) back"
        )
        error.transient = True
        return error

    def _check(self) -> None:
        """Make sure the file written is still the store's, there and writable.

        An open connection goes on writing into a file whose folder was removed
        or whose share went away (or that was made read-only), and what it
        writes then is lost: a stat and an access check a batch tell.
        """
        try:
            status = os.stat(self.path)
        except OSError as exc:
            self.close()
            raise self._gone(exc) from exc
        if self._identity is not None and (status.st_dev, status.st_ino) != self._identity:
            self.close()  # the share came back, or the file was put back: open it again
        if not os.access(self.path, os.W_OK):
            self.close()
            error = StorageError(
                f"the store {self.url} is read-only: make {self.path} and its folder writable again"
            )
            error.transient = True
            raise error

    @contextlib.contextmanager
    def _write(self, what: str) -> Iterator[RunWriter]:
        """A write transaction, with the write lock taken up front (as `Store` does)."""
        db = self._db
        try:
            db.execute("BEGIN IMMEDIATE")
            try:
                yield RunWriter(db.cursor(), "sqlite")
            except BaseException:
                if db.in_transaction:
                    db.rollback()
                raise
            db.commit()
        except sqlite3.Error as exc:
            raise self._error(what, exc) from exc

    def _recover(self) -> None:
        try:
            runs = RunWriter(self._db.cursor(), "sqlite").open_runs()
        except sqlite3.Error as exc:
            raise self._error("checking for interrupted runs", exc) from exc
        if not runs:
            return
        import socket  # slow to import, and needed only when some run looks unfinished

        host, now = socket.gethostname(), datetime.now(timezone.utc)
        waiting = spooled_runs(self.url)  # kept in the spool: the rest of the run is coming
        for run in runs:
            if run.dead(host, now) and run.id not in waiting:
                self.interrupt(run.id)

    def apply(self, messages: Sequence[RunMessage | Mapping[str, Any]]) -> None:
        """Write a batch of run messages in one transaction."""
        self._check()
        with self._write("writing a run") as writer:
            writer.apply(messages)

    def heartbeat(self, run_id: str) -> None:
        """Record that the run's writer is alive."""
        self._check()
        with self._write("recording a heartbeat") as writer:
            writer.heartbeat(run_id)

    def interrupt(self, run_id: str) -> None:
        """Mark an unfinished run ``interrupted`` (its finished cases stay as they are)."""
        self._check()
        with self._write("marking a run interrupted") as writer:
            writer.interrupt(run_id)

    def close(self) -> None:
        """Close the connection."""
        if self._connection is not None:
            connection, self._connection = self._connection, None
            with contextlib.suppress(sqlite3.Error):
                connection.close()  # folding the log into a read-only file may fail


def _fix(detail: str, path: Path) -> str:
    """What to do about an SQLite error that stops the writer, if it says.

    SQLite reports a write the disk refused as an I/O error whatever the
    reason (the file size limit, a share gone, a failing disk): the free
    space and the process's limit tell a full disk apart.
    """
    text = detail.lower()
    if "readonly" in text or "read-only" in text:
        return f"; the store is read-only: make {path} and its folder writable again"
    if "full" not in text and "i/o error" not in text and "unable to open" not in text:
        return ""
    full = f"; the disk that holds {path} is full: free space on it"
    with contextlib.suppress(OSError):
        disk = os.statvfs(path.parent)
        if disk.f_bavail * disk.f_frsize < 1 << 20:
            return full
    with contextlib.suppress(ImportError, OSError, ValueError):
        import resource

        limit = resource.getrlimit(resource.RLIMIT_FSIZE)[0]
        if limit != resource.RLIM_INFINITY:
            return (
                f"; the store is full: its files reached the file size limit of "
                f"{limit} bytes (ulimit -f); raise the limit or free space"
            )
    if "full" in text:
        return full
    return f"; check that {path} and its folder (or network share) are there and writable"


def open_target(url: str) -> Target:
    """The store at `url`, checked and ready to write runs to.

    Raises:
        HardlabError: If it cannot be used (the message says why and what to do).
    """
    path = sqlite_file(url, options=False)
    if path is not None:
        target = SqliteTarget(path, url)
        try:
            target.open()
        except BaseException:
            target.close()
            raise
        return target
    from hardlab.storage._store import Store

    store = Store(url)
    try:
        store.engine  # noqa: B018 - make the engine now, to report errors early
        store._prepare()
    except BaseException:
        store.close()
        raise
    return store


def _yield_to_the_run() -> None:
    """Let the writer's wake-ups wait for the run's time slice instead of cutting it short.

    On Linux a ``SCHED_BATCH`` process gets its full share of the processor
    but does not preempt a running one when it wakes: on a busy two-core
    stand, the writer's batches then wait a few milliseconds for a free core
    rather than interrupt the tests on theirs. At the run's end the run waits
    for the writer, its core is free, and the writer goes at once.
    """
    policy = getattr(os, "SCHED_BATCH", None)
    if policy is None or not hasattr(os, "sched_setscheduler"):  # pragma: no cover - not Linux
        return
    with contextlib.suppress(OSError):
        os.sched_setscheduler(0, policy, os.sched_param(0))


class _Writer:
    """What the writer holds for the store: messages not yet committed, and the store's state.

    While the store is unavailable (a database restarting, a file gone or
    read-only, a full disk) the messages wait here and the writer tries again
    with backoff; the run goes on meanwhile, as the writer keeps reading it.

    Args:
        store: The store, opened.
        url: Its URL, as the run gave it.
    """

    def __init__(self, store: Target, url: str) -> None:
        self.store = store
        self.url = url
        self.pending: list[RunMessage] = []
        self.run_id: str | None = None
        self.finished = False
        self.next_try = 0.0
        self.last_commit = -BATCH_WINDOW_S
        self.last_beat = time.monotonic()
        self._failures = 0
        self._problem: str | None = None

    def take(self, batch: list[RunMessage]) -> None:
        """Queue messages the run sent (a start message gets this writer's process id)."""
        for index, message in enumerate(batch):
            if isinstance(message, Start):
                self.run_id = message.run_id
                batch[index] = dataclasses.replace(message, writer_pid=os.getpid())
        self.pending += batch

    def write(self) -> bool:
        """Commit what is pending; False (and it stays pending) while the store is unavailable."""
        while self.pending:
            part = self.pending[:BATCH_MAX]
            try:
                self.store.apply(part)
            except StorageError as exc:
                if exc.transient:
                    self._unavailable(exc)
                    return False
                _reply(Failed(str(exc), fatal=False))
                written = False
            else:
                written = True
                self._available()
            del self.pending[: len(part)]
            self.last_commit = self.last_beat = time.monotonic()
            if any(isinstance(message, Finish) for message in part):
                self.finished = True
                _reply(Done(written, self.run_id))
        return True

    def beat(self) -> None:
        """Record that the run is alive, if it has been quiet for a while."""
        if self.run_id is None or self.finished or self.pending:
            return
        if time.monotonic() - self.last_beat < HEARTBEAT_S:
            return
        self.last_beat = time.monotonic()
        with contextlib.suppress(StorageError):  # the next batch says if the store is gone
            self.store.heartbeat(self.run_id)

    def _unavailable(self, exc: StorageError) -> None:
        self._failures += 1
        self.next_try = time.monotonic() + RETRIES[min(self._failures, len(RETRIES)) - 1]
        if self._problem is None:
            self._problem = str(exc)
            # SQLite's errors name their fix already (`_fix`); a server's, not
            fix = (
                ""
                if isinstance(self.store, SqliteTarget)
                else "; check that the database server is running and reachable from here"
            )
            _reply(
                Failed(
                    f"{exc}{fix}. The run goes on; the writer keeps trying, and what the store "
                    "has not taken by the run's end is kept on this computer for it",
                    fatal=False,
                )
            )

    def _available(self) -> None:
        if self._problem is not None:
            _reply(
                Failed(
                    f"the store {store_key(self.url)} is back: everything the run sent is written",
                    fatal=False,
                )
            )
        self._problem = None
        self._failures = 0

    def drain(self, grace: float) -> None:
        """After the run's end: keep trying for `grace` seconds, then spool what is left."""
        deadline = time.monotonic() + grace
        while self.pending:
            if time.monotonic() >= self.next_try and self.write():
                break
            now = time.monotonic()
            if now >= deadline:
                break
            time.sleep(max(0.0, min(self.next_try, deadline) - now))
        if self.pending:
            self._spool()
        elif self.run_id is not None and not self.finished:
            _retry(self.store.interrupt, self.run_id)

    def _spool(self) -> None:
        run_id = self.run_id or self.pending[0].run_id
        where = store_key(self.url)
        problem = self._problem or "it was unavailable"
        try:
            path = write_spool(self.url, run_id, self.pending)
        except OSError as exc:
            _reply(
                Failed(
                    f"the store {where} did not take the run ({problem}), and it could not "
                    f"be kept on this computer either: {exc}",
                    fatal=False,
                )
            )
            _reply(Done(False, run_id))
            return
        flush = (
            f"hardlab db flush --db {self.url}"
            if where == self.url
            else "hardlab db flush --db URL (the store's URL with its password)"
        )
        _reply(
            Failed(
                f"the store {where} did not take the run by its end. The run is "
                f"kept in {path}; it is written to the store when the next run that uses "
                f"the store starts, or now with: {flush}",
                fatal=False,
            )
        )
        _reply(Done(False, run_id, spooled=str(path)))

    def flush_spool(self) -> None:
        """Write the runs spooled for this store by earlier writers (the store is back)."""
        result = flush_spool(self.store, self.url)
        for path, why in result.kept:
            _reply(Failed(f"a run kept in {path} is still not in the store: {why}", fatal=False))


def main(argv: list[str]) -> int:
    """Run the writer for the store named by ``$HARDLAB_WRITER_STORE`` (or ``argv[0]``).

    The run hands the URL over in the environment, which only its user can
    read: on the command line, a database password would show in ``ps``.
    """
    # The run handles Ctrl-C and SIGTERM; the writer keeps writing until its
    # input ends, so that nothing sent is lost. SIGXFSZ: a file size limit
    # reached is an error to report (the disk counts as full), not the end.
    for name in ("SIGINT", "SIGTERM", "SIGHUP", "SIGXFSZ"):
        number = getattr(signal, name, None)
        if number is not None:
            signal.signal(number, signal.SIG_IGN)
    url = os.environ.pop(STORE_URL_ENV, None) or argv[0]
    grace = float(os.environ.get(GRACE_ENV) or GRACE_S)
    _yield_to_the_run()
    inbox: PipeInbox | ThreadInbox = (
        ThreadInbox() if sys.platform == "win32" else PipeInbox(sys.stdin.fileno())
    )
    try:
        store = open_target(url)
    except HardlabError as exc:
        _reply(Failed(str(exc), fatal=True))
        while not inbox.ended():  # drain, so the run never blocks on a full pipe
            inbox.wait(HEARTBEAT_S)
            inbox.take()
        return 1
    _reply(Ready(os.getpid()))
    writer = _Writer(store, url)
    writer.flush_spool()
    while not inbox.ended():
        now = time.monotonic()
        inbox.wait(max(0.0, writer.next_try - now) if writer.pending else HEARTBEAT_S)
        batch = _parse(inbox.take())
        if (
            batch
            and not writer.pending
            and not inbox.ended()
            and not isinstance(batch[-1], Finish)
            and now - writer.last_commit < BATCH_WINDOW_S
        ):
            # Cases ending in quick succession: gather what arrives in the next
            # moment into the same transaction, so a fast plan costs a few dozen
            # commits instead of one a case. A case that ends after a quiet
            # moment is committed at once: run and writer killed together (a
            # power cut) then lose at most what was in flight.
            inbox.wait(BATCH_WINDOW_S, hangup_only=True)
            batch += _parse(inbox.take())
        writer.take(batch)
        if writer.pending and time.monotonic() >= writer.next_try:
            writer.write()
        elif not batch:
            writer.beat()
    writer.drain(grace)
    store.close()
    with contextlib.suppress(BrokenPipeError, OSError, ValueError):
        sys.stdout.flush()
    # Everything is committed and answered: skip the interpreter's slow teardown
    # (the run waits for this process to end).
    os._exit(0)


def _retry(action: Any, *args: Any) -> bool:
    for delay in (*RETRIES, None):
        try:
            action(*args)
        except StorageError as exc:
            if delay is None or not exc.transient:
                _reply(Failed(str(exc), fatal=False))
                return False
            time.sleep(delay)
        else:
            return True
    return False  # pragma: no cover - the loop always returns


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
