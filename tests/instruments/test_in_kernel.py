"""Instrument sessions in a real kernel: a second ``%hardpy run`` reuses them; close closes them."""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from _kernel_client import KernelSession

import hardlab
import hardlab.instruments as hi

pytest.importorskip("pyvisa_sim")
pytestmark = pytest.mark.slow

PSU = "USB0::0x1AB1::0x0E11::HLPSU0001::INSTR"

TOML = f"""
tests_name = "Bench in a kernel"

[[hardlab.instruments]]
name = "psu"
resource = "{PSU}"
backend = "bench.yaml@sim"
read_termination = "\\n"
write_termination = "\\n"
"""

TEST = """
def test_volt(instruments):
    instruments["psu"].write("VOLT 2.5")
    assert instruments["psu"].query("VOLT?") == "2.500"
"""


@pytest.fixture(scope="module")
def kernel(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KernelSession]:
    folder = tmp_path_factory.mktemp("kernel-bench")
    plan = folder / "plan"
    plan.mkdir()
    (plan / "hardpy.toml").write_text(textwrap.dedent(TOML))
    (plan / "test_bench.py").write_text(textwrap.dedent(TEST))
    (plan / "bench.yaml").write_text(Path(hi.BENCH_YAML).read_text())
    # the hardlab under test, wherever it is (a worktree is not the installed one)
    source = str(Path(hardlab.__file__).resolve().parents[1])
    env = {"HARDLAB_HOME": str(folder / "home"), "PYTHONPATH": source}
    session = KernelSession(sys.executable, cwd=folder, env=env, log_path=folder / "kernel.log")
    session.start()
    try:
        session.run("%load_ext hardlab")
        yield session
    finally:
        session.close()


def _idn_count(kernel: KernelSession) -> int:
    out = kernel.run(
        "from hardlab.model.scpi import scpi_entries\n"
        "r = _\n"
        "log = [e for m in r.report.modules.values() for c in m.cases.values()"
        " for e in scpi_entries(c.artifact.get('scpi'))]"
        " + scpi_entries(r.report.artifact.get('scpi'))\n"
        "print(r.status.value, sum(e['command'] == '*IDN?' for e in log),"
        " [i.serial_number for i in r.report.test_stand.instruments])"
    )
    status, count, serials = out.stdout.strip().split(" ", 2)
    assert status == "passed" and serials == "['HLPSU0001']"
    return int(count)


def test_a_second_run_reuses_the_session_and_close_closes_it(kernel: KernelSession) -> None:
    kernel.run("%hardpy run plan --no-store", timeout=120)
    assert _idn_count(kernel) == 1
    kernel.run("import hardlab\nfirst = hardlab.instruments.sessions()['psu']")
    kernel.run("%hardpy run plan --no-store", timeout=120)
    assert _idn_count(kernel) == 0  # no reopen, no second *IDN?; the identity is listed anyway
    out = kernel.run(
        "same = hardlab.instruments.sessions()['psu'] is first\n"
        "print(same, hardlab.instrument('psu').query('OUTP?'))\n"
        "print(hardlab.instruments.bench_log()['command'].tolist())"
    )
    assert out.stdout.splitlines() == ["True OFF", "['OUTP?']"]
    closed = kernel.run("%hardpy instruments --close")
    assert closed.stdout.strip() == "closed: psu"
    out = kernel.run("print(first.is_open, hardlab.instruments.sessions())")
    assert out.stdout.strip() == "False {}"
    listed = kernel.run("%hardpy instruments plan")
    assert (
        listed.stdout.strip() == f"psu  {PSU}  hardlab SIM-PSU-30V serial HLPSU0001 firmware 1.2.0"
    )
