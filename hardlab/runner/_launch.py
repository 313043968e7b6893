"""What a run feeds: the sinks a `RunSpec` asks for, built in one place, and pytest's operator.

The engine (`hardlab.engine`) knows sinks only through `hardlab.events.Sink`;
`SUPPLIES` is what every entry point hands it: `build_sinks` for the run's
store, report file, unsaved-report fallback and StandCloud upload, and the
operator pytest's ``--hardlab-answers``/``--hardlab-operator`` ask for.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from hardlab.engine import REPORT, STORED_IN, Outlet
from hardlab.events import RunView, SinkOutcome
from hardlab.storage import StoreSink

if TYPE_CHECKING:
    from hardlab.config import HardpyConfig
    from hardlab.operators import Operator
    from hardlab.runtime import RunSpec

__all__ = ["SUPPLIES", "StoreOutlet", "Supplies", "build_sinks"]


class StoreOutlet(StoreSink):
    """The run store's sink as a run shows it: `StoreSink`, its texts for the operator.

    A store that cannot be used is named as such, its errors are marked
    ``store:``, and a store lost during the run raises the run's alert.

    Args:
        url: The store's resolved URL.
        alert: Shows a text as the run's alert (the store failed during the run).
    """

    def __init__(self, url: str, alert: Callable[[str], None]) -> None:
        super().__init__(url)
        self._alert = alert
        self._opened = False
        self.on_fatal = self._lost

    def open(self, run: RunView | None = None) -> str | None:
        """Wait until the writer has opened the store; why it cannot be used, or None."""
        problem = self.ready()
        if problem is not None:
            return f"the run store cannot be used: {problem}"
        self._opened = True
        return None

    def close(self, timeout: float = 120.0) -> SinkOutcome:
        """End the writer once it has committed the run; where the run went, what went wrong."""
        self.settle(timeout)  # the writer committed the end while the listeners ran
        return SinkOutcome(
            notices=tuple(f"store: {error}" for error in self.errors),
            saved_to=self.url if self.saved else None,
        )

    def _lost(self, message: str) -> None:
        """The store failed during the run: say so; the run goes on and is kept as a file."""
        if self._opened:
            self._alert(
                f"the run store failed ({message}); the run goes on and its report will be "
                "saved as a file when it ends"
            )


def build_sinks(spec: RunSpec, config: HardpyConfig, alert: Callable[[str], None]) -> list[Outlet]:
    """The sinks `spec` asks for, in the order they are opened, fed and closed.

    The store's writer process starts here, so that it has opened the store
    (and imported its database driver) while pytest collects.

    Args:
        spec: The run, completed from pytest's options.
        config: The plan's ``hardpy.toml``, as the run uses it.
        alert: Shows a text as the run's alert.

    Raises:
        ConfigError: If ``[stand_cloud] address`` is not ``host[:port]`` (autosync), or
            the store's URL (``[database] url``, ``$HARDLAB_DB_URL``) is neither
            SQLite nor PostgreSQL.
    """
    from hardlab.config import data_dir
    from hardlab.services import JsonReportSink, UnsavedReportSink, UploadSink, outbox_target
    from hardlab.storage import check_url, resolve_url

    outlets: list[Outlet] = []
    store: StoreOutlet | None = None
    if spec.store is not False:
        url = resolve_url(spec.store, config)
        check_url(url, spec.store, config)
        store = StoreOutlet(url, alert)
        store.slot = spec.slot
        store.prepare()
        outlets.append(Outlet(store, STORED_IN))
        # autosync: the writer queues the report with the run's final state
        store.outbox = outbox_target(config.stand_cloud)
    if spec.report_dir is not None:
        outlets.append(Outlet(JsonReportSink(Path(spec.report_dir)), REPORT))
    if store is not None:
        outlets.append(Outlet(UnsavedReportSink(store, data_dir() / "unsaved")))
    section = config.stand_cloud
    if section.autosync or section.connection_only:
        outlets.append(Outlet(UploadSink(config, store)))
    return outlets


class Supplies:
    """hardlab's `hardlab.engine.Supplier`: the operator pytest's options ask for, and sinks."""

    def operator(self, answers: str | None, choice: str) -> Operator | None:
        """The answers file, ``$HARDLAB_ANSWERS``, the terminal (when stdin is one) or nobody.

        Raises:
            ConfigError: If the answers are invalid.
        """
        from hardlab.operators import ScriptedOperator, TerminalOperator, answers_from_env

        if answers:
            return ScriptedOperator.from_file(answers)
        if choice == "auto":
            scripted = answers_from_env()
            if scripted is not None:
                return scripted
        tty = sys.stdin is not None and sys.stdin.isatty()
        if choice == "terminal" or (choice == "auto" and tty):
            return TerminalOperator(stdin=sys.__stdin__, stdout=sys.__stdout__)
        return None

    def sinks(
        self, spec: RunSpec, config: HardpyConfig, alert: Callable[[str], None]
    ) -> list[Outlet]:
        """`build_sinks`."""
        return build_sinks(spec, config, alert)


SUPPLIES = Supplies()
