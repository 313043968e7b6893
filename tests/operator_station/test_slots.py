"""`SlotStation`: a station of several slots, each with its own serial, Start, Stop and result."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("ipywidgets")

import hardlab
from hardlab.errors import ConfigError, PlanError
from hardlab.model.enums import TestStatus
from hardlab.operator_station import SlotStation
from hardlab.widgets import DialogView

pytestmark = pytest.mark.skipif(os.name != "posix", reason="slots run on POSIX")

PLAN = {
    "hardpy.toml": 'tests_name = "Fixture"\n[frontend]\nslots = 2\n',
    "test_board.py": """
        import hardlab

        def test_serial(hardpy_start_args, hardlab_slot):
            serial = hardpy_start_args.get("serial_number", "")
            hardlab.set_dut_serial_number(serial)
            ok = hardlab.run_dialog_box(
                hardlab.DialogBox(f"Board {serial} in socket {hardlab_slot}?", title_bar="Check")
            )
            assert serial.endswith(str(hardlab_slot))

        def test_wait(hardpy_start_args):
            import time
            for _ in range(int(hardpy_start_args.get("wait", "0"))):
                time.sleep(0.05)
        """,
}


def _wait_for(check: Callable[[], bool], what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, what
        time.sleep(0.05)


def test_each_slot_starts_with_its_serial_and_answers_in_its_panel(
    make_plan: Callable[..., Path], front: Any
) -> None:
    plan = make_plan(PLAN)
    station = hardlab.station(plan, store=False)  # [frontend] slots = 2
    assert isinstance(station, SlotStation) and sorted(station.cards) == [1, 2]
    try:
        first, second = station.cards[1], station.cards[2]
        assert not station.start_all_button.disabled and station.stop_all_button.disabled
        front.update(first.serial, value="SN-11")
        front.click(first.start)
        assert first.start.disabled and not first.stop.disabled and not second.start.disabled
        assert not station.stop_all_button.disabled
        view = first.panel.operator.wait_shown(60)
        assert isinstance(view, DialogView)
        assert "Board SN-11 in socket 1?" in view.request.dialog.dialog_text
        front.update(second.serial, value="SN-21")  # slot 2 is loaded while slot 1 waits
        front.click(second.start)
        assert station.start_all_button.disabled  # every slot runs
        other = second.panel.operator.wait_shown(60)
        assert isinstance(other, DialogView)
        assert "Board SN-21 in socket 2?" in other.request.dialog.dialog_text
        assert first.panel.dialog_area.children == (view.widget,)
        assert second.panel.dialog_area.children == (other.widget,)
        front.click(other.confirm_button)
        front.click(view.confirm_button)
        results = station.wait(timeout=120)
        assert {n: (r.slot, r.status) for n, r in results.items()} == {
            1: (1, TestStatus.PASSED),
            2: (2, TestStatus.FAILED),  # SN-21 does not end with the socket's number
        }
        assert results[1].report.dut.serial_number == "SN-11"
        assert "PASSED" in first.outcome.value and "SN-11" in first.outcome.value
        assert "FAILED" in second.outcome.value and "SN-21" in second.outcome.value
        _wait_for(lambda: not first.start.disabled and not second.start.disabled, "controls")
        assert first.stop.disabled and station.stop_all_button.disabled
        first.panel.flush()
        assert first.panel.final is not None and first.panel.final.status == TestStatus.PASSED
    finally:
        station.close()


def test_start_all_and_stop_all(make_plan: Callable[..., Path]) -> None:
    plan = make_plan(PLAN)
    station = SlotStation(plan, slots=2, store=False, answers={"in_order": ["confirm"]})
    try:
        started: list[int] = []
        for number in (1, 2):
            station.cards[number].serial.value = f"SN-{number}"
        original = station.start

        def start(slot: int, serial_number: str | None = None) -> Any:
            started.append(slot)
            return original(slot, serial_number)

        station.start = start  # type: ignore[method-assign]
        station.start_all_button.click()
        assert sorted(started) == [1, 2]
        for card in station.cards.values():
            assert card.start.disabled and not card.stop.disabled
        station.stop_all_button.click()
        results = station.wait(timeout=120)
        assert sorted(results) == [1, 2]
        for result in results.values():
            assert result.status in (TestStatus.STOPPED, TestStatus.PASSED)
        assert all(card.outcome.value for card in station.cards.values())
    finally:
        station.close()


def test_stop_one_slot_and_start_it_again(make_plan: Callable[..., Path]) -> None:
    plan = make_plan(
        {
            "test_long.py": """
            import time

            def test_long(hardpy_start_args):
                for _ in range(400 if hardpy_start_args.get("serial_number") == "SLOW" else 1):
                    time.sleep(0.05)
            """
        }
    )
    station = SlotStation(plan, slots=2, store=False)
    try:
        card = station.cards[2]
        card.serial.value = "SLOW"
        runs = station.start(2)
        _wait_for(lambda: card.panel.run is not None and card.panel.run.current is not None, "run")
        card.stop.click()
        assert station.wait(timeout=120)[2].status == TestStatus.STOPPED
        assert runs.done and "STOPPED" in card.outcome.value
        again = station.start(2, serial_number="FAST")
        assert again is not runs
        result = station.wait(timeout=120)[2]
        assert (result.status, result.slot) == (TestStatus.PASSED, 2)
        assert 1 not in station.wait(timeout=1)  # slot 1 never ran
        card.panel.flush()
        assert card.panel.final is not None and card.panel.final.status == TestStatus.PASSED
    finally:
        station.close()


def test_slot_station_refuses_what_it_cannot_show(tmp_path: Path) -> None:
    with pytest.raises(PlanError, match="plan folder"):
        SlotStation(tmp_path / "nothing", slots=2)
    (tmp_path / "hardpy.toml").write_text("")
    with pytest.raises(ConfigError, match="1 or more"):
        SlotStation(tmp_path)  # no slots given, none in hardpy.toml
    station = SlotStation(tmp_path, slots=1, store=False)
    try:
        with pytest.raises(ConfigError, match=r"choose among the stand's slots 1\.\.1"):
            station.start(2)
    finally:
        station.close()
    assert type(hardlab.station(tmp_path, store=False)).__name__ == "Station"


def test_the_slot_station_speaks_the_plans_language(make_plan: Callable[..., Path]) -> None:
    plan = make_plan({**PLAN, "hardpy.toml": PLAN["hardpy.toml"] + 'language = "de"\n'})
    station = SlotStation(plan, store=False, answers={"in_order": ["confirm"]})
    try:
        assert station.labels.language == "de"
        texts = [station.start_all_button.description, station.stop_all_button.description]
        assert texts == ["Alle starten", "Alle stoppen"]
        assert "Fixture · 2 Steckplätze" in station.widget.children[0].value
        card = station.cards[1]
        assert "Steckplatz 1" in card.title.value and card.serial.placeholder == "Seriennummer"
        station.start(1, serial_number="SN-1")
        result = station.wait(timeout=120)[1]
        assert result.status == TestStatus.PASSED
        assert "BESTANDEN" in card.outcome.value and "SN-1" in card.outcome.value
        assert f"s · Lauf {result.run_id}" in card.outcome.value
    finally:
        station.close()


def test_the_history_lists_each_slots_runs_newest_first(
    make_plan: Callable[..., Path], tmp_path: Path
) -> None:
    toml = PLAN["hardpy.toml"] + "test_history = true\n"
    plan = make_plan({**PLAN, "hardpy.toml": toml})
    db = tmp_path / "runs.db"
    station = SlotStation(plan, store=db, answers={"in_order": ["confirm"]}, history_size=2)
    try:
        assert "No runs of this stand yet." in station.history.value
        station.start(1, serial_number="SN-1")
        station.wait(timeout=120)
        station.start(2, serial_number="SN-X")  # fails: the serial does not end in 2
        station.wait(timeout=120)
        station.start(1, serial_number="SN-11")
        results = station.wait(timeout=120)
        shown = station.history.value
        assert "<h3" in shown and "Test history" in shown and "<th>Slot</th>" in shown
        rows = shown.split("<tr data-run=")[1:]
        assert len(rows) == 2  # history_size: the newest two
        assert str(results[1].run_id) in rows[0] and "<td>1</td><td>SN-11</td>" in rows[0]
        assert str(results[2].run_id) in rows[1] and "<td>2</td><td>SN-X</td>" in rows[1]
        assert "PASSED" in rows[0] and "FAILED" in rows[1]
    finally:
        station.close()
    db.write_text("not a database")
    broken = SlotStation(plan, store=db)
    try:
        assert "The history cannot be read" in broken.history.value
    finally:
        broken.close()
    nowhere = SlotStation(plan, store=False)
    try:
        assert nowhere.history.value == "" and nowhere.refresh_history() == []
    finally:
        nowhere.close()
