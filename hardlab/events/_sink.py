"""Sinks: listeners that take a whole run somewhere (a database, a file, a server)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    from hardlab.events._events import Event
    from hardlab.events._view import RunView

__all__ = ["Sink", "SinkOutcome"]


@dataclass(frozen=True)
class SinkOutcome:
    """What a sink has to say once the run is over.

    Attributes:
        notices: Lines for the operator: each becomes the run's alert, a line
            of the terminal summary (``! …``) and one of `RunResult.errors`.
        saved_to: Where the run went (a store URL, a file path), if anywhere.
    """

    notices: tuple[str, ...] = ()
    saved_to: str | None = None


@runtime_checkable
class Sink(Protocol):
    """A listener with a beginning and an end: it may refuse a run, and reports where it went.

    The engine calls `open` once the plan is collected, `handle` for every
    event, and `close` once after `RunFinished` was handled (or at the end
    of a session whose run never started). A plain `RunListener` (only
    `handle`) is a listener, not a sink.
    """

    def open(self, run: RunView) -> str | None:
        """Once the plan is collected, before the first case: why the run must not start, or None.

        The engine shows a reason as the alert and ends the session; no case runs.
        """
        ...

    def handle(self, event: Event) -> None:
        """Every event, in the thread where it happened; quick."""
        ...

    def close(self) -> SinkOutcome:
        """Once, after RunFinished was handled (or at session end if the run never started)."""
        ...
