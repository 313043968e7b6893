"""The format registry: what every shell exports and imports with."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from _reports import START, sample_report

from hardlab.exchange import (
    DEFAULT_EXPORT,
    EXPORT_FORMATS,
    IMPORT_FORMATS,
    CaseAttempt,
    ExportedRun,
    JsonLoader,
    export_format,
    hardpy_json,
    read_stored_run,
)
from hardlab.storage import Store

RUN_ID = "01a1fe20-0000-7000-8000-00000000f0a1"


def test_the_registry_names_each_format_once_with_its_file_and_media_type() -> None:
    names = [f.name for f in EXPORT_FORMATS]
    assert names == ["hardpy-json", "openhtf", "junit", "csv"]
    assert DEFAULT_EXPORT.name == "hardpy-json"
    assert {f.name: (f.suffix, f.media_type) for f in EXPORT_FORMATS} == {
        "hardpy-json": (".json", "application/json"),
        "openhtf": (".openhtf.json", "application/json"),
        "junit": (".xml", "application/xml"),
        "csv": (".csv", "text/csv"),
    }
    assert all(f.description and f.title for f in EXPORT_FORMATS)
    assert [f.name for f in IMPORT_FORMATS] == ["auto", "hardpy", "openhtf"]
    assert export_format("junit") is EXPORT_FORMATS[2]
    with pytest.raises(ValueError, match="unknown export format 'pdf'; choose from hardpy-json"):
        export_format("pdf")


def test_hardpy_json_is_byte_for_byte_what_json_loader_writes(tmp_path: Path) -> None:
    report = sample_report()
    JsonLoader(tmp_path).load(report, RUN_ID)
    written = (tmp_path / f"{RUN_ID}.json").read_bytes()
    assert hardpy_json(report, RUN_ID).encode("utf-8") == written
    assert DEFAULT_EXPORT.write(ExportedRun(report, RUN_ID)).encode("utf-8") == written


def test_options_belong_to_their_format() -> None:
    run = ExportedRun(sample_report(), RUN_ID)
    with_copy = json.loads(export_format("openhtf").write(run, {"hardpy_copy"}))
    without = json.loads(export_format("openhtf").write(run))
    assert "report" in with_copy["metadata"]["hardlab"]
    assert "report" not in without["metadata"]["hardlab"]
    with pytest.raises(ValueError, match="attempts: not an option of the junit format"):
        export_format("junit").write(run, {"attempts"})


def test_csv_shows_earlier_attempts_only_when_asked() -> None:
    report = sample_report()
    vout = report.modules["test_2_power"].cases["test_vout"]
    attempts = [
        CaseAttempt("test_2_power", "test_vout", 1, vout.model_copy(update={"attempt": 1})),
        CaseAttempt("test_2_power", "test_vout", 2, vout, final=True),
    ]
    run = ExportedRun(report, RUN_ID, started_ms=START * 1000, attempts=attempts)

    def vout_attempts(options: set[str]) -> list[str]:
        text = export_format("csv").write(run, options)
        rows = csv.DictReader(io.StringIO(text))
        return [row["attempt"] for row in rows if row["case_id"] == "test_vout"]

    assert vout_attempts(set()) == ["2"]
    assert vout_attempts({"attempts"}) == ["1", "2"]


def test_a_stored_run_is_read_with_its_times_and_attempts(tmp_path: Path) -> None:
    report = sample_report()
    with Store(tmp_path / "runs.db") as store:
        run_id, new = store.import_report(report, run_id=RUN_ID)
        assert new
        full = read_stored_run(store, run_id[:13])
        assert full.run_id == RUN_ID
        assert full.report == report
        assert full.started_ms == START * 1000 and full.stopped_ms == (START + 42) * 1000
        assert {(a.module_id, a.case_id) for a in full.attempts} >= {("test_2_power", "test_vout")}
        assert all(a.final for a in full.attempts)  # the report's own, no earlier ones
        bare = read_stored_run(store, RUN_ID, attempts=False)
        assert (bare.started_ms, bare.attempts) == (None, ())
        assert DEFAULT_EXPORT.write(bare) == hardpy_json(report, RUN_ID)


def test_the_registry_imports_no_pydantic() -> None:
    # jupyter_server reads the registry while it loads the extension
    code = (
        "import sys; from hardlab.exchange import EXPORT_FORMATS, IMPORT_FORMATS; "
        "EXPORT_FORMATS[0].name; print('pydantic' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
