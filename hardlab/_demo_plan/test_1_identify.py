"""Identify the board before testing it."""

import pytest

import hardlab

pytestmark = [pytest.mark.module_name("Identification"), pytest.mark.module_group("setup")]


@pytest.mark.case_name("Serial and part number")
@pytest.mark.critical
def test_serial(board):
    hardlab.set_dut_serial_number(board.serial_number)
    hardlab.set_dut_part_number(board.part_number)
    hardlab.set_dut_name("Demo power board")
    hardlab.set_dut_type("PCBA")
    hardlab.set_dut_revision("B")
    hardlab.set_process_name("Bring-up")
    hardlab.set_message(f"Board {board.serial_number} ({board.part_number})")


@pytest.mark.case_name("Firmware version")
def test_firmware(board):
    version = hardlab.StringMeasurement(
        name="Firmware",
        value=board.firmware_version,
        operation=hardlab.ComparisonOperation.EQ,
        comparison_value="1.4.2",
    )
    hardlab.set_case_measurement(version)
    hardlab.set_dut_info({"firmware": board.firmware_version})
    assert version.result, f"unexpected firmware {version.value}"
