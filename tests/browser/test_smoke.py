"""The browser harness end to end, with plain ipywidgets (no hardlab notebook code).

* JupyterLab, for every ipykernel line: a cell shows a Text and a Button and
  waits for the click (a top-level ``await`` on >= 7.4, jupyter-ui-poll before;
  JupyterLab sends the comms over a subshell on 7.x); Run All queues the next
  cell behind it. The browser types and clicks; the next cell's output appears
  only afterwards.
* Voilà: a cell that returns at once (Voilà cannot render a waiting cell,
  jupyter-notes.md §2.4) shows a Text, a Button and a Label; the click updates
  the label from the kernel.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from _browser import JupyterServer, LabPage, VoilaPage
from _kernels import KernelPython, wait_code

SHOW_DIALOG = """\
import asyncio
import ipywidgets as widgets
from IPython.display import display

serial = widgets.Text(placeholder="Scan serial number")
ok = widgets.Button(description="OK")
display(widgets.VBox([serial, ok]))
answer = asyncio.get_running_loop().create_future()
ok.on_click(lambda _: answer.done() or answer.set_result(serial.value))
"""

AFTER = 'print("AFTER-CELL", answer.result())\n'

NON_BLOCKING_FORM = """\
import ipywidgets as widgets
from IPython.display import display

serial = widgets.Text(placeholder="Scan serial number")
ok = widgets.Button(description="Register")
status = widgets.Label(value="waiting")
clicks = []

def on_click(_):
    clicks.append(serial.value)
    status.value = f"registered {serial.value} ({len(clicks)})"

ok.on_click(on_click)
display(widgets.VBox([serial, ok, status]))
"""


def test_lab_run_all_waits_for_the_operator(
    lab: LabPage,
    lab_server: JupyterServer,
    lab_kernel: str,
    kernel_python: KernelPython,
    write_notebook: Callable[..., Path],
) -> None:
    waiting = SHOW_DIALOG + wait_code(kernel_python, "answer") + 'print("GOT", answer.result())\n'
    notebook = f"wait_dialog_{kernel_python.line}.ipynb"
    write_notebook(lab_server.root_dir, notebook, [waiting, AFTER], kernel_name=lab_kernel)
    lab.open(notebook)
    info = lab.kernel_info()
    assert info["name"] == lab_kernel
    assert info["implementation_version"] == kernel_python.versions["ipython"]

    lab.run_all()
    lab.input("Scan serial number").wait_for(state="visible")
    lab.button("OK").wait_for(state="visible")
    # The dialog is up, the first cell waits: Run All has not reached the next cell.
    assert lab.outputs("AFTER-CELL").count() == 0
    assert lab.cell_output(1) == ""

    lab.fill("Scan serial number", "SN-0042")
    lab.click("OK")

    lab.wait_for_text("GOT SN-0042")
    lab.wait_for_text("AFTER-CELL SN-0042")
    assert "AFTER-CELL SN-0042" in lab.cell_output(1)
    lab.wait_kernel_idle()


def test_voila_button_updates_a_label(
    voila: VoilaPage, voila_server: JupyterServer, write_notebook: Callable[..., Path]
) -> None:
    write_notebook(voila_server.root_dir, "form.ipynb", [NON_BLOCKING_FORM])
    voila.open("form.ipynb")
    voila.wait_for_text("waiting")

    voila.fill("Scan serial number", "SN-7")
    voila.click("Register")
    voila.wait_for_text("registered SN-7 (1)")

    voila.click("Register")
    voila.wait_for_text("registered SN-7 (2)")
