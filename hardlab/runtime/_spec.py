"""What a run is asked to do: one frozen `RunSpec`, whichever entry point asked."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from hardlab.events import RunListener
from hardlab.operators import AUTO, Operator

if TYPE_CHECKING:
    from hardlab.runtime._state import RunState

__all__ = ["Capture", "CloudPolicy", "RunSpec"]

Capture = Literal["fd", "sys", "no", "tee-sys"]
"""pytest's ``--capture`` methods: what happens to a test's prints."""


@dataclass(frozen=True)
class CloudPolicy:
    """What the entry point says about StandCloud, over ``hardpy.toml``'s ``[stand_cloud]``.

    None (or False) leaves the plan's setting as it is.

    Attributes:
        address: The StandCloud address (``--sc-address``).
        connection_only: Refuse to start while StandCloud cannot be reached
            (``--sc-connection-only``).
        autosync: Send each finished run's report (``--sc-autosync``).
    """

    address: str | None = None
    connection_only: bool = False
    autosync: bool = False


@dataclass(frozen=True)
class RunSpec:
    """Everything an entry point decided about one run, made once and handed to the launch.

    ``hardlab.run``, ``hardlab.start``, ``%hardpy``, ``hardlab run``, the
    station and ``pytest --hardlab`` all describe their run with one of these.
    What a spec leaves at its default is taken from pytest's command line,
    the ini file and ``hardpy.toml``, in that order.

    Attributes:
        targets: The plan's targets as pytest arguments: absolute paths and
            node ids (empty when pytest's own command line names them).
        plan_dir: Where ``hardpy.toml`` is, and where the run works
            (``chdir``); None: pytest's rootdir or ``--hardpy-config-file``.
        start_args: Start arguments for the ``hardpy_start_args`` fixture,
            over those given with ``--hardpy-start-arg``.
        operator: Who answers dialogs, already chosen (an answers file or
            ``$HARDLAB_ANSWERS`` made into a `ScriptedOperator`); ``AUTO``
            lets pytest's options and the terminal decide; None: nobody.
        store: The run store: a resolved URL, None for the default
            (``--hardlab-db``, ``$HARDLAB_DB_URL``, ``hardpy.toml``, hardlab's
            SQLite file), False for none.
        report_dir: Write the finished run as a HardPy JSON report here.
        cloud: StandCloud settings over the plan's.
        pytest_args: More pytest arguments.
        select: A ``-k`` expression choosing which cases run.
        capture: pytest's ``--capture`` method, or None for pytest's choice.
        quiet: Silence pytest's own terminal output.
        chdir: Work in `plan_dir` while the run goes.
        tests_name: The run's name (default: ``hardpy.toml``'s, else the folder's).
        attempt_delay: Seconds between attempts of ``attempt(n)`` cases.
        handle_sigterm: Stop cleanly on SIGTERM (main thread only).
        run_id: The run's id (default: a new time-ordered UUID).
        listeners: Receive the run's events.
        on_run: Called with the live `RunState` once the run is set up.
        hardpy_alias: Serve ``import hardpy`` from hardlab: None when HardPy
            is not installed, True always, False never.
        launched: A hardlab entry point (``hardlab.run``, the CLI, a
            notebook, the station) started the run, so it is named as HardPy's
            panel names it; plain pytest names it after the rootdir.
        slot: Which of a stand's parallel slots the run occupies; None for
            a stand that runs one board at a time.
    """

    targets: tuple[str, ...] = ()
    plan_dir: Path | None = None
    start_args: Mapping[str, str] = field(default_factory=dict)
    operator: Operator | None = AUTO
    store: str | Literal[False] | None = None
    report_dir: Path | None = None
    cloud: CloudPolicy = field(default_factory=CloudPolicy)
    pytest_args: tuple[str, ...] = ()
    select: str | None = None
    capture: Capture | None = None
    quiet: bool = False
    chdir: bool = True
    tests_name: str | None = None
    attempt_delay: float | None = None
    handle_sigterm: bool = True
    run_id: uuid.UUID | None = None
    listeners: tuple[RunListener, ...] = ()
    on_run: Callable[[RunState], None] | None = None
    hardpy_alias: bool | None = None
    launched: bool = False
    slot: int | None = None
