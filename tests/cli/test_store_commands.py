"""``hardlab runs``, ``show``, ``export``, ``import`` and ``db``, through real subprocesses."""

from __future__ import annotations

import json
import re
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from hardlab.exchange import JsonLoader
from hardlab.model import ResultRunStore
from hardlab.storage import Store
from hardlab.storage._migrate import SCHEMA_HEAD
from tests.cli.conftest import Cli, pty_run

pytestmark = pytest.mark.slow

MakePlan = Callable[..., Path]

HARDLAB = Path(sys.executable).parent / ("hardlab.exe" if sys.platform == "win32" else "hardlab")
STORED = re.compile(r"^Stored run (\S+) in (\S+); see it with: hardlab show (\S+)", re.MULTILINE)
JAN_1 = 1767225600  # 2026-01-01T00:00:00Z
DAY = 86400


def show(result: subprocess.CompletedProcess[str]) -> str:
    return f"exit {result.returncode}\n--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}"


def ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, show(result)
    assert "Traceback" not in result.stderr, show(result)
    return result.stdout


def failed(result: subprocess.CompletedProcess[str]) -> str:
    """The error message of a command that failed cleanly."""
    assert result.returncode not in (0, 1), show(result)
    assert "Traceback" not in result.stderr, show(result)
    assert result.stderr.startswith("hardlab: error: "), show(result)
    return result.stderr


def report_doc(
    *,
    run_id: str | None = None,
    name: str = "Board check",
    status: str = "passed",
    serial: str = "SN-1",
    part: str = "PN-A",
    stand: str = "Stand 1",
    start: int = JAN_1,
    error_code: int | None = None,
) -> dict[str, Any]:
    """A HardPy JSON report (``id``/``rev`` keys) with a passing and maybe a failing case."""
    failing = status == "failed"
    vout = 3.6 if failing else 3.3
    return {
        "id": run_id or str(uuid.uuid4()),
        "rev": "1-a",
        "name": name,
        "status": status,
        "start_time": start,
        "stop_time": start + 42,
        "test_stand": {"name": stand, "location": "Lab 2", "number": 4},
        "dut": {"serial_number": serial, "part_number": part, "revision": "B"},
        "process": {"name": "EOL", "number": 2},
        "user": "alice",
        "error_code": error_code,
        "caused_dut_failure_id": "test_power::test_vout" if failing else None,
        "modules": {
            "test_power": {
                "status": status,
                "name": "Power",
                "group": "main",
                "start_time": start,
                "stop_time": start + 40,
                "cases": {
                    "test_fw": {
                        "status": "passed",
                        "name": "Firmware",
                        "group": "main",
                        "start_time": start,
                        "stop_time": start + 1,
                        "attempt": 1,
                        "msg": {"fw": "firmware is 1.4.2"},
                        "measurements": [
                            {
                                "type": "string",
                                "name": "fw",
                                "value": "1.4.2",
                                "operation": "eq",
                                "comparison_value": "1.4.2",
                                "result": True,
                            }
                        ],
                    },
                    "test_vout": {
                        "status": status,
                        "name": "Output voltage",
                        "group": "main",
                        "start_time": start + 1,
                        "stop_time": start + 40,
                        "attempt": 1,
                        "assertion_msg": "AssertionError: Vout out of range" if failing else None,
                        "measurements": [
                            {
                                "type": "numeric",
                                "name": "Vout",
                                "value": vout,
                                "unit": "V",
                                "operation": "gele",
                                "lower_limit": 3.2,
                                "upper_limit": 3.4,
                                "result": not failing,
                            }
                        ],
                    },
                },
            }
        },
    }


def write_report(path: Path, doc: dict[str, Any]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc, indent=2), encoding="utf-8")
    return path


def store_reports(db: str | Path, *docs: dict[str, Any]) -> list[str]:
    """Store reports in-process (as `hardlab import` would); return their run ids."""
    with Store(db) as store:
        return [store.save_report(ResultRunStore.model_validate(doc))[0] for doc in docs]


def json_loader_text(report: ResultRunStore, run_id: str, folder: Path) -> str:
    """What `JsonLoader` writes for `report` as `run_id`."""
    assert JsonLoader(folder).load(report, new_report_id=run_id)
    return (folder / f"{run_id}.json").read_text(encoding="utf-8")


def table_rows(stdout: str) -> list[list[str]]:
    """The rows of ``hardlab runs`` (header first), split at runs of two or more spaces."""
    return [re.split(r"\s{2,}", line.strip()) for line in stdout.splitlines() if line.strip()]


# ====================================================================== runs


def test_runs_on_an_empty_store(cli: Cli, tmp_path: Path) -> None:
    db = tmp_path / "empty.db"
    out = ok(cli("runs", "--db", db))
    assert f"No runs in sqlite:///{db} yet" in out
    assert "hardlab run" in out
    assert not db.exists()  # looking does not create the store
    assert ok(cli("runs", "--json", "--db", db)) == ""


def test_runs_table_newest_first_filters_and_json(cli: Cli, tmp_path: Path) -> None:
    db = tmp_path / "store.db"
    ids = store_reports(
        db,
        report_doc(serial="SN-1", start=JAN_1),
        report_doc(serial="SN-2", start=JAN_1 + 40 * DAY, status="failed", error_code=7),
        report_doc(serial="SN-3", start=JAN_1 + 50 * DAY, part="PN-B", stand="Stand 2"),
        report_doc(serial="SN-4", start=JAN_1 + 60 * DAY, name="Other test"),
    )
    url = f"sqlite:///{db}"

    def runs(*args: str) -> list[list[str]]:
        return table_rows(ok(cli("runs", *args, HARDLAB_DB_URL=url)))

    header, *rows = runs()
    assert header == ["ID", "STARTED", "STATUS", "NAME", "DUT", "STAND", "DURATION", "ERROR"]
    assert [row[4] for row in rows] == ["SN-4 (PN-A)", "SN-3 (PN-B)", "SN-2 (PN-A)", "SN-1 (PN-A)"]
    newest = rows[0]
    assert ids[3].startswith(newest[0]) and len(newest[0]) >= 13
    assert newest[1] == "2026-03-02 00:00:00+00:00"
    assert newest[2:4] == ["passed", "Other test"]
    assert newest[5:] == ["Stand 1", "42.0s"]
    assert rows[2][2] == "failed" and rows[2][-1] == "7"

    assert [row[4] for row in runs("--status", "failed")[1:]] == ["SN-2 (PN-A)"]
    assert [row[4] for row in runs("--serial", "SN-1", "--serial", "SN-3")[1:]] == [
        "SN-3 (PN-B)",
        "SN-1 (PN-A)",
    ]
    chosen = runs("--part", "PN-B", "--stand", "Stand 2", "--name", "Board check")
    assert [row[4] for row in chosen[1:]] == ["SN-3 (PN-B)"]
    (nothing,) = runs("--part", "PN-B", "--name", "Other test")
    assert nothing[0].startswith("No runs in") and nothing[0].endswith("match these filters.")
    assert [row[4] for row in runs("--since", "2026-02-01", "--until", "2026-03-01")[1:]] == [
        "SN-3 (PN-B)",
        "SN-2 (PN-A)",
    ]
    limited = ok(cli("runs", "--limit", "2", HARDLAB_DB_URL=url))
    assert len(table_rows(limited)) == 1 + 2 + 1
    assert "--limit" in limited.splitlines()[-1]

    lines = ok(cli("runs", "--json", "--status", "passed", HARDLAB_DB_URL=url)).splitlines()
    records = [json.loads(line) for line in lines]
    assert [r["id"] for r in records] == [ids[3], ids[2], ids[0]]
    assert records[0]["started_at"] == "2026-03-02T00:00:00+00:00"
    assert records[0]["dut_serial_number"] == "SN-4"


def test_runs_bad_arguments_are_usage_errors(cli: Cli) -> None:
    result = cli("runs", "--since", "last tuesday", "--status", "done")
    assert result.returncode == 2, show(result)
    assert "invalid choice: 'done'" in result.stderr or "last tuesday" in result.stderr


def test_runs_local_time_zone(cli: Cli, tmp_path: Path) -> None:
    db = tmp_path / "store.db"
    store_reports(db, report_doc(start=JAN_1))
    out = ok(cli("runs", "--db", db, TZ="<+03>-3"))
    assert "2026-01-01 03:00:00+03:00" in out


@pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pseudo-terminal")
def test_runs_colours_the_status_on_a_terminal_only(
    cli: Cli, env: dict[str, str], tmp_path: Path
) -> None:
    db = tmp_path / "store.db"
    store_reports(db, report_doc(status="failed"))
    environ = {key: value for key, value in env.items() if key != "NO_COLOR"}
    chunks = pty_run(["runs", "--db", str(db)], environ, tmp_path)
    assert "\x1b[31mfailed" in "".join(text for _, text in chunks)
    assert "\x1b[" not in ok(cli("runs", "--db", db, NO_COLOR=""))  # not a terminal


# ====================================================================== show


ATTEMPTS_PLAN = {
    "hardpy.toml": """
        tests_name = "Power board"
    """,
    "test_power.py": """
        import pytest

        import hardpy

        pytestmark = pytest.mark.module_name("Power")


        @pytest.mark.case_name("Identify")
        def test_identify():
            hardpy.set_dut_serial_number("SN-77")
            hardpy.set_dut_part_number("PB-1")
            hardpy.set_stand_name("Bench 3")
            hardpy.set_process_name("EOL")
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
                operation=hardpy.ComparisonOperation.LE, comparison_value=50,
            )
            hardpy.set_case_measurement(meas)
            assert meas.result, hardpy.ErrorCode(12, "too much ripple")
    """,
}


def test_show_a_run_and_its_attempts(cli: Cli, make_plan: MakePlan, tmp_path: Path) -> None:
    db = tmp_path / "store.db"
    plan = make_plan(ATTEMPTS_PLAN)
    ran = cli("run", plan, "--db", db, "--attempt-delay", "0")
    assert ran.returncode == 1, show(ran)
    (stored,) = STORED.findall(ran.stdout)
    run_id, _, short = stored

    out = ok(cli("show", short, "--db", db))
    lines = out.splitlines()
    assert lines[0].split() == ["Power", "board", "FAILED"]
    for field, value in [
        ("id", run_id),
        ("cases", "2 passed, 1 failed"),
        ("DUT", "SN-77 (part PB-1)"),
        ("stand", "Bench 3"),
        ("process", "EOL"),
        ("error code", "12"),
        ("first failure", "Power › Ripple  (test_power::test_ripple)"),
    ]:
        assert re.search(rf"^  {field} +{re.escape(value)}$", out, re.MULTILINE), (field, out)
    assert re.search(r"^  started +\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\+00:00$", out, re.MULTILINE)
    assert re.search(r"^  stopped +.*\+00:00  \(\d+\.\d\ds\)$", out, re.MULTILINE)
    assert "✗ Power" in lines
    assert any(line.startswith("  ✓ Identify") for line in lines)
    assert "      identified" in lines
    assert any(line.startswith("  ✓ Output voltage (attempt 2)") for line in lines)
    assert "      Vout 3.3 V  [3.2 .. 3.4] ✓" in lines
    assert "      Vout 3.6 V  [3.2 .. 3.4] ✗" not in lines  # only final attempts
    assert any(line.startswith("  ✗ Ripple") for line in lines)
    assert re.search(r"^      Ripple 80 mV  ≤ 50(\.0)? ✗$", out, re.MULTILINE), out
    assert any("too much ripple" in line for line in lines)

    every = ok(cli("show", run_id, "--attempts", "--db", db)).splitlines()
    first = next(i for i, line in enumerate(every) if "attempt 1 failed" in line)
    assert every[first].startswith("  ↻ Output voltage")
    assert every[first + 1] == "      Vout 3.6 V  [3.2 .. 3.4] ✗"
    assert "Vout out of range" in every[first + 2]
    assert every.index("      Vout 3.3 V  [3.2 .. 3.4] ✓") > first


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
def test_show_an_interrupted_run(cli: Cli, make_plan: MakePlan, tmp_path: Path) -> None:
    db = tmp_path / "store.db"
    plan = make_plan(
        {
            "test_crash.py": """
                import os
                import signal

                import hardpy


                def test_first():
                    hardpy.set_message("first done", "first")


                def test_crash():
                    os.kill(os.getpid(), signal.SIGKILL)


                def test_never():
                    pass
            """
        }
    )
    ran = cli("run", plan, "--db", db)
    assert ran.returncode != 0, show(ran)
    record: dict[str, Any] = {}
    for _ in range(50):  # the writer process marks the run once it sees its runner gone
        record = json.loads(ok(cli("runs", "--json", "--db", db)))
        if record["status"] == "interrupted":
            break
        time.sleep(0.2)
    assert record["status"] == "interrupted"
    assert "interrupted" in ok(cli("runs", "--db", db)).splitlines()[1]
    lines = ok(cli("show", record["id"], "--db", db)).splitlines()
    assert lines[0].split()[-1] == "INTERRUPTED"
    assert any("The run was interrupted" in line for line in lines)
    assert any(line.startswith("  ✓ test_first") for line in lines)
    assert "      first done" in lines
    assert any(line.startswith("  ■ test_crash") for line in lines)
    assert any(line.startswith("  – test_never") for line in lines)


def test_show_unknown_ambiguous_and_missing(cli: Cli, tmp_path: Path) -> None:
    db = tmp_path / "store.db"
    store_reports(
        db,
        report_doc(run_id="01a1fe40-0000-7000-8000-000000000001"),
        report_doc(run_id="01a1fe40-0000-7000-8000-000000000002"),
    )
    unknown = failed(cli("show", "0badc0de", "--db", db))
    assert "no run '0badc0de'" in unknown
    assert "hardlab runs" in unknown
    assert "ambiguous" in failed(cli("show", "01a1fe40", "--db", db))
    # every command that takes a run id lists the runs an ambiguous prefix matches
    for command in (["show"], ["export"], ["report"], ["sc-retry"]):
        message = failed(cli(*command, "01a1fe40", "--db", db))
        assert "run id '01a1fe40' is ambiguous" in message, (command, message)
        assert "01a1fe40-0000-7000-8000-000000000001  passed  'Board check'  'SN-1'" in message
        assert "01a1fe40-0000-7000-8000-000000000002  passed  'Board check'  'SN-1'" in message
    assert "Output voltage" in ok(cli("show", "01a1fe40-0000-7000-8000-000000000002", "--db", db))

    nowhere = tmp_path / "nowhere.db"
    message = failed(cli("show", "0badc0de", "--db", nowhere))
    assert "no run '0badc0de'" in message and "hardlab runs" in message
    assert not nowhere.exists()


def test_show_and_runs_write_stored_escape_sequences_out(cli: Cli, tmp_path: Path) -> None:
    db = tmp_path / "store.db"
    doc = report_doc(name="Board\x1b]0;pwned\x07 check", serial="SN\x1b[2J-1")
    case = doc["modules"]["test_power"]["cases"]["test_fw"]
    case["msg"] = {"fw": "firmware\x1b[8m hidden \x9b31m\u202eok"}
    case["measurements"][0]["name"] = "fw\x1b[1A"
    (run_id,) = store_reports(db, doc)
    for out in (ok(cli("show", run_id, "--db", db)), ok(cli("runs", "--db", db))):
        assert "\x1b" not in out and "\x07" not in out and "\x9b" not in out, out
        assert "\u202e" not in out
        assert "Board\\x1b]0;pwned\\x07 check" in out
    shown = ok(cli("show", run_id, "--db", db))
    assert "firmware\\x1b[8m hidden \\x9b31m\\u202eok" in shown
    assert "fw\\x1b[1A" in shown


# ====================================================================== export and import


def test_export_writes_what_json_loader_writes(cli: Cli, tmp_path: Path) -> None:
    db = tmp_path / "store.db"
    doc = report_doc(run_id="localhost_8000", status="failed")  # a CouchDB-style id
    (run_id,) = store_reports(db, doc)
    assert run_id != "localhost_8000"
    with Store(db) as store:
        expected = json_loader_text(store.get_report(run_id), run_id, tmp_path / "loader")
    assert json.loads(expected)["id"] == run_id

    # JsonLoader's text byte for byte, and the newline a text file ends with
    assert not expected.endswith("\n")
    assert ok(cli("export", run_id[:13], "--format", "hardpy-json", "--db", db)) == expected + "\n"
    target = tmp_path / "out" / "run.json"
    result = cli("export", run_id, "--format", "hardpy-json", "-o", target, "--db", db)
    ok(result)
    assert str(target) in result.stderr
    assert target.read_text(encoding="utf-8") == expected + "\n"
    folder = tmp_path / "folder"
    folder.mkdir()
    ok(cli("export", run_id, "--format", "hardpy-json", "--output", folder, "--db", db))
    assert (folder / f"{run_id}.json").read_text(encoding="utf-8") == expected + "\n"
    # HardPy JSON is the default format
    assert ok(cli("export", run_id, "--db", db)) == expected + "\n"
    assert "default hardpy-json" in ok(cli("export", "--help"))

    xml = cli("export", run_id, "--format", "xml", "--db", db)
    assert xml.returncode == 2 and "choose from 'hardpy-json', 'openhtf'" in xml.stderr, show(xml)
    assert "no run 'ffff'" in failed(cli("export", "ffff", "--format", "hardpy-json", "--db", db))


def test_round_trip_run_export_import(cli: Cli, make_plan: MakePlan, tmp_path: Path) -> None:
    first, second = tmp_path / "first.db", tmp_path / "second.db"
    reports = tmp_path / "reports"
    plan = make_plan(ATTEMPTS_PLAN)
    ran = cli("run", plan, "--db", first, "--report-dir", reports, "--attempt-delay", "0")
    assert ran.returncode == 1, show(ran)
    (stored,) = STORED.findall(ran.stdout)
    run_id = stored[0]

    exported = tmp_path / "exported.json"
    ok(cli("export", run_id, "--format", "hardpy-json", "-o", exported, "--db", first))
    # the run's own JSON report and the export of the stored run are the same text
    # (the export ends with a newline, as a text file does)
    assert exported.read_text("utf-8") == (reports / f"{run_id}.json").read_text("utf-8") + "\n"

    imported = ok(cli("import", exported, "--db", second))
    assert imported.startswith("imported 1, already there 0, skipped 0"), imported
    assert f"hardlab show {run_id[:13]} --db sqlite:///{second}" in imported
    again = ok(cli("export", run_id, "--format", "hardpy-json", "--db", second))
    assert again == exported.read_text("utf-8")
    with Store(first) as one, Store(second) as two:
        original, copy = one.get_report(run_id), two.get_report(run_id)
        assert two.run_row(run_id)["source"] == "import"
    assert copy == original.model_copy(update={"id": run_id})

    twice = ok(cli("import", exported, reports, "--db", second))
    assert twice.startswith("imported 0, already there 2, skipped 0"), twice  # two files
    with Store(second) as store:
        assert store.count_runs() == 1


def test_import_a_folder_with_bad_files(cli: Cli, tmp_path: Path) -> None:
    folder = tmp_path / "old reports"
    good = write_report(folder / "good.json", report_doc(serial="SN-G"))
    couch = report_doc(serial="SN-C")
    couch["_id"], couch["_rev"] = couch.pop("id"), couch.pop("rev")  # CouchDB's keys
    write_report(folder / "2024" / "couch.JSON", couch)
    (folder / "2024" / "broken.json").write_text('{"status": "passed",', encoding="utf-8")
    write_report(folder / "settings.json", {"theme": "dark"})
    (folder / "notes.txt").write_text("not a report", encoding="utf-8")
    (tmp_path / "empty").mkdir()
    db = tmp_path / "store.db"

    result = cli("import", folder, tmp_path / "missing.json", tmp_path / "empty", "--db", db)
    assert result.returncode == 1, show(result)
    assert "Traceback" not in result.stderr
    assert result.stdout.startswith("imported 2, already there 0, skipped 4"), show(result)
    assert "list them with: hardlab runs --db" in result.stdout
    errors = result.stderr.splitlines()
    assert len(errors) == 4, show(result)
    assert any("broken.json: not JSON" in line for line in errors), errors
    assert any(
        "settings.json: not a HardPy report" in line and "status: Field required" in line
        for line in errors
    ), errors
    assert any("missing.json: does not exist" in line for line in errors), errors
    assert any("empty: a folder without .json files" in line for line in errors), errors
    assert not any("notes.txt" in line or "good.json" in line for line in errors)
    with Store(db) as store:
        serials = {row["dut_serial_number"] for row in store.runs().dicts()}
    assert serials == {"SN-G", "SN-C"}

    again = cli("import", good, "--db", db)
    assert again.returncode == 0, show(again)
    assert again.stdout.startswith("imported 0, already there 1, skipped 0")


def test_store_commands_on_each_database(cli: Cli, store_url: str, tmp_path: Path) -> None:
    if store_url.startswith("sqlite"):
        pytest.skip("the tests above use SQLite; this one adds PostgreSQL")
    folder = tmp_path / "reports"
    docs = [
        report_doc(serial="SN-P1", start=JAN_1, status="failed", error_code=3),
        report_doc(serial="SN-P2", start=JAN_1 + DAY),
    ]
    paths = [write_report(folder / f"{n}.json", doc) for n, doc in enumerate(docs)]
    imported = ok(cli("import", *paths, "--db", store_url))
    assert imported.startswith("imported 2, already there 0, skipped 0"), imported
    again = ok(cli("import", folder, "--db", store_url))
    assert again.startswith("imported 0, already there 2, skipped 0"), again
    rows = table_rows(ok(cli("runs", "--db", store_url)))[1:]
    assert [row[4] for row in rows] == ["SN-P2 (PN-A)", "SN-P1 (PN-A)"]
    failed_id = rows[1][0]
    detail = ok(cli("show", failed_id, "--db", store_url))
    assert "Vout 3.6 V  [3.2 .. 3.4] ✗" in detail
    assert "Vout out of range" in detail
    assert re.search(r"^  error code +3$", detail, re.MULTILINE)
    exported = ok(cli("export", failed_id, "--format", "hardpy-json", "--db", store_url))
    with Store(store_url) as store:
        run_id = store.run_row(failed_id)["id"]
        expected = json_loader_text(store.get_report(run_id), run_id, tmp_path / "loader")
    assert exported == expected + "\n"  # JsonLoader's text, and a text file's last newline
    assert json.loads(exported)["dut"]["serial_number"] == "SN-P1"


# ====================================================================== db


def test_db_info_and_upgrade_on_a_fresh_store(cli: Cli, tmp_path: Path) -> None:
    db = tmp_path / "fresh.db"
    info = ok(cli("db", "info", "--db", db))
    assert re.search(rf"^store +sqlite:///{re.escape(str(db))}$", info, re.MULTILINE), info
    assert re.search(r"^chosen by +--db$", info, re.MULTILINE), info
    assert "none yet" in info
    assert not db.exists()

    upgraded = ok(cli("db", "upgrade", "--db", db))
    assert f"Created hardlab's schema (revision {SCHEMA_HEAD})" in upgraded
    assert "already at revision" in ok(cli("db", "upgrade", "--db", db))

    info = ok(cli("db", "info", HARDLAB_DB_URL=f"sqlite:///{db}"))
    assert re.search(r"^chosen by +\$HARDLAB_DB_URL$", info, re.MULTILINE), info
    assert re.search(rf"^schema +{SCHEMA_HEAD} \(up to date\)$", info, re.MULTILINE), info
    assert re.search(r"^runs +0$", info, re.MULTILINE), info


def test_an_old_schema_names_the_upgrade_command(cli: Cli, tmp_path: Path) -> None:
    db = tmp_path / "old.db"
    store_reports(db, report_doc())
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE hardlab_alembic_version SET version_num = '20200101_0000'")
    message = failed(cli("runs", "--db", db))
    assert "20200101_0000" in message
    assert "hardlab db upgrade" in message
    info = ok(cli("db", "info", "--db", db))
    assert "older than hardlab's" in info and "hardlab db upgrade" in info


def test_store_errors_hide_the_password(cli: Cli) -> None:
    url = "postgresql://tester:s3cret@127.0.0.1:1/nothing"
    message = failed(cli("runs", "--db", url))
    assert "tester:***@127.0.0.1:1" in message
    assert "s3cret" not in message
    assert "s3cret" not in failed(cli("db", "info", "--db", url))


def test_store_commands_load_no_notebook_or_pytest_modules(
    env: dict[str, str], tmp_path: Path
) -> None:
    db = tmp_path / "store.db"
    (run_id,) = store_reports(db, report_doc())
    report = write_report(tmp_path / "in" / "r.json", report_doc(serial="SN-X"))
    commands = [
        ["runs"],
        ["show", run_id, "--attempts"],
        ["export", run_id, "--format", "hardpy-json", "-o", str(tmp_path / "out.json")],
        ["import", str(report)],
        ["db", "info"],
        ["db", "upgrade"],
    ]
    code = f"""
import contextlib, io, sys
from hardlab.cli import main
with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
    for argv in {commands!r}:
        assert main([*argv, "--db", {str(db)!r}]) == 0, argv
print(" ".join(sorted({{name.split(".")[0] for name in sys.modules}})))
"""
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    loaded = set(done.stdout.split())
    assert "sqlalchemy" in loaded
    assert not loaded & {"IPython", "ipywidgets", "pandas", "pytest", "_pytest", "httpx"}
