"""One slot of a stand: a normal hardlab run in its own process, driven by its parent.

Started by `hardlab.runner._slots.SlotRuns` as
``python -m hardlab.runner._slot_child READ_FD WRITE_FD``: it reads its job
from READ_FD, runs the plan with `execute` (its own pytest session, report,
store row and result) and reports over WRITE_FD in the JSON lines of
`hardlab.runner._wire`. Dialogs go to the parent unless the job gives
scripted answers; a ``stop`` from the parent, or the parent going away,
stops the run cleanly.
"""

from __future__ import annotations

import itertools
import json
import sys
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from hardlab.errors import DialogCancelledError, HardlabError, NoAnswerError
from hardlab.events import (
    AlertRaised,
    CaseFinished,
    CaseStarted,
    Event,
    RunFinished,
    RunStarted,
)
from hardlab.operators import Answer, DialogRequest, MessageRequest, Operator, wait_for_answer
from hardlab.runner._wire import LineReader, Wire, attempt_to_json, result_to_json
from hardlab.runtime import RunSpec, RunState

__all__ = ["main"]


class Channel:
    """The child's end of the pipes: sends messages, and reads the parent's in a thread."""

    def __init__(self, reader: LineReader, wire: Wire, slot: int) -> None:
        self.reader = reader
        self.wire = wire
        self.slot = slot
        self._pending: dict[str, tuple[threading.Event, dict[str, Any]]] = {}
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._run: RunState | None = None
        self._stop_asked = False

    def send(self, op: str, **fields: Any) -> None:
        """Send one message to the parent."""
        self.wire.send({"op": op, "slot": self.slot, **fields})

    def start_reading(self) -> None:
        """Read the parent's answers and stops in a daemon thread."""
        threading.Thread(target=self._read, name="hardlab-slot-reader", daemon=True).start()

    def _read(self) -> None:
        while True:
            message = self.reader.read()
            if message is None:  # the parent has gone: stop cleanly, keep what was done
                self.stop()
                return
            op = message.get("op")
            if op == "stop":
                self.stop()
            elif op in ("answer", "refuse", "ack"):
                with self._lock:
                    waiting = self._pending.get(str(message.get("id")))
                if waiting is not None:
                    waiting[1].update(message)
                    waiting[0].set()

    def bind(self, run: RunState) -> None:
        """The run is set up: a stop asked before now is applied now."""
        with self._lock:
            self._run = run
            asked = self._stop_asked
        if asked:
            run.request_stop()

    def stop(self) -> None:
        """Stop the run as `RunHandle.stop` does (the running case's code is interrupted)."""
        with self._lock:
            self._stop_asked = True
            run = self._run
        if run is not None:
            run.request_stop(interrupt=True)

    def ask(
        self, op: str, request: DialogRequest | MessageRequest, **fields: Any
    ) -> dict[str, Any]:
        """Send a dialog or message to the parent and wait for its reply.

        Raises:
            DialogCancelledError: If the run is stopped while it waits.
        """
        key = str(next(self._ids))
        answered = threading.Event()
        reply: dict[str, Any] = {}
        with self._lock:
            self._pending[key] = (answered, reply)
        try:
            self.send(op, id=key, **fields)
            try:
                wait_for_answer(answered, request)
            except DialogCancelledError:
                self.send("cancel", id=key)
                raise
        finally:
            with self._lock:
                self._pending.pop(key, None)
        if reply.get("op") == "refuse":
            raise NoAnswerError(str(reply.get("error") or "the operator gave no answer"))
        return reply


class ParentOperator:
    """The slot's operator: every dialog and blocking message is answered in the parent."""

    def __init__(self, channel: Channel) -> None:
        self._channel = channel

    def ask(self, request: DialogRequest) -> Answer:
        """Ask the parent; its answer.

        Raises:
            DialogCancelledError: If the run is stopped meanwhile.
            NoAnswerError: If the parent's operator gave none.
        """
        reply = self._channel.ask(
            "dialog",
            request,
            run_id=request.run_id,
            module_id=request.module_id,
            case_id=request.case_id,
            module_name=request.module_name,
            case_name=request.case_name,
            attempt=request.attempt,
            dialog=request.dialog.to_dict(),
        )
        result = reply.get("result", "confirm")
        if result not in ("confirm", "passed", "failed"):
            result = "confirm"
        return Answer(result, str(reply.get("data") or ""))

    def acknowledge(self, request: MessageRequest) -> None:
        """Show the message in the parent; return when it was closed.

        Raises:
            DialogCancelledError: If the run is stopped meanwhile.
            NoAnswerError: If the parent could not show it.
        """
        shown = {key: value for key, value in request.to_dict().items() if key != "id"}
        self._channel.ask("message", request, **shown, message_id=request.id, run_id=request.run_id)


class WireListener:
    """Sends the run's events the parent shows (status, cases, alerts) over the wire."""

    def __init__(self, channel: Channel) -> None:
        self._channel = channel

    def handle(self, event: Event) -> None:
        """Send `event` if the parent shows it."""
        send = self._channel.send
        if isinstance(event, RunStarted):
            run = event.run
            send(
                "started",
                run_id=str(run.run_id),
                name=run.name,
                cases=run.read(lambda doc: sum(len(m.cases) for m in doc.modules.values())),
                document=json.loads(run.document_json()),
            )
        elif isinstance(event, CaseStarted):
            send(
                "case_start",
                module_id=event.module_id,
                case_id=event.case_id,
                attempt=event.attempt,
            )
        elif isinstance(event, CaseFinished):
            send("case", progress=event.run.progress, **attempt_to_json(event.attempt))
        elif isinstance(event, AlertRaised):
            send("alert", text=event.text)
        elif isinstance(event, RunFinished):
            send("finished", status=event.status.value, exit_code=event.exit_code)


def _operator(job: Mapping[str, Any], channel: Channel) -> Operator | None:
    from hardlab.operators import ScriptedOperator

    choice = job.get("operator") or {}
    kind = choice.get("kind", "none")
    if kind == "parent":
        return ParentOperator(channel)
    if kind == "answers":
        answers = choice.get("answers")
        if isinstance(answers, str):
            return ScriptedOperator.from_file(answers, slot=channel.slot)
        return ScriptedOperator.from_data(answers, slot=channel.slot)
    return None


def spec_from_job(job: Mapping[str, Any], channel: Channel) -> RunSpec:
    """The slot's `RunSpec` from its job: the parent's fields, this slot, the wire.

    Raises:
        ConfigError: If the scripted answers are invalid.
    """
    fields = job["spec"]
    slot = channel.slot
    return RunSpec(
        targets=tuple(fields["targets"]),
        plan_dir=Path(fields["plan_dir"]) if fields.get("plan_dir") else None,
        start_args={**fields.get("start_args", {}), "slot": str(slot)},
        operator=_operator(job, channel),
        store=fields.get("store"),
        report_dir=Path(fields["report_dir"]) if fields.get("report_dir") else None,
        pytest_args=tuple(fields.get("pytest_args", ())),
        select=fields.get("select"),
        capture=fields.get("capture"),
        quiet=bool(fields.get("quiet", True)),
        chdir=bool(fields.get("chdir", True)),
        tests_name=fields.get("tests_name"),
        attempt_delay=fields.get("attempt_delay"),
        handle_sigterm=True,
        run_id=None,
        listeners=(WireListener(channel),),
        on_run=channel.bind,
        hardpy_alias=fields.get("hardpy_alias"),
        launched=True,
        slot=slot,
    )


def main(argv: list[str] | None = None) -> int:
    """Run one slot's job; the exit code is 0 once its result is sent."""
    from hardlab.runner._run import execute

    args = sys.argv[1:] if argv is None else argv
    reader = LineReader(int(args[0]))
    wire = Wire(int(args[1]))
    job = reader.read()
    if job is None or job.get("op") != "job":
        return 4
    channel = Channel(reader, wire, int(job["slot"]))
    channel.start_reading()
    try:
        result = execute(spec_from_job(job, channel))
    except HardlabError as exc:
        channel.send("failed", error=str(exc), kind=type(exc).__name__)
        return 4
    channel.send("result", result=result_to_json(result))
    wire.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
