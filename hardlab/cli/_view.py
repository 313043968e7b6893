"""The live terminal view of a run: modules, cases, messages, measurements, progress."""

from __future__ import annotations

import contextlib
import os
import sys
import threading
import time
from typing import TextIO

from hardlab._format import collection_error_brief, failure_case_title, format_duration
from hardlab.cli._text import Painter, wants_color
from hardlab.events import (
    AlertRaised,
    CaseFinished,
    CaseStarted,
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


class TerminalView(Painter):
    """Prints a run as it goes; on a terminal, keeps a live status line at the bottom.

    pytest captures the output of tests (at the file-descriptor level) while
    they run; by default the view writes to its own duplicate of standard
    output's descriptor, so it stays visible throughout.

    Args:
        stream: Where to print (default: a duplicate of standard output).
        color: Use colours; default: when `stream` is a terminal and
            ``NO_COLOR`` is not set.
        live: Keep the status line; default: when `stream` is a terminal.
        verbose: Show every message and measurement also of passing cases.
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
        full_errors: bool = False,
    ) -> None:
        self._owned = stream is None
        self._stream = stream if stream is not None else _private_stdout()
        tty = bool(getattr(self._stream, "isatty", lambda: False)())
        super().__init__(wants_color(self._stream) if color is None else color)
        self._live = tty if live is None else live
        self._verbose = verbose
        self._full_errors = full_errors
        self.shown_errors: list[str] = []
        self._lock = threading.RLock()
        self._module_shown: str | None = None
        self._status_shown = False
        self._paused = False
        self._current = ""
        self._frame = 0
        self._started = time.monotonic()
        self._progress = 0
        self.final: RunFinished | None = None

    def close(self) -> None:
        """Close the view's own duplicate of standard output (not a stream it was given)."""
        if self._owned and self._stream is not sys.stdout:
            with contextlib.suppress(OSError):
                self._stream.close()

    # ------------------------------------------------------------------ output

    def _clear_status(self) -> None:
        if self._status_shown:
            self._stream.write("\r\x1b[2K")
            self._status_shown = False

    def _draw_status(self) -> None:
        if not self._live or self._paused or not self._current:
            return
        self._frame = (self._frame + 1) % len(_SPINNER)
        elapsed = format_duration(time.monotonic() - self._started)
        line = f"{_SPINNER[self._frame]} {self._progress:3d}%  {self._current}  {elapsed}"
        width = max(20, _terminal_width() - 1)
        self._stream.write("\r\x1b[2K" + self.dim(line[:width]))
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
        self._started = time.monotonic()
        header = f"{self.bold('hardlab')} ▸ {self.bold(run.name or 'run')}"
        self._print(header + self.dim(f"   run {run.run_id}"))

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
            self._current = f"{module_name} › {case_name}{attempt}"
            self._clear_status()
            self._draw_status()

    def _on_CaseFinished(self, event: CaseFinished) -> None:  # noqa: N802
        record = event.attempt
        case = record.case
        self._progress = event.run.progress
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
        with self._lock:
            self._current = ""

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


def _terminal_width() -> int:
    try:
        return os.get_terminal_size().columns
    except OSError:
        return 100
