"""hardlab's JupyterLab extension in Debian's chromium: the Test runs panel, a report, the plan command.

The runs are real: ``hardlab demo`` and ``hardlab run`` record them into the
store the JupyterLab server reads (its ``$HARDLAB_HOME``), in subprocesses,
as a test stand next to the notebook would. Screenshots of the panel and
the report are saved beside the per-test ones (``extension-*.png``).
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from _browser import PAGE_TIMEOUT, JupyterServer, write_notebook

from hardlab.storage import Store

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page, Route

HARDLAB = str(Path(sys.executable).with_name("hardlab"))
TIMEOUT_MS = PAGE_TIMEOUT * 1000


def store_url(server: JupyterServer) -> str:
    """The store JupyterLab's extension reads: the default one under the server's $HARDLAB_HOME."""
    return f"sqlite:///{Path(server.env['HARDLAB_HOME']) / 'hardlab.db'}"


def hardlab_cli(server: JupyterServer, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [HARDLAB, *args, "--db", store_url(server)],
        env={**server.env, "NO_COLOR": "1"},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )


@pytest.fixture(scope="module")
def demo_run(lab_server: JupyterServer) -> dict[str, object]:
    """One demo run recorded into the server's store; its row."""
    hardlab_cli(lab_server, "demo", "--fast", "--seed", "11")
    with Store(store_url(lab_server)) as store:
        rows = store.runs(limit=1).dicts()
    return rows[0]


def open_lab(page: Page, server: JupyterServer) -> None:
    page.goto(f"{server.url}/lab?reset", wait_until="commit")
    page.wait_for_function(
        "() => window.jupyterapp && window.jupyterapp.shell && "
        "window.jupyterapp.commands.hasCommand('hardlab:show-runs')",
        timeout=TIMEOUT_MS,
    )


def show_panel(page: Page) -> Locator:
    """Open the Test runs panel from its side tab; the panel."""
    tab = page.locator('.lm-TabBar-tab[data-id="hardlab-runs"]')
    tab.wait_for(state="visible", timeout=TIMEOUT_MS)
    tab.click()
    panel = page.locator("#hardlab-runs")
    panel.wait_for(state="visible", timeout=TIMEOUT_MS)
    return panel


def test_the_panel_lists_a_recorded_run_and_opens_its_report(
    page: Page, lab_server: JupyterServer, demo_run: dict[str, object], artifacts: Path
) -> None:
    run_id = str(demo_run["id"])
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    open_lab(page, lab_server)
    panel = show_panel(page)

    item = panel.locator(f'.hl-RunItem[data-run-id="{run_id}"]')
    item.wait_for(state="visible", timeout=TIMEOUT_MS)
    assert str(demo_run["dut_serial_number"]) in item.inner_text()
    assert "HL-DEMO-01" in item.inner_text()
    assert item.locator(".hl-Status").inner_text().lower() == "passed"
    assert "demo stand" in item.inner_text()
    page.screenshot(path=str(artifacts / "extension-panel.png"))

    # filters narrow the list; a filter nothing matches says so
    status = panel.locator('select[data-filter="status"]')
    status.select_option("failed")
    panel.get_by_text("No runs match these filters.").wait_for(timeout=TIMEOUT_MS)
    status.select_option("")
    part = panel.locator('select[data-filter="part_number"]')
    part.select_option("HL-DEMO-01")
    item.wait_for(state="visible", timeout=TIMEOUT_MS)

    item.click()
    report = page.locator(f'.hl-Report[data-run-id="{run_id}"]')
    report.locator(".hl-Module").first.wait_for(state="visible", timeout=TIMEOUT_MS)
    text = report.inner_text()
    assert run_id in text
    assert "Board temperature" in text
    assert "≤ 60" in text  # a measurement's limit, as hardlab writes it
    assert report.locator(".hl-Case").count() == 11  # the demo plan's cases
    measurements = report.locator(".hl-Measurements tbody tr")
    assert measurements.count() >= 3
    page.screenshot(path=str(artifacts / "extension-report.png"), full_page=True)

    toolbar = page.locator(".hl-ReportWidget .jp-Toolbar")
    toolbar.get_by_text("Copy run id").click()
    page.get_by_text(f"Copied run id {run_id}").wait_for(timeout=TIMEOUT_MS)
    assert page.evaluate("() => navigator.clipboard.readText()") == run_id

    with page.expect_download(timeout=TIMEOUT_MS) as download:
        toolbar.get_by_text("Export HardPy JSON").click()
    assert download.value.suggested_filename == f"{run_id}.json"
    exported = json.loads(Path(download.value.path()).read_text(encoding="utf-8"))
    assert exported["id"] == run_id
    assert exported["dut"]["serial_number"] == demo_run["dut_serial_number"]


def test_the_unit_report_opens_from_the_panel_with_no_external_request(
    page: Page, lab_server: JupyterServer, demo_run: dict[str, object], artifacts: Path
) -> None:
    from urllib.parse import urlsplit

    run_id = str(demo_run["id"])
    refused: list[str] = []

    def only_loopback(route: Route) -> None:
        url = route.request.url
        host = urlsplit(url).hostname
        if url.startswith(("blob:", "data:", "about:")) or host in ("127.0.0.1", "localhost"):
            route.continue_()
        else:
            refused.append(url)
            route.abort()

    page.context.route("**/*", only_loopback)
    open_lab(page, lab_server)
    panel = show_panel(page)
    item = panel.locator(f'.hl-RunItem[data-run-id="{run_id}"]')
    item.wait_for(state="visible", timeout=TIMEOUT_MS)
    item.click()
    page.locator(f'.hl-Report[data-run-id="{run_id}"] .hl-Module').first.wait_for(
        state="visible", timeout=TIMEOUT_MS
    )
    toolbar = page.locator(".hl-ReportWidget .jp-Toolbar")
    with page.context.expect_page(timeout=TIMEOUT_MS) as opened:
        toolbar.get_by_text("Unit report").click()
    report = opened.value  # blank at first: the report arrives from the server, then shows
    report.wait_for_url("blob:**", timeout=TIMEOUT_MS)
    report.wait_for_load_state("load", timeout=TIMEOUT_MS)
    text = report.locator("body").inner_text()
    assert run_id in text and str(demo_run["dut_serial_number"]) in text
    assert "Board temperature" in text and "≤ 60" in text
    assert report.locator("svg").count() >= 1  # the ramp chart, drawn inline
    # nothing in the page points outside it
    assert report.evaluate(
        "() => [...document.querySelectorAll('[src], [href]')]"
        ".map(e => e.getAttribute('src') || e.getAttribute('href'))"
    ) == []  # fmt: skip
    report.screenshot(path=str(artifacts / "extension-unit-report.png"), full_page=True)
    assert refused == []


WAITING_PLAN = {
    "test_1_power.py": """
        import hardlab

        def test_rail():
            hardlab.set_dut_serial_number("LIVE-7")
            hardlab.set_dut_part_number("PB-LIVE")
        """,
    "test_2_wait.py": """
        import os
        import time
        from pathlib import Path

        def test_wait_for_release():
            # the browser test creates this file once it has seen the run going
            release = Path(os.environ["HARDLAB_TEST_RELEASE"])
            deadline = time.monotonic() + 120
            while not release.exists():
                assert time.monotonic() < deadline, "never released"
                time.sleep(0.05)
        """,
}


@pytest.fixture
def waiting_run(lab_server: JupyterServer, tmp_path: Path) -> Iterator[tuple[Path, Path]]:
    """``hardlab run`` of a plan that waits for a file; (the plan, the file)."""
    plan = tmp_path / "waiting_plan"
    plan.mkdir()
    for name, text in WAITING_PLAN.items():
        (plan / name).write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    release = tmp_path / "release"
    env = {**lab_server.env, "NO_COLOR": "1", "HARDLAB_TEST_RELEASE": str(release)}
    process = subprocess.Popen(
        [HARDLAB, "run", str(plan), "--db", store_url(lab_server)],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        yield plan, release
    finally:
        release.touch()
        output, _ = process.communicate(timeout=120)
        assert process.returncode == 0, output


def test_the_panel_follows_a_run_as_it_goes(
    page: Page, lab_server: JupyterServer, waiting_run: tuple[Path, Path], artifacts: Path
) -> None:
    _plan, release = waiting_run
    open_lab(page, lab_server)
    panel = show_panel(page)
    # no click on Refresh from here on: the panel refreshes itself
    live = panel.locator(".hl-RunItem", has_text="LIVE-7")
    live.locator('.hl-Status[data-status="run"]').wait_for(timeout=TIMEOUT_MS)
    assert "so far" in live.inner_text()
    page.screenshot(path=str(artifacts / "extension-live.png"))
    release.touch()
    live.locator('.hl-Status[data-status="passed"]').wait_for(timeout=TIMEOUT_MS)


def test_run_hardpy_plan_inserts_the_magic_for_the_chosen_folder(
    page: Page, lab_server: JupyterServer
) -> None:
    root = lab_server.root_dir
    plan = root / "plans" / "power board"
    plan.mkdir(parents=True, exist_ok=True)
    (plan / "test_power.py").write_text("def test_ok():\n    pass\n", encoding="utf-8")
    notebook = "bench/bring_up.ipynb"
    write_notebook(root, notebook, ["print('first cell')"])

    page.goto(f"{lab_server.url}/lab/tree/{notebook}?reset", wait_until="commit")
    page.wait_for_function(
        f"""() => {{
            const panel = window.jupyterapp && window.jupyterapp.shell.currentWidget;
            return panel && panel.context && panel.context.path === {json.dumps(notebook)}
                && panel.content.widgets.length > 0;
        }}""",
        timeout=TIMEOUT_MS,
    )
    button = page.locator('.jp-NotebookPanel-toolbar [data-jp-item-name="hardlab-run-plan"]')
    button.wait_for(state="visible", timeout=TIMEOUT_MS)
    button.locator("button, jp-button").first.click()

    dialog = page.locator(".jp-Dialog")
    dialog.wait_for(state="visible", timeout=TIMEOUT_MS)
    # the dialog opens in the notebook's folder: go up, into plans, choose "power board"
    dialog.locator(".jp-BreadCrumbs-home").click()
    dialog.locator(".jp-DirListing-item", has_text="plans").dblclick()
    dialog.locator(".jp-DirListing-item", has_text="power board").click()
    dialog.locator("button.jp-mod-accept").click()
    dialog.wait_for(state="detached", timeout=TIMEOUT_MS)

    expected = "%hardpy run '../plans/power board'"
    page.wait_for_function(
        """expected => {
            const cell = window.jupyterapp.shell.currentWidget.content.activeCell;
            return cell && cell.model.sharedModel.getSource() === expected;
        }""",
        arg=expected,
        timeout=TIMEOUT_MS,
    )
    sources = page.evaluate(
        "() => window.jupyterapp.shell.currentWidget.content.widgets"
        ".map(cell => cell.model.sharedModel.getSource())"
    )
    assert sources == ["print('first cell')", expected]

    # from the command palette too, on an empty cell: the line goes there, no new cell
    page.evaluate("() => { window.jupyterapp.commands.execute('notebook:insert-cell-below'); }")
    page.wait_for_function(
        "() => window.jupyterapp.shell.currentWidget.content.widgets.length === 3",
        timeout=TIMEOUT_MS,
    )
    page.evaluate("() => { window.jupyterapp.commands.execute('hardlab:run-plan'); }")
    dialog.wait_for(state="visible", timeout=TIMEOUT_MS)
    dialog.locator(".jp-BreadCrumbs", has_text="bench").wait_for(timeout=TIMEOUT_MS)
    # nothing selected: the folder the dialog shows (the notebook's) is the choice; not a plan
    dialog.locator("button.jp-mod-accept").click()
    confirm = page.locator(".jp-Dialog", has_text="Not a test plan?")
    confirm.wait_for(state="visible", timeout=TIMEOUT_MS)
    confirm.locator("button.jp-mod-accept").click()
    page.wait_for_function(
        """() => window.jupyterapp.shell.currentWidget.content.widgets
            .map(cell => cell.model.sharedModel.getSource())[2] === '%hardpy run .'""",
        timeout=TIMEOUT_MS,
    )
    assert page.evaluate("() => window.jupyterapp.shell.currentWidget.content.widgets.length") == 3


def test_the_store_the_server_reads_is_the_one_the_suite_wrote(
    lab_server: JupyterServer, demo_run: dict[str, object]
) -> None:
    # the panel tests above rely on this: the REST API answers from that store
    page = lab_server.api(f"/hardlab/api/runs?serial_number={demo_run['dut_serial_number']}")
    assert [run["id"] for run in page["runs"]] == [demo_run["id"]]
    assert page["store"]["url"] == store_url(lab_server)
