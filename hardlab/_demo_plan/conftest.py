"""Fixtures of the demo plan: one simulated board for the whole run, on a simulated bench."""

import platform

import pytest

import hardlab
import hardlab.instruments
from hardlab.sim import SimulatedBoard

BOARD_SUPPLY = 12.0
"""Volts the bench supply gives the board."""


@pytest.fixture(scope="session")
def bench(instruments):
    """The bench supply and multimeter of hardpy.toml, or None without the instruments extra.

    The demo must run on a plain ``pip install hardlab``: without PyVISA and
    pyvisa-sim it powers and measures the simulated board directly.
    """
    if not hardlab.instruments.available():
        return None
    psu = instruments["psu"]
    psu.write("*RST")
    psu.write("CURR 1.500")
    psu.write(f"VOLT {BOARD_SUPPLY:.3f}")
    return instruments


@pytest.fixture(scope="session")
def board(hardpy_start_args, bench):
    """The DUT: a simulated board, powered (by the bench supply) for the whole run.

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
    if bench is not None:
        bench["psu"].write("OUTP ON")
    dut.power_on()
    yield dut
    dut.power_off()
    if bench is not None:
        bench["psu"].write("OUTP OFF")


@pytest.fixture
def measure_rail(board, bench):
    """``measure_rail(name)``: a rail's voltage, read by the bench multimeter."""

    def measure(name):
        volts = board.measure_rail(name)
        if bench is None:
            return volts
        dmm = bench["dmm"]
        # The simulator's multimeter cannot see the board: put the rail's
        # voltage on its probe (unrecorded, it is not bench traffic), then
        # read it as a test would read a real meter.
        dmm.resource.write(f"SIM:INP {volts:.6f}")
        return float(dmm.query("MEAS:VOLT:DC?"))

    return measure


@pytest.fixture(scope="session", autouse=True)
def stand(hardpy_start_args, bench):
    """Describe the test stand once per run (start argument ``stand`` names it).

    The bench's instruments list themselves in the report when they are
    first used (their ``*IDN?`` answers); without them the stand names
    simulated ones by hand.
    """
    default = f"demo stand on {platform.node() or 'this computer'}"
    hardlab.set_stand_name(hardpy_start_args.get("stand", default))
    hardlab.set_stand_location("bench 1")
    if bench is None:
        hardlab.set_instrument(hardlab.Instrument(name="Simulated PSU", part_number="SIM-PSU-30V"))
        hardlab.set_instrument(hardlab.Instrument(name="Simulated DMM", part_number="SIM-DMM-6.5"))
