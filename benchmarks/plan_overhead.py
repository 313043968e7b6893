"""Overhead of hardlab over plain pytest on a 1,001-case plan.

The plan has 10 modules x 100 cases, each setting a message and a numeric
measurement, plus one case that fills in the DUT and stand. It is generated
three times:

* ``hardlab``: the plan as written, run with ``pytest --hardlab`` storing
  the run as it goes in an SQLite store (hardlab's default), plus a HardPy
  JSON report at the end;
* ``plain pytest``: the same test bodies under plain pytest, with a
  ``hardpy`` stand-in whose setters do nothing but whose measurements are
  hardlab's real pydantic models, so both runs do the test code's own work
  (building and checking measurements) and the difference is the run
  engine: plugin, setters, events, report;
* ``plain pytest, trivial stubs``: the same with measurement objects that
  do nothing either, for the cost of pydantic itself.

All run as fresh processes, alternately, several times; the script prints
the median wall time of each and the ratios. Target: hardlab / plain
pytest <= 1.3.

HardPy 0.25.2 with its JSON storage took 143.7 s on this plan where plain
pytest took 1.17 s, because it rewrites the whole document on every setter.

Usage: python benchmarks/plan_overhead.py [--repeat N] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

MODULES = 10
CASES = 100

CASE = """
def test_case_{i:03d}():
    hardpy.set_message("case {i} of module {m}")
    hardpy.set_case_measurement(
        hardpy.NumericMeasurement(name="voltage", value={i} * 0.01, unit="V",
                                  operation=hardpy.ComparisonOperation.GELE,
                                  lower_limit=0, upper_limit=10)
    )
"""

INFO = """
import hardpy


def test_info():
    hardpy.set_dut_serial_number("BENCH-0001")
    hardpy.set_dut_part_number("PN-BENCH")
    hardpy.set_stand_name("benchmark stand")
    hardpy.set_dut_info({"firmware": "1.0.0"})
"""

SETTERS = """

def _nothing(*args, **kwargs):
    return 0


set_message = set_case_measurement = set_dut_serial_number = _nothing
set_dut_part_number = set_stand_name = set_dut_info = _nothing
"""

STUB = (
    '''
"""A stand-in for hardpy: real measurement models, setters that do nothing."""

from hardlab.model import ComparisonOperation, NumericMeasurement
'''
    + SETTERS
)

TRIVIAL = (
    '''
"""A stand-in for hardpy in which nothing does anything."""


class ComparisonOperation:
    GELE = "gele"


class NumericMeasurement:
    def __init__(self, **fields):
        self.__dict__.update(fields)
'''
    + SETTERS
)


def generate(folder: Path, *, stub: str | None) -> None:
    """Write the plan into `folder` (with a hardpy stand-in module when `stub`)."""
    folder.mkdir(parents=True)
    (folder / "pytest.ini").write_text("[pytest]\n")
    (folder / "test_00_info.py").write_text(INFO)
    for m in range(1, MODULES + 1):
        body = "import hardpy\n" + "".join(CASE.format(i=i, m=m) for i in range(CASES))
        (folder / f"test_{m:02d}_module.py").write_text(body)
    if stub:
        (folder / "hardpy.py").write_text(stub)


def timed(command: list[str], cwd: Path) -> float:
    """Wall time of one run of `command`; fails loudly if the run fails."""
    start = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"{' '.join(command)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return elapsed


def main() -> None:
    """Generate both plans, time them side by side, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="runs of each (default 5)")
    parser.add_argument("--keep", type=Path, help="generate the plans here and keep them")
    args = parser.parse_args()

    root = args.keep or Path(tempfile.mkdtemp(prefix="hardlab-bench-"))
    plain, trivial, hardlab = root / "plain", root / "trivial", root / "hardlab"
    for folder in (plain, trivial, hardlab):
        if folder.exists():
            shutil.rmtree(folder)
    generate(plain, stub=STUB)
    generate(trivial, stub=TRIVIAL)
    generate(hardlab, stub=None)
    reports = root / "reports"

    pytest_cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
    runs = {
        "plain pytest": (pytest_cmd, plain),
        "trivial stubs": (pytest_cmd, trivial),
        "pytest --hardlab": (
            [
                *pytest_cmd,
                "--hardlab",
                f"--hardlab-report-dir={reports}",
                f"--hardlab-db={root / 'store.db'}",
            ],
            hardlab,
        ),
    }
    times: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(args.repeat):
        for name, (command, cwd) in runs.items():  # alternate, so load hits both alike
            times[name].append(timed(command, cwd))

    report_files = sorted(reports.glob("*.json"))
    last = json.loads(report_files[-1].read_text())
    cases = sum(len(module["cases"]) for module in last["modules"].values())
    measurements = sum(
        len(case["measurements"])
        for module in last["modules"].values()
        for case in module["cases"].values()
    )
    from hardlab.storage import Store

    with Store(root / "store.db") as store:
        stored = store.count_runs()
        attempts = len(store.attempts(store.runs(limit=1).dicts()[0]["id"]))
    medians = {name: statistics.median(values) for name, values in times.items()}
    ratio = medians["pytest --hardlab"] / medians["plain pytest"]
    trivial_ratio = medians["pytest --hardlab"] / medians["trivial stubs"]
    print(f"plan: {MODULES} modules x {CASES} cases + 1 info case = {cases} cases")
    print(f"last hardlab report: status {last['status']}, {measurements} measurements")
    print(f"SQLite store: {stored} runs stored, the last with {attempts} case rows")
    for name, values in times.items():
        spread = ", ".join(f"{v:.2f}" for v in values)
        print(f"{name:>18}: median {medians[name]:.2f} s  ({spread})")
    print(f"ratio hardlab / plain pytest: {ratio:.2f}x  (target <= 1.30x)")
    print(f"ratio hardlab / plain pytest with trivial stubs: {trivial_ratio:.2f}x")
    if not args.keep:
        shutil.rmtree(root)


if __name__ == "__main__":
    main()
