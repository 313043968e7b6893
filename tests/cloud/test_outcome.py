"""What an upload's answer means: `UploadOutcome`, from real answers of the test server."""

from __future__ import annotations

import socket
from datetime import datetime, timedelta, timezone
from typing import Any

from _standcloud import report_document

from hardlab.cloud import (
    StandCloudLoader,
    UploadKind,
    UploadOutcome,
    upload_outcome,
)
from hardlab.config import StandCloudConfig
from hardlab.testing.standcloud import StandCloudServer


def _loader(server: StandCloudServer, api_key: str, **settings: Any) -> StandCloudLoader:
    section = StandCloudConfig(
        address=settings.pop("address", server.address),
        api_key=api_key,
        ca_bundle=settings.pop("ca_bundle", server.ca_bundle),
        **settings,
    )
    return StandCloudLoader(config=section)


def test_the_answers_follow_the_design() -> None:
    import httpx

    def answer(status: int, **headers: str) -> UploadOutcome:
        return upload_outcome(httpx.Response(status, headers=headers))

    assert (answer(201).kind, answer(201).retry_after) == (UploadKind.DELIVERED, None)
    assert (answer(409).kind, answer(409).retry_after) == (UploadKind.DUPLICATE, None)
    assert answer(201).delivered and answer(409).delivered
    for status in (408, 500, 502, 504):
        assert (answer(status).kind, answer(status).retry_after) == (UploadKind.RETRY, None)
    # the login was refreshed once already (the connector does it): later, not never
    assert (answer(401).kind, answer(401).retryable) == (UploadKind.UNAUTHORIZED, True)
    assert answer(429, **{"Retry-After": "7"}).retry_after == 7.0
    assert answer(503, **{"Retry-After": "3"}).retry_after == 3.0
    assert answer(500, **{"Retry-After": "3"}).retry_after is None
    when = (datetime.now(timezone.utc) + timedelta(seconds=120)).strftime(
        "%a, %d %b %Y %H:%M:%S GMT"
    )
    wait = answer(429, **{"Retry-After": when}).retry_after
    assert wait is not None and 100 < wait <= 120
    for status in (400, 403, 404, 413, 422):
        outcome = answer(status)
        assert outcome.kind is UploadKind.REJECTED
        assert not outcome.delivered and not outcome.retryable


def test_stored_then_stored_before(server: StandCloudServer, api_key: str) -> None:
    document = report_document()
    with _loader(server, api_key) as loader:
        first = loader.send(document, key="run-1")
        again = loader.send(document, key="run-1")
    (stored,) = server.reports()
    assert (first.kind, first.status, first.remote_id) == (
        UploadKind.DELIVERED,
        201,
        stored["test_run_id"],
    )
    assert (again.kind, again.status, again.remote_id) == (
        UploadKind.DUPLICATE,
        409,
        stored["test_run_id"],
    )
    assert again.delivered and not again.retryable


def test_a_rejected_report_carries_the_servers_reason(
    server: StandCloudServer, api_key: str
) -> None:
    with _loader(server, api_key) as loader:
        outcome = loader.send(report_document(stand=None), key="run-2")
    assert (outcome.kind, outcome.status) == (UploadKind.REJECTED, 422)
    assert outcome.reason == "test_stand.name: test stand name is required"
    assert str(outcome) == "422: test_stand.name: test stand name is required"
    assert server.reports() == []


def test_throttled_and_failing_servers_are_tried_again(
    server: StandCloudServer, api_key: str
) -> None:
    with _loader(server, api_key) as loader:
        server.set_faults(1.0, ["too_many_requests"], retry_after=30)
        throttled = loader.send(report_document(), key="run-3")
        server.set_faults(1.0, ["error_503"], retry_after=4)
        unavailable = loader.send(report_document(), key="run-3")
        server.set_faults(1.0, ["error_500"])
        failed = loader.send(report_document(), key="run-3")
        server.set_faults(1.0, ["reset"])
        reset = loader.send(report_document(), key="run-3")
    assert (throttled.kind, throttled.status, throttled.retry_after) == (UploadKind.RETRY, 429, 30)
    assert throttled.reason == "slow down"
    assert (unavailable.kind, unavailable.status, unavailable.retry_after) == (
        UploadKind.RETRY,
        503,
        4,
    )
    assert (failed.kind, failed.status, failed.reason) == (UploadKind.RETRY, 500, "injected fault")
    # the connection dropped before an answer came: no status, the transport's reason
    assert (reset.kind, reset.status) == (UploadKind.RETRY, None)
    assert server.address in reset.reason
    assert server.reports() == []


def test_a_slow_answer_is_tried_again(server: StandCloudServer, api_key: str) -> None:
    server.set_faults(1.0, ["timeout"], timeout_s=2.0)
    with _loader(server, api_key) as loader:
        outcome = loader.send(report_document(), key="run-4", timeout=0.3)
    assert (outcome.kind, outcome.status) == (UploadKind.RETRY, None)
    assert "did not answer in time" in outcome.reason


def test_refused_credentials_are_unauthorized(server: StandCloudServer) -> None:
    with _loader(server, "not-a-key") as loader:
        outcome = loader.send(report_document(), key="run-5")
    assert (outcome.kind, outcome.status) == (UploadKind.UNAUTHORIZED, 401)
    assert outcome.retryable and not outcome.delivered


def test_what_no_retry_can_fix_blocks(server: StandCloudServer, api_key: str) -> None:
    # no credentials at all, then a certificate nobody said to trust
    with _loader(server, "") as loader:
        missing = loader.send(report_document(), key="run-6")
    with _loader(server, api_key, ca_bundle="") as loader:
        untrusted = loader.send(report_document(), key="run-6")
    assert (missing.kind, missing.status) == (UploadKind.BLOCKED, None)
    assert f"hardlab sc-login {server.address}" in missing.reason
    assert (untrusted.kind, untrusted.status) == (UploadKind.BLOCKED, None)
    assert "not trusted" in untrusted.reason
    assert not missing.retryable and not untrusted.retryable
    assert server.reports() == []


def test_a_server_that_is_not_there_is_unreachable(api_key: str) -> None:
    with socket.socket() as sock:  # a port nothing listens on once it is closed
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    section = StandCloudConfig(address=f"127.0.0.1:{port}", api_key=api_key)
    with StandCloudLoader(config=section) as loader:
        outcome = loader.send(report_document(), key="run-7", timeout=5)
    assert (outcome.kind, outcome.status) == (UploadKind.UNREACHABLE, None)
    assert "cannot reach StandCloud" in outcome.reason and outcome.retryable


def test_deliver_sends_a_report_under_loads_key(server: StandCloudServer, api_key: str) -> None:
    from hardlab.model import ResultRunStore

    report = ResultRunStore.model_validate(report_document())
    with _loader(server, api_key) as loader:
        answer = loader.load(report)
        outcome = loader.deliver(report)
    assert answer.status_code == 201
    assert outcome.kind is UploadKind.DUPLICATE  # the same key as load's: stored once
    assert len(server.reports()) == 1
