"""What the operator station's controller tells its view: `StationEvent`s.

`StationController.subscribe` hands each to the view in the thread where the
change happened (the kernel's, the run's, a timer's); the view redraws what
the event names and asks the controller for the rest.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING

from hardlab.widgets import Labels

if TYPE_CHECKING:
    from hardlab.runner import RunResult

__all__ = [
    "ArgsReset",
    "HistoryChanged",
    "LanguageChanged",
    "ModalState",
    "ProblemsShown",
    "ResultDismissed",
    "ResultShown",
    "SelectionChanged",
    "SoundCue",
    "StateChanged",
    "StationEvent",
    "StationState",
    "StatusChanged",
    "TreeChanged",
]

# ---------------------------------------------------------------------- states


class StationState(str, Enum):
    """Where the station is; the value is what `Station.status` says."""

    READY = "ready"
    COLLECTING = "collecting"
    RUNNING = "run"
    STOPPING = "stopping"
    PASSED = "passed"
    FAILED = "failed"
    STOPPED = "stopped"
    ERROR = "error"

    def __str__(self) -> str:
        return self.value

    @property
    def busy(self) -> bool:
        """Whether a run is going (its inputs are locked, the big button stops it)."""
        return self in (StationState.RUNNING, StationState.STOPPING)

    @property
    def ended(self) -> bool:
        """Whether this is how a run ended."""
        return self in (
            StationState.PASSED,
            StationState.FAILED,
            StationState.STOPPED,
            StationState.ERROR,
        )


# ---------------------------------------------------------------------- events


@dataclass(frozen=True)
class StateChanged:
    """The station moved to `state`."""

    state: StationState


@dataclass(frozen=True)
class StatusChanged:
    """What the status bar shows may differ (a run's event, a new configuration).

    `now`: show it at once rather than with the next coalesced update.
    """

    now: bool = False


@dataclass(frozen=True)
class ProblemsShown:
    """Why Start was refused (`problems`); empty when a run starts and clears them."""

    problems: tuple[str, ...]


@dataclass(frozen=True)
class ArgsReset:
    """These start arguments were cleared after a run (``keep = false``)."""

    names: tuple[str, ...]


@dataclass(frozen=True)
class TreeChanged:
    """A collection gave a new tree of modules and cases (see `StationController.tree`)."""


@dataclass(frozen=True)
class SelectionChanged:
    """Cases were chosen or left out (see `StationController.chosen`)."""


@dataclass(frozen=True)
class SoundCue:
    """Play the completion sound of `status` (``passed``, ``failed``, ``stopped``)."""

    status: str


@dataclass(frozen=True)
class ModalState:
    """The full-panel result on show.

    Attributes:
        status: How the run ended (``passed``, ``failed``, ``stopped``, ``error``).
        result: Its `RunResult`, or None if it could not run.
        closes_in: Seconds until it closes by itself, or None if it stays.
        seconds: How long the run took, or None.
        plan_error: Why the run's plan could not run (status ``error``), or None.
    """

    status: str
    result: RunResult | None
    closes_in: int | None
    seconds: float | None
    plan_error: str | None = None


@dataclass(frozen=True)
class ResultShown:
    """Show the full-panel result."""

    modal: ModalState


@dataclass(frozen=True)
class ResultDismissed:
    """Close the full-panel result."""


@dataclass(frozen=True)
class HistoryChanged:
    """The history was read again (see `StationController.history_rows`)."""


@dataclass(frozen=True)
class LanguageChanged:
    """Every text is now in `labels`' language."""

    labels: Labels


StationEvent = (
    StateChanged
    | StatusChanged
    | ProblemsShown
    | ArgsReset
    | TreeChanged
    | SelectionChanged
    | SoundCue
    | ResultShown
    | ResultDismissed
    | HistoryChanged
    | LanguageChanged
)
"""Everything the controller tells its view."""
