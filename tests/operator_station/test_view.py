"""The operator station's view, headless: real runs of small plans, every ``[frontend]`` option.

The station is driven as the operator drives it: its widgets are clicked
and changed through their comms (`FrontEnd`), dialogs are answered in the
panel from the test's thread, and what the widgets hold afterwards is checked.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("ipywidgets")

from _station import ALL_CASES, ARGS, PLAN, MakePlan, cases_run, toml, wait_until

import hardlab
from hardlab.errors import PlanError, StartRefusedError
from hardlab.model import TestStatus
from hardlab.widgets import DialogView, Station
from hardlab.widgets._i18n import Labels
from hardlab.widgets._sound import completion_sound


@pytest.fixture
def make_station(
    make_plan: MakePlan, tmp_path: Path, record: Any
) -> Iterator[Callable[..., Station]]:
    made: list[Station] = []

    def make(frontend: str = "", extra: str = "", name: str = "plan", **options: Any) -> Station:
        plan = make_plan({**PLAN, "hardpy.toml": toml(frontend, extra)}, name=name)
        options.setdefault("store", tmp_path / "runs.db")
        station = Station(plan, **options)
        made.append(station)
        return station

    yield make
    for station in made:
        station.close()


# ---------------------------------------------------------------------- start, stop, run after run


def test_start_runs_the_plan_and_the_next_run_reuses_the_widgets(
    make_station: Callable[..., Station], front: Any
) -> None:
    station = make_station()
    assert station.status == "ready" and "READY" in station.status_bar.value
    assert station.start_button.description == "Start" and "space" in station.start_button.tooltip
    assert station.panel.stop_button.layout.display == "none"  # the big button stops
    front.click(station.start_button)
    handle = station.handle
    assert handle is not None
    result = handle.wait(60)
    assert result.status == TestStatus.PASSED and station.status == "passed"
    assert station.runs == 1 and station.start_button.description == "Start"
    bar = station.status_bar.value
    assert "bench A" in bar and "PASSED" in bar and "line 3 · fixture: F-7" in bar
    assert bar.count("UTC") >= 2  # start and finish, with the zone
    assert ">PASSED<" in station.panel.banner.value
    first_modules = station.panel.modules.children

    front.click(station.start_button)
    assert station.handle is not None
    station.handle.wait(60)
    assert station.runs == 2 and station.status == "passed"
    assert station.panel.modules.children[0] is not first_modules[0]  # drawn anew


def test_the_big_button_stops_a_run_waiting_for_the_operator(
    make_station: Callable[..., Station], front: Any
) -> None:
    station = make_station(extra='[[hardlab.start_args]]\nname = "ask"\ndefault = "yes"\n')
    handle = station.start()
    view = station.panel.operator.wait_shown(30)
    assert isinstance(view, DialogView)
    assert (
        station.start_button.description == "Stop" and station.start_button.button_style == "danger"
    )
    assert station.inputs["ask"].disabled
    front.click(station.start_button)
    result = handle.wait(60)
    assert result.status == TestStatus.STOPPED and station.status == "stopped"
    assert not station.inputs["ask"].disabled and station.start_button.description == "Start"


def test_a_dialog_is_answered_in_the_station(
    make_station: Callable[..., Station], front: Any
) -> None:
    station = make_station(extra='[[hardlab.start_args]]\nname = "ask"\ndefault = "yes"\n')
    handle = station.start()
    view = station.panel.operator.wait_shown(30)
    assert isinstance(view, DialogView) and station.panel.dialog_area.children == (view.widget,)
    front.click(view.confirm_button)
    assert handle.wait(60).status == TestStatus.PASSED


def test_a_run_that_cannot_start_is_an_error_with_its_alert(
    make_station: Callable[..., Station],
) -> None:
    station = make_station(extra='[[test_configs]]\nname = "broken"\nfile = "missing.ini"\n')
    station.test_config.value = "broken"
    handle = station.start()
    handle.thread.join(60)
    assert station.status == "error" and station.error is not None
    assert "The run could not start" in station.status_bar.value


def test_the_plan_must_be_a_folder(tmp_path: Path, record: Any) -> None:
    with pytest.raises(PlanError, match="needs a plan folder"):
        Station(tmp_path / "nowhere")


# ---------------------------------------------------------------------- [frontend] language


def test_language_from_the_config_reaches_panel_dialogs_and_status(
    make_station: Callable[..., Station], front: Any
) -> None:
    station = make_station(
        'language = "ru"', extra='[[hardlab.start_args]]\nname = "ask"\ndefault = "yes"\n'
    )
    assert station.start_button.description == "Старт"
    assert (
        "ГОТОВ" in station.status_bar.value and "Перед запуском" in station.start_args_title.value
    )
    handle = station.start()
    view = station.panel.operator.wait_shown(30)
    assert isinstance(view, DialogView) and view.confirm_button.description == "Подтвердить"
    assert station.start_button.description == "Стоп"
    front.click(view.confirm_button)
    handle.wait(60)
    assert "ПРОЙДЕН" in station.status_bar.value and "Стенд" in station.status_bar.value


def test_the_operator_switches_the_language(
    make_station: Callable[..., Station], front: Any
) -> None:
    station = make_station("modal_result = { enable = true, auto_dismiss_pass = false }")
    station.start().wait(60)
    assert station.modal_shown and ">PASSED<" in station.modal_html.value
    front.update(station.language, index=5)  # 日本語
    assert station.labels.language == "ja"
    assert station.start_button.description == "開始" and station.modal_button.description == "OK"
    assert ">合格<" in station.modal_html.value and "合格" in station.status_bar.value
    assert ">合格<" in station.panel.banner.value
    assert station.panel.operator.labels.language == "ja"
    station.set_language("cs")
    assert station.language.value == "cs" and station.start_button.description == "Spustit"


def test_an_unknown_language_falls_back_to_english(
    make_station: Callable[..., Station],
) -> None:
    with pytest.warns(match="'tlh' is not one the operator panel speaks"):
        station = make_station('language = "tlh"')
    assert station.labels == Labels("en") and station.start_button.description == "Start"


# ---------------------------------------------------------------------- [frontend] full_size_button


@pytest.mark.parametrize(
    ("full", "width", "font"), [(True, "100%", "64px"), (False, "280px", "28px")]
)
def test_full_size_button(
    make_station: Callable[..., Station], full: bool, width: str, font: str
) -> None:
    station = make_station(f"full_size_button = {str(full).lower()}")
    assert station.start_button.layout.width == width
    assert station.start_button.style.font_size == font
    assert ("hardlab-full-size" in station.widget._dom_classes) is full
    assert "hardlab-start" in station.start_button._dom_classes


# ---------------------------------------------------------------------- [frontend] sound_on


@pytest.mark.parametrize("sound_on", [True, False])
def test_sound_on_plays_the_result(make_station: Callable[..., Station], sound_on: bool) -> None:
    station = make_station(f"sound_on = {str(sound_on).lower()}")
    station.start().wait(60)
    if not sound_on:
        assert station.sound.children == ()
        return
    (audio,) = station.sound.children
    assert (audio.format, audio.autoplay, audio.loop, audio.controls) == ("wav", True, False, False)
    assert audio.value == completion_sound("passed")
    station.start().wait(60)
    (again,) = station.sound.children
    assert again is not audio  # a new widget: its view plays on arrival


def test_a_failed_run_sounds_failed(make_station: Callable[..., Station]) -> None:
    verdict = '[[hardlab.start_args]]\nname = "verdict"\ndefault = "fail"\n'
    station = make_station("sound_on = true", extra=verdict)
    station.start().wait(60)
    (audio,) = station.sound.children
    assert audio.value == completion_sound("failed")


# ---------------------------------------------------------------------- [frontend] measurement_display


@pytest.mark.parametrize("shown", [True, False])
def test_measurement_display(make_station: Callable[..., Station], shown: bool) -> None:
    station = make_station(f"measurement_display = {str(shown).lower()}")
    station.start().wait(60)
    for view in station.panel._modules.values():
        view.accordion.selected_index = 0  # a folded section is drawn when opened
    rows = "".join(block.value for view in station.panel._modules.values() for block in view.blocks)
    assert "bench A" not in rows and "args [" in rows  # messages always show
    assert ("vcc 3.3 V" in rows) is shown


# ---------------------------------------------------------------------- [frontend] manual_collect


def test_manual_collect_lets_the_operator_choose_cases(
    make_station: Callable[..., Station], front: Any
) -> None:
    station = make_station("manual_collect = true")
    assert station.collected.wait(60)
    assert list(station.case_boxes) == ALL_CASES
    assert list(station.module_boxes) == ["test_1_power", "test_2_check"]
    assert station.module_boxes["test_1_power"].description == "Power"
    assert "3 of 3 tests chosen" in station.selection_title.value
    front.update(station.module_boxes["test_1_power"], value=False)  # untick a module
    assert station.selected == ["test_2_check::test_led"]
    assert "1 of 3 tests chosen" in station.selection_title.value
    station.start().wait(60)
    assert cases_run(station) == ["test_2_check::test_led"]
    assert list(station.result.report.modules) == ["test_2_check"]

    front.update(station.case_boxes["test_1_power::test_quick"], value=True)  # one case back
    assert station.module_boxes["test_1_power"].value is True
    station.start().wait(60)
    assert cases_run(station) == ["test_1_power::test_quick", "test_2_check::test_led"]

    front.click(station.select_none)
    with pytest.raises(StartRefusedError, match="Choose at least one test"):
        station.start()
    assert "Choose at least one test" in station.message.value
    station.select(["test_1_power"])
    assert station.selected == ["test_1_power::test_rail", "test_1_power::test_quick"]
    with pytest.raises(KeyError, match="'nope' is no collected module or case"):
        station.select(["nope"])
    front.click(station.select_all)
    station.start().wait(60)
    assert cases_run(station) == ALL_CASES


def test_without_manual_collect_there_is_no_choice(make_station: Callable[..., Station]) -> None:
    station = make_station()
    assert station.selection.layout.display == "none" and station.case_boxes == {}
    assert station.collected.is_set()


def test_before_its_first_run_the_station_lists_the_plan_not_an_empty_panel(
    make_station: Callable[..., Station],
) -> None:
    station = make_station()
    assert station.panel.widget.layout.display == "none"  # no "hardlab", no second READY
    wait_until(lambda: "test_led" in station.plan_view.value)
    listed = station.plan_view.value
    assert "Tests to run" in listed and "Power" in listed and "test_quick" in listed
    assert station.status_bar.value.count("READY") == 1
    station.start().wait(60)
    assert station.panel.widget.layout.display == "flex"
    assert station.plan_view.layout.display == "none"
    assert ">Board</b>" in station.panel.header.value  # the plan's name, not ">hardlab<"


def test_with_manual_collect_the_choices_are_the_list(make_station: Callable[..., Station]) -> None:
    station = make_station("manual_collect = true")
    assert station.collected.wait(60)
    assert len(station.case_boxes) == 3 and station.plan_view.value == ""


def test_collect_again_sees_a_new_case(make_station: Callable[..., Station], front: Any) -> None:
    station = make_station("manual_collect = true")
    assert station.collected.wait(60)
    front.update(station.case_boxes["test_2_check::test_led"], value=False)
    (station.plan / "test_3_new.py").write_text("def test_new():\n    pass\n")
    front.click(station.recollect)
    wait_until(lambda: station.collected.is_set() and len(station.case_boxes) == 4)
    assert station.case_boxes["test_3_new::test_new"].value is True
    assert station.case_boxes["test_2_check::test_led"].value is False  # the choice is kept


# ---------------------------------------------------------------------- [frontend.modal_result]


def test_modal_result_off_shows_none(make_station: Callable[..., Station]) -> None:
    station = make_station()
    station.start().wait(60)
    assert not station.modal_shown


def test_a_passed_result_dismisses_itself(make_station: Callable[..., Station]) -> None:
    station = make_station(
        "[frontend.modal_result]\nenable = true\nauto_dismiss_pass = true\nauto_dismiss_timeout = 1"
    )
    station.start().wait(60)
    assert station.modal_shown and "Closes in 1 s" in station.modal_html.value
    assert "hardlab-modal-dismiss" in station.modal_button._dom_classes
    wait_until(lambda: not station.modal_shown)


def test_a_failed_result_stays_until_dismissed(
    make_station: Callable[..., Station], front: Any
) -> None:
    station = make_station(
        "[frontend.modal_result]\nenable = true\nauto_dismiss_timeout = 0",
        extra='[[hardlab.start_args]]\nname = "verdict"\ndefault = "fail"\n',
    )
    station.start().wait(60)
    assert station.modal_shown and ">FAILED<" in station.modal_html.value
    assert (
        "Closes in" not in station.modal_html.value
        and "asked to fail" not in station.modal_html.value
    )
    time.sleep(0.3)
    assert station.modal_shown
    front.click(station.modal_button)
    assert not station.modal_shown


def test_no_auto_dismiss_keeps_a_pass(make_station: Callable[..., Station]) -> None:
    station = make_station(
        "[frontend.modal_result]\nenable = true\nauto_dismiss_pass = false\nauto_dismiss_timeout = 0"
    )
    station.start().wait(60)
    time.sleep(0.3)
    assert station.modal_shown and "Closes in" not in station.modal_html.value
    station.start().wait(60)  # starting dismisses the old result, the new one shows
    assert station.modal_shown and station.runs == 2


# ---------------------------------------------------------------------- [frontend] auto_scroll


@pytest.mark.parametrize("on", [True, False])
def test_auto_scroll_marks_the_station_for_its_script(
    make_station: Callable[..., Station], on: bool
) -> None:
    station = make_station(f"auto_scroll = {str(on).lower()}")
    assert ("hardlab-auto-scroll" in station.widget._dom_classes) is on
    (output,) = station.script.outputs
    script = output["data"]["application/javascript"]
    assert "scrollIntoView" in script and ".hardlab-auto-scroll" in script
    assert '"keydown"' in script and ".hardlab-start" in script  # the space bar


# ---------------------------------------------------------------------- [frontend] test_history


def test_history_lists_this_stands_runs(make_station: Callable[..., Station]) -> None:
    station = make_station("test_history = true", history_size=3)
    assert station.history_box.layout.display == "flex"
    assert "No runs of this stand yet." in station.history.value
    for _ in range(2):
        station.start().wait(60)
    rows = station.refresh_history()
    assert [row.status for row in rows] == ["passed", "passed"]
    assert [row.dut for row in rows] == ["SN-1", "SN-1"]
    assert station.history_filter() == {"name": ["Board"], "stand": "bench A"}
    assert station.history.value.count("<tr data-run=") == 2
    for _ in range(2):
        station.start().wait(60)
    assert station.history.value.count("<tr data-run=") == 3  # history_size


def test_the_report_of_a_run_in_the_history(
    make_station: Callable[..., Station], front: Any
) -> None:
    import base64

    station = make_station("test_history = true")
    assert station.show_report() == ""  # no run yet, nothing chosen
    first = station.start().wait(60)
    second = station.start().wait(60)
    station.refresh_history()
    assert [value for _, value in station.report_choice.options] == [
        str(second.run_id),
        str(first.run_id),
    ]
    station.report_choice.value = str(first.run_id)
    front.click(station.report_button)
    link = station.report_link.value
    assert f'download="report-{first.run_id}.html"' in link
    data = link.split("base64,", 1)[1].split('"', 1)[0]
    page = base64.b64decode(data).decode("utf-8")
    assert str(first.run_id) in page and "SN-1" in page and "<script" not in page
    station.set_language("de")
    assert station.report_button.description == "Prüfbericht"


def test_stations_on_one_store_each_list_their_own_stand(
    make_station: Callable[..., Station],
) -> None:
    stand = '[[hardlab.start_args]]\nname = "stand"\ndefault = "{}"\n'
    a = make_station("test_history = true", extra=stand.format("stand A"), name="a")
    b = make_station("test_history = true", extra=stand.format("stand B"), name="b")
    assert a.store_url == b.store_url
    a.start().wait(60)
    b.start().wait(60)
    b.start().wait(60)
    assert len(a.refresh_history()) == 1 and len(b.refresh_history()) == 2
    assert a.history_filter()["stand"] == "stand A"


def test_no_history_without_the_option_or_a_store(make_station: Callable[..., Station]) -> None:
    assert make_station().history_box.layout.display == "none"
    station = make_station("test_history = true", store=False)
    assert station.history_box.layout.display == "none" and station.refresh_history() == []


# ---------------------------------------------------------------------- [[test_configs]]

CONFIGS = """
current_test_config = "full"

[[test_configs]]
name = "full"
description = "every case"

[[test_configs]]
name = "fast"
description = "quick cases only"
file = "fast.ini"
"""


def test_the_chosen_test_config_uses_its_ini_file(
    make_station: Callable[..., Station], front: Any
) -> None:
    station = make_station(extra=CONFIGS)
    assert station.test_config_name == "full"
    assert [option[1] for option in station.test_config.options] == ["full", "fast"]
    station.start().wait(60)
    assert cases_run(station) == ALL_CASES
    assert station.result.report.name == "Board full"
    front.update(station.test_config, index=1)  # fast
    assert "fast" in station.status_bar.value
    station.start().wait(60)
    assert cases_run(station) == ["test_1_power::test_quick", "test_2_check::test_led"]
    assert station.result.report.name == "Board fast"


def test_a_config_must_be_chosen_first(make_station: Callable[..., Station]) -> None:
    station = make_station(extra=CONFIGS.replace('current_test_config = "full"', ""))
    assert station.test_config_name is None
    with pytest.raises(StartRefusedError, match="Choose a test configuration first"):
        station.start()


def test_manual_collect_follows_the_test_config(
    make_station: Callable[..., Station], front: Any
) -> None:
    station = make_station("manual_collect = true", extra=CONFIGS)
    assert station.collected.wait(60) and len(station.case_boxes) == 3
    front.update(station.test_config, index=1)  # fast
    wait_until(lambda: station.collected.is_set() and len(station.case_boxes) == 2)
    assert list(station.case_boxes) == ["test_1_power::test_quick", "test_2_check::test_led"]


# ---------------------------------------------------------------------- start arguments


def test_start_args_are_asked_and_arrive_in_hardpy_start_args(
    make_station: Callable[..., Station], front: Any
) -> None:
    station = make_station(extra=ARGS)
    assert list(station.inputs) == ["operator", "serial", "current", "mode"]
    assert station.inputs["operator"].description == "Operator"
    assert list(station.inputs["mode"].options) == ["quick", "full"]
    with pytest.raises(StartRefusedError) as refused:
        station.start()
    assert refused.value.problems == [
        "Operator: enter a value.", "Serial number: enter a value.",
    ]  # fmt: skip
    front.update(station.inputs["operator"], value="Ada")
    front.update(station.inputs["serial"], value="SN-12")
    front.update(station.inputs["current"], value="abc")
    with pytest.raises(StartRefusedError) as refused:
        station.start()
    assert refused.value.problems == [
        "Serial number: the value does not have the expected format.",
        "current: enter a number.",
    ]
    assert "expected format" in station.message.value
    front.update(station.inputs["serial"], value="SN-1234")
    front.update(station.inputs["current"], value="0.5")
    front.update(station.inputs["mode"], index=0)
    station.start().wait(60)
    assert station.message.value == ""
    case = station.result.report.modules["test_1_power"].cases["test_rail"]
    assert case.msg["args"] == (
        "args [('current', '0.5'), ('mode', 'quick'), ('operator', 'Ada'), ('serial', 'SN-1234')]"
    )
    assert station.result.report.dut.serial_number == "SN-1234"
    # keep = false: the serial number is asked afresh; the operator's name stays
    assert station.inputs["serial"].value == "" and station.inputs["operator"].value == "Ada"


def test_an_input_set_while_another_thread_redraws_reaches_the_controller(
    make_station: Callable[..., Station],
) -> None:
    # a run's thread redraws the station from the controller (its observers
    # silent) while a cell or the browser sets an input: the input must count
    station = make_station(extra=ARGS)
    redrawing, typed = threading.Event(), threading.Event()

    def redraw() -> None:
        with station._quiet():
            redrawing.set()
            typed.wait(10)

    thread = threading.Thread(target=redraw)
    thread.start()
    assert redrawing.wait(10)
    station.inputs["serial"].value = "SN-4321"
    typed.set()
    thread.join(10)
    assert station.controller.arg_value("serial") == "SN-4321"


def test_start_arg_labels_follow_the_language(make_station: Callable[..., Station]) -> None:
    station = make_station('language = "de"', extra=ARGS)
    assert station.inputs["operator"].description == "Bediener"
    with pytest.raises(StartRefusedError, match="Bediener: bitte einen Wert eingeben"):
        station.start()
    station.set_language("fr")
    assert station.inputs["operator"].description == "Operator"


# ---------------------------------------------------------------------- scripted answers (headless)


def test_scripted_answers_run_the_station_headless(
    make_station: Callable[..., Station], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    answers = tmp_path / "answers.toml"
    answers.write_text("[by_title]\nLED = true\n")
    monkeypatch.setenv("HARDLAB_ANSWERS", str(answers))
    station = make_station(extra='[[hardlab.start_args]]\nname = "ask"\ndefault = "yes"\n')
    assert station.start().wait(60).status == TestStatus.PASSED
    explicit = make_station(
        extra='[[hardlab.start_args]]\nname = "ask"\ndefault = "yes"\n',
        name="explicit",
        answers={"LED": True},
    )
    assert explicit.start().wait(60).status == TestStatus.PASSED


def test_hardlab_station_is_a_lazy_export(make_plan: MakePlan, record: Any) -> None:
    plan = make_plan({**PLAN, "hardpy.toml": toml()})
    station = hardlab.station(plan, store=False)
    try:
        assert isinstance(station, Station) and repr(station) == "<Station 'plan' ready runs=0>"
    finally:
        station.close()


# ---------------------------------------------------------------------- one station for every page


def test_pages_sharing_a_kernel_share_its_station(
    make_plan: MakePlan, tmp_path: Path, record: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from hardlab.operator_station._view import SHARED_ENV

    plan = make_plan({**PLAN, "hardpy.toml": toml("", "")})
    store = tmp_path / "runs.db"
    alone = hardlab.station(plan, store=store)
    try:
        assert hardlab.station(plan, store=store) is not alone  # a notebook: a station a call
    finally:
        alone.close()
    monkeypatch.setenv(SHARED_ENV, "1")  # as `hardlab station` sets it in its kernel
    first = hardlab.station(plan, store=store)
    other = hardlab.station(plan, store=store, language="de")
    try:
        again = hardlab.station(plan, store=store)  # a reload, a second tab
        assert again is first and other is not first
        handle = again.start()
        assert hardlab.station(plan, store=store).handle is handle  # a page opened mid-run
        handle.wait(60)
    finally:
        first.close()
        other.close()
    fresh = hardlab.station(plan, store=store)
    try:
        assert fresh is not first  # a closed station is not handed out
    finally:
        fresh.close()
