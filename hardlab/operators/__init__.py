"""Operators: who answers a run's dialog boxes and blocking messages, and how.

* The protocol: `Operator` (``ask`` a `DialogRequest`, ``acknowledge`` a
  `MessageRequest`), the `Answer` in HardPy's wire format, `AUTO`, and
  `wait_for_answer` for operators that wait on their user interface.
* The answer table `ANSWER_KINDS`: one `AnswerKind` per dialog kind (widget
  ``type``), which reads, checks and converts an answer; every operator and
  the station answer through it (`to_answer`, `submitted`, `accepts`).
  Adding a dialog kind: its widget model in `hardlab.model.dialog`, one row
  in the table, its view in `hardlab.widgets`.
* The operators: `ScriptedOperator` (answers given up front, also from the
  file ``$HARDLAB_ANSWERS`` names: `answers_from_env`), `TerminalOperator`
  (prompts on a console), `NoOperator` (nobody: a dialog fails its case),
  and `ViewOperator`, the base of operators that show dialogs in a user
  interface (the notebook's `hardlab.widgets.WidgetOperator`).

Everything here is standard library only; importing it is cheap.
"""

from __future__ import annotations

from hardlab.operators._answers import (
    ANSWER_KINDS,
    AnswerKind,
    Refusal,
    accepts,
    answer_kind,
    describe,
    input_data,
    parse_verdict,
    submitted,
    to_answer,
)
from hardlab.operators._none import NoOperator
from hardlab.operators._protocol import (
    AUTO,
    Answer,
    DialogRequest,
    MessageRequest,
    Operator,
    wait_for_answer,
)
from hardlab.operators._scripted import (
    ANSWERS_ENV,
    AnswerFunction,
    ScriptedOperator,
    answers_from_env,
)
from hardlab.operators._terminal import TerminalOperator, summarize_html, summarize_image
from hardlab.operators._views import DialogShown, Shown, ViewOperator, wait_for

__all__ = [
    "ANSWERS_ENV",
    "ANSWER_KINDS",
    "AUTO",
    "Answer",
    "AnswerFunction",
    "AnswerKind",
    "DialogRequest",
    "DialogShown",
    "MessageRequest",
    "NoOperator",
    "Operator",
    "Refusal",
    "ScriptedOperator",
    "Shown",
    "TerminalOperator",
    "ViewOperator",
    "accepts",
    "answer_kind",
    "answers_from_env",
    "describe",
    "input_data",
    "parse_verdict",
    "submitted",
    "summarize_html",
    "summarize_image",
    "to_answer",
    "wait_for",
    "wait_for_answer",
]
