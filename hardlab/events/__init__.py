"""What happens during a run, as events for listeners.

A run publishes events to its listeners: the store writer, the notebook
panel, the terminal view, your own code. Listeners are called synchronously
in the thread where the event happened (usually the test's thread), so they
must be quick: record what changed and do the slow work elsewhere. A
listener that raises is reported once and then kept out of the way; the run
goes on.

Example:
    ```python
    class Printer:
        def handle(self, event: hardlab.events.Event) -> None:
            if isinstance(event, hardlab.events.CaseFinished):
                print(event.attempt.case_id, event.attempt.status)

    hardlab.run("plan/", listeners=[Printer()])
    ```

Listeners see the run through `RunView` (``event.run``): facts and copies,
never the live report, so they lock nothing. A listener that takes the run
somewhere (a database, a file, a server) is a `Sink`: the engine opens it
before the first case (it may refuse the run), and closes it after the end,
when it says where the run went and what the operator should know
(`SinkOutcome`).
"""

from __future__ import annotations

from hardlab.events._events import (
    AlertRaised,
    CaseAttempt,
    CaseFinished,
    CaseStarted,
    CaseUpdated,
    CollectionFailed,
    DialogClosed,
    DialogOpened,
    Event,
    ModuleFinished,
    OperatorMessageChanged,
    ReportUpdated,
    RunFinished,
    RunListener,
    RunStarted,
)
from hardlab.events._sink import Sink, SinkOutcome
from hardlab.events._view import CaseKey, RunView

__all__ = [
    "AlertRaised",
    "CaseAttempt",
    "CaseFinished",
    "CaseKey",
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
    "RunView",
    "Sink",
    "SinkOutcome",
]
