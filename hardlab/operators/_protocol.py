"""The operator protocol: what a test asks the operator, and what comes back.

`run_dialog_box` and a blocking `set_operator_message` build a request and
hand it to the run's `Operator`, which blocks until the operator answers.
hardlab ships a scripted operator (answers given up front), a terminal
operator (prompts on a console), the operator of a run that has none and,
in the notebook extra, a widget operator; anything that implements `Operator` can be passed to
``hardlab.run(operator=...)``.

Answers use HardPy's wire format, so every operator goes through the same
conversion a HardPy panel answer goes through; every operator builds its
answer with the one answer table of `hardlab.operators` (one row per
dialog kind).

An operator that waits for input must give up when the run is stopped
(``request.stop`` is set): it raises `DialogCancelledError`, which the runner
turns into a stopped case. `wait_for_answer` does that for an operator that
waits on a `threading.Event` set by its user interface.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol, runtime_checkable

from hardlab.errors import DialogCancelledError
from hardlab.model.dialog import DialogBox, HTMLComponent, ImageComponent

__all__ = ["AUTO", "Answer", "DialogRequest", "MessageRequest", "Operator", "wait_for_answer"]


class _Auto:
    """Type of `AUTO`."""

    def __repr__(self) -> str:
        return "AUTO"


AUTO: Any = _Auto()
"""Operator choice "let the runner decide": the terminal when stdin is one, else nobody."""


@dataclass(frozen=True, slots=True)
class Answer:
    """An operator's answer to a dialog box, as HardPy's panel posts it.

    Attributes:
        result: ``confirm`` for an ordinary dialog, ``passed`` or ``failed``
            for a pass/fail dialog.
        data: The widget input as text (a number as its decimal text, a
            checkbox selection as a JSON list); empty for no input.
    """

    result: Literal["confirm", "passed", "failed"] = "confirm"
    data: str = ""

    def payload(self) -> str:
        """The answer as the JSON text HardPy's panel stores."""
        return json.dumps({"result": self.result, "data": self.data})


@dataclass(frozen=True, slots=True)
class DialogRequest:
    """A dialog box waiting for the operator.

    Attributes:
        dialog: What to show.
        run_id: The run asking.
        module_id: The module (test file stem) of the asking case.
        case_id: The asking case (test function name).
        module_name: The module's display name.
        case_name: The case's display name.
        attempt: The attempt of the case (1-based).
        stop: Set when the run is being stopped; an operator waiting for
            input should give up then (raise `DialogCancelledError`).
    """

    dialog: DialogBox
    run_id: str
    module_id: str
    case_id: str
    module_name: str
    case_name: str
    attempt: int
    stop: threading.Event = field(default_factory=threading.Event, compare=False, repr=False)

    @property
    def title(self) -> str:
        """The title bar: the dialog's own, or the case name as HardPy's panel shows."""
        return self.dialog.title_bar or self.case_name

    @property
    def node(self) -> str:
        """``module_id::case_id``, HardPy's id of the asking case."""
        return f"{self.module_id}::{self.case_id}"


@dataclass(frozen=True, slots=True)
class MessageRequest:
    """An operator message (`set_operator_message`).

    Attributes:
        msg: The message text.
        title: Its title, or None.
        block: Whether the test waits until the operator closes it.
        image: An image under the text.
        html: HTML under the text.
        font_size: Text size in points.
        id: A unique id of this message.
        run_id: The run showing it.
        module_id: The module of the current case, if any.
        case_id: The current case, if any.
        stop: Set when the run is being stopped.
    """

    msg: str
    title: str | None
    block: bool
    image: ImageComponent | None
    html: HTMLComponent | None
    font_size: int
    id: str
    run_id: str
    module_id: str | None = None
    case_id: str | None = None
    stop: threading.Event = field(default_factory=threading.Event, compare=False, repr=False)

    def to_dict(self) -> dict[str, Any]:
        """The message as HardPy's state document holds it (``operator_msg``)."""
        return {
            "msg": self.msg,
            "title": self.title,
            "visible": True,
            "image": self.image.to_dict() if self.image is not None else None,
            "html": self.html.to_dict() if self.html is not None else None,
            "id": self.id,
            "font_size": self.font_size,
        }


@runtime_checkable
class Operator(Protocol):
    """Someone (or something) who answers dialogs and acknowledges messages.

    Both methods block the calling test until the operator is done. They are
    called from the thread that runs the test.
    """

    def ask(self, request: DialogRequest) -> Answer:
        """Show a dialog box and return the operator's answer.

        Raises:
            DialogCancelledError: If the run is stopped while waiting.
            OperatorError: If no answer can be obtained.
        """
        ...

    def acknowledge(self, request: MessageRequest) -> None:
        """Show a blocking operator message and return when it is closed.

        Raises:
            DialogCancelledError: If the run is stopped while waiting.
            OperatorError: If the message cannot be shown.
        """
        ...


def wait_for_answer(
    event: threading.Event, request: DialogRequest | MessageRequest, poll: float = 0.05
) -> None:
    """Wait until `event` is set, giving up when the run is stopped.

    For operators whose user interface (a widget button, a web form) sets an
    event when the operator has answered: the operator's `ask` or
    `acknowledge` calls this in the test's thread, then reads the answer.
    The wait wakes every `poll` seconds to look at ``request.stop``, so a
    stop is noticed within `poll` seconds. An answer that arrives together
    with the stop wins.

    Args:
        event: Set by the user interface once the answer is there.
        request: The dialog or message being shown; its ``stop`` event is
            set when the run is stopped.
        poll: Seconds between looks at ``request.stop``.

    Raises:
        DialogCancelledError: If the run is stopped before `event` is set.

    Example:
        ```python
        def ask(self, request):
            answered = threading.Event()
            self.show(request.dialog, on_submit=lambda: answered.set())
            try:
                wait_for_answer(answered, request)
            finally:
                self.hide()
            return self.answer
        ```
    """
    while not event.is_set():
        if request.stop.is_set():
            raise DialogCancelledError(_cancelled(request))
        event.wait(poll)


def _cancelled(request: DialogRequest | MessageRequest) -> str:
    if isinstance(request, DialogRequest):
        what = f"dialog {request.title!r} of {request.node}"
    else:
        what = f"operator message {request.msg!r}"
    return f"the run was stopped while {what} waited for the operator"
