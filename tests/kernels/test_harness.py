"""The kernel harness against real kernels of every supported ipykernel line.

A cell shows a Text and a Button and waits for the click the way that line
allows (jupyter-notes.md §2.2): a top-level ``await`` on ipykernel >= 7.4,
jupyter-ui-poll's async ``ui_events()`` before. The test plays the frontend.
"""

from __future__ import annotations

import textwrap
import time

import pytest
from _kernel_client import KernelSession, KernelTimeoutError
from _kernels import KernelPython, wait_code

pytestmark = pytest.mark.slow

SHOW_DIALOG = """
import asyncio, signal
import ipywidgets as widgets
from IPython.display import display

serial = widgets.Text(placeholder="serial number")
ok = widgets.Button(description="OK")
display(widgets.VBox([serial, ok]))
loop = asyncio.get_running_loop()
answer = loop.create_future()
ok.on_click(lambda _: answer.done() or answer.set_result(serial.value))
"""

# Kernel > Interrupt does not reach an awaiting cell on every line (notes
# §2.5): a SIGINT handler installed for the wait cancels the future instead.
# (ipykernel 6 may cancel the cell's coroutine itself first; either way the
# cell ends with CancelledError.)
WITH_SIGINT = """
def on_sigint(*_):
    loop.call_soon_threadsafe(answer.cancel)

previous = signal.signal(signal.SIGINT, on_sigint)
try:
{wait}
finally:
    signal.signal(signal.SIGINT, previous)
"""


def waiting_cell(kernel_python: KernelPython, *, interruptible: bool = False) -> str:
    wait = wait_code(kernel_python, "answer")
    if interruptible:
        wait = WITH_SIGINT.format(wait=textwrap.indent(wait.strip("\n"), "    "))
    return SHOW_DIALOG + wait + 'print("GOT", answer.result())\n'


def test_kernel_runs_its_ipykernel_and_hardlab(
    kernel_python: KernelPython, kernel: KernelSession
) -> None:
    out = kernel.run("import ipykernel, hardlab; print(ipykernel.__version__, hardlab.__name__)")
    assert out.stdout.split() == [kernel_python.ipykernel, "hardlab"]
    assert kernel.kernel_info["implementation_version"] == kernel_python.versions["ipython"]


def test_operator_answer_reaches_the_waiting_cell_before_the_next_cell_runs(
    kernel_python: KernelPython, kernel: KernelSession
) -> None:
    cell, after = kernel.execute_queued(
        waiting_cell(kernel_python), 'print("NEXT", repr(serial.value))'
    )
    text = kernel.wait_widget("TextModel", placeholder="serial number")
    button = kernel.wait_widget("ButtonModel", description="OK")
    # The dialog is up and the cell waits: the queued cell has not started.
    assert kernel.messages(parent=after) == []
    assert kernel.messages("execute_reply", channel="shell", parent=cell) == []

    kernel.send_update(text.comm_id, {"value": "SN-0042"})
    kernel.click(button.comm_id)

    assert kernel.wait_reply(cell)["status"] == "ok"
    assert kernel.wait_reply(after)["status"] == "ok"
    kernel.assert_ran_after(cell, after)
    assert kernel.outputs_of(cell).stdout == "GOT SN-0042\n"
    assert kernel.outputs_of(after).stdout == "NEXT 'SN-0042'\n"
    assert kernel.outputs_of(cell).displays, "the dialog was displayed in the cell"


def test_interrupt_ends_a_waiting_cell(kernel_python: KernelPython, kernel: KernelSession) -> None:
    # stop_on_error=False: the next request must not fall in the kernel's abort window.
    cell = kernel.execute(waiting_cell(kernel_python, interruptible=True), stop_on_error=False)
    kernel.wait_widget("ButtonModel", description="OK")
    kernel.interrupt()

    reply = kernel.wait_reply(cell, timeout=15)
    assert (reply["status"], reply["ename"]) == ("error", "CancelledError")
    # The cell's handler is gone and the kernel still works.
    out = kernel.run("print(signal.getsignal(signal.SIGINT) is on_sigint)")
    assert out.stdout == "False\n"


def test_message_counts_and_rates(kernel: KernelSession) -> None:
    kernel.run(
        "import ipywidgets as widgets\n"
        "from IPython.display import display\n"
        "bar = widgets.IntProgress(max=50, description='load')\n"
        "display(bar)"
    )
    bar = kernel.wait_widget("IntProgressModel", description="load")
    start = kernel.now()
    kernel.run("for i in range(1, 51):\n    bar.value = i")
    end = kernel.now()

    assert kernel.count("comm_msg", comm_id=bar.comm_id, since=start) == 50
    assert kernel.widget_state(bar.comm_id)["value"] == 50
    assert kernel.rate("comm_msg", since=start, until=end, comm_id=bar.comm_id) == pytest.approx(
        50 / (end - start)
    )
    assert kernel.counts_by_type(since=start)["comm_msg"] == 50
    # 50 updates within at most `end - start` seconds: the densest second holds
    # at least 50 / that many and at most all 50.
    peak = kernel.peak_rate("comm_msg", comm_id=bar.comm_id, since=start)
    assert min(50.0, 50 / max(end - start, 1.0)) <= peak <= 50.0
    assert kernel.count("comm_msg", since=end + 3600) == 0


def test_waits_fail_with_what_was_seen(kernel: KernelSession) -> None:
    cell = kernel.execute("print('hello')")
    kernel.wait_output(cell, "hello")
    with pytest.raises(
        KernelTimeoutError, match=r"(?s)no ButtonModel\(description='nope'\).*stream"
    ):
        kernel.wait_widget("ButtonModel", timeout=0.5, description="nope")


def test_order_check_catches_a_cell_that_ran_concurrently(kernel: KernelSession) -> None:
    # A cell sent to a subshell (ipykernel >= 7) runs while the main shell is
    # busy: exactly what assert_ran_after must reject.
    subshell = kernel.create_subshell()
    first = kernel.execute("import time\ntime.sleep(1.5)")
    kernel.wait_for_status(first, "busy")
    second = kernel.execute("print('concurrent')", subshell_id=subshell)
    kernel.wait_reply(second)
    with pytest.raises(AssertionError, match="ran before"):
        kernel.assert_ran_after(first, second)


def test_close_is_quick_when_the_io_thread_already_stopped(kernel: KernelSession) -> None:
    # close() sets `_stopping` and then wakes the I/O thread; on a loaded
    # machine the thread may see `_stopping` at its poll timeout and close its
    # end of the wake pipe first. The wake must not then wait for a peer
    # (a blocking PAIR send did, and held CI teardowns for the full 60 s).
    assert kernel._io is not None
    kernel._stopping.set()
    kernel._io.join(10)
    assert not kernel._io.is_alive()
    started = time.monotonic()
    kernel.close()
    assert time.monotonic() - started < 20
