"""The run↔writer messages: typed, one wire format, read back as they were written."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest

from hardlab.storage._messages import (
    Attempt,
    Done,
    Failed,
    Finish,
    Meta,
    Module,
    OperatorEvent,
    Ready,
    RunMessage,
    Start,
    Upload,
    attempt_prefix,
    decode,
    decode_reply,
    encode,
    encode_attempt,
    encode_finish,
    encode_meta,
    encode_module,
    encode_reply,
    encode_start,
    from_mapping,
    with_run_id,
)

DOC = {"name": "plan", "dut": {"serial_number": 'SN-é"1'}, "modules": {}}
CASE = {"status": "passed", "name": 'Case "0"', "measurements": [{"type": "numeric", "value": 1}]}

MESSAGES: list[RunMessage] = [
    Start("r-1", DOC, started_ns=1_795_000_000_123_456_789, host="stand-7"),
    Start("r-1", DOC, writer_pid=4242),
    Meta("r-1", {"dut": {"part_number": "PN"}}, progress=30),
    Attempt("r-1", "test_m", "Module", "test_0", 2, True, 0, CASE, started_ns=1, finished_ns=None),
    Attempt("r-1", "test_m", "Module", "test_1", 1, False, 1, CASE),
    Module("r-1", "test_m", 0, {"name": "Module", "status": "passed"}),
    OperatorEvent("r-1", 3, {"kind": "dialog", "text": 'Is it "on"?', "asked_at_ns": 5}),
    Finish("r-1", DOC, exit_code=0, finished_ns=9, progress=100, outbox=Upload("sc.example.com")),
    Finish("r-1", DOC),
]


@pytest.mark.parametrize("message", MESSAGES, ids=lambda m: type(m).__name__)
def test_a_message_reads_back_as_it_was_sent(message: RunMessage) -> None:
    line = encode(message)
    assert line.endswith(b"\n") and line.count(b"\n") == 1
    decoded = decode(line.rstrip(b"\n"))
    if isinstance(decoded, (Start, Finish)):
        # the document comes with the text it was sent as, to be stored as it is
        assert decoded.document_json is not None
        assert json.loads(decoded.document_json) == message.document  # type: ignore[union-attr]
        decoded = dataclasses.replace(decoded, document_json=None)
    assert decoded == message


def _fields(message: Any) -> dict[str, Any]:
    return {field.name: getattr(message, field.name) for field in dataclasses.fields(message)}


def test_the_runs_encoders_write_what_encode_writes() -> None:
    document = json.dumps(DOC, separators=(",", ":"))
    case = json.dumps(CASE, separators=(",", ":")).encode()
    assert encode_start("r-1", document, started_ns=5, host="h") == encode(
        Start("r-1", DOC, started_ns=5, host="h")
    )
    assert encode_meta("r-1", document, progress=3) == encode(Meta("r-1", DOC, progress=3))
    prefix = attempt_prefix("r-1", "test_m", "Module", "test_0", 4)
    line = encode_attempt(
        prefix, attempt=1, final=True, started_ns=1, finished_ns=2, case_json=case
    )
    assert line == encode(Attempt("r-1", "test_m", "Module", "test_0", 1, True, 4, CASE, 1, 2))
    assert encode_module("r-1", "m", 2, document) == encode(Module("r-1", "m", 2, DOC))
    outbox = {"address": "sc", "api_mode": "standcloud"}
    assert encode_finish(
        "r-1", document, exit_code=1, finished_ns=None, progress=50, outbox=outbox
    ) == encode(Finish("r-1", DOC, exit_code=1, progress=50, outbox=Upload("sc", "standcloud")))
    # an empty outbox owes nothing
    no_upload = encode_finish("r-1", document, exit_code=0, finished_ns=None, progress=1, outbox={})
    decoded = decode(no_upload.rstrip(b"\n"))
    assert isinstance(decoded, Finish) and decoded.outbox is None


@pytest.mark.parametrize(
    "line",
    [
        b'{"op":"attempt","run_id":"cut sh',
        b'{"op":"attempt","run_id":"r"}',
        b'{"op":"launch","run_id":"r"}',
        b'{"run_id":"r"}',
        b"[1, 2]",
        b'{"op":"meta","run_id":"r","progress":1,"document":[1]}',
        b'{"op":"attempt","run_id":"r","module_id":"m","module_name":"M","case_id":"c",'
        b'"attempt":"first","final":true,"position":0,"case":{}}',
        b"\xff\xfe",
    ],
)
def test_a_garbled_line_is_an_error_that_says_so(line: bytes) -> None:
    with pytest.raises(ValueError):
        decode(line)


def test_dicts_become_typed_messages() -> None:
    given = {"op": "finish", "run_id": "r", "document": DOC, "outbox": {"address": "sc"}}
    assert from_mapping(given) == Finish("r", DOC, outbox=Upload("sc", "hardpy"))
    assert from_mapping(MESSAGES[0]) is MESSAGES[0]
    with pytest.raises(ValueError, match="unknown run message 'stop'"):
        from_mapping({"op": "stop"})
    with pytest.raises(ValueError, match="not a start message"):
        from_mapping({"op": "start", "run_id": "r"})
    # an import's earlier attempts come without a run id
    attempt = {k: v for k, v in _fields(MESSAGES[3]).items() if k != "run_id"}
    assert with_run_id(attempt, "r-2") == Attempt(**{**attempt, "run_id": "r-2"})
    assert with_run_id(MESSAGES[3], "r-2").run_id == "r-2"
    with pytest.raises(ValueError, match="not an attempt"):
        with_run_id({"case_id": "c"}, "r")


def test_replies_read_back_and_anything_else_is_ignored() -> None:
    for reply in (Ready(42), Failed("disk full", fatal=True), Failed("x"), Done(True, "r-1")):
        assert decode_reply(encode_reply(reply)) == reply
    assert decode_reply(b'{"op":"done","ok":false,"run_id":null}\n') == Done(False, None)
    for line in (b"", b"garbage\n", b"[1]\n", b'{"op":"hello"}\n'):
        assert decode_reply(line) is None
