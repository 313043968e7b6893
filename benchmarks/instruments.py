"""Instrument logging overhead: 10,000 ``*IDN?`` queries to pyvisa-sim.

The same simulated multimeter is asked ``*IDN?`` through the bare PyVISA
resource and through hardlab's logged session, inside one case of a real
run (so every query is kept in the case's artifact ``scpi``). The two loops
alternate in rounds (each going first in every other one), so both see the
same machine load; each side's time is
its best round (the least disturbed), scaled to the whole count. Time is
the process's CPU time: pyvisa-sim answers inside this process, so that is
the whole cost, and other processes on a shared machine do not blur it.

Reported: microseconds per query for each, and their ratio (target: at most
1.05, i.e. 5 % overhead).

Usage: python benchmarks/instruments.py [--queries 10000] [--rounds 10]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import textwrap
from pathlib import Path

import hardlab
import hardlab.instruments as hi

DMM = "USB0::0x2A8D::0x0101::HLDMM0001::INSTR"

TOML = f"""
[[hardlab.instruments]]
name = "dmm"
resource = "{DMM}"
backend = "{hi.BENCH_YAML}@sim"
read_termination = "\\n"
write_termination = "\\n"
"""

TEST = """
import json, os, time

def test_idn(instruments):
    dmm = instruments["dmm"]
    bare = dmm.resource  # the PyVISA resource itself: nothing recorded
    per_round = {per_round}
    best = {{"bare": float("inf"), "logged": float("inf")}}
    loops = {{"bare": bare, "logged": dmm}}
    for number in range({rounds}):
        # each side goes first in every other round
        for side in (("bare", "logged") if number % 2 == 0 else ("logged", "bare")):
            target = loops[side]
            start = time.process_time()
            for _ in range(per_round):
                target.query("*IDN?")
            best[side] = min(best[side], time.process_time() - start)
    with open(os.environ["HARDLAB_BENCH_OUT"], "w") as out:
        json.dump(best, out)
"""


def main() -> None:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queries", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args()
    per_round = max(1, args.queries // args.rounds)
    import os

    with tempfile.TemporaryDirectory() as tmp:
        plan = Path(tmp) / "plan"
        plan.mkdir()
        (plan / "hardpy.toml").write_text(TOML)
        test = TEST.format(per_round=per_round, rounds=args.rounds)
        (plan / "test_bench.py").write_text(textwrap.dedent(test))
        out = Path(tmp) / "out.json"
        os.environ["HARDLAB_BENCH_OUT"] = str(out)
        result = hardlab.run(plan, store=False, operator=None, quiet=True)
        if result.status != "passed":
            raise SystemExit(f"the benchmark run failed: {result.errors}")
        best = json.loads(out.read_text())
        case = next(iter(next(iter(result.report.modules.values())).cases.values()))
        kept = len(case.artifact["scpi"])
        size = len(json.dumps(case.artifact["scpi"]))
    total = per_round * args.rounds
    bare_us = best["bare"] / per_round * 1e6
    logged_us = best["logged"] / per_round * 1e6
    ratio = best["logged"] / best["bare"]
    print(f"{total:,} *IDN? queries to pyvisa-sim in {args.rounds} alternating rounds")
    print(f"  bare PyVISA:            {bare_us:8.2f} us/query")
    print(f"  hardlab logged session: {logged_us:8.2f} us/query (in a run, kept with the case)")
    print(f"  ratio logged/bare:      {ratio:8.3f}   (target <= 1.05)")
    print(f"  kept in the case:       {kept:,} exchanges, {size / kept:.0f} bytes each as JSON")
    hi.close()


if __name__ == "__main__":
    main()
