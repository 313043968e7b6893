"""The operator station as a kiosk: ``hardlab station PATH`` in Voilà, driven in chromium.

One scenario, as an operator works: the page opens on a Start button; the
space bar starts the run; a dialog over the panel is answered; the PASSED
result covers the panel and goes away by itself; the operator switches to
German and runs the next unit, whose dialog and result speak German; the
history lists both runs. Screenshots of each step go to the artifacts folder
(``station-1-ready.png`` ...); the dialog's is also the docs' picture of the
station (``docs/images/station.png``).

Every page is loaded offline: each request to a host other than 127.0.0.1 or
localhost is aborted and recorded, and none may be attempted (a production
line has no internet). A reload and a second tab show the run in progress:
every page of the server shares one kernel and so one station.

A stand with two slots (``--slots 2``): each slot's serial number, dialog
and result on its own card, Start all, and one stored run per slot.
"""

from __future__ import annotations

import json
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from _browser import PAGE_TIMEOUT, JupyterServer
from playwright.sync_api import BrowserContext, Page, Route, expect

import hardlab

DOCS_IMAGES = Path(__file__).resolve().parents[2] / "docs" / "images"
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost"})

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
        self.db = plan.parent / "runs.db"
        # The station, its Voilà and its kernel run the hardlab under test
        # (a worktree's, not whichever the venv installed).
        self.env["PYTHONPATH"] = str(Path(hardlab.__file__).resolve().parents[1])

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
            "--db",
            str(self.db),
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


def offline(context: BrowserContext) -> list[str]:
    """Abort every request of `context` to a host other than loopback; returns the list of them."""
    attempted: list[str] = []

    def route(found: Route) -> None:
        url = found.request.url
        if urlsplit(url).hostname in LOCAL_HOSTS:
            found.continue_()
        else:
            attempted.append(url)
            found.abort()

    context.route("**/*", route)
    return attempted


def kernel_id(page: Page) -> str:
    """The kernel the Voilà page is connected to."""
    text = page.locator("#jupyter-config-data").text_content() or "{}"
    return str(json.loads(text)["kernelId"])


def stored_runs(kiosk: KioskServer) -> list[dict[str, object]]:
    from hardlab.storage import Store

    store = Store(str(kiosk.db))
    try:
        return list(store.runs().dicts())
    finally:
        store.close()


def test_the_kiosk_runs_unit_after_unit(kiosk: KioskServer, page: Page, artifacts: Path) -> None:
    timeout = PAGE_TIMEOUT * 1000
    expect.set_options(timeout=timeout)  # Voilà and the run share 2 busy cores
    attempted = offline(page.context)
    page.goto(kiosk.url + "/", wait_until="commit", timeout=timeout)
    start = page.locator("button.hardlab-start")
    expect(start).to_have_text("Start", timeout=timeout)
    assert page.locator(".jp-InputArea, .jp-CodeMirrorEditor").count() == 0  # no code shown
    expect(page.locator(".hardlab-status-bar")).to_contain_text("READY")
    # before Start: the plan's cases, READY once, no empty run panel
    expect(page.locator(".hardlab-plan")).to_contain_text("Status LED")
    expect(page.locator(".hardlab-plan")).to_contain_text("test_identify")
    expect(page.locator(".hardlab-panel")).to_be_hidden()
    assert page.locator(".hardlab-station").inner_text().count("READY") == 1
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
    expect(page.locator(".hardlab-panel .hardlab-header")).to_contain_text("Kiosk board")
    expect(page.locator(".hardlab-plan")).to_be_hidden()
    shot(page, artifacts, "2-dialog")
    DOCS_IMAGES.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(DOCS_IMAGES / "station.png"))
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
    assert attempted == []  # nothing left the machine: every asset is the server's


def test_a_reload_and_a_second_tab_show_the_run_in_progress(
    kiosk: KioskServer, page: Page, artifacts: Path
) -> None:
    timeout = PAGE_TIMEOUT * 1000
    expect.set_options(timeout=timeout)
    attempted = offline(page.context)
    page.goto(kiosk.url + "/", wait_until="commit", timeout=timeout)
    start = page.locator("button.hardlab-start")
    expect(start).to_have_text("Start", timeout=timeout)
    first_kernel = kernel_id(page)
    page.locator(".hardlab-station .widget-text input").fill("SN-0042")
    page.locator(".hardlab-station .widget-text input").press("Tab")
    start.click()
    expect(page.locator(".hardlab-dialog")).to_contain_text("Is the green LED on?")

    # F5 while the run waits on the operator: the page shows that run and its dialog
    page.reload(wait_until="commit", timeout=timeout)
    expect(page.locator(".hardlab-dialog")).to_contain_text("Is the green LED on?")
    expect(start).to_have_text("Stop")
    expect(page.locator(".hardlab-status-bar")).to_contain_text("RUNNING")
    assert kernel_id(page) == first_kernel  # no new kernel, none left behind
    shot(page, artifacts, "reloaded")

    # a second tab on the same stand shows the same run, not a second Start
    second = page.context.new_page()
    second.goto(kiosk.url + "/", wait_until="commit", timeout=timeout)
    expect(second.locator(".hardlab-dialog")).to_contain_text("Is the green LED on?")
    expect(second.locator("button.hardlab-start")).to_have_text("Stop")
    assert kernel_id(second) == first_kernel

    # answered in the reloaded page, the run passes; both pages show it
    page.get_by_role("button", name="Pass", exact=True).click()
    for shown in (page, second):
        modal = shown.locator(".hardlab-modal")
        expect(modal).to_contain_text("PASSED")
        modal.wait_for(state="hidden", timeout=timeout)
        expect(shown.locator("table.hardlab-history tr[data-run]")).to_have_count(1)
    expect(second.locator(".hardlab-dialog")).to_have_count(0)
    runs = stored_runs(kiosk)
    assert [(run["dut_serial_number"], run["status"]) for run in runs] == [("SN-0042", "passed")]
    second.close()
    assert attempted == []


SLOTS_PLAN = {
    "hardpy.toml": """
        tests_name = "Fixture board"
    """,
    "test_1_board.py": """
        import hardpy

        def test_led(hardpy_start_args, hardlab_slot):
            hardpy.set_dut_serial_number(hardpy_start_args["serial_number"])
            answer = hardpy.run_dialog_box(
                hardpy.DialogBox(
                    f"Is the LED of socket {hardlab_slot} on?", title_bar="LED", pass_fail=True
                )
            )
            assert answer.result, "the LED is off"
    """,
}


class SlotsKiosk(KioskServer):
    """``hardlab station PLAN --slots 2``."""

    def _command(self) -> list[str]:
        return [*super()._command(), "--slots", "2"]


@pytest.fixture
def slots_kiosk(tmp_path: Path, artifacts: Path) -> Iterator[SlotsKiosk]:
    plan = tmp_path / "plan"
    plan.mkdir()
    for name, text in SLOTS_PLAN.items():
        (plan / name).write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    server = SlotsKiosk(plan, tmp_path / "home", artifacts / "station-slots-voila.log").start()
    try:
        yield server
    finally:
        server.stop()


def test_two_slots_each_answered_on_its_own_card(
    slots_kiosk: SlotsKiosk, page: Page, artifacts: Path
) -> None:
    """``hardlab station PATH --slots 2``: each slot's serial, dialog and result on its card."""
    kiosk = slots_kiosk
    timeout = PAGE_TIMEOUT * 1000
    expect.set_options(timeout=timeout)
    attempted = offline(page.context)
    page.goto(kiosk.url + "/", wait_until="commit", timeout=timeout)
    cards = {n: page.locator(f".hardlab-slot-{n}") for n in (1, 2)}
    expect(page.locator(".hardlab-slot-station")).to_contain_text("Fixture board · 2 slots")
    for n, card in cards.items():
        expect(card).to_contain_text(f"Slot {n}")
        serial = card.locator(".hardlab-slot-serial input")
        serial.fill(f"SN-000{n}")
        serial.press("Tab")
    shot(page, artifacts, "slots-1-ready")
    page.locator("button.hardlab-start-all").click()

    for n, verdict in ((2, "Fail"), (1, "Pass")):  # each card holds its own slot's dialog
        card = cards[n]
        expect(card.locator(".hardlab-dialog")).to_contain_text(f"Is the LED of socket {n} on?")
        expect(card.locator(".hardlab-dialog")).to_have_count(1)
        expect(card.locator("button.hardlab-slot-start")).to_be_disabled()
        expect(card.locator("button.hardlab-slot-stop")).to_be_enabled()
        if n == 2:
            shot(page, artifacts, "slots-2-dialogs")
        card.get_by_role("button", name=verdict, exact=True).click()

    expect(cards[1].locator(".hardlab-slot-result")).to_contain_text("PASSED")
    expect(cards[1].locator(".hardlab-slot-result")).to_contain_text("SN-0001")
    expect(cards[2].locator(".hardlab-slot-result")).to_contain_text("FAILED")
    expect(cards[2].locator(".hardlab-slot-result")).to_contain_text("SN-0002")
    for card in cards.values():
        expect(card.locator("button.hardlab-slot-start")).to_be_enabled()
    expect(page.locator("button.hardlab-stop-all")).to_be_disabled()
    shot(page, artifacts, "slots-3-results")
    runs = stored_runs(kiosk)
    found = sorted((run["slot"], run["dut_serial_number"], run["status"]) for run in runs)
    assert found == [(1, "SN-0001", "passed"), (2, "SN-0002", "failed")]
    assert attempted == []
