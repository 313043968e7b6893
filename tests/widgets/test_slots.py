"""`SlotPanels`: one live panel per slot, each slot's dialogs in its own panel (no kernel)."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import ipywidgets as widgets
import pytest

from hardlab.model.enums import TestStatus
from hardlab.runner import SlotEvent, start_slots
from hardlab.widgets import DialogView, MessageView, SlotPanels

pytestmark = pytest.mark.skipif(os.name != "posix", reason="slots run on POSIX")

PLAN = {
    "test_board.py": """
        import hardlab

        def test_serial(hardlab_slot):
            serial = hardlab.run_dialog_box(
                hardlab.DialogBox(f"Serial of socket {hardlab_slot}?",
                                  title_bar="Serial", widget=hardlab.TextInputWidget())
            )
            hardlab.set_dut_serial_number(serial)
            assert serial == f"SN-{hardlab_slot}"

        def test_fixture():
            hardlab.set_operator_message("Close the lid", title="Fixture", block=True)

        def test_rail(hardlab_slot):
            hardlab.set_case_measurement(
                hardlab.NumericMeasurement(value=4.9 + hardlab_slot / 10, name="rail", unit="V")
            )
        """
}


def test_two_slots_each_answered_in_its_own_panel(
    make_plan: Callable[..., Path], front: Any
) -> None:
    panels = SlotPanels(2, interval=0.02)
    assert isinstance(panels.widget, widgets.Tab)
    assert panels.titles() == ("Slot 1", "Slot 2")
    runs = start_slots(
        make_plan(PLAN),
        slots=2,
        operator=panels.operator,
        on_event=panels.handle,
        store=False,
        quiet=True,
    )
    panels.attach(runs)
    for number in (1, 2):
        operator = panels.panels[number].operator
        view = operator.wait_shown(60)
        assert isinstance(view, DialogView), f"slot {number}: no dialog"
        # the dialog is this slot's own, shown in this slot's panel only
        assert f"socket {number}" in view.request.dialog.dialog_text
        assert view.request.title == "Serial"  # no "[slot N]": the panel is the slot's
        assert panels.panels[number].dialog_area.children == (view.widget,)
        other = panels.panels[3 - number]
        assert view.widget not in other.dialog_area.children
        front.update(view.input, value=f"SN-{number}")
        front.click(view.confirm_button)
        message = operator.wait_shown(60, after=view)
        assert isinstance(message, MessageView)
        front.click(message.ok_button)
    results = runs.wait(timeout=120)
    assert [(r.slot, r.status) for r in results] == [(1, "passed"), (2, "passed")]
    for number, result in zip((1, 2), results, strict=True):
        panel = panels.panels[number]
        panel.flush()
        assert panel.final is not None and panel.final.status == TestStatus.PASSED
        assert panel.run is not None and panel.run.run_id == result.run_id
        assert panel.banner.value  # the verdict banner is drawn
        assert panel.progress.value == 100
        rows = "".join(block.value for view in panel._modules.values() for block in view.blocks)
        assert "test_rail" in rows and f"{4.9 + number / 10:g}" in rows
    assert panels.titles() == ("Slot 1 · passed", "Slot 2 · passed")
    html = panels.snapshot_html()
    assert "Slot 1 · passed" in html and "Slot 2 · passed" in html
    panels.close()


def test_a_panels_stop_button_stops_its_slot_only(make_plan: Callable[..., Path]) -> None:
    plan = make_plan(
        {
            "test_long.py": """
            import time

            def test_long(hardlab_slot):
                for _ in range(30 if hardlab_slot == 1 else 600):
                    time.sleep(0.05)
            """
        }
    )
    panels = SlotPanels(2, layout="grid", columns=2, interval=0.02)
    assert isinstance(panels.widget, widgets.GridBox)
    started: set[int] = set()

    def seen(event: SlotEvent) -> None:
        panels.handle(event)
        if event.op == "case_start":
            started.add(event.slot)

    runs = start_slots(plan, slots=2, operator=None, on_event=seen, store=False, quiet=True)
    panels.attach(runs)
    import time

    deadline = time.monotonic() + 60
    while len(started) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    panels.panels[2].flush()
    assert not panels.panels[2].stop_button.disabled
    panels.panels[2].stop_button.click()
    results = runs.wait(timeout=120)
    assert [r.status for r in results] == [TestStatus.PASSED, TestStatus.STOPPED]
    assert panels.titles() == ("Slot 1 · passed", "Slot 2 · stopped")
    cell_title = panels.widget.children[1].children[0].value
    assert "Slot 2 · stopped" in cell_title
    panels.close()


def test_slot_panels_refuse_nonsense() -> None:
    with pytest.raises(ValueError, match="1 or more"):
        SlotPanels(0)
    with pytest.raises(ValueError, match="tabs, grid"):
        SlotPanels(2, layout="rows")
    panels = SlotPanels(1)
    assert panels.operator(5) is None
    panels.close()


def test_slot_titles_speak_the_panels_language(make_plan: Callable[..., Path]) -> None:
    from hardlab.widgets import Labels

    panels = SlotPanels(2, layout="grid", labels=Labels("de"), interval=0.02)
    try:
        assert panels.titles() == ("Steckplatz 1", "Steckplatz 2")
        plan = make_plan({"test_ok.py": "def test_ok():\n    pass\n"})
        runs = start_slots(plan, slots=2, numbers=[2], quiet=True, store=False,
                           on_event=panels.handle)  # fmt: skip
        runs.wait(120)
        assert panels.titles() == ("Steckplatz 1", "Steckplatz 2 · bestanden")
        assert panels.widget.children[1].children[0].value == "<b>Steckplatz 2 · bestanden</b>"
    finally:
        panels.close()
