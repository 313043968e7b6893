"""``%hardpy run PLAN --slots N``: N boards at once, one live panel per slot.

The slots run in processes of their own (`hardlab.runner.start_slots`); a
`hardlab.widgets.SlotPanels` shows them, one `RunPanel` per slot in tabs,
each slot's dialogs in its own panel. The cell waits as for one run (the
kernel keeps handling the panels' widget messages) and leaves the list of
`RunResult`, by slot, in ``_``.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from hardlab.widgets import kernel as _kernel

if TYPE_CHECKING:
    from hardlab.magics._args import RunOptions
    from hardlab.runner import SlotRuns
    from hardlab.widgets import SlotPanels

__all__ = ["SlotsWaiter", "run_slots", "start_slots_here"]


class SlotsWaiter:
    """What `hardlab.widgets.kernel.wait` waits on for a `SlotRuns` (a run handle's face).

    Args:
        runs: The running slots.
    """

    def __init__(self, runs: SlotRuns) -> None:
        self.runs = runs
        self.name = f"{runs.count} slots"

    async def finished(self) -> None:
        """Return once every slot has ended."""
        while not self.runs.done:
            await asyncio.sleep(0.05)

    def stop(self) -> None:
        """Stop every slot cleanly (a kernel interrupt)."""
        self.runs.stop()

    def done(self) -> bool:
        """Whether every slot has ended."""
        return self.runs.done


def _print_line(slot: int, line: str) -> None:
    print(f"[slot {slot}] {line}")


def start_slots_here(
    target: Any, slots: int, options: RunOptions, arguments: dict[str, Any]
) -> tuple[SlotPanels, SlotRuns]:
    """Show the slots' panels and start the slots; returns both.

    Args:
        target: The plan.
        slots: How many slots.
        options: The magic's options (answers).
        arguments: `hardlab.start`'s arguments the magic gives every run.
    """
    from hardlab.operators import answers_from_env
    from hardlab.runner import caller_cwd, start_slots
    from hardlab.widgets import SlotPanels

    panels = SlotPanels(slots)
    choice: dict[str, Any]
    if options.answers:
        choice = {"answers": options.answers}
    else:
        scripted = answers_from_env(caller_cwd())
        choice = {"operator": scripted if scripted is not None else panels.operator}
    try:
        runs = start_slots(
            target,
            slots=slots,
            **arguments,
            **choice,
            on_event=panels.handle,
            on_output=_print_line,  # what the tests print, marked by slot
            quiet=True,
            capture="no",
        )
    except BaseException:
        panels.close()
        raise
    panels.attach(runs)
    return panels, runs


async def run_slots(
    shell: Any,
    target: Any,
    slots: int,
    options: RunOptions,
    arguments: dict[str, Any],
    *,
    show: Any,
    leave: Any,
    assigned: bool,
) -> Any:
    """The slots with their panels; wait unless told not to (or in Voilà); results in ``_``.

    Args:
        shell: The IPython shell.
        target: The plan.
        slots: How many slots.
        options: The magic's options.
        arguments: `hardlab.start`'s arguments.
        show: Shows the panels where they can be retired: ``show(panels, waiter)``.
        leave: Puts a value in ``_``: ``leave(shell, value)``.
        assigned: The line was ``x = %hardpy ...``: return the value too.
    """
    wait = not options.no_wait and not _kernel.in_voila()
    strategy = _kernel.require_strategy() if wait else None
    panels, runs = start_slots_here(target, slots, options, arguments)
    waiter = SlotsWaiter(runs)
    show(panels, waiter)
    if strategy is None:
        leave(shell, runs)
        return runs if assigned else None
    await _kernel.wait(waiter, strategy=strategy)  # type: ignore[arg-type]
    results = runs.wait()
    leave(shell, results)
    return results if assigned else None
