"""The operator station as a kiosk: ``hardlab station PATH`` in Voilà, driven in chromium.

One scenario, as an operator works: the page opens on a Start button; the
space bar starts the run; a dialog over the panel is answered; the PASSED
result covers the panel and goes away by itself; the operator switches to
German and runs the next unit, whose dialog and result speak German; the
history lists both runs. Screenshots of each step go to the artifacts folder
(``station-1-ready.png`` ...).
"""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from _browser import PAGE_TIMEOUT, JupyterServer
from playwright.sync_api import Page, expect

PLAN = {
    "hardpy.toml": """
        tests_name = "Kiosk board"

        [frontend]
        language = "en"
        sound_on = true
        auto_scroll = true
        test_history = true

        [frontend.modal_result]
        enable = true
        auto_dismiss_pass = true
        auto_dismiss_timeout = 2

        [[hardlab.start_args]]
        name = "serial"
        label = "Serial number"
        pattern = "SN-[0-9]+"
        keep = false
    """,
    "test_1_board.py": """
        import hardpy
        import pytest

        pytestmark = pytest.mark.module_name("Board")

        def test_identify(hardpy_start_args):
            hardpy.set_stand_name("kiosk stand")
            hardpy.set_dut_serial_number(hardpy_start_args["serial"])

        @pytest.mark.case_name("Status LED")
        def test_led():
            answer = hardpy.run_dialog_box(
                hardpy.DialogBox("Is the green LED on?", title_bar="LED check", pass_fail=True)
            )
            assert answer.result, "the LED is off"
    """,
}


class KioskServer(JupyterServer):
    """``hardlab station PLAN`` on a free loopback port, with the harness's isolated folders."""

    def __init__(self, plan: Path, home: Path, log_path: Path) -> None:
        super().__init__("voila", plan, home, log_path)
        self.plan = plan

    def _command(self) -> list[str]:
        return [
            sys.executable,
            "-c",
            "import sys; from hardlab.cli import main; sys.exit(main())",
            "station",
            str(self.plan),
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
        ]

    def _ready_path(self) -> str:
        return "/voila/static/voila.js"  # "/" would render the station (a kernel per request)


@pytest.fixture
def kiosk(tmp_path: Path, artifacts: Path) -> Iterator[KioskServer]:
    plan = tmp_path / "plan"
    plan.mkdir()
    for name, text in PLAN.items():
        (plan / name).write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    server = KioskServer(plan, tmp_path / "home", artifacts / "station-voila.log").start()
    try:
        yield server
    finally:
        server.stop()


def shot(page: Page, artifacts: Path, name: str) -> None:
    page.screenshot(path=str(artifacts / f"station-{name}.png"), full_page=True)


def test_the_kiosk_runs_unit_after_unit(kiosk: KioskServer, page: Page, artifacts: Path) -> None:
    timeout = PAGE_TIMEOUT * 1000
    expect.set_options(timeout=timeout)  # Voilà and the run share 2 busy cores
    page.goto(kiosk.url + "/", wait_until="commit", timeout=timeout)
    start = page.locator("button.hardlab-start")
    expect(start).to_have_text("Start", timeout=timeout)
    assert page.locator(".jp-InputArea, .jp-CodeMirrorEditor").count() == 0  # no code shown
    expect(page.locator(".hardlab-status-bar")).to_contain_text("READY")
    serial = page.locator(".hardlab-station .widget-text input")
    shot(page, artifacts, "1-ready")

    # the space bar presses Start; Start refuses an empty serial number first
    page.evaluate("() => document.activeElement && document.activeElement.blur()")
    page.keyboard.press(" ")
    expect(page.locator(".hardlab-station")).to_contain_text("Serial number: enter a value.")
    serial.fill("SN-0001")
    serial.press("Tab")
    page.evaluate("() => document.activeElement && document.activeElement.blur()")
    page.keyboard.press(" ")

    # the dialog shows over the panel; the operator answers it
    passed = page.get_by_role("button", name="Pass", exact=True)
    passed.wait_for(state="visible", timeout=timeout)
    expect(page.locator(".hardlab-dialog")).to_contain_text("Is the green LED on?")
    expect(start).to_have_text("Stop")
    shot(page, artifacts, "2-dialog")
    passed.click()

    # the result covers the panel, then dismisses itself (a pass, after 2 s)
    modal = page.locator(".hardlab-modal")
    modal.wait_for(state="visible", timeout=timeout)
    expect(modal).to_contain_text("PASSED")
    expect(modal).to_contain_text("Closes in 2 s")
    shot(page, artifacts, "3-result")
    modal.wait_for(state="hidden", timeout=timeout)
    expect(start).to_have_text("Start")
    expect(page.locator(".hardlab-status-bar")).to_contain_text("kiosk stand")
    expect(page.locator(".hardlab-status-bar")).to_contain_text("UTC")
    expect(page.locator("table.hardlab-history tr[data-run]")).to_have_count(1)
    assert page.locator(".hardlab-station audio").count() == 1  # the completion sound
    expect(serial).to_have_value("")  # asked afresh for the next unit

    # the operator switches to German; the next unit runs in German
    page.locator("select:has(option:text-is('Deutsch'))").select_option(label="Deutsch")
    expect(page.locator(".hardlab-status-bar")).to_contain_text("BESTANDEN")
    expect(page.locator(".hardlab-status-bar")).to_contain_text("Prüfstand")
    expect(page.locator(".hardlab-station")).to_contain_text("Testverlauf")
    serial.fill("SN-0002")
    serial.press("Tab")
    start.click()
    bestanden = page.get_by_role("button", name="Bestanden", exact=True)
    bestanden.wait_for(state="visible", timeout=timeout)
    expect(start).to_have_text("Stopp")
    shot(page, artifacts, "4-dialog-de")
    bestanden.click()
    modal.wait_for(state="visible", timeout=timeout)
    expect(modal).to_contain_text("BESTANDEN")
    expect(modal).to_contain_text("Schließt in 2 s")
    shot(page, artifacts, "5-result-de")
    modal.wait_for(state="hidden", timeout=timeout)
    expect(page.locator("table.hardlab-history tr[data-run]")).to_have_count(2)
    expect(page.locator("table.hardlab-history")).to_contain_text("SN-0002")
    shot(page, artifacts, "6-history-de")
