"""Widget tests without a kernel: widgets get a comm that records what it would send.

The `record` and `front` fixtures, shared by tests/widgets and tests/operator_station
(each conftest imports them); importing this module needs ipywidgets' comm package.
"""

from __future__ import annotations

import threading
from typing import Any

import comm
import pytest
from comm.base_comm import BaseComm


class RecordingComm(BaseComm):
    """A comm that keeps every message the kernel would send to the front end."""

    sent: list[tuple[str, str, dict[str, Any]]] = []
    lock = threading.Lock()

    def publish_msg(
        self,
        msg_type: str,
        data: Any = None,
        metadata: Any = None,
        buffers: Any = None,
        **keys: Any,
    ) -> None:
        with RecordingComm.lock:
            RecordingComm.sent.append((msg_type, self.comm_id, data or {}))


class Recorder:
    """What the widgets sent: ``updates(widget)`` lists one widget's state updates."""

    def __init__(self, sent: list[tuple[str, str, dict[str, Any]]]) -> None:
        self.sent = sent

    def clear(self) -> None:
        with RecordingComm.lock:
            self.sent.clear()

    def updates(self, widget: Any | None = None) -> list[dict[str, Any]]:
        with RecordingComm.lock:
            messages = list(self.sent)
        return [
            data["state"]
            for msg_type, comm_id, data in messages
            if msg_type == "comm_msg"
            and data.get("method") == "update"
            and (widget is None or comm_id == widget.model_id)
        ]


@pytest.fixture
def record(monkeypatch: pytest.MonkeyPatch) -> Recorder:
    """Widgets created in the test send through a `RecordingComm`."""
    RecordingComm.sent = []
    monkeypatch.setattr(comm, "create_comm", lambda *a, **k: RecordingComm(*a, **k))
    return Recorder(RecordingComm.sent)


class FrontEnd:
    """Sends what a browser would send to a widget's comm (no kernel needed)."""

    @staticmethod
    def update(widget: Any, **state: Any) -> None:
        """The operator changed `state` (``value=...``)."""
        data = {"method": "update", "state": state, "buffer_paths": []}
        widget.comm.handle_msg({"content": {"data": data}, "buffers": []})

    @staticmethod
    def custom(widget: Any, content: dict[str, Any]) -> None:
        """A custom message: a click, Enter in a text field."""
        data = {"method": "custom", "content": content}
        widget.comm.handle_msg({"content": {"data": data}, "buffers": []})

    def click(self, button: Any) -> None:
        """The operator clicked `button`."""
        self.custom(button, {"event": "click"})

    def enter(self, text: Any) -> None:
        """The operator pressed Enter in `text`."""
        self.custom(text, {"event": "submit"})


@pytest.fixture
def front() -> FrontEnd:
    """Plays the browser."""
    return FrontEnd()
