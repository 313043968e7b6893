"""Several boards at once on one stand: one process per slot, driven from here.

`SlotRuns` starts ``python -m hardlab.runner._slot_child`` once per slot,
each with the same `RunSpec` fields and its slot number, and talks to each
over a pair of pipes (`hardlab.runner._wire` documents the JSON lines).
Each slot is a whole hardlab run of its own: its own pytest session, report,
store row and `RunResult`; pytest state never mixes between slots.

What a user interface does with the slots, it does through three seams, so
that the terminal (``hardlab run --slots``), a notebook's panels and the
station can share this class:

* ``on_event(SlotEvent)``: every message a slot sends (``started``,
  ``case_start``, ``case``, ``alert``, ``dialog``, ``message``, ``cancel``,
  ``finished``, ``result``, ``failed``, ``crashed``), called in that slot's
  reader thread;
* the operator: one `Operator` for every slot (its dialogs asked one at a
  time, titled ``[slot N] ...``), or a function giving each slot its own
  (a panel per slot); scripted answers are read by the slot itself;
* ``on_output(slot, line)``: what a slot's process prints outside pytest's
  capture.

`stop` stops one slot or all cleanly (each run ends ``stopped`` and keeps
what it did); a slot whose process dies does not disturb the others and
gets a ``failed`` result that says so.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Generator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hardlab.errors import ConfigError, HardlabError, PlanError
from hardlab.model.enums import TestStatus
from hardlab.model.report import ResultRunStore
from hardlab.operators import Operator
from hardlab.runner._result import RunResult
from hardlab.runner._wire import (
    LineReader,
    Wire,
    dialog_request,
    message_request,
    result_from_json,
)
from hardlab.runtime import RunSpec

__all__ = ["CRASH_EXIT_CODE", "OperatorChoice", "SlotEvent", "SlotRuns", "slots_exit_code"]

CRASH_EXIT_CODE = 3
"""The exit code of a slot whose process died before its run finished (pytest's internal error)."""

OperatorChoice = Operator | Callable[[int], Operator | None] | None
"""Who answers the slots' dialogs in the parent: one operator, one per slot, or nobody."""


@dataclass(frozen=True)
class SlotEvent:
    """One message from a slot (see `hardlab.runner._wire` for each ``op`` and its fields).

    Attributes:
        slot: The slot (1..N).
        op: The message's kind.
        data: Its fields.
    """

    slot: int
    op: str
    data: Mapping[str, Any] = field(default_factory=dict)


def slots_exit_code(results: Sequence[RunResult]) -> int:
    """0 when every slot passed, else the highest exit code of the slots."""
    if results and all(result.passed and result.exit_code == 0 for result in results):
        return 0
    return max((result.exit_code for result in results), default=5) or 1


def _spec_fields(spec: RunSpec) -> dict[str, Any]:
    """What a slot process needs of `spec`: its JSON-ready fields."""
    return {
        "targets": list(spec.targets),
        "plan_dir": str(spec.plan_dir) if spec.plan_dir is not None else None,
        "start_args": dict(spec.start_args),
        "store": spec.store,
        "report_dir": str(spec.report_dir) if spec.report_dir is not None else None,
        "pytest_args": list(spec.pytest_args),
        "select": spec.select,
        "capture": spec.capture,
        "quiet": spec.quiet,
        "chdir": spec.chdir,
        "tests_name": spec.tests_name,
        "attempt_delay": spec.attempt_delay,
        "hardpy_alias": spec.hardpy_alias,
    }


def _child_env() -> dict[str, str]:
    env = dict(os.environ)
    # the slots import the hardlab this process runs, wherever it was found
    root = str(Path(__file__).resolve().parents[2])
    paths = env.get("PYTHONPATH", "")
    env["PYTHONPATH"] = root + (os.pathsep + paths if paths else "")
    return env


class _Slot:
    """One slot's process, pipes, threads and what it reported."""

    def __init__(self, number: int) -> None:
        self.number = number
        self.process: subprocess.Popen[bytes] | None = None
        self.wire: Wire | None = None
        self.reader: threading.Thread | None = None
        self.output: threading.Thread | None = None
        self.started: Mapping[str, Any] | None = None
        self.result: RunResult | None = None
        self.failure: str | None = None
        self.pending: dict[str, threading.Event] = {}
        self.spawned = time.perf_counter()


class SlotRuns:
    """N slots running one plan at once, each in its own process (see the module's text).

    Args:
        spec: The run every slot makes (its fields; not its operator,
            listeners or ``on_run``, which cannot cross processes).
        slots: How many (1 or more).
        operator: Who answers dialogs in this process: one `Operator` for
            all slots, a function slot -> operator, or None.
        answers: Scripted answers each slot reads itself, with the
            answers file's per-slot sections: a file path, or answers data
            (see `ScriptedOperator.from_data`). It replaces `operator`.
        on_event: Called with every `SlotEvent`, in the slot's reader thread.
        on_output: Called with each line a slot's process prints.
        numbers: Run only these slots of the stand (a station's Start on one
            slot: ``numbers=[3]``); default: all, 1..`slots`.

    Raises:
        ConfigError: If `slots` is less than 1, the spec has listeners or
            ``on_run``, or a number is not one of the stand's slots.
    """

    def __init__(
        self,
        spec: RunSpec,
        slots: int,
        *,
        operator: OperatorChoice = None,
        answers: str | Mapping[str, Any] | Sequence[Any] | None = None,
        on_event: Callable[[SlotEvent], None] | None = None,
        on_output: Callable[[int, str], None] | None = None,
        numbers: Sequence[int] | None = None,
    ) -> None:
        if isinstance(slots, bool) or slots < 1:
            msg = f"slots={slots!r}: give the number of slots, 1 or more"
            raise ConfigError(msg)
        if spec.listeners or spec.on_run is not None:
            msg = (
                "listeners and on_run cannot be used with slots: each slot runs in its own "
                "process; follow the slots with on_event instead"
            )
            raise ConfigError(msg)
        chosen = list(range(1, slots + 1)) if numbers is None else sorted(set(numbers))
        if not chosen or any(not 1 <= number <= slots for number in chosen):
            msg = f"numbers={numbers!r}: choose among the stand's slots 1..{slots}"
            raise ConfigError(msg)
        self.spec = spec
        self.count = len(chosen)
        self._operator = operator
        self._answers = answers
        self._on_event = on_event
        self._on_output = on_output
        self._ask_lock = threading.Lock()  # one shared operator asks one dialog at a time
        self._slots = [_Slot(number) for number in chosen]
        self._started = False

    def __repr__(self) -> str:
        done = sum(slot.result is not None for slot in self._slots)
        return f"<SlotRuns {self.count} slots, {done} done>"

    # ------------------------------------------------------------------ lifetime

    def _job(self, number: int) -> dict[str, Any]:
        operator: dict[str, Any]
        if self._answers is not None:
            answers = self._answers
            data = answers if isinstance(answers, str) else _plain(answers)
            operator = {"kind": "answers", "answers": data}
        elif self._operator is not None:
            operator = {"kind": "parent"}
        else:
            operator = {"kind": "none"}
        return {"op": "job", "slot": number, "spec": _spec_fields(self.spec), "operator": operator}

    def start(self) -> SlotRuns:
        """Start every slot's process; returns at once.

        Raises:
            RuntimeError: If the slots were started already.
        """
        if self._started:
            msg = "these slots were started already"
            raise RuntimeError(msg)
        self._started = True
        env = _child_env()
        for slot in self._slots:
            self._spawn(slot, env)
        return self

    def _spawn(self, slot: _Slot, env: dict[str, str]) -> None:
        slot.spawned = time.perf_counter()
        to_child_r, to_child_w = os.pipe()
        from_child_r, from_child_w = os.pipe()
        try:
            slot.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "hardlab.runner._slot_child",
                    str(to_child_r),
                    str(from_child_w),
                ],
                pass_fds=(to_child_r, from_child_w),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                env=env,
                # the terminal's Ctrl-C reaches this process only: it stops the slots cleanly
                start_new_session=True,
            )
        finally:
            os.close(to_child_r)
            os.close(from_child_w)
        slot.wire = Wire(to_child_w)
        slot.wire.send(self._job(slot.number))
        slot.reader = threading.Thread(
            target=self._read, args=(slot, LineReader(from_child_r)), daemon=True
        )
        slot.output = threading.Thread(target=self._relay, args=(slot,), daemon=True)
        slot.reader.start()
        slot.output.start()

    def stop(self, slot: int | None = None) -> None:
        """Stop one slot (1..N) or every slot cleanly: each run ends ``stopped``."""
        for entry in self._slots:
            if slot is not None and entry.number != slot:
                continue
            if entry.result is not None or entry.process is None:
                continue
            sent = entry.wire is not None and entry.wire.send({"op": "stop"})
            if not sent and entry.process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    entry.process.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        """End every slot's process at once (what its run did so far is kept by its store)."""
        for entry in self._slots:
            if entry.process is not None and entry.process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    entry.process.kill()

    @property
    def done(self) -> bool:
        """Whether every slot has ended (`wait` returns at once)."""
        return self._started and all(
            slot.reader is not None and not slot.reader.is_alive() for slot in self._slots
        )

    def __await__(self) -> Generator[Any, None, list[RunResult]]:
        """``await`` the slots in a notebook cell (the kernel keeps answering meanwhile)."""
        import asyncio

        async def ended() -> list[RunResult]:
            if not self._started:
                self.start()
            while not self.done:
                await asyncio.sleep(0.05)
            return self.wait()

        return ended().__await__()

    def results(self) -> list[RunResult | None]:
        """Each slot's result so far (None while it runs), by slot."""
        return [slot.result for slot in self._slots]

    def wait(self, timeout: float | None = None) -> list[RunResult]:
        """Wait until every slot has ended; their results, by slot.

        The wait wakes often, so Ctrl-C (``KeyboardInterrupt``) reaches the
        caller, which then usually calls `stop` and waits again.

        Raises:
            TimeoutError: If `timeout` seconds passed first.
            PlanError: If no slot could run the plan (each said why).
        """
        if not self._started:
            self.start()
        deadline = None if timeout is None else time.monotonic() + timeout
        for slot in self._slots:
            assert slot.reader is not None
            while slot.reader.is_alive():
                if deadline is not None and time.monotonic() >= deadline:
                    msg = f"the slots did not end within {timeout} s"
                    raise TimeoutError(msg)
                slot.reader.join(0.1)
        for slot in self._slots:
            if slot.output is not None:
                slot.output.join(5)
        failures = [slot.failure for slot in self._slots if slot.failure is not None]
        if len(failures) == self.count:
            raise PlanError(failures[0])
        return [slot.result for slot in self._slots if slot.result is not None]

    # ------------------------------------------------------------------ messages

    def _emit(self, slot: _Slot, op: str, data: Mapping[str, Any]) -> None:
        if self._on_event is None:
            return
        try:
            self._on_event(SlotEvent(slot.number, op, data))
        except Exception as exc:  # noqa: BLE001 - a broken view must not lose a slot's result
            print(f"hardlab: slot view failed on {op}: {exc!r}", file=sys.stderr)

    def _read(self, slot: _Slot, reader: LineReader) -> None:
        try:
            while True:
                message = reader.read()
                if message is None:
                    break
                self._take(slot, message)
        finally:
            reader.close()
            self._ended(slot)

    def _take(self, slot: _Slot, message: dict[str, Any]) -> None:
        op = str(message.get("op"))
        if op == "started":
            slot.started = message
        elif op == "result":
            slot.result = result_from_json(message["result"])
        elif op == "failed":
            slot.failure = f"slot {slot.number}: {message.get('error')}"
        elif op in ("dialog", "message"):
            stop = threading.Event()
            slot.pending[str(message.get("id"))] = stop
            threading.Thread(
                target=self._answer, args=(slot, op, message, stop), daemon=True
            ).start()
        elif op == "cancel":
            stop_event = slot.pending.pop(str(message.get("id")), None)
            if stop_event is not None:
                stop_event.set()
        self._emit(slot, op, message)

    def _operator_for(self, slot: int) -> tuple[Operator | None, bool]:
        """The operator of `slot`, and whether every slot shares it."""
        choice = self._operator
        if choice is None:
            return None, False
        if isinstance(choice, Operator):
            return choice, True
        return choice(slot), False

    def _answer(self, slot: _Slot, op: str, message: dict[str, Any], stop: threading.Event) -> None:
        key = str(message.get("id"))
        operator, shared = self._operator_for(slot.number)
        reply: dict[str, Any]
        try:
            if operator is None:
                msg = f"slot {slot.number}: nobody answers its dialogs"
                raise HardlabError(msg)
            with self._ask_lock if shared else contextlib.nullcontext():
                if stop.is_set():
                    return
                if op == "dialog":
                    request = dialog_request(message, stop)
                    if shared:  # one terminal for every slot: say which one asks
                        request.dialog.title_bar = f"[slot {slot.number}] {request.title}"
                    answer = operator.ask(request)
                    reply = {"op": "answer", "id": key, "result": answer.result}
                    reply["data"] = answer.data
                else:
                    shown = message_request(message, stop)
                    if shared:
                        shown = _titled(shown, slot.number)
                    operator.acknowledge(shown)
                    reply = {"op": "ack", "id": key}
        except Exception as exc:  # noqa: BLE001 - the slot's case fails with the reason
            reply = {"op": "refuse", "id": key, "error": str(exc) or type(exc).__name__}
        finally:
            slot.pending.pop(key, None)
        if slot.wire is not None:
            slot.wire.send(reply)

    def _relay(self, slot: _Slot) -> None:
        process = slot.process
        if process is None or process.stdout is None:
            return
        for raw in iter(process.stdout.readline, b""):
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            if self._on_output is not None:
                try:
                    self._on_output(slot.number, line)
                except Exception:  # noqa: BLE001 - output is best effort
                    continue
        process.stdout.close()

    def _ended(self, slot: _Slot) -> None:
        """The slot's messages ended: reap its process; a slot that died gets a failed result."""
        process = slot.process
        code = process.wait() if process is not None else None
        if slot.wire is not None:
            slot.wire.close()
        for stop in list(slot.pending.values()):
            stop.set()
        if slot.result is not None or slot.failure is not None:
            return
        why = f"signal {-code}" if code is not None and code < 0 else f"exit code {code}"
        text = f"slot {slot.number}: its process ended ({why}) before its run finished"
        slot.result = self._crashed(slot, text)
        self._emit(slot, "crashed", {"error": text, "returncode": code})

    def _crashed(self, slot: _Slot, text: str) -> RunResult:
        import uuid

        started = slot.started or {}
        document = started.get("document")
        if document is not None:
            report = ResultRunStore.model_validate(document)
        else:
            from hardlab.runtime import RunState

            report = RunState(name=self.spec.tests_name or "").snapshot()
        report.status = TestStatus.FAILED
        run_id = started.get("run_id")
        return RunResult(
            run_id=uuid.UUID(run_id) if run_id else uuid.uuid4(),
            status=TestStatus.FAILED,
            report=report,
            exit_code=CRASH_EXIT_CODE,
            errors=(text,),
            duration=time.perf_counter() - slot.spawned,
            slot=slot.number,
        )


def _titled(request: Any, slot: int) -> Any:
    from dataclasses import replace

    return replace(request, title=f"[slot {slot}] {request.title or 'Message'}")


def _plain(answers: Mapping[str, Any] | Sequence[Any]) -> Any:
    """Answers data as JSON carries it, or a `ConfigError` naming what does not fit."""
    import json

    try:
        return json.loads(json.dumps(answers))
    except (TypeError, ValueError) as exc:
        msg = f"answers for slots must be JSON data (text, numbers, lists, tables): {exc}"
        raise ConfigError(msg) from exc
