"""What operators read: failure messages, case titles, collection errors (hardlab._format)."""

from __future__ import annotations

from typing import Any

import pytest

from hardlab._format import (
    case_title,
    collection_error_brief,
    failure_case_title,
    failure_text,
    plan_error_brief,
)
from hardlab.model import CaseRunStore, Group, ModuleRunStore, TestStatus
from hardlab.model.enums import ComparisonOperation
from hardlab.model.measurement import NumericMeasurementRecord
from hardlab.runtime import RunState

WHERE = (
    " +  where False = NumericMeasurement(type=<MeasurementType.NUMERIC: 'numeric'>, "
    "name='LED current', operation=<ComparisonOperation.GELE: 'gele'>, result=False, value=5,"
    " unit='mA', comparison_value=None, lower_limit=1, upper_limit=3).result"
)


def case(assertion_msg: str | None, **fields: Any) -> CaseRunStore:
    return CaseRunStore(
        status=TestStatus.FAILED,
        name="Status LED",
        group=Group.MAIN,
        start_time=None,
        stop_time=None,
        assertion_msg=assertion_msg,
        **fields,
    )


LED = NumericMeasurementRecord(
    value=5,
    name="LED current",
    unit="mA",
    operation=ComparisonOperation.GELE,
    lower_limit=1,
    upper_limit=3,
    result=False,
)


@pytest.mark.parametrize(
    ("crash", "shown"),
    [
        # the assertion's message (an ErrorCode's text reads the same)
        (
            f"AssertionError: LED current out of range\nassert False\n{WHERE}",
            "LED current out of range",
        ),
        ("AssertionError: first line\n  second line\nassert 1 == 2", "first line\nsecond line"),
        # no message: the comparison, without pytest's introspection
        ("assert 3 == 4", "Check failed: 3 == 4"),
        (f"AssertionError: assert False\n{WHERE}", "Check failed"),
        ("AssertionError", "Check failed"),
        # other exceptions keep their type
        (
            "RuntimeError: PSU not found on /dev/ttyUSB0",
            "RuntimeError: PSU not found on /dev/ttyUSB0",
        ),
    ],
)
def test_failure_text_is_the_message_meant_for_people(crash: str, shown: str) -> None:
    assert failure_text(case(crash)) == shown


def test_failure_without_a_message_names_the_measurement_that_missed() -> None:
    crash = f"AssertionError: assert False\n{WHERE}"
    assert failure_text(case(crash, measurements=[LED])) == "LED current 5 mA not within [1 .. 3]"
    # a message wins over the measurement
    with_message = f"AssertionError: LED off\nassert False\n{WHERE}"
    assert failure_text(case(with_message, measurements=[LED])) == "LED off"


def test_no_crash_text_no_failure_text() -> None:
    assert failure_text(case(None)) is None
    assert failure_text(case("  ")) is None


def test_first_failure_by_module_and_case_name() -> None:
    report = RunState(name="r").document
    report.modules["test_3_functional"] = ModuleRunStore(
        status=TestStatus.FAILED,
        name="Functional",
        group=Group.MAIN,
        start_time=None,
        stop_time=None,
        cases={"test_led": case("x")},
    )
    assert failure_case_title(report) is None
    report.caused_dut_failure_id = "test_3_functional::test_led"
    assert failure_case_title(report) == "Functional › Status LED"
    assert case_title("Functional", "Status LED") == "Functional › Status LED"
    report.caused_dut_failure_id = "gone::test_x"
    assert failure_case_title(report) == "gone::test_x"


SYNTAX = """\
/venv/lib/python3.11/site-packages/_pytest/python.py:528: in importtestmodule
    mod = import_path(
<frozen importlib._bootstrap>:690: in _load_unlocked
    ???
/venv/lib/python3.11/site-packages/_pytest/assertion/rewrite.py:339: in _rewrite_test
    tree = ast.parse(source, filename=strfn)
/usr/lib/python3.11/ast.py:50: in parse
    return compile(source, filename, mode, flags,
E     File "/plans/board/test_b.py", line 1
E       def test_x(:
E                  ^
E   SyntaxError: invalid syntax"""

IMPORT = """\
ImportError while importing test module '/plans/board/test_imp.py'.
Hint: make sure your test modules/packages have valid Python names.
Traceback:
/usr/lib/python3.11/importlib/__init__.py:126: in import_module
    return _bootstrap._gcd_import(name[level:], package, level)
test_imp.py:1: in <module>
    import nosuchmodule_x
E   ModuleNotFoundError: No module named 'nosuchmodule_x'"""

RAISED = """\
test_run.py:4: in <module>
    helper()
test_run.py:2: in helper
    raise ValueError("bad config value")
E   ValueError: bad config value"""


def test_collection_error_brief_keeps_the_place_and_the_error() -> None:
    assert collection_error_brief(SYNTAX) == (
        "/plans/board/test_b.py:1\n      def test_x(:\n                 ^\n  SyntaxError: invalid syntax"
    )
    assert collection_error_brief(IMPORT) == (
        "test_imp.py:1: ModuleNotFoundError: No module named 'nosuchmodule_x'"
    )
    assert collection_error_brief(RAISED) == "test_run.py:2: ValueError: bad config value"
    assert collection_error_brief("something else\n") == "something else"


def test_plan_error_brief_cuts_each_problem_of_a_run_that_could_not_run() -> None:
    # RunFinished.plan_error: each problem "nodeid: pytest's text", a blank line apart
    plan_error = f"test_b.py: {SYNTAX}\n\ntest_imp.py: {IMPORT}"
    assert plan_error_brief(plan_error) == (
        "/plans/board/test_b.py:1\n      def test_x(:\n                 ^\n"
        "  SyntaxError: invalid syntax\n"
        "test_imp.py:1: ModuleNotFoundError: No module named 'nosuchmodule_x'"
    )
    nothing = "No tests collected (the selection left none of the plan's 3 cases)"
    assert plan_error_brief(nothing) == nothing
