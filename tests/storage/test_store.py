"""The store's schema, migrations, write path and recovery, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from _store_sql import query
from sqlalchemy import create_engine, text

import hardlab
from hardlab.errors import ConfigError, SchemaOutOfDateError, StorageError
from hardlab.model import TestStatus
from hardlab.storage import RunFilter, Store, _migrate, resolve_url
from hardlab.storage._orm import Base

# ---------------------------------------------------------------- URLs


def test_resolve_url_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = hardlab.HardpyConfig.model_validate({"database": {"url": "sqlite:///from-toml.db"}})
    monkeypatch.delenv("HARDLAB_DB_URL", raising=False)
    assert resolve_url(None, None).endswith("/hardlab.db")
    assert resolve_url(None, config) == "sqlite:///from-toml.db"
    monkeypatch.setenv("HARDLAB_DB_URL", "sqlite:///from-env.db")
    assert resolve_url(None, config) == "sqlite:///from-env.db"
    assert resolve_url("sqlite:///explicit.db", config) == "sqlite:///explicit.db"
    assert resolve_url(tmp_path / "plain.db") == f"sqlite:///{tmp_path / 'plain.db'}"
    assert resolve_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert resolve_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"


def test_a_store_that_is_neither_sqlite_nor_postgresql_is_named_with_its_source(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from hardlab.config import load_config
    from hardlab.storage import DB_ENV, check_url

    check_url(resolve_url(tmp_path / "runs.db"))
    check_url(resolve_url("postgres://u@h/db"))
    (tmp_path / "hardpy.toml").write_text('[database]\nurl = "mssql://u:pw@h/db"\n')
    config = load_config(tmp_path)
    monkeypatch.delenv(DB_ENV, raising=False)
    with pytest.raises(ConfigError) as caught:
        check_url(resolve_url(None, config), None, config)
    text = str(caught.value)
    assert text.startswith("[database] url in hardpy.toml is 'mssql://u:***@h/db'"), text
    assert "not mssql" in text and "sqlite:///" in text and "pw" not in text
    monkeypatch.setenv(DB_ENV, "mysql://h/db")
    with pytest.raises(ConfigError, match=r"^\$HARDLAB_DB_URL is 'mysql://h/db'"):
        check_url(resolve_url(None, config), None, config)
    with pytest.raises(ConfigError, match=r"^the store given is 'oracle://h/db'"):
        check_url(resolve_url("oracle://h/db"), "oracle://h/db", config)


def test_bad_urls_are_clear() -> None:
    with pytest.raises(ConfigError, match="not a database URL"):
        Store("sqlite:/nonsense:://")
    with pytest.raises(StorageError, match="SQLite or PostgreSQL, not mysql"):
        Store("mysql://u@h/db").count_runs()


# ---------------------------------------------------------------- schema and migrations


def test_head_matches_the_revision_files() -> None:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(_migrate.alembic_config())
    assert script.get_heads() == [_migrate.SCHEMA_HEAD]


@pytest.mark.parametrize("how", ["migrations", "first use"])
def test_schema_matches_the_models(store_url: str, how: str) -> None:
    """Migrating an empty database to head, or creating it on first use, gives the models' schema."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    store = Store(store_url)
    if how == "migrations":
        assert store.upgrade() == _migrate.SCHEMA_HEAD
    else:
        assert store.count_runs() == 0
    assert store.revision() == _migrate.SCHEMA_HEAD
    engine = create_engine(store.url)
    with engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "version_table": _migrate.VERSION_TABLE}
        )
        assert compare_metadata(context, Base.metadata) == []
    engine.dispose()
    store.close()


def test_an_old_schema_names_the_upgrade_command(store_url: str) -> None:
    with Store(store_url) as store:
        store.count_runs()
        with store.engine.begin() as conn:
            conn.execute(text(f"UPDATE {_migrate.VERSION_TABLE} SET version_num = '20200101_0000'"))
    with pytest.raises(SchemaOutOfDateError, match="hardlab db upgrade"), Store(store_url) as store:
        store.count_runs()
    with Store(store_url) as store:
        with store.engine.begin() as conn:
            conn.execute(text(f"UPDATE {_migrate.VERSION_TABLE} SET version_num = '29990101_0000'"))
        with pytest.raises(StorageError, match="newer than this hardlab"):
            store.count_runs()


def test_nothing_happens_at_construction(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "store.db"
    store = Store(path)
    assert not path.exists()
    assert "store.db" in repr(store)
    assert store.count_runs() == 0
    assert path.exists()
    store.close()


# ---------------------------------------------------------------- the write path


def _document(run_id: str, status: str = "passed", cases: int = 2) -> dict[str, Any]:
    start = 1_795_000_000
    return {
        "id": run_id,
        "rev": run_id,
        "name": "write path",
        "status": status,
        "start_time": start,
        "stop_time": start + 5 if status != "run" else None,
        "test_stand": {"name": "stand A", "hw_id": "hw"},
        "dut": {"serial_number": "SN-1", "part_number": "PN-1"},
        "process": {},
        "modules": {
            "test_m": {
                "status": status if status != "run" else "run",
                "name": "Module",
                "group": "main",
                "start_time": start,
                "stop_time": None,
                "cases": {
                    f"test_{i}": {
                        "status": "ready",
                        "name": f"Case {i}",
                        "group": "main",
                        "start_time": None,
                        "stop_time": None,
                    }
                    for i in range(cases)
                },
            }
        },
    }


def _attempt(
    run_id: str, i: int, attempt: int = 1, final: bool = True, value: float = 1.0
) -> dict[str, Any]:
    return {
        "op": "attempt",
        "run_id": run_id,
        "module_id": "test_m",
        "module_name": "Module",
        "case_id": f"test_{i}",
        "attempt": attempt,
        "final": final,
        "position": i,
        "started_ns": 1_795_000_001_000_000_000 + i * 10**9,
        "finished_ns": 1_795_000_001_500_000_000 + i * 10**9,
        "case": {
            "status": "passed" if final else "failed",
            "name": f"Case {i}",
            "group": "main",
            "start_time": 1_795_000_001 + i,
            "stop_time": 1_795_000_002 + i,
            "attempt": attempt,
            "msg": {"k": f"attempt {attempt}"},
            "measurements": [
                {"type": "numeric", "name": "v", "value": value, "unit": "V",
                 "operation": "gele", "lower_limit": 0, "upper_limit": 2, "result": True},
                {"type": "string", "name": "fw", "value": "1.0", "operation": "eq",
                 "comparison_value": "1.0", "result": True},
            ],
        },
    }  # fmt: skip


def test_messages_are_idempotent(store_url: str) -> None:
    run_id = "01a1fe20-0000-7000-8000-000000000001"
    skeleton = _document(run_id, status="run")
    final = _document(run_id)
    for module in final["modules"].values():
        for case in module["cases"].values():
            case.update(status="passed", start_time=1, stop_time=2, attempt=1)
    batch = [
        {
            "op": "start",
            "run_id": run_id,
            "document": skeleton,
            "started_ns": 1_795_000_000_000_000_000,
        },
        {
            "op": "meta",
            "run_id": run_id,
            "document": {"dut": {"serial_number": "SN-9"}},
            "progress": 50,
        },
        _attempt(run_id, 0, attempt=1, final=False, value=3.0),
        _attempt(run_id, 0, attempt=2, final=True),
        _attempt(run_id, 1),
        {"op": "finish", "run_id": run_id, "document": final, "exit_code": 0, "progress": 100},
    ]
    with Store(store_url) as store:
        store.apply(batch)
        store.apply(batch)  # a writer that retries a batch must not duplicate anything
        attempts = store.attempts(run_id)
        assert [(a["case_id"], a["attempt"], a["final"]) for a in attempts] == [
            ("test_0", 1, False),
            ("test_0", 2, True),
            ("test_1", 1, True),
        ]
        assert all(len(a["measurements"]) == 2 for a in attempts)
        row = store.run_row(run_id)
        assert row["status"] == "passed" and row["exit_code"] == 0
        assert row["dut_serial_number"] == "SN-1"  # the final document wins over the meta
        assert row["cases_passed"] == 2
        assert row["aggregated"] is True
        daily = query(
            store,
            text("SELECT name, n, mean, final FROM hardlab_measurement_weekly ORDER BY final"),
        ).dicts()
        assert [(d["name"], d["n"], d["final"]) for d in daily] == [("v", 1, False), ("v", 2, True)]
        assert daily[0]["mean"] == pytest.approx(3.0)
        assert store.get_report(run_id[:12]).status == TestStatus.PASSED


def test_ids_are_found_by_unique_prefix(store_url: str) -> None:
    with Store(store_url) as store:
        for suffix in ("a1", "a2"):
            run_id = f"01a1fe20-0000-7000-8000-0000000000{suffix}"
            store.apply([{"op": "start", "run_id": run_id, "document": _document(run_id, "run")}])
        with pytest.raises(StorageError, match="ambiguous"):
            store.get_report("01a1fe20-0000-7000-8000-0000000000a")
        with pytest.raises(StorageError, match="hardlab runs"):
            store.get_report("ffff")
        assert store.run_row("01a1fe20-0000-7000-8000-0000000000a2")["status"] == "run"
        # LIKE's wildcards in what the user typed are plain characters
        for pattern in ("%", "01a1fe20_", "01a1fe20-0000-7000-8000-0000000000_2"):
            with pytest.raises(StorageError, match="no run"):
                store.get_report(pattern)


# ---------------------------------------------------------------- recovery


def _open_run(store: Store, run_id: str, host: str, pid: int, heartbeat: datetime) -> None:
    store.apply(
        [
            {
                "op": "start",
                "run_id": run_id,
                "document": _document(run_id, "run"),
                "host": host,
                "writer_pid": pid,
            },
            _attempt(run_id, 0),
        ]
    )
    with store.engine.begin() as conn:
        conn.execute(
            text("UPDATE hardlab_runs SET heartbeat_at = :beat WHERE id = :id"),
            {
                "beat": heartbeat
                if store.dialect == "postgresql"
                else heartbeat.replace(tzinfo=None),
                "id": run_id,
            },
        )


def _dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_dead_runs_are_marked_interrupted_on_the_next_open(store_url: str) -> None:
    now = datetime.now(timezone.utc)
    here = socket.gethostname()
    with Store(store_url) as store:
        _open_run(store, "01a1fe20-0000-7000-8000-00000000dead", here, _dead_pid(), now)
        _open_run(store, "01a1fe20-0000-7000-8000-0000000a11fe", here, os.getpid(), now)
        _open_run(
            store,
            "01a1fe20-0000-7000-8000-00000000057a",
            "other-stand",
            1,
            now - timedelta(hours=1),
        )
        _open_run(store, "01a1fe20-0000-7000-8000-0000000f4e54", "other-stand", 1, now)
    with Store(store_url) as store:
        statuses = {row["id"][-4:]: row["status"] for row in store.runs().dicts()}
        assert statuses == {
            "dead": "interrupted",
            "11fe": "run",
            "057a": "interrupted",
            "4e54": "run",
        }
        report = store.get_report("01a1fe20-0000-7000-8000-00000000dead")
        cases = report.modules["test_m"].cases
        # the stored case kept its result; HardPy's stop rule for the rest
        assert cases["test_0"].status == TestStatus.PASSED
        assert cases["test_1"].status == TestStatus.STOPPED
        assert report.status == TestStatus.STOPPED
        assert report.dut.serial_number == "SN-1"
        assert store.run_row("01a1fe20-0000-7000-8000-00000000dead")["aggregated"] is True
        assert {row["id"][-4:] for row in store.runs(RunFilter(status="interrupted")).dicts()} == {
            "dead",
            "057a",
        }


# ---------------------------------------------------------------- through real runs


def test_a_run_is_stored_as_it_goes(store_url: str, make_plan: Any) -> None:
    plan = make_plan(
        {
            "test_1.py": """
                import pytest
                import hardpy

                @pytest.mark.attempt(2)
                def test_flaky():
                    hardpy.set_dut_serial_number("SN-7") if hardpy.get_current_attempt() == 1 else None
                    hardpy.set_case_measurement(hardpy.NumericMeasurement(
                        name="v", value=hardpy.get_current_attempt(), unit="V",
                        operation=hardpy.ComparisonOperation.LE, comparison_value=1.5))
                    assert hardpy.get_current_attempt() == 2

                def test_fails():
                    assert False, hardpy.ErrorCode(5, "broken")
                """
        }
    )
    result = hardlab.run(plan, store=store_url, quiet=True, attempt_delay=0)
    assert result.store_url is not None and not result.errors
    with Store(store_url) as store:
        row = store.run_row(str(result.run_id))
        assert (row["status"], row["error_code"], row["dut_serial_number"]) == ("failed", 5, "SN-7")
        assert row["caused_dut_failure_id"] == "test_1::test_fails"
        assert row["started_at"].tzinfo is not None and row["duration_s"] > 0
        attempts = store.attempts(str(result.run_id))
        flaky = [
            (a["attempt"], a["final"], a["status"])
            for a in attempts
            if a["case_id"] == "test_flaky"
        ]
        assert flaky == [(1, False, "failed"), (2, True, "passed")]
        values = [
            a["measurements"][0]["value_num"] for a in attempts if a["case_id"] == "test_flaky"
        ]
        assert values == [1.0, 2.0]
        stored = store.get_report(str(result.run_id))
        assert stored.model_dump(exclude={"id"}) == result.report.model_dump(exclude={"id"})


def test_an_unusable_store_stops_the_run_before_it_starts(tmp_path: Path, make_plan: Any) -> None:
    db = tmp_path / "old.db"
    with Store(db) as store:
        store.count_runs()
        with store.engine.begin() as conn:
            conn.execute(text(f"UPDATE {_migrate.VERSION_TABLE} SET version_num = '20200101_0000'"))
    plan = make_plan(
        {"test_1.py": "import pathlib\n\ndef test_one():\n    pathlib.Path('ran').touch()\n"}
    )
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "--hardlab", f"--hardlab-db={db}"],
        cwd=plan,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == pytest.ExitCode.INTERNAL_ERROR, done.stdout + done.stderr
    assert "hardlab db upgrade" in done.stdout + done.stderr
    assert not (plan / "ran").exists()


def test_a_lost_writer_keeps_the_report_as_json(
    tmp_path: Path, make_plan: Any, hardlab_home: Path
) -> None:
    plan = make_plan({"test_1.py": "def test_one():\n    pass\n\ndef test_two():\n    pass\n"})

    states: list[Any] = []  # the live run, whose listeners include the store's sink

    class KillTheWriter:
        """Kills the store's writer process once the first case has ended."""

        def handle(self, event: Any) -> None:
            from hardlab.events import CaseFinished
            from hardlab.storage import StoreSink

            if isinstance(event, CaseFinished) and event.attempt.case_id == "test_one":
                (sink,) = [s for s in states[0].listeners if isinstance(s, StoreSink)]
                process = sink._process
                assert process is not None
                process.kill()
                process.wait()

    result = hardlab.run(
        plan,
        store=tmp_path / "store.db",
        listeners=[KillTheWriter()],
        quiet=True,
        on_run=states.append,
    )
    assert result.passed
    assert result.store_url is None
    saved = hardlab_home / "unsaved" / f"{result.run_id}.json"
    assert json.loads(saved.read_text())["status"] == "passed"
    assert any(f"hardlab import {saved}" in error for error in result.errors)
