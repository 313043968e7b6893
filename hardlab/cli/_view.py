"""The live terminal view of a run: modules, cases, messages, measurements, progress.

On a terminal a status line at the bottom shows the running case, its elapsed
time and its last message, redrawn in place by a background thread a few times
a second, so a long case (a burn-in, a flashing step) never looks like a hang.
Elsewhere (a CI log, ``TERM=dumb``) there is no status line; a "still running"
line every half minute says the same at a rate a log can bear. Messages a case
sets (``set_message``) are printed as they happen, in both.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
import time
from typing import TextIO

from hardlab._format import (
    case_title,
    collection_error_brief,
    failure_case_title,
    format_duration,
)
from hardlab.cli._text import Painter, dumb_terminal, wants_color
from hardlab.events import (
    AlertRaised,
    CaseFinished,
    CaseStarted,
    CaseUpdated,
    CollectionFailed,
    DialogClosed,
    DialogOpened,
    Event,
    OperatorMessageChanged,
    RunFinished,
    RunStarted,
)
from hardlab.model.enums import TestStatus
from hardlab.model.report import ResultRunStore

__all__ = ["TerminalView"]

_SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"
_SPIN_STEP = 0.1
"""Seconds per spinner frame: the frame follows the clock, not the number of redraws."""

TICK = 0.125
"""Seconds between redraws of the status line (eight a second)."""

STILL_EVERY = 30.0
"""Seconds between "still running" lines where there is no status line."""

_CASE_INDENT = "      "
"""What the lines under a case start with (as `Painter.case_lines` indents them)."""


class TerminalView(Painter):
    """Prints a run as it goes; on a terminal, keeps a live status line at the bottom.

    pytest captures the output of tests (at the file-descriptor level) while
    they run; by default the view writes to its own duplicate of standard
    output's descriptor, so it stays visible throughout.

    Args:
        stream: Where to print (default: a duplicate of standard output).
        color: Use colours; default: when `stream` is a terminal, ``NO_COLOR``
            is not set and ``TERM`` is not ``dumb``.
        live: Keep the status line; default: when `stream` is a terminal and
            ``TERM`` is not ``dumb``.
        verbose: Show every message and measurement also of passing cases
            (and the messages of a running case as they are set).
        tick: Seconds between redraws of the status line.
        still_every: Seconds between "still running" lines of a long case
            when there is no status line.
        full_errors: Show pytest's whole text for collection errors and
            failures, not only the part meant for people.

    Attributes:
        shown_errors: The run's errors (as `hardlab.RunResult.errors` words
            them) this view has printed already.
    """

    def __init__(
        self,
        stream: TextIO | None = None,
        *,
        color: bool | None = None,
        live: bool | None = None,
        verbose: bool = True,
        tick: float = TICK,
        still_every: float = STILL_EVERY,
        full_errors: bool = False,
    ) -> None:
        self._owned = stream is None
        self._stream = stream if stream is not None else _private_stdout()
        tty = bool(getattr(self._stream, "isatty", lambda: False)())
        super().__init__(wants_color(self._stream) if color is None else color)
        self._live = (tty and not dumb_terminal()) if live is None else live
        self._verbose = verbose
        self._tick = tick
        self._still_every = still_every
        self._full_errors = full_errors
        self.shown_errors: list[str] = []
        # One lock for the stream and the state below: the run's thread (events)
        # and the ticker (redraws) both write.
        self._lock = threading.RLock()
        self._module_shown: str | None = None
        self._status_shown = False
        self._paused = False
        self._current = ""
        self._case_name = ""
        self._case_key: tuple[str, str] | None = None
        self._case_started = time.monotonic()
        self._next_still = 0.0
        self._message = ""
        self._shown_msgs: dict[str, str] = {}
        self._progress = 0
        self._ticker: threading.Thread | None = None
        self._ticking = threading.Event()
        self.final: RunFinished | None = None

    def close(self) -> None:
        """Stop redrawing, clear the status line, close the view's own stream.

        A stream the view was given stays open.
        """
        self._stop_ticker()
        with self._lock, contextlib.suppress(OSError, ValueError):
            self._clear_status()
            self._stream.flush()
        if self._owned and self._stream is not sys.stdout:
            with contextlib.suppress(OSError):
                self._stream.close()

    # ------------------------------------------------------------------ ticker

    def _start_ticker(self) -> None:
        if self._ticker is not None and self._ticker.is_alive():
            return
        self._ticking.clear()
        self._ticker = threading.Thread(target=self._run_ticker, name="hardlab-view", daemon=True)
        self._ticker.start()

    def _stop_ticker(self) -> None:
        self._ticking.set()
        ticker, self._ticker = self._ticker, None
        if ticker is not None and ticker is not threading.current_thread():
            ticker.join(timeout=5)

    def _run_ticker(self) -> None:
        # A log needs a look only once a second; a terminal's spinner a few times.
        interval = self._tick if self._live else min(1.0, self._still_every / 4)
        while not self._ticking.wait(interval):
            try:
                with self._lock:
                    if self._live:
                        self._draw_status()
                    else:
                        self._still_running()
            except (OSError, ValueError):  # the stream was closed under us: stop quietly
                return

    def _still_running(self) -> None:
        if self._paused or not self._current:
            return
        now = time.monotonic()
        if now < self._next_still:
            return
        while self._next_still <= now:  # a line per period, none to catch up after a dialog
            self._next_still += self._still_every
        elapsed = _whole_seconds(now - self._case_started)
        self._stream.write(self.dim(f"  … still running: {self._current} ({elapsed})") + "\n")
        self._stream.flush()

    # ------------------------------------------------------------------ output

    def _clear_status(self) -> None:
        if self._status_shown:
            self._stream.write("\r\x1b[K")
            self._status_shown = False

    def _status_line(self, width: int) -> str:
        now = time.monotonic()
        spin = _SPINNER[int(now / _SPIN_STEP) % len(_SPINNER)]
        head = f"{spin} {self._progress:3d}%  "
        tail = f"  {_clock(now - self._case_started)}"
        middle = self._current + (f"  · {self._message}" if self._message else "")
        room = max(1, width - len(head) - len(tail))
        if len(middle) > room:  # cut the name and message, never the clock
            middle = middle[: room - 1] + "…"
        return head + middle + tail

    def _draw_status(self) -> None:
        if not self._live or self._paused or not self._current:
            return
        line = self._status_line(_terminal_width(self._stream) - 1)
        # one write: the old line is overwritten, then its leftover cleared (no blank frame)
        self._stream.write("\r" + self.dim(line) + "\x1b[K")
        self._status_shown = True
        self._stream.flush()

    def _print(self, *lines: str) -> None:
        with self._lock:
            self._clear_status()
            for line in lines:
                self._stream.write(line + "\n")
            self._draw_status()
            self._stream.flush()

    # ------------------------------------------------------------------ events

    def handle(self, event: Event) -> None:
        """Print what `event` changed."""
        handler = getattr(self, f"_on_{type(event).__name__}", None)
        if handler is not None:
            handler(event)

    def _on_RunStarted(self, event: RunStarted) -> None:  # noqa: N802
        run = event.run
        header = f"{self.bold('hardlab')} ▸ {self.bold(run.name or 'run')}"
        self._print(header + self.dim(f"   run {run.run_id}"))
        self._start_ticker()

    def _on_CollectionFailed(self, event: CollectionFailed) -> None:  # noqa: N802
        # the engine words the run's error the same way (hardlab.RunResult.errors)
        self.shown_errors.append(f"{event.nodeid}: {event.text}")
        text = event.text if self._full_errors else collection_error_brief(event.text)
        more = [] if self._full_errors else [self.dim("    (the whole text: hardlab run -v)")]
        self._print(
            self.status(TestStatus.FAILED, f"✗ cannot collect {event.nodeid or 'the plan'}"),
            *(f"    {line}" for line in text.splitlines()),
            *more,
        )

    def _on_CaseStarted(self, event: CaseStarted) -> None:  # noqa: N802
        run = event.run
        module_id, case_id = event.module_id, event.case_id
        module_name, case_name = run.read(
            lambda report: (
                report.modules[module_id].name,
                report.modules[module_id].cases[case_id].name,
            )
        )
        self._progress = run.progress
        if self._module_shown != event.module_id:
            self._module_shown = event.module_id
            self._print(self.bold(module_name))
        attempt = f" (attempt {event.attempt})" if event.attempt > 1 else ""
        with self._lock:
            self._current = case_title(module_name, case_name) + attempt
            self._case_key = (module_id, case_id)
            self._case_name = case_name + attempt
            self._case_started = time.monotonic()
            self._next_still = self._case_started + self._still_every
            self._message = ""
            self._shown_msgs = {}
            self._clear_status()
            self._draw_status()

    def _on_CaseUpdated(self, event: CaseUpdated) -> None:  # noqa: N802
        key = (event.module_id, event.case_id)
        if event.field != "msg" or key != self._case_key:
            return
        module_id, case_id = key
        messages = event.run.read(
            lambda report: {
                str(k): str(v)
                for k, v in (report.modules[module_id].cases[case_id].msg or {}).items()
            }
        )
        with self._lock:
            new = [(k, v) for k, v in messages.items() if self._shown_msgs.get(k) != v]
            if not new:
                return
            self._message = next((line for line in new[-1][1].splitlines() if line.strip()), "")
            if not self._verbose:  # quiet: the status line shows the last one
                self._draw_status()
                return
            lines = [] if self._shown_msgs else [f"  {self.dim('▸')} {self._case_name}"]
            self._shown_msgs.update(new)
            lines.extend(f"{_CASE_INDENT}{text}" for _, text in new)
            self._print(*lines)

    def _on_CaseFinished(self, event: CaseFinished) -> None:  # noqa: N802
        record = event.attempt
        case = record.case
        with self._lock:
            self._progress = event.run.progress
            self._current = ""  # before printing, so the status line is not drawn again
            if (record.module_id, record.case_id) == self._case_key and self._shown_msgs:
                # the messages printed while it ran are not printed twice
                shown = self._shown_msgs
                left = {k: v for k, v in (case.msg or {}).items() if shown.get(k) != str(v)}
                case = case.model_copy(update={"msg": left or None})
            self._case_key = None
            self._shown_msgs = {}
        if self._module_shown != record.module_id:
            self._module_shown = record.module_id
            self._print(self.bold(record.module_name))
        duration = format_duration(
            record.duration_ms / 1000 if record.duration_ms is not None else None
        )
        if not record.final:
            head = self.status(TestStatus.FAILED, "↻")
            note = self.dim(f"attempt {record.attempt} failed, trying again")
            lines = self.case_lines(case, detail=False, crash=self._full_errors)
            self._print(f"  {head} {case.name}  {note}", *lines)
            return
        attempt = self.dim(f" (attempt {record.attempt})") if record.attempt > 1 else ""
        line = f"  {self.status(case.status)} {case.name}{attempt}"
        if duration:
            line += "  " + self.dim(duration)
        detail = self._verbose or case.status != TestStatus.PASSED
        self._print(line, *self.case_lines(case, detail, crash=self._full_errors))

    def _on_DialogOpened(self, event: DialogOpened) -> None:  # noqa: N802
        with self._lock:
            self._paused = True
            self._clear_status()
            self._stream.flush()

    def _on_DialogClosed(self, event: DialogClosed) -> None:  # noqa: N802
        with self._lock:
            self._paused = False
            self._draw_status()

    def _on_OperatorMessageChanged(self, event: OperatorMessageChanged) -> None:  # noqa: N802
        message = event.message
        if message is None:
            with self._lock:
                self._paused = False
            return
        if message.block:  # the terminal operator shows it and waits for Enter
            with self._lock:
                self._paused = True
                self._clear_status()
            return
        title = f"{message.title}: " if message.title else ""
        self._print(self.paint(f"  ✉ {title}{message.msg}", "36"))

    def _on_AlertRaised(self, event: AlertRaised) -> None:  # noqa: N802
        self._print(self.paint(f"  ! {event.text}", "33"))

    def _on_RunFinished(self, event: RunFinished) -> None:  # noqa: N802
        self.final = event
        with self._lock:
            self._current = ""
            self._case_key = None
        self._stop_ticker()
        run = event.run
        seconds = None
        if run.started_ns is not None and run.finished_ns is not None:
            seconds = (run.finished_ns - run.started_ns) / 1e9
        lines = self.summary(event.report, seconds)
        if event.plan_error is not None:
            # not a DUT's failure: the report says "failed" (as HardPy's does), the store "error"
            verdict = self.status(TestStatus.ERROR, " NOT RUN ")
            lines[1] = f"{self.bold(verdict)}  the plan could not run; no case was tested"
        self._print(*lines)

    def summary(self, report: ResultRunStore, seconds: float | None = None) -> list[str]:
        """The closing lines of a run: verdict, counts, time, DUT, error code, first failure."""
        counts: dict[TestStatus, int] = {}
        for module in report.modules.values():
            for case in module.cases.values():
                counts[case.status] = counts.get(case.status, 0) + 1
        parts = [f"{n} {status.value}" for status, n in counts.items() if n]
        took = f" in {format_duration(seconds)}" if seconds is not None else ""
        verdict = self.status(report.status, f" {report.status.value.upper()} ")
        lines = ["", f"{self.bold(verdict)}  {', '.join(parts) or 'no cases'}{took}"]
        if report.dut.serial_number:
            lines.append(
                f"  DUT {report.dut.serial_number}"
                + (f" ({report.dut.part_number})" if report.dut.part_number else "")
            )
        if report.error_code is not None:
            lines.append(f"  error code {report.error_code}")
        failure = failure_case_title(report)
        if failure:
            lines.append(f"  first failure: {failure}")
        return lines


def _private_stdout() -> TextIO:
    """A stream on a duplicate of stdout's descriptor, which pytest's capture leaves alone."""
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):
        return sys.stdout
    sys.stdout.flush()
    encoding = getattr(sys.stdout, "encoding", None) or "utf-8"
    return os.fdopen(os.dup(fd), "w", encoding=encoding, errors="replace")


def _terminal_width(stream: TextIO) -> int:
    """The width of the terminal `stream` writes to; 100 where it has none (a fresh pty)."""
    try:
        columns = os.get_terminal_size(stream.fileno()).columns
    except (AttributeError, OSError, ValueError):
        columns = 0
    return columns if columns >= 20 else 100


def _clock(seconds: float) -> str:
    """The status line's clock: ``4.2s``, ``12.3s``, then `format_duration`'s ``4m05s``."""
    return f"{seconds:.1f}s" if seconds < 60 else format_duration(seconds)


def _whole_seconds(seconds: float) -> str:
    """A "still running" line's time: ``30 s``, ``1m30s``, ``1h02m``."""
    return f"{round(seconds)} s" if seconds < 59.5 else format_duration(seconds)
