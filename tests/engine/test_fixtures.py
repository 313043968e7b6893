"""HardPy's session fixtures under the suite's own warning filters (pytest 10 readiness)."""

from __future__ import annotations

import textwrap

import pytest

CONFTEST = """
import pytest

@pytest.fixture(scope="session", autouse=True)
def register(post_run_functions):
    post_run_functions.append(lambda: None)
"""

PLAN = """
def test_args(hardpy_start_args):
    assert hardpy_start_args == {"serial": "SN-1"}
"""


def test_session_fixtures_raise_no_pytest_deprecation(
    pytester: pytest.Pytester, request: pytest.FixtureRequest
) -> None:
    # The inner session records its warnings itself, so the suite's filters
    # (pyproject's filterwarnings) are handed to it: a deprecation there is an error.
    filters = list(request.config.getini("filterwarnings"))
    assert "error::pytest.PytestRemovedIn10Warning" in filters
    pytester.makeconftest(textwrap.dedent(CONFTEST))
    pytester.makepyfile(test_plan=textwrap.dedent(PLAN))
    args = [arg for text in filters for arg in ("-W", text)]
    result = pytester.runpytest(
        "--hardlab",
        "--hardlab-no-store",
        "--hardpy-start-arg",
        "serial=SN-1",
        "-p",
        "no:cacheprovider",
        *args,
    )
    result.assert_outcomes(passed=1)
    assert "PytestRemovedIn10Warning" not in result.stdout.str()
