"""``%hardpy run PLAN --slots 2`` in real kernels: a panel per slot, each slot's dialog in its own.

The test plays JupyterLab: it finds each slot's panel in the tabs the cell
shows, the dialog in that panel's dialog area, checks that the dialog is
that slot's (its text names the socket), and answers it with comm messages.
"""

from __future__ import annotations

from typing import Any

import pytest
from _kernel_client import KernelSession, Widget
from _magic_bench import Bench, opened, write

pytestmark = pytest.mark.slow

SLOTS_PLAN = {
    "hardpy.toml": 'tests_name = "Fixture plan"\n',
    "test_board.py": """
        import hardlab

        def test_serial(hardlab_slot):
            serial = hardlab.run_dialog_box(
                hardlab.DialogBox(
                    f"Serial of socket {hardlab_slot}",
                    title_bar="Serial",
                    widget=hardlab.TextInputWidget(),
                )
            )
            print("GOT", serial)
            hardlab.set_dut_serial_number(serial)
            assert serial == f"SN-{hardlab_slot}"
        """,
}


def _ref(value: str) -> str:
    return value.removeprefix("IPY_MODEL_")


def _children(kernel: KernelSession, comm_id: str) -> list[str]:
    return [_ref(child) for child in kernel.widget_state(comm_id).get("children", [])]


def _dialog_of_slot(kernel: KernelSession, tabs: Widget, slot: int) -> tuple[str, str, str]:
    """The dialog shown in slot `slot`'s panel: its text's HTML, its input, its Confirm button."""
    import time

    panel = _children(kernel, tabs.comm_id)[slot - 1]
    dialog_area = _children(kernel, panel)[4]  # RunPanel: header, bar, errors, message, dialogs
    deadline = time.monotonic() + 60
    while not _children(kernel, dialog_area):
        assert time.monotonic() < deadline, f"no dialog in slot {slot}'s panel"
        time.sleep(0.1)
    (dialog,) = _children(kernel, dialog_area)
    parts = _children(kernel, dialog)  # title, text, input, warning, buttons
    text = kernel.widget_state(parts[1])["value"]
    inputs = [p for p in parts if kernel.widget_state(p).get("_model_name") == "TextModel"]
    buttons = _children(kernel, parts[-1])
    confirm = [b for b in buttons if kernel.widget_state(b).get("description") == "Confirm"]
    return str(text), inputs[0], confirm[0]


def _printed(kernel: KernelSession, timeout: float = 30) -> str:
    import time

    deadline = time.monotonic() + timeout
    while True:
        text = "".join(str(m.msg["content"].get("text", "")) for m in kernel.messages("stream"))
        if ("[slot 2] GOT" in text and "[slot 1] GOT" in text) or time.monotonic() > deadline:
            return text
        time.sleep(0.1)


def test_each_slot_answers_its_own_dialog_in_its_own_panel(bench: Bench) -> None:
    kernel = bench.kernel
    write(bench.folder / "fixture", SLOTS_PLAN)
    old = opened(kernel)
    cell, after = kernel.execute_queued(
        "%hardpy run fixture --slots 2",
        "print('NEXT', [(r.slot, r.status.value, r.report.dut.serial_number) for r in _])",
    )
    tabs = kernel.wait_comm_open(
        lambda w: (
            w.comm_id not in old
            and w.model == "TabModel"
            and list(w.state.get("titles", ())) == ["Slot 1", "Slot 2"]
        ),
        timeout=60,
    )
    seen: dict[int, Any] = {}
    for slot in (2, 1):  # answered out of order: each slot waits for its own answer only
        text, field, confirm = _dialog_of_slot(kernel, tabs, slot)
        assert f"socket {slot}" in text
        seen[slot] = text
        # the cell waits while a dialog is up
        assert not kernel.messages("execute_reply", channel="shell", parent=cell)
        kernel.send_update(field, {"value": f"SN-{slot}"})
        kernel.click(confirm)
    assert kernel.wait_reply(cell, timeout=120)["status"] == "ok"
    assert kernel.wait_reply(after, timeout=60)["status"] == "ok"
    kernel.assert_ran_after(cell, after)
    assert kernel.outputs_of(after).stdout == (
        "NEXT [(1, 'passed', 'SN-1'), (2, 'passed', 'SN-2')]\n"
    )
    # what the tests print, marked by slot: printed from a slot's reader thread,
    # which ipykernel < 7.4 may file under the last widget message's parent
    printed = _printed(kernel)
    assert "[slot 1] GOT SN-1" in printed and "[slot 2] GOT SN-2" in printed
    titles = kernel.widget_state(tabs.comm_id)["titles"]
    assert list(titles) == ["Slot 1 · passed", "Slot 2 · passed"]
    # one row per slot in the store, each with its slot number
    out = kernel.run(
        "import hardlab\n"
        "frame = hardlab.history().runs()\n"
        "print(sorted(frame[frame['name'] == 'Fixture plan']['slot'].tolist()))"
    )
    assert out.stdout.strip() == "[1, 2]"


def test_a_kernel_interrupt_stops_every_slot_cleanly(bench: Bench) -> None:
    kernel = bench.kernel
    write(bench.folder / "fixture", SLOTS_PLAN)
    old = opened(kernel)
    cell, after = kernel.execute_queued("%hardpy run fixture --slots 2 --no-store", "print('NEXT')")
    tabs = kernel.wait_comm_open(
        lambda w: w.comm_id not in old and w.model == "TabModel", timeout=60
    )
    for slot in (1, 2):
        text, _field, _confirm = _dialog_of_slot(kernel, tabs, slot)
        assert f"socket {slot}" in text
    kernel.interrupt()
    reply = kernel.wait_reply(cell, timeout=120)
    assert (reply["status"], reply["ename"]) == ("error", "KeyboardInterrupt")
    assert "2 slots: the run was stopped by a kernel interrupt" in reply["evalue"]
    assert kernel.wait_reply(after, timeout=60)["status"] == "aborted"
    kernel.wait_idle(cell)
    titles = kernel.widget_state(tabs.comm_id)["titles"]
    assert list(titles) == ["Slot 1 · stopped", "Slot 2 · stopped"]
