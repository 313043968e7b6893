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
from os import PathLike
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypedDict, Unpack, cast, get_args, overload

from hardlab.compat import config_file_args
from hardlab.errors import ConfigError, KernelBlockedError, PlanError
from hardlab.events import RunListener
from hardlab.operators import AUTO, Operator
from hardlab.runner._result import RunResult
from hardlab.runtime import Capture, RunSpec, RunState

if TYPE_CHECKING:
    from hardlab.runner._slots import OperatorChoice, SlotEvent, SlotRuns

__all__ = [
    "Capture",
    "RunResult",
    "Target",
    "caller_cwd",
    "check_capture",
    "execute",
    "gather_options",
    "kernel_main_thread",
    "refuse_kernel_block",
    "run",
    "slot_runs",
    "spec_for",
    "start_slots",
]

Target = str | PathLike[str] | Sequence[str | PathLike[str]]
"""A plan folder, a test file, a node id (``file.py::test``) or a list of them."""

_CHDIR_LOCK = threading.RLock()
# (thread, folder): the thread that moved the process into a plan folder, and
# the folder it came from; None while no run has moved it.
_CHDIR_HOME: tuple[int, Path] | None = None


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


class RunOptions(TypedDict, total=False):
    """The keyword arguments `run` and `start` share besides ``slots``, for their overloads.

    The functions themselves declare each with its default and document it;
    this lets the two overloads of each (one board, or ``slots=N``) say
    "the same keywords" once, and is the one dict each function gathers its
    keywords into to pass them on (to `spec_for`, or `slot_runs`).
    """

    args: Sequence[str]
    select: str | None
    start_args: Mapping[str, Any] | None
    operator: Operator | None
    answers: Mapping[str, Any] | Sequence[Any] | str | PathLike[str] | None
    report_dir: str | PathLike[str] | None
    store: str | PathLike[str] | bool | None
    listeners: Sequence[RunListener]
    tests_name: str | None
    config_dir: str | PathLike[str] | None
    hardpy_alias: bool | None
    quiet: bool
    attempt_delay: float | None
    chdir: bool
    handle_sigterm: bool
    run_id: uuid.UUID | None
    on_run: Callable[[RunState], None] | None
    capture: Capture | None


def gather_options(arguments: Mapping[str, Any]) -> RunOptions:
    """The `RunOptions` among a call's arguments (``locals()`` on entry to `run` or `start`).

    Raises:
        KeyError: If the function lacks one of them (a programming error the
            suite's first call finds).
    """
    return cast(RunOptions, {key: arguments[key] for key in RunOptions.__annotations__})


@overload
def run(
    target: Target = ".", *, slots: None = None, **options: Unpack[RunOptions]
) -> RunResult: ...


@overload
def run(target: Target = ".", *, slots: int, **options: Unpack[RunOptions]) -> list[RunResult]: ...


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
    slots: int | None = None,
) -> RunResult | list[RunResult]:
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
        slots: Test this many boards at once (a stand with several slots):
            each slot is a run in a process of its own, with ``slot`` ("1"..)
            in its start arguments and the ``hardlab_slot`` fixture; the
            result is then a list, one `RunResult` per slot (see
            `start_slots`, docs/slots.md). ``listeners``, ``on_run`` and
            ``run_id`` do not cross processes and are refused with it.
            None (default): one run in this process.

    Returns:
        The `RunResult` (with `slots`: a list of them, by slot).

    Raises:
        PlanError: If the plan does not exist or pytest could not start (for
            example, bad pytest arguments; pytest prints why).
        ConfigError: If ``hardpy.toml`` or the answers file is invalid.
        KernelBlockedError: If called in a notebook cell (the kernel's main
            thread) with a widget operator, whose answers that thread must
            receive: use ``%hardpy run`` or ``await hardlab.start(...)``.
    """
    options = gather_options(locals())
    if slots is not None:
        runs = slot_runs(target, slots, options)
        try:
            return runs.wait()
        except KeyboardInterrupt:
            runs.stop()  # every slot ends stopped, with what it did kept
            return runs.wait()
    return execute(spec_for(target, base=caller_cwd(), **options))


# What a run in this process takes but a slot's run, in its own process, cannot:
# refused when given (the first three) or left out (SIGTERM is each process's).
_IN_PROCESS_ONLY = ("listeners", "on_run", "run_id", "handle_sigterm")


def slot_runs(target: Target, slots: int, options: RunOptions) -> SlotRuns:
    """`start_slots` for `run`'s and `start`'s keywords, as they pass ``slots=N`` on.

    Raises:
        ConfigError: If `listeners`, `on_run` or `run_id` is given, or as
            `start_slots` raises.
        PlanError: As `start_slots` raises.
    """
    listeners, on_run = options.get("listeners"), options.get("on_run")
    if listeners or on_run is not None or options.get("run_id") is not None:
        msg = (
            "listeners, on_run and run_id cannot be used with slots=: each slot runs "
            "in its own process (follow them with hardlab.runner.start_slots(on_event=...))"
        )
        raise ConfigError(msg)
    shared: dict[str, Any] = {k: v for k, v in options.items() if k not in _IN_PROCESS_ONLY}
    return start_slots(target, slots=slots, **shared)


def start_slots(
    target: Target = ".",
    *,
    slots: int,
    args: Sequence[str] = (),
    select: str | None = None,
    start_args: Mapping[str, Any] | None = None,
    operator: OperatorChoice = AUTO,
    answers: Mapping[str, Any] | Sequence[Any] | str | PathLike[str] | None = None,
    report_dir: str | PathLike[str] | None = None,
    store: str | PathLike[str] | bool | None = None,
    tests_name: str | None = None,
    config_dir: str | PathLike[str] | None = None,
    hardpy_alias: bool | None = None,
    quiet: bool = False,
    attempt_delay: float | None = None,
    chdir: bool = True,
    capture: Capture | None = None,
    on_event: Callable[[SlotEvent], None] | None = None,
    on_output: Callable[[int, str], None] | None = None,
    numbers: Sequence[int] | None = None,
) -> SlotRuns:
    """Start a plan on `slots` boards at once, one process per slot; returns at once.

    Each slot is a whole run (its own pytest session, report, store row and
    `RunResult`), started with ``slot`` = "1".."N" in its start arguments
    and the ``hardlab_slot`` fixture. The parameters are `run`'s, except:

    Args:
        target: The plan, as for `run`.
        slots: How many slots (1 or more).
        args: As for `run`.
        select: As for `run`.
        start_args: As for `run` (``slot`` is added per slot).
        operator: Who answers the slots' dialogs here: one `Operator` for all
            (asked one dialog at a time, titled ``[slot N] ...``), a function
            giving each slot its own (``lambda slot: panels[slot].operator``),
            or None. Default: the answers file ``$HARDLAB_ANSWERS`` names,
            else the terminal when stdin is one, else nobody.
        answers: Scripted answers each slot reads itself: a TOML/JSON file or
            data, with per-slot sections (`ScriptedOperator.from_data`).
        report_dir: As for `run`: one report per slot.
        store: As for `run`: one row per slot, with its slot number.
        tests_name: As for `run`.
        config_dir: As for `run`.
        hardpy_alias: As for `run`.
        quiet: As for `run`; otherwise each slot's output is printed here,
            each line marked ``[slot N]``.
        attempt_delay: As for `run`.
        chdir: As for `run` (each slot is a process of its own).
        capture: As for `run`.
        on_event: Called with every `SlotEvent` (status, cases, dialogs,
            results), in the slot's reader thread.
        on_output: Called with each line a slot prints (overrides `quiet`'s printing).
        numbers: Start only these slots of the `slots` (``[3]``: slot 3 alone,
            as a station's Start on one slot); default: every slot.

    Returns:
        The running `SlotRuns`: ``wait()`` for the results, ``stop()`` to stop.

    Raises:
        PlanError: If the plan does not exist.
        ConfigError: If `slots`, `capture` or the answers are invalid.
    """
    from hardlab.operators import ANSWERS_ENV, TerminalOperator
    from hardlab.runner._slots import SlotRuns

    base = caller_cwd()
    spec = spec_for(
        target,
        base=base,
        args=args,
        select=select,
        start_args=start_args,
        operator=None,
        report_dir=report_dir,
        store=store,
        tests_name=tests_name,
        config_dir=config_dir,
        hardpy_alias=hardpy_alias,
        quiet=quiet,
        attempt_delay=attempt_delay,
        chdir=chdir,
        capture=capture,
    )
    scripted: str | Mapping[str, Any] | Sequence[Any] | None = None
    if isinstance(answers, (str, PathLike)):
        scripted = str(_absolute(answers, base))
    elif answers is not None:
        scripted = answers
    chosen: OperatorChoice = operator
    if answers is None and operator is AUTO:
        chosen = None
        from_env = os.environ.get(ANSWERS_ENV, "").strip()
        if from_env:
            scripted = str(_absolute(from_env, base))
        elif sys.stdin is not None and sys.stdin.isatty():
            chosen = TerminalOperator(stdin=sys.stdin, stdout=sys.stdout)
    if on_output is None and not quiet:

        def on_output(slot: int, line: str) -> None:
            print(f"[slot {slot}] {line}", flush=True)

    runs = SlotRuns(
        spec,
        slots,
        operator=chosen,
        answers=scripted,
        on_event=on_event,
        on_output=on_output,
        numbers=numbers,
    )
    return runs.start()


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
            raise PlanError(msg, errors=tuple(plugin.errors))
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
        slot=spec.slot,
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
