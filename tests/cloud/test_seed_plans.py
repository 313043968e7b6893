"""HardPy's stand_cloud example runs unchanged: autosync and the manual variant."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import hardlab
from hardlab.operators import ScriptedOperator
from hardlab.storage import Store
from hardlab.testing.standcloud import StandCloudServer


def test_autosync_example_stores_the_report_once(
    server: StandCloudServer, api_key: str, seed_plan: Callable[..., Path], tmp_path: Path
) -> None:
    plan = seed_plan(server, api_key, autosync=True)
    operator = ScriptedOperator()
    db = tmp_path / "runs.db"
    result = hardlab.run(plan, operator=operator, store=db, quiet=True)
    assert result.passed, result.errors
    assert operator.messages == []  # the conftest's upload got 201
    reports = server.reports()
    # the conftest's upload and autosync's carry the same run id: one report
    assert [r["key"] for r in reports] == [str(result.run_id)]
    assert reports[0]["stored"] == 1
    assert server.stats()["duplicates_refused"] == 1
    document = reports[0]["document"]
    assert document["dut"]["part_number"] == "PB-100"
    assert document["test_stand"]["name"] == "Stand 1"
    assert document["start_time"] == result.report.start_time  # the original timestamps
    assert document["stop_time"] == result.report.stop_time
    with Store(db) as store:
        (entry,) = store.outbox.entries(("delivered",))
        assert entry.run_id == str(result.run_id)
        assert entry.last_status == 409  # the post-run upload came first
        assert store.outbox.counts() == {"pending": 0, "parked": 0, "delivered": 1}


def test_manual_example_tells_the_operator_about_a_rejected_report(
    server: StandCloudServer, api_key: str, seed_plan: Callable[..., Path], tmp_path: Path
) -> None:
    # no part number: StandCloud's documentation says 422, and hardlab sends it as it is
    plan = seed_plan(server, api_key, autosync=False, connection_only=False, part="")
    operator = ScriptedOperator()
    db = tmp_path / "runs.db"
    result = hardlab.run(plan, operator=operator, store=db, quiet=True)
    assert result.passed
    (message,) = operator.messages
    assert message.title == "Error"
    assert "status code: 422" in message.msg
    assert "part number is required" in message.msg
    assert server.reports() == []
    with Store(db) as store:
        assert store.outbox.counts() == {"pending": 0, "parked": 0, "delivered": 0}


def test_manual_example_uploads_without_autosync(
    server: StandCloudServer, api_key: str, seed_plan: Callable[..., Path], tmp_path: Path
) -> None:
    plan = seed_plan(server, api_key, autosync=False, connection_only=False)
    operator = ScriptedOperator()
    result = hardlab.run(plan, operator=operator, store=tmp_path / "runs.db", quiet=True)
    assert result.passed and operator.messages == []
    assert [r["key"] for r in server.reports()] == [str(result.run_id)]


def test_connection_only_refuses_to_start_without_standcloud(
    server: StandCloudServer, seed_plan: Callable[..., Path], tmp_path: Path
) -> None:
    plan = seed_plan(server, "not-a-key", autosync=True, connection_only=True)
    ran = plan / "ran"
    (plan / "test_1.py").write_text(
        f"import pathlib\n\ndef test_one():\n    pathlib.Path({str(ran)!r}).touch()\n"
    )
    result = hardlab.run(plan, operator=None, store=tmp_path / "runs.db", quiet=True)
    assert result.exit_code == 3  # pytest's INTERNAL_ERROR, as HardPy
    assert not ran.exists()
    from hardlab.runtime import last_run

    alert = last_run().alert  # type: ignore[union-attr]
    assert f"StandCloud service at the address {server.address} not available" in alert
    assert "refused the API key" in alert
    assert server.reports() == []


def test_an_unreachable_server_leaves_the_report_queued(
    server: StandCloudServer, api_key: str, seed_plan: Callable[..., Path], tmp_path: Path
) -> None:
    import socket

    plan = seed_plan(server, api_key, autosync=True, connection_only=False)
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        dead = f"127.0.0.1:{probe.getsockname()[1]}"
    toml = plan / "hardpy.toml"
    toml.write_text(toml.read_text().replace(server.address, dead))
    (plan / "conftest.py").unlink()  # autosync alone
    db = tmp_path / "runs.db"
    result = hardlab.run(plan, operator=None, store=db, quiet=True)
    assert result.passed
    with Store(db) as store:
        (entry,) = store.outbox.entries()
        assert (entry.run_id, entry.state, entry.address) == (str(result.run_id), "pending", dead)
        assert entry.attempts == 1 and "cannot reach StandCloud" in (entry.last_error or "")
    # the server is back (under its own address): the queued report goes up once
    toml.write_text(toml.read_text().replace(dead, server.address))
    with Store(db) as store:
        store.outbox.drop([str(result.run_id)])
        store.outbox.enqueue([str(result.run_id)], address=server.address)
    outcome = hardlab.sync(plan, store=db)
    assert outcome.delivered == 1 and outcome.ok, outcome
    assert [r["key"] for r in server.reports()] == [str(result.run_id)]


def test_autosync_parks_a_rejected_report_and_says_why(
    server: StandCloudServer, api_key: str, seed_plan: Callable[..., Path], tmp_path: Path
) -> None:
    plan = seed_plan(server, api_key, autosync=True, connection_only=False, stand="")
    (plan / "conftest.py").unlink()  # autosync alone
    db = tmp_path / "runs.db"
    result = hardlab.run(plan, operator=None, store=db, quiet=True)
    assert result.passed  # an upload problem never fails the test
    from hardlab.runtime import last_run

    alert = last_run().alert  # type: ignore[union-attr]
    assert "StandCloud rejected the report (422: test_stand.name: test stand name is required)" in (
        alert
    )
    assert f"hardlab sc-retry {str(result.run_id)[:13]}" in alert
    with Store(db) as store:
        (entry,) = store.outbox.entries()
        assert (entry.run_id, entry.state, entry.last_status) == (str(result.run_id), "parked", 422)
    assert server.reports() == []


def test_a_run_sends_its_own_report_and_leaves_the_backlog_to_the_background(
    server: StandCloudServer, api_key: str, seed_plan: Callable[..., Path], tmp_path: Path
) -> None:
    import time

    from _standcloud import queue_reports, report_document

    db = tmp_path / "runs.db"
    backlog = queue_reports(
        str(db), [report_document(f"OLD-{i}") for i in range(30)], server.address
    )
    plan = seed_plan(server, api_key, autosync=True, connection_only=False)
    (plan / "conftest.py").unlink()  # autosync alone
    result = hardlab.run(plan, operator=None, store=db, quiet=True)
    assert result.passed
    with Store(db) as store:
        (own,) = store.outbox.entries(("delivered",), run_ids=[str(result.run_id)])
        assert own.last_status == 201
        deadline = time.monotonic() + 60
        while store.outbox.counts()["pending"] and time.monotonic() < deadline:
            time.sleep(0.05)
        assert store.outbox.counts() == {"pending": 0, "parked": 0, "delivered": 31}
    assert {r["key"] for r in server.reports()} == {*backlog, str(result.run_id)}
