"""The run's side of the store: a listener that streams the run to a writer process.

The writer (``python -m hardlab.storage._worker``) opens the database and
commits what it receives in batches, as fast as it arrives. Keeping it in
its own process has three effects that matter on a test stand:

* the test's thread never waits for the database, and the database driver's
  import and work run on another core;
* a killed test process loses nothing it had finished: the writer drains
  what was sent, commits it and marks the run ``interrupted``;
* the writer's failures cannot crash the run; if the store cannot be
  written, the run saves its final report as a HardPy JSON file instead and
  says where.

This module imports no SQLAlchemy: it is loaded in every run.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable
from typing import IO, Any

from hardlab.events import (
    CaseFinished,
    DialogClosed,
    DialogOpened,
    Event,
    ModuleFinished,
    OperatorMessageChanged,
    ReportUpdated,
    RunFinished,
    RunStarted,
    RunView,
    SinkOutcome,
)
from hardlab.model.report import ResultRunStore
from hardlab.storage._messages import (
    STORE_URL_ENV,
    Done,
    Failed,
    Ready,
    attempt_prefix,
    decode_reply,
    encode_attempt,
    encode_finish,
    encode_meta,
    encode_module,
    encode_operator,
    encode_start,
)
from hardlab.storage._version import check_sqlite, sqlite_file

__all__ = ["StoreSink", "report_run_id"]

_NAMESPACE = uuid.UUID("6f7a1a4e-1d8a-4f5e-9a43-7c0e5e9b2b11")
_META_FIELDS = {
    "name",
    "dut",
    "test_stand",
    "process",
    "user",
    "batch_serial_number",
    "error_code",
    "caused_dut_failure_id",
    "start_time",
    "stop_time",
    "status",
}


def report_run_id(report: ResultRunStore) -> str:
    """The run id a report is stored under: its own id if that is a UUID, else a content digest.

    HardPy's JSON reports carry a time-ordered UUID as their id; CouchDB
    documents and other sources get a UUID derived from their content, so
    importing the same report twice stores it once.
    """
    try:
        return str(uuid.UUID(report.id))
    except ValueError:
        digest = report.model_dump_json(exclude={"rev"})
        return str(uuid.uuid5(_NAMESPACE, digest))


def _widen_pipe(pipe: IO[bytes] | None) -> None:
    """Let the pipe to the writer hold a megabyte (Linux), so the run rarely waits on it.

    The writer needs a fraction of a second to start; with the default 64 kB
    the run's first messages would fill the pipe and the run would wait for it.
    """
    if pipe is None or not sys.platform.startswith("linux"):
        return
    import fcntl

    set_pipe_size = getattr(fcntl, "F_SETPIPE_SZ", 1031)
    for size in (1 << 20, 1 << 18):
        try:
            fcntl.fcntl(pipe.fileno(), set_pipe_size, size)
        except OSError:
            continue
        return


_exiting: list[subprocess.Popen[bytes]] = []
"""Writers that confirmed their run and are tidying the database before they exit."""
_exiting_lock = threading.Lock()


def _reap(process: subprocess.Popen[bytes] | None = None) -> None:
    """Collect the writers that have exited; keep `process` until it has."""
    with _exiting_lock:
        if process is not None:
            _exiting.append(process)
        _exiting[:] = [p for p in _exiting if p.poll() is None]


_HANDLED: tuple[tuple[type[Event], str], ...] = (
    (ReportUpdated, "_on_report"),
    (CaseFinished, "_on_case"),
    (ModuleFinished, "_on_module"),
    (RunStarted, "_on_start"),
    (RunFinished, "_on_finish"),
    (DialogOpened, "_on_dialog"),
    (DialogClosed, "_on_dialog_closed"),
    (OperatorMessageChanged, "_on_message"),
)
_KINDS: dict[type[Event], str] = {}
"""Each event type seen, and the `StoreSink` method that takes it ("" for none)."""


class StoreSink:
    """Streams a run into a store through a writer process.

    A sink of the run (the Sink protocol): `open` before the first case
    says whether the store can take the run, `handle` sends what each event
    changed, `close` waits for the writer and says what became of the run.
    `prepare` starts the writer early, `settle` waits for it without closing.

    Args:
        url: The store's URL (already resolved).

    Attributes:
        errors: What went wrong with the store during the run, if anything.
        saved: Whether the store confirmed the complete run.
        spooled: Where the run is kept on this computer when the store could not take
            it by the run's end (it is written to the store later), else None.
    """

    def __init__(self, url: str) -> None:
        self.url = url
        self.errors: list[str] = []
        self.saved = False
        self.spooled: str | None = None
        self.on_fatal: Callable[[str], None] | None = None
        """Called (from another thread) when the store fails for good during the run."""
        self.outbox: dict[str, str] | None = None
        """``{"address": ..., "api_mode": ...}``: queue the report for StandCloud with the
        run's final state (autosync); None: do not."""
        self.slot: int | None = None
        """The stand slot the run occupies (kept in the run's row), or None."""
        self._process: subprocess.Popen[bytes] | None = None
        self._stdin: IO[bytes] | None = None
        self._lock = threading.Lock()
        self._reader: threading.Thread | None = None
        self._ready = threading.Event()
        self._done = threading.Event()
        self._fatal: str | None = None
        self._closed = False
        self._finished = False
        self._prefixes: dict[tuple[str, str], bytes] = {}
        self._module_positions: dict[str, int] = {}
        self._dirty = False
        self._run_id = ""
        self._operator_events: list[dict[str, Any]] = []
        """Every dialog and message of the run so far, by position (sent again when one ends)."""
        self._dialogs: dict[int, int] = {}
        """The position of each open dialog, by the id of its request."""
        self._message: int | None = None
        """The position of the operator message on show, if any."""
        self._unsent: list[int] = []
        """Positions of operator events from before the run's start was sent."""

    def __repr__(self) -> str:
        return f"StoreSink({self.url!r})"

    # ------------------------------------------------------------------ process

    def prepare(self) -> None:
        """Start the writer process, so it is ready by the time the first case ends."""
        if self._process is not None or self._closed:
            return
        _reap()
        kwargs: dict[str, Any] = {}
        if sys.platform == "win32":  # pragma: no cover - Windows only
            kwargs["creationflags"] = subprocess.CREATE_NEW_PROCESS_GROUP  # type: ignore[attr-defined,unused-ignore]
        else:
            # its own session: a Ctrl-C or hang-up meant for the run does not stop the writer
            kwargs["start_new_session"] = True
        try:
            self._process = subprocess.Popen(
                [sys.executable, "-m", "hardlab.storage._worker"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                # the URL (with any password) in the environment, readable by this
                # user only, rather than on the command line for everyone
                env={**os.environ, "PYTHONUNBUFFERED": "1", STORE_URL_ENV: self.url},
                **kwargs,
            )
        except OSError as exc:
            self._fail(f"cannot start the store writer: {exc}", fatal=True)
            return
        self._reader = threading.Thread(
            target=self._read_replies, name="hardlab-store-replies", daemon=True
        )
        self._reader.start()
        self._stdin = self._process.stdin
        _widen_pipe(self._stdin)

    def _read_replies(self) -> None:
        process = self._process
        if process is None or process.stdout is None:  # pragma: no cover - started together
            return
        for raw in process.stdout:
            reply = decode_reply(raw)
            if isinstance(reply, Ready):
                self._ready.set()
            elif isinstance(reply, Failed):
                self._fail(reply.message, fatal=reply.fatal)
            elif isinstance(reply, Done):
                # the run is committed: nothing the writer does from here concerns it
                self.saved = reply.ok
                self.spooled = reply.spooled
                self._done.set()
                return
        # the writer is gone: whoever waits must not wait any longer
        if not self._ready.is_set():
            self._fail("the store writer stopped before it was ready", fatal=True)
        self._ready.set()
        self._done.set()

    def _fail(self, message: str, *, fatal: bool) -> None:
        self.errors.append(message)
        if fatal and self._fatal is None:
            self._fatal = message
            self._ready.set()
            if self.on_fatal is not None:
                self.on_fatal(message)

    def ready(self, timeout: float = 60.0) -> str | None:
        """Why the store cannot take the run, or None; called before the first case.

        A writer that has opened the store has checked it; if it is still
        starting, an SQLite store is checked in place in a few milliseconds,
        so the run need not wait for it; any other store is checked by
        waiting until the writer has opened it.
        """
        self.prepare()
        if self._fatal is not None or self._ready.is_set():
            return self._fatal  # the writer has opened the store already, or cannot
        path = sqlite_file(self.url)
        if path is not None:
            return check_sqlite(path, self.url)
        if not self._ready.wait(timeout):
            return f"the store writer did not open {self.url} within {timeout:.0f} s"
        return self._fatal

    def _send(self, line: bytes) -> None:
        # Written at once, in the test's thread: once in the pipe, a message
        # survives this process being killed (the writer still reads it).
        if self._stdin is None or self._fatal is not None:
            return
        with self._lock:
            try:
                # one system call, no buffer in between (a thousand a run)
                fd = self._stdin.fileno()
                view = memoryview(line)
                while view:
                    view = view[os.write(fd, view) :]
            except (BrokenPipeError, OSError, ValueError) as exc:
                self._fail(f"lost the store writer: {exc}", fatal=True)

    def _hang_up(self) -> None:
        """Close the writer's input: it commits what it has, confirms a finished run, exits."""
        if self._stdin is not None:
            with self._lock, contextlib.suppress(OSError, ValueError):
                self._stdin.close()
            self._stdin = None

    def settle(self, timeout: float = 120.0) -> None:
        """Wait until the writer has confirmed the run (`saved`), or has ended without.

        Called once the run has ended (`close` calls it too). After confirming,
        the writer tidies the database (SQLite folds its write-ahead log into
        the file when the last connection closes, a few disk syncs) and exits
        by itself; the run does not wait for that.
        """
        self._hang_up()
        process = self._process
        if process is None or self._closed:
            return
        self._closed = True
        if self._reader is not None:
            # The reader ends at the writer's "done", or when the writer exits;
            # joining it wakes at once, where Popen.wait(timeout) would poll
            # with sleeps of up to 50 ms.
            self._reader.join(timeout)
            if self._reader.is_alive():
                process.kill()
                self._reader.join()
        if process.stdout is not None:
            process.stdout.close()
        _reap(process)
        if self._finished and not self.saved and not self.errors:
            self.errors.append("the store writer ended without confirming the run")

    def open(self, run: RunView | None = None) -> str | None:
        """Why the store cannot take the run, or None; once the plan is collected (`ready`)."""
        return self.ready()

    def close(self, timeout: float = 120.0) -> SinkOutcome:
        """End the writer: it commits what it has; return once a finished run is committed.

        Returns:
            The store's errors during the run as notices, and the store's URL if
            it confirmed the complete run.
        """
        self.settle(timeout)
        return SinkOutcome(notices=tuple(self.errors), saved_to=self.url if self.saved else None)

    # ------------------------------------------------------------------ events

    def handle(self, event: Event) -> None:
        """Send what the event changed to the writer."""
        kind = type(event)
        if kind not in _KINDS:
            # most events (a setter's CaseUpdated, CaseStarted) concern the writer
            # not at all: decided once a type, then a dictionary look-up
            _KINDS[kind] = next((name for base, name in _HANDLED if isinstance(event, base)), "")
        name = _KINDS[kind]
        if name:
            getattr(self, name)(event)

    def _on_report(self, event: ReportUpdated) -> None:
        self._dirty = True

    def _on_start(self, event: RunStarted) -> None:
        self.prepare()
        run = event.run
        self._run_id = str(run.run_id)
        document = run.document_json()
        layout = run.read(lambda doc: [(k, m.name, list(m.cases)) for k, m in doc.modules.items()])
        for m_index, (module_id, module_name, case_ids) in enumerate(layout):
            self._module_positions[module_id] = m_index
            for case_id in case_ids:
                self._prefixes[(module_id, case_id)] = attempt_prefix(
                    self._run_id, module_id, module_name, case_id, len(self._prefixes)
                )
        self._send(
            encode_start(
                self._run_id,
                document,
                started_ns=run.started_ns,
                host=socket.gethostname(),
                slot=self.slot,
            )
        )
        for position in self._unsent:
            self._send_operator(position)
        self._unsent.clear()

    def _meta(self, event: Event) -> None:
        run = event.run
        document = run.document_json(include=_META_FIELDS)
        progress = run.progress
        self._dirty = False
        self._send(encode_meta(self._run_id, document, progress=progress))

    def _on_case(self, event: CaseFinished) -> None:
        if self._dirty:
            self._meta(event)
        record = event.attempt
        prefix = self._prefixes.get((record.module_id, record.case_id))
        if prefix is None:  # a case the run did not collect (it cannot happen, but be safe)
            prefix = attempt_prefix(
                self._run_id,
                record.module_id,
                record.module_name,
                record.case_id,
                len(self._prefixes),
            )
        # model_dump_json() without its keyword handling and str round trip; the
        # record's case is a copy, or the ended case itself, which nothing changes
        case = type(record.case).__pydantic_serializer__.to_json(record.case)
        self._send(
            encode_attempt(
                prefix,
                attempt=record.attempt,
                final=record.final,
                started_ns=record.started_ns,
                finished_ns=record.finished_ns,
                case_json=case,
            )
        )

    def _on_module(self, event: ModuleFinished) -> None:
        module = event.run.module_json(event.module_id, exclude={"cases"})
        position = self._module_positions.get(event.module_id, 0)
        self._send(encode_module(self._run_id, event.module_id, position, module))

    # ------------------------------------------------------------------ operator events

    def _add_operator_event(self, event: Event, fields: dict[str, Any]) -> int:
        fields["user_name"] = event.run.read(lambda doc: doc.user)
        fields["asked_at_ns"] = time.time_ns()
        fields["answered_at_ns"] = None
        self._operator_events.append(fields)
        position = len(self._operator_events) - 1
        self._send_operator(position)
        return position

    def _send_operator(self, position: int) -> None:
        if not self._run_id:  # the run's row comes first: sent with the start
            self._unsent.append(position)
            return
        self._send(encode_operator(self._run_id, position, self._operator_events[position]))

    def _on_dialog(self, event: DialogOpened) -> None:
        request = event.request
        dialog = request.dialog
        fields: dict[str, Any] = {
            "kind": "dialog",
            "module_id": request.module_id,
            "case_id": request.case_id,
            "attempt": request.attempt,
            "title": request.title,
            "text": dialog.dialog_text,
            "widget": dialog.widget.type,
            "pass_fail": dialog.pass_fail,
            "block": True,
            "state": "asked",
            "result": None,
            "answer": None,
        }
        self._dialogs[id(request)] = self._add_operator_event(event, fields)

    def _on_dialog_closed(self, event: DialogClosed) -> None:
        position = self._dialogs.pop(id(event.request), None)
        if position is None:
            return
        fields = self._operator_events[position]
        fields["answered_at_ns"] = time.time_ns()
        if event.payload is None:
            fields["state"] = "cancelled"
        else:
            fields["state"] = "answered"
            try:
                answer = json.loads(event.payload)
            except ValueError:
                answer = {"data": event.payload}
            if not isinstance(answer, dict):
                answer = {"data": event.payload}
            fields["result"] = answer.get("result")
            data = answer.get("data")
            fields["answer"] = None if data in (None, "") else str(data)
        self._send_operator(position)

    def _on_message(self, event: OperatorMessageChanged) -> None:
        shown, message = self._message, event.message
        if shown is not None:
            fields = self._operator_events[shown]
            if fields["block"]:  # a blocking message was closed (or replaced)
                fields["answered_at_ns"] = time.time_ns()
                fields["state"] = "closed"
                self._send_operator(shown)
            self._message = None
        if message is None:
            return
        fields = {
            "kind": "message",
            "module_id": message.module_id,
            "case_id": message.case_id,
            "attempt": None,
            "title": message.title,
            "text": message.msg,
            "widget": None,
            "pass_fail": None,
            "block": message.block,
            "state": "shown",
            "result": None,
            "answer": None,
        }
        self._message = self._add_operator_event(event, fields)

    def _on_finish(self, event: RunFinished) -> None:
        if self._process is not None:
            self._send(
                encode_finish(
                    self._run_id or str(event.run.run_id),
                    event.report.model_dump_json(),
                    exit_code=event.exit_code,
                    finished_ns=event.run.finished_ns,
                    progress=event.run.progress,
                    plan_error=event.plan_error,
                    # a run that never started is not uploaded
                    outbox=self.outbox if self._run_id else None,
                )
            )
            # The writer commits the end while the run finishes its own work
            # (other listeners, its report file); `settle` waits for it then.
            self._finished = True
            self._hang_up()
