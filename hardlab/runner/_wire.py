"""What a slot process and its parent say to each other: JSON lines over two pipes.

A stand with several slots runs one process per slot
(``python -m hardlab.runner._slot_child``); the parent (``hardlab run
--slots``, `hardlab.run` with ``slots=``, ``%hardpy run --slots``, the station)
talks to each over a pair of pipes. Each message is one JSON object on one
line; its kind is ``op``.

Parent to child:

==========  ==================================================================
job         the first line: the run to make (`RunSpec` fields), the slot, who
            answers dialogs (``operator``: ``parent``, ``none`` or ``answers``)
answer      the operator's answer to dialog ``id``: ``result``, ``data``
refuse      dialog or message ``id`` cannot be answered: ``error`` (the case fails)
ack         blocking message ``id`` was closed
stop        stop the run cleanly (as SIGTERM does)
==========  ==================================================================

Child to parent (every one carries ``slot``):

==========  ==================================================================
started     the run began: ``run_id``, ``name``, ``cases``, ``document`` (the
            report as it began, every case ``ready``)
case_start  a case attempt began: ``module_id``, ``case_id``, ``attempt``
case        a case attempt ended: ``module_id``, ``case_id``, ``module_name``,
            ``attempt``, ``final``, ``status``, ``started_ns``, ``finished_ns``,
            ``case`` (the case as HardPy's schema v1 has it)
alert       the run's alert: ``text``
dialog      a dialog waits for the operator: ``id``, ``run_id``, ``module_id``,
            ``case_id``, ``module_name``, ``case_name``, ``attempt``, ``dialog``
            (`DialogBox.to_dict`)
message     a blocking operator message: ``id``, ``msg``, ``title``, ...
cancel      dialog or message ``id`` is no longer asked (the run stops)
finished    the run ended: ``status``, ``exit_code``
result      the `RunResult`, last line before the child exits
failed      the run could not be made: ``error`` (a `HardlabError`'s text)
==========  ==================================================================

This module is standard library and hardlab's model only.
"""

from __future__ import annotations

import json
import os
import threading
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from hardlab.events import CaseAttempt
from hardlab.model.dialog import DialogBox, HTMLComponent, ImageComponent, IWidget
from hardlab.model.enums import TestStatus
from hardlab.model.report import CaseRunStore, ResultRunStore
from hardlab.operators import DialogRequest, MessageRequest

__all__ = [
    "LineReader",
    "Wire",
    "attempt_from_json",
    "attempt_to_json",
    "dialog_from_dict",
    "dialog_request",
    "message_request",
    "result_from_json",
    "result_to_json",
]


class Wire:
    """One direction of the pipe pair: whole JSON lines, one ``os.write`` each, thread-safe."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self._lock = threading.Lock()
        self.closed = False

    def send(self, message: Mapping[str, Any]) -> bool:
        """Write one message; False when the other side has gone."""
        data = (json.dumps(message, separators=(",", ":"), default=str) + "\n").encode("utf-8")
        with self._lock:
            if self.closed:
                return False
            try:
                view = memoryview(data)
                while view:
                    written = os.write(self.fd, view)
                    view = view[written:]
            except OSError:  # the reader ended (a crashed parent or child)
                self.closed = True
                return False
            return True

    def close(self) -> None:
        """Close the descriptor (the reader sees the end)."""
        with self._lock:
            if not self.closed:
                self.closed = True
                os.close(self.fd)


class LineReader:
    """Reads JSON messages from a descriptor, one per line; None at the end."""

    def __init__(self, fd: int) -> None:
        self._file = os.fdopen(fd, "rb", buffering=0)
        self._buffer = b""

    def read(self) -> dict[str, Any] | None:
        """The next message, or None once the writer closed its end."""
        while True:
            cut = self._buffer.find(b"\n")
            if cut >= 0:
                line, self._buffer = self._buffer[:cut], self._buffer[cut + 1 :]
                if not line.strip():
                    continue
                message = json.loads(line)
                return message if isinstance(message, dict) else None
            try:
                chunk = self._file.read(65536)
            except OSError:
                chunk = b""
            if not chunk:
                return None
            self._buffer += chunk

    def close(self) -> None:
        """Close the descriptor."""
        self._file.close()


def _component(cls: type[Any], data: Mapping[str, Any] | None) -> Any:
    # the components' to_dict keys are their attribute names: rebuilt without
    # their constructors, which would read the image file again
    if data is None:
        return None
    component = object.__new__(cls)
    component.__dict__.update(data)
    return component


def dialog_from_dict(data: Mapping[str, Any]) -> DialogBox:
    """A `DialogBox` from its `DialogBox.to_dict` (its widget keeps its type and info)."""
    dialog = DialogBox.__new__(DialogBox)
    widget = IWidget()
    widget_data = data.get("widget") or {}
    widget.type = str(widget_data.get("type") or "base")
    widget.info = dict(widget_data.get("info") or {})
    dialog.widget = widget
    dialog.image = _component(ImageComponent, data.get("image"))
    dialog.html = _component(HTMLComponent, data.get("html"))
    dialog.dialog_text = str(data.get("dialog_text") or "")
    dialog.title_bar = data.get("title_bar")
    dialog.visible = bool(data.get("visible", True))
    dialog.id = str(data.get("id") or uuid.uuid4())
    dialog.font_size = int(data.get("font_size") or 14)
    dialog.pass_fail = bool(data.get("pass_fail"))
    dialog.button_text = data.get("button_text")
    return dialog


def dialog_request(message: Mapping[str, Any], stop: threading.Event) -> DialogRequest:
    """The `DialogRequest` a ``dialog`` message describes, for an operator in the parent."""
    return DialogRequest(
        dialog=dialog_from_dict(message["dialog"]),
        run_id=str(message.get("run_id", "")),
        module_id=str(message.get("module_id", "")),
        case_id=str(message.get("case_id", "")),
        module_name=str(message.get("module_name", "")),
        case_name=str(message.get("case_name", "")),
        attempt=int(message.get("attempt", 1)),
        stop=stop,
    )


def message_request(message: Mapping[str, Any], stop: threading.Event) -> MessageRequest:
    """The `MessageRequest` a ``message`` message describes."""
    return MessageRequest(
        msg=str(message.get("msg", "")),
        title=message.get("title"),
        block=True,
        image=_component(ImageComponent, message.get("image")),
        html=_component(HTMLComponent, message.get("html")),
        font_size=int(message.get("font_size") or 14),
        id=str(message.get("id", "")),
        run_id=str(message.get("run_id", "")),
        module_id=message.get("module_id"),
        case_id=message.get("case_id"),
        stop=stop,
    )


def attempt_to_json(attempt: CaseAttempt) -> dict[str, Any]:
    """A `CaseAttempt` as JSON-ready data."""
    return {
        "module_id": attempt.module_id,
        "case_id": attempt.case_id,
        "attempt": attempt.attempt,
        "final": attempt.final,
        "module_name": attempt.module_name,
        "started_ns": attempt.started_ns,
        "finished_ns": attempt.finished_ns,
        "status": attempt.status.value,
        "case": attempt.case.model_dump(mode="json", by_alias=True),
    }


def attempt_from_json(data: Mapping[str, Any]) -> CaseAttempt:
    """The `CaseAttempt` a ``case`` message (or a result's attempt) carries."""
    return CaseAttempt(
        module_id=data["module_id"],
        case_id=data["case_id"],
        attempt=int(data["attempt"]),
        final=bool(data["final"]),
        case=CaseRunStore.model_validate(data["case"]),
        module_name=data.get("module_name", ""),
        started_ns=data.get("started_ns"),
        finished_ns=data.get("finished_ns"),
    )


def result_to_json(result: Any) -> dict[str, Any]:
    """A `RunResult` as JSON-ready data (the ``result`` message)."""
    return {
        "run_id": str(result.run_id),
        "status": result.status.value,
        "report": result.report.model_dump(mode="json", by_alias=True),
        "exit_code": result.exit_code,
        "attempts": [attempt_to_json(attempt) for attempt in result.attempts],
        "errors": list(result.errors),
        "report_path": str(result.report_path) if result.report_path is not None else None,
        "duration": result.duration,
        "store_url": result.store_url,
        "node_ids": dict(result.node_ids),
        "slot": result.slot,
    }


def result_from_json(data: Mapping[str, Any]) -> Any:
    """The `RunResult` a ``result`` message carries."""
    from hardlab.runner._result import RunResult

    return RunResult(
        run_id=uuid.UUID(data["run_id"]),
        status=TestStatus(data["status"]),
        report=ResultRunStore.model_validate(data["report"]),
        exit_code=int(data["exit_code"]),
        attempts=tuple(attempt_from_json(item) for item in data.get("attempts", ())),
        errors=tuple(data.get("errors", ())),
        report_path=Path(data["report_path"]) if data.get("report_path") else None,
        duration=float(data.get("duration", 0.0)),
        store_url=data.get("store_url"),
        node_ids=dict(data.get("node_ids") or {}),
        slot=data.get("slot"),
    )
