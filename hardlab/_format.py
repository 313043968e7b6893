"""How reports read as text: measurements, limits, durations, statuses.

Pure functions over the report model, shared by the terminal view, the
notebook panel and exports, so every front end shows the same thing.
"""

from __future__ import annotations

from hardlab.model.enums import ComparisonOperation, TestStatus
from hardlab.model.measurement import NumericMeasurementRecord, StringMeasurementRecord

__all__ = [
    "STATUS_SYMBOL",
    "format_duration",
    "format_limits",
    "format_measurement",
    "format_value",
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
