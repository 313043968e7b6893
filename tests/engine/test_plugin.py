"""The run engine's pytest plugin, through pytester: one test per HardPy rule (hardpy-contract §2).

The entry point that switches it on (``--hardlab``, ``--hardpy-pt``, the ini
switch) and the ``hardpy`` alias are tested in ``tests/runner/test_plugin.py``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from _plugin_session import Session


@pytest.fixture
def hl(pytester: pytest.Pytester) -> Session:
    return Session(pytester)


# ---------------------------------------------------------------- statuses and times


def test_statuses_times_and_module_aggregation(hl: Session) -> None:
    hl.files(
        test_1="""
        import pytest

        def test_pass():
            pass

        def test_fail():
            assert 1 == 0, "broken"

        def test_user_skip():
            pytest.skip("not today")

        @pytest.mark.skip(reason="marked")
        def test_mark_skip():
            pass
        """,
        test_2="""
        def test_pass():
            pass
        """,
        test_3="""
        import pytest

        def test_pass():
            pass

        @pytest.mark.skip(reason="marked")
        def test_skip():
            pass
        """,
    )
    hl.run().assert_outcomes(passed=3, failed=1, skipped=3)
    report = hl.report()
    assert report["status"] == "failed"
    assert isinstance(report["start_time"], int)
    assert report["stop_time"] >= report["start_time"]
    modules = report["modules"]
    assert [modules[m]["status"] for m in ("test_1", "test_2", "test_3")] == [
        "failed",
        "passed",
        "skipped",
    ]
    cases = modules["test_1"]["cases"]
    assert cases["test_pass"]["status"] == "passed"
    assert cases["test_pass"]["attempt"] == 1
    assert cases["test_fail"]["status"] == "failed"
    assert cases["test_fail"]["assertion_msg"].startswith("AssertionError: broken")
    user_skip = cases["test_user_skip"]
    assert user_skip["status"] == "skipped"
    assert user_skip["start_time"] is not None and user_skip["stop_time"] is not None
    assert "not today" in user_skip["assertion_msg"]
    mark_skip = cases["test_mark_skip"]
    assert mark_skip["status"] == "skipped"
    assert mark_skip["start_time"] is None and mark_skip["stop_time"] is None
    for module in modules.values():
        assert module["start_time"] is not None and module["stop_time"] is not None


def test_all_skipped_run_is_passed(hl: Session) -> None:
    hl.files(test_a="import pytest\n\n@pytest.mark.skip\ndef test_one():\n    pass\n")
    hl.run().assert_outcomes(skipped=1)
    assert hl.report()["status"] == "passed"


def test_setup_error_is_failed_and_teardown_failure_overrides_pass(hl: Session) -> None:
    hl.files(
        test_a="""
        import pytest

        @pytest.fixture
        def broken_setup():
            raise RuntimeError("no power")

        @pytest.fixture
        def broken_teardown():
            yield
            raise RuntimeError("cannot switch off")

        def test_setup_error(broken_setup):
            pass

        def test_teardown_error(broken_teardown):
            pass
        """
    )
    hl.run().assert_outcomes(passed=1, errors=2)
    assert hl.case("test_a", "test_setup_error")["status"] == "failed"
    assert "no power" in hl.case("test_a", "test_setup_error")["assertion_msg"]
    teardown = hl.case("test_a", "test_teardown_error")
    assert teardown["status"] == "failed"
    assert "cannot switch off" in teardown["assertion_msg"]
    # setup and teardown errors never count as the DUT's failure
    assert hl.report()["caused_dut_failure_id"] is None


def test_xfail_is_skipped_and_not_a_dut_failure(hl: Session) -> None:
    hl.files(
        test_a="""
        import pytest

        @pytest.mark.xfail(reason="known")
        def test_known():
            assert False
        """
    )
    hl.run().assert_outcomes(xfailed=1)
    assert hl.case("test_a", "test_known")["status"] == "skipped"
    assert hl.report()["caused_dut_failure_id"] is None
    assert hl.report()["status"] == "passed"


# ---------------------------------------------------------------- names, groups, order


def test_names_groups_and_defaults(hl: Session) -> None:
    hl.files(
        test_a="""
        import pytest
        import hardpy
        pytestmark = [pytest.mark.module_name("Power"), pytest.mark.module_group(hardpy.Group.SETUP)]

        @pytest.mark.case_name("3V3 rail")
        @pytest.mark.case_group("teardown")
        def test_named():
            pass

        def test_plain():
            pass
        """
    )
    hl.run().assert_outcomes(passed=2)
    module = hl.report()["modules"]["test_a"]
    assert (module["name"], module["group"]) == ("Power", "setup")
    assert (module["cases"]["test_named"]["name"], module["cases"]["test_named"]["group"]) == (
        "3V3 rail",
        "teardown",
    )
    assert (module["cases"]["test_plain"]["name"], module["cases"]["test_plain"]["group"]) == (
        "test_plain",
        "main",
    )


@pytest.mark.parametrize(
    "marker",
    [
        'pytest.mark.case_group("middle")',
        "pytest.mark.attempt(0)",
        'pytest.mark.attempt("two")',
        'pytest.mark.dependency(":::")',
    ],
)
def test_malformed_marker_aborts_collection(hl: Session, marker: str) -> None:
    hl.files(
        test_a=f"""
        import pytest

        def test_first():
            pass

        @{marker}
        def test_bad():
            pass
        """
    )
    result = hl.run()
    assert result.ret == pytest.ExitCode.NO_TESTS_COLLECTED
    result.stdout.fnmatch_lines(["*Error creating NodeInfo for item: test_a.py::test_bad*"])


def test_modules_run_in_natural_order_and_cases_in_definition_order(hl: Session) -> None:
    order = """
    import pathlib
    def test_{name}():
        with open(pathlib.Path(__file__).parent / "order.txt", "a") as f:
            f.write("{module}::{name}\\n")
    """
    hl.files(
        **{
            "test_10.py": order.format(module="test_10", name="z"),
            "test_2.py": order.format(module="test_2", name="y")
            + order.format(module="test_2", name="a"),
            "test_1.py": order.format(module="test_1", name="b"),
        }
    )
    hl.run().assert_outcomes(passed=4)
    ran = (hl.pytester.path / "order.txt").read_text().split()
    assert ran == ["test_1::b", "test_2::y", "test_2::a", "test_10::z"]
    assert list(hl.report()["modules"]) == ["test_1", "test_2", "test_10"]
    assert list(hl.report()["modules"]["test_2"]["cases"]) == ["test_y", "test_a"]


def test_tests_in_classes_get_their_case(hl: Session) -> None:
    hl.files(
        test_a="""
        import pytest
        import hardpy
        pytestmark = pytest.mark.module_name("Classy")

        class TestGroup:
            @pytest.mark.case_name("inside")
            def test_method(self):
                hardpy.set_message("from a method", "k")
                hardpy.set_case_measurement(hardpy.NumericMeasurement(value=1, name="n"))
        """
    )
    hl.run().assert_outcomes(passed=1)
    module = hl.report()["modules"]["test_a"]
    assert module["name"] == "Classy"
    case = module["cases"]["test_method"]
    assert case["name"] == "inside"
    assert case["msg"] == {"k": "from a method"}
    assert case["measurements"][0]["value"] == 1


def test_deselected_cases_are_not_in_the_report(hl: Session) -> None:
    hl.files(test_a="def test_keep():\n    pass\n\ndef test_drop():\n    pass\n")
    hl.run("-k", "keep").assert_outcomes(passed=1)
    assert list(hl.report()["modules"]["test_a"]["cases"]) == ["test_keep"]


# ---------------------------------------------------------------- dependencies


def test_dependency_on_failed_case_skips_without_times(hl: Session) -> None:
    hl.files(
        test_1="""
        def test_fails():
            assert False

        def test_passes():
            pass
        """,
        test_2="""
        import pytest

        @pytest.mark.dependency("test_1::test_fails")
        def test_after_failure():
            pass

        @pytest.mark.dependency("test_1::test_passes")
        def test_after_pass():
            pass
        """,
    )
    hl.run().assert_outcomes(passed=2, failed=1, skipped=1)
    skipped = hl.case("test_2", "test_after_failure")
    assert skipped["status"] == "skipped"
    assert skipped["start_time"] is None and skipped["stop_time"] is None
    assert hl.case("test_2", "test_after_pass")["status"] == "passed"
    assert hl.report()["caused_dut_failure_id"] == "test_1::test_fails"


def test_module_dependency_and_module_level_marker(hl: Session) -> None:
    hl.files(
        test_1="""
        import pytest

        def test_ok():
            pass

        @pytest.mark.skip
        def test_skipped():
            pass
        """,
        test_2="""
        import pytest
        pytestmark = pytest.mark.dependency("test_1")

        def test_one():
            pass

        def test_two():
            pass
        """,
    )
    hl.run().assert_outcomes(passed=1, skipped=3)
    # a module with a skipped case aggregates to skipped, which blocks its dependents
    assert hl.report()["modules"]["test_1"]["status"] == "skipped"
    assert hl.statuses()["test_2::test_one"] == "skipped"
    assert hl.statuses()["test_2::test_two"] == "skipped"
    assert hl.report()["modules"]["test_2"]["status"] == "skipped"


def test_unknown_and_later_dependencies_are_ignored(hl: Session) -> None:
    hl.files(
        test_1="""
        import pytest

        @pytest.mark.dependency("test_2::test_fails_later")
        def test_forward():
            pass

        @pytest.mark.dependency("no_such_module")
        def test_unknown_module():
            pass

        @pytest.mark.dependency("test_1::no_such_case")
        def test_unknown_case():
            pass

        @pytest.mark.dependency("")
        def test_empty():
            pass
        """,
        test_2="""
        def test_fails_later():
            assert False
        """,
    )
    hl.run().assert_outcomes(passed=4, failed=1)


def test_every_dependency_must_hold(hl: Session) -> None:
    hl.files(
        test_1="""
        import pytest

        def test_good():
            pass

        def test_bad():
            assert False

        @pytest.mark.dependency("test_1::test_good")
        @pytest.mark.dependency("test_1::test_bad")
        def test_needs_both():
            pass

        @pytest.mark.dependency("test_1::test_good")
        def test_needs_good():
            pass
        """
    )
    hl.run().assert_outcomes(passed=2, failed=1, skipped=1)
    assert hl.statuses()["test_1::test_needs_both"] == "skipped"


def test_dependency_on_own_unfinished_module_does_not_block(hl: Session) -> None:
    hl.files(
        test_1="""
        import pytest

        def test_fails():
            assert False

        @pytest.mark.dependency("test_1")
        def test_same_module():
            pass
        """
    )
    hl.run().assert_outcomes(passed=1, failed=1)


def test_dependency_target_with_parameters_is_searched(hl: Session) -> None:
    hl.files(
        test_1="""
        import pytest

        @pytest.mark.parametrize("x", [1, 2])
        def test_param(x):
            assert x == 1

        @pytest.mark.dependency("test_1::test_param[2]")
        def test_after():
            pass
        """
    )
    # "test_1::test_param[2]" is searched as test_1::test_param, a case id that
    # does not exist (ids carry the [param]): HardPy drops such targets.
    hl.run().assert_outcomes(passed=2, failed=1)


# ---------------------------------------------------------------- attempts


def test_attempt_reruns_only_the_body_until_it_passes(hl: Session) -> None:
    hl.files(
        test_a="""
        import pytest
        import hardpy

        SETUPS = []

        @pytest.fixture
        def counted():
            SETUPS.append(1)
            return len(SETUPS)

        @pytest.mark.attempt(3)
        def test_flaky(counted):
            attempt = hardpy.get_current_attempt()
            hardpy.set_message(f"attempt {attempt}")
            hardpy.set_case_artifact({f"a{attempt}": attempt})
            hardpy.set_case_measurement(hardpy.NumericMeasurement(value=attempt))
            assert counted == 1
            assert attempt == 2
        """
    )
    hl.run().assert_outcomes(passed=1)
    case = hl.case("test_a", "test_flaky")
    assert case["status"] == "passed"
    assert case["attempt"] == 2
    assert list(case["msg"].values()) == ["attempt 2"]
    assert case["artifact"] == {"a2": 2}
    assert [m["value"] for m in case["measurements"]] == [2]
    assert case["assertion_msg"] is None
    assert hl.report()["caused_dut_failure_id"] is None


def test_attempts_exhausted_keep_the_last_failure(hl: Session) -> None:
    hl.files(
        test_a="""
        import pytest
        import hardpy

        @pytest.mark.attempt(3)
        def test_never():
            attempt = hardpy.get_current_attempt()
            assert False, f"failed on attempt {attempt}"
        """
    )
    hl.run().assert_outcomes(failed=1)
    case = hl.case("test_a", "test_never")
    assert (case["status"], case["attempt"]) == ("failed", 3)
    assert "failed on attempt 3" in case["assertion_msg"]
    assert hl.report()["caused_dut_failure_id"] == "test_a::test_never"


def test_any_exception_in_a_retry_is_a_failed_attempt(hl: Session) -> None:
    hl.files(
        test_a="""
        import pytest
        import hardpy

        @pytest.mark.attempt(3)
        def test_raises_then_passes():
            attempt = hardpy.get_current_attempt()
            if attempt < 3:
                raise ConnectionError(f"bus busy on {attempt}")
        """
    )
    hl.run().assert_outcomes(passed=1)
    assert hl.case("test_a", "test_raises_then_passes")["attempt"] == 3


def test_error_codes_across_attempts_follow_hardpy(hl: Session) -> None:
    hl.files(
        test_a="""
        import pytest
        import hardpy

        @pytest.mark.attempt(2)
        def test_codes():
            attempt = hardpy.get_current_attempt()
            assert False, hardpy.ErrorCode(attempt, f"code {attempt}")

        def test_later():
            assert False, hardpy.ErrorCode(3)
        """
    )
    hl.run().assert_outcomes(failed=2)
    report = hl.report()
    assert report["error_code"] == 2
    assert report["caused_dut_failure_id"] == "test_a::test_codes"
    assert hl.case("test_a", "test_later")["assertion_msg"].startswith(
        "AssertionError: Error code = 3"
    )


def test_error_code_of_a_recovered_attempt_is_cleared(hl: Session) -> None:
    hl.files(
        test_a="""
        import pytest
        import hardpy

        @pytest.mark.attempt(2)
        def test_recovers():
            attempt = hardpy.get_current_attempt()
            assert attempt == 2, hardpy.ErrorCode(7)

        def test_fails():
            assert False, hardpy.ErrorCode(9, "late")
        """
    )
    hl.run().assert_outcomes(passed=1, failed=1)
    assert hl.report()["error_code"] == 9


def test_attempt_on_a_module_is_ignored(hl: Session) -> None:
    hl.files(
        test_a="""
        import pytest
        pytestmark = pytest.mark.attempt(3)

        def test_once():
            assert False
        """
    )
    hl.run().assert_outcomes(failed=1)
    assert hl.case("test_a", "test_once")["attempt"] == 1


# ---------------------------------------------------------------- critical


def test_critical_failure_skips_the_rest_of_the_run(hl: Session) -> None:
    hl.files(
        test_1="""
        import pytest

        def test_before():
            pass

        @pytest.mark.critical
        def test_critical():
            assert False

        def test_after():
            pass
        """,
        test_2="""
        def test_other_module():
            pass
        """,
    )
    hl.run().assert_outcomes(passed=1, failed=1, skipped=2)
    statuses = hl.statuses()
    assert statuses["test_1::test_after"] == "skipped"
    assert statuses["test_2::test_other_module"] == "skipped"
    assert hl.case("test_2", "test_other_module")["start_time"] is None


def test_module_level_critical(hl: Session) -> None:
    hl.files(
        test_1="""
        import pytest
        pytestmark = pytest.mark.critical

        def test_first():
            assert False

        def test_second():
            pass
        """,
        test_2="def test_next():\n    pass\n",
    )
    hl.run().assert_outcomes(failed=1, skipped=2)


def test_critical_user_skip_counts(hl: Session) -> None:
    hl.files(
        test_1="""
        import pytest

        @pytest.mark.critical
        def test_critical():
            pytest.skip("no fixture board")

        def test_after():
            pass
        """
    )
    hl.run().assert_outcomes(skipped=2)


def test_critical_recovered_by_an_attempt_does_not_skip(hl: Session) -> None:
    hl.files(
        test_1="""
        import pytest
        import hardpy

        @pytest.mark.critical
        @pytest.mark.attempt(2)
        def test_critical():
            assert hardpy.get_current_attempt() == 2

        def test_after():
            pass
        """
    )
    hl.run().assert_outcomes(passed=2)


def test_critical_setup_error_does_not_skip(hl: Session) -> None:
    hl.files(
        test_1="""
        import pytest

        @pytest.fixture
        def broken():
            raise RuntimeError("fixture")

        @pytest.mark.critical
        def test_critical(broken):
            pass

        def test_after():
            pass
        """
    )
    hl.run().assert_outcomes(passed=1, errors=1)


def test_critical_skipped_by_its_dependency_sets_the_flag(hl: Session) -> None:
    hl.files(
        test_1="""
        import pytest

        def test_fails():
            assert False

        @pytest.mark.critical
        @pytest.mark.dependency("test_1::test_fails")
        def test_critical():
            pass

        def test_after():
            pass
        """
    )
    hl.run().assert_outcomes(failed=1, skipped=2)
    assert hl.statuses()["test_1::test_after"] == "skipped"


# ---------------------------------------------------------------- fixtures and options


def test_post_run_functions_see_the_final_report(hl: Session) -> None:
    hl.files(
        conftest="""
        import json
        import pathlib
        import pytest
        import hardpy

        def first():
            report = hardpy.get_current_report()
            out = pathlib.Path(__file__).parent / "post.json"
            out.write_text(json.dumps({"status": report.status, "stop": report.stop_time}))

        def broken():
            raise RuntimeError("upload failed")

        def last():
            hardpy.set_run_artifact({"post_run": "done"})

        @pytest.fixture(scope="session", autouse=True)
        def register(post_run_functions):
            post_run_functions.extend([first, broken, last])
        """,
        test_a="def test_one():\n    assert False\n",
    )
    result = hl.run("-W", "ignore::hardlab.errors.HardlabWarning")
    result.assert_outcomes(failed=1)
    post = json.loads((hl.pytester.path / "post.json").read_text())
    assert post["status"] == "failed" and isinstance(post["stop"], int)
    # the failing post-run function did not stop the next one, and the report has its write
    assert hl.report()["artifact"] == {"post_run": "done"}


def test_start_args_and_name_from_ini(hl: Session) -> None:
    hl.pytester.makeini(
        """
        [pytest]
        addopts = --hardpy-pt --hardpy-start-arg serial=SN-7 --hardpy-start-arg mode=fast
                  --hardpy-start-arg malformed --hardpy-tests-name "Board A"
        """
    )
    hl.files(
        test_a="""
        import hardpy

        def test_args(hardpy_start_args):
            assert hardpy_start_args == {"serial": "SN-7", "mode": "fast"}
            hardpy.set_dut_serial_number(hardpy_start_args["serial"])
        """
    )
    hl.run(flag=None).assert_outcomes(passed=1)
    report = hl.report()
    assert report["name"] == "Board A"
    assert report["dut"]["serial_number"] == "SN-7"


def test_hardpy_toml_name_config_file_option_and_extra_tables(hl: Session) -> None:
    hl.files(
        **{
            "cfg/hardpy.toml": """
            tests_name = "From toml"
            [extra_args]
            psu = "/dev/ttyUSB0"
            [stand_cloud]
            address = "sc.example.com"
            """,
            "test_a.py": """
            import hardpy

            def test_config():
                config = hardpy.get_hardpy_config()
                assert config.extra_args == {"psu": "/dev/ttyUSB0"}
                assert config.stand_cloud.address == "sc.example.com"
                assert config.stand_cloud.autosync is True
            """,
        }
    )
    config_dir = hl.pytester.path / "cfg"
    hl.run(f"--hardpy-config-file={config_dir}", "--sc-autosync").assert_outcomes(passed=1)
    # plain pytest names the run after the rootdir, as HardPy's plugin does (tests_name is
    # what HardPy's panel, and hardlab's entry points, pass as --hardpy-tests-name)
    assert hl.report()["name"] == hl.pytester.path.name


def test_name_falls_back_to_the_rootdir_name(hl: Session) -> None:
    hl.files(test_a="def test_one():\n    pass\n")
    hl.run().assert_outcomes(passed=1)
    assert hl.report()["name"] == Path(hl.pytester.path).name


# ---------------------------------------------------------------- collection problems


def test_collection_error_fails_the_run(hl: Session) -> None:
    hl.files(test_ok="def test_one():\n    pass\n", test_broken="import no_such_driver\n")
    result = hl.run()
    assert result.ret == pytest.ExitCode.INTERRUPTED
    report = hl.report()
    assert report["status"] == "failed"
    assert report["modules"]["test_ok"]["cases"]["test_one"]["status"] == "ready"


def test_nothing_collected(hl: Session) -> None:
    hl.files(test_a="def helper():\n    pass\n")
    result = hl.run()
    assert result.ret == pytest.ExitCode.NO_TESTS_COLLECTED
    assert hl.report()["status"] == "failed"


def test_collect_only_writes_no_report(hl: Session) -> None:
    hl.files(test_a="def test_one():\n    pass\n")
    result = hl.run("--collect-only")
    assert result.ret == pytest.ExitCode.OK
    assert not list(hl.reports.glob("*.json"))


def test_pytest_output_names_the_run_and_its_report(hl: Session) -> None:
    hl.files(
        test_a="""
        import hardpy

        def test_one():
            hardpy.set_dut_serial_number("SN-5")
            assert False, hardpy.ErrorCode(4)
        """
    )
    result = hl.run()
    result.assert_outcomes(failed=1)
    (path,) = hl.reports.glob("*.json")
    result.stdout.fnmatch_lines(
        [
            "hardlab: run * ('*')",
            "*- hardlab -*",
            f"run {path.stem}: '*' FAILED",
            "DUT SN-5 (no part number)",
            "error code 4",
            "first failure: test_a::test_one",
            f"report: {path}",
        ]
    )
