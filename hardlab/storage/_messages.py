"""What a run and its writer process say to each other: typed messages and their wire format.

The run (`hardlab.storage.StoreSink`) sends *run messages* down a pipe to
the writer (``python -m hardlab.storage._worker``), which writes them
(`hardlab.storage._write.RunWriter`) and sends *replies* back. On the wire
each is one JSON object on one line, its kind in ``op``:

========  ======================================================================
start     the run begins: its document (every module and case, ``ready``)
meta      the run's DUT, stand, process and progress changed
attempt   a case attempt ended: the case as it stands, with its measurements
module    a module ended
operator  a dialog was asked or answered, an operator message shown or closed
finish    the run ended: its final document, and the StandCloud upload it owes
========  ======================================================================

Replies: ``ready`` (the store is open), ``error`` (fatal or not), ``done``
(the finished run is committed).

The run writes each message with one system call, from JSON it serialised
already: a message's JSON-valued part (the document, the case, the module)
goes in as that text, and a document comes last, so the writer can store
it as the run serialised it without serialising it again. The ``encode_*``
functions build lines that way; `decode` reads any of them. Both sides use
this module only, so the wire format is written down once.

This module imports nothing but the standard library.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from json.encoder import encode_basestring_ascii as _quote
from typing import Any, ClassVar

__all__ = [
    "STORE_URL_ENV",
    "Attempt",
    "Done",
    "Failed",
    "Finish",
    "Meta",
    "Module",
    "OperatorEvent",
    "Ready",
    "Reply",
    "RunMessage",
    "Start",
    "Upload",
    "attempt_prefix",
    "decode",
    "decode_reply",
    "encode",
    "encode_attempt",
    "encode_finish",
    "encode_meta",
    "encode_module",
    "encode_operator",
    "encode_reply",
    "encode_start",
    "from_mapping",
    "with_run_id",
]

Json = Mapping[str, Any]
"""A JSON object, decoded."""

STORE_URL_ENV = "HARDLAB_WRITER_STORE"
"""The environment variable the run hands the writer its store's URL in (not its command
line, where a database password would show in ``ps`` to every user of the computer)."""


@dataclass(frozen=True, slots=True)
class Upload:
    """Where the run's report is owed once it is stored: a StandCloud address and API mode."""

    address: str
    api_mode: str = "hardpy"


@dataclass(frozen=True, slots=True)
class Start:
    """The run begins (its row is written with status ``run``).

    Attributes:
        document: The report as the run begins.
        document_json: The same as the text the run serialised, stored as it is.
        writer_pid: The writer process, filled in by the writer.
        slot: The stand slot the run occupies, or None.
    """

    op: ClassVar[str] = "start"
    run_id: str
    document: Json
    started_ns: int | None = None
    host: str | None = None
    writer_pid: int | None = None
    document_json: str | None = None
    slot: int | None = None


@dataclass(frozen=True, slots=True)
class Meta:
    """The run's DUT, stand, process (the document's top-level fields) and progress."""

    op: ClassVar[str] = "meta"
    run_id: str
    document: Json
    progress: int = 0


@dataclass(frozen=True, slots=True)
class Attempt:
    """One ended attempt of one case (a row of ``hardlab_cases`` and its measurements).

    Attributes:
        case: The case as a JSON object (HardPy's schema v1), measurements included.
        final: Whether this is the attempt the report shows.
        position: The case's place in the plan.
    """

    op: ClassVar[str] = "attempt"
    run_id: str
    module_id: str
    module_name: str
    case_id: str
    attempt: int
    final: bool
    position: int
    case: Json
    started_ns: int | None = None
    finished_ns: int | None = None


@dataclass(frozen=True, slots=True)
class Module:
    """A module ended (its row of ``hardlab_modules``)."""

    op: ClassVar[str] = "module"
    run_id: str
    module_id: str
    position: int
    module: Json


@dataclass(frozen=True, slots=True)
class OperatorEvent:
    """A dialog asked or answered, or an operator message shown or closed.

    Attributes:
        position: The event's place in the run (from 0): a dialog's answer
            is sent again under the position of its question, and replaces it.
        event: The row's other columns (``kind``, ``text``, ``state``,
            ``asked_at_ns``, ``answered_at_ns``, ...: see
            `hardlab.storage._rows.operator_event_row`).
    """

    op: ClassVar[str] = "operator"
    run_id: str
    position: int
    event: Json


@dataclass(frozen=True, slots=True)
class Finish:
    """The run ended: its final state, and the StandCloud upload it owes (in one transaction)."""

    op: ClassVar[str] = "finish"
    run_id: str
    document: Json
    exit_code: int | None = None
    finished_ns: int | None = None
    progress: int = 100
    outbox: Upload | None = None
    document_json: str | None = None
    plan_error: str | None = None
    """Why the plan could not run (the run is stored with status ``error``); None if it ran."""


RunMessage = Start | Meta | Attempt | Module | OperatorEvent | Finish
"""What the run sends its writer."""


@dataclass(frozen=True, slots=True)
class Ready:
    """The writer has opened the store and checked it."""

    op: ClassVar[str] = "ready"
    pid: int


@dataclass(frozen=True, slots=True)
class Failed:
    """Something went wrong; `fatal`: the store cannot take the run at all."""

    op: ClassVar[str] = "error"
    message: str
    fatal: bool = False


@dataclass(frozen=True, slots=True)
class Done:
    """The finished run is committed (`ok`), or could not be (kept in `spooled`, if there)."""

    op: ClassVar[str] = "done"
    ok: bool
    run_id: str | None = None
    spooled: str | None = None


Reply = Ready | Failed | Done
"""What the writer answers."""


# ---------------------------------------------------------------------- encoding


def _int(value: int | None) -> str:
    return "null" if value is None else str(int(value))


def _line(fields: dict[str, Any], **raw: str) -> bytes:
    """One line: `fields` as JSON, then already-serialised JSON values in `raw`, in order."""
    head = json.dumps(fields, separators=(",", ":"))
    extra = "".join(f',"{key}":{value}' for key, value in raw.items())
    return (head[:-1] + extra + "}\n").encode()


def _upload(outbox: Upload | Mapping[str, str] | None) -> dict[str, str] | None:
    if not outbox:
        return None
    if isinstance(outbox, Upload):
        return {"address": outbox.address, "api_mode": outbox.api_mode}
    return {"address": outbox["address"], "api_mode": outbox.get("api_mode", "hardpy")}


def encode_start(
    run_id: str,
    document_json: str,
    *,
    started_ns: int | None,
    host: str | None,
    writer_pid: int | None = None,
    slot: int | None = None,
) -> bytes:
    """A `Start` line from the document's JSON text."""
    header: dict[str, Any] = {
        "op": Start.op,
        "run_id": run_id,
        "started_ns": started_ns,
        "host": host,
    }
    if writer_pid is not None:  # only the writer knows it
        header["writer_pid"] = writer_pid
    if slot is not None:  # a stand with several slots
        header["slot"] = slot
    return _line(header, document=document_json)


def encode_meta(run_id: str, document_json: str, *, progress: int) -> bytes:
    """A `Meta` line from the JSON text of the document's top-level fields."""
    return _line({"op": Meta.op, "run_id": run_id, "progress": progress}, document=document_json)


def attempt_prefix(
    run_id: str, module_id: str, module_name: str, case_id: str, position: int
) -> bytes:
    """The start of a case's `Attempt` lines, the part that never changes (made once a case)."""
    return (
        f'{{"op":"attempt","run_id":{_quote(run_id)},"module_id":{_quote(module_id)},'
        f'"module_name":{_quote(module_name)},"case_id":{_quote(case_id)},"position":{position}'
    ).encode()


def encode_attempt(
    prefix: bytes,
    *,
    attempt: int,
    final: bool,
    started_ns: int | None,
    finished_ns: int | None,
    case_json: bytes,
) -> bytes:
    """An `Attempt` line from its case's `attempt_prefix` and the case's JSON text.

    A thousand of these a run, in the test's thread: no ``json.dumps`` here.
    """
    middle = (
        f',"attempt":{int(attempt)},"final":{"true" if final else "false"},'
        f'"started_ns":{_int(started_ns)},"finished_ns":{_int(finished_ns)},"case":'
    )
    return b"".join((prefix, middle.encode(), case_json, b"}\n"))


def encode_module(run_id: str, module_id: str, position: int, module_json: str) -> bytes:
    """A `Module` line from the module's JSON text (without its cases)."""
    header = {"op": Module.op, "run_id": run_id, "module_id": module_id, "position": position}
    return _line(header, module=module_json)


def encode_operator(run_id: str, position: int, event: Json) -> bytes:
    """An `OperatorEvent` line (a few a run: plain ``json.dumps``)."""
    fields = {"op": OperatorEvent.op, "run_id": run_id, "position": position, "event": event}
    return (json.dumps(fields, separators=(",", ":")) + "\n").encode()


def encode_finish(
    run_id: str,
    document_json: str,
    *,
    exit_code: int | None,
    finished_ns: int | None,
    progress: int,
    outbox: Upload | Mapping[str, str] | None,
    plan_error: str | None = None,
) -> bytes:
    """A `Finish` line from the final document's JSON text."""
    header: dict[str, Any] = {
        "op": Finish.op,
        "run_id": run_id,
        "exit_code": exit_code,
        "finished_ns": finished_ns,
        "progress": progress,
    }
    if plan_error is not None:
        header["plan_error"] = plan_error
    upload = _upload(outbox)
    if upload is not None:
        header["outbox"] = upload
    return _line(header, document=document_json)


def _text(message: Start | Finish) -> str:
    return message.document_json or json.dumps(message.document, separators=(",", ":"))


def encode(message: RunMessage) -> bytes:
    """The line for a typed message (as the run's encoders write it)."""
    if isinstance(message, Start):
        return encode_start(
            message.run_id,
            _text(message),
            started_ns=message.started_ns,
            host=message.host,
            writer_pid=message.writer_pid,
            slot=message.slot,
        )
    if isinstance(message, Meta):
        document = json.dumps(message.document, separators=(",", ":"))
        return encode_meta(message.run_id, document, progress=message.progress)
    if isinstance(message, Attempt):
        prefix = attempt_prefix(
            message.run_id,
            message.module_id,
            message.module_name,
            message.case_id,
            message.position,
        )
        return encode_attempt(
            prefix,
            attempt=message.attempt,
            final=message.final,
            started_ns=message.started_ns,
            finished_ns=message.finished_ns,
            case_json=json.dumps(message.case, separators=(",", ":")).encode(),
        )
    if isinstance(message, Module):
        module = json.dumps(message.module, separators=(",", ":"))
        return encode_module(message.run_id, message.module_id, message.position, module)
    if isinstance(message, OperatorEvent):
        return encode_operator(message.run_id, message.position, message.event)
    return encode_finish(
        message.run_id,
        _text(message),
        exit_code=message.exit_code,
        finished_ns=message.finished_ns,
        progress=message.progress,
        outbox=message.outbox,
        plan_error=message.plan_error,
    )


def encode_reply(reply: Reply) -> bytes:
    """The line for a writer's reply."""
    if isinstance(reply, Ready):
        fields: dict[str, Any] = {"op": reply.op, "pid": reply.pid}
    elif isinstance(reply, Failed):
        fields = {"op": reply.op, "message": reply.message, "fatal": reply.fatal}
    else:
        fields = {"op": reply.op, "ok": reply.ok, "run_id": reply.run_id}
        if reply.spooled is not None:
            fields["spooled"] = reply.spooled
    return (json.dumps(fields) + "\n").encode()


# ---------------------------------------------------------------------- decoding

_DOCUMENT = b',"document":'


def _optional_int(value: Any) -> int | None:
    return None if value is None else int(value)


def _object(value: Any, what: str) -> Json:
    # a dict, nearly always: checked first, as an ABC's isinstance is slow (a thousand a run)
    if type(value) is not dict and not isinstance(value, Mapping):
        msg = f"{what} is not a JSON object"
        raise ValueError(msg)
    return value


def _start(m: Mapping[str, Any]) -> Start:
    return Start(
        run_id=str(m["run_id"]),
        document=_object(m["document"], "the document"),
        started_ns=_optional_int(m.get("started_ns")),
        host=m.get("host"),
        writer_pid=_optional_int(m.get("writer_pid")),
        document_json=m.get("document_json"),
        slot=_optional_int(m.get("slot")),
    )


def _meta(m: Mapping[str, Any]) -> Meta:
    return Meta(
        run_id=str(m["run_id"]),
        document=_object(m["document"], "the document"),
        progress=int(m.get("progress", 0)),
    )


def _attempt(m: Mapping[str, Any]) -> Attempt:
    return Attempt(
        run_id=str(m["run_id"]),
        module_id=str(m["module_id"]),
        module_name=str(m["module_name"]),
        case_id=str(m["case_id"]),
        attempt=int(m["attempt"]),
        final=bool(m["final"]),
        position=int(m["position"]),
        case=_object(m["case"], "the case"),
        started_ns=_optional_int(m.get("started_ns")),
        finished_ns=_optional_int(m.get("finished_ns")),
    )


def _module(m: Mapping[str, Any]) -> Module:
    return Module(
        run_id=str(m["run_id"]),
        module_id=str(m["module_id"]),
        position=int(m["position"]),
        module=_object(m["module"], "the module"),
    )


def _operator(m: Mapping[str, Any]) -> OperatorEvent:
    return OperatorEvent(
        run_id=str(m["run_id"]),
        position=int(m["position"]),
        event=_object(m["event"], "the operator event"),
    )


def _finish(m: Mapping[str, Any]) -> Finish:
    outbox = m.get("outbox")
    return Finish(
        run_id=str(m["run_id"]),
        document=_object(m["document"], "the document"),
        exit_code=_optional_int(m.get("exit_code")),
        finished_ns=_optional_int(m.get("finished_ns")),
        progress=int(m.get("progress", 100)),
        outbox=None
        if not outbox
        else Upload(str(outbox["address"]), str(outbox.get("api_mode", "hardpy"))),
        document_json=m.get("document_json"),
        plan_error=None if m.get("plan_error") is None else str(m["plan_error"]),
    )


_READERS: dict[str, Callable[[Mapping[str, Any]], RunMessage]] = {
    Start.op: _start,
    Meta.op: _meta,
    Attempt.op: _attempt,
    Module.op: _module,
    OperatorEvent.op: _operator,
    Finish.op: _finish,
}


def from_mapping(message: Mapping[str, Any] | RunMessage) -> RunMessage:
    """A run message given as a dict (``op`` and the fields, as on the wire), typed.

    A typed message is returned as it is. ``start`` and ``finish`` may carry
    their document's JSON text as ``document_json``: that text is stored.

    Raises:
        ValueError: If it is not a run message (unknown ``op``, a field missing or wrong).
    """
    if type(message) is not dict and not isinstance(message, Mapping):
        return message
    reader = _READERS.get(str(message.get("op")))
    if reader is None:
        msg = f"unknown run message {message.get('op')!r}"
        raise ValueError(msg)
    try:
        return reader(message)
    except (KeyError, TypeError, ValueError) as exc:
        msg = f"not a {message['op']} message ({type(exc).__name__}: {exc})"
        raise ValueError(msg) from exc


def with_run_id(attempt: Mapping[str, Any] | Attempt, run_id: str) -> Attempt:
    """An attempt (typed, or a dict of its fields without ``op``) of the run `run_id`."""
    if isinstance(attempt, Attempt):
        return replace(attempt, run_id=run_id)
    try:
        return _attempt({**attempt, "run_id": run_id})
    except (KeyError, TypeError, ValueError) as exc:
        msg = f"not an attempt ({type(exc).__name__}: {exc})"
        raise ValueError(msg) from exc


def decode(line: bytes) -> RunMessage:
    """A run message from its line (without the newline).

    The document a line ends with is kept as the text the run serialised
    (``document_json``). The marker cannot occur earlier, inside a JSON
    string, where quotes are escaped.

    Raises:
        ValueError: If the line is not a whole run message (the run's death or
            an interrupt can cut one short).
    """
    head, marker, document = line.partition(_DOCUMENT)
    whole = not marker or not document.endswith(b"}")
    message = json.loads(line if whole else head + b"}")
    if not isinstance(message, dict):
        msg = f"not a run message: {line[:80]!r}"
        raise ValueError(msg)
    if not whole:
        text = document[:-1]
        message["document"] = json.loads(text)
        message["document_json"] = text.decode()
    return from_mapping(message)


def decode_reply(line: bytes) -> Reply | None:
    """A writer's reply from its line; None for a line that is not one."""
    try:
        fields = json.loads(line)
    except ValueError:
        return None
    if not isinstance(fields, dict):
        return None
    op = fields.get("op")
    if op == Ready.op:
        return Ready(int(fields.get("pid") or 0))
    if op == Failed.op:
        return Failed(str(fields.get("message")), bool(fields.get("fatal")))
    if op == Done.op:
        spooled = fields.get("spooled")
        return Done(
            bool(fields.get("ok")), fields.get("run_id"), None if spooled is None else str(spooled)
        )
    return None
