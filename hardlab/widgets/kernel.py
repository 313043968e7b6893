"""Waiting in a notebook cell for a run, on every supported ipykernel.

A cell that waits for a run must leave the kernel able to receive the
widget messages the run needs (the operator's answers, the Stop button).
What allows that depends on the kernel (jupyter-notes §2, verified on
6.29, 7.0-7.3 and 7.4):

* ipykernel >= 7.4 dispatches comm messages while an async cell awaits, so
  the cell simply awaits the run (``"await"``).
* ipykernel 6.x and 7.0-7.3 do not; jupyter-ui-poll's async ``ui_events()``
  processes them from the awaiting cell (``"ui-poll"``). Its sync form
  only works on 6.x, and a plain blocking wait deadlocks everywhere.
* Voilà cannot show the widgets of a cell that is still running, so there
  cells never wait (`in_voila`).

While a cell waits, a kernel interrupt (SIGINT) stops the run cleanly: the
running case ends ``stopped``, an open dialog is taken down, and the cell
ends with `KeyboardInterrupt` once the run's thread has finished. A second
interrupt stops waiting at once. Top-level ``await`` cells otherwise ignore
interrupts (notes §2.5), hence the temporary SIGINT handler.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from hardlab.runner import RunHandle

__all__ = [
    "AWAIT_FROM",
    "Strategy",
    "abort_queued_cells",
    "choose_strategy",
    "current_kernel",
    "in_voila",
    "install",
    "interrupt_handler",
    "ipykernel_version",
    "require_strategy",
    "wait",
]

Strategy = Literal["await", "ui-poll"]
"""How a cell waits: a plain ``await``, or jupyter-ui-poll's async poll loop."""

AWAIT_FROM = (7, 4)
"""The first ipykernel that dispatches widget messages while a cell awaits."""

_POLL_EVENTS = 10  # kernel messages handled per poll
_POLL_PAUSE_S = 0.02
_MISSING = object()
_ABORT_WINDOW_S = 0.02  # the kernel aborts what arrives this soon after a failing cell
_RESTORE_AFTER_S = 1.0


def _numeric(version: str) -> tuple[int, ...]:
    parts: list[int] = []
    for piece in version.split("."):
        digits = ""
        for char in piece:
            if not char.isdigit():
                break
            digits += char
        if not digits:
            break
        parts.append(int(digits))
        if digits != piece:
            break
    return tuple(parts)


def ipykernel_version() -> tuple[int, ...] | None:
    """The version of the ipykernel running this process, or None outside a kernel."""
    if current_kernel() is None:
        return None
    module = sys.modules.get("ipykernel")
    return _numeric(str(getattr(module, "__version__", ""))) or None


def current_kernel() -> Any | None:
    """The ipykernel kernel running in this process, or None (found in ``sys.modules``)."""
    app = sys.modules.get("ipykernel.kernelapp")
    if app is None:
        return None
    try:
        if not app.IPKernelApp.initialized():
            return None
        return getattr(app.IPKernelApp.instance(), "kernel", None)
    except Exception:  # noqa: BLE001 - an ipykernel without this API is not one we support
        return None


def in_voila() -> bool:
    """Whether this kernel serves a Voilà page (Voilà sets these variables for its kernels)."""
    if os.environ.get("SERVER_SOFTWARE", "").lower().startswith("voila"):
        return True
    return any(os.environ.get(name) for name in ("VOILA_KERNEL_ID", "VOILA_REQUEST_URL"))


def choose_strategy(version: tuple[int, ...] | None = None) -> Strategy:
    """The way a cell can wait on ipykernel `version` (default: this process's kernel).

    Outside a kernel nothing dispatches widget messages, so a plain ``await`` does.
    """
    if version is None:
        version = ipykernel_version()
    if version is None or version >= AWAIT_FROM:
        return "await"
    return "ui-poll"


def require_strategy(strategy: Strategy | None = None) -> Strategy:
    """`choose_strategy`, checking that what it needs is installed.

    Raises:
        MissingExtraError: If the kernel needs jupyter-ui-poll and it is not installed.
    """
    chosen = strategy or choose_strategy()
    if chosen == "ui-poll":
        try:
            import jupyter_ui_poll  # noqa: F401
        except ImportError as exc:
            from hardlab.errors import MissingExtraError

            raise MissingExtraError("notebook", "jupyter-ui-poll") from exc
    return chosen


@contextlib.contextmanager
def interrupt_handler(
    loop: asyncio.AbstractEventLoop, on_interrupt: Callable[[], None]
) -> Iterator[None]:
    """While the block runs, a kernel interrupt (SIGINT) calls `on_interrupt` on `loop`.

    Only in a kernel's main thread (elsewhere the block runs as it is).
    Top-level ``await`` cells otherwise ignore interrupts or have their
    coroutine cancelled, depending on the ipykernel.
    """
    kernel = current_kernel()
    if kernel is None or threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, frame: Any) -> None:
        # A signal handler runs between two bytecodes of the main thread,
        # maybe inside a lock: it only schedules the work on the loop.
        with contextlib.suppress(RuntimeError):  # the loop is closed: nobody waits
            loop.call_soon_threadsafe(on_interrupt)

    # ipykernel 6 saves the SIGINT handler around every message it handles;
    # a message handled by jupyter-ui-poll inside this wait saves ours over
    # the one the cell's own handling will restore at its end.
    saved = getattr(kernel, "saved_sigint_handler", _MISSING)
    previous = signal.signal(signal.SIGINT, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        if saved is not _MISSING and getattr(kernel, "saved_sigint_handler", None) is handler:
            kernel.saved_sigint_handler = saved


def abort_queued_cells() -> None:
    """Have the cells queued behind this one aborted, as after any failing cell.

    For a cell that is about to fail after waiting with jupyter-ui-poll on
    ipykernel 6: jupyter-ui-poll holds the cells queued meanwhile and hands
    them back to the kernel as the cell ends, after the kernel has already
    finished aborting its queue for the failure (its ``stop_on_error_timeout``
    is 0 by default), so they would run. A short timeout, for this failure
    only, lets the kernel abort them.
    """
    kernel = current_kernel()
    version = ipykernel_version()
    if kernel is None or version is None or version >= (7,):
        return
    with contextlib.suppress(Exception):  # an ipykernel 6 without these: nothing to do
        parent = kernel.get_parent("shell") or {}
        if not parent.get("content", {}).get("stop_on_error", True):
            return
        previous = float(kernel.stop_on_error_timeout)
        if previous >= _ABORT_WINDOW_S:
            return
        kernel.stop_on_error_timeout = _ABORT_WINDOW_S

        def restore() -> None:
            if kernel.stop_on_error_timeout == _ABORT_WINDOW_S:
                kernel.stop_on_error_timeout = previous

        asyncio.get_running_loop().call_later(_RESTORE_AFTER_S, restore)


async def _poll_until(done: Callable[[], bool]) -> None:
    from jupyter_ui_poll import ui_events

    async with ui_events() as poll:
        while not done():
            await poll(_POLL_EVENTS)
            await asyncio.sleep(_POLL_PAUSE_S)


async def wait(handle: RunHandle, *, strategy: Strategy | None = None) -> None:
    """Wait in a notebook cell until `handle`'s run has ended; widget messages keep flowing.

    Args:
        handle: The run.
        strategy: Force a way of waiting (default: `choose_strategy`).

    Raises:
        KeyboardInterrupt: If a kernel interrupt stopped the run (raised once
            the run has ended stopped), or a second interrupt gave up waiting
            (the run goes on stopping in the background).
        MissingExtraError: If the kernel needs jupyter-ui-poll and it is not installed.
    """
    chosen = require_strategy(strategy)
    loop = asyncio.get_running_loop()
    finished = loop.create_task(handle.finished())
    gave_up: asyncio.Future[None] = loop.create_future()
    interrupts = 0

    def on_interrupt() -> None:
        nonlocal interrupts
        interrupts += 1
        if interrupts == 1:
            handle.stop()
        elif not gave_up.done():
            gave_up.set_result(None)

    try:
        with interrupt_handler(loop, on_interrupt):
            if chosen == "await":
                await asyncio.wait({finished, gave_up}, return_when=asyncio.FIRST_COMPLETED)
            else:
                await _poll_until(lambda: finished.done() or gave_up.done())
    finally:
        if not finished.done():
            finished.cancel()
    if not handle.done():
        msg = f"{handle.name}: interrupted again; the run goes on stopping in the background"
    elif interrupts:
        msg = f"{handle.name}: the run was stopped by a kernel interrupt"
    else:
        return
    if chosen == "ui-poll":
        abort_queued_cells()
    raise KeyboardInterrupt(msg)


async def _await_handle(handle: RunHandle) -> None:
    if current_kernel() is not None and threading.current_thread() is threading.main_thread():
        await wait(handle)
    else:
        await handle.finished()


def install() -> None:
    """Make ``await handle`` wait with `wait` in a kernel (see `hardlab.runner.set_awaiter`).

    Idempotent; it installs again if something set another awaiter since.
    """
    from hardlab.runner import set_awaiter

    set_awaiter(_await_handle)
