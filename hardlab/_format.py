"""How reports read as text: measurements, limits, durations, statuses.

Pure functions over the report model, shared by the terminal view, the
notebook panel and exports, so every front end shows the same thing.
"""

from __future__ import annotations

import re
import textwrap
from typing import TYPE_CHECKING

from hardlab.model.enums import ComparisonOperation, TestStatus
from hardlab.model.measurement import NumericMeasurementRecord, StringMeasurementRecord

if TYPE_CHECKING:
    from hardlab.model.report import CaseRunStore, ResultRunStore

__all__ = [
    "STATUS_SYMBOL",
    "case_title",
    "collection_error_brief",
    "failure_case_title",
    "failure_text",
    "format_duration",
    "format_limits",
    "format_measurement",
    "format_value",
    "plan_error_brief",
]

STATUS_SYMBOL: dict[TestStatus, str] = {
    TestStatus.PASSED: "✓",
    TestStatus.FAILED: "✗",
    TestStatus.SKIPPED: "–",
    TestStatus.ERROR: "!",
    TestStatus.RUN: "…",
    TestStatus.READY: "·",
    TestStatus.STOPPED: "■",
}
"""One character per status, for compact listings."""

_TIGHT_UNITS = ("%", "°", "′", "″")

_OP_TEXT = {
    ComparisonOperation.EQ: "= {c}",
    ComparisonOperation.NE: "≠ {c}",
    ComparisonOperation.GT: "> {c}",
    ComparisonOperation.GE: "≥ {c}",
    ComparisonOperation.LT: "< {c}",
    ComparisonOperation.LE: "≤ {c}",
    ComparisonOperation.GTLT: "({lo} .. {hi})",
    ComparisonOperation.GELE: "[{lo} .. {hi}]",
    ComparisonOperation.GELT: "[{lo} .. {hi})",
    ComparisonOperation.GTLE: "({lo} .. {hi}]",
    ComparisonOperation.LTGT: "outside [{lo} .. {hi}]",
    ComparisonOperation.LEGE: "outside ({lo} .. {hi})",
    ComparisonOperation.LEGT: "outside ({lo} .. {hi}]",
    ComparisonOperation.LTGE: "outside [{lo} .. {hi})",
}


def format_value(value: object, unit: str | None = None) -> str:
    """A value with its unit: ``3.3 V``; ``%``, ``°``, ``′`` and ``″`` attach without a space."""
    text = f"{value:g}" if isinstance(value, float) else str(value)
    if not unit:
        return text
    if unit.startswith(_TIGHT_UNITS):
        return f"{text}{unit}"
    return f"{text} {unit}"


def format_limits(measurement: NumericMeasurementRecord | StringMeasurementRecord) -> str:
    """The check a measurement was held to (``[3.2 .. 3.4]``, ``= ok``), or ""."""
    op = measurement.operation
    if op is None:
        return ""
    lower = getattr(measurement, "lower_limit", None)
    upper = getattr(measurement, "upper_limit", None)
    return _OP_TEXT[op].format(
        c=_plain(measurement.comparison_value), lo=_plain(lower), hi=_plain(upper)
    )


def _plain(value: object) -> str:
    """A limit as a person writes it: ``50`` rather than ``50.0``."""
    return f"{value:g}" if isinstance(value, float) else str(value)


def format_measurement(measurement: NumericMeasurementRecord | StringMeasurementRecord) -> str:
    """HardPy's display of a measurement: ``Name Value Unit``."""
    unit = measurement.unit if isinstance(measurement, NumericMeasurementRecord) else None
    shown = format_value(measurement.value, unit)
    return f"{measurement.name} {shown}" if measurement.name else shown


def format_duration(seconds: float | None) -> str:
    """``0.42s``, ``12.3s``, ``4m05s``, ``1h02m``; ``""`` for None."""
    if seconds is None:
        return ""
    if seconds < 10:
        return f"{seconds:.2f}s"
    if seconds < 60:
        return f"{seconds:.1f}s"
    minutes, secs = divmod(round(seconds), 60)
    if minutes < 60:
        return f"{minutes}m{secs:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"


# ---------------------------------------------------------------- what operators read


def case_title(module_name: str, case_name: str) -> str:
    """A case as operators name it: ``Functional › Status LED``.

    The names are the report's (HardPy's rules: the ``module_name`` and
    ``case_name`` markers, else the file stem and the function name).
    """
    return f"{module_name} › {case_name}"


def failure_case_title(report: ResultRunStore) -> str | None:
    """The human name of the run's first failing case (``caused_dut_failure_id``).

    The stored id (``test_3_functional::test_led``) is returned as it is
    when the report has no such case.
    """
    failure = report.caused_dut_failure_id
    if not failure:
        return None
    module_id, _, case_id = failure.partition("::")
    module = report.modules.get(module_id)
    case = module.cases.get(case_id) if module is not None else None
    if module is None or case is None:
        return failure
    return case_title(module.name or module_id, case.name or case_id)


# What a bare ``assert <expr>`` tells when <expr> was simply falsy.
_FALSY = frozenset({"False", "None", "0", "[]", "{}", "()", "''", '""'})


def failure_text(case: CaseRunStore) -> str | None:
    """Why a case failed, as an operator should read it.

    The report keeps pytest's crash text (HardPy's ``assertion_msg``, e.g.
    ``AssertionError: LED current out of range`` followed by pytest's
    ``assert False + where False = NumericMeasurement(...)``); this is the
    part meant for people: the assertion's own message (an
    ``ErrorCode``'s text too), else the measurement that missed its limits,
    else the comparison that failed. Other exceptions keep their type and
    message (``RuntimeError: PSU not found``); a skip keeps its reason.

    Args:
        case: The case, as the report has it.

    Returns:
        The text, or None when the case has no crash text.
    """
    text = case.assertion_msg
    if not text or not text.strip():
        return None
    lines = text.strip("\n").splitlines()
    first = lines[0]
    if first.startswith("AssertionError"):
        head = first[len("AssertionError") :].lstrip(":").strip()
        if head and not head.startswith("assert "):
            # pytest indents a message's further lines by two spaces; its own
            # explanation (``assert ...``, `` +  where ...``) follows unindented
            message = [head]
            for line in lines[1:]:
                if not line.startswith("  "):
                    break
                message.append(line[2:])
            return "\n".join(message)
        explanation = head
    elif first.startswith("assert "):
        explanation = first
    else:
        return text.strip()
    for measurement in case.measurements:
        if measurement.result is False:
            limits = format_limits(measurement)
            shown = format_measurement(measurement)
            return f"{shown} not within {limits}" if limits else f"{shown} failed"
    expression = explanation.removeprefix("assert ").strip()
    if not expression or expression in _FALSY:
        return "Check failed"
    return f"Check failed: {expression}"


# A frame line of pytest's long representation: ``path.py:12: in function``.
_FRAME = re.compile(r"^(?P<file>\S.*?):(?P<line>\d+): (in \S+|\w+)")
# The place Python gives a syntax error: ``  File "path.py", line 1``.
_SYNTAX_AT = re.compile(r'^\s*File "(?P<file>[^"]+)", line (?P<line>\d+)')


def collection_error_brief(text: str) -> str:
    """The useful part of a collection error: where it is, and the error.

    pytest's text for a file that cannot be imported runs through importlib
    and assertion-rewriting frames before the one line that matters. This
    keeps the last frame that is not pytest's or Python's own (the plan's
    file and line), the source line it shows, and the ``E`` lines (the error
    itself; for a syntax error, its caret and place).

    Args:
        text: pytest's collection error text (``CollectReport.longreprtext``).

    Returns:
        A few lines; `text` itself when it has none of those parts.
    """
    lines = text.strip("\n").splitlines()
    errors = [line[2:] for line in lines if line.startswith("E ")]
    if not errors:
        return text.strip()
    where = ""
    for line in errors:
        match = _SYNTAX_AT.match(line)
        if match:
            where = f"{match['file']}:{match['line']}"
    if not where:
        for line in lines:
            match = _FRAME.match(line)
            if match and not _foreign(match["file"]):
                where = f"{match['file']}:{match['line']}"
    body = textwrap.dedent("\n".join(e for e in errors if not _SYNTAX_AT.match(e))).splitlines()
    if not where:
        return "\n".join(body)
    if len(body) == 1:
        return f"{where}: {body[0]}"
    return "\n".join([where, *(f"  {line}" for line in body)])


# Where the next problem of a run's plan error starts: a blank line, then ``nodeid: ``.
_NEXT_PROBLEM = re.compile(r"\n\n(?=[^\s:]+: )")


def plan_error_brief(plan_error: str) -> str:
    """Why a plan could not run, as operators read it: each problem's file, line and error.

    A run whose plan could not run keeps pytest's text of every problem
    (``RunFinished.plan_error``, the stored run's ``plan_error``): its
    collection errors, each ``nodeid: text`` and a blank line apart, or why
    nothing was selected. Each collection error is cut to
    `collection_error_brief`; other text is kept as it is.

    Args:
        plan_error: The run's plan error.

    Returns:
        The brief text (a line or a few per problem).
    """
    briefs = []
    for problem in _NEXT_PROBLEM.split(plan_error.strip()):
        nodeid, sep, text = problem.partition(": ")
        if not sep or any(space in nodeid for space in " \n\t"):
            text = problem  # not a collection error ("No tests collected ...")
        briefs.append(collection_error_brief(text))
    return "\n".join(brief for brief in briefs if brief)


def _foreign(path: str) -> bool:
    """Whether a traceback frame belongs to Python, pytest or an installed package."""
    return (
        path.startswith("<")
        or "site-packages" in path
        or "/lib/python" in path
        or "\\lib\\" in path
    )
