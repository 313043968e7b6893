from __future__ import annotations

import hardpy
import pytest

pytestmark = pytest.mark.module_name("Identification")


@pytest.mark.case_name("DUT and stand")
def test_dut_info():
    hardpy.set_dut_serial_number("SN-0042")
    hardpy.set_dut_part_number("PB-100")
    hardpy.set_dut_name("Power board")
    hardpy.set_dut_info({"fw": "1.2.0", "slot": 3})
    hardpy.set_stand_name("Stand 1")
    hardpy.set_stand_number(2)
    hardpy.set_process_name("Acceptance")
    hardpy.set_instrument(hardpy.Instrument(name="PSU", number=1))
    hardpy.set_message(f"status {hardpy.ComparisonOperation.EQ}", "enum")
    hardpy.set_case_artifact({"count": 10, "ratio": 0.5})
