"""`Store.import_report` keeps each report once; `Store.short_ids` names runs briefly."""

from __future__ import annotations

from pathlib import Path

from _reports import START, report_doc, sample_report

from hardlab.exchange import CaseAttempt
from hardlab.model import ResultRunStore
from hardlab.storage import Store, report_run_id

UUID_A = "01a1fe20-0000-7000-8000-0000000000a1"
UUID_B = "01a1fe20-0000-7000-8000-0000000000b2"


def test_a_report_imported_twice_is_stored_once(store_url: str) -> None:
    report = sample_report()
    with Store(store_url) as store:
        first = store.import_report(report)
        assert first == (report_run_id(report), True)
        assert store.import_report(report) == (first[0], False)
        assert store.count_runs() == 1


def test_the_same_content_under_another_id_is_already_there(store_url: str) -> None:
    # HardPy's CouchDB document and the JsonLoader file of the same run
    couch = sample_report()
    loader = ResultRunStore.model_validate({**report_doc(), "_id": UUID_A, "_rev": "9-zzz"})
    with Store(store_url) as store:
        run_id, new = store.import_report(couch)
        assert new
        assert store.import_report(loader) == (run_id, False)
        # an hour later it is another run, though the rest is alike
        later = ResultRunStore.model_validate(
            {**report_doc(), "_id": UUID_B, "start_time": START + 3600}
        )
        assert store.import_report(later) == (UUID_B, True)
        assert store.count_runs() == 2


def test_two_runs_with_their_own_uuids_are_two_runs_however_alike(store_url: str) -> None:
    with Store(store_url) as store:
        one = ResultRunStore.model_validate({**report_doc(), "_id": UUID_A})
        two = ResultRunStore.model_validate({**report_doc(), "_id": UUID_B})
        assert store.import_report(one) == (UUID_A, True)
        assert store.import_report(two) == (UUID_B, True)


def test_the_run_id_the_document_carries_wins_when_it_is_a_uuid(store_url: str) -> None:
    report = sample_report()
    vout = report.modules["test_2_power"].cases["test_vout"]
    earlier = [
        CaseAttempt(
            "test_2_power",
            "test_vout",
            1,
            vout.model_copy(update={"attempt": 1}),
            started_ms=START * 1000,
            stopped_ms=START * 1000 + 250,
        ),
        CaseAttempt("test_gone", "test_x", 1, vout),  # not in the report: left out
    ]
    with Store(store_url) as store:
        assert store.import_report(report, run_id=UUID_A, attempts=earlier) == (UUID_A, True)
        rows = [a for a in store.attempts(UUID_A) if a["case_id"] == "test_vout"]
        assert [(a["attempt"], a["final"]) for a in rows] == [(1, False), (2, True)]
        assert not [a for a in store.attempts(UUID_A) if a["module_id"] == "test_gone"]
        # a run id that is no UUID is not used
        other = ResultRunStore.model_validate({**report_doc(), "name": "Other board"})
        assert store.import_report(other, run_id="report_1") == (report_run_id(other), True)


def test_short_ids_grow_until_they_name_one_run(store_url: str) -> None:
    ids = [
        "01a1fe20-0000-7000-8000-000000000001",
        "01a1fe20-0000-7000-8000-000000000002",
        "01a1fe21-0000-7000-8000-000000000003",
    ]
    with Store(store_url) as store:
        for run_id in ids:
            store.import_report(
                ResultRunStore.model_validate({**report_doc(), "_id": run_id, "name": run_id})
            )
        assert store.short_ids(ids) == {
            ids[0]: ids[0],  # differs from its neighbour in the last character only
            ids[1]: ids[1],
            ids[2]: "01a1fe21",
        }
        assert store.short_ids(ids[2:], min_length=13) == {ids[2]: "01a1fe21-0000"}
        # never ending in "-": one more character
        assert store.short_ids(ids[2:], min_length=9) == {ids[2]: "01a1fe21-0"}
        assert store.short_ids(["not-stored"]) == {"not-stored": "not-stored"}
        assert store.short_ids([]) == {}


def test_a_sqlite_store_exists_once_its_file_does(tmp_path: Path) -> None:
    with Store(tmp_path / "runs.db") as store:
        assert not store.exists()
        assert not (tmp_path / "runs.db").exists()  # asking created nothing
        assert store.count_runs() == 0
        assert store.exists()
    # a server database is there to ask; no connection is made to say so
    assert Store("postgresql://nobody@127.0.0.1:1/none").exists()
