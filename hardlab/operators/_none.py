"""The operator of a run that has none: every dialog fails its case, saying how to give one."""

from __future__ import annotations

from hardlab.errors import NoOperatorError
from hardlab.operators._protocol import Answer, DialogRequest, MessageRequest

__all__ = ["NoOperator"]

_NO_OPERATOR = (
    "{what} needs an operator, and this run has none. Give the run one: "
    "hardlab.run(..., operator=hardlab.ScriptedOperator({{...}})) or answers=FILE for CI "
    "and headless notebooks (or HARDLAB_ANSWERS=FILE in the environment), "
    "`hardlab run PATH` in a terminal (it prompts), "
    "`hardlab run PATH --answers FILE`, pytest --hardlab-answers FILE, or the "
    "notebook's %hardpy magic, which answers in widgets."
)


class NoOperator:
    """Nobody: refuses every dialog and blocking message with `NoOperatorError`.

    A run given ``operator=None`` (``hardlab run --no-operator``, ``pytest
    --hardlab-operator none``, no terminal) has this operator's behaviour:
    the error names what asked and every way to give the run an operator,
    and the asking case fails.
    """

    def __repr__(self) -> str:
        return "NoOperator()"

    @staticmethod
    def error(what: str) -> NoOperatorError:
        """The error for `what` (``run_dialog_box (module::case: 'Title')``) asking nobody."""
        return NoOperatorError(_NO_OPERATOR.format(what=what))

    def ask(self, request: DialogRequest) -> Answer:
        """Refuse `request`.

        Raises:
            NoOperatorError: Always.
        """
        raise self.error(f"run_dialog_box ({request.node}: {request.title!r})")

    def acknowledge(self, request: MessageRequest) -> None:
        """Refuse a blocking message.

        Raises:
            NoOperatorError: Always.
        """
        raise self.error("A blocking set_operator_message")
