"""The demo plan on the simulated bench, and without the instruments extra."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import hardlab
import hardlab.instruments as hi
from hardlab.model.scpi import scpi_entries
from hardlab.sim import DEMO_PLAN

pytest.importorskip("pyvisa_sim")


def test_the_shipped_bench_is_the_demo_plans() -> None:
    assert (Path(DEMO_PLAN) / "bench.yaml").read_text() == Path(hi.BENCH_YAML).read_text()


def test_the_demo_measures_the_rails_with_the_bench_multimeter() -> None:
    try:
        result = hardlab.run(
            DEMO_PLAN,
            start_args={"latency": "0", "seed": "1"},
            answers={"LED check": "pass"},
            store=False,
            quiet=True,
            attempt_delay=0,
        )
    finally:
        hi.close()
    report = result.report
    models = [(i.name, i.part_number) for i in report.test_stand.instruments]
    assert models == [("psu", "SIM-PSU-30V"), ("dmm", "SIM-DMM-6.5")]
    assert [e["command"] for e in scpi_entries(report.artifact["scpi"])][-2:] == [
        "VOLT 12.000",
        "OUTP ON",
    ]
    rail = report.modules["test_2_power"].cases["test_rail[3V3]"]
    (query,) = [e for e in scpi_entries(rail.artifact["scpi"]) if e["command"] == "MEAS:VOLT:DC?"]
    assert float(query["answer"]) == rail.measurements[0].value  # type: ignore[union-attr]


def test_without_the_extra_the_demo_measures_the_board_directly() -> None:
    code = (
        "import sys; sys.modules['pyvisa'] = None\n"
        "import hardlab\nfrom hardlab.sim import DEMO_PLAN\n"
        "r = hardlab.run(DEMO_PLAN, start_args={'latency': '0', 'seed': '1'}, store=False,"
        " answers={'LED check': 'pass'}, quiet=True, attempt_delay=0)\n"
        "print(r.status.value, [i.name for i in r.report.test_stand.instruments],"
        " 'scpi' in r.report.artifact, 'pyvisa_sim' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    status, rest = out.stdout.strip().splitlines()[-1].split(" ", 1)
    assert status in ("passed", "failed")
    assert rest == "['Simulated PSU', 'Simulated DMM'] False False"
