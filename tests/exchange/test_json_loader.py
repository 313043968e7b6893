from __future__ import annotations

import json
import os
import time
import uuid
from pathlib import Path
from typing import Any

import pytest

from hardlab.errors import ReportFormatError
from hardlab.exchange import JsonLoader, read_json_report
from hardlab.model import ResultRunStore


def _report(**overrides: Any) -> ResultRunStore:
    doc: dict[str, Any] = {
        "_id": "localhost_8000",
        "_rev": "7-f00d",
        "name": "Power board",
        "status": "passed",
        "start_time": 1700000000,
        "stop_time": 1700000042,
        "batch_serial_number": "B-17",
        "artifact": {"operator_notes": "ok"},
        "test_stand": {
            "hw_id": "abc123",
            "name": "Stand 1",
            "timezone": "Europe/Berlin",
            "number": 3,
            "instruments": [{"name": "PSU", "number": 1}],
        },
        "dut": {"serial_number": "SN-0001", "part_number": "HL-DEMO-01", "info": {"fw": "1.4.2"}},
        "process": {"name": "EOL", "number": 2},
        "modules": {
            "test_1_power": {
                "status": "passed",
                "name": "Power",
                "group": "main",
                "start_time": 1700000001,
                "stop_time": 1700000040,
                "cases": {
                    "test_rails": {
                        "status": "passed",
                        "name": "Rails — 3V3 ±5 %",
                        "group": "main",
                        "start_time": 1700000001,
                        "stop_time": 1700000040,
                        "attempt": 1,
                        "msg": {"k": "all rails good"},
                        "measurements": [
                            {
                                "type": "numeric",
                                "name": "3V3",
                                "value": 3.301,
                                "unit": "V",
                                "operation": "gele",
                                "lower_limit": 3.135,
                                "upper_limit": 3.465,
                                "result": True,
                            },
                            {"type": "string", "name": "fw", "value": "1.4.2"},
                        ],
                        "chart": {
                            "type": "line",
                            "x_data": [[0, 1]],
                            "y_data": [[0.0, 3.3]],
                            "marker_name": ["3V3"],
                        },
                    }
                },
            }
        },
    }
    doc.update(overrides)
    return ResultRunStore.model_validate(doc)


def _only_file(folder: Path) -> Path:
    files = list(folder.iterdir())
    assert len(files) == 1, [p.name for p in files]
    return files[0]


def test_load_writes_id_json_with_id_replaced_and_rev_kept(tmp_path: Path) -> None:
    report = _report()
    loader = JsonLoader(tmp_path / "out")
    assert loader.load(report, "my-report") is True
    path = tmp_path / "out" / "my-report.json"
    assert _only_file(tmp_path / "out") == path
    body = json.loads(path.read_text(encoding="utf-8"))
    assert body["id"] == "my-report"
    assert body["rev"] == "7-f00d"
    assert "_id" not in body
    assert "_rev" not in body
    expected = report.model_dump(mode="json")
    expected["id"] = "my-report"
    assert body == expected


def test_load_does_not_change_the_report(tmp_path: Path) -> None:
    report = _report()
    before = report.model_dump()
    JsonLoader(tmp_path).load(report, "x")
    assert report.model_dump() == before
    assert report.id == "localhost_8000"


def test_file_is_indented_by_two(tmp_path: Path) -> None:
    JsonLoader(tmp_path).load(_report(), "r")
    text = (tmp_path / "r.json").read_text(encoding="utf-8")
    lines = text.splitlines()
    assert lines[0] == "{"
    assert lines[1].startswith('  "')
    assert not lines[1].startswith("   ")
    assert any(line.startswith('    "') for line in lines)
    assert json.loads(text) == json.loads(json.dumps(json.loads(text), indent=2))


def test_enums_are_written_as_lowercase_strings(tmp_path: Path) -> None:
    JsonLoader(tmp_path).load(_report(), "r")
    body = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert body["status"] == "passed"
    module = body["modules"]["test_1_power"]
    assert module["group"] == "main"
    case = module["cases"]["test_rails"]
    assert case["measurements"][0]["operation"] == "gele"
    assert case["measurements"][1]["type"] == "string"
    assert case["chart"]["type"] == "line"


def test_unicode_survives(tmp_path: Path) -> None:
    JsonLoader(tmp_path).load(_report(), "r")
    body = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert body["modules"]["test_1_power"]["cases"]["test_rails"]["name"] == "Rails — 3V3 ±5 %"


def test_default_directory_is_reports_under_cwd(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    loader = JsonLoader()
    assert loader.storage_dir == tmp_path / "reports"
    assert (tmp_path / "reports").is_dir()
    assert loader.load(_report(), "abc") is True
    assert (tmp_path / "reports" / "abc.json").is_file()


def test_storage_dir_is_created_with_parents(tmp_path: Path) -> None:
    target = tmp_path / "a" / "b" / "c"
    loader = JsonLoader(str(target))
    assert target.is_dir()
    assert loader.storage_dir == target
    assert loader.path_for("x") == target / "x.json"


def test_generated_id_is_uuid7(tmp_path: Path) -> None:
    before_ms = time.time_ns() // 1_000_000
    assert JsonLoader(tmp_path).load(_report()) is True
    after_ms = time.time_ns() // 1_000_000
    path = _only_file(tmp_path)
    report_id = uuid.UUID(path.stem)
    assert str(report_id) == path.stem
    assert report_id.version == 7
    assert report_id.variant == uuid.RFC_4122
    assert before_ms <= report_id.int >> 80 <= after_ms
    body = json.loads(path.read_text(encoding="utf-8"))
    assert body["id"] == path.stem


def test_generated_ids_are_unique(tmp_path: Path) -> None:
    loader = JsonLoader(tmp_path)
    report = _report()
    for _ in range(20):
        assert loader.load(report) is True
    names = sorted(p.stem for p in tmp_path.iterdir())
    assert len(names) == 20
    assert all(uuid.UUID(name).version == 7 for name in names)


def test_empty_new_id_generates_one(tmp_path: Path) -> None:
    assert JsonLoader(tmp_path).load(_report(), "") is True
    assert uuid.UUID(_only_file(tmp_path).stem).version == 7


def test_same_id_overwrites(tmp_path: Path) -> None:
    loader = JsonLoader(tmp_path)
    assert loader.load(_report(name="first"), "same") is True
    assert loader.load(_report(name="second"), "same") is True
    assert json.loads(_only_file(tmp_path).read_text(encoding="utf-8"))["name"] == "second"


def test_returns_false_when_target_is_a_directory(tmp_path: Path) -> None:
    (tmp_path / "taken.json").mkdir()
    loader = JsonLoader(tmp_path)
    assert loader.load(_report(), "taken") is False
    assert (tmp_path / "taken.json").is_dir()
    assert _only_file(tmp_path) == tmp_path / "taken.json"  # no temporary file left behind


def test_returns_false_when_folder_disappears(tmp_path: Path) -> None:
    folder = tmp_path / "reports"
    loader = JsonLoader(folder)
    folder.rmdir()
    folder.write_text("now a file", encoding="utf-8")
    assert loader.load(_report(), "r") is False


def test_read_json_report_reads_what_load_wrote(tmp_path: Path) -> None:
    report = _report()
    JsonLoader(tmp_path).load(report, "round-trip")
    again = read_json_report(tmp_path / "round-trip.json")
    assert isinstance(again, ResultRunStore)
    assert again.id == "round-trip"
    assert again.rev == report.rev
    assert again.model_copy(update={"id": report.id}) == report
    expected = report.model_dump(mode="json")
    expected["id"] = "round-trip"
    assert again.model_dump(mode="json") == expected


def test_read_json_report_accepts_str_path_and_couchdb_ids(tmp_path: Path) -> None:
    path = tmp_path / "couch.json"
    path.write_text(json.dumps(_report().model_dump(mode="json", by_alias=True)), encoding="utf-8")
    report = read_json_report(str(path))
    assert report.id == "localhost_8000"
    assert report.rev == "7-f00d"


def test_read_json_report_missing_file(tmp_path: Path) -> None:
    with pytest.raises(OSError):
        read_json_report(tmp_path / "missing.json")


def test_read_json_report_rejects_non_report(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({"id": "x", "rev": "y"}), encoding="utf-8")
    with pytest.raises(
        ReportFormatError, match=r"bad\.json is not a HardPy report.*status: Field required"
    ):
        read_json_report(path)


def test_report_files_get_the_usual_permissions(tmp_path: Path) -> None:
    # as HardPy's plain open(): what the umask allows, not a private temporary file's 0600
    mask = os.umask(0o022)
    try:
        JsonLoader(tmp_path).load(_report(), "r")
    finally:
        os.umask(mask)
    assert (tmp_path / "r.json").stat().st_mode & 0o777 == 0o644
    assert [p.name for p in tmp_path.iterdir()] == ["r.json"]  # no temporary file left
