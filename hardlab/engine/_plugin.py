"""The per-run pytest plugin: statuses, markers, attempts, stop, progress (HardPy's rules).

One `HardlabPlugin` instance serves one pytest session. It owns the run's
`RunState`, tracks which case is running (no parsing of
``PYTEST_CURRENT_TEST``, so tests in classes work), and publishes events
that listeners turn into files, database rows and screens.

The engine knows where a run goes only through the `Sink` protocol: a
`Supplier` (the launch, in `hardlab.runner`) gives it the run's sinks once
``hardpy.toml`` is read, and the operator pytest's options ask for. The
engine opens every sink before the first case (a reason stops the run),
hands it every event, closes it after the end and tells the operator what
the sinks had to say.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import re
import signal
import sys
import threading
import time
import warnings
from collections.abc import Callable, Generator, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any, Protocol, cast

import pytest

from hardlab import runtime
from hardlab.compat import run_name
from hardlab.config import HardpyConfig, load_config
from hardlab.engine import _fixtures
from hardlab.engine._interrupt import StopGate, StopRun, cancelled_by_stop
from hardlab.engine._nodes import Dependency, NodeInfo, sort_key
from hardlab.engine._supply import Outlet, Supplier
from hardlab.errors import ConfigError, HardlabWarning
from hardlab.events import (
    CaseAttempt,
    CaseFinished,
    CaseStarted,
    CollectionFailed,
    ModuleFinished,
    RunFinished,
    RunStarted,
    SinkOutcome,
)
from hardlab.model.enums import TestStatus
from hardlab.model.report import CaseRunStore, ModuleRunStore, ResultRunStore
from hardlab.operators import AUTO, Operator
from hardlab.runtime import CaseRef, CloudPolicy, RunSpec, RunState

__all__ = ["Alias", "HardlabPlugin", "QuietTerminal"]

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_FINAL = frozenset({TestStatus.PASSED, TestStatus.FAILED, TestStatus.SKIPPED})
_UNMET = frozenset({TestStatus.FAILED, TestStatus.SKIPPED, TestStatus.ERROR})


class Alias(Protocol):
    """Something the session undoes when it ends (the ``import hardpy`` alias)."""

    def remove(self) -> None:
        """Undo it."""


def _now() -> int:
    return int(time.time())


def _crash_text(longrepr: Any) -> str | None:
    """HardPy's ``assertion_msg``: pytest's crash message, ANSI codes removed."""
    if longrepr is None:
        return None
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return _ANSI.sub("", str(longrepr[2]))
    crash = getattr(longrepr, "reprcrash", None)
    if crash is not None:
        return _ANSI.sub("", str(crash.message))
    return _ANSI.sub("", str(longrepr))


@contextlib.contextmanager
def _console(capman: Any) -> Iterator[None]:
    """Give the operator the real terminal: pytest's capture off, stdin included."""
    with capman.global_and_fixture_disabled():
        # global_and_fixture_disabled() leaves stdin captured (it reads from
        # /dev/null then); pdb suspends stdin the same way. The resume at the
        # end of the outer block restores stdin capture too.
        capman.suspend_global_capture(in_=True)
        yield


def _exception_text(excinfo: pytest.ExceptionInfo[BaseException]) -> str:
    return _ANSI.sub("", excinfo.exconly(tryshort=True))


class QuietTerminal:
    """Takes pytest's terminal reporter out once it is configured.

    Not ``-p no:terminal``: that also drops the reporter's options, so a
    plan whose pytest.ini says ``addopts = -ra`` or ``-v`` would fail with
    a usage error instead of running quietly.
    """

    @pytest.hookimpl(trylast=True)
    def pytest_configure(self, config: pytest.Config) -> None:
        reporter = config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            config.pluginmanager.unregister(reporter)


class HardlabPlugin:
    """pytest plugin for one hardlab run.

    Args:
        spec: The entry point's run; what it leaves at its default comes
            from pytest's options and ``hardpy.toml``.
        supplier: Gives the run its sinks and pytest's operator; None: no
            sinks, and the operator is the spec's (nobody for ``AUTO``).
        alias: The ``import hardpy`` alias to remove when the session ends.

    Attributes:
        spec: The run, completed from pytest's options (once configured).
        saved: Where the sinks put the run, by `Outlet.label`.
    """

    __hardlab_session__ = True
    """Lets the entry-point module see that a run's plugin is already registered."""

    def __init__(
        self,
        spec: RunSpec | None = None,
        *,
        supplier: Supplier | None = None,
        alias: Alias | None = None,
    ) -> None:
        self.spec = spec or RunSpec()
        self.supplier = supplier
        self.alias = alias
        self.outlets: list[Outlet] = []
        self.saved: dict[str, str] = {}
        self._closed: set[int] = set()
        self.roots: list[Path] = []
        self.run: RunState | None = None
        self.nodes: dict[str, NodeInfo] = {}
        self.exit_code: int | None = None
        self.final_report: ResultRunStore | None = None
        self.errors: list[str] = []
        self.plan_problems: list[str] = []  # why the plan cannot run, if it cannot
        self._deselected = 0
        self.notices: list[str] = []
        self.attempts: list[CaseAttempt] = []
        self.post_run: list[Callable[[], Any]] = []
        self._results: dict[str, dict[str, TestStatus | None]] = {}
        self._module_done: set[str] = set()
        self._dependencies: dict[str, tuple[Dependency, ...]] = {}
        self._reported: set[str] = set()
        self._total = 0
        self._critical_failed = False
        self._collect_only = False
        self._started = False
        self._in_tests = False
        self._stop_signalled = False
        self._attempt_started: dict[tuple[str, str], int] = {}
        self._token: Any = None
        self._old_handlers: dict[int, Any] = {}
        self._attempt_delay = 1.0
        self._frozen = False
        self._adopted = False
        self.gate: StopGate | None = None

    @property
    def collect_only(self) -> bool:
        """Whether the session only collects (``--collect-only``): no case runs."""
        return self._collect_only

    # ================================================================ setup

    def _complete(self, config: pytest.Config) -> RunSpec:
        """The entry point's spec with what pytest's options add to it."""
        spec = self.spec
        store = spec.store
        if config.getoption("hardlab_no_store", False):
            store = False
        elif store is None:
            option = config.getoption("hardlab_db", None)
            store = str(option) if option else None
        report_dir = spec.report_dir
        if report_dir is None:
            option = config.getoption("hardlab_report_dir", None)
            report_dir = Path(option) if option else None
        attempt_delay = spec.attempt_delay
        if attempt_delay is None:
            attempt_delay = config.getoption("hardlab_attempt_delay", None)
        cloud = CloudPolicy(
            address=spec.cloud.address or config.getoption("sc_address", None) or None,
            connection_only=spec.cloud.connection_only
            or bool(config.getoption("sc_connection_only", False)),
            autosync=spec.cloud.autosync or bool(config.getoption("sc_autosync", False)),
        )
        return replace(
            spec,
            store=store,
            report_dir=report_dir,
            attempt_delay=attempt_delay,
            start_args=self._start_args(config),
            cloud=cloud,
        )

    def _resolve_config(self, config: pytest.Config, spec: RunSpec) -> HardpyConfig:
        folder = spec.plan_dir
        if folder is None:
            option = config.getoption("hardpy_config_file", None)
            folder = Path(option) if option else Path(config.rootpath)
        try:
            hp = load_config(folder)
        except ConfigError as exc:
            raise pytest.UsageError(str(exc)) from None
        current = config.getoption("hardpy_current_test_config", None)
        if current:
            hp.current_test_config = str(current)
        if spec.cloud.address:
            hp.stand_cloud.address = str(spec.cloud.address)
        if spec.cloud.connection_only:
            hp.stand_cloud.connection_only = True
        if spec.cloud.autosync:
            hp.stand_cloud.autosync = True
        return hp

    def _tests_name(self, config: pytest.Config, hp: HardpyConfig) -> str:
        if self.spec.tests_name:
            return self.spec.tests_name
        option = config.getoption("hardpy_tests_name", None)
        if option:
            return str(option)
        # HardPy's rules: the panel's name for hardlab's entry points, the rootdir for pytest
        return run_name(hp, Path(config.rootpath), option=None, launched=self.spec.launched)

    def _start_args(self, config: pytest.Config) -> dict[str, str]:
        raw = config.getoption("hardpy_start_arg", None) or []
        args = dict(str(arg).split("=", 1) for arg in raw if "=" in str(arg))
        args.update(self.spec.start_args)
        return args

    def _operator(self, config: pytest.Config) -> Operator | None:
        if self.spec.operator is not AUTO:
            return self.spec.operator
        if self.supplier is None:
            return None
        answers = config.getoption("hardlab_answers", None)
        choice = config.getoption("hardlab_operator", None) or "auto"
        try:
            return self.supplier.operator(str(answers) if answers else None, str(choice))
        except ConfigError as exc:
            raise pytest.UsageError(str(exc)) from None

    def _notice_ignored_options(self, config: pytest.Config) -> None:
        ignored = []
        for dest, name in (
            ("hardpy_db_url", "--hardpy-db-url"),
            ("hardpy_clear_database", "--hardpy-clear-database"),
            ("hardpy_sp", "--hardpy-sp"),
            ("hardpy_sh", "--hardpy-sh"),
        ):
            if config.getoption(dest, None):
                ignored.append(name)
        if ignored:
            text = (
                f"hardlab: {', '.join(ignored)} only concern HardPy's CouchDB storage; hardlab "
                "keeps runs in its SQL store and ignores them"
            )
            config.issue_config_time_warning(HardlabWarning(text), stacklevel=2)

    def pytest_configure(self, config: pytest.Config) -> None:
        """Build the run from the options, ``hardpy.toml`` and the entry point's choices."""
        self._collect_only = bool(config.getoption("collectonly", False))
        self.roots = [Path(config.rootpath)]
        self._notice_ignored_options(config)
        spec = self.spec = self._complete(config)
        hp = self._resolve_config(config, spec)
        delay = spec.attempt_delay
        self._attempt_delay = 1.0 if delay is None else float(delay)
        operator = self._operator(config)
        run = RunState(
            config=hp,
            name=self._tests_name(config, hp),
            operator=operator,
            listeners=spec.listeners,
            start_args=dict(spec.start_args),
            run_id=spec.run_id,
        )
        if self.supplier is not None:
            try:
                # a store's writer process starts now, so that it has opened the
                # store (and imported its database driver) while pytest collects
                self.outlets = list(self.supplier.sinks(spec, hp, run.set_alert))
            except ConfigError as exc:
                raise pytest.UsageError(str(exc)) from None
            run.listeners.extend(outlet.sink for outlet in self.outlets)
        # The thread configuring the session is the one that runs the tests.
        self.gate = StopGate(threading.get_ident(), StopRun)
        run.uninterruptible = self.gate.shield
        run.interrupter = self.gate.interrupt
        if getattr(operator, "needs_terminal", False):
            capman = config.pluginmanager.getplugin("capturemanager")
            if capman is not None:
                run.operator_guard = functools.partial(_console, capman)
        self.run = run
        # HardPy's session fixtures, as module functions (pytest 10 drops
        # session fixtures defined as instance methods); they read the run here
        config.stash[_fixtures.RUN_PLUGIN] = self
        if not config.pluginmanager.is_registered(_fixtures):
            config.pluginmanager.register(_fixtures, "hardlab-fixtures")
        self._token = runtime.activate(run)
        if spec.on_run is not None:
            spec.on_run(run)
        self._install_signal_handlers()
        # pytest runs full garbage collections at the end of a session; the
        # objects that already exist now (modules, pydantic's schemas, the
        # notebook's own state) cannot be garbage of this run, so they are
        # left out of those scans until the run is over (`adopt` arranged for
        # the thaw to come after pytest's last collection). This halves the
        # cost of those collections for a 1,000-case plan.
        gc.freeze()
        self._frozen = True

    @pytest.hookimpl(tryfirst=True)
    def pytest_load_initial_conftests(self, early_config: pytest.Config) -> None:
        """Set up what must come before pytest's own plugins configure themselves."""
        self.adopt(early_config)

    def adopt(self, config: pytest.Config) -> None:
        """Register the end-of-session thaw of the garbage collector, early.

        pytest's cleanups run last registered first; registered before the
        other plugins configure, this one runs after their final collections.
        """
        if not self._adopted:
            self._adopted = True
            config.add_cleanup(self._thaw)

    def _thaw(self) -> None:
        if self._frozen:
            gc.unfreeze()
            self._frozen = False

    def _close(self, outlet: Outlet) -> SinkOutcome | None:
        """Close `outlet`'s sink once; None if it was closed already."""
        if id(outlet) in self._closed:
            return None
        self._closed.add(id(outlet))
        try:
            return outlet.sink.close()
        except Exception as exc:  # noqa: BLE001 - one sink's failure must not lose the others
            text = f"sink {outlet.sink!r} failed to close: {type(exc).__name__}: {exc}"
            return SinkOutcome(notices=(text,))

    def pytest_unconfigure(self, config: pytest.Config) -> None:
        """Put back signal handlers and unbind the run."""
        if self.gate is not None:
            self.gate.disable()
        for outlet in self.outlets:  # a run that never finished: end the sinks all the same
            self._close(outlet)
        if not self._adopted:
            self._thaw()
        self._restore_signal_handlers()
        if self.alias is not None:
            self.alias.remove()
        if self.run is not None:
            runtime.deactivate(self.run, self._token)
            self._token = None

    def _install_signal_handlers(self) -> None:
        if (
            not self.spec.handle_sigterm
            or threading.current_thread() is not threading.main_thread()
        ):
            return
        numbers = [signal.SIGTERM]
        if sys.platform == "win32":  # pragma: no cover - Windows only
            numbers.append(signal.SIGBREAK)  # type: ignore[attr-defined,unused-ignore]
        for number in numbers:
            self._old_handlers[number] = signal.signal(number, self._on_signal)

    def _restore_signal_handlers(self) -> None:
        for number, handler in self._old_handlers.items():
            with contextlib.suppress(ValueError, TypeError):
                signal.signal(number, handler)
        self._old_handlers.clear()

    def _on_signal(self, signum: int, frame: Any) -> None:
        self._stop_signalled = True
        if self.run is not None:
            self.run.request_stop()
        if self._in_tests:
            raise StopRun

    # ================================================================ collection

    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(
        self, session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
    ) -> None:
        """Order modules naturally, read markers and lay out the report's modules and cases."""
        run = self._require_run()
        items[:] = sorted(items, key=sort_key)
        known: dict[str, set[str]] = {}
        modules: dict[int, Any] = {}
        with run.lock:
            doc = run.document
            doc.modules = {}
            for item in items:
                try:
                    info = NodeInfo.from_item(item, modules)
                except ValueError as exc:
                    text = f"Error creating NodeInfo for item: {item.nodeid}. {exc}"
                    run.alert = text
                    self.plan_problems.append(text)
                    pytest.exit(text, pytest.ExitCode.NO_TESTS_COLLECTED)
                self.nodes[item.nodeid] = info
                module = doc.modules.get(info.module_id)
                # model_construct: the values come from NodeInfo, already checked
                if module is None:
                    module = doc.modules[info.module_id] = ModuleRunStore.model_construct(
                        status=TestStatus.READY,
                        name=info.module_name,
                        group=info.module_group,
                        start_time=None,
                        stop_time=None,
                    )
                module.cases[info.case_id] = CaseRunStore.model_construct(
                    status=TestStatus.READY,
                    name=info.case_name,
                    group=info.case_group,
                    start_time=None,
                    stop_time=None,
                )
                self._results.setdefault(info.module_id, {})[info.case_id] = None
                # HardPy registers dependencies in collection order and silently
                # drops targets it has not seen yet (unknown or later ones).
                kept = tuple(
                    dep
                    for dep in info.dependencies
                    if dep.module_id in known
                    and (dep.case_id is None or dep.case_id in known[dep.module_id])
                )
                self._dependencies[item.nodeid] = kept
                known.setdefault(info.module_id, set()).add(info.case_id)

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        """Record files that failed to collect."""
        if not report.failed:
            return
        text = _ANSI.sub("", str(report.longreprtext)).strip()
        self.errors.append(f"{report.nodeid}: {text}")
        self.plan_problems.append(f"{report.nodeid}: {text}")
        run = self._require_run()
        run.emit(CollectionFailed(run.view, report.nodeid, text))
        run.set_alert(f"Collection error in {report.nodeid or 'the plan'}")

    # ================================================================ running

    def pytest_deselected(self, items: list[pytest.Item]) -> None:
        """Count the cases ``-k``/``-m`` left out (to say so when none is left)."""
        self._deselected += len(items)

    def pytest_runtestloop(self, session: pytest.Session) -> None:
        """Start the run: progress denominator, start time, status ``run``."""
        run = self._require_run()
        self._total = session.testscollected
        if self._collect_only:
            return
        if self._total == 0:
            text = "No tests collected"
            if self.errors:
                text += f" ({len(self.errors)} collection error(s))"
            elif self._deselected:
                text += f" (the selection left none of the plan's {self._deselected} cases)"
            if not self.errors:  # the collection errors are there already
                self.plan_problems.append(text)
            run.set_alert(text)
            pytest.exit(text, pytest.ExitCode.NO_TESTS_COLLECTED)
        if self.errors and not session.config.getoption("continue_on_collection_errors", False):
            return  # pytest interrupts the session itself; nothing runs
        for outlet in self.outlets:
            reason = outlet.sink.open(run.view)
            if reason is not None:
                run.set_alert(reason)
                pytest.exit(f"hardlab: {reason}", pytest.ExitCode.INTERNAL_ERROR)
        if self._frozen:
            gc.freeze()  # the collected plan lives until the end too; spare it the scans
        run.mark_started()
        self._started = True
        self._in_tests = True
        run.emit(RunStarted(run.view))

    def pytest_runtest_logstart(self, nodeid: str, location: tuple[str, int | None, str]) -> None:
        """A case's protocol begins: it is the running case from setup to teardown."""
        run = self._require_run()
        info = self.nodes.get(nodeid)
        if info is None:
            return
        if run.stop.is_set():
            raise StopRun
        run.current = CaseRef(info.module_id, info.case_id)

    def pytest_runtest_logfinish(self, nodeid: str, location: tuple[str, int | None, str]) -> None:
        """A case's protocol ended (teardown included): publish how it ended.

        A run stopped inside a case never gets here; the stop rule publishes
        that case when the session finishes.
        """
        run = self._require_run()
        run.current = None
        info = self.nodes.get(nodeid)
        if info is not None:
            self._publish_case_end(info)

    def _publish_case_end(self, info: NodeInfo) -> None:
        run = self._require_run()
        key = (info.module_id, info.case_id)
        with run.lock:
            # The final attempt's record is the live case itself: once a case
            # has ended nothing changes it (a stop only touches unfinished cases).
            case = run.case(*key)
            started = self._attempt_started.pop(key, None)
            record = CaseAttempt(
                module_id=info.module_id,
                case_id=info.case_id,
                attempt=case.attempt,
                final=True,
                case=case,
                module_name=info.module_name,
                started_ns=started,
                finished_ns=time.time_ns() if started is not None else None,
            )
        self.attempts.append(record)
        run.emit(CaseFinished(run.view, record))
        if info.module_id in self._module_done:
            self._module_done.discard(info.module_id)
            run.emit(ModuleFinished(run.view, info.module_id))

    def _dependency_unmet(self, nodeid: str) -> bool:
        for dep in self._dependencies.get(nodeid, ()):
            outcomes = self._results.get(dep.module_id, {})
            if dep.case_id is not None:
                if outcomes.get(dep.case_id) in _UNMET:
                    return True
            # A module's result exists only once all its cases have finished.
            elif None not in outcomes.values() and self._module_status(dep.module_id) in _UNMET:
                return True
        return False

    def _module_status(self, module_id: str) -> TestStatus:
        outcomes = set(self._results[module_id].values())
        if TestStatus.FAILED in outcomes or TestStatus.ERROR in outcomes:
            return TestStatus.FAILED
        if TestStatus.SKIPPED in outcomes:
            return TestStatus.SKIPPED
        return TestStatus.PASSED

    def pytest_runtest_setup(self, item: pytest.Item) -> None:
        """Start the case, or skip it for a failed critical case or an unmet dependency."""
        run = self._require_run()
        info = self.nodes.get(item.nodeid)
        if info is None:
            return
        skip = self._critical_failed or self._dependency_unmet(item.nodeid)
        with run.lock:
            module = run.module(info.module_id)
            case = module.cases[info.case_id]
            if module.start_time is None:
                module.start_time = _now()
            if skip:
                case.status = TestStatus.SKIPPED
                module.status = TestStatus.SKIPPED
                self._results[info.module_id][info.case_id] = TestStatus.SKIPPED
                self._count_progress(item.nodeid)
            else:
                case.start_time = _now()
                case.status = TestStatus.RUN
                module.status = TestStatus.RUN
                self._attempt_started[(info.module_id, info.case_id)] = time.time_ns()
        if skip:
            if info.critical:
                self._critical_failed = True
            pytest.skip(f"Test {item.nodeid} is skipped")
        run.emit(CaseStarted(run.view, info.module_id, info.case_id, 1))
        if self.gate is not None:
            self.gate.open()  # the case's fixtures run next

    @contextlib.contextmanager
    def _stop_window(self, *, opening: bool) -> Iterator[None]:
        """A block an asynchronous stop may be raised in: the gate closes after it.

        With `opening` the gate opens first (else something before opened it).
        A dialog the stop cancelled in the block becomes `StopRun`, so the
        case ends stopped, not failed.
        """
        if opening and self.gate is not None:
            self.gate.open()
        try:
            yield
        except Exception as exc:
            if cancelled_by_stop(self.run, exc):
                raise StopRun from exc
            raise
        finally:
            if self.gate is not None:
                self.gate.close()

    @pytest.hookimpl(wrapper=True, trylast=True, specname="pytest_runtest_setup")
    def pytest_runtest_setup_stoppable(self, item: pytest.Item) -> Generator[None, None, None]:
        """Close the window for an asynchronous stop once the case's fixtures are set up."""
        with self._stop_window(opening=False):  # pytest_runtest_setup opened it
            return (yield)

    @pytest.hookimpl(wrapper=True, trylast=True, specname="pytest_runtest_call")
    def pytest_runtest_call_stoppable(self, item: pytest.Item) -> Generator[None, None, None]:
        """While the case's body runs, an asynchronous stop may be raised in it.

        A dialog the stop cancelled ends the case as stopped, not failed.
        """
        with self._stop_window(opening=True):
            return (yield)

    def pytest_runtest_call(self, item: pytest.Item) -> None:
        """First attempt."""
        run = self._require_run()
        info = self.nodes.get(item.nodeid)
        if info is not None:
            with run.lock:
                run.case(info.module_id, info.case_id).attempt = 1

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo[None]) -> None:
        """After a failed call: the critical flag, further attempts, the DUT failure id."""
        if call.when != "call" or call.excinfo is None:
            return
        info = self.nodes.get(item.nodeid)
        if info is None or call.excinfo.errisinstance(pytest.skip.Exception):
            if info is not None and info.critical:
                self._critical_failed = True  # a user skip of a critical case counts
            return
        if item.get_closest_marker("xfail") is not None:
            return
        if info.critical:
            self._critical_failed = True
        for attempt in range(2, info.attempt + 1):
            if not self._retry(item, info, call, attempt):
                break
        run = self._require_run()
        # _retry replaced call.excinfo: None after a passing attempt
        final = cast("pytest.ExceptionInfo[BaseException] | None", call.excinfo)
        if final is not None and not final.errisinstance(pytest.skip.Exception):
            with run.lock:
                if run.document.caused_dut_failure_id is None:
                    run.document.caused_dut_failure_id = f"{info.module_id}::{info.case_id}"

    def _retry(
        self, item: pytest.Item, info: NodeInfo, call: pytest.CallInfo[None], attempt: int
    ) -> bool:
        """Run attempt number `attempt`; return whether another may follow."""
        run = self._require_run()
        key = (info.module_id, info.case_id)
        assert call.excinfo is not None
        with run.lock:
            case = run.case(*key)
            case.status = TestStatus.FAILED
            case.assertion_msg = _exception_text(call.excinfo)
            started = self._attempt_started.get(key)
            record = CaseAttempt(
                module_id=info.module_id,
                case_id=info.case_id,
                attempt=case.attempt,
                final=False,
                case=run.case_copy(*key),
                module_name=info.module_name,
                started_ns=started,
                finished_ns=time.time_ns(),
            )
        self.attempts.append(record)
        run.emit(CaseFinished(run.view, record))
        # HardPy pauses a second between attempts, which also lets a stop arrive.
        if run.stop.wait(self._attempt_delay):
            raise StopRun
        with run.lock:
            module = run.module(info.module_id)
            case = module.cases[info.case_id]
            module.status = TestStatus.RUN
            case.status = TestStatus.RUN
            case.attempt = attempt
            case.artifact = {}
            run.reroute()
            case.msg = None
            case.assertion_msg = None
            case.measurements = []
            case.chart = None
            if run.document.caused_dut_failure_id is None:
                run.document.error_code = None
            self._attempt_started[key] = time.time_ns()
        run.emit(CaseStarted(run.view, info.module_id, info.case_id, attempt))
        try:
            if self.gate is not None:
                self.gate.open()
            try:
                item.runtest()
            finally:
                if self.gate is not None:
                    self.gate.close()
        except (KeyboardInterrupt, SystemExit, pytest.exit.Exception):
            raise
        except BaseException as exc:  # any failure of the body is a failed attempt
            if cancelled_by_stop(run, exc):
                raise StopRun from exc
            call.excinfo = pytest.ExceptionInfo.from_exception(exc)
            with run.lock:
                run.case(*key).status = TestStatus.FAILED
            return not call.excinfo.errisinstance(pytest.skip.Exception)
        call.excinfo = None
        self._critical_failed = False
        with run.lock:
            run.case(*key).status = TestStatus.PASSED
        return False

    def _count_progress(self, nodeid: str) -> None:
        run = self._require_run()
        self._reported.add(nodeid)
        if self._total:
            run.progress = len(self._reported) * 100 // self._total

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        """Case status, stop time, assertion message, progress, module result."""
        skipped_in_setup = report.when == "setup" and report.skipped
        if not skipped_in_setup and report.when != "call" and not report.failed:
            return
        info = self.nodes.get(report.nodeid)
        if info is None:
            return
        run = self._require_run()
        status = TestStatus(report.outcome)
        with run.lock:
            module = run.module(info.module_id)
            case = module.cases[info.case_id]
            case.status = status
            if not skipped_in_setup:
                case.stop_time = _now()
            case.assertion_msg = _crash_text(report.longrepr)
            self._count_progress(report.nodeid)
            outcomes = self._results[info.module_id]
            outcomes[info.case_id] = status
            if None not in outcomes.values():
                module.status = self._module_status(info.module_id)
                module.stop_time = _now()
                self._module_done.add(info.module_id)

    def pytest_keyboard_interrupt(self, excinfo: pytest.ExceptionInfo[BaseException]) -> None:
        """Ctrl-C or a stop request, as opposed to pytest giving up on collection errors."""
        if isinstance(excinfo.value, pytest.Session.Interrupted):
            return
        if isinstance(excinfo.value, (KeyboardInterrupt, StopRun)):
            self._stop_signalled = True

    # ================================================================ finish

    def _run_status(self, exitstatus: int) -> TestStatus:
        if exitstatus == pytest.ExitCode.OK:
            return TestStatus.PASSED
        if exitstatus == pytest.ExitCode.INTERRUPTED and (self._started or self._stop_signalled):
            return TestStatus.STOPPED
        return TestStatus.FAILED

    def _apply_stop(self, run: RunState, now: int) -> list[tuple[str, str]]:
        """HardPy's stop rule: one module and one case stopped, the unfinished rest skipped."""
        changed: list[tuple[str, str]] = []
        module_stopped = case_stopped = False
        for module_id, module in run.document.modules.items():
            if module.status not in _FINAL:
                if not module_stopped:
                    module.status = TestStatus.STOPPED
                    module.start_time = module.start_time or now
                    module.stop_time = now
                    module_stopped = True
                else:
                    module.status = TestStatus.SKIPPED
            for case_id, case in module.cases.items():
                if case.status in _FINAL:
                    continue
                if not case_stopped:
                    case.status = TestStatus.STOPPED
                    case.start_time = case.start_time or now
                    case.stop_time = now
                    case_stopped = True
                else:
                    case.status = TestStatus.SKIPPED
                changed.append((module_id, case_id))
        return changed

    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        """Finish the report, call post-run functions, publish the final report."""
        self._in_tests = False
        if self.gate is not None:
            self.gate.disable()
        run = self.run
        if run is None or self._collect_only:
            return
        exitstatus = int(exitstatus)
        self.exit_code = exitstatus
        status = self._run_status(exitstatus)
        now = _now()
        with run.lock:
            changed = self._apply_stop(run, now) if status == TestStatus.STOPPED else []
            for module in run.document.modules.values():
                if module.start_time is not None and module.stop_time is None:
                    module.stop_time = now
                for case in module.cases.values():
                    if case.start_time is not None and case.stop_time is None:
                        case.stop_time = now
            run.document.status = status
            run.document.stop_time = now
            run.finished_ns = time.time_ns()
            run.current = None
        for module_id, case_id in changed:
            info = next(
                (
                    n
                    for n in self.nodes.values()
                    if (n.module_id, n.case_id) == (module_id, case_id)
                ),
                None,
            )
            if info is not None:
                self._publish_case_end(info)
        for function in list(self.post_run):
            try:
                function()
            except Exception as exc:  # noqa: BLE001 - report it; the run is recorded either way
                name = getattr(function, "__qualname__", repr(function))
                text = f"post-run function {name} failed: {type(exc).__name__}: {exc}"
                self.errors.append(text)
                self.notices.append(text)
                run.set_alert(text)
                warnings.warn(text, HardlabWarning, stacklevel=1)
        report = run.snapshot()
        self.final_report = report
        # a plan that never started its first case: why, kept apart from a DUT's failure
        plan_error = "\n\n".join(self.plan_problems) if not self._started else None
        run.emit(RunFinished(run.view, status, report, exitstatus, plan_error or None))
        for outlet in self.outlets:
            outcome = self._close(outlet)
            if outcome is None:
                continue
            with contextlib.suppress(ValueError):  # a closed sink gets no more events
                run.listeners.remove(outlet.sink)
            if outcome.saved_to is not None and outlet.label:
                self.saved[outlet.label] = outcome.saved_to
            for text in outcome.notices:
                self.errors.append(text)
                self.notices.append(text)
                run.set_alert(text)

    # ================================================================ terminal

    def pytest_report_header(self, config: pytest.Config) -> list[str]:
        """Name the run in pytest's header."""
        run = self._require_run()
        return [f"hardlab: run {run.run_id} ({run.document.name!r})"]

    def pytest_terminal_summary(self, terminalreporter: Any, exitstatus: int) -> None:
        """Close pytest's output with the run's verdict and where its report went."""
        report = self.final_report
        if report is None or self.run is None:
            return
        write = terminalreporter.write_line
        terminalreporter.section("hardlab", sep="-")
        write(f"run {self.run.run_id}: {report.name!r} {report.status.value.upper()}")
        if report.dut.serial_number:
            write(f"DUT {report.dut.serial_number} ({report.dut.part_number or 'no part number'})")
        if report.error_code is not None:
            write(f"error code {report.error_code}")
        if report.caused_dut_failure_id:
            write(f"first failure: {report.caused_dut_failure_id}")
        for label, where in self.saved.items():
            write(f"{label}: {where}")
        for notice in self.notices:
            write(f"! {notice}", yellow=True)

    # ================================================================ helpers

    def _require_run(self) -> RunState:
        if self.run is None:  # pragma: no cover - configure always runs first
            msg = "hardlab's plugin was used before pytest_configure"
            raise RuntimeError(msg)
        return self.run
