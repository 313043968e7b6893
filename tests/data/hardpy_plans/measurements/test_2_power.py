from __future__ import annotations

import hardpy
import pytest
from hardpy import ComparisonOperation as Op

pytestmark = pytest.mark.module_name("Power")


@pytest.mark.case_name("Rails")
def test_rails():
    rail = hardpy.NumericMeasurement(
        name="3V3", value=3, unit="V", operation=Op.GELE, lower_limit=3, upper_limit=4
    )
    hardpy.set_case_measurement(rail)
    count = hardpy.NumericMeasurement(name="count", value=10, operation=Op.EQ, comparison_value=10)
    hardpy.set_case_measurement(count)
    hardpy.set_case_measurement(
        hardpy.StringMeasurement(
            name="fw", value="1.2.0", operation=Op.EQ, comparison_value="1.2.0"
        )
    )
    assert rail.result and count.result


@pytest.mark.case_name("Current")
def test_current():
    current = hardpy.NumericMeasurement(
        name="I", value=12, unit="A", operation=Op.LE, comparison_value=5
    )
    hardpy.set_case_measurement(current)
    assert current.result


def test_chart():
    chart = hardpy.Chart(title="ramp", x_label="t")
    chart.add_series([1, 2, 3], [2, 4, 6], "v")
    hardpy.set_case_chart(chart)
