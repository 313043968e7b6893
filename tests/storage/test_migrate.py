"""Migrations of stores that hold runs: the data survives, ``hardlab export`` is unchanged."""

from __future__ import annotations

import json
import re
from datetime import timezone
from pathlib import Path
from typing import Any

import pytest
from _reports import report_doc
from alembic import command
from sqlalchemy import MetaData, create_engine, inspect, select, text

import hardlab
from hardlab.cli import main
from hardlab.exchange import hardpy_json
from hardlab.model.report import ResultRunStore
from hardlab.storage import Store, _migrate
from hardlab.storage._orm import Base, CaseRow, DocumentRow

from .test_capability import UNEVEN, _spread
from .test_store import _attempt, _document

OLD_HEAD = "20261122_0002"
"""The revision before report documents were compressed into ``hardlab_documents``."""

PLAN = """
import pytest
import hardpy

@pytest.mark.attempt(2)
def test_flaky():
    if hardpy.get_current_attempt() == 1:
        hardpy.set_dut_serial_number("SN-7")
    hardpy.set_case_measurement(hardpy.NumericMeasurement(
        name="v", value=hardpy.get_current_attempt(), unit="V",
        operation=hardpy.ComparisonOperation.LE, comparison_value=1.5))
    assert hardpy.get_current_attempt() == 2

def test_fails():
    hardpy.set_case_artifact({"trace": [1.5, 2.25, 1e-12], "note": "Ünïcode ✓ \\"quoted\\""})
    assert False, hardpy.ErrorCode(5, "broken")
"""


def _fill(url: str, make_plan: Any) -> list[str]:
    """Runs of every kind, in a store at the head: real runs, an import, a dead run."""
    plan = make_plan({"test_1.py": PLAN})
    ids = [str(hardlab.run(plan, store=url, quiet=True, attempt_delay=0).run_id) for _ in range(2)]
    with Store(url) as store:
        ids.append(store.save_report(ResultRunStore.model_validate(report_doc()))[0])
        dead = "01a1fe60-0000-7000-8000-000000000001"
        store.apply(
            [
                {"op": "start", "run_id": dead, "document": _document(dead, status="run")},
                _attempt(dead, 0),
            ]
        )
        with store.engine.begin() as conn:
            conn.execute(
                text("UPDATE hardlab_runs SET status = 'interrupted' WHERE id = :id"), {"id": dead}
            )
    return [*ids, dead]


def _old_store(url: str, source: str, revision: str = OLD_HEAD) -> None:
    """A store at `revision` holding `source`'s rows, as that hardlab kept them."""
    engine = create_engine(url)
    with engine.begin() as conn:
        _migrate.upgrade(conn, revision)
    old = MetaData()
    old.reflect(engine)
    documents_inline = "document" in old.tables["hardlab_runs"].c
    if revision == OLD_HEAD:
        assert documents_inline
        assert "hardlab_documents" not in old.tables
    reader = create_engine(source)
    with reader.connect() as src, engine.begin() as dst:
        documents = dict(src.execute(select(DocumentRow.run_id, DocumentRow.document)).all())
        # measurement rows named their case attempt until 20261203_0008
        attempts = {
            row.id: {"module_id": row.module_id, "case_id": row.case_id, "attempt": row.attempt}
            for row in src.execute(
                select(CaseRow.id, CaseRow.module_id, CaseRow.case_id, CaseRow.attempt)
            )
        }
        for table in Base.metadata.sorted_tables:
            if table.name not in old.tables:
                continue  # a table this revision had not (yet, or any more)
            if table.name == "hardlab_documents":  # as they are: compressed
                raw = text("SELECT run_id, document FROM hardlab_documents")
                rows = [dict(row._mapping) for row in src.execute(raw)]
            else:
                rows = [dict(row._mapping) for row in src.execute(select(table))]
            if table.name == "hardlab_runs" and documents_inline:
                rows = [{**row, "document": documents.get(row["id"])} for row in rows]
            if table.name == "hardlab_measurements" and "case_id" in old.tables[table.name].c:
                rows = [{**row, **attempts[row["case_row_id"]]} for row in rows]
            if rows:
                dst.execute(old.tables[table.name].insert(), rows)
    reader.dispose()
    engine.dispose()


def _exports(url: str, run_ids: list[str], folder: Path) -> dict[str, bytes]:
    folder.mkdir()
    for run_id in run_ids:
        target = folder / f"{run_id}.json"
        argv = ["export", run_id, "--format", "hardpy-json", "-o", str(target), "--db", url]
        assert main(argv) == 0
    return {run_id: (folder / f"{run_id}.json").read_bytes() for run_id in run_ids}


def test_compressed_documents_migration_keeps_every_report(
    store_url: str, make_plan: Any, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    run_ids = _fill(store_url, make_plan)
    before = _exports(store_url, run_ids, tmp_path / "before")
    if store_url.startswith("sqlite"):
        old_url = f"sqlite:///{tmp_path / 'old.db'}"
    else:
        old_url = request.getfixturevalue("postgres").new_database()
    _old_store(old_url, store_url)

    # the old store really is old: hardlab asks for the upgrade, and it holds JSON documents
    with Store(old_url) as store:
        assert store.revision() == OLD_HEAD
        with store.engine.connect() as conn:
            kept = dict(conn.execute(text("SELECT id, document FROM hardlab_runs")).all())
    assert set(kept) == set(run_ids)
    assert main(["db", "upgrade", "--db", old_url]) == 0

    with Store(old_url) as store:
        assert store.revision() == _migrate.SCHEMA_HEAD
        assert store.count_runs() == len(run_ids)
        with store.engine.connect() as conn:
            moved = dict(conn.execute(select(DocumentRow.run_id, DocumentRow.document)).all())
            raw = conn.execute(text("SELECT document FROM hardlab_documents")).scalars().all()
    for run_id, document in kept.items():
        expected = json.loads(document) if isinstance(document, str) else document
        assert moved[run_id] == expected
    assert all(isinstance(value, bytes) for value in raw)  # compressed, not JSON text
    after = _exports(old_url, run_ids, tmp_path / "after")
    if store_url.startswith("sqlite"):
        assert after == before
    else:
        # jsonb kept the old store's documents with its own key order (modules
        # and cases too), and that is what the old hardlab exported: the
        # migration keeps it, byte for byte
        for run_id in run_ids[:3]:  # the finished runs, exported from their document
            report = ResultRunStore.model_validate(kept[run_id])
            # (`hardlab export` ends the file with a newline)
            assert after[run_id] == hardpy_json(report, run_id).encode() + b"\n"
        assert json.loads(after[run_ids[3]]) == json.loads(before[run_ids[3]])

    # the measurements of the migrated store are still found by run, and deleted with it
    with Store(old_url) as store:
        attempts = store.attempts(run_ids[0])
        assert [a["measurements"][0]["value_num"] for a in attempts[:2]] == [1.0, 2.0]
        assert store.delete_run(run_ids[0])
        with store.engine.connect() as conn:
            left = conn.execute(
                text("SELECT COUNT(*) FROM hardlab_measurements WHERE run_id = :id"),
                {"id": run_ids[0]},
            ).scalar()
    assert left == 0


def test_the_migration_goes_back_down(store_url: str, make_plan: Any, tmp_path: Path) -> None:
    run_ids = _fill(store_url, make_plan)
    before = _exports(store_url, run_ids, tmp_path / "before")
    engine = create_engine(store_url)
    with engine.begin() as conn:
        command.downgrade(_migrate.alembic_config(conn), OLD_HEAD)
    with engine.connect() as conn:
        documents = dict(conn.execute(text("SELECT id, document FROM hardlab_runs")).all())
    engine.dispose()
    assert set(documents) == set(run_ids)
    with Store(store_url) as store:
        assert store.upgrade() == _migrate.SCHEMA_HEAD
    after = _exports(store_url, run_ids, tmp_path / "after")
    if store_url.startswith("sqlite"):
        assert after == before
    else:  # the way down went through jsonb, which orders keys its own way
        assert {k: json.loads(v) for k, v in after.items()} == {
            k: json.loads(v) for k, v in before.items()
        }


DAILY_HEAD = "20261203_0006"
"""The revision before measurement statistics were kept per week (``hardlab_measurement_weekly``)."""


def _capabilities(store: Store) -> list[list[dict[str, Any]]]:
    return [
        store.capability(window, by=by, attempts=attempts).dicts()
        for window in UNEVEN
        for by in ((), ("part_number", "stand"))
        for attempts in ("final", "all")
    ]


def test_daily_statistics_become_weekly_with_the_same_answers(store_url: str) -> None:
    with Store(store_url) as store:
        _spread(store)
        before = _capabilities(store)
    engine = create_engine(store_url)
    with engine.begin() as conn:
        command.downgrade(_migrate.alembic_config(conn), DAILY_HEAD)
    with engine.connect() as conn:
        assert "hardlab_measurement_weekly" not in inspect(conn).get_table_names()
        daily = conn.execute(text("SELECT day, n FROM hardlab_measurement_daily")).all()
        values = conn.execute(
            text(
                "SELECT COUNT(*) FROM hardlab_measurements "
                "WHERE kind = 'numeric' AND value_num IS NOT NULL"
            )
        ).scalar_one()
        starts = conn.execute(text("SELECT started_at FROM hardlab_runs")).scalars().all()
    engine.dispose()
    # the way down rebuilt the daily rows: every value of the counted runs, on its run's day
    assert sum(n for _, n in daily) == values
    # (SQLite keeps UTC text; PostgreSQL gives the session's time zone)
    utc_days = {
        start[:10] if isinstance(start, str) else start.astimezone(timezone.utc).date().isoformat()
        for start in starts
    }
    assert {day for day, _ in daily} == utc_days
    assert len(daily) > len({day for day, _ in daily})

    with Store(store_url) as store:
        assert store.revision() == DAILY_HEAD
        assert store.upgrade() == _migrate.SCHEMA_HEAD
        with store.engine.connect() as conn:
            assert "hardlab_measurement_daily" not in inspect(conn).get_table_names()
            weeks = conn.execute(text("SELECT SUM(n), COUNT(*) FROM hardlab_measurement_weekly"))
            total, buckets = weeks.one()
        assert total == values and buckets < len(daily)
        after = _capabilities(store)
    assert len(after) == len(before)
    for old_rows, new_rows in zip(before, after, strict=True):
        assert len(old_rows) == len(new_rows) > 0
        for old_row, new_row in zip(old_rows, new_rows, strict=True):
            exact = {k: v for k, v in new_row.items() if k not in ("mean", "m2")}
            assert exact == {k: v for k, v in old_row.items() if k not in ("mean", "m2")}
            assert new_row["mean"] == pytest.approx(old_row["mean"], rel=1e-12)
            assert new_row["m2"] == pytest.approx(old_row["m2"], rel=1e-9, abs=1e-12)


SLIM_BEFORE = "20261203_0006"
"""The revision before measurement rows stopped repeating their case attempt."""

_REPEATED = ("module_id", "case_id", "attempt")


def _answers(url: str, run_ids: list[str]) -> dict[str, Any]:
    """What history and the store answer about the runs' measurements."""
    history = hardlab.history(url)
    try:
        answers: dict[str, Any] = {
            "measurements": history.measurements(),
            "final": history.measurements(attempts="final", case="test_flaky"),
            "capability": history.capability(method="raw"),
        }
    finally:
        history.close()
    with Store(url) as store:
        answers["attempts"] = {
            run_id: [
                {
                    **a,
                    "measurements": [
                        {k: v for k, v in m.items() if k != "id"} for m in a["measurements"]
                    ],
                }
                for a in store.attempts(run_id)
            ]
            for run_id in run_ids
        }
    return answers


def _count(url: str, sql: str) -> int:
    engine = create_engine(url)
    with engine.connect() as conn:
        count = conn.execute(text(sql)).scalar()
    engine.dispose()
    return int(count or 0)


def _measurement_rows(url: str) -> dict[int, dict[str, Any]]:
    engine = create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT * FROM hardlab_measurements")).all()
    engine.dispose()
    return {row.id: dict(row._mapping) for row in rows}


def _assert_same_answers(got: dict[str, Any], expected: dict[str, Any]) -> None:
    import pandas as pd

    for key in ("measurements", "final", "capability"):
        pd.testing.assert_frame_equal(got[key], expected[key])
    assert got["attempts"] == expected["attempts"]


def test_slim_measurements_migration_keeps_every_value(
    store_url: str, make_plan: Any, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    run_ids = _fill(store_url, make_plan)
    before = _exports(store_url, run_ids, tmp_path / "before")
    answers = _answers(store_url, run_ids)
    assert len(answers["measurements"]) > 0 and len(answers["final"]) > 0
    if store_url.startswith("sqlite"):
        old_url = f"sqlite:///{tmp_path / 'old.db'}"
    else:
        old_url = request.getfixturevalue("postgres").new_database()
    _old_store(old_url, store_url, SLIM_BEFORE)
    old_rows = _measurement_rows(old_url)
    # the old store repeats each measurement's case attempt
    assert all(row["case_id"] for row in old_rows.values())

    with Store(old_url) as store:
        assert store.revision() == SLIM_BEFORE
    # what a case lacked was JSON null there
    json_nulls = "SELECT COUNT(*) FROM hardlab_cases WHERE chart = 'null'"
    no_chart = "SELECT COUNT(*) FROM hardlab_cases WHERE chart IS NULL"
    assert _count(old_url, json_nulls) > 0
    assert _count(old_url, no_chart) == 0
    sqlite = old_url.startswith("sqlite")
    times_as = "SELECT COUNT(*) FROM hardlab_cases WHERE typeof(started_at) = '{}'"
    cases = _count(old_url, "SELECT COUNT(*) FROM hardlab_cases WHERE started_at IS NOT NULL")
    if sqlite:  # the case attempts' times were text there
        assert cases > 0
        assert _count(old_url, times_as.format("text")) == cases
    assert main(["db", "upgrade", "--db", old_url]) == 0
    assert _count(old_url, json_nulls) == 0
    assert _count(old_url, no_chart) > 0
    if sqlite:  # and are integer microseconds now (the same times: the answers below)
        assert _count(old_url, times_as.format("integer")) == cases

    with Store(old_url) as store:
        assert store.revision() == _migrate.SCHEMA_HEAD
    new_rows = _measurement_rows(old_url)
    assert new_rows == {
        row_id: {k: v for k, v in row.items() if k not in _REPEATED}
        for row_id, row in old_rows.items()
    }
    _assert_same_answers(_answers(old_url, run_ids), answers)
    assert _exports(old_url, run_ids, tmp_path / "after") == before


def test_slim_measurements_go_back_down(store_url: str, make_plan: Any, tmp_path: Path) -> None:
    run_ids = _fill(store_url, make_plan)
    before = _exports(store_url, run_ids, tmp_path / "before")
    answers = _answers(store_url, run_ids)
    rows = _measurement_rows(store_url)
    engine = create_engine(store_url)
    with engine.begin() as conn:
        command.downgrade(_migrate.alembic_config(conn), SLIM_BEFORE)
    with engine.connect() as conn:
        refilled = conn.execute(
            text(
                "SELECT m.id, m.module_id, m.case_id, m.attempt, "
                "c.module_id, c.case_id, c.attempt FROM hardlab_measurements m "
                "JOIN hardlab_cases c ON c.id = m.case_row_id"
            )
        ).all()
    engine.dispose()
    # every measurement names its case attempt again, as its case row does
    assert len(refilled) == len(rows)
    assert all(tuple(row[1:4]) == tuple(row[4:7]) for row in refilled)
    if store_url.startswith("sqlite"):
        # the case attempts' times are text again, as SQLAlchemy's DATETIME writes it
        engine = create_engine(store_url)
        with engine.connect() as conn:
            times = conn.execute(text("SELECT started_at, stopped_at FROM hardlab_cases")).all()
        engine.dispose()
        assert times
        pattern = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}")
        assert all(pattern.fullmatch(value) for row in times for value in row if value is not None)
    with Store(store_url) as store:
        assert store.upgrade() == _migrate.SCHEMA_HEAD
    assert _measurement_rows(store_url) == rows
    _assert_same_answers(_answers(store_url, run_ids), answers)
    assert _exports(store_url, run_ids, tmp_path / "after") == before
