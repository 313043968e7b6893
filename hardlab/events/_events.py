"""The run's events, what each carries, and the listener protocol."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    from hardlab.events._view import RunView
    from hardlab.model.enums import TestStatus
    from hardlab.model.report import CaseRunStore, ResultRunStore
    from hardlab.operators import DialogRequest, MessageRequest

__all__ = [
    "AlertRaised",
    "CaseAttempt",
    "CaseFinished",
    "CaseStarted",
    "CaseUpdated",
    "CollectionFailed",
    "DialogClosed",
    "DialogOpened",
    "Event",
    "ModuleFinished",
    "OperatorMessageChanged",
    "ReportUpdated",
    "RunFinished",
    "RunListener",
    "RunStarted",
]


@dataclass(frozen=True, slots=True)
class CaseAttempt:
    """One attempt of one case, as it ended.

    A case marked ``attempt(n)`` may run several times; the report shows the
    last attempt, and every attempt is kept here for the store.

    Attributes:
        module_id: The module (test file stem).
        case_id: The case (test function name).
        attempt: 1-based attempt number; 0 for a case that never ran (skipped
            by a dependency, a critical failure or a skip mark).
        final: Whether this is the case's last attempt in the run.
        case: A copy of the case as the attempt left it.
        module_name: The module's display name.
        started_ns: ``time.time_ns()`` when the attempt started, or None.
        finished_ns: ``time.time_ns()`` when it ended, or None.
    """

    module_id: str
    case_id: str
    attempt: int
    final: bool
    case: CaseRunStore
    module_name: str
    started_ns: int | None
    finished_ns: int | None

    @property
    def status(self) -> TestStatus:
        """The attempt's status."""
        return self.case.status

    @property
    def duration_ms(self) -> float | None:
        """How long the attempt took, in milliseconds."""
        if self.started_ns is None or self.finished_ns is None:
            return None
        return (self.finished_ns - self.started_ns) / 1e6


@dataclass(frozen=True, slots=True)
class Event:
    """Base of all run events.

    Attributes:
        run: A read-only view of the run the event belongs to (`RunView`):
            its id, name, progress and copies of its report. An event made
            with the live run itself (``RunStarted(run_state)``) carries that
            run's view instead.
    """

    run: RunView

    def __post_init__(self) -> None:
        # The engine and the setters hand in the live run; listeners get its view.
        view = getattr(self.run, "view", None)
        if view is not None:
            object.__setattr__(self, "run", view)


@dataclass(frozen=True, slots=True)
class RunStarted(Event):
    """The plan was collected and the first case is about to run."""


@dataclass(frozen=True, slots=True)
class CollectionFailed(Event):
    """A test file or folder could not be collected.

    Attributes:
        nodeid: What failed to collect.
        text: pytest's error text.
    """

    nodeid: str
    text: str


@dataclass(frozen=True, slots=True)
class CaseStarted(Event):
    """A case (or a further attempt of it) started."""

    module_id: str
    case_id: str
    attempt: int


@dataclass(frozen=True, slots=True)
class CaseUpdated(Event):
    """A test changed its case: `field` is ``msg``, ``measurements``, ``chart`` or ``artifact``."""

    module_id: str
    case_id: str
    field: str


@dataclass(frozen=True, slots=True)
class ReportUpdated(Event):
    """A run-level field changed: ``dut``, ``test_stand``, ``process``, ``user``, ..."""

    field: str


@dataclass(frozen=True, slots=True)
class CaseFinished(Event):
    """An attempt of a case ended (``attempt.final`` tells whether it was the last)."""

    attempt: CaseAttempt


@dataclass(frozen=True, slots=True)
class ModuleFinished(Event):
    """Every case of a module has a result."""

    module_id: str


@dataclass(frozen=True, slots=True)
class DialogOpened(Event):
    """A test is waiting for the operator to answer `request`."""

    request: DialogRequest


@dataclass(frozen=True, slots=True)
class DialogClosed(Event):
    """The dialog was answered (`payload` in HardPy's wire format) or cancelled (None)."""

    request: DialogRequest
    payload: str | None


@dataclass(frozen=True, slots=True)
class OperatorMessageChanged(Event):
    """An operator message was shown (`message`) or cleared (None)."""

    message: MessageRequest | None


@dataclass(frozen=True, slots=True)
class AlertRaised(Event):
    """Something went wrong that the operator should see (HardPy's panel alert)."""

    text: str


@dataclass(frozen=True, slots=True)
class RunFinished(Event):
    """The run ended and post-run functions have run.

    Attributes:
        status: The run's final status.
        report: The final report document.
        exit_code: pytest's exit code.
        plan_error: Why the plan could not run (collection errors, a selection
            that left no case), or None for a run whose plan ran. The report
            says ``failed`` then, as HardPy's does.
    """

    status: TestStatus
    report: ResultRunStore
    exit_code: int
    plan_error: str | None = None


@runtime_checkable
class RunListener(Protocol):
    """Receives every event of a run."""

    def handle(self, event: Event) -> None:
        """React to `event`. Called in the thread where it happened; keep it short."""
        ...
