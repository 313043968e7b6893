"""Functional checks; the self-test fails now and then and gets a second attempt."""

import pytest

import hardlab

pytestmark = [pytest.mark.module_name("Functional"), pytest.mark.dependency("test_2_power")]


@pytest.mark.case_name("UART loopback")
def test_uart(board):
    board.uart_write(b"hardlab")
    echo = hardlab.StringMeasurement(
        name="echo", value=board.uart_read().decode(),
        operation=hardlab.ComparisonOperation.EQ, comparison_value="hardlab",
    )
    hardlab.set_case_measurement(echo)
    assert echo.result, hardlab.ErrorCode(20, "UART does not echo")


@pytest.mark.case_name("Board temperature")
def test_temperature(board):
    temp = hardlab.NumericMeasurement(
        name="temperature", value=board.read_temperature(), unit="°C",
        operation=hardlab.ComparisonOperation.LE, comparison_value=60,
    )
    hardlab.set_case_measurement(temp)
    assert temp.result, hardlab.ErrorCode(30, "board too hot")


@pytest.mark.case_name("Self-test")
@pytest.mark.attempt(2)
def test_self_test(board):
    attempt = hardlab.get_current_attempt()
    passed = board.self_test()
    hardlab.set_message(f"attempt {attempt}: self-test {'passed' if passed else 'FAILED'}", "selftest")
    assert passed, hardlab.ErrorCode(40, "self-test failed")


@pytest.mark.case_name("Status LED")
def test_led():
    answer = hardlab.run_dialog_box(
        hardlab.DialogBox(
            dialog_text="Is the green status LED on?",
            title_bar="LED check",
            pass_fail=True,
            button_text=["Yes, it is on", "No"],
        )
    )
    hardlab.set_message(f"operator says the LED is {'on' if answer.result else 'OFF'}")
    assert answer.result, hardlab.ErrorCode(50, "status LED off")
