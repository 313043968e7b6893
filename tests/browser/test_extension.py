"""hardlab's JupyterLab extension in Debian's chromium: the Test runs panel, a report, the plan command.

The runs are real: ``hardlab demo`` and ``hardlab run`` record them into the
store the JupyterLab server reads (its ``$HARDLAB_HOME``), in subprocesses,
as a test stand next to the notebook would. Screenshots of the panel and
the report are saved beside the per-test ones (``extension-*.png``).
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
import textwrap
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from _browser import PAGE_TIMEOUT, JupyterServer, docs_image, write_notebook

import hardlab
from hardlab.model.report import ResultRunStore
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


OPERATOR_PLAN = {
    "test_3_functional.py": """
        import pytest
        import hardlab

        pytestmark = pytest.mark.module_name("Functional")

        @pytest.mark.case_name("Status LED")
        def test_led():
            current = hardlab.NumericMeasurement(
                name="LED current", value=31.5, unit="mA",
                operation=hardlab.ComparisonOperation.GELE, lower_limit=18, upper_limit=25)
            hardlab.set_case_measurement(current)
            assert current.result, "LED current out of range"
        """,
}


def _stored_run(server: JupyterServer, plan: Path, files: dict[str, str]) -> str:
    """``hardlab run`` of `files` into the server's store; the run's id."""

    def ids() -> set[str]:
        with Store(store_url(server)) as store:
            return {str(row["id"]) for row in store.runs(limit=500).dicts()}

    before = ids()
    plan.mkdir()
    for name, text in files.items():
        (plan / name).write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    subprocess.run(
        [HARDLAB, "run", str(plan), "--db", store_url(server)],
        env={**server.env, "NO_COLOR": "1"},
        capture_output=True,
        timeout=120,
        check=False,  # the run fails, or cannot run: what the report view is to show
    )
    # (a plan that could not run never started: it is not the newest by start time)
    (run_id,) = ids() - before
    return run_id


def test_the_report_view_shows_operators_the_message_and_folds_pytests_text(
    page: Page, lab_server: JupyterServer, tmp_path: Path
) -> None:
    failed = _stored_run(lab_server, tmp_path / "failing", OPERATOR_PLAN)
    not_run = _stored_run(
        lab_server, tmp_path / "broken", {"test_bad.py": "def test_x(:\n  pass\n"}
    )
    open_lab(page, lab_server)
    page.evaluate(
        f"() => window.jupyterapp.commands.execute('hardlab:open-report', {{id: '{failed}'}})"
    )
    report = page.locator(f'.hl-Report[data-run-id="{failed}"]')
    case = report.locator('.hl-Case[data-case-id="test_led"]')
    case.wait_for(state="visible", timeout=TIMEOUT_MS)
    assert case.locator(".hl-Case-failure").inner_text() == "LED current out of range"
    assert case.locator(".hl-Case-name").get_attribute("title") == "Functional › Status LED"
    assert "Functional › Status LED" in report.locator(".hl-Report-summary").inner_text()
    crash = case.locator("details.hl-Crash")
    assert crash.get_attribute("open") is None  # folded: pytest's text is there, not in the way
    assert not crash.locator(".hl-Case-assertion").is_visible()
    crash.locator("summary").click()
    assert "where False = NumericMeasurement(" in crash.locator(".hl-Case-assertion").inner_text()

    page.evaluate(
        f"() => window.jupyterapp.commands.execute('hardlab:open-report', {{id: '{not_run}'}})"
    )
    section = page.locator(f'.hl-Report[data-run-id="{not_run}"] .hl-Report-planError')
    section.wait_for(state="visible", timeout=TIMEOUT_MS)
    assert section.locator("h2").inner_text().startswith("NOT RUN")
    brief = section.locator(".hl-Case-failure").inner_text()
    assert "test_bad.py:1" in brief and "SyntaxError: invalid syntax" in brief, brief
    assert "importlib" not in brief
    assert not section.locator("details .hl-Case-assertion").is_visible()
    assert (
        "No case has been stored"
        not in page.locator(f'.hl-Report[data-run-id="{not_run}"]').inner_text()
    )


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


# ---------------------------------------------------------------- badges, search, history

LONG_SERIAL = "SN-2026-LONG-SERIAL-NUMBER-FROM-A-LASER-ETCHED-LABEL-0042"
HISTORY_DAYS = 5


def board_report(
    serial: str, status: str, start: datetime, value: float, upper: float = 3.4
) -> ResultRunStore:
    """A "Board test" run of part PB-100 measuring its 3V3 rail (limits 3.2 .. `upper`)."""
    t = int(start.timestamp())
    ok = status == "passed"
    rail = {
        "type": "numeric", "name": "3V3", "value": value, "unit": "V", "operation": "gele",
        "lower_limit": 3.2, "upper_limit": upper, "result": ok,
    }  # fmt: skip
    case = {
        "status": status, "name": "3V3 rail", "group": "main", "start_time": t,
        "stop_time": t + 3, "attempt": 1, "measurements": [rail],
    }  # fmt: skip
    return ResultRunStore.model_validate(
        {
            "_id": str(uuid.uuid4()), "_rev": "1", "name": "Board test", "status": status,
            "start_time": t, "stop_time": t + 3, "test_stand": {"name": "line 2"},
            "dut": {"serial_number": serial, "part_number": "PB-100"}, "process": {"name": "EOL"},
            "modules": {
                "test_power": {
                    "status": status, "name": "Power", "group": "main", "start_time": t,
                    "stop_time": t + 3, "cases": {"test_3v3": case},
                },
            },
        }
    )  # fmt: skip


@pytest.fixture(scope="module")
def board_runs(lab_server: JupyterServer, demo_run: dict[str, object]) -> list[ResultRunStore]:
    """Five days of PB-100 runs (three units a day, some failing first), and a stopped one today."""
    rng = random.Random(7)
    noon = datetime.now(timezone.utc).replace(hour=12, minute=0, second=0, microsecond=0)
    reports = []
    for back in range(HISTORY_DAYS, 0, -1):
        day = noon - timedelta(days=back)
        for unit in range(3):
            serial = f"U-{back}{unit:02d}"
            value = round(rng.gauss(3.30, 0.04), 3)
            upper = 3.4 if back > 2 else 3.45  # the limit was widened two days ago
            failed = (back + unit) % 4 == 0
            if failed:
                reports.append(
                    board_report(
                        serial, "failed", day + timedelta(minutes=unit), 3.47 + unit / 100, upper
                    )
                )
                reports.append(
                    board_report(serial, "passed", day + timedelta(minutes=30 + unit), value, upper)
                )
            else:
                reports.append(
                    board_report(serial, "passed", day + timedelta(minutes=unit), value, upper)
                )
    reports.append(board_report(LONG_SERIAL, "stopped", noon + timedelta(minutes=1), 3.31))
    with Store(store_url(lab_server)) as store:
        for report in reports:
            store.save_report(report)
    return reports


def test_the_panel_shows_the_plan_whole_badges_a_serial_search_and_run_statuses(
    page: Page, lab_server: JupyterServer, board_runs: list[ResultRunStore]
) -> None:
    open_lab(page, lab_server)
    panel = show_panel(page)
    item = panel.locator(".hl-RunItem", has_text=LONG_SERIAL)
    item.wait_for(state="visible", timeout=TIMEOUT_MS)
    assert "Board test" in item.inner_text()  # the plan's name
    badge = item.locator(".hl-Status")
    assert badge.inner_text() == "STOPPED"
    # the whole badge shows (the long serial number gives way, not the badge)
    fits = badge.evaluate(
        """el => {
            const box = el.getBoundingClientRect();
            const row = el.closest('.hl-RunItem').getBoundingClientRect();
            return el.scrollWidth <= el.clientWidth && box.left >= row.left && box.right <= row.right;
        }"""
    )
    assert fits
    # stopped is the purple of the notebook panel and the station (#7b1fa2)
    assert badge.evaluate("el => getComputedStyle(el).backgroundColor") == "rgb(123, 31, 162)"
    # the status filter offers what runs can be, not cases' statuses (a run is
    # `error` when its plan could not run: it is stored apart from a failure)
    offered = panel.locator('select[data-filter="status"] option').evaluate_all(
        "options => options.map(option => option.value)"
    )
    assert offered[0] == "" and set(offered[1:]) <= {
        "passed",
        "failed",
        "run",
        "stopped",
        "interrupted",
        "error",
    }
    assert not {"skipped", "ready"} & set(offered)
    assert {"passed", "failed", "stopped"} <= set(offered)
    docs_image(panel, "test-runs-panel", padding=0)

    search = panel.get_by_label("Serial number")
    search.fill("U-100")  # the whole serial number, as a scanner types it
    search.press("Enter")
    page.wait_for_function(
        "() => [...document.querySelectorAll('#hardlab-runs .hl-RunItem-dut')]"
        ".every(el => el.textContent.startsWith('U-100 '))",
        timeout=TIMEOUT_MS,
    )
    shown = panel.locator(".hl-RunItem")
    assert shown.count() == 1 and "U-100 · PB-100" in shown.first.inner_text()
    search.fill("NOBODY-1")  # searched once the typing stops, without Enter
    panel.get_by_text("No runs of serial number “NOBODY-1”.").wait_for(timeout=TIMEOUT_MS)
    search.fill("")
    item.wait_for(state="visible", timeout=TIMEOUT_MS)


def test_the_history_view_draws_first_pass_yield_and_a_trend_with_limits(
    page: Page, lab_server: JupyterServer, board_runs: list[ResultRunStore]
) -> None:
    open_lab(page, lab_server)
    panel = show_panel(page)
    panel.locator('select[data-filter="part_number"] option[value="PB-100"]').wait_for(
        state="attached", timeout=TIMEOUT_MS
    )
    panel.locator('select[data-filter="part_number"]').select_option("PB-100")
    panel.locator('[data-view="history"]').click()
    history = panel.locator(".hl-History")
    history.locator(".hl-TrendChart").wait_for(state="visible", timeout=TIMEOUT_MS)
    assert panel.locator(".hl-RunList").is_hidden()

    since = datetime.now(timezone.utc) - timedelta(days=31)
    with hardlab.history(store_url(lab_server)) as store_history:
        yields = store_history.first_pass_yield(by="day", part_number="PB-100", since=since)
        values = store_history.measurements(
            measurement="3V3", attempts="final", numeric=True, part_number="PB-100", since=since
        )
    bars = history.locator(".hl-YieldBar")
    assert bars.count() == len(yields) == HISTORY_DAYS
    days = list(yields["day"].dt.strftime("%Y-%m-%d"))
    assert bars.evaluate_all("bars => bars.map(bar => bar.dataset.day)") == days
    first = yields.iloc[0]
    assert f"{int(first['first_pass'])} of {int(first['units'])} units" in (
        bars.first.text_content() or ""
    )
    units, passed = int(yields["units"].sum()), int(yields["first_pass"].sum())
    assert f"first time: {passed} of {units} units" in history.inner_text()

    assert panel.locator('select[data-history="measurement"]').input_value() == "3V3"
    points = history.locator(".hl-TrendChart .hl-Trend-point")
    assert points.count() == len(values)
    failed = history.locator(".hl-TrendChart .hl-Trend-failed")
    assert failed.count() == int((values["result"] == False).sum()) > 0  # noqa: E712
    assert history.locator(".hl-Trend-upper").count() == 1
    assert history.locator(".hl-Trend-lower").count() == 1
    docs_image(panel, "test-runs-history", padding=0)

    panel.locator('[data-view="runs"]').click()
    panel.locator(".hl-RunItem").first.wait_for(state="visible", timeout=TIMEOUT_MS)
