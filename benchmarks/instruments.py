"""Instrument logging overhead: 10,000 ``*IDN?`` queries to pyvisa-sim.

The same simulated multimeter is asked ``*IDN?`` through the bare PyVISA
resource and through hardlab's logged session, inside one case of a real
run (so every query is kept in the case's artifact ``scpi``). Each side
makes the whole count of queries, in many short rounds that alternate
(bare then logged, logged then bare, ...), so the two sides of a round see
the same machine load. Each round gives a ratio logged/bare; the figure is
the median of those ratios, which a burst of load on a shared machine moves
far less than a ratio of totals or of best rounds. Time is the process's
CPU time: pyvisa-sim answers inside this process, so that is the whole
cost, and other processes do not add to it.

Reported: microseconds per query for each side (the median round), the
median ratio with its interquartile range (target: at most 1.05, i.e. 5 %
overhead), the ratio of each side's least disturbed (fastest) rounds and
the ratio of the totals as second opinions, and what the case kept. A third
side keeps each exchange by hand (two clock reads and the row appended to a
list, the least any log of command, answer, time and duration costs): its
ratio to bare PyVISA (measured apart, after the figure) is the floor, and
the difference is hardlab's own share beyond it. Each
exchange's row is in the case's table when the query returns: nothing is
left to write later, so the rounds are the whole cost. On a machine loaded
well beyond its cores, cache contention blurs both; compare runs made under
the same load.

Usage: python benchmarks/instruments.py [--queries 10000] [--rounds 100]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import textwrap
from pathlib import Path

import hardlab
import hardlab.instruments as hi

DMM = "USB0::0x2A8D::0x0101::HLDMM0001::INSTR"
TARGET = 1.05

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

class ByHand:
    # the least any log of an exchange costs: two clock reads and the row kept
    def __init__(self, resource):
        self.resource = resource
        self.rows = []

    def query(self, command):
        start = time.perf_counter_ns()
        answer = self.resource.query(command)
        end = time.perf_counter_ns()
        self.rows.append(("dmm", "query", command, answer, start / 1e9, (end - start) / 1e6, None))
        return answer

def test_idn(instruments):
    dmm = instruments["dmm"]
    bare = dmm.resource  # the PyVISA resource itself: nothing recorded
    for _ in range(200):  # warm both paths (imports, caches) before timing
        bare.query("*IDN?")
    clock = time.process_time_ns
    per_round = {per_round}
    loops = {{"bare": bare, "logged": dmm, "by_hand": ByHand(bare)}}
    rounds = {{"bare": [], "logged": [], "bare_again": [], "by_hand": []}}
    # first bare against logged, the figure; then bare against by hand, apart,
    # so that the by-hand rows do not weigh on the first
    for first, second in (("bare", "logged"), ("bare_again", "by_hand")):
        for number in range({rounds}):
            # each side goes first in every other round
            for side in (first, second) if number % 2 == 0 else (second, first):
                target = loops[side.removesuffix("_again")]
                start = clock()
                for _ in range(per_round):
                    target.query("*IDN?")
                rounds[side].append(clock() - start)
    with open(os.environ["HARDLAB_BENCH_OUT"], "w") as out:
        json.dump(rounds, out)
"""


def main() -> None:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queries", type=int, default=10_000, help="queries on each side")
    parser.add_argument("--rounds", type=int, default=100)
    args = parser.parse_args()
    per_round = max(1, args.queries // args.rounds)

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
        rounds = json.loads(out.read_text())
        case = next(iter(next(iter(result.report.modules.values())).cases.values()))
        table = case.artifact["scpi"]
        kept = len(table["rows"])
        size = len(json.dumps(table))
    bare, logged = rounds["bare"], rounds["logged"]
    ratios = sorted(b_logged / b_bare for b_bare, b_logged in zip(bare, logged, strict=True))
    quartiles = statistics.quantiles(ratios, n=4)
    ratio = statistics.median(ratios)
    total = per_round * args.rounds
    bare_us = statistics.median(bare) / per_round / 1e3
    logged_us = statistics.median(logged) / per_round / 1e3
    decile = max(1, len(bare) // 10)
    best = statistics.mean(sorted(logged)[:decile]) / statistics.mean(sorted(bare)[:decile])
    verdict = "met" if ratio <= TARGET else "NOT met"
    print(f"{total:,} *IDN? queries to pyvisa-sim on each side, {args.rounds} alternating rounds")
    print(f"  bare PyVISA:            {bare_us:8.2f} us/query (median round)")
    print(f"  hardlab logged session: {logged_us:8.2f} us/query (in a run, kept with the case)")
    print(f"  overhead:               {logged_us - bare_us:8.2f} us/query")
    print(
        f"  ratio logged/bare:      {ratio:8.3f}   median of {len(ratios)} rounds "
        f"(quartiles {quartiles[0]:.3f}-{quartiles[2]:.3f}); target <= {TARGET}: {verdict}"
    )
    print(f"  ratio of fastest rounds:{best:8.3f}   (the fastest tenth of each side's rounds)")
    print(f"  ratio of the totals:    {sum(logged) / sum(bare):8.3f}   (all rounds of each side)")
    hand = statistics.median(
        b_hand / b_bare
        for b_bare, b_hand in zip(rounds["bare_again"], rounds["by_hand"], strict=True)
    )
    print(f"  a row kept by hand:     {hand:8.3f}   (two clock reads, a row in a list: the floor)")
    print(f"  hardlab beyond that:    {ratio - hand + 1:8.3f}   (routing the row to its case)")
    print(f"  kept in the case:       {kept:,} exchanges, {size / kept:.0f} bytes each as JSON")
    hi.close()


if __name__ == "__main__":
    main()
