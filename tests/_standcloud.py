"""StandCloud test helpers: the compatible server over real TLS on loopback, and queued reports.

The conftests of tests/cloud and tests/services take their fixtures from here.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from hardlab.cloud import StandCloudConnector, StandCloudReader
from hardlab.testing.standcloud import StandCloudServer


@pytest.fixture(autouse=True)
def token_files(monkeypatch: pytest.MonkeyPatch) -> None:
    """Logins go to 0600 files in the test's hardlab home, never into this machine's keyring."""
    monkeypatch.setenv("HARDLAB_SC_TOKEN_STORE", "file")


@pytest.fixture(autouse=True)
def no_background_sync() -> Iterator[None]:
    """Background sync workers a test started end with it."""
    yield
    from hardlab.services import stop_background_syncs

    stop_background_syncs()


@pytest.fixture(scope="session")
def sc_server() -> Iterator[StandCloudServer]:
    """One server for the session; tests that change its settings put them back."""
    with StandCloudServer(device_interval=0.05) as server:
        yield server


@pytest.fixture
def server(sc_server: StandCloudServer) -> Iterator[StandCloudServer]:
    """The session's server, emptied, without faults, logins at their defaults."""
    sc_server.reset()
    sc_server.set_faults(0.0)
    sc_server.configure(
        device_interval=0.05, device_expires_in=600, token_lifetime=3600, slow_down=0
    )
    yield sc_server
    sc_server.set_faults(0.0)


@pytest.fixture
def api_key(server: StandCloudServer) -> str:
    return server.create_api_key()


@pytest.fixture
def reader(server: StandCloudServer, api_key: str) -> Iterator[StandCloudReader]:
    """A reader with an API key of the server (its connections closed after the test)."""
    with StandCloudConnector(server.address, api_key=api_key, ca_bundle=server.ca_bundle) as sc:
        yield StandCloudReader(sc)


def queue_reports(
    url: str, documents: list[dict[str, Any]], address: str, *, state: str = "pending"
) -> list[str]:
    """Store finished runs (their run rows and documents only) and queue them, in bulk.

    `Store.save_report` writes every case and measurement too (13 ms a run):
    the outbox needs only the run and its document.
    """
    import uuid
    from datetime import datetime, timezone

    from sqlalchemy import insert

    from hardlab.storage import Store
    from hardlab.storage._orm import DocumentRow, OutboxRow, RunRow
    from hardlab.storage._rows import run_fields

    ids = [str(uuid.uuid4()) for _ in documents]
    now = datetime.now(timezone.utc)
    with Store(url) as store, store._write("test setup") as conn:
        conn.execute(
            insert(RunRow),
            [
                {
                    "id": run_id,
                    **run_fields(doc),
                    "source": "run",
                    "progress": 100,
                    "aggregated": True,
                }
                for run_id, doc in zip(ids, documents, strict=True)
            ],
        )
        conn.execute(
            insert(DocumentRow),
            [
                {"run_id": run_id, "document": doc}
                for run_id, doc in zip(ids, documents, strict=True)
            ],
        )
        conn.execute(
            insert(OutboxRow),
            [
                {
                    "run_id": run_id,
                    "address": address,
                    "api_mode": "hardpy",
                    "state": state,
                    "queued_at": now,
                    "attempts": 0,
                    "next_attempt_at": now,
                }
                for run_id in ids
            ],
        )
    return ids


def report_document(
    serial: str = "SN-1", part: str | None = "PB-100", stand: str | None = "Stand 1",
    cases: int = 2, start: int = 1_795_000_000, status: str = "passed", finished: bool = True,
) -> dict[str, Any]:  # fmt: skip
    """A report (HardPy's schema v1) with `cases` cases of one measurement each.

    `status` is the run's; the cases pass. Unfinished (`finished` false), it has no stop time.
    """
    case_docs = {
        f"test_{i}": {
            "status": "passed", "name": f"Case {i}", "group": "main",
            "start_time": start, "stop_time": start + 1, "attempt": 1,
            "measurements": [
                {"type": "numeric", "value": 3.3 + i / 1000, "name": f"V{i}", "unit": "V",
                 "lower_limit": 3.0, "upper_limit": 4.0, "operation": "gele", "result": True}
            ],
        }
        for i in range(cases)
    }  # fmt: skip
    return {
        "id": "localhost_8000", "rev": "localhost_8000", "name": "Board test",
        "status": status, "start_time": start, "stop_time": start + cases if finished else None,
        "test_stand": {"name": stand, "hw_id": "hw-1"},
        "dut": {"serial_number": serial, "part_number": part},
        "process": {},
        "modules": {"test_1": {"status": "passed", "name": "Module", "group": "main",
                               "start_time": start, "stop_time": start + cases,
                               "cases": case_docs}},
    }  # fmt: skip
