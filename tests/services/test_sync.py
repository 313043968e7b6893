"""The outbox: queued with the final state, drained with retries, parked, listed, retried, dropped."""

from __future__ import annotations

import json
import os
import random
import sqlite3
import subprocess
import sys
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from _standcloud import queue_reports, report_document

import hardlab
import hardlab.cloud
import hardlab.config
from hardlab.cloud import FileTokenStore
from hardlab.config import StandCloudConfig
from hardlab.errors import StorageError
from hardlab.services import SyncPolicy, background_sync
from hardlab.storage import Store
from hardlab.testing.standcloud import StandCloudServer

FAST = SyncPolicy(base_delay=0.01, max_delay=0.05, jitter=0.5, concurrency=4, timeout=5.0)
"""Retries within milliseconds: the tests wait for outcomes, not for backoff."""


def _config_folder(tmp_path: Path, server: StandCloudServer, api_key: str = "") -> Path:
    folder = tmp_path / "plan"
    folder.mkdir(exist_ok=True)
    (folder / "hardpy.toml").write_text(
        "[stand_cloud]\n"
        f'address = "{server.address}"\n'
        f'api_key = "{api_key}"\n'
        f'ca_bundle = "{server.ca_bundle}"\n',
        encoding="utf-8",
    )
    return folder


def _hardlab(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "import sys, hardlab.cli; sys.exit(hardlab.cli.main())", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**os.environ, "NO_COLOR": "1"},
        timeout=120,
        check=False,
    )


def test_the_outbox_entry_is_written_with_the_final_state_or_not_at_all(tmp_path: Path) -> None:
    db = tmp_path / "runs.db"
    run_id = str(uuid.uuid4())
    start = report_document(status="run", finished=False)
    final = report_document()
    with Store(db) as store:
        store.apply([{"op": "start", "run_id": run_id, "document": start}])
    # the outbox cannot take the entry: the final state must not be written either
    with sqlite3.connect(db) as raw:
        raw.execute(
            "CREATE TRIGGER refuse BEFORE INSERT ON hardlab_outbox "
            "BEGIN SELECT RAISE(ABORT, 'outbox refuses'); END"
        )
    outbox = {"address": "sc.example.com", "api_mode": "hardpy"}
    finish = {"op": "finish", "run_id": run_id, "document": final, "exit_code": 0, "outbox": outbox}
    with Store(db) as store:
        with pytest.raises(StorageError, match="outbox refuses"):
            store.apply([finish])
        assert store.run_row(run_id)["status"] == "run"
        assert store.outbox.counts()["pending"] == 0
    with sqlite3.connect(db) as raw:
        raw.execute("DROP TRIGGER refuse")
    with Store(db) as store:
        store.apply([finish])
        assert store.run_row(run_id)["status"] == "passed"
        (entry,) = store.outbox.entries()
        assert (entry.run_id, entry.address, entry.state) == (run_id, "sc.example.com", "pending")
        store.apply([finish])  # a batch written twice owes the report once
        assert store.outbox.counts()["pending"] == 1


def test_backoff_doubles_with_jitter_and_honours_retry_after() -> None:
    policy = SyncPolicy(base_delay=10, max_delay=100, jitter=0.5, max_retry_after=1000)
    rng = random.Random(1)
    for attempts, full in [(1, 10), (2, 20), (3, 40), (4, 80), (5, 100), (9, 100)]:
        delays = [policy.delay(attempts, rng=rng) for _ in range(200)]
        assert min(delays) >= full * 0.5 and max(delays) <= full
        assert max(delays) - min(delays) > full * 0.3  # spread: stands do not retry together
    assert policy.delay(1, retry_after=60, rng=rng) >= 60
    assert policy.delay(1, retry_after=500, rng=rng) == 500  # above max_delay: the server knows
    assert policy.delay(1, retry_after=10_000, rng=rng) == 1000  # but not forever


def test_retry_after_is_honoured_by_the_drain(
    server: StandCloudServer, api_key: str, tmp_path: Path
) -> None:
    db = str(tmp_path / "runs.db")
    (run_id,) = queue_reports(db, [report_document()], server.address)
    server.set_faults(1.0, ["too_many_requests"], retry_after=30)
    folder = _config_folder(tmp_path, server, api_key)
    before = datetime.now(timezone.utc)
    result = hardlab.sync(folder, store=db, policy=FAST)
    assert (result.delivered, result.retrying, result.pending) == (0, 1, 1)
    with Store(db) as store:
        (entry,) = store.outbox.entries()
    assert entry.last_status == 429 and entry.attempts == 1
    assert entry.next_attempt_at >= before + timedelta(seconds=29)  # not the 10 ms backoff
    server.set_faults(0.0)
    assert hardlab.sync(folder, store=db, policy=FAST).delivered == 0  # not due yet
    with Store(db) as store:
        store.outbox.retry([run_id])  # hardlab sc-retry makes it due now
    assert hardlab.sync(folder, store=db, policy=FAST).delivered == 1


def test_a_rejected_report_is_parked_shown_retried_and_dropped(
    server: StandCloudServer, api_key: str, tmp_path: Path
) -> None:
    db = tmp_path / "runs.db"
    good, bad, other = queue_reports(
        str(db),
        [report_document("SN-1"), report_document("SN-2", part=None), report_document("SN-3")],
        server.address,
    )
    folder = _config_folder(tmp_path, server, api_key)
    synced = _hardlab("sc-sync", folder, "--db", db)
    assert synced.returncode == 1, synced.stdout + synced.stderr  # something is owed
    assert "Reports uploaded to StandCloud: 2" in synced.stdout
    assert "1 rejected (parked; see hardlab sc-status)" in synced.stdout
    assert "DUT part number is required" in synced.stdout
    assert sorted(r["key"] for r in server.reports()) == sorted([good, other])

    status = _hardlab("sc-status", "--db", db)
    assert status.returncode == 0, status.stderr
    assert "0 pending, 1 parked, 2 delivered" in status.stdout
    assert bad[:8] in status.stdout and "SN-2" in status.stdout
    assert "422: dut.part_number: DUT part number is required" in status.stdout
    assert "hardlab sc-retry" in status.stdout
    records = [json.loads(line) for line in _hardlab("sc-status", "--json", "--db", db).stdout.split("\n") if line]  # fmt: skip
    assert [(r["run_id"], r["state"], r["last_status"]) for r in records] == [(bad, "parked", 422)]
    everything = _hardlab("sc-status", "--all", "--db", db)
    assert everything.stdout.count("delivered") >= 3  # the header and two entries
    first = _hardlab("sc-status", "--all", "--limit", "1", "--db", db)
    assert "... and 2 more (--limit 0 lists them all)" in first.stdout

    # parked is parked: another sync does not send it again
    assert _hardlab("sc-sync", folder, "--db", db).returncode == 0
    assert server.stats()["requests"]["test_report"] == 3

    retried = _hardlab("sc-retry", "--db", db)
    assert "1 report(s) will be sent at the next sync" in retried.stdout
    with Store(db) as store:
        (entry,) = store.outbox.entries()
        assert (entry.run_id, entry.state) == (bad, "pending")
    assert _hardlab("sc-sync", folder, "--db", db).returncode == 1  # rejected again
    assert server.stats()["requests"]["test_report"] == 4

    refused = _hardlab("sc-drop", "--db", db)
    assert refused.returncode != 0 and "--parked" in refused.stderr
    dropped = _hardlab("sc-drop", "--parked", "--db", db)
    assert "Dropped 1 report(s)" in dropped.stdout
    with Store(db) as store:
        assert store.outbox.counts() == {"pending": 0, "parked": 0, "delivered": 2}
        assert store.run_row(bad)["dut_serial_number"] == "SN-2"  # the run stays stored


def test_a_lost_answer_is_resent_and_stored_once(
    server: StandCloudServer, api_key: str, tmp_path: Path
) -> None:
    db = str(tmp_path / "runs.db")
    documents = [report_document(f"SN-{i}", start=1_795_000_000 + i) for i in range(5)]
    ids = queue_reports(db, documents, server.address)
    server.set_faults(1.0, ["lost_response"], endpoints=["test_report"])
    folder = _config_folder(tmp_path, server, api_key)
    first = hardlab.sync(folder, store=db, policy=FAST)
    assert (first.delivered, first.retrying) == (0, 5)  # stored, but nobody heard it
    assert len(server.reports()) == 5
    server.set_faults(0.0)
    second = hardlab.sync(folder, store=db, policy=FAST, wait=True, timeout=30)
    assert (second.delivered, second.duplicates, second.ok) == (5, 5, True)
    stored = server.reports()
    assert sorted(r["key"] for r in stored) == sorted(ids)
    assert all(r["stored"] == 1 for r in stored)
    # the original timestamps travel unchanged
    assert sorted(r["document"]["start_time"] for r in stored) == [
        d["start_time"] for d in documents
    ]
    with Store(db) as store:
        delivered = store.outbox.entries(("delivered",))
    assert {e.last_status for e in delivered} == {409}
    assert {e.remote_id for e in delivered} == {r["test_run_id"] for r in stored}


def test_an_expired_login_is_refreshed_by_the_drain(
    server: StandCloudServer, tmp_path: Path
) -> None:
    store = FileTokenStore()  # HARDLAB_SC_TOKEN_STORE=file: what the drain's connector uses
    with hardlab.cloud.login(
        server.address, ca_bundle=server.ca_bundle, token_store=store
    ) as pending:
        server.approve(pending.user_code)
        first = pending.wait(timeout=30)
    db = str(tmp_path / "runs.db")
    queue_reports(db, [report_document(f"SN-{i}") for i in range(3)], server.address)
    server.expire_tokens()  # the access token dies early: 401, refresh, send again
    result = hardlab.sync(_config_folder(tmp_path, server), store=db, policy=FAST)
    assert (result.delivered, result.ok) == (3, True)
    saved = store.load(server.address)
    assert saved is not None and saved["access_token"] != first["access_token"]
    # no login and no key: nothing is counted against the reports; the drain says why
    hardlab.cloud.logout(server.address)
    queue_reports(db, [report_document("SN-9")], server.address)
    stopped = hardlab.sync(_config_folder(tmp_path, server), store=db, policy=FAST)
    assert stopped.stopped is not None and f"hardlab sc-login {server.address}" in stopped.stopped
    with Store(db) as db_store:
        (entry,) = db_store.outbox.entries()
        assert entry.attempts == 0


def test_an_unreachable_server_stops_the_pass_without_counting_attempts(
    api_key: str, tmp_path: Path, server: StandCloudServer
) -> None:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        dead = f"127.0.0.1:{probe.getsockname()[1]}"
    db = str(tmp_path / "runs.db")
    queue_reports(db, [report_document(f"SN-{i}") for i in range(10)], dead)
    folder = _config_folder(tmp_path, server, api_key)
    toml = folder / "hardpy.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace(server.address, dead))
    result = hardlab.sync(folder, store=db, policy=SyncPolicy(concurrency=1, timeout=2.0))
    assert result.stopped is not None and "cannot reach StandCloud" in result.stopped
    with Store(db) as store:
        attempts = sorted(entry.attempts for entry in store.outbox.entries())
    assert attempts == [0] * 9 + [1]  # one report tried; the rest were not sent at all


def test_the_background_worker_delivers_once_the_server_is_back(
    server: StandCloudServer, api_key: str, tmp_path: Path
) -> None:
    db = str(tmp_path / "runs.db")
    ids = queue_reports(db, [report_document(f"SN-{i}") for i in range(4)], server.address)
    server.set_faults(1.0, ["error_503"])
    section = StandCloudConfig(address=server.address, api_key=api_key, ca_bundle=server.ca_bundle)
    background_sync(f"sqlite:///{db}", section, period=0.2, policy=FAST)
    deadline = time.monotonic() + 60
    while server.stats()["faults"].get("error_503", 0) < 8 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.reports() == []
    server.set_faults(0.0)
    with Store(db) as store:
        while store.outbox.counts()["delivered"] < 4 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert store.outbox.counts() == {"pending": 0, "parked": 0, "delivered": 4}
    assert sorted(r["key"] for r in server.reports()) == sorted(ids)


def test_init_writes_the_stand_cloud_section_and_the_plan_uploads(
    server: StandCloudServer, api_key: str, tmp_path: Path
) -> None:
    folder = tmp_path / "station"
    made = _hardlab(
        "init", folder, "--sc-address", server.address, "--sc-api-key", api_key,
        "--sc-autosync", "--sc-connection-only",
    )  # fmt: skip
    assert made.returncode == 0, made.stdout + made.stderr
    config = hardlab.config.load_config(folder)
    assert config.stand_cloud.address == server.address
    assert config.stand_cloud.api_key == api_key
    assert config.stand_cloud.autosync and config.stand_cloud.connection_only
    # a private server's authority, as a user adds it
    toml = folder / "hardpy.toml"
    toml.write_text(
        toml.read_text(encoding="utf-8").replace(
            "[stand_cloud]\n", f'[stand_cloud]\nca_bundle = "{server.ca_bundle}"\n'
        ),
        encoding="utf-8",
    )
    ran = _hardlab("run", folder, "--db", tmp_path / "runs.db")
    assert ran.returncode == 0, ran.stdout + ran.stderr
    (stored,) = server.reports()
    assert stored["document"]["name"] == "station"
    with Store(tmp_path / "runs.db") as store:
        assert store.outbox.counts()["delivered"] == 1


def test_the_shells_print_what_the_result_describes() -> None:
    from hardlab.services import SyncResult

    errors = [f"run-{i}: 503: unavailable" for i in range(23)]
    result = SyncResult(delivered=2, retrying=23, pending=23, errors=errors)
    lines = result.describe().splitlines()
    assert lines[0] == "Reports uploaded to StandCloud: 2; 23 still waiting"
    assert lines[1:21] == [f"  {line}" for line in errors[:20]]
    assert lines[21:] == ["  ... and 3 more (hardlab sc-status)"]
    assert SyncResult().describe() == "All reports are synchronized with StandCloud"


_DRAINER = """
import sys
import hardlab
from hardlab.services import SyncPolicy

folder, db = sys.argv[1:3]
policy = SyncPolicy(concurrency=2, batch=200, lease=1.0, timeout=5.0)
hardlab.sync(folder, store=db, policy=policy)
"""


def test_a_killed_drainer_leaves_only_the_reports_in_flight_to_send_again(
    server: StandCloudServer, api_key: str, tmp_path: Path
) -> None:
    # every answer was recorded at the batch's end: a kill re-sent up to 200 reports
    db = str(tmp_path / "runs.db")
    documents = [report_document(f"SN-{i}", start=1_795_000_000 + i) for i in range(60)]
    ids = queue_reports(db, documents, server.address)
    folder = _config_folder(tmp_path, server, api_key)
    drainer = subprocess.Popen([sys.executable, "-c", _DRAINER, str(folder), db])
    try:
        deadline = time.monotonic() + 60
        while len(server.reports()) < 15 and time.monotonic() < deadline:
            assert drainer.poll() is None, "the drain ended before it was killed"
            time.sleep(0.01)
        drainer.kill()
    finally:
        drainer.kill()
        drainer.wait()
    sent = len(server.reports())
    assert 15 <= sent < len(ids), sent
    time.sleep(1.1)  # the dead drainer's lease runs out
    policy = SyncPolicy(concurrency=2, batch=200, lease=1.0, timeout=5.0)
    after = hardlab.sync(folder, store=db, policy=policy)
    assert after.ok and after.pending == 0, after
    # sent again: only what the killed drainer had in flight (2 at a time)
    assert after.duplicates <= 2, (after.duplicates, sent)
    assert server.stats()["duplicates_refused"] <= 2
    stored = server.reports()
    assert sorted(r["key"] for r in stored) == sorted(ids)
    assert all(r["stored"] == 1 for r in stored)
