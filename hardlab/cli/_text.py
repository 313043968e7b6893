"""How the terminal shows reports: colours, status symbols, case details, times.

Shared by the live view of a run and the history commands (``hardlab show``),
so a case reads the same while it runs and when it is looked up later.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any, TextIO

from hardlab._format import STATUS_SYMBOL, failure_text, format_limits, format_measurement
from hardlab.model.enums import TestStatus
from hardlab.model.scpi import SCPI_KEY, scpi_entries

if TYPE_CHECKING:
    from hardlab.model.report import CaseRunStore

__all__ = ["STATUS_COLOR", "Painter", "dumb_terminal", "local_time", "wants_color"]

STATUS_COLOR = {
    TestStatus.PASSED: "32",
    TestStatus.FAILED: "31",
    TestStatus.SKIPPED: "33",
    TestStatus.STOPPED: "35",
    TestStatus.ERROR: "31",
    TestStatus.RUN: "36",
    TestStatus.READY: "37",
}
"""ANSI colour codes per status."""

SCPI_SHOWN = 10
"""How many instrument exchanges a case shows before the rest are only counted."""

_RUN_STATUS_COLOR = {"interrupted": "35", **{status.value: c for status, c in STATUS_COLOR.items()}}


def wants_color(stream: TextIO) -> bool:
    """Whether to colour `stream`: a terminal, not ``TERM=dumb``, and ``NO_COLOR`` not set."""
    tty = bool(getattr(stream, "isatty", lambda: False)())
    return tty and not os.environ.get("NO_COLOR") and not dumb_terminal()


def dumb_terminal() -> bool:
    """Whether ``TERM=dumb`` says the terminal understands no escape sequences at all."""
    return os.environ.get("TERM", "") == "dumb"


def local_time(value: datetime | None) -> str:
    """A timestamp in the local time zone, with its offset: ``2026-11-21 14:02:03+01:00``."""
    if value is None:
        return ""
    return value.astimezone().isoformat(sep=" ", timespec="seconds")


class Painter:
    """Colours text for a terminal, or leaves it plain.

    Args:
        color: Whether to emit ANSI colour codes.
    """

    def __init__(self, color: bool) -> None:
        self.color = color

    def paint(self, text: str, code: str) -> str:
        """`text` in the ANSI colour `code`."""
        return f"\x1b[{code}m{text}\x1b[0m" if self.color else text

    def bold(self, text: str) -> str:
        """`text` in bold."""
        return self.paint(text, "1")

    def dim(self, text: str) -> str:
        """`text` dimmed."""
        return self.paint(text, "2")

    def status(self, status: TestStatus, text: str | None = None) -> str:
        """`text` (default: the status symbol) in the colour of `status`."""
        return self.paint(text if text is not None else STATUS_SYMBOL[status], STATUS_COLOR[status])

    def run_status(self, status: str, text: str | None = None) -> str:
        """`text` (default: `status`) in the colour of a stored run's `status`."""
        shown = status if text is None else text
        code = _RUN_STATUS_COLOR.get(status)
        return self.paint(shown, code) if code else shown

    def case_lines(
        self,
        case: CaseRunStore,
        detail: bool,
        indent: str = "      ",
        *,
        traffic: bool = False,
        crash: bool = False,
    ) -> list[str]:
        """The lines under a case: messages, measurements, chart, and why it failed.

        Args:
            case: The case.
            detail: Show messages, measurements and the chart (the failure
                message of a failed case is always shown).
            indent: What each line starts with.
            traffic: Also show its instrument exchanges (folded to the first few).
            crash: Show pytest's whole crash text (the report's
                ``assertion_msg``) instead of the message meant for operators.
        """
        lines: list[str] = []
        if detail:
            lines.extend(f"{indent}{text}" for text in (case.msg or {}).values())
            for meas in case.measurements:
                limits = format_limits(meas)
                verdict = ""
                if meas.result is not None:
                    status = TestStatus.PASSED if meas.result else TestStatus.FAILED
                    verdict = " " + self.status(status)
                suffix = f"  {self.dim(limits)}" if limits else ""
                lines.append(f"{indent}{format_measurement(meas)}{suffix}{verdict}")
            if case.chart is not None:
                chart = case.chart
                points = sum(len(series) for series in chart.x_data)
                shape = f"{len(chart.x_data)} series, {points} points"
                lines.append(self.dim(f"{indent}chart {chart.title or ''}: {shape}"))
        if detail and traffic:
            lines.extend(self.traffic_lines(case.artifact, indent))
        if case.assertion_msg and case.status in (TestStatus.FAILED, TestStatus.STOPPED):
            # operators read the assertion's message; pytest's crash text on request
            text = case.assertion_msg if crash else failure_text(case) or ""
            lines.extend(
                self.status(TestStatus.FAILED, f"{indent}{line}")
                for line in text.splitlines()[: None if crash else 6]
            )
        elif case.assertion_msg and case.status == TestStatus.SKIPPED:
            lines.append(self.dim(f"{indent}{case.assertion_msg.splitlines()[0]}"))
        return lines

    def traffic_lines(
        self, artifact: Mapping[str, Any], indent: str = "      ", shown: int = SCPI_SHOWN
    ) -> list[str]:
        """An artifact's instrument exchanges (``scpi``): a count, then the first `shown`."""
        kept = scpi_entries(artifact.get(SCPI_KEY))
        if not kept:
            return []
        names = sorted({str(entry["instrument"]) for entry in kept})
        count = f"{len(kept)} exchange{'' if len(kept) == 1 else 's'}"
        lines = [self.dim(f"{indent}scpi: {count} with {', '.join(names)}")]
        for entry in kept[:shown]:
            answer = entry["answer"]
            said = f" -> {answer}" if answer is not None else ""
            failed = f"  ERROR {entry['error']}" if entry["error"] else ""
            ms = entry["ms"]
            took = f"  {ms:.2f} ms" if isinstance(ms, int | float) else ""
            lines.append(
                self.dim(f"{indent}  {entry['instrument']} {entry['command']}{said}{took}") + failed
            )
        if len(kept) > shown:
            lines.append(
                self.dim(f"{indent}  ... {len(kept) - shown} more: hardlab.history().scpi()")
            )
        return lines
