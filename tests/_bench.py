"""The simulated bench the instrument tests declare: hardlab's shipped pyvisa-sim YAML."""

from __future__ import annotations

PSU = "USB0::0x1AB1::0x0E11::HLPSU0001::INSTR"
"""The bench supply's address in bench.yaml."""
DMM = "ASRL2::INSTR"
"""The multimeter's address in bench.yaml."""


def instrument_table(name: str, resource: str, *, timeout_ms: int | None = None) -> str:
    """One ``[[hardlab.instruments]]`` table on bench.yaml (in the plan folder), newline-ended."""
    timeout = "" if timeout_ms is None else f"timeout_ms = {timeout_ms}\n"
    return f"""
[[hardlab.instruments]]
name = "{name}"
resource = "{resource}"
backend = "bench.yaml@sim"
read_termination = "\\n"
write_termination = "\\n"
{timeout}"""


def bench_toml(*, psu_timeout_ms: int | None = None) -> str:
    """The tables of the supply (``psu``) and the multimeter (``dmm``)."""
    return instrument_table("psu", PSU, timeout_ms=psu_timeout_ms) + instrument_table("dmm", DMM)
