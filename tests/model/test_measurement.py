from __future__ import annotations

import json
from enum import Enum
from typing import Any

import pytest
from pydantic import ValidationError

from hardlab.model import (
    Chart,
    ChartType,
    ComparisonOperation,
    Instrument,
    MeasurementType,
    NumericMeasurement,
    StringMeasurement,
    SubUnit,
)

Op = ComparisonOperation

SINGLE_OPS = [Op.EQ, Op.NE, Op.GT, Op.GE, Op.LT, Op.LE]
RANGE_OPS = [Op.GTLT, Op.GELE, Op.GELT, Op.GTLE, Op.LTGT, Op.LEGE, Op.LEGT, Op.LTGE]

# comparison_value = 5: value just below, exactly at, just above
SINGLE_TABLE: dict[ComparisonOperation, tuple[bool, bool, bool]] = {
    Op.EQ: (False, True, False),
    Op.NE: (True, False, True),
    Op.GT: (False, False, True),
    Op.GE: (False, True, True),
    Op.LT: (True, False, False),
    Op.LE: (True, True, False),
}
SINGLE_VALUES = (4.999, 5, 5.001)

# lower_limit = 1, upper_limit = 3: below L, at L, inside, at U, above U
RANGE_TABLE: dict[ComparisonOperation, tuple[bool, bool, bool, bool, bool]] = {
    Op.GTLT: (False, False, True, False, False),
    Op.GELE: (False, True, True, True, False),
    Op.GELT: (False, True, True, False, False),
    Op.GTLE: (False, False, True, True, False),
    Op.LTGT: (True, False, False, False, True),
    Op.LEGE: (True, True, False, True, True),
    Op.LEGT: (True, True, False, False, True),
    Op.LTGE: (True, False, False, True, True),
}
RANGE_VALUES = (0.5, 1, 2, 3, 3.5)
RANGE_LABELS = ("below", "at_L", "inside", "at_U", "above")


def _single_cases() -> list[Any]:
    return [
        pytest.param(op, value, expected, id=f"{op.value}-{value}")
        for op, row in SINGLE_TABLE.items()
        for value, expected in zip(SINGLE_VALUES, row, strict=True)
    ]


def _range_cases() -> list[Any]:
    return [
        pytest.param(op, value, expected, id=f"{op.value}-{label}")
        for op, row in RANGE_TABLE.items()
        for value, label, expected in zip(RANGE_VALUES, RANGE_LABELS, row, strict=True)
    ]


def test_tables_cover_all_fourteen_operations() -> None:
    assert set(SINGLE_TABLE) | set(RANGE_TABLE) == set(ComparisonOperation)
    assert len(ComparisonOperation) == 14


@pytest.mark.parametrize(("op", "value", "expected"), _single_cases())
def test_single_value_operation(op: ComparisonOperation, value: float, expected: bool) -> None:
    meas = NumericMeasurement(value=value, operation=op, comparison_value=5)
    assert meas.result is expected


@pytest.mark.parametrize(("op", "value", "expected"), _range_cases())
def test_range_operation(op: ComparisonOperation, value: float, expected: bool) -> None:
    meas = NumericMeasurement(value=value, operation=op, lower_limit=1, upper_limit=3)
    assert meas.result is expected


@pytest.mark.parametrize(
    ("op", "value", "kwargs", "expected"),
    [
        (Op.EQ, 5, {"comparison_value": 5.0}, True),
        (Op.EQ, 0, {"comparison_value": 0}, True),
        (Op.LT, -3.5, {"comparison_value": -3}, True),
        (Op.GELE, -1.0, {"lower_limit": -1, "upper_limit": 1}, True),
        (Op.GELE, 3.31, {"lower_limit": 3.2, "upper_limit": 3.4}, True),
        (Op.GTLT, 0, {"lower_limit": 0, "upper_limit": 0}, False),
        (Op.GELE, 0, {"lower_limit": 0, "upper_limit": 0}, True),
        (Op.LTGT, 0, {"lower_limit": 0, "upper_limit": 0}, False),
        (Op.LEGE, 0, {"lower_limit": 0, "upper_limit": 0}, True),
    ],
)
def test_mixed_int_float_and_degenerate_ranges(
    op: ComparisonOperation, value: float, kwargs: dict[str, float], expected: bool
) -> None:
    assert NumericMeasurement(value=value, operation=op, **kwargs).result is expected


def test_result_is_a_plain_bool() -> None:
    meas = NumericMeasurement(value=2, operation=Op.GELE, lower_limit=1, upper_limit=3)
    assert type(meas.result) is bool


def test_lower_greater_than_upper_is_not_checked() -> None:
    meas = NumericMeasurement(value=2, operation=Op.GELE, lower_limit=3, upper_limit=1)
    assert meas.result is False
    outside = NumericMeasurement(value=2, operation=Op.LTGT, lower_limit=3, upper_limit=1)
    assert outside.result is True


@pytest.mark.parametrize("op", SINGLE_OPS, ids=lambda op: op.value)
def test_single_value_operation_requires_comparison_value(op: ComparisonOperation) -> None:
    with pytest.raises(
        ValidationError,
        match=f"Comparison_value required for ComparisonOperation.{op.name} operation",
    ):
        NumericMeasurement(value=1, operation=op, lower_limit=0, upper_limit=2)


def test_comparison_value_error_is_a_value_error() -> None:
    with pytest.raises(
        ValueError, match=r"Comparison_value required for ComparisonOperation\.EQ operation"
    ):
        NumericMeasurement(value=1, operation=Op.EQ)


@pytest.mark.parametrize("op", RANGE_OPS, ids=lambda op: op.value)
@pytest.mark.parametrize(
    "limits",
    [{}, {"lower_limit": 1}, {"upper_limit": 3}],
    ids=["none", "lower_only", "upper_only"],
)
def test_range_operation_requires_both_limits(
    op: ComparisonOperation, limits: dict[str, float]
) -> None:
    with pytest.raises(
        ValidationError, match="lower_limit and upper_limit required for range operations"
    ):
        NumericMeasurement(value=1, operation=op, comparison_value=1, **limits)


def test_limits_without_operation_are_kept_but_not_evaluated() -> None:
    meas = NumericMeasurement(value=100, lower_limit=1, upper_limit=3, comparison_value=5)
    assert meas.result is None
    assert meas.operation is None
    assert (meas.lower_limit, meas.upper_limit, meas.comparison_value) == (1, 3, 5)


def test_unused_inputs_are_kept_and_ignored() -> None:
    single = NumericMeasurement(
        value=5, operation=Op.EQ, comparison_value=5, lower_limit=10, upper_limit=20
    )
    assert single.result is True
    assert (single.lower_limit, single.upper_limit) == (10, 20)
    ranged = NumericMeasurement(
        value=2, operation=Op.GELE, lower_limit=1, upper_limit=3, comparison_value=99
    )
    assert ranged.result is True
    assert ranged.comparison_value == 99


def test_operation_accepts_lowercase_string() -> None:
    meas = NumericMeasurement(value=2, operation="gtlt", lower_limit=1, upper_limit=3)  # type: ignore[arg-type]
    assert meas.operation is Op.GTLT
    assert meas.result is True


def test_unknown_operation_is_rejected() -> None:
    with pytest.raises(ValidationError):
        NumericMeasurement(value=2, operation="between", lower_limit=1, upper_limit=3)  # type: ignore[arg-type]


def test_numeric_value_is_required_and_numeric() -> None:
    with pytest.raises(ValidationError):
        NumericMeasurement()  # type: ignore[call-arg]
    with pytest.raises(ValidationError):
        NumericMeasurement(value="three")  # type: ignore[arg-type]


def test_numeric_defaults() -> None:
    meas = NumericMeasurement(value=1.5)
    assert meas.type == "numeric"
    assert meas.type is MeasurementType.NUMERIC
    assert meas.name is None
    assert meas.unit is None
    assert meas.operation is None
    assert meas.comparison_value is None
    assert meas.lower_limit is None
    assert meas.upper_limit is None
    assert meas.result is None


@pytest.mark.parametrize(
    ("cls", "kwargs"),
    [
        (NumericMeasurement, {"value": 1, "tolerance": 0.1}),
        (NumericMeasurement, {"value": 1, "casesensitive": True}),
        (StringMeasurement, {"value": "a", "unit": "V"}),
        (StringMeasurement, {"value": "a", "lower_limit": 1}),
    ],
)
def test_extra_keys_are_rejected(cls: type[Any], kwargs: dict[str, Any]) -> None:
    with pytest.raises(ValidationError, match="Extra inputs are not permitted"):
        cls(**kwargs)


def test_type_cannot_be_overridden() -> None:
    with pytest.raises(ValidationError):
        NumericMeasurement(value=1, type="string")  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        StringMeasurement(value="a", type="numeric")  # type: ignore[arg-type]


def test_type_is_frozen() -> None:
    meas = NumericMeasurement(value=1)
    with pytest.raises(ValidationError):
        meas.type = MeasurementType.STRING  # type: ignore[misc,assignment]
    assert meas.type == "numeric"


def test_numeric_json_dump_uses_lowercase_values() -> None:
    meas = NumericMeasurement(
        name="3V3 rail",
        value=3.31,
        unit="V",
        operation=Op.GELE,
        lower_limit=3.2,
        upper_limit=3.4,
    )
    assert meas.model_dump(mode="json") == {
        "type": "numeric",
        "value": 3.31,
        "name": "3V3 rail",
        "unit": "V",
        "operation": "gele",
        "comparison_value": None,
        "lower_limit": 3.2,
        "upper_limit": 3.4,
        "result": True,
    }
    python_dump = meas.model_dump()
    assert python_dump["type"] == "numeric"
    assert python_dump["operation"] == "gele"
    assert json.loads(json.dumps(python_dump))["operation"] == "gele"


def test_string_json_dump_uses_lowercase_values() -> None:
    meas = StringMeasurement(name="fw", value="1.4.2", operation=Op.EQ, comparison_value="1.4.2")
    assert meas.model_dump(mode="json") == {
        "type": "string",
        "value": "1.4.2",
        "name": "fw",
        "casesensitive": True,
        "operation": "eq",
        "comparison_value": "1.4.2",
        "result": True,
    }


@pytest.mark.parametrize("op", list(ComparisonOperation), ids=lambda op: op.value)
def test_operation_values_are_lowercase_names(op: ComparisonOperation) -> None:
    assert op.value == op.name.lower()
    # HardPy's enum is a plain (str, Enum): str() and f-strings print what
    # Python prints for one of those (``ComparisonOperation.EQ`` on 3.11+)
    plain = Enum("ComparisonOperation", {op.name: op.value}, type=str)[op.name]
    assert str(op) == str(plain) == f"ComparisonOperation.{op.name}"
    assert f"{op}" == f"{plain}"


def test_measurement_type_values() -> None:
    assert MeasurementType.NUMERIC.value == "numeric"
    assert MeasurementType.STRING.value == "string"
    assert {m.value for m in MeasurementType} == {"numeric", "string"}


# ------------------------------------------------------------------ strings


@pytest.mark.parametrize(
    ("op", "value", "expected_value", "casesensitive", "result"),
    [
        (Op.EQ, "abc", "abc", True, True),
        (Op.EQ, "abc", "abd", True, False),
        (Op.EQ, "ABC", "abc", True, False),
        (Op.EQ, "ABC", "abc", False, True),
        (Op.EQ, "ABC", "abd", False, False),
        (Op.NE, "abc", "abc", True, False),
        (Op.NE, "abc", "abd", True, True),
        (Op.NE, "ABC", "abc", True, True),
        (Op.NE, "ABC", "abc", False, False),
        (Op.EQ, "", "", True, True),
    ],
)
def test_string_comparisons(
    op: ComparisonOperation, value: str, expected_value: str, casesensitive: bool, result: bool
) -> None:
    meas = StringMeasurement(
        value=value, operation=op, comparison_value=expected_value, casesensitive=casesensitive
    )
    assert meas.result is result


def test_string_casesensitive_false_keeps_original_values() -> None:
    meas = StringMeasurement(
        value="OK", operation=Op.EQ, comparison_value="ok", casesensitive=False
    )
    assert meas.result is True
    assert meas.value == "OK"
    assert meas.comparison_value == "ok"


def test_string_defaults() -> None:
    meas = StringMeasurement(value="x")
    assert meas.type == "string"
    assert meas.type is MeasurementType.STRING
    assert meas.casesensitive is True
    assert meas.operation is None
    assert meas.comparison_value is None
    assert meas.result is None


def test_string_comparison_value_without_operation_is_not_evaluated() -> None:
    meas = StringMeasurement(value="x", comparison_value="x")
    assert meas.result is None


@pytest.mark.parametrize("op", [Op.EQ, Op.NE], ids=lambda op: op.value)
def test_string_operation_requires_comparison_value(op: ComparisonOperation) -> None:
    with pytest.raises(
        ValidationError,
        match=f"Comparison_value required for ComparisonOperation.{op.name} operation",
    ):
        StringMeasurement(value="x", operation=op)


@pytest.mark.parametrize("op", [*SINGLE_OPS[2:], *RANGE_OPS], ids=lambda op: op.value)
def test_invalid_string_operation(op: ComparisonOperation) -> None:
    with pytest.raises(
        ValidationError, match=f"ComparisonOperation.{op.name} is not a valid string operation"
    ):
        StringMeasurement(value="b", operation=op, comparison_value="a")


def test_string_value_must_be_a_string() -> None:
    with pytest.raises(ValidationError):
        StringMeasurement(value=12)  # type: ignore[arg-type]


# -------------------------------------------------------------------- chart


def test_chart_type_values() -> None:
    assert {t.name: t.value for t in ChartType} == {
        "LINE": "line",
        "LINE_LOG_X": "line_log_x",
        "LINE_LOG_Y": "line_log_y",
        "LOG_X_Y": "log_x_y",
    }


def test_chart_defaults() -> None:
    chart = Chart()
    assert chart.type is ChartType.LINE
    assert chart.title is None
    assert chart.x_label is None
    assert chart.y_label is None
    assert chart.marker_name == []
    assert chart.x_data == []
    assert chart.y_data == []


def test_chart_with_series() -> None:
    chart = Chart(
        type=ChartType.LOG_X_Y,
        title="Bode",
        x_label="Hz",
        y_label="dB",
        x_data=[[1, 10, 100], [1, 2]],
        y_data=[[0.0, -3.0, -20.0], [5, 6]],
        marker_name=["gain", None],
    )
    assert chart.model_dump(mode="json") == {
        "type": "log_x_y",
        "title": "Bode",
        "x_label": "Hz",
        "y_label": "dB",
        "marker_name": ["gain", None],
        "x_data": [[1, 10, 100], [1, 2]],
        "y_data": [[0.0, -3.0, -20.0], [5, 6]],
    }


def test_chart_type_from_string() -> None:
    assert Chart(type="line_log_y").type is ChartType.LINE_LOG_Y  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        Chart(type="bar")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("x_data", "y_data", "marker_name"),
    [
        ([[1, 2]], [], ["a"]),
        ([[1, 2]], [[1, 2]], []),
        ([], [[1, 2]], ["a"]),
        ([], [], ["a"]),
        ([[1, 2], [3]], [[1, 2]], ["a", "b"]),
    ],
    ids=["no_y", "no_marker", "no_x", "marker_only", "two_x_one_y"],
)
def test_chart_series_counts_must_match(
    x_data: list[list[float]], y_data: list[list[float]], marker_name: list[str | None]
) -> None:
    with pytest.raises(ValidationError):
        Chart(x_data=x_data, y_data=y_data, marker_name=marker_name)


@pytest.mark.parametrize(
    ("x_data", "y_data"),
    [
        ([[1, 2, 3]], [[1, 2]]),
        ([[1]], [[1, 2]]),
        ([[1, 2], [1, 2, 3]], [[1, 2], [1, 2]]),
    ],
)
def test_chart_series_lengths_must_match(
    x_data: list[list[float]], y_data: list[list[float]]
) -> None:
    with pytest.raises(ValidationError, match="same length"):
        Chart(x_data=x_data, y_data=y_data, marker_name=[None] * len(x_data))


def test_chart_first_series_must_not_be_empty() -> None:
    with pytest.raises(ValidationError):
        Chart(x_data=[[]], y_data=[[]], marker_name=["a"])


def test_chart_extra_keys_rejected() -> None:
    with pytest.raises(ValidationError, match="Extra inputs are not permitted"):
        Chart(legend=True)  # type: ignore[call-arg]


def test_add_series_appends_to_all_three_lists() -> None:
    chart = Chart(title="ramp")
    assert chart.add_series([0, 1, 2], [0.0, 1.5, 3.0], "3V3") is None
    chart.add_series([0, 1], [5, 5])
    assert chart.x_data == [[0, 1, 2], [0, 1]]
    assert chart.y_data == [[0.0, 1.5, 3.0], [5, 5]]
    assert chart.marker_name == ["3V3", None]
    # the resulting chart is still valid
    Chart.model_validate(chart.model_dump())


def test_add_series_copies_its_input() -> None:
    xs, ys = [1, 2], [3, 4]
    chart = Chart()
    chart.add_series(xs, ys, "m")
    xs.append(3)
    assert chart.x_data == [[1, 2]]


def test_add_series_does_not_leak_between_charts() -> None:
    first = Chart()
    first.add_series([1], [2], "a")
    second = Chart()
    assert second.x_data == []
    assert second.y_data == []
    assert second.marker_name == []


@pytest.mark.parametrize(
    ("x_data", "y_data"),
    [([1, 2], [1]), ([], [1]), ([1], [])],
)
def test_add_series_length_mismatch(x_data: list[float], y_data: list[float]) -> None:
    chart = Chart()
    with pytest.raises(ValueError, match="same length"):
        chart.add_series(x_data, y_data)
    assert chart.x_data == []
    assert chart.y_data == []
    assert chart.marker_name == []


def test_add_series_empty() -> None:
    chart = Chart()
    with pytest.raises(ValueError, match="empty"):
        chart.add_series([], [])
    assert chart.marker_name == []


# --------------------------------------------------------- instrument, sub-unit


def test_instrument_fields_and_defaults() -> None:
    assert set(Instrument.model_fields) == {
        "name",
        "revision",
        "serial_number",
        "part_number",
        "number",
        "comment",
        "info",
    }
    empty = Instrument()
    assert empty.model_dump() == {
        "name": None,
        "revision": None,
        "serial_number": None,
        "part_number": None,
        "number": None,
        "comment": None,
        "info": {},
    }
    psu = Instrument(
        name="PSU",
        revision="B",
        serial_number="SN1",
        part_number="EPS_08",
        number=1,
        comment="bench",
        info={"channels": 2, "max_v": 30.0, "vendor": "x", "calib": None},
    )
    assert psu.number == 1
    assert dict(psu.info) == {"channels": 2, "max_v": 30.0, "vendor": "x", "calib": None}


def test_instrument_number_must_be_int() -> None:
    with pytest.raises(ValidationError):
        Instrument(number="first")  # type: ignore[arg-type]


def test_subunit_fields_and_defaults() -> None:
    assert set(SubUnit.model_fields) == {
        "name",
        "type",
        "serial_number",
        "part_number",
        "revision",
        "info",
    }
    assert SubUnit().model_dump() == {
        "name": None,
        "type": None,
        "serial_number": None,
        "part_number": None,
        "revision": None,
        "info": {},
    }
    unit = SubUnit(name="PSU board", type="PCBA", serial_number="s1", info={"rev": 2})
    assert unit.type == "PCBA"
    assert dict(unit.info) == {"rev": 2}


@pytest.mark.parametrize(
    ("cls", "kwargs"),
    [
        (Instrument, {"name": "PSU", "vendor": "x"}),
        (SubUnit, {"name": "board", "number": 1}),
        (SubUnit, {"sub_units": []}),
    ],
)
def test_instrument_and_subunit_forbid_extra_keys(cls: type[Any], kwargs: dict[str, Any]) -> None:
    with pytest.raises(ValidationError, match="Extra inputs are not permitted"):
        cls(**kwargs)


def test_info_values_must_be_scalars() -> None:
    with pytest.raises(ValidationError):
        SubUnit(info={"nested": {"a": 1}})  # type: ignore[dict-item]
    with pytest.raises(ValidationError):
        Instrument(info={"list": [1, 2]})  # type: ignore[dict-item]
