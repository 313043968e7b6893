"""Check every supply rail against its tolerance, and record a power-up ramp."""

import pytest

import hardlab
from hardlab.sim import DEFAULT_RAILS

pytestmark = pytest.mark.module_name("Power rails")


@pytest.mark.parametrize(
    "rail",
    [pytest.param(rail, id=rail.name, marks=pytest.mark.case_name(f"{rail.name} rail")) for rail in DEFAULT_RAILS],
)
def test_rail(measure_rail, rail):
    meas = hardlab.NumericMeasurement(
        name=rail.name,
        value=measure_rail(rail.name),
        unit="V",
        operation=hardlab.ComparisonOperation.GELE,
        lower_limit=rail.lower,
        upper_limit=rail.upper,
    )
    hardlab.set_case_measurement(meas)
    assert meas.result, f"{rail.name} = {meas.value} V, outside {rail.lower}..{rail.upper} V"


@pytest.mark.case_name("3V3 power-up ramp")
def test_ramp(board):
    times, volts = board.ramp("3V3")
    chart = hardlab.Chart(title="3V3 ramp", x_label="time, ms", y_label="voltage, V")
    chart.add_series(times, volts, "3V3")
    hardlab.set_case_chart(chart)
    settled = hardlab.NumericMeasurement(
        name="3V3 settled", value=volts[-1], unit="V",
        operation=hardlab.ComparisonOperation.GE, comparison_value=3.2,
    )
    hardlab.set_case_measurement(settled)
    assert settled.result
