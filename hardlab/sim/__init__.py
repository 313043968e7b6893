"""A simulated board, for demos, tutorials and tests without hardware.

`SimulatedBoard` behaves like a small DUT on a bench: it has a serial number
and a firmware version, power rails that read back with noise, a
temperature that drifts while powered, a UART that echoes, and a self-test
that fails now and then. A seed makes a session repeatable.

Example:
    ```python
    board = SimulatedBoard(seed=7)
    board.power_on()
    board.measure_rail("3V3")      # 3.29..3.31
    board.self_test()              # True, or False about 1 time in 10
    ```
"""

from __future__ import annotations

import os
import random
import time
from dataclasses import dataclass
from pathlib import Path

__all__ = ["DEMO_PLAN", "Rail", "SimulatedBoard", "SimulationError"]


DEMO_PLAN = Path(__file__).resolve().parent.parent / "_demo_plan"
"""The plan `hardlab demo` runs: identification, power rails, functional checks.

Its start arguments: ``seed``, ``latency`` (seconds per measurement),
``serial``, ``part`` and ``stand``.
"""


class SimulationError(RuntimeError):
    """The simulated board refuses an operation (for example, measuring while off)."""


@dataclass(frozen=True, slots=True)
class Rail:
    """A supply rail: its nominal voltage and the tolerance a good board meets."""

    name: str
    nominal: float
    tolerance: float = 0.05

    @property
    def lower(self) -> float:
        """Lowest passing voltage."""
        return round(self.nominal * (1 - self.tolerance), 6)

    @property
    def upper(self) -> float:
        """Highest passing voltage."""
        return round(self.nominal * (1 + self.tolerance), 6)


DEFAULT_RAILS = (Rail("3V3", 3.3), Rail("5V0", 5.0), Rail("1V8", 1.8), Rail("12V", 12.0, 0.1))


class SimulatedBoard:
    """A fake DUT with the behaviour a bring-up plan exercises.

    Args:
        serial_number: The board's serial; ``SIM-`` and six random hex digits if None.
        seed: Seed of the noise and failures; ``$HARDLAB_SIM_SEED`` if None
            and set, else random.
        part_number: The board's part number.
        firmware_version: What `firmware_version` reports.
        rails: The supply rails.
        noise: Standard deviation of rail readings, relative to nominal.
        failure_rate: Probability that `self_test` fails.
        latency: Seconds each measurement takes (0 for tests).
    """

    def __init__(
        self,
        serial_number: str | None = None,
        *,
        seed: int | None = None,
        part_number: str = "HL-DEMO-01",
        firmware_version: str = "1.4.2",
        rails: tuple[Rail, ...] = DEFAULT_RAILS,
        noise: float = 0.004,
        failure_rate: float = 0.1,
        latency: float = 0.0,
    ) -> None:
        if seed is None and os.environ.get("HARDLAB_SIM_SEED"):
            seed = int(os.environ["HARDLAB_SIM_SEED"])
        self._random = random.Random(seed)
        self.serial_number = serial_number or f"SIM-{self._random.randrange(16**6):06X}"
        self.part_number = part_number
        self._firmware = firmware_version
        self.rails = {rail.name: rail for rail in rails}
        self.noise = noise
        self.failure_rate = failure_rate
        self.latency = latency
        self._powered_at: float | None = None
        self._uart: bytes = b""

    def __repr__(self) -> str:
        state = "on" if self.is_powered else "off"
        return f"SimulatedBoard({self.serial_number!r}, {state})"

    def _wait(self) -> None:
        if self.latency:
            time.sleep(self.latency)

    def _require_power(self, what: str) -> None:
        if not self.is_powered:
            msg = f"cannot {what}: the board is not powered (call power_on() first)"
            raise SimulationError(msg)

    @property
    def is_powered(self) -> bool:
        """Whether the board is powered."""
        return self._powered_at is not None

    def power_on(self) -> None:
        """Switch the supply on."""
        self._wait()
        if self._powered_at is None:
            self._powered_at = time.monotonic()

    def power_off(self) -> None:
        """Switch the supply off."""
        self._wait()
        self._powered_at = None

    @property
    def firmware_version(self) -> str:
        """The firmware version the board reports.

        Raises:
            SimulationError: If the board is off.
        """
        self._require_power("read the firmware version")
        return self._firmware

    def measure_rail(self, name: str) -> float:
        """Read a rail's voltage, with noise.

        Raises:
            KeyError: If there is no such rail.
            SimulationError: If the board is off.
        """
        rail = self.rails[name]
        self._require_power(f"measure rail {name}")
        self._wait()
        value = self._random.gauss(rail.nominal, rail.nominal * self.noise)
        return round(value, 4)

    def ramp(self, name: str, steps: int = 20) -> tuple[list[float], list[float]]:
        """A rail's power-up ramp: times in ms and voltages.

        Raises:
            KeyError: If there is no such rail.
            SimulationError: If the board is off.
        """
        rail = self.rails[name]
        self._require_power(f"record the ramp of {name}")
        times = [round(i * 0.5, 3) for i in range(steps)]
        volts = [
            round(rail.nominal * (1 - 2.718281828 ** (-t / 1.5)) + self._random.gauss(0, 0.01), 4)
            for t in times
        ]
        return times, volts

    def read_temperature(self) -> float:
        """The board temperature in °C: ambient plus warm-up while powered.

        Raises:
            SimulationError: If the board is off.
        """
        self._require_power("read the temperature")
        assert self._powered_at is not None
        warm = min(15.0, (time.monotonic() - self._powered_at) * 3)
        return round(24.0 + warm + self._random.gauss(0, 0.3), 2)

    def uart_write(self, data: bytes) -> None:
        """Send bytes over the UART (the simulated firmware echoes them).

        Raises:
            SimulationError: If the board is off.
        """
        self._require_power("write to the UART")
        self._uart += bytes(data)

    def uart_read(self) -> bytes:
        """Read what the UART has received back.

        Raises:
            SimulationError: If the board is off.
        """
        self._require_power("read the UART")
        data, self._uart = self._uart, b""
        return data

    def self_test(self) -> bool:
        """Run the built-in self-test; it fails with probability `failure_rate`.

        Raises:
            SimulationError: If the board is off.
        """
        self._require_power("run the self-test")
        self._wait()
        return self._random.random() >= self.failure_rate
