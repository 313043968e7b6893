"""``hardlab run PLAN --slots N``: N boards at once, each line of the terminal marked by its slot.

The slots run in processes of their own (`hardlab.runner.start_slots`);
this module shows what they send: one status line per event, marked
``[slot N]``, the dialogs on this terminal titled by the slot that asks, and
a summary per slot. Ctrl-C stops every slot cleanly (each run ends
``stopped`` with what it did kept); a second Ctrl-C ends their processes.
"""

from __future__ import annotations

import argparse
import sys
import threading
from typing import Any, TextIO

from hardlab._format import format_duration
from hardlab.runner import RunResult, SlotEvent

__all__ = ["SlotView", "cmd_run_slots"]

_MARKS = {"passed": "✓", "failed": "✗", "skipped": "-", "stopped": "■"}


class SlotView:
    """Prints the slots' events, one line each, marked by slot.

    Args:
        stream: Where to print.
        verbose: Show every case; otherwise only those that did not pass.
    """

    def __init__(self, stream: TextIO, *, verbose: bool = True) -> None:
        self._stream = stream
        self._verbose = verbose
        self._lock = threading.Lock()

    def say(self, slot: int, text: str) -> None:
        """Print one line marked by `slot`."""
        with self._lock:
            self._stream.write(f"[slot {slot}] {text}\n")
            self._stream.flush()

    def output(self, slot: int, line: str) -> None:
        """A line the slot's process printed."""
        self.say(slot, f"| {line}")

    def handle(self, event: SlotEvent) -> None:
        """Show one event of a slot."""
        data = event.data
        op = event.op
        if op == "started":
            self.say(event.slot, f"started {data.get('name')!s}: {data.get('cases')} cases")
        elif op == "case":
            status = str(data.get("status"))
            if not self._verbose and status in ("passed", "skipped"):
                return
            case = data.get("case") or {}
            started, finished = data.get("started_ns"), data.get("finished_ns")
            took = (
                f"  {format_duration((finished - started) / 1e9)}"
                if started is not None and finished is not None
                else ""
            )
            attempt = f" (attempt {data['attempt']})" if int(data.get("attempt", 1)) > 1 else ""
            line = f"{_MARKS.get(status, '?')} {case.get('name') or data.get('case_id')}"
            line += f" {status}{attempt}{took}"
            message = case.get("assertion_msg")
            if status == "failed" and message:
                line += f": {str(message).splitlines()[0]}"
            self.say(event.slot, line)
        elif op == "alert":
            self.say(event.slot, f"! {data.get('text')}")
        elif op == "finished":
            self.say(event.slot, f"ended {data.get('status')}")
        elif op in ("crashed", "failed"):
            self.say(event.slot, f"error: {data.get('error')}")

    def summary(self, results: list[RunResult]) -> None:
        """One line per slot: its status, counts, run id, report."""
        for result in results:
            counts = ", ".join(f"{n} {s}" for s, n in sorted(result.counts().items()))
            slot = result.slot or 0
            self.say(
                slot,
                f"{result.status.value.upper()} ({counts or 'no cases'}) in "
                f"{format_duration(result.duration)}; run {result.run_id}",
            )
            for error in result.errors:
                self.say(slot, f"error: {error}")
            if result.report_path is not None:
                self.say(slot, f"report: {result.report_path}")


def _stored(view: SlotView, results: list[RunResult]) -> None:
    from hardlab.cli._common import MIN_SHORT_ID, db_option, safe_url

    for result in results:
        if result.store_url is None:
            continue
        short = str(result.run_id)[:MIN_SHORT_ID]
        view.say(
            result.slot or 0,
            f"stored in {safe_url(result.store_url)}; see it with: "
            f"hardlab show {short}{db_option(result.store_url)}",
        )


def cmd_run_slots(args: argparse.Namespace, extra: list[str], store: Any) -> int:
    """``hardlab run --slots N``: the exit code is 0 only when every slot passed."""
    from hardlab.operators import TerminalOperator
    from hardlab.runner import slots_exit_code, start_slots

    operator: Any = None
    if not args.answers and not args.no_operator and sys.stdin.isatty():
        operator = TerminalOperator(stdin=sys.stdin, stdout=sys.stdout)
    view = SlotView(sys.stdout, verbose=not args.quiet)
    runs = start_slots(
        args.path,
        slots=args.slots,
        args=extra,
        select=args.select,
        start_args=dict(args.start_args),
        operator=operator,
        answers=args.answers,
        report_dir=args.report_dir,
        store=store,
        tests_name=args.tests_name,
        hardpy_alias={"auto": None, "always": True, "never": False}[args.hardpy_alias],
        quiet=not args.pytest_output,
        attempt_delay=args.attempt_delay,
        on_event=view.handle,
        on_output=view.output,
    )
    try:
        results = runs.wait()
    except KeyboardInterrupt:
        print("hardlab: stopping every slot (Ctrl-C again ends them at once)", file=sys.stderr)
        runs.stop()
        try:
            results = runs.wait()
        except KeyboardInterrupt:
            runs.kill()
            results = runs.wait()
    view.summary(results)
    _stored(view, results)
    return slots_exit_code(results)
