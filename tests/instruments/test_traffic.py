"""The recorded traffic of a real run, as every reader sees it.

Exchanges in a run are appended to their case's exchange table as they are
made, without the run's lock (a session remembers where its last exchange
went until the run's route changes). These tests hold every reader (a test
reading its report mid-case, a listener's case copy, the final report, the
HardPy JSON export, the store) to the same exchanges, in the order they
were made, as soon as they are made.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from _bench import bench_toml

import hardlab
import hardlab.instruments as hi
from hardlab.events import CaseFinished, CaseUpdated, Event
from hardlab.model.scpi import SCPI_COLUMNS, scpi_entries

pytest.importorskip("pyvisa_sim")

TOML = bench_toml(psu_timeout_ms=50)

CONFTEST = """
import pytest

@pytest.fixture(scope="session")
def powered(instruments):
    instruments["psu"].write("VOLT 5.0")
    return instruments["psu"]
"""

TESTS = """
import pytest
import hardlab
from hardlab.errors import InstrumentError

def _look(seen, case_id):
    report = hardlab.get_current_report()
    seen.append(report.modules["test_exchanges"].cases[case_id].artifact["scpi"])

def test_interleaved(powered, instruments):
    psu, dmm = instruments["psu"], instruments["dmm"]
    seen = []
    dmm.write("SIM:INP 1.5")
    _look(seen, "test_interleaved")
    assert psu.query("VOLT?") == "5.000"
    _look(seen, "test_interleaved")
    dmm.query("MEAS:VOLT:DC?")
    _look(seen, "test_interleaved")
    psu.write_raw(b"OUTP ON\\n")
    _look(seen, "test_interleaved")
    with pytest.raises(InstrumentError):
        psu.read()  # nothing to read: a timeout, kept with its error
    _look(seen, "test_interleaved")
    hardlab.set_case_artifact({"seen": seen})
    for _ in range(200):  # many exchanges between two readings
        dmm.query("MEAS:VOLT:DC?")

@pytest.mark.attempt(2)
def test_retried(instruments):
    dmm = instruments["dmm"]
    dmm.write(f"SIM:INP {hardlab.get_current_attempt()}")
    dmm.query("MEAS:VOLT:DC?")
    assert hardlab.get_current_attempt() == 2
"""


@pytest.fixture(autouse=True)
def fresh_sessions() -> Iterator[None]:
    hi.close()
    hi.clear_bench_log()
    yield
    hi.close()
    hi.clear_bench_log()


class _Reader:
    """A listener that reads the traffic the way the panel and the store do."""

    def __init__(self) -> None:
        self.finished: list[tuple[str, int, list[dict[str, Any]]]] = []
        self.updated: list[list[dict[str, Any]]] = []

    def handle(self, event: Event) -> None:
        if isinstance(event, CaseFinished):
            attempt = event.attempt
            traffic = scpi_entries(attempt.case.artifact.get("scpi"))
            self.finished.append((attempt.case_id, attempt.attempt, traffic))
        elif isinstance(event, CaseUpdated):
            case = event.run.case(event.module_id, event.case_id)
            self.updated.append(scpi_entries(case.artifact.get("scpi")))


def test_every_reader_sees_the_traffic_as_written_in_place(
    make_plan: Callable[..., Path], tmp_path: Path
) -> None:
    plan = make_plan({"hardpy.toml": TOML, "conftest.py": CONFTEST, "test_exchanges.py": TESTS})
    (plan / "bench.yaml").write_text(Path(hi.BENCH_YAML).read_text())
    reader = _Reader()
    db = f"sqlite:///{tmp_path / 'runs.db'}"
    result = hardlab.run(
        plan, store=db, report_dir=tmp_path / "reports", operator=None, quiet=True,
        listeners=[reader],
    )  # fmt: skip
    assert result.status == "passed", [
        (c.status, c.assertion_msg)
        for m in result.report.modules.values()
        for c in m.cases.values()
    ]
    cases = result.report.modules["test_exchanges"].cases
    table = cases["test_interleaved"].artifact["scpi"]
    final = scpi_entries(table)

    # in the order of the exchanges, across instruments
    assert [(e["instrument"], e["op"], e["command"]) for e in final[:6]] == [
        ("dmm", "query", "*IDN?"),  # the dmm's first use, in this case
        ("dmm", "write", "SIM:INP 1.5"),
        ("psu", "query", "VOLT?"),
        ("dmm", "query", "MEAS:VOLT:DC?"),
        ("psu", "write_raw", "<8 bytes sha256:" + _sha256(b"OUTP ON\n") + ">"),
        ("psu", "read", ""),
    ]
    assert len(final) == 206
    # one table: its columns, then a row of that width per exchange
    assert list(table) == ["columns", "rows"] and table["columns"] == list(SCPI_COLUMNS)
    assert all(len(row) == len(SCPI_COLUMNS) for row in table["rows"])
    assert [e["error"] for e in final[:5]] == [None] * 5 and final[5]["answer"] is None
    assert "timeout" in final[5]["error"].lower()
    assert final[2]["answer"] == "5.000" and final[1]["answer"] is None
    times = [e["time"] for e in final]
    assert times == sorted(times)
    assert all(isinstance(e["ms"], float) and e["ms"] >= 0 for e in final)
    case = cases["test_interleaved"]
    assert case.start_time is not None and case.stop_time is not None
    assert math.floor(times[0]) >= case.start_time - 1 and times[-1] <= case.stop_time + 1

    # a test reading its report mid-case saw every exchange made so far, as kept
    seen = case.artifact["seen"]
    assert [len(s["rows"]) for s in seen] == [2, 3, 4, 5, 6]
    assert all(scpi_entries(s) == final[: len(s["rows"])] for s in seen)
    # a listener's copy on the artifact's update, and on the case's end
    assert reader.updated == [final[:6]]
    finished = {(case_id, attempt): traffic for case_id, attempt, traffic in reader.finished}
    assert finished["test_interleaved", 1] == final

    # each attempt keeps its own exchanges, as a listener saw them at its end
    retried = scpi_entries(cases["test_retried"].artifact["scpi"])
    assert [e["command"] for e in finished["test_retried", 1]] == ["SIM:INP 1", "MEAS:VOLT:DC?"]
    assert finished["test_retried", 2] == retried
    assert [e["command"] for e in retried] == ["SIM:INP 2", "MEAS:VOLT:DC?"]

    # the run's own traffic (the session fixture's setup)
    run_traffic = scpi_entries(result.report.artifact["scpi"])
    assert [(e["instrument"], e["command"]) for e in run_traffic][-1] == ("psu", "VOLT 5.0")

    # the HardPy JSON export and the store carry exactly the same exchanges
    exported = json.loads(next((tmp_path / "reports").glob("*.json")).read_text())
    export_cases = exported["modules"]["test_exchanges"]["cases"]
    assert export_cases["test_interleaved"]["artifact"]["scpi"] == json.loads(json.dumps(table))
    assert scpi_entries(export_cases["test_retried"]["artifact"]["scpi"]) == retried
    assert scpi_entries(exported["artifact"]["scpi"]) == run_traffic
    with hardlab.history(db) as history:
        frame = history.scpi()
    stored = frame[frame["case_id"] == "test_interleaved"]
    assert stored["command"].tolist() == [e["command"] for e in final]
    assert stored["ms"].tolist() == [e["ms"] for e in final]
    assert [t.timestamp() for t in stored["time"]] == pytest.approx(times, abs=1e-6)


def _sha256(data: bytes) -> str:
    import hashlib

    return hashlib.sha256(data).hexdigest()
