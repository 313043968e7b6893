"""The ``%hardpy`` line magic and the ``%%hardpy`` cell magic.

In a kernel, `load` registers an input transformer (`hardlab.magics._transform`)
that turns each ``%hardpy`` line and ``%%hardpy`` cell into an ``await`` of
`line_async` or `cell_async`, so the cell waits for the run while the kernel
keeps handling the panel's widget messages. The registered magics proper
(`HardpyMagics`) run where no ``await`` can be: a ``%hardpy`` line inside a
function, ``run_line_magic``, or a terminal IPython (where they block, and
the terminal answers dialogs).

Each command calls the public function a Python user would:
`hardlab.start` (with a `hardlab.widgets.RunPanel` as listener and
operator), `hardlab.history`, `hardlab.cloud.login`, `hardlab.sync`.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Literal, overload

from IPython.core.error import UsageError
from IPython.core.magic import Magics, line_cell_magic, magics_class

from hardlab._format import format_duration
from hardlab.magics._args import (
    CellCommand,
    Command,
    InstrumentsCommand,
    LoginCommand,
    MagicUsageError,
    RunCommand,
    RunOptions,
    RunsCommand,
    SyncCommand,
    parse_cell,
    parse_line,
    usage,
)
from hardlab.magics._cells import DEFAULT_MODULE_NAME, CellModule, clean_tests, define, name_module
from hardlab.magics._transform import rewrite
from hardlab.widgets import kernel as _kernel

if TYPE_CHECKING:
    from hardlab.runner import RunHandle, RunResult
    from hardlab.widgets import RunPanel, SlotPanels

__all__ = ["HardpyMagics", "cell_async", "line_async", "load", "runs_table", "unload"]

# What `%%hardpy` adds to pytest's command line: the cell module is found in
# sys.modules only in prepend mode (an ini file may ask for importlib), and a
# cache folder beside the notebook would only be clutter.
_CELL_ARGS = ("--import-mode=prepend", "-p", "no:cacheprovider")

_RUNS_COLUMNS = {
    "started_at": "started",
    "status": "status",
    "name": "plan",
    "serial_number": "serial number",
    "part_number": "part number",
    "stand": "stand",
    "duration_s": "duration",
    "cases_passed": "passed",
    "cases_failed": "failed",
    "error_code": "error code",
    "run_id": "run id",
}
"""What ``%hardpy runs`` shows of a run, and the column's title."""

_NOT_WAITING = (
    "The cell does not wait for this run: %hardpy waits in a line of its own at the top "
    "level of a cell that comes after the one with `%load_ext hardlab`. `await _` waits "
    "for it, `_.stop()` stops it."
)


def _shell() -> Any:
    from IPython import get_ipython

    shell = get_ipython()
    if shell is None:  # pragma: no cover - the rewritten cell calls get_ipython() itself
        msg = "%hardpy runs inside IPython or Jupyter only"
        raise RuntimeError(msg)
    return shell


def _display(value: Any) -> None:
    from IPython.display import display

    display(value)  # type: ignore[no-untyped-call]


LIVE_PANELS = 10
"""Run panels the magics keep live; older ones of finished runs become static HTML.

Each panel holds dozens of widget models in the kernel for as long as it is
open: a session of hundreds of runs would otherwise keep every one of them."""

_panels: list[tuple[RunPanel | SlotPanels, Any, Any]] = []
"""The live panels the magics showed: (panel, its display handle, its run handle or None)."""


def _show_panel(panel: RunPanel | SlotPanels) -> Any:
    """Show `panel` where it can later be replaced by its snapshot; retire old panels first."""
    from IPython.display import display

    _retire_panels(keep=LIVE_PANELS - 1)
    shown = display(panel.widget, display_id=True)  # type: ignore[no-untyped-call]
    _panels.append((panel, shown, None))
    return shown


def _track_panel(panel: RunPanel | SlotPanels, handle: Any) -> None:
    """Note the run `panel` shows, so that it is retired once the run is done."""
    for index, (known, shown, _) in enumerate(_panels):
        if known is panel:
            _panels[index] = (panel, shown, handle)


def _drop_panel(panel: RunPanel) -> None:
    """Forget `panel` (its run did not start; it is closed)."""
    _panels[:] = [entry for entry in _panels if entry[0] is not panel]
    panel.close()


def _retire_panels(keep: int) -> None:
    """Replace the oldest live panels of finished runs by their snapshot, keeping `keep` live."""
    from IPython.display import HTML

    finished = [
        entry
        for entry in _panels
        if (entry[2] is not None and entry[2].done()) or entry[0].final is not None
    ]
    for entry in finished[: max(0, len(_panels) - keep)]:
        panel, shown, _ = entry
        _panels.remove(entry)
        with contextlib.suppress(Exception):  # a frontend that is gone: the models still go
            shown.update(HTML(panel.snapshot_html()))  # type: ignore[no-untyped-call]
        panel.close()


def _leave(shell: Any, value: Any) -> None:
    """Put `value` in ``_`` (and ``Out``) as if the cell had shown it, without showing it."""
    shell.displayhook.update_user_ns(value)


@overload
def _parsed(line: str, *, cell: Literal[False] = False) -> Command | None: ...


@overload
def _parsed(line: str, *, cell: Literal[True]) -> CellCommand | None: ...


def _parsed(line: str, *, cell: bool = False) -> Command | CellCommand | None:
    """The command of a ``%hardpy`` line (`parse_line`) or ``%%hardpy`` cell (`parse_cell`).

    None when it asked for help: the help text is printed. A usage error
    becomes IPython's `UsageError`.
    """
    try:
        command = parse_cell(line) if cell else parse_line(line)
    except MagicUsageError as exc:
        raise UsageError(str(exc)) from None
    if isinstance(command, str):
        print(command)
        return None
    return command


# ---------------------------------------------------------------------- running


def _show_slots(panels: SlotPanels, waiter: Any) -> None:
    """Show a stand's slot panels, retired as a run's panel is once every slot has ended."""
    _show_panel(panels)
    _track_panel(panels, waiter)


async def _run_slots(shell: Any, command: RunCommand, *, assigned: bool) -> Any:
    from hardlab.magics._slots import run_slots

    assert command.slots is not None
    return await run_slots(
        shell,
        command.path,
        command.slots,
        command,
        _run_arguments(command, ()),
        show=_show_slots,
        leave=_leave,
        assigned=assigned,
    )


def _slots_without_waiting(command: RunCommand) -> Any:
    """``--slots`` where no ``await`` can be: in a kernel the slots go on, else they run here."""
    import hardlab
    from hardlab.magics._slots import SlotsWaiter, start_slots_here

    assert command.slots is not None
    if _kernel.current_kernel() is None:
        arguments = {**_run_arguments(command, ()), **_operator_choice(command, None)}
        if command.no_wait:
            return hardlab.start(command.path, slots=command.slots, **arguments)
        return hardlab.run(command.path, slots=command.slots, **arguments)
    panels, runs = start_slots_here(
        command.path, command.slots, command, _run_arguments(command, ())
    )
    _show_slots(panels, SlotsWaiter(runs))
    if not command.no_wait and not _kernel.in_voila():
        print(_NOT_WAITING)
    return runs


def _operator_choice(options: RunOptions, panel: RunPanel | None) -> dict[str, Any]:
    """``answers=``/``operator=`` for `hardlab.start`: a file, ``$HARDLAB_ANSWERS``, the panel."""
    from hardlab.operators import answers_from_env
    from hardlab.runner import caller_cwd

    if options.answers:
        return {"answers": options.answers}
    scripted = answers_from_env(caller_cwd())
    if scripted is not None:
        return {"operator": scripted}
    if panel is not None:
        return {"operator": panel.operator}
    return {}


def _run_arguments(options: RunOptions, extra_args: Sequence[str]) -> dict[str, Any]:
    return {
        "args": [*extra_args, *options.pytest_args],
        "select": options.select,
        "start_args": options.start_args,
        "tests_name": options.name,
        "store": options.store,
        "report_dir": options.report_dir,
    }


def _start_in_panel(
    panel: RunPanel, target: Any, options: RunOptions, extra_args: Sequence[str]
) -> RunHandle:
    """Start the run the shown `panel` draws and answers (its Stop button stops it).

    A run that cannot start takes its panel away again.
    """
    import hardlab

    try:
        handle: RunHandle = hardlab.start(
            target,
            **_run_arguments(options, extra_args),
            **_operator_choice(options, panel),
            listeners=[panel],
            quiet=True,
            capture="no",
        )
    except BaseException:
        _drop_panel(panel)
        raise
    _track_panel(panel, handle)
    panel.on_stop = handle.stop
    return handle


async def _run_in_kernel(
    shell: Any,
    target: Any,
    options: RunOptions,
    *,
    extra_args: Sequence[str] = (),
    cell: CellModule | None = None,
    assigned: bool = False,
) -> Any:
    """Run with a panel; wait unless told not to (or in Voilà); leave the outcome in ``_``."""
    from hardlab.widgets import RunPanel

    wait = not options.no_wait and not _kernel.in_voila()
    try:
        strategy = _kernel.require_strategy() if wait else None
        panel = RunPanel()
    except BaseException:
        if cell is not None:
            cell.release()
        raise
    _show_panel(panel)
    try:
        handle = _start_in_panel(panel, target, options, extra_args)
    except BaseException:
        if cell is not None:
            cell.release()
        raise
    if cell is not None:
        handle.add_done_callback(lambda _handle: cell.release())
    if strategy is None:
        _leave(shell, handle)
        return handle if assigned else None
    try:
        await _kernel.wait(handle, strategy=strategy)
    except KeyboardInterrupt:
        if handle.done() and handle.exception() is None:
            _leave(shell, handle.result)
        raise
    try:
        result = handle.wait()  # the thread has ended; raises what the run raised
    except BaseException:
        if strategy == "ui-poll":
            _kernel.abort_queued_cells()
        raise
    _leave(shell, result)
    return result if assigned else None


def _start_without_waiting(
    shell: Any, target: Any, options: RunOptions, *, extra_args: Sequence[str] = ()
) -> RunHandle | RunResult:
    """The magic called as a plain function: no ``await`` possible.

    In a kernel the run goes on in the background with its panel (the cell
    cannot wait for it); elsewhere (a terminal IPython) it runs here, and
    the terminal answers its dialogs.
    """
    import hardlab
    from hardlab.widgets import RunPanel

    if _kernel.current_kernel() is None:
        # one run (no slots=): the RunHandle and RunResult overloads
        if options.no_wait:
            started: RunHandle = hardlab.start(
                target, **_run_arguments(options, extra_args), **_operator_choice(options, None)
            )
            return started
        result: RunResult = hardlab.run(
            target, **_run_arguments(options, extra_args), **_operator_choice(options, None)
        )
        return result
    panel = RunPanel()
    _show_panel(panel)
    handle = _start_in_panel(panel, target, options, extra_args)
    if not options.no_wait and not _kernel.in_voila():
        print(_NOT_WAITING)
    return handle


def _prepare_cell(shell: Any, command: CellCommand, body: str) -> CellModule:
    """Define the cell's tests and register the notebook's module as their file."""
    from hardlab.runner import caller_cwd

    CellModule.check_free()
    namespace = shell.user_ns
    clean_tests(namespace)
    define(shell, body)
    name_module(namespace, command.name or DEFAULT_MODULE_NAME)
    cell = CellModule(shell.user_module, caller_cwd())
    cell.register()
    return cell


def _cell_without_waiting(shell: Any, cell: CellModule, command: CellCommand) -> Any:
    """`_start_without_waiting` for a cell's tests; the cell module is released after the run."""
    from hardlab.runner import RunHandle

    try:
        outcome = _start_without_waiting(shell, [cell.path], command, extra_args=_CELL_ARGS)
    except BaseException:
        cell.release()
        raise
    if isinstance(outcome, RunHandle):
        outcome.add_done_callback(lambda _handle: cell.release())
    else:
        cell.release()
    return outcome


# ---------------------------------------------------------------------- history


def _safe_url(url: str) -> str:
    """`url` with its password hidden."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return url


def _runs(command: RunsCommand) -> Any:
    """The newest runs as a DataFrame; says so when there are none."""
    import hardlab

    history = hardlab.history(command.db)
    try:
        frame = history.runs(limit=command.limit or None, **command.filters)
        where = getattr(history.source, "url", None)
    finally:
        history.close()
    if frame.empty:
        filtered = " match these filters" if command.filters else " yet"
        store = _safe_url(where) if where else "the store"
        print(f"No runs in {store}{filtered}.")
    return frame


def runs_table(frame: Any) -> Any:
    """The telling columns of a `History.runs` frame, as an operator reads them.

    Times are local, to the second; durations read as ``1.23s`` or ``4m05s``
    (`hardlab._format.format_duration`, as every hardlab view writes them);
    counts are whole numbers; a missing value is an empty cell, not NaN.
    The column titles are words (``started``, ``plan``, ``serial number``).
    """
    import pandas as pd

    def text(column: str, value: Any) -> str:
        if value is None or bool(pd.isna(value)):
            return ""
        if column == "started_at":
            moment = pd.Timestamp(value)
            if moment.tzinfo is None:  # the store's times are UTC
                moment = moment.tz_localize("UTC")
            return str(moment.to_pydatetime().astimezone().strftime("%Y-%m-%d %H:%M:%S"))
        if column == "duration_s":
            return format_duration(float(value))
        if column in ("cases_passed", "cases_failed", "error_code"):
            return str(int(value))
        return str(value)

    shown = {
        title: [text(column, value) for value in frame[column].tolist()]
        for column, title in _RUNS_COLUMNS.items()
        if column in frame.columns
    }
    return pd.DataFrame(shown, index=pd.RangeIndex(1, len(frame) + 1))


def _show_runs(shell: Any, frame: Any) -> None:
    """Show `frame` as `runs_table` formats it; leave the whole frame in ``_``."""
    if not frame.empty:
        _display(runs_table(frame))
    _leave(shell, frame)


# ---------------------------------------------------------------------- StandCloud


def _login_html(address: str, link: str, code: str, state: str) -> str:
    href = html.escape(link, quote=True)
    code_html = f" and check that it shows the code <b>{html.escape(code)}</b>" if code else ""
    return (
        '<div class="hardlab-login" style="border:1px solid #1565c0;padding:6px 10px">'
        f"To log in to StandCloud at <b>{html.escape(address)}</b>, open "
        f'<a href="{href}" target="_blank" rel="noopener noreferrer">{html.escape(link)}</a>'
        f"{code_html}.<br><i>{html.escape(state)}</i></div>"
    )


def _login_begin(command: LoginCommand) -> tuple[str, Any]:
    """Check, or start the device login: ``(message, None)`` when done, else ``(address, pending)``.

    Raises:
        StandCloudError: If the server cannot be reached or refuses (``--check``: the reason).
    """
    from hardlab.cloud import LoginSettings
    from hardlab.errors import StandCloudError

    settings = LoginSettings.resolve(
        command.address,
        config_dir=command.config_dir,
        api_mode=command.api_mode,
        insecure=command.insecure,
        ca_bundle=command.ca_bundle,
    )
    if command.check:
        problem = settings.check()
        if problem is not None:
            msg = f"StandCloud connection to {settings.address} failed: {problem}"
            raise StandCloudError(msg)
        return f"StandCloud connection to {settings.address} succeeded.", None
    pending = settings.start()
    if pending is None:
        return settings.refreshed_message, None
    return settings.address, pending


def _login_view(address: str, pending: Any) -> Any:
    """The clickable link: an HTML widget in a kernel, plain text elsewhere."""
    if _kernel.current_kernel() is None:
        print(pending.instructions())
        return None
    import ipywidgets

    waiting = "Waiting for you to accept the login…"
    view = ipywidgets.HTML(
        _login_html(address, pending.verification_uri_complete, pending.user_code, waiting)
    )
    _display(view)
    return view


def _login_result(view: Any, address: str, pending: Any, state: str) -> None:
    if view is not None:
        view.value = _login_html(
            address, pending.verification_uri_complete, pending.user_code, state
        )
    else:
        print(state)


async def _login_async(command: LoginCommand) -> None:
    from hardlab.errors import StandCloudError

    loop = asyncio.get_running_loop()
    first, pending = await loop.run_in_executor(None, _login_begin, command)
    if pending is None:
        print(first)
        return
    view = _login_view(first, pending)
    try:
        with _kernel.interrupt_handler(loop, pending.cancel):
            await loop.run_in_executor(None, pending.finish, command.wait)
    except StandCloudError as exc:
        _login_result(view, first, pending, f"The login failed: {exc}")
        raise
    _login_result(view, first, pending, pending.done_message)


def _login_here(command: LoginCommand) -> None:
    from hardlab.errors import StandCloudError

    first, pending = _login_begin(command)
    if pending is None:
        print(first)
        return
    view = _login_view(first, pending)
    try:
        pending.finish(command.wait)
    except StandCloudError as exc:
        _login_result(view, first, pending, f"The login failed: {exc}")
        raise
    except KeyboardInterrupt:
        _login_result(view, first, pending, "The login was cancelled.")
        raise
    _login_result(view, first, pending, pending.done_message)


def _instruments(command: InstrumentsCommand) -> Any:
    import hardlab.instruments

    if command.close:
        closed = hardlab.instruments.close()
        print(f"closed: {', '.join(closed)}" if closed else "no instrument session was open")
        return closed
    found = hardlab.instruments.check(command.path)
    for entry in found:
        print(entry.describe())
    if not found:
        print(f"{command.path}: hardpy.toml declares no [[hardlab.instruments]]")
    return found


def _sync(command: SyncCommand) -> Any:
    import hardlab

    return hardlab.sync(
        command.path,
        store=command.db,
        address=command.address,
        wait=command.wait > 0,
        timeout=command.wait or None,
    )


def _print_sync(result: Any) -> None:
    print(result.describe())


# ---------------------------------------------------------------------- entry points


async def line_async(line: str, assigned: bool = False) -> Any:
    """Run a ``%hardpy`` line in an awaiting cell (what the input transformer writes).

    Args:
        line: The arguments after ``%hardpy``, ``{}``/``$`` already expanded.
        assigned: The line was ``x = %hardpy ...``: return the value too.

    Returns:
        With `assigned`, what the command left in ``_``; else None (so the
        cell shows nothing more than the command displayed).
    """
    shell = _shell()
    command = _parsed(line)
    if command is None:
        return None
    value: Any = None
    if isinstance(command, RunCommand):
        if command.slots is not None and _kernel.current_kernel() is not None:
            return await _run_slots(shell, command, assigned=assigned)
        if command.slots is not None:
            value = _slots_without_waiting(command)
            _leave(shell, value)
        elif _kernel.current_kernel() is None:
            value = _start_without_waiting(shell, command.path, command)
            _leave(shell, value)
        else:
            return await _run_in_kernel(shell, command.path, command, assigned=assigned)
    elif isinstance(command, RunsCommand):
        value = _runs(command)
        _show_runs(shell, value)
    elif isinstance(command, LoginCommand):
        await _login_async(command)
        return None
    elif isinstance(command, InstrumentsCommand):
        value = await asyncio.get_running_loop().run_in_executor(None, _instruments, command)
        _leave(shell, value)
    else:
        result = await asyncio.get_running_loop().run_in_executor(None, _sync, command)
        _print_sync(result)
        _leave(shell, result)
        value = result
    return value if assigned else None


async def cell_async(line: str, body: str) -> Any:
    """Run a ``%%hardpy`` cell in an awaiting cell (what the input transformer writes).

    Args:
        line: The options after ``%%hardpy``, ``{}``/``$`` already expanded.
        body: The cell's code, which defines the tests.
    """
    shell = _shell()
    command = _parsed(line, cell=True)
    if command is None:
        return None
    cell = _prepare_cell(shell, command, body)
    if _kernel.current_kernel() is None:
        value = _cell_without_waiting(shell, cell, command)
        _leave(shell, value)
        return None
    return await _run_in_kernel(shell, [cell.path], command, extra_args=_CELL_ARGS, cell=cell)


@magics_class
class HardpyMagics(Magics):
    """``%hardpy`` and ``%%hardpy``, as IPython calls them when no ``await`` can be used.

    In a kernel the input transformer (registered by ``%load_ext hardlab``)
    turns ``%hardpy`` lines and ``%%hardpy`` cells into awaiting calls, so
    these methods run only for a ``%hardpy`` line inside a function, in the
    cell that loads the extension, through ``run_line_magic``, or in a
    terminal IPython (where a run blocks and the terminal answers dialogs).
    In a kernel, a run then goes on in the background and its `RunHandle`
    is returned.
    """

    @line_cell_magic
    def hardpy(self, line: str, cell: str | None = None) -> Any:
        """Run test plans, show runs, log in to StandCloud; ``%hardpy help`` tells how.

        As ``%%hardpy [options]``, run the tests its cell defines (``%%hardpy --help``).
        """
        if cell is not None:
            return self._cell(line, cell)
        command = _parsed(line)
        if command is None:
            return None
        if isinstance(command, RunCommand):
            if command.slots is not None:
                return _slots_without_waiting(command)
            return _start_without_waiting(self.shell, command.path, command)
        if isinstance(command, RunsCommand):
            return _runs(command)
        if isinstance(command, LoginCommand):
            _login_here(command)
            return None
        if isinstance(command, InstrumentsCommand):
            return _instruments(command)
        _print_sync(_sync(command))
        return None

    def _cell(self, line: str, cell: str) -> Any:
        command = _parsed(line, cell=True)
        if command is None:
            return None
        return _cell_without_waiting(self.shell, _prepare_cell(self.shell, command, cell), command)


# What `%hardpy?` shows: the docstring, then the commands and their options.
HardpyMagics.hardpy.__doc__ = f"{HardpyMagics.hardpy.__doc__}\n\n{usage()}"


# ---------------------------------------------------------------------- loading


class _Transformer:
    """The cleanup transformer: rewrites ``%hardpy`` while top-level ``await`` is on."""

    # Keeps it out of IPython's check_complete: a console frontend must see
    # "%%hardpy" to know the cell goes on until a blank line.
    has_side_effects = True

    def __init__(self, shell: Any) -> None:
        self.shell = shell

    def __call__(self, lines: list[str]) -> list[str]:
        if not getattr(self.shell, "autoawait", True):
            return lines
        return rewrite(lines)


def load(shell: Any) -> None:
    """Register the magics and, in a kernel, the transformer that makes them wait (idempotent)."""
    shell.register_magics(HardpyMagics)
    transformers = shell.input_transformers_cleanup
    if _kernel.current_kernel() is not None and not any(
        isinstance(t, _Transformer) for t in transformers
    ):
        transformers.append(_Transformer(shell))
    _kernel.install()


def unload(shell: Any) -> None:
    """Remove the transformer and the magics."""
    transformers = shell.input_transformers_cleanup
    transformers[:] = [t for t in transformers if not isinstance(t, _Transformer)]
    magics = shell.magics_manager.magics
    for kind in ("line", "cell"):
        with contextlib.suppress(KeyError):
            del magics[kind]["hardpy"]
