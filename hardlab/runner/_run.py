"""``hardlab.run()``: run a plan in this process and return its result.

Every entry point describes its run with one `RunSpec` (`spec_for` maps
``run()``'s and ``start()``'s parameters onto one) and hands it to
`execute`, which runs it under pytest with the engine's plugin and the
sinks `hardlab.runner._launch.build_sinks` makes of it.
"""

from __future__ import annotations

import contextlib
import importlib.metadata
import io
import os
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from os import PathLike
from pathlib import Path
from typing import TYPE_CHECKING, Any, get_args

from hardlab.compat import config_file_args
from hardlab.errors import ConfigError, KernelBlockedError, PlanError
from hardlab.events import CaseAttempt, RunListener
from hardlab.model.enums import TestStatus
from hardlab.model.report import ResultRunStore
from hardlab.operators import AUTO, Operator
from hardlab.runtime import Capture, RunSpec, RunState

if TYPE_CHECKING:
    import pandas as pd

    from hardlab.views import Comparison

__all__ = [
    "Capture",
    "RunResult",
    "Target",
    "caller_cwd",
    "check_capture",
    "execute",
    "kernel_main_thread",
    "refuse_kernel_block",
    "run",
    "spec_for",
]

Target = str | PathLike[str] | Sequence[str | PathLike[str]]
"""A plan folder, a test file, a node id (``file.py::test``) or a list of them."""

_CHDIR_LOCK = threading.RLock()
# (thread, folder): the thread that moved the process into a plan folder, and
# the folder it came from; None while no run has moved it.
_CHDIR_HOME: tuple[int, Path] | None = None


@dataclass(frozen=True)
class RunResult:
    """What a run left: its status, its report and every attempt of every case.

    Attributes:
        run_id: The run's unique id (a time-ordered UUID).
        status: ``passed``, ``failed`` or ``stopped``.
        report: The final report (HardPy's schema v1).
        exit_code: pytest's exit code (0 passed, 1 failed, 2 stopped, 5 nothing collected).
        attempts: Every attempt of every case, in order; the report shows the last ones.
        errors: Collection errors and failed post-run functions.
        report_path: The HardPy JSON report written for this run, if one was.
        duration: Wall-clock seconds the run took.
        store_url: The database the run was stored in, if it was.
        node_ids: The pytest node id of every collected case, absolute (its
            file's full path), by ``module_id::case_id``: what to pass as a
            target to run just that case (``hardlab.run(result.node_ids[key])``).
            A run with ``args=["--collect-only"]`` collects the plan and runs
            nothing: its report lists every case ``ready``.
        output: pytest's own terminal output, when it was kept out of the
            notebook: a run in a Jupyter kernel shows the live panel, not
            pytest's session text (``print(result.output)`` shows it); empty
            elsewhere, where pytest writes to the terminal (or ``quiet=True``
            silenced it).
    """

    run_id: uuid.UUID
    status: TestStatus
    report: ResultRunStore
    exit_code: int
    attempts: tuple[CaseAttempt, ...] = ()
    errors: tuple[str, ...] = ()
    report_path: Path | None = None
    duration: float = 0.0
    store_url: str | None = None
    node_ids: dict[str, str] = field(default_factory=dict, repr=False, compare=False)
    extra: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)
    output: str = field(default="", repr=False, compare=False)

    @property
    def passed(self) -> bool:
        """Whether the run passed."""
        return self.status == TestStatus.PASSED

    def to_frame(self) -> pd.DataFrame:
        """This run's case attempts and their measurements as a pandas DataFrame.

        One row per attempt and measurement (an attempt without
        measurements gets one row with the measurement columns missing),
        built from `attempts` in memory. Columns: ``run_id``,
        ``module_id``, ``module_name``, ``case_id``, ``case_name``,
        ``attempt``, ``final``, ``status`` (categorical), ``started_at``,
        ``stopped_at`` (UTC), ``duration_ms``, ``assertion_msg``,
        ``measurement`` (its name), ``kind``, ``value`` (numeric),
        ``value_str`` (string measurements), ``unit``, ``operation``,
        ``comparison_value``, ``comparison_str``, ``lower_limit``,
        ``upper_limit``, ``result``.

        Raises:
            MissingExtraError: If pandas is not installed
                (``pip install "hardlab[analytics]"``).
        """
        from hardlab import views

        return views.attempts_frame(self.attempts, run_id=str(self.run_id))

    def report_html(self, *, template: str | PathLike[str] | None = None) -> str:
        """This run's unit report: one self-contained HTML page (see `hardlab.reports`).

        Raises:
            MissingExtraError: If Jinja2 is not installed (``hardlab[report]``).
        """
        from hardlab.reports import render_html

        return render_html(self.report, self.attempts, run_id=str(self.run_id), template=template)

    def _repr_html_(self) -> str:
        # a notebook shows the report, in an iframe so that its style sheet cannot
        # restyle the notebook; without Jinja2 it falls back to the repr
        from hardlab.errors import MissingExtraError
        from hardlab.reports import embed_html

        try:
            return embed_html(self.report_html())
        except MissingExtraError:
            import html

            return f"<pre>{html.escape(repr(self))}</pre>"

    def compare(self, other: RunResult | ResultRunStore) -> Comparison:
        """This run side by side with `other`, the reference: deltas are this - other.

        Returns:
            A `hardlab.views.Comparison` (``print()`` it, or ``.frame()``).
        """
        from hardlab.views import compare_reports

        if isinstance(other, RunResult):
            return compare_reports(
                other.report, self.report, base_label=str(other.run_id), new_label=str(self.run_id)
            )
        return compare_reports(other, self.report, new_label=str(self.run_id))

    def counts(self) -> dict[str, int]:
        """How many cases ended in each status."""
        counts: dict[str, int] = {}
        for module in self.report.modules.values():
            for case in module.cases.values():
                counts[case.status.value] = counts.get(case.status.value, 0) + 1
        return counts

    def __repr__(self) -> str:
        counts = ", ".join(f"{n} {s}" for s, n in sorted(self.counts().items()))
        return (
            f"<RunResult {self.report.name!r} {self.status.value} ({counts or 'no cases'}) "
            f"run_id={self.run_id}>"
        )


def caller_cwd() -> Path:
    """The working directory relative paths given to a run are taken from.

    That is the process's, except while a run in another thread has moved
    the process into its plan folder: then it is the folder that run came
    from (a notebook's folder, for a background run), so a run started
    meanwhile still finds paths where its caller means them.
    """
    home = _CHDIR_HOME
    if home is not None and home[0] != threading.get_ident():
        return home[1]
    return Path.cwd()


def check_capture(capture: object) -> None:
    """Refuse a ``capture`` value pytest would not take.

    Raises:
        ConfigError: If `capture` is not one of pytest's capture methods.
    """
    if capture is not None and capture not in get_args(Capture):
        msg = f"capture={capture!r}: use one of {', '.join(map(repr, get_args(Capture)))}"
        raise ConfigError(msg)


def _absolute(path: str | PathLike[str], base: Path) -> Path:
    return base / Path(path).expanduser()


def _targets(target: Target, base: Path | None = None) -> list[Path]:
    """The plan's targets as absolute paths (node ids keep their ``::`` part).

    Raises:
        PlanError: If a target does not exist.
    """
    base = caller_cwd() if base is None else base
    items: Sequence[str | PathLike[str]]
    items = [target] if isinstance(target, (str, PathLike)) else list(target)
    if not items:
        msg = "hardlab.run() needs a plan: a folder, a test file or a list of them"
        raise PlanError(msg)
    paths = []
    for item in items:
        text = os.fspath(item)
        path_text, _, _ = text.partition("::")
        path = _absolute(path_text, base)
        if not path.exists():
            msg = f"test plan {path_text!r} does not exist (looked in {base})"
            raise PlanError(msg)
        paths.append(Path(str(path.resolve()) + text[len(path_text) :]))
    return paths


def _plan_dir(paths: list[Path], config_dir: str | PathLike[str] | None, base: Path) -> Path:
    if config_dir is not None:
        folder = _absolute(config_dir, base).resolve()
        if not folder.is_dir():
            msg = f"config_dir {os.fspath(config_dir)!r} is not a folder"
            raise PlanError(msg)
        return folder
    first = Path(str(paths[0]).partition("::")[0])
    return first if first.is_dir() else first.parent


def in_kernel() -> bool:
    """Whether this process runs a Jupyter (ipykernel) kernel: its prints are a cell's output.

    Looked up in ``sys.modules``: nothing is imported.
    """
    app = sys.modules.get("ipykernel.kernelapp")
    if app is None:
        return False
    try:
        return bool(app.IPKernelApp.initialized())
    except Exception:  # noqa: BLE001 - an ipykernel without this API: not one we know
        return False


def _kept_terminal(into: io.StringIO) -> object:
    """A pytest plugin that writes pytest's terminal report into `into` instead of stdout."""
    import pytest

    class KeptTerminal:
        # the reporter's own options (-v, -ra from an ini file) keep working: only
        # where it writes changes
        @pytest.hookimpl(trylast=True)
        def pytest_configure(self, config: pytest.Config) -> None:
            manager = config.pluginmanager
            reporter = manager.get_plugin("terminalreporter")
            if reporter is not None:
                manager.unregister(reporter)
                config.option.color = "no"  # text to read back, without escape sequences
                manager.register(pytest.TerminalReporter(config, into), "terminalreporter")

    return KeptTerminal()


def kernel_main_thread() -> bool:
    """Whether this is the main thread of a process that runs a Jupyter (ipykernel) kernel.

    That thread handles the kernel's messages, widget answers included.
    Looked up in ``sys.modules``: nothing is imported.
    """
    if threading.current_thread() is not threading.main_thread():
        return False
    return in_kernel()


def refuse_kernel_block(operator: object) -> None:
    """Refuse to block the kernel's thread when `operator` needs that thread for its answers.

    Raises:
        KernelBlockedError: If `operator` answers through kernel messages
            (``needs_kernel``) and this is the kernel's main thread.
    """
    if getattr(operator, "needs_kernel", False) and kernel_main_thread():
        msg = (
            f"hardlab.run() with {type(operator).__name__} would block this notebook's kernel: "
            "the operator's answers reach the kernel on the thread that hardlab.run() keeps "
            "busy, so the first dialog would wait for ever. Run the plan in the background "
            "and wait for it in the cell instead: `%hardpy run PLAN` (after `%load_ext "
            "hardlab`), or `result = await hardlab.start(PLAN, operator=panel.operator, "
            "listeners=[panel])`; or give scripted answers (answers=FILE) to run it here"
        )
        raise KernelBlockedError(msg)


def _hardpy_entry_point() -> bool:
    try:
        return any(
            ep.name == "pytest_hardpy" for ep in importlib.metadata.entry_points(group="pytest11")
        )
    except Exception:  # noqa: BLE001 - broken metadata: assume no HardPy
        return False


@contextlib.contextmanager
def _working_directory(folder: Path, enabled: bool) -> Iterator[None]:
    """Run in `folder`: one run at a time per process (the working directory is the process's).

    A second run that wants to change it waits here until the first is done;
    a run inside a test of a run (same thread) nests.
    """
    global _CHDIR_HOME  # noqa: PLW0603 - one working directory per process
    if not enabled:
        yield
        return
    with _CHDIR_LOCK:
        before = Path.cwd()
        outermost = _CHDIR_HOME is None
        if outermost:
            _CHDIR_HOME = (threading.get_ident(), before)
        os.chdir(folder)
        try:
            yield
        finally:
            os.chdir(before)
            if outermost:
                _CHDIR_HOME = None


def _under(path: str, roots: Sequence[Path]) -> bool:
    try:
        resolved = Path(path).resolve()
    except (OSError, RuntimeError):
        return False
    return any(resolved.is_relative_to(root) for root in roots)


@contextlib.contextmanager
def isolated_imports(roots: Callable[[], Sequence[Path]]) -> Iterator[None]:
    """Forget, after the block, modules it imported from the plan and the paths it added.

    pytest imports test modules, conftests and the plan's helper modules into
    ``sys.modules`` and never drops them, so a second run in the same process
    would not see edits, and every run would leave modules behind. This
    removes the modules the block imported from files under `roots()` and
    restores ``sys.path``.
    """
    modules_before = set(sys.modules)
    path_before = list(sys.path)
    try:
        yield
    finally:
        folders = [root.resolve() for root in roots()]
        for name in set(sys.modules) - modules_before:
            module = sys.modules.get(name)
            filename = getattr(module, "__file__", None)
            if filename and _under(filename, folders):
                sys.modules.pop(name, None)
        sys.path[:] = path_before


def build_args(
    paths: list[Path],
    plan_dir: Path,
    *,
    relative: bool,
    args: Sequence[str],
    select: str | None,
    capture: Capture | None = None,
) -> list[str]:
    """Pytest's command line for a run."""
    command: list[str] = []
    for path in paths:
        text = str(path)
        if relative:
            file_part, sep, rest = text.partition("::")
            with contextlib.suppress(ValueError):
                file_part = str(Path(file_part).relative_to(plan_dir)) or "."
            text = file_part + sep + rest
        command.append(text)
    if _hardpy_entry_point():
        command += ["-p", "no:pytest_hardpy"]
    if capture is not None:
        command.append(f"--capture={capture}")  # before `args`, which may override it
    if select:
        command += ["-k", select]
    command += list(args)
    return command


def run(
    target: Target = ".",
    *,
    args: Sequence[str] = (),
    select: str | None = None,
    start_args: Mapping[str, Any] | None = None,
    operator: Operator | None = AUTO,
    answers: Mapping[str, Any] | Sequence[Any] | str | PathLike[str] | None = None,
    report_dir: str | PathLike[str] | None = None,
    store: str | PathLike[str] | bool | None = None,
    listeners: Sequence[RunListener] = (),
    tests_name: str | None = None,
    config_dir: str | PathLike[str] | None = None,
    hardpy_alias: bool | None = None,
    quiet: bool = False,
    attempt_delay: float | None = None,
    chdir: bool = True,
    handle_sigterm: bool = True,
    run_id: uuid.UUID | None = None,
    on_run: Callable[[RunState], None] | None = None,
    capture: Capture | None = None,
) -> RunResult:
    """Run a test plan in this process and return its result.

    The plan runs under pytest with hardlab's plugin, in the calling thread
    (`hardlab.start` runs it in a background thread). As HardPy's runner
    does, the working directory is the plan folder while it runs (so
    relative paths in the plan work); pass ``chdir=False`` to keep yours.
    The working directory belongs to the whole process, so only one run at
    a time moves it: a second such run, in another thread, waits until the
    first is done. Relative paths given here are the caller's, even while
    another thread's run has moved the process. Modules the run imported
    from the plan are forgotten afterwards, so the next run sees your edits.

    Args:
        target: The plan folder (with ``hardpy.toml``), test files or node ids.
        args: More pytest arguments (``["-x", "--hardpy-start-arg", "k=v"]``).
        select: A ``-k`` expression choosing which cases run.
        start_args: Start arguments for the ``hardpy_start_args`` fixture.
        operator: Who answers dialogs: a `ScriptedOperator`, a
            `TerminalOperator`, your own `Operator`, or None for nobody (a
            dialog then fails its case with a clear error). Default: the
            answers file ``$HARDLAB_ANSWERS`` names if set, else the
            terminal when stdin is one, else nobody.
        answers: Scripted answers instead of an operator: a mapping or list
            (see `ScriptedOperator`) or a TOML/JSON file.
        report_dir: Write the finished run as a HardPy JSON report here.
        store: The database that keeps the run: a URL or SQLite file path;
            None (default) for ``$HARDLAB_DB_URL``, ``hardpy.toml``'s
            ``[database] url`` or hardlab's own SQLite file; False for none.
        listeners: Receive the run's events (see `hardlab.events`).
        tests_name: The run's name (default: ``tests_name`` of ``hardpy.toml``,
            else the plan folder's name).
        config_dir: Where ``hardpy.toml`` is (default: the plan folder).
        hardpy_alias: Serve ``import hardpy`` from hardlab: None (default)
            when HardPy is not installed, True always, False never.
        quiet: Silence pytest's own terminal output. In a notebook (a
            Jupyter kernel) it never reaches the cell: without `quiet` it
            is kept in `RunResult.output`.
        attempt_delay: Seconds between attempts of ``attempt(n)`` cases (1).
        chdir: Run in the plan folder (one such run at a time per process).
        handle_sigterm: Stop the run cleanly on SIGTERM (main thread only).
        run_id: The run's id (default: a new time-ordered UUID).
        on_run: Called with the live `RunState` once the run is set up.
        capture: What happens to the tests' prints (pytest's ``--capture``):
            ``"fd"`` and ``"sys"`` keep them for the report of a failing
            case, ``"no"`` lets them through to ``sys.stdout`` (in a
            notebook: the cell's output), ``"tee-sys"`` does both. Default:
            pytest's choice (``fd``, unless the plan's ini file says otherwise).
            Capturing replaces ``sys.stdout`` (``sys``) or the process's
            file descriptors 1 and 2 (``fd``) for the whole process, so
            prints of other threads are captured too while the run goes.

    Returns:
        The `RunResult`.

    Raises:
        PlanError: If the plan does not exist or pytest could not start (for
            example, bad pytest arguments; pytest prints why).
        ConfigError: If ``hardpy.toml`` or the answers file is invalid.
        KernelBlockedError: If called in a notebook cell (the kernel's main
            thread) with a widget operator, whose answers that thread must
            receive: use ``%hardpy run`` or ``await hardlab.start(...)``.
    """
    return execute(
        spec_for(
            target,
            base=caller_cwd(),
            args=args,
            select=select,
            start_args=start_args,
            operator=operator,
            answers=answers,
            report_dir=report_dir,
            store=store,
            listeners=listeners,
            tests_name=tests_name,
            config_dir=config_dir,
            hardpy_alias=hardpy_alias,
            quiet=quiet,
            attempt_delay=attempt_delay,
            chdir=chdir,
            handle_sigterm=handle_sigterm,
            run_id=run_id,
            on_run=on_run,
            capture=capture,
        )
    )


def spec_for(
    target: Target,
    *,
    base: Path,
    args: Sequence[str] = (),
    select: str | None = None,
    start_args: Mapping[str, Any] | None = None,
    operator: Operator | None = AUTO,
    answers: Mapping[str, Any] | Sequence[Any] | str | PathLike[str] | None = None,
    report_dir: str | PathLike[str] | None = None,
    store: str | PathLike[str] | bool | None = None,
    listeners: Sequence[RunListener] = (),
    tests_name: str | None = None,
    config_dir: str | PathLike[str] | None = None,
    hardpy_alias: bool | None = None,
    quiet: bool = False,
    attempt_delay: float | None = None,
    chdir: bool = True,
    handle_sigterm: bool = True,
    run_id: uuid.UUID | None = None,
    on_run: Callable[[RunState], None] | None = None,
    capture: Capture | None = None,
) -> RunSpec:
    """The `RunSpec` for `hardlab.run`'s parameters (see there), relative paths taken from `base`.

    The operator is chosen here (scripted answers, ``$HARDLAB_ANSWERS``)
    and an explicit store made a URL.

    Raises:
        PlanError: If a target or `config_dir` does not exist.
        ConfigError: If `capture` is not pytest's, or the answers are invalid.
    """
    from hardlab.operators import ScriptedOperator, answers_from_env

    check_capture(capture)
    paths = _targets(target, base)
    plan_dir = _plan_dir(paths, config_dir, base)
    url: str | None = None
    if store is not None and not isinstance(store, bool):
        from hardlab.storage import resolve_url

        if "://" not in os.fspath(store):
            store = _absolute(store, base)  # the caller's folder, not the plan's
        url = resolve_url(store)
    chosen: Any = operator
    if answers is not None:
        if isinstance(answers, (str, PathLike)):
            chosen = ScriptedOperator.from_file(_absolute(answers, base))
        else:
            chosen = ScriptedOperator(answers)
    elif operator is AUTO:
        scripted = answers_from_env(base)
        if scripted is not None:
            chosen = scripted
    return RunSpec(
        targets=tuple(str(path) for path in paths),
        plan_dir=plan_dir,
        start_args={str(k): str(v) for k, v in (start_args or {}).items()},
        operator=chosen,
        store=False if store is False else url,
        report_dir=_absolute(report_dir, base).resolve() if report_dir is not None else None,
        pytest_args=tuple(args),
        select=select,
        capture=capture,
        quiet=quiet,
        chdir=chdir,
        tests_name=tests_name,
        attempt_delay=attempt_delay,
        handle_sigterm=handle_sigterm,
        run_id=run_id,
        listeners=tuple(listeners),
        on_run=on_run,
        hardpy_alias=hardpy_alias,
        launched=True,
    )


def execute(spec: RunSpec) -> RunResult:
    """Run `spec` under pytest in this thread and return its result (every entry point ends here).

    Raises:
        PlanError: If pytest could not run the plan.
        KernelBlockedError: If the operator needs this thread (a kernel's) for its answers.
    """
    import pytest

    from hardlab.engine import REPORT, STORED_IN, HardlabPlugin, QuietTerminal
    from hardlab.runner._alias import install_alias
    from hardlab.runner._launch import SUPPLIES

    refuse_kernel_block(spec.operator)
    plan_dir = spec.plan_dir or caller_cwd()
    plugin = HardlabPlugin(spec, supplier=SUPPLIES)
    command = build_args(
        [Path(target) for target in spec.targets],
        plan_dir,
        relative=spec.chdir,
        # current_test_config: the configuration's files, as HardPy's panel runs them
        args=[*config_file_args(plan_dir, spec.pytest_args), *spec.pytest_args],
        select=spec.select,
        capture=spec.capture,
    )
    # In a notebook the run shows itself (panel, result); pytest's session text
    # would bury the cell's output, so it is kept in the result instead.
    kept = io.StringIO() if not spec.quiet and in_kernel() else None
    started = time.perf_counter()
    alias = install_alias(spec.hardpy_alias)
    try:
        with (
            _working_directory(plan_dir, spec.chdir),
            isolated_imports(lambda: [plan_dir, *plugin.roots]),
        ):
            plugins: list[object] = [plugin]
            if spec.quiet:
                plugins.append(QuietTerminal())
            elif kept is not None:
                plugins.append(_kept_terminal(kept))
            exit_code = int(pytest.main(command, plugins=plugins))
    finally:
        alias.remove()
    report = plugin.final_report
    state = plugin.run
    if report is None or state is None:
        collected_only = plugin.collect_only and exit_code == pytest.ExitCode.OK
        if state is not None and (
            collected_only or exit_code == pytest.ExitCode.NO_TESTS_COLLECTED
        ):
            report = state.snapshot()
        else:
            if kept is not None:  # why pytest could not run belongs in the cell
                sys.stdout.write(kept.getvalue())
            msg = (
                f"pytest could not run the plan {plan_dir} (exit code {exit_code}); "
                "its message is printed above"
            )
            raise PlanError(msg)
    report_path = plugin.saved.get(REPORT)
    return RunResult(
        run_id=state.run_id,
        status=report.status,
        report=report,
        exit_code=exit_code,
        attempts=tuple(plugin.attempts),
        errors=tuple(plugin.errors),
        report_path=Path(report_path) if report_path is not None else None,
        duration=time.perf_counter() - started,
        store_url=plugin.saved.get(STORED_IN),
        node_ids=_node_ids(plugin),
        output=kept.getvalue() if kept is not None else "",
    )


def _node_ids(plugin: Any) -> dict[str, str]:
    """``module_id::case_id`` -> the case's node id, its file part made absolute."""
    root = plugin.roots[0] if plugin.roots else Path.cwd()
    found: dict[str, str] = {}
    for nodeid, info in plugin.nodes.items():
        file_part, sep, rest = nodeid.partition("::")
        found[f"{info.module_id}::{info.case_id}"] = str(root / file_part) + sep + rest
    return found
