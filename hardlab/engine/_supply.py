"""What the engine gets from the launch: the run's sinks (as outlets) and pytest's operator."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from hardlab.events import Sink

if TYPE_CHECKING:
    from hardlab.config import HardpyConfig
    from hardlab.operators import Operator
    from hardlab.runtime import RunSpec

__all__ = ["REPORT", "STORED_IN", "Outlet", "Supplier"]


STORED_IN = "stored in"
"""The label of the sink that keeps the run in a database (the terminal summary's words)."""
REPORT = "report"
"""The label of the sink that writes the run's report file."""


@dataclass(frozen=True)
class Outlet:
    """A sink the run feeds, and how the terminal summary names where it put the run.

    Attributes:
        sink: The sink.
        label: Introduces the sink's `SinkOutcome.saved_to` in the summary
            (``stored in: …``, ``report: …``); "" keeps it out of the summary.
    """

    sink: Sink
    label: str = ""


class Supplier(Protocol):
    """What the engine gets from the launch: the operator pytest's options ask for, and sinks."""

    def operator(self, answers: str | None, choice: str) -> Operator | None:
        """The operator for ``--hardlab-answers FILE`` / ``--hardlab-operator CHOICE``.

        Raises:
            ConfigError: If the answers (the file, ``$HARDLAB_ANSWERS``) are invalid.
        """
        ...

    def sinks(
        self, spec: RunSpec, config: HardpyConfig, alert: Callable[[str], None]
    ) -> Sequence[Outlet]:
        """The run's sinks, in the order they are opened, fed and closed.

        Args:
            spec: The run, completed from pytest's options.
            config: The plan's ``hardpy.toml`` as this run uses it.
            alert: Shows a text as the run's alert (for trouble during the run).

        Raises:
            ConfigError: If the configuration asks for a sink that cannot be built.
        """
        ...
