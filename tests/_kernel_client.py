"""A real kernel driven like a widget frontend, from plain synchronous test code.

:class:`KernelSession` starts a kernel with a given interpreter, working folder
and environment, and owns its ZMQ sockets on one I/O thread: that thread sends
what the test queues and records every message it receives (IOPub, shell,
control) with its arrival time. The test thread never touches a socket, so it
can ``execute`` a cell that blocks, wait for the widgets the cell opens, type
and click like JupyterLab does, and check what came back and in which order::

    with KernelSession(kernel.python, cwd=tmp_path) as kernel:
        cell = kernel.execute(CODE_THAT_WAITS_FOR_THE_BUTTON)
        after = kernel.execute("print('after')")
        text = kernel.wait_widget("TextModel", placeholder="serial")
        button = kernel.wait_widget("ButtonModel", description="OK")
        kernel.send_update(text.comm_id, {"value": "SN-1"})
        kernel.click(button.comm_id)
        assert kernel.wait_reply(cell)["status"] == "ok"
        kernel.assert_ran_after(cell, after)

Waits take a timeout and fail with :class:`KernelTimeoutError` (an ``AssertionError``)
naming what was awaited, the last messages and the kernel's stderr.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import queue
import shutil
import signal
import sys
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import zmq
from jupyter_client.kernelspec import KernelSpec, KernelSpecManager
from jupyter_client.manager import KernelManager
from traitlets import Instance

#: Default for every wait, in seconds (a 2-core CI machine starting several kernels).
TIMEOUT = 30.0

_POLL_MS = 50
_CLOSE_TIMEOUT_S = 60.0
_WAKE_URL = "inproc://hardlab-kernel-session-wake-{}"
_session_numbers = itertools.count()


class KernelTimeoutError(AssertionError):
    """A wait on the kernel ran out of time; the message tells what was seen instead."""


class KernelDiedError(AssertionError):
    """The kernel process ended while the test waited on it."""


@dataclass(frozen=True)
class Message:
    """One message as the client received it.

    Attributes:
        channel: ``"iopub"``, ``"shell"`` or ``"control"``.
        seq: Arrival order over all channels (IOPub messages keep the kernel's order).
        received: ``time.monotonic()`` at arrival.
        msg: The deserialised Jupyter message (header, parent_header, content, ...).
    """

    channel: str
    seq: int
    received: float
    msg: dict[str, Any]

    @property
    def msg_type(self) -> str:
        """The header's message type."""
        return str(self.msg["header"]["msg_type"])

    @property
    def parent_id(self) -> str | None:
        """The ``msg_id`` of the request this message answers, if any."""
        parent = self.msg.get("parent_header") or {}
        return parent.get("msg_id")

    @property
    def content(self) -> dict[str, Any]:
        """The message content."""
        return dict(self.msg["content"])

    def __str__(self) -> str:
        content = self.msg["content"]
        detail = ""
        if self.msg_type == "stream":
            detail = repr(content.get("text", ""))[:80]
        elif self.msg_type == "status":
            detail = content.get("execution_state", "")
        elif self.msg_type in {"comm_open", "comm_msg", "comm_close"}:
            data = content.get("data", {})
            detail = f"{_short(content.get('comm_id', ''))} {data.get('method', '')} "
            detail += repr(data.get("state", data.get("content", "")))[:80]
        elif self.msg_type in {"error", "execute_reply"}:
            detail = f"{content.get('status', '')} {content.get('ename', '')} "
            detail += str(content.get("evalue", ""))[:80]
        parent = _short(self.parent_id) if self.parent_id else "-"
        return f"{self.channel}:{self.msg_type} parent={parent} {detail}".rstrip()


@dataclass
class CellOutput:
    """What a cell (or any request) produced on IOPub.

    Attributes:
        stdout: Everything streamed to stdout, joined.
        stderr: Everything streamed to stderr, joined.
        displays: The ``data`` bundles of display_data, update_display_data and execute_result.
        errors: ``{"ename", "evalue", "traceback"}`` of each error message.
    """

    stdout: str = ""
    stderr: str = ""
    displays: list[dict[str, Any]] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)

    @property
    def text(self) -> str:
        """stdout, stderr, the text/plain of displays and the error names, for searching."""
        plain = [str(bundle.get("text/plain", "")) for bundle in self.displays]
        failures = [f"{error['ename']}: {error['evalue']}" for error in self.errors]
        return "\n".join([self.stdout, self.stderr, *plain, *failures])


@dataclass(frozen=True)
class Widget:
    """A widget model the kernel opened.

    Attributes:
        comm_id: Its comm id, for :meth:`KernelSession.send_update` and :meth:`KernelSession.click`.
        model: ``_model_name``, e.g. ``"TextModel"``.
        state: The full state sent with ``comm_open``.
    """

    comm_id: str
    model: str
    state: dict[str, Any]


class _OneSpec(KernelSpecManager):
    # Every kernel name resolves to this one spec: no user or system kernelspec leaks in.
    spec = Instance(KernelSpec)

    def get_kernel_spec(self, kernel_name: str) -> KernelSpec:
        return self.spec


def kernel_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment a test kernel runs with: this one minus pytest's variables, plus `extra`.

    ``PYTEST_*`` (e.g. ``PYTEST_ADDOPTS``, ``PYTEST_CURRENT_TEST``) and ``PYTHONPATH``
    would change what a pytest session inside the kernel does, so they are dropped.
    """
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("PYTEST_") and key != "PYTHONPATH"
    }
    # Except this checkout, when the suite was told to test it (a git worktree
    # next to an editable install of another): kernels and servers then run
    # the hardlab under test, not the installed one.
    checkout = str(Path(__file__).resolve().parent.parent)
    if checkout in os.environ.get("PYTHONPATH", "").split(os.pathsep):
        env["PYTHONPATH"] = checkout
    env["PYDEVD_DISABLE_FILE_VALIDATION"] = "1"
    env["JUPYTER_PLATFORM_DIRS"] = "1"
    env.update(extra or {})
    return env


class KernelSession:
    """A kernel process plus a recording client; see the module docstring.

    Args:
        python: The interpreter that runs ``ipykernel_launcher``.
        cwd: The kernel's working folder (default: the current one).
        env: Extra environment on top of :func:`kernel_env` (``IPYTHONDIR`` defaults
            to an empty temporary folder so no user profile or startup file runs).
        startup_timeout: Seconds to wait for the first ``kernel_info_reply``.
        log_path: Where the kernel's own stdout and stderr go (default: a temporary file).
    """

    def __init__(
        self,
        python: str | os.PathLike[str] = sys.executable,
        *,
        cwd: str | os.PathLike[str] | None = None,
        env: Mapping[str, str] | None = None,
        startup_timeout: float = 60.0,
        log_path: str | os.PathLike[str] | None = None,
    ) -> None:
        self.python = str(python)
        self.cwd = str(cwd) if cwd is not None else os.getcwd()
        self._scratch = Path(tempfile.mkdtemp(prefix="hardlab-kernel-"))
        extra = {"IPYTHONDIR": str(self._scratch / "ipython"), **(env or {})}
        self.env = kernel_env(extra)
        self.log_path = Path(log_path) if log_path is not None else self._scratch / "kernel.log"
        self._startup_timeout = startup_timeout

        spec = KernelSpec(
            argv=[self.python, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
            display_name="hardlab test kernel",
            language="python",
            interrupt_mode="signal",
        )
        self.manager = KernelManager(
            kernel_name="hardlab-test",
            kernel_spec_manager=_OneSpec(spec=spec),
            connection_file=str(self._scratch / "connection.json"),
        )
        self.session = self.manager.session

        self._lock = threading.Condition()
        self._messages: list[Message] = []
        self._by_parent: dict[str, list[Message]] = defaultdict(list)
        self._widget_state: dict[str, dict[str, Any]] = {}
        self._seq = itertools.count()
        self._outbox: queue.SimpleQueue[tuple[str, dict[str, Any]]] = queue.SimpleQueue()
        self._stopping = threading.Event()
        self._io_error: BaseException | None = None
        self._wake_url = _WAKE_URL.format(next(_session_numbers))
        self._context = zmq.Context()
        self._wake: zmq.Socket[bytes] | None = None
        self._wake_lock = threading.Lock()
        self._io: threading.Thread | None = None
        self._log_handle: Any = None
        self.kernel_info: dict[str, Any] = {}

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> KernelSession:
        """Start the kernel and wait until it answers ``kernel_info`` with IOPub connected.

        Returns:
            self, so ``KernelSession(...).start()`` chains.

        Raises:
            KernelTimeoutError: The kernel did not answer within ``startup_timeout``.
        """
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log_handle = self.log_path.open("ab")
        self.manager.start_kernel(
            cwd=self.cwd, env=self.env, stdout=self._log_handle, stderr=self._log_handle
        )
        ready = threading.Event()
        self._io = threading.Thread(
            target=self._io_main, args=(ready,), name="kernel-session-io", daemon=True
        )
        self._io.start()
        if not ready.wait(10):
            raise KernelTimeoutError("the kernel session's I/O thread did not start")
        self._wait_ready()
        return self

    def _wait_ready(self) -> None:
        # A SUB socket misses what is published before it connects, so keep
        # asking until a reply *and* its IOPub status arrive.
        deadline = time.monotonic() + self._startup_timeout
        while time.monotonic() < deadline:
            msg_id = self._send("shell", self.session.msg("kernel_info_request", {}))
            try:
                reply = self._wait_for(
                    lambda m, i=msg_id: m.channel == "shell" and m.parent_id == i,
                    timeout=min(2.0, max(0.1, deadline - time.monotonic())),
                    what="kernel_info_reply",
                )
                self._wait_for(
                    lambda m, i=msg_id: m.channel == "iopub" and m.parent_id == i,
                    timeout=min(1.0, max(0.1, deadline - time.monotonic())),
                    what="IOPub status of kernel_info",
                )
            except KernelTimeoutError:
                self._check_alive()
                continue
            self.kernel_info = reply.content
            return
        raise KernelTimeoutError(
            f"kernel {self.python} did not answer kernel_info within "
            f"{self._startup_timeout:.0f} s\n{self._diagnostics()}"
        )

    def close(self) -> None:
        """Stop the I/O thread and kill the kernel's process group; safe to call twice.

        Bounded: if jupyter_client's or zmq's teardown does not return within
        `_CLOSE_TIMEOUT_S`, the kernel's process group is killed outright and
        the teardown is left to finish (or not) in its daemon thread, so a
        stuck teardown never holds up the test session.
        """
        pid = getattr(getattr(self.manager, "provisioner", None), "pid", None)
        done = threading.Event()
        errors: list[BaseException] = []

        def teardown() -> None:
            try:
                self._close()
            except BaseException as exc:  # noqa: BLE001 -- re-raised in the caller
                errors.append(exc)
            finally:
                done.set()

        threading.Thread(target=teardown, name="kernel-session-close", daemon=True).start()
        if not done.wait(_CLOSE_TIMEOUT_S):
            if pid is not None:
                with contextlib.suppress(OSError):
                    os.killpg(os.getpgid(pid), signal.SIGKILL)
            print(
                f"kernel session teardown did not end within {_CLOSE_TIMEOUT_S:.0f} s; "
                f"kernel process group of pid {pid} killed\n"
                + "".join(
                    f"{thread.name}: {thread.is_alive()}\n" for thread in threading.enumerate()
                ),
                file=sys.stderr,
            )
            return
        if errors:
            raise errors[0]

    def _close(self) -> None:
        self._stopping.set()
        self._poke()
        if self._io is not None:
            self._io.join(5)
        try:
            if self.manager.has_kernel:
                self.manager.shutdown_kernel(now=True)
        finally:
            self.manager.cleanup_resources()
            if self._wake is not None:
                self._wake.close(linger=0)
                self._wake = None
            if self._io is not None and self._io.is_alive():
                # A stuck I/O thread still holds its wake socket: do not block on it.
                self._context.destroy(linger=0)
            else:
                self._context.term()
            if self._log_handle is not None:
                self._log_handle.close()
                self._log_handle = None
            # The default log lives in the scratch folder: keep it for post-mortems.
            keep_log = self.log_path.parent == self._scratch
            shutil.rmtree(
                self._scratch / "ipython" if keep_log else self._scratch, ignore_errors=True
            )

    def __enter__(self) -> KernelSession:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def alive(self) -> bool:
        """Whether the kernel process is running."""
        return bool(self.manager.is_alive())

    # ------------------------------------------------------------------ I/O thread

    def _io_main(self, ready: threading.Event) -> None:
        sockets = {
            "shell": self.manager.connect_shell(identity=self.session.bsession),
            "iopub": self.manager.connect_iopub(),
            "control": self.manager.connect_control(identity=self.session.bsession),
        }
        channel_of = {sock: name for name, sock in sockets.items()}
        wake = self._context.socket(zmq.PAIR)
        wake.bind(self._wake_url)
        poller = zmq.Poller()
        for sock in sockets.values():
            poller.register(sock, zmq.POLLIN)
        poller.register(wake, zmq.POLLIN)
        ready.set()
        try:
            while not self._stopping.is_set():
                events = dict(poller.poll(_POLL_MS))
                if wake in events:
                    while wake.poll(0):
                        wake.recv()
                while True:
                    try:
                        channel, msg = self._outbox.get_nowait()
                    except queue.Empty:
                        break
                    self.session.send(sockets[channel], msg)
                for sock, name in channel_of.items():
                    if sock in events:
                        self._drain(sock, name)
        except BaseException as exc:  # noqa: BLE001 -- the waits report it instead of hanging
            self._io_error = exc
            with self._lock:
                self._lock.notify_all()
        finally:
            for sock in sockets.values():
                sock.close(linger=0)
            wake.close(linger=0)

    def _drain(self, sock: zmq.Socket[bytes], channel: str) -> None:
        while True:
            try:
                _, msg = self.session.recv(sock, mode=zmq.NOBLOCK)
            except zmq.Again:
                return
            if msg is None:
                return
            self._record(channel, msg)

    def _record(self, channel: str, msg: dict[str, Any]) -> None:
        message = Message(channel, next(self._seq), time.monotonic(), msg)
        with self._lock:
            self._messages.append(message)
            if message.parent_id:
                self._by_parent[message.parent_id].append(message)
            if channel == "iopub":
                self._track_widget(message)
            self._lock.notify_all()

    def _track_widget(self, message: Message) -> None:
        content = message.msg["content"]
        comm_id = content.get("comm_id")
        if comm_id is None:
            return
        data = content.get("data") or {}
        if message.msg_type == "comm_open":
            self._widget_state[comm_id] = dict(data.get("state") or {})
        elif message.msg_type == "comm_msg" and data.get("method") in {"update", "echo_update"}:
            self._widget_state.setdefault(comm_id, {}).update(data.get("state") or {})

    def _poke(self) -> None:
        with self._wake_lock:
            if self._wake is None:
                if self._io is None or not self._io.is_alive():
                    return
                self._wake = self._context.socket(zmq.PAIR)
                self._wake.connect(self._wake_url)
            # Never blocking: a PAIR send waits for a peer, and the I/O thread
            # may have closed its end already (it saw `_stopping` between
            # close()'s set and this poke). Then nobody needs waking, and a
            # blocking send would hold close() until `_CLOSE_TIMEOUT_S` (seen
            # in CI: 60 s teardowns of kernel tests on a loaded machine).
            with contextlib.suppress(zmq.Again):
                self._wake.send(b"", flags=zmq.NOBLOCK)

    def _send(self, channel: str, msg: dict[str, Any]) -> str:
        if self._io is None or not self._io.is_alive():
            raise KernelDiedError(f"the kernel session is not running\n{self._diagnostics()}")
        self._outbox.put((channel, msg))
        self._poke()
        return str(msg["header"]["msg_id"])

    # ------------------------------------------------------------------ requests

    def execute(
        self,
        code: str,
        *,
        silent: bool = False,
        store_history: bool = True,
        user_expressions: Mapping[str, str] | None = None,
        subshell_id: str | None = None,
        stop_on_error: bool = True,
    ) -> str:
        """Queue an ``execute_request`` without waiting; returns its msg_id.

        Two calls in a row queue two cells, as JupyterLab's "Run All" does.
        With `subshell_id` the cell runs on that subshell, concurrently with the main shell.
        With `stop_on_error` (JupyterLab's default) a failing cell makes the kernel
        abort the requests queued behind it (their reply status is ``"aborted"``).
        """
        content = {
            "code": code,
            "silent": silent,
            "store_history": store_history,
            "user_expressions": dict(user_expressions or {}),
            "allow_stdin": False,
            "stop_on_error": stop_on_error,
        }
        msg = self.session.msg("execute_request", content)
        if subshell_id is not None:
            msg["header"]["subshell_id"] = subshell_id
        return self._send("shell", msg)

    def execute_queued(self, *codes: str) -> list[str]:
        """Queue several cells back to back; returns their msg_ids in order."""
        return [self.execute(code) for code in codes]

    def run(self, code: str, *, timeout: float = TIMEOUT, check: bool = True) -> CellOutput:
        """Execute a cell and wait until it is done (reply and IOPub idle).

        Args:
            code: The cell.
            timeout: Seconds to wait.
            check: Fail when the cell raised.

        Returns:
            Its output.
        """
        msg_id = self.execute(code)
        reply = self.wait_reply(msg_id, timeout=timeout)
        self.wait_idle(msg_id, timeout=timeout)
        output = self.outputs_of(msg_id)
        if check and reply["status"] != "ok":
            raise AssertionError(
                f"cell {reply['status']}: {reply.get('ename')}: {reply.get('evalue')}\n"
                + "\n".join("\n".join(error["traceback"]) for error in output.errors)
                + f"\n--- cell ---\n{code}"
            )
        return output

    def send_comm(
        self, comm_id: str, data: dict[str, Any], *, subshell_id: str | None = None
    ) -> str:
        """Send a ``comm_msg`` on the shell channel, as a frontend does; returns its msg_id.

        Args:
            comm_id: The widget's comm.
            data: The comm payload (``{"method": ..., ...}``).
            subshell_id: Send it on this kernel subshell, as JupyterLab >= 4.4 does
                for comms (see :meth:`create_subshell`).
        """
        msg = self.session.msg("comm_msg", {"comm_id": comm_id, "data": data})
        if subshell_id is not None:
            msg["header"]["subshell_id"] = subshell_id
        return self._send("shell", msg)

    def send_update(
        self, comm_id: str, state: Mapping[str, Any], *, subshell_id: str | None = None
    ) -> str:
        """Set widget traits from the "frontend" (what typing into a Text does)."""
        data = {"method": "update", "state": dict(state), "buffer_paths": []}
        return self.send_comm(comm_id, data, subshell_id=subshell_id)

    def send_custom(
        self, comm_id: str, content: Mapping[str, Any], *, subshell_id: str | None = None
    ) -> str:
        """Send a custom widget message (``model.send(content)`` in the browser)."""
        data = {"method": "custom", "content": dict(content)}
        return self.send_comm(comm_id, data, subshell_id=subshell_id)

    def click(self, comm_id: str, *, subshell_id: str | None = None) -> str:
        """Click a Button widget."""
        return self.send_custom(comm_id, {"event": "click"}, subshell_id=subshell_id)

    def create_subshell(self, timeout: float = TIMEOUT) -> str:
        """Create a kernel subshell (ipykernel >= 7) and return its id."""
        msg_id = self._send("control", self.session.msg("create_subshell_request", {}))
        reply = self._wait_for(
            lambda m: m.channel == "control" and m.parent_id == msg_id,
            timeout=timeout,
            what="create_subshell_reply",
        )
        if reply.content.get("status") != "ok":
            raise AssertionError(f"create_subshell failed: {reply.content}")
        return str(reply.content["subshell_id"])

    def interrupt(self) -> None:
        """Interrupt the kernel (SIGINT to its process group), like Kernel > Interrupt."""
        self.manager.interrupt_kernel()

    # ------------------------------------------------------------------ waiting

    def wait_reply(self, msg_id: str, timeout: float = TIMEOUT) -> dict[str, Any]:
        """Wait for the shell reply to a request; returns its content (``status`` etc.)."""
        reply = self._wait_for(
            lambda m: m.channel == "shell" and m.parent_id == msg_id,
            timeout=timeout,
            what=f"the reply to {_short(msg_id)}",
            parent=msg_id,
        )
        return reply.content

    def wait_idle(self, msg_id: str, timeout: float = TIMEOUT) -> None:
        """Wait for IOPub ``status: idle`` of a request: all its output has arrived."""
        self.wait_for_status(msg_id, "idle", timeout=timeout)

    def wait_for_status(self, msg_id: str, state: str, timeout: float = TIMEOUT) -> Message:
        """Wait for the IOPub ``status`` message of a request with this ``execution_state``.

        ``"busy"`` means the kernel started handling the request, ``"idle"`` that it is done.
        """
        return self._wait_for(
            lambda m: (
                m.channel == "iopub"
                and m.parent_id == msg_id
                and m.msg_type == "status"
                and m.msg["content"].get("execution_state") == state
            ),
            timeout=timeout,
            what=f"IOPub status {state} of {_short(msg_id)}",
            parent=msg_id,
        )

    def wait_output(self, msg_id: str, text: str, timeout: float = TIMEOUT) -> CellOutput:
        """Wait until `text` appears in a request's output (stream, display or error)."""

        def seen(message: Message) -> bool:
            return message.parent_id == msg_id and text in self._outputs_locked(msg_id).text

        self._wait_for(
            seen, timeout=timeout, what=f"{text!r} in output of {_short(msg_id)}", parent=msg_id
        )
        return self.outputs_of(msg_id)

    def wait_comm_open(
        self, predicate: Callable[[Widget], bool], timeout: float = TIMEOUT
    ) -> Widget:
        """Wait for a ``comm_open`` (already received or still to come) that `predicate` accepts."""

        def match(message: Message) -> bool:
            return message.msg_type == "comm_open" and predicate(_widget(message))

        return _widget(self._wait_for(match, timeout=timeout, what="a matching comm_open"))

    def wait_widget(self, model: str, timeout: float = TIMEOUT, **state: Any) -> Widget:
        """Wait for a widget of `model` whose opening state has these trait values.

        Example: ``kernel.wait_widget("ButtonModel", description="OK")``.
        """

        def match(widget: Widget) -> bool:
            return widget.model == model and all(
                widget.state.get(key) == value for key, value in state.items()
            )

        wanted = ", ".join(f"{key}={value!r}" for key, value in state.items())
        try:
            return self.wait_comm_open(match, timeout=timeout)
        except KernelTimeoutError as exc:
            raise KernelTimeoutError(f"no {model}({wanted}) opened: {exc}") from None

    def widget_state(self, comm_id: str) -> dict[str, Any]:
        """A widget's state as the kernel last sent it (comm_open merged with updates)."""
        with self._lock:
            return dict(self._widget_state.get(comm_id, {}))

    def wait_widget_state(
        self,
        comm_id: str,
        predicate: Callable[[dict[str, Any]], bool],
        timeout: float = TIMEOUT,
    ) -> dict[str, Any]:
        """Wait until the kernel-side state of a widget satisfies `predicate`."""
        self._wait_for(
            lambda _: predicate(self._widget_state.get(comm_id, {})),
            timeout=timeout,
            what=f"state of widget {_short(comm_id)}",
        )
        return self.widget_state(comm_id)

    def _wait_for(
        self,
        predicate: Callable[[Message], bool],
        *,
        timeout: float,
        what: str,
        parent: str | None = None,
    ) -> Message:
        # Scan from the first message: what the test waits for may already be here.
        deadline = time.monotonic() + timeout
        checked = 0
        with self._lock:
            while True:
                while checked < len(self._messages):
                    message = self._messages[checked]
                    checked += 1
                    if predicate(message):
                        return message
                if self._io_error is not None:
                    raise KernelDiedError(f"the I/O thread failed: {self._io_error!r}")
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                if not self._lock.wait(min(remaining, 0.5)) and not self.alive:
                    # Nothing new for half a second and the process is gone.
                    raise KernelDiedError(
                        f"the kernel died while waiting for {what}\n{self._diagnostics(parent)}"
                    )
        raise KernelTimeoutError(
            f"timed out after {timeout:.1f} s waiting for {what}\n{self._diagnostics(parent)}"
        )

    def _check_alive(self) -> None:
        if not self.alive:
            raise KernelDiedError(f"the kernel {self.python} exited\n{self._diagnostics()}")

    # ------------------------------------------------------------------ inspecting

    def messages(
        self,
        msg_type: str | None = None,
        *,
        channel: str | None = "iopub",
        parent: str | None = None,
        comm_id: str | None = None,
        since: float | None = None,
        until: float | None = None,
    ) -> list[Message]:
        """Received messages, filtered; ``since``/``until`` are ``time.monotonic()`` values."""
        with self._lock:
            found = list(self._by_parent.get(parent, [])) if parent else list(self._messages)
        return [
            message
            for message in found
            if (msg_type is None or message.msg_type == msg_type)
            and (channel is None or message.channel == channel)
            and (comm_id is None or message.msg["content"].get("comm_id") == comm_id)
            and (since is None or message.received >= since)
            and (until is None or message.received < until)
        ]

    def count(
        self,
        msg_type: str | None = None,
        *,
        channel: str | None = "iopub",
        comm_id: str | None = None,
        since: float | None = None,
        until: float | None = None,
    ) -> int:
        """How many messages of a type arrived (optionally for one comm, within a time window)."""
        return len(
            self.messages(msg_type, channel=channel, comm_id=comm_id, since=since, until=until)
        )

    def rate(
        self,
        msg_type: str,
        *,
        since: float,
        until: float | None = None,
        comm_id: str | None = None,
    ) -> float:
        """Messages per second of a type seen between `since` and `until` (default: now).

        Example, for a benchmark: ``t0 = kernel.now(); ...; kernel.rate("comm_msg", since=t0)``.
        """
        end = until if until is not None else time.monotonic()
        if end <= since:
            return 0.0
        return self.count(msg_type, comm_id=comm_id, since=since, until=end) / (end - since)

    def peak_rate(
        self,
        msg_type: str,
        *,
        window: float = 1.0,
        since: float | None = None,
        until: float | None = None,
        comm_id: str | None = None,
    ) -> float:
        """The highest rate (messages per second) of a type over any `window`-second stretch.

        jupyter_server drops IOPub messages beyond 1000 per second (averaged
        over 3 s; notes §5), so benchmarks compare this against that limit.
        """
        times = [
            message.received
            for message in self.messages(msg_type, comm_id=comm_id, since=since, until=until)
        ]
        most = 0
        start = 0
        for end, received in enumerate(times):
            while received - times[start] > window:
                start += 1
            most = max(most, end - start + 1)
        return most / window

    def counts_by_type(
        self, *, since: float | None = None, until: float | None = None
    ) -> dict[str, int]:
        """IOPub message counts per type within a window."""
        counts: dict[str, int] = defaultdict(int)
        for message in self.messages(since=since, until=until):
            counts[message.msg_type] += 1
        return dict(counts)

    @staticmethod
    def now() -> float:
        """``time.monotonic()``, the clock of :attr:`Message.received`."""
        return time.monotonic()

    def outputs_of(self, msg_id: str) -> CellOutput:
        """Everything a request produced on IOPub so far."""
        with self._lock:
            return self._outputs_locked(msg_id)

    def _outputs_locked(self, msg_id: str) -> CellOutput:
        output = CellOutput()
        stdout: list[str] = []
        stderr: list[str] = []
        for message in self._by_parent.get(msg_id, []):
            if message.channel != "iopub":
                continue
            content = message.msg["content"]
            if message.msg_type == "stream":
                (stdout if content.get("name") == "stdout" else stderr).append(content["text"])
            elif message.msg_type in {"display_data", "update_display_data", "execute_result"}:
                output.displays.append(dict(content.get("data", {})))
            elif message.msg_type == "error":
                output.errors.append(
                    {key: content.get(key) for key in ("ename", "evalue", "traceback")}
                )
        output.stdout = "".join(stdout)
        output.stderr = "".join(stderr)
        return output

    def assert_ran_after(self, first: str, second: str, timeout: float = TIMEOUT) -> None:
        """Assert the `second` cell started only after `first` finished.

        This is the "Run All waits for the blocking cell" property. It waits for
        both requests to go idle, then checks that

        * on IOPub (one socket, so in the kernel's own order) nothing of
          `second` -- its ``execute_input``, output or errors -- came before
          `first` went idle, and
        * by the kernel's clock, `second`'s ``execute_input`` was sent after
          `first`'s ``execute_reply``.

        `second`'s ``busy``/``idle`` statuses are not compared: ipykernel 6 with
        jupyter-ui-poll publishes them when it parks the request for later.
        """
        self.wait_idle(first, timeout=timeout)
        self.wait_idle(second, timeout=timeout)
        first_idle = self.wait_for_status(first, "idle", timeout=timeout)
        early = [
            message
            for message in self.messages(parent=second)
            if message.msg_type != "status" and message.seq < first_idle.seq
        ]
        assert not early, (
            f"cell {_short(second)} ran before cell {_short(first)} finished: "
            + "; ".join(str(message) for message in early)
        )
        reply = self.messages("execute_reply", channel="shell", parent=first)
        started = self.messages("execute_input", parent=second)
        assert reply, f"no execute_reply for {_short(first)}"
        assert started, f"cell {_short(second)} never started (no execute_input)"
        replied_at = reply[0].msg["header"]["date"]
        started_at = started[0].msg["header"]["date"]
        assert started_at >= replied_at, (
            f"cell {_short(second)} started at {started_at}, before cell {_short(first)} "
            f"replied at {replied_at}"
        )

    def kernel_log(self) -> str:
        """The kernel process's own stdout and stderr so far."""
        if self._log_handle is not None:
            self._log_handle.flush()
        try:
            return self.log_path.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return ""

    def _diagnostics(self, parent: str | None = None) -> str:
        with self._lock:
            recent = self._messages[-15:]
            related = self._by_parent.get(parent, [])[-10:] if parent else []
        lines = [f"kernel alive: {self.alive}", "last messages:"]
        lines += [f"  {message}" for message in recent] or ["  (none)"]
        if related:
            lines.append("messages of the awaited request:")
            lines += [f"  {message}" for message in related]
        log = self.kernel_log()[-3000:]
        if log.strip():
            lines += ["kernel log (tail):", log]
        return "\n".join(lines)


def _widget(message: Message) -> Widget:
    content = message.msg["content"]
    state = dict((content.get("data") or {}).get("state") or {})
    return Widget(
        comm_id=str(content["comm_id"]), model=str(state.get("_model_name", "")), state=state
    )


def _short(identifier: str) -> str:
    # jupyter_client's msg_ids share the session prefix; the tail tells them apart.
    return identifier[-10:]
