"""JupyterLab with no internet, as on a production line: the run panel and the Test runs panel.

Every request of the page to a host other than 127.0.0.1 or localhost is
aborted and recorded, and none may be attempted. In that page a notebook runs
``%hardpy run`` of a plan whose cases show what the run panel draws (a
message, a measurement with limits, a chart, a dialog answered in the panel,
the verdict); then the Test runs panel lists the run and opens its report.
The station's half of this is ``test_station.py``.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

from _browser import PAGE_TIMEOUT, JupyterServer, LabPage
from playwright.sync_api import BrowserContext, Route, expect

LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost"})
SERIAL = "OFFLINE-0007"

PLAN = {
    "hardpy.toml": """
        tests_name = "Offline bench"
    """,
    "test_1_board.py": """
        import pytest

        import hardlab

        pytestmark = pytest.mark.module_name("Board")


        @pytest.mark.case_name("Main rail")
        def test_rail():
            hardlab.set_dut_serial_number("OFFLINE-0007")
            hardlab.set_message("rail settled", "rail")
            meas = hardlab.NumericMeasurement(
                name="VOUT", value=3.31, unit="V",
                operation=hardlab.ComparisonOperation.GELE, lower_limit=3.2, upper_limit=3.4,
            )
            hardlab.set_case_measurement(meas)
            assert meas.result


        @pytest.mark.case_name("Power-up ramp")
        def test_ramp():
            chart = hardlab.Chart(title="Ramp", x_label="time, ms", y_label="voltage, V")
            chart.add_series([0, 1, 2, 3], [0.0, 1.6, 3.1, 3.3], "3V3")
            hardlab.set_case_chart(chart)


        @pytest.mark.case_name("Status LED")
        def test_led():
            answer = hardlab.run_dialog_box(
                hardlab.DialogBox(
                    "Is the green LED on?", title_bar="LED check", pass_fail=True,
                    button_text=["It is on", "It is off"],
                )
            )
            assert answer.result, "the LED is off"
    """,
}


def offline(context: BrowserContext) -> tuple[list[str], list[str]]:
    """Abort every request of `context` to a host other than loopback.

    Returns:
        The requests aborted, and those let through (so a test can tell the
        route saw the page's requests at all).
    """
    attempted: list[str] = []
    local: list[str] = []

    def route(found: Route) -> None:
        url = found.request.url
        if url.startswith(("blob:", "data:", "about:")) or urlsplit(url).hostname in LOCAL_HOSTS:
            local.append(url)
            found.continue_()
        else:
            attempted.append(url)
            found.abort()

    context.route("**/*", route)
    return attempted, local


def test_the_run_panel_and_the_test_runs_panel_need_no_internet(
    lab: LabPage, lab_server: JupyterServer, write_notebook: Callable[..., Path], artifacts: Path
) -> None:
    timeout = PAGE_TIMEOUT * 1000
    expect.set_options(timeout=timeout)
    page = lab.page
    attempted, local = offline(page.context)

    folder = lab_server.root_dir / "offline"
    for name, text in PLAN.items():
        path = folder / "plan" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    write_notebook(folder, "offline.ipynb", ["%load_ext hardlab", "%hardpy run plan"])

    lab.open("offline/offline.ipynb")
    lab.run_all()
    panel = page.locator(".jp-Notebook .jp-Cell").nth(1).locator(".hardlab-panel").first
    dialog = panel.locator(".hardlab-dialog")
    dialog.wait_for(state="visible", timeout=timeout)
    expect(dialog).to_contain_text("Is the green LED on?")
    page.screenshot(path=str(artifacts / "offline-dialog.png"))
    lab.click("It is on")

    banner = panel.locator(".hardlab-banner")
    expect(banner).to_contain_text("PASSED")
    expect(banner).to_contain_text(f"DUT {SERIAL}")
    for shown in ("Main rail", "rail settled", "VOUT", "Power-up ramp", "Status LED"):
        expect(panel).to_contain_text(shown)
    lab.wait_kernel_idle()
    page.screenshot(path=str(artifacts / "offline-panel.png"), full_page=True)

    # the run went to the store the server reads (the kernel shares its $HARDLAB_HOME)
    page.locator('.lm-TabBar-tab[data-id="hardlab-runs"]').click()
    runs = page.locator("#hardlab-runs")
    runs.wait_for(state="visible", timeout=timeout)
    item = runs.locator(".hl-RunItem", has_text=SERIAL)
    item.wait_for(state="visible", timeout=timeout)
    expect(item.locator(".hl-Status")).to_have_text(re.compile("passed", re.IGNORECASE))
    item.click()
    report = page.locator(".hl-Report")
    report.locator(".hl-Module").first.wait_for(state="visible", timeout=timeout)
    expect(report).to_contain_text("VOUT")
    expect(report.locator(".hl-Case")).to_have_count(3)
    page.screenshot(path=str(artifacts / "offline-test-runs.png"), full_page=True)

    assert attempted == [], f"requests outside 127.0.0.1: {attempted}"
    # the route saw the page load: JupyterLab's scripts and the extension's API calls
    assert any("/static/" in url for url in local), local
    assert any("/hardlab/api/" in url for url in local), local
