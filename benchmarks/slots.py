"""Parallel slots: 4 boards against 1, on a plan dominated by instrument waits.

The plan has a per-slot multimeter and a bench supply shared by every slot
(``shared = true``, pyvisa-sim). Each case waits for the board (a settling
time, as a real bench waits for a supply to ramp or a board to boot), then
talks to the shared supply and its own multimeter; one case also holds
``hardlab.shared("psu")`` around a sequence of its own. The plan runs with
``slots=1`` and with ``slots=4`` (both through the same slot processes,
so both pay the start of a Python process per slot).

Reported:

* the wall time of each and their ratio (target: at most 1.3);
* that the shared supply was never used by two slots at once: every
  exchange with it (kept in each case's ``scpi`` artifact, timed inside
  the lock) and every explicit hold (timed inside the ``with`` block)
  of one slot is checked against those of the others, and the overlaps
  are counted (must be 0);
* the waits each slot's run recorded (the run artifact ``shared``).

Usage: python benchmarks/slots.py [--slots 4] [--cases 8] [--settle 1.0]
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import textwrap
import time
from pathlib import Path
from typing import Any

import hardlab
import hardlab.instruments as hi
from hardlab.model.scpi import scpi_entries

PSU = "USB0::0x1AB1::0x0E11::HLPSU0001::INSTR"
DMM = "USB0::0x2A8D::0x0101::HLDMM0001::INSTR"

TOML = f"""
tests_name = "slots benchmark"

[[hardlab.instruments]]
name = "psu"
resource = "{PSU}"
backend = "{hi.BENCH_YAML}@sim"
read_termination = "\\n"
write_termination = "\\n"
shared = true

[[hardlab.instruments]]
name = "dmm"
resource = "{DMM}"
backend = "{hi.BENCH_YAML}@sim"
read_termination = "\\n"
write_termination = "\\n"
"""

TESTS = """
import json, os, time

import hardlab
import pytest

SETTLE = {settle}


@pytest.mark.parametrize("step", range({cases}))
def test_step(step, instruments, hardlab_slot):
    time.sleep(SETTLE)  # the board settles: the slot waits, the stand does not
    instruments["psu"].write(f"VOLT {{3 + hardlab_slot / 10:.1f}}")
    instruments["psu"].query("VOLT?")
    instruments["dmm"].query("*IDN?")


def test_sequence(instruments, hardlab_slot):
    # a sequence on the shared supply that no other slot may interleave
    with hardlab.shared("psu"):
        entered = time.time()
        for _ in range(5):
            instruments["psu"].write("OUTP ON")
            instruments["psu"].query("VOLT?")
        left = time.time()
    with open(os.environ["HARDLAB_BENCH_HOLDS"], "a") as out:
        out.write(json.dumps({{"slot": hardlab_slot, "start": entered, "end": left}}) + "\\n")
"""


def _plan(folder: Path, cases: int, settle: float) -> Path:
    plan = folder / "plan"
    plan.mkdir()
    (plan / "hardpy.toml").write_text(TOML)
    (plan / "test_slots.py").write_text(textwrap.dedent(TESTS.format(cases=cases, settle=settle)))
    return plan


def _intervals(results: list[Any], holds: Path) -> list[tuple[float, float, int]]:
    """(start, end, slot) of every use of the shared supply, from the reports and the holds file."""
    found: list[tuple[float, float, int]] = []
    for result in results:
        for module in result.report.modules.values():
            for case in module.cases.values():
                for entry in scpi_entries(case.artifact.get(hi.ARTIFACT_KEY)):
                    if entry["instrument"] == "psu":
                        start = entry["time"]
                        found.append((start, start + entry["ms"] / 1000, result.slot))
    if holds.exists():
        for line in holds.read_text().splitlines():
            hold = json.loads(line)
            found.append((hold["start"], hold["end"], hold["slot"]))
    return sorted(found)


def _overlaps(intervals: list[tuple[float, float, int]]) -> int:
    """How many uses began while another slot's use had not ended."""
    count = 0
    latest_end, latest_slot = float("-inf"), None
    for start, end, slot in intervals:
        if start < latest_end and slot != latest_slot:
            count += 1
        if end > latest_end:
            latest_end, latest_slot = end, slot
    return count


def _timed(plan: Path, slots: int, holds: Path) -> tuple[float, list[Any]]:
    holds.unlink(missing_ok=True)
    started = time.perf_counter()
    results = hardlab.run(plan, slots=slots, store=False, operator=None, quiet=True)
    return time.perf_counter() - started, results


def main() -> None:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--slots", type=int, default=4)
    parser.add_argument("--cases", type=int, default=8)
    parser.add_argument("--settle", type=float, default=1.0, help="seconds a case waits")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as temp:
        folder = Path(temp)
        plan = _plan(folder, options.cases, options.settle)
        holds = folder / "holds.jsonl"
        os.environ["HARDLAB_BENCH_HOLDS"] = str(holds)
        os.environ["HARDLAB_LOCK_DIR"] = str(folder / "locks")
        one, one_results = _timed(plan, 1, holds)
        many, many_results = _timed(plan, options.slots, holds)
        failed = [r.slot for r in [*one_results, *many_results] if not r.passed]
        intervals = _intervals(many_results, holds)
        overlaps = _overlaps(intervals)
        print(f"plan: {options.cases} cases of {options.settle} s wait + a shared-supply sequence")
        print(f"1 slot:  {one:6.2f} s")
        print(f"{options.slots} slots: {many:6.2f} s")
        ratio = many / one
        print(f"ratio {ratio:.2f} (target <= 1.3): {'ok' if ratio <= 1.3 else 'MISSED'}")
        print(
            f"shared supply: {len(intervals)} uses by {options.slots} slots, "
            f"{overlaps} held by two slots at once: {'ok' if overlaps == 0 else 'VIOLATED'}"
        )
        for result in many_results:
            waits = result.report.artifact.get("shared", {}).get("psu", {})
            waited, longest = waits.get("wait_s", 0), waits.get("max_wait_s", 0)
            print(
                f"  slot {result.slot}: {result.status.value}, waited {waited:.3f} s "
                f"over {waits.get('uses', 0)} uses (longest {longest:.3f} s)"
            )
        if failed:
            print(f"slots that did not pass: {failed}")


if __name__ == "__main__":
    main()
