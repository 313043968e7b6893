"""Enumerations of the report document, with HardPy's lowercase values."""

from __future__ import annotations

from enum import Enum

__all__ = [
    "ChartType",
    "ComparisonOperation",
    "Group",
    "MeasurementType",
    "TestStatus",
]


class _StrEnum(str, Enum):
    """A string enum that prints as HardPy's do.

    HardPy's enums are plain ``(str, Enum)`` classes, so ``str()`` and
    f-strings give what Python gives for those (``TestStatus.RUN`` on 3.11 and
    later): a plan's messages and artifacts must read the same under hardlab.
    The stored value (``.value``, JSON) is the lowercase string either way.
    """


class TestStatus(_StrEnum):
    """Status of a run, a module or a case.

    ``ready`` after collection, ``run`` while running, then ``passed``,
    ``failed``, ``skipped`` or ``stopped``. ``error`` exists for HardPy
    compatibility; like HardPy, hardlab reports setup errors as ``failed``.
    """

    __test__ = False  # a pytest collector must not take this for a test class

    PASSED = "passed"
    FAILED = "failed"
    SKIPPED = "skipped"
    ERROR = "error"
    RUN = "run"
    READY = "ready"
    STOPPED = "stopped"


class Group(_StrEnum):
    """Where a case or module belongs in a plan: setup, main part or teardown."""

    SETUP = "setup"
    MAIN = "main"
    TEARDOWN = "teardown"


class MeasurementType(_StrEnum):
    """Kind of a case measurement."""

    NUMERIC = "numeric"
    STRING = "string"


class ComparisonOperation(_StrEnum):
    """How a measurement is checked against its limits.

    Single-value operations compare with ``comparison_value``; range
    operations use ``lower_limit`` (L) and ``upper_limit`` (U). The ``LT..GT``
    family passes when the value lies *outside* the range.
    """

    EQ = "eq"
    """value == comparison_value"""
    NE = "ne"
    """value != comparison_value"""
    GT = "gt"
    """value > comparison_value"""
    GE = "ge"
    """value >= comparison_value"""
    LT = "lt"
    """value < comparison_value"""
    LE = "le"
    """value <= comparison_value"""
    GTLT = "gtlt"
    """L < value < U"""
    GELE = "gele"
    """L <= value <= U"""
    GELT = "gelt"
    """L <= value < U"""
    GTLE = "gtle"
    """L < value <= U"""
    LTGT = "ltgt"
    """value < L or value > U"""
    LEGE = "lege"
    """value <= L or value >= U"""
    LEGT = "legt"
    """value <= L or value > U"""
    LTGE = "ltge"
    """value < L or value >= U"""

    @property
    def is_range(self) -> bool:
        """True for operations that use ``lower_limit`` and ``upper_limit``."""
        return self not in _SINGLE


_SINGLE = frozenset(
    {
        ComparisonOperation.EQ,
        ComparisonOperation.NE,
        ComparisonOperation.GT,
        ComparisonOperation.GE,
        ComparisonOperation.LT,
        ComparisonOperation.LE,
    }
)


class ChartType(_StrEnum):
    """Axes of a case chart."""

    LINE = "line"
    LINE_LOG_X = "line_log_x"
    LINE_LOG_Y = "line_log_y"
    LOG_X_Y = "log_x_y"
