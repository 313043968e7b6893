"""``hardlab export --format openhtf|junit|csv`` and ``hardlab import`` of OpenHTF, .hardpy, CouchDB."""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from _couchdb import CouchServer
from _reports import START, report_doc

from hardlab._util import uuid7
from hardlab.exchange import CouchdbConfig, CouchdbLoader, JsonLoader
from hardlab.model import ResultRunStore, ResultStateStore
from hardlab.storage import Store

pytestmark = pytest.mark.slow

Cli = Callable[..., "subprocess.CompletedProcess[str]"]
MakePlan = Callable[..., Path]
STORED = re.compile(r"^Stored run (\S+) in ", re.MULTILINE)


def show(result: subprocess.CompletedProcess[str]) -> str:
    return f"exit {result.returncode}\n--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}"


def ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, show(result)
    assert "Traceback" not in result.stderr, show(result)
    return result.stdout


def failed(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 4, show(result)
    assert "Traceback" not in result.stderr, show(result)
    assert result.stderr.startswith("hardlab: error: "), show(result)
    return result.stderr


def write(path: Path, doc: dict[str, Any]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc, indent=2), encoding="utf-8")
    return path


PLAN = {
    "hardpy.toml": 'tests_name = "Power board"\n',
    "test_power.py": """
        import pytest

        import hardpy

        pytestmark = pytest.mark.module_name("Power")


        @pytest.mark.case_name("Identify")
        def test_identify():
            hardpy.set_dut_serial_number("SN-77")
            hardpy.set_dut_part_number("PB-1")
            hardpy.set_stand_name("Bench 3")
            hardpy.set_message("identified", "id")


        @pytest.mark.case_name("Output voltage")
        @pytest.mark.attempt(2)
        def test_vout():
            value = 3.6 if hardpy.get_current_attempt() == 1 else 3.3
            meas = hardpy.NumericMeasurement(
                name="Vout", value=value, unit="V",
                operation=hardpy.ComparisonOperation.GELE, lower_limit=3.2, upper_limit=3.4,
            )
            hardpy.set_case_measurement(meas)
            assert meas.result, "Vout out of range"


        @pytest.mark.case_name("Ripple")
        def test_ripple():
            meas = hardpy.NumericMeasurement(
                name="Ripple", value=80, unit="mV",
                operation=hardpy.ComparisonOperation.LT, comparison_value=50,
            )
            hardpy.set_case_measurement(meas)
            assert meas.result, hardpy.ErrorCode(12, "too much ripple")
    """,
}


def test_a_run_out_as_openhtf_junit_csv_and_back(
    cli: Cli, make_plan: MakePlan, tmp_path: Path
) -> None:
    first, second = tmp_path / "first.db", tmp_path / "second.db"
    ran = cli("run", make_plan(PLAN), "--db", first, "--attempt-delay", "0")
    assert ran.returncode == 1, show(ran)
    (run_id,) = STORED.findall(ran.stdout)

    # OpenHTF: the retried case is a REPEAT phase, then its final phase
    record_path = tmp_path / "out" / "record.json"
    ok(cli("export", run_id[:13], "--format", "openhtf", "-o", record_path, "--db", first))
    record = json.loads(record_path.read_text("utf-8"))
    assert (record["dut_id"], record["outcome"], record["station_id"]) == (
        "SN-77",
        "FAIL",
        "Bench 3",
    )
    assert record["metadata"]["hardlab"]["run_id"] == run_id
    assert [p["name"] for p in record["phases"]] == [
        "Identify", "Output voltage", "Output voltage", "Ripple",
    ]  # fmt: skip
    repeat, final = record["phases"][1:3]
    assert repeat["result"] == {"phase_result": "REPEAT"} and repeat["outcome"] == "FAIL"
    assert repeat["measurements"]["Vout"]["measured_value"] == 3.6
    assert final["measurements"]["Vout"] == {
        "name": "Vout",
        "outcome": "PASS",
        "validators": ["3.2 <= x <= 3.4"],
        "units": {"name": "volt", "code": "VLT", "suffix": "V"},
        "measured_value": 3.3,
    }
    # the plan's limit is the int 50, and stays one as in HardPy's report
    assert record["phases"][3]["measurements"]["Ripple"]["validators"] == ["x < 50"]
    assert record["outcome_details"][0]["code"] == 12
    assert record["end_time_millis"] - record["start_time_millis"] >= 0

    # back into another store: the same run, exactly
    imported = ok(cli("import", "--format", "openhtf", record_path, "--db", second))
    assert imported.startswith("imported 1, already there 0, skipped 0"), imported
    original = ok(cli("export", run_id, "--format", "hardpy-json", "--db", first))
    assert ok(cli("export", run_id, "--format", "hardpy-json", "--db", second)) == original
    with Store(second) as store:
        attempts = [(a["case_id"], a["attempt"], a["final"]) for a in store.attempts(run_id)]
    assert ("test_vout", 1, False) in attempts and ("test_vout", 2, True) in attempts
    again = ok(cli("import", record_path, "--db", second))
    assert again.startswith("imported 0, already there 1, skipped 0"), again

    # without hardlab's copy the OpenHTF fields carry statuses, values and limits
    lean = tmp_path / "lean.json"
    ok(cli("export", run_id, "--format", "openhtf", "--no-hardpy-copy", "-o", lean, "--db", first))
    assert "report" not in json.loads(lean.read_text("utf-8"))["metadata"]["hardlab"]
    third = tmp_path / "third.db"
    ok(cli("import", lean, "--db", third))
    with Store(third) as store:
        report = store.get_report(run_id)
    assert report.status.value == "failed"
    vout = report.modules["Power"].cases["Output voltage"]
    assert (vout.status.value, vout.attempt) == ("passed", 2)
    (meas,) = vout.measurements
    assert (meas.value, meas.operation, meas.lower_limit, meas.upper_limit, meas.result) == (
        3.3, "gele", 3.2, 3.4, True,
    )  # fmt: skip

    # JUnit into a folder, CSV on standard output
    folder = tmp_path / "ci"
    folder.mkdir()
    ok(cli("export", run_id, "--format", "junit", "-o", folder, "--db", first))
    root = ET.parse(folder / f"{run_id}.xml").getroot()
    assert (root.attrib["tests"], root.attrib["failures"]) == ("3", "1")
    ripple = root.findall("testsuite/testcase")[2]
    props = ripple.find("properties")
    assert props is not None
    assert {p.attrib["name"]: p.attrib["value"] for p in props}["Ripple.limits"] == "x < 50"
    # a name ending in / is a folder, made if missing
    ok(cli("export", run_id, "--format", "csv", "-o", f"{tmp_path / 'new'}/", "--db", first))
    assert (tmp_path / "new" / f"{run_id}.csv").is_file()
    table = ok(cli("export", run_id, "--format", "csv", "--attempts", "--db", first))
    rows = list(csv.DictReader(io.StringIO(table)))
    assert [(r["name"], r["attempt"], r["final"], r["value"]) for r in rows] == [
        ("Vout", "1", "false", "3.6"),
        ("Vout", "2", "true", "3.3"),
        ("Ripple", "1", "true", "80"),
    ]
    assert "--no-hardpy-copy is an option of --format openhtf" in failed(
        cli("export", run_id, "--format", "junit", "--no-hardpy-copy", "--db", first)
    )


def _statestore(doc: dict[str, Any]) -> dict[str, Any]:
    """HardPy's panel-state document for the same run."""
    state = json.loads(json.dumps(doc))
    state.pop("artifact", None)
    for module in state["modules"].values():
        module.pop("artifact", None)
        for case in module["cases"].values():
            case.pop("artifact", None)
            case["dialog_box"] = {}
    state.update(progress=100, alert="", operator_msg={}, operator_data={"dialog": ""})
    ResultStateStore.model_validate(state)  # a real statestore document
    return state


def test_import_hardpys_json_storage(cli: Cli, tmp_path: Path) -> None:
    storage = tmp_path / "plan" / ".hardpy" / "storage"
    latest = report_doc(_id="localhost_8000", _rev="localhost_8000")
    earlier = report_doc(_id="1767225000000", _rev="1767225000000", start_time=START - 600)
    earlier["dut"]["serial_number"] = "SN-0041"
    history = dict(latest, _id="1767225642000", _rev="1767225642000")  # 0.25's history copy
    unsent_id = str(uuid7())
    unsent = report_doc(_id=unsent_id, _rev=unsent_id, start_time=START + 3600)
    write(storage / "runstore" / "localhost_8000.json", latest)
    write(storage / "runstore" / "1767225642000.json", history)
    write(storage / "runstore" / "1767225000000.json", earlier)
    write(storage / "tempstore" / f"{unsent_id}.json", unsent)
    write(storage / "statestore" / "localhost_8000.json", _statestore(latest))
    write(storage / "statestore" / "1767225642000.json", _statestore(history))
    db = tmp_path / "store.db"

    result = cli("import", tmp_path / "plan" / ".hardpy", "--db", db)
    out = ok(result)
    assert out.startswith("imported 3, already there 1, skipped 0, left out 1"), show(result)
    assert "left out" in result.stderr and "statestore: HardPy's panel state" in result.stderr
    with Store(db) as store:
        serials = sorted(row["dut_serial_number"] for row in store.runs().dicts())
        assert serials == ["SN-0041", "SN-0042", "SN-0042"]
        assert store.run_row(unsent_id)["source"] == "import"  # a UUID id is the run id

    # the same run as a JsonLoader file, and the storage again: nothing new
    loader_dir = tmp_path / "reports"
    JsonLoader(loader_dir).load(ResultRunStore.model_validate(latest))
    twice = ok(cli("import", tmp_path / "plan" / ".hardpy", loader_dir, "--db", db))
    assert twice.startswith("imported 0, already there 5, skipped 0, left out 1"), twice

    # a statestore file named directly is left out, not an error
    state = ok(cli("import", storage / "statestore" / "localhost_8000.json", "--db", db))
    assert state.startswith("imported 0, already there 0, skipped 0, left out 1"), state


def _fill_couchdb(server: CouchServer) -> None:
    """HardPy's databases as a stand leaves them, and a report database of CouchdbLoader's."""
    config = CouchdbConfig(host=server.host, port=server.port)
    loader = CouchdbLoader(config)
    for serial, start in (("SN-C1", START), ("SN-C2", START + 100)):
        doc = report_doc(start_time=start, stop_time=start + 42)
        doc["dut"]["serial_number"] = serial
        assert loader.load(ResultRunStore.model_validate(doc))
    assert server.request("PUT", "report/_design/by_serial", {"views": {}})[0] == 201
    for name in ("runstore", "tempstore", "statestore"):
        assert server.request("PUT", name)[0] == 201
    live = report_doc(status="ready", start_time=None, stop_time=None)
    live.pop("_rev")
    assert server.request("PUT", "runstore/localhost_8000", live)[0] == 201
    copy = report_doc(start_time=START + 200, stop_time=START + 242)
    copy["dut"]["serial_number"] = "SN-C3"
    copy.pop("_rev")
    copy["_id"] = str((START + 242) * 1000)  # 0.25's history copy: the stop time in ms
    assert server.request("PUT", f"runstore/{copy['_id']}", copy)[0] == 201
    unsent = report_doc(start_time=START + 300, stop_time=START + 342)
    unsent["dut"]["serial_number"] = "SN-C4"
    unsent.pop("_id"), unsent.pop("_rev")
    assert server.request("POST", "tempstore", unsent)[0] == 201  # CouchDB picks the id
    state = _statestore(report_doc())
    state.pop("_rev")
    assert server.request("PUT", "statestore/localhost_8000", state)[0] == 201


def test_import_from_couchdb(cli: Cli, couchdb: CouchServer, tmp_path: Path) -> None:
    _fill_couchdb(couchdb)
    db = tmp_path / "store.db"
    result = cli("import", "--couchdb", couchdb.url, "--db", db)
    out = ok(result)
    assert out.startswith("imported 4, already there 0, skipped 0, left out 2"), show(result)
    assert "s3cret" not in result.stderr
    assert "report/_design/by_serial: a CouchDB design document" in result.stderr
    assert "runstore/localhost_8000: a run that never started" in result.stderr
    assert "statestore" not in result.stderr  # not read unless asked for
    with Store(db) as store:
        serials = sorted(row["dut_serial_number"] for row in store.runs().dicts())
    assert serials == ["SN-C1", "SN-C2", "SN-C3", "SN-C4"]

    again = ok(cli("import", "--couchdb", couchdb.url, "--db", db))
    assert again.startswith("imported 0, already there 4, skipped 0, left out 2"), again
    one = ok(cli("import", "--couchdb", f"{couchdb.url}report", "--db", tmp_path / "one.db"))
    assert one.startswith("imported 2, already there 0, skipped 0, left out 1"), one
    state = cli("import", "--couchdb", couchdb.url, "--couchdb-db", "statestore", "--db", db)
    assert ok(state).startswith("imported 0, already there 0, skipped 0, left out 1")
    assert "HardPy's panel state" in state.stderr

    missing = cli("import", "--couchdb", couchdb.url, "--couchdb-db", "nope", "--db", db)
    assert missing.returncode == 1, show(missing)
    assert "has no database 'nope'" in missing.stderr

    bad = couchdb.url.replace("dev:dev@", "dev:s3cret@")
    message = failed(cli("import", "--couchdb", bad, "--db", db))
    assert "refused user 'dev'" in message and "s3cret" not in message
    couchdb.stop()
    try:
        message = failed(cli("import", "--couchdb", bad, "--db", db))
        assert "cannot reach CouchDB at http://dev:***@127.0.0.1" in message
    finally:
        couchdb.start()


def test_import_needs_something_to_read(cli: Cli, tmp_path: Path) -> None:
    assert "name report files or folders" in failed(cli("import", "--db", tmp_path / "s.db"))
    usage = failed(cli("import", "x.json", "--couchdb-db", "report", "--db", tmp_path / "s.db"))
    assert "--couchdb-db names a database" in usage
