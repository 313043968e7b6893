"""The writer process's own path to SQLite: the same rows as `Store`, no SQLAlchemy, bulk input."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from _store_sql import query
from sqlalchemy import select, text

from hardlab.errors import SchemaOutOfDateError
from hardlab.storage import Store, _migrate
from hardlab.storage._messages import Finish, Module, Start, decode, encode, encode_start
from hardlab.storage._orm import OutboxRow
from hardlab.storage._types import unpack_text
from hardlab.storage._worker import PipeInbox, SqliteTarget, open_target

from .test_store import _attempt, _document

RUN_ID = "01a1fe20-0000-7000-8000-0000000001ea"


def _messages(run_id: str = RUN_ID) -> list[dict[str, Any]]:
    skeleton = _document(run_id, status="run", cases=3)
    final = _document(run_id, cases=3)
    for i, case in enumerate(final["modules"]["test_m"]["cases"].values()):
        case.update(status="passed", start_time=1_795_000_001 + i, stop_time=1_795_000_002 + i)
    final["modules"]["test_m"]["artifact"] = {"log": "module log"}
    return [
        {
            "op": "start",
            "run_id": run_id,
            "document": skeleton,
            "started_ns": 1_795_000_000_123_456_789,
            "host": "stand-7",
            "writer_pid": 4242,
        },
        {
            "op": "meta",
            "run_id": run_id,
            "document": {"dut": {"serial_number": "SN-2", "part_number": "PN-1"}},
            "progress": 30,
        },
        _attempt(run_id, 0, attempt=1, final=False, value=3.0),
        _attempt(run_id, 0, attempt=2, final=True, value=1.5),
        _attempt(run_id, 1),
        _attempt(run_id, 2, value=0.25),
        {
            "op": "finish",
            "run_id": run_id,
            "document": final,
            "exit_code": 0,
            "progress": 100,
            "finished_ns": 1_795_000_009_000_000_000,
            "outbox": {"address": "sc.example.com", "api_mode": "hardpy"},
        },
    ]


def _case_of(column: str) -> str:
    """A measurement's case row's `column`, in SQL."""
    return f"(SELECT c.{column} FROM hardlab_cases c WHERE c.id = case_row_id)"


def _tables(url: str) -> dict[str, list[dict[str, Any]]]:
    """Every row a run left, as `Store` (SQLAlchemy) reads them, minus clock-dependent columns."""
    volatile = {"heartbeat_at", "queued_at", "next_attempt_at", "id", "case_row_id"}
    tables: dict[str, list[dict[str, Any]]] = {}
    with Store(url) as store:
        for table, order in (
            ("hardlab_runs", "id"),
            ("hardlab_modules", "module_id"),
            ("hardlab_cases", "position, attempt"),
            # (in the order of their case attempts, which their case rows name)
            ("hardlab_measurements", f"{_case_of('case_id')}, {_case_of('attempt')}, position"),
            ("hardlab_measurement_weekly", "final"),
            ("hardlab_outbox", "run_id"),
        ):
            rows = query(store, text(f"SELECT * FROM {table} ORDER BY {order}")).dicts()
            tables[table] = [{k: v for k, v in row.items() if k not in volatile} for row in rows]
        # typed as the ORM reads them: timestamps come back aware, JSON as objects
        tables["run"] = [store.run_row(RUN_ID)]
        tables["attempts"] = [
            {k: v for k, v in a.items() if k not in volatile and k != "measurements"}
            for a in store.attempts(RUN_ID)
        ]
        tables["report"] = [store.get_report(RUN_ID).model_dump(mode="json")]
    tables["run"][0].pop("heartbeat_at")
    return tables


def _fresh(tmp_path: Path, name: str) -> str:
    url = f"sqlite:///{tmp_path / name}"
    with Store(url) as store:
        store.count_runs()  # creates the schema
    return url


def test_the_writer_writes_what_store_writes(tmp_path: Path) -> None:
    by_store, by_writer = _fresh(tmp_path, "store.db"), _fresh(tmp_path, "writer.db")
    messages = _messages()
    with Store(by_store) as store:
        store.apply(messages[:2])
        store.apply(messages[2:])
    target = open_target(by_writer)
    assert isinstance(target, SqliteTarget)
    target.apply(messages[:2])
    target.apply(messages[2:])
    target.close()
    stored, written = _tables(by_store), _tables(by_writer)
    assert written == stored
    run = written["run"][0]
    assert run["started_at"] == datetime(2026, 11, 18, 11, 6, 40, 123457, tzinfo=timezone.utc)
    assert (run["host"], run["writer_pid"], run["status"]) == ("stand-7", 4242, "passed")
    assert run["aggregated"] is True and run["cases_passed"] == 3
    assert written["attempts"][0]["messages"] == {"k": "attempt 1"}
    assert [d["n"] for d in written["hardlab_measurement_weekly"]] == [1, 3]
    assert written["hardlab_outbox"][0]["state"] == "pending"


def test_what_a_case_or_module_lacks_takes_no_json_null(tmp_path: Path) -> None:
    url = _fresh(tmp_path, "writer.db")
    target = open_target(url)
    target.apply(_messages())
    target.close()
    with Store(url) as store:
        cases = query(
            store,
            text(
                "SELECT messages, artifact, chart FROM hardlab_cases WHERE final = 1 "
                "ORDER BY position"
            ),
        ).records
        modules = query(store, text("SELECT artifact FROM hardlab_modules")).records
        attempts = store.attempts(RUN_ID)
    # SQL NULL, not the text 'null'; read back as None all the same
    assert [tuple(row) for row in cases] == [
        ('{"k": "attempt 2"}', None, None),
        ('{"k": "attempt 1"}', None, None),
        ('{"k": "attempt 1"}', None, None),
    ]
    assert [tuple(row) for row in modules] == [('{"log": "module log"}',)]
    assert [a["chart"] for a in attempts] == [None] * len(attempts)


def test_the_outbox_row_of_a_run_is_the_one_enqueue_writes(store_url: str) -> None:
    with Store(store_url) as store:
        for run_id in ("run-a", "run-b"):
            store.apply([{"op": "start", "run_id": run_id, "document": _document(run_id, "run")}])
        # run-a owes its upload from its end, run-b from `hardlab sc-enqueue` once stored
        outbox = {"address": "sc.example.com", "api_mode": "hardpy"}
        store.apply(
            [{"op": "finish", "run_id": "run-a", "document": _document("run-a"), "outbox": outbox}]
        )
        store.apply([{"op": "finish", "run_id": "run-b", "document": _document("run-b")}])
        assert store.outbox.enqueue(["run-b"], address="sc.example.com") == ["run-b"]
        rows = query(store, select(OutboxRow.__table__).order_by(OutboxRow.run_id)).dicts()
    assert len(rows) == 2
    for row in rows:
        assert isinstance(row["queued_at"], datetime) and row["queued_at"].tzinfo is not None
        row.update(run_id=None, queued_at=None, next_attempt_at=None)
    assert rows[0] == rows[1]


def test_the_writer_does_not_import_sqlalchemy_for_a_store_at_head(tmp_path: Path) -> None:
    url = _fresh(tmp_path, "store.db")
    script = (
        "import json, sys\n"
        "from hardlab.storage._worker import open_target\n"
        "target = open_target(sys.argv[1])\n"
        "target.apply(json.loads(sys.stdin.read()))\n"
        "target.close()\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('sqlalchemy', 'pydantic')))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, url],
        input=json.dumps(_messages()),
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.strip() == "[]"
    with Store(url) as store:
        assert store.run_row(RUN_ID)["status"] == "passed"


def test_a_new_file_and_an_old_schema_go_through_store(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'deep' / 'new.db'}"
    target = open_target(url)  # created, with the folder, by Store
    target.apply(_messages())
    target.close()
    with Store(url) as store:
        assert store.revision() == _migrate.SCHEMA_HEAD
        assert store.count_runs() == 1
        with store.engine.begin() as conn:
            conn.execute(text(f"UPDATE {_migrate.VERSION_TABLE} SET version_num = '20200101_0001'"))
    with pytest.raises(SchemaOutOfDateError, match="hardlab db upgrade"):
        open_target(url)


def test_opening_marks_runs_whose_writer_died_interrupted(tmp_path: Path) -> None:
    url = _fresh(tmp_path, "store.db")
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    start, *_ = _messages()
    with Store(url) as store:
        store.apply(
            [
                {**start, "host": socket.gethostname(), "writer_pid": process.pid},
                _attempt(RUN_ID, 0),
            ]
        )
    target = open_target(url)
    target.close()
    with Store(url) as store:
        row = store.run_row(RUN_ID)
        assert row["status"] == "interrupted" and row["aggregated"] is True
        # the later of its last case's end and its writer's last sign of life
        assert row["stopped_at"] == row["heartbeat_at"]
        assert store.attempts(RUN_ID)[0]["stopped_at"] < row["stopped_at"]


# ---------------------------------------------------------------- input


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX pipes")
def test_the_inbox_takes_whole_messages_in_bulk() -> None:
    read, write = os.pipe()
    inbox = PipeInbox(read)
    try:
        assert inbox.take() == []
        os.write(write, b'{"n": 1}\n{"n": 2}\n\n{"n": 3')
        inbox.wait(10)
        assert inbox.take() == [b'{"n": 1}', b'{"n": 2}']
        os.write(write, b"}\n")
        assert inbox.take() == [b'{"n": 3}']
        assert not inbox.ended()
        os.write(write, b'{"n": 4}\n{"cut sh')  # the run dies in the middle of a message
        os.close(write)
        write = -1
        inbox.wait(10, hangup_only=True)
        assert inbox.take() == [b'{"n": 4}']
        assert inbox.ended()
    finally:
        os.close(read)
        if write >= 0:
            os.close(write)


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX pipes")
def test_waiting_out_a_batch_ends_when_the_run_hangs_up() -> None:
    read, write = os.pipe()
    inbox = PipeInbox(read)
    woke = threading.Event()

    def wait() -> None:
        inbox.wait(60, hangup_only=True)
        woke.set()

    waiter = threading.Thread(target=wait)
    waiter.start()
    try:
        os.close(write)
        assert woke.wait(30), "the hang-up did not end the wait"
        assert inbox.take() == [] and inbox.ended()
    finally:
        waiter.join()
        os.close(read)


def test_a_document_is_stored_as_the_run_serialised_it(tmp_path: Path) -> None:
    url = _fresh(tmp_path, "store.db")
    start, *_, finish = _messages()
    # as the run's sink writes them: the document's JSON text last, spaced as it was
    lines = [
        encode(Start(RUN_ID, {}, document_json=json.dumps(start["document"], indent=1))),
        encode(Finish(RUN_ID, {}, exit_code=0, document_json=json.dumps(finish["document"]))),
    ]
    parsed = [decode(line.rstrip(b"\n")) for line in lines]
    assert isinstance(parsed[0], Start) and isinstance(parsed[1], Finish)
    assert [p.document for p in parsed] == [start["document"], finish["document"]]
    target = open_target(url)
    target.apply(parsed)
    target.close()
    with Store(url) as store:
        stored = query(store, text("SELECT document FROM hardlab_documents")).records[0][0]
        # kept compressed (hardlab.storage._types.pack_json), the text as it came
        assert unpack_text(stored) == parsed[1].document_json == json.dumps(finish["document"])
        assert store.get_report(RUN_ID).status.value == "passed"


def test_the_document_marker_inside_a_string_is_not_the_document() -> None:
    host = ',"document":{"x":1}}'
    document = '{"dut":{"serial_number":"A\\",\\"document\\":"}}'
    line = encode_start("r", document, started_ns=None, host=host)
    parsed = decode(line.rstrip(b"\n"))
    assert isinstance(parsed, Start)
    assert parsed.host == host
    assert parsed.document == {"dut": {"serial_number": 'A","document":'}}
    assert parsed.document_json == document
    assert decode(
        b'{"op":"module","run_id":"r","module_id":"m","position":0,"module":{"name":"m"}}'
    ) == (Module("r", "m", 0, {"name": "m"}))


def test_the_writer_process_drops_a_garbled_message_and_goes_on(tmp_path: Path) -> None:
    url = _fresh(tmp_path, "store.db")
    start, meta, *attempts, finish = _messages()
    lines = [json.dumps(start), '{"op":"attempt","run_id":"cut sh', json.dumps(meta)]
    lines += [json.dumps(message) for message in (*attempts, finish)]
    done = subprocess.run(
        [sys.executable, "-m", "hardlab.storage._worker", url],
        input="\n".join(lines) + "\n",
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    replies = [json.loads(line) for line in done.stdout.splitlines()]
    assert [reply["op"] for reply in replies] == ["ready", "error", "done"]
    assert "garbled" in replies[1]["message"] and not replies[1]["fatal"]
    assert replies[2] == {"op": "done", "ok": True, "run_id": RUN_ID}
    with Store(url) as store:
        assert store.run_row(RUN_ID)["status"] == "passed"
        assert len(store.attempts(RUN_ID)) == 4
