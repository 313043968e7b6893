"""`import_paths`: reports from files and folders into a store, each once."""

from __future__ import annotations

import json
from pathlib import Path

from _reports import report_doc, sample_report

from hardlab.exchange import JsonLoader, import_paths, to_openhtf
from hardlab.storage import Store

RUN_ID = "01a1fe20-0000-7000-8000-00000000c0de"


def test_files_and_folders_are_imported_once(tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    JsonLoader(reports).load(sample_report(), RUN_ID)
    # HardPy's .hardpy storage: the runstore copy of the same run, and the panel's state
    storage = tmp_path / ".hardpy" / "storage"
    (storage / "runstore").mkdir(parents=True)
    (storage / "statestore").mkdir()
    (storage / "runstore" / "runstore.json").write_text(json.dumps(report_doc()))
    (storage / "statestore" / "state.json").write_text("{}")
    record = to_openhtf(sample_report(name="Other board"), run_id=None)
    (tmp_path / "record.json").write_text(json.dumps(record))
    (tmp_path / "broken.json").write_text("{")
    with Store(tmp_path / "runs.db") as store:
        summary = import_paths(
            store,
            [reports, tmp_path / ".hardpy", tmp_path / "record.json", tmp_path / "broken.json",
             tmp_path / "missing"],
        )  # fmt: skip
        assert summary.imported[0] == RUN_ID and len(summary.imported) == 2
        assert summary.present == [RUN_ID]  # the runstore copy has the same content
        assert [label for label, _ in summary.left_out] == [str(storage / "statestore")]
        assert sorted(Path(label).name for label, _ in summary.skipped) == [
            "broken.json",
            "missing",
        ]
        again = import_paths(store, [reports], expect="openhtf")
        assert again.imported == [] and len(again.skipped) == 1
        assert "not an OpenHTF test record" in again.skipped[0][1]
        assert store.count_runs() == 2
