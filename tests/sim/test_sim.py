from __future__ import annotations

import itertools
import statistics
from collections.abc import Callable
from typing import Any

import pytest

from hardlab.sim import Rail, SimulatedBoard, SimulationError


def _session(board: SimulatedBoard) -> list[Any]:
    board.power_on()
    readings: list[Any] = [board.serial_number]
    readings += [board.measure_rail(name) for name in ("3V3", "5V0", "1V8", "12V")]
    readings += [board.self_test() for _ in range(20)]
    readings.append(board.ramp("5V0", steps=10))
    return readings


def test_same_seed_same_session() -> None:
    assert _session(SimulatedBoard(seed=7)) == _session(SimulatedBoard(seed=7))


def test_different_seeds_differ() -> None:
    assert _session(SimulatedBoard(seed=1)) != _session(SimulatedBoard(seed=2))


def test_serial_number_format_and_override() -> None:
    board = SimulatedBoard(seed=3)
    assert board.serial_number.startswith("SIM-")
    suffix = board.serial_number.removeprefix("SIM-")
    assert len(suffix) == 6
    int(suffix, 16)
    assert SimulatedBoard("PB-0042", seed=3).serial_number == "PB-0042"


def test_explicit_serial_keeps_readings_seeded() -> None:
    first = SimulatedBoard("A", seed=11)
    second = SimulatedBoard("B", seed=11)
    first.power_on()
    second.power_on()
    assert first.measure_rail("3V3") == second.measure_rail("3V3")


def test_seed_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HARDLAB_SIM_SEED", "1234")
    assert _session(SimulatedBoard()) == _session(SimulatedBoard())
    assert _session(SimulatedBoard()) == _session(SimulatedBoard(seed=1234))


def test_explicit_seed_beats_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HARDLAB_SIM_SEED", "1234")
    assert _session(SimulatedBoard(seed=5)) == _session(SimulatedBoard(seed=5))
    assert _session(SimulatedBoard(seed=5)) != _session(SimulatedBoard())


def test_unseeded_boards_differ(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HARDLAB_SIM_SEED", raising=False)
    serials = {SimulatedBoard().serial_number for _ in range(5)}
    assert len(serials) > 1


def test_defaults() -> None:
    board = SimulatedBoard(seed=0)
    assert board.part_number == "HL-DEMO-01"
    assert set(board.rails) == {"3V3", "5V0", "1V8", "12V"}
    assert board.is_powered is False
    assert "off" in repr(board)
    board.power_on()
    assert board.firmware_version == "1.4.2"
    assert "on" in repr(board)


def test_rail_limits() -> None:
    rail = Rail("3V3", 3.3)
    assert rail.tolerance == 0.05
    assert rail.lower == pytest.approx(3.135)
    assert rail.upper == pytest.approx(3.465)
    wide = Rail("12V", 12.0, 0.1)
    assert (wide.lower, wide.upper) == (pytest.approx(10.8), pytest.approx(13.2))


@pytest.mark.parametrize("name", ["3V3", "5V0", "1V8", "12V"])
def test_readings_near_nominal(name: str) -> None:
    board = SimulatedBoard(seed=42)
    board.power_on()
    rail = board.rails[name]
    sigma = rail.nominal * board.noise
    values = [board.measure_rail(name) for _ in range(500)]
    assert all(abs(v - rail.nominal) < 5 * sigma for v in values)
    assert all(rail.lower <= v <= rail.upper for v in values)
    assert statistics.fmean(values) == pytest.approx(rail.nominal, abs=sigma / 2)
    assert 0.5 * sigma < statistics.stdev(values) < 1.5 * sigma
    assert len(set(values)) > 10  # there is noise


def test_readings_rounded_to_four_decimals() -> None:
    board = SimulatedBoard(seed=1)
    board.power_on()
    value = board.measure_rail("3V3")
    assert round(value, 4) == value


def test_noise_parameter() -> None:
    quiet = SimulatedBoard(seed=1, noise=0.0)
    quiet.power_on()
    assert {quiet.measure_rail("5V0") for _ in range(10)} == {5.0}


def test_custom_rails() -> None:
    board = SimulatedBoard(seed=1, rails=(Rail("VBAT", 3.7, 0.1),), noise=0.0)
    board.power_on()
    assert board.measure_rail("VBAT") == 3.7
    with pytest.raises(KeyError):
        board.measure_rail("3V3")


def test_unknown_rail() -> None:
    board = SimulatedBoard(seed=1)
    board.power_on()
    with pytest.raises(KeyError):
        board.measure_rail("48V")
    with pytest.raises(KeyError):
        board.ramp("48V")


@pytest.mark.parametrize("rate", [0.1, 0.3, 0.5])
def test_failure_rate_roughly_honoured(rate: float) -> None:
    board = SimulatedBoard(seed=2024, failure_rate=rate)
    board.power_on()
    runs = 4000
    failures = sum(not board.self_test() for _ in range(runs))
    assert failures / runs == pytest.approx(rate, abs=0.03)


def test_failure_rate_extremes() -> None:
    never = SimulatedBoard(seed=1, failure_rate=0.0)
    always = SimulatedBoard(seed=1, failure_rate=1.0)
    never.power_on()
    always.power_on()
    assert all(never.self_test() for _ in range(500))
    assert not any(always.self_test() for _ in range(500))


def test_default_failure_rate_is_about_one_in_ten() -> None:
    board = SimulatedBoard(seed=99)
    board.power_on()
    failures = sum(not board.self_test() for _ in range(4000))
    assert 0.07 < failures / 4000 < 0.13


_POWERED_OPS: dict[str, Callable[[SimulatedBoard], object]] = {
    "measure_rail": lambda b: b.measure_rail("3V3"),
    "ramp": lambda b: b.ramp("3V3"),
    "read_temperature": lambda b: b.read_temperature(),
    "uart_write": lambda b: b.uart_write(b"x"),
    "uart_read": lambda b: b.uart_read(),
    "self_test": lambda b: b.self_test(),
    "firmware_version": lambda b: b.firmware_version,
}


@pytest.mark.parametrize("op", list(_POWERED_OPS))
def test_operations_need_power(op: str) -> None:
    board = SimulatedBoard(seed=1)
    with pytest.raises(SimulationError, match="not powered"):
        _POWERED_OPS[op](board)
    board.power_on()
    _POWERED_OPS[op](board)
    board.power_off()
    with pytest.raises(SimulationError, match="power_on"):
        _POWERED_OPS[op](board)


def test_simulation_error_is_runtime_error() -> None:
    with pytest.raises(RuntimeError):
        SimulatedBoard(seed=1).measure_rail("3V3")


def test_power_cycle() -> None:
    board = SimulatedBoard(seed=1)
    board.power_on()
    board.power_on()  # idempotent
    assert board.is_powered
    board.power_off()
    board.power_off()
    assert not board.is_powered


def test_uart_echo() -> None:
    board = SimulatedBoard(seed=1)
    board.power_on()
    assert board.uart_read() == b""
    board.uart_write(b"AT\r\n")
    board.uart_write(bytearray(b"VER?"))
    assert board.uart_read() == b"AT\r\nVER?"
    assert board.uart_read() == b""


@pytest.mark.parametrize("name", ["3V3", "12V"])
def test_ramp_shape(name: str) -> None:
    board = SimulatedBoard(seed=8)
    board.power_on()
    nominal = board.rails[name].nominal
    times, volts = board.ramp(name)
    assert len(times) == len(volts) == 20
    assert times[0] == 0
    assert all(b - a == pytest.approx(0.5) for a, b in itertools.pairwise(times))
    assert abs(volts[0]) < 0.05  # starts at 0 V (plus noise)
    assert volts[-1] == pytest.approx(nominal, rel=0.02)  # settled
    assert volts[5] < volts[10] < volts[-1] + 0.05  # rises
    assert all(v <= nominal * 1.02 for v in volts)  # no big overshoot
    # first-order rise: after one time constant (1.5 ms) about 63 % of nominal
    assert volts[3] == pytest.approx(nominal * 0.632, abs=0.05)


def test_ramp_steps() -> None:
    board = SimulatedBoard(seed=8)
    board.power_on()
    times, volts = board.ramp("5V0", steps=5)
    assert times == [0.0, 0.5, 1.0, 1.5, 2.0]
    assert len(volts) == 5


def test_temperature_plausible() -> None:
    board = SimulatedBoard(seed=4)
    board.power_on()
    values = [board.read_temperature() for _ in range(100)]
    assert all(22.0 < v < 41.0 for v in values)
