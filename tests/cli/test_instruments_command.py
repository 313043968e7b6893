"""``hardlab instruments [PLAN]``: each instrument's identity or error, against pyvisa-sim."""

from __future__ import annotations

from pathlib import Path

import pytest
from _bench import instrument_table

from tests.cli.conftest import Cli

pytest.importorskip("pyvisa_sim")


def _plan(tmp_path: Path, *tables: tuple[str, str]) -> Path:
    import hardlab.instruments

    folder = tmp_path / "plan"
    folder.mkdir()
    text = "".join(instrument_table(name, resource, timeout_ms=50) for name, resource in tables)
    (folder / "hardpy.toml").write_text(text)
    (folder / "bench.yaml").write_text(Path(hardlab.instruments.BENCH_YAML).read_text())
    return folder


def test_it_prints_each_identity(cli: Cli, tmp_path: Path) -> None:
    plan = _plan(
        tmp_path,
        ("psu", "USB0::0x1AB1::0x0E11::HLPSU0001::INSTR"),
        ("dmm", "ASRL2::INSTR"),
    )
    done = cli("instruments", plan)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "psu  USB0::0x1AB1::0x0E11::HLPSU0001::INSTR  hardlab SIM-PSU-30V serial HLPSU0001 "
        "firmware 1.2.0",
        "dmm  ASRL2::INSTR  hardlab SIM-DMM-6.5 serial HLDMM0001 firmware 2.0.1",
    ]


def test_an_instrument_that_does_not_answer_fails_the_command(cli: Cli, tmp_path: Path) -> None:
    plan = _plan(
        tmp_path,
        ("psu", "USB0::0x1AB1::0x0E11::HLPSU0001::INSTR"),
        ("scope", "USB0::0x9999::0x9999::NOPE::INSTR"),
    )
    done = cli("instruments", plan)
    assert done.returncode == 1
    lines = done.stdout.splitlines()
    assert lines[0].startswith("psu  ")
    assert lines[1].startswith(
        "scope  USB0::0x9999::0x9999::NOPE::INSTR  ERROR: instrument 'scope'"
    )


def test_a_plan_without_instruments_says_so(cli: Cli, tmp_path: Path) -> None:
    done = cli("instruments", tmp_path)
    assert done.returncode == 0
    assert "declares no [[hardlab.instruments]]" in done.stdout


def test_show_folds_a_cases_exchanges_after_the_first_few() -> None:
    from hardlab.cli._text import Painter
    from hardlab.model.scpi import scpi_table

    table = scpi_table()
    table["rows"] = [("dmm", "query", f"MEAS{i}?", "1", 1.7e9, 0.5, None) for i in range(12)]
    table["rows"].append(("psu", "write", "X", None, 1.7e9, 1.0, "timeout"))
    lines = Painter(color=False).traffic_lines({"scpi": table}, "  ", shown=2)
    assert lines == [
        "  scpi: 13 exchanges with dmm, psu",
        "    dmm MEAS0? -> 1  0.50 ms",
        "    dmm MEAS1? -> 1  0.50 ms",
        "    ... 11 more: hardlab.history().scpi()",
    ]
    last = {"columns": table["columns"], "rows": table["rows"][-1:]}
    assert Painter(color=False).traffic_lines({"scpi": last}) == [
        "      scpi: 1 exchange with psu",
        "        psu X  1.00 ms  ERROR timeout",
    ]
    assert Painter(color=False).traffic_lines({}) == []
