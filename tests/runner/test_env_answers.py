"""``$HARDLAB_ANSWERS`` answers runs nobody else answers; a kernel is never blocked on widgets."""

from __future__ import annotations

import sys
import threading
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import hardlab
from hardlab.errors import ConfigError, KernelBlockedError
from hardlab.operators import (
    ANSWERS_ENV,
    Answer,
    DialogRequest,
    MessageRequest,
    ScriptedOperator,
    answers_from_env,
)

MakePlan = Callable[..., Path]

ASKS = {
    "test_ask.py": """
        import hardlab

        def test_serial():
            serial = hardlab.run_dialog_box(
                hardlab.DialogBox("Scan the label", title_bar="Serial", widget=hardlab.TextInputWidget())
            )
            hardlab.set_dut_serial_number(serial)
        """,
}


def serial(result: hardlab.RunResult) -> str | None:
    return result.report.dut.serial_number


def test_a_run_without_an_operator_takes_the_files_answers(
    make_plan: MakePlan, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    plan = make_plan(ASKS)
    (tmp_path / "answers.toml").write_text('[by_title]\nSerial = "SN-ENV"\n')
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(ANSWERS_ENV, "answers.toml")  # relative to the caller, not the plan
    assert serial(hardlab.run(plan, quiet=True, store=False)) == "SN-ENV"
    # given answers and operators win over the variable
    assert serial(hardlab.run(plan, quiet=True, store=False, answers={"Serial": "SN-GIVEN"})) == (
        "SN-GIVEN"
    )
    mine = ScriptedOperator({"Serial": "SN-MINE"})
    assert serial(hardlab.run(plan, quiet=True, store=False, operator=mine)) == "SN-MINE"
    nobody = hardlab.run(plan, quiet=True, store=False, operator=None)
    assert nobody.status == hardlab.TestStatus.FAILED


def test_background_runs_take_them_too(
    make_plan: MakePlan, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    plan = make_plan(ASKS)
    answers = tmp_path / "answers.json"
    answers.write_text('{"by_case": {"test_serial": "SN-JSON"}}')
    monkeypatch.setenv(ANSWERS_ENV, str(answers))
    assert serial(hardlab.start(plan, quiet=True, store=False).wait()) == "SN-JSON"


def test_pytest_hardlab_takes_them(
    pytester: pytest.Pytester, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytester.makepyfile(**{name.removesuffix(".py"): text for name, text in ASKS.items()})
    answers = tmp_path / "answers.toml"
    answers.write_text('in_order = ["SN-PYTEST"]\n')
    monkeypatch.setenv(ANSWERS_ENV, str(answers))
    result = pytester.runpytest_subprocess(
        "--hardlab", "--hardlab-no-store", "-p", "no:cacheprovider"
    )
    result.assert_outcomes(passed=1)
    # an explicit choice on the command line wins over the variable
    result = pytester.runpytest_subprocess(
        "--hardlab", "--hardlab-no-store", "--hardlab-operator", "none", "-p", "no:cacheprovider"
    )
    result.assert_outcomes(failed=1)


def test_a_bad_file_names_the_variable(
    make_plan: MakePlan, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(ANSWERS_ENV, str(tmp_path / "missing.toml"))
    with pytest.raises(ConfigError, match=r"\$HARDLAB_ANSWERS: answers file .*missing.toml"):
        hardlab.run(make_plan(ASKS), quiet=True, store=False)
    monkeypatch.setenv(ANSWERS_ENV, "  ")
    assert answers_from_env() is None


class KernelOperator:
    """An operator whose answers would come as kernel messages (as the widget operator's)."""

    needs_kernel = True

    def __init__(self) -> None:
        self.asked: list[str] = []

    def ask(self, request: DialogRequest) -> Answer:
        self.asked.append(request.title)
        return Answer("confirm", "SN-THREAD")

    def acknowledge(self, request: MessageRequest) -> None:
        pass


@pytest.fixture
def in_a_kernel(monkeypatch: pytest.MonkeyPatch) -> None:
    """This process looks like a running ipykernel (as sys.modules tells it)."""
    app = types.ModuleType("ipykernel.kernelapp")

    class IPKernelApp:
        @classmethod
        def initialized(cls) -> bool:
            return True

    app.IPKernelApp = IPKernelApp  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "ipykernel.kernelapp", app)


@pytest.mark.usefixtures("in_a_kernel")
def test_a_kernels_main_thread_is_not_blocked_on_a_widget_operator(make_plan: MakePlan) -> None:
    plan = make_plan(ASKS)
    operator = KernelOperator()
    with pytest.raises(KernelBlockedError, match=r"%hardpy run PLAN.*await hardlab.start"):
        hardlab.run(plan, quiet=True, store=False, operator=operator)
    assert operator.asked == []
    # scripted answers block nothing; a background run blocks a thread of its own
    assert serial(hardlab.run(plan, quiet=True, store=False, answers=["SN-1"])) == "SN-1"
    outcome: list[Any] = []
    thread = threading.Thread(
        target=lambda: outcome.append(hardlab.run(plan, quiet=True, store=False, operator=operator))
    )
    thread.start()
    thread.join()
    assert serial(outcome[0]) == "SN-THREAD"
    assert serial(hardlab.start(plan, quiet=True, store=False, operator=operator).wait()) == (
        "SN-THREAD"
    )


def test_outside_a_kernel_any_operator_may_block(make_plan: MakePlan) -> None:
    assert (
        "ipykernel.kernelapp" not in sys.modules
        or not sys.modules["ipykernel.kernelapp"].IPKernelApp.initialized()
    )
    result = hardlab.run(make_plan(ASKS), quiet=True, store=False, operator=KernelOperator())
    assert serial(result) == "SN-THREAD"
