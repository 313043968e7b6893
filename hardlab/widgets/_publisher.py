"""One coalescing publisher: many changes in, at most ten widget updates a second out.

A run can change its report thousands of times a second; every widget trait
set is a message to the browser, and Jupyter's server drops a kernel's
messages above 1,000 a second (the panel then freezes on a stale state). So
the panel never updates widgets from events: events only *mark* what
changed (keys such as ``"header"`` or ``("block", module, 3)``), and a single
background thread calls the panel's publish function with the set of dirty
keys at most every `interval` seconds. Marks that arrive in between
coalesce. `flush` publishes at once (the trailing edge): before a dialog
shows and when the run ends, so the operator never sees a stale panel.

A publish may touch several widgets, each a message of its own. With a
`budget`, the publish function says how many messages it sent and the
background thread spaces publishes so that, on average, no more than
`budget` messages a second go out: a panel busy in many places updates
less often rather than sending more.
"""

from __future__ import annotations

import contextvars
import threading
import time
from collections.abc import Callable, Hashable, Iterable

__all__ = ["Publisher"]

PublishFunction = Callable[[frozenset[Hashable]], int | None]
"""Draws the keys it gets; returns how many widget messages that sent (None: not counted)."""


class Publisher:
    """Calls `publish` with what changed, at most once per `interval`, from one thread.

    Thread-safe: `mark` and `flush` may be called from any thread; only one
    publish runs at a time.

    Args:
        publish: Gets the set of keys marked since the last publish; it
            updates the widgets (under ``hold_sync``) and may return how
            many widget messages it sent.
        interval: Least seconds between two publishes of the background
            thread (0.1: at most 10 a second).
        budget: Widget messages a second to keep to on average: after a
            publish (or flush) that sent ``n`` messages, the background
            thread waits at least ``n / budget`` seconds before the next.
            None: `interval` alone decides.
        idle: With `set_idle_keys`, publish those keys after this many
            seconds without a publish (a ticking clock while nothing else
            happens).
        name: The background thread's name.

    Attributes:
        count: How many publishes ran (background and flushes).
        sent: The widget messages those publishes reported.
        error: The last exception `publish` raised, if any; publishing goes on.
    """

    def __init__(
        self,
        publish: PublishFunction,
        *,
        interval: float = 0.1,
        budget: float | None = None,
        idle: float = 1.0,
        name: str = "hardlab-panel-publisher",
    ) -> None:
        if interval < 0:
            msg = f"interval must be >= 0 seconds, not {interval!r}"
            raise ValueError(msg)
        if budget is not None and not budget > 0:
            msg = f"budget must be a positive number of messages a second or None, not {budget!r}"
            raise ValueError(msg)
        self._publish = publish
        self.interval = interval
        self.budget = budget
        self.idle = idle
        self.name = name
        self.count = 0
        self.sent = 0
        self.error: BaseException | None = None
        self._cond = threading.Condition()
        self._publishing = threading.Lock()
        self._dirty: set[Hashable] = set()
        self._idle_keys: frozenset[Hashable] = frozenset()
        self._last = 0.0
        self._gap = interval  # before the next background publish, after the last one
        self._thread: threading.Thread | None = None
        self._stopping = False

    def __repr__(self) -> str:
        state = "running" if self.running else "stopped"
        budget = f" budget={self.budget}/s" if self.budget is not None else ""
        return (
            f"<Publisher {state} interval={self.interval}s{budget} published={self.count} "
            f"sent={self.sent}>"
        )

    @property
    def running(self) -> bool:
        """Whether the background thread is running."""
        return self._thread is not None and self._thread.is_alive()

    def mark(self, *keys: Hashable) -> None:
        """Note that `keys` changed; the next publish gets them."""
        with self._cond:
            before = len(self._dirty)
            self._dirty.update(keys)
            if len(self._dirty) != before:
                self._cond.notify()

    def set_idle_keys(self, keys: Iterable[Hashable]) -> None:
        """Publish `keys` whenever `idle` seconds pass without a publish (empty: never)."""
        with self._cond:
            self._idle_keys = frozenset(keys)
            self._cond.notify()

    def pending(self) -> frozenset[Hashable]:
        """The keys marked and not yet published."""
        with self._cond:
            return frozenset(self._dirty)

    def flush(self) -> bool:
        """Publish what is marked now, in the calling thread. Returns whether anything was."""
        with self._publishing:
            with self._cond:
                keys = frozenset(self._dirty)
                self._dirty.clear()
                if keys:
                    self._last = time.monotonic()
            if not keys:
                return False
            sent: int | None = None
            try:
                sent = self._publish(keys)
            except Exception as exc:  # noqa: BLE001 - a display error must not stop the run
                self.error = exc
            self.count += 1
            gap = self.interval
            if sent:
                self.sent += sent
                if self.budget is not None:
                    gap = max(gap, sent / self.budget)
            with self._cond:
                self._gap = gap
            return True

    def start(self) -> None:
        """Start the background thread (in a copy of the caller's context); idempotent."""
        with self._cond:
            if self._thread is not None and self._thread.is_alive():
                return
            self._stopping = False
            context = contextvars.copy_context()
            self._thread = threading.Thread(
                target=context.run, args=(self._loop,), name=self.name, daemon=True
            )
            self._thread.start()

    def stop(self, *, flush: bool = True, timeout: float | None = 5.0) -> None:
        """Stop the background thread, then publish what is left (unless `flush` is False)."""
        with self._cond:
            self._stopping = True
            thread = self._thread
            self._thread = None
            self._cond.notify_all()
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)
        if flush:
            self.flush()

    def _loop(self) -> None:
        while True:
            with self._cond:
                while True:
                    if self._stopping:
                        return
                    now = time.monotonic()
                    if self._dirty:
                        due = self._last + self._gap
                        if now >= due:
                            break
                        self._cond.wait(due - now)
                    elif self._idle_keys:
                        due = self._last + max(self.idle, self._gap)
                        if now >= due:
                            self._dirty.update(self._idle_keys)
                            continue
                        self._cond.wait(due - now)
                    else:
                        self._cond.wait()
            self.flush()
