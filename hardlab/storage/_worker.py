"""The store writer process: ``python -m hardlab.storage._worker URL``.

Reads run messages (JSON lines) on stdin and commits them in batches: a
batch is what arrives within 50 ms of its first message (a run's end is
committed at once), so a fast plan costs few transactions and a slow one
commits every case moments after it ends. Replies (JSON lines) on stdout: ``ready``, ``error``,
``done``. If stdin ends before the run's ``finish`` (the run's process died),
it commits what it has and marks the run ``interrupted``.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import signal
import sys
import threading
import time
from typing import Any

HEARTBEAT_S = 30.0
BATCH_WINDOW_S = 0.05
BATCH_MAX = 2000
RETRIES = (0.2, 0.5, 1.0, 2.0, 5.0)
_EOF = object()


def _reply(**message: Any) -> None:
    # The run may be gone (killed): its end of the pipe is closed then, and
    # the writer must go on committing what it received rather than fail.
    try:
        sys.stdout.write(json.dumps(message) + "\n")
        sys.stdout.flush()
    except (BrokenPipeError, OSError, ValueError):
        pass


def _read_stdin(inbox: queue.Queue[Any]) -> None:
    for raw in sys.stdin.buffer:
        if raw.strip():
            inbox.put(raw)
    inbox.put(_EOF)


def main(argv: list[str]) -> int:
    """Run the writer for the store at ``argv[0]``."""
    # The run handles Ctrl-C and SIGTERM; the writer keeps writing until its
    # input ends, so that nothing sent is lost.
    for name in ("SIGINT", "SIGTERM", "SIGHUP"):
        number = getattr(signal, name, None)
        if number is not None:
            signal.signal(number, signal.SIG_IGN)
    inbox: queue.Queue[Any] = queue.Queue()
    threading.Thread(target=_read_stdin, args=(inbox,), daemon=True).start()

    from hardlab.errors import HardlabError
    from hardlab.storage._store import Store

    store = Store(argv[0])
    try:
        store.engine  # noqa: B018 - make the engine now, to report errors early
        store._prepare()
    except HardlabError as exc:
        _reply(op="error", message=str(exc), fatal=True)
        while inbox.get() is not _EOF:  # drain, so the run never blocks on a full pipe
            pass
        return 1
    _reply(op="ready", pid=os.getpid())

    run_id: str | None = None
    finished = False
    last_beat = time.monotonic()
    while True:
        try:
            first = inbox.get(timeout=HEARTBEAT_S)
        except queue.Empty:
            first = None
        batch: list[dict[str, Any]] = []
        eof = first is _EOF
        if first is not None and not eof:
            batch.append(json.loads(first))
            # Gather what arrives in the next moment into the same transaction:
            # a fast plan then costs a few dozen commits instead of one a case.
            # What is received is never at risk: the writer outlives its run.
            deadline = time.monotonic() + BATCH_WINDOW_S
            while len(batch) < BATCH_MAX and batch[-1]["op"] != "finish":
                try:
                    item = inbox.get(timeout=max(0.0, deadline - time.monotonic()))
                except queue.Empty:
                    break
                if item is _EOF:
                    eof = True
                    break
                batch.append(json.loads(item))
        for message in batch:
            if message["op"] == "start":
                run_id = message["run_id"]
                message["writer_pid"] = os.getpid()
            elif message["op"] == "finish":
                finished = True
        if batch:
            written = _retry(store.apply, batch)
            last_beat = time.monotonic()
            if finished:
                _reply(op="done", ok=written, run_id=run_id)
        elif run_id is not None and not finished and time.monotonic() - last_beat >= HEARTBEAT_S:
            _retry(store.heartbeat, run_id)
            last_beat = time.monotonic()
        if eof:
            break
    if run_id is not None and not finished:
        _retry(store.interrupt, run_id)
    store.close()
    with contextlib.suppress(BrokenPipeError, OSError, ValueError):
        sys.stdout.flush()
    # Everything is committed and answered: skip the interpreter's slow teardown
    # (the run waits for this process to end).
    os._exit(0)


def _retry(action: Any, *args: Any) -> bool:
    from hardlab.errors import StorageError

    for delay in (*RETRIES, None):
        try:
            action(*args)
        except StorageError as exc:
            if delay is None or not exc.transient:
                _reply(op="error", message=str(exc), fatal=False)
                return False
            time.sleep(delay)
        else:
            return True
    return False  # pragma: no cover - the loop always returns


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
