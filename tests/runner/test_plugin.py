"""hardlab's pytest entry point, through pytester: what switches a run on, HardPy's options, the alias.

The HardPy rules the run's plugin applies are tested in ``tests/engine/test_plugin.py``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from _plugin_session import Session


@pytest.fixture
def hl(pytester: pytest.Pytester) -> Session:
    return Session(pytester)


# ---------------------------------------------------------------- activation


def test_inert_without_a_flag(hl: Session) -> None:
    hl.files(
        test_a="""
        import pytest
        pytestmark = pytest.mark.module_name("A")

        @pytest.mark.case_name("one")
        @pytest.mark.attempt(3)
        def test_one():
            assert True
        """
    )
    result = hl.run("--strict-markers", flag=None)
    result.assert_outcomes(passed=1)
    assert not list(hl.reports.glob("*.json"))


@pytest.mark.parametrize("flag", ["--hardlab", "--hardpy-pt"])
def test_enabled_by_flag(hl: Session, flag: str) -> None:
    hl.files(test_a="def test_one():\n    pass\n")
    hl.run(flag=flag).assert_outcomes(passed=1)
    assert hl.report()["status"] == "passed"


def test_enabled_by_ini_addopts_as_hardpy_writes_it(hl: Session) -> None:
    hl.pytester.makeini("[pytest]\naddopts = --hardpy-pt\n")
    hl.files(test_a="def test_one():\n    pass\n")
    hl.run(flag=None).assert_outcomes(passed=1)
    assert hl.report()["status"] == "passed"


def test_enabled_by_ini_switch(hl: Session) -> None:
    hl.pytester.makeini("[pytest]\nhardlab = true\n")
    hl.files(test_a="def test_one():\n    pass\n")
    hl.run(flag=None).assert_outcomes(passed=1)
    assert hl.report()["modules"]["test_a"]["cases"]["test_one"]["status"] == "passed"


def test_couchdb_options_are_accepted_with_one_notice(hl: Session) -> None:
    hl.files(test_a="def test_one():\n    pass\n")
    result = hl.run(
        "--hardpy-db-url=http://dev:dev@localhost:5984/",
        "--hardpy-clear-database",
        "--hardpy-sp=1234",
        "--sc-address=standcloud.example.com",
    )
    result.assert_outcomes(passed=1, warnings=1)
    result.stdout.fnmatch_lines(
        ["*--hardpy-db-url, --hardpy-clear-database, --hardpy-sp only concern HardPy's CouchDB*"]
    )


def test_import_hardpy_resolves_to_hardlab_and_goes_away(hl: Session) -> None:
    hl.files(
        test_a="""
        import hardpy
        from hardpy import set_dut_serial_number, DialogBox
        from hardpy.pytest_hardpy.utils import TestStatus

        def test_alias():
            import hardlab
            assert hardpy.set_message is hardlab.set_message
            assert TestStatus.PASSED == "passed"
            set_dut_serial_number("A1")
        """
    )
    hl.run().assert_outcomes(passed=1)
    assert hl.report()["dut"]["serial_number"] == "A1"
    import sys

    assert "hardpy" not in sys.modules


def test_a_real_hardpy_wins_unless_the_alias_is_forced(
    hl: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = hl.pytester.path / "site"
    (site / "hardpy").mkdir(parents=True)
    (site / "hardpy" / "__init__.py").write_text("REAL = True\n")
    monkeypatch.syspath_prepend(str(site))
    hl.files(
        test_a="""
        import hardpy

        def test_which(request):
            forced = request.config.getoption("hardlab_hardpy_alias") == "always"
            assert getattr(hardpy, "REAL", False) is not forced
            if forced:
                hardpy.set_dut_serial_number("from hardlab")
        """
    )
    hl.run().assert_outcomes(passed=1)
    assert hl.report()["dut"]["serial_number"] is None
    hl.run("--hardlab-hardpy-alias=always").assert_outcomes(passed=1)
    assert hl.report()["dut"]["serial_number"] == "from hardlab"
    import sys

    assert "hardpy" not in sys.modules or getattr(sys.modules["hardpy"], "REAL", False)


# ---------------------------------------------------------------- one process, many sessions


def test_a_session_that_loads_what_a_standcloud_run_loads_spoils_no_later_one(
    hl: Session, tmp_path: Path
) -> None:
    # A StandCloud run loads keyring (which on Python < 3.12 imports the importlib_metadata
    # backport) and SQLAlchemy in this process; neither can be imported twice in one
    # process (see tests/conftest.py), so the session's imports must not be its first.
    import importlib.metadata
    import importlib.util

    if importlib.util.find_spec("importlib_metadata") is None:  # found, not imported here
        pytest.skip("the importlib_metadata backport is not installed")
    hl.files(test_a="import importlib_metadata, sqlalchemy.orm\n\ndef test_one():\n    pass\n")
    hl.run().assert_outcomes(passed=1)
    assert importlib.metadata.version("hardlab")
    assert "hardlab" in {ep.name for ep in importlib.metadata.entry_points(group="pytest11")}
    hl.run().assert_outcomes(passed=1)  # the entry point still loads: --hardlab is known
    assert hl.report()["status"] == "passed"
    from hardlab.storage import Store

    with Store(tmp_path / "after.db") as store:  # SQLAlchemy still queries
        assert store.count_runs() == 0
