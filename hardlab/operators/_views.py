"""The adaptor between the operator protocol and a user interface that shows dialogs.

`ViewOperator` is everything an operator with a screen needs except the
screen: one dialog at a time, the wait in the test's thread that gives up
when the run is stopped, the log, and a way for tests and scripts to wait
until a dialog is on show. A user interface subclasses it and says how to
build a view of a dialog or a message and how to put it up and take it
down (the notebook's `hardlab.widgets.WidgetOperator` does it in
ipywidgets); its views build their answers with `submitted` from the
answer table.
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Generic, Protocol, TypeVar

from hardlab.errors import DialogCancelledError
from hardlab.operators._protocol import Answer, DialogRequest, MessageRequest

__all__ = ["DialogShown", "Shown", "ViewOperator", "wait_for"]


class Shown(Protocol):
    """A view of a dialog or message: set `answered` once the operator is done."""

    @property
    def answered(self) -> threading.Event:
        """Set when the operator has answered (or closed the message)."""
        ...

    def close(self) -> None:
        """Release the view (called once it is taken down)."""
        ...


class DialogShown(Shown, Protocol):
    """A view of a dialog: its `answer` is there once `answered` is set."""

    @property
    def answer(self) -> Answer | None:
        """The operator's answer, once given."""
        ...


DialogT = TypeVar("DialogT", bound=DialogShown)
MessageT = TypeVar("MessageT", bound=Shown)


def wait_for(answered: threading.Event, stop: threading.Event, poll: float = 0.1) -> bool:
    """Wait until `answered` is set (True) or `stop` is (False), checking every `poll` seconds.

    An answer that arrives together with the stop wins.
    """
    while not answered.wait(poll):
        if stop.is_set():
            return answered.is_set()
    return True


class ViewOperator(ABC, Generic[DialogT, MessageT]):
    """An `Operator` that shows each dialog and message in a view and waits for it.

    `ask` and `acknowledge` block the calling thread (the test's) until the
    view is answered or the run is stopped; one dialog is on show at a
    time. Subclasses build the views and put them up and take them down.

    Args:
        before_show: Called before a dialog is shown (e.g. a panel's flush,
            so the operator sees the run as it is).
        poll: Seconds between checks of the run's stop request while waiting.

    Attributes:
        current: The dialog or message on show, or None.
        log: Every dialog answered, with its answer, in order.
    """

    def __init__(self, *, before_show: Callable[[], None] | None = None, poll: float = 0.1) -> None:
        self.before_show = before_show
        self.poll = poll
        self.current: DialogT | MessageT | None = None
        self.log: list[tuple[DialogRequest, Answer]] = []
        self._lock = threading.Lock()
        self._shown = threading.Condition()

    @abstractmethod
    def dialog_view(self, request: DialogRequest) -> DialogT:
        """Build the view of a dialog (not yet shown)."""

    @abstractmethod
    def message_view(self, request: MessageRequest) -> MessageT:
        """Build the view of a blocking message (not yet shown)."""

    @abstractmethod
    def put_up(self, view: DialogT | MessageT) -> None:
        """Show `view` (called with the operator's state lock held; be quick)."""

    @abstractmethod
    def take_down(self, view: DialogT | MessageT) -> None:
        """Stop showing `view` (called with the operator's state lock held; be quick)."""

    def wait_shown(
        self, timeout: float | None = None, *, after: DialogT | MessageT | None = None
    ) -> DialogT | MessageT | None:
        """Wait until a dialog or message (other than `after`) is on show and return it.

        Returns None on timeout. For tests and scripts that play the operator
        from another thread.
        """
        with self._shown:
            self._shown.wait_for(
                lambda: self.current is not None and self.current is not after, timeout
            )
            current = self.current
            return current if current is not after else None

    def _show(self, view: DialogT | MessageT, stop: threading.Event, what: str) -> None:
        if self.before_show is not None:
            self.before_show()
        with self._lock:  # one dialog at a time
            try:
                with self._shown:
                    self.current = view
                    self.put_up(view)
                    self._shown.notify_all()
                if not wait_for(view.answered, stop, self.poll):
                    msg = f"{what}: the run was stopped while it waited for the operator"
                    raise DialogCancelledError(msg)
            finally:
                with self._shown:
                    self.current = None
                    self.take_down(view)
                    self._shown.notify_all()
                view.close()

    def ask(self, request: DialogRequest) -> Answer:
        """Show `request` and return the operator's answer.

        Raises:
            DialogCancelledError: If the run is stopped while the dialog waits.
        """
        view = self.dialog_view(request)
        self._show(view, request.stop, f"dialog {request.title!r} ({request.node})")
        answer = view.answer
        if answer is None:  # pragma: no cover - `answered` is set after the answer
            msg = f"dialog {request.title!r} closed without an answer"
            raise DialogCancelledError(msg)
        self.log.append((request, answer))
        return answer

    def acknowledge(self, request: MessageRequest) -> None:
        """Show a blocking message and return when the operator closes it.

        Raises:
            DialogCancelledError: If the run is stopped while the message waits.
        """
        self._show(self.message_view(request), request.stop, f"operator message {request.msg!r}")
