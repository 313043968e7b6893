"""Fixtures of the demo plan: one simulated board for the whole run."""

import platform

import pytest

import hardlab
from hardlab.sim import SimulatedBoard


@pytest.fixture(scope="session")
def board(hardpy_start_args):
    """The DUT: a simulated board, powered for the whole run.

    Start arguments: ``seed`` makes the run repeatable, ``latency`` (seconds
    per measurement) makes it slower or faster, ``serial`` and ``part`` name
    the board (to test the same board again, or another product).
    """
    seed = hardpy_start_args.get("seed")
    latency = float(hardpy_start_args.get("latency", "0.05"))
    dut = SimulatedBoard(
        hardpy_start_args.get("serial"),
        seed=int(seed) if seed else None,
        latency=latency,
        failure_rate=0.3,
        part_number=hardpy_start_args.get("part", "HL-DEMO-01"),
    )
    dut.power_on()
    yield dut
    dut.power_off()


@pytest.fixture(scope="session", autouse=True)
def stand(hardpy_start_args):
    """Describe the test stand once per run (start argument ``stand`` names it)."""
    default = f"demo stand on {platform.node() or 'this computer'}"
    hardlab.set_stand_name(hardpy_start_args.get("stand", default))
    hardlab.set_stand_location("bench 1")
    hardlab.set_instrument(hardlab.Instrument(name="Simulated PSU", part_number="SIM-PSU-30V"))
    hardlab.set_instrument(hardlab.Instrument(name="Simulated DMM", part_number="SIM-DMM-6.5"))
