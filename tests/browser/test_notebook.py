"""The notebook experience in a real browser: ``%hardpy`` runs, the live panel and its dialogs.

* JupyterLab, for every ipykernel line: the bring-up notebook
  (``notebooks/01_bring_up.ipynb``, copied into the server's folder with
  its kernelspec set) runs with Run All; its plan asks for the serial
  number, the browser types it into the panel's dialog and clicks
  Confirm; the run passes, and the cell after the run's shows its output
  only after the run ended. Every cell runs without an error.
* Voilà: the same notebook's cells up to its ``%hardpy run``, served as a
  dashboard. The cell returns at once (Voilà cannot show a waiting cell's
  widgets), the panel goes on live, the dialog is answered in the page and
  the run passes.
* JupyterLab, 1,000 cases: the panel ends with exact counts and every row,
  and neither the page nor the server log says "IOPub message rate
  exceeded" (the publisher keeps the panel to about ten updates a second).
* JupyterLab, the Stop button: the run ends stopped, with exactly one case
  ``stopped`` and the cases after it skipped, in the panel and in the result.

Screenshots: ``notebook-*.png`` in the artifacts folder, besides the
``page`` fixture's one per test.
"""

from __future__ import annotations

import json
import re
import textwrap
from pathlib import Path
from typing import Any

from _browser import PAGE_TIMEOUT, JupyterServer, LabPage, VoilaPage, docs_image
from _kernels import KernelPython, newest_line
from playwright.sync_api import Locator, Page, expect

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
BRING_UP = NOTEBOOKS / "01_bring_up.ipynb"
SERIAL = "PB200-0042"
TEXT_PLACEHOLDER = "Enter a text"
RATE_WARNING = "IOPub message rate exceeded"

MODULES = 10
CASES = 100

BIG_CASE = """
def test_case_{i:03d}():
    hardpy.set_message("case {i} of module {m}")
    hardpy.set_case_measurement(
        hardpy.NumericMeasurement(name="voltage", value={i} * 0.01, unit="V",
                                  operation=hardpy.ComparisonOperation.GELE,
                                  lower_limit=0, upper_limit=10)
    )
"""

SLOW_PLAN = """
import time

import hardpy
import pytest

pytestmark = pytest.mark.module_name("Soak")


@pytest.mark.parametrize("n", range(40))
def test_soak(n):
    hardpy.set_message(f"soaking {n}")
    for _ in range(40):  # Python between the sleeps, so a stop lands within 10 ms
        time.sleep(0.01)
"""


def shot(page: Page, artifacts: Path, name: str, show: Locator | None = None) -> None:
    """Save a screenshot of the page as ``notebook-<name>.png``, scrolled to `show`."""
    if show is not None:
        show.scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts / f"notebook-{name}.png"), full_page=True)


def code_index(notebook: dict[str, Any], prefix: str) -> int:
    """The index of the first code cell whose source starts with `prefix`."""
    for index, cell in enumerate(notebook["cells"]):
        source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        if cell["cell_type"] == "code" and source.startswith(prefix):
            return index
    raise AssertionError(f"{BRING_UP.name} has no code cell starting with {prefix!r}")


def copy_notebook(
    notebook: dict[str, Any], folder: Path, name: str, kernel_name: str = "python3"
) -> None:
    """Write `notebook` (nbformat JSON) as `folder`/`name`, running on `kernel_name`."""
    notebook = json.loads(json.dumps(notebook))
    notebook["metadata"]["kernelspec"] = {
        "display_name": kernel_name,
        "language": "python",
        "name": kernel_name,
    }
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(json.dumps(notebook, indent=1), encoding="utf-8")


def bring_up() -> dict[str, Any]:
    notebook: dict[str, Any] = json.loads(BRING_UP.read_text(encoding="utf-8"))
    return notebook


def model_cells(lab: LabPage) -> list[dict[str, Any]]:
    """Each cell of the open notebook as JupyterLab's model holds it: type, count, outputs."""
    cells: list[dict[str, Any]] = lab.page.evaluate(
        """() => {
            const cells = window.jupyterapp.shell.currentWidget.content.model.cells;
            const found = [];
            for (let i = 0; i < cells.length; i++) {
                const cell = cells.get(i).toJSON();
                found.push({type: cell.cell_type, count: cell.execution_count ?? null,
                            outputs: cell.outputs || []});
            }
            return found;
        }"""
    )
    return cells


def errors_in(cells: list[dict[str, Any]]) -> list[str]:
    """The error outputs of `cells`, as ``ename: evalue``."""
    return [
        f"cell {index}: {output.get('ename')}: {output.get('evalue')}"
        for index, cell in enumerate(cells)
        for output in cell["outputs"]
        if output.get("output_type") == "error"
    ]


def wait_all_ran(lab: LabPage, timeout: float = PAGE_TIMEOUT) -> None:
    """Wait until every code cell has an execution count and the kernel is idle."""
    lab.page.wait_for_function(
        """() => {
            const cells = window.jupyterapp.shell.currentWidget.content.model.cells;
            for (let i = 0; i < cells.length; i++) {
                const cell = cells.get(i);
                if (cell.type === "code" && !cell.executionCount) return false;
            }
            return true;
        }""",
        timeout=timeout * 1000,
    )
    lab.wait_kernel_idle(timeout)


def panel_of(lab_or_voila: LabPage | VoilaPage, index: int | None = None) -> Any:
    """The run panel (the `index`-th cell's in JupyterLab, else the page's first)."""
    if isinstance(lab_or_voila, LabPage) and index is not None:
        cell = lab_or_voila.page.locator(".jp-Notebook .jp-Cell").nth(index)
        return cell.locator(".hardlab-panel").first
    return lab_or_voila.page.locator(".hardlab-panel").first


# ---------------------------------------------------------------------- bring-up, JupyterLab


def test_lab_runs_the_bring_up_notebook_and_the_operator_answers(
    lab: LabPage,
    lab_server: JupyterServer,
    lab_kernel: str,
    kernel_python: KernelPython,
    artifacts: Path,
) -> None:
    timeout = PAGE_TIMEOUT * 1000
    expect.set_options(timeout=timeout)
    notebook = bring_up()
    run_cell = code_index(notebook, "%hardpy run bring_up --arg seed=1")
    after_cell = code_index(notebook, "result = _")
    folder = f"bring_up_{kernel_python.line}"
    copy_notebook(notebook, lab_server.root_dir / folder, BRING_UP.name, lab_kernel)
    lab.open(f"{folder}/{BRING_UP.name}")
    assert lab.kernel_info()["name"] == lab_kernel

    lab.run_all()
    panel = panel_of(lab, run_cell)
    dialog = panel.locator(".hardlab-dialog")
    dialog.wait_for(state="visible", timeout=timeout)
    expect(dialog).to_contain_text("Type the serial number printed on the board's label.")
    expect(panel.locator(".hardlab-header")).to_contain_text("Serial number")  # waiting for it
    # The run waits for the operator, and so does Run All: the next cell has not run.
    assert lab.cell_output(after_cell) == ""
    assert model_cells(lab)[after_cell]["count"] is None
    assert panel.locator(".hardlab-banner").count() == 0
    shot(lab.page, artifacts, f"lab-{kernel_python.line}-dialog", dialog)
    docs = kernel_python.line == newest_line()  # one kernel line makes the docs' pictures
    if docs:
        docs_image(panel, "notebook-dialog")

    lab.fill(TEXT_PLACEHOLDER, SERIAL)
    lab.click("Confirm")

    # The cell after the run shows the result; by then the panel shows the verdict
    # (its last update went out before the run's thread ended).
    after = lab.page.locator(".jp-Notebook .jp-Cell").nth(after_cell).locator(".jp-OutputArea")
    expect(after).to_contain_text(SERIAL, timeout=timeout)
    banner = panel.locator(".hardlab-banner")
    assert banner.count() == 1
    expect(banner).to_contain_text("PASSED")
    expect(banner).to_contain_text(f"DUT {SERIAL}")
    expect(after).to_contain_text("passed")
    expect(dialog).to_have_count(0)  # the answered dialog is gone
    # The run's end folds nothing: the module the operator watched (the one
    # that asked) stays open, and a run that ended has no Stop button.
    last = panel.locator(".jupyter-widget-Collapse").last
    expect(last).to_have_class(re.compile(r"jupyter-widget-Collapse-open"))
    expect(last).to_contain_text("Serial number")
    expect(panel.get_by_role("button", name=re.compile(r"Stop$"))).to_be_hidden()

    wait_all_ran(lab, timeout=PAGE_TIMEOUT * 2)
    cells = model_cells(lab)
    assert errors_in(cells) == []
    # The second run (-k rail) and the runs list ran after it, in order.
    counts = [cell["count"] for cell in cells if cell["type"] == "code"]
    assert counts == sorted(counts)
    assert lab.page.locator(".hardlab-banner").count() == 2
    shot(lab.page, artifacts, f"lab-{kernel_python.line}-done", banner)
    if docs:
        docs_image(panel, "notebook-run-panel")


# ---------------------------------------------------------------------- bring-up, Voilà


def test_voila_serves_the_bring_up_run_without_waiting(
    voila: VoilaPage, voila_server: JupyterServer, artifacts: Path
) -> None:
    timeout = PAGE_TIMEOUT * 1000
    expect.set_options(timeout=timeout)
    notebook = bring_up()
    run_cell = code_index(notebook, "%hardpy run bring_up --arg seed=1")
    # The notebook as a dashboard: up to its run, then a cell that shows the
    # run did not hold the page (Voilà cannot render a cell that waits).
    notebook["cells"] = notebook["cells"][: run_cell + 1]
    notebook["cells"].append(
        {
            "cell_type": "code",
            "execution_count": None,
            "id": "voila-handle",
            "metadata": {},
            "outputs": [],
            "source": "handle = _\nprint('HANDLE', type(handle).__name__, handle.done())\n",
        }
    )
    copy_notebook(notebook, voila_server.root_dir / "bring_up", BRING_UP.name)
    voila.open(f"bring_up/{BRING_UP.name}")

    # The page renders the panel and the cells after it while the run waits for the operator.
    voila.wait_for_text("HANDLE RunHandle False")
    panel = panel_of(voila)
    dialog = panel.locator(".hardlab-dialog")
    dialog.wait_for(state="visible", timeout=timeout)
    expect(dialog).to_contain_text("Type the serial number printed on the board's label.")
    shot(voila.page, artifacts, "voila-dialog", dialog)

    voila.fill(TEXT_PLACEHOLDER, SERIAL)
    voila.click("Confirm")
    banner = panel.locator(".hardlab-banner")
    expect(banner).to_contain_text("PASSED", timeout=timeout)
    expect(banner).to_contain_text(f"DUT {SERIAL}")
    expect(panel.locator(".hardlab-header")).to_contain_text("100%")
    expect(dialog).to_have_count(0)
    assert panel.locator(".hardlab-case.hardlab-failed").count() == 0
    shot(voila.page, artifacts, "voila-passed")


# ---------------------------------------------------------------------- 1,000 cases


def write_big_plan(folder: Path) -> None:
    """10 modules x 100 cases, each with a message and a measurement."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "hardpy.toml").write_text('tests_name = "Thousand cases"\n', encoding="utf-8")
    for m in range(1, MODULES + 1):
        body = "import hardpy\n" + "".join(BIG_CASE.format(i=i, m=m) for i in range(CASES))
        (folder / f"test_{m:02d}_module.py").write_text(body, encoding="utf-8")


def test_lab_panel_renders_a_thousand_cases_exactly(
    lab: LabPage, lab_server: JupyterServer, write_notebook: Any, artifacts: Path
) -> None:
    timeout = PAGE_TIMEOUT * 1000
    expect.set_options(timeout=timeout)
    total = MODULES * CASES
    write_big_plan(lab_server.root_dir / "big" / "plan")
    write_notebook(
        lab_server.root_dir / "big",
        "big.ipynb",
        [
            "%load_ext hardlab",
            "%hardpy run plan",
            "result = _\nprint('COUNTS', sorted(result.counts().items()))",
        ],
    )
    log_start = len(lab_server.log())
    lab.open("big/big.ipynb")
    lab.run_all()

    panel = panel_of(lab, 1)
    after = lab.page.locator(".jp-Notebook .jp-Cell").nth(2).locator(".jp-OutputArea")
    expect(after).to_contain_text(f"COUNTS [('passed', {total})]", timeout=timeout * 3)
    banner = panel.locator(".hardlab-banner")
    expect(banner).to_contain_text("PASSED")
    expect(banner).to_contain_text(f"{total} passed")
    expect(panel.locator(".hardlab-header")).to_contain_text("100%")
    expect(panel.locator(".widget-hprogress .widget-label")).to_have_text("100%")
    # Every module's title counts all its cases; the modules passed. Those that
    # passed while the run went on folded; the run's end folds none (the one
    # it ended in stays open when the panel showed it running).
    titles = panel.get_by_text(re.compile(rf"{CASES}/{CASES} · {CASES} passed"))
    expect(titles).to_have_count(MODULES)
    # A finished run has nothing to stop: no faded Stop button stays.
    expect(panel.get_by_role("button", name=re.compile(r"Stop$"))).to_be_hidden()
    # A folded module's rows are drawn when it is opened: open each one (the
    # click goes to the kernel, which sends the rows), every row in its final state.
    folded = panel.locator(
        ".jupyter-widget-Collapse:not(.jupyter-widget-Collapse-open) .jupyter-widget-Collapse-header"
    )
    for left in range(folded.count(), 0, -1):
        folded.first.click()
        expect(folded).to_have_count(left - 1)  # opened before the next click
    expect(panel.locator(".hardlab-case")).to_have_count(total)
    expect(panel.locator(".hardlab-case.hardlab-passed")).to_have_count(total)
    assert panel.get_by_text(f"case {CASES - 1} of module {MODULES}", exact=True).count() == 1
    lab.wait_kernel_idle()

    assert RATE_WARNING not in lab.page.inner_text("body")
    assert RATE_WARNING not in lab_server.log()[log_start:]
    shot(lab.page, artifacts, "lab-1000-cases", banner)


# ---------------------------------------------------------------------- Stop


def test_lab_stop_button_stops_exactly_one_case(
    lab: LabPage, lab_server: JupyterServer, write_notebook: Any, artifacts: Path
) -> None:
    timeout = PAGE_TIMEOUT * 1000
    expect.set_options(timeout=timeout)
    plan = lab_server.root_dir / "soak" / "plan"
    plan.mkdir(parents=True, exist_ok=True)
    (plan / "hardpy.toml").write_text('tests_name = "Soak"\n', encoding="utf-8")
    (plan / "test_soak.py").write_text(textwrap.dedent(SLOW_PLAN), encoding="utf-8")
    write_notebook(
        lab_server.root_dir / "soak",
        "soak.ipynb",
        [
            "%load_ext hardlab",
            "%hardpy run plan",
            "import json\nresult = _\nprint('STATUS', result.status.value, json.dumps(result.counts()))",
        ],
    )
    lab.open("soak/soak.ipynb")
    lab.run_all()

    panel = panel_of(lab, 1)
    # Let a few cases pass first, so the stop lands in the middle of the run.
    expect(panel.locator(".hardlab-case.hardlab-passed").nth(2)).to_be_attached(timeout=timeout)
    # Its accessible name starts with the icon's glyph.
    stop = panel.get_by_role("button", name=re.compile(r"Stop$"))
    expect(stop).to_be_enabled()
    stop.click()

    after = lab.page.locator(".jp-Notebook .jp-Cell").nth(2).locator(".jp-OutputArea")
    expect(after).to_contain_text("STATUS stopped", timeout=timeout)
    found = re.search(r"STATUS stopped (\{.*\})", after.inner_text())
    assert found, after.inner_text()
    counts: dict[str, int] = json.loads(found.group(1))
    assert counts["stopped"] == 1
    assert set(counts) <= {"passed", "stopped", "skipped"}
    assert counts["passed"] >= 3
    assert sum(counts.values()) == 40
    assert counts.get("skipped", 0) == 40 - counts["passed"] - 1

    banner = panel.locator(".hardlab-banner")
    expect(banner).to_contain_text("STOPPED")
    expect(banner).to_contain_text("1 stopped")
    expect(panel.locator(".hardlab-case.hardlab-stopped")).to_have_count(1)
    expect(panel.locator(".hardlab-case.hardlab-passed")).to_have_count(counts["passed"])
    expect(panel.locator(".hardlab-case.hardlab-skipped")).to_have_count(counts.get("skipped", 0))
    expect(stop).to_be_hidden()  # an ended run has nothing to stop: no faded button stays
    # stopped is the panel's purple in the bar too (as in the badge), not orange
    bar = panel.locator(".widget-hprogress .progress-bar")
    assert bar.evaluate("el => getComputedStyle(el).backgroundColor") == "rgb(123, 31, 162)"
    shot(lab.page, artifacts, "lab-stopped", banner)
