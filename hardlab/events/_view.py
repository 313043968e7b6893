"""What a listener may see of a run: a read-only view that does its own locking."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol, TypeVar, runtime_checkable

if TYPE_CHECKING:
    from hardlab.config import HardpyConfig
    from hardlab.model.report import CaseRunStore, ModuleRunStore, ResultRunStore
    from hardlab.operators import DialogRequest, MessageRequest

__all__ = ["CaseKey", "RunView"]

T = TypeVar("T")


class CaseKey(Protocol):
    """Names one case of a run: HardPy's module id and case id."""

    @property
    def module_id(self) -> str:
        """The module (test file stem)."""
        ...

    @property
    def case_id(self) -> str:
        """The case (test function name)."""
        ...


@runtime_checkable
class RunView(Protocol):
    """A run as its listeners see it: facts and copies, never the live report.

    Every event carries one (`Event.run`); a run has one view for its
    whole life, so ``event.run is other_event.run`` tells whether two events
    belong to the same run. The view takes the run's lock itself where it
    must: a listener never locks anything of the run, and what the readers
    return is the caller's to keep (later changes to the run do not reach it).

    The attributes are read-only properties; ``config`` is the plan's
    ``hardpy.toml`` as loaded for this run (read it, do not change it).
    """

    @property
    def run_id(self) -> uuid.UUID:
        """The run's unique id (a time-ordered UUID)."""
        ...

    @property
    def name(self) -> str:
        """The run's name (HardPy's ``tests_name``)."""
        ...

    @property
    def config(self) -> HardpyConfig:
        """The plan's ``hardpy.toml``."""
        ...

    @property
    def start_args(self) -> dict[str, str]:
        """A copy of the run's start arguments."""
        ...

    @property
    def started_ns(self) -> int | None:
        """``time.time_ns()`` when the run started, or None."""
        ...

    @property
    def finished_ns(self) -> int | None:
        """``time.time_ns()`` when it finished, or None."""
        ...

    @property
    def progress(self) -> int:
        """Percentage of cases done (HardPy's integer progress)."""
        ...

    @property
    def alert(self) -> str:
        """The last alert text ("" when none)."""
        ...

    @property
    def current(self) -> CaseKey | None:
        """The running case, or None between cases."""
        ...

    @property
    def dialog(self) -> DialogRequest | None:
        """The dialog waiting for the operator, or None."""
        ...

    @property
    def message(self) -> MessageRequest | None:
        """The operator message on show, or None."""
        ...

    @property
    def stopping(self) -> bool:
        """Whether a stop was requested."""
        ...

    def request_stop(self, *, interrupt: bool = False) -> bool:
        """Ask the run to stop (the one command a view carries: a panel's Stop button).

        Args:
            interrupt: Also stop the running case's Python code at once.

        Returns:
            Whether the running case's code was interrupted.
        """
        ...

    def document(self) -> ResultRunStore:
        """A validated copy of the report as it is now."""
        ...

    def document_json(self, *, include: Any = None, exclude: Any = None) -> str:
        """The report as it is now, as JSON (pydantic's `include`/`exclude`)."""
        ...

    def case(self, module_id: str, case_id: str) -> CaseRunStore:
        """A copy of case `module_id::case_id` as it is now.

        Raises:
            KeyError: If the run has no such case.
        """
        ...

    def module(self, module_id: str, *, cases: bool = True) -> ModuleRunStore:
        """A copy of module `module_id` as it is now; with ``cases=False`` its cases are left out.

        Raises:
            KeyError: If the run has no such module.
        """
        ...

    def module_json(self, module_id: str, *, exclude: Any = None) -> str:
        """Module `module_id` as it is now, as JSON (pydantic's `exclude`).

        Raises:
            KeyError: If the run has no such module.
        """
        ...

    def read(self, reader: Callable[[ResultRunStore], T]) -> T:
        """``reader(report)`` on the live report, with the run held still meanwhile.

        For readers that turn much of a report into something else at once
        (a panel drawing hundreds of cases) where a copy would cost more than
        the reading. `reader` must be quick, must not change the report and
        must not keep it or anything in it; what it returns is the caller's.
        """
        ...
