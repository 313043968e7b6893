"""What a sink says when a run is over: `SinkOutcome`, as the Sink contract defines it.

The Sink protocol and `SinkOutcome` belong to the events layer
(``hardlab.events``); until the store sink's caller uses that, the class is
defined here with the same fields. When ``hardlab.events`` has it, this
module becomes ``from hardlab.events import SinkOutcome``.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["SinkOutcome"]


@dataclass(frozen=True)
class SinkOutcome:
    """What became of a run in one sink.

    Attributes:
        notices: For the operator (alert, terminal summary, ``RunResult.errors``).
        saved_to: Where the run went (a store URL, a file path), if anywhere.
    """

    notices: tuple[str, ...] = ()
    saved_to: str | None = None
