"""`Store.import_report` keeps each report once; `Store.short_ids` names runs briefly."""

from __future__ import annotations

import json
import socket
import time
from pathlib import Path
from typing import Any

from _reports import START, report_doc, sample_report

import hardlab
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


# ------------------------------------------------------------------ what a failed store left


def _beyond_float_report() -> ResultRunStore:
    doc = report_doc()
    case = doc["modules"]["test_2_power"]["cases"]["test_vout"]
    case["measurements"] = [
        {"type": "numeric", "name": "count", "value": 10**400},
        {"type": "numeric", "value": 1, "operation": "lt", "comparison_value": -(10**309)},
    ]
    return ResultRunStore.model_validate(doc)


def test_integers_beyond_float_range_are_stored_losslessly(store_url: str) -> None:
    # HardPy takes any int; a report file holding one crashed the import (issue 14)
    report = _beyond_float_report()
    with Store(store_url) as store:
        run_id, new = store.import_report(report)
        assert new
        rows = [m for m in store.measurements().dicts() if m["case_id"] == "test_vout"]
        assert [(m["value"], m["value_str"]) for m in rows] == [
            (None, str(10**400)),
            (None if rows[1]["value"] is None else 1.0, None),
        ]
        vout = store.get_report(run_id).modules["test_2_power"].cases["test_vout"]
        assert [m.value for m in vout.measurements] == [10**400, 1]
        assert vout.measurements[1].comparison_value == -(10**309)
        assert store.import_report(report) == (run_id, False)


def test_hardlab_import_takes_a_file_with_an_int_beyond_float_range(tmp_path: Path) -> None:
    from hardlab.exchange import import_paths

    path = tmp_path / "report.json"
    path.write_text(_beyond_float_report().model_dump_json(), encoding="utf-8")
    with Store(tmp_path / "store.db") as store:
        summary = import_paths(store, [path])
        assert len(summary.imported) == 1 and not summary.skipped
        rebuilt = store.get_report(summary.imported[0])
        assert rebuilt.modules["test_2_power"].cases["test_vout"].measurements[0].value == 10**400


def test_a_run_whose_writer_died_is_completed_from_its_report(
    tmp_path: Path, make_plan: Any, hardlab_home: Path
) -> None:
    from hardlab.events import CaseFinished
    from hardlab.exchange import import_paths
    from hardlab.storage import StoreSink

    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()  # nothing answers there: the run's own upload fails at once
    plan = make_plan(
        {
            "test_1.py": """
                import hardlab

                def test_one():
                    hardlab.set_case_measurement(hardlab.NumericMeasurement(value=1.5, name="v"))

                def test_two():
                    hardlab.set_case_measurement(hardlab.NumericMeasurement(value=2.5, name="v"))

                def test_three():
                    pass
            """,
            "hardpy.toml": f"""
                [stand_cloud]
                address = "127.0.0.1:{port}"
                autosync = true
                autosync_timeout = 1
            """,
        }
    )
    states: list[Any] = []

    class KillTheWriter:
        """Kills the store's writer once the first case is stored, as the second ends."""

        def handle(self, event: Any) -> None:
            if isinstance(event, CaseFinished) and event.attempt.case_id == "test_two":
                (sink,) = [s for s in states[0].listeners if isinstance(s, StoreSink)]
                deadline = time.monotonic() + 10
                while time.monotonic() < deadline and not _stored_cases(db):
                    time.sleep(0.02)
                sink._process.kill()
                sink._process.wait()

    db = tmp_path / "store.db"
    result = hardlab.run(
        plan, store=db, listeners=[KillTheWriter()], quiet=True, on_run=states.append
    )
    assert result.passed
    run_id = str(result.run_id)
    saved = hardlab_home / "unsaved" / f"{run_id}.json"
    note = saved.with_suffix(".standcloud")
    assert json.loads(note.read_text())["address"] == f"127.0.0.1:{port}"
    assert any("queued for StandCloud" in error for error in result.errors), result.errors
    with Store(db) as store:
        store.recover()
        assert store.run_row(run_id)["status"] == "interrupted"
        assert _stored_cases(db) == ["test_one"]

        first = import_paths(store, [saved])
        assert first.imported == [run_id] and not first.present, first
        row = store.run_row(run_id)
        assert row["status"] == "passed"
        assert sorted(_stored_cases(db)) == ["test_one", "test_three", "test_two"]
        values = sorted(m["value"] for m in store.measurements().dicts())
        assert values == [1.5, 2.5]
        assert [e.run_id for e in store.outbox.entries()] == [run_id]
        stored = store.get_report(run_id)
        assert stored.model_dump(exclude={"id"}) == result.report.model_dump(exclude={"id"})

        again = import_paths(store, [saved, saved.parent])
        assert again.imported == [] and again.present == [run_id], again
        assert [e.run_id for e in store.outbox.entries()] == [run_id]
        assert store.count_runs() == 1


def _stored_cases(db: Path) -> list[str]:
    import sqlite3

    if not db.exists():
        return []
    with sqlite3.connect(db) as conn:
        try:
            rows = conn.execute("SELECT case_id FROM hardlab_cases").fetchall()
        except sqlite3.OperationalError:
            return []
    return [r[0] for r in rows]
