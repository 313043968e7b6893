"""1,000 uploads through the outbox while the server fails 30 % of them: each report stored once."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from _standcloud import queue_reports, report_document

import hardlab
import hardlab.cloud
from hardlab.cloud import FileTokenStore
from hardlab.services import SyncPolicy
from hardlab.storage import Store
from hardlab.testing.standcloud import FAULT_KINDS, StandCloudServer

REPORTS = 1000
FAULT_RATE = 0.3
BOUND_S = 240.0
"""The drain must be done by then (it took 13-19 s on two cores under load)."""


@pytest.mark.slow
def test_every_report_is_stored_exactly_once_through_faults(
    server: StandCloudServer, tmp_path: Path
) -> None:
    # a login, not an API key: injected 401s make the client refresh under load
    with hardlab.cloud.login(
        server.address, ca_bundle=server.ca_bundle, token_store=FileTokenStore()
    ) as pending:
        server.approve(pending.user_code)
        pending.wait(timeout=30)
    folder = tmp_path / "plan"
    folder.mkdir()
    (folder / "hardpy.toml").write_text(
        f'[stand_cloud]\naddress = "{server.address}"\nca_bundle = "{server.ca_bundle}"\n',
        encoding="utf-8",
    )
    db = str(tmp_path / "runs.db")
    documents = [
        report_document(f"SN-{i:04d}", cases=5, start=1_795_000_000 + i) for i in range(REPORTS)
    ]
    ids = queue_reports(db, documents, server.address)
    # a stall outlasts the client's timeout; 503 and 429 ask for no wait
    server.set_faults(FAULT_RATE, FAULT_KINDS, seed=5, timeout_s=1.5, retry_after=0)
    policy = SyncPolicy(
        base_delay=0.01, max_delay=0.2, jitter=0.5, concurrency=16, batch=250, timeout=0.5
    )
    began = time.monotonic()
    result = hardlab.sync(folder, store=db, policy=policy, wait=True, timeout=BOUND_S)
    took = time.monotonic() - began
    stats = server.stats()

    assert result.ok, (result, result.errors[:5], took)
    assert result.delivered == REPORTS
    stored = server.reports()
    assert len(stored) == REPORTS
    assert sorted(r["key"] for r in stored) == sorted(ids)
    assert {r["stored"] for r in stored} == {1}
    # what the server stored is what was queued, timestamps included
    by_key = {r["key"]: r["document"] for r in stored}
    for run_id, document in zip(ids, documents, strict=True):
        assert by_key[run_id]["start_time"] == document["start_time"]
        assert by_key[run_id]["dut"]["serial_number"] == document["dut"]["serial_number"]
    with Store(db) as store:
        assert store.outbox.counts() == {"pending": 0, "parked": 0, "delivered": REPORTS}
        retried = [e for e in store.outbox.entries(("delivered",)) if e.attempts > 1]
    # the faults happened, of every kind, and were survived
    assert set(stats["faults"]) == set(FAULT_KINDS), stats
    assert sum(stats["faults"].values()) >= 0.2 * stats["requests"]["test_report"], stats
    # a report stored but not heard is sent again and answered 409: delivered, not doubled
    assert 0 < result.duplicates <= stats["duplicates_refused"]
    assert retried
