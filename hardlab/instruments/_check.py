"""`check`: open each instrument of a plan and say who answered (``hardlab instruments``)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from hardlab.config import load_config
from hardlab.errors import HardlabError
from hardlab.instruments._registry import configure
from hardlab.model.measurement import Instrument

__all__ = ["InstrumentCheck", "check"]


@dataclass(frozen=True)
class InstrumentCheck:
    """One instrument of a plan, tried: its identity, or why it did not answer.

    Attributes:
        name: Its name in ``[[hardlab.instruments]]``.
        resource: Its VISA address.
        backend: PyVISA's back end for it ("" for PyVISA's default).
        identity: What ``*IDN?`` said, mapped to HardPy's `Instrument` (None on error).
        error: The error's message (None when it answered).
    """

    name: str
    resource: str
    backend: str
    identity: Instrument | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        """Whether the instrument opened and identified itself."""
        return self.error is None

    def describe(self) -> str:
        """One line: the name, the address and the identity, or the error."""
        if self.identity is None:
            return f"{self.name}  {self.resource}  ERROR: {self.error}"
        info = self.identity.info
        parts = [
            str(info.get("maker") or ""),
            self.identity.part_number or "",
            f"serial {self.identity.serial_number}" if self.identity.serial_number else "",
            f"firmware {self.identity.revision}" if self.identity.revision else "",
        ]
        said = " ".join(part for part in parts if part) or "(not identified: identify = false)"
        return f"{self.name}  {self.resource}  {said}"


def check(plan: str | os.PathLike[str] | None = None) -> list[InstrumentCheck]:
    """Open each instrument `plan` declares (default: the working directory's) and identify it.

    The sessions stay open in this process (a notebook's next run reuses them).

    Raises:
        ConfigError: If the plan's hardpy.toml is not valid.
    """
    configs = load_config(Path(plan) if plan is not None else None).hardlab.instruments
    sessions = configure(configs)
    found = []
    for config in configs:
        session = sessions[config.name]
        try:
            identity: Instrument | None = session.identity()
            error = None
        except HardlabError as exc:
            identity, error = None, str(exc)
        found.append(InstrumentCheck(config.name, config.resource, config.backend, identity, error))
    return found
