"""Measurements, charts, sub-units and instruments.

Each user-facing class (`NumericMeasurement`, `StringMeasurement`, `Chart`)
validates its input and computes what HardPy computes. It derives from a
plain *record* class, which is what the report document stores: validating a
stored report never recomputes a result, as in HardPy's schema.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, model_validator

from hardlab.model.enums import ChartType, ComparisonOperation, MeasurementType

__all__ = [
    "Chart",
    "ChartRecord",
    "IBaseMeasurement",
    "Instrument",
    "MeasurementRecord",
    "NumericMeasurement",
    "NumericMeasurementRecord",
    "StringMeasurement",
    "StringMeasurementRecord",
    "SubUnit",
]

InfoValue = str | int | float | None
"""A value in an ``info`` mapping of the report (DUT, stand, process, ...)."""


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SubUnit(_Record):
    """A sub-unit of the DUT (a module, a daughter board). Sub-units do not nest."""

    name: str | None = None
    type: str | None = None
    serial_number: str | None = None
    part_number: str | None = None
    revision: str | None = None
    info: Mapping[str, InfoValue] = {}


class Instrument(_Record):
    """A piece of test equipment (power supply, oscilloscope, ...) on the stand."""

    name: str | None = None
    revision: str | None = None
    serial_number: str | None = None
    part_number: str | None = None
    number: int | None = None
    comment: str | None = None
    info: Mapping[str, InfoValue] = {}


class IBaseMeasurement(BaseModel):
    """What both kinds of measurement have (HardPy's base class, same field order)."""

    model_config = ConfigDict(extra="allow")

    type: MeasurementType
    name: str | None = None
    operation: ComparisonOperation | None = None
    result: bool | None = None


class NumericMeasurementRecord(IBaseMeasurement):
    """A numeric measurement as stored in the report document."""

    model_config = ConfigDict(extra="forbid")

    # HardPy's field order (its repr is what a failed ``assert m.result``
    # shows), and ``int`` first in each union so that a whole-number limit is
    # written back as an int, as HardPy writes it, not as a float.
    type: Literal[MeasurementType.NUMERIC] = Field(default=MeasurementType.NUMERIC, frozen=True)
    name: str | None = None
    operation: ComparisonOperation | None = None
    result: bool | None = None
    value: int | float
    unit: str | None = None
    comparison_value: int | float | None = None
    lower_limit: int | float | None = None
    upper_limit: int | float | None = None


class StringMeasurementRecord(IBaseMeasurement):
    """A string measurement as stored in the report document."""

    model_config = ConfigDict(extra="forbid")

    type: Literal[MeasurementType.STRING] = Field(default=MeasurementType.STRING, frozen=True)
    name: str | None = None
    operation: ComparisonOperation | None = None
    result: bool | None = None
    value: str
    casesensitive: bool = True
    comparison_value: str | None = None


def _measurement_tag(value: Any) -> str:
    kind = value.get("type") if isinstance(value, dict) else getattr(value, "type", None)
    return "string" if kind == MeasurementType.STRING else "numeric"


MeasurementRecord = Annotated[
    Annotated[NumericMeasurementRecord, Tag("numeric")]
    | Annotated[StringMeasurementRecord, Tag("string")],
    Discriminator(_measurement_tag),
]
"""Either kind of stored measurement, told apart by its ``type``."""


def _require_inputs(
    operation: ComparisonOperation,
    comparison_value: object,
    lower_limit: object,
    upper_limit: object,
) -> None:
    if not operation.is_range and comparison_value is None:
        # str() of the member, as HardPy formats it (``ComparisonOperation.EQ``)
        msg = f"Comparison_value required for {operation} operation"
        raise ValueError(msg)
    if operation.is_range and (lower_limit is None or upper_limit is None):
        msg = "lower_limit and upper_limit required for range operations"
        raise ValueError(msg)


_OP = ComparisonOperation
_RULES: dict[ComparisonOperation, Callable[[Any, Any, Any, Any], bool]] = {
    # (value, comparison_value, lower_limit, upper_limit) -> passed
    _OP.EQ: lambda v, c, lo, hi: v == c,
    _OP.NE: lambda v, c, lo, hi: v != c,
    _OP.GT: lambda v, c, lo, hi: v > c,
    _OP.GE: lambda v, c, lo, hi: v >= c,
    _OP.LT: lambda v, c, lo, hi: v < c,
    _OP.LE: lambda v, c, lo, hi: v <= c,
    _OP.GTLT: lambda v, c, lo, hi: lo < v < hi,
    _OP.GELE: lambda v, c, lo, hi: lo <= v <= hi,
    _OP.GELT: lambda v, c, lo, hi: lo <= v < hi,
    _OP.GTLE: lambda v, c, lo, hi: lo < v <= hi,
    _OP.LTGT: lambda v, c, lo, hi: v < lo or v > hi,
    _OP.LEGE: lambda v, c, lo, hi: v <= lo or v >= hi,
    _OP.LEGT: lambda v, c, lo, hi: v <= lo or v > hi,
    _OP.LTGE: lambda v, c, lo, hi: v < lo or v >= hi,
}


def compare(
    operation: ComparisonOperation,
    value: Any,
    comparison_value: Any = None,
    lower_limit: Any = None,
    upper_limit: Any = None,
) -> bool:
    """Evaluate `operation` for `value`; the rules of `ComparisonOperation`."""
    return bool(_RULES[operation](value, comparison_value, lower_limit, upper_limit))


class NumericMeasurement(NumericMeasurementRecord):
    """A numeric measurement of a case, optionally checked against limits.

    With an `operation`, `result` is computed on construction; without one,
    limits are kept but nothing is evaluated (`result` stays None). A result
    does not fail the test by itself: ``assert meas.result``.

    Example:
        ```python
        meas = NumericMeasurement(
            name="3V3 rail", value=3.31, unit="V",
            operation=ComparisonOperation.GELE, lower_limit=3.2, upper_limit=3.4,
        )
        set_case_measurement(meas)
        assert meas.result, "3V3 rail out of range"
        ```

    Raises:
        pydantic.ValidationError: (a `ValueError`) if the operation lacks its
            comparison value or limits.
    """

    @model_validator(mode="after")
    def validate_operation_requirements(self) -> NumericMeasurement:
        """Check the operation has its inputs and compute `result` (HardPy's validator).

        Raises:
            ValueError: If the operation lacks its comparison value or limits.
        """
        if self.operation is not None:
            _require_inputs(
                self.operation, self.comparison_value, self.lower_limit, self.upper_limit
            )
            self.result = compare(
                self.operation,
                self.value,
                self.comparison_value,
                self.lower_limit,
                self.upper_limit,
            )
        return self


class StringMeasurement(StringMeasurementRecord):
    """A string measurement of a case, optionally compared for (in)equality.

    Only `ComparisonOperation.EQ` and `ComparisonOperation.NE` apply to
    strings; with ``casesensitive=False`` both sides are lower-cased first.

    Raises:
        pydantic.ValidationError: (a `ValueError`) for another operation or a
            missing comparison value.
    """

    @model_validator(mode="after")
    def validate_operation_requirements(self) -> StringMeasurement:
        """Check the operation applies to strings and compute `result` (HardPy's validator).

        Raises:
            ValueError: For an operation other than EQ/NE, or a missing comparison value.
        """
        operation = self.operation
        if operation is None:
            return self
        if operation not in (ComparisonOperation.EQ, ComparisonOperation.NE):
            msg = f"{operation} is not a valid string operation"
            raise ValueError(msg)
        _require_inputs(operation, self.comparison_value, None, None)
        value, expected = self.value, str(self.comparison_value)
        if not self.casesensitive:
            value, expected = value.lower(), expected.lower()
        self.result = compare(operation, value, expected)
        return self


class ChartRecord(_Record):
    """A chart as stored in the report document."""

    type: ChartType = ChartType.LINE
    title: str | None = None
    x_label: str | None = None
    y_label: str | None = None
    marker_name: list[str | None] = []
    x_data: list[list[int | float]] = []
    y_data: list[list[int | float]] = []


_SERIES_LENGTH = "data in single series must have the same length"
_SERIES_EMPTY = "data series cannot be empty"


class Chart(ChartRecord):
    """A line chart of one or more series, shown with its case.

    Example:
        ```python
        chart = Chart(type=ChartType.LINE_LOG_X, title="Frequency response",
                      x_label="Hz", y_label="dB")
        chart.add_series(freqs, gains, "gain")
        set_case_chart(chart)
        ```

    Raises:
        pydantic.ValidationError: (a `ValueError`) if the series lists differ in
            length, or a series' x and y differ in length.
    """

    @model_validator(mode="after")
    def validate_lines(self) -> Chart:
        """Check the series line up (HardPy's validator, with its messages).

        Raises:
            ValueError: If x, y and marker lists differ in length, a series' x
                and y differ in length, or the first series or the markers are empty.
        """
        if not len(self.x_data) == len(self.y_data) == len(self.marker_name):
            raise ValueError(_SERIES_LENGTH)
        for xs, ys in zip(self.x_data, self.y_data, strict=True):
            if len(xs) != len(ys):
                raise ValueError(_SERIES_LENGTH)
        if self.x_data and (not self.x_data[0] or not self.marker_name):
            raise ValueError(_SERIES_EMPTY)
        return self

    def add_series(
        self,
        x_data: list[int | float],
        y_data: list[int | float],
        marker_name: str | None = None,
    ) -> None:
        """Append one series.

        Args:
            x_data: X values.
            y_data: Y values, as many as `x_data`.
            marker_name: The series' legend entry.

        Raises:
            ValueError: If the series is empty or x and y differ in length.
        """
        if len(x_data) != len(y_data):
            raise ValueError(_SERIES_LENGTH)
        if not x_data:
            raise ValueError(_SERIES_EMPTY)
        self.x_data.append(list(x_data))
        self.y_data.append(list(y_data))
        self.marker_name.append(marker_name)
