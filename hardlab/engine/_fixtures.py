"""The run's session fixtures: HardPy's two and ``hardlab_slot``.

They are module-level functions, not methods of the run's plugin: pytest
deprecates session-scoped fixtures defined as instance methods
(``PytestRemovedIn10Warning``; pytest 10 drops them). The run's plugin
registers this module and leaves itself in the session's stash, where the
fixtures find it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

import pytest

from hardlab.runtime import RunSpec, RunState

__all__ = [
    "RUN_PLUGIN",
    "SessionOwner",
    "hardlab_slot",
    "hardpy_start_args",
    "post_run_functions",
]


class SessionOwner(Protocol):
    """What the fixtures read from the run's plugin."""

    post_run: list[Callable[[], Any]]
    run: RunState | None
    spec: RunSpec


RUN_PLUGIN = pytest.StashKey[SessionOwner]()
"""The session's run plugin, in ``config.stash``."""


@pytest.fixture(scope="session")
def post_run_functions(request: pytest.FixtureRequest) -> list[Callable[[], Any]]:
    """A list to append no-argument functions to; they run after the run ends."""
    return request.config.stash[RUN_PLUGIN].post_run


@pytest.fixture(scope="session")
def hardpy_start_args(request: pytest.FixtureRequest) -> dict[str, str]:
    """The run's start arguments (``--hardpy-start-arg k=v``, ``--arg k=v``), as text."""
    run = request.config.stash[RUN_PLUGIN].run
    assert run is not None
    return dict(run.start_args)


@pytest.fixture(scope="session")
def hardlab_slot(request: pytest.FixtureRequest) -> int | None:
    """The stand slot this run occupies (``hardlab run --slots N``: 1..N), or None."""
    return request.config.stash[RUN_PLUGIN].spec.slot
